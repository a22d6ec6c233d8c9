package provider

import (
	"context"
	"time"

	"github.com/buybutton/buybutton/money"
)

// Payments authorizes, captures, voids and refunds payments, on the
// platform's tokens only.
//
// The lifecycle is Stripe's manual-capture PaymentIntent: Authorize holds
// the money; Capture takes all of it or part of it (releasing the rest), at
// most once; Void releases a hold that was not captured; Refund returns
// captured money, in one or more parts that never together exceed what was
// captured. Every call is idempotent by its key (see the package doc).
type Payments interface {
	// Authorize holds Amount on the payment method Token.
	//
	// Outcomes: an authorized Payment; a Payment in [PaymentRequiresAction]
	// with NextAction set, when the buyer must do something first (3-D
	// Secure) and the payment moves on once they did; a [*DeclineError] with
	// nothing held; or [ErrUnknownOutcome], which the library resolves by
	// calling Authorize again with the same key and parameters.
	//
	// The answer's Amount is what is held, in the request's currency. A
	// platform that can approve part of an amount (a partial
	// authorization) answers what it approved: the library places no
	// order on a hold of another amount than it asked for, and voids it.
	Authorize(ctx context.Context, req AuthorizeRequest) (Payment, error)

	// Capture takes Amount (at most the authorized amount) of an authorized
	// payment, and returns the payment captured: Status PaymentCaptured,
	// Captured set. It is [ErrInvalidState] on a payment that is not
	// authorized. A capture the platform accepted and has not finished
	// (Stripe's processing) has taken nothing yet: it is
	// [ErrUnknownOutcome], which the library resolves by calling Capture
	// again with the same key, and the replay must answer as the payment
	// is then, not as it was first answered.
	Capture(ctx context.Context, req CaptureRequest) (Payment, error)

	// Void releases an authorized, uncaptured payment, or one that still
	// requires action, and answers it in [PaymentVoided]. Voiding a voided
	// payment succeeds and changes nothing; a captured payment is
	// [ErrInvalidState] (refund it instead). The library believes a void
	// only from a payment answered voided: any other answer is taken for
	// an outcome not known yet, and asked again with the same key.
	Void(ctx context.Context, req VoidRequest) (Payment, error)

	// Refund returns Amount of a captured payment. If the refunds of the
	// payment would together exceed its captured amount it is
	// [ErrRefundExceedsCapture] and nothing is refunded, also when refunds
	// race each other. A refund the platform made and answered failed at
	// once is a [*RefundFailedError] with the refund's id; one that fails
	// later is the event [EventPaymentRefundFailed]. The answer's Amount
	// is what the platform refunded, which is the amount asked. A
	// platform that refunded another amount says so: the library records
	// the refund as answered, for that is the money that moved, and tells
	// its caller the answer was unexpected. An answer no platform could
	// give (another currency, more than the payment has left) leaves the
	// refund's outcome unknown, and it is asked again with the same key.
	Refund(ctx context.Context, req RefundRequest) (Refund, error)

	// Payment returns a payment's current state.
	Payment(ctx context.Context, paymentID string) (Payment, error)
}

// AuthorizeRequest asks for a hold on a payment method.
type AuthorizeRequest struct {
	IdempotencyKey string
	// KeyCreatedAt is when the library made IdempotencyKey, before its
	// first use; every retry carries the same time. See "Keys a platform
	// forgets" in the package doc.
	KeyCreatedAt time.Time
	Amount       money.Amount
	// Token is the platform's reference to a payment method, made by its
	// hosted card form or SDK: never a card number.
	Token       string
	Description string // shown on the platform's dashboard
	// ReturnURL is where the platform sends the buyer after an extra action
	// (https). Empty when the client completes actions in-app.
	ReturnURL string
	// Metadata is stored with the payment for reconciliation: the library
	// sets "buybutton_checkout" and similar keys.
	Metadata map[string]string
}

