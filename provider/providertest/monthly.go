package providertest

import (
	"errors"
	"testing"

	"github.com/buybutton/buybutton/provider"
)

func runMonthly(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[monthlyProvider]{
		{"StartMonthlyChargesTheFirstMonthAndReplays", func(t *testing.T, e env[monthlyProvider]) {
			m := startMonthly(t, e, key(t, "monthly"), e.fx.TokenApprove)
			if m.ID == "" || m.Status != provider.MonthlyActive || m.NonprofitID != e.fx.NonprofitID {
				t.Fatalf("StartMonthly = %+v, want an active monthly donation to %s", m, e.fx.NonprofitID)
			}
			if m.First.Status != provider.DonationSucceeded || m.First.MonthlyID != m.ID || !m.First.Amount.Equal(m.Amount) {
				t.Fatalf("first month = %+v, want a succeeded donation of %v of monthly %s", m.First, m.Amount, m.ID)
			}
			if !m.NextChargeAt.After(e.h.Now()) {
				t.Fatalf("NextChargeAt = %v, want after now (%v)", m.NextChargeAt, e.h.Now())
			}
			if again := startMonthly(t, e, key(t, "monthly"), e.fx.TokenApprove); again.ID != m.ID || again.First.ID != m.First.ID {
				t.Fatalf("replay started %q (first %q), want the original %q (%q)", again.ID, again.First.ID, m.ID, m.First.ID)
			}
			d, err := e.p.Donation(e.ctx, m.First.ID)
			if err != nil || d.MonthlyID != m.ID {
				t.Fatalf("Donation(first) = %+v, %v; want it to name monthly %s", d, err, m.ID)
			}
		}},
		{"DeclinedFirstMonthStartsNothing", func(t *testing.T, e env[monthlyProvider]) {
			_, err := e.p.StartMonthly(e.ctx, monthlyRequest(t, e, key(t, "monthly"), e.fx.TokenDecline))
			var decline *provider.DeclineError
			if !errors.As(err, &decline) || !errors.Is(err, provider.ErrDeclined) {
				t.Fatalf("err = %v, want a *DeclineError matching ErrDeclined", err)
			}
		}},
		{"CancelMonthlyIsIdempotent", func(t *testing.T, e env[monthlyProvider]) {
			m := startMonthly(t, e, key(t, "monthly"), e.fx.TokenApprove)
			for i := range 2 {
				got, err := e.p.CancelMonthly(e.ctx, m.ID)
				if err != nil || got.Status != provider.MonthlyCanceled || !got.NextChargeAt.IsZero() {
					t.Fatalf("CancelMonthly #%d = %s next %v, %v; want canceled with no next charge", i+1, got.Status, got.NextChargeAt, err)
				}
			}
			got, err := e.p.Monthly(e.ctx, m.ID)
			if err != nil || got.Status != provider.MonthlyCanceled {
				t.Fatalf("Monthly = %s, %v; want canceled", got.Status, err)
			}
		}},
		{"MonthsChargedListsTheFirstMonth", func(t *testing.T, e env[monthlyProvider]) {
			history, ok := e.p.(provider.MonthlyHistories)
			if !ok {
				t.Skip("the provider does not implement MonthlyHistories")
			}
			m := startMonthly(t, e, key(t, "monthly"), e.fx.TokenApprove)
			months, err := history.MonthsCharged(e.ctx, m.ID)
			if err != nil || len(months) != 1 || months[0] != m.First.ID {
				t.Fatalf("MonthsCharged = %q, %v; want the first month %q", months, err, m.First.ID)
			}
			if _, err := history.MonthsCharged(e.ctx, "providertest-no-such-monthly"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("MonthsCharged of no monthly donation: err = %v, want ErrNotFound", err)
			}
		}},
		{"UnknownMonthlyIsNotFound", func(t *testing.T, e env[monthlyProvider]) {
			if _, err := e.p.Monthly(e.ctx, "providertest-no-such-monthly"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("Monthly err = %v, want ErrNotFound", err)
			}
			if _, err := e.p.CancelMonthly(e.ctx, "providertest-no-such-monthly"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("CancelMonthly err = %v, want ErrNotFound", err)
			}
		}},
	})
}

// monthlyProvider is what the monthly checks need: donations, monthly.
type monthlyProvider interface {
	provider.Donations
	provider.MonthlyDonations
}

func monthlyRequest(t *testing.T, e env[monthlyProvider], idempotencyKey, token string) provider.DonateRequest {
	return provider.DonateRequest{
		IdempotencyKey: idempotencyKey,
		NonprofitID:    e.fx.NonprofitID,
		Amount:         units(t, 1500, e.fx.Currency),
		Token:          token,
		Donor:          provider.Contact{Name: "Conformance Donor", Email: "donor@example.com"},
	}
}

func startMonthly(t *testing.T, e env[monthlyProvider], idempotencyKey, token string) provider.MonthlyDonation {
	t.Helper()
	m, err := e.p.StartMonthly(e.ctx, monthlyRequest(t, e, idempotencyKey, token))
	if err != nil {
		t.Fatalf("StartMonthly: %v", err)
	}
	return m
}
