package money

import (
	"encoding/json"
	"errors"
)

// MarshalJSON encodes the amount as {"amount":"12.50","currency":"USD"}:
// the amount is a string, because JavaScript numbers are float64 and lose
// cents above 2^53 minor units, and the currency is beside it.
// The zero Amount (no currency: not an amount at all, such as a field not
// set yet) encodes as null, which decodes back to it; an Amount in a
// currency that is not valid is an error.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.c == "" && a.sign() == 0 {
		return []byte("null"), nil
	}
	if !a.c.Valid() {
		return nil, &CurrencyError{Code: truncate(string(a.c), 16)}
	}
	// Written by hand: a number and a currency code need no escaping, and
	// records full of amounts are encoded on every store write.
	n := a.Number()
	b := make([]byte, 0, len(`{"amount":"","currency":"XXX"}`)+len(n))
	b = append(b, `{"amount":"`...)
	b = append(b, n...)
	b = append(b, `","currency":"`...)
	b = append(b, a.c...)
	return append(b, `"}`...), nil
}

// UnmarshalJSON decodes {"amount":"12.50","currency":"USD"} with the rules
// of [Parse]. A JSON number for the amount is refused as [ErrMalformed]:
// accepting it would invite float64 into the path.
func (a *Amount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return &ParseError{Input: truncate(string(b), 32), Err: errors.Join(ErrMalformed, err)}
	}
	var s string
	if err := json.Unmarshal(raw.Amount, &s); err != nil {
		return &ParseError{Input: truncate(string(raw.Amount), 32), Err: ErrMalformed}
	}
	v, err := Parse(s, raw.Currency)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
