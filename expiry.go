package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaintenanceReport counts what one [Client.Maintain] pass did.
type MaintenanceReport struct {
	Expired    int // unconfirmed checkouts expired (a hold whose release fails is counted below when it is retried)
	Reconciled int // checkouts in unknown, or with a lapsed claim, resumed
	Released   int // ended checkouts whose payment was voided at last
	Settled    int // orders and donations whose owed work (a cancellation, pending refunds) was finished, or refused for good and handed to the host
	// ReadBack counts the orders, donations and monthly gifts read back
	// from their platforms for webhooks lost for good ([Options].ReadBack).
	ReadBack int
	// Postponed counts the ended checkouts whose payment still could not
	// be voided, the orders and donations whose work could not be
	// finished, and the records whose read-back failed: each is due again
	// later.
	Postponed int
	// Pruned counts the idempotency records and webhook event marks
	// deleted, being older than [Options].Retention allows.
	Pruned int
}

// more reports whether a pass of batch may have left work behind: it
// took up a whole batch of due records, read back its share of them, or
// pruned a whole batch.
func (r MaintenanceReport) more(batch int) bool {
	return r.Expired+r.Reconciled+r.Released+r.Settled+r.ReadBack+r.Postponed >= batch || r.ReadBack >= readBackShare(batch) || r.Pruned >= batch
}

// readBackShare is how many records a pass of batch reads back at most.
func readBackShare(batch int) int { return max(1, batch/10) }

// Maintain runs one pass of the work that time makes due, at most batch
// records (1 to 1000), earliest due first:
//
//   - it expires checkouts not confirmed by their ExpiresAt (voiding a
//     payment that waited for an action and releasing stock), and
//     reconciles checkouts whose outcome is unknown or whose claim lapsed;
//   - it finishes what orders and donations owe: a cancellation the
//     merchant accepted whose money is not back yet, and refunds left
//     pending by an unknown outcome or a platform that was down (see
//     [Order].DueAt);
//   - then, with what is left of the batch and at most a tenth of it,
//     it reads orders, donations and monthly gifts back from their
//     platforms when their ReadBackAt comes, and applies what webhooks
//     lost for good did not tell ([Options].ReadBack). The work above
//     comes first, and a pass's read-backs (a few platform calls each)
//     are few, so that work falling due meanwhile waits for no backlog
//     of them;
//   - with [Options].Retention set, it deletes up to batch idempotency
//     records and webhook event marks that are older than it keeps.
//
// Work a pass cannot finish (a checkout that a reconcile leaves unknown,
// an ended checkout whose payment could not be voided, an order whose
// refund the platform still cannot take) is due again only after as long
// as it has been owed, from a minute up to an hour, so that passes do not
// keep asking a platform that is down.
//
// A pass whose ctx is done takes up no further record and returns ctx's
// error with the others'; the record under way is finished or recorded
// as far as the platform got (see "A caller that goes away" in
// docs/checkout.md).
//
// The library starts no goroutines: the host calls Maintain from a job, or
// runs [Client.RunMaintenance]. Passes on several instances may overlap;
// each change is a compare-and-set, and every provider call has the key
// its first attempt had, so each piece of work is done once. A read-back
// claims its record for [Options].ClaimLease before its platform calls,
// so passes running at once share the read-backs out: a host whose
// read-backs fall behind (each costs a few platform calls) runs more
// passes at once, on more instances or in more goroutines of its own.
func (c *Client) Maintain(ctx context.Context, batch int) (MaintenanceReport, error) {
	var rep MaintenanceReport
	if batch < 1 || batch > 1000 {
		return rep, invalid("batch", "must be 1 to 1000")
	}
	now := c.now()
	due, err := c.store.Due(ctx, now, batch)
	if err != nil {
		return rep, fmt.Errorf("buybutton: maintain: %w", err)
	}
	errs := []error{takeUp(ctx, due, func(r DueRecord) error {
		switch r.Kind {
		case "checkout":
			return c.maintainCheckout(ctx, r.ID, now, &rep)
		case "order":
			return c.maintainOrder(ctx, r.ID, now, &rep)
		case "donation":
			return c.maintainDonation(ctx, r.ID, now, &rep)
		}
		return fmt.Errorf("buybutton: maintain: the store found a %q due, which has no DueAt", r.Kind)
	})}
	if n := min(batch-len(due), readBackShare(batch)); n > 0 && ctx.Err() == nil {
		errs = append(errs, c.takeReadBacks(ctx, now, n, &rep))
	}
	if c.retention > 0 && ctx.Err() == nil {
		n, err := c.store.Prune(ctx, now.Add(-c.retention-pruneLag), batch)
		rep.Pruned = n
		if err != nil {
			errs = append(errs, fmt.Errorf("buybutton: maintain: prune: %w", err))
		}
	}
	return rep, errors.Join(errs...)
}

// takeUp does work on each record of due in turn, and returns their
// errors joined. Once ctx is done it takes up no further record: the
// store calls of the one under way outlive ctx (see detachedStore).
func takeUp(ctx context.Context, due []DueRecord, work func(DueRecord) error) error {
	var errs []error
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		errs = append(errs, work(r))
	}
	return errors.Join(errs...)
}

