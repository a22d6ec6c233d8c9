package buybutton

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// MonthlyGift is a donor's monthly donation: the provider charges it every
// month (see provider.MonthlyDonations) and tells the library by webhook;
// each month that succeeds is a [Donation] with MonthlyID set and its own
// receipt, and each that fails is an [EventMonthlyRenewalFailed].
type MonthlyGift struct {
	ID          string // derived from the checkout that started it
	CheckoutID  string
	BuyerID     string
	MerchantID  string
	CampaignID  string
	NonprofitID string
	// NonprofitName and NonprofitRegistration are cited by the receipts of
	// every month, as they were when the gift started.
	NonprofitName         string
	NonprofitRegistration string
	ProviderMonthlyID     string
	Version               int64
	Status                MonthlyStatus

	Currency money.Currency
	Amount   money.Amount // what the nonprofit receives each month
	Fee      money.Amount // the fee the donor covers each month
	Charged  money.Amount // Amount + Fee, each month

	Privacy    DonorPrivacy
	Donor      provider.Contact
	Message    string
	Dedication string
	TimeZone   string // the donor's, in which each month's receipt is dated

	Months       int       // months charged so far
	NextChargeAt time.Time // as the provider last said; zero once canceled
	// ReadBackAt is when maintenance next reads the gift back from its
	// platform, for a renewal or an end whose webhook was lost for good
	// (see [Options].ReadBack); zero once it no longer does. Stores index
	// it, as [Order].ReadBackAt.
	ReadBackAt time.Time
	CanceledAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MonthlyStatus is where a monthly gift is.
type MonthlyStatus string

const (
	MonthlyActive   MonthlyStatus = "active"
	MonthlyPastDue  MonthlyStatus = "past_due" // the last renewal failed; the provider retries
	MonthlyCanceled MonthlyStatus = "canceled" // by the donor, by the provider after failed renewals, or once a month was charged back
)

// monthlyMachine is the monthly gift's table.
var monthlyMachine = machine[MonthlyStatus]{name: "monthly", edges: map[MonthlyStatus][]MonthlyStatus{
	MonthlyActive:  {MonthlyActive, MonthlyPastDue, MonthlyCanceled},
	MonthlyPastDue: {MonthlyActive, MonthlyPastDue, MonthlyCanceled},
}}

func newMonthlyGift(co *Checkout, pm provider.MonthlyDonation, now time.Time) *MonthlyGift {
	g := co.Gift
	return &MonthlyGift{
		ID: "mon_" + strings.TrimPrefix(co.ID, "co_"), CheckoutID: co.ID, BuyerID: co.BuyerID, MerchantID: co.MerchantID,
		CampaignID: g.CampaignID, NonprofitID: g.NonprofitID, NonprofitName: g.NonprofitName,
		NonprofitRegistration: g.NonprofitRegistration, ProviderMonthlyID: pm.ID, Status: MonthlyActive,
		Currency: co.Currency, Amount: g.Amount, Fee: co.Totals.Fee, Charged: co.Totals.Total,
		Privacy: g.Privacy, Donor: co.Contact, Message: g.Message, Dedication: g.Dedication, TimeZone: g.TimeZone,
		Months: 1, NextChargeAt: pm.NextChargeAt, CreatedAt: now, UpdatedAt: now,
	}
}

// MonthlyGift returns one of the donor's monthly gifts.
func (c *Client) MonthlyGift(ctx context.Context, buyerID, monthlyID string) (*MonthlyGift, error) {
	mg, err := c.store.MonthlyGift(ctx, monthlyID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, mg.BuyerID, "monthly gift", monthlyID); err != nil {
		return nil, err
	}
	return mg, nil
}

// MonthlyGifts lists a donor's monthly gifts, running and canceled,
// newest first: limit (1 to 100) of them, beginning after the gift whose
// id is after, or with the newest when after is empty (see
// [Client.Orders]). It is what a donor's "my giving" page shows, beside
// [Client.CancelMonthly].
func (c *Client) MonthlyGifts(ctx context.Context, buyerID, after string, limit int) ([]*MonthlyGift, error) {
	if err := checkPage(buyerID, after, limit); err != nil {
		return nil, err
	}
	page, err := c.store.MonthlyGiftsByBuyer(ctx, buyerID, after, limit)
	return page, notInList(ctx, err, buyerID, after, c.MonthlyGift)
}

// CancelMonthly stops a donor's monthly gift: the provider charges no more
// months; months already given stay given. Canceling a canceled gift
// returns it as it is.
func (c *Client) CancelMonthly(ctx context.Context, buyerID, monthlyID string) (*MonthlyGift, error) {
	mg, err := c.MonthlyGift(ctx, buyerID, monthlyID)
	if err != nil {
		return nil, err
	}
	if mg.Status == MonthlyCanceled {
		return mg, nil
	}
	m, err := c.monthlyMerchant(mg.MerchantID)
	if err != nil {
		return nil, err
	}
	// The provider first: its cancel is idempotent, so a commit that fails
	// after it is completed by calling again.
	if _, err := m.Monthly.CancelMonthly(ctx, mg.ProviderMonthlyID); err != nil {
		return nil, fmt.Errorf("buybutton: monthly gift %s: cancel: %w", mg.ID, err)
	}
	return c.updateMonthly(ctx, monthlyID, func(mg *MonthlyGift, tx *Tx) (bool, error) {
		if mg.Status == MonthlyCanceled {
			return true, nil // ended meanwhile (its webhook): nothing to write
		}
		return false, c.moveMonthly(mg, tx, MonthlyCanceled, "canceled by the donor", buyerActor(buyerID), "")
	})
}

// moveMonthly records a status change of mg in tx, with its event.
func (c *Client) moveMonthly(mg *MonthlyGift, tx *Tx, to MonthlyStatus, reason, actor, eventReason string) error {
	if err := monthlyMachine.check(mg.ID, mg.Status, to); err != nil {
		return err
	}
	now := c.now()
	tx.Transitions = append(tx.Transitions, monthlyMachine.record(mg.ID, mg.Status, to, reason, actor, now))
	mg.Status = to
	var t EventType
	switch to {
	case MonthlyCanceled:
		t, mg.NextChargeAt, mg.CanceledAt = EventMonthlyCanceled, time.Time{}, now
	case MonthlyPastDue:
		t = EventMonthlyRenewalFailed
	default:
		return nil
	}
	charged := mg.Charged
	tx.Events = append(tx.Events, Event{
		ID: "evt_" + uuid.NewString(), Type: t, BuyerID: mg.BuyerID, MerchantID: mg.MerchantID,
		CampaignID: mg.CampaignID, MonthlyID: mg.ID, Amount: &charged, Reason: eventReason, At: now,
	})
	return nil
}

func (c *Client) monthlyMerchant(id string) (Merchant, error) {
	m, err := c.donationMerchant(id)
	if err != nil {
		return Merchant{}, err
	}
	if m.Monthly == nil {
		return Merchant{}, fmt.Errorf("%w: merchant %s has no monthly giving", ErrUnknownMerchant, m.ID)
	}
	return m, nil
}

// updateMonthly changes a monthly gift with compare-and-set (see
// updateRecord).
func (c *Client) updateMonthly(ctx context.Context, monthlyID string, change func(mg *MonthlyGift, tx *Tx) (skip bool, err error)) (*MonthlyGift, error) {
	return updateRecord(ctx, c, "monthly_gift", monthlyID, c.store.MonthlyGift, change)
}

// applyMonthlyEvent applies a provider event about a monthly donation's
// renewals or end: a renewal that succeeded becomes a Donation (counted in
// the campaign, with its receipt), one that failed makes the gift past
// due, and a cancellation ends it. Each is applied once: the seen mark
// commits with it.
func (c *Client) applyMonthlyEvent(ctx context.Context, m Merchant, e provider.Event) error {
	monthlyID, err := c.store.Lookup(ctx, monthlyRef(m.ID, e.MonthlyID))
	if errors.Is(err, ErrNotFound) {
		return nil // not ours, or its first month is not committed yet (which records it)
	}
	if err != nil {
		return err
	}
	if e.Type == provider.EventDonationSucceeded {
		if _, err := c.store.Lookup(ctx, donationRef(m.ID, e.DonationID)); err == nil {
			return c.markSeen(ctx, m.ID, e) // the first month, recorded by its checkout
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	next := time.Time{}
	if m.Monthly != nil {
		pm, err := m.Monthly.Monthly(ctx, e.MonthlyID)
		if err != nil {
			return fmt.Errorf("buybutton: monthly gift %s: %w", monthlyID, err)
		}
		next = pm.NextChargeAt
	}
	var paymentID string // the renewal's payment, which its refunds' events may name
	if e.Type == provider.EventDonationSucceeded && m.Donations != nil {
		pd, err := m.Donations.Donation(ctx, e.DonationID)
		if err != nil {
			return fmt.Errorf("buybutton: monthly gift %s: renewal %s: %w", monthlyID, e.DonationID, err)
		}
		paymentID = pd.PaymentID
	}
	actor := providerActor(m.ID)
	_, err = c.updateMonthly(ctx, monthlyID, func(mg *MonthlyGift, tx *Tx) (bool, error) {
		tx.Seen = append(tx.Seen, SeenEvent{MerchantID: m.ID, EventID: e.ID, At: c.now()})
		if mg.Status == MonthlyCanceled && e.Type != provider.EventDonationSucceeded {
			return false, nil // nothing more to say about an ended gift
		}
		switch e.Type {
		case provider.EventMonthlyCanceled:
			return false, c.moveMonthly(mg, tx, MonthlyCanceled, "canceled by the provider: "+e.Reason, actor, e.Reason)
		case provider.EventDonationFailed:
			mg.NextChargeAt = next
			return false, c.moveMonthly(mg, tx, MonthlyPastDue, "renewal failed: "+e.Reason, actor, e.Reason)
		}
		return false, c.recordRenewal(ctx, m, mg, e, paymentID, next, tx)
	})
	if conflictOn(err, "seen_event") || conflictOn(err, "donation") {
		return nil // applied by an earlier delivery
	}
	return err
}

// recordRenewal adds a month that the provider charged: its Donation, the
// campaign's totals, and the gift's count and next date.
func (c *Client) recordRenewal(ctx context.Context, m Merchant, mg *MonthlyGift, e provider.Event, paymentID string, next time.Time, tx *Tx) error {
	if e.Amount == nil || !e.Amount.Equal(mg.Charged) {
		return invalid("event.amount", "renewal of %v, want the monthly %s", e.Amount, mg.Charged)
	}
	now := c.now()
	id := "don_" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(m.ID+"/"+e.DonationID)).String()
	d := &Donation{
		ID: id, BuyerID: mg.BuyerID, MerchantID: mg.MerchantID, CampaignID: mg.CampaignID, MonthlyID: mg.ID,
		NonprofitID: mg.NonprofitID, NonprofitName: mg.NonprofitName, NonprofitRegistration: mg.NonprofitRegistration,
		ProviderDonationID: e.DonationID, Currency: mg.Currency,
		Amount: mg.Amount, Fee: mg.Fee, Charged: mg.Charged,
		Privacy: mg.Privacy, Donor: mg.Donor, Message: mg.Message, Dedication: mg.Dedication,
		TimeZone: mg.TimeZone, ReceiptNumber: receiptNumber(id, now, mg.TimeZone), GivenAt: now, UpdatedAt: now,
	}
	c.startReadBack(d)
	_, count, err := c.countGift(ctx, d, now)
	if err != nil {
		return err
	}
	count(tx)
	mg.Months++
	mg.NextChargeAt = next
	if mg.Status == MonthlyPastDue {
		if err := c.moveMonthly(mg, tx, MonthlyActive, "renewal succeeded", providerActor(m.ID), ""); err != nil {
			return err
		}
	}
	tx.Donations = append(tx.Donations, d)
	tx.Refs = append(tx.Refs, donationRefs(m.ID, e.DonationID, paymentID, d.ID)...)
	tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, "", d.State(), fmt.Sprintf("month %d of %s", mg.Months, mg.ID), providerActor(m.ID), now))
	tx.Events = append(tx.Events, c.donationEvent(EventDonationSucceeded, d, now))
	return nil
}
