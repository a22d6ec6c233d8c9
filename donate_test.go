package buybutton_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

// recordingDonations is the memory provider, remembering what each
// donation request sent: the test's view of what the nonprofit learns.
type recordingDonations struct {
	*memory.Provider
	mu       sync.Mutex
	requests []provider.DonateRequest
	refusal  error // while set, refunds are refused with it
	// cancelRefusal, while set, refuses cancels of monthly donations.
	cancelRefusal error
}

func (r *recordingDonations) CancelMonthly(ctx context.Context, id string) (provider.MonthlyDonation, error) {
	if err := r.refused(&r.cancelRefusal, "cancel"); err != nil {
		return provider.MonthlyDonation{}, err
	}
	return r.Provider.CancelMonthly(ctx, id)
}

func (r *recordingDonations) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	if err := r.refused(&r.refusal, "refund"); err != nil {
		return provider.Refund{}, err
	}
	return r.Provider.RefundDonation(ctx, req)
}

// refused reads, under r.mu, the refusal that which holds, and returns
// it as the refusal of what, or nil while none is set.
func (r *recordingDonations) refused(which *error, what string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *which == nil {
		return nil
	}
	return fmt.Errorf("%s refused: %w", what, *which)
}

func (r *recordingDonations) record(req provider.DonateRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
}

func (r *recordingDonations) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	r.record(req)
	return r.Provider.Donate(ctx, req)
}

func (r *recordingDonations) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	r.record(req)
	return r.Provider.StartMonthly(ctx, req)
}

// charity is a fixture whose merchant takes donations, and records them.
type charity struct {
	fixture
	sent *recordingDonations
}

func newCharity(t testingT, opts *buybutton.Options) charity {
	return newCharityThat(t, opts, canWithdraw)
}

// newCharityThat is newCharity on a platform that can withdraw a gift
// waiting for its donor's step, or one that cannot.
func newCharityThat(t testingT, opts *buybutton.Options, withdraws bool) charity {
	var sent *recordingDonations
	f := buildFixture(t, nil, opts, func(p *memory.Provider) buybutton.Merchant {
		sent = &recordingDonations{Provider: p}
		return shopThat(sent, withdraws)
	})
	return charity{fixture: f, sent: sent}
}

func (f charity) campaign(t testing.TB) *buybutton.Campaign {
	t.Helper()
	cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells for Wajir", Currency: "USD",
		Presets: []money.Amount{usd("50.00"), usd("10.00"), usd("25.00")}, Maximum: usd("10000.00"), ShowProgress: true,
	})
	require.NoError(t, err)
	return cp
}

func ada(privacy buybutton.DonorPrivacy) buybutton.StartDonationParams {
	return buybutton.StartDonationParams{
		BuyerID: buyer, Amount: usd("25.00"), Privacy: privacy,
		Donor: provider.Contact{Name: "Ada Lovelace", Email: "ada@example.com"},
	}
}

func (f charity) give(t testing.TB, cp *buybutton.Campaign, p buybutton.StartDonationParams) *buybutton.Donation {
	t.Helper()
	p.CampaignID = cp.ID
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	d, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: p.BuyerID, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	return d
}

func TestDonateCoveringTheFee(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{ShareWithNonprofit: true})
	p.CampaignID, p.CoverFee, p.Message, p.Dedication = cp.ID, true, "For the well in Wajir.", "In memory of Grace"
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutOpen, co.State)
	assert.Empty(t, co.Lines, "a donation has no lines")
	assert.True(t, co.Totals.Subtotal.Equal(usd("25.00")))
	assert.True(t, co.Totals.Fee.Equal(usd("1.06")), "fee %s", co.Totals.Fee)
	assert.True(t, co.Totals.Total.Equal(usd("26.06")), "total %s", co.Totals.Total)

	d, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationSucceeded, d.State())
	assert.True(t, d.Charged.Equal(usd("26.06")) && d.Amount.Equal(usd("25.00")) && d.Fee.Equal(usd("1.06")))

	got, err := f.shop.Donation(ctx, d.ProviderDonationID)
	require.NoError(t, err)
	assert.True(t, got.Amount.Equal(usd("26.06")), "the provider charged the amount and the fee")
	fee, err := memory.DefaultChargeTerms("USD").Fee(got.Amount)
	require.NoError(t, err)
	net, _ := got.Amount.Sub(fee)
	assert.True(t, net.Equal(usd("25.00")), "the nonprofit receives %s, want the full 25.00", net)

	again, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	assert.Equal(t, d.ID, again.ID, "a retry returns the same donation")
	assert.Equal(t, 1, f.shop.Stats().Donations, "and charges nothing more")

	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.Equal(usd("25.00")), "raised counts the gift, not the fee: %s", cp.Raised)
	assert.Equal(t, 1, cp.Donors)
	assert.Empty(t, cp.Supporters, "not shown on the post unless the donor asked")

	assert.Equal(t, []buybutton.EventType{buybutton.EventDonationSucceeded}, f.pendingEvents(t))
	tr, err := f.store.Transitions(ctx, d.ID)
	require.NoError(t, err)
	require.Len(t, tr, 1)
	assert.Equal(t, "donation", tr[0].Machine)
	assert.Equal(t, "buyer:"+buyer, tr[0].Actor)
}

