package buybutton

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// HandleWebhook verifies a delivery from a merchant's platform and applies
// its events. Call it from the HTTP handler the platform posts to, with the
// raw body, and answer 2xx only when it returns nil: platforms deliver
// again after an error.
//
//   - product.changed, stock.changed: the product's cards are re-rendered.
//   - order.shipped, order.delivered: the order moves forward (never back:
//     an event that arrives late adds its tracking and leaves the status);
//     under [CaptureOnShipment], shipping captures the payment (a capture
//     the platform refuses is recorded on the order and told to the host
//     as [EventPaymentCaptureFailed]; the shipment is recorded all the same).
//   - order.canceled: the merchant canceled; the payment is voided or
//     refunded and the order canceled, once the money is back (for an
//     order that shipped, [ErrIllegalTransition], and no money moves).
//     From the first delivery the order owes the cancellation, so that
//     [Client.Maintain] finishes it if the platform cannot return the
//     money yet; one the platform refuses for good is recorded and told
//     to the host ([EventOrderCancelFailed]), and the event is applied.
//   - payment.captured, payment.refunded: the order's amounts follow (a
//     refund made on the platform's dashboard is recorded too; one that
//     comes before the event of the capture it was made from reads the
//     payment and records that capture first; one that does not fit
//     beside the refunds recorded reads the payment's refunds back first,
//     and is recorded failed if the platform lists it failed since). A
//     capture or refund that cannot be true (in another currency, below
//     zero, a refund above what was captured) is refused with
//     [ErrInvalidInput] and applies nothing.
//   - payment.canceled (a hold that lapsed uncaptured, or that the
//     merchant canceled on the platform): the order is marked as one whose
//     payment cannot be captured, and the host is told
//     ([EventPaymentCaptureFailed]) before the merchant ships. One of an
//     order whose cancellation is under way, or whose hold the library
//     voided, is the library's own void and changes nothing.
//   - payment.authorized, payment.failed: a checkout waiting for a payment
//     action is resumed, and placed if the payment went through.
//   - payment.disputed, payment.dispute_closed and their donation
//     twins: recorded in the order's or the donation's books ([Dispute];
//     one lost is a chargeback, no longer refundable, and out of the
//     campaign's Raised), and told to the host as an
//     [EventPaymentDisputed] or [EventPaymentDisputeClosed], once for
//     each change. One without the amount disputed, or ending in an
//     outcome the contract does not name, is refused with
//     ErrInvalidInput and applies nothing.
//   - donation.succeeded, donation.failed, donation.refunded,
//     monthly.canceled: see docs/donate.md; a donation waiting for an
//     action is resumed, monthly renewals are recorded, and refunds made
//     on the platform are recorded.
//
// A platform's words (a reason, a carrier, a tracking number) are kept
// with their control characters replaced by U+FFFD, so that no store
// refuses them (PostgreSQL cannot hold NUL); an event whose ids carry
// control characters is refused with [ErrInvalidInput] and applies
// nothing.
//
// Each event is applied once: its effect and the mark that it was seen
// commit together. A delivery that fails verification is refused with the
// provider's error (provider.ErrWebhookSignature, provider.ErrWebhookTooOld)
// and applies nothing. With [Options].Retention set, an event that
// occurred longer ago than it is refused with [ErrEventTooOld] and
// applies nothing either: its mark may be gone.
func (c *Client) HandleWebhook(ctx context.Context, merchantID string, header http.Header, body []byte) error {
	m, err := c.merchant(merchantID)
	if err != nil {
		return err
	}
	if m.Webhooks == nil {
		return fmt.Errorf("%w: merchant %s has no webhooks", ErrUnknownMerchant, m.ID)
	}
	events, err := m.Webhooks.VerifyWebhook(ctx, header, body)
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: webhook: %w", m.ID, err)
	}
	var errs []error
	for _, e := range events {
		e, err := cleanEvent(e)
		if err == nil {
			err = c.applyEvent(ctx, m, e)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("event %s (%s): %w", e.ID, e.Type, err))
		}
	}
	return errors.Join(errs...)
}

