package buybutton_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// lapsingHolds is a platform on which a hold may have lapsed by the time
// it is captured (an authorization past its network's limit, or voided on
// the merchant's dashboard): the capture is refused, definitely.
type lapsingHolds struct {
	*memory.Provider
	lapsed func() bool // whether this capture's hold has lapsed; nil: every one
}

func (p lapsingHolds) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	if p.lapsed == nil || p.lapsed() {
		if _, err := p.Provider.Void(ctx, provider.VoidRequest{IdempotencyKey: "lapsed:" + req.PaymentID, PaymentID: req.PaymentID}); err != nil {
			return provider.Payment{}, err
		}
	}
	return p.Provider.Capture(ctx, req)
}

// forgetfulCaptures is a platform that has forgotten an idempotency key (as
// Stripe does after 24 hours): the capture happened under the key, and the
// retry is refused because the payment is no longer authorized.
type forgetfulCaptures struct{ *memory.Provider }

func (p forgetfulCaptures) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	req.IdempotencyKey = "first try:" + req.IdempotencyKey
	if _, err := p.Provider.Capture(ctx, req); err != nil {
		return provider.Payment{}, err
	}
	return provider.Payment{}, fmt.Errorf("payment %s is captured: %w", req.PaymentID, provider.ErrInvalidState)
}

// decliningCaptures is a platform whose issuer declines every capture;
// the hold stays in place.
type decliningCaptures struct{ *memory.Provider }

func (p decliningCaptures) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	return provider.Payment{}, &provider.DeclineError{Code: "do_not_honor", Message: "declined at capture"}
}

// processingCaptures is a platform that accepts a capture and finishes it
// later, as Stripe's processing status does: while pending is true, a
// capture is answered with the payment as it is, still authorized and
// nothing captured, and takes nothing.
type processingCaptures struct {
	*memory.Provider
	pending *bool
}

func (p processingCaptures) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	if *p.pending {
		return p.Provider.Payment(ctx, req.PaymentID)
	}
	return p.Provider.Capture(ctx, req)
}

func withPayments(payments func(*memory.Provider) provider.Payments) func(*memory.Provider) buybutton.Merchant {
	return func(shop *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Payments = payments(shop)
		return m
	}
}

func count(types []buybutton.EventType, t buybutton.EventType) int {
	n := 0
	for _, x := range types {
		if x == t {
			n++
		}
	}
	return n
}

// TestRefusedCaptureAtPlacementKeepsTheOrder: the merchant accepted the
// order, then the platform refused to capture. The order exists, so the
// checkout is placed and the order recorded, uncaptured, with why; the host
// is told with payment.capture_failed and settles it (here by cancelling).
// Before, the checkout went to unknown and every reconcile replayed the
// same refusal: no order record, no alert, for ever.
func TestRefusedCaptureAtPlacementKeepsTheOrder(t *testing.T) {
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return lapsingHolds{Provider: shop} }))
	o, err := f.confirm(f.ready(t, buyer, book(2)), memory.TokenApprove)
	require.NoError(t, err, "the merchant has the order: the buyer is told it is placed")
	assert.Equal(t, buybutton.PaymentCaptureFailed, o.PaymentState())
	assert.Contains(t, o.CaptureFailure, "invalid state")
	assert.True(t, o.Captured.IsZero())
	assert.Equal(t, buybutton.CheckoutPlaced, f.checkout(t, o.CheckoutID).State)
	assert.Equal(t, 1, f.shop.Stats().Orders)
	assert.Equal(t, 0, f.shop.Stats().Captures)

	events, err := f.client.PendingEvents(ctx, 100)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, buybutton.EventOrderPlaced, events[0].Type)
	assert.Equal(t, buybutton.EventPaymentCaptureFailed, events[1].Type)
	assert.Equal(t, o.ID, events[1].OrderID)
	assert.Equal(t, o.CaptureFailure, events[1].Reason)

	assert.Equal(t, []string{">capture_failed"}, f.path(t, o.ID, "payment"))

	got, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "payment lapsed"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, buybutton.PaymentVoided, got.PaymentState())
	assert.Equal(t, 0, f.shop.Stats().Refunds)
}

