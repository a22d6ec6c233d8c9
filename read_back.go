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
// gift carries a ReadBackAt, which stores index apart from DueAt, and
// [Client.Maintain] reads it back when that time comes
// ([Options].ReadBack), once the work that is due is done.

// defaultReadBack is [Options].ReadBack's default: longer than Stripe
// re-sends a webhook (three days), so that the first read-back comes
// after the webhooks had their chance.
const defaultReadBack = 4 * 24 * time.Hour

// readBackable is a stored record that maintenance reads back from its
// platform: an order, a donation or a monthly gift.
type readBackable interface {
	record
	// readBack is the record's ReadBackAt.
	readBack() *time.Time
	// readBackFrom is when the record's read-backs count from and when
	// they end (zero: not while the record runs, as a monthly gift's).
	readBackFrom() (from, until time.Time)
}

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
func (c *Client) startReadBack(r readBackable) {
	if c.readBack > 0 {
		from, _ := r.readBackFrom()
		*r.readBack() = from.Add(c.readBack)
	}
}

// keepReadBack keeps r's ReadBackAt in step with r on a commit: no sooner
// than every after its start, when that moved on (a monthly gift's
// renewal recorded, or its end).
func keepReadBack(r readBackable, every time.Duration) {
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

// lastReadBack is the last read-back at or before now of the schedule
// nextReadBack follows (from plus every, when none came yet): how long a
// read-back that keeps failing has waited counts from it.
func lastReadBack(from, now time.Time, every time.Duration) time.Time {
	last := from.Add(every)
	for d := 2 * every; d > 0 && !from.Add(d).After(now); d *= 2 {
		last = from.Add(d)
	}
	return last
}

// readBackDue reports whether r is due for its read-back at now.
func readBackDue(r readBackable, now time.Time) bool {
	at := *r.readBack()
	return !at.IsZero() && !at.After(now)
}

// takeReadBacks reads back up to n records whose read-back came by now,
// and counts them in rep.
func (c *Client) takeReadBacks(ctx context.Context, now time.Time, n int, rep *MaintenanceReport) error {
	due, err := c.store.ReadBacksDue(ctx, now, n)
	if err != nil {
		return fmt.Errorf("buybutton: maintain: read-backs: %w", err)
	}
	return takeUp(ctx, due, func(r DueRecord) error {
		switch r.Kind {
		case "order":
			return c.readBackOrder(ctx, r.ID, now, rep)
		case "donation":
			return c.readBackDonation(ctx, r.ID, now, rep)
		case "monthly_gift":
			return c.readBackMonthly(ctx, r.ID, now, rep)
		}
		return fmt.Errorf("buybutton: maintain: the store found a %q to read back, which has no ReadBackAt", r.Kind)
	})
}

// readBackOrder reads a due order back from its platforms (catchUp), then
// finishes the work it owes (maintainOrder): what the read-back found (a
// refund made on the platform, its webhook lost) may be what the work
// waited for.
func (c *Client) readBackOrder(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	o, due, err := dueForReadBack(ctx, c, "order", id, now, c.store.Order)
	if err != nil || !due {
		return err
	}
	err = readBackRecord(ctx, c, "order", id, now, c.store.Order, func(ctx context.Context) error {
		m, err := c.merchant(o.MerchantID)
		if err != nil {
			return err
		}
		return c.catchUp(ctx, m, id)
	}, rep)
	if err != nil {
		return err
	}
	if o, err = c.store.Order(ctx, id); err != nil || o.owedWork() == 0 {
		return err
	}
	return c.maintainOrder(ctx, id, now, rep)
}

// readBackDonation reads a due donation back, as readBackOrder does an
// order.
func (c *Client) readBackDonation(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	_, due, err := dueForReadBack(ctx, c, "donation", id, now, c.store.Donation)
	if err != nil || !due {
		return err
	}
	err = readBackRecord(ctx, c, "donation", id, now, c.store.Donation, func(ctx context.Context) error {
		_, err := c.catchUpDonation(ctx, id)
		return err
	}, rep)
	if err != nil {
		return err
	}
	if d, err := c.store.Donation(ctx, id); err != nil || d.owedWork() == 0 {
		return err
	}
	return c.maintainDonation(ctx, id, now, rep)
}

// readBackMonthly reads a due monthly gift back from its platform.
func (c *Client) readBackMonthly(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	_, due, err := dueForReadBack(ctx, c, "monthly_gift", id, now, c.store.MonthlyGift)
	if err != nil || !due {
		return err
	}
	return readBackRecord(ctx, c, "monthly_gift", id, now, c.store.MonthlyGift, func(ctx context.Context) error {
		return c.catchUpMonthly(ctx, id)
	}, rep)
}

// dueForReadBack reads a record the store listed as due for a read-back,
// and reports whether it is due at now. One no longer due was read back
// by another pass meanwhile; one with no ReadBackAt at all is scheduled
// again (restoreReadBack).
func dueForReadBack[R readBackable](ctx context.Context, c *Client, kind, id string, now time.Time, read func(context.Context, string) (R, error)) (R, bool, error) {
	r, err := read(ctx, id)
	if err != nil || readBackDue(r, now) {
		return r, err == nil, err
	}
	if r.readBack().IsZero() {
		return r, false, restoreReadBack(ctx, c, kind, id, read)
	}
	return r, false, nil
}

// restoreReadBack schedules the read-back of a record the store listed
// as due for one, though the record has no ReadBackAt: the store's index
// and the record disagree. An instance of a release before read-backs
// does that to store/postgres during an upgrade, as it writes a record
// without the field, the index column left as it was. Left so, the store
// would list the record first at every pass, and maintenance skip it,
// before every read-back behind it. Committed with the next read-back of
// its schedule (none when the schedule ended or read-backs are off), the
// record is indexed again as it says. A record scheduled meanwhile is
// left alone.
func restoreReadBack[R readBackable](ctx context.Context, c *Client, kind, id string, read func(context.Context, string) (R, error)) error {
	_, err := setReadBack(ctx, c, kind, id, read, func(r R) (time.Time, bool) {
		if !r.readBack().IsZero() {
			return time.Time{}, false
		}
		if c.readBack < 0 {
			return time.Time{}, true
		}
		from, until := r.readBackFrom()
		return nextReadBack(from, until, c.now(), c.readBack), true
	})
	return err
}

// readBackRecord reads a due record back from its platform (catchUp),
// then moves its ReadBackAt on to the next, and counts it in rep.
//
// It first claims the record for a ClaimLease (its ReadBackAt moved that
// far on): passes running at once (on several instances, or several of
// one host's, to keep up) then share the read-backs out rather than each
// make them all, and one that stops midway (a crash) leaves the record
// due again once the lease lapses. A record not due any more (another
// pass claimed it) is left alone.
//
// A read that fails makes the record due for its read-back again after
// as long as it has waited since the read-back's time, from a minute up
// to an hour, as postpone does owed work, and counts it as postponed; the
// schedule after it is as before, counted from the record's start. With
// read-backs off, it clears ReadBackAt unread.
func readBackRecord[R readBackable](ctx context.Context, c *Client, kind, id string, now time.Time, read func(context.Context, string) (R, error), catchUp func(context.Context) error, rep *MaintenanceReport) error {
	if c.readBack < 0 {
		// Read-backs are off: one scheduled when they were on (or by a
		// store's migration) is cleared unread.
		_, err := setReadBack(ctx, c, kind, id, read, func(r R) (time.Time, bool) { return time.Time{}, readBackDue(r, now) })
		return err
	}
	claim := c.now().Add(c.claimLease) // from now, not from the pass's start: a pass can be long
	claimed, err := setReadBack(ctx, c, kind, id, read, func(r R) (time.Time, bool) { return claim, readBackDue(r, now) })
	if err != nil || !claimed {
		return err
	}
	// The claim's to move on: a commit of the record meanwhile may have
	// moved it already (a monthly gift's next renewal recorded).
	ours := func(r R) bool { return r.readBack().Equal(claim) }
	if err := catchUp(ctx); err != nil {
		err = fmt.Errorf("buybutton: maintain %s %s: read back: %w", kind, id, err)
		_, perr := setReadBack(ctx, c, kind, id, read, func(r R) (time.Time, bool) {
			from, _ := r.readBackFrom()
			return now.Add(retryWait(now.Sub(lastReadBack(from, now, c.readBack)))), ours(r)
		})
		if perr != nil {
			return fmt.Errorf("%w; %w", err, perr)
		}
		rep.Postponed++
		return err
	}
	_, err = setReadBack(ctx, c, kind, id, read, func(r R) (time.Time, bool) {
		from, until := r.readBackFrom()
		return nextReadBack(from, until, now, c.readBack), ours(r)
	})
	if err != nil {
		return err
	}
	rep.ReadBack++
	return nil
}

// setReadBack sets the ReadBackAt of a record to what move says, if move
// says so (ok) of the record as now stored, with compare-and-set, and
// reports whether it did. It changes nothing else, UpdatedAt included,
// and records no transition. A conflict reads the record again and asks
// move again.
func setReadBack[R readBackable](ctx context.Context, c *Client, kind, id string, read func(context.Context, string) (R, error), move func(R) (time.Time, bool)) (bool, error) {
	retries, cancel := detach(ctx)
	defer cancel()
	for {
		r, err := read(ctx, id)
		if err != nil {
			return false, err
		}
		at, ok := move(r)
		if !ok {
			return false, nil
		}
		*r.readBack() = at
		tx := &Tx{}
		r.addTo(tx)
		err = c.store.Commit(ctx, tx)
		if conflictOn(err, kind) && retries.Err() == nil {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("buybutton: %s %s: move its read-back on: %w", kind, id, err)
		}
		return true, nil
	}
}