// cleanEvent checks the ids of an event a platform sent and cleans its
// text. An id that is not a clean id (see checkID) cannot be the
// platform's: the event is ErrInvalidInput and applies nothing. A reason,
// a carrier or a tracking number is kept, cleaned (see platformText).
func cleanEvent(e provider.Event) (provider.Event, error) {
	for _, id := range []struct{ field, value string }{
		{"event.id", e.ID}, {"event.payment_id", e.PaymentID}, {"event.order_id", e.OrderID},
		{"event.refund_id", e.RefundID}, {"event.dispute_id", e.DisputeID}, {"event.donation_id", e.DonationID},
		{"event.monthly_id", e.MonthlyID}, {"event.product_id", e.ProductID}, {"event.variant_id", e.VariantID},
	} {
		if id.value == "" && id.field != "event.id" {
			continue
		}
		if err := checkID(id.field, id.value, provider.MaxIDLength); err != nil {
			return e, err
		}
	}
	e.Reason = platformText(e.Reason, 500)
	if e.Shipment != nil {
		s := *e.Shipment
		s.Carrier, s.TrackingNumber, s.TrackingURL = platformText(s.Carrier, 200), platformText(s.TrackingNumber, 200), platformText(s.TrackingURL, 2048)
		e.Shipment = &s
	}
	return e, nil
}

func (c *Client) applyEvent(ctx context.Context, m Merchant, e provider.Event) error {
	if c.retention > 0 && e.OccurredAt.Before(c.now().Add(-c.retention)) {
		return fmt.Errorf("%w: it occurred at %s, and marks are kept for %s", ErrEventTooOld, e.OccurredAt.UTC().Format(time.RFC3339), c.retention)
	}
	switch e.Type {
	case provider.EventProductChanged, provider.EventStockChanged:
		return c.RefreshProduct(ctx, m.ID, e.ProductID)
	case provider.EventPaymentAuthorized, provider.EventPaymentFailed:
		return c.resumeWaiting(ctx, m, e.PaymentID)
	case provider.EventPaymentCanceled:
		// A checkout waiting for the payment's action learns that it
		// failed; an order, below, that it can no longer be captured.
		if err := c.resumeWaiting(ctx, m, e.PaymentID); err != nil {
			return err
		}
	case provider.EventDonationSucceeded, provider.EventDonationFailed, provider.EventDonationRefunded, provider.EventDonationRefundFailed, provider.EventDonationDisputed, provider.EventDonationDisputeClosed, provider.EventMonthlyCanceled:
		return c.applyDonationEvent(ctx, m, e)
	}
	orderID, err := c.orderFor(ctx, m.ID, e)
	if donationType, ok := donationPaymentEvents[e.Type]; ok && errors.Is(err, ErrNotFound) && e.PaymentID != "" {
		// A payments processor cannot always tell a donation's refund or
		// dispute from an order's (Stripe's name only the PaymentIntent):
		// the payment may be a donation's.
		return c.applyDonationEvent(ctx, m, asDonationEvent(e, donationType))
	}
	if errors.Is(err, ErrNotFound) {
		return nil // not an order of ours
	}
	if err != nil {
		return err
	}
	// Provider calls an event needs happen before its commit, with keys
	// derived from the order, so that a delivery retried after a failure
	// repeats them harmlessly.
	var facts eventFacts
	switch e.Type {
	case provider.EventOrderCanceled:
		o, err := c.store.Order(ctx, orderID)
		if err != nil {
			return err
		}
		// A cancellation the platform refused for good to refund is the
		// host's: recorded on the order and told to the host, so the
		// event is applied, and a redelivery does not ask again. Anything
		// else is retried by the platform's redelivery (and by
		// maintenance).
		refused := o.Cancellation != nil && o.Cancellation.Failure != ""
		if o.Status != OrderCanceled && !refused {
			_, err = c.settleCancellation(ctx, m, orderID, "canceled by the merchant: "+e.Reason, providerActor(m.ID))
			if err != nil && !refusedForGood(err) {
				return err
			}
		}
		return c.markSeen(ctx, m.ID, e)
	case provider.EventOrderShipped:
		if err := c.captureOnShipment(ctx, m, orderID); err != nil {
			return err
		}
		// Whether the whole order shipped is the merchant's to say.
		facts.shipped = OrderFulfilled
		if m.Orders != nil && e.OrderID != "" {
			po, err := m.Orders.Order(ctx, e.OrderID)
			if err != nil {
				return fmt.Errorf("buybutton: order %s: %w", orderID, err)
			}
			if po.Status == provider.OrderPartiallyFulfilled {
				facts.shipped = OrderPartiallyFulfilled
			}
		}
	case provider.EventPaymentRefunded:
		// Settle our own pending refunds first, so that one of them is not
		// taken for a refund made elsewhere.
		o, err := c.settleOrderRefunds(ctx, orderID)
		if err != nil {
			return err
		}
		if facts.captured, err = capturedBeforeRefund(ctx, m, o, e); err != nil {
			return err
		}
		if unexplainedRefund(o, e) && o.hasPayment() { // without one, applyOrderEvent refuses it
			made, err := c.catchUpPayment(ctx, m, orderID)
			if err != nil {
				return err
			}
			e = refundOrItsFailure(made, e, provider.EventPaymentRefundFailed)
		}
	case provider.EventPaymentRefundFailed:
		// A refund of ours whose answer was lost is recorded with its
		// platform id once settled, so that its failure finds it.
		if _, err := c.settleOrderRefunds(ctx, orderID); err != nil {
			return err
		}
	}
	_, err = c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		tx.Seen = append(tx.Seen, SeenEvent{MerchantID: m.ID, EventID: e.ID, At: c.now()})
		return false, c.applyOrderEvent(o, tx, m.ID, e, facts)
	})
	if conflictOn(err, "seen_event") {
		return nil // applied before
	}
	return err
}

