package money

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genDecimal draws values that exercise both forms of Amount: small
// coefficients, coefficients at the edges of int64, and ones beyond it,
// with exponents from far below the minor unit to above it.
func genDecimal(t *rapid.T, label string) decimal.Decimal {
	exp := rapid.Int32Range(-22, 4).Draw(t, label+"_exp")
	switch rapid.IntRange(0, 3).Draw(t, label+"_kind") {
	case 0:
		return decimal.New(rapid.Int64Range(-100_000, 100_000).Draw(t, label+"_small"), exp)
	case 1:
		return decimal.New(rapid.Int64().Draw(t, label+"_int64"), exp)
	case 2:
		edge := rapid.SampledFrom([]int64{math.MaxInt64, math.MinInt64, math.MaxInt64 / 10, 999_999_999_999_999_999, -999_999_999_999_999_999, 1_000_000_000_000_000_000}).Draw(t, label+"_edge")
		return decimal.New(edge, exp)
	default:
		huge := new(big.Int).Mul(big.NewInt(rapid.Int64().Draw(t, label+"_hi")), big.NewInt(1e12))
		return decimal.NewFromBigInt(huge, exp)
	}
}

// same reports whether an Amount holds exactly the decimal want: the same
// coefficient and exponent, as decimal's own arithmetic gives.
func sameRepr(t *rapid.T, op string, got Amount, want decimal.Decimal) {
	g := got.Decimal()
	if g.Exponent() != want.Exponent() || g.Coefficient().Cmp(want.Coefficient()) != 0 {
		t.Fatalf("%s = %s (exp %d), decimal gives %s (exp %d)", op, g, g.Exponent(), want, want.Exponent())
	}
}

// TestFastFormMatchesDecimal: every operation of Amount gives what
// decimal gives, to the representation, whichever form the operands are
// in.
func TestFastFormMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom([]Currency{"USD", "JPY", "KWD"}).Draw(t, "currency")
		da, db := genDecimal(t, "a"), genDecimal(t, "b")
		a, b := fromDecimal(da, c), fromDecimal(db, c)

		sum, _ := a.Add(b)
		sameRepr(t, "Add", sum, da.Add(db))
		diff, _ := a.Sub(b)
		sameRepr(t, "Sub", diff, da.Sub(db))
		if got, _ := a.Cmp(b); got != da.Cmp(db) {
			t.Fatalf("Cmp = %d, decimal %d", got, da.Cmp(db))
		}
		if a.Equal(b) != da.Equal(db) {
			t.Fatalf("Equal = %v, decimal %v", a.Equal(b), da.Equal(db))
		}
		rate := decimal.New(rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "rate"), rapid.Int32Range(-8, 2).Draw(t, "rate_exp"))
		sameRepr(t, "Mul", a.Mul(rate), da.Mul(rate))
		sameRepr(t, "Mul(b)", a.Mul(db), da.Mul(db))
		k := rapid.Int64Range(-1000, 1000).Draw(t, "k")
		sameRepr(t, "MulInt", a.MulInt(k), da.Mul(decimal.NewFromInt(k)))
		sameRepr(t, "Neg", a.Neg(), da.Neg())
		if a.IsZero() != da.IsZero() || a.IsNegative() != da.IsNegative() || a.IsPositive() != da.IsPositive() {
			t.Fatalf("signs of %s differ from decimal's", da)
		}

		digits, _ := c.Digits()
		for m, want := range map[RoundingMode]decimal.Decimal{
			HalfEven: da.RoundBank(digits), HalfUp: da.Round(digits), Down: da.RoundDown(digits), Up: da.RoundUp(digits),
		} {
			sameRepr(t, "Round("+m.String()+")", a.Round(m), want)
		}
		// A charge unit of 10^-d, from the minor unit to a hundred whole
		// units, in either form.
		d := digits - rapid.Int32Range(0, digits+2).Draw(t, "unit_coarser_by")
		unit := fromDecimal(decimal.New(1, -d), c)
		if rapid.Bool().Draw(t, "unit_in_decimal_form") {
			big := decimal.New(1, -d)
			unit = Amount{big: &big, c: c}
		}
		for m, want := range map[RoundingMode]decimal.Decimal{
			HalfEven: da.RoundBank(d), HalfUp: da.Round(d), Down: da.RoundDown(d), Up: da.RoundUp(d),
		} {
			got, err := a.RoundToUnit(unit, m)
			if err != nil {
				t.Fatalf("RoundToUnit(%s, %s): %v", da, unit, err)
			}
			sameRepr(t, "RoundToUnit("+m.String()+")", got, want)
		}
		if a.IsMultipleOf(unit) != da.Shift(d).IsInteger() {
			t.Fatalf("IsMultipleOf(%s, %s) = %v, decimal %v", da, unit, a.IsMultipleOf(unit), da.Shift(d).IsInteger())
		}

		rounded := da.Shift(digits).IsInteger()
		if a.IsRounded() != rounded {
			t.Fatalf("IsRounded(%s) = %v, decimal %v", da, a.IsRounded(), rounded)
		}
		minor, err := a.Minor()
		switch shifted := da.Shift(digits); {
		case !rounded:
			if !errors.Is(err, ErrNotRounded) {
				t.Fatalf("Minor(%s) err = %v, want ErrNotRounded", da, err)
			}
		case shifted.GreaterThan(maxInt64) || shifted.LessThan(minInt64):
			if !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("Minor(%s) err = %v, want ErrOutOfRange", da, err)
			}
		default:
			if err != nil || minor != shifted.IntPart() {
				t.Fatalf("Minor(%s) = %d, %v; want %d", da, minor, err, shifted.IntPart())
			}
		}
		want := da.StringFixed(max(digits, -da.Exponent()))
		if got := a.Number(); got != want {
			t.Fatalf("Number(%s) = %q, decimal %q", da, got, want)
		}
	})
}

// TestFastFormAllocatesNothing pins the point of the fast form: the
// arithmetic of a checkout's totals allocates nothing.
func TestFastFormAllocatesNothing(t *testing.T) {
	price, _ := FromMinor(8900, "USD")
	rate := decimal.New(725, -4)
	allocs := testing.AllocsPerRun(100, func() {
		sub := price.MulInt(3)
		tax := sub.Mul(rate).Round(HalfEven)
		total, _ := sub.Add(tax)
		_, _ = total.Cmp(sub)
		_ = total.IsRounded()
		_, _ = total.Minor()
		dime, _ := FromMinor(10, "USD")
		_, _ = total.RoundToUnit(dime, HalfEven)
		_ = total.IsMultipleOf(dime)
	})
	if allocs != 0 {
		t.Fatalf("totals arithmetic made %v allocations, want 0", allocs)
	}
}
