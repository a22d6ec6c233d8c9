package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestFailRefund: a refund that fails afterwards no longer counts as
// refunded, fails once, and the platform says so with one
// payment.refund_failed webhook naming it.
func TestFailRefund(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("whsec")
	if err := p.FailRefund("re_missing", "x"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("failing an unknown refund: %v, want ErrNotFound", err)
	}
	five := money.MustParse("5.00", "USD")
	pay, err := p.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: "k", Amount: five, Token: memory.TokenApprove})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "k", PaymentID: pay.ID, Amount: five}); err != nil {
		t.Fatal(err)
	}
	r, err := p.Refund(ctx, provider.RefundRequest{IdempotencyKey: "k", PaymentID: pay.ID, Amount: money.MustParse("2.00", "USD")})
	if err != nil {
		t.Fatal(err)
	}
	p.TakeDeliveries()
	if err := p.FailRefund(r.ID, "expired_or_canceled_card"); err != nil {
		t.Fatal(err)
	}
	if err := p.FailRefund(r.ID, "again"); !errors.Is(err, provider.ErrInvalidState) {
		t.Fatalf("second failure: %v, want ErrInvalidState", err)
	}
	if now, err := p.Payment(ctx, pay.ID); err != nil || !now.Refunded.IsZero() {
		t.Fatalf("payment after the failure: %+v, %v; want nothing refunded", now, err)
	}
	deliveries := p.TakeDeliveries()
	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(deliveries))
	}
	events, err := p.VerifyWebhook(ctx, deliveries[0].Header, deliveries[0].Body)
	if err != nil || len(events) != 1 {
		t.Fatalf("events %+v, %v; want one", events, err)
	}
	e := events[0]
	if e.Type != provider.EventPaymentRefundFailed || e.RefundID != r.ID || e.PaymentID != pay.ID || e.Reason != "expired_or_canceled_card" || e.Amount == nil || !e.Amount.Equal(r.Amount) {
		t.Fatalf("event %+v, want payment.refund_failed of %s", e, r.ID)
	}
}
