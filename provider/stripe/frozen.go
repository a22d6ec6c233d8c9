package stripe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/provider"
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
// looks again.

// A key Stripe may have forgotten is worse: a retry of a write whose
// every try so far was lost on the network, sent a day after the first,
// would run afresh with no 5xx to say so. So a write whose key was made
// (provider.AuthorizeRequest's KeyCreatedAt) longer ago than
// keyMayBeForgotten looks first, the same way, and sends the request only
// if it finds nothing. Stripe keeps keys at least 24 hours; an hour less
// leaves room for clocks that disagree, and by then search has long caught
// up. Refunds always look first (payments.go).
const keyMayBeForgotten = 23 * time.Hour

// mayHaveForgotten reports whether Stripe may have forgotten a key made
// at created (zero: unknown, and taken as recent).
func (p *Provider) mayHaveForgotten(created time.Time) bool {
	return !created.IsZero() && p.now().Sub(created) >= keyMayBeForgotten
}

// madeBefore looks, before a PaymentIntent create whose key (made at
// created) Stripe may have forgotten, for the PaymentIntent an earlier try
// made: what read says of it, if search finds one. A key Stripe still
// keeps needs no look. A look that fails leaves the earlier try's outcome
// unknown, and the request is not sent.
func madeBefore[T any](ctx context.Context, p *Provider, key string, created time.Time, read func(context.Context, string) (T, error)) (T, bool, error) {
	var zero T
	if !p.mayHaveForgotten(created) {
		return zero, false, nil
	}
	pi, ok, err := p.createdWithKey(ctx, key)
	if err != nil {
		return zero, false, forgottenKeyUnknown(key, err)
	}
	if !ok {
		return zero, false, nil
	}
	v, err := read(ctx, pi.ID)
	if err != nil {
		return zero, false, forgottenKeyUnknown(key, err)
	}
	return v, true, nil
}

// forgottenKeyUnknown is the error of a look for what an old key made
// that failed: the earlier try's outcome is still unknown.
func forgottenKeyUnknown(key string, lookErr error) error {
	return fmt.Errorf("stripe: key %q may be forgotten, and looking for what it made failed (%v): %w", key, lookErr, provider.ErrUnknownOutcome)
}

// serverError reports whether err is a 5xx answer from Stripe: one that
// Stripe replays for the key instead of running the request again.
func serverError(err error) bool {
	var se *stripego.Error
	return errors.As(err, &se) && se.HTTPStatusCode >= 500
}

// createdWithKey finds the PaymentIntent that a create call with key made,
// if search has it.
func (p *Provider) createdWithKey(ctx context.Context, key string) (*stripego.PaymentIntent, bool, error) {
	params := &stripego.PaymentIntentSearchParams{SearchParams: keySearch(key)}
	return searchedWithKey(ctx, p.api.V1PaymentIntents.Search(ctx, params), key, func(pi *stripego.PaymentIntent) string { return pi.ID })
}

// keySearch asks search for the objects that carry key in their
// metadata; two are enough to tell that there is more than one.
func keySearch(key string) stripego.SearchParams {
	return stripego.SearchParams{
		Query: fmt.Sprintf("metadata['%s']:'%s'", metaKey, searchQuoted(keyValue(key))),
		Limit: stripego.Int64(2),
	}
}

// searchedWithKey returns the one object of a keySearch's results, if
// there is one. More than one is an error: the key was pruned and reused,
// and which one the caller means is not for this provider to say.
func searchedWithKey[T any](ctx context.Context, results *stripego.V1SearchList[T], key string, id func(T) string) (T, bool, error) {
	var found []T
	var zero T
	for v, err := range results.All(ctx) {
		if err != nil {
			return zero, false, mapError(err, read)
		}
		if found = append(found, v); len(found) == 2 {
			return zero, false, fmt.Errorf("stripe: %s and %s both carry idempotency key %q", id(found[0]), id(found[1]), key)
		}
	}
	if len(found) == 0 {
		return zero, false, nil
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
