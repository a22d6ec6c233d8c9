package buybutton_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
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

	f.chargeBack(t, adas.ProviderDonationID, usd("25.00"))
	f.deliver(t)
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Linus Torvalds", "Grace Hopper"}, names)
	assert.Equal(t, 2, donors)
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "50.00 USD", got.Raised.String())
}

// TestAHiddenSupporterStaysHidden: the host takes a donor's name off the
// post (a name no one should see, or the donor asking), and none of their
// gifts to the campaign shows it again, not even a month of their monthly
// gift or a refund that failed afterwards; a gift they make afterwards,
// asking again to be shown, does. They still count among the donors.
func TestAHiddenSupporterStaysHidden(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	monthly := donor("buyer-2", "Rude Name", shown)
	monthly.Monthly = true
	f.give(t, cp, monthly)
	f.clock.Advance(time.Minute)
	refunded := f.give(t, cp, donor("buyer-2", "Rude Name", shown))
	f.clock.Advance(time.Minute)
	f.give(t, cp, ada(shown))
	f.deliver(t)
	r := f.refundAll(t, refunded, "refunded")
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	require.Len(t, got.Supporters, 2)
	rude := got.Supporters[1]
	require.Equal(t, "Rude Name", rude.Name)

	hidden, err := f.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: rude.DonorKey})
	require.NoError(t, err)
	assert.Equal(t, got.Version+1, hidden.Version)
	names, donors := f.supporters(t, cp)
	assert.Equal(t, []string{"Ada Lovelace"}, names)
	assert.Equal(t, 2, donors, "hidden, not uncounted")
	assert.NotContains(t, string(f.hydrateOne(t, "post-1")), "Rude", "the card is drawn again")

	again, err := f.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: rude.DonorKey})
	require.NoError(t, err)
	assert.Equal(t, hidden.Version, again.Version, "hiding again changes nothing")

	f.renewMonthly(t)
	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	f.deliver(t)
	names, donors = f.supporters(t, cp)
	assert.Equal(t, []string{"Ada Lovelace"}, names, "neither the renewal nor the gift counted again shows the name")
	assert.Equal(t, 2, donors)
	gifts, err := f.client.Donations(ctx, "buyer-2", "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 3)
	for _, d := range gifts {
		assert.False(t, d.Privacy.ShowOnPost, "donation %s", d.ID)
	}

	f.clock.Advance(time.Minute)
	f.give(t, cp, donor("buyer-2", "Grace Hopper", shown))
	names, _ = f.supporters(t, cp)
	assert.Equal(t, []string{"Grace Hopper", "Ada Lovelace"}, names, "a new gift asking to be shown is")
}

// TestADonorAsksForTheirNameToGo: a donor is hidden by their buyer id,
// without the host looking up their DonorKey.
func TestADonorAsksForTheirNameToGo(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.give(t, cp, ada(shown))
	f.give(t, cp, donor("buyer-2", "Grace Hopper", shown))
	_, err := f.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, BuyerID: buyer})
	require.NoError(t, err)
	names, donors := f.supporters(t, cp)
	assert.Equal(t, []string{"Grace Hopper"}, names)
	assert.Equal(t, 2, donors)
}

func TestHidingASupporterRefusesWhatItCannotFind(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	other := f.campaign(t)
	d := f.give(t, cp, ada(shown))
	before, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	for _, c := range []struct {
		p    buybutton.HideSupporterParams
		want error
	}{
		{buybutton.HideSupporterParams{CampaignID: cp.ID}, buybutton.ErrInvalidInput},
		{buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: d.ID, BuyerID: buyer}, buybutton.ErrInvalidInput},
		{buybutton.HideSupporterParams{DonorKey: d.ID}, buybutton.ErrInvalidInput},
		{buybutton.HideSupporterParams{CampaignID: "cmp_none", DonorKey: d.ID}, buybutton.ErrNotFound},
		{buybutton.HideSupporterParams{CampaignID: other.ID, DonorKey: d.ID}, buybutton.ErrNotFound},
		{buybutton.HideSupporterParams{CampaignID: other.ID, BuyerID: buyer}, buybutton.ErrNotFound},
		{buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: "don_none"}, buybutton.ErrNotFound},
		{buybutton.HideSupporterParams{CampaignID: cp.ID, BuyerID: "buyer-who-never-gave"}, buybutton.ErrNotFound},
	} {
		_, err := f.client.HideSupporter(ctx, c.p)
		assert.ErrorIs(t, err, c.want, "%+v", c.p)
	}
	after, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing changed")
}

// TestADonorWhoLeavesThePostMakesRoomForTheNext: a post shows the latest
// five donors who asked to be shown. When one of them leaves (their gift
// refunded in full, or their name hidden), the latest donor not shown
// yet whose gift still counts takes the room, by the time of that gift;
// an anonymous donor never does, nor one whose gift was refunded, nor
// the one who left.
func TestADonorWhoLeavesThePostMakesRoomForTheNext(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	names := []string{"Donor 1", "Donor 2", "Donor 3", "Donor 4", "Donor 5", "Donor 6", "Donor 7"}
	gifts := map[string]*buybutton.Donation{}
	f.give(t, cp, donor("buyer-0", "Anonymous Early", buybutton.DonorPrivacy{}))
	refundedEarlier := f.give(t, cp, donor("buyer-r", "Refunded Before", shown))
	f.refundAll(t, refundedEarlier, "early")
	for i, name := range names {
		f.clock.Advance(time.Minute)
		gifts[name] = f.give(t, cp, donor(fmt.Sprintf("buyer-%d", i+1), name, shown))
	}
	f.clock.Advance(time.Minute)
	f.give(t, cp, donor("buyer-anon", "Anonymous", buybutton.DonorPrivacy{}))
	listed, _ := f.supporters(t, cp)
	require.Equal(t, []string{"Donor 7", "Donor 6", "Donor 5", "Donor 4", "Donor 3"}, listed)

	f.refundAll(t, gifts["Donor 7"], "seven")
	listed, _ = f.supporters(t, cp)
	assert.Equal(t, []string{"Donor 6", "Donor 5", "Donor 4", "Donor 3", "Donor 2"}, listed, "Donor 2 takes the room")
	assert.Contains(t, string(f.hydrateOne(t, "post-1")), "Donor 2", "the card is drawn again")

	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	_, err = f.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: got.Supporters[0].DonorKey})
	require.NoError(t, err)
	listed, _ = f.supporters(t, cp)
	assert.Equal(t, []string{"Donor 5", "Donor 4", "Donor 3", "Donor 2", "Donor 1"}, listed, "Donor 1 takes the hidden one's room")

	f.refundAll(t, gifts["Donor 5"], "five")
	listed, _ = f.supporters(t, cp)
	assert.Equal(t, []string{"Donor 4", "Donor 3", "Donor 2", "Donor 1"}, listed, "no one else asked to be shown and still counts")
}
