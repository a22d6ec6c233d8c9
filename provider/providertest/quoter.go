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
