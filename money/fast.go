package money

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// The machine-integer form of Amount: n × 10^e in an int64 and an int32.
// Every operation tries it first and falls back to decimal when a result
// would not fit, so the two forms give the same results.

// pow10[k] is 10^k, for k up to 18 (the largest that fits an int64).
var pow10 = [19]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// fromDecimal makes an Amount of d, in the integer form if it fits.
func fromDecimal(d decimal.Decimal, c Currency) Amount {
	if d.NumDigits() <= 18 {
		return Amount{n: d.CoefficientInt64(), e: d.Exponent(), c: c}
	}
	return Amount{big: &d, c: c}
}

// align returns a and b as coefficients of one exponent, the smaller of
// theirs (as decimal's Add does), or ok false if either is not in the
// integer form or scaling would overflow.
func align(a, b Amount) (x, y int64, e int32, ok bool) {
	if a.big != nil || b.big != nil {
		return 0, 0, 0, false
	}
	switch {
	case a.e == b.e:
		return a.n, b.n, a.e, true
	case a.e > b.e:
		x, ok = scale(a.n, a.e-b.e)
		return x, b.n, b.e, ok
	default:
		y, ok = scale(b.n, b.e-a.e)
		return a.n, y, a.e, ok
	}
}

// scale returns n × 10^k for k >= 0, or ok false on overflow.
func scale(n int64, k int32) (int64, bool) {
	if k == 0 || n == 0 {
		return n, true
	}
	if k < 0 || k > 18 {
		return 0, false
	}
	return mul64(n, pow10[k])
}

// add64 returns x+y, or ok false on overflow.
func add64(x, y int64) (int64, bool) {
	s := x + y
	if (x > 0 && y > 0 && s < 0) || (x < 0 && y < 0 && s >= 0) {
		return 0, false
	}
	return s, true
}

// mul64 returns x×y, or ok false on overflow.
func mul64(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	if x == math.MinInt64 || y == math.MinInt64 {
		return 0, false
	}
	ux, uy := uint64(x), uint64(y)
	neg := (x < 0) != (y < 0)
	if x < 0 {
		ux = -ux
	}
	if y < 0 {
		uy = -uy
	}
	hi, lo := bits.Mul64(ux, uy)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}
