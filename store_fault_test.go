package buybutton_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/storefaults"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// failingStoreModel buys, refunds, cancels, ships, gives and runs
// maintenance while the store fails one commit of each action, before or
// after writing it, as a database that restarts or a connection that
// drops does.
type failingStoreModel struct {
	f             fixture
	store         *storefaults.Store // fails one commit of each action (arm); its reads are the test's too
	checkouts     []string
	gifts         []string
	campaign      string
	key           int
	keys          map[string]map[string]bool // the refund keys the host used, by order or donation
	dashboard     map[string]int             // refunds of 2.00 the merchant made on the dashboard, by order
	failedActions int                        // payments whose bank step the buyer failed
	redeliver     []provider.Event           // deliveries that failed, for the platform to send again
}

// arm has the action about to run fail one of its first few commits, or
// none.
func (m *failingStoreModel) arm(t *rapid.T) {
	n := rapid.IntRange(0, 4).Draw(t, "failing commit")
	m.store.FailNth(n, rapid.Bool().Draw(t, "written before it failed"))
}

// mustStoreFault fails the test on an error other than the store's
// failure or an outcome the machines promise (among them ErrInProgress,
// a cancellation waiting for the event of a refund made on the
// dashboard, and ErrRefundFailed, a retry of a refund that failed).
func (m *failingStoreModel) mustStoreFault(t *rapid.T, what string, err error) {
	m.store.FailNth(0, false)
	if err == nil || errors.Is(err, storefaults.ErrCommitFailed) || errors.Is(err, buybutton.ErrInProgress) || errors.Is(err, buybutton.ErrRefundFailed) || expected(err) {
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
	token := rapid.SampledFrom([]string{memory.TokenApprove, memory.TokenApprove, memory.TokenDecline, memory.TokenUnknownOutcome, memory.TokenActionRequired}).Draw(t, "token")
	m.afterClaim(t, id)
	m.arm(t)
	_, err := m.f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id, PaymentToken: token})
	m.mustStoreFault(t, "confirm", err)
}

// afterClaim lets the claim of a tap whose answer was lost lapse: a tap
// meanwhile would wait for it, on a clock that does not move.
func (m *failingStoreModel) afterClaim(t *rapid.T, checkoutID string) {
	co, err := m.store.Checkout(ctx, checkoutID)
	if err != nil {
		t.Fatal(err)
	}
	if wait := co.ClaimedUntil.Sub(m.f.clock.Now()); co.State == buybutton.CheckoutPaymentPending && wait >= 0 {
		m.f.clock.Advance(wait + time.Second)
	}
}

