package money

import (
	"fmt"

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
type Amount struct {
	d decimal.Decimal
	c Currency
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
	return Amount{d: d, c: c}, nil
}

// FromMinor returns units minor units of c: FromMinor(1250, "USD") is 12.50
// USD and FromMinor(1250, "JPY") is 1250 JPY. This is the shape payment APIs
// such as Stripe's use.
func FromMinor(units int64, c Currency) (Amount, error) {
	digits, ok := c.Digits()
	if !ok {
		return Amount{}, &CurrencyError{Code: truncate(string(c), 16)}
	}
	return Amount{d: decimal.New(units, -digits), c: c}, nil
}

// Zero returns zero in currency c. It does not validate c: a zero amount in
// an invalid currency fails at its first arithmetic.
func Zero(c Currency) Amount { return Amount{d: decimal.Zero, c: c} }

// Currency returns the amount's currency.
func (a Amount) Currency() Currency { return a.c }

// Decimal returns the amount as a decimal, without its currency.
func (a Amount) Decimal() decimal.Decimal { return a.d }

// IsZero reports whether the amount is zero (in any currency, or none).
func (a Amount) IsZero() bool { return a.d.IsZero() }

// IsNegative reports whether the amount is below zero.
func (a Amount) IsNegative() bool { return a.d.IsNegative() }

// IsPositive reports whether the amount is above zero.
func (a Amount) IsPositive() bool { return a.d.IsPositive() }

// Add returns a+b. Both must be in the same valid currency.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := same(a, b); err != nil {
		return Amount{}, err
	}
	return Amount{d: a.d.Add(b.d), c: a.c}, nil
}

// Sub returns a-b. Both must be in the same valid currency.
func (a Amount) Sub(b Amount) (Amount, error) {
	if err := same(a, b); err != nil {
		return Amount{}, err
	}
	return Amount{d: a.d.Sub(b.d), c: a.c}, nil
}

// Mul returns a*f, exactly: the result may have digits below the minor unit.
// Use it to apply a tax rate or a fee percentage, then [Amount.Round].
func (a Amount) Mul(f decimal.Decimal) Amount { return Amount{d: a.d.Mul(f), c: a.c} }

// MulInt returns a*n: a unit price times a quantity.
func (a Amount) MulInt(n int64) Amount { return Amount{d: a.d.Mul(decimal.NewFromInt(n)), c: a.c} }

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{d: a.d.Neg(), c: a.c} }

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b. Both must be
// in the same valid currency.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := same(a, b); err != nil {
		return 0, err
	}
	return a.d.Cmp(b.d), nil
}

// Equal reports whether a and b are the same currency and the same value.
// 1.5 USD equals 1.50 USD; 1 USD never equals 1 EUR.
func (a Amount) Equal(b Amount) bool { return a.c == b.c && a.d.Equal(b.d) }

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
	var d decimal.Decimal
	switch m {
	case HalfEven:
		d = a.d.RoundBank(digits)
	case HalfUp:
		d = a.d.Round(digits)
	case Down:
		d = a.d.RoundDown(digits)
	case Up:
		d = a.d.RoundUp(digits)
	default:
		panic(fmt.Sprintf("money: Round with invalid %v", m))
	}
	return Amount{d: d, c: a.c}
}

// IsRounded reports whether a is a whole number of its currency's minor
// units, that is, whether it can be charged as it is.
func (a Amount) IsRounded() bool {
	digits, ok := a.c.Digits()
	return ok && a.d.Shift(digits).IsInteger()
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
	shifted := a.d.Shift(digits)
	if !shifted.IsInteger() {
		return 0, fmt.Errorf("%w: %s", ErrNotRounded, a)
	}
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
	if exp := -a.d.Exponent(); exp > digits {
		digits = exp
	}
	return a.d.StringFixed(digits)
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