// TestRefusedCaptureThatHappenedIsRecordedAsCaptured: a platform that
// forgot the key refuses a capture that already took the money. The
// payment is read back before the refusal is believed.
func TestRefusedCaptureThatHappenedIsRecordedAsCaptured(t *testing.T) {
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return forgetfulCaptures{shop} }))
	o, err := f.confirm(f.ready(t, buyer, book(2)), memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	assert.Equal(t, "90.78 USD", o.Captured.String())
	assert.Empty(t, o.CaptureFailure)
	assert.Equal(t, 1, f.shop.Stats().Captures)
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventPaymentCaptured))
	assert.Zero(t, count(events, buybutton.EventPaymentCaptureFailed))
}

// TestRefusedCaptureOnShipmentRecordsTheShipment: under CaptureOnShipment
// the hold lapsed before the goods left. The shipment is still recorded
// (the parcel is on its way), the order is marked uncaptured with why, the
// host is told once, and the webhook is acknowledged. Before, the webhook
// failed on every delivery and the shipment was never recorded.
func TestRefusedCaptureOnShipmentRecordsTheShipment(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment},
		withPayments(func(shop *memory.Provider) provider.Payments { return lapsingHolds{Provider: shop} }))
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	deliveries := f.shop.TakeDeliveries()
	require.NotEmpty(t, deliveries)
	for range 2 { // and once more, as a platform redelivers
		for _, d := range deliveries {
			require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
		}
	}
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, []provider.Shipment{parcel}, got.Shipments)
	assert.Equal(t, buybutton.PaymentCaptureFailed, got.PaymentState())
	assert.NotEmpty(t, got.CaptureFailure)
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventPaymentCaptureFailed))
	assert.Equal(t, 1, count(events, buybutton.EventOrderShipped))
	assert.Equal(t, 0, f.shop.Stats().Captures)
}

// TestCaptureOnTheDashboardSettlesARefusal: after a refused capture the
// merchant takes the money on the platform itself; its payment.captured
// webhook moves the order from capture_failed to captured.
func TestCaptureOnTheDashboardSettlesARefusal(t *testing.T) {
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return decliningCaptures{shop} }))
	o, err := f.confirm(f.ready(t, buyer, book(2)), memory.TokenApprove)
	require.NoError(t, err)
	require.Equal(t, buybutton.PaymentCaptureFailed, o.PaymentState())
	assert.Contains(t, o.CaptureFailure, "declined at capture")

	pay, err := f.shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: o.Authorized})
	require.NoError(t, err)
	h, body := f.shop.Sign(provider.Event{ID: "evt_dashboard", Type: provider.EventPaymentCaptured, PaymentID: o.PaymentID, Amount: &pay.Captured, OccurredAt: f.clock.Now()}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.Captured.String())
}

// busyCaptures is a platform that refuses captures until it is told to
// take them again: provider.ErrUnavailable, nothing done.
type busyCaptures struct {
	*memory.Provider
	busy *bool
}

func (p busyCaptures) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	if *p.busy {
		return provider.Payment{}, fmt.Errorf("try later: %w", provider.ErrUnavailable)
	}
	return p.Provider.Capture(ctx, req)
}

// TestBusyCaptureIsRetried: a platform too busy to capture has refused
// nothing for good. The checkout waits in unknown, and Reconcile captures
// with the same key once the platform answers.
func TestBusyCaptureIsRetried(t *testing.T) {
	busy := true
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return busyCaptures{shop, &busy} }))
	co := f.ready(t, buyer, book(2))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)

	busy = false
	f.clock.Advance(time.Minute)
	got, err := f.client.Reconcile(ctx, co.ID)
	require.NoError(t, err)
	require.Equal(t, buybutton.CheckoutPlaced, got.State)
	o := f.order(t, got.OrderID)
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	assert.Empty(t, o.CaptureFailure)
	assert.Equal(t, 1, f.shop.Stats().Captures)
	assert.Equal(t, 1, f.shop.Stats().Orders)
}

