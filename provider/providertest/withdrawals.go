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
