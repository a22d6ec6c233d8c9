package buybutton_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestAMonthlyGiftEndsWhenAMonthIsChargedBack: a donor's bank takes back
// the second month of a monthly gift. Charging the card again would be
// charging a card whose owner the bank has just sided with, so the gift
// ends: the platform charges no more months, and the host hears
// monthly.canceled. An inquiry, an open chargeback and a dispute won
// leave the gift running. While the platform cannot be reached to stop
// it, the dispute is not recorded either (the webhook fails, for the
// platform to deliver again), so that the stop is never lost.
func TestAMonthlyGiftEndsWhenAMonthIsChargedBack(t *testing.T) {
	f := newCharity(t, nil)
	first := f.giveMonthly(t, f.campaign(t))
	f.renewMonthly(t)
	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 2)
	second := gifts[0]
	require.Equal(t, first.MonthlyID, second.MonthlyID)
	require.NotEqual(t, first.ID, second.ID)
	status := func() buybutton.MonthlyStatus {
		t.Helper()
		mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
		require.NoError(t, err)
		return mg.Status
	}

	won, err := f.shop.Dispute(first.ProviderDonationID, usd("25.00"), "fraudulent", false)
	require.NoError(t, err)
	require.NoError(t, f.shop.CloseDispute(won, provider.DisputeWon))
	inquiry, err := f.shop.Dispute(second.ProviderDonationID, usd("25.00"), "subscription_canceled", true)
	require.NoError(t, err)
	f.deliver(t)
	assert.Equal(t, buybutton.MonthlyActive, status(), "a dispute won and an inquiry stop nothing")
	require.NoError(t, f.shop.EscalateDispute(inquiry))
	f.deliver(t)
	assert.Equal(t, buybutton.MonthlyActive, status(), "an open chargeback may yet be won")

	require.NoError(t, f.shop.CloseDispute(inquiry, provider.DisputeLost))
	lost := f.shop.TakeDeliveries()
	require.Len(t, lost, 1)
	f.sent.mu.Lock()
	f.sent.cancelRefusal = provider.ErrUnavailable
	f.sent.mu.Unlock()
	err = f.client.HandleWebhook(ctx, shopID, lost[0].Header, lost[0].Body)
	require.ErrorIs(t, err, provider.ErrUnavailable, "the platform delivers it again")
	d, err := f.client.Donation(ctx, buyer, second.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationDisputed, d.State(), "nothing recorded while the gift could not be stopped")
	assert.Equal(t, buybutton.MonthlyActive, status())

	f.sent.mu.Lock()
	f.sent.cancelRefusal = nil
	f.sent.mu.Unlock()
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, lost[0].Header, lost[0].Body))
	d, err = f.client.Donation(ctx, buyer, second.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationChargedBack, d.State())
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status)
	assert.True(t, mg.NextChargeAt.IsZero())
	pm, err := f.shop.Monthly(ctx, mg.ProviderMonthlyID)
	require.NoError(t, err)
	assert.Equal(t, provider.MonthlyCanceled, pm.Status, "the platform charges no more months")

	events, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	var canceled []buybutton.Event
	for _, e := range events {
		if e.Type == buybutton.EventMonthlyCanceled {
			canceled = append(canceled, e)
		}
	}
	require.Len(t, canceled, 1, "told once")
	assert.Equal(t, mg.ID, canceled[0].MonthlyID)
	assert.Contains(t, canceled[0].Reason, "charged back")
	trail, err := f.client.Transitions(ctx, buyer, mg.ID)
	require.NoError(t, err)
	last := trail[len(trail)-1]
	assert.Equal(t, string(buybutton.MonthlyCanceled), last.To)
	assert.Equal(t, "provider:"+shopID, last.Actor)
	assert.Contains(t, last.Reason, second.ID)

	require.NoError(t, f.client.HandleWebhook(ctx, shopID, lost[0].Header, lost[0].Body), "a delivery again changes nothing")
	f.deliver(t) // the platform's monthly.canceled changes nothing more
	again, err := f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, again.Status)
	assert.Equal(t, mg.CanceledAt, again.CanceledAt)
	assert.Len(t, f.pendingEvents(t), len(events), "and tells nothing more")
	f.clock.Advance(62 * 24 * time.Hour)
	assert.Equal(t, 0, f.shop.RenewDue(), "no more months")
}

// TestAMonthChargedBackAsAPaymentEndsItsGift: Stripe tells a month's
// dispute as its payment's, not the donation's. A lost one still ends the
// gift.
func TestAMonthChargedBackAsAPaymentEndsItsGift(t *testing.T) {
	f := newInvoiceCharity(t)
	first := f.giveMonthly(t, f.campaign(t))

	amount := usd("25.00")
	h, body := f.shop.Sign(provider.Event{ID: "evt_month_lost", Type: provider.EventPaymentDisputeClosed, PaymentID: paymentOfMonth(first.ProviderDonationID), DisputeID: "dp_month", Amount: &amount, Reason: provider.DisputeLost}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	d, err := f.client.Donation(ctx, buyer, first.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationChargedBack, d.State())
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status)
	pm, err := f.shop.Monthly(ctx, mg.ProviderMonthlyID)
	require.NoError(t, err)
	assert.Equal(t, provider.MonthlyCanceled, pm.Status)
}

