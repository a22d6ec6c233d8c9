package buybutton

import (
	"context"
	"fmt"

	"github.com/buybutton/buybutton/provider"
)

// catchUp reads the merchant's order, and the order's payment, on their
// platforms and applies what they show that the record lacks, as the
// webhooks that tell of it would have: each parcel not recorded
// (order.shipped, with its tracking), the order fulfilled in part or in
// full, delivered, or canceled by the merchant (the money goes back as for
// order.canceled); a capture made on the platform (payment.captured), a
// hold that ended there uncaptured (payment.canceled), refunds made there
// (payment.refunded), and disputes as they stand (payment.disputed,
// payment.dispute_closed). Platforms stop re-sending a delivery after a
// while (Stripe after three days, Shopify after four hours, BigCommerce
// after 48, deactivating the webhook; docs/platforms.md), so what
// happened while a host was down longer is known only by asking.
//
// It moves the order forward only, as the webhooks do: a platform that
// shows less than the record (an event came before the platform's read
// caught up) changes nothing, and nothing new writes nothing. A merchant
// with no Orders, and an order whose platform order is not known, have no
// order to read; an order that cost nothing has no payment. Refunds made
// on the platform, and disputes, are read back where the provider lists
// them (provider.RefundHistories, provider.DisputeHistories), each
// recorded as its webhook would have been.
func (c *Client) catchUp(ctx context.Context, m Merchant, orderID string) error {
	// The payment first: a cancellation on the platform may wait for a
	// refund made there (see leftOnPlatform), which only this read tells.
	if _, err := c.catchUpPayment(ctx, m, orderID); err != nil {
		return err
	}
	o, err := c.store.Order(ctx, orderID)
	if err != nil || m.Orders == nil || o.ProviderOrderID == "" {
		return err
	}
	po, err := m.Orders.Order(ctx, o.ProviderOrderID)
	if err != nil {
		return fmt.Errorf("buybutton: order %s: reading it on the platform: %w", o.ID, err)
	}
	if po.Status == provider.OrderCanceled {
		return c.canceledOnPlatform(ctx, m, o)
	}
	events, err := fulfilmentEvents(o, po)
	if err != nil || len(events) == 0 {
		return err
	}
	if err := c.captureOnShipment(ctx, m, orderID); err != nil {
		return err
	}
	return c.applyCatchUp(ctx, m, orderID, events)
}

// catchUpPayment settles the order's pending refunds and applies what its
// payment on its platform shows that the record lacks: a capture, a hold
// that ended, refunds made there or failed since, disputes (see
// catchUp). An order that cost nothing, or of a merchant without
// payments, has no payment and no refunds. It returns the payment's
// refunds as the platform listed them (none where the provider does not
// list refunds).
func (c *Client) catchUpPayment(ctx context.Context, m Merchant, orderID string) ([]provider.ListedRefund, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil || !o.hasPayment() || m.Payments == nil {
		return nil, err
	}
	pay, err := m.Payments.Payment(ctx, o.PaymentID)
	if err != nil {
		return nil, fmt.Errorf("buybutton: order %s: reading its payment on the platform: %w", o.ID, err)
	}
	events := paymentCatchUp(o, pay)
	var made []provider.ListedRefund
	if history, ok := m.Payments.(provider.RefundHistories); ok {
		if made, err = history.RefundsMade(ctx, o.PaymentID); err != nil {
			return nil, fmt.Errorf("buybutton: order %s: reading its refunds on the platform: %w", o.ID, err)
		}
	}
	// Our pending refunds are settled after that list: one made before it
	// was recorded pending before it was sent, so that, settled, it is
	// found by its id, not taken for one made on the platform.
	if o, err = c.settleOrderRefunds(ctx, orderID); err != nil {
		return nil, err
	}
	for _, e := range refundEvents(o.Refunds, made, provider.EventPaymentRefunded, provider.EventPaymentRefundFailed) {
		events = append(events, catchUpEvent{event: e})
	}
	if history, ok := m.Payments.(provider.DisputeHistories); ok {
		disputes, err := history.DisputesOf(ctx, o.PaymentID)
		if err != nil {
			return nil, fmt.Errorf("buybutton: order %s: reading its disputes on the platform: %w", o.ID, err)
		}
		for _, e := range disputes {
			events = append(events, catchUpEvent{event: disputeAsNow(e, o.PaymentID)})
		}
	}
	return made, c.applyCatchUp(ctx, m, orderID, events)
}

// disputeAsNow is e, a dispute as its platform lists it now, as the
// webhook of where it stands (payment.disputed while open,
// payment.dispute_closed once ended) of payment paymentID. Applied, it
// changes nothing that a webhook told already (recordDispute).
func disputeAsNow(e provider.Event, paymentID string) provider.Event {
	typ := provider.EventPaymentDisputed
	if closes(e) {
		typ = provider.EventPaymentDisputeClosed
	}
	e.ID, e.PaymentID, e.Type = "sync:"+e.DisputeID, paymentID, typ
	return e
}

// applyCatchUp applies events to the order in one commit, as their
// webhooks would have been applied, their ids checked and their words
// cleaned as a webhook's are (cleanEvent); it writes nothing if they
// change nothing (told meanwhile).
func (c *Client) applyCatchUp(ctx context.Context, m Merchant, orderID string, events []catchUpEvent) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		e, err := cleanEvent(events[i].event)
		if err != nil {
			return fmt.Errorf("buybutton: order %s: what the platform lists: %w", orderID, err)
		}
		events[i].event = e
	}
	_, err := c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		for _, f := range events {
			if err := c.applyOrderEvent(o, tx, m.ID, f.event, f.facts); err != nil {
				return false, err
			}
		}
		return len(tx.Events) == 0, nil
	})
	return err
}