// disputeEvents are the host's events of the platform's dispute events,
// of an order's payment or a donation.
var disputeEvents = map[provider.EventType]EventType{
	provider.EventPaymentDisputed:       EventPaymentDisputed,
	provider.EventPaymentDisputeClosed:  EventPaymentDisputeClosed,
	provider.EventDonationDisputed:      EventPaymentDisputed,
	provider.EventDonationDisputeClosed: EventPaymentDisputeClosed,
}

// donationPaymentEvents are the events a processor may send of a
// donation as of a payment, with the donation's type for each.
var donationPaymentEvents = map[provider.EventType]provider.EventType{
	provider.EventPaymentRefunded:      provider.EventDonationRefunded,
	provider.EventPaymentRefundFailed:  provider.EventDonationRefundFailed,
	provider.EventPaymentDisputed:      provider.EventDonationDisputed,
	provider.EventPaymentDisputeClosed: provider.EventDonationDisputeClosed,
}

// asDonationEvent is e, an event of a payment, as the event of type typ
// of the donation the payment is.
func asDonationEvent(e provider.Event, typ provider.EventType) provider.Event {
	e.Type, e.DonationID, e.PaymentID = typ, e.PaymentID, ""
	return e
}

// paymentEvents are the events of an order's payment.
var paymentEvents = map[provider.EventType]bool{
	provider.EventPaymentCanceled: true, provider.EventPaymentCaptured: true,
	provider.EventPaymentRefunded: true, provider.EventPaymentRefundFailed: true,
	provider.EventPaymentDisputed: true, provider.EventPaymentDisputeClosed: true,
}

