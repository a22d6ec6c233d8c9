package buybutton

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Limits of what a donor writes.
const (
	MaxDonationMessage = 500 // characters
	MaxDedication      = 100 // characters: "In memory of ..."
)

// Gift is what a donation checkout gives. A donation is a checkout with no
// lines, no stock and no shipping: it goes through the same machine, claim,
// idempotency keys, expiry and reconcile as a purchase, and its Totals are
// Subtotal (the gift) + Fee (what the donor covers) = Total (what is
// charged).
type Gift struct {
	CampaignID  string
	NonprofitID string
	// NonprofitName and NonprofitRegistration are as the provider gave
	// them when the gift was last priced (at confirm): what its receipt
	// cites.
	NonprofitName         string
	NonprofitRegistration string
	Amount                money.Amount // what the nonprofit is to receive
	CoverFee              bool         // the donor pays the processing fee on top
	Monthly               bool         // give Amount (and the fee) every month
	Privacy               DonorPrivacy
	Message               string
	Dedication            string
	TimeZone              string // the donor's, for receipts: see [StartDonationParams]
}

// DonorPrivacy is what a donor shares. The zero value is anonymous: the
// nonprofit gets neither name nor email, the post shows nothing, and the
// provider is sent no buyer id.
type DonorPrivacy struct {
	// ShareWithNonprofit sends the donor's name and email to the nonprofit
	// (through the provider) and puts them on the nonprofit's copy of the
	// receipt.
	ShareWithNonprofit bool
	// ShowOnPost lists the donor's name among the campaign's supporters on
	// the post.
	ShowOnPost bool
}

// Anonymous reports whether the donor shares nothing.
func (p DonorPrivacy) Anonymous() bool { return !p.ShareWithNonprofit && !p.ShowOnPost }

// StartDonationParams describes a donation a donor is about to make.
type StartDonationParams struct {
	BuyerID    string
	CampaignID string
	// Amount is what the nonprofit is to receive: one of the campaign's
	// presets or a custom amount within its bounds, in minor units of its
	// currency.
	Amount   money.Amount
	CoverFee bool
	Monthly  bool
	Privacy  DonorPrivacy
	// Donor is the donor's name and email, for their receipt; shared with
	// the nonprofit and the post only as Privacy says. A name is required
	// to share or to be shown.
	Donor      provider.Contact
	Message    string // to the nonprofit, up to MaxDonationMessage characters
	Dedication string // up to MaxDedication characters
	// TimeZone is the donor's IANA time zone ("America/Los_Angeles"), in
	// which their receipts are dated: a gift charged on a card is
	// deductible in the year the donor made the charge (IRS Publication
	// 526), and at 7 p.m. on New Year's Eve in Los Angeles it is already
	// the next year in UTC. Empty dates receipts in UTC. A name the
	// machine's time zone database does not know is refused; a host whose
	// machines may have none imports time/tzdata.
	TimeZone string
}

