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

// refundAnswers is the memory platform answering refunds of another
// amount than asked. With made set, it refunds that amount of what is
// asked, and says so, as a platform that refunds in part; for the next
// madeTimes refunds only, when madeTimes is above zero. With said set, it
// refunds what is asked and answers that amount instead, as an adapter
// that reads the answer wrongly.
type refundAnswers struct {
	*memory.Provider
	made      func(asked money.Amount) money.Amount
	madeTimes int
	said      func(asked money.Amount) money.Amount
}

func (p *refundAnswers) answer(req *money.Amount, refund func(money.Amount) (provider.Refund, error)) (provider.Refund, error) {
	if p.made != nil {
		*req = p.made(*req)
		if p.madeTimes--; p.madeTimes == 0 {
			p.made = nil
		}
	}
	r, err := refund(*req)
	if err == nil && p.said != nil {
		r.Amount = p.said(r.Amount)
	}
	return r, err
}

func (p *refundAnswers) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	return p.answer(&req.Amount, func(a money.Amount) (provider.Refund, error) {
		req.Amount = a
		return p.Provider.Refund(ctx, req)
	})
}

func (p *refundAnswers) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	return p.answer(&req.Amount, func(a money.Amount) (provider.Refund, error) {
		req.Amount = a
		return p.Provider.RefundDonation(ctx, req)
	})
}

func refundAnswersFixture(t *testing.T) (fixture, *refundAnswers) {
	var platform *refundAnswers
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		platform = &refundAnswers{Provider: p}
		return buybutton.MerchantFrom(shopID, "Demo Shop", platform)
	})
	return f, platform
}

// refundedOnPlatform is what the memory platform has refunded of the
// order's payment: the money that moved, against which the order's books
// are held.
func (f fixture) refundedOnPlatform(t *testing.T, o *buybutton.Order) money.Amount {
	t.Helper()
	pay, err := f.shop.Payment(ctx, o.PaymentID)
	require.NoError(t, err)
	return pay.Refunded
}

// eventAmounts is the amounts of the host's pending events of type typ.
func (f fixture) eventAmounts(t *testing.T, typ buybutton.EventType) []string {
	t.Helper()
	events, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	var out []string
	for _, e := range events {
		if e.Type == typ && e.Amount != nil {
			out = append(out, e.Amount.String())
		}
	}
	return out
}

// TestARefundMadeOfAnotherAmountIsRecordedAsMade: a platform that
// refunds part of what was asked has moved that part. The order records
// the refund of the amount the platform answered, not the amount asked,
// so that its books agree with the money; the host hears the refund of
// that amount, and the call, and its retry with the same key, return
// ErrUnexpectedAnswer, with the amount asked kept on the refund. What is
// left can be refunded.
func TestARefundMadeOfAnotherAmountIsRecordedAsMade(t *testing.T) {
	f, platform := refundAnswersFixture(t)
	o := f.placed(t) // 90.78 captured
	platform.made, platform.madeTimes = tenth, 1
	refund := func(key, amount string) (*buybutton.Refund, error) {
		return f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd(amount), Reason: "damaged", IdempotencyKey: key})
	}

	r, err := refund("first", "50.00")
	require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)
	require.NotNil(t, r)
	assert.Equal(t, buybutton.RefundSucceeded, r.Status)
	assert.Equal(t, "5.00 USD", r.Amount.String(), "recorded as made")
	require.NotNil(t, r.Asked)
	assert.Equal(t, "50.00 USD", r.Asked.String())
	got := f.order(t, o.ID)
	assert.Equal(t, "5.00 USD", got.Refunded().String())
	assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)), "the books say %s refunded, the platform %s", got.Refunded(), f.refundedOnPlatform(t, got))
	assert.Equal(t, "85.78 USD", got.Refundable().String())
	assert.Equal(t, buybutton.PaymentPartiallyRefunded, got.PaymentState())
	assert.Equal(t, []string{"5.00 USD"}, f.eventAmounts(t, buybutton.EventRefundSucceeded))

	again, err := refund("first", "50.00")
	require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer, "a retry answers what the first call did")
	assert.Equal(t, r.ID, again.ID)
	assert.Equal(t, 1, f.shop.Stats().Refunds, "and refunds nothing more")

	f.deliver(t) // the platform's word of its refund matches the one recorded
	assert.Equal(t, "5.00 USD", f.order(t, o.ID).Refunded().String())

	rest, err := refund("rest", "85.78")
	require.NoError(t, err)
	assert.Nil(t, rest.Asked)
	got = f.order(t, o.ID)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)))
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
}

