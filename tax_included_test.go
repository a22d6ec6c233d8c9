package buybutton_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

var berlin = provider.Address{Name: "Ada Käuferin", Line1: "Unter den Linden 1", City: "Berlin", PostalCode: "10117", Country: "DE"}

func eur(s string) money.Amount { return money.MustParse(s, "EUR") }

// vatShop sells the demo catalog in EUR at prices that include German VAT
// (19%), as a European shop shows them.
func vatShop(t *testing.T) fixture {
	return buildFixtureOn(t, memory.Options{Currency: "EUR", TaxIncluded: true}, nil, nil)
}

// TestPricesThatIncludeTaxAreWhatTheBuyerPays: two paperbacks at 39.99
// EUR, VAT included, shipped for 5.00: the buyer pays 84.98, of which
// 12.77 is VAT (79.98 × 0.19 ÷ 1.19 = 12.7697, rounded half-even). Tax
// added is zero; the order keeps the included tax; the platform is asked
// for 84.98. Before, the 19% was added on top: 100.18.
func TestPricesThatIncludeTaxAreWhatTheBuyerPays(t *testing.T) {
	f := vatShop(t)
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(2)}, ShipTo: &berlin})
	require.NoError(t, err)
	co, err := f.client.SelectShipping(ctx, buyer, cos[0].ID, "standard")
	require.NoError(t, err)
	assert.True(t, co.TaxIncluded())
	assert.True(t, co.Lines[0].TaxIncluded)
	assert.Equal(t, "79.98 EUR", co.Totals.Subtotal.String())
	assert.Equal(t, "0.00 EUR", co.Totals.Tax.String())
	assert.Equal(t, "12.77 EUR", co.Totals.IncludedTax.String())
	assert.Equal(t, "84.98 EUR", co.Totals.Total.String())

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, "84.98 EUR", o.Captured.String())
	assert.Equal(t, "12.77 EUR", o.Totals.IncludedTax.String())

	// A return of one book gives back its price, 39.99: its VAT is in it.
	r, err := f.refundLines(o, "return-1", buybutton.RefundLine{VariantID: memory.DemoBook + "-paperback", Quantity: 1})
	require.NoError(t, err)
	assert.Equal(t, "39.99 EUR", r.Amount.String())
}

// TestADiscountOnPricesThatIncludeTaxLowersTheTaxInside: a code of 20%
// takes 16.00 off the two books (79.98 × 0.2 = 15.996); the VAT inside
// the 63.98 left is 10.22 (63.98 × 0.19 ÷ 1.19 = 10.2153).
func TestADiscountOnPricesThatIncludeTaxLowersTheTaxInside(t *testing.T) {
	f := vatShop(t)
	require.NoError(t, f.shop.SetDiscountCode("SPRING20", 20))
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(2)}, ShipTo: &berlin})
	require.NoError(t, err)
	co, err := f.client.ApplyDiscountCode(ctx, buyer, cos[0].ID, "SPRING20")
	require.NoError(t, err)
	co, err = f.client.SelectShipping(ctx, buyer, co.ID, "standard")
	require.NoError(t, err)
	assert.Equal(t, "16.00 EUR", co.Totals.Discount.String())
	assert.Equal(t, "10.22 EUR", co.Totals.IncludedTax.String())
	assert.Equal(t, "68.98 EUR", co.Totals.Total.String())
}

// TestIncludedTaxIsRoundedOncePerLineInTheClientsMode: in France (20%),
// the VAT inside 0.03 is 0.005 and inside 0.09 is 0.015, exactly: ties.
// Each line's is rounded on its own in the Client's TaxRounding mode, and
// the total is the prices' whatever the mode.
func TestIncludedTaxIsRoundedOncePerLineInTheClientsMode(t *testing.T) {
	paris := provider.Address{Name: "Ada", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}
	item := func(id, price string) memory.Product {
		return memory.Product{
			Product: provider.Product{ID: id, Title: id, Variants: []provider.Variant{{ID: id + "-v", Price: eur(price), RequiresShipping: true}}},
			Stock:   map[string]int{id + "-v": 10},
		}
	}
	for _, c := range []struct {
		mode money.RoundingMode
		want string // 0.005 and 0.015 rounded, added
	}{{money.HalfEven, "0.02 EUR"}, {money.HalfUp, "0.03 EUR"}, {money.Down, "0.01 EUR"}, {money.Up, "0.03 EUR"}} {
		f := buildFixtureOn(t, memory.Options{Currency: "EUR", TaxIncluded: true, Products: []memory.Product{item("a", "0.03"), item("b", "0.09")}}, &buybutton.Options{TaxRounding: c.mode}, nil)
		_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, ShipTo: &paris, Lines: []buybutton.CartLine{
			{MerchantID: shopID, ProductID: "a", VariantID: "a-v", Quantity: 1}, {MerchantID: shopID, ProductID: "b", VariantID: "b-v", Quantity: 1},
		}})
		require.NoError(t, err)
		co := cos[0]
		assert.Equal(t, c.want, co.Totals.IncludedTax.String(), "%v", c.mode)
		assert.Equal(t, "0.12 EUR", co.Totals.Total.String(), "%v", c.mode)
	}
}
