package buybutton_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/storefaults"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

// placed buys two books (2 × 39.99 + 5.80 tax + 5.00 shipping = 90.78).
func (f fixture) placed(t *testing.T) *buybutton.Order {
	t.Helper()
	o, err := f.confirm(f.ready(t, buyer, book(2)), memory.TokenApprove)
	require.NoError(t, err)
	require.Equal(t, "90.78 USD", o.Totals.Total.String())
	return o
}

func (f fixture) order(t *testing.T, id string) *buybutton.Order {
	t.Helper()
	o, err := f.client.Order(ctx, buyer, id)
	require.NoError(t, err)
	return o
}

// path is the buyer's subject's recorded transitions in one machine, as
// "from>to", oldest first.
func (f fixture) path(t *testing.T, subjectID, machine string) []string {
	t.Helper()
	tr, err := f.client.Transitions(ctx, buyer, subjectID)
	require.NoError(t, err)
	var path []string
	for _, x := range tr {
		if x.Machine == machine {
			path = append(path, x.From+">"+x.To)
		}
	}
	return path
}

var parcel = provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z999", TrackingURL: "https://ups.example/1Z999"}

// TestAParcelIsToldOnce: the platform tells of a parcel again in an event
// of its own (a fulfillment updated, the same tracking), and of the rest
// of the order in a second parcel. The host hears order.shipped once for
// each parcel, and not for the notice that brought nothing new. Before,
// every platform notice was passed on, the repeat one with no parcel.
func TestAParcelIsToldOnce(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	first := provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z111", TrackingURL: "https://ups.example/1Z111"}
	require.NoError(t, f.shop.ShipPart(o.ProviderOrderID, first))
	f.deliver(t)
	again, body := f.shop.Sign(provider.Event{ID: "evt_fulfillment_updated", Type: provider.EventOrderShipped, OrderID: o.ProviderOrderID, Shipment: &first}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, again, body))
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)

	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, []provider.Shipment{first, parcel}, got.Shipments)
	events, err := f.client.PendingEvents(ctx, 100)
	require.NoError(t, err)
	var told []string
	for _, e := range events {
		if e.Type == buybutton.EventOrderShipped {
			require.NotNil(t, e.Shipment, "an order.shipped that tells of no parcel")
			told = append(told, e.Shipment.TrackingNumber)
		}
	}
	assert.Equal(t, []string{"1Z111", "1Z999"}, told)
}

func TestShippedAndDeliveredWebhooksMoveTheOrderOnce(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	require.NoError(t, f.shop.DeliverOrder(o.ProviderOrderID))
	deliveries := f.shop.TakeDeliveries()
	require.Len(t, deliveries, 2)
	// Delivered arrives before shipped, then both again.
	for _, i := range []int{1, 0, 1, 0} {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, deliveries[i].Header, deliveries[i].Body))
	}
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderDelivered, got.Status, "a late shipped event does not move the order back")
	assert.Equal(t, []provider.Shipment{parcel}, got.Shipments, "the late event still adds its tracking, once")
	events := f.pendingEvents(t)
	count := map[buybutton.EventType]int{}
	for _, e := range events {
		count[e]++
	}
	assert.Equal(t, 1, count[buybutton.EventOrderDelivered])
	assert.Equal(t, 1, count[buybutton.EventOrderShipped])
	assert.Equal(t, []string{">placed", "placed>delivered"}, f.path(t, o.ID, "order"))
}

func TestCancelBeforeShipmentRefundsAndReleasesStock(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	got, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	for _, x := range tr {
		assert.Equal(t, "buyer:"+buyer, x.Actor, "%s %s>%s (%s) is the buyer's doing", x.Machine, x.From, x.To, x.Reason)
	}
	again, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID})
	require.NoError(t, err)
	assert.Equal(t, got.Version, again.Version, "cancelling twice changes nothing")
	st := f.shop.Stats()
	assert.Equal(t, 1, st.Cancellations)
	assert.Equal(t, 1, st.Refunds)
	f.deliver(t) // the provider's own refund and cancel events
	got = f.order(t, o.ID)
	assert.Len(t, got.Refunds, 1, "our refund's webhook is not recorded as a second refund")
	assert.Equal(t, "90.78 USD", got.Refunded().String())
}

