package buybutton

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Order is a placed order: what was bought at what price, and what
// happened to it since. Its fulfilment Status moves through the table
// below; its payment state is derived from its amounts ([Order.PaymentState]).
type Order struct {
	ID         string // derived from the checkout's id: one order per checkout
	CheckoutID string
	GroupID    string
	BuyerID    string
	MerchantID string
	Version    int64
	Status     OrderStatus

	ProviderOrderID  string
	PaymentID        string
	Currency         money.Currency
	Lines            []CheckoutLine
	Totals           Totals
	ShipTo           *provider.Address
	ShippingOptionID string
	Contact          provider.Contact
	DiscountCode     string // the code the order's quote applied; empty when none

	Authorized money.Amount // held at placement
	Captured   money.Amount // taken; zero until captured
	Voided     bool         // the hold was released uncaptured
	// CaptureFailure is why the platform refused to capture (the hold
	// lapsed or was voided there): the merchant has the order and the
	// money was not taken. The host settles it, by cancelling the order
	// or collecting otherwise; see [EventPaymentCaptureFailed].
	CaptureFailure string
	Refunds        []Refund // in the order they were asked for
	// Disputes are the buyer's bank's disputes of the payment, in the
	// order the platform reported them; see [Dispute].
	Disputes  []Dispute
	Shipments []provider.Shipment
	// Cancellation is set when the merchant has accepted a cancellation
	// and the money starts back to the buyer; the order is canceled once
	// all of it is back. Until then the order owes the rest, and
	// maintenance finishes it (see DueAt).
	Cancellation *Cancellation
	// DueAt is when maintenance must look at the order: set while it owes
	// work that a lost answer or a platform that was down left undone (a
	// refund still pending, a cancellation not finished), zero otherwise.
	// It is set a ClaimLease after work begins (later, never earlier, when
	// older work was due already), so that maintenance does not race the
	// call still making it, and a pass that cannot finish the work moves
	// it on as [Checkout].DueAt does: after as long as the work has been
	// owed, from a minute up to an hour. Stores index it.
	DueAt time.Time
	// ReadBackAt is when maintenance next reads the order back from its
	// platforms, for webhooks lost for good (see [Options].ReadBack);
	// zero once it no longer does. Stores index it apart from DueAt:
	// read-backs wait for the work that is due.
	ReadBackAt time.Time
	PlacedAt   time.Time
	UpdatedAt  time.Time
}

// Cancellation is who cancelled an order, why, and when it started.
type Cancellation struct {
	Reason string
	Actor  string
	At     time.Time
	// Asking is true from when [Client.CancelOrder] records the
	// cancellation until the merchant accepts it. It is recorded before
	// the merchant is asked, so that a cancellation whose answer, or the
	// record of whose answer, is lost is asked again with the same key
	// (by a retry, or by [Client.Maintain]) rather than left with the
	// merchant's order canceled and the buyer's money kept.
	Asking bool
	// Failure is why the platform refused to give the money back, for
	// good; empty while the cancellation is under way. A failed
	// cancellation is no longer owed: the host settles it
	// ([EventOrderCancelFailed]).
	Failure string
}

// OrderStatus is an order's fulfilment state.
type OrderStatus string

const (
	OrderPlaced             OrderStatus = "placed"
	OrderPartiallyFulfilled OrderStatus = "partially_fulfilled"
	OrderFulfilled          OrderStatus = "fulfilled" // everything shipped
	OrderDelivered          OrderStatus = "delivered"
	OrderCanceled           OrderStatus = "canceled"
)

// orderMachine is the order's transition table. Fulfilment only moves
// forward; events that arrive late (shipped after delivered) add what they
// carry and leave the status.
var orderMachine = machine[OrderStatus]{name: "order", edges: map[OrderStatus][]OrderStatus{
	OrderPlaced:             {OrderPartiallyFulfilled, OrderFulfilled, OrderDelivered, OrderCanceled},
	OrderPartiallyFulfilled: {OrderFulfilled, OrderDelivered},
	OrderFulfilled:          {OrderDelivered},
}}

// rank orders fulfilment states so that events only move an order forward.
func (s OrderStatus) rank() int {
	switch s {
	case OrderPartiallyFulfilled:
		return 1
	case OrderFulfilled:
		return 2
	case OrderDelivered:
		return 3
	}
	return 0
}

// PaymentState is an order's payment state, derived from its amounts.
type PaymentState string