func TestReceipts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		privacy    buybutton.DonorPrivacy
		cover      bool
		refund     string
		chargeback string // lost in a dispute
	}{
		{"shared-fee-covered", buybutton.DonorPrivacy{ShareWithNonprofit: true}, true, "", ""},
		{"anonymous-partly-refunded", buybutton.DonorPrivacy{}, false, "5.00", ""},
		{"anonymous-refunded-and-charged-back", buybutton.DonorPrivacy{}, false, "5.00", "10.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCharity(t, nil)
			cp := f.campaign(t)
			p := ada(tc.privacy)
			p.CoverFee, p.Dedication = tc.cover, "In memory of Grace"
			d := f.give(t, cp, p)
			if tc.refund != "" {
				_, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd(tc.refund), Reason: "asked", IdempotencyKey: "r1"})
				require.NoError(t, err)
			}
			if tc.chargeback != "" {
				lost := usd(tc.chargeback)
				h, body := f.shop.Sign(provider.Event{ID: "evt_lost", Type: provider.EventDonationDisputeClosed, DonationID: d.ProviderDonationID, DisputeID: "dp_1", Amount: &lost, Reason: provider.DisputeLost}, f.clock.Now())
				require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
			}
			r, err := f.client.Receipt(ctx, buyer, d.ID)
			require.NoError(t, err)
			stable := func(b []byte) []byte {
				b = bytes.ReplaceAll(b, []byte(d.ID), []byte("don_00000000-0000-0000-0000-000000000000"))
				return bytes.ReplaceAll(b, []byte(d.ReceiptNumber), []byte("R-202611-000000000000"))
			}
			b, err := json.Marshal(r)
			require.NoError(t, err)
			assertGoldenJSON(t, filepath.Join("testdata", "receipts", tc.name+".json"), stable(b))
			assertGolden(t, filepath.Join("testdata", "receipts", tc.name+".txt"), stable([]byte(r.Text())))
		})
	}
}

func TestAnonymousMeansAnonymousEverywhere(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))

	require.Len(t, f.sent.requests, 1)
	sent := f.sent.requests[0]
	assert.Zero(t, sent.Donor, "the nonprofit learns no name or email")
	assert.Empty(t, sent.Message)
	assert.NotContains(t, sent.Metadata, "buybutton_buyer", "nor the host's id for the donor")

	r, err := f.client.Receipt(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Nil(t, r.Donor)
	assert.Contains(t, r.Text(), "Donor: Anonymous")
	assert.NotContains(t, r.Text(), "Ada")

	card := f.hydrateOne(t, "post-1")
	assert.NotContains(t, string(card), "Ada", "the post does not show them")
	assert.Contains(t, string(card), `"donors":1`, "but they count")
}

func TestDonorsShownOnThePostOnlyIfTheyChose(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	f.give(t, cp, ada(buybutton.DonorPrivacy{ShowOnPost: true}))
	grace := ada(buybutton.DonorPrivacy{ShareWithNonprofit: true})
	grace.BuyerID, grace.Donor.Name = "buyer-2", "Grace Hopper"
	f.give(t, cp, grace)

	assert.Zero(t, f.sent.requests[0].Donor, "Ada chose the post, not the nonprofit")
	assert.Equal(t, "Grace Hopper", f.sent.requests[1].Donor.Name, "Grace chose the nonprofit")
	card := string(f.hydrateOne(t, "post-1"))
	assert.Contains(t, card, `"supporters":[{"name":"Ada Lovelace"}]`)
	assert.NotContains(t, card, "Grace")
	assert.Contains(t, card, `"raised":{"amount":"50.00","currency":"USD"},"donors":2`)
}

// TestASupporterIsShownOnceHoweverOftenTheyGive: a donor who gives
// again, or whose monthly gift renews, moves to the front of the post's
// supporters instead of filling it with their name.
func TestASupporterIsShownOnceHoweverOftenTheyGive(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.attachDonate(t, "post-1", cp)
	monthly := ada(buybutton.DonorPrivacy{ShowOnPost: true})
	monthly.Monthly = true
	f.give(t, cp, monthly)
	grace := ada(buybutton.DonorPrivacy{ShowOnPost: true})
	grace.BuyerID, grace.Donor.Name = "buyer-2", "Grace Hopper"
	f.give(t, cp, grace)
	assert.Contains(t, string(f.hydrateOne(t, "post-1")), `"supporters":[{"name":"Grace Hopper"},{"name":"Ada Lovelace"}]`)

	f.deliver(t)
	for range 3 {
		f.renewMonthly(t)
	}
	card := string(f.hydrateOne(t, "post-1"))
	assert.Contains(t, card, `"supporters":[{"name":"Ada Lovelace"},{"name":"Grace Hopper"}]`, "Ada's renewals put her first, once")
	assert.Contains(t, card, `"raised":{"amount":"125.00","currency":"USD"},"donors":2`)
	assert.NotContains(t, card, "buyer-", "who gave is not shown")
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	for _, s := range got.Supporters {
		assert.NotContains(t, s.DonorKey, "buyer-", "nor is it in the campaign, which a host may show to anyone")
	}
}

// renewMonthly moves a month on: the platform charges the one monthly
// gift due and tells the library.
func (f charity) renewMonthly(t *testing.T) {
	t.Helper()
	f.clock.Advance(31 * 24 * time.Hour)
	require.Equal(t, 1, f.shop.RenewDue())
	f.deliver(t)
}

