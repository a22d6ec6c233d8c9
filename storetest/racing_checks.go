package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// The checks of libraryRacing, once the race is settled: the library's
// records against the platform's, one story told twice.

// check compares the library's records with the platform's.
func (w *racingWorld) check(t *testing.T, policy buybutton.CapturePolicy, stock, freeStock int) {
	f := w.f
	w.payments, w.gave, w.monthly = distinct(w.payments), distinct(w.gave), distinct(w.monthly)
	orders := map[string]*buybutton.Order{} // by payment
	sold, freeOrders, freeKept, coded := 0, 0, 0, 0
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
		if o.PaymentID == "" || w.free[id] {
			freeOrders++
			if o.Status != buybutton.OrderCanceled {
				freeKept++
			}
			checkFree(t, o, w.free[id])
			continue
		}
		require.NotContains(t, orders, o.PaymentID, "two orders on one payment")
		if o.DiscountCode != "" {
			coded++
			assert.Equal(t, "TEE10", o.DiscountCode, "order %s", o.ID)
			assert.True(t, o.Totals.Discount.IsPositive(), "order %s was placed with the code, and nothing off", o.ID)
		}
		orders[o.PaymentID] = o
		if o.Status != buybutton.OrderCanceled {
			for _, l := range o.Lines {
				sold += l.Quantity
			}
		}
	}
	st := f.shop.Stats()
	assert.Equal(t, len(orders)+freeOrders, st.Orders, "orders at the platform and in the library")

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
			// Its money is back, but for refunds a card network failed
			// afterwards (the host is told: refund.failed).
			back, err := pay.Refunded.Add(failedAfterwards(o))
			require.NoError(t, err)
			covered, err := back.Cmp(pay.Captured)
			require.NoError(t, err)
			released := pay.Status == provider.PaymentVoided || covered >= 0
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
		if !assert.True(t, pay.Refunded.Equal(refunded), "order %s: the platform refunded %s, the library says %s", o.ID, pay.Refunded, refunded) {
			w.showRefunds(t, o)
		}
		// Racing returns never refund more units of a line than were
		// bought.
		for _, l := range o.Lines {
			units := 0
			for _, r := range o.Refunds {
				for _, rl := range r.Lines {
					if rl.VariantID == l.VariantID && r.Status != buybutton.RefundFailed {
						units += rl.Quantity
					}
				}
			}
			assert.LessOrEqual(t, units, l.Quantity, "order %s refunds %d units of %s, of %d bought", o.ID, units, l.VariantID, l.Quantity)
		}
	}

	w.checkGifts(t)
	w.checkEvents(t)
	w.checkTransitions(t)
	for _, id := range w.ids {
		co := f.checkout(t, id)
		if co.OrderID == "" {
			continue
		}
		o, err := f.store.Order(w.ctx, co.OrderID)
		require.NoError(t, err)
		po, err := f.shop.Order(w.ctx, o.ProviderOrderID)
		require.NoError(t, err)
		if (po.Status == provider.OrderCanceled) != (o.Status == buybutton.OrderCanceled) {
			trs, _ := f.store.Transitions(w.ctx, o.ID)
			t.Errorf("order %s is %s, and %s at the platform; its cancellation %+v, refunds %+v, transitions %+v", o.ID, o.Status, po.Status, o.Cancellation, o.Refunds, trs)
		}
		if po.Status != provider.OrderCanceled {
			// Told by webhooks, or, for those lost for good, read back.
			assert.Equal(t, string(po.Status), string(o.Status), "order %s's fulfilment", o.ID)
			// The dashboard may ship one parcel twice; the order keeps it once.
			assert.ElementsMatch(t, withoutRepeats(po.Shipments), o.Shipments, "order %s's parcels", o.ID)
		}
	}

	t.Logf("checkouts %d, orders %d paid (%d with the code, %d units kept, %d captures failed) and %d free (%d kept), payments %d; webhooks lost for good %d, records read back %d, refunds failed afterwards %d; platform %+v; faults %v; commits failed %d", len(w.ids), len(orders), coded, sold, lapsed, freeOrders, freeKept, len(w.payments), w.lost, w.readBack, w.refundsFailed, st, w.faults.Counts(), w.commits.Failures())
	// What is left to sell is exactly the stock less what was kept.
	w.checkLeft(t, tee, stock-sold)
	w.checkLeft(t, freeBook, freeStock-freeKept)
}

// showRefunds logs the refunds of o as the library and the platform have
// them, and its disputes, to tell why their sums differ.
func (w *racingWorld) showRefunds(t *testing.T, o *buybutton.Order) {
	for _, r := range o.Refunds {
		t.Logf("order %s: refund %s (the platform's %s) of %s %s %q, asked %s for %q", o.ID, r.ID, r.ProviderRefundID, r.Amount, r.Status, r.Failure, r.CreatedAt.Format(time.RFC3339), r.Reason)
	}
	made, err := w.f.shop.RefundsMade(w.ctx, o.PaymentID)
	require.NoError(t, err)
	for _, r := range made {
		t.Logf("payment %s: refund %s of %s, failure %q", o.PaymentID, r.ID, r.Amount, r.Failure)
	}
	t.Logf("order %s: %s, captured %s, disputes %+v, cancellation %+v", o.ID, o.Status, o.Captured, o.Disputes, o.Cancellation)
}

