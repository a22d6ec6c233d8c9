package stripe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

var webhookNow = time.Unix(1_800_000_000, 0)

func webhookProvider(t testing.TB, secrets ...string) *Provider {
	t.Helper()
	p, err := New(Options{SecretKey: "sk_test_webhooks", WebhookSecrets: secrets, Now: func() time.Time { return webhookNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// refundEvent is a refund.created delivery, as Stripe sends it.
const refundEvent = `{
  "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
  "object": "event",
  "api_version": "2026-03-25.dahlia",
  "created": 1800000000,
  "type": "refund.created",
  "data": {"object": {"id": "re_1Nispe2eZvKYlo2Cd31jOCgZ", "object": "refund", "amount": 1000,
    "currency": "usd", "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "reason": "requested_by_customer", "status": "succeeded"}}
}`

func signed(secret string, at time.Time, body string) http.Header {
	h := http.Header{}
	h.Set("Stripe-Signature", Sign(secret, at, []byte(body)))
	return h
}

func TestWebhookValidDeliveryIsAccepted(t *testing.T) {
	p := webhookProvider(t, "whsec_current")
	events, err := p.VerifyWebhook(context.Background(), signed("whsec_current", webhookNow, refundEvent), []byte(refundEvent))
	if err != nil {
		t.Fatal(err)
	}
	want := provider.Event{ID: "evt_1NG8Du2eZvKYlo2CUI79vXWy", Type: provider.EventPaymentRefunded, OccurredAt: webhookNow.UTC(),
		PaymentID: "pi_3MtwBwLkdIwHu7ix28a3tqPa", RefundID: "re_1Nispe2eZvKYlo2Cd31jOCgZ", Reason: "requested_by_customer"}
	if len(events) != 1 || events[0].Amount == nil || !events[0].Amount.Equal(money.MustParse("10.00", "USD")) {
		t.Fatalf("events = %+v, want one refund of 10.00 USD", events)
	}
	got := events[0]
	got.Amount = nil
	if got != want {
		t.Fatalf("event = %+v\nwant    %+v", got, want)
	}
}

func TestWebhookRejections(t *testing.T) {
	p := webhookProvider(t, "whsec_current")
	body := []byte(refundEvent)
	good := Sign("whsec_current", webhookNow, body)
	ts := fmt.Sprint(webhookNow.Unix())
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		want   error
	}{
		{"wrong secret", Sign("whsec_other", webhookNow, body), body, provider.ErrWebhookSignature},
		{"missing header", "", body, provider.ErrWebhookSignature},
		{"no timestamp", strings.Replace(good, "t="+ts+",", "", 1), body, provider.ErrWebhookSignature},
		{"no v1", "t=" + ts, body, provider.ErrWebhookSignature},
		{"not key=value", "garbage", body, provider.ErrWebhookSignature},
		{"bad timestamp", strings.Replace(good, "t="+ts, "t=soon", 1), body, provider.ErrWebhookSignature},
		{"two timestamps", good + ",t=" + ts, body, provider.ErrWebhookSignature},
		{"short signature", "t=" + ts + ",v1=abcd", body, provider.ErrWebhookSignature},
		{"v0 only", strings.Replace(good, "v1=", "v0=", 1), body, provider.ErrWebhookSignature},
		{"timestamp changed", strings.Replace(good, "t="+ts, fmt.Sprint("t=", webhookNow.Unix()+1), 1), body, provider.ErrWebhookSignature},
		{"signed 6 minutes ago", Sign("whsec_current", webhookNow.Add(-6*time.Minute), body), body, provider.ErrWebhookTooOld},
		{"signed 6 minutes ahead", Sign("whsec_current", webhookNow.Add(6*time.Minute), body), body, provider.ErrWebhookTooOld},
		{"empty body", good, nil, provider.ErrWebhookSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Stripe-Signature", tc.header)
			}
			events, err := p.VerifyWebhook(context.Background(), h, tc.body)
			if !errors.Is(err, tc.want) || events != nil {
				t.Fatalf("VerifyWebhook = %v, %v; want %v and no events", events, err, tc.want)
			}
		})
	}
}

// TestWebhookAnyChangedByteIsRejected flips every bit of every byte of the
// body in turn.
func TestWebhookAnyChangedByteIsRejected(t *testing.T) {
	p := webhookProvider(t, "whsec_current")
	body := []byte(refundEvent)
	h := signed("whsec_current", webhookNow, refundEvent)
	for i := range body {
		for bit := range 8 {
			forged := bytes.Clone(body)
			forged[i] ^= 1 << bit
			if _, err := p.VerifyWebhook(context.Background(), h, forged); !errors.Is(err, provider.ErrWebhookSignature) {
				t.Fatalf("byte %d bit %d changed: err = %v, want ErrWebhookSignature", i, bit, err)
			}
		}
	}
	if _, err := p.VerifyWebhook(context.Background(), h, append(bytes.Clone(body), ' ')); !errors.Is(err, provider.ErrWebhookSignature) {
		t.Fatalf("a byte appended: err = %v, want ErrWebhookSignature", err)
	}
}

// TestWebhookSecretRotation: while a secret is rolled, Stripe signs with
// both, and either secret configured accepts the delivery.
func TestWebhookSecretRotation(t *testing.T) {
	body := []byte(refundEvent)
	both := Sign("whsec_old", webhookNow, body) + "," + strings.SplitN(Sign("whsec_new", webhookNow, body), ",", 2)[1]
	h := http.Header{}
	h.Set("Stripe-Signature", both)
	for _, secrets := range [][]string{{"whsec_old"}, {"whsec_new"}, {"whsec_new", "whsec_old"}} {
		if _, err := webhookProvider(t, secrets...).VerifyWebhook(context.Background(), h, body); err != nil {
			t.Errorf("secrets %v: %v", secrets, err)
		}
	}
	// After the roll: a provider with only the new secret refuses a
	// delivery signed only with the old.
	if _, err := webhookProvider(t, "whsec_new").VerifyWebhook(context.Background(), signed("whsec_old", webhookNow, refundEvent), body); !errors.Is(err, provider.ErrWebhookSignature) {
		t.Errorf("old secret after the roll: err = %v, want ErrWebhookSignature", err)
	}
}

func TestWebhookWithoutSecretRejects(t *testing.T) {
	p := webhookProvider(t)
	if _, err := p.VerifyWebhook(context.Background(), signed("", webhookNow, refundEvent), []byte(refundEvent)); !errors.Is(err, provider.ErrWebhookSignature) {
		t.Fatalf("err = %v, want ErrWebhookSignature", err)
	}
}

// TestVoid: a PaymentIntent Stripe canceled is a voided payment. The
// void sends no cancellation_reason: none of Stripe's reasons
// (duplicate, fraudulent, requested_by_customer, abandoned) is the
// library's.
func TestVoid(t *testing.T) {
	p, s := scriptedProvider(t, 0, intentJSON("canceled", ""))
	pay, err := p.Void(context.Background(), provider.VoidRequest{IdempotencyKey: "o_1:void", PaymentID: "pi_1"})
	if err != nil || pay.Status != provider.PaymentVoided {
		t.Fatalf("Void = %+v, %v", pay, err)
	}
	if seen := s.all(); len(seen) != 1 || seen[0].form.Has("cancellation_reason") {
		t.Fatalf("Void sent %+v, want one request without cancellation_reason", seen)
	}
}

// TestWebhookEventTypes maps each event type the library uses, and gives
// nothing for one it does not.
func TestWebhookEventTypes(t *testing.T) {
	p := webhookProvider(t, "whsec_current")
	usd := func(s string) *money.Amount { a := money.MustParse(s, "USD"); return &a }
	for _, tc := range []struct {
		typ, object string
		want        *provider.Event
	}{
		{"payment_intent.amount_capturable_updated", `{"id":"pi_1","object":"payment_intent","capture_method":"manual","status":"requires_capture","amount":500,"currency":"usd"}`,
			&provider.Event{Type: provider.EventPaymentAuthorized, PaymentID: "pi_1"}},
		{"payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","capture_method":"manual","status":"succeeded","amount":500,"amount_received":400,"currency":"usd"}`,
			&provider.Event{Type: provider.EventPaymentCaptured, PaymentID: "pi_1", Amount: usd("4.00")}},
		{"payment_intent.succeeded", `{"id":"pi_2","object":"payment_intent","capture_method":"automatic","status":"succeeded","amount":2500,"amount_received":2500,"currency":"usd","metadata":{"buybutton_nonprofit":"np"}}`,
			&provider.Event{Type: provider.EventDonationSucceeded, DonationID: "pi_2", Amount: usd("25.00")}},
		{"payment_intent.payment_failed", `{"id":"pi_1","object":"payment_intent","status":"requires_payment_method","currency":"usd","last_payment_error":{"message":"Your card was declined."}}`,
			&provider.Event{Type: provider.EventPaymentFailed, PaymentID: "pi_1", Reason: "Your card was declined."}},
		{"payment_intent.payment_failed", `{"id":"pi_2","object":"payment_intent","status":"requires_payment_method","currency":"usd","metadata":{"buybutton_nonprofit":"np"}}`,
			&provider.Event{Type: provider.EventDonationFailed, DonationID: "pi_2"}},
		{"payment_intent.canceled", `{"id":"pi_1","object":"payment_intent","capture_method":"manual","status":"canceled","cancellation_reason":"automatic","currency":"usd"}`,
			&provider.Event{Type: provider.EventPaymentCanceled, PaymentID: "pi_1", Reason: "authorization expired"}},
		{"payment_intent.canceled", `{"id":"pi_1","object":"payment_intent","capture_method":"manual","status":"canceled","cancellation_reason":"requested_by_customer","currency":"usd"}`,
			&provider.Event{Type: provider.EventPaymentCanceled, PaymentID: "pi_1", Reason: "canceled on Stripe: requested by customer"}},
		{"payment_intent.canceled", `{"id":"pi_1","object":"payment_intent","capture_method":"manual","status":"canceled","cancellation_reason":null,"currency":"usd"}`,
			&provider.Event{Type: provider.EventPaymentCanceled, PaymentID: "pi_1", Reason: "canceled on Stripe"}},
		{"payment_intent.canceled", `{"id":"pi_1","object":"payment_intent","capture_method":"automatic","status":"canceled","cancellation_reason":"abandoned","currency":"usd"}`, nil},
		{"payment_intent.canceled", `{"id":"pi_2","object":"payment_intent","capture_method":"manual","status":"canceled","cancellation_reason":"automatic","currency":"usd","metadata":{"buybutton_nonprofit":"np"}}`, nil},
		{"charge.refund.updated", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"succeeded"}`,
			&provider.Event{Type: provider.EventPaymentRefunded, PaymentID: "pi_1", RefundID: "re_1", Amount: usd("3.00")}},
		{"refund.updated", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"pending"}`, nil},
		{"refund.failed", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"failed","failure_reason":"expired_or_canceled_card"}`,
			&provider.Event{Type: provider.EventPaymentRefundFailed, PaymentID: "pi_1", RefundID: "re_1", Amount: usd("3.00"), Reason: "expired_or_canceled_card"}},
		{"charge.refund.updated", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"failed","failure_reason":"lost_or_stolen_card"}`,
			&provider.Event{Type: provider.EventPaymentRefundFailed, PaymentID: "pi_1", RefundID: "re_1", Amount: usd("3.00"), Reason: "lost_or_stolen_card"}},
		{"refund.updated", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"canceled","failure_reason":"merchant_request"}`,
			&provider.Event{Type: provider.EventPaymentRefundFailed, PaymentID: "pi_1", RefundID: "re_1", Amount: usd("3.00"), Reason: "merchant_request"}},
		{"refund.updated", `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"canceled"}`,
			&provider.Event{Type: provider.EventPaymentRefundFailed, PaymentID: "pi_1", RefundID: "re_1", Amount: usd("3.00"), Reason: "canceled"}},
		{"charge.dispute.created", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent","status":"needs_response"}`,
			&provider.Event{Type: provider.EventPaymentDisputed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: "fraudulent"}},
		{"charge.dispute.created", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent"}`,
			&provider.Event{Type: provider.EventPaymentDisputed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: "fraudulent"}},
		{"charge.dispute.created", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"general","status":"warning_needs_response"}`,
			&provider.Event{Type: provider.EventPaymentDisputed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: "general", Inquiry: true}},
		{"charge.dispute.updated", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"general","status":"warning_under_review"}`,
			&provider.Event{Type: provider.EventPaymentDisputed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: "general", Inquiry: true}},
		{"charge.dispute.updated", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent","status":"under_review"}`,
			&provider.Event{Type: provider.EventPaymentDisputed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: "fraudulent"}},
		{"charge.dispute.updated", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent","status":"lost"}`, nil},
		{"charge.dispute.closed", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent","status":"won"}`,
			&provider.Event{Type: provider.EventPaymentDisputeClosed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: provider.DisputeWon}},
		{"charge.dispute.closed", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":{"id":"pi_1"},"reason":"fraudulent","status":"lost"}`,
			&provider.Event{Type: provider.EventPaymentDisputeClosed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: provider.DisputeLost}},
		{"charge.dispute.closed", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"general","status":"warning_closed"}`,
			&provider.Event{Type: provider.EventPaymentDisputeClosed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: provider.DisputeEnded}},
		{"charge.dispute.closed", `{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","reason":"fraudulent","status":"prevented"}`,
			&provider.Event{Type: provider.EventPaymentDisputeClosed, PaymentID: "pi_1", DisputeID: "dp_1", Amount: usd("5.00"), Reason: provider.DisputeEnded}},
		{"invoice.paid", `{"id":"in_1","object":"invoice","amount_paid":1000,"currency":"usd","parent":{"subscription_details":{"subscription":"sub_1"}}}`,
			&provider.Event{Type: provider.EventDonationSucceeded, DonationID: "in_1", MonthlyID: "sub_1", Amount: usd("10.00")}},
		{"invoice.payment_failed", `{"id":"in_2","object":"invoice","amount_paid":0,"currency":"usd","parent":{"subscription_details":{"subscription":"sub_1"}}}`,
			&provider.Event{Type: provider.EventDonationFailed, DonationID: "in_2", MonthlyID: "sub_1", Amount: usd("0.00")}},
		{"invoice.paid", `{"id":"in_3","object":"invoice","amount_paid":1000,"currency":"usd","parent":null}`, nil},
		{"customer.subscription.deleted", `{"id":"sub_1","object":"subscription","status":"canceled"}`,
			&provider.Event{Type: provider.EventMonthlyCanceled, MonthlyID: "sub_1"}},
		{"customer.created", `{"id":"cus_1","object":"customer"}`, nil},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			body := fmt.Sprintf(`{"id":"evt_1","object":"event","created":1800000000,"type":%q,"data":{"object":%s}}`, tc.typ, tc.object)
			events, err := p.VerifyWebhook(context.Background(), signed("whsec_current", webhookNow, body), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(events) != 0 {
					t.Fatalf("events = %+v, want none", events)
				}
				return
			}
			want := *tc.want
			want.ID, want.OccurredAt = "evt_1", webhookNow.UTC()
			if len(events) != 1 {
				t.Fatalf("events = %+v, want one", events)
			}
			got := events[0]
			if (got.Amount == nil) != (want.Amount == nil) || (got.Amount != nil && !got.Amount.Equal(*want.Amount)) {
				t.Fatalf("amount = %v, want %v", got.Amount, want.Amount)
			}
			got.Amount, want.Amount = nil, nil
			if got != want {
				t.Fatalf("event = %+v\nwant    %+v", got, want)
			}
		})
	}
}

