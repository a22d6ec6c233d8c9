package buybutton

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/buybutton/buybutton/provider"
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

// campaignDonorRef indexes a donor's first gift to a campaign, whose id is
// their DonorKey.
func campaignDonorRef(campaignID, buyerID string) Ref {
	return Ref{Kind: "campaign_donor", MerchantID: campaignID, ExternalID: buyerID}
}

// otherGiftsCount reports whether d's donor has a gift to d's campaign,
// other than d, that still counts, and whether one of those asked to be
// shown on the post. It reads the donor's donations newest first and stops
// at the first that answers both, which for a donor who gives again is
// most often in the first page.
func (c *Client) otherGiftsCount(ctx context.Context, d *Donation) (counts, shown bool, err error) {
	err = eachOfBuyer(ctx, c.store.DonationsByBuyer, d.BuyerID, func(o *Donation) bool {
		if o.ID != d.ID && o.CampaignID == d.CampaignID && o.counted().IsPositive() {
			counts, shown = true, shown || o.Privacy.ShowOnPost
		}
		return !shown
	})
	return counts, shown, err
}

// recountDonor moves cp's Donors and Supporters after d began or stopped
// counting anything (counts says which): the donor leaves or comes back,
// unless another of their gifts keeps them. A donor who comes back is
// listed by the time of that gift, among those listed, if it asked to be
// shown; one who leaves makes room for the next (refillSupporters).
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
	listed := len(cp.Supporters)
	cp.Supporters = slices.DeleteFunc(cp.Supporters, func(s Supporter) bool { return s.DonorKey == donorKey })
	switch {
	case counts:
		listSupporter(cp, Supporter{Name: d.Donor.Name, DonorKey: donorKey, At: d.GivenAt})
	case len(cp.Supporters) < listed:
		return c.refillSupporters(ctx, cp, d.BuyerID)
	}
	return nil
}

// refillLooksBack is how many of a campaign's latest donations
// refillSupporters reads at most, so that a refund in a campaign of many
// anonymous gifts reads a bounded number of pages.
const refillLooksBack = 10 * buyerPageSize

