package buybutton_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

const buyer = "buyer-1"

var (
	california = provider.Address{Name: "Ada Buyer", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}
	usd        = func(s string) money.Amount { return money.MustParse(s, "USD") }
	ctx        = context.Background()
)

// newShop sells the demo catalog with the given options (nil for
// defaults).
func newShop(t testingT, opts *buybutton.Options) fixture {
	return buildFixture(t, nil, opts, nil)
}

func sneaker(size string, n int) buybutton.CartLine {
	return buybutton.CartLine{MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-" + size, Quantity: n}
}

func book(n int) buybutton.CartLine {
	return buybutton.CartLine{MerchantID: shopID, ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: n}
}

// ready starts a checkout of lines for buyer, shipping standard to
// California.
func (f fixture) ready(t testing.TB, buyerID string, lines ...buybutton.CartLine) *buybutton.Checkout {
	t.Helper()
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyerID, Lines: lines, ShipTo: &california})
	require.NoError(t, err)
	require.Len(t, cos, 1)
	co, err := f.client.SelectShipping(ctx, buyerID, cos[0].ID, "standard")
	require.NoError(t, err)
	return co
}

func (f fixture) confirm(co *buybutton.Checkout, token string) (*buybutton.Order, error) {
	return f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: co.BuyerID, CheckoutID: co.ID, PaymentToken: token})
}

func (f fixture) checkout(t testing.TB, id string) *buybutton.Checkout {
	t.Helper()
	co, err := f.store.Checkout(ctx, id)
	require.NoError(t, err)
	return co
}

func (f fixture) pendingEvents(t testing.TB) []buybutton.EventType {
	t.Helper()
	events, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	var types []buybutton.EventType
	for _, e := range events {
		types = append(types, e.Type)
	}
	return types
}

func TestCheckoutFromCartToOrder(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	for _, l := range []buybutton.CartLine{sneaker("9", 1), book(2)} {
		_, err = f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: l.MerchantID, ProductID: l.ProductID, VariantID: l.VariantID, Quantity: l.Quantity})
		require.NoError(t, err)
	}
	sub, err := f.client.PriceCart(ctx, buyer, cart.ID)
	require.NoError(t, err)
	require.Len(t, sub, 1)
	assert.Equal(t, "168.98 USD", sub[0].Subtotal.String())

	g, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, CartID: cart.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{cos[0].ID}, g.CheckoutIDs)
	assert.Equal(t, buybutton.CheckoutOpen, cos[0].State)

	_, err = f.confirm(cos[0], memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition, "lines that ship need an address and an option first")

	co, err := f.client.SetShippingAddress(ctx, buyer, cos[0].ID, california)
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutAddressed, co.State)
	co, err = f.client.SelectShipping(ctx, buyer, co.ID, "standard")
	require.NoError(t, err)

	// 89.00 × 7.25% = 6.4525 -> 6.45; 79.98 × 7.25% = 5.79855 -> 5.80.
	assert.Equal(t, "168.98 USD", co.Totals.Subtotal.String())
	assert.Equal(t, "5.00 USD", co.Totals.Shipping.String())
	assert.Equal(t, "12.25 USD", co.Totals.Tax.String())
	assert.Equal(t, "186.23 USD", co.Totals.Total.String())

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderPlaced, o.Status)
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	assert.Equal(t, "186.23 USD", o.Captured.String())
	assert.Equal(t, co.Totals, o.Totals)

	st := f.shop.Stats()
	assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Captures: 1, Orders: 1}, st)

	again, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err, "confirming a placed checkout returns its order")
	assert.Equal(t, o.ID, again.ID)
	assert.Equal(t, st, f.shop.Stats(), "and does nothing at the provider")

	tr, err := f.client.Transitions(ctx, buyer, co.ID)
	require.NoError(t, err)
	var path []string
	for _, x := range tr {
		path = append(path, x.To)
	}
	assert.Equal(t, []string{"open", "addressed", "shipping_selected", "payment_pending", "placed"}, path)
	assert.Equal(t, "buyer:"+buyer, tr[4].Actor)
	assert.Equal(t, []buybutton.EventType{buybutton.EventOrderPlaced, buybutton.EventPaymentCaptured}, f.pendingEvents(t))

	orders, err := f.client.Orders(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, orders, 1)
	assert.Equal(t, o.ID, orders[0].ID)
}

