package buybutton_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// setLine is SetCartLine for one of the fixture shop's variants.
func (f fixture) setLine(buyerID, cartID string, l buybutton.CartLine) (*buybutton.Cart, error) {
	return f.client.SetCartLine(ctx, buybutton.CartLineParams{BuyerID: buyerID, CartID: cartID, MerchantID: l.MerchantID, ProductID: l.ProductID, VariantID: l.VariantID, Quantity: l.Quantity})
}

func TestCartLinesAreChangedAndRemoved(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)

	got, err := f.setLine(buyer, cart.ID, sneaker("9", 2))
	require.NoError(t, err, "setting a line the cart lacks adds it")
	assert.Equal(t, []buybutton.CartLine{sneaker("9", 2)}, got.Lines)
	_, err = f.setLine(buyer, cart.ID, book(1))
	require.NoError(t, err)
	got, err = f.setLine(buyer, cart.ID, sneaker("9", 5))
	require.NoError(t, err, "setting replaces the quantity, it does not add to it")
	assert.Equal(t, []buybutton.CartLine{sneaker("9", 5), book(1)}, got.Lines)

	// The size-9 pairs sell out: the buyer may still lower the line or
	// drop it, but not raise it.
	require.NoError(t, f.shop.SetStock(memory.DemoSneaker+"-9", 0))
	_, err = f.setLine(buyer, cart.ID, sneaker("9", 6))
	assert.ErrorIs(t, err, provider.ErrOutOfStock)
	got, err = f.setLine(buyer, cart.ID, sneaker("9", 1))
	require.NoError(t, err, "lowering a sold-out line asks nothing of the catalog")
	assert.Equal(t, []buybutton.CartLine{sneaker("9", 1), book(1)}, got.Lines)
	got, err = f.setLine(buyer, cart.ID, sneaker("9", 0))
	require.NoError(t, err)
	assert.Equal(t, []buybutton.CartLine{book(1)}, got.Lines, "0 removes the line")
	got, err = f.setLine(buyer, cart.ID, sneaker("9", 0))
	require.NoError(t, err, "removing a line that is not there is not an error")
	assert.Equal(t, []buybutton.CartLine{book(1)}, got.Lines)

	before := got
	for name, q := range map[string]int{"negative": -1, "over the line limit": buybutton.MaxLineQuantity + 1} {
		_, err = f.setLine(buyer, cart.ID, book(q))
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	_, err = f.setLine(buyer, "cart_nope", book(1))
	assert.ErrorIs(t, err, buybutton.ErrNotFound)
	_, err = f.setLine("buyer-2", cart.ID, book(0))
	assert.ErrorIs(t, err, buybutton.ErrForbidden, "not even a removal from another's cart")
	got, err = f.client.Cart(ctx, buyer, cart.ID)
	require.NoError(t, err)
	assert.Equal(t, before, got, "refused edits changed nothing")

	// The checkout is made from the cart as it is now.
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, CartID: cart.ID, ShipTo: &california})
	require.NoError(t, err)
	require.Len(t, cos, 1)
	require.Len(t, cos[0].Lines, 1)
	assert.Equal(t, book(1).VariantID, cos[0].Lines[0].VariantID)
	assert.Equal(t, 1, cos[0].Lines[0].Quantity)
}

// wideCatalog is one product in 30 colours, 100 units of each.
func wideCatalog() []memory.Product {
	p := memory.Product{Product: provider.Product{ID: "sock", Title: "Sock"}, Stock: map[string]int{}}
	for i := range 30 {
		id := fmt.Sprintf("sock-%d", i)
		p.Variants = append(p.Variants, provider.Variant{ID: id, Title: id, Price: usd("3.00"), RequiresShipping: true})
		p.Stock[id] = 100
	}
	return []memory.Product{p}
}

func sock(i, q int) buybutton.CartLine {
	return buybutton.CartLine{MerchantID: shopID, ProductID: "sock", VariantID: fmt.Sprintf("sock-%d", i), Quantity: q}
}

func TestCartLimitsHoldForEveryEdit(t *testing.T) {
	f := newFixture(t, wideCatalog())
	add := func(cartID string, l buybutton.CartLine) error {
		_, err := f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cartID, MerchantID: l.MerchantID, ProductID: l.ProductID, VariantID: l.VariantID, Quantity: l.Quantity})
		return err
	}
	contents := func(cartID string) []buybutton.CartLine {
		got, err := f.client.Cart(ctx, buyer, cartID)
		require.NoError(t, err)
		return got.Lines
	}

	// Units: ten full lines are the most a cart holds.
	units, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	for i := range buybutton.MaxCartQuantity / buybutton.MaxLineQuantity {
		require.NoError(t, add(units.ID, sock(i, buybutton.MaxLineQuantity)))
	}
	full := contents(units.ID)
	assert.ErrorIs(t, add(units.ID, sock(29, 1)), buybutton.ErrInvalidInput, "a new line past the unit limit")
	_, err = f.setLine(buyer, units.ID, sock(29, 1))
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "set as well as add")
	assert.ErrorIs(t, add(units.ID, sock(0, 1)), buybutton.ErrInvalidInput, "a line past its own limit")
	_, err = f.setLine(buyer, units.ID, sock(0, buybutton.MaxLineQuantity+1))
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	assert.Equal(t, full, contents(units.ID), "nothing refused was written")
	_, err = f.setLine(buyer, units.ID, sock(0, 9))
	require.NoError(t, err)
	require.NoError(t, add(units.ID, sock(29, 1)), "a unit freed is a unit to use")

	// Lines: 25 distinct variants at most, whatever their units.
	lines, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	for i := range buybutton.MaxCartLines {
		require.NoError(t, add(lines.ID, sock(i, 1)))
	}
	assert.ErrorIs(t, add(lines.ID, sock(buybutton.MaxCartLines, 1)), buybutton.ErrInvalidInput)
	_, err = f.setLine(buyer, lines.ID, sock(buybutton.MaxCartLines, 1))
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	require.NoError(t, add(lines.ID, sock(0, 1)), "an existing line still grows")
	assert.Len(t, contents(lines.ID), buybutton.MaxCartLines)
	_, err = f.setLine(buyer, lines.ID, sock(3, 0))
	require.NoError(t, err)
	require.NoError(t, add(lines.ID, sock(buybutton.MaxCartLines, 1)), "a line removed is a line to use")
}

func TestALineOfADroppedMerchantCanBeRemoved(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	_, err = f.setLine(buyer, cart.ID, book(1))
	require.NoError(t, err)

	// The host restarts selling from another merchant only, on the same
	// store: the buyer's line of the old one is still in the cart.
	other := memory.New(nil)
	client, err := buybutton.New(&buybutton.Options{Store: f.store, Merchants: []buybutton.Merchant{buybutton.MerchantFrom("other-shop", "Other", other)}})
	require.NoError(t, err)
	_, err = client.SetCartLine(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: shopID, ProductID: memory.DemoBook, VariantID: book(1).VariantID, Quantity: 2})
	assert.ErrorIs(t, err, buybutton.ErrUnknownMerchant, "it cannot grow")
	got, err := client.SetCartLine(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: shopID, VariantID: book(1).VariantID, Quantity: 0})
	require.NoError(t, err, "but the buyer can take it out")
	assert.Empty(t, got.Lines)
}
