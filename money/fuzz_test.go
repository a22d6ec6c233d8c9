package money_test

import (
	"encoding/json"
	"testing"

	"github.com/buybutton/buybutton/money"
)

// FuzzParse checks that Parse never panics, that what it accepts survives a
// JSON round trip exactly, and that rounding an accepted amount always gives
// a chargeable one.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"12.50", "-0.001", "0", "1e3", "NaN", "999999999999999.999999999999", "1..2", "-", "٣"} {
		f.Add(seed, "USD")
		f.Add(seed, "KWD")
		f.Add(seed, "JPY")
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		a, err := money.Parse(amount, currency)
		if err != nil {
			if a != (money.Amount{}) {
				t.Fatalf("error %v but non-zero result %v", err, a)
			}
			return
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("marshal %v: %v", a, err)
		}
		var back money.Amount
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !back.Equal(a) {
			t.Fatalf("round trip %v -> %s -> %v", a, b, back)
		}
		for _, m := range []money.RoundingMode{money.HalfEven, money.HalfUp, money.Down, money.Up} {
			r := a.Round(m)
			if _, err := r.Minor(); err != nil {
				t.Fatalf("%v rounded %v is not chargeable: %v", a, m, err)
			}
		}
	})
}