func TestCheckoutWithNothingToShipSkipsShipping(t *testing.T) {
	f := newShop(t, nil)
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{
		{MerchantID: shopID, ProductID: memory.DemoEBook, VariantID: memory.DemoEBook + "-epub", Quantity: 1},
	}})
	require.NoError(t, err)
	_, err = f.client.SetShippingAddress(ctx, buyer, cos[0].ID, california)
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	o, err := f.confirm(cos[0], memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, "9.99 USD", o.Totals.Total.String())
	assert.Nil(t, o.ShipTo)
}

func TestDeclineChargesNothingAndTheBuyerMayRetry(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, sneaker("11", 2)) // the last two
	_, err := f.confirm(co, memory.TokenDecline)
	require.ErrorIs(t, err, provider.ErrDeclined)
	var decline *provider.DeclineError
	require.ErrorAs(t, err, &decline)
	assert.Equal(t, "card_declined", decline.Code)

	co = f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutShippingSelected, co.State)
	assert.Equal(t, "declined", co.LastError.Code)
	assert.Equal(t, memory.Stats{Reservations: 1, Declines: 1}, f.shop.Stats())
	// The reservation was released: another buyer can have the two pairs.
	other := f.ready(t, "buyer-2", sneaker("11", 2))
	_, err = f.confirm(other, memory.TokenApprove)
	require.NoError(t, err)

	_, err = f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, provider.ErrOutOfStock, "now they are gone")
	assert.Equal(t, "out_of_stock", f.checkout(t, co.ID).LastError.Code)
	assert.Equal(t, 1, f.shop.Stats().Authorizations, "nothing authorized without stock")
}

func TestPaymentActionResumesTheCheckout(t *testing.T) {
	for _, via := range []string{"confirm", "webhook"} {
		t.Run(via, func(t *testing.T) {
			f := newShop(t, nil)
			co := f.ready(t, buyer, book(1))
			_, err := f.confirm(co, memory.TokenActionRequired)
			var action *buybutton.ActionRequiredError
			require.ErrorAs(t, err, &action)
			require.ErrorIs(t, err, buybutton.ErrActionRequired)
			assert.NotEmpty(t, action.NextAction.RedirectURL)
			co = f.checkout(t, co.ID)
			assert.Equal(t, buybutton.CheckoutRequiresAction, co.State)

			_, err = f.confirm(co, memory.TokenActionRequired)
			require.ErrorIs(t, err, buybutton.ErrActionRequired, "still waiting for the buyer")

			require.NoError(t, f.shop.CompleteAction(co.PaymentID, true))
			var o *buybutton.Order
			if via == "confirm" {
				o, err = f.confirm(co, "")
				require.NoError(t, err)
			} else {
				f.deliver(t)
				co = f.checkout(t, co.ID)
				require.Equal(t, buybutton.CheckoutPlaced, co.State)
				o, err = f.client.Order(ctx, buyer, co.OrderID)
				require.NoError(t, err)
				tr, err := f.client.Transitions(ctx, buyer, co.ID)
				require.NoError(t, err)
				assert.Equal(t, "provider:"+shopID, tr[len(tr)-1].Actor, "the webhook placed it")
			}
			assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
			assert.Equal(t, 1, f.shop.Stats().Authorizations)
			assert.Equal(t, 1, f.shop.Stats().Orders)
		})
	}
}

func TestFailedPaymentActionReleasesEverything(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	require.NoError(t, f.shop.CompleteAction(f.checkout(t, co.ID).PaymentID, false))
	f.deliver(t)
	co = f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutShippingSelected, co.State)
	assert.Equal(t, "action_failed", co.LastError.Code)
	assert.Empty(t, co.ReservationID)
	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, 2, f.shop.Stats().Authorizations)
	assert.Equal(t, "39.99 USD", o.Lines[0].UnitPrice.String())
}