// TestDisputeClosedInAStatusThatIsNoEndIsRefused: a dispute.closed in a
// status Stripe does not end a dispute in is refused, not guessed at: a
// lost dispute must never pass for anything else.
func TestDisputeClosedInAStatusThatIsNoEndIsRefused(t *testing.T) {
	p := webhookProvider(t, "whsec_current")
	body := `{"id":"evt_1","object":"event","created":1800000000,"type":"charge.dispute.closed","data":{"object":{"id":"dp_1","object":"dispute","amount":500,"currency":"usd","payment_intent":"pi_1","status":"under_review"}}}`
	if events, err := p.VerifyWebhook(context.Background(), signed("whsec_current", webhookNow, body), []byte(body)); !errors.Is(err, provider.ErrInvalidRequest) {
		t.Fatalf("VerifyWebhook = %+v, %v; want ErrInvalidRequest", events, err)
	}
}

// FuzzVerifyWebhook: whatever the header and body, VerifyWebhook never
// panics, and it accepts a delivery only when the body is the one signed
// under the secret: a forgery is never accepted.
func FuzzVerifyWebhook(f *testing.F) {
	body := []byte(refundEvent)
	f.Add(Sign("whsec_current", webhookNow, body), body)
	f.Add(Sign("whsec_other", webhookNow, body), body)
	f.Add("t=1800000000,v1=", []byte("{}"))
	f.Add("t=1800000000,v1=00,v1=zz,v0=11", []byte(`{"id":"evt","object":"event"}`))
	f.Add("", []byte(nil))
	p := webhookProvider(f, "whsec_current")
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		h := http.Header{}
		h.Set("Stripe-Signature", header)
		_, err := p.VerifyWebhook(context.Background(), h, body)
		if err != nil && !errors.Is(err, provider.ErrWebhookSignature) && !errors.Is(err, provider.ErrWebhookTooOld) && !errors.Is(err, provider.ErrInvalidRequest) {
			t.Fatalf("err = %v, not one of the webhook error kinds", err)
		}
		if errors.Is(err, provider.ErrWebhookSignature) || errors.Is(err, provider.ErrWebhookTooOld) {
			return
		}
		// It passed verification: the header must carry the real signature
		// of this body at a time within the tolerance.
		ts, sigs, perr := parseSignature(header)
		if perr != nil {
			t.Fatalf("accepted a header that does not parse: %q", header)
		}
		want := Sign("whsec_current", time.Unix(ts, 0), body)
		_, wantSig, _ := strings.Cut(want, ",v1=")
		found := false
		for _, s := range sigs {
			if fmt.Sprintf("%x", s) == wantSig {
				found = true
			}
		}
		if !found {
			t.Fatalf("accepted a forgery: header %q body %q", header, body)
		}
	})
}