func (m *failingStoreModel) pickOrder(t *rapid.T) (*buybutton.Order, bool) {
	return pick(t, "order", m.orders(t))
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
// than the 5.00 asked under each key the host used for it and the 2.00
// of each of the dashboard's refunds.
func (m *failingStoreModel) refundedAtMost(t *rapid.T, id string, refunded money.Amount, dashboard int) {
	asked, err := usd("5.00").MulInt(int64(len(m.keys[id]))).Add(usd("2.00").MulInt(int64(dashboard)))
	if err != nil {
		t.Fatal(err)
	}
	if !lessOrEqual(refunded, asked) {
		t.Fatalf("%s: %s refunded, where the host asked for %s under %d keys and the dashboard refunded %d times", id, refunded, asked, len(m.keys[id]), dashboard)
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

// CompleteAction has a buyer take, or fail, the bank's step a checkout
// waits for; the platform says so by webhook.
func (m *failingStoreModel) CompleteAction(t *rapid.T) {
	if len(m.checkouts) == 0 {
		return
	}
	co, err := m.store.Checkout(ctx, rapid.SampledFrom(m.checkouts).Draw(t, "checkout"))
	if err != nil {
		t.Fatal(err)
	}
	if co.State != buybutton.CheckoutRequiresAction {
		return
	}
	succeeds := rapid.Bool().Draw(t, "action succeeds")
	err = m.f.shop.CompleteAction(co.PaymentID, succeeds)
	if err != nil && !errors.Is(err, provider.ErrInvalidState) {
		t.Fatal(err)
	}
	if err == nil && !succeeds {
		m.failedActions++
	}
}

// DashboardRefund has the merchant refund 2.00 of an order on the
// platform's dashboard; its webhook comes with the next round, or is
// lost (LoseWebhooks).
func (m *failingStoreModel) DashboardRefund(t *rapid.T) {
	o, ok := m.pickOrder(t)
	if !ok || o.PaymentID == "" {
		return
	}
	n := m.dashboard[o.ID] + 1
	_, err := m.f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: fmt.Sprint("dashboard-", n, "-", o.ID), PaymentID: o.PaymentID, Amount: usd("2.00")})
	if err == nil {
		m.dashboard[o.ID] = n
	}
}

// FailRefund has the card network fail one of an order's refunds after it
// succeeded (the card was closed): the money is back with the merchant,
// and the platform says so by webhook.
func (m *failingStoreModel) FailRefund(t *rapid.T) {
	o, ok := m.pickOrder(t)
	if !ok || o.PaymentID == "" {
		return
	}
	made, err := m.f.shop.RefundsMade(ctx, o.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	made = slices.DeleteFunc(made, func(r provider.ListedRefund) bool { return r.Failure != "" })
	if len(made) == 0 {
		return
	}
	if err := m.f.shop.FailRefund(made[rapid.IntRange(0, len(made)-1).Draw(t, "failed refund")].ID, "expired_or_canceled_card"); err != nil {
		t.Fatal(err)
	}
}

// LoseWebhooks is the platform giving up on the webhooks it has not
// delivered: only reading the records back tells of them.
func (m *failingStoreModel) LoseWebhooks(t *rapid.T) {
	m.f.shop.TakeDeliveries()
	m.redeliver = nil
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
	d, ok := pick(t, "gift", m.donations(t))
	if !ok {
		return
	}
	key := m.useKey(t, d.ID)
	m.arm(t)
	_, err := m.f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("5.00"), IdempotencyKey: key})
	m.mustStoreFault(t, "refund donation", err)
}

func (m *failingStoreModel) StopMonthly(t *rapid.T) {
	g, ok := pick(t, "monthly gift", m.monthly(t))
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
		if !lessOrEqual(o.Captured, pay.Captured) {
			t.Fatalf("order %s records %s captured; the platform, %s", o.ID, o.Captured, pay.Captured)
		}
		m.refundsMade(t, o.ID, o.PaymentID, o.Refunds)
	}
	for _, d := range m.donations(t) {
		m.refundsMade(t, d.ID, d.ProviderDonationID, d.Refunds)
	}
}

// refundsMade fails the test unless each refund that record id counts as
// succeeded is one the platform made, of its amount, from the payment or
// donation it knows as platformID. (It may have failed since, unheard.)
func (m *failingStoreModel) refundsMade(t *rapid.T, id, platformID string, refunds []buybutton.Refund) {
	made, err := m.f.shop.RefundsMade(ctx, platformID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range refunds {
		if f.Status != buybutton.RefundSucceeded {
			continue
		}
		i := slices.IndexFunc(made, func(r provider.ListedRefund) bool { return r.ID == f.ProviderRefundID })
		if i < 0 || !made[i].Amount.Equal(f.Amount) {
			t.Fatalf("%s records refund %s (%s) of %s, which the platform did not make", id, f.ID, f.ProviderRefundID, f.Amount)
		}
	}
}

// orders are the buyer's orders (reads do not fail), in the order of
// their platform ids: the library's own are random, and the test must
// act on the same record when rapid replays a sequence.
func (m *failingStoreModel) orders(t *rapid.T) []*buybutton.Order {
	return readAll(t, func(after string) ([]*buybutton.Order, error) { return m.store.OrdersByBuyer(ctx, buyer, after, 100) },
		func(o *buybutton.Order) string { return o.ID }, func(o *buybutton.Order) string { return o.ProviderOrderID })
}

func (m *failingStoreModel) donations(t *rapid.T) []*buybutton.Donation {
	return readAll(t, func(after string) ([]*buybutton.Donation, error) {
		return m.store.DonationsByBuyer(ctx, buyer, after, 100)
	},
		func(d *buybutton.Donation) string { return d.ID }, func(d *buybutton.Donation) string { return d.ProviderDonationID })
}

func (m *failingStoreModel) monthly(t *rapid.T) []*buybutton.MonthlyGift {
	return readAll(t, func(after string) ([]*buybutton.MonthlyGift, error) {
		return m.store.MonthlyGiftsByBuyer(ctx, buyer, after, 100)
	},
		func(g *buybutton.MonthlyGift) string { return g.ID }, func(g *buybutton.MonthlyGift) string { return g.ProviderMonthlyID })
}

// pick draws one of records.
func pick[T any](t *rapid.T, label string, records []T) (T, bool) {
	if len(records) == 0 {
		var none T
		return none, false
	}
	return records[rapid.IntRange(0, len(records)-1).Draw(t, label)], true
}

// readAll reads every page of a list, and sorts it by platformID.
func readAll[T any](t *rapid.T, page func(after string) ([]T, error), id, platformID func(T) string) []T {
	var all []T
	for after := ""; ; {
		p, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p...)
		if len(p) < 100 {
			break
		}
		after = id(p[len(p)-1])
	}
	slices.SortFunc(all, func(a, b T) int { return strings.Compare(platformID(a), platformID(b)) })
	return all
}