const (
	PaymentAuthorized        PaymentState = "authorized"
	PaymentCaptureFailed     PaymentState = "capture_failed" // see Order.CaptureFailure
	PaymentCaptured          PaymentState = "captured"
	PaymentPartiallyRefunded PaymentState = "partially_refunded"
	PaymentRefunded          PaymentState = "refunded"
	PaymentVoided            PaymentState = "voided"
	// PaymentDisputed: the buyer's bank disputes the payment, and the
	// dispute is open (see [Order].Disputes).
	PaymentDisputed PaymentState = "disputed"
	// PaymentChargedBack: the merchant lost a dispute, and its amount
	// went back to the buyer through the bank ([Order.ChargedBack]).
	PaymentChargedBack PaymentState = "charged_back"
	// PaymentNone: the order cost nothing (a free item, or one discounted
	// to nothing), so no payment was asked for: it has no PaymentID, and
	// nothing to capture, refund or dispute. It never changes.
	PaymentNone PaymentState = "none"
)

// paymentMachine is the payment's table. The state is derived from the
// order's amounts, never set, so the table is what those amounts can do:
// a hold is captured, voided, or refused its capture (and may be captured
// on the platform after all); a capture is refunded in part or in full,
// and a refund that fails after it was made gives back what it took; a
// dispute may open on a capture, even one whose event has not come, and
// ends won or ended (back to what the refunds say) or lost. The first
// state recorded is authorized or captured (at placement), or none for an
// order that cost nothing, which has no edges.
var paymentMachine = machine[PaymentState]{name: "payment", edges: map[PaymentState][]PaymentState{
	PaymentAuthorized:        {PaymentCaptured, PaymentCaptureFailed, PaymentVoided, PaymentDisputed, PaymentChargedBack},
	PaymentCaptureFailed:     {PaymentCaptured, PaymentVoided, PaymentDisputed, PaymentChargedBack},
	PaymentCaptured:          {PaymentPartiallyRefunded, PaymentRefunded, PaymentDisputed, PaymentChargedBack},
	PaymentPartiallyRefunded: {PaymentPartiallyRefunded, PaymentRefunded, PaymentCaptured, PaymentDisputed, PaymentChargedBack},
	PaymentRefunded:          {PaymentPartiallyRefunded, PaymentCaptured, PaymentDisputed, PaymentChargedBack},
	PaymentDisputed:          {PaymentCaptured, PaymentPartiallyRefunded, PaymentRefunded, PaymentChargedBack, PaymentAuthorized, PaymentCaptureFailed},
	PaymentChargedBack:       {PaymentChargedBack, PaymentDisputed},
}}

// PaymentState derives the payment state from PaymentID, Captured,
// Refunded, Voided, CaptureFailure and Disputes; it is never stored beside
// them. An open dispute is told before anything else, then a lost one,
// since either overrides what the refunds say.
func (o *Order) PaymentState() PaymentState {
	switch {
	case !o.hasPayment():
		return PaymentNone
	case o.Voided:
		return PaymentVoided
	case disputed(o.Disputes):
		return PaymentDisputed
	case o.ChargedBack().IsPositive():
		return PaymentChargedBack
	case !o.Captured.IsPositive() && o.CaptureFailure != "":
		return PaymentCaptureFailed
	case !o.Captured.IsPositive():
		return PaymentAuthorized
	}
	refunded := o.Refunded()
	switch {
	case !refunded.IsPositive():
		return PaymentCaptured
	case refunded.Equal(o.Captured):
		return PaymentRefunded
	}
	return PaymentPartiallyRefunded
}

// hasPayment reports whether the order was paid for: every order but one
// that cost nothing, which was placed with no payment.
func (o *Order) hasPayment() bool { return o.PaymentID != "" }

// Refunded is the sum of the order's succeeded refunds.
func (o *Order) Refunded() money.Amount { return refundedOf(o) }

// ChargedBack is what disputes the merchant lost took back from the
// order's payment. It is not refunded, and no longer refundable.
func (o *Order) ChargedBack() money.Amount { return chargedBackOf(o.Disputes, o.Currency) }

// Refundable is what [Client.RefundOrder] may still return: what was
// captured, less refunds that succeeded or are pending, less what lost
// disputes took back; never below zero.
func (o *Order) Refundable() money.Amount { return refundableOf(o) }

// UnitsRefundable is how many units of the variant's line a refund of
// lines may still return: the line's quantity less the units of refunds
// that succeeded or are pending. Zero for a variant the order does not
// have, and for a line that cost nothing (a free item, or one discounted
// to nothing), whose units have nothing to refund. A refund of them is
// still capped by [Order.Refundable].
func (o *Order) UnitsRefundable(variantID string) int {
	line, ok := lineOf(o, variantID)
	if total, err := line.total(); !ok || err != nil || total.IsZero() {
		return 0
	}
	return line.Quantity - unitsRefunded(o, variantID)
}

