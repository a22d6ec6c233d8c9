package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

// libraryRacing runs the library on stores made by newStore, as two app
// instances (two Clients that share nothing but the store) over the memory
// platform, with buyers, donors, the host and the platform all acting at
// once on the same checkouts, through either instance: buyers confirming (a
// checkout, or its group), cancelling and completing bank steps, and
// reaching for others' (ErrForbidden); the host cancelling and refunding
// orders, reading the library's events and running maintenance; the merchant
// repricing, shipping, cancelling and refunding on its platform's dashboard;
// the card's issuer ending holds, or approving half of a hold or a gift
// (which nothing may be placed or recorded on); and the platform
// delivering webhooks, with
// a fifth of its calls failing every way, while the clock runs past every
// hold and lease; under either capture policy. Donors give, one-off and
// monthly, beside the buyers; about three months of the platform's monthly
// billing follow, racing donors ending their gifts and cards that start
// declining, and maintenance deleting, under Options.Retention, the
// idempotency records and webhook marks that have grown old.
//
// When the faults stop and maintenance has run, the library and the
// platform tell one story:
//   - every checkout ended; each placed one has one order at the platform,
//     canceled there if and only if in the library;
//   - every payment the platform made is captured or held for exactly one
//     order, of its total, with what the library recorded as captured and
//     refunded, or released (voided, or refunded in full);
//   - the stock left is the stock less what was kept;
//   - every gift at the platform is one donation with its amounts, or moved
//     no money, or came back; each monthly gift counts the months the
//     platform charged and ends when it ends there; the campaign's totals
//     are its donations';
//   - every change the records show was told to the host once, under one
//     id however often it was read, and nothing else was;
//   - every state change of every machine was recorded: each record's
//     transitions run unbroken from its creation to the state it is in.
//
// A store that loses an update, or answers a read with other than what
// was last committed, shows as a difference. On the library's side it
// found two bugs (see TestReleasesRacingEndWithoutAnError and
// TestCancellationRefundsWhatThePlatformHasLeft in the buybutton package).
func libraryRacing(t *testing.T, newStore StoreMaker) {
	for _, policy := range []struct {
		name string
		buybutton.CapturePolicy
	}{{"capture on place", buybutton.CaptureOnPlace}, {"capture on shipment", buybutton.CaptureOnShipment}} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s seed %d", policy.name, seed), func(t *testing.T) {
				raceAndSettle(t, newStore, policy.CapturePolicy, seed)
			})
		}
	}
}

// The shop the racing check sells from: the memory platform's demo
// catalog.
const shopID = "demo-shop"

var (
	tee        = memory.DemoTee + "-Black"
	california = provider.Address{Name: "Ada Lovelace", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}
	parcel     = provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z999", TrackingURL: "https://ups.example/1Z999"}
)

// racingFixture is a Client on the store under test, over a memory
// platform, all on one clock that the check moves.
type racingFixture struct {
	// client and other are two Clients on the same store and platform:
	// two app instances, which share nothing but the store.
	client, other *buybutton.Client
	shop          *memory.Provider
	clock         *memharness.Clock
	store         buybutton.Store
}

// either is one of the two app instances, at random.
func (f racingFixture) either(rng *rand.Rand) *buybutton.Client {
	if rng.IntN(2) == 0 {
		return f.client
	}
	return f.other
}

// ready starts a checkout of quantity tees for buyer, shipping standard
// to California.
func (f racingFixture) ready(t *testing.T, buyerID string, quantity int) *buybutton.Checkout {
	t.Helper()
	line := buybutton.CartLine{MerchantID: shopID, ProductID: memory.DemoTee, VariantID: tee, Quantity: quantity}
	_, cos, err := f.client.StartCheckout(context.Background(), buybutton.StartCheckoutParams{BuyerID: buyerID, Lines: []buybutton.CartLine{line}, ShipTo: &california})
	require.NoError(t, err)
	co, err := f.client.SelectShipping(context.Background(), buyerID, cos[0].ID, "standard")
	require.NoError(t, err)
	return co
}

func (f racingFixture) checkout(t *testing.T, id string) *buybutton.Checkout {
	t.Helper()
	co, err := f.store.Checkout(context.Background(), id)
	require.NoError(t, err)
	return co
}

// racingWorld is a shop whose buyers, host and platform all act at once
// on the same checkouts and orders.
type racingWorld struct {
	// ctx bounds the whole check, so that a store under test that leaves
	// a call waiting for ever (a claim never released) fails the check
	// instead of hanging it.
	ctx      context.Context
	f        racingFixture
	faults   *faulty.Provider
	payments []string // every payment the platform made
	gave     []string // every donation the platform made
	monthly  []string // every monthly donation the platform started
	// months are the donation.succeeded events of each monthly donation
	// the platform sent: the months it charged.
	months   map[string]map[string]bool
	campaign *buybutton.Campaign
	mu       sync.Mutex
	clockMu  sync.RWMutex               // held to move the clock, shared to deliver webhooks
	pruned   int                        // idempotency records and event marks that billing's maintenance deleted
	tokens   map[string]string          // checkout id -> the buyer's card
	gifts    map[string]bool            // the checkouts that are donations
	ids      []string                   // checkouts
	failed   []provider.Event           // deliveries the library did not take, for the platform to retry
	odd      []error                    // outcomes no caller should get
	events   map[string]buybutton.Event // every event the host read, by id
	// shown are the payments (and donations) each checkout was seen
	// waiting on, by checkout: a buyer may take a bank step they were
	// sent long after the attempt that sent it (a platform's reminder).
	shown map[string][]string
	cards []string // every checkout's usual card, sorted: the cards the check has
}