// TestMerchantCancelOnThePlatformRefunds: the merchant cancels on its
// platform; the order.canceled webhook refunds the buyer, records the
// merchant as the canceller, and applies once however often it comes.
func TestMerchantCancelOnThePlatformRefunds(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	delivery := f.cancelOnPlatform(t, o)
	for range 2 {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, delivery.Header, delivery.Body))
	}
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, 1, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
	assert.Equal(t, []string{">placed", "placed>canceled"}, f.path(t, o.ID, "order"))
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "provider:"+shopID, tr[len(tr)-1].Actor)
	assert.Contains(t, tr[len(tr)-1].Reason, "out of ink")
}

// TestCancelEventForAShippedOrderMovesNoMoney: an order.canceled event for
// an order that already shipped is not a cancellation the order machine
// allows, so it refunds nothing and says so.
func TestCancelEventForAShippedOrderMovesNoMoney(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	h, body := f.shop.Sign(provider.Event{ID: "evt_late_cancel", Type: provider.EventOrderCanceled, OrderID: o.ProviderOrderID}, f.clock.Now())
	err := f.client.HandleWebhook(ctx, shopID, h, body)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.True(t, got.Refunded().IsZero())
	assert.Equal(t, 0, f.shop.Stats().Refunds)
}

// TestDisputeIsToldOnce: a chargeback on the platform reaches the host as
// one payment.disputed event, with the amount and the reason, and its end
// as one payment.dispute_closed with the outcome, however often the
// webhooks come; the order's money is the platform's to settle.
func TestDisputeIsToldOnce(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	disputed := usd("90.78")
	opened, closed := disputeEvents(t, f, provider.Event{PaymentID: o.PaymentID, Amount: &disputed})
	assert.Equal(t, o.ID, opened.OrderID)
	assert.Equal(t, "fraudulent", opened.Reason)
	assert.Equal(t, "90.78 USD", opened.Amount.String())
	assert.Equal(t, o.ID, closed.OrderID)
	assert.Equal(t, provider.DisputeLost, closed.Reason)
	assert.Equal(t, "90.78 USD", closed.Amount.String())
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.ChargedBack().String())
	assert.Equal(t, []string{">captured", "captured>disputed", "disputed>charged_back"}, f.path(t, o.ID, "payment"))
}

// disputeEvents has the platform open a dispute (as e, with reason
// fraudulent) and close it lost, each delivered twice, and returns the one
// payment.disputed and the one payment.dispute_closed the host was told.
func disputeEvents(t *testing.T, f fixture, e provider.Event) (opened, closed buybutton.Event) {
	t.Helper()
	open, end := e, e
	open.ID, open.Reason = "evt_dispute", "fraudulent"
	end.ID, end.Reason = "evt_dispute_closed", provider.DisputeLost
	if open.Type == "" {
		open.Type, end.Type = provider.EventPaymentDisputed, provider.EventPaymentDisputeClosed
	} else {
		end.Type = provider.EventDonationDisputeClosed
	}
	for _, e := range []provider.Event{open, end} {
		h, body := f.shop.Sign(e, f.clock.Now())
		for range 2 {
			require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
		}
	}
	events, err := f.client.PendingEvents(ctx, 100)
	require.NoError(t, err)
	var opens, ends []buybutton.Event
	for _, e := range events {
		switch e.Type {
		case buybutton.EventPaymentDisputed:
			opens = append(opens, e)
		case buybutton.EventPaymentDisputeClosed:
			ends = append(ends, e)
		}
	}
	require.Len(t, opens, 1)
	require.Len(t, ends, 1)
	return opens[0], ends[0]
}

func TestCancelUnderCaptureOnShipmentVoids(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	assert.Equal(t, buybutton.PaymentAuthorized, o.PaymentState())
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, BuyerID: buyer, OrderID: o.ID, Reason: "fraud"})
	require.ErrorIs(t, err, buybutton.ErrInvalidInput, "the host or a buyer, not both")
	got, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentVoided, got.PaymentState())
	assert.Equal(t, []string{">placed", "placed>canceled"}, f.path(t, o.ID, "order"))
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "host", tr[len(tr)-1].Actor)
	assert.Equal(t, 1, f.shop.Stats().Voids)
	assert.Equal(t, 0, f.shop.Stats().Captures)
}

