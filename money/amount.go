package money

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// Limits on amounts read from text. They bound the work a hostile input can
// cause and keep every rounded amount's minor units inside an int64.
const (
	// MaxIntegerDigits is the most digits allowed before the decimal point.
	MaxIntegerDigits = 15
	// MaxFractionDigits is the most digits allowed after the decimal point.
	// It is more than any currency's minor unit so that exact intermediate
	// results (a tax rate applied to a price) survive a JSON round trip.
	MaxFractionDigits = 12
)

// Amount is an exact amount of money in one currency. It is immutable: every
// operation returns a new Amount. Amounts are values; copy them freely.
//
// The zero Amount has no currency. It reports [Amount.IsZero] true, and
// every operation that needs a currency returns [ErrUnknownCurrency] for it.
//
// Compare amounts with [Amount.Equal] or [Amount.Cmp], never with ==: 1.5 and
// 1.50 are equal amounts with different representations.
//
// An amount is held as n × 10^e in machine integers while it fits (every
// price, total and tax of an ordinary checkout does), and as a
// shopspring/decimal otherwise; results are the same either way, to the
// representation (fast_test.go checks every operation against decimal).
// The fast form saves the heap allocations decimal arithmetic makes.
type Amount struct {
	n   int64            // the coefficient, when big is nil
	e   int32            // the exponent, when big is nil
	big *decimal.Decimal // the value, when it does not fit n × 10^e
	c   Currency
}

// New returns d in currency c. The currency must be valid and d must have at
// most [MaxIntegerDigits] integer digits and [MaxFractionDigits] fractional
// digits; d may have more digits than c's minor unit (see [Amount.Round]).
func New(d decimal.Decimal, c Currency) (Amount, error) {
	if !c.Valid() {
		return Amount{}, &CurrencyError{Code: truncate(string(c), 16)}
	}
	if err := checkRange(d); err != nil {
		return Amount{}, &ParseError{Input: d.String(), Err: err}
	}
	return fromDecimal(d, c), nil
}

// FromMinor returns units minor units of c: FromMinor(1250, "USD") is 12.50
// USD and FromMinor(1250, "JPY") is 1250 JPY. This is the shape payment APIs
// such as Stripe's use.
func FromMinor(units int64, c Currency) (Amount, error) {
	digits, ok := c.Digits()
	if !ok {
		return Amount{}, &CurrencyError{Code: truncate(string(c), 16)}
	}
	return Amount{n: units, e: -digits, c: c}, nil
}

// Zero returns zero in currency c. It does not validate c: a zero amount in
// an invalid currency fails at its first arithmetic.
func Zero(c Currency) Amount { return Amount{c: c} }

// Currency returns the amount's currency.
func (a Amount) Currency() Currency { return a.c }

// Decimal returns the amount as a decimal, without its currency.
func (a Amount) Decimal() decimal.Decimal {
	if a.big != nil {
		return *a.big
	}
	return decimal.New(a.n, a.e)
}

// IsZero reports whether the amount is zero (in any currency, or none).
func (a Amount) IsZero() bool { return a.sign() == 0 }

// IsNegative reports whether the amount is below zero.
func (a Amount) IsNegative() bool { return a.sign() < 0 }

// IsPositive reports whether the amount is above zero.
func (a Amount) IsPositive() bool { return a.sign() > 0 }

func (a Amount) sign() int {
	switch {
	case a.big != nil:
		return a.big.Sign()
	case a.n > 0:
		return 1
	case a.n < 0:
		return -1
	}
	return 0
}

// Add returns a+b. Both must be in the same valid currency.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := same(a, b); err != nil {
		return Amount{}, err
	}
	if x, y, e, ok := align(a, b); ok {
		if s, ok := add64(x, y); ok {
			return Amount{n: s, e: e, c: a.c}, nil
		}
	}
	return fromDecimal(a.Decimal().Add(b.Decimal()), a.c), nil
}

// Sub returns a-b. Both must be in the same valid currency.
func (a Amount) Sub(b Amount) (Amount, error) {
	if err := same(a, b); err != nil {
		return Amount{}, err
	}
	if x, y, e, ok := align(a, b); ok && y != math.MinInt64 {
		if s, ok := add64(x, -y); ok {
			return Amount{n: s, e: e, c: a.c}, nil
		}
	}
	return fromDecimal(a.Decimal().Sub(b.Decimal()), a.c), nil
}

