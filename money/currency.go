package money

import "fmt"

// Currency is an ISO 4217 alphabetic code such as "USD". Its zero value is
// not a currency. Use [ParseCurrency] to turn outside input into a Currency:
// a conversion such as Currency("usd") is not validated.
type Currency string

// ParseCurrency returns the currency for an ISO 4217 alphabetic code. The
// code must be three upper-case letters and an active code with minor units;
// anything else is an [ErrUnknownCurrency].
func ParseCurrency(code string) (Currency, error) {
	c := Currency(code)
	if _, ok := minorUnits[c]; !ok {
		return "", &CurrencyError{Code: truncate(code, 16)}
	}
	return c, nil
}

// MustParseCurrency is like [ParseCurrency] but panics on an unknown code.
// It is for constants in programs and tests, not for outside input.
func MustParseCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Valid reports whether c is an active ISO 4217 code with minor units.
func (c Currency) Valid() bool {
	_, ok := minorUnits[c]
	return ok
}

// Digits returns the number of minor-unit digits of c: 0 for JPY, 2 for USD,
// 3 for KWD. It returns false for a currency that is not [Currency.Valid].
func (c Currency) Digits() (int32, bool) {
	d, ok := minorUnits[c]
	return int32(d), ok
}

// String returns the code.
func (c Currency) String() string { return string(c) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:n], len(s))
}
