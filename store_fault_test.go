package buybutton_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// errStoreDown is a commit that failed: the database went away, or the
// connection dropped before its answer came.
var errStoreDown = errors.New("store down")

// failingStore fails one commit the test picks: before it is written, or
// after it is written, with its answer lost.
type failingStore struct {
	buybutton.Store
	fault *storeFault
}

// storeFault says which commit from now fails, and how.
type storeFault struct {
	countdown int  // the commit that fails: 1 is the next one, 0 none
	written   bool // whether it is written before its answer is lost
}

func (s failingStore) Commit(ctx context.Context, tx *buybutton.Tx) error {
	f := s.fault
	if f.countdown == 0 {
		return s.Store.Commit(ctx, tx)
	}
	if f.countdown--; f.countdown > 0 {
		return s.Store.Commit(ctx, tx)
	}
	if f.written {
		if err := s.Store.Commit(ctx, tx); err != nil {
			return err
		}
	}
	return fmt.Errorf("commit: %w", errStoreDown)
}

// failingStoreModel buys, refunds, cancels, ships, gives and runs
// maintenance while the store fails one commit of each action, before or
// after writing it, as a database that restarts or a connection that
// drops does.
type failingStoreModel struct {
	f         fixture
	fault     *storeFault
	inner     buybutton.Store // the store, for the test's own reads
	checkouts []string
	gifts     []string
	campaign  string
	key       int
	keys      map[string]map[string]bool // the refund keys the host used, by order or donation
	redeliver []provider.Event           // deliveries that failed, for the platform to send again
}

// arm has the action about to run fail one of its first few commits, or
// none.
func (m *failingStoreModel) arm(t *rapid.T) {
	m.fault.countdown = rapid.IntRange(0, 4).Draw(t, "failing commit")
	m.fault.written = rapid.Bool().Draw(t, "written before it failed")
}

// mustStoreFault fails the test on an error other than the store's
// failure or an outcome the machines promise.
func (m *failingStoreModel) mustStoreFault(t *rapid.T, what string, err error) {
	m.fault.countdown = 0
	if err == nil || errors.Is(err, errStoreDown) || expected(err) {
		return
	}
	t.Fatalf("%s: %v", what, err)
}

func (m *failingStoreModel) Buy(t *rapid.T) {
	m.arm(t)
	_, cos, err := m.f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{sneaker("9", 1)}, ShipTo: &california})
	m.mustStoreFault(t, "start", err)
	if err != nil {
		return
	}
	m.checkouts = append(m.checkouts, cos[0].ID)
	m.arm(t)
	_, err = m.f.client.SelectShipping(ctx, buyer, cos[0].ID, "standard")
	m.mustStoreFault(t, "select shipping", err)
	m.confirm(t, cos[0].ID)
}

// Retry taps Confirm again on a checkout: a buyer whose tap failed.
func (m *failingStoreModel) Retry(t *rapid.T) {
	if len(m.checkouts) > 0 {
		m.confirm(t, rapid.SampledFrom(m.checkouts).Draw(t, "checkout"))
	}
}

func (m *failingStoreModel) confirm(t *rapid.T, id string) {
	token := rapid.SampledFrom([]string{memory.TokenApprove, memory.TokenApprove, memory.TokenDecline, memory.TokenUnknownOutcome}).Draw(t, "token")
	m.afterClaim(t, id)
	m.arm(t)
	_, err := m.f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id, PaymentToken: token})
	m.mustStoreFault(t, "confirm", err)
}

// afterClaim lets the claim of a tap whose answer was lost lapse: a tap
// meanwhile would wait for it, on a clock that does not move.
func (m *failingStoreModel) afterClaim(t *rapid.T, checkoutID string) {
	co, err := m.inner.Checkout(ctx, checkoutID)
	if err != nil {
		t.Fatal(err)
	}
	if wait := co.ClaimedUntil.Sub(m.f.clock.Now()); co.State == buybutton.CheckoutPaymentPending && wait >= 0 {
		m.f.clock.Advance(wait + time.Second)
	}
}

func (m *failingStoreModel) pickOrder(t *rapid.T) (*buybutton.Order, bool) {
	return pick(t, "order", m.orders(t), func(o *buybutton.Order) string { return o.ProviderOrderID })
}

