package buybutton

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// DonateCardParams says which campaign to put on which post.
type DonateCardParams struct {
	PostID     string
	CampaignID string
	// ExpiresAt, if set, is when the card leaves the post (the campaign's
	// end). It must be in the future.
	ExpiresAt time.Time
}

// AttachDonateCard attaches a Donate card for a campaign to a post,
// replacing any card the post had. The nonprofit is read from the provider
// again: only a verified nonprofit gets a card. The card shows the
// campaign's amounts and, if the campaign has ShowProgress, what it has
// raised; it is re-rendered when a donation or refund changes what it
// shows, and served by [Client.Hydrate] like any card.
func (c *Client) AttachDonateCard(ctx context.Context, p DonateCardParams) (Card, error) {
	if err := checkID("post_id", p.PostID, MaxPostIDLength); err != nil {
		return Card{}, err
	}
	now := c.now()
	if !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now) {
		return Card{}, invalid("expires_at", "%v is not in the future", p.ExpiresAt)
	}
	cp, err := c.Campaign(ctx, p.CampaignID)
	if err != nil {
		return Card{}, err
	}
	m, err := c.donationMerchant(cp.MerchantID)
	if err != nil {
		return Card{}, err
	}
	np, err := c.verifiedNonprofit(ctx, m, cp.NonprofitID, cp.Currency)
	if err != nil {
		return Card{}, err
	}
	card := Card{
		ID: uuid.NewString(), PostID: p.PostID, MerchantID: m.ID, CTA: Donate,
		Nonprofit: &np, Campaign: cp, Version: 1, ExpiresAt: p.ExpiresAt, UpdatedAt: now,
	}
	entry, err := render(card, m.Name)
	if err != nil {
		return Card{}, err
	}
	c.cards.put(entry)
	return card, nil
}

// checkNonprofit applies the card limits to what the provider says of a
// nonprofit, as validateProduct does to a product.
func checkNonprofit(n provider.Nonprofit) error {
	if err := checkText("nonprofit.name", n.Name, 1, MaxTitleLength, false); err != nil {
		return err
	}
	if err := checkText("nonprofit.registration", n.Registration, 0, MaxTitleLength, false); err != nil {
		return err
	}
	if n.LogoURL != "" {
		if err := checkHTTPSURL("nonprofit.logo_url", n.LogoURL); err != nil {
			return err
		}
	}
	return nil
}

// refreshCampaignCards re-renders the Donate cards of a campaign that a
// committed donation or refund changed. Commits race, so a card only ever
// moves to a newer campaign version; a rendering that shows nothing new
// keeps the card's version.
func (c *Client) refreshCampaignCards(cp *Campaign) {
	now := c.now()
	for _, old := range c.cards.entriesFor(cardSource{merchantID: cp.MerchantID, campaignID: cp.ID}) {
		for old != nil && old.card.Campaign.Version < cp.Version {
			card := old.card
			card.Campaign = cp
			if !sameDonateView(old.card, card) {
				card.Version++
				card.UpdatedAt = now
			}
			e, err := render(card, old.merchantName)
			if err != nil || c.cards.replace(old, e) {
				break
			}
			old, _ = c.cards.get(card.PostID) // raced: look again
			if old != nil && old.card.Campaign == nil {
				break // the post has another kind of card now
			}
		}
	}
}

func sameDonateView(a, b Card) bool {
	va, errA := json.Marshal(donateView(a))
	vb, errB := json.Marshal(donateView(b))
	return errA == nil && errB == nil && bytes.Equal(va, vb)
}

// The Donate card's part of the card schema (docs/card-schema.md).
type donationView struct {
	Nonprofit nonprofitView `json:"nonprofit"`
	Campaign  campaignView  `json:"campaign"`
}

type nonprofitView struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Registration string `json:"registration"`
	Verified     bool   `json:"verified"`
	LogoURL      string `json:"logo_url,omitempty"`
}

type campaignView struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Currency   money.Currency  `json:"currency"`
	Presets    []money.Amount  `json:"presets"`
	Minimum    money.Amount    `json:"minimum"`
	Maximum    money.Amount    `json:"maximum"`
	Progress   *progressView   `json:"progress,omitempty"`
	Supporters []supporterView `json:"supporters"`
}

type progressView struct {
	Raised money.Amount `json:"raised"`
	Donors int          `json:"donors"`
}

type supporterView struct {
	Name string `json:"name"`
}

func donateView(c Card) *donationView {
	n, cp := c.Nonprofit, c.Campaign
	v := &donationView{
		Nonprofit: nonprofitView{ID: n.ID, Name: n.Name, Registration: n.Registration, Verified: n.Verified, LogoURL: n.LogoURL},
		Campaign: campaignView{
			ID: cp.ID, Title: cp.Title, Currency: cp.Currency, Presets: cp.Presets,
			Minimum: cp.Minimum, Maximum: cp.Maximum, Supporters: make([]supporterView, len(cp.Supporters)),
		},
	}
	if cp.ShowProgress {
		v.Campaign.Progress = &progressView{Raised: cp.Raised, Donors: cp.Donors}
	}
	for i, s := range cp.Supporters {
		v.Campaign.Supporters[i] = supporterView{Name: s.Name}
	}
	return v
}
