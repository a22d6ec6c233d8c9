package stripe_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/internal/storefaults"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/stripe"
	"github.com/buybutton/buybutton/provider/stripe/stripetest"
)

// TestLibraryRacingOverStripeSettles has buyers confirming, editing,
// cancelling and completing 3-D Secure, donors doing the same with gifts, the host
// cancelling, refunding and reconciling orders and running maintenance,
// and the merchant refunding on Stripe's dashboard, whose refund.created
// events come late, all at once on the same checkouts, with Stripe (the
// recorded server) taking the money, a sixth of the calls to it failing
// every way and some of its answers lost, and one commit in twenty of the
// library's store failing, before it is written or after with its answer
// lost (internal/storefaults). Once the faults stop and
// maintenance has run, the library and Stripe tell one story: every
// checkout ended; every PaymentIntent Stripe made, those whose answer was
// lost included, is captured for exactly one order, with what the order
// records as captured and refunded, or canceled, or refunded in full, or
// never charged; every gift is one donation of what Stripe charged, or
// was withdrawn, refunded in full, or never charged. In every other run a
// day passes before the settling, and Stripe forgets every idempotency
// key.
func TestLibraryRacingOverStripeSettles(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { raceOverStripe(t, seed) })
	}
}

const racingShop, racingSecret = "demo-shop", "whsec_racing"

var racingTee = memory.DemoTee + "-Black"

