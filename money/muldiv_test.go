package money

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestMulDivIsExact compares MulDiv with the exact quotient, as a
// rational, rounded by hand: VAT included in prices, at rates of up to
// four decimals, to cents and to hundredths of KWD, in every mode, with
// ties made on purpose.
func TestMulDivIsExact(t *testing.T) {
	one := decimal.NewFromInt(1)
	// 19% included in 59.98: 9.576638655... is 9.58 in any nearest mode.
	got, err := MustParse("59.98", "EUR").MulDiv(decimal.RequireFromString("0.19"), decimal.RequireFromString("1.19"), MustParse("0.01", "EUR"), HalfEven)
	if err != nil || got.String() != "9.58 EUR" {
		t.Fatalf("19%% of 59.98 inclusive = %v, %v; want 9.58 EUR", got, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	modes := []RoundingMode{HalfEven, HalfUp, Down, Up}
	units := []Amount{MustParse("0.01", "USD"), MustParse("0.010", "KWD"), MustParse("0.001", "KWD"), MustParse("1", "JPY")}
	for i := range 20000 {
		unit := units[i%len(units)]
		minor := rng.Int64N(2_000_000) - 1_000_000
		a, err := FromMinor(minor, unit.c)
		if err != nil {
			t.Fatal(err)
		}
		rate := decimal.New(rng.Int64N(3000), -4) // 0 to 29.99%
		n, d := rate, one.Add(rate)
		if i%5 == 0 { // a divisor that makes ties: 0.5, 0.25, 0.125
			n, d = one, decimal.New(int64(2<<rng.IntN(3)), 0)
		}
		m := modes[rng.IntN(len(modes))]
		got, err := a.MulDiv(n, d, unit, m)
		if err != nil {
			t.Fatal(err)
		}
		want := exactRounded(a, n, d, unit, m)
		if !got.Equal(want) {
			t.Fatalf("%s × %s ÷ %s to %s, %v: got %s, want %s", a, n, d, unit, m, got, want)
		}
	}
	if _, err := MustParse("1.00", "USD").MulDiv(one, decimal.Zero, MustParse("0.01", "USD"), HalfEven); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("÷ 0: %v, want ErrOutOfRange", err)
	}
	if _, err := MustParse("1.00", "USD").MulDiv(one, one, MustParse("0.03", "USD"), HalfEven); !errors.Is(err, ErrNotAUnit) {
		t.Errorf("to 0.03: %v, want ErrNotAUnit", err)
	}
}

// exactRounded is a × n ÷ d as a rational, rounded to unit with m.
func exactRounded(a Amount, n, d decimal.Decimal, unit Amount, m RoundingMode) Amount {
	digits, _ := unitDigits(unit)
	v := new(big.Rat).Mul(a.Decimal().Rat(), n.Rat())
	v.Quo(v, d.Rat())
	v.Mul(v, new(big.Rat).SetFrac(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil), big.NewInt(1)))
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int)) // toward zero
	if r.Sign() != 0 {
		twice := new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2))
		c := twice.Cmp(v.Denom())
		away := m == Up || (m == HalfUp && c >= 0) || (m == HalfEven && (c > 0 || c == 0 && q.Bit(0) == 1))
		if away {
			q.Add(q, big.NewInt(int64(v.Sign())))
		}
	}
	out, _ := New(decimal.NewFromBigInt(q, -digits), a.c)
	return out
}