// FuzzSignedEvents: whatever a correctly signed body holds (what a bug at
// Stripe or a replay of an old API version might send), VerifyWebhook
// never panics, refuses it with ErrInvalidRequest or ignores it, and every
// event it returns is one of the contract's, names what it is about, and
// carries an amount, if any, of zero or more in minor units.
func FuzzSignedEvents(f *testing.F) {
	for _, body := range []string{
		refundEvent,
		`{"id":"evt_1","object":"event","created":1800000000,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount_received":2500,"currency":"usd","metadata":{}}}}`,
		`{"id":"evt_2","object":"event","created":1800000000,"type":"payment_intent.amount_capturable_updated","data":{"object":{"id":"pi_2","object":"payment_intent","capture_method":"manual","status":"requires_capture","currency":"usd"}}}`,
		`{"id":"evt_3","object":"event","created":1800000000,"type":"charge.dispute.created","data":{"object":{"id":"dp_1","object":"dispute","amount":-100,"currency":"jpy","payment_intent":{"id":"pi_3"},"reason":"fraudulent"}}}`,
		`{"id":"evt_4","object":"event","created":1800000000,"type":"invoice.paid","data":{"object":{"id":"in_1","object":"invoice","amount_paid":1000,"currency":"kwd","parent":{"subscription_details":{"subscription":"sub_1"}}}}}`,
		`{"id":"evt_5","object":"event","created":1800000000,"type":"refund.failed","data":{"object":{"id":"re_2","object":"refund","amount":9223372036854775807,"currency":"usd","status":"failed","failure_reason":"lost_or_stolen_card","payment_intent":"pi_4"}}}`,
		`{"id":"evt_6","object":"event","created":-1,"type":"customer.subscription.deleted","data":{"object":{"id":"sub_2","object":"subscription"}}}`,
	} {
		f.Add([]byte(body))
	}
	p := webhookProvider(f, "whsec_current")
	known := map[provider.EventType]bool{}
	for _, k := range []provider.EventType{
		provider.EventPaymentAuthorized, provider.EventPaymentFailed, provider.EventPaymentCaptured, provider.EventPaymentCanceled,
		provider.EventPaymentRefunded, provider.EventPaymentRefundFailed, provider.EventPaymentDisputed, provider.EventPaymentDisputeClosed,
		provider.EventDonationSucceeded, provider.EventDonationFailed, provider.EventMonthlyCanceled,
	} {
		known[k] = true
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{}
		h.Set("Stripe-Signature", Sign("whsec_current", webhookNow, body))
		events, err := p.VerifyWebhook(context.Background(), h, body)
		if err != nil {
			if !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest for a signed body that is not an event", err)
			}
			return
		}
		for _, e := range events {
			if e.ID == "" || !known[e.Type] {
				t.Fatalf("event %+v: no id, or a type outside the contract", e)
			}
			if e.PaymentID == "" && e.DonationID == "" && e.MonthlyID == "" {
				t.Fatalf("event %+v names nothing", e)
			}
			if e.Amount != nil && (e.Amount.IsNegative() || !e.Amount.IsRounded()) {
				t.Fatalf("event %+v carries an amount of %s", e, e.Amount)
			}
		}
	})
}