func (f charity) attachDonate(t testing.TB, postID string, cp *buybutton.Campaign) buybutton.Card {
	t.Helper()
	card, err := f.client.AttachDonateCard(ctx, buybutton.DonateCardParams{PostID: postID, CampaignID: cp.ID})
	require.NoError(t, err)
	return card
}

func TestDonateCardGolden(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	card := f.attachDonate(t, "post-1", cp)
	assert.Equal(t, buybutton.Donate, card.CTA)
	stable := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte(card.ID), []byte("00000000-0000-0000-0000-000000000000"))
		return bytes.ReplaceAll(b, []byte(cp.ID), []byte("cmp_00000000-0000-0000-0000-000000000000"))
	}
	assertGoldenJSON(t, filepath.Join("testdata", "cards", "donate.json"), stable(f.hydrateOne(t, "post-1")))

	p := ada(buybutton.DonorPrivacy{ShowOnPost: true})
	f.give(t, cp, p)
	after := f.hydrateOne(t, "post-1")
	assert.Contains(t, string(after), `"version":2`, "a donation re-renders the card")
	assertGoldenJSON(t, filepath.Join("testdata", "cards", "donate-after-a-gift.json"), stable(after))
}

func TestOnlyVerifiedNonprofitsGetCampaigns(t *testing.T) {
	f := newCharity(t, nil)
	base := buybutton.CampaignParams{MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD", Presets: []money.Amount{usd("10.00")}, Maximum: usd("100.00")}
	for name, tc := range map[string]struct {
		edit func(*buybutton.CampaignParams)
		want error
	}{
		"unverified":                 {func(p *buybutton.CampaignParams) { p.NonprofitID = memory.DemoUnvetted }, buybutton.ErrInvalidInput},
		"unknown nonprofit":          {func(p *buybutton.CampaignParams) { p.NonprofitID = "nobody" }, buybutton.ErrNotFound},
		"currency not taken":         {func(p *buybutton.CampaignParams) { p.Currency = "EUR" }, buybutton.ErrInvalidInput},
		"below the provider":         {func(p *buybutton.CampaignParams) { p.Minimum = usd("0.49") }, buybutton.ErrInvalidInput},
		"no maximum":                 {func(p *buybutton.CampaignParams) { p.Maximum = money.Amount{} }, buybutton.ErrInvalidInput},
		"preset out of range":        {func(p *buybutton.CampaignParams) { p.Presets = []money.Amount{usd("1000.00")} }, buybutton.ErrAmountOutOfRange},
		"preset sub-minor":           {func(p *buybutton.CampaignParams) { p.Presets = []money.Amount{usd("10.001")} }, money.ErrNotRounded},
		"no presets":                 {func(p *buybutton.CampaignParams) { p.Presets = nil }, buybutton.ErrInvalidInput},
		"no title":                   {func(p *buybutton.CampaignParams) { p.Title = "" }, buybutton.ErrInvalidInput},
		"merchant without donations": {func(p *buybutton.CampaignParams) { p.MerchantID = "nope" }, buybutton.ErrUnknownMerchant},
	} {
		p := base
		tc.edit(&p)
		_, err := f.client.CreateCampaign(ctx, p)
		assert.ErrorIs(t, err, tc.want, name)
	}
	cp, err := f.client.CreateCampaign(ctx, base)
	require.NoError(t, err)
	assert.True(t, cp.Minimum.Equal(usd("0.50")), "the minimum defaults to the provider's: %s", cp.Minimum)
}

func TestDonationAmountsAreChecked(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	for name, tc := range map[string]struct {
		amount money.Amount
		want   error
	}{
		"below the minimum":  {usd("0.49"), buybutton.ErrAmountOutOfRange},
		"above the maximum":  {usd("10000.01"), buybutton.ErrAmountOutOfRange},
		"another currency":   {money.MustParse("25.00", "EUR"), money.ErrCurrencyMismatch},
		"below a minor unit": {usd("25.005"), money.ErrNotRounded},
		"no currency":        {money.Amount{}, money.ErrUnknownCurrency},
	} {
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID, p.Amount = cp.ID, tc.amount
		_, err := f.client.StartDonation(ctx, p)
		assert.ErrorIs(t, err, tc.want, name)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
		var ae *buybutton.AmountError
		if assert.ErrorAs(t, err, &ae, name) {
			assert.True(t, ae.Minimum.Equal(usd("0.50")) && ae.Maximum.Equal(usd("10000.00")), name)
		}
	}
	long := ada(buybutton.DonorPrivacy{})
	long.CampaignID, long.Message = cp.ID, string(bytes.Repeat([]byte("x"), buybutton.MaxDonationMessage+1))
	_, err := f.client.StartDonation(ctx, long)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "a message over the limit")
	unnamed := ada(buybutton.DonorPrivacy{ShowOnPost: true})
	unnamed.CampaignID, unnamed.Donor.Name = cp.ID, ""
	_, err = f.client.StartDonation(ctx, unnamed)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "shown on the post without a name")
	events, err := f.client.PendingEvents(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, events)
	assert.Equal(t, 0, f.shop.Stats().Donations, "nothing charged")
}

