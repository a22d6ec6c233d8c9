package buybutton

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// TestPaymentStatesMoveOnlyAlongTheTable: an order's payment state is
// derived from its amounts, and each change is recorded as a transition
// of paymentMachine. Random captures (the library's, or the platform's
// told late), refused captures, voids, refunds, refunds failing
// afterwards, and dispute events in any order must only ever move the
// derived state along an edge of the table.
func TestPaymentStatesMoveOnlyAlongTheTable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
		o := &Order{ID: "ord_1", PaymentID: "pay_1", Currency: "USD", Authorized: usd("90.00"), Captured: usd("0.00")}
		if rapid.Bool().Draw(t, "captured at placement") {
			o.Captured = o.Authorized
		}
		if first := o.PaymentState(); first != PaymentAuthorized && first != PaymentCaptured {
			t.Fatalf("an order starts %s", first)
		}
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for step := range rapid.IntRange(1, 14).Draw(t, "steps") {
			was := o.PaymentState()
			held := !o.Voided && !o.Captured.IsPositive()
			switch rapid.SampledFrom([]string{"capture", "capture refused", "void", "refund", "refund fails afterwards", "dispute"}).Draw(t, "what") {
			case "capture":
				if !held {
					continue
				}
				o.Captured = o.Authorized
			case "capture refused":
				if !held {
					continue
				}
				o.CaptureFailure = "the hold lapsed"
			case "void":
				if !held || len(o.Disputes) > 0 {
					continue
				}
				o.Voided = true
			case "refund":
				amount := usd(rapid.SampledFrom([]string{"1.00", "30.00", "90.00"}).Draw(t, "refund"))
				if !o.Captured.IsPositive() {
					continue
				}
				if over, _ := amount.Cmp(refundableOf(o)); over > 0 {
					continue
				}
				o.Refunds = append(o.Refunds, Refund{ID: "re", Amount: amount, Status: RefundSucceeded})
			case "refund fails afterwards":
				if len(o.Refunds) == 0 {
					continue
				}
				o.Refunds[rapid.IntRange(0, len(o.Refunds)-1).Draw(t, "which refund")].Status = RefundFailed
			case "dispute":
				if o.Voided {
					continue // nothing was taken to dispute
				}
				e := drawDisputeEvent(t, provider.EventPaymentDisputed, provider.EventPaymentDisputeClosed, usd(rapid.SampledFrom([]string{"10.00", "90.00"}).Draw(t, "disputed")), start)
				recordDispute(&o.Disputes, e, start.Add(time.Duration(step)*time.Hour))
			}
			if now := o.PaymentState(); now != was && !paymentMachine.allows(was, now) {
				t.Fatalf("the payment moved %s -> %s, which its table does not have", was, now)
			}
		}
	})
}

// drawDisputeEvent draws a platform's event of one of two disputes of
// amount, opening it (opened, as an inquiry or a chargeback) or ending it
// (closed) in any outcome, that happened in the day after start.
func drawDisputeEvent(t *rapid.T, opened, closed provider.EventType, amount money.Amount, start time.Time) provider.Event {
	e := provider.Event{
		Type:       opened,
		DisputeID:  rapid.SampledFrom([]string{"dp_1", "dp_2"}).Draw(t, "dispute"),
		OccurredAt: start.Add(time.Duration(rapid.IntRange(0, 20).Draw(t, "at")) * time.Hour),
		Amount:     &amount,
	}
	if outcome := rapid.SampledFrom([]string{"", provider.DisputeWon, provider.DisputeLost, provider.DisputeEnded}).Draw(t, "outcome"); outcome != "" {
		e.Type, e.Reason = closed, outcome
	} else {
		e.Inquiry = rapid.Bool().Draw(t, "inquiry")
	}
	return e
}