func TestCaptureOnShipment(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.Equal(t, 1, f.shop.Stats().Captures)
}

func TestCancelAfterShipmentIsIllegal(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	// Before the webhook arrives the merchant refuses; after, we do.
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID})
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	f.deliver(t)
	_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID})
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	assert.Equal(t, 0, f.shop.Stats().Refunds)
	got := f.order(t, o.ID)
	assert.Nil(t, got.Cancellation, "the cancellation the merchant refused is withdrawn")
	assert.Zero(t, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed), "the caller heard it: the host is not told again")
}

// TestACancellationWhoseCommitFailsIsFinished: whichever commit of a
// cancellation fails, before it is written or after with its answer lost,
// maintenance finishes what the buyer asked, with no retry: the order is
// canceled at the merchant and in the library together, with the money
// back, or (the first commit not written: nothing asked yet) in neither.
// (The cancellation was recorded only once the merchant had canceled: a
// failed record left the merchant's order canceled and the buyer's money
// kept, until a webhook or a read-back days later told.)
func TestACancellationWhoseCommitFailsIsFinished(t *testing.T) {
	for _, written := range []bool{false, true} {
		for k := 1; k <= 5; k++ {
			t.Run(fmt.Sprintf("commit %d, written %v", k, written), func(t *testing.T) {
				store := storefaults.Wrap(buybutton.NewMemoryStore(), 0)
				f := newShop(t, &buybutton.Options{Store: store})
				o := f.placed(t)
				f.shop.TakeDeliveries() // the merchant's webhooks are lost: only the library's own record tells
				store.FailNth(k, written)
				_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
				if err != nil {
					require.ErrorIs(t, err, storefaults.ErrCommitFailed)
				}
				store.FailNth(0, false)
				f.shop.TakeDeliveries()
				for range 3 {
					f.clock.Advance(time.Hour)
					_, err := f.client.Maintain(ctx, 100)
					require.NoError(t, err)
				}
				got := f.order(t, o.ID)
				po, err := f.shop.Order(ctx, o.ProviderOrderID)
				require.NoError(t, err)
				want, back := provider.OrderCanceled, "90.78 USD"
				if k == 1 && !written {
					want, back = provider.OrderPlaced, "0.00 USD"
				}
				assert.Equal(t, want, po.Status)
				assert.Equal(t, string(want), string(got.Status))
				assert.Equal(t, f.refundedOnPlatform(t, got), got.Refunded())
				assert.Equal(t, back, got.Refunded().String())
			})
		}
	}
}

// downMerchant is a merchant whose platform is down for cancellations
// while down is set.
type downMerchant struct {
	*memory.Provider
	down *bool
}

func (m downMerchant) CancelOrder(ctx context.Context, req provider.CancelOrderRequest) (provider.Order, error) {
	if *m.down {
		return provider.Order{}, fmt.Errorf("503: %w", provider.ErrUnavailable)
	}
	return m.Provider.CancelOrder(ctx, req)
}

// TestACancellationTheMerchantRefusesLaterIsWithdrawn: the buyer cancels
// while the merchant's platform is down; maintenance asks again once it
// is up, and the merchant, which shipped meanwhile, refuses. The
// cancellation is withdrawn, the host told, and no money moves.
func TestACancellationTheMerchantRefusesLaterIsWithdrawn(t *testing.T) {
	down := true
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", p)
		m.Orders = downMerchant{p, &down}
		return m
	})
	o := f.placed(t)
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	asked := f.order(t, o.ID)
	require.NotNil(t, asked.Cancellation)
	assert.True(t, asked.Cancellation.Asking, "recorded before the merchant was asked")

	down = false
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.clock.Advance(time.Hour)
	_, err = f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	got := f.order(t, o.ID)
	assert.Nil(t, got.Cancellation, "withdrawn")
	assert.True(t, got.DueAt.IsZero(), "owes nothing")
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.True(t, got.Refunded().IsZero())
	assert.Equal(t, 0, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))
}

