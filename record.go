package buybutton

import (
	"context"
	"fmt"
	"time"
)

// record is a stored record that updateRecord can change: an order, a
// donation or a monthly gift.
type record interface {
	// touch sets the record's UpdatedAt.
	touch(now time.Time)
	// addTo adds the record to tx.
	addTo(tx *Tx)
	// committed counts the version a successful commit wrote.
	committed()
}

func (o *Order) touch(now time.Time)        { o.UpdatedAt = now }
func (o *Order) addTo(tx *Tx)               { tx.Orders = append(tx.Orders, o) }
func (o *Order) committed()                 { o.Version++ }
func (d *Donation) touch(now time.Time)     { d.UpdatedAt = now }
func (d *Donation) addTo(tx *Tx)            { tx.Donations = append(tx.Donations, d) }
func (d *Donation) committed()              { d.Version++ }
func (mg *MonthlyGift) touch(now time.Time) { mg.UpdatedAt = now }
func (mg *MonthlyGift) addTo(tx *Tx)        { tx.Monthly = append(tx.Monthly, mg) }
func (mg *MonthlyGift) committed()          { mg.Version++ }

// updateRecord applies change to the newest version of a record and
// commits it with compare-and-set, retrying while another change to it, to
// a campaign whose totals the change moves, or to a monthly gift it ends,
// wins the race. A change that returns skip commits nothing. The Donate
// cards of campaigns the commit changed are re-rendered.
//
// The retries do not stop when the caller goes away: the change is often
// the record of what a platform already did. Its reads and commit outlive
// ctx already (see detachedStore); retries is their bound as a whole.
func updateRecord[R record](ctx context.Context, c *Client, kind, id string, read func(context.Context, string) (R, error), change func(r R, tx *Tx) (skip bool, err error)) (R, error) {
	var none R
	retries, cancel := detach(ctx)
	defer cancel()
	for {
		r, err := read(ctx, id)
		if err != nil {
			return none, err
		}
		tx := &Tx{}
		w, owes := any(r).(owing)
		owed := 0
		if owes {
			owed = w.owedWork()
		}
		skip, err := change(r, tx)
		if err != nil || skip {
			return r, err
		}
		now := c.now()
		r.touch(now)
		if owes {
			schedule(w, now, c.claimLease, w.owedWork() > owed)
		}
		if rb, ok := any(r).(readBackable); ok {
			keepReadBack(rb, c.readBack)
		}
		r.addTo(tx)
		err = c.store.Commit(ctx, tx)
		if (conflictOn(err, kind) || conflictOn(err, "campaign") || conflictOn(err, "monthly_gift")) && retries.Err() == nil {
			continue
		}
		if err != nil {
			return none, fmt.Errorf("buybutton: %s %s: %w", kind, id, err)
		}
		r.committed()
		for _, cp := range tx.Campaigns {
			cp.Version++
			c.refreshCampaignCards(cp)
		}
		return r, nil
	}
}