// orderFor finds our order for a provider event, by the provider's order
// id, payment id or refund id.
func (c *Client) orderFor(ctx context.Context, merchantID string, e provider.Event) (string, error) {
	for _, r := range []Ref{
		{Kind: "order", MerchantID: merchantID, ExternalID: e.OrderID},
		{Kind: "payment", MerchantID: merchantID, ExternalID: e.PaymentID},
	} {
		if r.ExternalID == "" {
			continue
		}
		id, err := c.store.Lookup(ctx, r)
		if !errors.Is(err, ErrNotFound) {
			return id, err
		}
	}
	return "", ErrNotFound
}

// eventFacts are what applying an order event needed to ask the platform
// first, outside the commit.
type eventFacts struct {
	shipped  OrderStatus   // the status an order.shipped event moves the order to
	captured *money.Amount // for a refund the order's capture cannot cover: what the platform captured
}

// capturedBeforeRefund reads what the platform captured of o's payment when
// a refund event would take o's refunds above what o records as captured:
// a refund proves a capture, made on the platform, whose own event has not
// come yet. It returns nil when o's capture covers the refund.
func capturedBeforeRefund(ctx context.Context, m Merchant, o *Order, e provider.Event) (*money.Amount, error) {
	if e.Amount == nil || e.Amount.Currency() != o.Currency || !o.hasPayment() {
		return nil, nil // applyOrderEvent refuses it
	}
	after, err := o.Refunded().Add(*e.Amount)
	if over, _ := after.Cmp(o.Captured); err != nil || over <= 0 {
		return nil, nil
	}
	pay, err := m.Payments.Payment(ctx, o.PaymentID)
	if err != nil {
		return nil, fmt.Errorf("buybutton: order %s: reading the payment a refund was made from: %w", o.ID, err)
	}
	return &pay.Captured, nil
}