func TestRefundsAreIdempotentAndCapped(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	refund := func(key, amount string) (*buybutton.Refund, error) {
		return f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd(amount), Reason: "damaged", IdempotencyKey: key})
	}
	r1, err := refund("k1", "40.00")
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, r1.Status)
	again, err := refund("k1", "40.00")
	require.NoError(t, err)
	assert.Equal(t, r1.ID, again.ID, "a retry returns the same refund")
	_, err = refund("k1", "41.00")
	require.ErrorIs(t, err, provider.ErrIdempotencyConflict)
	_, err = refund("k2", "50.79")
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture)
	_, err = refund("k3", "50.78")
	require.NoError(t, err)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
	assert.Equal(t, 2, f.shop.Stats().Refunds)
	for name, amount := range map[string]money.Amount{"zero": usd("0"), "negative": usd("-1.00"), "sub-cent": usd("0.001"), "euros": money.MustParse("1.00", "EUR")} {
		_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: amount, IdempotencyKey: "bad-" + name})
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	f.deliver(t)
	assert.Len(t, f.order(t, o.ID).Refunds, 2)
}

// TestRetriesOfOneRefundRacingMakeOneRefund: sixteen calls with one key at
// once (a support tool's double click, a job retrying) make one refund at
// the platform, and each returns it. Also against a store that reports
// the key's conflict before the order's, where the losers must resume the
// winner's refund rather than fail.
func TestRetriesOfOneRefundRacingMakeOneRefund(t *testing.T) {
	for name, store := range map[string]*indexesFirst{"memory store": nil, "store checking keys first": {Store: buybutton.NewMemoryStore()}} {
		t.Run(name, func(t *testing.T) {
			opts := &buybutton.Options{}
			if store != nil {
				opts.Store = store
			}
			f := newShop(t, opts)
			o := f.placed(t)
			ids := make([]string, 16)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: "k1"})
					if assert.NoError(t, err) {
						ids[i] = r.ID
					}
				}()
			}
			wg.Wait()
			for _, id := range ids {
				assert.Equal(t, ids[0], id, "every call returns the one refund")
			}
			assert.Equal(t, 1, f.shop.Stats().Refunds)
			got := f.order(t, o.ID)
			assert.Len(t, got.Refunds, 1)
			assert.Equal(t, "40.00 USD", got.Refunded().String())
			if store != nil {
				assert.Positive(t, store.conflicts.Load(), "no call lost the race on the key: the test did not exercise it")
			}
		})
	}
}

func TestRacingRefundsNeverExceedTheCapture(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t) // 90.78 captured
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("10.00"), IdempotencyKey: string(rune('a' + i))})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, provider.ErrRefundExceedsCapture)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 9, ok)
	got := f.order(t, o.ID)
	assert.Equal(t, "90.00 USD", got.Refunded().String())
	assert.Equal(t, 9, f.shop.Stats().Refunds)
}

func TestRefundMadeOnThePlatformIsRecorded(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	_, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-1", PaymentID: o.PaymentID, Amount: usd("10.00")})
	require.NoError(t, err)
	f.deliver(t)
	f.deliver(t)
	got := f.order(t, o.ID)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.PaymentPartiallyRefunded, got.PaymentState())
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("80.79"), IdempotencyKey: "k"})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "the dashboard refund counts")
}

func TestRefundWithAnUnknownOutcomeIsSettledByReconcile(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Faults: []faulty.Fault{faulty.Lost}})
	client, shop := f.client, f.shop
	o := f.placed(t)

	faults.SetRate(1)
	params := buybutton.RefundParams{OrderID: o.ID, Amount: usd("30.00"), IdempotencyKey: "k"}
	r, err := client.RefundOrder(ctx, params)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.Equal(t, buybutton.RefundPending, r.Status)
	_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("60.79"), IdempotencyKey: "k2"})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "the pending refund's amount is set aside")

	faults.SetRate(0)
	got, err := client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[0].Status)
	again, err := client.RefundOrder(ctx, params)
	require.NoError(t, err)
	assert.Equal(t, r.ID, again.ID)
	assert.Equal(t, 1, shop.Stats().Refunds, "the lost answer's refund was not made twice")
	f.deliver(t)
	assert.Len(t, f.order(t, o.ID).Refunds, 1)

	assert.Equal(t, []string{">captured", "captured>partially_refunded"}, f.path(t, o.ID, "payment"))
}

