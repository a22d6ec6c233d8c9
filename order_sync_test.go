package buybutton_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// lose drops the webhooks the platform queued, as a platform that gave up
// re-sending them does, and returns them, to deliver late.
func (f fixture) lose(t *testing.T) []memory.Delivery {
	t.Helper()
	lost := f.shop.TakeDeliveries()
	require.NotEmpty(t, lost)
	return lost
}

// deliverLate delivers webhooks given up for lost after all, signed now,
// as a platform re-sends one.
func (f fixture) deliverLate(t *testing.T, lost []memory.Delivery) {
	t.Helper()
	for _, d := range lost {
		var e provider.Event
		require.NoError(t, json.Unmarshal(d.Body, &e))
		h, b := f.shop.Sign(e, f.clock.Now())
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, b))
	}
}

// TestReconcileOrderCatchesUpWithLostWebhooks: the merchant ships an
// order in two parcels and the carrier delivers it while the host's
// webhook endpoint is down for longer than the platform re-sends. The
// order stays placed until ReconcileOrder reads the platform's order:
// then it records both parcels with their tracking, the delivery, and
// tells the host once of each. The webhooks arriving after all change
// nothing, and neither does a second ReconcileOrder, which writes
// nothing.
func TestReconcileOrderCatchesUpWithLostWebhooks(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	second := provider.Shipment{Carrier: "DHL", TrackingNumber: "JD0002", TrackingURL: "https://example.com/track/JD0002"}
	require.NoError(t, f.shop.ShipPart(o.ProviderOrderID, parcel))
	lost := f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderPartiallyFulfilled, got.Status)
	assert.Equal(t, []provider.Shipment{parcel}, got.Shipments)

	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, second))
	require.NoError(t, f.shop.DeliverOrder(o.ProviderOrderID))
	lost = append(lost, f.lose(t)...)
	got, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderDelivered, got.Status)
	assert.Equal(t, []provider.Shipment{parcel, second}, got.Shipments)
	assert.Equal(t, []string{">placed", "placed>partially_fulfilled", "partially_fulfilled>fulfilled", "fulfilled>delivered"}, f.path(t, o.ID, "order"))

	f.deliverLate(t, lost)
	late := f.order(t, o.ID)
	again, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, late.Version, again.Version, "nothing new: nothing written")
	assert.Equal(t, []provider.Shipment{parcel, second}, again.Shipments)
	events := f.pendingEvents(t)
	assert.Equal(t, 2, count(events, buybutton.EventOrderShipped), "one for each parcel")
	assert.Equal(t, 1, count(events, buybutton.EventOrderDelivered))
}

// TestReconcileOrderCapturesOnAShipmentItFinds: under CaptureOnShipment,
// a shipment ReconcileOrder finds takes the money, once, as its webhook
// would have.
func TestReconcileOrderCapturesOnAShipmentItFinds(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, nil)
	o := f.placed(t)
	require.True(t, o.Captured.IsZero())
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	lost := f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, "90.78 USD", got.Captured.String())
	f.deliverLate(t, lost)
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, f.shop.Stats().Captures)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))
}

// TestReconcileOrderFinishesACancellationItFinds: the merchant canceled
// the order on the platform's dashboard and its webhook was lost.
// ReconcileOrder gives the buyer's money back and cancels the order, as
// order.canceled would have.
func TestReconcileOrderFinishesACancellationItFinds(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	lost := f.cancelOnPlatform(t, o)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	f.deliverLate(t, []memory.Delivery{lost})
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
}

// TestReconcileOrderMovesNothingBack: the platform's order further behind
// than the record (its read not caught up with the webhook that came
// first) changes nothing.
func TestReconcileOrderMovesNothingBack(t *testing.T) {
	var platform *behindOrders
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		platform = &behindOrders{Provider: p}
		return buybutton.MerchantFrom(shopID, "Demo Shop", platform)
	})
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	shipped := f.order(t, o.ID)
	require.Equal(t, buybutton.OrderFulfilled, shipped.Status)

	platform.behind = true
	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, shipped.Version, got.Version)
	assert.Equal(t, []provider.Shipment{parcel}, got.Shipments)
}

