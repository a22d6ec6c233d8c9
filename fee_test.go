package buybutton_test

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// The worked examples of docs/donate.md.
func TestCoverFeeWorkedExamples(t *testing.T) {
	for _, tc := range []struct {
		amount, charge, fee string
		cur                 money.Currency
		unit                string // the platform's charge unit, if not the minor unit
	}{
		// 2.9% + 0.30: (25.00 + 0.30) / 0.971 = 26.0556..., up to 26.06;
		// the fee on 26.06 is 0.76 + 0.30 = 1.06, leaving 25.00. On 26.05
		// it would leave 24.99.
		{"25.00", "26.06", "1.06", "USD", ""},
		{"0.50", "0.82", "0.32", "USD", ""},
		{"1000.00", "1030.17", "30.17", "USD", ""},
		// 3.6%, no fixed fee: 1000 / 0.964 = 1037.3..., and 1037 already
		// leaves 1000 (its fee, 37.33, rounds to 37).
		{"1000", "1037", "37", "JPY", ""},
		{"50", "52", "2", "JPY", ""},
		// 2.9% + 0.100: (10.000 + 0.100) / 0.971 = 10.4016..., up to
		// 10.402; its fee is 0.302 + 0.100.
		{"10.000", "10.402", "0.402", "KWD", ""},
		// Charged in hundredths, as Stripe charges KWD: 10.40 leaves
		// 10.40 - (0.302 + 0.100) = 9.998, so 10.41.
		{"10.000", "10.410", "0.410", "KWD", "0.010"},
	} {
		t.Run(tc.amount+" "+string(tc.cur)+" "+tc.unit, func(t *testing.T) {
			terms := memory.DefaultChargeTerms(tc.cur)
			if tc.unit != "" {
				terms.Unit = money.MustParse(tc.unit, string(tc.cur))
			}
			charge, fee, err := buybutton.CoverFee(money.MustParse(tc.amount, string(tc.cur)), terms)
			require.NoError(t, err)
			assert.True(t, charge.Equal(money.MustParse(tc.charge, string(tc.cur))), "charge %s, want %s", charge, tc.charge)
			assert.True(t, fee.Equal(money.MustParse(tc.fee, string(tc.cur))), "fee %s, want %s", fee, tc.fee)
		})
	}
}

// coversFee reports whether charge is the least charge, in whole steps of
// the platform's charge unit, that leaves the nonprofit amount under
// terms: the property CoverFee promises.
func coversFee(terms provider.ChargeTerms, amount, charge money.Amount) (bool, string) {
	net := func(x money.Amount) money.Amount {
		f, _ := terms.Fee(x)
		n, _ := x.Sub(f)
		return n
	}
	if c, _ := net(charge).Cmp(amount); c < 0 {
		return false, fmt.Sprintf("charging %s leaves %s, less than %s", charge, net(charge), amount)
	}
	step := terms.Step(amount.Currency())
	if !charge.IsMultipleOf(step) {
		return false, fmt.Sprintf("charge %s is not a whole number of the platform's %s", charge, step)
	}
	less, _ := charge.Sub(step)
	if c, _ := net(less).Cmp(amount); c >= 0 {
		return false, fmt.Sprintf("charging %s would do: %s is not the least", less, charge)
	}
	return true, ""
}

func genTerms(t *rapid.T, cur money.Currency) provider.ChargeTerms {
	minor := func(n int64) money.Amount { a, _ := money.FromMinor(n, cur); return a }
	unit := minor([]int64{1, 10, 100}[rapid.IntRange(0, 2).Draw(t, "unit_power")])
	return provider.ChargeTerms{
		Unit:        unit,
		Minimum:     unit,
		FeeRate:     decimal.New(rapid.Int64Range(0, 4999).Draw(t, "rate_per_10000"), -4),
		FeeFixed:    minor(rapid.Int64Range(0, 1000).Draw(t, "fixed_minor")),
		FeeRounding: money.RoundingMode(rapid.IntRange(int(money.HalfEven), int(money.Up)).Draw(t, "rounding")),
	}
}

// TestCoverFeeNeverLeavesTheNonprofitShort: in currencies with 0, 2 and 3
// minor digits, for any rate below one half, fixed fee, rounding mode and
// charge unit (1, 10 or 100 minor units), the nonprofit receives at least
// what was asked, and the donor pays no unit more than needed.
func TestCoverFeeNeverLeavesTheNonprofitShort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]money.Currency{"JPY", "USD", "KWD"}).Draw(t, "currency")
		terms := genTerms(t, cur)
		amount, _ := money.FromMinor(rapid.Int64Range(1, 1_000_000_000).Draw(t, "amount_minor"), cur)
		charge, fee, err := buybutton.CoverFee(amount, terms)
		if err != nil {
			t.Fatalf("CoverFee(%s, %+v): %v", amount, terms, err)
		}
		if ok, why := coversFee(terms, amount, charge); !ok {
			t.Fatal(why)
		}
		if sum, _ := amount.Add(fee); !sum.Equal(charge) {
			t.Fatalf("amount %s + fee %s != charge %s", amount, fee, charge)
		}
	})
}

// TestCoverFeePropertyCatchesTheNaiveGrossUp is the negative control: the
// gross-up many integrations ship, amount × (1 + rate) + fixed, leaves the
// nonprofit short, and the property above says so.
func TestCoverFeePropertyCatchesTheNaiveGrossUp(t *testing.T) {
	terms := memory.DefaultChargeTerms("USD")
	amount := money.MustParse("25.00", "USD")
	naive, err := amount.Mul(decimal.NewFromInt(1).Add(terms.FeeRate)).Round(money.HalfUp).Add(terms.FeeFixed)
	require.NoError(t, err)
	ok, why := coversFee(terms, amount, naive)
	assert.False(t, ok, "the naive gross-up %s passed", naive)
	t.Log(why)
}

func TestCoverFeeRefusesBadInput(t *testing.T) {
	terms := memory.DefaultChargeTerms("USD")
	for name, amount := range map[string]money.Amount{
		"zero":        money.MustParse("0", "USD"),
		"negative":    money.MustParse("-1.00", "USD"),
		"sub-minor":   money.MustParse("1.005", "USD"),
		"no currency": {},
	} {
		_, _, err := buybutton.CoverFee(amount, terms)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	bad := terms
	bad.FeeRate = decimal.New(5, -1)
	_, _, err := buybutton.CoverFee(money.MustParse("1.00", "USD"), bad)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "a rate of one half")
	_, _, err = buybutton.CoverFee(money.MustParse("1.00", "EUR"), terms)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "terms in another currency")
}
