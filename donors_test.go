package buybutton_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
)

// donor is ada's gift from another buyer, under another name.
func donor(buyerID, name string, privacy buybutton.DonorPrivacy) buybutton.StartDonationParams {
	p := ada(privacy)
	p.BuyerID, p.Donor.Name = buyerID, name
	return p
}

var shown = buybutton.DonorPrivacy{ShowOnPost: true}

// supporters lists the names a campaign shows, newest first.
func (f charity) supporters(t *testing.T, cp *buybutton.Campaign) (names []string, donors int) {
	t.Helper()
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	for _, s := range got.Supporters {
		names = append(names, s.Name)
	}
	return names, got.Donors
}

func (f charity) refundAll(t *testing.T, d *buybutton.Donation, key string) *buybutton.Refund {
	t.Helper()
	d, err := f.client.Donation(ctx, d.BuyerID, d.ID)
	require.NoError(t, err)
	r, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: d.Refundable(), Reason: "fraudulent", IdempotencyKey: key})
	require.NoError(t, err)
	f.deliver(t)
	return r
}

// TestADonorWhoseGiftsAllCameBackLeavesThePost: a gift refunded in full
// gave the nonprofit nothing, so its donor no longer counts among the
// campaign's donors nor stands on the post under the name they typed (a
// stolen card's gift, refunded as fraud, would otherwise keep its name
// there). A partial refund leaves them.
func TestADonorWhoseGiftsAllCameBackLeavesThePost(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	gift := f.give(t, cp, ada(shown))
	f.give(t, cp, donor("buyer-2", "Grace Hopper", shown))
	f.deliver(t)

	_, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: gift.ID, Amount: usd("10.00"), Reason: "asked", IdempotencyKey: "part"})
	require.NoError(t, err)
	names, donors := f.supporters(t, cp)
	assert.Equal(t, []string{"Grace Hopper", "Ada Lovelace"}, names, "15.00 of Ada's gift still counts")
	assert.Equal(t, 2, donors)

	f.refundAll(t, gift, "rest")
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Grace Hopper"}, names)
	assert.Equal(t, 1, donors)
	card := string(f.hydrateOne(t, "post-1"))
	assert.NotContains(t, card, "Ada", "the post no longer shows her")
	assert.Contains(t, card, `"raised":{"amount":"25.00","currency":"USD"},"donors":1`)
}

// TestADonorStaysWhileAnotherOfTheirGiftsCounts: a donor leaves the count
// only when none of their gifts to the campaign counts, and the post only
// when none of those they asked to be shown counts; a donor who gives
// again after leaving is counted, and shown, again.
func TestADonorStaysWhileAnotherOfTheirGiftsCounts(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	first := f.give(t, cp, ada(shown))
	again := f.give(t, cp, ada(shown))
	quiet := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)

	f.refundAll(t, again, "again")
	names, donors := f.supporters(t, cp)
	assert.Equal(t, []string{"Ada Lovelace"}, names, "her first gift, shown, still counts")
	assert.Equal(t, 1, donors)

	f.refundAll(t, first, "first")
	names, donors = f.supporters(t, cp)
	assert.Empty(t, names, "no gift she asked to show counts")
	assert.Equal(t, 1, donors, "her anonymous gift still counts")

	f.refundAll(t, quiet, "quiet")
	names, donors = f.supporters(t, cp)
	assert.Empty(t, names)
	assert.Zero(t, donors)

	f.give(t, cp, ada(shown))
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Ada Lovelace"}, names)
	assert.Equal(t, 1, donors, "she gave again")
}

// TestAChargebackTakesADonorOffAndAFailedRefundPutsThemBack: a dispute
// lost takes the gift back as a refund does; a refund that failed after
// it was made gives the gift back to the nonprofit, and its donor comes
// back in their place among the supporters.
func TestAChargebackTakesADonorOffAndAFailedRefundPutsThemBack(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	adas := f.give(t, cp, ada(shown))
	f.clock.Advance(time.Minute)
	graces := f.give(t, cp, donor("buyer-2", "Grace Hopper", shown))
	f.clock.Advance(time.Minute)
	f.give(t, cp, donor("buyer-3", "Linus Torvalds", shown))
	f.deliver(t)
	names, donors := f.supporters(t, cp)
	require.Equal(t, []string{"Linus Torvalds", "Grace Hopper", "Ada Lovelace"}, names)
	require.Equal(t, 3, donors)

	r := f.refundAll(t, graces, "grace")
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Linus Torvalds", "Ada Lovelace"}, names)
	assert.Equal(t, 2, donors)

	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	f.deliver(t)
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Linus Torvalds", "Grace Hopper", "Ada Lovelace"}, names, "back in her place")
	assert.Equal(t, 3, donors)

	id, err := f.shop.Dispute(adas.ProviderDonationID, usd("25.00"), "fraudulent", false)
	require.NoError(t, err)
	require.NoError(t, f.shop.CloseDispute(id, provider.DisputeLost))
	f.deliver(t)
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Linus Torvalds", "Grace Hopper"}, names)
	assert.Equal(t, 2, donors)
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "50.00 USD", got.Raised.String())
}
