package buybutton_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// nulRefusingStore refuses, as PostgreSQL does (its text cannot hold
// NUL: "unsupported Unicode escape sequence"), to commit a record with a
// NUL anywhere in it.
type nulRefusingStore struct{ buybutton.Store }

func (s nulRefusingStore) Commit(ctx context.Context, tx *buybutton.Tx) error {
	b, err := json.Marshal(tx)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return errors.New("nulRefusingStore: unsupported Unicode escape sequence")
	}
	return s.Store.Commit(ctx, tx)
}

// answeringAuthorize is the memory platform answering every authorization
// with err.
type answeringAuthorize struct {
	*memory.Provider
	err error
}

func (p answeringAuthorize) Authorize(context.Context, provider.AuthorizeRequest) (provider.Payment, error) {
	return provider.Payment{}, p.err
}

// TestPlatformTextIsKeptClean: what a platform says in words (a reason, a
// decline message, a carrier, an error) reaches the store with its
// control characters replaced, so that a NUL in it neither blocks the
// webhook (every delivery refused by the database, for ever) nor leaves a
// checkout unrecorded; an id with one cannot be the platform's, and its
// event is refused.
func TestPlatformTextIsKeptClean(t *testing.T) {
	t.Run("webhook text", func(t *testing.T) {
		f := newShop(t, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}})
		o := f.placed(t)
		f.deliver(t)
		for _, e := range []provider.Event{
			{ID: "evt_ship", Type: provider.EventOrderShipped, OrderID: o.ProviderOrderID, Shipment: &provider.Shipment{Carrier: "UP\x00S", TrackingNumber: "1Z\x01"}},
			{ID: "evt_dispute", Type: provider.EventPaymentDisputed, PaymentID: o.PaymentID, DisputeID: "dp_1", Amount: &o.Captured, Reason: "fraud\x00ulent"},
			{ID: "evt_dispute_long", Type: provider.EventPaymentDisputed, PaymentID: o.PaymentID, DisputeID: "dp_2", Amount: &o.Captured, Reason: "\xff" + strings.Repeat("é", 600)},
		} {
			h, body := f.shop.Sign(e, f.clock.Now())
			require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body), e.ID)
		}
		got := f.order(t, o.ID)
		require.Len(t, got.Shipments, 1)
		assert.Equal(t, "UP\uFFFDS", got.Shipments[0].Carrier)
		assert.Equal(t, "1Z\uFFFD", got.Shipments[0].TrackingNumber)
		events, err := f.client.PendingEvents(ctx, 100)
		require.NoError(t, err)
		var reasons []string
		for _, e := range events {
			if e.Type == buybutton.EventPaymentDisputed {
				reasons = append(reasons, e.Reason)
			}
		}
		assert.Equal(t, []string{"fraud\uFFFDulent", "\uFFFD" + strings.Repeat("é", 499) + "…"}, reasons, "control characters and bad bytes replaced, 500 characters kept")
	})
	t.Run("an id with a NUL", func(t *testing.T) {
		f := newShop(t, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}})
		o := f.placed(t)
		f.deliver(t)
		a := usd("1.00")
		e := provider.Event{ID: "evt_refund", Type: provider.EventPaymentRefunded, PaymentID: o.PaymentID, RefundID: "re_\x00", Amount: &a}
		h, body := f.shop.Sign(e, f.clock.Now())
		require.ErrorIs(t, f.client.HandleWebhook(ctx, shopID, h, body), buybutton.ErrInvalidInput)
		assert.Empty(t, f.order(t, o.ID).Refunds)
	})
	for _, tc := range []struct {
		name  string
		err   error
		kind  error
		state buybutton.CheckoutState
	}{
		{"a decline message", &provider.DeclineError{Code: "card_declined", Message: "Declined\x00 by the bank"}, provider.ErrDeclined, buybutton.CheckoutShippingSelected},
		{"an error's words", fmt.Errorf("connection reset\x00: %w", provider.ErrUnknownOutcome), provider.ErrUnknownOutcome, buybutton.CheckoutUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := buildFixture(t, nil, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}}, func(p *memory.Provider) buybutton.Merchant {
				return buybutton.MerchantFrom(shopID, "Demo Shop", answeringAuthorize{Provider: p, err: tc.err})
			})
			co := f.ready(t, buyer, book(1))
			_, err := f.confirm(co, memory.TokenApprove)
			require.ErrorIs(t, err, tc.kind)
			got := f.checkout(t, co.ID)
			assert.Equal(t, tc.state, got.State, "the attempt's end was recorded")
			if got.LastError != nil {
				assert.NotContains(t, got.LastError.Message, "\x00")
			}
		})
	}
}

// renamingNonprofits is the memory platform giving its nonprofits the name
// in *name, when set.
type renamingNonprofits struct {
	*memory.Provider
	name *string
}

func (p renamingNonprofits) Nonprofits(ctx context.Context, ids []string) ([]provider.Nonprofit, error) {
	got, err := p.Provider.Nonprofits(ctx, ids)
	for i := range got {
		if *p.name != "" {
			got[i].Name = *p.name
		}
	}
	return got, err
}