// Mul returns a*f, exactly: the result may have digits below the minor unit.
// Use it to apply a tax rate or a fee percentage, then [Amount.Round].
func (a Amount) Mul(f decimal.Decimal) Amount {
	if a.big == nil && f.NumDigits() <= 18 {
		if p, ok := mul64(a.n, f.CoefficientInt64()); ok {
			if e := int64(a.e) + int64(f.Exponent()); e >= math.MinInt32 && e <= math.MaxInt32 {
				return Amount{n: p, e: int32(e), c: a.c}
			}
		}
	}
	return fromDecimal(a.Decimal().Mul(f), a.c)
}

// MulInt returns a*n: a unit price times a quantity.
func (a Amount) MulInt(n int64) Amount {
	if a.big == nil {
		if p, ok := mul64(a.n, n); ok {
			return Amount{n: p, e: a.e, c: a.c}
		}
	}
	return fromDecimal(a.Decimal().Mul(decimal.NewFromInt(n)), a.c)
}

// Neg returns -a.
func (a Amount) Neg() Amount {
	if a.big == nil && a.n != math.MinInt64 {
		return Amount{n: -a.n, e: a.e, c: a.c}
	}
	return fromDecimal(a.Decimal().Neg(), a.c)
}

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b. Both must be
// in the same valid currency.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := same(a, b); err != nil {
		return 0, err
	}
	return cmpValues(a, b), nil
}

// Equal reports whether a and b are the same currency and the same value.
// 1.5 USD equals 1.50 USD; 1 USD never equals 1 EUR.
func (a Amount) Equal(b Amount) bool { return a.c == b.c && cmpValues(a, b) == 0 }

