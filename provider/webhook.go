package provider

import (
	"context"
	"net/http"
	"time"

	"github.com/buybutton/buybutton/money"
)

// Webhooks verifies the deliveries a platform sends and turns them into
// normalized events.
type Webhooks interface {
	// VerifyWebhook checks a delivery's signature over the raw body, exactly
	// as received, with a constant-time comparison, accepting any of the
	// current secrets (rotation) and rejecting a signed timestamp outside
	// the tolerance with [ErrWebhookTooOld]. A missing, malformed or wrong
	// signature is [ErrWebhookSignature]. Only then does it parse the body.
	// A platform that signs no delivery time (Shopify signs only the body)
	// is held to a time the body carries, with a tolerance at least as
	// long as the platform re-sends a delivery for (docs/platforms.md).
	//
	// It returns the delivery's events; a delivery of a kind the library has
	// no use for returns no events and no error, so that the platform stops
	// re-sending it. Verification has no side effects: deliveries repeat and
	// arrive out of order, and the library applies each event id once.
	VerifyWebhook(ctx context.Context, header http.Header, body []byte) ([]Event, error)
}

// Event is a normalized platform event. The fields that matter for its
// Type are set; the rest are empty.
type Event struct {
	// ID is the platform's unique event id; the library applies each once.
	ID         string
	Type       EventType
	OccurredAt time.Time

	PaymentID  string
	OrderID    string
	RefundID   string
	DisputeID  string // the platform's id of the dispute, for dispute events, if it has one
	DonationID string
	MonthlyID  string // for donation events of a monthly donation
	ProductID  string
	VariantID  string

	Amount   *money.Amount // the amount refunded, captured or disputed
	Shipment *Shipment     // for EventOrderShipped
	Reason   string        // a decline or cancellation reason, if given
	// Inquiry marks an EventPaymentDisputed (or its donation twin) of a
	// dispute still in its inquiry: the bank asks, no chargeback is filed
	// and nothing was taken from the merchant yet.
	Inquiry bool
}

// The outcomes of a dispute, the Reason of [EventPaymentDisputeClosed].
const (
	DisputeWon  = "won"  // the merchant kept the money
	DisputeLost = "lost" // the money went back to the buyer
	// DisputeEnded: ended without a chargeback, as an inquiry closed or a
	// chargeback prevented before it was filed.
	DisputeEnded = "ended"
)

// EventType says what happened.
type EventType string

const (
	EventPaymentAuthorized EventType = "payment.authorized" // after an extra action
	EventPaymentFailed     EventType = "payment.failed"
	EventPaymentCaptured   EventType = "payment.captured"
	// EventPaymentCanceled is a hold that ended uncaptured: the
	// authorization expired (Stripe cancels it), or the merchant canceled
	// it on the platform. A platform that cannot tell those from the voids
	// the library asked for may send it for those too: the library
	// ignores it for a payment it is voiding or has voided. Reason says
	// why, if known.
	EventPaymentCanceled EventType = "payment.canceled"
	// EventPaymentRefunded is one refund of a payment. A processor that
	// cannot tell a donation's payment from an order's (Stripe) reports
	// donations' refunds as this too, with PaymentID the donation's id or
	// its [Donation].PaymentID.
	EventPaymentRefunded EventType = "payment.refunded"
	// EventPaymentRefundFailed is a refund, made and reported refunded,
	// that failed afterwards (Stripe's refund.failed: the card was closed,
	// or reported lost): nothing reached the buyer, and the money went
	// back to the merchant. RefundID names the refund, Amount is its
	// amount, Reason why. Like EventPaymentRefunded, it may be a
	// donation's, with PaymentID the donation's id.
	EventPaymentRefundFailed EventType = "payment.refund_failed"
	// EventPaymentDisputed is a dispute the buyer's bank opened on a
	// captured payment: a chargeback, or an inquiry that may become one.
	// Amount is what is disputed (required: the library keeps it in the
	// books), Reason the bank's reason, DisputeID the platform's id of
	// the dispute; a platform without such ids has at most one dispute a
	// payment. Inquiry says whether it is still an inquiry; a platform
	// sends the event again, Inquiry false, when the inquiry becomes a
	// chargeback. Like EventPaymentRefunded, it may be a donation's, with
	// PaymentID the donation's id or its [Donation].PaymentID.
	EventPaymentDisputed EventType = "payment.disputed"
	// EventPaymentDisputeClosed is a dispute's end. Reason is its
	// outcome: [DisputeWon], [DisputeLost] or [DisputeEnded]; Amount is
	// what was disputed, and, when lost, what went back to the buyer;
	// DisputeID as in EventPaymentDisputed. Like EventPaymentDisputed, it
	// may be a donation's.
	EventPaymentDisputeClosed EventType = "payment.dispute_closed"
	EventOrderShipped         EventType = "order.shipped"
	EventOrderDelivered       EventType = "order.delivered"
	EventOrderCanceled        EventType = "order.canceled"
	EventDonationSucceeded    EventType = "donation.succeeded"
	EventDonationFailed       EventType = "donation.failed"
	EventDonationRefunded     EventType = "donation.refunded"
	// EventDonationRefundFailed is EventPaymentRefundFailed of a
	// donation's refund.
	EventDonationRefundFailed EventType = "donation.refund_failed"
	// EventDonationDisputed is EventPaymentDisputed of a donation, and
	// EventDonationDisputeClosed EventPaymentDisputeClosed.
	EventDonationDisputed      EventType = "donation.disputed"
	EventDonationDisputeClosed EventType = "donation.dispute_closed"
	EventMonthlyCanceled       EventType = "monthly.canceled" // by the donor on the platform, or after failed renewals
	EventProductChanged        EventType = "product.changed"  // title, price, images
	EventStockChanged          EventType = "stock.changed"
)
