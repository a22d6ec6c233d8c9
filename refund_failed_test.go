package buybutton_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// A refund the platform made can fail afterwards, when the card network
// cannot return the money (the card was closed, or reported lost): the
// money goes back to the merchant, and the buyer has nothing. The order or
// donation must stop counting it as refunded, and the host must learn it.

// TestRefundThatFailsAfterwardsIsNoLongerCounted: the order's refund
// succeeded, then failed. The order records it failed, with why, and
// counts nothing refunded; the host is told once, however often the
// platform delivers; and the money can be refunded again.
func TestRefundThatFailsAfterwardsIsNoLongerCounted(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t) // 90.78 captured
	r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: "k1"})
	require.NoError(t, err)
	require.Equal(t, buybutton.RefundSucceeded, r.Status)
	f.deliver(t)

	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	deliveries := f.shop.TakeDeliveries()
	require.Len(t, deliveries, 1)
	for range 2 {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, deliveries[0].Header, deliveries[0].Body))
	}
	got := f.order(t, o.ID)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.Contains(t, got.Refunds[0].Failure, "expired_or_canceled_card")
	assert.True(t, got.Refunded().IsZero(), "refunded %s", got.Refunded())
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	assert.Equal(t, []string{">captured", "captured>partially_refunded", "partially_refunded>captured"}, f.path(t, o.ID, "payment"))
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventRefundFailed))

	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("90.78"), Reason: "damaged", IdempotencyKey: "k2"})
	require.NoError(t, err, "what the failed refund would have returned can be refunded again")
	pay, err := f.shop.Payment(ctx, o.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", pay.Refunded.String())
}

// TestDashboardRefundThatFailedBeforeItsSuccessArrived: a refund made on
// the dashboard failed, and the platform delivers the failure before the
// refund. Whatever the order of delivery, the order ends with the refund
// recorded once, failed, and nothing counted as refunded.
func TestDashboardRefundThatFailedBeforeItsSuccessArrived(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	f.deliver(t)
	r, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: usd("30.00")})
	require.NoError(t, err)
	require.NoError(t, f.shop.FailRefund(r.ID, "lost_or_stolen_card"))
	deliveries := f.shop.TakeDeliveries()
	require.Len(t, deliveries, 2)
	slices.Reverse(deliveries)
	for range 2 {
		for _, d := range deliveries {
			require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
		}
	}
	got := f.order(t, o.ID)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, r.ID, got.Refunds[0].ProviderRefundID)
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.True(t, got.Refunded().IsZero(), "refunded %s", got.Refunded())
	assert.Zero(t, count(f.pendingEvents(t), buybutton.EventRefundSucceeded))
}

// TestDonationRefundThatFailsAfterwardsCountsAgain: the campaign counts
// again what a donation's failed refund took from it, and the host is
// told.
func TestDonationRefundThatFailsAfterwardsCountsAgain(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)
	r, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("5.00"), Reason: "typo", IdempotencyKey: "k1"})
	require.NoError(t, err)
	f.deliver(t)
	raised := func() string {
		cp, err := f.client.Campaign(ctx, cp.ID)
		require.NoError(t, err)
		return cp.Raised.String()
	}
	require.Equal(t, "20.00 USD", raised())

	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	f.deliver(t)
	f.deliver(t)
	got, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationSucceeded, got.State())
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.Equal(t, "25.00 USD", raised())
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventRefundFailed))
}

// refusedRefunds is a platform that makes every refund and answers it
// failed at once, as Stripe does for a card it can no longer refund to.
type refusedRefunds struct{ *memory.Provider }

func (refusedRefunds) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	return provider.Refund{}, &provider.RefundFailedError{RefundID: "re_refused", Reason: "lost_or_stolen_card"}
}

// TestRefundFailedAtOnceIsNotRecordedTwice: a refund the platform made
// and answered failed is recorded failed with the platform's id; the
// failure event the platform then sends of it changes nothing and tells
// the host nothing more. Before, the refund had no platform id, and the
// event added a second failed refund and a second refund.failed.
func TestRefundFailedAtOnceIsNotRecordedTwice(t *testing.T) {
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments { return refusedRefunds{shop} }))
	o := f.placed(t)
	f.deliver(t)
	r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: "k1"})
	require.ErrorIs(t, err, buybutton.ErrRefundFailed)
	require.Equal(t, buybutton.RefundFailed, r.Status)
	assert.Equal(t, "re_refused", r.ProviderRefundID)

	amount := usd("40.00")
	h, body := f.shop.Sign(provider.Event{ID: "evt_refund_failed", Type: provider.EventPaymentRefundFailed, PaymentID: o.PaymentID, RefundID: "re_refused", Amount: &amount, Reason: "lost_or_stolen_card"}, f.clock.Now())
	require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	got := f.order(t, o.ID)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventRefundFailed))
}

