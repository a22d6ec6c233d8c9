package stripe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/provider"
)

// call says what kind of request failed, which decides what an error
// means: a read that failed moved nothing; a write that failed after it
// was sent may have.
type call int

const (
	read  call = iota // GET: nothing moves whatever happens
	write             // POST or DELETE carrying an idempotency key
)

// mapError turns what stripe-go returned into one of the contract's error
// kinds, wrapping the original so that errors.As reaches *stripego.Error.
//
// Stripe's documented semantics decide the kind
// (https://docs.stripe.com/error-handling, https://docs.stripe.com/api/errors):
//
//   - card_error (402): the card was declined; nothing was charged.
//   - idempotency_error: the key was used with other parameters.
//   - 404 or resource_missing: no such object.
//   - 429 (rate_limit, lock_timeout): refused before it ran.
//   - 409 (idempotency_key_in_use): another request with the key is still
//     running; this one did nothing. stripe-go retries it first.
//   - payment_intent_unexpected_state, charge_already_captured: the object
//     is in the wrong state.
//   - other invalid_request_error, 401 and 403: refused; nothing happened.
//   - 5xx or api_error, and a network failure or an expired context after
//     the request may have been sent: whether a write happened is unknown.
//     Stripe replays the first response for a key, so the caller asks again
//     with the same key.
//   - A connection that was never made: nothing happened.
func mapError(err error, kind call) error {
	if err == nil {
		return nil
	}
	var se *stripego.Error
	if errors.As(err, &se) {
		return fmt.Errorf("stripe: %w: %w", stripeKind(se, kind), err)
	}
	if neverSent(err) {
		return fmt.Errorf("stripe: %w: %w", provider.ErrUnavailable, err)
	}
	if kind == read {
		return fmt.Errorf("stripe: %w: %w", provider.ErrUnavailable, err)
	}
	return fmt.Errorf("stripe: %w: %w", provider.ErrUnknownOutcome, err)
}

// errNoID is why an answer that names no object cannot be read.
var errNoID = errors.New("it names no id")

// unreadable is the error for an answer of Stripe's that cannot be read
// (an amount or currency it never sends): Stripe took the request, so
// what it did is unknown, never refused, whatever made the answer
// unreadable.
func unreadable(object, id string, err error) error {
	return fmt.Errorf("stripe: %s %s: an answer that cannot be read: %v: %w", object, id, err, provider.ErrUnknownOutcome)
}

func stripeKind(se *stripego.Error, kind call) error {
	switch {
	case se.Type == stripego.ErrorTypeCard:
		return declineKind{se}
	case se.Type == stripego.ErrorTypeIdempotency:
		return provider.ErrIdempotencyConflict
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		return provider.ErrRateLimited
	case se.HTTPStatusCode == http.StatusConflict:
		return provider.ErrUnavailable
	case se.HTTPStatusCode == http.StatusNotFound || se.Code == stripego.ErrorCodeResourceMissing:
		return provider.ErrNotFound
	case se.Code == stripego.ErrorCodePaymentIntentUnexpectedState || se.Code == stripego.ErrorCodeChargeAlreadyCaptured:
		return provider.ErrInvalidState
	case se.HTTPStatusCode >= 500 || se.Type == stripego.ErrorTypeAPI:
		if kind == read {
			return provider.ErrUnavailable
		}
		return provider.ErrUnknownOutcome
	}
	return provider.ErrInvalidRequest
}

// declineKind is the kind of a card error: provider.ErrDeclined, carried
// as the *provider.DeclineError the contract asks for.
type declineKind struct{ se *stripego.Error }

func (d declineKind) Error() string { return d.decline().Error() }

func (d declineKind) As(target any) bool {
	if t, ok := target.(**provider.DeclineError); ok {
		*t = d.decline()
		return true
	}
	return false
}

func (d declineKind) Is(target error) bool { return target == provider.ErrDeclined }

func (d declineKind) decline() *provider.DeclineError {
	code := string(d.se.DeclineCode)
	if code == "" {
		code = string(d.se.Code)
	}
	msg := d.se.Msg
	if msg == "" {
		msg = "Your card was declined."
	}
	return &provider.DeclineError{Code: code, Message: msg}
}

// neverSent reports whether err says the connection was never made, so
// that the request certainly did not reach Stripe.
func neverSent(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // it may have been cancelled mid-flight
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
