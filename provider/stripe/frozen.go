package stripe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	stripego "github.com/stripe/stripe-go/v85"
)

// Stripe saves the first answer to an idempotency key once the endpoint
// has begun to run, 500 errors included, and replays it to every retry
// with that key for at least 24 hours
// (https://docs.stripe.com/api/idempotent_requests). A write that failed
// with a server error may still have done its work, and asking again with
// the same key can never tell: it answers the same 500. After the key is
// pruned a retry runs afresh, and would do the work a second time (a
// second hold, refund or subscription) if the first had done it.
//
// So after a server error each write looks for what it would have made,
// where Stripe keeps it: a PaymentIntent by the key in its metadata
// (search, which lags writes by up to a minute, up to an hour in an
// outage), a capture or a cancellation in the PaymentIntent itself, a
// refund among the PaymentIntent's refunds, a subscription among the
// customer's. Found, the write's answer is
// what was found; not found, the outcome stays unknown and a later retry
// looks again. A refund also looks before it is asked for (payments.go),
// since a retry a day after a lost answer has no 5xx to tell it to.

// serverError reports whether err is a 5xx answer from Stripe: one that
// Stripe replays for the key instead of running the request again.
func serverError(err error) bool {
	var se *stripego.Error
	return errors.As(err, &se) && se.HTTPStatusCode >= 500
}

// createdWithKey finds the PaymentIntent that a create call with key made,
// if search has it. More than one is an error: the key was pruned and
// reused, and which one the caller means is not for this provider to say.
func (p *Provider) createdWithKey(ctx context.Context, key string) (*stripego.PaymentIntent, bool, error) {
	params := &stripego.PaymentIntentSearchParams{SearchParams: stripego.SearchParams{
		Query: fmt.Sprintf("metadata['%s']:'%s'", metaKey, searchQuoted(keyValue(key))),
		Limit: stripego.Int64(2),
	}}
	var found []*stripego.PaymentIntent
	for pi, err := range p.api.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			return nil, false, mapError(err, read)
		}
		if found = append(found, pi); len(found) == 2 {
			return nil, false, fmt.Errorf("stripe: PaymentIntents %s and %s both carry idempotency key %q", found[0].ID, found[1].ID, key)
		}
	}
	if len(found) == 0 {
		return nil, false, nil
	}
	return found[0], true, nil
}

// readCreatedWithKey answers a PaymentIntent create with key that failed
// with a server error, writeErr: what read says of the PaymentIntent it
// made, as it is now, if search finds one; else writeErr.
func readCreatedWithKey[T any](ctx context.Context, p *Provider, key string, writeErr error, read func(context.Context, string) (T, error)) (T, error) {
	pi, ok, err := p.createdWithKey(ctx, key)
	if ok {
		var v T
		if v, err = read(ctx, pi.ID); err == nil {
			return v, nil
		}
	}
	var zero T
	return zero, stillUnknown(writeErr, err)
}

// listedWithKey returns the object of list that carries key in its
// metadata; writeErr if none does, or with why the listing failed.
func listedWithKey[T any](ctx context.Context, list *stripego.V1List[T], key string, metadata func(T) map[string]string, writeErr error) (T, error) {
	v, ok, err := findListed(ctx, list, key, metadata)
	switch {
	case err != nil:
		return v, stillUnknown(writeErr, err)
	case !ok:
		return v, writeErr
	}
	return v, nil
}

// findListed returns the object of list that carries key in its
// metadata, and whether there is one.
func findListed[T any](ctx context.Context, list *stripego.V1List[T], key string, metadata func(T) map[string]string) (T, bool, error) {
	var zero T
	for v, err := range list.All(ctx) {
		if err != nil {
			return zero, false, mapError(err, read)
		}
		if metadata(v)[metaKey] == keyValue(key) {
			return v, true, nil
		}
	}
	return zero, false, nil
}

// searchQuoted escapes s for a single-quoted value of Stripe's search
// query language, where a backslash escapes a quote.
func searchQuoted(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// stillUnknown is the error of a write whose outcome a look could not
// settle: the write's own error, with why the look failed if it did.
func stillUnknown(writeErr, lookErr error) error {
	if lookErr == nil {
		return writeErr
	}
	return fmt.Errorf("%w (and looking for what it did failed: %v)", writeErr, lookErr)
}
