package stripe

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

func TestAmountsInStripesUnits(t *testing.T) {
	for _, tc := range []struct {
		amount, currency string
		want             int64
	}{
		{"10.00", "USD", 1000},
		{"0.50", "EUR", 50},
		{"500", "JPY", 500},
		{"1500", "KRW", 1500},
		{"1200", "MGA", 1200}, // ISO gives MGA two digits; Stripe none
		{"5.120", "KWD", 5120},
		{"40", "ISK", 4000}, // two-decimal in the API, whole krónur only
		{"999999.99", "USD", 99_999_999},
	} {
		a := money.MustParse(tc.amount, tc.currency)
		got, err := toStripe(a)
		if err != nil || got != tc.want {
			t.Errorf("toStripe(%s) = %d, %v; want %d", a, got, err, tc.want)
			continue
		}
		back, err := fromStripe(got, lower(a.Currency()))
		if err != nil || !back.Equal(a) {
			t.Errorf("fromStripe(%d, %s) = %v, %v; want %s", got, a.Currency(), back, err, a)
		}
	}
}

// TestAmountsStripeCannotTake are refused before any request: the
// provider here has no server at all.
func TestAmountsStripeCannotTake(t *testing.T) {
	p, err := New(Options{SecretKey: "sk_test_none", APIURL: "http://127.0.0.1:1", MaxNetworkRetries: new(int64)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []money.Amount{
		money.MustParse("10.50", "MGA"),      // whole ariary only
		money.MustParse("5.124", "KWD"),      // last digit must be 0
		money.MustParse("1000000.00", "USD"), // nine digits
	} {
		_, err := p.Authorize(context.Background(), provider.AuthorizeRequest{IdempotencyKey: "k", Amount: a, Token: "pm_card_visa"})
		var ae *AmountError
		if !errors.As(err, &ae) || !errors.Is(err, provider.ErrInvalidRequest) || errors.Is(err, provider.ErrUnavailable) {
			t.Errorf("Authorize(%s): err = %v, want an *AmountError matching ErrInvalidRequest, before any request", a, err)
		}
	}
}

// TestChargeUnitIsWhatStripeTakes: the unit the provider gives the library
// for each currency is one Stripe takes, and a tenth of it, where that is
// still a whole number of minor units, is not: the library rounds to
// exactly Stripe's rules.
func TestChargeUnitIsWhatStripeTakes(t *testing.T) {
	var p Provider
	for c, want := range map[money.Currency]string{
		"USD": "0.01", "JPY": "1", "KWD": "0.010", "BHD": "0.010", "MGA": "1", "ISK": "1", "EUR": "0.01",
	} {
		unit := p.ChargeUnit(c)
		if !unit.Equal(money.MustParse(want, string(c))) {
			t.Errorf("%s: unit %s, want %s", c, unit, want)
		}
		if err := money.CheckUnit(unit, c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
		if _, err := toStripe(unit); err != nil {
			t.Errorf("%s: Stripe refuses the unit: %v", c, err)
		}
		if minor, _ := money.FromMinor(1, c); !unit.Equal(minor) {
			tenth := unit.Mul(decimal.New(1, -1))
			if _, err := toStripe(tenth); !errors.Is(err, provider.ErrInvalidRequest) {
				t.Errorf("%s: Stripe takes %s, below the unit: %v", c, tenth, err)
			}
		}
	}
}
