package buybutton_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

// lease is the default ClaimLease: how long after it starts owing work an
// order or donation first becomes due, so that maintenance does not race
// the call still doing it.
const lease = 2 * time.Minute

// maintain runs one maintenance pass and returns its report and error.
func (f fixture) maintain(t *testing.T) (buybutton.MaintenanceReport, error) {
	t.Helper()
	return f.client.Maintain(ctx, 100)
}

// cancelOnPlatform cancels o on the merchant's platform, as from its
// dashboard, and returns the order.canceled webhook the platform sends.
func (f fixture) cancelOnPlatform(t *testing.T, o *buybutton.Order) memory.Delivery {
	t.Helper()
	_, err := f.shop.CancelOrder(ctx, provider.CancelOrderRequest{IdempotencyKey: "dashboard", OrderID: o.ProviderOrderID, Reason: "out of ink"})
	require.NoError(t, err)
	deliveries := f.shop.TakeDeliveries()
	require.Len(t, deliveries, 1)
	return deliveries[0]
}

// TestMaintenanceSendsARefundThePlatformCouldNotTake: a refund left
// pending because the platform was down is sent by maintenance, with no
// one retrying it: not while its call may still be under way, then at
// growing intervals while the platform stays down, then once it is back.
func TestMaintenanceSendsARefundThePlatformCouldNotTake(t *testing.T) {
	var refusing error
	f := refusingFixture(t, &refusing)
	o := f.placed(t) // 90.78 captured
	start := f.clock.Now()

	refusing = provider.ErrUnavailable
	_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: "k1"})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, start.Add(lease), f.order(t, o.ID).DueAt, "due a lease after it was asked for")

	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep, "not due yet: the call may still be under way")

	f.clock.Advance(lease)
	rep, err = f.maintain(t)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, buybutton.MaintenanceReport{Postponed: 1}, rep)
	assert.Equal(t, f.clock.Now().Add(lease), f.order(t, o.ID).DueAt, "owed for 2 minutes: due again in 2")
	f.clock.Advance(lease)
	_, err = f.maintain(t)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, f.clock.Now().Add(2*lease), f.order(t, o.ID).DueAt, "owed for 4 minutes: due again in 4")
	f.clock.Advance(time.Minute)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep, "postponed: a platform that is down is not asked at every pass")

	refusing = nil
	f.clock.Advance(3 * time.Minute)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[0].Status)
	assert.Equal(t, "40.00 USD", got.Refunded().String())
	assert.True(t, got.DueAt.IsZero(), "owes nothing: out of the due index")
	assert.Equal(t, 1, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventRefundSucceeded))

	f.clock.Advance(24 * time.Hour)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep)
}

// TestMaintenanceSettlesARefundWhoseAnswerWasLost: a refund the platform
// made but whose answer was lost is settled by maintenance with its own
// key, so it is made once.
func TestMaintenanceSettlesARefundWhoseAnswerWasLost(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Faults: []faulty.Fault{faulty.Lost}})
	o := f.placed(t)
	faults.SetRate(1)
	_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("30.00"), IdempotencyKey: "k"})
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	faults.SetRate(0)

	f.clock.Advance(lease)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
	got := f.order(t, o.ID)
	assert.Equal(t, "30.00 USD", got.Refunded().String())
	assert.True(t, got.DueAt.IsZero())
	assert.Equal(t, 1, f.shop.Stats().Refunds, "the lost answer's refund was not made twice")
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "maintenance", tr[len(tr)-1].Actor)
}