// heal lets the store recover and time pass, with the platform
// delivering its webhooks until they are applied and maintenance
// running: then the books must be the platform's. The host either reads
// every record back at once, or leaves it to maintenance's read-backs
// (Options.ReadBack), which come days apart: then 128 days pass, past
// the read-back that follows any loss in a sequence.
func (m *failingStoreModel) heal(t *rapid.T) {
	m.store.FailNth(0, false)
	passes, step := 64, 2*24*time.Hour
	if rapid.Bool().Draw(t, "the host reads every record back") {
		m.reconcileAll(t)
		passes, step = 4, 2*time.Hour
	}
	for range passes {
		m.f.clock.Advance(step)
		// A cancellation waits (ErrInProgress) for the event of a refund
		// made on the dashboard, until a read-back finds it.
		if _, err := m.f.client.Maintain(ctx, 1000); !expected(err) && !errors.Is(err, buybutton.ErrInProgress) {
			t.Fatalf("maintain after healing: %v", err)
		}
		for _, d := range m.deliveries(t) {
			err := m.f.client.HandleWebhook(ctx, shopID, d.Header, d.Body)
			if err != nil {
				m.failed(t, d) // the platform sends it again
			}
			if !expected(err) && !errors.Is(err, buybutton.ErrInProgress) {
				t.Fatalf("webhook after healing: %v", err)
			}
		}
	}
	if len(m.redeliver) > 0 {
		t.Fatalf("webhooks the library never took: %+v", m.redeliver)
	}
}

// reconcileAll reads every order, gift and monthly gift back from the
// platform, for the webhooks it gave up on.
func (m *failingStoreModel) reconcileAll(t *rapid.T) {
	for _, o := range m.orders(t) {
		if _, err := m.f.client.ReconcileOrder(ctx, o.ID); !expected(err) {
			t.Fatalf("reconcile order %s: %v", o.ID, err)
		}
	}
	for _, d := range m.donations(t) {
		if _, err := m.f.client.ReconcileDonation(ctx, d.ID); !expected(err) {
			t.Fatalf("reconcile donation %s: %v", d.ID, err)
		}
	}
	for _, g := range m.monthly(t) {
		if _, err := m.f.client.ReconcileMonthly(ctx, g.ID); !expected(err) {
			t.Fatalf("reconcile monthly gift %s: %v", g.ID, err)
		}
	}
}

func TestAFailingStoreLosesNothing(t *testing.T) {
	// A lost answer spoils the action after it only if that action finds
	// the work it left: sequences of 100 steps, as in the machines' test.
	rapidDefaults(t, 300, 100)
	rapid.Check(t, func(t *rapid.T) {
		policy := rapid.SampledFrom([]buybutton.CapturePolicy{buybutton.CaptureOnPlace, buybutton.CaptureOnShipment}).Draw(t, "capture policy")
		store := storefaults.Wrap(buybutton.NewMemoryStore(), 0)
		f := newShop(t, &buybutton.Options{Store: store, Capture: policy})
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
		m := &failingStoreModel{f: f, store: store, campaign: cp.ID, keys: map[string]map[string]bool{}, dashboard: map[string]int{}}
		t.Repeat(rapid.StateMachineActions(m))
		m.heal(t)
		m.checkBooks(t)
	})
}