func (m *failingStoreModel) Refund(t *rapid.T) {
	o, ok := m.pickOrder(t)
	if !ok {
		return
	}
	key := m.useKey(t, o.ID)
	m.arm(t)
	_, err := m.f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("5.00"), IdempotencyKey: key})
	m.mustStoreFault(t, "refund", err)
}

// useKey returns the host's key for a refund of 5.00 of record id, the
// last one's again (a retry) or a new one, and remembers it.
func (m *failingStoreModel) useKey(t *rapid.T, id string) string {
	if m.key == 0 || rapid.Bool().Draw(t, "new key") {
		m.key++
	}
	key := fmt.Sprint("refund-", m.key, "-", id)
	if m.keys[id] == nil {
		m.keys[id] = map[string]bool{}
	}
	m.keys[id][key] = true
	return key
}

// refundedAtMost fails the test if what was refunded of record id is more
// than the 5.00 asked under each key the host used for it.
func (m *failingStoreModel) refundedAtMost(t *rapid.T, id string, refunded money.Amount) {
	if asked := usd("5.00").MulInt(int64(len(m.keys[id]))); !lessOrEqual(refunded, asked) {
		t.Fatalf("%s: %s refunded, where the host asked for %s under %d keys", id, refunded, asked, len(m.keys[id]))
	}
}

func (m *failingStoreModel) Cancel(t *rapid.T) {
	o, ok := m.pickOrder(t)
	if !ok {
		return
	}
	m.arm(t)
	_, err := m.f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	m.mustStoreFault(t, "cancel", err)
}

// Ship has the merchant ship an order on its platform; the webhook comes
// with the next round.
func (m *failingStoreModel) Ship(t *rapid.T) {
	if o, ok := m.pickOrder(t); ok {
		_ = m.f.shop.ShipOrder(o.ProviderOrderID, provider.Shipment{Carrier: "UPS", TrackingNumber: o.ID})
	}
}

// Webhooks delivers the platform's webhooks, and again those that
// failed, as a platform retries them.
func (m *failingStoreModel) Webhooks(t *rapid.T) {
	for _, d := range m.deliveries(t) {
		m.arm(t)
		err := m.f.client.HandleWebhook(ctx, shopID, d.Header, d.Body)
		if err != nil {
			m.failed(t, d)
		}
		m.mustStoreFault(t, "webhook", err)
	}
}

// deliveries are the platform's new webhooks, and those that failed
// before, signed again now.
func (m *failingStoreModel) deliveries(t *rapid.T) []memory.Delivery {
	deliveries := m.f.shop.TakeDeliveries()
	for _, e := range m.redeliver {
		h, b := m.f.shop.Sign(e, m.f.clock.Now())
		deliveries = append(deliveries, memory.Delivery{Header: h, Body: b})
	}
	m.redeliver = nil
	return deliveries
}

// failed keeps a delivery that failed, for the platform to send again.
func (m *failingStoreModel) failed(t *rapid.T, d memory.Delivery) {
	var e provider.Event
	if err := json.Unmarshal(d.Body, &e); err != nil {
		t.Fatal(err)
	}
	m.redeliver = append(m.redeliver, e)
}

func (m *failingStoreModel) Give(t *rapid.T) {
	m.arm(t)
	co, err := m.f.client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID: buyer, CampaignID: m.campaign, Amount: usd("25.00"),
		CoverFee: rapid.Bool().Draw(t, "cover fee"), Monthly: rapid.Bool().Draw(t, "monthly"),
		Privacy: buybutton.DonorPrivacy{ShowOnPost: true}, Donor: provider.Contact{Name: "Ada Lovelace"},
	})
	m.mustStoreFault(t, "start donation", err)
	if err != nil {
		return
	}
	m.gifts = append(m.gifts, co.ID)
	m.confirmGift(t, co.ID)
}

func (m *failingStoreModel) RetryGift(t *rapid.T) {
	if len(m.gifts) > 0 {
		m.confirmGift(t, rapid.SampledFrom(m.gifts).Draw(t, "gift checkout"))
	}
}

func (m *failingStoreModel) confirmGift(t *rapid.T, id string) {
	token := rapid.SampledFrom([]string{memory.TokenApprove, memory.TokenDecline, memory.TokenUnknownOutcome}).Draw(t, "gift token")
	m.afterClaim(t, id)
	m.arm(t)
	_, err := m.f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id, PaymentToken: token})
	m.mustStoreFault(t, "confirm donation", err)
}

