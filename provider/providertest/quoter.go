package providertest

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/provider"
)

func runQuoter(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Quoter]{
		{"QuotePricesEveryLine", func(t *testing.T, e env[provider.Quoter]) {
			q, err := e.p.Quote(e.ctx, provider.QuoteRequest{
				Lines:  []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: 2}},
				ShipTo: &e.fx.ShipTo,
			})
			if err != nil {
				t.Fatalf("Quote: %v", err)
			}
			if len(q.Lines) != 1 || q.Lines[0].VariantID != e.fx.StockedVariantID || q.Lines[0].Quantity != 2 {
				t.Fatalf("Quote lines = %+v, want the one requested line", q.Lines)
			}
			l := q.Lines[0]
			if l.UnitPrice.Currency() != e.fx.Currency || !l.UnitPrice.IsRounded() || l.UnitPrice.IsNegative() {
				t.Errorf("unit price %v: want a rounded non-negative amount in %s", l.UnitPrice, e.fx.Currency)
			}
			if !validRate(l.TaxRate) {
				t.Errorf("tax rate %v is not in [0, 1)", l.TaxRate)
			}
			if l.RequiresShipping && len(q.ShippingOptions) == 0 {
				t.Fatal("a line requires shipping but the quote has no shipping options")
			}
			seen := map[string]bool{}
			for _, o := range q.ShippingOptions {
				if o.ID == "" || seen[o.ID] || o.Label == "" {
					t.Errorf("shipping option %+v: want a unique id and a label", o)
				}
				seen[o.ID] = true
				if o.Amount.Currency() != e.fx.Currency || !o.Amount.IsRounded() || o.Amount.IsNegative() || !validRate(o.TaxRate) {
					t.Errorf("shipping option %q: amount %v, tax rate %v", o.ID, o.Amount, o.TaxRate)
				}
			}
		}},
		{"QuoteReportsEachDiscountCode", func(t *testing.T, e env[provider.Quoter]) {
			quote := func(codes ...string) provider.Quote {
				t.Helper()
				q, err := e.p.Quote(e.ctx, provider.QuoteRequest{
					Lines:         []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: 2}},
					ShipTo:        &e.fx.ShipTo,
					DiscountCodes: codes,
				})
				if err != nil {
					t.Fatalf("Quote with codes %q: %v", codes, err)
				}
				if len(q.Lines) != 1 {
					t.Fatalf("Quote with codes %q: %d lines, want 1", codes, len(q.Lines))
				}
				return q
			}
			off := func(l provider.QuotedLine) decimal.Decimal {
				if l.Discount.Currency() == "" {
					return decimal.Zero
				}
				return l.Discount.Decimal()
			}
			plain := quote()
			unknown := "providertest-no-such-code"
			q := quote(unknown)
			if len(q.DiscountCodes) != 1 || q.DiscountCodes[0] != (provider.DiscountCode{Code: unknown}) {
				t.Fatalf("a code the platform does not know is reported %+v, want [{%s false}]", q.DiscountCodes, unknown)
			}
			if !off(q.Lines[0]).Equal(off(plain.Lines[0])) {
				t.Fatalf("a code that does not apply took %v off, where the quote without it takes %v", off(q.Lines[0]), off(plain.Lines[0]))
			}
			if e.fx.DiscountCode == "" {
				return
			}
			q = quote(unknown, e.fx.DiscountCode)
			want := []provider.DiscountCode{{Code: unknown}, {Code: e.fx.DiscountCode, Applicable: true}}
			if len(q.DiscountCodes) != 2 || q.DiscountCodes[0] != want[0] || q.DiscountCodes[1] != want[1] {
				t.Fatalf("codes reported %+v, want %+v: each, in request order", q.DiscountCodes, want)
			}
			price := q.Lines[0].UnitPrice.Decimal().Mul(decimal.NewFromInt(2))
			if got := off(q.Lines[0]); !got.GreaterThan(off(plain.Lines[0])) || got.GreaterThan(price) {
				t.Fatalf("the fixtures' code takes %v off a line of %v, where none takes %v: want more, and no more than the line", got, price, off(plain.Lines[0]))
			}
		}},
		{"QuoteUnknownVariantIsNotFound", func(t *testing.T, e env[provider.Quoter]) {
			_, err := e.p.Quote(e.ctx, provider.QuoteRequest{
				Lines:  []provider.StockLine{{VariantID: "providertest-no-such-variant", Quantity: 1}},
				ShipTo: &e.fx.ShipTo,
			})
			if !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		}},
	})
}

func validRate(r decimal.Decimal) bool {
	return !r.IsNegative() && r.LessThan(decimal.NewFromInt(1))
}
