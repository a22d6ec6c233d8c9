package buybutton

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Donation is a gift the provider charged: one-off, or one month of a
// [MonthlyGift]. Its state is derived from its amounts
// ([Donation.State]); what the donor shared is kept as they chose it.
type Donation struct {
	ID         string // derived from the checkout's id (a renewal's, from the provider's)
	CheckoutID string // empty for the renewals of a monthly gift
	BuyerID    string
	MerchantID string
	CampaignID string
	MonthlyID  string // the MonthlyGift this is one month of, if any
	Version    int64

	NonprofitID string
	// NonprofitName and NonprofitRegistration are as the provider gave
	// them when the donation was made: what the receipt cites.
	NonprofitName         string
	NonprofitRegistration string

	ProviderDonationID string
	Currency           money.Currency
	Amount             money.Amount // what the nonprofit receives (before refunds)
	Fee                money.Amount // the processing fee the donor covered; zero if they did not
	Charged            money.Amount // Amount + Fee
	Refunds            []Refund
	// Disputes are the donor's bank's disputes of the charge; see
	// [Dispute].
	Disputes []Dispute

	Privacy    DonorPrivacy
	Donor      provider.Contact // as the donor gave it; shared only as Privacy says
	Message    string
	Dedication string
	// TimeZone is the donor's IANA time zone, in which the receipt is
	// dated (see [StartDonationParams]); empty for UTC.
	TimeZone string

	ReceiptNumber string
	// DueAt is when maintenance must look at the donation: set while a
	// refund of it is pending, as [Order].DueAt is. Stores index it.
	DueAt time.Time
	// ReadBackAt is when maintenance next reads the donation's refunds
	// and disputes back from its platform (see [Options].ReadBack); zero
	// once it no longer does. Stores index it, as [Order].ReadBackAt.
	ReadBackAt time.Time
	GivenAt    time.Time
	UpdatedAt  time.Time
}

// DonationState is a donation's state, derived from its amounts.
type DonationState string

const (
	DonationSucceeded         DonationState = "succeeded"
	DonationPartiallyRefunded DonationState = "partially_refunded"
	DonationRefunded          DonationState = "refunded"
	// DonationDisputed: the donor's bank disputes the charge, and the
	// dispute is open.
	DonationDisputed DonationState = "disputed"
	// DonationChargedBack: the nonprofit lost a dispute, and its amount
	// went back to the donor through the bank ([Donation.ChargedBack]).
	DonationChargedBack DonationState = "charged_back"
)

// donationMachine is the donation's table. Pending, failed and canceled
// donations are checkouts that never charged (see docs/donate.md), so a
// Donation record starts succeeded.
var donationMachine = machine[DonationState]{name: "donation", edges: map[DonationState][]DonationState{
	DonationSucceeded:         {DonationPartiallyRefunded, DonationRefunded, DonationDisputed, DonationChargedBack},
	DonationPartiallyRefunded: {DonationPartiallyRefunded, DonationRefunded, DonationSucceeded, DonationDisputed, DonationChargedBack},
	// A refund that fails after it was made gives back what it took.
	DonationRefunded: {DonationPartiallyRefunded, DonationSucceeded, DonationDisputed, DonationChargedBack},
	// A dispute ends won or ended (back to what the refunds say), or
	// lost; the platform may report its end before its opening. After a
	// dispute lost, the rest may still be refunded, or disputed again.
	DonationDisputed:    {DonationSucceeded, DonationPartiallyRefunded, DonationRefunded, DonationChargedBack},
	DonationChargedBack: {DonationChargedBack, DonationDisputed},
}}

// State derives the donation's state from Charged, its refunds and its
// disputes: an open dispute first, then a lost one, then the refunds.
func (d *Donation) State() DonationState {
	refunded := d.Refunded()
	switch {
	case disputed(d.Disputes):
		return DonationDisputed
	case d.ChargedBack().IsPositive():
		return DonationChargedBack
	case !refunded.IsPositive():
		return DonationSucceeded
	case refunded.Equal(d.Charged):
		return DonationRefunded
	}
	return DonationPartiallyRefunded
}

// Refunded is the sum of the donation's succeeded refunds.
func (d *Donation) Refunded() money.Amount { return refundedOf(d) }

