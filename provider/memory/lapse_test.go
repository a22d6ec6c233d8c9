package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestLapseHold: only an authorized hold lapses; it ends voided, and the
// platform says so with one payment.canceled webhook.
func TestLapseHold(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("whsec")
	if err := p.LapseHold("pay_missing"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("lapse of an unknown payment: %v, want ErrNotFound", err)
	}
	pay, err := p.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: "k", Amount: money.MustParse("5.00", "USD"), Token: memory.TokenApprove})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.LapseHold(pay.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.LapseHold(pay.ID); !errors.Is(err, provider.ErrInvalidState) {
		t.Fatalf("second lapse: %v, want ErrInvalidState", err)
	}
	now, err := p.Payment(ctx, pay.ID)
	if err != nil || now.Status != provider.PaymentVoided {
		t.Fatalf("payment after the lapse: %+v, %v; want voided", now, err)
	}
	deliveries := p.TakeDeliveries()
	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(deliveries))
	}
	events, err := p.VerifyWebhook(ctx, deliveries[0].Header, deliveries[0].Body)
	if err != nil || len(events) != 1 || events[0].Type != provider.EventPaymentCanceled || events[0].PaymentID != pay.ID {
		t.Fatalf("events %+v, %v; want one payment.canceled of %s", events, err, pay.ID)
	}
}
