package money

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// MulDiv returns a × n ÷ d, rounded to unit (a charge unit in a's
// currency, as for [Amount.RoundToUnit]) with m. It is exact: the quotient
// is never rounded before m decides, so that a tie is a tie and nothing
// just above or below one is taken for it, which a division to a fixed
// precision first cannot promise. It is how the tax included in a price
// is found: price × rate ÷ (1 + rate). A zero d is an error wrapping
// [ErrOutOfRange]; the other errors are [CheckUnit]'s. It panics, as
// Round does, if m is not a defined [RoundingMode].
func (a Amount) MulDiv(n, d decimal.Decimal, unit Amount, m RoundingMode) (Amount, error) {
	if !m.Valid() {
		panic(fmt.Sprintf("money: MulDiv with %v", m))
	}
	if err := CheckUnit(unit, a.c); err != nil {
		return Amount{}, err
	}
	if d.IsZero() {
		return Amount{}, fmt.Errorf("money: %s × %s ÷ 0: %w", a, n, ErrOutOfRange)
	}
	digits, _ := unitDigits(unit)
	x := a.Decimal().Mul(n)
	// x = d × q + r, q a whole number of 10^-digits truncated toward
	// zero, and |r| < |d| × 10^-digits: the rest of the quotient is
	// |r| ÷ (|d| × 10^-digits) of a step, which m compares with a half.
	q, r := x.QuoRem(d, digits)
	if !r.IsZero() && awayFromZero(q, r, d, digits, m) {
		step := decimal.New(int64(x.Sign()*d.Sign()), -digits)
		q = q.Add(step)
	}
	return New(q, a.c)
}

// awayFromZero reports whether m rounds the quotient q + r ÷ d (r not
// zero, less than a step of 10^-digits of d) away from zero.
func awayFromZero(q, r, d decimal.Decimal, digits int32, m RoundingMode) bool {
	switch m {
	case Up:
		return true
	case Down:
		return false
	}
	twice := r.Abs().Add(r.Abs())
	step := d.Abs().Shift(-digits)
	switch c := twice.Cmp(step); {
	case c > 0:
		return true
	case c < 0:
		return false
	}
	// A tie: half up goes away from zero, half even to the even step.
	return m == HalfUp || q.Shift(digits).BigInt().Bit(0) == 1
}
