package buybutton

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
)

// Event tells the host that something happened to a buyer's checkout or
// order, so that it can notify the buyer, update a feed, or pay out.
//
// Events sit in the Store's outbox, committed in the same write as the
// change they describe, so none is lost and none is told of a change that
// did not happen. Read them with [Client.PendingEvents] and acknowledge
// them with [Client.AckEvents] once handled: delivery is at least once, so
// a host that crashes before acknowledging sees the event again, with the
// same ID to deduplicate by.
type Event struct {
	ID         string
	Type       EventType
	BuyerID    string
	MerchantID string
	CheckoutID string
	OrderID    string        // empty for checkout events
	DonationID string        // for donation events, and refunds of donations
	CampaignID string        // for donation and monthly events
	MonthlyID  string        // for a monthly gift's events
	RefundID   string        // for refund events
	Amount     *money.Amount // the order's total, the donation's charge, or the refund's amount
	Shipment   *ShipmentInfo // for order.shipped
	Reason     string        // for failures and cancellations
	At         time.Time
}

// ShipmentInfo is a parcel's tracking, as the merchant reported it.
type ShipmentInfo struct {
	Carrier        string
	TrackingNumber string
	TrackingURL    string
}

// EventType names what happened.
type EventType string

const (
	// EventOrderPlaced: the merchant has the order. One that cost nothing
	// (payment state none) has no payment events after it: it is all
	// there is to hear before fulfilment.
	EventOrderPlaced EventType = "order.placed"
	// EventOrderShipped: a parcel left (Shipment says which), or the
	// platform says the order shipped in full; once for each parcel, and
	// not again for a notice that brings nothing new.
	EventOrderShipped   EventType = "order.shipped"
	EventOrderDelivered EventType = "order.delivered"
	EventOrderCanceled  EventType = "order.canceled"
	// EventOrderCancelFailed: the merchant canceled the order but the
	// platform refused to give the money back (Reason says why;
	// Order.Cancellation.Failure keeps it). The order stays as it was,
	// and maintenance leaves it: the host settles it, and CancelOrder
	// asks again. Also: the merchant refused a cancellation that
	// [Client.Maintain] asked of it after its caller had gone (the order
	// shipped there), and the cancellation was withdrawn (Reason says
	// why; Order.Cancellation is nil again).
	EventOrderCancelFailed EventType = "order.cancel_failed"
	EventPaymentCaptured   EventType = "payment.captured"
	EventPaymentFailed     EventType = "payment.failed" // a placement attempt ended without an order
	// EventPaymentCaptureFailed: the order was placed but the platform
	// refused to capture its payment (Reason says why; Order.CaptureFailure
	// keeps it). The money was not taken: the host settles it.
	EventPaymentCaptureFailed EventType = "payment.capture_failed"
	// EventPaymentDisputed: the buyer's bank disputes the payment of an
	// order (OrderID) or a donation (DonationID), with a chargeback or an
	// inquiry before one. Amount is what is disputed, Reason the bank's
	// reason. The dispute is the merchant's, or the nonprofit's, to
	// answer on the platform; the library keeps it in the record's
	// Disputes (payment state disputed).
	EventPaymentDisputed EventType = "payment.disputed"
	// EventPaymentDisputeClosed: the dispute ended. Reason is its outcome,
	// provider.DisputeWon, DisputeLost or DisputeEnded (without a
	// chargeback); Amount what was disputed. A dispute lost is a
	// chargeback: its Amount went back to the buyer through the bank, is
	// no longer refundable, and no longer counts in a campaign's Raised;
	// of a month of a monthly gift, it ends the gift (monthly.canceled).
	EventPaymentDisputeClosed EventType = "payment.dispute_closed"
	EventRefundSucceeded      EventType = "refund.succeeded"
	EventRefundFailed         EventType = "refund.failed"
	EventCheckoutExpired      EventType = "checkout.expired"

	EventDonationSucceeded    EventType = "donation.succeeded" // a one-off gift, or one month of a monthly gift
	EventMonthlyRenewalFailed EventType = "monthly.renewal_failed"
	// EventMonthlyCanceled: a monthly gift ended, canceled by the donor
	// or the provider, or because one of its months was charged back.
	// Reason says why when the library knows.
	EventMonthlyCanceled EventType = "monthly.canceled"
)

// event describes something that happened to an order.
func (c *Client) event(t EventType, o *Order, at time.Time) Event {
	total := o.Totals.Total
	return Event{
		ID: "evt_" + uuid.NewString(), Type: t, BuyerID: o.BuyerID, MerchantID: o.MerchantID,
		CheckoutID: o.CheckoutID, OrderID: o.ID, Amount: &total, At: at,
	}
}

// checkoutEvent describes something that happened to a checkout.
func (c *Client) checkoutEvent(t EventType, co *Checkout) Event {
	e := Event{
		ID: "evt_" + uuid.NewString(), Type: t, BuyerID: co.BuyerID, MerchantID: co.MerchantID,
		CheckoutID: co.ID, At: c.now(),
	}
	if co.LastError != nil {
		e.Reason = co.LastError.Code
	}
	return e
}

// PendingEvents returns up to limit (1 to 1000) events not yet
// acknowledged, oldest first.
func (c *Client) PendingEvents(ctx context.Context, limit int) ([]Event, error) {
	if limit < 1 || limit > 1000 {
		return nil, invalid("limit", "must be 1 to 1000")
	}
	return c.store.PendingEvents(ctx, limit)
}

// AckEvents acknowledges events the host has handled.
func (c *Client) AckEvents(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := c.store.AckEvents(ctx, ids); err != nil {
		return fmt.Errorf("buybutton: ack events: %w", err)
	}
	return nil
}