// orderIDFor derives an order's id from its checkout's.
func orderIDFor(checkoutID string) string {
	return "ord_" + strings.TrimPrefix(checkoutID, "co_")
}

func newOrder(co *Checkout, po provider.Order, pay provider.Payment, captured money.Amount, now time.Time) *Order {
	o := &Order{
		ID: orderIDFor(co.ID), CheckoutID: co.ID, GroupID: co.GroupID, BuyerID: co.BuyerID, MerchantID: co.MerchantID,
		Status: OrderPlaced, ProviderOrderID: po.ID, PaymentID: pay.ID, Currency: co.Currency,
		Lines: append([]CheckoutLine(nil), co.Lines...), Totals: co.Totals,
		ShipTo: co.ShipTo, ShippingOptionID: co.ShippingOptionID, Contact: co.Contact,
		Authorized: co.Totals.Total, Captured: captured,
		PlacedAt: now, UpdatedAt: now,
	}
	if co.DiscountApplies {
		o.DiscountCode = co.DiscountCode
	}
	return o
}

// Order returns one of the buyer's orders.
func (c *Client) Order(ctx context.Context, buyerID, orderID string) (*Order, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, o.BuyerID, "order", orderID); err != nil {
		return nil, err
	}
	return o, nil
}

// Orders lists a buyer's orders, newest first: limit (1 to 100) of
// them, beginning after the order whose id is after, or with the newest
// when after is empty. Pass the id of the last order of a page to read
// the next: it reads on from exactly there, whatever the buyer ordered
// meanwhile, with nothing twice and nothing skipped (an offset would
// shift by each order placed between two pages). An after that is
// another buyer's order is ErrForbidden, as [Client.Order] says; one
// that is no order, ErrNotFound.
func (c *Client) Orders(ctx context.Context, buyerID, after string, limit int) ([]*Order, error) {
	if err := checkPage(buyerID, after, limit); err != nil {
		return nil, err
	}
	page, err := c.store.OrdersByBuyer(ctx, buyerID, after, limit)
	return page, notInList(ctx, err, buyerID, after, c.Order)
}

// notInList is the error of a list of a buyer's records that the store
// answered with err: where the store found no record after names among
// the buyer's, the error reading that record by id gives (read: the
// Client's Order, Donation or MonthlyGift), so that another buyer's is
// ErrForbidden there as everywhere.
func notInList[R any](ctx context.Context, err error, buyerID, after string, read func(context.Context, string, string) (R, error)) error {
	if !errors.Is(err, ErrNotFound) || after == "" {
		return err
	}
	if _, rerr := read(ctx, buyerID, after); rerr != nil {
		return rerr
	}
	return err
}

// checkPage checks the arguments of a list of a buyer's records.
func checkPage(buyerID, after string, limit int) error {
	if err := checkID("buyer_id", buyerID, provider.MaxIDLength); err != nil {
		return err
	}
	if after != "" {
		if err := checkID("after", after, provider.MaxIDLength); err != nil {
			return err
		}
	}
	if limit < 1 || limit > 100 {
		return invalid("limit", "limit must be 1 to 100")
	}
	return nil
}

// Transitions returns the recorded transitions of one of the buyer's
// checkouts, orders, donations or monthly gifts, oldest first.
func (c *Client) Transitions(ctx context.Context, buyerID, subjectID string) ([]Transition, error) {
	var err error
	switch {
	case strings.HasPrefix(subjectID, "ord_"):
		_, err = c.Order(ctx, buyerID, subjectID)
	case strings.HasPrefix(subjectID, "don_"):
		_, err = c.Donation(ctx, buyerID, subjectID)
	case strings.HasPrefix(subjectID, "mon_"):
		_, err = c.MonthlyGift(ctx, buyerID, subjectID)
	default:
		_, err = c.Checkout(ctx, buyerID, subjectID)
	}
	if err != nil {
		return nil, err
	}
	return c.store.Transitions(ctx, subjectID)
}

// updateOrder changes an order with compare-and-set (see updateRecord).
func (c *Client) updateOrder(ctx context.Context, orderID string, change func(o *Order, tx *Tx) (skip bool, err error)) (*Order, error) {
	return updateRecord(ctx, c, "order", orderID, c.store.Order, change)
}

// moveOrder records a status change on o in tx, if the table allows it.
func (c *Client) moveOrder(o *Order, tx *Tx, to OrderStatus, reason, actor string, now time.Time) error {
	if err := orderMachine.check(o.ID, o.Status, to); err != nil {
		return err
	}
	tx.Transitions = append(tx.Transitions, orderMachine.record(o.ID, o.Status, to, reason, actor, now))
	o.Status = to
	return nil
}
