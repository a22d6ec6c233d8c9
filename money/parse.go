package money

import "github.com/shopspring/decimal"

// maxInputLen bounds the text Parse looks at. A well-formed amount is at most
// 1 + MaxIntegerDigits + 1 + MaxFractionDigits bytes; anything longer is
// rejected before any other work.
const maxInputLen = 1 + MaxIntegerDigits + 1 + MaxFractionDigits

// Parse reads an amount such as "12.50" in the currency with ISO 4217 code
// currency. The grammar is deliberately narrow, because amounts arrive from
// clients, webhooks and files:
//
//	amount = ["-"] digit {digit} ["." digit {digit}]
//
// with at most [MaxIntegerDigits] integer and [MaxFractionDigits] fractional
// digits. No '+', exponent, spaces, separators, NaN or Inf. The result is
// exact and may have more digits than the currency's minor unit; check
// [Amount.IsRounded] where only chargeable amounts make sense.
//
// Errors: a [*ParseError] matching [ErrMalformed] or [ErrOutOfRange], or a
// [*CurrencyError] matching [ErrUnknownCurrency].
func Parse(amount, currency string) (Amount, error) {
	c, err := ParseCurrency(currency)
	if err != nil {
		return Amount{}, err
	}
	if err := scan(amount); err != nil {
		return Amount{}, &ParseError{Input: truncate(amount, 32), Err: err}
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		// scan accepted only what decimal reads; this is a guard, not a path.
		return Amount{}, &ParseError{Input: truncate(amount, 32), Err: ErrMalformed}
	}
	return fromDecimal(d, c), nil
}

// MustParse is like [Parse] but panics on error. It is for constants in
// programs and tests, not for outside input.
func MustParse(amount, currency string) Amount {
	a, err := Parse(amount, currency)
	if err != nil {
		panic(err)
	}
	return a
}

// scan checks s against Parse's grammar and limits.
func scan(s string) error {
	if len(s) > maxInputLen {
		return ErrOutOfRange
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	intDigits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		intDigits++
	}
	if intDigits == 0 {
		return ErrMalformed
	}
	if intDigits > MaxIntegerDigits {
		return ErrOutOfRange
	}
	if i == len(s) {
		return nil
	}
	if s[i] != '.' {
		return ErrMalformed
	}
	i++
	fracDigits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		fracDigits++
	}
	if fracDigits == 0 || i != len(s) {
		return ErrMalformed
	}
	if fracDigits > MaxFractionDigits {
		return ErrOutOfRange
	}
	return nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