func raceOverStripe(t *testing.T, seed uint64) {
	const stock, checkouts, gifts, workers, steps = 30, 60, 18, 8, 150
	ctx := context.Background()
	clock := memharness.NewClock(time.Now().UTC().Truncate(time.Second))
	api := stripetest.NewServer("")
	defer api.Close()
	noRetries := int64(0) // the faults and lost answers reach the library as they are
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_racing", APIURL: api.URL(), MaxNetworkRetries: &noRetries, Now: clock.Now, WebhookSecrets: []string{racingSecret},
		Nonprofits: []stripe.Nonprofit{{Nonprofit: memory.DemoNonprofits("USD")[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	faults := faulty.Wrap(pay, faulty.Options{Seed: seed})
	shop := memory.New(&memory.Options{Now: clock.Now})
	if err := shop.SetStock(racingTee, stock); err != nil {
		t.Fatal(err)
	}
	store := storefaults.Wrap(buybutton.NewMemoryStore(), seed)
	client, err := buybutton.New(&buybutton.Options{Now: clock.Now, Store: store, Merchants: []buybutton.Merchant{{
		ID: racingShop, Name: "Demo Shop",
		Catalog: shop, Quotes: shop, Orders: shop, Inventory: shop,
		Payments: faults, Donations: faults, Withdrawals: faults, Webhooks: pay,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	campaign, err := client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: racingShop, NonprofitID: memory.DemoNonprofits("USD")[0].ID, Title: "Wells", Currency: "USD",
		Presets: []money.Amount{money.MustParse("10.00", "USD")}, Maximum: money.MustParse("100.00", "USD"),
	})
	if err != nil {
		t.Fatal(err)
	}

	cards := []string{"pm_card_visa", "pm_card_visa", "pm_card_visa", "pm_card_visa_chargeDeclined", "pm_card_authenticationRequired", "pm_fake_lost_response"}
	type started struct {
		id, buyer, card string
		gift            bool
	}
	var all []started
	for i := range gifts {
		donor := fmt.Sprintf("donor-%d", i%3)
		co, err := client.StartDonation(ctx, buybutton.StartDonationParams{BuyerID: donor, CampaignID: campaign.ID, Amount: money.MustParse("10.00", "USD")})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, started{co.ID, donor, cards[i%len(cards)], true})
	}
	for i := range checkouts {
		buyer := fmt.Sprintf("buyer-%d", i%6)
		_, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
			BuyerID: buyer,
			Lines:   []buybutton.CartLine{{MerchantID: racingShop, ProductID: memory.DemoTee, VariantID: racingTee, Quantity: 1 + i%2}},
			ShipTo:  &provider.Address{Name: "Ada", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.SelectShipping(ctx, buyer, cos[0].ID, "standard"); err != nil {
			t.Fatal(err)
		}
		all = append(all, started{cos[0].ID, buyer, cards[i%len(cards)], false})
	}

	var mu sync.Mutex
	var odd []error
	note := func(err error) {
		for _, k := range []error{
			buybutton.ErrIllegalTransition, buybutton.ErrActionRequired, buybutton.ErrUnknownOutcome,
			buybutton.ErrRefundFailed, buybutton.ErrInProgress, provider.ErrDeclined, provider.ErrOutOfStock,
			provider.ErrReservationExpired, provider.ErrUnavailable, provider.ErrRefundExceedsCapture,
			provider.ErrInvalidState, context.DeadlineExceeded, storefaults.ErrCommitFailed,
		} {
			if errors.Is(err, k) {
				return
			}
		}
		if err != nil {
			mu.Lock()
			odd = append(odd, err)
			mu.Unlock()
		}
	}

	// Refunds made on Stripe's dashboard, whose refund.created events
	// wait for a deliver to send them; one that fails is sent again.
	var events [][]byte
	dashboard := 0
	deliver := func() {
		mu.Lock()
		out := events
		events = nil
		mu.Unlock()
		for _, body := range out {
			h := http.Header{}
			h.Set("Stripe-Signature", stripe.Sign(racingSecret, clock.Now(), body))
			if err := client.HandleWebhook(ctx, racingShop, h, body); err != nil {
				// A delivery signed too long ago is the test's own doing
				// (the other workers move the clock while this one
				// delivers); it is signed anew on the next delivery.
				if !errors.Is(err, provider.ErrWebhookTooOld) {
					note(err)
				}
				mu.Lock()
				events = append(events, body)
				mu.Unlock()
			}
		}
	}
	dashboardRefund := func(paymentID, key string) {
		r, err := pay.Refund(ctx, provider.RefundRequest{IdempotencyKey: key, PaymentID: paymentID, Amount: money.MustParse("2.00", "USD")})
		if err != nil {
			return // nothing left to refund, or not captured
		}
		mu.Lock()
		dashboard++
		events = append(events, []byte(fmt.Sprintf(`{"id":"evt_%s","object":"event","created":%d,"type":"refund.created",
			"data":{"object":{"id":%q,"object":"refund","amount":200,"currency":"usd","payment_intent":%q,"status":"succeeded"}}}`,
			r.ID, clock.Now().Unix(), r.ID, paymentID)))
		mu.Unlock()
	}

	faults.SetRate(1.0 / 6)
	store.SetRate(1.0 / 20)
	var wg sync.WaitGroup
	for n := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			for range steps {
				s := all[rng.IntN(len(all))]
				co, err := client.Checkout(ctx, s.buyer, s.id)
				if err != nil {
					note(err)
					continue
				}
				switch op := rng.IntN(100); {
				case op < 35:
					card := s.card
					if rng.IntN(4) == 0 {
						// Another card (after a decline, or instead of a
						// bank step the buyer will not take).
						card = cards[rng.IntN(len(cards))]
					}
					confirm := client.Confirm
					if s.gift {
						confirm = func(ctx context.Context, p buybutton.ConfirmParams) (*buybutton.Order, error) {
							_, err := client.ConfirmDonation(ctx, p)
							return nil, err
						}
					}
					_, err = confirm(ctx, buybutton.ConfirmParams{BuyerID: s.buyer, CheckoutID: s.id, PaymentToken: card})
				case op < 38:
					_, err = client.CancelCheckout(ctx, s.buyer, s.id)
				case op < 40:
					// An edit, which gives up an attempt waiting for 3-D
					// Secure (unless it went through: then it places).
					if s.gift {
						_, err = client.SetContact(ctx, s.buyer, s.id, provider.Contact{Name: "Ada", Email: "ada@example.com"})
					} else {
						_, err = client.SelectShipping(ctx, s.buyer, s.id, "standard")
					}
				case op < 50:
					_, err = client.Reconcile(ctx, s.id)
				case op < 58:
					_, err = client.Maintain(ctx, 20)
				case op < 64:
					clock.Advance(time.Duration(1+rng.IntN(3)) * time.Minute)
				case op < 72:
					if co.PaymentID != "" {
						api.CompleteAction(co.PaymentID, rng.IntN(2) == 0) // the buyer passes or fails 3-D Secure
					}
				case op < 74:
					deliver()
				case op < 76:
					if co.OrderID != "" {
						o, oerr := client.Order(ctx, s.buyer, co.OrderID)
						if oerr == nil {
							dashboardRefund(o.PaymentID, fmt.Sprintf("dashboard-%s-%d", o.ID, rng.IntN(2)))
						}
						err = oerr
					}
				case op < 79:
					if co.OrderID != "" {
						_, err = client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: co.OrderID, Reason: "fraud"})
					}
				case op < 88:
					if co.OrderID != "" {
						_, err = client.RefundOrder(ctx, buybutton.RefundParams{
							OrderID: co.OrderID, Amount: money.MustParse("1.00", "USD"), Reason: "goodwill",
							IdempotencyKey: fmt.Sprintf("goodwill-%s-%d", co.OrderID, rng.IntN(3)),
						})
					}
				default:
					if co.OrderID != "" {
						_, err = client.ReconcileOrder(ctx, co.OrderID)
					}
				}
				note(err)
			}
		}()
	}
	wg.Wait()

	faults.SetRate(0)
	store.SetRate(0)
	if seed%2 == 1 {
		// A day passes before anyone settles anything: Stripe has
		// forgotten every idempotency key, so that the library's retries
		// must find what their first attempts made some other way.
		clock.Advance(25 * time.Hour)
		api.ForgetIdempotencyKeys()
	}
	for range 10 {
		clock.Advance(2 * time.Hour)
		deliver()
		_, err := client.Maintain(ctx, 1000)
		note(err)
		for _, s := range all {
			if co, err := client.Checkout(ctx, s.buyer, s.id); err == nil && co.State == buybutton.CheckoutUnknown {
				_, err := client.Reconcile(ctx, s.id)
				note(err)
			}
		}
	}
	deliver()
	if len(events) > 0 {
		t.Errorf("%d deliveries never taken", len(events))
	}
	for _, err := range odd {
		t.Errorf("an outcome no caller should get: %v", err)
	}

	orders := map[string]*buybutton.Order{}       // by PaymentIntent
	donations := map[string]*buybutton.Donation{} // by PaymentIntent
	kept := 0
	for _, s := range all {
		co, err := client.Checkout(ctx, s.buyer, s.id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains([]buybutton.CheckoutState{buybutton.CheckoutPlaced, buybutton.CheckoutCanceled, buybutton.CheckoutExpired, buybutton.CheckoutFailed}, co.State) || co.Compensating {
			t.Errorf("checkout %s has not ended: %s, compensating %v", co.ID, co.State, co.Compensating)
		}
		if co.State != buybutton.CheckoutPlaced {
			continue
		}
		if s.gift {
			d, err := client.Donation(ctx, s.buyer, co.DonationID)
			if err != nil {
				t.Fatal(err)
			}
			donations[d.ProviderDonationID] = d
			continue
		}
		o, err := client.Order(ctx, s.buyer, co.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if !o.DueAt.IsZero() {
			t.Errorf("order %s still owes work", o.ID)
		}
		orders[o.PaymentID] = o
		if o.Status != buybutton.OrderCanceled {
			kept += o.Lines[0].Quantity
		}
		if po, err := shop.Order(ctx, o.ProviderOrderID); err != nil || (po.Status == provider.OrderCanceled) != (o.Status == buybutton.OrderCanceled) {
			t.Errorf("order %s is %s; at the merchant, %s (%v)", o.ID, o.Status, po.Status, err)
		}
	}
	if st := shop.Stats(); st.Orders != len(orders) {
		t.Errorf("%d orders at the merchant, %d in the library", st.Orders, len(orders))
	}

	intents := api.PaymentIntents()
	withdrawn := 0
	for _, id := range intents {
		if g, err := pay.Donation(ctx, id); err == nil {
			d, ok := donations[id]
			switch {
			case ok && (g.Status != provider.DonationSucceeded || !g.Amount.Equal(d.Charged) || !g.Refunded.IsZero()):
				t.Errorf("donation %s: Stripe has %s, %s charged, %s refunded; the library %s charged", d.ID, g.Status, g.Amount, g.Refunded, d.Charged)
			case !ok && g.Status == provider.DonationCanceled:
				withdrawn++
			case !ok && g.Status != provider.DonationFailed && !(g.Status == provider.DonationSucceeded && g.Refunded.Equal(g.Amount)):
				t.Errorf("gift %s of no donation is %s, %s refunded of %s", id, g.Status, g.Refunded, g.Amount)
			}
			continue
		}
		p, err := pay.Payment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := orders[id]
		if !ok {
			released := p.Status == provider.PaymentVoided || p.Status == provider.PaymentFailed ||
				p.Status == provider.PaymentCaptured && p.Refunded.Equal(p.Captured)
			if !released {
				t.Errorf("PaymentIntent %s of no order is %s, %s captured, %s refunded", id, p.Status, p.Captured, p.Refunded)
			}
			continue
		}
		refunded := money.Zero("USD")
		for _, r := range o.Refunds {
			if r.Status == buybutton.RefundSucceeded {
				refunded, _ = refunded.Add(r.Amount)
			}
		}
		switch {
		case !p.Captured.Equal(o.Captured) || !p.Refunded.Equal(refunded):
			t.Errorf("order %s: Stripe captured %s and refunded %s, the library says %s and %s", o.ID, p.Captured, p.Refunded, o.Captured, refunded)
		case o.Status == buybutton.OrderCanceled && p.Status != provider.PaymentVoided && !p.Refunded.Equal(p.Captured):
			t.Errorf("canceled order %s: Stripe has %s, %s refunded of %s", o.ID, p.Status, p.Refunded, p.Captured)
		case o.Status != buybutton.OrderCanceled && p.Status != provider.PaymentCaptured:
			t.Errorf("order %s: Stripe has its payment %s", o.ID, p.Status)
		}
	}
	if problems := api.Problems(); len(problems) > 0 {
		t.Errorf("requests the server could not serve: %v", problems)
	}
	searches := 0
	for _, r := range api.Requests() {
		if strings.Contains(r, "/search") {
			searches++
		}
	}
	t.Logf("checkouts %d, orders %d (%d units kept), donations %d, gifts withdrawn %d, PaymentIntents %d, dashboard refunds %d, searches for forgotten keys %d; faults %v; commits failed %d",
		len(all), len(orders), kept, len(donations), withdrawn, len(intents), dashboard, searches, faults.Counts(), store.Failures())

	// What is left to sell is the stock less what was kept.
	if left := stock - kept; left > 0 {
		if _, err := shop.Reserve(ctx, provider.ReserveRequest{IdempotencyKey: "left", Lines: []provider.StockLine{{VariantID: racingTee, Quantity: left}}, TTL: time.Minute}); err != nil {
			t.Errorf("%d units should be left: %v", left, err)
		}
	}
	if _, err := shop.Reserve(ctx, provider.ReserveRequest{IdempotencyKey: "one more", Lines: []provider.StockLine{{VariantID: racingTee, Quantity: 1}}, TTL: time.Minute}); !errors.Is(err, provider.ErrOutOfStock) {
		t.Errorf("more than %d units were left: %v", stock-kept, err)
	}
}