func raceAndSettle(t *testing.T, newStore StoreMaker, policy buybutton.CapturePolicy, seed uint64) {
	const stock, checkouts, gifts, workers, steps = 40, 80, 30, 16, 400
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &racingWorld{ctx: ctx, tokens: map[string]string{}, gifts: map[string]bool{}, months: map[string]map[string]bool{}, events: map[string]buybutton.Event{}, shown: map[string][]string{}}
	clock := memharness.NewClock(t0)
	shop := memory.New(&memory.Options{Now: clock.Now})
	rec := recordingPayments{Provider: shop, mu: &w.mu, made: &w.payments, gave: &w.gave, monthly: &w.monthly}
	w.faults = faulty.Wrap(rec, faulty.Options{Rate: 0, Seed: seed})
	m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
	m.Inventory, m.Quotes, m.Orders, m.Payments, m.Donations, m.Monthly = w.faults, w.faults, w.faults, w.faults, w.faults, w.faults
	// A gift given up while it waits for its donor's step is withdrawn
	// where the platform can; odd seeds play one that cannot, whose gift
	// is refunded if the donor completes the step, so that both ways of
	// giving it back race.
	m.Withdrawals = w.faults
	if seed%2 == 1 {
		m.Withdrawals = nil
	}
	store := newStore(t)
	instance := func() *buybutton.Client {
		c, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{m}, Store: store, Capture: policy, Now: clock.Now, Retention: buybutton.MinRetention})
		require.NoError(t, err)
		return c
	}
	w.f = racingFixture{client: instance(), other: instance(), shop: shop, clock: clock, store: store}
	require.NoError(t, w.f.shop.SetStock(tee, stock))
	var err error
	w.campaign, err = w.f.client.CreateCampaign(w.ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD",
		Presets: []money.Amount{money.MustParse("10.00", "USD")}, Maximum: money.MustParse("100.00", "USD"),
	})
	require.NoError(t, err)
	cards := []string{memory.TokenApprove, memory.TokenApprove, memory.TokenApprove, memory.TokenApprove, memory.TokenDecline, memory.TokenActionRequired, tokenShort}
	for i := range checkouts {
		co := w.f.ready(t, fmt.Sprintf("buyer-%d", i%8), 1+i%2)
		w.ids = append(w.ids, co.ID)
		w.tokens[co.ID] = cards[i%len(cards)]
	}
	// Every kind of card gives one-off and monthly, with and without the
	// fee covered: twenty kinds of gift in the thirty. (A monthly gift
	// with a bank step, missing while these followed the purchases'
	// cards, found the bug of TestAGiftAnAttemptGaveUpOnIsReturnedWhenItSucceeds.)
	giftCards := []string{memory.TokenApprove, memory.TokenApprove, memory.TokenDecline, memory.TokenActionRequired, tokenShort}
	for i := range gifts {
		co, err := w.f.client.StartDonation(w.ctx, buybutton.StartDonationParams{
			BuyerID: fmt.Sprintf("donor-%d", i%4), CampaignID: w.campaign.ID, Amount: money.MustParse("10.00", "USD"),
			CoverFee: i/10%2 == 0, Monthly: i/5%2 == 0, Donor: provider.Contact{Name: "Ada Lovelace", Email: "ada@example.com"},
		})
		require.NoError(t, err)
		w.ids = append(w.ids, co.ID)
		w.tokens[co.ID] = giftCards[i%len(giftCards)]
		w.gifts[co.ID] = true
	}
	w.cards = slices.Sorted(maps.Values(w.tokens))

	w.faults.SetRate(0.2)
	var wg sync.WaitGroup
	for n := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			for range steps {
				w.act(rng)
			}
		}()
	}
	wg.Wait()
	w.settle(t)
	w.bill(t, seed)
	for _, err := range w.odd {
		t.Errorf("an outcome no caller should get: %v", err)
	}
	w.check(t, policy, stock)
}

// act is one thing a buyer, the host or the platform does.
func (w *racingWorld) act(rng *rand.Rand) {
	c, f := w.f.either(rng), w.f
	id := w.ids[rng.IntN(len(w.ids))]
	co, err := f.store.Checkout(w.ctx, id)
	if err != nil {
		w.note(err)
		return
	}
	if co.PaymentID != "" {
		w.mu.Lock()
		if !slices.Contains(w.shown[id], co.PaymentID) {
			w.shown[id] = append(w.shown[id], co.PaymentID)
		}
		w.mu.Unlock()
	}
	switch op := rng.IntN(100); {
	case w.gifts[id] && (op < 30 || op >= 64 && op < 70 || op >= 74):
		err = w.give(rng, co, op)
	case op < 24:
		_, err = c.Confirm(w.ctx, buybutton.ConfirmParams{BuyerID: co.BuyerID, CheckoutID: id, PaymentToken: w.card(rng, id)})
	case op < 30: // the buyer confirms the checkout's group, as one tap on a cart does
		_, err = c.ConfirmGroup(w.ctx, buybutton.ConfirmParams{BuyerID: co.BuyerID, CheckoutID: co.GroupID, PaymentToken: w.card(rng, id)})
	case op < 36:
		_, err = c.CancelCheckout(w.ctx, co.BuyerID, id)
	case op < 42:
		_, err = c.Reconcile(w.ctx, id)
	case op < 44:
		w.stranger(rng, co)
	case op < 47:
		_, err = c.Maintain(w.ctx, 20)
	case op < 50:
		err = w.readEvents(rng.IntN(2) == 0)
	case op < 54:
		w.advance(time.Duration(1+rng.IntN(3)) * time.Minute)
	case op < 64:
		w.deliver()
	case op < 70:
		w.merchant(rng, co.OrderID)
	case op < 74:
		w.mu.Lock()
		shown := slices.Clone(w.shown[id])
		w.mu.Unlock()
		if len(shown) > 0 {
			// The buyer passes or fails a bank step they were shown, the
			// attempt's under way or an earlier one's; a payment that is
			// not waiting for one refuses, as a bank page would.
			_ = f.shop.CompleteAction(shown[rng.IntN(len(shown))], rng.IntN(2) == 0)
		}
	case op < 77:
		if co.OrderID != "" {
			_, err = c.CancelOrder(w.ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: co.OrderID, Reason: "fraud"})
		}
	case op < 90:
		if co.OrderID != "" {
			_, err = c.RefundOrder(w.ctx, buybutton.RefundParams{
				OrderID: co.OrderID, Amount: money.MustParse("1.00", "USD"), Reason: "goodwill",
				IdempotencyKey: fmt.Sprintf("goodwill-%s-%d", co.OrderID, rng.IntN(3)),
			})
		}
	default:
		if co.OrderID != "" {
			_, err = c.ReconcileOrder(w.ctx, co.OrderID)
		}
	}
	w.note(err)
}