// canceledOnPlatform finishes the cancellation of o, which its merchant
// canceled on the platform, as order.canceled would: unless it is
// canceled already, or the platform refused for good to give the money
// back (the host settles that).
func (c *Client) canceledOnPlatform(ctx context.Context, m Merchant, o *Order) error {
	if o.Status == OrderCanceled || o.Cancellation != nil && o.Cancellation.Failure != "" {
		return nil
	}
	_, err := c.settleCancellation(ctx, m, o.ID, "canceled by the merchant (read from the platform)", providerActor(m.ID))
	if err != nil && !refusedForGood(err) {
		return err
	}
	return nil
}

// paymentCatchUp are the events that bring o's payment up to pay, the
// platform's: a capture above what o records, or a hold o thinks open
// that ended uncaptured. A payment in another currency tells nothing:
// applying its capture would be refused.
func paymentCatchUp(o *Order, pay provider.Payment) []catchUpEvent {
	e := provider.Event{ID: "sync:" + o.ID, PaymentID: o.PaymentID}
	switch {
	case pay.Status == provider.PaymentCaptured && pay.Captured.Currency() == o.Currency:
		if more, _ := pay.Captured.Cmp(o.Captured); more > 0 {
			e.Type, e.Amount = provider.EventPaymentCaptured, &pay.Captured
			return []catchUpEvent{{event: e}}
		}
	case pay.Status == provider.PaymentVoided && o.holdOpen() && !o.cancelOwed():
		e.Type = provider.EventPaymentCanceled
		return []catchUpEvent{{event: e}}
	}
	return nil
}

// refundEvents are the events that bring recorded (a record's refunds)
// up to listed (the platform's list of them), matched by the platform's
// refund id: a refund failure (of type failed) for each recorded as
// succeeded that failed there since, then a refund (of type refunded)
// for each refund that stands on the platform and is not recorded. A
// refund that failed and is not recorded gave nothing back: nothing to
// tell.
//
// The failures come first, whatever the platform's order: a refund it
// lists before one of ours that failed may have been made in the room
// that failure left, and applied before it would not fit beside the
// refunds recorded (checkRefundFits), so that the read-back would be
// refused every time.
func refundEvents(recorded []Refund, listed []provider.ListedRefund, refunded, failed provider.EventType) []provider.Event {
	var failures, refunds []provider.Event
	for _, r := range listed {
		i := recordedRefund(recorded, r.ID)
		switch {
		case r.Failure == "" && i < 0:
			refunds = append(refunds, provider.Event{ID: "sync:" + r.ID, Type: refunded, RefundID: r.ID, PaymentID: r.PaymentID, Amount: &r.Amount, Reason: "refunded on the platform (read back)"})
		case r.Failure != "" && i >= 0 && recorded[i].Status == RefundSucceeded:
			failures = append(failures, provider.Event{ID: "sync:failed:" + r.ID, Type: failed, RefundID: r.ID, PaymentID: r.PaymentID, Amount: &r.Amount, Reason: r.Failure})
		}
	}
	return append(failures, refunds...)
}

// catchUpEvent is an event of the platform's order or payment as a
// webhook would have told it, with what applying it needs to know.
type catchUpEvent struct {
	event provider.Event
	facts eventFacts
}

// fulfilmentEvents are the events that bring o up to po, the platform's
// order: an order.shipped for each parcel o does not record, or one with
// no parcel when po is further on than o and every parcel is recorded,
// then an order.delivered when po is delivered and o is not. A parcel's
// words are cleaned as a webhook's are (cleanEvent) before they are
// compared. An order the platform shows as only placed, with no parcel,
// tells nothing.
func fulfilmentEvents(o *Order, po provider.Order) ([]catchUpEvent, error) {
	shipped := OrderFulfilled
	switch po.Status {
	case provider.OrderPartiallyFulfilled:
		shipped = OrderPartiallyFulfilled
	case provider.OrderFulfilled, provider.OrderDelivered:
	default:
		if len(po.Shipments) == 0 {
			return nil, nil
		}
		shipped = OrderPartiallyFulfilled // parcels on their way, the order not fulfilled yet
	}
	var out []catchUpEvent
	for _, s := range po.Shipments {
		e, err := cleanEvent(provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderShipped, OrderID: po.ID, Shipment: &s})
		if err != nil {
			return nil, fmt.Errorf("buybutton: order %s: the platform's order: %w", o.ID, err)
		}
		if !hasShipment(o, *e.Shipment) {
			out = append(out, catchUpEvent{e, eventFacts{shipped: shipped}})
		}
	}
	if len(out) == 0 && o.Status.rank() < shipped.rank() && o.Status != OrderCanceled {
		out = append(out, catchUpEvent{provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderShipped, OrderID: po.ID}, eventFacts{shipped: shipped}})
	}
	if po.Status == provider.OrderDelivered && o.Status.rank() < OrderDelivered.rank() && o.Status != OrderCanceled {
		out = append(out, catchUpEvent{provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderDelivered, OrderID: po.ID}, eventFacts{}})
	}
	return out, nil
}
