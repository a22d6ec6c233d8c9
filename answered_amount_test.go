package buybutton_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// otherAmounts is the memory platform holding or charging another amount
// than asked, as a platform that authorizes part of an amount does, or an
// adapter that scales minor units wrongly on the way in: the hold or the
// charge is real, of the amount answered. When answerIn is set, it
// answers holds, and reads of them, in that currency instead: the platform
// holds what was asked. It keeps the ids it answered with; off makes it honest again.
type otherAmounts struct {
	*memory.Provider
	amount   func(asked money.Amount) money.Amount
	answerIn money.Currency
	off      bool
	answered []string
	// cancelsRefused is how many CancelMonthly calls are refused, as
	// unavailable, before one is made.
	cancelsRefused int
	// refundsInPart is how many RefundDonation calls refund a tenth of
	// what they ask, and say so, before one refunds all of it.
	refundsInPart int
}

func (p *otherAmounts) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	if p.refundsInPart > 0 {
		p.refundsInPart--
		req.Amount = tenth(req.Amount)
	}
	return p.Provider.RefundDonation(ctx, req)
}

func (p *otherAmounts) CancelMonthly(ctx context.Context, monthlyID string) (provider.MonthlyDonation, error) {
	if p.cancelsRefused > 0 {
		p.cancelsRefused--
		return provider.MonthlyDonation{}, provider.ErrUnavailable
	}
	return p.Provider.CancelMonthly(ctx, monthlyID)
}

func (p *otherAmounts) ask(a money.Amount) money.Amount {
	if p.off || p.amount == nil {
		return a
	}
	return p.amount(a)
}

func (p *otherAmounts) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	req.Amount = p.ask(req.Amount)
	pay, err := p.Provider.Authorize(ctx, req)
	if err == nil {
		p.answered = append(p.answered, pay.ID)
		if p.answerIn != "" && !p.off {
			pay.Amount = money.MustParse(pay.Amount.Number(), string(p.answerIn))
		}
	}
	return pay, err
}

func (p *otherAmounts) Payment(ctx context.Context, id string) (provider.Payment, error) {
	pay, err := p.Provider.Payment(ctx, id)
	if err == nil && p.answerIn != "" && !p.off {
		pay.Amount = money.MustParse(pay.Amount.Number(), string(p.answerIn))
	}
	return pay, err
}

func (p *otherAmounts) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	req.Amount = p.ask(req.Amount)
	d, err := p.Provider.Donate(ctx, req)
	if err == nil {
		p.answered = append(p.answered, d.ID)
	}
	return d, err
}

func (p *otherAmounts) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	req.Amount = p.ask(req.Amount)
	md, err := p.Provider.StartMonthly(ctx, req)
	if err == nil {
		p.answered = append(p.answered, md.ID, md.First.ID)
	}
	return md, err
}

func tenth(a money.Amount) money.Amount {
	return money.MustParse(a.Decimal().Shift(-1).StringFixed(2), string(a.Currency()))
}

func hundredfold(a money.Amount) money.Amount { return a.MulInt(100) }

// TestAHoldOfAnotherAmountIsReleased: a platform that answers Authorize
// with a hold of another amount than the checkout's total (less: a partial
// authorization; more: minor units scaled wrongly; another currency) has
// not held what the buyer agreed to pay. No order is placed on it: the
// hold is voided, the stock released, the buyer told with a code and the
// host with ErrUnexpectedAnswer, and the checkout can be confirmed again.
func TestAHoldOfAnotherAmountIsReleased(t *testing.T) {
	for _, tc := range []struct {
		name     string
		amount   func(money.Amount) money.Amount
		answerIn money.Currency
		token    string
	}{
		{"a partial hold", tenth, "", memory.TokenApprove},
		{"a hundredfold hold", hundredfold, "", memory.TokenApprove},
		{"a hold in another currency", nil, "EUR", memory.TokenApprove},
		// Caught before the buyer is sent to the bank.
		{"a partial hold awaiting the bank's step", tenth, "", memory.TokenActionRequired},
		// The hold is answered right, then in another currency once the
		// buyer took the step.
		{"a hold answered in another currency after the bank's step", nil, "EUR", memory.TokenActionRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var platform *otherAmounts
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
				platform = &otherAmounts{Provider: p, amount: tc.amount, answerIn: tc.answerIn}
				return buybutton.MerchantFrom(shopID, "Demo Shop", platform)
			})
			co := f.ready(t, buyer, sneaker("8", 3)) // every pair of size 8
			afterStep := tc.answerIn != "" && tc.token == memory.TokenActionRequired
			platform.off = afterStep
			_, err := f.confirm(co, tc.token)
			if afterStep {
				require.ErrorIs(t, err, buybutton.ErrActionRequired)
				require.NoError(t, f.shop.CompleteAction(platform.answered[0], true))
				platform.off = false
				_, err = f.client.Reconcile(ctx, co.ID)
			}
			require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)

			got := f.checkout(t, co.ID)
			assert.Equal(t, buybutton.CheckoutShippingSelected, got.State, "the attempt is undone")
			require.NotNil(t, got.LastError)
			assert.Equal(t, "platform_error", got.LastError.Code)
			stats := f.shop.Stats()
			assert.Zero(t, stats.Orders, "no order placed on a hold of another amount")
			assert.Zero(t, stats.Captures)
			pay, err := f.shop.Payment(ctx, platform.answered[0])
			require.NoError(t, err)
			assert.Equal(t, provider.PaymentVoided, pay.Status, "the hold is released")
			assert.Contains(t, f.pendingEvents(t), buybutton.EventPaymentFailed)
			assert.NotContains(t, f.pendingEvents(t), buybutton.EventOrderPlaced)

			platform.off = true
			o, err := f.confirm(got, memory.TokenApprove)
			require.NoError(t, err, "the stock came back and the checkout can be confirmed again")
			assert.True(t, o.Authorized.Equal(co.Totals.Total), "held %s", o.Authorized)
			assert.Equal(t, 1, f.shop.Stats().Orders)
		})
	}
}

