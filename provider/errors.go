package provider

import (
	"errors"
	"fmt"
)

// The error kinds of the contract. A provider's error must match exactly one
// of them with errors.Is. The library passes them on unchanged (wrapped), so
// backends match the same values.
var (
	// ErrNotFound: the referenced product, reservation, payment, order,
	// nonprofit or donation does not exist at the platform.
	ErrNotFound = errors.New("provider: not found")

	// ErrInvalidRequest: the platform refused the request as malformed or
	// unsupported (an unsupported currency, an amount below the platform's
	// minimum). Nothing happened. Retrying the same request will not help.
	ErrInvalidRequest = errors.New("provider: invalid request")

	// ErrIdempotencyConflict: the idempotency key was used before with
	// different parameters. Nothing happened.
	ErrIdempotencyConflict = errors.New("provider: idempotency key reused with different parameters")

	// ErrOutOfStock: a reservation or order asked for more units than are
	// available. Nothing was reserved. The error is an [*OutOfStockError].
	ErrOutOfStock = errors.New("provider: out of stock")

	// ErrReservationExpired: the reservation's TTL passed, or it was
	// released, before the order consumed it. Its stock is available again.
	ErrReservationExpired = errors.New("provider: reservation expired")

	// ErrDeclined: the payment method was declined. No money is held or
	// moved. The error is a [*DeclineError].
	ErrDeclined = errors.New("provider: payment declined")

	// ErrInvalidState: the operation is not allowed in the object's current
	// state (capturing a voided payment, cancelling a shipped order).
	// Nothing happened.
	ErrInvalidState = errors.New("provider: invalid state for operation")

	// ErrRefundExceedsCapture: the refund would take the total refunded
	// above the amount captured. Nothing was refunded.
	ErrRefundExceedsCapture = errors.New("provider: refund exceeds captured amount")

	// ErrUnknownOutcome: the operation may or may not have been performed.
	// Return it, and only it, when money or stock may have moved but the
	// provider cannot tell (timeout after sending, 5xx, connection reset).
	// The library resolves it by repeating the call with the same
	// idempotency key, or by reading the object's status.
	ErrUnknownOutcome = errors.New("provider: outcome unknown")

	// ErrUnavailable: the platform could not be reached and certainly did
	// not perform the operation. Safe to retry with the same key.
	ErrUnavailable = errors.New("provider: unavailable")

	// ErrRateLimited: the platform refused the request for its rate limit
	// and certainly did not perform it. Safe to retry after a back-off.
	ErrRateLimited = errors.New("provider: rate limited")

	// ErrWebhookSignature: a webhook delivery's signature header is missing,
	// malformed, or matches none of the expected signatures. The delivery
	// must not be trusted or applied.
	ErrWebhookSignature = errors.New("provider: webhook signature invalid")

	// ErrWebhookTooOld: a webhook delivery's signed timestamp is outside the
	// tolerance (a replay of an old delivery). It must not be applied.
	ErrWebhookTooOld = errors.New("provider: webhook timestamp outside tolerance")
)

// OutOfStockError reports the first line that could not be reserved.
type OutOfStockError struct {
	VariantID string
	Requested int
	Available int // how many could be had at the time; 0 when sold out
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("%v: variant %q: requested %d, available %d", ErrOutOfStock, e.VariantID, e.Requested, e.Available)
}

func (e *OutOfStockError) Is(target error) bool { return target == ErrOutOfStock }

// DeclineError reports a declined payment method. Code is the platform's
// decline code ("insufficient_funds", "card_declined"); Message is safe to
// show to the buyer.
type DeclineError struct {
	Code    string
	Message string
}

func (e *DeclineError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrDeclined, e.Code, e.Message)
}

func (e *DeclineError) Is(target error) bool { return target == ErrDeclined }

// RefundFailedError reports a refund the platform made and answered failed
// at once (a card closed or reported lost): nothing was returned, and it
// is final. Its kind is [ErrInvalidState]. RefundID is the platform's id
// of the failed refund, so that the failure event the platform may send of
// it afterwards is taken for the same refund, not a second one.
type RefundFailedError struct {
	RefundID string
	Reason   string // the platform's reason, "expired_or_canceled_card"
}

func (e *RefundFailedError) Error() string {
	return fmt.Sprintf("%v: refund %s failed: %s", ErrInvalidState, e.RefundID, e.Reason)
}

func (e *RefundFailedError) Is(target error) bool { return target == ErrInvalidState }
