package buybutton

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/provider"
)

// applyDonationEvent applies a provider event about a donation or a
// monthly donation:
//
//   - donation.succeeded, donation.failed of a donation waiting for the
//     donor's action resume its checkout (which records the donation);
//     of a monthly donation's renewal, they record the month or make the
//     gift past due;
//   - monthly.canceled ends a monthly gift;
//     A donation that succeeds after the attempt that made it gave up on
//     it (the checkout expired or was canceled, or the attempt was undone
//     after a failure) is refunded in full, and its monthly donation
//     canceled: nothing records it (see returnLateGift).
//   - donation.refunded records a refund made on the platform's dashboard
//     (our own refunds are settled first, so they are not counted twice);
//   - donation.refund_failed records that a refund failed after it was
//     made;
//   - donation.disputed and donation.dispute_closed record a dispute and
//     its end, and tell the host once each; a dispute lost no longer
//     counts in the campaign's Raised, and ends the monthly gift the
//     donation is a month of (see endsMonthly).
func (c *Client) applyDonationEvent(ctx context.Context, m Merchant, e provider.Event) error {
	switch e.Type {
	case provider.EventDonationSucceeded, provider.EventDonationFailed:
		if e.DonationID != "" {
			id, err := c.store.Lookup(ctx, paymentRef(m.ID, e.DonationID))
			if err == nil {
				co, err := c.reconcile(ctx, id, providerActor(m.ID))
				if err != nil {
					return err
				}
				return c.returnLateGift(ctx, m, co, e)
			}
			if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if e.MonthlyID != "" {
			return c.applyMonthlyEvent(ctx, m, e)
		}
		return nil
	case provider.EventMonthlyCanceled:
		return c.applyMonthlyEvent(ctx, m, e)
	}
	id, err := c.store.Lookup(ctx, donationRef(m.ID, e.DonationID))
	if errors.Is(err, ErrNotFound) {
		if e, err = c.recordMonthFirst(ctx, m, e); err != nil {
			return err
		}
		id, err = c.store.Lookup(ctx, donationRef(m.ID, e.DonationID))
	}
	if errors.Is(err, ErrNotFound) {
		return nil // not a donation of ours
	}
	if err != nil {
		return err
	}
	if _, dispute := disputeEvents[e.Type]; !dispute {
		// Our own refunds settled first, so that one of them is not
		// taken for a refund made on the platform.
		if err := settlePending(ctx, c.donationRefunds(id)); err != nil {
			return err
		}
		d, err := c.store.Donation(ctx, id)
		if err != nil {
			return err
		}
		if e.Type == provider.EventDonationRefunded && unexplainedRefund(d, e) {
			made, err := c.catchUpDonation(ctx, id)
			if err != nil {
				return err
			}
			e = refundOrItsFailure(made, e, provider.EventDonationRefundFailed)
		}
	}
	if endsMonthly(e) {
		if err := c.stopChargedBackMonthly(ctx, m, id, e); err != nil {
			return err
		}
	}
	_, err = c.updateDonation(ctx, id, func(d *Donation, tx *Tx) (bool, error) {
		tx.Seen = append(tx.Seen, SeenEvent{MerchantID: m.ID, EventID: e.ID, At: c.now()})
		switch e.Type {
		case provider.EventDonationRefundFailed:
			return false, c.refundFailedAfterwards(ctx, m, d, e, tx)
		case provider.EventDonationDisputed, provider.EventDonationDisputeClosed:
			return false, c.recordDonationDispute(ctx, m, d, e, tx)
		}
		return false, c.refundedOnPlatform(ctx, m.ID, d, e, tx)
	})
	if conflictOn(err, "seen_event") {
		return nil // applied before
	}
	return err
}

// recordMonthFirst records the month of one of our monthly gifts that an
// event of its refund or dispute names before the month's own
// donation.succeeded was applied (its delivery failing, or late), from
// what the platform says of the month: dropped as not ours, the refund or
// chargeback would never reach the books, nor stop the gift. The event
// names the month and its gift, or only the month's payment (Stripe's
// name the PaymentIntent of a subscription's invoice): then the platform
// is asked by the payment's id (Donations.Donation) which month it paid,
// and the event returned names that month. A month the platform does not
// have as a succeeded month of a gift of ours is left, and the event
// with it. Recording the month is applying its donation.succeeded (under
// a mark of its own): the month's own event, when it comes, finds the
// month recorded and records nothing twice.
func (c *Client) recordMonthFirst(ctx context.Context, m Merchant, e provider.Event) (provider.Event, error) {
	byPayment := e.MonthlyID == ""
	if m.Donations == nil || byPayment && e.DonationID == "" {
		return e, nil
	}
	if !byPayment {
		if ours, err := c.monthlyOfOurs(ctx, m, e.MonthlyID); !ours || err != nil {
			return e, err // ask the platform nothing of another app's gift
		}
	}
	pd, err := m.Donations.Donation(ctx, e.DonationID)
	if byPayment {
		if errors.Is(err, provider.ErrNotFound) {
			return e, nil // a payment of no donation: another app's
		}
		if err != nil {
			return e, fmt.Errorf("buybutton: the donation of payment %s: %w", e.DonationID, err)
		}
		// A one-off donation's id is its payment's, which the library
		// would know: only a month paid by another object is looked for.
		if pd.MonthlyID == "" || pd.ID == e.DonationID || pd.PaymentID != e.DonationID {
			return e, nil
		}
		if ours, err := c.monthlyOfOurs(ctx, m, pd.MonthlyID); !ours || err != nil {
			return e, err
		}
		e.DonationID, e.MonthlyID = pd.ID, pd.MonthlyID
	} else if err != nil {
		return e, fmt.Errorf("buybutton: monthly gift %s: month %s of an event that came first: %w", e.MonthlyID, e.DonationID, err)
	}
	if pd.ID != e.DonationID || pd.Status != provider.DonationSucceeded || pd.MonthlyID != e.MonthlyID {
		return e, nil
	}
	month := provider.Event{ID: e.ID + ":month", Type: provider.EventDonationSucceeded, OccurredAt: e.OccurredAt, DonationID: pd.ID, MonthlyID: pd.MonthlyID, Amount: &pd.Amount}
	return e, c.applyMonthlyEvent(ctx, m, month)
}

// monthlyOfOurs reports whether the platform's monthly donation
// monthlyID is one of this library's monthly gifts.
func (c *Client) monthlyOfOurs(ctx context.Context, m Merchant, monthlyID string) (bool, error) {
	_, err := c.store.Lookup(ctx, monthlyRef(m.ID, monthlyID))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// recordDonationDispute records, within tx, what a dispute event says of
// d: a dispute the nonprofit lost no longer counts in its campaign's
// Raised. The host is told once of each change.
func (c *Client) recordDonationDispute(ctx context.Context, m Merchant, d *Donation, e provider.Event, tx *Tx) error {
	if err := checkDisputeEvent(e, d.Currency); err != nil {
		return err
	}
	now := c.now()
	was, before := d.State(), d.counted()
	if !recordDispute(&d.Disputes, e, now) {
		return nil // told already, or closed before this opening came
	}
	tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, was, d.State(), disputeWhy(e), providerActor(m.ID), now))
	ev := c.donationEvent(disputeEvents[e.Type], d, now)
	ev.Reason, ev.Amount = e.Reason, e.Amount
	tx.Events = append(tx.Events, ev)
	if endsMonthly(e) {
		if err := c.endChargedBackMonthly(ctx, m, d, tx); err != nil {
			return err
		}
	}
	return c.recount(ctx, d, before, tx)
}