func (d *Donation) refundList() *[]Refund       { return &d.Refunds }
func (d *Donation) refundCeiling() money.Amount { return d.Charged }
func (d *Donation) disputeList() []Dispute      { return d.Disputes }

// ChargedBack is what disputes the nonprofit lost took back from the
// donation's charge. It is not refunded, and no longer refundable.
func (d *Donation) ChargedBack() money.Amount { return chargedBackOf(d.Disputes, d.Currency) }

// Refundable is what [Client.RefundDonation] may still return: what was
// charged, less refunds that succeeded or are pending, less what lost
// disputes took back; never below zero.
func (d *Donation) Refundable() money.Amount { return refundableOf(d) }

// counted is what the donation adds to its campaign's Raised: its Amount
// less what was refunded of it or taken back by a lost dispute, never
// below zero.
func (d *Donation) counted() money.Amount {
	left, _ := d.Amount.Sub(returnedOf(d))
	return atLeastZero(left)
}

// newDonation makes the record of a checkout's succeeded donation.
func newDonation(co *Checkout, pd provider.Donation, now time.Time) *Donation {
	g := co.Gift
	id := "don_" + strings.TrimPrefix(co.ID, "co_")
	return &Donation{
		ID: id, CheckoutID: co.ID, BuyerID: co.BuyerID, MerchantID: co.MerchantID, CampaignID: g.CampaignID,
		NonprofitID: g.NonprofitID, NonprofitName: g.NonprofitName, NonprofitRegistration: g.NonprofitRegistration,
		ProviderDonationID: pd.ID, Currency: co.Currency,
		Amount: g.Amount, Fee: co.Totals.Fee, Charged: co.Totals.Total,
		Privacy: g.Privacy, Donor: co.Contact, Message: g.Message, Dedication: g.Dedication,
		TimeZone: g.TimeZone, ReceiptNumber: receiptNumber(id, now, g.TimeZone), GivenAt: now, UpdatedAt: now,
	}
}

// receiptNumber is a donation's receipt number: the year and month it was
// given, in the donor's time zone as its receipt's date, and the start of
// its id, "R-202611-7F3A9C1E2B40", unique because the id is.
func receiptNumber(donationID string, at time.Time, timeZone string) string {
	hex := strings.ReplaceAll(strings.TrimPrefix(donationID, "don_"), "-", "")
	loc, _ := receiptZone(timeZone)
	return fmt.Sprintf("R-%s-%s", at.In(loc).Format("200601"), strings.ToUpper(hex[:min(len(hex), 12)]))
}

// Donation returns one of the donor's donations.
func (c *Client) Donation(ctx context.Context, buyerID, donationID string) (*Donation, error) {
	d, err := c.store.Donation(ctx, donationID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, d.BuyerID, "donation", donationID); err != nil {
		return nil, err
	}
	return d, nil
}

// Donations lists a donor's donations, newest first: one-off gifts and
// each month of a monthly one, limit (1 to 100) of them, beginning after
// the donation whose id is after, or with the newest when after is
// empty. See [Client.Orders].
func (c *Client) Donations(ctx context.Context, buyerID, after string, limit int) ([]*Donation, error) {
	if err := checkPage(buyerID, after, limit); err != nil {
		return nil, err
	}
	page, err := c.store.DonationsByBuyer(ctx, buyerID, after, limit)
	return page, notInList(ctx, err, buyerID, after, c.Donation)
}

// donationEvent describes something that happened to a donation.
func (c *Client) donationEvent(t EventType, d *Donation, at time.Time) Event {
	charged := d.Charged
	return Event{
		ID: "evt_" + uuid.NewString(), Type: t, BuyerID: d.BuyerID, MerchantID: d.MerchantID,
		CheckoutID: d.CheckoutID, DonationID: d.ID, CampaignID: d.CampaignID, MonthlyID: d.MonthlyID,
		Amount: &charged, At: at,
	}
}

// RefundDonationParams returns money of a donation to its donor.
type RefundDonationParams struct {
	DonationID string
	Amount     money.Amount // up to what was charged, fee included
	Reason     string
	// IdempotencyKey works as in [RefundParams].
	IdempotencyKey string
}

