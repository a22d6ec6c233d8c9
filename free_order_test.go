package buybutton_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

// ebook is one e-book: it does not ship, so a promotion of 100% makes a
// checkout of it cost nothing at all.
var ebook = buybutton.CartLine{MerchantID: shopID, ProductID: memory.DemoEBook, VariantID: memory.DemoEBook + "-epub", Quantity: 1}

// freeCheckout starts a checkout of the e-book at 100% off.
func (f fixture) freeCheckout(t *testing.T) *buybutton.Checkout {
	t.Helper()
	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 100))
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
	require.NoError(t, err)
	require.Equal(t, "0.00 USD", cos[0].Totals.Total.String())
	require.True(t, cos[0].Free())
	return cos[0]
}

// TestAFreeCheckoutIsPlacedWithNoPayment: a checkout that costs nothing
// is confirmed with no payment token, as storefronts complete free orders
// (Shopify's checkoutCompleteFree). The merchant gets the order, its
// stock is reserved and taken, and no payment is asked for: no platform
// charges zero. The order's payment state is none, recorded once. Before,
// it was refused as below the platform's minimum charge.
func TestAFreeCheckoutIsPlacedWithNoPayment(t *testing.T) {
	for _, policy := range []buybutton.CapturePolicy{buybutton.CaptureOnPlace, buybutton.CaptureOnShipment} {
		f := newShop(t, &buybutton.Options{Capture: policy})
		co := f.freeCheckout(t)
		o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
		require.NoError(t, err)
		assert.Equal(t, buybutton.OrderPlaced, o.Status)
		assert.Equal(t, buybutton.PaymentNone, o.PaymentState())
		assert.Empty(t, o.PaymentID)
		assert.True(t, o.Authorized.IsZero() && o.Captured.IsZero(), "authorized %s, captured %s", o.Authorized, o.Captured)
		assert.True(t, o.Refundable().IsZero())
		assert.Equal(t, memory.Stats{Reservations: 1, Orders: 1}, f.shop.Stats(), "the order placed, no payment asked for")
		po, err := f.shop.Order(ctx, o.ProviderOrderID)
		require.NoError(t, err)
		assert.True(t, po.Total.IsZero())

		assert.Equal(t, []string{">placed"}, f.path(t, o.ID, "order"))
		assert.Equal(t, []string{">none"}, f.path(t, o.ID, "payment"))
		assert.Equal(t, []buybutton.EventType{buybutton.EventOrderPlaced}, f.pendingEvents(t), "nothing was captured")

		again, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
		require.NoError(t, err, "confirming a placed checkout returns its order")
		assert.Equal(t, o.ID, again.ID)
		assert.Equal(t, memory.Stats{Reservations: 1, Orders: 1}, f.shop.Stats())
	}
}

// TestAFreeCheckoutUsesNoTokenGiven: a client that sends a token all the
// same (a group confirmed with one card, a form that always has one) is
// not charged, and the token is not kept. A malformed one is still
// refused, as on any checkout.
func TestAFreeCheckoutUsesNoTokenGiven(t *testing.T) {
	f := newShop(t, nil)
	co := f.freeCheckout(t)
	_, err := f.confirm(co, "tok with spaces\x00")
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	assert.Equal(t, co.Version, f.checkout(t, co.ID).Version, "a bad token changes nothing")

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentNone, o.PaymentState())
	assert.Zero(t, f.shop.Stats().Authorizations)
	assert.Empty(t, f.checkout(t, co.ID).PaymentToken)
}

// TestAPriceThatChangesAFreeCheckoutIsTold: the promotion that made a
// checkout free ends before it is confirmed: the re-quote tells the buyer
// the new total (ErrPriceChanged), nothing is placed, and the checkout
// then needs a payment token like any other. The other way, a checkout
// that becomes free is told, then placed with no token.
func TestAPriceThatChangesAFreeCheckoutIsTold(t *testing.T) {
	f := newShop(t, nil)
	co := f.freeCheckout(t)
	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 0))
	_, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	require.ErrorIs(t, err, buybutton.ErrPriceChanged)
	assert.Equal(t, memory.Stats{}, f.shop.Stats(), "nothing reserved, placed or asked for")
	assert.False(t, f.checkout(t, co.ID).Free(), "it costs 9.99 now")
	_, err = f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	var input *buybutton.ValidationError
	require.ErrorAs(t, err, &input, "the total is no longer zero: a token is needed")
	assert.Equal(t, "payment_token", input.Field)
	assert.Equal(t, memory.Stats{}, f.shop.Stats())

	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 100))
	_, err = f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.ErrorIs(t, err, buybutton.ErrPriceChanged)
	o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentNone, o.PaymentState())
	assert.Equal(t, memory.Stats{Reservations: 1, Orders: 1}, f.shop.Stats())
}