// TestMaintenanceFinishesACancellation: once the merchant has accepted a
// cancellation, the order owes the buyer's money back; if the platform
// cannot return it now, maintenance does, and records the cancellation as
// the buyer asked for it. Captured orders are refunded, held ones voided.
func TestMaintenanceFinishesACancellation(t *testing.T) {
	for name, policy := range map[string]buybutton.CapturePolicy{"on place": buybutton.CaptureOnPlace, "on shipment": buybutton.CaptureOnShipment} {
		t.Run(name, func(t *testing.T) {
			var faults *faulty.Provider
			f := buildFixture(t, nil, &buybutton.Options{Capture: policy}, func(shop *memory.Provider) buybutton.Merchant {
				faults = faulty.Wrap(shop, faulty.Options{Faults: []faulty.Fault{faulty.Unavailable}})
				m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
				m.Payments = faults
				return m
			})
			o := f.placed(t)
			start := f.clock.Now()

			faults.SetRate(1)
			_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
			require.ErrorIs(t, err, provider.ErrUnavailable)
			got := f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderPlaced, got.Status, "not canceled while the money is kept")
			require.NotNil(t, got.Cancellation)
			assert.Equal(t, buybutton.Cancellation{Reason: "changed my mind", Actor: "buyer:" + buyer, At: start}, *got.Cancellation)
			assert.Equal(t, start.Add(lease), got.DueAt)

			f.clock.Advance(lease)
			rep, err := f.maintain(t)
			require.ErrorIs(t, err, provider.ErrUnavailable)
			assert.Equal(t, buybutton.MaintenanceReport{Postponed: 1}, rep)
			assert.Equal(t, buybutton.OrderPlaced, f.order(t, o.ID).Status)

			faults.SetRate(0)
			f.clock.Advance(lease)
			rep, err = f.maintain(t)
			require.NoError(t, err)
			assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
			got = f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderCanceled, got.Status)
			assert.True(t, got.DueAt.IsZero())
			if policy == buybutton.CaptureOnPlace {
				assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
				assert.Equal(t, "90.78 USD", got.Refunded().String())
				assert.Equal(t, 1, f.shop.Stats().Refunds)
			} else {
				assert.Equal(t, buybutton.PaymentVoided, got.PaymentState())
				assert.Equal(t, 1, f.shop.Stats().Voids)
				assert.Equal(t, 0, f.shop.Stats().Captures)
			}
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
			tr, err := f.client.Transitions(ctx, buyer, o.ID)
			require.NoError(t, err)
			last := tr[len(tr)-1]
			assert.Equal(t, "placed>canceled", last.From+">"+last.To)
			assert.Equal(t, "buyer:"+buyer, last.Actor, "the buyer canceled; maintenance only finished it")

			again, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
			require.NoError(t, err)
			assert.Equal(t, buybutton.OrderCanceled, again.Status)
		})
	}
}

// TestMaintenanceFinishesTheMerchantsCancellation: the order.canceled
// webhook of a cancellation made on the platform's dashboard fails while
// the platform cannot refund; maintenance refunds and cancels without
// waiting for the platform to deliver it again, and the delivery that
// comes later changes nothing.
func TestMaintenanceFinishesTheMerchantsCancellation(t *testing.T) {
	var refusing error
	f := refusingFixture(t, &refusing)
	o := f.placed(t)
	delivery := f.cancelOnPlatform(t, o)

	refusing = provider.ErrRateLimited
	err := f.client.HandleWebhook(ctx, shopID, delivery.Header, delivery.Body)
	require.ErrorIs(t, err, provider.ErrRateLimited, "failed: the platform delivers it again")

	refusing = nil
	f.clock.Advance(lease)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, delivery.Header, delivery.Body))
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, 1, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "provider:"+shopID, tr[len(tr)-1].Actor)
}

// TestCancellationThePlatformRefusesIsTheHosts: a platform that refuses
// for good to give a canceled order's money back is told to the host once
// (order.cancel_failed), and maintenance does not ask it again and again
// with new refunds; the host's CancelOrder asks again.
func TestCancellationThePlatformRefusesIsTheHosts(t *testing.T) {
	refusing := provider.ErrInvalidState
	f := refusingFixture(t, &refusing)
	o := f.placed(t)

	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.ErrorIs(t, err, buybutton.ErrRefundFailed)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status)
	require.NotNil(t, got.Cancellation)
	assert.Contains(t, got.Cancellation.Failure, "invalid state")
	assert.True(t, got.DueAt.IsZero(), "nothing for maintenance to do")
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))

	f.clock.Advance(24 * time.Hour)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep)
	assert.Len(t, f.order(t, o.ID).Refunds, 1, "one refund asked for, refused")

	refusing = nil
	got, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "support"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, "host", got.Cancellation.Actor, "a new cancellation, asked by the host")
	assert.Empty(t, got.Cancellation.Failure)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))
}

