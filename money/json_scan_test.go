package money

import (
	"testing"
)

// FuzzAmountJSONScan checks UnmarshalJSON's fast path against the general
// decoder: for any input, both give the same amount, or the same error.
// The seeds are the shapes the fast path takes (MarshalJSON's, jsonb's)
// and the ones next to them that it must leave to the decoder.
func FuzzAmountJSONScan(f *testing.F) {
	for _, seed := range []string{
		`{"amount":"12.50","currency":"USD"}`,
		`{"amount": "12.50", "currency": "USD"}`,
		`{"amount":"-0.001","currency":"KWD"}`,
		`{"amount":"","currency":"USD"}`,
		`{"amount":"12.5","currency":""}`,
		`{"amount":"1e3","currency":"USD"}`,
		`{"amount":"12.50","currency":"usd"}`,
		`{"amount":12.5,"currency":"USD"}`,
		`{"currency":"USD","amount":"12.50"}`,
		`{"AMOUNT":"12.50","currency":"USD"}`,
		`{"amount":"12\u002e50","currency":"USD"}`,
		`{"amount":"1\u0030","currency":"USD"}`,
		`{"amount":"12.50","currency":"USD","amount":"1.00"}`,
		`{"amount":"12.50","currency":"USD"} `,
		`{"amount":"12.50","currency":"USD"}x`,
		` { "amount" : "12.50" , "currency" : "USD" } `,
		`{"amount":"99999999999999999999999.5","currency":"JPY"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, general Amount
		fastErr := fast.UnmarshalJSON(b)
		generalErr := general.unmarshalJSON(b)
		if _, _, ok := scanAmountJSON(b); !ok {
			return // the general decoder's alone
		}
		if (fastErr == nil) != (generalErr == nil) || fastErr != nil && fastErr.Error() != generalErr.Error() {
			t.Fatalf("%s: fast path %v, general decoder %v", b, fastErr, generalErr)
		}
		if fast.String() != general.String() || fast.Currency() != general.Currency() {
			t.Fatalf("%s: fast path %v, general decoder %v", b, fast, general)
		}
	})
}

func BenchmarkAmountUnmarshalJSON(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"fast", `{"amount": "12.50", "currency": "USD"}`},
		{"general", ` { "amount" : "12.50" , "currency" : "USD" } `},
	} {
		b.Run(c.name, func(b *testing.B) {
			in := []byte(c.in)
			b.ReportAllocs()
			for range b.N {
				var a Amount
				if err := a.UnmarshalJSON(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
