package stripe

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/buybutton/buybutton/provider"
)

// TestRefundsMadeListsSucceededRefundsOldestFirst: a payment's refunds
// are its PaymentIntent's, in status succeeded (what payment.refunded
// tells), oldest first; a month's are those of the PaymentIntent that paid
// its invoice; an unknown PaymentIntent is not found.
func TestRefundsMadeListsSucceededAndFailedRefundsOldestFirst(t *testing.T) {
	refunds := ok(`{"object":"list","url":"/v1/refunds","has_more":false,"data":[
		{"id":"re_4","object":"refund","amount":400,"currency":"usd","status":"pending","payment_intent":"pi_2"},
		{"id":"re_3","object":"refund","amount":200,"currency":"usd","status":"failed","failure_reason":"expired_or_canceled_card","payment_intent":"pi_2"},
		{"id":"re_2","object":"refund","amount":300,"currency":"usd","status":"succeeded","payment_intent":"pi_2"},
		{"id":"re_1","object":"refund","amount":100,"currency":"usd","status":"succeeded","payment_intent":"pi_2"}]}`)
	intent := ok(`{"id":"pi_2","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"usd","status":"succeeded","metadata":{}}`)
	p, s := monthlyProvider(t, intent, refunds)
	got, err := p.RefundsMade(context.Background(), "pi_2")
	if err != nil || len(got) != 3 || got[0].ID != "re_1" || got[0].Amount.String() != "1.00 USD" || got[0].Failure != "" ||
		got[1].ID != "re_2" || got[1].PaymentID != "pi_2" || got[2].ID != "re_3" || got[2].Failure != "expired_or_canceled_card" {
		t.Fatalf("RefundsMade(pi_2) = %+v, %v; want re_1 of 1.00, re_2, of pi_2, then re_3 failed, and not the pending re_4", got, err)
	}
	listed := s.seen[1]
	if listed.method != http.MethodGet || listed.path != "/v1/refunds" || listed.form.Get("payment_intent") != "pi_2" {
		t.Fatalf("second request %+v, want the refunds of pi_2", listed)
	}

	invoice := ok(`{"id":"in_2","object":"invoice","status":"paid","currency":"usd","amount_paid":1000,
		"payments":{"object":"list","data":[{"id":"inpay_2","object":"invoice_payment","status":"paid",
			"payment":{"type":"payment_intent","payment_intent":{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"usd","status":"succeeded"}}}]}}`)
	p, s = monthlyProvider(t, invoice, refunds)
	got, err = p.RefundsMade(context.Background(), "in_2")
	if err != nil || len(got) != 3 || got[0].PaymentID != "in_2" || s.seen[1].form.Get("payment_intent") != "pi_2" {
		t.Fatalf("RefundsMade(in_2) = %+v, %v after %+v; want the refunds of pi_2, of in_2", got, err, s.seen)
	}

	p, _ = monthlyProvider(t, file(404, "error_resource_missing.json"))
	if _, err := p.RefundsMade(context.Background(), "pi_x"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("RefundsMade of no PaymentIntent: %v, want ErrNotFound", err)
	}
}

// TestDisputesOfTellsWhereEachStands: a payment's disputes are its
// PaymentIntent's, each as the event of its status now (an inquiry still
// open, a chargeback lost), oldest first.
func TestDisputesOfTellsWhereEachStands(t *testing.T) {
	disputes := ok(`{"object":"list","url":"/v1/disputes","has_more":false,"data":[
		{"id":"dp_2","object":"dispute","amount":400,"currency":"usd","status":"warning_needs_response","reason":"general","payment_intent":"pi_2"},
		{"id":"dp_1","object":"dispute","amount":1000,"currency":"usd","status":"lost","reason":"fraudulent","payment_intent":"pi_2"}]}`)
	intent := ok(`{"id":"pi_2","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"usd","status":"succeeded","metadata":{}}`)
	p, s := monthlyProvider(t, intent, disputes)
	got, err := p.DisputesOf(context.Background(), "pi_2")
	if err != nil || len(got) != 2 {
		t.Fatalf("DisputesOf(pi_2) = %+v, %v; want two", got, err)
	}
	lost, inquiry := got[0], got[1]
	if lost.DisputeID != "dp_1" || lost.Type != provider.EventPaymentDisputeClosed || lost.Reason != provider.DisputeLost || lost.Amount.String() != "10.00 USD" || lost.PaymentID != "pi_2" {
		t.Fatalf("first = %+v, want dp_1 closed lost, 10.00 of pi_2", lost)
	}
	if inquiry.DisputeID != "dp_2" || inquiry.Type != provider.EventPaymentDisputed || !inquiry.Inquiry || inquiry.Reason != "general" {
		t.Fatalf("second = %+v, want dp_2 an open inquiry", inquiry)
	}
	if listed := s.seen[1]; listed.path != "/v1/disputes" || listed.form.Get("payment_intent") != "pi_2" {
		t.Fatalf("second request %+v, want the disputes of pi_2", listed)
	}
}
