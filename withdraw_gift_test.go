package buybutton_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// Whether the platform of a fixture can withdraw a gift waiting for its
// donor's step (provider.DonationWithdrawals).
const (
	canWithdraw    = true
	cannotWithdraw = false
)

// shopThat is the demo shop selling through p, on a platform that can
// withdraw a gift waiting for its donor's step, or one that cannot.
func shopThat(p any, withdraws bool) buybutton.Merchant {
	m := buybutton.MerchantFrom(shopID, "Demo Shop", p)
	if !withdraws {
		m.Withdrawals = nil
	}
	return m
}

// assertWithdrawn asserts that the platform's donation id was withdrawn
// while it waited for the donor's step, and that the donor taking the
// step after all charges nothing.
func assertWithdrawn(t *testing.T, f fixture, id string) {
	t.Helper()
	require.ErrorIs(t, f.shop.CompleteAction(id, true), provider.ErrInvalidState, "the donor takes the step after all: there is none to take")
	f.deliver(t)
	d, err := f.shop.Donation(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, provider.DonationCanceled, d.Status, "the gift given up is withdrawn")
	assert.True(t, d.Refunded.IsZero(), "nothing was charged, so nothing is refunded: %s", d.Refunded)
}

// TestAGiftGivenUpWhileItWaitsIsWithdrawn: a gift waiting for the
// donor's bank step, whose checkout expires, is canceled, or is paid with
// another card instead, is withdrawn at the platform (a monthly gift's
// first month once its monthly donation is canceled): the step, if the
// donor takes it later, charges nothing. Before, the gift was left
// waiting, and a step taken later charged the donor and had the library
// refund it: a charge and a refund on the donor's statement, and a
// processing fee the platform may keep.
func TestAGiftGivenUpWhileItWaitsIsWithdrawn(t *testing.T) {
	for _, monthly := range []bool{false, true} {
		for _, how := range []string{"expired", "canceled", "another card"} {
			name := how
			if monthly {
				name = "monthly, " + how
			}
			t.Run(name, func(t *testing.T) {
				f := newShop(t, nil)
				cp, co := startGift(t, f, monthly)
				confirm := func(token string) error {
					_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: token})
					return err
				}
				require.ErrorIs(t, confirm(memory.TokenActionRequired), buybutton.ErrActionRequired)
				waiting := f.checkout(t, co.ID).PaymentID

				raised := usd("0.00")
				switch how {
				case "expired":
					f.clock.Advance(31 * time.Minute)
					_, err := f.client.Maintain(ctx, 100)
					require.NoError(t, err)
					assert.Equal(t, buybutton.CheckoutExpired, f.checkout(t, co.ID).State)
				case "canceled":
					got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
					require.NoError(t, err)
					assert.Equal(t, buybutton.CheckoutCanceled, got.State)
				case "another card":
					require.NoError(t, confirm(memory.TokenApprove))
					assert.Equal(t, buybutton.CheckoutPlaced, f.checkout(t, co.ID).State)
					raised = usd("25.00")
				}

				assertWithdrawn(t, f, waiting)
				if monthly {
					d, err := f.shop.Donation(ctx, waiting)
					require.NoError(t, err)
					md, err := f.shop.Monthly(ctx, d.MonthlyID)
					require.NoError(t, err)
					assert.Equal(t, provider.MonthlyCanceled, md.Status, "its monthly donation charges no more")
				}
				st := f.shop.Stats()
				assert.Equal(t, 1, st.Withdrawals)
				assert.Zero(t, st.Refunds, "nothing to refund")
				got, err := f.client.Campaign(ctx, cp.ID)
				require.NoError(t, err)
				assert.True(t, got.Raised.Equal(raised), "raised %s, want %s", got.Raised, raised)
			})
		}
	}
}