// TestCancellationRefundsWhatThePlatformHasLeft: the merchant refunded
// part of an order on the platform's dashboard, and its event has not
// reached the library when the order is canceled. The cancellation
// refunds what is left on the platform, not what the order's record says
// is left (which the platform would refuse as more than was captured, a
// refusal that is no one's to settle); the order is canceled once the
// dashboard refund's event has come, by the platform's word of the
// cancellation or by maintenance, whichever comes after it.
func TestCancellationRefundsWhatThePlatformHasLeft(t *testing.T) {
	for _, lateLast := range []bool{false, true} {
		t.Run(fmt.Sprint("dashboard event last: ", lateLast), func(t *testing.T) {
			f := newShop(t, nil)
			o := f.placed(t)
			_, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-1", PaymentID: o.PaymentID, Amount: usd("10.00")})
			require.NoError(t, err)
			late := f.shop.TakeDeliveries() // the dashboard refund's event, not delivered yet

			_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
			require.ErrorIs(t, err, buybutton.ErrInProgress, "the money is back; the order waits for the event of the refund it does not know")
			pay, err := f.shop.Payment(ctx, o.PaymentID)
			require.NoError(t, err)
			assert.Equal(t, "90.78 USD", pay.Refunded.String(), "all of it back to the buyer")
			got := f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderPlaced, got.Status)
			require.NotNil(t, got.Cancellation)
			assert.Empty(t, got.Cancellation.Failure, "nothing for the host to settle")

			deliveries := append(late, f.shop.TakeDeliveries()...)
			if lateLast {
				deliveries = append(deliveries[len(late):], late...)
			}
			var again []memory.Delivery
			for _, d := range deliveries {
				// The platform's word of the cancellation before the
				// dashboard refund's fails, as the cancellation cannot
				// end before the refund is known; the platform retries it.
				if err := f.client.HandleWebhook(ctx, shopID, d.Header, d.Body); err != nil {
					require.ErrorIs(t, err, buybutton.ErrInProgress)
					again = append(again, d)
				}
			}
			f.clock.Advance(time.Hour)
			_, err = f.maintain(t)
			require.NoError(t, err)
			for _, d := range again { // signed anew, as the platform retries
				var e provider.Event
				require.NoError(t, json.Unmarshal(d.Body, &e))
				h, b := f.shop.Sign(e, f.clock.Now())
				require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, b))
			}
			got = f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderCanceled, got.Status)
			assert.Equal(t, "90.78 USD", got.Refunded().String())
			assert.True(t, got.DueAt.IsZero())
			assert.Equal(t, 2, f.shop.Stats().Refunds, "the dashboard's and the cancellation's")
			assert.Zero(t, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
		})
	}
}

// TestMerchantsCancellationThePlatformRefusesIsApplied: the order.canceled
// webhook whose refund the platform refuses for good records the failure
// and tells the host; the event is applied (no error), so a redelivery
// does not ask for another refund.
func TestMerchantsCancellationThePlatformRefusesIsApplied(t *testing.T) {
	refusing := provider.ErrInvalidState
	f := refusingFixture(t, &refusing)
	o := f.placed(t)
	delivery := f.cancelOnPlatform(t, o)
	for range 2 {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, delivery.Header, delivery.Body))
	}
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status)
	assert.Len(t, got.Refunds, 1)
	assert.Equal(t, "provider:"+shopID, got.Cancellation.Actor)
	assert.NotEmpty(t, got.Cancellation.Failure)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))
}

// TestMaintenanceSettlesADonationsRefund: a donation's refund left pending
// while the platform was down is sent by maintenance, and the campaign's
// total falls then, not before.
func TestMaintenanceSettlesADonationsRefund(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{})) // 25.00
	raised := func() string {
		cp, err := f.client.Campaign(ctx, cp.ID)
		require.NoError(t, err)
		return cp.Raised.String()
	}

	f.sent.refusal = provider.ErrUnavailable
	_, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("10.00"), Reason: "asked", IdempotencyKey: "k"})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	got, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(lease), got.DueAt)

	f.clock.Advance(lease)
	rep, err := f.maintain(t)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, buybutton.MaintenanceReport{Postponed: 1}, rep)
	assert.Equal(t, "25.00 USD", raised())

	f.sent.refusal = nil
	f.clock.Advance(lease)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
	got, err = f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[0].Status)
	assert.True(t, got.DueAt.IsZero())
	assert.Equal(t, "15.00 USD", raised())
	assert.Equal(t, 1, f.shop.Stats().Refunds)
}

// TestMaintenanceHandsARefusedCancellationToTheHost: a cancellation owed
// since the platform was down, which the platform then refuses for good
// when maintenance asks, is recorded and told to the host once, and is
// not asked again.
func TestMaintenanceHandsARefusedCancellationToTheHost(t *testing.T) {
	var refusing error
	f := refusingFixture(t, &refusing)
	o := f.placed(t)
	refusing = provider.ErrUnavailable
	_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
	require.ErrorIs(t, err, provider.ErrUnavailable)

	refusing = provider.ErrInvalidState
	f.clock.Advance(lease)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep, "handed to the host")
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderPlaced, got.Status)
	assert.NotEmpty(t, got.Cancellation.Failure)
	assert.True(t, got.DueAt.IsZero())
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))

	f.clock.Advance(24 * time.Hour)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep)
	assert.Equal(t, 0, f.shop.Stats().Refunds)
}

