package providertest

import (
	"errors"
	"slices"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

func runDonations(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Donations]{
		{"NonprofitsAreTheCallers", func(t *testing.T, e env[provider.Donations]) {
			resultIsTheCallers(t, "Nonprofits", func() ([]provider.Nonprofit, error) {
				return e.p.Nonprofits(e.ctx, []string{e.fx.NonprofitID})
			})
		}},
		{"DonationAndItsReplayAreTheCallers", func(t *testing.T, e env[provider.Donations]) {
			// Waiting for an action, so that its NextAction is set too.
			d := donate(t, e, "gift", e.fx.TokenActionRequired, 2500)
			resultIsTheCallers(t, "Donation", func() (provider.Donation, error) { return e.p.Donation(e.ctx, d.ID) })
			resultIsTheCallers(t, "a replayed Donate", func() (provider.Donation, error) {
				return tryDonate(t, e, key(t, "gift"), e.fx.TokenActionRequired, 2500)
			})
		}},
		{"NonprofitsReturnsKnownLeavesOutUnknown", func(t *testing.T, e env[provider.Donations]) {
			got, err := e.p.Nonprofits(e.ctx, []string{e.fx.NonprofitID, "providertest-no-such-nonprofit"})
			if err != nil || len(got) != 1 {
				t.Fatalf("Nonprofits = %d, %v; want exactly %q", len(got), err, e.fx.NonprofitID)
			}
			n := got[0]
			if n.ID != e.fx.NonprofitID || n.Name == "" || !n.Verified || !slices.Contains(n.Currencies, e.fx.Currency) {
				t.Fatalf("Nonprofit = %+v, want a named, verified nonprofit accepting %s", n, e.fx.Currency)
			}
		}},
		{"DonateSucceedsAndReplays", func(t *testing.T, e env[provider.Donations]) {
			d := donate(t, e, "gift", e.fx.TokenApprove, 2500)
			if d.Status != provider.DonationSucceeded || !d.Amount.Equal(units(t, 2500, e.fx.Currency)) {
				t.Fatalf("Donate = %s %v, want succeeded %v", d.Status, d.Amount, units(t, 2500, e.fx.Currency))
			}
			if again := donate(t, e, "gift", e.fx.TokenApprove, 2500); again.ID != d.ID {
				t.Fatalf("replay made donation %q, want the original %q", again.ID, d.ID)
			}
			if _, err := tryDonate(t, e, key(t, "gift"), e.fx.TokenApprove, 5000); !errors.Is(err, provider.ErrIdempotencyConflict) {
				t.Fatalf("same key, other amount: err = %v, want ErrIdempotencyConflict", err)
			}
		}},
		{"DonateRetriedAfterItsKeyIsForgottenGivesOnce", func(t *testing.T, e env[provider.Donations]) {
			req := provider.DonateRequest{IdempotencyKey: key(t, "gift"), KeyCreatedAt: dayOld(e.h), NonprofitID: e.fx.NonprofitID, Amount: units(t, 2500, e.fx.Currency), Token: e.fx.TokenApprove}
			sameAfterForgetting(t, e, "a second gift", func() (string, error) {
				d, err := e.p.Donate(e.ctx, req)
				return d.ID, err
			})
		}},
		{"DonateDeclineIsTyped", func(t *testing.T, e env[provider.Donations]) {
			_, err := tryDonate(t, e, key(t, "gift"), e.fx.TokenDecline, 2500)
			var de *provider.DeclineError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DeclineError", err)
			}
		}},
		{"DonateToUnverifiedIsRefused", func(t *testing.T, e env[provider.Donations]) {
			if e.fx.UnverifiedNonprofitID == "" {
				t.Skip("fixtures have no unverified nonprofit")
			}
			_, err := e.p.Donate(e.ctx, provider.DonateRequest{
				IdempotencyKey: key(t, "gift"),
				NonprofitID:    e.fx.UnverifiedNonprofitID,
				Amount:         units(t, 2500, e.fx.Currency),
				Token:          e.fx.TokenApprove,
			})
			if !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
		}},
		{"DonationRefundsNeverExceedGift", func(t *testing.T, e env[provider.Donations]) {
			d := donate(t, e, "gift", e.fx.TokenApprove, 2500)
			req := provider.RefundDonationRequest{IdempotencyKey: key(t, "r1"), DonationID: d.ID, Amount: units(t, 2000, e.fx.Currency)}
			first, err := e.p.RefundDonation(e.ctx, req)
			if err != nil {
				t.Fatalf("RefundDonation: %v", err)
			}
			if !first.Amount.Equal(req.Amount) || first.Amount.Currency() != req.Amount.Currency() {
				t.Fatalf("RefundDonation answered %v, want %v: a refund answers what the platform refunded, here all that was asked; the library records it as answered", first.Amount, req.Amount)
			}
			if again, err := e.p.RefundDonation(e.ctx, req); err != nil || again.ID != first.ID {
				t.Fatalf("replayed refund = %q, %v; want the original %q", again.ID, err, first.ID)
			}
			req.IdempotencyKey, req.Amount = key(t, "r2"), units(t, 510, e.fx.Currency)
			if _, err := e.p.RefundDonation(e.ctx, req); !errors.Is(err, provider.ErrRefundExceedsCapture) {
				t.Fatalf("refunding past the gift: err = %v, want ErrRefundExceedsCapture", err)
			}
			got, err := e.p.Donation(e.ctx, d.ID)
			if err != nil || !got.Refunded.Equal(units(t, 2000, e.fx.Currency)) {
				t.Fatalf("Donation = refunded %v, %v; want %v", got.Refunded, err, units(t, 2000, e.fx.Currency))
			}
		}},
		{"ChargeTermsAreUsable", func(t *testing.T, e env[provider.Donations]) {
			terms, err := e.p.ChargeTerms(e.ctx, e.fx.Currency)
			if err != nil {
				t.Fatalf("ChargeTerms(%s): %v", e.fx.Currency, err)
			}
			if err := terms.Validate(e.fx.Currency); err != nil {
				t.Fatalf("ChargeTerms(%s) = %+v: %v", e.fx.Currency, terms, err)
			}
			if _, err := e.p.ChargeTerms(e.ctx, otherCurrency(e.fx.Currency)); !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("ChargeTerms(%s) err = %v, want ErrInvalidRequest for a currency not charged", otherCurrency(e.fx.Currency), err)
			}
		}},
		{"DonationBelowMinimumIsRefused", func(t *testing.T, e env[provider.Donations]) {
			terms, err := e.p.ChargeTerms(e.ctx, e.fx.Currency)
			if err != nil {
				t.Fatalf("ChargeTerms: %v", err)
			}
			minimum, err := terms.Minimum.Minor()
			if err != nil {
				t.Fatalf("minimum %v: %v", terms.Minimum, err)
			}
			if _, err := tryDonate(t, e, key(t, "small"), e.fx.TokenApprove, minimum-1); !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("Donate(minimum %v less one minor unit) err = %v, want ErrInvalidRequest", terms.Minimum, err)
			}
			if _, err := tryDonate(t, e, key(t, "least"), e.fx.TokenApprove, minimum); err != nil {
				t.Fatalf("Donate(minimum %v) = %v, want success", terms.Minimum, err)
			}
		}},
		{"DonateTakesWholeChargeUnits", func(t *testing.T, e env[provider.Donations]) {
			takesWholeChargeUnits(t, e.h.Provider(), e.fx, func(label string, a money.Amount) error {
				_, err := e.p.Donate(e.ctx, provider.DonateRequest{IdempotencyKey: key(t, label), NonprofitID: e.fx.NonprofitID, Amount: a, Token: e.fx.TokenApprove})
				return err
			})
		}},
		{"DonationRefundTakesWholeChargeUnits", func(t *testing.T, e env[provider.Donations]) {
			d := donate(t, e, "gift", e.fx.TokenApprove, roomForUnits(t, e.h.Provider(), e.fx))
			takesWholeChargeUnits(t, e.h.Provider(), e.fx, func(label string, a money.Amount) error {
				_, err := e.p.RefundDonation(e.ctx, provider.RefundDonationRequest{IdempotencyKey: key(t, label), DonationID: d.ID, Amount: a})
				return err
			})
		}},
		{"UnknownDonationIsNotFound", func(t *testing.T, e env[provider.Donations]) {
			if _, err := e.p.Donation(e.ctx, "providertest-no-such-donation"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		}},
	})
}

func tryDonate(t *testing.T, e env[provider.Donations], idempotencyKey, token string, minor int64) (provider.Donation, error) {
	return e.p.Donate(e.ctx, provider.DonateRequest{
		IdempotencyKey: idempotencyKey,
		NonprofitID:    e.fx.NonprofitID,
		Amount:         units(t, minor, e.fx.Currency),
		Token:          token,
		Donor:          provider.Contact{Name: "Conformance Donor", Email: "donor@example.com"},
	})
}

func donate(t *testing.T, e env[provider.Donations], label, token string, minor int64) provider.Donation {
	t.Helper()
	d, err := tryDonate(t, e, key(t, label), token, minor)
	if err != nil {
		t.Fatalf("Donate (%s): %v", label, err)
	}
	return d
}

// otherCurrency is a valid currency other than c.
func otherCurrency(c money.Currency) money.Currency {
	if c == "EUR" {
		return "USD"
	}
	return "EUR"
}