func TestDonationOutcomesAreTyped(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	start := func() *buybutton.Checkout {
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID = cp.ID
		co, err := f.client.StartDonation(ctx, p)
		require.NoError(t, err)
		return co
	}
	confirm := func(co *buybutton.Checkout, token string) (*buybutton.Donation, error) {
		return f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: token})
	}

	t.Run("declined, then approved", func(t *testing.T) {
		co := start()
		_, err := confirm(co, memory.TokenDecline)
		require.ErrorIs(t, err, provider.ErrDeclined)
		assert.Equal(t, buybutton.CheckoutOpen, f.checkout(t, co.ID).State, "ready to try another card")
		d, err := confirm(co, memory.TokenApprove)
		require.NoError(t, err)
		assert.Equal(t, buybutton.DonationSucceeded, d.State())
	})
	t.Run("action, completed by webhook", func(t *testing.T) {
		co := start()
		_, err := confirm(co, memory.TokenActionRequired)
		var action *buybutton.ActionRequiredError
		require.ErrorAs(t, err, &action)
		assert.NotEmpty(t, action.NextAction.RedirectURL)
		pending := f.checkout(t, co.ID)
		require.Equal(t, buybutton.CheckoutRequiresAction, pending.State)
		last := f.sent.requests[len(f.sent.requests)-1]
		donation := providerDonationFor(t, f, last.IdempotencyKey)
		require.NoError(t, f.shop.CompleteAction(donation, true))
		f.deliver(t)
		placed := f.checkout(t, co.ID)
		require.Equal(t, buybutton.CheckoutPlaced, placed.State)
		d, err := f.client.Donation(ctx, buyer, placed.DonationID)
		require.NoError(t, err)
		assert.Equal(t, donation, d.ProviderDonationID)
	})
	t.Run("unknown outcome, reconciled", func(t *testing.T) {
		co := start()
		_, err := confirm(co, memory.TokenUnknownOutcome)
		require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
		require.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
		before := f.shop.Stats().Donations
		got, err := f.client.Reconcile(ctx, co.ID)
		require.NoError(t, err)
		assert.Equal(t, buybutton.CheckoutPlaced, got.State)
		assert.Equal(t, before, f.shop.Stats().Donations, "the reconcile replayed the charge, it did not repeat it")
	})
	t.Run("a purchase call on a donation", func(t *testing.T) {
		co := start()
		_, err := f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	})
}

// providerDonationFor finds the memory provider's donation made with an
// idempotency key, by replaying the request: the replay returns it.
func providerDonationFor(t *testing.T, f charity, key string) string {
	t.Helper()
	for _, r := range f.sent.requests {
		if r.IdempotencyKey == key {
			d, err := f.shop.Donate(ctx, r)
			require.NoError(t, err)
			return d.ID
		}
	}
	t.Fatalf("no request with key %q", key)
	return ""
}

// TestDonationCompletedAfterExpiryIsReturned: on a platform that cannot
// withdraw a gift waiting for its donor's step, the gift of a checkout
// that expired is left waiting, and refunded if the donor completes it.
// (TestAGiftGivenUpWhileItWaitsIsWithdrawn has the platform that can.)
func TestDonationCompletedAfterExpiryIsReturned(t *testing.T) {
	f := newCharityThat(t, nil, cannotWithdraw)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.CampaignID = cp.ID
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	_, err = f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	f.clock.Advance(time.Hour)
	rep, err := f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Expired)

	donation := providerDonationFor(t, f, f.sent.requests[0].IdempotencyKey)
	require.NoError(t, f.shop.CompleteAction(donation, true))
	f.deliver(t)
	f.deliver(t) // the refund's own webhook, and any repeat, change nothing
	got, err := f.shop.Donation(ctx, donation)
	require.NoError(t, err)
	assert.True(t, got.Refunded.Equal(got.Amount), "a gift completed after the donor's checkout expired is given back: refunded %s of %s", got.Refunded, got.Amount)
	assert.Equal(t, buybutton.CheckoutExpired, f.checkout(t, co.ID).State)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.IsZero())
}

func TestDonationRefunds(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.CoverFee = true
	d := f.give(t, cp, p) // 25.00 + 1.06
	refund := func(key, amount string) (*buybutton.Refund, error) {
		return f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd(amount), Reason: "asked", IdempotencyKey: key})
	}
	r1, err := refund("r1", "10.00")
	require.NoError(t, err)
	again, err := refund("r1", "10.00")
	require.NoError(t, err)
	assert.Equal(t, r1.ID, again.ID, "the same key refunds once")
	_, err = refund("r1", "11.00")
	assert.ErrorIs(t, err, provider.ErrIdempotencyConflict)
	_, err = refund("r2", "16.07")
	assert.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "16.07 more would exceed the 26.06 charged")

	raised := func() money.Amount {
		cp, err := f.client.Campaign(ctx, cp.ID)
		require.NoError(t, err)
		return cp.Raised
	}
	assert.True(t, raised().Equal(usd("15.00")), "raised %s", raised())
	_, err = refund("r3", "16.06")
	require.NoError(t, err)
	d, err = f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationRefunded, d.State())
	assert.True(t, raised().IsZero(), "a donation never counts below zero: raised %s", raised())
	assert.Equal(t, 2, f.shop.Stats().Refunds)

	f.deliver(t) // the provider's refund webhooks: ours, already recorded
	d, err = f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Len(t, d.Refunds, 2)
}