// endsMonthly reports whether e, of one month of a monthly gift, ends the
// gift: a dispute the nonprofit lost. The bank has sided with the
// cardholder against that month, so charging the card again invites the
// next chargeback, and card networks count each against the merchant.
// (Recurly, a subscription platform, likewise expires a subscription once
// one of its chargebacks is lost.) An inquiry, an open chargeback and a
// dispute won leave the gift running; the host hears each
// (donation.disputed, with the MonthlyID) and may stop it sooner.
func endsMonthly(e provider.Event) bool {
	return e.Type == provider.EventDonationDisputeClosed && e.Reason == provider.DisputeLost
}

// stopChargedBackMonthly stops at the platform the monthly gift that
// donation donationID is a month of, before e, its lost dispute, is
// recorded: the platform's cancel is idempotent, and until the record
// commits, the webhook fails and is delivered again, so the stop is never
// lost. It stops nothing for an event the record will not take (one that
// cannot be true, or of a dispute that ended already), for a donation of
// no monthly gift, or of one ended already.
func (c *Client) stopChargedBackMonthly(ctx context.Context, m Merchant, donationID string, e provider.Event) error {
	d, err := c.store.Donation(ctx, donationID)
	if err != nil || d.MonthlyID == "" || m.Monthly == nil || checkDisputeEvent(e, d.Currency) != nil {
		return err
	}
	if !recordDispute(&d.Disputes, e, c.now()) {
		return nil
	}
	mg, err := c.store.MonthlyGift(ctx, d.MonthlyID)
	if err != nil || mg.Status == MonthlyCanceled {
		return err
	}
	if _, err := m.Monthly.CancelMonthly(ctx, mg.ProviderMonthlyID); err != nil {
		return fmt.Errorf("buybutton: monthly gift %s: cancel after a month was charged back: %w", mg.ID, err)
	}
	return nil
}