// RefundDonation refunds part or all of a donation, under the rules of
// [Client.RefundOrder]: idempotent by the caller's key, recorded before
// the provider is called, and never above what was charged. The campaign's
// Raised falls in the same commit that records the refund. It is for the
// host, not the donor.
func (c *Client) RefundDonation(ctx context.Context, p RefundDonationParams) (*Refund, error) {
	if err := checkRefund(p.IdempotencyKey, p.Reason); err != nil {
		return nil, err
	}
	if err := checkRefundAmount(p.Amount); err != nil {
		return nil, err
	}
	return startRefund(ctx, c, c.donationRefunds(p.DonationID), p.Amount, nil, p.Reason, p.IdempotencyKey, p.Amount.String()+"|"+p.Reason)
}

// ReconcileDonation settles a donation's refunds that are still pending,
// by asking the provider again with the same keys: what [Client.Maintain]
// does when the donation is due, at once. Then, where the provider lists
// a donation's refunds ([provider.RefundHistories]) and disputes
// ([provider.DisputeHistories]), it records each refund made on the
// platform that the library has no record of, each refund that failed
// there since it succeeded, and each dispute as it stands, as their
// webhooks would have: for the webhooks a platform gave up re-sending
// (Stripe after three days), so that the campaign's totals and the
// donor's receipt say what was given back and taken back, and a month
// charged back ends its monthly gift. [Client.Maintain] does all of this
// on a schedule ([Options].ReadBack).
func (c *Client) ReconcileDonation(ctx context.Context, donationID string) (*Donation, error) {
	if _, err := c.catchUpDonation(ctx, donationID); err != nil {
		return nil, err
	}
	return c.store.Donation(ctx, donationID)
}

// catchUpDonation settles a donation's pending refunds, records those of
// its refunds that its platform lists and it does not, and the failures
// of those it has, then its disputes (see ReconcileDonation). It returns
// the donation's refunds as the platform listed them (none where the
// provider does not list refunds).
func (c *Client) catchUpDonation(ctx context.Context, donationID string) ([]provider.ListedRefund, error) {
	d, err := c.store.Donation(ctx, donationID)
	if err != nil {
		return nil, err
	}
	m, err := c.donationMerchant(d.MerchantID)
	if err != nil {
		return nil, err
	}
	var made []provider.ListedRefund
	if history, ok := m.Donations.(provider.RefundHistories); ok {
		if made, err = history.RefundsMade(ctx, d.ProviderDonationID); err != nil {
			return nil, fmt.Errorf("buybutton: donation %s: reading its refunds on the platform: %w", d.ID, err)
		}
	}
	// Our pending refunds are settled after that list: one made before it
	// was recorded pending before it was sent, so that, settled, it is
	// found by its id, not taken for one made on the platform.
	if err := settlePending(ctx, c.donationRefunds(donationID)); err != nil {
		return nil, err
	}
	if d, err = c.store.Donation(ctx, donationID); err != nil {
		return nil, err
	}
	// One commit a refund: each moves the campaign, which a commit
	// carries once.
	for _, e := range refundEvents(d.Refunds, made, provider.EventDonationRefunded, provider.EventDonationRefundFailed) {
		e, err := cleanEvent(e)
		if err != nil {
			return nil, fmt.Errorf("buybutton: donation %s: the platform's refunds: %w", d.ID, err)
		}
		_, err = c.updateDonation(ctx, donationID, func(d *Donation, tx *Tx) (bool, error) {
			var err error
			if e.Type == provider.EventDonationRefundFailed {
				err = c.refundFailedAfterwards(ctx, m, d, e, tx)
			} else {
				err = c.refundedOnPlatform(ctx, m.ID, d, e, tx)
			}
			return len(tx.Events) == 0, err // nothing to write: recorded meanwhile
		})
		if err != nil {
			return nil, err
		}
	}
	return made, c.catchUpDonationDisputes(ctx, m, d)
}