// TestAMonthWhoseMonthlyDonationRunsIsNotWithdrawn: the memory platform
// keeps the contract's order: a month of a monthly donation that still
// runs is ErrInvalidState, and is withdrawn once it is canceled.
func TestAMonthWhoseMonthlyDonationRunsIsNotWithdrawn(t *testing.T) {
	f := newShop(t, nil)
	md, err := f.shop.StartMonthly(ctx, provider.DonateRequest{IdempotencyKey: "k", NonprofitID: memory.DemoCharity, Amount: usd("10.00"), Token: memory.TokenActionRequired})
	require.NoError(t, err)
	withdraw := func(key string) (provider.Donation, error) {
		return f.shop.WithdrawDonation(ctx, provider.WithdrawDonationRequest{IdempotencyKey: key, DonationID: md.First.ID})
	}
	_, err = withdraw("w1")
	require.ErrorIs(t, err, provider.ErrInvalidState)
	_, err = f.shop.CancelMonthly(ctx, md.ID)
	require.NoError(t, err)
	d, err := withdraw("w2")
	require.NoError(t, err)
	assert.Equal(t, provider.DonationCanceled, d.Status)
	got, err := f.shop.Monthly(ctx, md.ID)
	require.NoError(t, err)
	assert.Equal(t, provider.DonationCanceled, got.First.Status)
}

// flakyWithdrawals is the memory platform answering the next *fail
// withdrawals wrongly: lost, the withdrawal is made and its answer lost
// (a timeout after the request was sent); early, the donation is answered
// as it still is, waiting, and nothing is withdrawn.
type flakyWithdrawals struct {
	*memory.Provider
	how  string
	fail *int
}

func (p flakyWithdrawals) WithdrawDonation(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	if *p.fail == 0 {
		return p.Provider.WithdrawDonation(ctx, req)
	}
	*p.fail--
	if p.how == "early" {
		return p.Provider.Donation(ctx, req.DonationID)
	}
	if _, err := p.Provider.WithdrawDonation(ctx, req); err != nil {
		return provider.Donation{}, err
	}
	return provider.Donation{}, provider.ErrUnknownOutcome
}

// TestAWithdrawalNotAnsweredWithdrawnIsAskedAgain: a withdrawal whose
// outcome is unknown, or that the platform answers with the donation
// still waiting, is not believed: the checkout keeps owing its undo,
// which a retry of the cancel finishes with the same key: one
// withdrawal, nothing charged.
func TestAWithdrawalNotAnsweredWithdrawnIsAskedAgain(t *testing.T) {
	for _, how := range []string{"lost", "early"} {
		t.Run(how, func(t *testing.T) {
			fail := 1
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
				return buybutton.MerchantFrom(shopID, "Demo Shop", flakyWithdrawals{Provider: p, how: how, fail: &fail})
			})
			_, co := startGift(t, f, false)
			_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
			require.ErrorIs(t, err, buybutton.ErrActionRequired)
			waiting := f.checkout(t, co.ID).PaymentID

			_, err = f.client.CancelCheckout(ctx, buyer, co.ID)
			require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
			assert.Equal(t, waiting, f.checkout(t, co.ID).PaymentID, "the checkout still owes the gift's undo")

			got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
			require.NoError(t, err)
			assert.Equal(t, buybutton.CheckoutCanceled, got.State)
			assert.False(t, got.Compensating)
			assertWithdrawn(t, f, waiting)
			assert.Equal(t, 1, f.shop.Stats().Withdrawals)
		})
	}
}

// refusedWithdrawals is the memory platform refusing every withdrawal as
// a request it does not take, as a wrapper over a platform without the
// capability does (provider/faulty).
type refusedWithdrawals struct{ *memory.Provider }

func (refusedWithdrawals) WithdrawDonation(context.Context, provider.WithdrawDonationRequest) (provider.Donation, error) {
	return provider.Donation{}, provider.ErrInvalidRequest
}

// TestAWithdrawalThePlatformDoesNotTakeLeavesTheGiftToARefund: a
// withdrawal refused as a request the platform does not take (asking
// again would not change that) does not keep the checkout owing its undo
// for ever: the gift is left waiting, as on a platform without
// withdrawals, and refunded if the donor completes it.
func TestAWithdrawalThePlatformDoesNotTakeLeavesTheGiftToARefund(t *testing.T) {
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		return buybutton.MerchantFrom(shopID, "Demo Shop", refusedWithdrawals{p})
	})
	_, co := startGift(t, f, false)
	_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	waiting := f.checkout(t, co.ID).PaymentID

	got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutCanceled, got.State)
	assert.False(t, got.Compensating, "the undo is done")

	require.NoError(t, f.shop.CompleteAction(waiting, true))
	f.deliver(t)
	assertGivenBack(t, f, waiting, false)
}