func TestUnknownOutcomeWaitsForReconcile(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenUnknownOutcome)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.False(t, errors.Is(err, provider.ErrDeclined), "an unknown outcome is not a failure")
	assert.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)

	rep, err := f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Reconciled)
	co = f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutPlaced, co.State)
	assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Captures: 1, Orders: 1}, f.shop.Stats(), "the replay did nothing twice")
}

func TestConfirmOnAnUnknownOutcomeResumesTheSameAttempt(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenUnknownOutcome)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	// The buyer taps again with another card: money may have moved under
	// the first attempt, so the first attempt is resumed, not a new one.
	o, err := f.confirm(co, memory.TokenDecline)
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	assert.Equal(t, 1, f.checkout(t, co.ID).Attempt)
	assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Captures: 1, Orders: 1}, f.shop.Stats())
}

func TestPriceChangeIsShownBeforeCharging(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	require.NoError(t, f.shop.SetPrice(memory.DemoBook+"-paperback", usd("44.99")))
	_, err := f.confirm(co, memory.TokenApprove)
	var changed *buybutton.PriceChangedError
	require.ErrorAs(t, err, &changed)
	assert.Equal(t, "47.89 USD", changed.Was.Total.String()) // 39.99 + 2.90 tax + 5.00
	assert.Equal(t, "53.25 USD", changed.Now.Total.String()) // 44.99 + 3.26 tax + 5.00
	assert.Equal(t, memory.Stats{}, f.shop.Stats(), "nothing reserved or authorized")

	o, err := f.confirm(f.checkout(t, co.ID), memory.TokenApprove)
	require.NoError(t, err, "confirming again accepts the new price")
	assert.Equal(t, "53.25 USD", o.Captured.String())
}

func TestBuyersOnlyTouchTheirOwn(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	co := f.ready(t, buyer, book(1))
	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	saved, err := f.client.SaveDetail(ctx, buybutton.SaveDetailParams{BuyerID: buyer, Label: "Home", ShipTo: &california, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	other := f.ready(t, buyer, book(1))
	before := f.shop.Stats()

	const thief = "buyer-2"
	for name, err := range map[string]error{
		"cart":                           second(f.client.Cart(ctx, thief, cart.ID)),
		"add to cart":                    second(f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: thief, CartID: cart.ID, MerchantID: shopID, ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1})),
		"set cart line":                  second(f.client.SetCartLine(ctx, buybutton.CartLineParams{BuyerID: thief, CartID: cart.ID, MerchantID: shopID, ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 0})),
		"price cart":                     second(f.client.PriceCart(ctx, thief, cart.ID)),
		"checkout":                       second(f.client.Checkout(ctx, thief, co.ID)),
		"checkout group":                 second(f.client.CheckoutGroup(ctx, thief, other.GroupID)),
		"select shipping":                second(f.client.SelectShipping(ctx, thief, other.ID, "express")),
		"contact":                        second(f.client.SetContact(ctx, thief, other.ID, provider.Contact{Email: "eve@example.com"})),
		"confirm group":                  second(f.client.ConfirmGroup(ctx, buybutton.ConfirmParams{BuyerID: thief, CheckoutID: other.GroupID, PaymentToken: memory.TokenApprove})),
		"start":                          second3(f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: thief, CartID: cart.ID})),
		"address":                        second(f.client.SetShippingAddress(ctx, thief, other.ID, california)),
		"confirm":                        second(f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: thief, CheckoutID: other.ID, PaymentToken: memory.TokenApprove})),
		"cancel":                         second(f.client.CancelCheckout(ctx, thief, other.ID)),
		"order":                          second(f.client.Order(ctx, thief, o.ID)),
		"cancel order":                   second(f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: thief, OrderID: o.ID})),
		"transitions":                    second(f.client.Transitions(ctx, thief, o.ID)),
		"saved":                          second(f.client.SavedDetail(ctx, thief, saved.ID)),
		"remove saved":                   f.client.RemoveSavedDetail(ctx, thief, saved.ID),
		"pay with another's saved token": second(f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: thief, CheckoutID: f.ready(t, thief, book(1)).ID, SavedID: saved.ID})),
		"anonymous":                      second(f.client.Order(ctx, "", o.ID)),
		"anonymous cancel order":         second(f.client.CancelOrder(ctx, buybutton.CancelOrderParams{OrderID: o.ID, Reason: "no viewer"})),
	} {
		assert.ErrorIs(t, err, buybutton.ErrForbidden, name)
	}
	assert.Equal(t, before, f.shop.Stats(), "nothing happened at the provider")
	assert.Equal(t, buybutton.CheckoutShippingSelected, f.checkout(t, other.ID).State)
	list, err := f.client.Orders(ctx, thief, "", 10)
	require.NoError(t, err)
	assert.Empty(t, list)
	mine, err := f.client.SavedDetails(ctx, buyer)
	require.NoError(t, err)
	assert.Len(t, mine, 1)
}

