package buybutton

import (
	"context"
	"time"
)

// storeCallTimeout bounds each store call once it no longer follows its
// caller's cancellation: ample for a database under load, short enough
// that a caller that went away does not keep its goroutine for long.
const storeCallTimeout = 10 * time.Second

// detachedStore is the Store as the library calls it: every call runs on
// the caller's context without its cancellation (values kept), bounded by
// storeCallTimeout.
//
// The store holds the record of what the library decided and of what a
// platform already did. A caller that goes away (an app closed, a request
// timing out) between a platform's answer and its record must not take
// the record with it: that would leave a placement claimed, a refund
// pending and a cancellation the merchant made unrecorded, the store not
// knowing that money moved until a lease lapsed or a webhook came. The
// reads that such a record is made from are detached too. Platform calls
// and waits still follow the caller's context, and a caller already gone
// starts no placement or refund (see advance and startRefund).
//
// New wraps every store but the memory store, which neither waits nor
// reads its context, so that detaching its calls would change nothing.
type detachedStore struct{ s Store }

// detach returns ctx without its cancellation, bounded by
// storeCallTimeout. A context that can never be canceled is returned as it
// is: it needs neither, and costs nothing to pass on.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Done() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), storeCallTimeout)
}

// call runs f on ctx detached.
func call[T any](ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return f(ctx)
}

func (d detachedStore) Cart(ctx context.Context, id string) (*Cart, error) {
	return call(ctx, func(ctx context.Context) (*Cart, error) { return d.s.Cart(ctx, id) })
}

func (d detachedStore) CheckoutGroup(ctx context.Context, id string) (*CheckoutGroup, error) {
	return call(ctx, func(ctx context.Context) (*CheckoutGroup, error) { return d.s.CheckoutGroup(ctx, id) })
}

func (d detachedStore) Checkout(ctx context.Context, id string) (*Checkout, error) {
	return call(ctx, func(ctx context.Context) (*Checkout, error) { return d.s.Checkout(ctx, id) })
}

func (d detachedStore) Order(ctx context.Context, id string) (*Order, error) {
	return call(ctx, func(ctx context.Context) (*Order, error) { return d.s.Order(ctx, id) })
}

func (d detachedStore) Wallet(ctx context.Context, buyerID string) (*Wallet, error) {
	return call(ctx, func(ctx context.Context) (*Wallet, error) { return d.s.Wallet(ctx, buyerID) })
}

func (d detachedStore) Campaign(ctx context.Context, id string) (*Campaign, error) {
	return call(ctx, func(ctx context.Context) (*Campaign, error) { return d.s.Campaign(ctx, id) })
}

func (d detachedStore) Donation(ctx context.Context, id string) (*Donation, error) {
	return call(ctx, func(ctx context.Context) (*Donation, error) { return d.s.Donation(ctx, id) })
}

func (d detachedStore) MonthlyGift(ctx context.Context, id string) (*MonthlyGift, error) {
	return call(ctx, func(ctx context.Context) (*MonthlyGift, error) { return d.s.MonthlyGift(ctx, id) })
}

func (d detachedStore) OrdersByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*Order, error) {
	return call(ctx, func(ctx context.Context) ([]*Order, error) { return d.s.OrdersByBuyer(ctx, buyerID, after, limit) })
}

func (d detachedStore) DonationsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*Donation, error) {
	return call(ctx, func(ctx context.Context) ([]*Donation, error) {
		return d.s.DonationsByBuyer(ctx, buyerID, after, limit)
	})
}

func (d detachedStore) DonationsByCampaign(ctx context.Context, campaignID, after string, limit int) ([]*Donation, error) {
	return call(ctx, func(ctx context.Context) ([]*Donation, error) {
		return d.s.DonationsByCampaign(ctx, campaignID, after, limit)
	})
}

func (d detachedStore) MonthlyGiftsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*MonthlyGift, error) {
	return call(ctx, func(ctx context.Context) ([]*MonthlyGift, error) {
		return d.s.MonthlyGiftsByBuyer(ctx, buyerID, after, limit)
	})
}

func (d detachedStore) Lookup(ctx context.Context, ref Ref) (string, error) {
	return call(ctx, func(ctx context.Context) (string, error) { return d.s.Lookup(ctx, ref) })
}

func (d detachedStore) Due(ctx context.Context, t time.Time, limit int) ([]DueRecord, error) {
	return call(ctx, func(ctx context.Context) ([]DueRecord, error) { return d.s.Due(ctx, t, limit) })
}

func (d detachedStore) ReadBacksDue(ctx context.Context, t time.Time, limit int) ([]DueRecord, error) {
	return call(ctx, func(ctx context.Context) ([]DueRecord, error) { return d.s.ReadBacksDue(ctx, t, limit) })
}

func (d detachedStore) Idempotency(ctx context.Context, key string) (IdempotencyRecord, error) {
	return call(ctx, func(ctx context.Context) (IdempotencyRecord, error) { return d.s.Idempotency(ctx, key) })
}

func (d detachedStore) Transitions(ctx context.Context, subjectID string) ([]Transition, error) {
	return call(ctx, func(ctx context.Context) ([]Transition, error) { return d.s.Transitions(ctx, subjectID) })
}

func (d detachedStore) PendingEvents(ctx context.Context, limit int) ([]Event, error) {
	return call(ctx, func(ctx context.Context) ([]Event, error) { return d.s.PendingEvents(ctx, limit) })
}

func (d detachedStore) AckEvents(ctx context.Context, ids []string) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.AckEvents(ctx, ids)
}

func (d detachedStore) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	return call(ctx, func(ctx context.Context) (int, error) { return d.s.Prune(ctx, before, limit) })
}

func (d detachedStore) Commit(ctx context.Context, tx *Tx) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.Commit(ctx, tx)
}