// maintainCheckout expires, reconciles or releases one due checkout, and
// counts what it did in rep.
func (c *Client) maintainCheckout(ctx context.Context, id string, now time.Time, rep *MaintenanceReport) error {
	co, err := c.store.Checkout(ctx, id)
	if err != nil {
		return err
	}
	var errs []error
	switch {
	case co.State.Terminal() && co.Compensating:
		_, err := c.releaseAbandoned(ctx, co, "maintenance")
		switch {
		case err == nil:
			rep.Released++
		case co.Compensating: // the payment is still held
			errs = append(errs, err)
			if perr := c.postponeRelease(ctx, co, now); perr != nil {
				errs = append(errs, perr)
			} else {
				rep.Postponed++
			}
		default:
			errs = append(errs, err)
		}
	case co.State == CheckoutUnknown, co.State == CheckoutPaymentPending && !now.Before(co.ClaimedUntil):
		if _, err := c.reconcile(ctx, id, "maintenance"); err != nil && !errors.Is(err, ErrUnknownOutcome) {
			errs = append(errs, err)
		}
		rep.Reconciled++
	case !co.State.Terminal() && co.State != CheckoutPaymentPending && !now.Before(co.ExpiresAt):
		co, err := c.end(ctx, co, CheckoutExpired, "expired unconfirmed", "maintenance")
		if errors.Is(err, ErrIllegalTransition) {
			return nil // a racing confirm or cancel moved it first
		}
		if err != nil {
			return err
		}
		rep.Expired++
		if co.Compensating {
			if _, err := c.releaseAbandoned(ctx, co, "maintenance"); err != nil {
				errs = append(errs, err) // due again at once: the next pass retries it
			}
		}
	}
	return errors.Join(errs...)
}

// RunMaintenance calls Maintain every interval until ctx is done, and
// returns ctx's error. Errors of a pass go to onError, if set.
func (c *Client) RunMaintenance(ctx context.Context, every time.Duration, onError func(error)) error {
	if every <= 0 {
		return invalid("every", "must be positive")
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			rep, err := c.Maintain(ctx, 1000)
			if err != nil && onError != nil {
				onError(err)
			}
			if !rep.more(1000) || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// abandon ends a checkout that has no order (expired or canceled), then
// voids its payment and releases its stock. If that fails midway,
// Maintain finishes it.
func (c *Client) abandon(ctx context.Context, co *Checkout, to CheckoutState, reason, actor string) (*Checkout, error) {
	co, err := c.end(ctx, co, to, reason, actor)
	if err != nil || !co.Compensating {
		return co, err
	}
	return c.releaseAbandoned(ctx, co, actor)
}

// end commits a checkout that has no order in the terminal state to,
// with compensation owed (Compensating, due at once) if a payment or
// reservation is held, so that no racing Confirm can resume the payment.
// A conflict reads the checkout again and retries.
func (c *Client) end(ctx context.Context, co *Checkout, to CheckoutState, reason, actor string) (*Checkout, error) {
	for {
		from := co.State
		owes := co.PaymentID != "" || co.ReservationID != ""
		err := c.commitCheckout(ctx, co, from, to, reason, actor, func(tx *Tx) {
			co.Compensating = owes
			if owes {
				co.DueAt = c.now()
			}
			if to == CheckoutExpired {
				tx.Events = append(tx.Events, c.checkoutEvent(EventCheckoutExpired, co))
			}
		})
		if conflictOn(err, "checkout") && ctx.Err() == nil {
			if co, err = c.store.Checkout(ctx, co.ID); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		return co, nil
	}
}

// postponeRelease makes an ended checkout whose payment could not be
// released due again after as long as it has owed the release (since it
// ended: its UpdatedAt), from a minute up to an hour. It changes nothing
// else, UpdatedAt included: it reschedules, and records no transition. A
// conflict means another pass got to the checkout first, and is no error.
func (c *Client) postponeRelease(ctx context.Context, co *Checkout, now time.Time) error {
	co.DueAt = now.Add(retryWait(now.Sub(co.UpdatedAt)))
	err := c.store.Commit(ctx, &Tx{Checkouts: []*Checkout{co}})
	if conflictOn(err, "checkout") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("buybutton: checkout %s: postpone the release: %w", co.ID, err)
	}
	co.Version++
	return nil
}

// releaseAbandoned voids the payment and releases the stock of a checkout
// that ended without an order, then clears its debt; actor is who asked.
//
// Several calls may release one checkout at once (a buyer's cancel and its
// retry, maintenance passes on several instances): each voids with the
// same key, so the platform voids once, and one records it. A call whose
// record loses the race reads the checkout again: released by the other,
// there is nothing left to do, and it returns the checkout without an
// error; still owed (the other call changed something else), it tries
// again.
func (c *Client) releaseAbandoned(ctx context.Context, co *Checkout, actor string) (*Checkout, error) {
	m, err := c.merchant(co.MerchantID)
	if err != nil {
		return nil, err
	}
	for {
		if err := c.undoHolds(ctx, m, co); err != nil {
			return nil, fmt.Errorf("buybutton: checkout %s: void: %w", co.ID, err)
		}
		co.DueAt, co.UpdatedAt = time.Time{}, c.now()
		tx := &Tx{Checkouts: []*Checkout{co}, Transitions: []Transition{
			checkoutMachine.record(co.ID, co.State, co.State, "payment voided and stock released", actor, co.UpdatedAt),
		}}
		err := c.store.Commit(ctx, tx)
		if err == nil {
			co.Version++
			return co, nil
		}
		if !conflictOn(err, "checkout") || ctx.Err() != nil {
			return nil, fmt.Errorf("buybutton: checkout %s: %w", co.ID, err)
		}
		if co, err = c.store.Checkout(ctx, co.ID); err != nil {
			return nil, err
		}
		if !co.Compensating {
			return co, nil
		}
	}
}