// TestAFreeOrderHasNoMoneyToMove: cancelling a free order cancels it at
// the merchant and returns its stock, with no void or refund asked for;
// a refund of it is refused as more than was captured, and changes
// nothing; shipping it captures nothing, under either policy.
func TestAFreeOrderHasNoMoneyToMove(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	co := f.freeCheckout(t)
	o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	require.NoError(t, err)

	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, IdempotencyKey: "r1", Amount: usd("0.01")})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture)
	assert.Zero(t, o.UnitsRefundable(ebook.VariantID), "a line that cost nothing has no units to refund")
	_, err = f.refundLines(o, "r2", buybutton.RefundLine{VariantID: ebook.VariantID, Quantity: 1})
	require.ErrorIs(t, err, buybutton.ErrInvalidInput, "a refund of a line that cost nothing refunds nothing")
	assert.Empty(t, f.order(t, o.ID).Refunds)

	canceled, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, canceled.Status)
	assert.Equal(t, buybutton.PaymentNone, canceled.PaymentState())
	assert.True(t, canceled.DueAt.IsZero(), "nothing owed")
	assert.Equal(t, memory.Stats{Reservations: 1, Orders: 1, Cancellations: 1}, f.shop.Stats(), "no void, no refund")
	assert.Equal(t, []string{">placed", "placed>canceled"}, f.path(t, o.ID, "order"))
	assert.Equal(t, []string{">none"}, f.path(t, o.ID, "payment"))
	f.deliver(t) // the merchant's order.canceled: already done
	assert.Equal(t, []buybutton.EventType{buybutton.EventOrderPlaced, buybutton.EventOrderCanceled}, f.pendingEvents(t))

	// Shipped, under capture on shipment: nothing to capture.
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
	require.NoError(t, err)
	o, err = f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: cos[0].ID})
	require.NoError(t, err)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, buybutton.PaymentNone, got.PaymentState())
	assert.Zero(t, f.shop.Stats().Captures)
}

// TestAPaymentEventOfAFreeOrderIsRefused: an event that names a free
// order's merchant order and says its payment was captured, refunded or
// disputed cannot be true: the order has no payment. It is refused with
// ErrInvalidInput and records nothing, as any impossible event is.
func TestAPaymentEventOfAFreeOrderIsRefused(t *testing.T) {
	f := newShop(t, nil)
	co := f.freeCheckout(t)
	o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	require.NoError(t, err)
	f.deliver(t)
	amount := usd("1.00")
	for _, e := range []provider.Event{
		{Type: provider.EventPaymentCaptured, Amount: &amount},
		{Type: provider.EventPaymentRefunded, RefundID: "re_bogus", Amount: &amount},
		{Type: provider.EventPaymentRefundFailed, RefundID: "re_bogus", Amount: &amount, Reason: "lost"},
		{Type: provider.EventPaymentDisputed, DisputeID: "dp_bogus", Amount: &amount},
		{Type: provider.EventPaymentDisputeClosed, DisputeID: "dp_bogus", Amount: &amount, Reason: provider.DisputeLost},
		{Type: provider.EventPaymentCanceled},
	} {
		e.ID, e.OrderID, e.OccurredAt = "evt_"+string(e.Type), o.ProviderOrderID, f.clock.Now()
		h, body := f.shop.Sign(e, f.clock.Now())
		require.ErrorIs(t, f.client.HandleWebhook(ctx, shopID, h, body), buybutton.ErrInvalidInput, e.Type)
	}
	got := f.order(t, o.ID)
	assert.Equal(t, o.Version, got.Version, "nothing recorded")
	assert.Equal(t, buybutton.PaymentNone, got.PaymentState())
	assert.Empty(t, f.pendingEvents(t)[1:], "the host heard only of the order")
}

// TestRacingConfirmsOfAFreeCheckoutPlaceOneOrder: sixteen taps on a free
// checkout place one order at the merchant, as for any checkout.
func TestRacingConfirmsOfAFreeCheckoutPlaceOneOrder(t *testing.T) {
	f := newShop(t, nil)
	co := f.freeCheckout(t)
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
			if assert.NoError(t, err) {
				ids[i] = o.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	assert.Equal(t, memory.Stats{Reservations: 1, Orders: 1}, f.shop.Stats())
}

// TestFaultsNeverPlaceAFreeCheckoutTwice: free checkouts confirmed while
// a third of the merchant's stock and order calls fail (refused, timed
// out, or answered lost) each end placed, with one order at the
// merchant each and no payment asked for.
func TestFaultsNeverPlaceAFreeCheckoutTwice(t *testing.T) {
	const checkouts = 100
	var faults *faulty.Provider
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		faults = faulty.Wrap(shop, faulty.Options{Rate: 0.33, Seed: 11})
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Inventory, m.Orders = faults, faults
		return m
	})
	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 100))
	ids := make([]string, checkouts)
	for i := range ids {
		_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
		require.NoError(t, err)
		ids[i] = cos[0].ID
	}
	confirmUntilSettled(t, f, ids, func(id string) error {
		_, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id})
		return err
	})
	for _, id := range ids {
		require.Equal(t, buybutton.CheckoutPlaced, f.checkout(t, id).State, "checkout %s", id)
	}
	st := f.shop.Stats()
	t.Logf("faults injected: %v; provider: %+v", faults.Counts(), st)
	assert.Equal(t, checkouts, st.Orders, "one order at the merchant a checkout")
	assert.Zero(t, st.Authorizations, "no payment asked for")
	for _, op := range []string{"reserve", "place_order"} {
		for _, fault := range []faulty.Fault{faulty.Unavailable, faulty.Timeout, faulty.Lost} {
			assert.Positive(t, faults.Counts()[op][fault], "no %s fault was injected into %s", fault, op)
		}
	}
}