// catchUpDonationDisputes applies the disputes of d that its platform
// lists, where it lists them (provider.DisputeHistories), as their
// webhooks would have: each in a commit of its own, a lost one ending
// d's monthly gift at the platform first. One the donation records as it
// stands changes nothing.
func (c *Client) catchUpDonationDisputes(ctx context.Context, m Merchant, d *Donation) error {
	history, ok := m.Donations.(provider.DisputeHistories)
	if !ok {
		return nil
	}
	disputes, err := history.DisputesOf(ctx, d.ProviderDonationID)
	if err != nil {
		return fmt.Errorf("buybutton: donation %s: reading its disputes on the platform: %w", d.ID, err)
	}
	for _, e := range disputes {
		e = disputeAsNow(e, d.ProviderDonationID)
		e, err := cleanEvent(asDonationEvent(e, donationPaymentEvents[e.Type]))
		if err != nil {
			return fmt.Errorf("buybutton: donation %s: the platform's disputes: %w", d.ID, err)
		}
		if endsMonthly(e) {
			if err := c.stopChargedBackMonthly(ctx, m, d.ID, e); err != nil {
				return err
			}
		}
		_, err = c.updateDonation(ctx, d.ID, func(d *Donation, tx *Tx) (bool, error) {
			if err := c.recordDonationDispute(ctx, m, d, e, tx); err != nil {
				return false, err
			}
			return len(tx.Events) == 0, nil // as it stands already: nothing to write
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// donationRefunds refunds from a donation's charge.
func (c *Client) donationRefunds(donationID string) refundTarget[*Donation] {
	return refundTarget[*Donation]{
		kind: "donation",
		id:   donationID,
		read: func(ctx context.Context) (*Donation, error) { return c.store.Donation(ctx, donationID) },
		update: func(ctx context.Context, change func(*Donation, *Tx) (bool, error)) error {
			_, err := c.updateDonation(ctx, donationID, change)
			return err
		},
		send: func(ctx context.Context, d *Donation, f Refund) (provider.Refund, error) {
			m, err := c.donationMerchant(d.MerchantID)
			if err != nil {
				return provider.Refund{}, err
			}
			return m.Donations.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: f.ID, KeyCreatedAt: f.CreatedAt, DonationID: d.ProviderDonationID, Amount: f.Amount, Reason: f.Reason})
		},
		unit: func(d *Donation) money.Amount {
			m, _ := c.donationMerchant(d.MerchantID) // an unknown merchant fails the call
			return provider.ChargeUnit(m.Donations, d.Charged.Currency())
		},
		settled: func(ctx context.Context, d *Donation, f *Refund, settle func(), tx *Tx, callErr error) error {
			now := c.now()
			was, before := d.State(), d.counted()
			settle()
			e := c.donationEvent(EventRefundSucceeded, d, now)
			e.RefundID, e.Amount = f.ID, &f.Amount
			if callErr != nil {
				e.Type, e.Reason = EventRefundFailed, callErr.Error()
				tx.Events = append(tx.Events, e)
				return nil
			}
			tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "donation_refund", MerchantID: d.MerchantID, ExternalID: f.ProviderRefundID}, ID: d.ID})
			tx.Events = append(tx.Events, e)
			tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, was, d.State(), "refund "+f.ID, "host", now))
			return c.recount(ctx, d, before, tx)
		},
	}
}

// recount moves the donation's campaign by the change in what the
// donation counts since it counted before: Raised falls by what a refund
// took from it, and rises again by what a refund that failed afterwards
// gave back. A donation that stops counting anything, or starts again,
// moves its donor too (recountDonor).
func (c *Client) recount(ctx context.Context, d *Donation, before money.Amount, tx *Tx) error {
	after := d.counted()
	change, err := after.Sub(before)
	if err != nil || change.IsZero() {
		return err
	}
	cp, err := c.store.Campaign(ctx, d.CampaignID)
	if err != nil {
		return err
	}
	if cp.Raised, err = cp.Raised.Add(change); err != nil {
		return err
	}
	if counts := after.IsPositive(); counts != before.IsPositive() {
		if err := c.recountDonor(ctx, cp, d, counts); err != nil {
			return err
		}
	}
	cp.UpdatedAt = c.now()
	tx.Campaigns = append(tx.Campaigns, cp)
	return nil
}

// updateDonation changes a donation with compare-and-set (see
// updateRecord).
func (c *Client) updateDonation(ctx context.Context, donationID string, change func(d *Donation, tx *Tx) (skip bool, err error)) (*Donation, error) {
	return updateRecord(ctx, c, "donation", donationID, c.store.Donation, change)
}