// TestDonationRefundsRefusedOrPostponed: a donation's refunds follow the
// order's rule. Unavailable leaves the refund pending and the campaign's
// total as it was, until a retry sends it; a refusal is final and its key
// says so again.
func TestDonationRefundsRefusedOrPostponed(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{})) // 25.00
	refund := func(key, amount string) (*buybutton.Refund, error) {
		return f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd(amount), Reason: "asked", IdempotencyKey: key})
	}
	raised := func() string {
		cp, err := f.client.Campaign(ctx, cp.ID)
		require.NoError(t, err)
		return cp.Raised.String()
	}

	f.sent.refusal = provider.ErrUnavailable
	_, err := refund("later", "10.00")
	require.ErrorIs(t, err, provider.ErrUnavailable)
	_, err = f.client.ReconcileDonation(ctx, d.ID)
	require.ErrorIs(t, err, provider.ErrUnavailable, "still pending")
	got, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundPending, got.Refunds[0].Status)
	assert.Equal(t, "25.00 USD", raised())

	f.sent.refusal = provider.ErrInvalidState
	_, err = refund("never", "5.00")
	require.ErrorIs(t, err, buybutton.ErrRefundFailed)

	f.sent.refusal = nil
	_, err = refund("never", "5.00")
	require.ErrorIs(t, err, buybutton.ErrRefundFailed, "a refusal is final for its key")
	r, err := refund("later", "10.00")
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, r.Status)
	assert.Equal(t, "15.00 USD", raised())
	assert.Equal(t, 1, f.shop.Stats().Refunds)
}

func TestDashboardRefundOfADonationIsRecorded(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)
	_, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard", DonationID: d.ProviderDonationID, Amount: usd("5.00")})
	require.NoError(t, err)
	f.deliver(t)
	d, err = f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationPartiallyRefunded, d.State())
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.Equal(usd("20.00")), "raised %s", cp.Raised)
}

func TestMonthlyGiving(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.Monthly, p.CoverFee = true, true
	first := f.give(t, cp, p)
	require.NotEmpty(t, first.MonthlyID)
	mg, err := f.client.MonthlyGift(ctx, buyer, first.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyActive, mg.Status)
	assert.Equal(t, time.Date(2026, 12, 22, 12, 0, 0, 0, time.UTC), mg.NextChargeAt)
	f.deliver(t) // the first month's webhook is the checkout's, already recorded

	f.renewMonthly(t)
	f.deliver(t)
	mg, err = f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, mg.Months)
	assert.Equal(t, time.Date(2027, 1, 22, 12, 0, 0, 0, time.UTC), mg.NextChargeAt)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, cp.Raised.Equal(usd("50.00")), "two months of 25.00, fees not counted: %s", cp.Raised)
	assert.Equal(t, 1, cp.Donors, "one donor, however many months")

	events, err := f.client.PendingEvents(ctx, 100)
	require.NoError(t, err)
	var renewal *buybutton.Event
	for i, e := range events {
		if e.Type == buybutton.EventDonationSucceeded && e.CheckoutID == "" {
			renewal = &events[i]
		}
	}
	require.NotNil(t, renewal, "the renewal is told to the host")
	second, err := f.client.Donation(ctx, buyer, renewal.DonationID)
	require.NoError(t, err)
	assert.Equal(t, mg.ID, second.MonthlyID)
	assert.True(t, second.Charged.Equal(usd("26.06")))
	r, err := f.client.Receipt(ctx, buyer, second.ID)
	require.NoError(t, err)
	assert.True(t, r.Monthly)
	assert.NotEqual(t, first.ReceiptNumber, r.Number, "each month has its own receipt")

	require.NoError(t, f.shop.SetMonthlyToken(mg.ProviderMonthlyID, memory.TokenDecline))
	f.clock.Advance(31 * 24 * time.Hour)
	require.Equal(t, 0, f.shop.RenewDue())
	f.deliver(t)
	mg, err = f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyPastDue, mg.Status)
	assert.Contains(t, f.pendingEvents(t), buybutton.EventMonthlyRenewalFailed)

	_, err = f.client.CancelMonthly(ctx, "buyer-2", mg.ID)
	assert.ErrorIs(t, err, buybutton.ErrForbidden)
	mg, err = f.client.CancelMonthly(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status)
	pm, err := f.shop.Monthly(ctx, mg.ProviderMonthlyID)
	require.NoError(t, err)
	assert.Equal(t, provider.MonthlyCanceled, pm.Status, "the provider stops charging")
	stored, err := f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, stored.Status, "recorded by the cancel, not by its webhook")
	assert.Equal(t, mg.Version, stored.Version)
	ts, err := f.client.Transitions(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, "canceled by the donor", ts[len(ts)-1].Reason)
	f.deliver(t) // its monthly.canceled webhook changes nothing more
	mg, err = f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyCanceled, mg.Status)
	again, err := f.client.CancelMonthly(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, mg.Version, again.Version, "canceling twice is a no-op")
	f.clock.Advance(62 * 24 * time.Hour)
	assert.Equal(t, 0, f.shop.RenewDue(), "no more months")
}