// checkBooks compares the store's books with the platform's: every order
// and gift the platform made is the store's, canceled there if and only
// if in the store, each with the amounts the platform moved; every hold is an order's or was voided; no attempt is
// left claimed or unknown, and no refund pending.
func (m *failingStoreModel) checkBooks(t *rapid.T) {
	stats := m.f.shop.Stats()
	orders, paid := m.orders(t), 0
	if len(orders) != stats.Orders {
		t.Fatalf("the platform placed %d orders, the store holds %d", stats.Orders, len(orders))
	}
	for _, o := range orders {
		po, err := m.f.shop.Order(ctx, o.ProviderOrderID)
		if err != nil {
			t.Fatal(err)
		}
		if (po.Status == provider.OrderCanceled) != (o.Status == buybutton.OrderCanceled) {
			t.Fatalf("order %s is %s; at the merchant, %s", o.ID, o.Status, po.Status)
		}
		if o.PaymentID == "" {
			continue
		}
		if !o.Voided {
			paid++ // a canceled order's voided hold is among the platform's voids
		}
		pay, err := m.f.shop.Payment(ctx, o.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		if !pay.Captured.Equal(o.Captured) || !pay.Refunded.Equal(o.Refunded()) {
			t.Fatalf("order %s: the platform captured %s and refunded %s, the books say %s and %s", o.ID, pay.Captured, pay.Refunded, o.Captured, o.Refunded())
		}
		m.sameRefunds(t, o.ID, o.PaymentID, o.Refunds)
		if o.Status != buybutton.OrderCanceled {
			m.refundedAtMost(t, o.ID, pay.Refunded, m.dashboard[o.ID])
		}
	}
	if stats.Authorizations != paid+stats.Voids+m.failedActions {
		t.Fatalf("the platform authorized %d payments, voided %d and failed %d at the bank's step, and %d orders are paid", stats.Authorizations, stats.Voids, m.failedActions, paid)
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
		m.sameRefunds(t, d.ID, d.ProviderDonationID, d.Refunds)
		m.refundedAtMost(t, d.ID, pd.Refunded, 0)
	}
	for _, id := range append(slices.Clone(m.checkouts), m.gifts...) {
		co, err := m.store.Checkout(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if co.State == buybutton.CheckoutPaymentPending || co.State == buybutton.CheckoutUnknown {
			t.Fatalf("checkout %s is still %s after healing", co.ID, co.State)
		}
	}
}

// sameRefunds fails the test unless record id's books hold the refunds
// the platform lists of platformID, none pending: each that stands
// recorded as succeeded, of its amount, and each that failed, if it is
// recorded, as failed. (One that failed before the library heard of it
// gave nothing back, and need not be recorded.)
func (m *failingStoreModel) sameRefunds(t *rapid.T, id, platformID string, refunds []buybutton.Refund) {
	made, err := m.f.shop.RefundsMade(ctx, platformID)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]buybutton.Refund{}
	for _, f := range refunds {
		if f.Status == buybutton.RefundPending {
			t.Fatalf("%s: refund %s still pending after healing", id, f.ID)
		}
		if f.ProviderRefundID != "" {
			recorded[f.ProviderRefundID] = f
		}
	}
	for _, r := range made {
		f, ok := recorded[r.ID]
		switch {
		case r.Failure == "" && (!ok || f.Status != buybutton.RefundSucceeded || !f.Amount.Equal(r.Amount)):
			t.Fatalf("%s: the platform's refund %s of %s is recorded as %+v", id, r.ID, r.Amount, f)
		case r.Failure != "" && ok && f.Status != buybutton.RefundFailed:
			t.Fatalf("%s: the platform's refund %s failed, and is recorded %s", id, r.ID, f.Status)
		}
		delete(recorded, r.ID)
	}
	for _, f := range recorded {
		t.Fatalf("%s: refund %s (%s) is not the platform's", id, f.ID, f.ProviderRefundID)
	}
}
