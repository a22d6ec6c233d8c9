package buybutton_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestTheAuditTrailNeverGoesBackInTime runs, on a clock that moves on at
// every reading, what records several transitions of one machine in one
// commit: a refund whose event brings the capture before it, a capture on
// shipment, a cancellation that voids. Each machine's transitions of a
// record are in the order they happened and never go back in time. Before,
// a refund event's transition took its time before the capture's it
// brought along, and so came after it in the trail with an earlier time.
func TestTheAuditTrailNeverGoesBackInTime(t *testing.T) {
	clock := memharness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	ticking := func() time.Time { clock.Advance(time.Second); return clock.Now() }
	shop := memory.New(&memory.Options{Now: clock.Now})
	require.NoError(t, shop.SetStock(tee, 10))
	f := fixture{shop: shop, clock: clock}
	var err error
	f.client, err = buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)},
		Now:       ticking, Capture: buybutton.CaptureOnShipment,
	})
	require.NoError(t, err)
	place := func() *buybutton.Order {
		o, err := f.confirm(f.ready(t, buyer, teeLine()), memory.TokenApprove)
		require.NoError(t, err)
		return o
	}

	refunded := place() // captured and part refunded on the dashboard; the refund's event comes first
	_, err = shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard", PaymentID: refunded.PaymentID, Amount: refunded.Authorized})
	require.NoError(t, err)
	_, err = shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard-refund", PaymentID: refunded.PaymentID, Amount: usd("5.00")})
	require.NoError(t, err)
	for _, d := range shop.TakeDeliveries() {
		var e provider.Event
		require.NoError(t, json.Unmarshal(d.Body, &e))
		if e.Type == provider.EventPaymentRefunded {
			require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
		}
	}
	shipped := place()
	require.NoError(t, shop.ShipOrder(shipped.ProviderOrderID, parcel))
	canceled := place()
	_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: canceled.ID, Reason: "changed my mind"})
	require.NoError(t, err)
	f.deliver(t)

	assert.Equal(t, []string{">authorized", "authorized>captured", "captured>partially_refunded"}, f.path(t, refunded.ID, "payment"))
	for _, o := range []*buybutton.Order{refunded, shipped, canceled} {
		trail, err := f.client.Transitions(ctx, buyer, o.ID)
		require.NoError(t, err)
		last := map[string]time.Time{}
		for _, tr := range trail {
			assert.False(t, tr.At.Before(last[tr.Machine]), "order %s: %s>%s of the %s machine at %s, after one at %s", o.ID, tr.From, tr.To, tr.Machine, tr.At, last[tr.Machine])
			last[tr.Machine] = tr.At
		}
	}
}
