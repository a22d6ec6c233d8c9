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
	if amount, currency, ok := scanAmountJSON(b); ok {
		v, err := Parse(amount, currency)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}
	return a.unmarshalJSON(b)
}

// unmarshalJSON is UnmarshalJSON for any JSON the fast path
// (scanAmountJSON) does not take: keys in another order or case, escapes,
// a JSON number.
func (a *Amount) unmarshalJSON(b []byte) error {
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

// scanAmountJSON reads the two strings of b if b is an amount as
// MarshalJSON writes it, or as PostgreSQL's jsonb gives it back (a space
// after each colon and comma): {"amount": "12.50", "currency": "USD"},
// with nothing in the strings but what an amount and a currency code hold
// (digits, point and minus; capital letters), so that they need no
// unescaping. ok is false for anything else, which the general decoder
// takes; what the scan takes, that decoder would read the same. Records
// hold many amounts, and the general decoder costs two reflective passes
// an amount on every store read.
func scanAmountJSON(b []byte) (amount, currency string, ok bool) {
	rest, ok := expect(b, `{"amount":`)
	if !ok {
		return "", "", false
	}
	if amount, rest, ok = scanString(rest, isAmountByte); !ok {
		return "", "", false
	}
	if rest, ok = expect(rest, `,"currency":`); !ok {
		return "", "", false
	}
	if currency, rest, ok = scanString(rest, isCurrencyByte); !ok {
		return "", "", false
	}
	if rest, ok = expect(rest, "}"); !ok || len(skipSpaces(rest)) != 0 {
		return "", "", false
	}
	return amount, currency, true
}

// expect consumes the bytes of want from b, each comma and colon in it
// followed by any spaces in b, after any leading spaces.
func expect(b []byte, want string) ([]byte, bool) {
	b = skipSpaces(b)
	for i := 0; i < len(want); i++ {
		if len(b) == 0 || b[0] != want[i] {
			return nil, false
		}
		b = b[1:]
		if want[i] == ',' || want[i] == ':' {
			b = skipSpaces(b)
		}
	}
	return b, true
}

// scanString reads a JSON string at the start of b whose bytes all pass
// allowed, and returns it and what follows.
func scanString(b []byte, allowed func(byte) bool) (s string, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	for i := 1; i < len(b); i++ {
		switch {
		case b[i] == '"':
			return string(b[1:i]), b[i+1:], true
		case !allowed(b[i]):
			return "", nil, false
		}
	}
	return "", nil, false
}

func skipSpaces(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

func isAmountByte(c byte) bool   { return c >= '0' && c <= '9' || c == '.' || c == '-' }
func isCurrencyByte(c byte) bool { return c >= 'A' && c <= 'Z' }