// checkLeft checks that exactly left units of variant can still be sold.
func (w *racingWorld) checkLeft(t *testing.T, variant string, left int) {
	t.Helper()
	if left > 0 {
		_, err := w.f.shop.Reserve(w.ctx, provider.ReserveRequest{IdempotencyKey: "left " + variant, Lines: []provider.StockLine{{VariantID: variant, Quantity: left}}, TTL: time.Minute})
		assert.NoError(t, err, "%d units of %s should be left", left, variant)
	}
	_, err := w.f.shop.Reserve(w.ctx, provider.ReserveRequest{IdempotencyKey: "one more " + variant, Lines: []provider.StockLine{{VariantID: variant, Quantity: 1}}, TTL: time.Minute})
	assert.ErrorIs(t, err, provider.ErrOutOfStock, "more than %d units of %s were left", left, variant)
}

// checkFree checks that an order with no payment is a free checkout's,
// and moved no money: nothing authorized, captured, voided, refunded or
// disputed.
func checkFree(t *testing.T, o *buybutton.Order, free bool) {
	t.Helper()
	assert.True(t, free, "order %s of a checkout that costs something has no payment", o.ID)
	assert.Empty(t, o.PaymentID, "order %s of a free checkout has payment %s", o.ID, o.PaymentID)
	assert.Equal(t, buybutton.PaymentNone, o.PaymentState(), "order %s", o.ID)
	assert.False(t, o.Voided || o.CaptureFailure != "", "free order %s: voided %t, capture failure %q", o.ID, o.Voided, o.CaptureFailure)
	assert.True(t, o.Totals.Total.IsZero() && o.Authorized.IsZero() && o.Captured.IsZero(), "free order %s: total %s, authorized %s, captured %s", o.ID, o.Totals.Total, o.Authorized, o.Captured)
	assert.Empty(t, o.Refunds, "free order %s", o.ID)
	assert.Empty(t, o.Disputes, "free order %s", o.ID)
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
	donors := map[string]bool{}   // who gave
	counting := map[string]bool{} // who has a gift that still counts
	shown := map[string]bool{}    // who has one that asked to be shown
	keep := func(d *buybutton.Donation) {
		var kept bool
		if raised, kept = w.addKept(t, raised, d); kept {
			counting[d.BuyerID] = true
			shown[d.BuyerID] = shown[d.BuyerID] || d.Privacy.ShowOnPost
		}
	}
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
		keep(d)
	}
	for _, id := range w.gave {
		pd, err := f.shop.Donation(w.ctx, id)
		require.NoError(t, err)
		d, ok := gifts[id]
		if !ok {
			// A gift no donation records took nothing: it failed, was
			// withdrawn, or still waits for its donor's bank step (on a
			// platform that cannot withdraw it); one the donor completed
			// after all was refunded when the platform's
			// donation.succeeded came.
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
			if _, lost := w.chargedBack[did]; lost {
				assert.Equal(t, buybutton.MonthlyCanceled, mg.Status, "monthly gift %s goes on after its month %s was charged back", mg.ID, d.ID)
			}
			pd, err := f.shop.Donation(w.ctx, did)
			require.NoError(t, err)
			assert.True(t, pd.Amount.Equal(d.Charged), "donation %s: the platform charged %s, the library says %s", d.ID, pd.Amount, d.Charged)
			assert.True(t, pd.Refunded.Equal(d.Refunded()), "donation %s: the platform refunded %s, the library says %s", d.ID, pd.Refunded, d.Refunded())
			if _, first := gifts[did]; first {
				continue // counted with its checkout
			}
			given[d.BuyerID] = append(given[d.BuyerID], d.ID)
			renewals++
			keep(d)
		}
	}
	cp, err := f.client.Campaign(w.ctx, w.campaign.ID)
	require.NoError(t, err)
	t.Logf("donation checkouts %d, donations %d from %d donors (%d of them with a gift that counts) and %d renewals, gifts at the platform %d, monthly %d, charged back %d; raised %s; supporters %d, hidden %d; pruned in billing %d",
		len(w.gifts), len(gifts), len(donors), len(counting), renewals, len(w.gave), len(w.monthly), len(w.chargedBack), cp.Raised, len(cp.Supporters), w.hidden, w.pruned)
	assert.True(t, cp.Raised.Equal(raised), "the campaign raised %s, its donations %s", cp.Raised, raised)
	assert.Equal(t, len(counting), cp.Donors, "donors with a gift that still counts")
	keys, listed := map[string]bool{}, map[string]bool{}
	for _, s := range cp.Supporters {
		assert.False(t, keys[s.DonorKey], "supporter %q listed twice", s.Name)
		keys[s.DonorKey] = true
		first, err := f.store.Donation(w.ctx, s.DonorKey)
		require.NoError(t, err)
		assert.True(t, shown[first.BuyerID], "%s is listed with no gift that asked to be shown and still counts", first.BuyerID)
		listed[first.BuyerID] = true
	}
	// A post with room lists every donor with a gift that asked to be
	// shown and still counts: one who left made room for the next. (The
	// library looks for the next among the campaign's latest 200
	// donations.)
	if len(cp.Supporters) < buybutton.MaxSupporters && len(gifts)+renewals <= 200 {
		for buyer, ok := range shown {
			assert.False(t, ok && !listed[buyer], "%s has a gift that asked to be shown and counts, and is not listed on a post with room", buyer)
		}
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
	for after := ""; ; {
		page, err := w.f.client.Donations(w.ctx, buyer, after, 7)
		require.NoError(t, err)
		for _, d := range page {
			assert.False(t, len(ids) > 0 && d.GivenAt.After(last), "donation %s is listed after an older one", d.ID)
			ids, last, after = append(ids, d.ID), d.GivenAt, d.ID
		}
		if len(page) == 0 {
			break
		}
	}
	monthly, err := w.f.client.MonthlyGifts(w.ctx, buyer, "", 100)
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
// made or failed, a checkout expired, a donation given or charged back.
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
		case buybutton.EventPaymentDisputed, buybutton.EventPaymentDisputeClosed:
			if e.OrderID == "" {
				subject = e.DonationID
			}
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
			if afterwards(r) {
				// Told succeeded once, unless its failure came first.
				assert.LessOrEqual(t, told[string(buybutton.EventRefundSucceeded)+" "+r.ID], 1, "%s of %s", buybutton.EventRefundSucceeded, r.ID)
				delete(told, string(buybutton.EventRefundSucceeded)+" "+r.ID)
			} else {
				once(buybutton.EventRefundSucceeded, r.ID, r.Status == buybutton.RefundSucceeded)
			}
			once(buybutton.EventRefundFailed, r.ID, r.Status == buybutton.RefundFailed)
		}
	}
	// gift checks what d's records say was told: its refunds, and its
	// one chargeback's end once; its opening at most once, for an end
	// delivered before it leaves nothing to tell.
	gift := func(d *buybutton.Donation) {
		t.Helper()
		refunds(d.Refunds)
		once(buybutton.EventPaymentDisputeClosed, d.ID, len(d.Disputes) > 0)
		assert.LessOrEqual(t, told[string(buybutton.EventPaymentDisputed)+" "+d.ID], 1, "%s of %s", buybutton.EventPaymentDisputed, d.ID)
		delete(told, string(buybutton.EventPaymentDisputed)+" "+d.ID)
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
			once(buybutton.EventOrderDelivered, o.ID, o.Status == buybutton.OrderDelivered)
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
			gift(d)
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
				gift(d)
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

// addKept adds to raised what donation d still counts in its campaign:
// its amount less its refunds and what its lost disputes took back, if
// that is above zero, and reports whether it is. Each is summed here from the donation's own
// records, not by the library's count, and the disputes are checked
// against what the world had the banks take back.
func (w *racingWorld) addKept(t *testing.T, raised money.Amount, d *buybutton.Donation) (money.Amount, bool) {
	t.Helper()
	kept, err := d.Amount.Sub(d.Refunded())
	require.NoError(t, err)
	lost := money.Zero(d.Currency)
	for _, dp := range d.Disputes {
		if dp.Lost() {
			lost, err = lost.Add(dp.Amount)
			require.NoError(t, err)
		}
	}
	want, ok := w.chargedBack[d.ProviderDonationID]
	if !ok {
		want = money.Zero(d.Currency)
	}
	assert.True(t, lost.Equal(want), "donation %s: the bank took back %s, the library says %s", d.ID, want, lost)
	if kept, err = kept.Sub(lost); err == nil && kept.IsPositive() {
		raised, err = raised.Add(kept)
	}
	require.NoError(t, err)
	return raised, kept.IsPositive()
}

// withoutRepeats is ss without repeats, in order.
func withoutRepeats[T comparable](ss []T) []T {
	var out []T
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// afterwards reports whether r is a refund a card network failed after it
// succeeded (failAfterwards' wording), not one the platform refused.
func afterwards(r buybutton.Refund) bool {
	return r.Status == buybutton.RefundFailed && strings.HasPrefix(r.Failure, "failed after it was made")
}

// failedAfterwards sums the refunds of o that failed after they
// succeeded: money the platform took back from the buyer.
func failedAfterwards(o *buybutton.Order) money.Amount {
	sum := money.Zero(o.Currency)
	for _, r := range o.Refunds {
		if afterwards(r) {
			sum, _ = sum.Add(r.Amount)
		}
	}
	return sum
}