func second[T any](_ T, err error) error { return err }

func second3[A, B any](_ A, _ B, err error) error { return err }

func TestIllegalTransitionsChangeNothing(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	placed := f.checkout(t, co.ID)
	for name, err := range map[string]error{
		"address":  second(f.client.SetShippingAddress(ctx, buyer, co.ID, california)),
		"shipping": second(f.client.SelectShipping(ctx, buyer, co.ID, "express")),
		"cancel":   second(f.client.CancelCheckout(ctx, buyer, co.ID)),
	} {
		var te *buybutton.TransitionError
		require.ErrorAs(t, err, &te, name)
		assert.Equal(t, "placed", te.From, name)
	}
	assert.Equal(t, placed, f.checkout(t, co.ID))

	bad := f.ready(t, buyer, book(1))
	_, err = f.client.SelectShipping(ctx, buyer, bad.ID, "teleport")
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	assert.Equal(t, "standard", f.checkout(t, bad.ID).ShippingOptionID)
}

func TestInvalidInputIsTypedAndChangesNothing(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	add := func(variant string, q int) error {
		_, err := f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: variant, Quantity: q})
		return err
	}
	require.NoError(t, add(memory.DemoSneaker+"-9", 3))
	assert.ErrorIs(t, add(memory.DemoSneaker+"-9", 8), buybutton.ErrInvalidInput, "over the line limit")
	assert.ErrorIs(t, add(memory.DemoSneaker+"-9", 0), buybutton.ErrInvalidInput)
	assert.ErrorIs(t, add(memory.DemoSneaker+"-10", 1), provider.ErrOutOfStock, "size 10 is sold out")
	assert.ErrorIs(t, add("no-such-variant", 1), buybutton.ErrNotFound)
	_, err = f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: "nope", ProductID: "p", VariantID: "v", Quantity: 1})
	assert.ErrorIs(t, err, buybutton.ErrUnknownMerchant)
	got, err := f.client.Cart(ctx, buyer, cart.ID)
	require.NoError(t, err)
	assert.Equal(t, []buybutton.CartLine{sneaker("9", 3)}, got.Lines)
	assert.Equal(t, int64(2), got.Version)

	for field, skew := range map[string]func(*provider.Address){
		"ship_to.country":     func(a *provider.Address) { a.Country = "usa" },
		"ship_to.city":        func(a *provider.Address) { a.City = " " },
		"ship_to.postal_code": func(a *provider.Address) { a.PostalCode = "94105\x00" },
	} {
		bad := california
		skew(&bad)
		_, _, err = f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, CartID: cart.ID, ShipTo: &bad})
		var v *buybutton.ValidationError
		if assert.ErrorAs(t, err, &v, field) {
			assert.Equal(t, field, v.Field)
		}
	}
	_, _, err = f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(1), book(2)}})
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "a variant twice")
	co := f.ready(t, buyer, book(1))
	_, err = f.confirm(co, "")
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "no payment token")
	_, err = f.confirm(co, "4242424242424242\x00")
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	assert.Equal(t, memory.Stats{}, f.shop.Stats())
}

