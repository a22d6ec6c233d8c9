package providertest

import (
	"errors"
	"testing"

	"github.com/buybutton/buybutton/provider"
)

// withdrawalsProvider is what the withdrawal checks need: donations, and
// withdrawing them.
type withdrawalsProvider interface {
	provider.Donations
	provider.DonationWithdrawals
}

func runWithdrawals(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[withdrawalsProvider]{
		{"WithdrawnDonationChargesNothing", func(t *testing.T, e env[withdrawalsProvider]) {
			d := donate(t, donations(e), "gift", e.fx.TokenActionRequired, 2500)
			if d.Status != provider.DonationRequiresAction {
				t.Fatalf("Donate with the action-required token = %s, want requires_action", d.Status)
			}
			w := withdraw(t, e, "withdraw", d.ID)
			if w.ID != d.ID || w.Status != provider.DonationCanceled || w.NextAction != nil {
				t.Fatalf("WithdrawDonation = %s %s, next action %v; want %s canceled, no action", w.ID, w.Status, w.NextAction, d.ID)
			}
			// The donor takes the step after all: it must take nothing.
			e.h.CompleteAction(e.ctx, d.ID, true)
			if got := donationState(t, e, d.ID); got.Status != provider.DonationCanceled {
				t.Fatalf("after the donor's action on a withdrawn donation: %s; want canceled, nothing charged", got.Status)
			}
			if again := withdraw(t, e, "withdraw", d.ID); again.Status != provider.DonationCanceled {
				t.Fatalf("replayed withdrawal = %s, want canceled", again.Status)
			}
			if other := withdraw(t, e, "withdraw again", d.ID); other.Status != provider.DonationCanceled {
				t.Fatalf("withdrawing a withdrawn donation with another key = %s, want canceled, unchanged", other.Status)
			}
		}},
		{"WithdrawFailedChangesNothing", func(t *testing.T, e env[withdrawalsProvider]) {
			d := donate(t, donations(e), "gift", e.fx.TokenActionRequired, 2500)
			if !e.h.CompleteAction(e.ctx, d.ID, false) {
				t.Skip("the harness cannot fail a donation's action")
			}
			w := withdraw(t, e, "withdraw", d.ID)
			if w.Status != provider.DonationFailed && w.Status != provider.DonationCanceled {
				t.Fatalf("withdrawing a failed donation = %s, want failed or canceled", w.Status)
			}
		}},
		{"WithdrawSucceededIsInvalidState", func(t *testing.T, e env[withdrawalsProvider]) {
			d := donate(t, donations(e), "gift", e.fx.TokenApprove, 2500)
			_, err := e.p.WithdrawDonation(e.ctx, provider.WithdrawDonationRequest{IdempotencyKey: key(t, "withdraw"), DonationID: d.ID})
			if !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("withdrawing a succeeded donation: err = %v, want ErrInvalidState (refund it instead)", err)
			}
			if got := donationState(t, e, d.ID); got.Status != provider.DonationSucceeded || !got.Refunded.IsZero() {
				t.Fatalf("after the refused withdrawal: %s, %v refunded; want succeeded, unchanged", got.Status, got.Refunded)
			}
		}},
		{"WithdrawUnknownIsNotFound", func(t *testing.T, e env[withdrawalsProvider]) {
			_, err := e.p.WithdrawDonation(e.ctx, provider.WithdrawDonationRequest{IdempotencyKey: key(t, "withdraw"), DonationID: "providertest-no-such-donation"})
			if !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		}},
	})
}

// monthlyWithdrawalsProvider is what the check of a month's withdrawal
// needs: monthly donations, and withdrawing them.
type monthlyWithdrawalsProvider interface {
	monthlyProvider
	provider.DonationWithdrawals
}

func runMonthlyWithdrawals(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[monthlyWithdrawalsProvider]{
		{"WithdrawAMonthOnceItsMonthlyDonationIsCanceled", func(t *testing.T, e env[monthlyWithdrawalsProvider]) {
			m, err := e.p.StartMonthly(e.ctx, monthlyRequest(t, env[monthlyProvider]{h: e.h, p: e.p, fx: e.fx, ctx: e.ctx}, key(t, "monthly"), e.fx.TokenActionRequired))
			if err != nil || m.First.Status != provider.DonationRequiresAction {
				t.Fatalf("StartMonthly with the action-required token = %+v, %v; want its first month waiting", m, err)
			}
			req := provider.WithdrawDonationRequest{IdempotencyKey: key(t, "too soon"), DonationID: m.First.ID}
			if _, err := e.p.WithdrawDonation(e.ctx, req); !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("withdrawing a month of a monthly donation that runs: err = %v, want ErrInvalidState (cancel it first)", err)
			}
			if _, err := e.p.CancelMonthly(e.ctx, m.ID); err != nil {
				t.Fatalf("CancelMonthly: %v", err)
			}
			req.IdempotencyKey = key(t, "withdraw")
			w, err := e.p.WithdrawDonation(e.ctx, req)
			if err != nil || w.ID != m.First.ID || w.Status != provider.DonationCanceled {
				t.Fatalf("WithdrawDonation of the canceled monthly's first month = %s %s, %v; want %s canceled", w.ID, w.Status, err, m.First.ID)
			}
			e.h.CompleteAction(e.ctx, m.First.ID, true)
			if got, err := e.p.Donation(e.ctx, m.First.ID); err != nil || got.Status != provider.DonationCanceled {
				t.Fatalf("after the donor's action on the withdrawn month: %s, %v; want canceled, nothing charged", got.Status, err)
			}
		}},
	})
}

// donations narrows e to the Donations checks' env, for their helpers.
func donations(e env[withdrawalsProvider]) env[provider.Donations] {
	return env[provider.Donations]{h: e.h, p: e.p, fx: e.fx, ctx: e.ctx}
}

func withdraw(t *testing.T, e env[withdrawalsProvider], label, donationID string) provider.Donation {
	t.Helper()
	d, err := e.p.WithdrawDonation(e.ctx, provider.WithdrawDonationRequest{IdempotencyKey: key(t, label), DonationID: donationID})
	if err != nil {
		t.Fatalf("WithdrawDonation (%s): %v", label, err)
	}
	return d
}

func donationState(t *testing.T, e env[withdrawalsProvider], id string) provider.Donation {
	t.Helper()
	d, err := e.p.Donation(e.ctx, id)
	if err != nil {
		t.Fatalf("Donation(%s): %v", id, err)
	}
	return d
}