// TestADonorsGivingIsListed: a donor's page lists their gifts, each
// month of a monthly one too, and their monthly gifts, newest first; no
// one else's.
func TestADonorsGivingIsListed(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	once := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.clock.Advance(time.Hour)
	first := f.giveMonthly(t, cp)
	f.renewMonthly(t)
	other := f.give(t, cp, buybutton.StartDonationParams{BuyerID: "buyer-2", CampaignID: cp.ID, Amount: usd("10.00")})

	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, gifts, 3)
	assert.Equal(t, first.MonthlyID, gifts[0].MonthlyID, "the second month, newest")
	assert.Empty(t, gifts[0].CheckoutID, "a renewal")
	assert.Equal(t, []string{first.ID, once.ID}, []string{gifts[1].ID, gifts[2].ID})
	page, err := f.client.Donations(ctx, buyer, gifts[0].ID, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, first.ID, page[0].ID)

	monthly, err := f.client.MonthlyGifts(ctx, buyer, "", 10)
	require.NoError(t, err)
	require.Len(t, monthly, 1)
	assert.Equal(t, first.MonthlyID, monthly[0].ID)
	assert.Equal(t, 2, monthly[0].Months)

	theirs, err := f.client.Donations(ctx, "buyer-2", "", 10)
	require.NoError(t, err)
	require.Len(t, theirs, 1)
	assert.Equal(t, other.ID, theirs[0].ID)
	none, err := f.client.MonthlyGifts(ctx, "buyer-2", "", 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	for name, err := range map[string]error{
		"no donor":       second(f.client.Donations(ctx, "", "", 10)),
		"no limit":       second(f.client.Donations(ctx, buyer, "", 0)),
		"limit over 100": second(f.client.MonthlyGifts(ctx, buyer, "", 101)),
		"after too long": second(f.client.Donations(ctx, buyer, strings.Repeat("d", provider.MaxIDLength+1), 10)),
	} {
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	for name, err := range map[string]error{
		"after a monthly gift":       second(f.client.Donations(ctx, buyer, first.MonthlyID, 10)),
		"monthly after a donation":   second(f.client.MonthlyGifts(ctx, buyer, first.ID, 10)),
		"monthly after no such gift": second(f.client.MonthlyGifts(ctx, buyer, "mon_nope", 10)),
	} {
		assert.ErrorIs(t, err, buybutton.ErrNotFound, name)
	}
	_, err = f.client.Donations(ctx, buyer, other.ID, 10)
	assert.ErrorIs(t, err, buybutton.ErrForbidden, "after another donor's gift")
}

func TestBuyersOnlyTouchTheirOwnDonations(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.Monthly = true
	d := f.give(t, cp, p)
	other := "buyer-2"
	for name, err := range map[string]error{
		"donation":        second(f.client.Donation(ctx, other, d.ID)),
		"receipt":         second(f.client.Receipt(ctx, other, d.ID)),
		"monthly":         second(f.client.MonthlyGift(ctx, other, d.MonthlyID)),
		"cancel":          second(f.client.CancelMonthly(ctx, other, d.MonthlyID)),
		"history":         second(f.client.Transitions(ctx, other, d.ID)),
		"monthly history": second(f.client.Transitions(ctx, other, d.MonthlyID)),
		"confirm":         second(f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: other, CheckoutID: d.CheckoutID, PaymentToken: memory.TokenApprove})),
	} {
		assert.ErrorIs(t, err, buybutton.ErrForbidden, name)
	}
	mg, err := f.client.MonthlyGift(ctx, buyer, d.MonthlyID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyActive, mg.Status)
	tr, err := f.client.Transitions(ctx, buyer, d.MonthlyID)
	require.NoError(t, err)
	require.Len(t, tr, 1)
	assert.Equal(t, "monthly", tr[0].Machine)
}

// TestCampaignTotalsStayExactUnderConcurrency: 32 donors giving 8 times
// each at once leave the campaign's Raised and Donors exact. The totals
// are compare-and-set with the donation's commit; the negative control
// runs the same against a store that writes the campaign at whatever
// version is current, and must lose gifts.
func TestCampaignTotalsStayExactUnderConcurrency(t *testing.T) {
	raised, donors := campaignTotalsUnderLoad(t, nil)
	assert.True(t, raised.Equal(usd("2560.00")), "raised %s, want 32 × 8 × 10.00", raised)
	assert.Equal(t, 32, donors)
}

func TestCampaignTotalsControlCatchesLostUpdates(t *testing.T) {
	raised, _ := campaignTotalsUnderLoad(t, lossyCampaigns{buybutton.NewMemoryStore()})
	assert.False(t, raised.Equal(usd("2560.00")), "a store without compare-and-set on campaigns kept every gift: the test cannot fail")
}

func campaignTotalsUnderLoad(t *testing.T, store buybutton.Store) (money.Amount, int) {
	f := newCharity(t, &buybutton.Options{Store: store})
	cp := f.campaign(t)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				f.giveTen(t, cp, "donor-"+string(rune('A'+i)))
			}
		}()
	}
	wg.Wait()
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	return got.Raised, got.Donors
}

// giveTen gives 10.00 to cp as donorID; safe to call from goroutines.
func (f charity) giveTen(t *testing.T, cp *buybutton.Campaign, donorID string) {
	p := ada(buybutton.DonorPrivacy{})
	p.BuyerID, p.CampaignID, p.Amount = donorID, cp.ID, usd("10.00")
	co, err := f.client.StartDonation(ctx, p)
	if !assert.NoError(t, err) {
		return
	}
	_, err = f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: p.BuyerID, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	assert.NoError(t, err)
}