func TestConcurrentCartEditsLoseNothing(t *testing.T) {
	f := newShop(t, nil)
	cart, err := f.client.NewCart(ctx, buyer)
	require.NoError(t, err)
	variants := []string{"logo-tee-Black", "logo-tee-White", "logo-tee-Red", "go-book-paperback"}
	var wg sync.WaitGroup
	for _, v := range variants {
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				product := memory.DemoTee
				if v == "go-book-paperback" {
					product = memory.DemoBook
				}
				_, err := f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: shopID, ProductID: product, VariantID: v, Quantity: 2})
				assert.NoError(t, err)
			}()
		}
	}
	wg.Wait()
	got, err := f.client.Cart(ctx, buyer, cart.ID)
	require.NoError(t, err)
	require.Len(t, got.Lines, 4)
	for _, l := range got.Lines {
		assert.Equal(t, 10, l.Quantity, l.VariantID)
	}
	assert.Equal(t, int64(21), got.Version)
}

func TestCheckoutsExpireAndReleaseHolds(t *testing.T) {
	f := newShop(t, nil)
	idle := f.ready(t, buyer, book(1))
	waiting := f.ready(t, buyer, sneaker("8", 3))
	_, err := f.confirm(waiting, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)

	rep, err := f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{}, rep, "nothing is due yet")

	f.clock.Advance(31 * time.Minute)
	rep, err = f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Expired)
	assert.Equal(t, buybutton.CheckoutExpired, f.checkout(t, idle.ID).State)
	w := f.checkout(t, waiting.ID)
	assert.Equal(t, buybutton.CheckoutExpired, w.State)
	assert.False(t, w.Compensating)
	assert.Equal(t, 1, f.shop.Stats().Voids, "the held payment was voided")
	// The three size-8 pairs are back.
	o, err := f.confirm(f.ready(t, "buyer-2", sneaker("8", 3)), memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderPlaced, o.Status)

	_, err = f.confirm(idle, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	assert.Contains(t, f.pendingEvents(t), buybutton.EventCheckoutExpired)
}

func TestCancelCheckoutVoidsAWaitingPayment(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutCanceled, got.State)
	assert.Equal(t, 1, f.shop.Stats().Voids)
	tr, err := f.client.Transitions(ctx, buyer, co.ID)
	require.NoError(t, err)
	last := tr[len(tr)-1]
	assert.Equal(t, "payment voided and stock released", last.Reason)
	assert.Equal(t, "buyer:"+buyer, last.Actor, "the buyer's cancel released it, not maintenance")
	_, err = f.confirm(got, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
}

func TestSavedDetailsBuyAgainInOneTap(t *testing.T) {
	f := newShop(t, nil)
	saved, err := f.client.SaveDetail(ctx, buybutton.SaveDetailParams{BuyerID: buyer, Label: "Home", ShipTo: &california, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	_, err = f.client.SaveDetail(ctx, buybutton.SaveDetailParams{BuyerID: buyer, Label: "Home", PaymentToken: "4242 4242\n"})
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	co := f.ready(t, buyer, book(1))
	o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, SavedID: saved.ID})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderPlaced, o.Status)
	require.NoError(t, f.client.RemoveSavedDetail(ctx, buyer, saved.ID))
	list, err := f.client.SavedDetails(ctx, buyer)
	require.NoError(t, err)
	assert.Empty(t, list)
	require.ErrorIs(t, f.client.RemoveSavedDetail(ctx, buyer, "sav_nope"), buybutton.ErrNotFound)
}