func (m *failingStoreModel) RefundGift(t *rapid.T) {
	d, ok := pick(t, "gift", m.donations(t), func(d *buybutton.Donation) string { return d.ProviderDonationID })
	if !ok {
		return
	}
	key := m.useKey(t, d.ID)
	m.arm(t)
	_, err := m.f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("5.00"), IdempotencyKey: key})
	m.mustStoreFault(t, "refund donation", err)
}

func (m *failingStoreModel) StopMonthly(t *rapid.T) {
	g, ok := pick(t, "monthly gift", m.monthly(t), func(g *buybutton.MonthlyGift) string { return g.ProviderMonthlyID })
	if !ok {
		return
	}
	m.arm(t)
	_, err := m.f.client.CancelMonthly(ctx, buyer, g.ID)
	m.mustStoreFault(t, "cancel monthly", err)
}

// Time passes, the platform renews monthly gifts that are due, and
// maintenance runs.
func (m *failingStoreModel) Time(t *rapid.T) {
	m.f.clock.Advance(time.Duration(rapid.IntRange(1, 60*24).Draw(t, "minutes")) * time.Minute)
	m.f.shop.RenewDue()
	m.arm(t)
	_, err := m.f.client.Maintain(ctx, 1000)
	m.mustStoreFault(t, "maintain", err)
}

// Check is run after every action: whatever failed, the books never
// record money the platform did not move. They may lag behind it until
// the work owed is finished (checkBooks).
func (m *failingStoreModel) Check(t *rapid.T) {
	for _, o := range m.orders(t) {
		if o.PaymentID == "" {
			continue
		}
		pay, err := m.f.shop.Payment(ctx, o.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		if !lessOrEqual(o.Captured, pay.Captured) || !lessOrEqual(o.Refunded(), pay.Refunded) {
			t.Fatalf("order %s records %s captured and %s refunded; the platform, %s and %s", o.ID, o.Captured, o.Refunded(), pay.Captured, pay.Refunded)
		}
	}
	for _, d := range m.donations(t) {
		pd, err := m.f.shop.Donation(ctx, d.ProviderDonationID)
		if err != nil {
			t.Fatal(err)
		}
		if !lessOrEqual(d.Refunded(), pd.Refunded) {
			t.Fatalf("donation %s records %s refunded; the platform, %s", d.ID, d.Refunded(), pd.Refunded)
		}
	}
}

// orders are the buyer's orders, read past the faults.
func (m *failingStoreModel) orders(t *rapid.T) []*buybutton.Order {
	return readAll(t, func(after string) ([]*buybutton.Order, error) { return m.inner.OrdersByBuyer(ctx, buyer, after, 100) }, func(o *buybutton.Order) string { return o.ID })
}

func (m *failingStoreModel) donations(t *rapid.T) []*buybutton.Donation {
	return readAll(t, func(after string) ([]*buybutton.Donation, error) {
		return m.inner.DonationsByBuyer(ctx, buyer, after, 100)
	}, func(d *buybutton.Donation) string { return d.ID })
}

func (m *failingStoreModel) monthly(t *rapid.T) []*buybutton.MonthlyGift {
	return readAll(t, func(after string) ([]*buybutton.MonthlyGift, error) {
		return m.inner.MonthlyGiftsByBuyer(ctx, buyer, after, 100)
	}, func(g *buybutton.MonthlyGift) string { return g.ID })
}

// pick draws one of records, in the order of the platform's ids: the
// library's own are random, and a draw must pick the same record when
// rapid replays it.
func pick[T any](t *rapid.T, label string, records []T, platformID func(T) string) (T, bool) {
	if len(records) == 0 {
		var none T
		return none, false
	}
	slices.SortFunc(records, func(a, b T) int { return strings.Compare(platformID(a), platformID(b)) })
	return records[rapid.IntRange(0, len(records)-1).Draw(t, label)], true
}

// readAll reads every page of a list.
func readAll[T any](t *rapid.T, page func(after string) ([]T, error), id func(T) string) []T {
	var all []T
	for after := ""; ; {
		p, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p...)
		if len(p) < 100 {
			return all
		}
		after = id(p[len(p)-1])
	}
}

// heal lets the store recover and hours pass, with the platform
// delivering its webhooks until they are applied and maintenance
// running: then the books must be the platform's.
func (m *failingStoreModel) heal(t *rapid.T) {
	m.fault.countdown = 0
	for range 4 {
		m.f.clock.Advance(2 * time.Hour)
		if _, err := m.f.client.Maintain(ctx, 1000); !expected(err) {
			t.Fatalf("maintain after healing: %v", err)
		}
		for _, d := range m.deliveries(t) {
			if err := m.f.client.HandleWebhook(ctx, shopID, d.Header, d.Body); err != nil && !expected(err) {
				t.Fatalf("webhook after healing: %v", err)
			}
		}
	}
}