// endChargedBackMonthly records, within tx, that d's monthly gift ended
// because d was charged back (see endsMonthly); the platform stopped it
// already (stopChargedBackMonthly). A donation of no monthly gift ends
// none, and a gift with no monthly platform to stop it at is not
// recorded stopped.
func (c *Client) endChargedBackMonthly(ctx context.Context, m Merchant, d *Donation, tx *Tx) error {
	if d.MonthlyID == "" || m.Monthly == nil {
		return nil
	}
	mg, err := c.store.MonthlyGift(ctx, d.MonthlyID)
	if err != nil || mg.Status == MonthlyCanceled {
		return err
	}
	if err := c.moveMonthly(mg, tx, MonthlyCanceled, "month "+d.ID+" charged back: dispute lost", providerActor(m.ID), "a month was charged back"); err != nil {
		return err
	}
	keepReadBack(mg, c.readBack) // its last read-back, after its end
	tx.Monthly = append(tx.Monthly, mg)
	return nil
}

// refundFailedAfterwards records, within tx, that a refund of d failed
// after it was made: d counts its amount again, and so does its campaign;
// the host is told with refund.failed, for the money is back with the
// merchant, not with the donor.
func (c *Client) refundFailedAfterwards(ctx context.Context, m Merchant, d *Donation, e provider.Event, tx *Tx) error {
	was, before := d.State(), d.counted()
	now := c.now()
	f, added, err := failAfterwards(d, e, now)
	if f == nil || err != nil {
		return err // failed already, or not a refund event
	}
	if added {
		tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "donation_refund", MerchantID: m.ID, ExternalID: e.RefundID}, ID: d.ID})
	}
	tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, was, d.State(), "refund "+f.ID+" failed on the platform: "+e.Reason, providerActor(m.ID), now))
	ev := c.donationEvent(EventRefundFailed, d, now)
	ev.RefundID, ev.Amount, ev.Reason = f.ID, &f.Amount, f.Failure
	tx.Events = append(tx.Events, ev)
	return c.recount(ctx, d, before, tx)
}

// returnLateGift refunds a donation of co's that succeeded after the
// attempt that made it gave up on it, and cancels the monthly donation it
// would have started: an attempt that ended (expired, canceled, undone
// after a failure, or given up for another card) while the donation
// waited for the donor's action, and could not withdraw it (the provider
// cannot, or the donor's step came first), whatever the checkout did next
// (it may be ready again, waiting for another attempt's action, or placed
// with another attempt's gift). A donation the checkout recorded, or that
// the attempt under way waits for, is left to it; while an attempt is
// being placed or undone, the donation may be its own, or its undo may
// have missed it, and the event is refused with ErrInProgress, for the
// platform to deliver again. The refund's key derives from the donation,
// so a repeated delivery refunds nothing more.
func (c *Client) returnLateGift(ctx context.Context, m Merchant, co *Checkout, e provider.Event) error {
	if e.Type != provider.EventDonationSucceeded {
		return nil
	}
	if _, err := c.store.Lookup(ctx, donationRef(m.ID, e.DonationID)); err == nil {
		return nil // the checkout's gift, recorded
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	switch {
	case co.PaymentID == e.DonationID && !co.State.Terminal() && !co.Compensating:
		return nil // the attempt under way waits for it, and records it
	case co.State == CheckoutPaymentPending || co.State == CheckoutUnknown:
		// Also an attempt giving this gift up (Compensating): its undo
		// may have read the gift before it succeeded, and once the undo
		// is committed, a delivery again finds the gift no one's.
		return fmt.Errorf("%w: checkout %s: donation %s may be the gift of the attempt under way", ErrInProgress, co.ID, e.DonationID)
	}
	if err := giveGiftBack(ctx, m, e.DonationID, co.ID+":return:"+e.DonationID, co.CreatedAt); err != nil {
		return err
	}
	return c.markSeen(ctx, m.ID, e)
}

// refundedOnPlatform records, within tx, the refund of d that e reports,
// made on the platform (its dashboard), unless d records it already: d
// counts less, and so does its campaign, and the host is told. A refund
// that cannot be true (in another currency, more than d has left) is
// ErrInvalidInput and records nothing.
func (c *Client) refundedOnPlatform(ctx context.Context, merchantID string, d *Donation, e provider.Event, tx *Tx) error {
	if err := checkRefundEvent(e, d.Currency); err != nil {
		return err
	}
	if recordedRefund(d.Refunds, e.RefundID) >= 0 {
		return nil // ours, already recorded
	}
	if err := checkRefundFits(d, *e.Amount); err != nil {
		return err
	}
	now := c.now()
	was, before := d.State(), d.counted()
	f := Refund{ID: "re_" + uuid.NewString(), ProviderRefundID: e.RefundID, Amount: *e.Amount, Reason: e.Reason, Status: RefundSucceeded, CreatedAt: now}
	d.Refunds = append(d.Refunds, f)
	tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "donation_refund", MerchantID: merchantID, ExternalID: e.RefundID}, ID: d.ID})
	tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, was, d.State(), "refunded on the platform", providerActor(merchantID), now))
	ev := c.donationEvent(EventRefundSucceeded, d, now)
	ev.RefundID, ev.Amount = f.ID, &f.Amount
	tx.Events = append(tx.Events, ev)
	return c.recount(ctx, d, before, tx)
}