// lossyCampaigns writes campaigns without compare-and-set, as a naive
// read-then-write UPDATE would.
type lossyCampaigns struct{ buybutton.Store }

func (s lossyCampaigns) Commit(ctx context.Context, tx *buybutton.Tx) error {
	if len(tx.Campaigns) > 0 {
		time.Sleep(100 * time.Microsecond) // a database round trip: other gifts commit meanwhile
	}
	for _, cp := range tx.Campaigns {
		if cur, err := s.Store.Campaign(ctx, cp.ID); err == nil {
			cp.Version = cur.Version // the naive UPDATE: whatever version is there now
		}
	}
	return s.Store.Commit(ctx, tx)
}

// TestFirstGiftsOfOneDonorRacingCountThemOnce: a donor's first gifts to a
// campaign, confirmed at once, each find no gift before them and index
// the donor; the store may report the loser's conflict on that index
// rather than on the campaign (a store that checks refs first, as
// PostgreSQL may, statement order being its own). The loser counts again
// and finds the donor indexed: every gift is kept, each donor counted
// once. Without the retry on the index, the losers' confirms fail.
func TestFirstGiftsOfOneDonorRacingCountThemOnce(t *testing.T) {
	store := &indexesFirst{Store: buybutton.NewMemoryStore()}
	f := newCharity(t, &buybutton.Options{Store: store})
	cp := f.campaign(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.giveTen(t, cp, "donor-"+string(rune('A'+i%4)))
		}()
	}
	wg.Wait()
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, got.Raised.Equal(usd("160.00")), "raised %s, want 16 × 10.00", got.Raised)
	assert.Equal(t, 4, got.Donors)
	assert.Positive(t, store.conflicts.Load(), "no first gift raced on the donor index: the test did not exercise it")
}

// TestDonationFaultsNeverLoseOrDoubleCharge: 200 donations, half of them
// monthly, confirmed by 8 goroutines while a third of the provider's calls
// fail (refused, timed out after the charge, answer lost). Retrying and
// reconciling, every donation ends recorded exactly once, and the
// provider charged exactly once for each.
func TestDonationFaultsNeverLoseOrDoubleCharge(t *testing.T) {
	const gifts = 200
	var faults *faulty.Provider
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		faults = faulty.Wrap(shop, faulty.Options{Rate: 0.33, Seed: 11})
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Donations, m.Monthly = faults, faults
		return m
	})
	faults.SetRate(0)
	cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD",
		Presets: []money.Amount{usd("10.00")}, Maximum: usd("100.00"),
	})
	require.NoError(t, err)
	faults.SetRate(0.33)

	ids := make([]string, 0, gifts)
	for len(ids) < gifts {
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID, p.Amount, p.Monthly, p.CoverFee = cp.ID, usd("10.00"), len(ids)%2 == 0, len(ids)%3 == 0
		co, err := f.client.StartDonation(ctx, p)
		if err != nil {
			require.False(t, errors.Is(err, buybutton.ErrInvalidInput), "%v", err)
			continue // the provider failed a read: nothing was stored
		}
		ids = append(ids, co.ID)
	}
	confirmUntilSettled(t, f, ids, func(id string) error {
		_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id, PaymentToken: memory.TokenApprove})
		return err
	})

	want := usd("0")
	for _, id := range ids {
		co := f.checkout(t, id)
		require.Equal(t, buybutton.CheckoutPlaced, co.State, "checkout %s", id)
		d, err := f.client.Donation(ctx, buyer, co.DonationID)
		require.NoError(t, err)
		pd, err := f.shop.Donation(ctx, d.ProviderDonationID)
		require.NoError(t, err)
		assert.True(t, pd.Amount.Equal(d.Charged), "charged %s, recorded %s", pd.Amount, d.Charged)
		want, _ = want.Add(d.Amount)
	}
	counts := faults.Counts()
	t.Logf("faults injected: %v; provider: %+v", counts, f.shop.Stats())
	assert.Equal(t, gifts, f.shop.Stats().Donations, "one charge per donation, none lost, none twice")
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, got.Raised.Equal(want), "raised %s, want %s", got.Raised, want)
	for _, op := range []string{"donate", "start_monthly"} {
		for _, fault := range []faulty.Fault{faulty.Unavailable, faulty.Timeout, faulty.Lost} {
			assert.Positive(t, counts[op][fault], "no %s fault was injected into %s", fault, op)
		}
	}
}

// invoiceMonths is a platform whose monthly donations are invoices paid
// by a payment of another id, which its refund events name (Stripe's
// invoices and their PaymentIntents).
type invoiceMonths struct{ *memory.Provider }

func paymentOfMonth(donationID string) string { return "pay_" + donationID }

// newInvoiceCharity is newCharity on invoiceMonths.
func newInvoiceCharity(t *testing.T) charity {
	return charity{fixture: buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Donations, m.Monthly = invoiceMonths{shop}, invoiceMonths{shop}
		return m
	})}
}

// giveMonthly starts the donor's monthly gift of 25.00 to cp and delivers
// the platform's webhooks; it returns the first month.
func (f charity) giveMonthly(t *testing.T, cp *buybutton.Campaign) *buybutton.Donation {
	t.Helper()
	p := ada(buybutton.DonorPrivacy{})
	p.Monthly = true
	first := f.give(t, cp, p)
	f.deliver(t)
	return first
}