// refillSupporters lists again, in the room a donor who left cp's
// Supporters made, the latest other donors who asked to be shown and
// whose gift still counts: the campaign's donations are read newest
// first, and each donor is listed by the latest such gift, until the list
// is full or refillLooksBack donations were read. leaving is the donor
// who left, whose gifts the store still holds as they were before this
// change.
func (c *Client) refillSupporters(ctx context.Context, cp *Campaign, leaving string) error {
	if len(cp.Supporters) >= MaxSupporters {
		return nil
	}
	listed := map[string]bool{}
	for _, s := range cp.Supporters {
		listed[s.DonorKey] = true
	}
	considered := map[string]bool{leaving: true}
	read := 0
	for after := ""; read < refillLooksBack && len(cp.Supporters) < MaxSupporters; {
		page, err := c.store.DonationsByCampaign(ctx, cp.ID, after, buyerPageSize)
		if err != nil {
			return err
		}
		for _, d := range page {
			if len(cp.Supporters) >= MaxSupporters {
				return nil
			}
			if considered[d.BuyerID] || !d.Privacy.ShowOnPost || !d.counted().IsPositive() {
				continue
			}
			considered[d.BuyerID] = true
			donorKey, err := c.store.Lookup(ctx, campaignDonorRef(cp.ID, d.BuyerID))
			if err != nil {
				return err
			}
			if !listed[donorKey] {
				listSupporter(cp, Supporter{Name: d.Donor.Name, DonorKey: donorKey, At: d.GivenAt})
				listed[donorKey] = true
			}
		}
		if len(page) < buyerPageSize {
			return nil
		}
		read, after = read+len(page), page[len(page)-1].ID
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

// HideSupporterParams names a donor to take off a campaign's post: by
// DonorKey, as the campaign lists them (moderating a name), or by BuyerID
// (the donor asking); one of the two.
type HideSupporterParams struct {
	CampaignID string
	DonorKey   string
	BuyerID    string
}

// HideSupporter takes a donor's name off a campaign's post, and keeps it
// off: it leaves Supporters, and each of their gifts to the campaign, the
// months of a monthly gift still to come included, no longer asks to be
// shown (Privacy.ShowOnPost), so that neither a renewal nor a refund that
// fails afterwards puts it back. A gift the donor makes afterwards asking
// to be shown is their choice again, and shows them. It is for the host:
// a name a donor typed that no one should see, or a donor who asks for
// theirs to go. The donor still counts in Donors, and what they shared
// with the nonprofit is unchanged.
//
// The gifts and the campaign change in one commit, compare-and-set, so a
// gift or renewal committed meanwhile is read again and hidden too.
// Hiding a donor who is not shown changes nothing. An unknown campaign,
// or a donor who gave nothing to it, is [ErrNotFound].
func (c *Client) HideSupporter(ctx context.Context, p HideSupporterParams) (*Campaign, error) {
	if err := checkID("campaign_id", p.CampaignID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if (p.DonorKey == "") == (p.BuyerID == "") {
		return nil, invalid("donor_key", "give the supporter's DonorKey or the donor's BuyerID, one of them")
	}
	buyerID, err := c.supporterBuyer(ctx, p)
	if err != nil {
		return nil, err
	}
	for {
		cp, err := c.store.Campaign(ctx, p.CampaignID)
		if err != nil {
			return nil, err
		}
		donorKey, err := c.store.Lookup(ctx, campaignDonorRef(cp.ID, buyerID))
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: no gift of buyer %s to campaign %s", ErrNotFound, buyerID, cp.ID)
		}
		if err != nil {
			return nil, err
		}
		now := c.now()
		tx := &Tx{}
		if err := c.hideGifts(ctx, cp.ID, buyerID, now, tx); err != nil {
			return nil, err
		}
		listed := len(cp.Supporters)
		cp.Supporters = slices.DeleteFunc(cp.Supporters, func(s Supporter) bool { return s.DonorKey == donorKey })
		if len(tx.Donations) == 0 && len(tx.Monthly) == 0 && len(cp.Supporters) == listed {
			return cp, nil
		}
		if len(cp.Supporters) < listed {
			if err := c.refillSupporters(ctx, cp, buyerID); err != nil {
				return nil, err
			}
		}
		cp.UpdatedAt = now
		tx.Campaigns = []*Campaign{cp}
		err = c.store.Commit(ctx, tx)
		if conflictOn(err, "campaign") || conflictOn(err, "donation") || conflictOn(err, "monthly_gift") {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("buybutton: hide supporter of campaign %s: %w", cp.ID, err)
		}
		cp.Version++
		c.refreshCampaignCards(cp)
		return cp, nil
	}
}

// supporterBuyer is the buyer p names.
func (c *Client) supporterBuyer(ctx context.Context, p HideSupporterParams) (string, error) {
	if p.BuyerID != "" {
		return p.BuyerID, checkID("buyer_id", p.BuyerID, provider.MaxIDLength)
	}
	if err := checkID("donor_key", p.DonorKey, provider.MaxIDLength); err != nil {
		return "", err
	}
	d, err := c.store.Donation(ctx, p.DonorKey)
	if err != nil {
		return "", err
	}
	if d.CampaignID != p.CampaignID {
		return "", fmt.Errorf("%w: supporter %s of campaign %s", ErrNotFound, p.DonorKey, p.CampaignID)
	}
	return d.BuyerID, nil
}

// hideGifts adds to tx each of the buyer's donations and monthly gifts to
// the campaign that asks to be shown, asking no longer.
func (c *Client) hideGifts(ctx context.Context, campaignID, buyerID string, now time.Time, tx *Tx) error {
	err := eachOfBuyer(ctx, c.store.DonationsByBuyer, buyerID, func(d *Donation) bool {
		if d.CampaignID == campaignID && d.Privacy.ShowOnPost {
			d.Privacy.ShowOnPost, d.UpdatedAt = false, now
			tx.Donations = append(tx.Donations, d)
		}
		return true
	})
	if err != nil {
		return err
	}
	return eachOfBuyer(ctx, c.store.MonthlyGiftsByBuyer, buyerID, func(mg *MonthlyGift) bool {
		if mg.CampaignID == campaignID && mg.Privacy.ShowOnPost {
			mg.Privacy.ShowOnPost, mg.UpdatedAt = false, now
			tx.Monthly = append(tx.Monthly, mg)
		}
		return true
	})
}