// TestAChargebackThatCannotBeTrueStopsNoMonthlyGift: a lost dispute event
// of a month that the books refuse (no amount, or of a dispute won
// already) stops nothing at the platform either: bad input changes
// nothing.
func TestAChargebackThatCannotBeTrueStopsNoMonthlyGift(t *testing.T) {
	f := newCharity(t, nil)
	first := f.giveMonthly(t, f.campaign(t))
	send := func(id, outcome string, amount *money.Amount) error {
		e := provider.Event{ID: id, Type: provider.EventDonationDisputeClosed, DonationID: first.ProviderDonationID, DisputeID: "dp_1", Amount: amount, Reason: outcome}
		h, body := f.shop.Sign(e, f.clock.Now())
		return f.client.HandleWebhook(ctx, shopID, h, body)
	}
	require.ErrorIs(t, send("evt_no_amount", provider.DisputeLost, nil), buybutton.ErrInvalidInput)
	require.NoError(t, send("evt_won", provider.DisputeWon, ptr(usd("25.00"))))
	require.NoError(t, send("evt_lost_after_won", provider.DisputeLost, ptr(usd("25.00"))), "a dispute won stays won")

	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyActive, mg.Status)
	pm, err := f.shop.Monthly(ctx, mg.ProviderMonthlyID)
	require.NoError(t, err)
	assert.Equal(t, provider.MonthlyActive, pm.Status, "the platform goes on charging")
}

// TestAMonthsDisputeBeforeItsMonthRecordsTheMonthFirst: the platform
// charges a second month, and its donation.succeeded is not delivered
// (the host was down; the platform retries for days), when the donor's
// bank takes the month back. The dispute's events name the month and its
// monthly gift. Before, the month was unknown, so its dispute was taken
// for another app's and dropped: the books never had the month, nor its
// chargeback, and the gift went on charging. Now the month is recorded
// from the platform first, then its chargeback, which ends the gift. The
// month's own event, delivered at last, records nothing twice.
func TestAMonthsDisputeBeforeItsMonthRecordsTheMonthFirst(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	first := f.giveMonthly(t, cp)
	withheld, renewal := f.renewWithheld(t)

	f.chargeBack(t, renewal.DonationID, usd("25.00"))
	f.deliver(t) // the dispute's events, not the month's

	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 2, "the month is recorded")
	month := gifts[0]
	assert.Equal(t, renewal.DonationID, month.ProviderDonationID)
	assert.Equal(t, buybutton.DonationChargedBack, month.State())
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status, "a month charged back ends the gift")
	assert.Equal(t, 2, mg.Months)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.Equal(usd("25.00")), "raised %s: the first month, not the one taken back", cp.Raised)

	told := f.pendingEvents(t)
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, withheld.Header, withheld.Body))
	again, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, 2, again.Months, "the month's own event records nothing twice")
	gifts, err = f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	assert.Len(t, gifts, 2)
	assert.Equal(t, told, f.pendingEvents(t), "and tells nothing more")
	assert.Equal(t, 1, count(told, buybutton.EventDonationSucceeded)-1, "the month was told once")
}

// TestAMonthsDisputeNamingOnlyItsPaymentRecordsTheMonthFirst is
// TestAMonthsDisputeBeforeItsMonthRecordsTheMonthFirst on a platform whose
// dispute events name only the month's payment, as Stripe's name the
// PaymentIntent of a subscription's invoice: the library asks the
// platform which donation the payment paid (Donations.Donation by the
// payment's id), records the month, then its chargeback, which ends the
// gift. Before, the payment was unknown and the chargeback dropped.
func TestAMonthsDisputeNamingOnlyItsPaymentRecordsTheMonthFirst(t *testing.T) {
	f := newInvoiceCharity(t)
	cp := f.campaign(t)
	first := f.giveMonthly(t, cp)
	_, renewal := f.renewWithheld(t)

	amount := usd("25.00")
	h, body := f.shop.Sign(provider.Event{
		ID: "evt_dispute_closed", Type: provider.EventPaymentDisputeClosed, OccurredAt: f.clock.Now(),
		PaymentID: paymentOfMonth(renewal.DonationID), DisputeID: "dp_month", Amount: &amount, Reason: provider.DisputeLost,
	}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))

	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 2, "the month is recorded")
	assert.Equal(t, renewal.DonationID, gifts[0].ProviderDonationID)
	assert.Equal(t, buybutton.DonationChargedBack, gifts[0].State())
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status, "a month charged back ends the gift")

	// A payment the platform knows of no donation of is another app's:
	// nothing is recorded, and the delivery is taken.
	h, body = f.shop.Sign(provider.Event{ID: "evt_other", Type: provider.EventPaymentDisputed, OccurredAt: f.clock.Now(), PaymentID: "pay_elsewhere", DisputeID: "dp_other", Amount: &amount}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	again, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	assert.Len(t, again, 2)
}

// renewWithheld has the platform charge the next month of f's one monthly
// gift, and keeps the month's donation.succeeded from the library (the
// host was down; the platform would retry for days): it returns that
// delivery and its event.
func (f charity) renewWithheld(t *testing.T) (memory.Delivery, provider.Event) {
	t.Helper()
	f.clock.Advance(31 * 24 * time.Hour)
	require.Equal(t, 1, f.shop.RenewDue())
	withheld := f.shop.TakeDeliveries()
	require.Len(t, withheld, 1)
	var renewal provider.Event
	require.NoError(t, json.Unmarshal(withheld[0].Body, &renewal))
	require.Equal(t, provider.EventDonationSucceeded, renewal.Type)
	return withheld[0], renewal
}
