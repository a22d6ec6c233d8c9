package buybutton_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

const day = 24 * time.Hour

// readBack is the default Options.ReadBack.
const readBack = 4 * day

// untilDue moves the clock on to when the record due at at is due.
func (f fixture) untilDue(at time.Time) {
	f.clock.Advance(at.Sub(f.clock.Now()))
}

// TestMaintainReadsBackAnOrderWhoseWebhooksWereLost: the merchant ships
// an order while the host's endpoint is down for longer than the platform
// re-sends. No one calls ReconcileOrder: maintenance reads the order back
// four days after it was placed, not before, records the parcel and tells
// the host, once; the next read-back is four days later.
func TestMaintainReadsBackAnOrderWhoseWebhooksWereLost(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	assert.Equal(t, o.PlacedAt.Add(readBack), o.ReadBackAt)
	assert.True(t, o.DueAt.IsZero(), "owes no work: read back apart from it")
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.lose(t)

	f.untilDue(o.ReadBackAt.Add(-time.Minute))
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep, "not due yet")
	assert.Equal(t, buybutton.OrderPlaced, f.order(t, o.ID).Status)

	f.clock.Advance(time.Minute)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, []provider.Shipment{parcel}, got.Shipments)
	assert.Equal(t, o.PlacedAt.Add(2*readBack), got.ReadBackAt, "next twice as long after the placing")
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderShipped))

	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep, "read back once")
}

// TestReadBacksComeTwiceAsLateEachTimeForAYear: an order nothing happens
// to is read back 4, 8, 16, 32, 64, 128 and 256 days after it was
// placed, and then no more: its ReadBackAt is cleared, out of the index.
// A read-back that finds nothing writes nothing but its next time.
func TestReadBacksComeTwiceAsLateEachTimeForAYear(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	var days []int
	for at := o.ReadBackAt; !at.IsZero(); at = f.order(t, o.ID).ReadBackAt {
		f.untilDue(at)
		rep, err := f.maintain(t)
		require.NoError(t, err)
		require.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
		days = append(days, int(f.clock.Now().Sub(o.PlacedAt)/day))
		require.Less(t, len(days), 20, "read-backs must end")
	}
	assert.Equal(t, []int{4, 8, 16, 32, 64, 128, 256}, days)
	got := f.order(t, o.ID)
	assert.True(t, got.ReadBackAt.IsZero())
	assert.Equal(t, got.UpdatedAt, o.UpdatedAt, "a read-back that finds nothing changes nothing else")
	assert.Equal(t, []string{">placed"}, f.path(t, o.ID, "order"), "and records no transition")
	due, err := f.store.ReadBacksDue(ctx, f.clock.Now().Add(10*365*day), 10)
	require.NoError(t, err)
	assert.Empty(t, due)
}

// TestReadBackOff: with a negative ReadBack, maintenance reads nothing
// back; a read-back more often than hourly is refused.
func TestReadBackOff(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{ReadBack: -1}, nil)
	o := f.placed(t)
	assert.True(t, o.ReadBackAt.IsZero())
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.lose(t)
	f.clock.Advance(30 * day)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep)
	assert.Equal(t, buybutton.OrderPlaced, f.order(t, o.ID).Status, "the host reconciles itself")

	_, err = buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", f.shop)}, ReadBack: time.Minute})
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
}

// TestReadBacksTurnedOffAreClearedUnread: an order placed while
// read-backs were on, maintained by a client that has them off, has its
// read-back cleared and nothing read.
func TestReadBacksTurnedOffAreClearedUnread(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.lose(t)
	off, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", f.shop)},
		Store: f.store, Now: f.clock.Now, ReadBack: -1})
	require.NoError(t, err)

	f.untilDue(o.ReadBackAt)
	rep, err := off.Maintain(ctx, 10)
	require.NoError(t, err)
	assert.Zero(t, rep)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status, "nothing read")
	assert.True(t, got.ReadBackAt.IsZero())
}

// unreadablePayments is a platform whose payments cannot be read while
// *down is set.
type unreadablePayments struct {
	*memory.Provider
	down *error
}

func (p unreadablePayments) Payment(ctx context.Context, id string) (provider.Payment, error) {
	if *p.down != nil {
		return provider.Payment{}, fmt.Errorf("reading payment %s: %w", id, *p.down)
	}
	return p.Provider.Payment(ctx, id)
}

// TestAReadBackThePlatformCannotAnswerIsTriedAgain: a read-back that
// fails keeps its time and is due again a minute later, then after as
// long as it has waited (up to an hour), until the platform answers; the
// next read-back then counts from the placing, as before.
func TestAReadBackThePlatformCannotAnswerIsTriedAgain(t *testing.T) {
	var down error
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return unreadablePayments{shop, &down} }))
	o := f.placed(t)
	require.NoError(t, f.shop.ShipOrder(o.ProviderOrderID, parcel))
	f.lose(t)

	down = provider.ErrUnavailable
	f.untilDue(o.ReadBackAt)
	rep, err := f.maintain(t)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, buybutton.MaintenanceReport{Postponed: 1}, rep)
	got := f.order(t, o.ID)
	assert.Equal(t, f.clock.Now().Add(time.Minute), got.ReadBackAt, "due again a minute later")
	assert.True(t, got.DueAt.IsZero(), "and owes no work")

	f.clock.Advance(10 * time.Minute)
	_, err = f.maintain(t)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, f.clock.Now().Add(10*time.Minute), f.order(t, o.ID).ReadBackAt, "waited 10 minutes: due again in 10")

	down = nil
	f.untilDue(f.order(t, o.ID).ReadBackAt)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderFulfilled, got.Status)
	assert.Equal(t, o.PlacedAt.Add(2*readBack), got.ReadBackAt)
}

