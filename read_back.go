package buybutton

import (
	"context"
	"fmt"
	"time"
)

// Platforms stop re-sending a webhook after a while, and what it told is
// then known only by asking: the Reconcile methods read a record back
// from its platform and apply what it lacks. So that no host has to
// remember which records to ask about, each order, donation and monthly
// gift carries a ReadBackAt, folded into its DueAt, and [Client.Maintain]
// reads it back when that time comes ([Options].ReadBack).

// defaultReadBack is [Options].ReadBack's default: longer than Stripe
// re-sends a webhook (three days), so that the first read-back comes
// after the webhooks had their chance.
const defaultReadBack = 4 * 24 * time.Hour

func (o *Order) readBack() *time.Time        { return &o.ReadBackAt }
func (d *Donation) readBack() *time.Time     { return &d.ReadBackAt }
func (mg *MonthlyGift) readBack() *time.Time { return &mg.ReadBackAt }

// readBackFrom: an order is read back from its placing until a year
// after, whatever it went through: a bank may take back the money of an
// order canceled or refunded (a dispute filed before the refund landed).
func (o *Order) readBackFrom() (from, until time.Time) {
	return o.PlacedAt, o.PlacedAt.Add(ReadBackFor)
}

// readBackFrom: a donation is read back from its giving until a year
// after, as an order is.
func (d *Donation) readBackFrom() (from, until time.Time) {
	return d.GivenAt, d.GivenAt.Add(ReadBackFor)
}

// readBackFrom: a monthly gift is read back from when its next renewal is
// due, for as long as it runs, and once after it ended: a month charged
// before the end, its webhook lost, is recorded by that last read-back
// (until is a moment after the end, so the first read-back is the last).
func (mg *MonthlyGift) readBackFrom() (from, until time.Time) {
	switch {
	case mg.Status == MonthlyCanceled:
		return mg.CanceledAt, mg.CanceledAt.Add(time.Nanosecond)
	case mg.NextChargeAt.IsZero():
		return mg.CreatedAt, time.Time{} // the platform did not say
	}
	return mg.NextChargeAt, time.Time{}
}

// startReadBack schedules the first read-back of r, a record about to be
// created.
func (c *Client) startReadBack(r owing) {
	if c.readBack > 0 {
		from, _ := r.readBackFrom()
		*r.readBack() = from.Add(c.readBack)
	}
	if r.owedWork() == 0 {
		*r.due() = *r.readBack()
	}
}

// keepReadBack keeps r's ReadBackAt in step with r on a commit: no sooner
// than every after its start, when that moved on (a monthly gift's
// renewal recorded, or its end).
func keepReadBack(r owing, every time.Duration) {
	at := r.readBack()
	if from, _ := r.readBackFrom(); !at.IsZero() && at.Before(from.Add(every)) {
		*at = from.Add(every)
	}
}

// nextReadBack is the first read-back after now of a record whose
// read-backs start at from and end at until (zero: no end): from plus
// every, twice every, four times, and so on. It is zero past until.
func nextReadBack(from, until, now time.Time, every time.Duration) time.Time {
	for d := every; d > 0; d *= 2 {
		at := from.Add(d)
		if !until.IsZero() && at.After(until) {
			return time.Time{}
		}
		if at.After(now) {
			return at
		}
	}
	return time.Time{} // doubled past what a Duration holds
}

// readBackDue reports whether r is due for its read-back at now.
func readBackDue(r owing, now time.Time) bool {
	at := *r.readBack()
	return !at.IsZero() && !at.After(now)
}

// readBackRecord reads a due record back from its platform (catchUp),
// then moves its ReadBackAt on to the next, and counts it in rep; with
// read-backs off, it clears ReadBackAt unread. A read that fails leaves
// ReadBackAt as it was and makes the record due again after as long as
// it has waited (for the read-back, or for work it owes), from a minute
// up to an hour, as postpone does owed work, and counts it as postponed.
func readBackRecord[R owingRecord](ctx context.Context, c *Client, kind, id string, now time.Time, read func(context.Context, string) (R, error), catchUp func(context.Context) error, rep *MaintenanceReport) error {
	if c.readBack < 0 {
		// Read-backs are off: one scheduled when they were on (or by a
		// store's migration) is cleared unread.
		return moveReadBack(ctx, c, kind, id, now, read, true)
	}
	if err := catchUp(ctx); err != nil {
		err = fmt.Errorf("buybutton: maintain %s %s: read back: %w", kind, id, err)
		if perr := moveReadBack(ctx, c, kind, id, now, read, false); perr != nil {
			return fmt.Errorf("%w; %w", err, perr)
		}
		rep.Postponed++
		return err
	}
	if err := moveReadBack(ctx, c, kind, id, now, read, true); err != nil {
		return err
	}
	rep.ReadBack++
	return nil
}

// moveReadBack moves the ReadBackAt of a record read back (done) on to its
// next read-back, or, for a read that failed, its DueAt on by the wait. It
// changes nothing else, UpdatedAt included, and records no transition. A
// record whose read-back another pass moved on already is left as it is.
func moveReadBack[R owingRecord](ctx context.Context, c *Client, kind, id string, now time.Time, read func(context.Context, string) (R, error), done bool) error {
	retries, cancel := detach(ctx)
	defer cancel()
	for {
		r, err := read(ctx, id)
		if err != nil {
			return err
		}
		at := r.readBack()
		if at.IsZero() || at.After(now) {
			return nil
		}
		since, owes := r.owedSince()
		switch {
		case done:
			from, until := r.readBackFrom()
			*at = nextReadBack(from, until, now, c.readBack)
			schedule(r, now, c.claimLease, c.readBack, r.owedWork())
		case owes && since.Before(*at):
			*r.due() = now.Add(retryWait(now.Sub(since)))
		default:
			*r.due() = now.Add(retryWait(now.Sub(*at)))
		}
		tx := &Tx{}
		r.addTo(tx)
		err = c.store.Commit(ctx, tx)
		if conflictOn(err, kind) && retries.Err() == nil {
			continue
		}
		if err != nil {
			return fmt.Errorf("buybutton: %s %s: move its read-back on: %w", kind, id, err)
		}
		return nil
	}
}
