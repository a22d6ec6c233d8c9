package buybutton_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// monthlyGift gives Ada's monthly gift of 25.00 to cp and returns it,
// with its first month's webhooks delivered.
func (f charity) monthlyGift(t *testing.T, cp *buybutton.Campaign) *buybutton.MonthlyGift {
	t.Helper()
	first := f.giveMonthly(t, cp)
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	return mg
}

// renewLost runs the platform's billing a month on, and loses its
// webhooks for good; it returns them, to deliver late.
func (f charity) renewLost(t *testing.T) []memory.Delivery {
	t.Helper()
	f.clock.Advance(31 * 24 * time.Hour)
	f.shop.RenewDue()
	return f.lose(t)
}

// TestReconcileMonthlyRecordsMonthsWhoseWebhooksWereLost: two months are
// charged while the host's endpoint is down longer than the platform
// re-sends. ReconcileMonthly reads the months back: each is a donation
// with its receipt, counted in the campaign and told to the host, once;
// the webhooks arriving after all, and a second call, change nothing.
func TestReconcileMonthlyRecordsMonthsWhoseWebhooksWereLost(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	mg := f.monthlyGift(t, cp)
	lost := append(f.renewLost(t), f.renewLost(t)...)

	got, err := f.client.ReconcileMonthly(ctx, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, got.Months)
	assert.Equal(t, buybutton.MonthlyActive, got.Status)
	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 3)
	for _, d := range gifts {
		_, err := f.client.Receipt(ctx, buyer, d.ID)
		assert.NoError(t, err, "month %s has its receipt", d.ID)
	}
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "75.00 USD", cp.Raised.String())

	f.deliverLate(t, lost)
	before, err := f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	again, err := f.client.ReconcileMonthly(ctx, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, again.Version, "nothing new: nothing written")
	assert.Equal(t, 3, again.Months)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "75.00 USD", cp.Raised.String())
	assert.Equal(t, 3, count(f.pendingEvents(t), buybutton.EventDonationSucceeded))
}

// TestReconcileMonthlyFollowsTheGiftsStatus: a renewal fails, then the
// platform gives up on the card and ends the gift, and every webhook is
// lost. ReconcileMonthly finds the gift past due, then ended, and tells
// the host of each once.
func TestReconcileMonthlyFollowsTheGiftsStatus(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	mg := f.monthlyGift(t, cp)
	require.NoError(t, f.shop.SetMonthlyToken(mg.ProviderMonthlyID, memory.TokenDecline))
	lost := f.renewLost(t)

	got, err := f.client.ReconcileMonthly(ctx, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyPastDue, got.Status)

	for range memory.MaxRenewalFailures - 1 {
		f.clock.Advance(24 * time.Hour)
		f.shop.RenewDue()
		lost = append(lost, f.lose(t)...)
	}
	got, err = f.client.ReconcileMonthly(ctx, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, got.Status)
	assert.Equal(t, 1, got.Months)

	f.deliverLate(t, lost)
	_, err = f.client.ReconcileMonthly(ctx, mg.ID)
	require.NoError(t, err)
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventMonthlyCanceled))
	assert.LessOrEqual(t, count(events, buybutton.EventMonthlyRenewalFailed), memory.MaxRenewalFailures)
	assert.GreaterOrEqual(t, count(events, buybutton.EventMonthlyRenewalFailed), 1)
}

// TestReconcileDonationRecordsRefundsMadeOnThePlatform: the nonprofit
// refunded a gift twice in part on the platform, and the webhooks were
// lost. ReconcileDonation records each, once: the campaign counts less by
// both, and the receipt says what is still deductible.
func TestReconcileDonationRecordsRefundsMadeOnThePlatform(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)
	for i, amount := range []string{"5.00", "3.00"} {
		_, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: fmt.Sprint("dashboard-", i), DonationID: d.ProviderDonationID, Amount: usd(amount)})
		require.NoError(t, err)
	}
	lost := f.lose(t)

	got, err := f.client.ReconcileDonation(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, "8.00 USD", got.Refunded().String())
	r, err := f.client.Receipt(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, "17.00 USD", r.Deductible.String())
	f.deliverLate(t, lost)
	got, err = f.client.ReconcileDonation(ctx, d.ID)
	require.NoError(t, err)
	assert.Len(t, got.Refunds, 2)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "17.00 USD", cp.Raised.String(), "both refunds counted")
}

// TestReconcileDonationEndsAMonthlyGiftChargedBack: a month of a monthly
// gift was charged back, and its webhooks were lost. ReconcileDonation of
// the month records the chargeback, out of the campaign's total, and ends
// the gift at the platform and in the library, as the webhook would have.
func TestReconcileDonationEndsAMonthlyGiftChargedBack(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	mg := f.monthlyGift(t, cp)
	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	month := gifts[0]
	f.chargeBack(t, month.ProviderDonationID, month.Charged)
	lost := f.lose(t)

	got, err := f.client.ReconcileDonation(ctx, month.ID)
	require.NoError(t, err)
	assert.Equal(t, month.Charged.String(), got.ChargedBack().String())
	mg, err = f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status)
	pm, err := f.shop.Monthly(ctx, mg.ProviderMonthlyID)
	require.NoError(t, err)
	assert.Equal(t, provider.MonthlyCanceled, pm.Status, "no month is charged again")
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.IsZero(), "raised %s", cp.Raised)
	f.deliverLate(t, lost)
	_, err = f.client.ReconcileDonation(ctx, month.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventMonthlyCanceled))
}

// disputesOnly is a platform's donations that list their disputes and
// not their refunds.
type disputesOnly struct {
	provider.Donations
	disputes provider.DisputeHistories
}

func (p disputesOnly) DisputesOf(ctx context.Context, id string) ([]provider.Event, error) {
	return p.disputes.DisputesOf(ctx, id)
}

// TestReconcileDonationReadsDisputesOfAPlatformListingNoRefunds: the two
// lists are capabilities of their own; a platform with the disputes' only
// still has a chargeback read back.
func TestReconcileDonationReadsDisputesOfAPlatformListingNoRefunds(t *testing.T) {
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", p)
		m.Donations = disputesOnly{p, p}
		return m
	})
	cp, co := startGift(t, f, false)
	d, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	f.deliver(t)
	f.chargeBack(t, d.ProviderDonationID, d.Charged)
	f.lose(t)

	got, err := f.client.ReconcileDonation(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.Charged.String(), got.ChargedBack().String())
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.IsZero(), "raised %s", cp.Raised)
}