func cmpValues(a, b Amount) int {
	if x, y, _, ok := align(a, b); ok {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return a.Decimal().Cmp(b.Decimal())
}

// Round returns a rounded to the currency's minor unit with mode m. An
// amount in an unknown currency is returned unchanged (its next arithmetic
// reports the currency). Round panics if m is not a defined [RoundingMode]:
// modes are constants in code, not input; validate configured ones with
// [RoundingMode.Valid].
func (a Amount) Round(m RoundingMode) Amount {
	digits, ok := a.c.Digits()
	if !ok {
		return a
	}
	return a.roundDigits(digits, m)
}

// roundDigits rounds a to digits decimal places with m.
func (a Amount) roundDigits(digits int32, m RoundingMode) Amount {
	if !m.Valid() {
		panic(fmt.Sprintf("money: Round with invalid %v", m))
	}
	if r, ok := a.roundFast(digits, m); ok {
		return r
	}
	var d decimal.Decimal
	switch m {
	case HalfEven:
		d = a.Decimal().RoundBank(digits)
	case HalfUp:
		d = a.Decimal().Round(digits)
	case Down:
		d = a.Decimal().RoundDown(digits)
	case Up:
		d = a.Decimal().RoundUp(digits)
	}
	return fromDecimal(d, a.c)
}

// roundFast is Round in machine integers: the result has exponent
// -digits, as decimal's rounding gives.
func (a Amount) roundFast(digits int32, m RoundingMode) (Amount, bool) {
	if a.big != nil {
		return Amount{}, false
	}
	if a.e >= -digits {
		n, ok := scale(a.n, a.e+digits)
		return Amount{n: n, e: -digits, c: a.c}, ok
	}
	k := -digits - a.e
	if k > 18 {
		return Amount{}, false
	}
	p := pow10[k]
	q, r := a.n/p, a.n%p
	if r < 0 {
		r = -r
	}
	away := false
	switch m {
	case HalfEven:
		away = 2*r > p || (2*r == p && q%2 != 0)
	case HalfUp:
		away = 2*r >= p
	case Up:
		away = r != 0
	}
	if away {
		if a.n < 0 {
			q--
		} else {
			q++
		}
	}
	return Amount{n: q, e: -digits, c: a.c}, true
}

// IsRounded reports whether a is a whole number of its currency's minor
// units, that is, whether it can be charged as it is.
func (a Amount) IsRounded() bool {
	digits, ok := a.c.Digits()
	if !ok {
		return false
	}
	return a.isWholeAt(digits)
}

// isWholeAt reports whether a is a whole number of 10^-digits; in the
// integer form, without allocating.
func (a Amount) isWholeAt(digits int32) bool {
	if a.big == nil {
		k := -int64(digits) - int64(a.e)
		return k <= 0 || a.n == 0 || (k <= 18 && a.n%pow10[k] == 0)
	}
	return a.big.Shift(digits).IsInteger()
}

var (
	maxInt64 = decimal.NewFromInt(1<<63 - 1)
	minInt64 = decimal.NewFromInt(-1 << 63)
)

// Minor returns the amount in minor units (12.50 USD is 1250). The amount
// must already be rounded ([ErrNotRounded] otherwise: this method never
// rounds behind the caller's back) and fit an int64 ([ErrOutOfRange]).
func (a Amount) Minor() (int64, error) {
	digits, ok := a.c.Digits()
	if !ok {
		return 0, &CurrencyError{Code: truncate(string(a.c), 16)}
	}
	if !a.IsRounded() {
		return 0, fmt.Errorf("%w: %s", ErrNotRounded, a)
	}
	if a.big == nil {
		if a.e >= -digits {
			if n, ok := scale(a.n, a.e+digits); ok {
				return n, nil
			}
			return 0, fmt.Errorf("%w: %s", ErrOutOfRange, a)
		}
		if k := -digits - a.e; k <= 18 {
			return a.n / pow10[k], nil
		}
		return 0, nil // a.n is 0: IsRounded said so
	}
	shifted := a.big.Shift(digits)
	if shifted.GreaterThan(maxInt64) || shifted.LessThan(minInt64) {
		return 0, fmt.Errorf("%w: %s", ErrOutOfRange, a)
	}
	return shifted.IntPart(), nil
}

// Number returns the amount without its currency, with at least the
// currency's minor digits ("12.50", "1250" for JPY, "0.125" for KWD) and
// every further digit it has, so that the text is exact.
func (a Amount) Number() string {
	digits, _ := a.c.Digits()
	if a.big == nil {
		if exp := -a.e; exp > digits {
			digits = exp
		}
		if n, ok := scale(a.n, a.e+digits); ok && digits <= 24 {
			return formatFixed(n, int(digits))
		}
	}
	d := a.Decimal()
	if exp := -d.Exponent(); exp > digits {
		digits = exp
	}
	return d.StringFixed(digits)
}

// formatFixed writes n × 10^-digits with exactly digits fraction digits,
// for digits up to 24.
func formatFixed(n int64, digits int) string {
	var buf [48]byte
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	i := len(buf)
	for range digits {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	if digits > 0 {
		i--
		buf[i] = '.'
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if n < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// String returns the amount and its currency: "12.50 USD".
func (a Amount) String() string {
	if a.c == "" {
		return a.Number()
	}
	return a.Number() + " " + string(a.c)
}

// Sum returns the sum of amounts in currency c; with no amounts it is zero
// in c. Every amount must be in c.
func Sum(c Currency, amounts ...Amount) (Amount, error) {
	if !c.Valid() {
		return Amount{}, &CurrencyError{Code: truncate(string(c), 16)}
	}
	total := Zero(c)
	for _, a := range amounts {
		var err error
		if total, err = total.Add(a); err != nil {
			return Amount{}, err
		}
	}
	return total, nil
}

func same(a, b Amount) error {
	if a.c != b.c {
		return &MismatchError{A: a.c, B: b.c}
	}
	if !a.c.Valid() {
		return &CurrencyError{Code: truncate(string(a.c), 16)}
	}
	return nil
}

func checkRange(d decimal.Decimal) error {
	if -d.Exponent() > MaxFractionDigits {
		// More fractional digits than allowed, unless they are trailing zeros.
		if n := d.Truncate(MaxFractionDigits); !n.Equal(d) {
			return ErrOutOfRange
		}
	}
	if d.Abs().Cmp(maxMagnitude) >= 0 {
		return ErrOutOfRange
	}
	return nil
}

// maxMagnitude is 10^MaxIntegerDigits: amounts must stay strictly below it.
var maxMagnitude = decimal.New(1, MaxIntegerDigits)
