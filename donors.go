package buybutton

import (
	"context"
	"slices"
	"time"
)

// A campaign's Donors and Supporters follow what its gifts still count,
// as Raised does: a donor counts while one of their gifts to the campaign
// counts something (is not refunded in full nor charged back), and stands
// on the post while one of those they asked to be shown counts. A gift
// refunded as fraud gave the nonprofit nothing; its donor, and the name
// they typed, should not stay on the post as if it had.
//
// Whether a donor's other gifts count is read from the store after the
// campaign, in the same attempt at the commit: every change of what a
// gift counts writes its campaign, compare-and-set on its version, so a
// gift that changed since the campaign was read fails this commit, which
// reads both again.

// donorPageSize is how many of a donor's donations one store read returns
// while looking for another gift that counts.
const donorPageSize = 20

// campaignDonorRef indexes a donor's first gift to a campaign, whose id is
// their DonorKey.
func campaignDonorRef(campaignID, buyerID string) Ref {
	return Ref{Kind: "campaign_donor", MerchantID: campaignID, ExternalID: buyerID}
}

// otherGiftsCount reports whether d's donor has a gift to d's campaign,
// other than d, that still counts, and whether one of those asked to be
// shown on the post. It pages through the donor's donations newest first
// and stops at the first that answers both, which for a donor who gives
// again is most often the first read.
func (c *Client) otherGiftsCount(ctx context.Context, d *Donation) (counts, shown bool, err error) {
	for offset := 0; ; offset += donorPageSize {
		page, err := c.store.DonationsByBuyer(ctx, d.BuyerID, offset, donorPageSize)
		if err != nil {
			return false, false, err
		}
		for _, o := range page {
			if o.ID == d.ID || o.CampaignID != d.CampaignID || !o.counted().IsPositive() {
				continue
			}
			counts, shown = true, shown || o.Privacy.ShowOnPost
			if shown {
				return true, true, nil
			}
		}
		if len(page) < donorPageSize {
			return counts, shown, nil
		}
	}
}

// recountDonor moves cp's Donors and Supporters after d began or stopped
// counting anything (counts says which): the donor leaves or comes back,
// unless another of their gifts keeps them. A donor who comes back is
// listed by the time of that gift, among those listed, if it asked to be
// shown; the list is not refilled from older donors when one leaves.
func (c *Client) recountDonor(ctx context.Context, cp *Campaign, d *Donation, counts bool) error {
	others, othersShown, err := c.otherGiftsCount(ctx, d)
	if err != nil {
		return err
	}
	switch {
	case others:
	case counts:
		cp.Donors++
	case cp.Donors > 0:
		cp.Donors--
	}
	if !d.Privacy.ShowOnPost || othersShown {
		return nil // listed, or not, for another gift
	}
	donorKey, err := c.store.Lookup(ctx, campaignDonorRef(cp.ID, d.BuyerID))
	if err != nil {
		return err
	}
	cp.Supporters = slices.DeleteFunc(cp.Supporters, func(s Supporter) bool { return s.DonorKey == donorKey })
	if counts {
		listSupporter(cp, Supporter{Name: d.Donor.Name, DonorKey: donorKey, At: d.GivenAt})
	}
	return nil
}

// listSupporter puts s among cp's supporters, newest first (after those
// of the same time), keeping the latest MaxSupporters.
func listSupporter(cp *Campaign, s Supporter) {
	i, _ := slices.BinarySearchFunc(cp.Supporters, s.At, func(e Supporter, at time.Time) int {
		if e.At.Before(at) {
			return 1
		}
		return -1
	})
	cp.Supporters = slices.Insert(cp.Supporters, i, s)
	cp.Supporters = cp.Supporters[:min(len(cp.Supporters), MaxSupporters)]
}
