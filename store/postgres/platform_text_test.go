package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestWebhookTextWithANULIsApplied: PostgreSQL's text, jsonb's included,
// cannot hold NUL, so a platform's reason or carrier with one in it made
// every delivery of its event fail at commit, for ever: a dispute's
// reason is kept in the order's record. The library keeps
// such text with its control characters replaced, and the event applies.
func TestWebhookTextWithANULIsApplied(t *testing.T) {
	shop := memory.New(nil)
	c := instances(t, freshSchema(t), 1, shop, nil)[0]
	ctx := context.Background()
	o, err := c.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "buyer-1", CheckoutID: ready(t, c, "buyer-1"), PaymentToken: memory.TokenApprove})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []provider.Event{
		{ID: "evt_ship", Type: provider.EventOrderShipped, OrderID: o.ProviderOrderID, Shipment: &provider.Shipment{Carrier: "UP\x00S", TrackingNumber: "1Z"}},
		{ID: "evt_dispute", Type: provider.EventPaymentDisputed, PaymentID: o.PaymentID, DisputeID: "dp_1", Amount: &o.Captured, Reason: "fraud\x00ulent"},
	} {
		h, body := shop.Sign(e, time.Now())
		if err := c.HandleWebhook(ctx, shopID, h, body); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
	}
	got, err := c.Order(ctx, "buyer-1", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shipments) != 1 || got.Shipments[0].Carrier != "UP\uFFFDS" {
		t.Fatalf("shipments %+v, want the carrier kept as UP\uFFFDS", got.Shipments)
	}
	if len(got.Disputes) != 1 || got.Disputes[0].Reason != "fraud\uFFFDulent" {
		t.Fatalf("disputes %+v, want the bank's reason kept as fraud\uFFFDulent", got.Disputes)
	}
}
