package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// An order or a donation can owe work that a lost answer, a crash or a
// platform that was down left undone: a refund still pending, a
// cancellation whose money is not back yet. Such a record has a DueAt,
// and [Client.Maintain] finishes the work, so that nothing waits on the
// host remembering to retry.

// owing is a record that can owe maintenance work: an order or a
// donation.
type owing interface {
	// owedSince is when the oldest work the record owes began; ok is
	// false when it owes none.
	owedSince() (since time.Time, ok bool)
	// owedWork counts the pieces of work the record owes, so that a
	// commit can tell that new work began in it.
	owedWork() int
	// due is the record's DueAt.
	due() *time.Time
}

// owingRecord is a stored record that can owe work.
type owingRecord interface {
	record
	owing
}

func (o *Order) due() *time.Time    { return &o.DueAt }
func (d *Donation) due() *time.Time { return &d.DueAt }

func (o *Order) owedSince() (time.Time, bool) {
	since, ok := pendingSince(o)
	if o.cancelOwed() && (!ok || o.Cancellation.At.Before(since)) {
		return o.Cancellation.At, true
	}
	return since, ok
}

func (d *Donation) owedSince() (time.Time, bool) { return pendingSince(d) }

func (o *Order) owedWork() int {
	n := pendingCount(o)
	if o.cancelOwed() {
		n++
	}
	return n
}

func (d *Donation) owedWork() int { return pendingCount(d) }

// cancelOwed reports whether the merchant accepted o's cancellation and
// its money is not back yet: o can still be canceled and the platform has
// not refused for good.
func (o *Order) cancelOwed() bool {
	return o.Cancellation != nil && o.Cancellation.Failure == "" && orderMachine.allows(o.Status, OrderCanceled)
}

// pendingSince is when the oldest pending refund of r was recorded.
func pendingSince(r refundable) (since time.Time, ok bool) {
	for _, f := range *r.refundList() {
		if f.Status == RefundPending && (!ok || f.CreatedAt.Before(since)) {
			since, ok = f.CreatedAt, true
		}
	}
	return since, ok
}

// pendingCount is how many refunds of r are pending.
func pendingCount(r refundable) int {
	n := 0
	for _, f := range *r.refundList() {
		if f.Status == RefundPending {
			n++
		}
	}
	return n
}

// schedule keeps a record's DueAt in step with the work it owes, on every
// commit of it: at least a lease after now when work starts in the commit
// (started: the call doing it is still under way, also when older work was
// due already), as it was while it goes on owing (a pass may have moved it
// on), zero when it owes nothing.
func schedule(r owing, now time.Time, lease time.Duration, started bool) {
	_, owes := r.owedSince()
	switch due, leased := r.due(), now.Add(lease); {
	case !owes:
		*due = time.Time{}
	case due.IsZero(), started && due.Before(leased):
		*due = leased
	}
}

// maintainOrder finishes the work an order owes: its cancellation, then
// its refunds still pending. What it cannot finish is due again later
// (see [Order].DueAt). An order due for its read-back too is read back
// first (readBackOrder): what that finds may be what the work waits for.
// It counts what it did in rep.
func (c *Client) maintainOrder(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	o, err := c.store.Order(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case readBackDue(o, now):
		return c.readBackOrder(ctx, id, now, rep)
	case o.cancelOwed():
		var m Merchant
		if m, err = c.merchant(o.MerchantID); err == nil {
			_, err = c.cancelAtMerchant(ctx, m, o, true)
		}
		if refusedForGood(err) || errors.Is(err, ErrIllegalTransition) {
			err = nil // recorded (or withdrawn) and told: the host's now
		}
	default:
		err = settlePending(ctx, c.orderRefunds(id, "maintenance"))
	}
	return settledOrPostponed(ctx, c, "order", id, now, err, c.store.Order, rep)
}

// maintainDonation settles a donation's refunds still pending, as
// maintainOrder does an order's, reading it back first if that is due.
func (c *Client) maintainDonation(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	d, err := c.store.Donation(ctx, id)
	if err != nil {
		return err
	}
	if readBackDue(d, now) {
		return c.readBackDonation(ctx, id, now, rep)
	}
	err = settlePending(ctx, c.donationRefunds(id))
	return settledOrPostponed(ctx, c, "donation", id, now, err, c.store.Donation, rep)
}

// settledOrPostponed counts a record whose work a pass finished (err is
// nil) as settled; one whose work failed with err it postpones, and counts
// if that succeeded.
func settledOrPostponed[R owingRecord](ctx context.Context, c *Client, kind, id string, now time.Time, err error, read func(context.Context, string) (R, error), rep *MaintenanceReport) error {
	if err == nil {
		rep.Settled++
		return nil
	}
	err = fmt.Errorf("buybutton: maintain %s %s: %w", kind, id, err)
	if perr := postpone(ctx, c, kind, id, now, read); perr != nil {
		return errors.Join(err, perr)
	}
	rep.Postponed++
	return err
}

// postpone makes a record whose work a pass could not finish due again
// after as long as it has owed the work, from a minute up to an hour, so
// that a platform that stays down is asked less and less often. It
// changes nothing else (UpdatedAt included) and records no transition. A
// conflict means the record changed since it was read, and its commit
// scheduled it: no error.
func postpone[R owingRecord](ctx context.Context, c *Client, kind, id string, now time.Time, read func(context.Context, string) (R, error)) error {
	r, err := read(ctx, id)
	if err != nil {
		return err
	}
	since, owes := r.owedSince()
	if !owes {
		return nil
	}
	*r.due() = now.Add(retryWait(now.Sub(since)))
	tx := &Tx{}
	r.addTo(tx)
	if err := c.store.Commit(ctx, tx); err != nil && !conflictOn(err, kind) {
		return fmt.Errorf("buybutton: %s %s: postpone: %w", kind, id, err)
	}
	return nil
}
