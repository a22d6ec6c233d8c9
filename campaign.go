package buybutton

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Limits of a campaign.
const (
	MaxPresets       = 6   // preset amounts a Donate card offers
	MaxSupporters    = 5   // donors shown on a post, newest first
	MaxCampaignTitle = 200 // characters
)

// Campaign is a fundraiser for one nonprofit: what Donate cards offer
// (preset amounts, the bounds of a custom amount) and what it has raised.
// The host creates campaigns with [Client.CreateCampaign]; donors give
// with [Client.StartDonation]. Its totals change only in the commit that
// records a donation or a refund, compare-and-set on Version, so they stay
// exact however many donors give at once.
type Campaign struct {
	ID          string
	MerchantID  string // the merchant whose Donations provider takes the gifts
	NonprofitID string
	Title       string
	Currency    money.Currency
	Presets     []money.Amount // ascending
	Minimum     money.Amount   // the least a donor may give, inclusive
	Maximum     money.Amount   // the most, inclusive
	// ShowProgress has Donate cards show Raised and Donors.
	ShowProgress bool
	Version      int64

	// Raised is what donors gave the nonprofit, less refunds and lost
	// disputes: each donation counts its Amount (not a fee the donor
	// covered) less what was refunded of it or taken back by a dispute
	// the nonprofit lost, never below zero.
	Raised money.Amount
	// Donors counts distinct donors, anonymous ones included (a number
	// names no one), while a gift of theirs to the campaign still counts
	// in Raised: a donor whose gifts were all refunded in full or charged
	// back is not counted, until they give again.
	Donors int
	// Supporters are the latest donors who chose to be shown on the post,
	// newest first, each once (a donor who gives again, or whose monthly
	// gift renews, moves to the front); anonymous donors never appear.
	// A donor leaves when no gift they asked to be shown for still counts
	// (refunded in full, charged back), and comes back in their place if
	// one counts again (a refund that failed afterwards). One who leaves
	// makes room for the latest other donor who asked to be shown and
	// still counts, found among the campaign's latest 200 donations.
	Supporters []Supporter
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Supporter is a donor shown on a post, by the name they gave.
type Supporter struct {
	Name string
	// DonorKey tells donors apart, so that each is listed once, without
	// naming them: the id of their first donation to the campaign (not
	// their buyer id, which a campaign shown to anyone would reveal).
	DonorKey string
	At       time.Time
}

// CampaignParams describes a campaign to create.
type CampaignParams struct {
	MerchantID  string
	NonprofitID string // must be verified, and accept Currency
	Title       string
	Currency    money.Currency
	// Presets are the amounts offered as buttons: 1 to MaxPresets, each
	// within [Minimum, Maximum]. They and the bounds must be whole steps
	// of what the donations platform charges in: minor units, or its
	// coarser step (see provider.ChargeUnits).
	Presets []money.Amount
	// Minimum defaults to the provider's minimum charge, and may not be
	// below it. Maximum is required.
	Minimum, Maximum money.Amount
	ShowProgress     bool
}

// CreateCampaign checks the nonprofit with the provider (only a verified
// nonprofit gets a campaign, and so a Donate card) and stores the campaign.
func (c *Client) CreateCampaign(ctx context.Context, p CampaignParams) (*Campaign, error) {
	if err := checkText("title", p.Title, 1, MaxCampaignTitle, false); err != nil {
		return nil, err
	}
	if !p.Currency.Valid() {
		return nil, invalid("currency", "%q is not a currency", truncate(string(p.Currency), 8))
	}
	m, err := c.donationMerchant(p.MerchantID)
	if err != nil {
		return nil, err
	}
	if _, err := c.verifiedNonprofit(ctx, m, p.NonprofitID, p.Currency); err != nil {
		return nil, err
	}
	terms, err := c.chargeTerms(ctx, m, p.Currency)
	if err != nil {
		return nil, err
	}
	if p.Minimum.IsZero() && p.Minimum.Currency() == "" {
		p.Minimum = terms.Minimum
	}
	if err := checkBound("minimum", p.Minimum, p.Currency); err != nil {
		return nil, err
	}
	if below, _ := p.Minimum.Cmp(terms.Minimum); below < 0 {
		return nil, invalid("minimum", "%s is below the provider's minimum charge %s", p.Minimum, terms.Minimum)
	}
	if err := checkBound("maximum", p.Maximum, p.Currency); err != nil {
		return nil, err
	}
	if c, _ := p.Maximum.Cmp(p.Minimum); c < 0 {
		return nil, invalid("maximum", "%s is below the minimum %s", p.Maximum, p.Minimum)
	}
	if len(p.Presets) < 1 || len(p.Presets) > MaxPresets {
		return nil, invalid("presets", "1 to %d amounts", MaxPresets)
	}
	presets := slices.Clone(p.Presets)
	for i, a := range presets {
		if err := checkGiftAmount(a, p.Minimum, p.Maximum); err != nil {
			return nil, fmt.Errorf("presets[%d]: %w", i, err)
		}
	}
	// Every amount the campaign offers or allows at its ends must be one
	// the platform can charge, or donors would be refused a button.
	step := terms.Step(p.Currency)
	if err := checkStep("minimum", p.Minimum, step); err != nil {
		return nil, err
	}
	if err := checkStep("maximum", p.Maximum, step); err != nil {
		return nil, err
	}
	for _, a := range presets {
		if err := checkStep("presets", a, step); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(presets, func(a, b money.Amount) int { n, _ := a.Cmp(b); return n })
	presets = slices.CompactFunc(presets, money.Amount.Equal)
	now := c.now()
	cp := &Campaign{
		ID: "cmp_" + uuid.NewString(), MerchantID: m.ID, NonprofitID: p.NonprofitID, Title: p.Title,
		Currency: p.Currency, Presets: presets, Minimum: p.Minimum, Maximum: p.Maximum,
		ShowProgress: p.ShowProgress, Raised: money.Zero(p.Currency), CreatedAt: now, UpdatedAt: now,
	}
	if err := c.store.Commit(ctx, &Tx{Campaigns: []*Campaign{cp}}); err != nil {
		return nil, fmt.Errorf("buybutton: create campaign: %w", err)
	}
	cp.Version = 1
	return cp, nil
}

// Campaign returns a campaign: its amounts and what it has raised.
func (c *Client) Campaign(ctx context.Context, campaignID string) (*Campaign, error) {
	if err := checkID("campaign_id", campaignID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	return c.store.Campaign(ctx, campaignID)
}

// checkBound checks a campaign's minimum or maximum.
func checkBound(field string, a money.Amount, cur money.Currency) error {
	if a.Currency() != cur || !a.IsPositive() || !a.IsRounded() {
		return invalid(field, "%s is not a positive amount in %s minor units", a, cur)
	}
	return nil
}

// checkGiftAmount checks an amount a donor asks to give.
func checkGiftAmount(a, minimum, maximum money.Amount) error {
	e := &AmountError{Amount: a, Minimum: minimum, Maximum: maximum}
	switch {
	case a.Currency() == "":
		e.Err = money.ErrUnknownCurrency
	case a.Currency() != minimum.Currency():
		e.Err = &money.MismatchError{A: a.Currency(), B: minimum.Currency()}
	case !a.IsRounded():
		e.Err = money.ErrNotRounded
	default:
		low, _ := a.Cmp(minimum)
		high, _ := a.Cmp(maximum)
		if low >= 0 && high <= 0 {
			return nil
		}
		e.Err = ErrAmountOutOfRange
	}
	return e
}

// donationMerchant returns a merchant that can take donations.
func (c *Client) donationMerchant(id string) (Merchant, error) {
	m, err := c.merchant(id)
	if err != nil {
		return Merchant{}, err
	}
	if m.Donations == nil {
		return Merchant{}, fmt.Errorf("%w: merchant %s takes no donations", ErrUnknownMerchant, m.ID)
	}
	return m, nil
}

// verifiedNonprofit reads a nonprofit from the provider and checks that it
// may receive donations in cur.
func (c *Client) verifiedNonprofit(ctx context.Context, m Merchant, id string, cur money.Currency) (provider.Nonprofit, error) {
	if err := checkID("nonprofit_id", id, provider.MaxIDLength); err != nil {
		return provider.Nonprofit{}, err
	}
	got, err := m.Donations.Nonprofits(ctx, []string{id})
	if err != nil {
		return provider.Nonprofit{}, fmt.Errorf("buybutton: merchant %s: nonprofits: %w", m.ID, err)
	}
	for _, n := range got {
		if n.ID != id {
			continue
		}
		switch {
		case !n.Verified:
			return provider.Nonprofit{}, invalid("nonprofit_id", "%q is not verified", truncate(id, 64))
		case !slices.Contains(n.Currencies, cur):
			return provider.Nonprofit{}, invalid("currency", "%s does not accept %s", truncate(id, 64), cur)
		case strings.TrimSpace(n.Name) == "":
			return provider.Nonprofit{}, invalid("nonprofit.name", "the provider gave no name")
		}
		// What the card shows and the receipt cites: it must be fit to.
		if err := checkNonprofit(n); err != nil {
			return provider.Nonprofit{}, err
		}
		return n, nil
	}
	return provider.Nonprofit{}, fmt.Errorf("%w: merchant %s has no nonprofit %q", ErrNotFound, m.ID, truncate(id, 64))
}

// chargeTerms reads and checks the provider's minimum charge and fees.
func (c *Client) chargeTerms(ctx context.Context, m Merchant, cur money.Currency) (provider.ChargeTerms, error) {
	t, err := m.Donations.ChargeTerms(ctx, cur)
	if err != nil {
		return provider.ChargeTerms{}, fmt.Errorf("buybutton: merchant %s: charge terms: %w", m.ID, err)
	}
	if t.Unit.Currency() == "" {
		t.Unit = provider.ChargeUnit(m.Donations, cur)
	}
	if err := t.Validate(cur); err != nil {
		return provider.ChargeTerms{}, fmt.Errorf("%w: merchant %s: %w", ErrInvalidInput, m.ID, err)
	}
	return t, nil
}
