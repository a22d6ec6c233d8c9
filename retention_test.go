package buybutton_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
)

func TestRetentionIsZeroOrAtLeastTheMinimum(t *testing.T) {
	for _, tc := range []struct {
		retention time.Duration
		ok        bool
	}{
		{0, true},
		{buybutton.MinRetention, true},
		{365 * 24 * time.Hour, true},
		{buybutton.MinRetention - time.Second, false},
		{24 * time.Hour, false},
		{-time.Hour, false},
	} {
		f := newShop(t, nil)
		_, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", f.shop)}, Retention: tc.retention})
		if tc.ok {
			assert.NoError(t, err, "retention %s", tc.retention)
		} else {
			assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "retention %s", tc.retention)
		}
	}
}

// dispute delivers a payment.disputed event of o that occurred at
// occurred, signed now, as the platform sends it and re-sends it: each
// event id opens a dispute of its own.
func (f fixture) dispute(o *buybutton.Order, eventID string, occurred time.Time) error {
	amount := o.Totals.Total
	header, body := f.shop.Sign(provider.Event{ID: eventID, Type: provider.EventPaymentDisputed, OccurredAt: occurred,
		PaymentID: o.PaymentID, DisputeID: "dp_" + eventID, Amount: &amount, Reason: "fraudulent"}, f.clock.Now())
	return f.client.HandleWebhook(ctx, shopID, header, body)
}

// TestMaintainPrunesWhatRetentionNoLongerKeeps: a refund's key and a
// webhook event's mark are deleted by the first pass after they are a day
// older than the retention, and not before; the order, its refund and
// its events stay. Without a retention nothing is deleted.
func TestMaintainPrunesWhatRetentionNoLongerKeeps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		retention time.Duration
		pruned    int
	}{
		{"retention set", buybutton.MinRetention, 2},
		{"kept for ever", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := buildFixture(t, nil, &buybutton.Options{Retention: tc.retention}, nil)
			o := f.placed(t)
			_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("1.00"), IdempotencyKey: "k1"})
			require.NoError(t, err)
			require.NoError(t, f.dispute(o, "evt_dispute", f.clock.Now()))
			refundKey := "refund:" + o.ID + ":k1"

			f.clock.Advance(buybutton.MinRetention + 23*time.Hour)
			rep, err := f.maintain(t)
			require.NoError(t, err)
			assert.Zero(t, rep.Pruned, "not yet a day older than the retention")

			f.clock.Advance(2 * time.Hour)
			rep, err = f.maintain(t)
			require.NoError(t, err)
			assert.Equal(t, tc.pruned, rep.Pruned)
			_, err = f.store.Idempotency(ctx, refundKey)
			if tc.pruned > 0 {
				assert.ErrorIs(t, err, buybutton.ErrNotFound, "the refund's key is deleted")
			} else {
				assert.NoError(t, err, "the refund's key is kept")
			}

			kept := f.order(t, o.ID)
			require.Len(t, kept.Refunds, 1, "the order keeps its refund")
			assert.Equal(t, buybutton.RefundSucceeded, kept.Refunds[0].Status)
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentDisputed), "the host's events are kept")
		})
	}
}

// TestAnEventOlderThanRetentionIsNotAppliedAgain: a platform re-sends an
// event after its mark was pruned (a replay from its dashboard). The
// library cannot tell whether it applied it, so it refuses it, and the
// host hears of the dispute once. An event that occurred within the
// retention is applied as ever.
func TestAnEventOlderThanRetentionIsNotAppliedAgain(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Retention: buybutton.MinRetention}, nil)
	o := f.placed(t)
	occurred := f.clock.Now()
	require.NoError(t, f.dispute(o, "evt_dispute", occurred))
	require.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentDisputed))

	f.clock.Advance(buybutton.MinRetention + 25*time.Hour)
	rep, err := f.maintain(t)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Pruned, "the event's mark is deleted")

	err = f.dispute(o, "evt_dispute", occurred)
	require.ErrorIs(t, err, buybutton.ErrEventTooOld)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentDisputed), "the event is not applied a second time")

	require.NoError(t, f.dispute(o, "evt_dispute_2", f.clock.Now().Add(-buybutton.MinRetention+time.Hour)))
	assert.Equal(t, 2, count(f.pendingEvents(t), buybutton.EventPaymentDisputed), "an event within the retention is applied")
}

// TestRunMaintenanceGoesOnWhilePruneBatchesAreFull: a pass that prunes a
// full batch is followed at once by another, instead of leaving the rest
// until the next tick.
func TestRunMaintenanceGoesOnWhilePruneBatchesAreFull(t *testing.T) {
	f := buildFixture(t, nil, &buybutton.Options{Retention: buybutton.MinRetention}, nil)
	o := f.placed(t)
	const n = 1001
	keys := make([]string, n)
	for i := range keys {
		key := fmt.Sprint("k", i)
		_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("0.01"), IdempotencyKey: key})
		require.NoError(t, err)
		keys[i] = "refund:" + o.ID + ":" + key
	}
	f.clock.Advance(buybutton.MinRetention + 25*time.Hour)

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.client.RunMaintenance(runCtx, time.Hour, func(err error) { t.Error(err) }) }()
	assert.Eventually(t, func() bool {
		for _, key := range keys {
			if _, err := f.store.Idempotency(ctx, key); !errors.Is(err, buybutton.ErrNotFound) {
				return false
			}
		}
		return true
	}, 10*time.Second, time.Millisecond, "all %d refund keys pruned before the next tick", n)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