func TestAFailingStoreLosesNothing(t *testing.T) {
	// A lost answer spoils the action after it only if that action finds
	// the work it left: sequences of 100 steps, as in the machines' test.
	rapidDefaults(t, 300, 100)
	rapid.Check(t, func(t *rapid.T) {
		fault := &storeFault{}
		inner := buybutton.NewMemoryStore()
		f := newShop(t, &buybutton.Options{Store: failingStore{Store: inner, fault: fault}})
		if err := f.shop.SetStock(memory.DemoSneaker+"-9", 1000); err != nil {
			t.Fatal(err)
		}
		cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
			MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD",
			Presets: []money.Amount{usd("25.00")}, Maximum: usd("100.00"),
		})
		if err != nil {
			t.Fatal(err)
		}
		m := &failingStoreModel{f: f, fault: fault, inner: inner, campaign: cp.ID, keys: map[string]map[string]bool{}}
		t.Repeat(rapid.StateMachineActions(m))
		m.heal(t)
		m.checkBooks(t)
	})
}

// checkBooks compares the store's books with the platform's: every order
// and gift the platform made is the store's, each with the amounts the
// platform moved; every hold is an order's or was voided; no attempt is
// left claimed or unknown, and no refund pending.
func (m *failingStoreModel) checkBooks(t *rapid.T) {
	stats := m.f.shop.Stats()
	orders, paid := m.orders(t), 0
	if len(orders) != stats.Orders {
		t.Fatalf("the platform placed %d orders, the store holds %d", stats.Orders, len(orders))
	}
	refunds := 0
	for _, o := range orders {
		if o.PaymentID == "" {
			continue
		}
		paid++
		pay, err := m.f.shop.Payment(ctx, o.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		if !pay.Captured.Equal(o.Captured) || !pay.Refunded.Equal(o.Refunded()) {
			t.Fatalf("order %s: the platform captured %s and refunded %s, the books say %s and %s", o.ID, pay.Captured, pay.Refunded, o.Captured, o.Refunded())
		}
		refunds += m.settled(t, o.ID, o.Refunds)
		if o.Status != buybutton.OrderCanceled {
			m.refundedAtMost(t, o.ID, pay.Refunded)
		}
	}
	if stats.Authorizations != paid+stats.Voids {
		t.Fatalf("the platform authorized %d payments and voided %d, and %d orders are paid", stats.Authorizations, stats.Voids, paid)
	}
	gifts := m.donations(t)
	if len(gifts) != stats.Donations-stats.Withdrawals {
		t.Fatalf("the platform made %d donations and withdrew %d, the store holds %d", stats.Donations, stats.Withdrawals, len(gifts))
	}
	for _, d := range gifts {
		pd, err := m.f.shop.Donation(ctx, d.ProviderDonationID)
		if err != nil {
			t.Fatal(err)
		}
		if !pd.Refunded.Equal(d.Refunded()) {
			t.Fatalf("donation %s: the platform refunded %s, the books say %s", d.ID, pd.Refunded, d.Refunded())
		}
		refunds += m.settled(t, d.ID, d.Refunds)
		m.refundedAtMost(t, d.ID, pd.Refunded)
	}
	if refunds != stats.Refunds {
		t.Fatalf("the platform made %d refunds, the books hold %d", stats.Refunds, refunds)
	}
	for _, id := range append(slices.Clone(m.checkouts), m.gifts...) {
		co, err := m.inner.Checkout(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if co.State == buybutton.CheckoutPaymentPending || co.State == buybutton.CheckoutUnknown {
			t.Fatalf("checkout %s is still %s after healing", co.ID, co.State)
		}
	}
}

// settled counts a record's refunds, failing the test on one still
// pending.
func (m *failingStoreModel) settled(t *rapid.T, id string, refunds []buybutton.Refund) int {
	n := 0
	for _, f := range refunds {
		switch f.Status {
		case buybutton.RefundPending:
			t.Fatalf("%s: refund %s still pending after healing", id, f.ID)
		case buybutton.RefundSucceeded:
			n++
		}
	}
	return n
}