// StartDonation prices a donation (the fee, if the donor covers it, from
// the provider's fee schedule: see [CoverFee]) and stores it as a checkout
// ready to confirm with [Client.ConfirmDonation]. An amount out of range,
// in another currency or with digits below the minor unit is an
// [*AmountError]; nothing is stored.
func (c *Client) StartDonation(ctx context.Context, p StartDonationParams) (*Checkout, error) {
	if err := checkID("buyer_id", p.BuyerID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	cp, err := c.Campaign(ctx, p.CampaignID)
	if err != nil {
		return nil, err
	}
	if err := checkGiftAmount(p.Amount, cp.Minimum, cp.Maximum); err != nil {
		return nil, err
	}
	if err := checkContact(p.Donor); err != nil {
		return nil, err
	}
	if (p.Privacy.ShareWithNonprofit || p.Privacy.ShowOnPost) && p.Donor.Name == "" {
		return nil, invalid("donor.name", "required to share it or to be shown")
	}
	if err := checkText("message", p.Message, 0, MaxDonationMessage, true); err != nil {
		return nil, err
	}
	if err := checkText("dedication", p.Dedication, 0, MaxDedication, false); err != nil {
		return nil, err
	}
	if err := checkTimeZone("time_zone", p.TimeZone); err != nil {
		return nil, err
	}
	m, err := c.donationMerchant(cp.MerchantID)
	if err != nil {
		return nil, err
	}
	if p.Monthly && m.Monthly == nil {
		return nil, fmt.Errorf("%w: merchant %s has no monthly giving", ErrUnknownMerchant, m.ID)
	}
	now := c.now()
	co := &Checkout{
		ID: "co_" + uuid.NewString(), BuyerID: p.BuyerID, MerchantID: m.ID,
		State: CheckoutOpen, Currency: cp.Currency, Contact: p.Donor,
		Gift: &Gift{
			CampaignID: cp.ID, NonprofitID: cp.NonprofitID, Amount: p.Amount, CoverFee: p.CoverFee,
			Monthly: p.Monthly, Privacy: p.Privacy, Message: p.Message, Dedication: p.Dedication,
			TimeZone: p.TimeZone,
		},
		ExpiresAt: now.Add(c.checkoutTTL), CreatedAt: now, UpdatedAt: now,
	}
	co.DueAt = co.ExpiresAt
	if err := c.priceGift(ctx, m, co); err != nil {
		return nil, err
	}
	tx := &Tx{Checkouts: []*Checkout{co}, Transitions: []Transition{checkoutMachine.record(co.ID, "", co.State, "donation started", buyerActor(p.BuyerID), now)}}
	if err := c.store.Commit(ctx, tx); err != nil {
		return nil, fmt.Errorf("buybutton: start donation: %w", err)
	}
	co.Version = 1
	return co, nil
}

// priceGift sets a donation checkout's totals: the gift, and the fee if
// the donor covers it, from the provider's current terms. The nonprofit
// must still be verified.
func (c *Client) priceGift(ctx context.Context, m Merchant, co *Checkout) error {
	g := co.Gift
	np, err := c.verifiedNonprofit(ctx, m, g.NonprofitID, co.Currency)
	if err != nil {
		return err
	}
	g.NonprofitName, g.NonprofitRegistration = np.Name, np.Registration
	terms, err := c.chargeTerms(ctx, m, co.Currency)
	if err != nil {
		return err
	}
	if err := checkStep("amount", g.Amount, terms.Step(co.Currency)); err != nil {
		return err
	}
	if below, _ := g.Amount.Cmp(terms.Minimum); below < 0 {
		return &AmountError{Amount: g.Amount, Minimum: terms.Minimum, Maximum: g.Amount, Err: ErrAmountOutOfRange}
	}
	zero := money.Zero(co.Currency)
	co.Totals = Totals{Subtotal: g.Amount, Discount: zero, Shipping: zero, Tax: zero, Fee: zero, Total: g.Amount}
	if g.CoverFee {
		if co.Totals.Total, co.Totals.Fee, err = CoverFee(g.Amount, terms); err != nil {
			return err
		}
	}
	return nil
}

// ConfirmDonation charges a donation checkout with PaymentToken (or a saved
// detail) and returns the donation. Its outcomes, retries and races are
// those of [Client.Confirm]: a fee that changed since the checkout was
// priced is [ErrPriceChanged], a declined card provider.ErrDeclined, an
// extra step [ErrActionRequired], a lost answer [ErrUnknownOutcome], and
// another card confirmed while a step waits gives the waiting gift up
// (withdrawn where the provider can: provider.DonationWithdrawals);
// however often it is called, at most one donation is kept (a gift given
// up that could not be withdrawn, and that the donor completes later, is
// refunded).
func (c *Client) ConfirmDonation(ctx context.Context, p ConfirmParams) (*Donation, error) {
	out, err := c.confirm(ctx, p, true)
	if err != nil {
		return nil, err
	}
	return out.donation, nil
}

// runGift runs the claimed attempt of a donation checkout: one charge,
// which the provider either makes, parks for an action, or refuses. There
// is nothing to compensate: no stock is held and nothing follows the
// charge but the commit, which a retry with the same key completes.
func (c *Client) runGift(ctx context.Context, m Merchant, co *Checkout, actor string, run attemptRun) (outcome, error) {
	g := co.Gift
	req := provider.DonateRequest{
		IdempotencyKey: co.key("donate"),
		KeyCreatedAt:   co.AttemptedAt,
		NonprofitID:    g.NonprofitID,
		Amount:         co.Totals.Total,
		Token:          co.PaymentToken,
		Metadata:       map[string]string{"buybutton_checkout": co.ID, "buybutton_campaign": g.CampaignID},
	}
	if g.Privacy.ShareWithNonprofit {
		req.Donor, req.Message = co.Contact, g.Message
		req.Metadata["buybutton_buyer"] = co.BuyerID
	}
	var (
		d       provider.Donation
		monthly *provider.MonthlyDonation
		err     error
	)
	if g.Monthly {
		var md provider.MonthlyDonation
		if md, err = m.Monthly.StartMonthly(ctx, req); err == nil {
			d, monthly = md.First, &md
		}
	} else {
		d, err = m.Donations.Donate(ctx, req)
	}
	if err == nil {
		err = answerID("donation", d.ID)
	}
	if err == nil && monthly != nil {
		err = answerID("monthly donation", monthly.ID)
	}
	if err != nil {
		return outcome{}, c.attemptFailed(ctx, m, co, "donate", err, actor, run)
	}
	// The donation exists: if the checkout ends without recording it
	// (expired or canceled while it waits for the donor's action), the
	// undo finds it by this id and gives back what it took.
	co.PaymentID = d.ID
	if d.Status != provider.DonationSucceeded {
		// A replay returns the donation as it was first answered; ask for
		// it as it is now (the donor may have completed the action).
		if d, err = m.Donations.Donation(ctx, d.ID); err != nil {
			return outcome{}, c.attemptFailed(ctx, m, co, "donation", err, actor, run)
		}
	}
	if err := giftAsAsked(co, d, monthly); err != nil {
		// The undo cancels the monthly donation, then refunds the charge.
		return outcome{}, c.attemptFailed(ctx, m, co, "donate", err, actor, run)
	}
	switch {
	case d.Status == provider.DonationSucceeded:
		return c.commitGiven(ctx, m, co, d, monthly, actor)
	case run.givesUp():
		return outcome{}, c.giveUpWaiting(ctx, m, co, run, actor)
	case d.Status == provider.DonationRequiresAction:
		return outcome{}, c.awaitAction(ctx, m, co, d.ID, d.NextAction, actor)
	}
	co.LastError = &CheckoutError{Code: "action_failed", Message: "The payment was not completed. Try another payment method."}
	return outcome{}, c.compensateAndReport(ctx, m, co, co.readyState(), actor, fmt.Errorf("%w: donation %s is %s", provider.ErrDeclined, d.ID, d.Status))
}

// giftAsAsked checks that the platform charged the donation, and will
// charge each month of a monthly one, the checkout's total.
func giftAsAsked(co *Checkout, d provider.Donation, monthly *provider.MonthlyDonation) error {
	if err := answerAmount("donation", d.ID, co.Totals.Total, d.Amount); err != nil || monthly == nil {
		return err
	}
	return answerAmount("monthly donation", monthly.ID, co.Totals.Total, monthly.Amount)
}

// commitGiven records a succeeded donation: the donation (and the monthly
// gift it starts), the campaign's new totals and the placed checkout, in
// one commit. The campaign is compare-and-set like the rest, so a commit
// that lost a race with another donor's reads the campaign again.
func (c *Client) commitGiven(ctx context.Context, m Merchant, co *Checkout, pd provider.Donation, pm *provider.MonthlyDonation, actor string) (outcome, error) {
	for {
		now := c.now()
		d := newDonation(co, pd, now)
		c.startReadBack(d)
		var mg *MonthlyGift
		if pm != nil {
			mg = newMonthlyGift(co, *pm, now)
			c.startReadBack(mg)
			d.MonthlyID = mg.ID
		}
		cp, cpTx, err := c.countGift(ctx, d, now)
		if err != nil {
			return outcome{}, err
		}
		co.DonationID = d.ID
		co.NextAction, co.LastError = nil, nil
		err = c.commitCheckout(ctx, co, CheckoutPaymentPending, CheckoutPlaced, "donation "+pd.ID+" succeeded", actor, func(tx *Tx) {
			cpTx(tx)
			tx.Donations = append(tx.Donations, d)
			tx.Refs = append(tx.Refs, donationRefs(m.ID, pd.ID, pd.PaymentID, d.ID)...)
			tx.Transitions = append(tx.Transitions, donationMachine.record(d.ID, "", d.State(), "checkout "+co.ID+" confirmed", actor, now))
			tx.Events = append(tx.Events, c.donationEvent(EventDonationSucceeded, d, now))
			if mg != nil {
				tx.Monthly = append(tx.Monthly, mg)
				tx.Refs = append(tx.Refs, RefEntry{Ref: monthlyRef(m.ID, mg.ProviderMonthlyID), ID: mg.ID})
				tx.Transitions = append(tx.Transitions, monthlyMachine.record(mg.ID, "", mg.Status, "started with donation "+d.ID, actor, now))
			}
		})
		switch {
		case conflictOn(err, "campaign"), conflictOn(err, "ref") && firstGiftRaced(err):
			// Another donor's gift (or this donor's other first gift) won
			// the race for the campaign's totals. Nothing was written: the
			// claim is still ours; count again.
			continue
		case conflictOn(err, "checkout"):
			return outcome{}, errRetry // someone took the lapsed claim over and recorded it
		case err != nil:
			return outcome{}, err
		}
		d.Version = 1
		cp.Version++
		c.refreshCampaignCards(cp)
		return outcome{donation: d}, nil
	}
}

// countGift adds a new donation to its campaign's totals: raised, donors
// (a donor's first gift to the campaign indexes them; one who gives again
// is counted again only if none of their other gifts still counts, see
// donors.go) and supporters. It returns the campaign as it will be, and
// the writes to add to the commit.
func (c *Client) countGift(ctx context.Context, d *Donation, now time.Time) (*Campaign, func(*Tx), error) {
	cp, err := c.store.Campaign(ctx, d.CampaignID)
	if err != nil {
		return nil, nil, err
	}
	if cp.Raised, err = cp.Raised.Add(d.Amount); err != nil {
		return nil, nil, err
	}
	donor := campaignDonorRef(cp.ID, d.BuyerID)
	donorKey, err := c.store.Lookup(ctx, donor)
	firstGift := errors.Is(err, ErrNotFound)
	if err != nil && !firstGift {
		return nil, nil, err
	}
	if firstGift {
		cp.Donors++
		donorKey = d.ID
	} else if others, _, err := c.otherGiftsCount(ctx, d); err != nil {
		return nil, nil, err
	} else if !others {
		cp.Donors++ // back after all their gifts came back to them
	}
	if d.Privacy.ShowOnPost {
		others := slices.DeleteFunc(cp.Supporters, func(s Supporter) bool { return s.DonorKey == donorKey })
		cp.Supporters = append([]Supporter{{Name: d.Donor.Name, DonorKey: donorKey, At: now}}, others...)
		cp.Supporters = cp.Supporters[:min(len(cp.Supporters), MaxSupporters)]
	}
	cp.UpdatedAt = now
	return cp, func(tx *Tx) {
		tx.Campaigns = append(tx.Campaigns, cp)
		if firstGift {
			tx.Refs = append(tx.Refs, RefEntry{Ref: donor, ID: d.ID})
		}
	}, nil
}

// donationRefs index a donation by the platform's id of it, and by the
// payment behind it when that is another object (a monthly donation's
// invoice's payment on Stripe), which the platform's refund events name.
func donationRefs(merchantID, providerDonationID, paymentID, id string) []RefEntry {
	refs := []RefEntry{{Ref: donationRef(merchantID, providerDonationID), ID: id}}
	if paymentID != "" && paymentID != providerDonationID {
		refs = append(refs, RefEntry{Ref: donationRef(merchantID, paymentID), ID: id})
	}
	return refs
}

// donationRef indexes a recorded donation under a platform id of it (see
// donationRefs).
func donationRef(merchantID, externalID string) Ref {
	return Ref{Kind: "donation", MerchantID: merchantID, ExternalID: externalID}
}

// monthlyRef indexes a recorded monthly gift under the platform's id of
// it, which its months' events name.
func monthlyRef(merchantID, externalID string) Ref {
	return Ref{Kind: "monthly", MerchantID: merchantID, ExternalID: externalID}
}

// firstGiftRaced reports whether a ref conflict is on a campaign's donor
// index: two first gifts of one donor to one campaign at once.
func firstGiftRaced(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce) && strings.HasPrefix(ce.ID, "campaign_donor:")
}