// TestAReadBackFindsWhatOwedWorkWaitsFor: the merchant refunded part of
// an order on its dashboard, and the webhook was lost for good; then the
// host cancels the order. The cancellation asks the platform for the
// whole payment back, more than is left there, and cannot finish: only
// the refund the library never heard of explains the gap. The read-back,
// which comes before owed work in a pass, finds it, and the same pass
// finishes the cancellation.
func TestAReadBackFindsWhatOwedWorkWaitsFor(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t) // 90.78 captured
	_, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: usd("10.00"), Reason: "goodwill"})
	require.NoError(t, err)
	f.lose(t)
	_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
	require.ErrorIs(t, err, buybutton.ErrInProgress, "80.78 back; 10.00 unaccounted for")
	got := f.order(t, o.ID)
	require.Equal(t, buybutton.OrderPlaced, got.Status)
	require.True(t, got.DueAt.Before(o.ReadBackAt), "due for the cancellation")

	for range 3 { // the cancellation alone cannot finish
		f.untilDue(f.order(t, o.ID).DueAt)
		_, err = f.maintain(t)
		require.ErrorIs(t, err, buybutton.ErrInProgress)
	}
	f.untilDue(o.ReadBackAt)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
}

// TestMaintainReadsBackADonationRefundedOnThePlatform: a refund made on
// the platform's dashboard, its webhook lost, is recorded by the
// donation's read-back (receipt and campaign follow).
func TestMaintainReadsBackADonationRefundedOnThePlatform(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)
	assert.Equal(t, d.GivenAt.Add(readBack), d.ReadBackAt)
	_, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard", DonationID: d.ProviderDonationID, Amount: d.Charged})
	require.NoError(t, err)
	f.lose(t)

	f.untilDue(d.ReadBackAt)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
	got, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationRefunded, got.State())
	assert.Equal(t, d.GivenAt.Add(2*readBack), got.ReadBackAt, "read back on: a bank may still take back what was refunded")
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "0.00 USD", cp.Raised.String())
}

// TestMaintainReadsBackAMonthlyGiftsLostRenewal: a renewal charged while
// the host's endpoint was down for good is recorded by the gift's
// read-back, four days after it was due; the gift's next read-back then
// follows its next renewal. Once the gift has ended, it is read back once
// more, for a month charged before the end whose webhook was lost.
func TestMaintainReadsBackAMonthlyGiftsLostRenewal(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	mg := f.monthlyGift(t, cp)
	assert.Equal(t, mg.NextChargeAt.Add(readBack), mg.ReadBackAt)
	f.renewLost(t)

	f.untilDue(mg.ReadBackAt)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 2}, rep, "the gift, and its first month, due since day 4")
	got, err := f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Months)
	assert.True(t, got.NextChargeAt.After(mg.NextChargeAt))
	assert.Equal(t, got.NextChargeAt.Add(readBack), got.ReadBackAt, "read back after the next renewal")
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "50.00 USD", cp.Raised.String())

	next := got.ReadBackAt
	got, err = f.client.CancelMonthly(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.Equal(t, next, got.ReadBackAt, "read back once more after its end")
	f.untilDue(got.ReadBackAt)
	_, err = f.maintain(t)
	require.NoError(t, err)
	got, err = f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	assert.True(t, got.ReadBackAt.IsZero(), "then no more")
}

// TestAMonthlyGiftEndedByAChargebackIsReadBackAfterItsEnd: a month
// charged back ends its gift; the gift's last read-back comes ReadBack
// after that end, not at the time its renewal had set, which may come
// before the webhooks of the end had their chance.
func TestAMonthlyGiftEndedByAChargebackIsReadBackAfterItsEnd(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	mg := f.monthlyGift(t, cp)
	gifts, err := f.client.Donations(ctx, buyer, "", 10)
	require.NoError(t, err)
	f.untilDue(mg.ReadBackAt.Add(-day)) // its read-back a day away
	f.chargeBack(t, gifts[0].ProviderDonationID, gifts[0].Charged)
	f.deliver(t)

	got, err := f.client.MonthlyGift(ctx, buyer, mg.ID)
	require.NoError(t, err)
	require.Equal(t, buybutton.MonthlyCanceled, got.Status)
	assert.Equal(t, got.CanceledAt.Add(readBack), got.ReadBackAt)
}