// TestLapsedHoldIsToldBeforeShipment: under CaptureOnShipment the hold
// lapses on the platform before the goods leave. Its payment.canceled
// webhook marks the order capture_failed and tells the host at once, so
// that the merchant need not ship unpaid goods; a shipment after that
// records the parcel and tries no capture.
func TestLapsedHoldIsToldBeforeShipment(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	require.NoError(t, f.shop.LapseHold(o.PaymentID))
	f.deliver(t)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentCaptureFailed, got.PaymentState())
	assert.Contains(t, got.CaptureFailure, "expired")
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptureFailed))

	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, buybutton.PaymentCaptureFailed, got.PaymentState())
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptureFailed))
	assert.Equal(t, 0, f.shop.Stats().Captures)
}

// TestCanceledEventOfOurOwnVoidChangesNothing: a payment.canceled for a
// hold the library voided itself (a canceled order) is no lapse, whether
// it comes after the cancellation was recorded or before: Stripe cannot
// tell its merchant's cancellations from the library's voids, and its
// event can beat the void's answer.
func TestCanceledEventOfOurOwnVoidChangesNothing(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(map[bool]string{false: "after the void's answer", true: "before the void's answer"}[early], func(t *testing.T) {
			voids := &reportedVoids{}
			f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, withPayments(func(shop *memory.Provider) provider.Payments {
				voids.Provider = shop
				return voids
			}))
			o := f.placed(t)
			h, body := f.shop.Sign(provider.Event{ID: "evt_void", Type: provider.EventPaymentCanceled, PaymentID: o.PaymentID, Reason: "canceled on Stripe", OccurredAt: f.clock.Now()}, f.clock.Now())
			deliver := func() { require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body)) }
			if early {
				voids.afterVoid = deliver
			}
			_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
			require.NoError(t, err)
			if !early {
				deliver()
			}
			got := f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderCanceled, got.Status)
			assert.Equal(t, buybutton.PaymentVoided, got.PaymentState())
			assert.Empty(t, got.CaptureFailure)
			assert.Zero(t, count(f.pendingEvents(t), buybutton.EventPaymentCaptureFailed))
		})
	}
}

// reportedVoids is a platform whose void's event reaches the library
// (afterVoid) before the void's answer does.
type reportedVoids struct {
	*memory.Provider
	afterVoid func()
}

func (p *reportedVoids) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	pay, err := p.Provider.Void(ctx, req)
	if err == nil && p.afterVoid != nil {
		p.afterVoid()
	}
	return pay, err
}

// TestRefundBeforeItsCaptureIsKnown: under CaptureOnShipment the merchant
// captures on the platform's dashboard and refunds, and the refund's
// webhook comes before the capture's. A refund proves a capture: the
// platform's payment is read, so the order never records more refunded
// than captured, and the late capture event changes nothing.
func TestRefundBeforeItsCaptureIsKnown(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	pay, err := f.shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: o.Authorized})
	require.NoError(t, err)
	_, err = f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-refund", PaymentID: o.PaymentID, Amount: usd("30.00")})
	require.NoError(t, err)
	f.deliver(t) // the refund's event

	got := f.order(t, o.ID)
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.Equal(t, "30.00 USD", got.Refunded().String())
	assert.Equal(t, buybutton.PaymentPartiallyRefunded, got.PaymentState())
	assert.Equal(t, []string{">authorized", "authorized>captured", "captured>partially_refunded"}, f.path(t, o.ID, "payment"))
	assert.Equal(t, []buybutton.EventType{buybutton.EventOrderPlaced, buybutton.EventPaymentCaptured, buybutton.EventRefundSucceeded}, f.pendingEvents(t))

	h, body := f.shop.Sign(provider.Event{ID: "evt_dashboard_capture", Type: provider.EventPaymentCaptured, PaymentID: o.PaymentID, Amount: &pay.Captured}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	late := f.order(t, o.ID)
	assert.Equal(t, got.Captured, late.Captured, "the late capture event changes nothing")
	assert.Equal(t, got.Refunds, late.Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))
}