// TestARefundThatFailedIsReadBack: a refund failed after it succeeded,
// and its webhook was lost for good. The order's read-back finds it
// failed on the platform's list and records it as the webhook would have:
// nothing counted refunded, the host told once, whichever of the read and
// the webhook, delivered late, comes first. A dashboard refund that
// failed before the library heard of it gave nothing back, and is not
// recorded.
func TestARefundThatFailedIsReadBack(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t) // 90.78 captured
	r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("40.00"), Reason: "damaged", IdempotencyKey: "k1"})
	require.NoError(t, err)
	f.deliver(t)
	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	dashboard, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: usd("5.00")})
	require.NoError(t, err)
	require.NoError(t, f.shop.FailRefund(dashboard.ID, "lost_or_stolen_card"))
	lost := f.lose(t)

	got, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	require.Len(t, got.Refunds, 1, "the dashboard's failed refund is not recorded")
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.Contains(t, got.Refunds[0].Failure, "expired_or_canceled_card")
	assert.True(t, got.Refunded().IsZero(), "refunded %s", got.Refunded())
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())

	f.deliverLate(t, lost)
	again, err := f.client.ReconcileOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Len(t, again.Refunds, 2, "the late webhook records the dashboard's, failed")
	assert.True(t, again.Refunded().IsZero())
	assert.Equal(t, 2, count(f.pendingEvents(t), buybutton.EventRefundFailed), "one for ours, once; one for the dashboard's")
}

// giftWhoseRefundFailedUnheard is a gift to cp refunded in full, whose
// refund then failed on the platform, its webhook lost for good.
func (f charity) giftWhoseRefundFailedUnheard(t *testing.T, cp *buybutton.Campaign) *buybutton.Donation {
	t.Helper()
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.deliver(t)
	r := f.refundAll(t, d, "k1")
	f.deliver(t)
	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	f.lose(t)
	return d
}

// TestADonationRefundThatFailedIsReadBack: the same for a gift: the
// campaign counts the money again, and the donor's receipt says so.
func TestADonationRefundThatFailedIsReadBack(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	d := f.giftWhoseRefundFailedUnheard(t, cp)

	got, err := f.client.ReconcileDonation(ctx, d.ID)
	require.NoError(t, err)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
	assert.True(t, got.Refunded().IsZero())
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "25.00 USD", cp.Raised.String(), "counted again")
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventRefundFailed))
}

// TestARefundInTheRoomAFailedOneLeftIsRecorded: a refund of ours failed
// afterwards, its webhook lost, and the merchant refunded the same amount
// on the dashboard, in the room the failure left. The dashboard refund's
// webhook does not fit beside the refunds the library records; rather
// than refuse it, the library reads the payment's refunds back, records
// the failure, then the dashboard refund. The same for a gift.
func TestARefundInTheRoomAFailedOneLeftIsRecorded(t *testing.T) {
	t.Run("order", func(t *testing.T) {
		f := newShop(t, nil)
		o := f.placed(t) // 90.78 captured
		r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("90.78"), Reason: "damaged", IdempotencyKey: "k1"})
		require.NoError(t, err)
		f.deliver(t)
		require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
		f.lose(t)
		_, err = f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: o.PaymentID, Amount: usd("90.78")})
		require.NoError(t, err)
		f.deliver(t)

		got := f.order(t, o.ID)
		require.Len(t, got.Refunds, 2)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
		assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[1].Status)
		assert.Equal(t, "90.78 USD", got.Refunded().String())
		assert.Equal(t, f.refundedOnPlatform(t, got), got.Refunded())
	})
	t.Run("gift", func(t *testing.T) {
		f := newCharity(t, nil)
		d := f.giftWhoseRefundFailedUnheard(t, f.campaign(t))
		_, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard", DonationID: d.ProviderDonationID, Amount: d.Charged})
		require.NoError(t, err)
		f.deliver(t)

		got, err := f.client.Donation(ctx, buyer, d.ID)
		require.NoError(t, err)
		require.Len(t, got.Refunds, 2)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
		assert.Equal(t, buybutton.DonationRefunded, got.State())
	})
}

