package buybutton

import (
	"context"
	"errors"

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
//     A donation that succeeds after its checkout expired or was
//     canceled is refunded in full (and its monthly donation canceled):
//     the donor gave up on it, and nothing records it.
//   - donation.refunded records a refund made on the platform's dashboard
//     (our own refunds are settled first, so they are not counted twice);
//   - donation.refund_failed records that a refund failed after it was
//     made.
func (c *Client) applyDonationEvent(ctx context.Context, m Merchant, e provider.Event) error {
	switch e.Type {
	case provider.EventDonationSucceeded, provider.EventDonationFailed:
		if e.DonationID != "" {
			id, err := c.store.Lookup(ctx, Ref{Kind: "checkout_payment", MerchantID: m.ID, ExternalID: e.DonationID})
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
	id, err := c.store.Lookup(ctx, Ref{Kind: "donation", MerchantID: m.ID, ExternalID: e.DonationID})
	if errors.Is(err, ErrNotFound) {
		return nil // not a donation of ours
	}
	if err != nil {
		return err
	}
	if _, err := c.ReconcileDonation(ctx, id); err != nil {
		return err
	}
	_, err = c.updateDonation(ctx, id, func(d *Donation, tx *Tx) (bool, error) {
		tx.Seen = append(tx.Seen, SeenEvent{MerchantID: m.ID, EventID: e.ID, At: c.now()})
		if e.Type == provider.EventDonationRefundFailed {
			return false, c.refundFailedAfterwards(ctx, m, d, e, tx)
		}
		if err := checkRefundEvent(e, d.Currency); err != nil {
			return false, err
		}
		for _, f := range d.Refunds {
			if f.ProviderRefundID == e.RefundID {
				return false, nil // ours, already recorded
			}
		}
		if err := checkRefundFits(d, *e.Amount); err != nil {
			return false, err
		}
		now := c.now()
		was, before := d.State(), d.counted()
		f := Refund{ID: "re_" + uuid.NewString(), ProviderRefundID: e.RefundID, Amount: *e.Amount, Reason: e.Reason, Status: RefundSucceeded, CreatedAt: now}
		d.Refunds = append(d.Refunds, f)
		tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "donation_refund", MerchantID: m.ID, ExternalID: e.RefundID}, ID: d.ID})
		tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, was, d.State(), "refunded on the platform", providerActor(m.ID), now))
		ev := c.donationEvent(EventRefundSucceeded, d, now)
		ev.RefundID, ev.Amount = f.ID, &f.Amount
		tx.Events = append(tx.Events, ev)
		return false, c.recount(ctx, d, before, tx)
	})
	if conflictOn(err, "seen_event") {
		return nil // applied before
	}
	return err
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

// returnLateGift refunds a donation whose donor completed the payment's
// action after the checkout had ended without it (expired or canceled),
// and cancels the monthly donation it would have started. The refund's key
// derives from the checkout, so a repeated delivery refunds nothing more.
func (c *Client) returnLateGift(ctx context.Context, m Merchant, co *Checkout, e provider.Event) error {
	if e.Type != provider.EventDonationSucceeded || (co.State != CheckoutExpired && co.State != CheckoutCanceled) {
		return nil
	}
	// The undo's key: if the undo of the ended checkout refunded it
	// already, this refunds nothing more.
	if err := releaseGift(ctx, m, co, e.DonationID); err != nil {
		return err
	}
	if e.MonthlyID != "" && m.Monthly != nil {
		if _, err := m.Monthly.CancelMonthly(ctx, e.MonthlyID); err != nil {
			return err
		}
	}
	return c.markSeen(ctx, m.ID, e)
}
