package buybutton_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// A platform's event is data from outside, signature or not: a capture
// or refund that cannot be true (a negative amount, another currency, more
// refunded than was taken, even after asking the platform what it
// captured) is refused with ErrInvalidInput and records nothing, so that
// the order or donation never shows money it did not take or give back.
// The platform delivers it again; the host sees the error each time.

// TestImpossibleCaptureEventsAreRefused: captures of an order of 90.78
// that was captured at placement.
func TestImpossibleCaptureEventsAreRefused(t *testing.T) {
	for _, amount := range []money.Amount{usd("-1.00"), money.MustParse("95.00", "EUR"), usd("90.785")} {
		t.Run(amount.String(), func(t *testing.T) {
			f := newShop(t, nil)
			o := f.placed(t)
			f.deliver(t)
			e := provider.Event{ID: "evt_bogus", Type: provider.EventPaymentCaptured, PaymentID: o.PaymentID, Amount: &amount, OccurredAt: f.clock.Now()}
			h, body := f.shop.Sign(e, f.clock.Now())
			require.ErrorIs(t, f.client.HandleWebhook(ctx, shopID, h, body), buybutton.ErrInvalidInput)
			got := f.order(t, o.ID)
			assert.Equal(t, "90.78 USD", got.Captured.String())
		})
	}
}

// TestImpossibleRefundEventsOfAnOrderAreRefused: refunds of 90.78
// captured.
func TestImpossibleRefundEventsOfAnOrderAreRefused(t *testing.T) {
	for _, amount := range []money.Amount{usd("-10.00"), usd("0.00"), usd("90.79"), usd("1.005")} {
		t.Run(amount.String(), func(t *testing.T) {
			f := newShop(t, nil)
			o := f.placed(t)
			f.deliver(t)
			e := provider.Event{ID: "evt_bogus", Type: provider.EventPaymentRefunded, PaymentID: o.PaymentID, RefundID: "re_bogus", Amount: &amount, OccurredAt: f.clock.Now()}
			h, body := f.shop.Sign(e, f.clock.Now())
			err := f.client.HandleWebhook(ctx, shopID, h, body)
			require.ErrorIs(t, err, buybutton.ErrInvalidInput)
			got := f.order(t, o.ID)
			assert.Empty(t, got.Refunds)
			assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
			assert.Zero(t, count(f.pendingEvents(t), buybutton.EventRefundSucceeded))
		})
	}

	// Refunds on the dashboard up to the capture are recorded, the last
	// to the cent; one more cent is refused.
	f := newShop(t, nil)
	o := f.placed(t)
	f.deliver(t)
	for i, amount := range []string{"50.00", "40.78", "0.01"} {
		a := usd(amount)
		e := provider.Event{ID: fmt.Sprintf("evt_%d", i), Type: provider.EventPaymentRefunded, PaymentID: o.PaymentID, RefundID: fmt.Sprintf("re_%d", i), Amount: &a, OccurredAt: f.clock.Now()}
		h, body := f.shop.Sign(e, f.clock.Now())
		err := f.client.HandleWebhook(ctx, shopID, h, body)
		if amount == "0.01" {
			require.ErrorIs(t, err, buybutton.ErrInvalidInput)
		} else {
			require.NoError(t, err)
		}
	}
	got := f.order(t, o.ID)
	assert.Len(t, got.Refunds, 2)
	assert.Equal(t, "90.78 USD", got.Refunded().String())
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
}

// TestImpossibleRefundEventsOfADonationAreRefused: refunds of a 25.00
// gift.
func TestImpossibleRefundEventsOfADonationAreRefused(t *testing.T) {
	for _, amount := range []money.Amount{usd("-1.00"), usd("25.01")} {
		t.Run(amount.String(), func(t *testing.T) {
			f := newCharity(t, nil)
			cp := f.campaign(t)
			d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
			f.deliver(t)
			e := provider.Event{ID: "evt_bogus", Type: provider.EventDonationRefunded, DonationID: d.ProviderDonationID, RefundID: "re_bogus", Amount: &amount, OccurredAt: f.clock.Now()}
			h, body := f.shop.Sign(e, f.clock.Now())
			require.ErrorIs(t, f.client.HandleWebhook(ctx, shopID, h, body), buybutton.ErrInvalidInput)
			got, err := f.client.Donation(ctx, buyer, d.ID)
			require.NoError(t, err)
			assert.Empty(t, got.Refunds)
			assert.Equal(t, buybutton.DonationSucceeded, got.State())
			cp, err = f.client.Campaign(ctx, cp.ID)
			require.NoError(t, err)
			assert.True(t, cp.Raised.Equal(usd("25.00")), "raised %s", cp.Raised)
		})
	}
}