func TestPartialShipmentsThenTheRest(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	first := provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z1"}
	require.NoError(t, f.shop.ShipPart(o.ProviderOrderID, first))
	f.deliver(t)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPartiallyFulfilled, got.Status)
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID})
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition, "part of it shipped")
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.deliver(t)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, []provider.Shipment{first, parcel}, got.Shipments)
}

// TestOrdersArePagedNewestFirst: a buyer's orders come newest first, a
// page after the last of the one before. An order placed between two
// pages is before them both, and repeats none: with an offset, it would
// push the last order of the first page onto the second.
func TestOrdersArePagedNewestFirst(t *testing.T) {
	f := newShop(t, nil)
	place := func() string {
		o, err := f.confirm(f.ready(t, buyer, book(1)), memory.TokenApprove)
		require.NoError(t, err)
		f.clock.Advance(time.Minute)
		return o.ID
	}
	var placed []string
	for range 3 {
		placed = append(placed, place())
	}
	ids := func(after string, limit int) []string {
		page, err := f.client.Orders(ctx, buyer, after, limit)
		require.NoError(t, err)
		var out []string
		for _, o := range page {
			out = append(out, o.ID)
		}
		return out
	}
	assert.Equal(t, []string{placed[2], placed[1]}, ids("", 2))
	newer := place()
	assert.Equal(t, []string{placed[0]}, ids(placed[1], 2))
	assert.Empty(t, ids(placed[0], 2))
	assert.Equal(t, []string{newer, placed[2]}, ids("", 2))

	for name, p := range map[string]struct {
		after string
		limit int
	}{"no limit": {"", 0}, "limit over 100": {"", 101}, "after too long": {strings.Repeat("o", provider.MaxIDLength+1), 10}} {
		_, err := f.client.Orders(ctx, buyer, p.after, p.limit)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	_, err := f.client.Orders(ctx, "", "", 10)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	_, err = f.client.Orders(ctx, "someone-else", placed[1], 10)
	assert.ErrorIs(t, err, buybutton.ErrForbidden, "a page after another buyer's order")
	_, err = f.client.Orders(ctx, buyer, "ord_nope", 10)
	assert.ErrorIs(t, err, buybutton.ErrNotFound, "a page after no order")
}

// TestCancelAfterADashboardCaptureRefundsOnTheRecord: under
// CaptureOnShipment the merchant captures on the platform's dashboard,
// and the buyer cancels before the capture's event arrives. The hold
// cannot be voided; the order records the capture and refunds it with a
// refund of its own, so that its books say what the platform did, and the
// late capture and refund events change nothing.
func TestCancelAfterADashboardCaptureRefundsOnTheRecord(t *testing.T) {
	f := newShop(t, &buybutton.Options{Capture: buybutton.CaptureOnShipment})
	o := f.placed(t)
	pay, err := f.shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: o.Authorized})
	require.NoError(t, err)

	got, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Captured.String())
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
	assert.False(t, got.Voided)
	require.Len(t, got.Refunds, 1)
	assert.NotEmpty(t, got.Refunds[0].ProviderRefundID)

	h, body := f.shop.Sign(provider.Event{ID: "evt_dashboard_capture", Type: provider.EventPaymentCaptured, PaymentID: o.PaymentID, Amount: &pay.Captured}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	f.deliver(t)
	late := f.order(t, o.ID)
	assert.Equal(t, got.Captured, late.Captured)
	assert.Equal(t, got.Refunds, late.Refunds)
	assert.Equal(t, 1, f.shop.Stats().Refunds)
	assert.Equal(t, []string{">authorized", "authorized>captured", "captured>refunded"}, f.path(t, o.ID, "payment"))
}
