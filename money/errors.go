package money

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns matches exactly one of
// them with [errors.Is]; the concrete types below carry the details.
var (
	// ErrMalformed: the text is not a plain decimal number ("12", "12.5",
	// "-0.75"). Exponents, signs other than a leading '-', spaces,
	// thousands separators, NaN and Inf are all malformed.
	ErrMalformed = errors.New("money: malformed amount")
	// ErrOutOfRange: the amount has more integer digits than [MaxIntegerDigits]
	// or more fractional digits than [MaxFractionDigits], or its minor units
	// do not fit an int64.
	ErrOutOfRange = errors.New("money: amount out of range")
	// ErrUnknownCurrency: not an active ISO 4217 code with minor units.
	ErrUnknownCurrency = errors.New("money: unknown currency")
	// ErrCurrencyMismatch: arithmetic or comparison across two currencies.
	// This package never converts between currencies.
	ErrCurrencyMismatch = errors.New("money: currency mismatch")
	// ErrNotRounded: the amount has digits below the currency's minor unit
	// where a whole number of minor units is required (see [Amount.Minor]).
	ErrNotRounded = errors.New("money: amount not rounded to minor units")
	// ErrNotAUnit: a charge unit that is not a positive power of ten of
	// at least one minor unit (see [Amount.RoundToUnit]).
	ErrNotAUnit = errors.New("money: not a charge unit")
)

// ParseError reports text that could not be read as an amount.
type ParseError struct {
	Input string // the input, truncated to a readable length
	Err   error  // ErrMalformed or ErrOutOfRange
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%v: %q", e.Err, e.Input)
}

func (e *ParseError) Unwrap() error { return e.Err }

// CurrencyError reports a code that is not a known currency.
type CurrencyError struct {
	Code string // the code as given, truncated to a readable length
}

func (e *CurrencyError) Error() string {
	return fmt.Sprintf("%v: %q", ErrUnknownCurrency, e.Code)
}

func (e *CurrencyError) Is(target error) bool { return target == ErrUnknownCurrency }

// MismatchError reports an operation on amounts in two currencies.
type MismatchError struct {
	A, B Currency
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%v: %s and %s", ErrCurrencyMismatch, e.A, e.B)
}

func (e *MismatchError) Is(target error) bool { return target == ErrCurrencyMismatch }