// applyOrderEvent changes o as e says, within tx.
func (c *Client) applyOrderEvent(o *Order, tx *Tx, merchantID string, e provider.Event, facts eventFacts) error {
	if !o.hasPayment() && paymentEvents[e.Type] {
		// Found by its order id: an order that cost nothing has no
		// payment for the event to be true of.
		return invalid("event.type", "order %s cost nothing and has no payment: a %s cannot be true of it", o.ID, e.Type)
	}
	actor := providerActor(merchantID)
	now := c.now()
	switch e.Type {
	case provider.EventOrderShipped:
		var info *ShipmentInfo
		if e.Shipment != nil && !hasShipment(o, *e.Shipment) {
			o.Shipments = append(o.Shipments, *e.Shipment)
			info = &ShipmentInfo{Carrier: e.Shipment.Carrier, TrackingNumber: e.Shipment.TrackingNumber, TrackingURL: e.Shipment.TrackingURL}
		}
		moved := o.Status.rank() < facts.shipped.rank() && o.Status != OrderCanceled
		if moved {
			if err := c.moveOrder(o, tx, facts.shipped, "shipped", actor, now); err != nil {
				return err
			}
		}
		if info == nil && !moved {
			return nil // a parcel already told of, the order where it was: nothing new for the host
		}
		ev := c.event(EventOrderShipped, o, now)
		ev.Shipment = info
		tx.Events = append(tx.Events, ev)
	case provider.EventOrderDelivered:
		if o.Status.rank() < OrderDelivered.rank() && o.Status != OrderCanceled {
			if err := c.moveOrder(o, tx, OrderDelivered, "delivered", actor, now); err != nil {
				return err
			}
			tx.Events = append(tx.Events, c.event(EventOrderDelivered, o, now))
		}
	case provider.EventPaymentCanceled:
		// A cancellation owed is the library voiding the hold itself:
		// the event may be that void's, delivered before its commit.
		if o.holdOpen() && !o.cancelOwed() {
			why := "the hold ended on the platform"
			if e.Reason != "" {
				why += ": " + e.Reason
			}
			c.failCapture(o, tx, why, actor, now)
		}
	case provider.EventPaymentCaptured:
		if e.Amount == nil {
			return nil // nothing to record
		}
		if a := *e.Amount; a.Currency() != o.Currency || a.IsNegative() || !a.IsRounded() {
			return invalid("event.amount", "a capture of %s, not an amount in minor units of %s", a, o.Currency)
		}
		c.capturedOnPlatform(o, tx, *e.Amount, actor, now)
	case provider.EventPaymentRefunded:
		if err := checkRefundEvent(e, o.Currency); err != nil {
			return err
		}
		if recordedRefund(o.Refunds, e.RefundID) >= 0 {
			return nil // ours, already recorded
		}
		if facts.captured != nil {
			c.capturedOnPlatform(o, tx, *facts.captured, actor, now)
		}
		if err := checkRefundFits(o, *e.Amount); err != nil {
			return err
		}
		was := o.PaymentState()
		r := Refund{ID: "re_" + uuid.NewString(), ProviderRefundID: e.RefundID, Amount: *e.Amount, Reason: e.Reason, Status: RefundSucceeded, CreatedAt: now}
		o.Refunds = append(o.Refunds, r)
		tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "refund", MerchantID: merchantID, ExternalID: e.RefundID}, ID: o.ID})
		tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "refunded on the platform", actor, now))
		ev := c.event(EventRefundSucceeded, o, now)
		ev.RefundID, ev.Amount = r.ID, &r.Amount
		tx.Events = append(tx.Events, ev)
	case provider.EventPaymentRefundFailed:
		was := o.PaymentState()
		f, added, err := failAfterwards(o, e, now)
		if f == nil || err != nil {
			return err // failed already, or not a refund event
		}
		if added {
			tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "refund", MerchantID: merchantID, ExternalID: e.RefundID}, ID: o.ID})
		}
		tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "refund "+f.ID+" failed on the platform: "+e.Reason, actor, now))
		ev := c.event(EventRefundFailed, o, now)
		ev.RefundID, ev.Amount, ev.Reason = f.ID, &f.Amount, f.Failure
		tx.Events = append(tx.Events, ev)
	case provider.EventPaymentDisputed, provider.EventPaymentDisputeClosed:
		if err := checkDisputeEvent(e, o.Currency); err != nil {
			return err
		}
		was := o.PaymentState()
		if !recordDispute(&o.Disputes, e, now) {
			return nil // told already, or closed before this opening came
		}
		tx.Transitions = append(tx.Transitions, paymentTransition(o, was, disputeWhy(e), actor, now))
		ev := c.event(disputeEvents[e.Type], o, now)
		ev.Reason, ev.Amount = e.Reason, e.Amount
		tx.Events = append(tx.Events, ev)
	}
	return nil
}

// capturedOnPlatform records a capture the platform reports, if it is
// more than o records.
func (c *Client) capturedOnPlatform(o *Order, tx *Tx, captured money.Amount, actor string, now time.Time) {
	if more, err := captured.Cmp(o.Captured); err == nil && more > 0 {
		c.recordCapture(o, tx, captured, "captured on the platform", actor, now)
	}
}

func hasShipment(o *Order, s provider.Shipment) bool {
	for _, have := range o.Shipments {
		if have == s {
			return true
		}
	}
	return false
}

// resumeWaiting reconciles the checkout, if any, whose payment paymentID
// waited for an action, now that the platform says the action ended.
func (c *Client) resumeWaiting(ctx context.Context, m Merchant, paymentID string) error {
	id, err := c.store.Lookup(ctx, paymentRef(m.ID, paymentID))
	if errors.Is(err, ErrNotFound) {
		return nil // not a payment of a checkout waiting for an action
	}
	if err != nil {
		return err
	}
	_, err = c.reconcile(ctx, id, providerActor(m.ID))
	return err
}

// markSeen records an event as applied when its effect was committed by
// other means.
func (c *Client) markSeen(ctx context.Context, merchantID string, e provider.Event) error {
	err := c.store.Commit(ctx, &Tx{Seen: []SeenEvent{{MerchantID: merchantID, EventID: e.ID, At: c.now()}}})
	if conflictOn(err, "seen_event") {
		return nil
	}
	return err
}
