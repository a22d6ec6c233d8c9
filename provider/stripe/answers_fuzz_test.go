package stripe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/buybutton/buybutton/provider"
)

// cannedAnswer is what the fuzzed API answers every request with.
type cannedAnswer struct {
	status int
	body   []byte
}

// FuzzAuthorizeAnswers: whatever Stripe's API answers an authorization
// with (any body, with a status Stripe uses), Authorize never panics, and
// it never reports as certain what the answer does not prove. A payment
// it returns has an id, a status of the contract and no negative amount.
// An error is of a provider kind; after a 2xx (Stripe took the request)
// or a 5xx (it may have), only a decline, which the PaymentIntent's own
// status proves, may say that nothing happened: anything else must be
// ErrUnknownOutcome, so that the library asks again before it believes no
// hold was made.
func FuzzAuthorizeAnswers(f *testing.F) {
	f.Add(uint8(0), []byte(`{"id":"pi_1","object":"payment_intent","amount":1000,"amount_capturable":1000,"currency":"usd","capture_method":"manual","status":"requires_capture"}`))
	f.Add(uint8(0), []byte(`{"id":"pi_1","object":"payment_intent","amount":1000,"currency":"usd","status":"requires_payment_method","last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`))
	f.Add(uint8(0), []byte(`{"id":"pi_1","object":"payment_intent","amount":1000,"currency":"xyz","status":"requires_capture"}`))
	f.Add(uint8(0), []byte(`{"id":"pi_1","object":"payment_intent","amount":-1000,"currency":"usd","status":"succeeded","amount_received":-5}`))
	f.Add(uint8(0), []byte(`garbage`))
	f.Add(uint8(2), []byte(`{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`))
	f.Add(uint8(1), []byte(`{"error":{"type":"invalid_request_error","message":"No such PaymentMethod"}}`))
	f.Add(uint8(6), []byte(`{"error":{"type":"api_error","message":"Something went wrong"}}`))
	f.Add(uint8(5), []byte(`{"error":{"type":"invalid_request_error","message":"Too many requests"}}`))
	var answer atomic.Pointer[cannedAnswer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answer.Load()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	retries := int64(0)
	p, err := New(Options{SecretKey: "sk_test_fuzz", APIURL: srv.URL, MaxNetworkRetries: &retries})
	if err != nil {
		f.Fatal(err)
	}
	statuses := []int{200, 400, 402, 404, 409, 429, 500, 503}
	kinds := []error{
		provider.ErrDeclined, provider.ErrUnknownOutcome, provider.ErrInvalidRequest, provider.ErrNotFound,
		provider.ErrInvalidState, provider.ErrIdempotencyConflict, provider.ErrUnavailable, provider.ErrRateLimited,
	}
	f.Fuzz(func(t *testing.T, status uint8, body []byte) {
		code := statuses[int(status)%len(statuses)]
		answer.Store(&cannedAnswer{status: code, body: body})
		pay, err := authorizeUSD(p, context.Background())
		if err == nil {
			switch {
			case pay.ID == "":
				t.Fatalf("a payment with no id: %+v", pay)
			case !validPaymentStatus[pay.Status]:
				t.Fatalf("a payment in status %q", pay.Status)
			case pay.Amount.IsNegative() || pay.Captured.IsNegative() || pay.Refunded.IsNegative():
				t.Fatalf("a payment with a negative amount: %+v", pay)
			}
			return
		}
		kind := -1
		for i, k := range kinds {
			if errors.Is(err, k) {
				kind = i
				break
			}
		}
		if kind < 0 {
			t.Fatalf("answered %d %q: an error of no provider kind: %v", code, body, err)
		}
		if (code < 300 || code >= 500) && kinds[kind] != provider.ErrDeclined && kinds[kind] != provider.ErrUnknownOutcome {
			t.Fatalf("answered %d %q: %v, which says for certain that no hold was made", code, body, err)
		}
	})
}

var validPaymentStatus = map[provider.PaymentStatus]bool{
	provider.PaymentRequiresAction: true, provider.PaymentAuthorized: true, provider.PaymentCaptured: true,
	provider.PaymentVoided: true, provider.PaymentFailed: true,
}