// TestSavingADetailTwiceKeepsOne: a retried save, or the same purchase
// saved again, returns the detail saved before instead of listing it
// twice, also when the two race; another label, address or card is
// another detail.
func TestSavingADetailTwiceKeepsOne(t *testing.T) {
	f := newShop(t, nil)
	home := buybutton.SaveDetailParams{BuyerID: buyer, Label: "Home", ShipTo: &california, PaymentToken: memory.TokenApprove}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := f.client.SaveDetail(ctx, home)
			if assert.NoError(t, err) {
				ids[i] = d.ID
			}
		}()
	}
	wg.Wait()
	addr := california // a copy: the same address, not the same pointer
	again, err := f.client.SaveDetail(ctx, buybutton.SaveDetailParams{BuyerID: buyer, Label: "Home", ShipTo: &addr, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	for _, id := range ids {
		assert.Equal(t, again.ID, id)
	}

	work := addr
	work.Line1 = "2 Mission St"
	for _, other := range []buybutton.SaveDetailParams{
		{BuyerID: buyer, Label: "Work", ShipTo: &california, PaymentToken: memory.TokenApprove},
		{BuyerID: buyer, Label: "Home", ShipTo: &work, PaymentToken: memory.TokenApprove},
		{BuyerID: buyer, Label: "Home", ShipTo: &california, PaymentToken: memory.TokenDecline},
		{BuyerID: buyer, Label: "Home", PaymentToken: memory.TokenApprove},
	} {
		d, err := f.client.SaveDetail(ctx, other)
		require.NoError(t, err)
		assert.NotEqual(t, again.ID, d.ID)
	}
	list, err := f.client.SavedDetails(ctx, buyer)
	require.NoError(t, err)
	assert.Len(t, list, 5)
}

func TestCheckoutGroupSplitsByMerchant(t *testing.T) {
	clock := memharness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	a := memory.New(&memory.Options{Now: clock.Now})
	b := memory.New(&memory.Options{Now: clock.Now, Currency: "EUR"})
	client, err := buybutton.New(&buybutton.Options{Now: clock.Now, Merchants: []buybutton.Merchant{
		buybutton.MerchantFrom("shop-a", "A", a), buybutton.MerchantFrom("shop-b", "B", b),
	}})
	require.NoError(t, err)
	g, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, ShipTo: &california, Lines: []buybutton.CartLine{
		{MerchantID: "shop-a", ProductID: memory.DemoBook, VariantID: "go-book-paperback", Quantity: 1},
		{MerchantID: "shop-b", ProductID: memory.DemoTee, VariantID: "logo-tee-Red", Quantity: 2},
		{MerchantID: "shop-a", ProductID: memory.DemoTee, VariantID: "logo-tee-Black", Quantity: 1},
	}})
	require.NoError(t, err)
	require.Len(t, cos, 2)
	assert.Equal(t, []string{cos[0].ID, cos[1].ID}, g.CheckoutIDs)
	assert.Equal(t, "shop-a", cos[0].MerchantID)
	assert.Len(t, cos[0].Lines, 2)
	assert.Equal(t, money.Currency("EUR"), cos[1].Currency)
	_, err = client.ConfirmGroup(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: g.ID, PaymentToken: memory.TokenApprove})
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition, "no shipping selected yet")
	for i, option := range []string{"standard", "express"} {
		_, err = client.SelectShipping(ctx, buyer, cos[i].ID, option)
		require.NoError(t, err)
	}
	results, err := client.ConfirmGroup(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: g.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.Equal(t, 1, a.Stats().Orders)
	assert.Equal(t, 1, b.Stats().Orders)
	assert.Equal(t, "shop-b", results[1].Order.MerchantID)
	assert.Equal(t, "EUR", string(results[1].Order.Totals.Total.Currency()))
}

func TestMerchantDiscountsAreTaxedAfterTheDiscount(t *testing.T) {
	f := newShop(t, nil)
	require.NoError(t, f.shop.SetPromotion(memory.DemoBook+"-paperback", 15))
	co := f.ready(t, buyer, book(3))
	// 3 × 39.99 = 119.97; 15% off = 17.9955 -> 18.00; tax on 101.97 at
	// 7.25% = 7.392825 -> 7.39; shipping 5.00.
	assert.Equal(t, "119.97 USD", co.Totals.Subtotal.String())
	assert.Equal(t, "18.00 USD", co.Totals.Discount.String())
	assert.Equal(t, "7.39 USD", co.Totals.Tax.String())
	assert.Equal(t, "114.36 USD", co.Totals.Total.String())
	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, co.Totals, o.Totals)
	assert.Equal(t, "114.36 USD", o.Captured.String())
}