// TestANonprofitNameUnfitToShowIsRefused: a nonprofit's name is shown on
// the card and cited on the receipt, so one the platform sends with a
// control character in it is not cleaned but refused, before a checkout
// is stored or anything is charged.
func TestANonprofitNameUnfitToShowIsRefused(t *testing.T) {
	name := ""
	store := &countingStore{Store: nulRefusingStore{buybutton.NewMemoryStore()}}
	f := buildFixture(t, nil, &buybutton.Options{Store: store}, func(p *memory.Provider) buybutton.Merchant {
		return buybutton.MerchantFrom(shopID, "Demo Shop", renamingNonprofits{Provider: p, name: &name})
	})
	cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells for Wajir", Currency: "USD",
		Presets: []money.Amount{usd("25.00")}, Maximum: usd("1000.00"),
	})
	require.NoError(t, err)
	name = "Clean\x00Water"
	written := store.commits
	p := ada(buybutton.DonorPrivacy{})
	p.CampaignID = cp.ID
	_, err = f.client.StartDonation(ctx, p)
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	_, err = f.client.AttachDonateCard(ctx, buybutton.DonateCardParams{PostID: "post-1", CampaignID: cp.ID})
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	assert.Equal(t, written, store.commits, "nothing was stored")
	assert.Zero(t, f.shop.Stats().Donations)
}

// badIDs is the memory platform answering the request named which with
// an id that has a NUL in it: one no store can keep (PostgreSQL cannot)
// and the library cannot name again; or, for "action", a payment action
// no client can take.
type badIDs struct {
	*memory.Provider
	which string
}

func (p badIDs) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	r, err := p.Provider.Reserve(ctx, req)
	if p.which == "reserve" {
		r.ID += "\x00"
	}
	return r, err
}

func (p badIDs) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	pay, err := p.Provider.Authorize(ctx, req)
	switch {
	case p.which == "authorize":
		pay.ID += "\x00"
	case p.which == "action" && pay.NextAction != nil:
		pay.NextAction = &provider.NextAction{RedirectURL: "javascript:alert(1)", ClientSecret: "secret\x00"}
	}
	return pay, err
}

func (p badIDs) Payment(ctx context.Context, id string) (provider.Payment, error) {
	pay, err := p.Provider.Payment(ctx, id)
	if p.which == "action" && pay.NextAction != nil {
		pay.NextAction = &provider.NextAction{RedirectURL: "javascript:alert(1)", ClientSecret: "secret\x00"}
	}
	return pay, err
}

func (p badIDs) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	o, err := p.Provider.PlaceOrder(ctx, req)
	if p.which == "place order" {
		o.ID += "\x00"
	}
	return o, err
}

func (p badIDs) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	d, err := p.Provider.Donate(ctx, req)
	if p.which == "donate" {
		d.ID += "\x00"
	}
	return d, err
}

func (p badIDs) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	r, err := p.Provider.Refund(ctx, req)
	if p.which == "refund" {
		r.ID = ""
	}
	return r, err
}

// TestAnswersWithIDsNoStoreCanKeepAreUnknownOutcomes: a platform that
// answers a request with an id the library cannot keep did something it
// cannot name. That is an unknown outcome, never a failure to undo: the
// checkout waits for Reconcile, nothing is voided or released on a guess,
// and the store is never asked to keep the id.
func TestAnswersWithIDsNoStoreCanKeepAreUnknownOutcomes(t *testing.T) {
	for _, which := range []string{"reserve", "authorize", "place order", "action"} {
		t.Run(which, func(t *testing.T) {
			token := memory.TokenApprove
			if which == "action" {
				token = memory.TokenActionRequired // answered with an action no client can take
			}
			f := buildFixture(t, nil, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}}, func(p *memory.Provider) buybutton.Merchant {
				return buybutton.MerchantFrom(shopID, "Demo Shop", badIDs{Provider: p, which: which})
			})
			co := f.ready(t, buyer, book(1))
			_, err := f.confirm(co, token)
			require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
			assert.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
			assert.Zero(t, f.shop.Stats().Voids, "nothing undone on a guess")
		})
	}
	t.Run("donate", func(t *testing.T) {
		f := buildFixture(t, nil, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}}, func(p *memory.Provider) buybutton.Merchant {
			return buybutton.MerchantFrom(shopID, "Demo Shop", badIDs{Provider: p, which: "donate"})
		})
		cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
			MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD", Presets: []money.Amount{usd("25.00")}, Maximum: usd("1000.00"),
		})
		require.NoError(t, err)
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID = cp.ID
		co, err := f.client.StartDonation(ctx, p)
		require.NoError(t, err)
		_, err = f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
		require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
		got, err := f.client.Checkout(ctx, buyer, co.ID)
		require.NoError(t, err)
		assert.Equal(t, buybutton.CheckoutUnknown, got.State)
	})
	t.Run("refund", func(t *testing.T) {
		f := buildFixture(t, nil, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}}, func(p *memory.Provider) buybutton.Merchant {
			return buybutton.MerchantFrom(shopID, "Demo Shop", badIDs{Provider: p, which: "refund"})
		})
		o := f.placed(t)
		r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("10.00"), Reason: "damaged", IdempotencyKey: "k1"})
		require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
		assert.Equal(t, buybutton.RefundPending, r.Status, "pending until the platform names it")
	})
}
