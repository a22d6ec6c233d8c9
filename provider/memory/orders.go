package memory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/buybutton/buybutton/provider"
)

// PlaceOrder implements provider.Orders.
func (p *Provider) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	o, _, err := once(p, "place", req.IdempotencyKey, orderFingerprint(req), false, func() (provider.Order, error) {
		return p.placeLocked(req)
	})
	return o, err
}

func (p *Provider) placeLocked(req provider.PlaceOrderRequest) (provider.Order, error) {
	stock := make([]provider.StockLine, len(req.Lines))
	for i, l := range req.Lines {
		stock[i] = provider.StockLine{VariantID: l.VariantID, Quantity: l.Quantity}
	}
	if req.ReservationID != "" {
		r, ok := p.reservations[req.ReservationID]
		switch {
		case !ok:
			return provider.Order{}, fmt.Errorf("memory: reservation %q: %w", req.ReservationID, provider.ErrNotFound)
		case r.state != held:
			return provider.Order{}, fmt.Errorf("memory: reservation %q: %w", req.ReservationID, provider.ErrReservationExpired)
		case stockFingerprint(r.Lines) != stockFingerprint(stock):
			return provider.Order{}, fmt.Errorf("memory: order lines differ from reservation %q: %w", r.ID, provider.ErrInvalidRequest)
		}
		p.releaseLocked(r) // the held units become sold units below
		r.state = consumed
	} else if err := p.checkStockLocked(stock, true); err != nil {
		return provider.Order{}, err
	}
	for _, l := range stock {
		p.onHand[l.VariantID] -= l.Quantity
	}
	o := &provider.Order{
		ID:       p.newID("ord"),
		Status:   provider.OrderPlaced,
		Lines:    append([]provider.OrderLine(nil), req.Lines...),
		Total:    req.Total,
		PlacedAt: p.now(),
	}
	p.orders[o.ID] = o
	p.stats.Orders++
	return *o, nil
}

// CancelOrder implements provider.Orders.
func (p *Provider) CancelOrder(ctx context.Context, req provider.CancelOrderRequest) (provider.Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[req.OrderID]
	if !ok {
		return provider.Order{}, fmt.Errorf("memory: order %q: %w", req.OrderID, provider.ErrNotFound)
	}
	switch o.Status {
	case provider.OrderCanceled:
		return *o, nil
	case provider.OrderPlaced:
	default:
		return provider.Order{}, fmt.Errorf("memory: cancel order %s in state %s: %w", o.ID, o.Status, provider.ErrInvalidState)
	}
	for _, l := range o.Lines {
		p.onHand[l.VariantID] += l.Quantity
	}
	o.Status = provider.OrderCanceled
	p.stats.Cancellations++
	p.emit(provider.Event{Type: provider.EventOrderCanceled, OrderID: o.ID, Reason: req.Reason})
	return *o, nil
}

// Order implements provider.Orders.
func (p *Provider) Order(ctx context.Context, orderID string) (provider.Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[orderID]
	if !ok {
		return provider.Order{}, fmt.Errorf("memory: order %q: %w", orderID, provider.ErrNotFound)
	}
	return own(*o), nil
}

// ShipOrder plays the merchant shipping the whole order (or the rest of
// it), and queues the order.shipped webhook.
func (p *Provider) ShipOrder(orderID string, s provider.Shipment) error {
	return p.ship(orderID, s, provider.OrderFulfilled)
}

// ShipPart plays the merchant shipping part of an order in one parcel, and
// queues the order.shipped webhook; the order is partially fulfilled until
// ShipOrder ships the rest.
func (p *Provider) ShipPart(orderID string, s provider.Shipment) error {
	return p.ship(orderID, s, provider.OrderPartiallyFulfilled)
}

func (p *Provider) ship(orderID string, s provider.Shipment, to provider.OrderStatus) error {
	return p.advanceOrder(orderID, to, func(o *provider.Order) provider.Event {
		o.Shipments = append(o.Shipments, s)
		return provider.Event{Type: provider.EventOrderShipped, OrderID: o.ID, Shipment: &s}
	}, provider.OrderPlaced, provider.OrderPartiallyFulfilled)
}

// DeliverOrder plays the carrier delivering a shipped order, and queues
// the order.delivered webhook.
func (p *Provider) DeliverOrder(orderID string) error {
	return p.advanceOrder(orderID, provider.OrderDelivered, func(o *provider.Order) provider.Event {
		return provider.Event{Type: provider.EventOrderDelivered, OrderID: o.ID}
	}, provider.OrderFulfilled)
}

// advanceOrder moves an order that is in one of the from states to to, and
// queues the webhook event returns.
func (p *Provider) advanceOrder(orderID string, to provider.OrderStatus, event func(*provider.Order) provider.Event, from ...provider.OrderStatus) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[orderID]
	if !ok {
		return fmt.Errorf("memory: order %q: %w", orderID, provider.ErrNotFound)
	}
	if !slices.Contains(from, o.Status) {
		return fmt.Errorf("memory: order %s is %s, not %v: %w", orderID, o.Status, from, provider.ErrInvalidState)
	}
	o.Status = to
	p.emit(event(o))
	return nil
}

func orderFingerprint(req provider.PlaceOrderRequest) string {
	var b strings.Builder
	for _, f := range []string{req.ReservationID, req.PaymentID, req.ShippingOptionID, req.Total.String()} {
		b.WriteString(f)
		b.WriteByte('|')
	}
	for _, code := range req.DiscountCodes {
		b.WriteString(strconv.Quote(code))
		b.WriteByte(';')
	}
	b.WriteByte('|')
	for _, l := range req.Lines {
		b.WriteString(l.VariantID)
		b.WriteByte('*')
		b.WriteString(strconv.Itoa(l.Quantity))
		b.WriteByte('@')
		b.WriteString(l.UnitPrice.String())
		b.WriteByte(';')
	}
	if a := req.ShipTo; a != nil {
		for _, f := range []string{a.Name, a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country, a.Phone} {
			b.WriteString(f)
			b.WriteByte('|')
		}
	}
	return b.String()
}