func TestTaxRoundingIsTheHostsChoice(t *testing.T) {
	// 0.40 at Texas's 6.25% is exactly 0.025: half-even gives 0.02,
	// half-up 0.03.
	texas := california
	texas.Region = "TX"
	for mode, want := range map[money.RoundingMode]string{money.HalfEven: "0.02 USD", money.HalfUp: "0.03 USD"} {
		f := newShop(t, &buybutton.Options{TaxRounding: mode})
		require.NoError(t, f.shop.SetPrice(memory.DemoBook+"-paperback", usd("0.40")))
		_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(1)}, ShipTo: &texas})
		require.NoError(t, err)
		assert.Equal(t, want, cos[0].Totals.Tax.String(), mode)
	}
}

func TestRunMaintenanceExpiresUntilCanceled(t *testing.T) {
	f := newShop(t, &buybutton.Options{CheckoutTTL: time.Minute})
	co := f.ready(t, buyer, book(1))
	f.clock.Advance(2 * time.Minute)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- f.client.RunMaintenance(runCtx, time.Millisecond, func(err error) { t.Error(err) }) }()
	require.Eventually(t, func() bool { return f.checkout(t, co.ID).State == buybutton.CheckoutExpired }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.ErrorIs(t, f.client.RunMaintenance(ctx, 0, nil), buybutton.ErrInvalidInput)
}

// placedOrders records the requests to place orders that reach the
// merchant.
type placedOrders struct {
	provider.Orders
	mu   sync.Mutex
	reqs []provider.PlaceOrderRequest
}

func (p *placedOrders) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	p.mu.Unlock()
	return p.Orders.PlaceOrder(ctx, req)
}

func TestContactReachesTheMerchant(t *testing.T) {
	var orders *placedOrders
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", p)
		orders = &placedOrders{Orders: m.Orders}
		m.Orders = orders
		return m
	})
	co := f.ready(t, buyer, book(1))
	before := f.checkout(t, co.ID)

	for name, bad := range map[string]provider.Contact{
		"not an email":    {Name: "Ada", Email: "ada.example.com"},
		"spaces":          {Email: "ada @example.com"},
		"markup":          {Email: "<ada@example.com>"},
		"control":         {Name: "Ada\x00", Email: "ada@example.com"},
		"too long a name": {Name: strings.Repeat("a", 201)},
	} {
		_, err := f.client.SetContact(ctx, buyer, co.ID, bad)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	_, err := f.client.SetContact(ctx, "buyer-2", co.ID, provider.Contact{Email: "eve@example.com"})
	assert.ErrorIs(t, err, buybutton.ErrForbidden)
	assert.Equal(t, before, f.checkout(t, co.ID), "refused contacts changed nothing")

	ada := provider.Contact{Name: "Ada Buyer", Email: "ada@example.com"}
	got, err := f.client.SetContact(ctx, buyer, co.ID, ada)
	require.NoError(t, err)
	assert.Equal(t, ada, got.Contact)
	assert.Equal(t, buybutton.CheckoutShippingSelected, got.State, "a contact is no step of the machine")
	assert.Equal(t, before.Totals, got.Totals)

	o, err := f.confirm(got, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, ada, o.Contact)
	require.Len(t, orders.reqs, 1)
	assert.Equal(t, ada, orders.reqs[0].Contact, "the merchant is told whom to reach")

	_, err = f.client.SetContact(ctx, buyer, co.ID, provider.Contact{Email: "late@example.com"})
	assert.ErrorIs(t, err, buybutton.ErrIllegalTransition, "a placed checkout is not edited")
	assert.Equal(t, ada, f.checkout(t, co.ID).Contact)
}

// skewedQuotes is a platform whose quotes break the Quoter contract in the
// way skew says.
type skewedQuotes struct {
	provider.Quoter
	skew func(*provider.Quote)
}

func (q skewedQuotes) Quote(ctx context.Context, req provider.QuoteRequest) (provider.Quote, error) {
	quote, err := q.Quoter.Quote(ctx, req)
	if err == nil {
		q.skew(&quote)
	}
	return quote, err
}

