package memory

import (
	"context"
	"errors"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// TestPromotionsAndCodesTakeWholeChargeUnits: in KWD charged in
// hundredths, as Stripe charges it, 10% off 1.230 is 0.120, not 0.123,
// and a code's 10% of the 1.110 left is 0.110: whole steps, which the
// library would refuse otherwise. The code is compared case-insensitively,
// applies once however often it is asked, and applies only to its
// variants; an ended code applies to nothing.
func TestPromotionsAndCodesTakeWholeChargeUnits(t *testing.T) {
	kwd := func(s string) money.Amount { return money.MustParse(s, "KWD") }
	p := New(&Options{Currency: "KWD", ChargeUnit: kwd("0.010")})
	const book = "go-book-paperback"
	if err := p.SetPrice(book, kwd("1.230")); err != nil {
		t.Fatal(err)
	}
	if err := p.SetPromotion(book, 10); err != nil {
		t.Fatal(err)
	}
	if err := p.SetDiscountCode("Save10", 10, book); err != nil {
		t.Fatal(err)
	}
	quote := func(codes ...string) provider.Quote {
		t.Helper()
		q, err := p.Quote(context.Background(), provider.QuoteRequest{
			Lines:         []provider.StockLine{{VariantID: book, Quantity: 1}},
			ShipTo:        &provider.Address{Name: "A", Line1: "1 Gulf Rd", City: "Kuwait City", Country: "KW"},
			DiscountCodes: codes,
		})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	if got := quote().Lines[0].Discount; !got.Equal(kwd("0.120")) {
		t.Errorf("the promotion takes %s off, want 0.120", got)
	}
	q := quote("SAVE10", "save10", "NOPE")
	if got := q.Lines[0].Discount; !got.Equal(kwd("0.230")) {
		t.Errorf("the promotion and the code take %s off, want 0.230", got)
	}
	want := []provider.DiscountCode{{Code: "SAVE10", Applicable: true}, {Code: "save10"}, {Code: "NOPE"}}
	if len(q.DiscountCodes) != 3 || q.DiscountCodes[0] != want[0] || q.DiscountCodes[1] != want[1] || q.DiscountCodes[2] != want[2] {
		t.Errorf("codes reported %+v, want %+v", q.DiscountCodes, want)
	}

	if err := p.SetDiscountCode("SHOES", 10, "trail-runner-9"); err != nil {
		t.Fatal(err)
	}
	if q := quote("shoes"); q.DiscountCodes[0].Applicable || !q.Lines[0].Discount.Equal(kwd("0.120")) {
		t.Errorf("a code of other variants: %+v", q)
	}
	if err := p.SetDiscountCode("save10", 0); err != nil {
		t.Fatal(err)
	}
	if q := quote("SAVE10"); q.DiscountCodes[0].Applicable {
		t.Errorf("an ended code applies: %+v", q.DiscountCodes)
	}
	for _, c := range []struct {
		code    string
		percent int
		variant string
		want    error
	}{{"", 10, book, provider.ErrInvalidRequest}, {"X", 101, book, provider.ErrInvalidRequest}, {"X", -1, book, provider.ErrInvalidRequest}, {"X", 10, "no-such-variant", provider.ErrNotFound}} {
		if err := p.SetDiscountCode(c.code, c.percent, c.variant); !errors.Is(err, c.want) {
			t.Errorf("SetDiscountCode(%q, %d, %q) = %v, want %v", c.code, c.percent, c.variant, err, c.want)
		}
	}
}