// TestAGiftOfAnotherAmountIsGivenBack: a platform that charges a donation
// of another amount than asked took money the donor did not give. No
// donation is recorded or counted; the charge is refunded in full, a
// monthly gift started on it is canceled at the platform, and the host is
// told ErrUnexpectedAnswer. A monthly gift whose cancel fails is not given
// back before it is canceled, and a charge the platform refunds in part
// is not given back yet: the checkout waits, unknown, and Reconcile
// finishes.
func TestAGiftOfAnotherAmountIsGivenBack(t *testing.T) {
	for _, tc := range []struct {
		name           string
		monthly        bool
		cancelsRefused int
		refundsInPart  int
	}{
		{"one-off", false, 0, 0},
		{"monthly", true, 0, 0},
		{"monthly, its cancel refused once", true, 1, 0},
		{"one-off, given back in part first", false, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			monthly := tc.monthly
			var platform *otherAmounts
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
				platform = &otherAmounts{Provider: p, amount: hundredfold, cancelsRefused: tc.cancelsRefused, refundsInPart: tc.refundsInPart}
				return buybutton.MerchantFrom(shopID, "Demo Shop", platform)
			})
			cp, co := startGift(t, f, monthly)
			_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
			if tc.cancelsRefused == 0 && tc.refundsInPart == 0 {
				require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)
			} else {
				// The undo could not finish: what the platform did is
				// not settled yet.
				require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
				assert.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
				given := platform.answered[len(platform.answered)-1]
				d, err := f.shop.Donation(ctx, given)
				require.NoError(t, err)
				if tc.refundsInPart == 0 {
					assert.True(t, d.Refunded.IsZero(), "nothing given back while the monthly gift still runs")
				} else {
					assert.Equal(t, tenth(d.Amount).String(), d.Refunded.String(), "a tenth given back: not all of it")
				}
				_, err = f.client.Reconcile(ctx, co.ID)
				require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)
			}

			got := f.checkout(t, co.ID)
			assert.Equal(t, buybutton.CheckoutOpen, got.State, "the attempt is undone")
			assert.Empty(t, got.DonationID, "no donation recorded")
			given := platform.answered[len(platform.answered)-1]
			d, err := f.shop.Donation(ctx, given)
			require.NoError(t, err)
			assert.True(t, d.Refunded.Equal(d.Amount), "the charge of %s is refunded in full, refunded %s", d.Amount, d.Refunded)
			if monthly {
				md, err := f.shop.Monthly(ctx, platform.answered[0])
				require.NoError(t, err)
				assert.Equal(t, provider.MonthlyCanceled, md.Status, "no month is charged again")
			}
			f.deliver(t) // the platform's word of the charge and its refund changes nothing
			cp, err = f.client.Campaign(ctx, cp.ID)
			require.NoError(t, err)
			assert.True(t, cp.Raised.IsZero(), "nothing counted, raised %s", cp.Raised)
			assert.Zero(t, cp.Donors)
			assert.NotContains(t, f.pendingEvents(t), buybutton.EventDonationSucceeded)
		})
	}
}
