package buybutton_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// refusingRefunds is a platform that refuses refunds with refusal while it
// is set: nothing is refunded.
type refusingRefunds struct {
	*memory.Provider
	refusal *error
}

func (p refusingRefunds) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	if *p.refusal != nil {
		return provider.Refund{}, fmt.Errorf("refund refused: %w", *p.refusal)
	}
	return p.Provider.Refund(ctx, req)
}

func refusingFixture(t *testing.T, refusal *error) fixture {
	return buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return refusingRefunds{shop, refusal} }))
}

// TestCanceledMeansRefunded: an order is recorded as canceled only once its
// money is back. A cancellation whose refund the platform refused, for now
// or for good, leaves the order as it was, and a retry refunds and
// cancels it.
func TestCanceledMeansRefunded(t *testing.T) {
	for _, refusal := range []error{provider.ErrUnavailable, provider.ErrInvalidState} {
		t.Run(refusal.Error(), func(t *testing.T) {
			var refusing error
			f := refusingFixture(t, &refusing)
			o := f.placed(t)

			refusing = refusal
			_, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
			require.ErrorIs(t, err, refusal)
			got := f.order(t, o.ID)
			assert.Equal(t, buybutton.OrderPlaced, got.Status, "not canceled while the money is kept")
			assert.True(t, got.Refunded().IsZero())
			assert.NotContains(t, f.pendingEvents(t), buybutton.EventOrderCanceled)

			_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
			require.ErrorIs(t, err, refusal, "still refused: still not canceled")
			assert.Equal(t, buybutton.OrderPlaced, f.order(t, o.ID).Status)

			refusing = nil
			got, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: o.ID, Reason: "changed my mind"})
			require.NoError(t, err)
			assert.Equal(t, buybutton.OrderCanceled, got.Status)
			assert.Equal(t, "90.78 USD", got.Refunded().String())
			assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
			assert.Equal(t, 1, f.shop.Stats().Refunds)
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
		})
	}
}

// TestRefundThePlatformCouldNotTakeYetIsRetried: unavailable and rate
// limited promise that nothing happened, so the refund has not failed: it
// stays pending, its amount set aside, and a retry with the same key, or
// ReconcileOrder, sends it again.
func TestRefundThePlatformCouldNotTakeYetIsRetried(t *testing.T) {
	for _, refusal := range []error{provider.ErrUnavailable, provider.ErrRateLimited} {
		t.Run(refusal.Error(), func(t *testing.T) {
			var refusing error
			f := refusingFixture(t, &refusing)
			o := f.placed(t) // 90.78 captured
			refund := func(key, amount string) (*buybutton.Refund, error) {
				return f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd(amount), Reason: "damaged", IdempotencyKey: key})
			}

			refusing = refusal
			_, err := refund("k1", "40.00")
			require.ErrorIs(t, err, refusal)
			got := f.order(t, o.ID)
			require.Len(t, got.Refunds, 1)
			assert.Equal(t, buybutton.RefundPending, got.Refunds[0].Status)
			assert.NotContains(t, f.pendingEvents(t), buybutton.EventRefundFailed, "nothing failed")
			_, err = refund("k2", "50.79")
			require.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "the pending refund's amount is set aside")
			_, err = refund("k3", "10.00")
			require.ErrorIs(t, err, refusal)

			refusing = nil
			r1, err := refund("k1", "40.00")
			require.NoError(t, err)
			assert.Equal(t, got.Refunds[0].ID, r1.ID, "the same refund, sent again")
			assert.Equal(t, buybutton.RefundSucceeded, r1.Status)
			got, err = f.client.ReconcileOrder(ctx, o.ID)
			require.NoError(t, err)
			assert.Equal(t, "50.00 USD", got.Refunded().String(), "reconcile sent the other")
			assert.Equal(t, 2, f.shop.Stats().Refunds)
			assert.Equal(t, 2, count(f.pendingEvents(t), buybutton.EventRefundSucceeded))
		})
	}
}

// TestRefusedRefundStaysRefusedOnRetry: a refund the platform refused is
// final, and a retry with its key says so again, as an error: a host that
// checks only the error never takes a replayed refusal for a refund. A new
// key asks again.
func TestRefusedRefundStaysRefusedOnRetry(t *testing.T) {
	refusing := provider.ErrInvalidState
	f := refusingFixture(t, &refusing)
	o := f.placed(t)
	refund := func(key string) (*buybutton.Refund, error) {
		return f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: key})
	}

	first, err := refund("k1")
	require.ErrorIs(t, err, buybutton.ErrRefundFailed)
	require.ErrorIs(t, err, provider.ErrInvalidState, "the first answer carries the platform's kind")
	require.NotNil(t, first)
	assert.Equal(t, buybutton.RefundFailed, first.Status)
	assert.Contains(t, first.Failure, "refund refused")

	refusing = nil
	again, err := refund("k1")
	require.ErrorIs(t, err, buybutton.ErrRefundFailed, "the replay is the same refusal")
	require.ErrorIs(t, err, provider.ErrInvalidState, "of the same kind")
	require.NotNil(t, again)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, buybutton.RefundFailed, again.Status)
	assert.Equal(t, 0, f.shop.Stats().Refunds)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventRefundFailed))

	ok, err := refund("k2")
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, ok.Status)
	assert.Empty(t, ok.Failure)
	assert.Equal(t, "40.00 USD", f.order(t, o.ID).Refunded().String())
}