// RefundHistories is the optional capability of listing the refunds a
// payment or a donation has, those made on the platform's dashboard
// among them. Providers that have it implement it beside [Payments] or
// [Donations]. A platform stops re-sending a webhook after a while
// (Stripe after three days): the library reads the refunds back
// (buybutton's Client.ReconcileOrder and Client.ReconcileDonation) and
// records each it has no record of, as its [EventPaymentRefunded] would
// have been recorded.
//
// A refund can fail after it succeeded (Stripe's refund.failed: the card
// was closed), and that webhook can be lost too: the list says so, and
// the library then records the money as not given back, as
// [EventPaymentRefundFailed] would have.
type RefundHistories interface {
	// RefundsMade returns the refunds of payment or donation id (an id
	// [Payments.Payment] or [Donations.Donation] answers by), oldest
	// first, each with the ID its events name it by: those that
	// succeeded, and those that failed (at once, or after they
	// succeeded), with Failure set. A refund still under way is left
	// out. An unknown id is [ErrNotFound].
	RefundsMade(ctx context.Context, id string) ([]ListedRefund, error)
}

// ListedRefund is a refund as [RefundHistories] lists it.
type ListedRefund struct {
	Refund
	// Failure is why the refund failed, as the platform words it, and
	// empty for a refund that stands: its money went back to the buyer.
	// A failed refund gave nothing back, or took back what it gave.
	Failure string
}

// DisputeHistories is the optional capability of listing the disputes of
// a payment or a donation. Providers that have it implement it beside
// [Payments] or [Donations]. As with [RefundHistories], the library reads
// them back (buybutton's Client.ReconcileOrder and
// Client.ReconcileDonation) for the webhooks a platform gave up
// re-sending, so that a chargeback reaches the books, and ends the
// monthly gift of a month it took back.
type DisputeHistories interface {
	// DisputesOf returns the disputes of payment or donation id, oldest
	// first, each as the event that tells where it stands now:
	// [EventPaymentDisputed] while open (Inquiry set while it is an
	// inquiry), [EventPaymentDisputeClosed] once ended (Reason its
	// outcome), with DisputeID, Amount and, while open, the bank's
	// Reason. An unknown id is [ErrNotFound].
	DisputesOf(ctx context.Context, id string) ([]Event, error)
}

// CaptureRequest takes money from an authorized payment.
type CaptureRequest struct {
	IdempotencyKey string
	PaymentID      string
	Amount         money.Amount
}

// VoidRequest releases an uncaptured payment.
type VoidRequest struct {
	IdempotencyKey string
	PaymentID      string
}

// RefundRequest returns captured money.
type RefundRequest struct {
	IdempotencyKey string
	// KeyCreatedAt is when the library made IdempotencyKey, as on
	// [AuthorizeRequest].
	KeyCreatedAt time.Time
	PaymentID    string
	Amount       money.Amount
	Reason       string
}

// Payment is a payment as the platform holds it. Its amounts are the source
// of truth: whether a payment is partly or fully refunded is derived from
// Refunded and Captured, never stored beside them.
type Payment struct {
	ID         string
	Status     PaymentStatus
	Amount     money.Amount // authorized
	Captured   money.Amount // zero until captured
	Refunded   money.Amount // sum of successful refunds
	NextAction *NextAction  // set when Status is PaymentRequiresAction
}

// PaymentStatus is where a payment is in its lifecycle.
type PaymentStatus string

const (
	PaymentRequiresAction PaymentStatus = "requires_action"
	PaymentAuthorized     PaymentStatus = "authorized"
	PaymentCaptured       PaymentStatus = "captured"
	PaymentVoided         PaymentStatus = "voided"
	PaymentFailed         PaymentStatus = "failed" // the extra action failed or was abandoned
)

// NextAction is what a client needs to let the buyer complete a payment:
// a URL to send them to, or a secret for the platform's client SDK.
type NextAction struct {
	RedirectURL  string
	ClientSecret string
}

// Refund is money returned to the buyer.
type Refund struct {
	ID        string
	PaymentID string
	Amount    money.Amount
}