// TestACancellationRefundedInPartIsFinishedLater: an order is canceled
// only once its money is back. A cancellation whose refund the platform
// made of part of the money leaves the order placed, that part recorded
// refunded, and ErrUnexpectedAnswer; cancelling again refunds the rest
// and cancels.
func TestACancellationRefundedInPartIsFinishedLater(t *testing.T) {
	f, platform := refundAnswersFixture(t)
	o := f.placed(t)
	platform.made, platform.madeTimes = tenth, 1
	cancel := func() (*buybutton.Order, error) {
		return f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	}

	_, err := cancel()
	require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status, "not canceled while most of the money is kept")
	assert.Equal(t, "9.08 USD", got.Refunded().String())
	assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)))
	assert.NotContains(t, f.pendingEvents(t), buybutton.EventOrderCanceled)

	got, err = cancel()
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)))
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
}

// TestADonationRefundMadeOfAnotherAmountCountsAsMade: a campaign's
// raised total falls by what the platform refunded of a gift, not by
// what was asked.
func TestADonationRefundMadeOfAnotherAmountCountsAsMade(t *testing.T) {
	f, platform := refundAnswersFixture(t)
	cp, co := startGift(t, f, false)
	d, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	platform.made, platform.madeTimes = tenth, 1

	r, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("10.00"), Reason: "asked", IdempotencyKey: "k"})
	require.ErrorIs(t, err, buybutton.ErrUnexpectedAnswer)
	assert.Equal(t, "1.00 USD", r.Amount.String())
	d, err = f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, "1.00 USD", d.Refunded().String())
	pd, err := f.shop.Donation(ctx, d.ProviderDonationID)
	require.NoError(t, err)
	assert.True(t, d.Refunded().Equal(pd.Refunded), "the books say %s refunded, the platform %s", d.Refunded(), pd.Refunded)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "24.00 USD", cp.Raised.String())
}

// TestARefundAnswerNoPlatformCouldGiveLeavesItUnknown: an answer that
// cannot be true (more than the payment took, another currency) records
// nothing refunded: the refund stays pending, its amount set aside, as
// an outcome not known yet, and ReconcileOrder settles it once the
// provider answers as it should.
func TestARefundAnswerNoPlatformCouldGiveLeavesItUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		said func(money.Amount) money.Amount
	}{
		{"more than was taken", hundredfold},
		{"another currency", func(a money.Amount) money.Amount { return money.MustParse(a.Number(), "EUR") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, platform := refundAnswersFixture(t)
			o := f.placed(t)
			platform.said = tc.said

			r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("50.00"), Reason: "damaged", IdempotencyKey: "k"})
			require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
			require.NotNil(t, r)
			assert.Equal(t, buybutton.RefundPending, r.Status)
			got := f.order(t, o.ID)
			assert.True(t, got.Refunded().IsZero(), "nothing recorded refunded, %s", got.Refunded())
			assert.Equal(t, "40.78 USD", got.Refundable().String(), "the refund's amount is set aside")
			assert.Empty(t, f.eventAmounts(t, buybutton.EventRefundSucceeded))

			platform.said = nil
			got, err = f.client.ReconcileOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Len(t, got.Refunds, 1)
			assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[0].Status)
			assert.Nil(t, got.Refunds[0].Asked)
			assert.Equal(t, "50.00 USD", got.Refunded().String())
			assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)))
			assert.Equal(t, 1, f.shop.Stats().Refunds, "asked again with the same key: refunded once")
		})
	}
}
