package stripe

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Stripe's own rules for amounts (https://docs.stripe.com/currencies),
// which differ from ISO 4217 in places:
//
//   - Zero-decimal currencies are sent in whole units. MGA is among them
//     although ISO 4217 gives it two minor digits, so 10.50 MGA cannot be
//     charged.
//   - Three-decimal currencies are sent in thousandths, but the last digit
//     must be 0: 5.124 KWD cannot be charged, 5.120 can.
//   - ISK stays two-decimal in the API (100 is 1 króna) while only whole
//     krónur may be charged: amounts must be multiples of 100.
//   - Every other currency is two-decimal.
//   - An amount has at most eight digits (99999999 is 999,999.99 USD).
var (
	zeroDecimal = map[money.Currency]bool{
		"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true, "MGA": true,
		"PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true,
	}
	threeDecimal = map[money.Currency]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}
)

// maxAmount is the largest amount value Stripe accepts: eight digits.
const maxAmount = 99_999_999

// AmountError reports an amount that Stripe cannot take in its currency.
// It matches provider.ErrInvalidRequest, and is returned before any request
// is sent.
type AmountError struct {
	Amount money.Amount
	Reason string
}

func (e *AmountError) Error() string {
	return fmt.Sprintf("stripe: %s cannot be charged: %s: %v", e.Amount, e.Reason, provider.ErrInvalidRequest)
}

func (e *AmountError) Is(target error) bool { return target == provider.ErrInvalidRequest }

// exponent is the number of decimal places of c's amounts in Stripe's API,
// and step the multiple its amount values must be.
func exponent(c money.Currency) (exp int32, step int64) {
	switch {
	case zeroDecimal[c]:
		return 0, 1
	case threeDecimal[c]:
		return 3, 10
	case c == "ISK":
		return 2, 100
	}
	return 2, 1
}

// toStripe returns a's amount value for Stripe's API, or an *AmountError
// if Stripe cannot take it. Zero is allowed (a capture of nothing is not,
// but the contract never asks for one).
func toStripe(a money.Amount) (int64, error) {
	c := a.Currency()
	if !c.Valid() {
		return 0, &AmountError{Amount: a, Reason: "not a currency"}
	}
	exp, step := exponent(c)
	scaled := a.Decimal().Shift(exp)
	if !scaled.Equal(scaled.Truncate(0)) {
		return 0, &AmountError{Amount: a, Reason: fmt.Sprintf("Stripe takes %s in units of %s", c, unit(c, exp, 1))}
	}
	if scaled.IsNegative() || scaled.GreaterThan(decimal.NewFromInt(maxAmount)) {
		return 0, &AmountError{Amount: a, Reason: "Stripe takes amounts from 0 to 8 digits"}
	}
	v := scaled.IntPart()
	if v%step != 0 {
		return 0, &AmountError{Amount: a, Reason: fmt.Sprintf("Stripe takes %s in multiples of %s", c, unit(c, exp, step))}
	}
	return v, nil
}

// fromStripe turns an amount value in Stripe's API back into an Amount.
// currency is Stripe's lower-case code.
func fromStripe(v int64, currency string) (money.Amount, error) {
	if v < 0 {
		return money.Amount{}, fmt.Errorf("stripe: amount %d below zero: %w", v, provider.ErrInvalidRequest)
	}
	c, err := parseCurrency(currency)
	if err != nil {
		return money.Amount{}, err
	}
	exp, _ := exponent(c)
	return money.New(decimal.New(v, -exp), c)
}

// parseCurrency reads Stripe's lower-case currency code.
func parseCurrency(code string) (money.Currency, error) {
	c, err := money.ParseCurrency(strings.ToUpper(code))
	if err != nil {
		return "", fmt.Errorf("stripe: currency %q: %w", code, provider.ErrInvalidRequest)
	}
	return c, nil
}

// lower returns Stripe's spelling of c.
func lower(c money.Currency) string { return strings.ToLower(string(c)) }

func unit(c money.Currency, exp int32, step int64) string {
	return decimal.New(step, -exp).String() + " " + string(c)
}

// ChargeUnit implements provider.ChargeUnits: the step Stripe charges c
// in, by the rules above (0.010 KWD, 1 MGA, 0.01 USD), so that the library
// never computes an amount Stripe would refuse.
func (p *Provider) ChargeUnit(c money.Currency) money.Amount {
	exp, step := exponent(c)
	u, err := money.New(decimal.New(step, -exp), c)
	if err != nil { // not a currency: its own error comes with any amount
		return money.Zero(c)
	}
	return u
}

// MinimumCharge implements provider.MinimumCharges: the minimum of the
// charge terms configured for c (Options.ChargeTerms; 0.50 USD by
// default, Stripe's own,
// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
// and false for a currency without terms. Authorize refuses less before
// asking Stripe, as Stripe would (amount_too_small).
func (p *Provider) MinimumCharge(c money.Currency) (money.Amount, bool) {
	t, ok := p.chargeTerms[c]
	if !ok {
		return money.Amount{}, false
	}
	return t.Minimum, true
}