// stranger is another buyer reaching for co, or its order or donation,
// by its id: whatever they try is ErrForbidden.
func (w *racingWorld) stranger(rng *rand.Rand, co *buybutton.Checkout) {
	c, who := w.f.either(rng), "buyer-stranger"
	var err error
	switch rng.IntN(6) {
	case 0:
		_, err = c.Checkout(w.ctx, who, co.ID)
	case 1:
		_, err = c.Confirm(w.ctx, buybutton.ConfirmParams{BuyerID: who, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	case 2:
		_, err = c.CancelCheckout(w.ctx, who, co.ID)
	case 3:
		_, err = c.ConfirmDonation(w.ctx, buybutton.ConfirmParams{BuyerID: who, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	case 4:
		if co.OrderID == "" {
			return
		}
		_, err = c.CancelOrder(w.ctx, buybutton.CancelOrderParams{BuyerID: who, OrderID: co.OrderID})
	default:
		if co.DonationID == "" {
			return
		}
		_, err = c.Donation(w.ctx, who, co.DonationID)
	}
	if !errors.Is(err, buybutton.ErrForbidden) {
		w.mu.Lock()
		w.odd = append(w.odd, fmt.Errorf("a stranger reaching for checkout %s got %v, not ErrForbidden", co.ID, err))
		w.mu.Unlock()
	}
}

// give is act's part for a donation's checkout: the donor confirming or
// ending a monthly gift, the host refunding part of the gift or
// reconciling it, or the nonprofit's platform refunding part of it from
// its dashboard.
func (w *racingWorld) give(rng *rand.Rand, co *buybutton.Checkout, op int) error {
	c, f := w.f.either(rng), w.f
	switch {
	case op < 30:
		_, err := c.ConfirmDonation(w.ctx, buybutton.ConfirmParams{BuyerID: co.BuyerID, CheckoutID: co.ID, PaymentToken: w.card(rng, co.ID)})
		return err
	case co.DonationID == "":
		return nil
	case op < 67:
		d, err := f.store.Donation(w.ctx, co.DonationID)
		if err != nil || d.MonthlyID == "" {
			return err
		}
		_, err = c.CancelMonthly(w.ctx, co.BuyerID, d.MonthlyID)
		return err
	case op < 70:
		d, err := f.store.Donation(w.ctx, co.DonationID)
		if err != nil {
			return err
		}
		_, _ = f.shop.RefundDonation(w.ctx, provider.RefundDonationRequest{IdempotencyKey: fmt.Sprint("dashboard-", d.ID, rng.IntN(2)), DonationID: d.ProviderDonationID, Amount: money.MustParse("2.00", "USD")})
		return nil
	case op < 90:
		_, err := c.RefundDonation(w.ctx, buybutton.RefundDonationParams{
			DonationID: co.DonationID, Amount: money.MustParse("1.00", "USD"), Reason: "goodwill",
			IdempotencyKey: fmt.Sprintf("goodwill-%s-%d", co.DonationID, rng.IntN(3)),
		})
		return err
	default:
		_, err := c.ReconcileDonation(w.ctx, co.DonationID)
		return err
	}
}

// merchant is the merchant, on its platform's dashboard, repricing the
// tee, or shipping the order of orderID, cancelling it, or refunding part
// of it; or the card's issuer ending the order's hold. The platform
// refuses what the order's state does not allow, and tells the library of
// what it did by webhook.
func (w *racingWorld) merchant(rng *rand.Rand, orderID string) {
	if rng.IntN(12) == 0 {
		// A new price or promotion for the tee, which checkouts quoted
		// before it meet at their confirm.
		_ = w.f.shop.SetPrice(tee, money.MustParse([]string{"24.00", "25.00", "26.50"}[rng.IntN(3)], "USD"))
		_ = w.f.shop.SetPromotion(tee, []int{0, 0, 10, 25}[rng.IntN(4)])
		return
	}
	if orderID == "" {
		return
	}
	o, err := w.f.store.Order(w.ctx, orderID)
	if err != nil {
		w.note(err)
		return
	}
	switch rng.IntN(5) {
	case 3:
		_ = w.f.shop.LapseHold(o.PaymentID) // held too long: the card's issuer ends the hold
	case 4: // one parcel of several: the order ships in part
		_ = w.f.shop.ShipPart(o.ProviderOrderID, provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z" + o.ID[4:12], TrackingURL: "https://ups.example/" + o.ID[4:12]})
	case 0:
		_ = w.f.shop.ShipOrder(o.ProviderOrderID, parcel)
	case 1:
		_, _ = w.f.shop.CancelOrder(w.ctx, provider.CancelOrderRequest{IdempotencyKey: "dashboard-cancel", OrderID: o.ProviderOrderID, Reason: "out of ink"})
	default:
		_, _ = w.f.shop.Refund(w.ctx, provider.RefundRequest{IdempotencyKey: fmt.Sprint("dashboard-", orderID, rng.IntN(2)), PaymentID: o.PaymentID, Amount: money.MustParse("2.00", "USD")})
	}
}

// readEvents is the host reading a page of the library's events; it
// acknowledges them only if ack, so that they come again, as they do to
// a host that fails before it acknowledges.
func (w *racingWorld) readEvents(ack bool) error {
	events, err := w.f.client.PendingEvents(w.ctx, 100)
	if err != nil {
		return err
	}
	ids := make([]string, len(events))
	w.mu.Lock()
	for i, e := range events {
		if was, ok := w.events[e.ID]; ok && !reflect.DeepEqual(was, e) {
			w.odd = append(w.odd, fmt.Errorf("event %s read as %+v, then as %+v", e.ID, was, e))
		}
		w.events[e.ID], ids[i] = e, e.ID
	}
	w.mu.Unlock()
	if !ack || len(ids) == 0 {
		return nil
	}
	return w.f.client.AckEvents(w.ctx, ids...)
}

// deliver posts the platform's webhooks, and again those the library did
// not take before, re-signed now, as the platform retries them. The clock
// stands still while it does: a platform delivers in seconds and retries
// for days, where a jump of the check's clock by another worker between
// taking a delivery and posting it would make it weeks, and a delivery
// older than the library's Retention is refused by design.
func (w *racingWorld) deliver() {
	w.clockMu.RLock()
	defer w.clockMu.RUnlock()
	w.mu.Lock()
	retry := w.failed
	w.failed = nil
	w.mu.Unlock()
	for _, d := range w.f.shop.TakeDeliveries() {
		var e provider.Event
		if err := json.Unmarshal(d.Body, &e); err != nil {
			w.note(err)
			continue
		}
		if e.Type == provider.EventDonationSucceeded && e.MonthlyID != "" {
			w.mu.Lock()
			if w.months[e.MonthlyID] == nil {
				w.months[e.MonthlyID] = map[string]bool{}
			}
			w.months[e.MonthlyID][e.DonationID] = true
			w.mu.Unlock()
		}
		retry = append(retry, e)
	}
	for _, e := range retry {
		if err := w.post(e); err != nil {
			w.note(err)
			w.mu.Lock()
			w.failed = append(w.failed, e)
			w.mu.Unlock()
		}
	}
}

// post signs e now and posts it to the library.
func (w *racingWorld) post(e provider.Event) error {
	h, b := w.f.shop.Sign(e, w.f.clock.Now())
	return w.f.client.HandleWebhook(w.ctx, shopID, h, b)
}

// advance moves the clock on by d, between deliveries.
func (w *racingWorld) advance(d time.Duration) {
	w.clockMu.Lock()
	defer w.clockMu.Unlock()
	w.f.clock.Advance(d)
}

// card is the card a buyer confirms checkout id with: their usual one,
// or, one time in four, another card of the check's (after a decline,
// say).
func (w *racingWorld) card(rng *rand.Rand, id string) string {
	if rng.IntN(4) == 0 {
		return w.cards[rng.IntN(len(w.cards))]
	}
	return w.tokens[id]
}

// note keeps err if no caller should ever get it: a caller doing what a
// buyer or a host may do gets an outcome the API documents for it.
func (w *racingWorld) note(err error) {
	for _, k := range []error{
		buybutton.ErrIllegalTransition, buybutton.ErrActionRequired, buybutton.ErrUnknownOutcome, buybutton.ErrPriceChanged,
		buybutton.ErrRefundFailed, buybutton.ErrInProgress, buybutton.ErrUnexpectedAnswer, provider.ErrDeclined, provider.ErrOutOfStock,
		provider.ErrReservationExpired, provider.ErrUnavailable, provider.ErrRefundExceedsCapture,
		provider.ErrInvalidState, context.DeadlineExceeded, // a platform's call timed out
	} {
		if errors.Is(err, k) {
			return
		}
	}
	if err != nil {
		w.mu.Lock()
		w.odd = append(w.odd, err)
		w.mu.Unlock()
	}
}

// settle stops the faults and lets time, webhooks, reconciliation and
// maintenance finish what the race left owed, as a host's running
// maintenance would.
func (w *racingWorld) settle(t *testing.T) {
	w.faults.SetRate(0)
	for range 10 {
		w.advance(2 * time.Hour)
		w.deliver()
		_, err := w.f.client.Maintain(w.ctx, 1000)
		w.note(err)
		for _, id := range w.ids {
			co, err := w.f.store.Checkout(w.ctx, id)
			require.NoError(t, err)
			if co.State == buybutton.CheckoutUnknown {
				_, err := w.f.client.Reconcile(w.ctx, id)
				w.note(err)
			}
		}
	}
	w.deliver()
	assert.Empty(t, w.failed, "webhooks the library never took")
}

// bill runs the platform's monthly billing for about three months, while
// donors end monthly gifts, cards start declining, the host runs
// maintenance (which prunes what Retention no longer keeps) and the
// platform delivers webhooks, all at once, with faults; then settles.
func (w *racingWorld) bill(t *testing.T, seed uint64) {
	f := w.f
	w.faults.SetRate(0.2)
	var wg sync.WaitGroup
	for n := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 100+uint64(n)))
			for range 100 {
				switch op := rng.IntN(100); {
				case op < 5:
					w.advance(2 * 24 * time.Hour)
					f.shop.RenewDue()
				case op < 50:
					w.deliver()
				case op < 60:
					rep, err := f.client.Maintain(w.ctx, 20)
					w.note(err)
					w.mu.Lock()
					w.pruned += rep.Pruned
					w.mu.Unlock()
				default:
					co, err := f.store.Checkout(w.ctx, w.ids[rng.IntN(len(w.ids))])
					if err != nil || co.DonationID == "" {
						w.note(err)
						continue
					}
					d, err := f.store.Donation(w.ctx, co.DonationID)
					if err != nil || d.MonthlyID == "" {
						w.note(err)
						continue
					}
					if op < 70 {
						mg, err := f.store.MonthlyGift(w.ctx, d.MonthlyID)
						if err == nil {
							_ = f.shop.SetMonthlyToken(mg.ProviderMonthlyID, memory.TokenDecline)
						}
						w.note(err)
						continue
					}
					_, err = f.client.CancelMonthly(w.ctx, co.BuyerID, d.MonthlyID)
					w.note(err)
				}
			}
		}()
	}
	wg.Wait()
	w.settle(t)
}

// check compares the library's records with the platform's.
func (w *racingWorld) check(t *testing.T, policy buybutton.CapturePolicy, stock int) {
	f := w.f
	w.payments, w.gave, w.monthly = distinct(w.payments), distinct(w.gave), distinct(w.monthly)
	orders := map[string]*buybutton.Order{} // by payment
	sold := 0
	for _, id := range w.ids {
		co := f.checkout(t, id)
		if w.gifts[id] {
			continue // checkGifts
		}
		if !placedOrEnded(t, co) {
			assert.Empty(t, co.OrderID, "checkout %s is %s with an order", id, co.State)
			continue
		}
		o, err := f.store.Order(w.ctx, co.OrderID)
		require.NoError(t, err)
		assert.True(t, o.DueAt.IsZero(), "order %s still owes work", o.ID)
		require.NotContains(t, orders, o.PaymentID, "two orders on one payment")
		orders[o.PaymentID] = o
		if o.Status != buybutton.OrderCanceled {
			for _, l := range o.Lines {
				sold += l.Quantity
			}
		}
	}
	st := f.shop.Stats()
	assert.Equal(t, len(orders), st.Orders, "orders at the platform and in the library")

	lapsed := 0
	for _, id := range w.payments {
		pay, err := f.shop.Payment(w.ctx, id)
		require.NoError(t, err)
		o, ok := orders[id]
		if !ok {
			released := pay.Status == provider.PaymentVoided || pay.Status == provider.PaymentFailed ||
				(pay.Status == provider.PaymentCaptured && pay.Refunded.Equal(pay.Captured))
			assert.True(t, released, "payment %s of no order is %s, %s captured, %s refunded", id, pay.Status, pay.Captured, pay.Refunded)
			continue
		}
		switch {
		case o.CaptureFailure != "":
			lapsed++
			assert.Equal(t, provider.PaymentVoided, pay.Status, "order %s's capture failed: %s", o.ID, o.CaptureFailure)
		case o.Status == buybutton.OrderCanceled:
			released := pay.Status == provider.PaymentVoided || pay.Refunded.Equal(pay.Captured)
			assert.True(t, released, "canceled order %s's payment is %s, %s refunded of %s", o.ID, pay.Status, pay.Refunded, pay.Captured)
		case policy == buybutton.CaptureOnPlace || len(o.Shipments) > 0:
			assert.Equal(t, provider.PaymentCaptured, pay.Status, "order %s's payment", o.ID)
		default:
			assert.Equal(t, provider.PaymentAuthorized, pay.Status, "unshipped order %s's payment", o.ID)
		}
		tot := o.Totals
		sum, err := money.Sum(o.Currency, tot.Subtotal, tot.Discount.Neg(), tot.Shipping, tot.Tax, tot.Fee)
		require.NoError(t, err)
		assert.True(t, sum.Equal(tot.Total), "order %s: its totals %+v do not add up", o.ID, tot)
		assert.True(t, o.Authorized.Equal(tot.Total) && pay.Amount.Equal(tot.Total), "order %s of %s: %s authorized, %s at the platform", o.ID, tot.Total, o.Authorized, pay.Amount)
		assert.True(t, pay.Captured.Equal(o.Captured), "order %s: the platform captured %s, the library says %s", o.ID, pay.Captured, o.Captured)
		refunded := money.Zero(pay.Refunded.Currency())
		for _, r := range o.Refunds {
			if r.Status == buybutton.RefundSucceeded {
				var err error
				refunded, err = refunded.Add(r.Amount)
				require.NoError(t, err)
			}
		}
		assert.True(t, pay.Refunded.Equal(refunded), "order %s: the platform refunded %s, the library says %s", o.ID, pay.Refunded, refunded)
	}

	w.checkGifts(t)
	w.checkEvents(t)
	w.checkTransitions(t)
	for _, o := range orders {
		po, err := f.shop.Order(w.ctx, o.ProviderOrderID)
		require.NoError(t, err)
		if (po.Status == provider.OrderCanceled) != (o.Status == buybutton.OrderCanceled) {
			trs, _ := f.store.Transitions(w.ctx, o.ID)
			t.Errorf("order %s is %s, and %s at the platform; its cancellation %+v, refunds %+v, transitions %+v", o.ID, o.Status, po.Status, o.Cancellation, o.Refunds, trs)
		}
	}

	t.Logf("checkouts %d, orders %d (%d units kept, %d captures failed), payments %d; platform %+v; faults %v", len(w.ids), len(orders), sold, lapsed, len(w.payments), st, w.faults.Counts())
	// What is left to sell is exactly the stock less what was kept.
	left := stock - sold
	if left > 0 {
		_, err := f.shop.Reserve(w.ctx, provider.ReserveRequest{IdempotencyKey: "left", Lines: []provider.StockLine{{VariantID: tee, Quantity: left}}, TTL: time.Minute})
		assert.NoError(t, err, "%d units should be left", left)
	}
	_, err := f.shop.Reserve(w.ctx, provider.ReserveRequest{IdempotencyKey: "one more", Lines: []provider.StockLine{{VariantID: tee, Quantity: 1}}, TTL: time.Minute})
	assert.ErrorIs(t, err, provider.ErrOutOfStock, "more than %d units were left", left)
}

// placedOrEnded checks that co has ended, placed or not, and owes
// nothing back, and reports whether it was placed.
func placedOrEnded(t *testing.T, co *buybutton.Checkout) bool {
	t.Helper()
	assert.Contains(t, []buybutton.CheckoutState{buybutton.CheckoutPlaced, buybutton.CheckoutCanceled, buybutton.CheckoutExpired, buybutton.CheckoutFailed}, co.State, "checkout %s has not ended", co.ID)
	assert.False(t, co.Compensating, "checkout %s still owes its payment back", co.ID)
	return co.State == buybutton.CheckoutPlaced
}

// checkGifts compares the library's donations and campaign with the
// platform's donations.
func (w *racingWorld) checkGifts(t *testing.T) {
	f := w.f
	gifts := map[string]*buybutton.Donation{} // by the platform's id
	given := map[string][]string{}            // each donor's recorded donations and monthly gifts, by id
	raised := money.Zero("USD")
	donors := map[string]bool{}
	for id := range w.gifts {
		co := f.checkout(t, id)
		if !placedOrEnded(t, co) {
			assert.Empty(t, co.DonationID, "donation checkout %s is %s with a donation", id, co.State)
			continue
		}
		d, err := f.store.Donation(w.ctx, co.DonationID)
		require.NoError(t, err)
		assert.True(t, d.DueAt.IsZero(), "donation %s still owes work", d.ID)
		require.NotContains(t, gifts, d.ProviderDonationID, "two donations on one gift")
		gifts[d.ProviderDonationID] = d
		donors[d.BuyerID] = true
		given[d.BuyerID] = append(given[d.BuyerID], d.ID)
		kept, err := d.Amount.Sub(d.Refunded())
		require.NoError(t, err)
		if kept.IsPositive() {
			raised, err = raised.Add(kept)
			require.NoError(t, err)
		}
	}
	for _, id := range w.gave {
		pd, err := f.shop.Donation(w.ctx, id)
		require.NoError(t, err)
		d, ok := gifts[id]
		if !ok {
			// A gift no donation records took nothing: it failed, was
			// withdrawn, or still waits for its donor's bank step (a
			// monthly gift's first month, or on a platform that cannot
			// withdraw it); one the donor completed after all was
			// refunded when the platform's donation.succeeded came.
			released := pd.Status == provider.DonationFailed || pd.Status == provider.DonationCanceled || pd.Status == provider.DonationRequiresAction ||
				pd.Status == provider.DonationSucceeded && pd.Refunded.Equal(pd.Amount)
			assert.True(t, released, "gift %s of no donation is %s, %s refunded of %s", id, pd.Status, pd.Refunded, pd.Amount)
			continue
		}
		assert.Equal(t, provider.DonationSucceeded, pd.Status, "donation %s's gift", d.ID)
		assert.True(t, pd.Amount.Equal(d.Charged), "donation %s: the platform charged %s, the library says %s", d.ID, pd.Amount, d.Charged)
		assert.True(t, pd.Refunded.Equal(d.Refunded()), "donation %s: the platform refunded %s, the library says %s", d.ID, pd.Refunded, d.Refunded())
	}
	renewals := 0
	for _, id := range w.monthly {
		pm, err := f.shop.Monthly(w.ctx, id)
		require.NoError(t, err)
		mgID, err := f.store.Lookup(w.ctx, buybutton.Ref{Kind: "monthly", MerchantID: shopID, ExternalID: id})
		if errors.Is(err, buybutton.ErrNotFound) {
			// Started by a checkout that did not record it: it must
			// charge nothing, or have every month it charged returned.
			for did := range w.months[id] {
				pd, err := f.shop.Donation(w.ctx, did)
				require.NoError(t, err)
				assert.True(t, pd.Refunded.Equal(pd.Amount), "monthly %s of no gift charged %s and refunded %s", id, pd.Amount, pd.Refunded)
			}
			continue
		}
		require.NoError(t, err)
		mg, err := f.store.MonthlyGift(w.ctx, mgID)
		require.NoError(t, err)
		given[mg.BuyerID] = append(given[mg.BuyerID], mg.ID)
		assert.Equal(t, pm.Status == provider.MonthlyCanceled, mg.Status == buybutton.MonthlyCanceled, "monthly gift %s is %s, and %s at the platform", mg.ID, mg.Status, pm.Status)
		assert.Equal(t, len(w.months[id]), mg.Months, "monthly gift %s: months the platform charged and the library counts", mg.ID)
		for did := range w.months[id] {
			dID, err := f.store.Lookup(w.ctx, buybutton.Ref{Kind: "donation", MerchantID: shopID, ExternalID: did})
			require.NoError(t, err, "month %s of monthly gift %s is not recorded", did, mg.ID)
			d, err := f.store.Donation(w.ctx, dID)
			require.NoError(t, err)
			assert.Equal(t, mg.ID, d.MonthlyID)
			pd, err := f.shop.Donation(w.ctx, did)
			require.NoError(t, err)
			assert.True(t, pd.Amount.Equal(d.Charged), "donation %s: the platform charged %s, the library says %s", d.ID, pd.Amount, d.Charged)
			assert.True(t, pd.Refunded.Equal(d.Refunded()), "donation %s: the platform refunded %s, the library says %s", d.ID, pd.Refunded, d.Refunded())
			if _, first := gifts[did]; first {
				continue // counted with its checkout
			}
			given[d.BuyerID] = append(given[d.BuyerID], d.ID)
			renewals++
			kept, err := d.Amount.Sub(d.Refunded())
			require.NoError(t, err)
			if kept.IsPositive() {
				raised, err = raised.Add(kept)
				require.NoError(t, err)
			}
		}
	}
	cp, err := f.client.Campaign(w.ctx, w.campaign.ID)
	require.NoError(t, err)
	t.Logf("donation checkouts %d, donations %d from %d donors and %d renewals, gifts at the platform %d, monthly %d; raised %s; pruned in billing %d", len(w.gifts), len(gifts), len(donors), renewals, len(w.gave), len(w.monthly), cp.Raised, w.pruned)
	assert.True(t, cp.Raised.Equal(raised), "the campaign raised %s, its donations %s", cp.Raised, raised)
	assert.Equal(t, len(donors), cp.Donors)
	keys := map[string]bool{}
	for _, s := range cp.Supporters {
		assert.False(t, keys[s.DonorKey], "supporter %q listed twice", s.Name)
		keys[s.DonorKey] = true
	}
	for buyer, ids := range given {
		assert.ElementsMatch(t, ids, w.listGiving(t, buyer), "what %s's giving page lists", buyer)
	}
}

// listGiving pages through a donor's donations and monthly gifts, as
// their giving page would, checking that each list comes newest first,
// and returns the ids listed.
func (w *racingWorld) listGiving(t *testing.T, buyer string) []string {
	var ids []string
	var last time.Time
	for offset := 0; ; offset += 7 {
		page, err := w.f.client.Donations(w.ctx, buyer, offset, 7)
		require.NoError(t, err)
		for _, d := range page {
			assert.False(t, len(ids) > 0 && d.GivenAt.After(last), "donation %s is listed after an older one", d.ID)
			ids, last = append(ids, d.ID), d.GivenAt
		}
		if len(page) == 0 {
			break
		}
	}
	monthly, err := w.f.client.MonthlyGifts(w.ctx, buyer, 0, 100)
	require.NoError(t, err)
	for i, m := range monthly {
		assert.False(t, i > 0 && m.CreatedAt.After(monthly[i-1].CreatedAt), "monthly gift %s is listed after an older one", m.ID)
		ids = append(ids, m.ID)
	}
	return ids
}

// checkEvents reads the events the host has not acknowledged yet, then
// checks that every change the records show was told exactly once (read
// as often as it came, with one id), and nothing else was: an order
// placed, captured, failing its capture, shipped or canceled, a refund
// made or failed, a checkout expired, a donation given.
func (w *racingWorld) checkEvents(t *testing.T) {
	f := w.f
	for {
		n := len(w.events)
		require.NoError(t, w.readEvents(true))
		if len(w.events) == n {
			if left, err := f.client.PendingEvents(w.ctx, 1); assert.NoError(t, err) && len(left) == 0 {
				break
			}
		}
	}
	t.Logf("events read: %d", len(w.events))
	told := map[string]int{} // type and subject -> events
	for _, e := range w.events {
		subject := e.OrderID
		switch e.Type {
		case buybutton.EventRefundSucceeded, buybutton.EventRefundFailed:
			subject = e.RefundID
		case buybutton.EventCheckoutExpired, buybutton.EventPaymentFailed:
			subject = e.CheckoutID
		case buybutton.EventDonationSucceeded:
			subject = e.DonationID
		case buybutton.EventOrderShipped:
			if e.Shipment != nil {
				subject += " " + e.Shipment.TrackingNumber // a parcel
			}
		}
		told[string(e.Type)+" "+subject]++
	}
	once := func(what buybutton.EventType, subject string, happened bool) {
		t.Helper()
		want := map[bool]int{false: 0, true: 1}[happened]
		assert.Equal(t, want, told[string(what)+" "+subject], "%s of %s", what, subject)
		delete(told, string(what)+" "+subject)
	}
	refunds := func(rs []buybutton.Refund) {
		t.Helper()
		for _, r := range rs {
			once(buybutton.EventRefundSucceeded, r.ID, r.Status == buybutton.RefundSucceeded)
			once(buybutton.EventRefundFailed, r.ID, r.Status == buybutton.RefundFailed)
		}
	}
	for _, id := range w.ids {
		co := f.checkout(t, id)
		once(buybutton.EventCheckoutExpired, id, co.State == buybutton.CheckoutExpired)
		delete(told, string(buybutton.EventPaymentFailed)+" "+id) // one per failed attempt: as many as there were
		if co.OrderID != "" {
			o, err := f.store.Order(w.ctx, co.OrderID)
			require.NoError(t, err)
			once(buybutton.EventOrderPlaced, o.ID, true)
			once(buybutton.EventOrderCanceled, o.ID, o.Status == buybutton.OrderCanceled)
			once(buybutton.EventPaymentCaptured, o.ID, o.Captured.IsPositive())
			once(buybutton.EventPaymentCaptureFailed, o.ID, o.CaptureFailure != "")
			for _, p := range o.Shipments {
				once(buybutton.EventOrderShipped, o.ID+" "+p.TrackingNumber, true)
			}
			// Without a parcel, an order.shipped tells that the order
			// moved (partly shipped, then shipped): at most twice.
			moves := string(buybutton.EventOrderShipped) + " " + o.ID
			assert.LessOrEqual(t, told[moves], 2, "order %s: order.shipped without a parcel", o.ID)
			delete(told, moves)
			refunds(o.Refunds)
		}
		if co.DonationID != "" {
			d, err := f.store.Donation(w.ctx, co.DonationID)
			require.NoError(t, err)
			once(buybutton.EventDonationSucceeded, d.ID, true)
			refunds(d.Refunds)
		}
	}
	for _, charged := range w.months {
		for did := range charged {
			id, err := f.store.Lookup(w.ctx, buybutton.Ref{Kind: "donation", MerchantID: shopID, ExternalID: did})
			if err != nil {
				continue // a first month, its checkout's; or a monthly of no gift
			}
			d, err := f.store.Donation(w.ctx, id)
			require.NoError(t, err)
			if d.CheckoutID == "" {
				once(buybutton.EventDonationSucceeded, d.ID, true)
				refunds(d.Refunds)
			}
		}
	}
	for k, n := range told {
		if !strings.HasPrefix(k, "monthly.") && !strings.HasPrefix(k, "order.cancel_failed") {
			t.Errorf("%d events %s of nothing the records show", n, k)
		}
	}
}

// checkTransitions checks that every state change of every record was
// recorded: each machine's transitions of a subject, in the order the store
// keeps them, start from nothing, go on from where the one before ended,
// never go back in time, and end where the record is now.
func (w *racingWorld) checkTransitions(t *testing.T) {
	f := w.f
	chain := func(subject string, now map[string]string) {
		t.Helper()
		trs, err := f.store.Transitions(w.ctx, subject)
		require.NoError(t, err)
		last := map[string]buybutton.Transition{}
		for _, tr := range trs {
			was, ok := last[tr.Machine]
			switch {
			case !ok && tr.From != "":
				t.Errorf("%s's %s machine starts from %q, not from nothing: %+v", subject, tr.Machine, tr.From, tr)
			case ok && tr.From != was.To:
				t.Errorf("%s's %s machine goes from %q after it went to %q: %+v", subject, tr.Machine, tr.From, was.To, tr)
			case ok && tr.At.Before(was.At):
				t.Errorf("%s's %s machine goes back in time: %+v after %+v", subject, tr.Machine, tr, was)
			}
			last[tr.Machine] = tr
		}
		for machine, state := range now {
			if last[machine].To != state {
				t.Errorf("%s's %s machine last went to %q; it is %q", subject, machine, last[machine].To, state)
			}
		}
	}
	donations := map[string]bool{}
	for _, id := range w.ids {
		co := f.checkout(t, id)
		chain(id, map[string]string{"checkout": string(co.State)})
		if co.OrderID != "" {
			o, err := f.store.Order(w.ctx, co.OrderID)
			require.NoError(t, err)
			chain(o.ID, map[string]string{"order": string(o.Status), "payment": string(o.PaymentState())})
		}
		if co.DonationID != "" {
			donations[co.DonationID] = true
		}
	}
	for monthlyID, charged := range w.months {
		if id, err := f.store.Lookup(w.ctx, buybutton.Ref{Kind: "monthly", MerchantID: shopID, ExternalID: monthlyID}); err == nil {
			mg, err := f.store.MonthlyGift(w.ctx, id)
			require.NoError(t, err)
			chain(mg.ID, map[string]string{"monthly": string(mg.Status)})
		}
		for did := range charged {
			if id, err := f.store.Lookup(w.ctx, buybutton.Ref{Kind: "donation", MerchantID: shopID, ExternalID: did}); err == nil {
				donations[id] = true
			}
		}
	}
	for id := range donations {
		d, err := f.store.Donation(w.ctx, id)
		require.NoError(t, err)
		chain(id, map[string]string{"donation": string(d.State())})
	}
}

// distinct is ids without repeats: a platform's replay of a call answers
// with the id it made the first time.
func distinct(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// tokenShort is a card whose issuer approves half of what is asked: the
// platform holds, or charges, half, and answers so. Nothing may be placed
// or recorded on it; all of it must be released.
const tokenShort = "tok_short"

// recordingPayments is the memory platform with a list of every payment,
// donation and monthly donation it made, whether or not its answer reached
// the library. It holds and charges half for [tokenShort].
type recordingPayments struct {
	*memory.Provider
	mu      *sync.Mutex
	made    *[]string
	gave    *[]string
	monthly *[]string
}

func (r recordingPayments) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	req.Amount, req.Token = short(req.Amount, req.Token)
	pay, err := r.Provider.Authorize(ctx, req)
	r.keep(r.made, pay.ID, err)
	return pay, err
}

func (r recordingPayments) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	req.Amount, req.Token = short(req.Amount, req.Token)
	d, err := r.Provider.Donate(ctx, req)
	r.keep(r.gave, d.ID, err)
	return d, err
}

func (r recordingPayments) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	req.Amount, req.Token = short(req.Amount, req.Token)
	m, err := r.Provider.StartMonthly(ctx, req)
	r.keep(r.monthly, m.ID, err)
	return m, err
}

// keep adds the id of what the platform made to list, unless it made
// nothing (err).
func (r recordingPayments) keep(list *[]string, id string, err error) {
	if err == nil {
		r.mu.Lock()
		*list = append(*list, id)
		r.mu.Unlock()
	}
}

// short is what the platform is asked for when a request pays with token:
// for [tokenShort], half of asked (rounded down to the minor unit),
// approved.
func short(asked money.Amount, token string) (money.Amount, string) {
	if token != tokenShort {
		return asked, token
	}
	return asked.Mul(decimal.New(5, -1)).Round(money.Down), memory.TokenApprove
}
