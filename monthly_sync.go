package buybutton

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/buybutton/buybutton/provider"
)

// ReconcileMonthly brings a monthly gift up to what its platform says,
// for the webhooks a platform gave up re-sending (Stripe after three
// days). [Client.Maintain] does so on a schedule ([Options].ReadBack); a
// host that knows its endpoint was down longer calls it for the gifts
// still running, at once. It reads the monthly donation on the platform and
// applies what the record lacks, as the webhooks would have:
//
//   - each month charged that the library has no record of, where the
//     provider lists them ([provider.MonthlyHistories]): its Donation,
//     its receipt, the campaign's totals and [EventDonationSucceeded];
//   - a renewal that failed (the gift past due, [EventMonthlyRenewalFailed]);
//   - the gift's end on the platform (the donor canceled there, or the
//     platform gave up after failed renewals: [EventMonthlyCanceled]).
//
// Each is applied once, whichever of the webhook and this call comes
// first; nothing new writes nothing. A gift of a merchant without monthly
// giving, or whose platform cannot list months, is brought up to its
// status only.
func (c *Client) ReconcileMonthly(ctx context.Context, monthlyID string) (*MonthlyGift, error) {
	if err := c.catchUpMonthly(ctx, monthlyID); err != nil {
		return nil, err
	}
	return c.store.MonthlyGift(ctx, monthlyID)
}

// catchUpMonthly brings a monthly gift up to what its platform says (see
// ReconcileMonthly).
func (c *Client) catchUpMonthly(ctx context.Context, monthlyID string) error {
	mg, err := c.store.MonthlyGift(ctx, monthlyID)
	if err != nil {
		return err
	}
	m, err := c.monthlyMerchant(mg.MerchantID)
	if err != nil {
		return err
	}
	if err := c.catchUpMonths(ctx, m, mg); err != nil {
		return err
	}
	pm, err := m.Monthly.Monthly(ctx, mg.ProviderMonthlyID)
	if err != nil {
		return fmt.Errorf("buybutton: monthly gift %s: reading it on the platform: %w", mg.ID, err)
	}
	if mg, err = c.store.MonthlyGift(ctx, monthlyID); err != nil {
		return err
	}
	e := provider.Event{MonthlyID: mg.ProviderMonthlyID}
	switch {
	case mg.Status == MonthlyCanceled:
		return nil
	case pm.Status == provider.MonthlyCanceled:
		e.ID, e.Type, e.Reason = "sync:"+mg.ID+":canceled", provider.EventMonthlyCanceled, "ended on the platform"
	case pm.Status == provider.MonthlyPastDue && mg.Status == MonthlyActive:
		// One failure a retry date: a later failure is another.
		e.ID, e.Type, e.Reason = "sync:"+mg.ID+":failed:"+strconv.FormatInt(pm.NextChargeAt.Unix(), 10), provider.EventDonationFailed, "a renewal failed on the platform"
	default:
		return nil
	}
	return c.applyMonthlyEvent(ctx, m, e)
}

// catchUpMonths records each month of mg that its platform lists as
// charged and the library has no record of, oldest first, as its
// donation.succeeded would have been recorded. A platform that cannot
// list months has nothing to read.
func (c *Client) catchUpMonths(ctx context.Context, m Merchant, mg *MonthlyGift) error {
	history, ok := m.Monthly.(provider.MonthlyHistories)
	if !ok || m.Donations == nil {
		return nil
	}
	months, err := history.MonthsCharged(ctx, mg.ProviderMonthlyID)
	if err != nil {
		return fmt.Errorf("buybutton: monthly gift %s: reading its months on the platform: %w", mg.ID, err)
	}
	for _, id := range months {
		if err := checkID("month id", id, provider.MaxIDLength); err != nil {
			return fmt.Errorf("buybutton: monthly gift %s: the platform's months: %w", mg.ID, err)
		}
		if _, err := c.store.Lookup(ctx, donationRef(m.ID, id)); err == nil {
			continue // recorded
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		pd, err := m.Donations.Donation(ctx, id)
		if err != nil {
			return fmt.Errorf("buybutton: monthly gift %s: month %s: %w", mg.ID, id, err)
		}
		if pd.Status != provider.DonationSucceeded {
			continue // listed, and not charged after all
		}
		e := provider.Event{ID: "sync:" + id, Type: provider.EventDonationSucceeded, DonationID: id, MonthlyID: mg.ProviderMonthlyID, Amount: &pd.Amount}
		if err := c.applyMonthlyEvent(ctx, m, e); err != nil {
			return err
		}
	}
	return nil
}