// behindOrders answers an order's reads, while behind, as the order was
// when placed: no parcel, nothing fulfilled.
type behindOrders struct {
	*memory.Provider
	behind bool
}

func (p *behindOrders) Order(ctx context.Context, orderID string) (provider.Order, error) {
	o, err := p.Provider.Order(ctx, orderID)
	if p.behind {
		o.Status, o.Shipments = provider.OrderPlaced, nil
	}
	return o, err
}

// TestReconcileOrderRecordsACaptureMadeOnThePlatform: under
// CaptureOnShipment the merchant captured the payment on the platform's
// dashboard, and payment.captured was lost. ReconcileOrder records the
// capture, once.
func TestReconcileOrderRecordsACaptureMadeOnThePlatform(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, nil)
	o := f.placed(t)
	_, err := f.shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: o.Authorized})
	require.NoError(t, err)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	// The webhook, late after all.
	h, b := f.shop.Sign(provider.Event{ID: "evt_late_capture", Type: provider.EventPaymentCaptured, PaymentID: o.PaymentID, Amount: &got.Captured}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, b))
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))
}

// TestReconcileOrderFindsAHoldThatEnded: under CaptureOnShipment the
// card's issuer ended the hold before the goods left, and
// payment.canceled was lost. ReconcileOrder marks the order as one whose
// payment cannot be captured, and tells the host once, before the
// merchant ships.
func TestReconcileOrderFindsAHoldThatEnded(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, nil)
	o := f.placed(t)
	require.NoError(t, f.shop.LapseHold(o.PaymentID))
	lost := f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentCaptureFailed, got.PaymentState())
	assert.NotEmpty(t, got.CaptureFailure)
	f.deliverLate(t, lost)
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptureFailed))
}

// TestReconcileOrderRecordsARefundMadeOnThePlatform: the merchant
// refunded part of an order on the platform's dashboard, and the webhook
// was lost. ReconcileOrder records it, once, beside the library's own
// refunds, which it does not take for the platform's.
func TestReconcileOrderRecordsARefundMadeOnThePlatform(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	_, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: usd("10.00")})
	require.NoError(t, err)
	lost := f.lose(t)
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("5.00"), Reason: "late", IdempotencyKey: "ours"})
	require.NoError(t, err)
	f.deliver(t) // our refund's own webhook

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "15.00 USD", got.Refunded().String())
	assert.True(t, got.Refunded().Equal(f.refundedOnPlatform(t, got)))
	f.deliverLate(t, lost)
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	got = f.order(t, o.ID)
	assert.Equal(t, "15.00 USD", got.Refunded().String())
	assert.Len(t, got.Refunds, 2)
	assert.ElementsMatch(t, []string{"5.00 USD", "10.00 USD"}, f.eventAmounts(t, buybutton.EventRefundSucceeded))
}

// TestReconcileOrderRecordsAChargebackItFinds: the buyer's bank disputed
// the payment and the merchant lost, and both webhooks were lost.
// ReconcileOrder records the chargeback, once: the money is out of the
// books and no longer refundable.
func TestReconcileOrderRecordsAChargebackItFinds(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	f.chargeBack(t, o.PaymentID, usd("90.78"))
	lost := f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", got.ChargedBack().String())
	assert.True(t, got.Refundable().IsZero())
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState())
	f.deliverLate(t, lost)
	_, err = f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	got = f.order(t, o.ID)
	assert.Len(t, got.Disputes, 1)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentDisputeClosed))
}

// TestReconcileOrderCleansWhatThePlatformLists: what a platform lists is
// kept as its webhooks are, its words cleaned of control characters
// (which PostgreSQL cannot hold), so that no store refuses the record.
func TestReconcileOrderCleansWhatThePlatformLists(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	_, err := f.shop.Dispute(o.PaymentID, usd("10.00"), "fraud\x00ulent", false)
	require.NoError(t, err)
	f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	require.Len(t, got.Disputes, 1)
	assert.Equal(t, "fraud\uFFFDulent", got.Disputes[0].Reason)
}