func (p invoiceMonths) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	m, err := p.Provider.StartMonthly(ctx, req)
	m.First.PaymentID = paymentOfMonth(m.First.ID)
	return m, err
}

// Donation reads a donation by its id or, as the contract allows, by its
// payment's.
func (p invoiceMonths) Donation(ctx context.Context, id string) (provider.Donation, error) {
	d, err := p.Provider.Donation(ctx, strings.TrimPrefix(id, "pay_"))
	if d.MonthlyID != "" {
		d.PaymentID = paymentOfMonth(d.ID)
	}
	return d, err
}

// TestRefundOfAMonthNamingItsPaymentIsRecorded: a refund made on the
// dashboard of one month of a monthly donation, first or renewal, whose
// event names the month's payment rather than the month (Stripe's
// refund of an invoice's PaymentIntent), is recorded on that month, and
// the campaign stops counting it. Before, no donation was found by the
// payment, and the refund was ignored.
func TestRefundOfAMonthNamingItsPaymentIsRecorded(t *testing.T) {
	f := newInvoiceCharity(t)
	cp := f.campaign(t)
	first := f.giveMonthly(t, cp)
	f.renewMonthly(t)
	events, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	var second *buybutton.Donation
	for _, e := range events {
		if e.Type == buybutton.EventDonationSucceeded && e.DonationID != first.ID {
			d, err := f.client.Donation(ctx, buyer, e.DonationID)
			require.NoError(t, err)
			second = d
		}
	}
	require.NotNil(t, second, "the renewal is recorded")

	for i, d := range []*buybutton.Donation{first, second} {
		amount := usd("5.00")
		h, body := f.shop.Sign(provider.Event{ID: fmt.Sprintf("evt_month_refund_%d", i), Type: provider.EventPaymentRefunded, PaymentID: paymentOfMonth(d.ProviderDonationID), RefundID: fmt.Sprintf("re_month_%d", i), Amount: &amount}, f.clock.Now())
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
		got, err := f.client.Donation(ctx, buyer, d.ID)
		require.NoError(t, err)
		require.Len(t, got.Refunds, 1, "month %d", i+1)
		assert.Equal(t, fmt.Sprintf("re_month_%d", i), got.Refunds[0].ProviderRefundID)
	}
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, got.Raised.Equal(usd("40.00")), "two months of 25.00, each 5.00 refunded: %s", got.Raised)
}

// TestConfirmDonationRacesNoReader confirms a donation while the buyer's
// app reads its checkout. Confirm re-prices the gift (the nonprofit's name
// as the platform gives it now) on the checkout it read: under -race, a
// store that hands out a checkout sharing its gift with the one it keeps
// (as the memory store once did) fails this.
func TestConfirmDonationRacesNoReader(t *testing.T) {
	f := newCharity(t, nil)
	p := ada(buybutton.DonorPrivacy{ShareWithNonprofit: true})
	p.CampaignID = f.campaign(t).ID
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
		assert.NoError(t, err)
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			got, err := f.client.Checkout(ctx, buyer, co.ID)
			if assert.NoError(t, err) {
				assert.NotEmpty(t, got.Gift.NonprofitName)
			}
		}
	}()
	wg.Wait()
}

// TestADonationsDisputeIsToldOnce: a chargeback on a gift, and its end,
// reach the host as one payment.disputed and one payment.dispute_closed
// naming the donation, however often the webhooks come, whether the
// platform sends them as a payment's (as Stripe does, naming only the
// PaymentIntent) or as a donation's. The dispute lost, the gift no longer
// counts in its campaign's total. Before, a payment's dispute that named
// no order was dropped, and the host never heard of it.
func TestADonationsDisputeIsToldOnce(t *testing.T) {
	for _, as := range []provider.EventType{provider.EventPaymentDisputed, provider.EventDonationDisputed} {
		t.Run(string(as), func(t *testing.T) {
			f := newCharity(t, nil)
			cp := f.campaign(t)
			d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
			disputed := usd("25.00")
			e := provider.Event{Amount: &disputed}
			if as == provider.EventPaymentDisputed {
				e.PaymentID = d.ProviderDonationID
			} else {
				e.Type, e.DonationID = as, d.ProviderDonationID
			}
			opened, closed := disputeEvents(t, f.fixture, e)
			for _, got := range []buybutton.Event{opened, closed} {
				assert.Equal(t, d.ID, got.DonationID)
				assert.Equal(t, cp.ID, got.CampaignID)
				assert.Empty(t, got.OrderID)
				assert.Equal(t, "25.00 USD", got.Amount.String())
			}
			assert.Equal(t, "fraudulent", opened.Reason)
			assert.Equal(t, provider.DisputeLost, closed.Reason)
			after, err := f.client.Campaign(ctx, cp.ID)
			require.NoError(t, err)
			assert.True(t, after.Raised.IsZero(), "raised %s", after.Raised)
			got, err := f.client.Donation(ctx, buyer, d.ID)
			require.NoError(t, err)
			assert.Equal(t, buybutton.DonationChargedBack, got.State())
			assert.Equal(t, []string{">succeeded", "succeeded>disputed", "disputed>charged_back"}, f.path(t, d.ID, "donation"))
		})
	}
}