// TestReadBacksWaitForTheWorkThatIsDue: read-backs have an index of their
// own, and a pass takes them only after the work that is due, and at most
// a tenth of its batch. An order due for its read-back before a checkout
// is due to expire does not make the checkout wait: a pass of one record
// expires the checkout, and the read-back comes at the next pass.
func TestReadBacksWaitForTheWorkThatIsDue(t *testing.T) {
	f := buildFixture(t, nil, nil, nil)
	o := f.placed(t)
	f.untilDue(o.ReadBackAt.Add(-10 * time.Minute))
	co := f.ready(t, "buyer-2", book(1))
	f.untilDue(co.ExpiresAt.Add(time.Minute))

	rep, err := f.client.Maintain(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Expired: 1}, rep, "the checkout first, though the read-back was due before it")
	rep, err = f.client.Maintain(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, rep)
}

// gatedPayments is a platform whose first payment read waits for the
// gate, after telling entered; it counts the reads of each payment.
type gatedPayments struct {
	*memory.Provider
	entered, gate chan struct{}
	mu            *sync.Mutex
	reads         map[string]int
}

func (p gatedPayments) Payment(ctx context.Context, id string) (provider.Payment, error) {
	p.mu.Lock()
	p.reads[id]++
	first := p.reads[id] == 1
	p.mu.Unlock()
	if first {
		p.entered <- struct{}{}
		<-p.gate
	}
	return p.Provider.Payment(ctx, id)
}

// TestAReadBackUnderWayIsNotRepeated: a read-back claims its record for
// a ClaimLease before its platform calls, so that passes running at once
// (several instances, or a host running more than one to keep up) share
// the read-backs out rather than each making them all. A second pass
// while the first reads the order back leaves the order alone, and the
// payment is read once.
func TestAReadBackUnderWayIsNotRepeated(t *testing.T) {
	p := gatedPayments{entered: make(chan struct{}), gate: make(chan struct{}), mu: &sync.Mutex{}, reads: map[string]int{}}
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { p.Provider = shop; return p }))
	o := f.placed(t)
	f.untilDue(o.ReadBackAt)

	first := make(chan buybutton.MaintenanceReport)
	go func() {
		rep, err := f.client.Maintain(ctx, 10)
		assert.NoError(t, err)
		first <- rep
	}()
	<-p.entered // the first pass reads the payment back
	rep, err := f.client.Maintain(ctx, 10)
	require.NoError(t, err)
	assert.Zero(t, rep, "the order is the first pass's")
	close(p.gate)
	assert.Equal(t, buybutton.MaintenanceReport{ReadBack: 1}, <-first)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, 1, p.reads[o.PaymentID], "read once")
	assert.Equal(t, o.PlacedAt.Add(2*readBack), f.order(t, o.ID).ReadBackAt)
}

// TestARecordListedWithoutAReadBackIsScheduledAgain: a store whose index
// lists an order for a read-back the order does not have (store/postgres
// after an instance of a release before read-backs updated the order
// during an upgrade) lists it first at every pass. Skipped there, it
// would stand before every read-back behind it for ever. Maintenance
// commits it with the next read-back of its schedule, which the store
// indexes as the order says, and the next pass reads back the order
// behind it.
func TestARecordListedWithoutAReadBackIsScheduledAgain(t *testing.T) {
	store := &staleReadBacks{Store: buybutton.NewMemoryStore()}
	f := buildFixture(t, nil, &buybutton.Options{Store: store}, nil)
	stale := f.placed(t)
	f.clock.Advance(time.Minute)
	behind := f.placed(t)
	o := f.order(t, stale.ID)
	o.ReadBackAt = time.Time{}
	require.NoError(t, store.Store.Commit(ctx, &buybutton.Tx{Orders: []*buybutton.Order{o}}))
	store.stale = map[string]int64{stale.ID: o.Version + 1}
	store.at = stale.ReadBackAt

	f.untilDue(behind.ReadBackAt)
	for range 2 {
		_, err := f.client.Maintain(ctx, 10) // one read-back a pass
		require.NoError(t, err)
	}
	assert.Equal(t, stale.PlacedAt.Add(2*readBack), f.order(t, stale.ID).ReadBackAt, "on its schedule again")
	assert.Equal(t, behind.PlacedAt.Add(2*readBack), f.order(t, behind.ID).ReadBackAt, "read back behind it")
}

// staleReadBacks is a store whose read-back index still lists the orders
// of stale, at at, while each is at the version stale gives: an index
// entry the order's commit left behind.
type staleReadBacks struct {
	buybutton.Store
	stale map[string]int64
	at    time.Time
}

func (s *staleReadBacks) ReadBacksDue(ctx context.Context, t time.Time, limit int) ([]buybutton.DueRecord, error) {
	var due []buybutton.DueRecord
	for id, version := range s.stale {
		if o, err := s.Store.Order(ctx, id); err == nil && o.Version == version && !s.at.After(t) {
			due = append(due, buybutton.DueRecord{Kind: "order", ID: id})
		}
	}
	rest, err := s.Store.ReadBacksDue(ctx, t, limit)
	return append(due, rest...)[:min(limit, len(due)+len(rest))], err
}