// TestNewWorkOnAnOverdueRecordWaitsOutItsLease: an order whose owed work
// is overdue (maintenance has not run) starts more work. Its call is still
// under way, so the order is due a lease after it began, not at once,
// where maintenance would send the same refund beside it. Before, the
// order kept its overdue DueAt.
func TestNewWorkOnAnOverdueRecordWaitsOutItsLease(t *testing.T) {
	var refusing error
	f := refusingFixture(t, &refusing)
	o := f.placed(t)

	refusing = provider.ErrUnavailable
	_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("10.00"), Reason: "damaged", IdempotencyKey: "k1"})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	f.clock.Advance(3 * lease) // overdue: no maintenance ran
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("20.00"), Reason: "late", IdempotencyKey: "k2"})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, f.clock.Now().Add(lease), f.order(t, o.ID).DueAt)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	assert.Zero(t, rep, "the second refund's call may still be under way")

	refusing = nil
	f.clock.Advance(lease)
	rep, err = f.maintain(t)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Settled: 1}, rep)
	assert.Equal(t, "30.00 USD", f.order(t, o.ID).Refunded().String())
	assert.Equal(t, 2, f.shop.Stats().Refunds)
}

// heldRefund is the memory platform on which, as the first refund it is
// asked for arrives, the merchant refunds 10.00 of the same payment on the
// dashboard; that first refund is then held.
type heldRefund struct {
	*memory.Provider
	*firstHeld
}

func (h heldRefund) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	dashboard := func() error {
		_, err := h.Provider.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: req.PaymentID, Amount: usd("10.00")})
		return err
	}
	if err := h.pass(dashboard); err != nil {
		return provider.Refund{}, err
	}
	return h.Provider.Refund(ctx, req)
}

// TestRacingCancellationsAfterADashboardRefundAreNotTheHosts: a
// cancellation's refund is under way when the merchant refunds part of the
// payment on the dashboard; maintenance, finishing the same cancellation
// meanwhile, finds that refund refused (it would take more than is left)
// and refunds what the platform has left. The first call, learning that
// its refund was refused, is a race, not a refusal for good: it does not
// hand the cancellation to the host, and once the dashboard refund's event
// has come the order is canceled with all its money back. Before, the
// first call told the host its refund had failed; and a call that read
// such a refusal back from the record, where it no longer says why,
// recorded it as the cancellation's failure, so that the order stayed
// placed for good, canceled on the platform (storetest's LibraryRacing
// found that, one run in about forty).
func TestRacingCancellationsAfterADashboardRefundAreNotTheHosts(t *testing.T) {
	held := heldRefund{firstHeld: newFirstHeld()}
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments {
		held.Provider = shop
		return held
	}))
	o := f.placed(t)
	first := make(chan error, 1)
	go func() {
		_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
		first <- err
	}()
	<-held.entered
	f.clock.Advance(time.Hour) // the cancellation is due
	_, err := f.maintain(t)
	require.ErrorIs(t, err, buybutton.ErrInProgress, "maintenance refunded what was left and waits for the dashboard refund's event")
	close(held.release)
	err = <-first
	require.ErrorIs(t, err, buybutton.ErrInProgress)
	require.NotErrorIs(t, err, buybutton.ErrRefundFailed)
	got := f.order(t, o.ID)
	require.NotNil(t, got.Cancellation)
	assert.Empty(t, got.Cancellation.Failure, "nothing for the host to settle")

	for _, d := range f.shop.TakeDeliveries() {
		var e provider.Event
		require.NoError(t, json.Unmarshal(d.Body, &e))
		h, b := f.shop.Sign(e, f.clock.Now())
		_ = f.client.HandleWebhook(ctx, shopID, h, b) // the order's cancellation cannot end until the dashboard refund's event is in
	}
	f.clock.Advance(time.Hour)
	_, err = f.maintain(t)
	require.NoError(t, err)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.OrderCanceled, got.Status)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	pay, err := f.shop.Payment(ctx, o.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", pay.Refunded.String())
	assert.Zero(t, count(f.pendingEvents(t), buybutton.EventOrderCancelFailed))
}