// TestARefundListedBeforeAFailedOneIsReadBackAfterIt: the merchant
// refunded 2.00 on the dashboard, its webhook lost; then a refund of ours
// failed afterwards, its webhook lost too, and the merchant refunded the
// rest on the dashboard. The platform lists the 2.00 before our failed
// refund. Read back in the platform's order, the 2.00 would not fit
// beside our refund, still counted, and the read-back would be refused
// every time: the failure is recorded first. The same for a gift.
func TestARefundListedBeforeAFailedOneIsReadBackAfterIt(t *testing.T) {
	t.Run("order", func(t *testing.T) {
		f := newShop(t, nil)
		o := f.placed(t) // 90.78 captured
		_, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-1", PaymentID: o.PaymentID, Amount: usd("2.00")})
		require.NoError(t, err)
		f.lose(t)
		r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("1.00"), Reason: "scuffed", IdempotencyKey: "k1"})
		require.NoError(t, err)
		f.deliver(t)
		require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
		f.lose(t)
		_, err = f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-2", PaymentID: o.PaymentID, Amount: usd("88.78")})
		require.NoError(t, err)
		f.deliver(t) // fits beside ours: 1.00 and 88.78 of 90.78

		got, err := f.client.ReconcileOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, got.Refunds, 3)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
		assert.Equal(t, "90.78 USD", got.Refunded().String())
		assert.Equal(t, f.refundedOnPlatform(t, got), got.Refunded())
		assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
	})
	t.Run("gift", func(t *testing.T) {
		f := newCharity(t, nil)
		d := f.give(t, f.campaign(t), ada(buybutton.DonorPrivacy{}))
		f.deliver(t)
		_, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard-1", DonationID: d.ProviderDonationID, Amount: usd("2.00")})
		require.NoError(t, err)
		f.lose(t)
		r, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("1.00"), Reason: "asked", IdempotencyKey: "k1"})
		require.NoError(t, err)
		f.deliver(t)
		require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
		f.lose(t)
		rest, err := d.Charged.Sub(usd("2.00"))
		require.NoError(t, err)
		_, err = f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard-2", DonationID: d.ProviderDonationID, Amount: rest})
		require.NoError(t, err)
		f.deliver(t)

		got, err := f.client.ReconcileDonation(ctx, d.ID)
		require.NoError(t, err)
		require.Len(t, got.Refunds, 3)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[0].Status)
		assert.Equal(t, d.Charged.String(), got.Refunded().String())
		assert.Equal(t, buybutton.DonationRefunded, got.State())
	})
}

// TestARefundThatFailedBeforeItsEventCameIsRecordedFailed: a refund made
// on the dashboard failed, the money came back, and the merchant refunded
// it all again before the platform delivered the first refund's events.
// The first refund's event no longer fits beside the refunds recorded:
// the platform's list says it failed, so it is recorded failed at once,
// rather than refused at every delivery until the failure's own event
// comes. The same for a gift.
func TestARefundThatFailedBeforeItsEventCameIsRecordedFailed(t *testing.T) {
	deliverTwice := func(t *testing.T, f fixture, deliveries []memory.Delivery) {
		for range 2 {
			for _, d := range deliveries {
				require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
			}
		}
	}
	t.Run("order", func(t *testing.T) {
		f := newShop(t, nil)
		o := f.placed(t) // 90.78 captured
		f.deliver(t)
		first, err := f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-1", PaymentID: o.PaymentID, Amount: usd("30.00")})
		require.NoError(t, err)
		require.NoError(t, f.shop.FailRefund(first.ID, "lost_or_stolen_card"))
		held := f.shop.TakeDeliveries() // the refund, then its failure
		_, err = f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-2", PaymentID: o.PaymentID, Amount: usd("90.78")})
		require.NoError(t, err)
		f.deliver(t)
		deliverTwice(t, f, held)

		got := f.order(t, o.ID)
		require.Len(t, got.Refunds, 2)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[1].Status)
		assert.Equal(t, first.ID, got.Refunds[1].ProviderRefundID)
		assert.Equal(t, "90.78 USD", got.Refunded().String())
		events := f.pendingEvents(t)
		assert.Equal(t, 1, count(events, buybutton.EventRefundSucceeded))
		assert.Equal(t, 1, count(events, buybutton.EventRefundFailed))
	})
	t.Run("gift", func(t *testing.T) {
		f := newCharity(t, nil)
		d := f.give(t, f.campaign(t), ada(buybutton.DonorPrivacy{}))
		f.deliver(t)
		first, err := f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard-1", DonationID: d.ProviderDonationID, Amount: usd("10.00")})
		require.NoError(t, err)
		require.NoError(t, f.shop.FailRefund(first.ID, "lost_or_stolen_card"))
		held := f.shop.TakeDeliveries()
		_, err = f.shop.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: "dashboard-2", DonationID: d.ProviderDonationID, Amount: d.Charged})
		require.NoError(t, err)
		f.deliver(t)
		deliverTwice(t, f.fixture, held)

		got, err := f.client.Donation(ctx, buyer, d.ID)
		require.NoError(t, err)
		require.Len(t, got.Refunds, 2)
		assert.Equal(t, buybutton.RefundFailed, got.Refunds[1].Status)
		assert.Equal(t, d.Charged.String(), got.Refunded().String())
		assert.Equal(t, buybutton.DonationRefunded, got.State())
	})
}
