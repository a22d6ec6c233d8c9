package buybutton

import (
	"context"
	"fmt"

	"github.com/buybutton/buybutton/provider"
)

// catchUpFulfilment reads the merchant's order on its platform and
// applies what it shows that the record lacks, as the webhooks that tell
// of it would have: each parcel not recorded (order.shipped, with its
// tracking), the order fulfilled in part or in full, delivered, or
// canceled by the merchant (the money goes back as for order.canceled).
// Platforms stop re-sending a delivery after a while (Stripe after three
// days, Shopify after four hours, BigCommerce after 48, deactivating the
// webhook; docs/platforms.md), so what happened while a host was down
// longer is known only by asking.
//
// It moves the order forward only, as the webhooks do: a platform that
// shows less than the record (an event came before the platform's read
// caught up) changes nothing. A merchant with no Orders, and an order
// whose platform order is not known, have nothing to read.
func (c *Client) catchUpFulfilment(ctx context.Context, m Merchant, orderID string) error {
	o, err := c.store.Order(ctx, orderID)
	if err != nil || m.Orders == nil || o.ProviderOrderID == "" {
		return err
	}
	po, err := m.Orders.Order(ctx, o.ProviderOrderID)
	if err != nil {
		return fmt.Errorf("buybutton: order %s: reading it on the platform: %w", o.ID, err)
	}
	actor := providerActor(m.ID)
	if po.Status == provider.OrderCanceled {
		if o.Status == OrderCanceled || o.Cancellation != nil && o.Cancellation.Failure != "" {
			return nil // canceled, or a cancellation the host settles
		}
		_, err := c.settleCancellation(ctx, m, orderID, "canceled by the merchant (read from the platform)", actor)
		if err != nil && !refusedForGood(err) {
			return err
		}
		return nil
	}
	events, err := fulfilmentEvents(o, po)
	if err != nil || len(events) == 0 {
		return err
	}
	if err := c.captureOnShipment(ctx, m, orderID); err != nil {
		return err
	}
	_, err = c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		for _, f := range events {
			if err := c.applyOrderEvent(o, tx, m.ID, f.event, f.facts); err != nil {
				return false, err
			}
		}
		return len(tx.Events) == 0, nil // told meanwhile: nothing to write
	})
	return err
}

// fulfilmentEvent is an event of the platform's order as a webhook would
// have told it, with what applying it needs to know.
type fulfilmentEvent struct {
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
func fulfilmentEvents(o *Order, po provider.Order) ([]fulfilmentEvent, error) {
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
	var out []fulfilmentEvent
	for _, s := range po.Shipments {
		e, err := cleanEvent(provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderShipped, OrderID: po.ID, Shipment: &s})
		if err != nil {
			return nil, fmt.Errorf("buybutton: order %s: the platform's order: %w", o.ID, err)
		}
		if !hasShipment(o, *e.Shipment) {
			out = append(out, fulfilmentEvent{e, eventFacts{shipped: shipped}})
		}
	}
	if len(out) == 0 && o.Status.rank() < shipped.rank() && o.Status != OrderCanceled {
		out = append(out, fulfilmentEvent{provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderShipped, OrderID: po.ID}, eventFacts{shipped: shipped}})
	}
	if po.Status == provider.OrderDelivered && o.Status.rank() < OrderDelivered.rank() && o.Status != OrderCanceled {
		out = append(out, fulfilmentEvent{provider.Event{ID: "sync:" + o.ID, Type: provider.EventOrderDelivered, OrderID: po.ID}, eventFacts{}})
	}
	return out, nil
}