// TestUnfinishedCaptureIsNotACapture: a capture the platform accepted and
// has not finished has taken nothing. The placement goes to unknown, and
// Reconcile captures with the same key once the platform has; the order
// records the capture once. Before, the order was placed holding an
// answer's zero as its capture: no capture, no failure, and nothing that
// would ever capture it again.
func TestUnfinishedCaptureIsNotACapture(t *testing.T) {
	pending := true
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments {
		return processingCaptures{Provider: shop, pending: &pending}
	}))
	co := f.ready(t, buyer, book(2))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
	assert.Equal(t, 0, f.shop.Stats().Captures)

	pending = false
	got, err := f.client.Reconcile(ctx, co.ID)
	require.NoError(t, err)
	require.Equal(t, buybutton.CheckoutPlaced, got.State)
	o := f.order(t, got.OrderID)
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	assert.Equal(t, "90.78 USD", o.Captured.String())
	assert.Equal(t, 1, f.shop.Stats().Captures)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))
}

// unfinishedVoids is a platform that answers a void, while unfinished is
// set, with the payment as it is, still held: a platform bug, or a void
// under way.
type unfinishedVoids struct {
	*memory.Provider
	unfinished *bool
}

func (p unfinishedVoids) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	if *p.unfinished {
		return p.Provider.Payment(ctx, req.PaymentID)
	}
	return p.Provider.Void(ctx, req)
}

// TestVoidAnsweredWithTheHoldStillThereIsNotAVoid: a void is believed only
// from a payment answered voided. A cancellation whose void was answered
// with the hold still there is owed, not recorded, and the retry voids
// it. Before, the order was recorded canceled and voided while the
// buyer's money stayed held.
func TestVoidAnsweredWithTheHoldStillThereIsNotAVoid(t *testing.T) {
	unfinished := true
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, withPayments(func(shop *memory.Provider) provider.Payments {
		return unfinishedVoids{Provider: shop, unfinished: &unfinished}
	}))
	o := f.placed(t)
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status, "not canceled while the hold stands")
	assert.NotNil(t, got.Cancellation, "the cancellation is owed")
	assert.Equal(t, buybutton.PaymentAuthorized, got.PaymentState())

	unfinished = false
	got, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, buybutton.PaymentVoided, got.PaymentState())
	pay, err := f.shop.Payment(ctx, o.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, pay.Status)
}

// TestUnfinishedCaptureOnShipmentIsAskedAgain: under CaptureOnShipment,
// the shipment's webhook fails while the capture is unfinished, so that
// the platform delivers it again, and the redelivery records the
// capture once the platform has made it. Before, the first delivery
// recorded a capture of nothing and told the host payment.captured.
func TestUnfinishedCaptureOnShipmentIsAskedAgain(t *testing.T) {
	pending := true
	f := buildFixture(t, nil, &buybutton.Options{Capture: buybutton.CaptureOnShipment}, withPayments(func(shop *memory.Provider) provider.Payments {
		return processingCaptures{Provider: shop, pending: &pending}
	}))
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	deliveries := f.shop.TakeDeliveries()
	require.NotEmpty(t, deliveries)
	var failed error
	for _, d := range deliveries {
		failed = errors.Join(failed, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
	}
	require.ErrorIs(t, failed, buybutton.ErrUnknownOutcome)
	assert.Equal(t, buybutton.PaymentAuthorized, f.order(t, o.ID).PaymentState())
	assert.Zero(t, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))

	pending = false
	for _, d := range deliveries {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
	}
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.Equal(t, 1, f.shop.Stats().Captures)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentCaptured))
}