// TestQuotesThatBreakTheContractAreRefused: a platform's quote is data the
// library checks like a caller's input. A price in another currency, a
// fraction of a cent, a negative amount, a discount above the line, a tax
// rate outside [0, 1), lines other than those asked for, or a shipping
// option without a clean id and label or quoted twice are
// ErrInvalidInput, and no checkout is priced from them.
func TestQuotesThatBreakTheContractAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		skew  func(*provider.Quote)
		field string // the field named, where the test pins it
	}{
		{"price in euros", func(q *provider.Quote) { q.Lines[0].UnitPrice = money.MustParse("39.99", "EUR") }, ""},
		{"price below a cent", func(q *provider.Quote) { q.Lines[0].UnitPrice = usd("39.995") }, ""},
		{"negative price", func(q *provider.Quote) { q.Lines[0].UnitPrice = usd("-39.99") }, ""},
		{"discount above the line", func(q *provider.Quote) { q.Lines[0].Discount = usd("80.00") }, ""},
		{"negative discount", func(q *provider.Quote) { q.Lines[0].Discount = usd("-1.00") }, ""},
		{"discount in euros", func(q *provider.Quote) { q.Lines[0].Discount = money.MustParse("1.00", "EUR") }, ""},
		{"tax rate of 100%", func(q *provider.Quote) { q.Lines[0].TaxRate = decimal.NewFromInt(1) }, ""},
		{"negative tax rate", func(q *provider.Quote) { q.Lines[0].TaxRate = decimal.RequireFromString("-0.05") }, ""},
		{"another variant", func(q *provider.Quote) { q.Lines[0].VariantID = "logo-tee-Red" }, ""},
		{"another quantity", func(q *provider.Quote) { q.Lines[0].Quantity = 1 }, ""},
		{"a line missing", func(q *provider.Quote) { q.Lines = nil }, ""},
		{"shipping in euros", func(q *provider.Quote) { q.ShippingOptions[0].Amount = money.MustParse("5.00", "EUR") }, "quote.shipping_options[0].amount"},
		{"shipping below a cent", func(q *provider.Quote) { q.ShippingOptions[0].Amount = usd("5.001") }, "quote.shipping_options[0].amount"},
		{"negative shipping", func(q *provider.Quote) { q.ShippingOptions[0].Amount = usd("-5.00") }, "quote.shipping_options[0].amount"},
		{"shipping tax rate", func(q *provider.Quote) { q.ShippingOptions[0].TaxRate = decimal.RequireFromString("1.5") }, "quote.shipping_options[0].tax_rate"},
		{"shipping without an id", func(q *provider.Quote) { q.ShippingOptions[0].ID = "" }, "quote.shipping_options[0].id"},
		{"shipping id with a NUL", func(q *provider.Quote) { q.ShippingOptions[0].ID = "std\x00" }, "quote.shipping_options[0].id"},
		{"shipping quoted twice", func(q *provider.Quote) { q.ShippingOptions[1].ID = q.ShippingOptions[0].ID }, "quote.shipping_options[1].id"},
		{"shipping label with NUL", func(q *provider.Quote) { q.ShippingOptions[0].Label = "Standard\x00" }, "quote.shipping_options[0].label"},
		{"shipping without label", func(q *provider.Quote) { q.ShippingOptions[0].Label = "" }, "quote.shipping_options[0].label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
				m := buybutton.MerchantFrom(shopID, "Demo Shop", p)
				m.Quotes = skewedQuotes{m.Quotes, tc.skew}
				return m
			})
			g, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(2)}, ShipTo: &california})
			require.ErrorIs(t, err, buybutton.ErrInvalidInput)
			if tc.field != "" {
				var v *buybutton.ValidationError
				require.ErrorAs(t, err, &v)
				assert.Equal(t, tc.field, v.Field)
			}
			assert.Nil(t, g)
			assert.Nil(t, cos)
			assert.Equal(t, memory.Stats{}, f.shop.Stats())
		})
	}
}
