package stripe

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// scripted is a Stripe API that answers each request with the next of its
// recorded responses, and records the requests.
type scripted struct {
	mu      sync.Mutex
	answers []func(w http.ResponseWriter, r *http.Request)
	seen    []request
}

// request is what the scripted API saw of one request.
type request struct {
	method, path, key string
	form              url.Values // the body's form and the URL's query
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, vs := range r.URL.Query() {
		form[k] = append(form[k], vs...)
	}
	s.mu.Lock()
	s.seen = append(s.seen, request{method: r.Method, path: r.URL.Path, key: r.Header.Get("Idempotency-Key"), form: form})
	var answer func(w http.ResponseWriter, r *http.Request)
	if len(s.answers) > 0 {
		answer, s.answers = s.answers[0], s.answers[1:]
	}
	s.mu.Unlock()
	if answer == nil {
		http.Error(w, "no more answers", http.StatusTeapot)
		return
	}
	answer(w, r)
}

// requests returns the idempotency keys of the requests so far.
func (s *scripted) requests() []string {
	var keys []string
	for _, r := range s.all() {
		keys = append(keys, r.key)
	}
	return keys
}

// writes returns the idempotency keys of the POST requests so far.
func (s *scripted) writes() []string {
	var keys []string
	for _, r := range s.all() {
		if r.method == http.MethodPost {
			keys = append(keys, r.key)
		}
	}
	return keys
}

func (s *scripted) all() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.seen...)
}

// file answers with a recorded response from stripetest/testdata.
func file(status int, name string, header ...string) func(w http.ResponseWriter, r *http.Request) {
	body, err := os.ReadFile("stripetest/testdata/" + name)
	if err != nil {
		panic(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// intentJSON answers with a PaymentIntent in status, of 10.00 USD.
func intentJSON(status, extra string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"pi_1","object":"payment_intent","amount":1000,"amount_capturable":1000,"currency":"usd","capture_method":"manual","client_secret":"pi_1_secret_x","status":"`+status+`"`+extra+`}`)
	}
}

// lostResponse reads the request and closes the connection unanswered.
func lostResponse(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func scriptedProvider(t *testing.T, retries int64, answers ...func(w http.ResponseWriter, r *http.Request)) (*Provider, *scripted) {
	t.Helper()
	s := &scripted{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	p, err := New(Options{SecretKey: "sk_test_scripted", APIURL: srv.URL, MaxNetworkRetries: &retries})
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func authorizeUSD(p *Provider, ctx context.Context) (provider.Payment, error) {
	return p.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: "co_1:authorize", Amount: money.MustParse("10.00", "USD"), Token: "pm_card_visa"})
}

// TestRetriesFollowStripe: stripe-go retries what Stripe says may be
// retried, always with the library's key, and the provider reports what
// the last answer means.
func TestRetriesFollowStripe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  []func(w http.ResponseWriter, r *http.Request)
		want     error // nil: authorized
		requests int
	}{
		{"500 that Stripe says to retry, then success",
			[]func(w http.ResponseWriter, r *http.Request){file(500, "error_api.json", "Stripe-Should-Retry", "true"), intentJSON("requires_capture", "")}, nil, 2},
		{"500 that Stripe says not to retry",
			[]func(w http.ResponseWriter, r *http.Request){file(500, "error_api.json", "Stripe-Should-Retry", "false")}, provider.ErrUnknownOutcome, 1},
		{"500 every time",
			[]func(w http.ResponseWriter, r *http.Request){file(500, "error_api.json"), file(500, "error_api.json"), file(500, "error_api.json")}, provider.ErrUnknownOutcome, 3},
		{"response lost, then replayed",
			[]func(w http.ResponseWriter, r *http.Request){lostResponse, intentJSON("requires_capture", "")}, nil, 2},
		{"rate limited",
			[]func(w http.ResponseWriter, r *http.Request){file(429, "error_rate_limit.json", "Stripe-Should-Retry", "false")}, provider.ErrRateLimited, 1},
		{"409 while another request with the key runs, then the replay",
			[]func(w http.ResponseWriter, r *http.Request){file(409, "error_api.json"), intentJSON("requires_capture", "")}, nil, 2},
		{"declined",
			[]func(w http.ResponseWriter, r *http.Request){file(402, "error_card_declined.json", "Stripe-Should-Retry", "false")}, provider.ErrDeclined, 1},
		{"key reused with other parameters",
			[]func(w http.ResponseWriter, r *http.Request){file(400, "error_idempotency.json", "Stripe-Should-Retry", "false")}, provider.ErrIdempotencyConflict, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, s := scriptedProvider(t, 2, tc.answers...)
			pay, err := authorizeUSD(p, context.Background())
			switch {
			case tc.want == nil && (err != nil || pay.Status != provider.PaymentAuthorized):
				t.Fatalf("Authorize = %+v, %v; want authorized", pay, err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			keys := s.writes()
			if len(keys) != tc.requests {
				t.Fatalf("%d requests, want %d", len(keys), tc.requests)
			}
			for _, k := range keys {
				if k != "co_1:authorize" {
					t.Fatalf("request keys %q: every try must carry the library's key", keys)
				}
			}
		})
	}
}

// TestNoRetryAfterTheContextIsDone: a call whose context ends while
// Stripe is answering is not retried, and may have happened.
func TestNoRetryAfterTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}
	p, s := scriptedProvider(t, 2, slow, intentJSON("requires_capture", ""))
	_, err := authorizeUSD(p, ctx)
	if !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrUnknownOutcome", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests after the context ended, want 1", n)
	}
}

// TestNothingSentIsUnavailable: a connection that was never made moved
// nothing, so the library may retry freely.
func TestNothingSentIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	p, err := New(Options{SecretKey: "sk_test_closed", APIURL: u, MaxNetworkRetries: new(int64)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authorizeUSD(p, context.Background()); !errors.Is(err, provider.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

// TestErrorKindsOfRecordedErrors: Stripe's documented errors each match
// exactly one of the contract's kinds.
func TestErrorKindsOfRecordedErrors(t *testing.T) {
	kinds := []error{provider.ErrNotFound, provider.ErrInvalidRequest, provider.ErrIdempotencyConflict, provider.ErrDeclined,
		provider.ErrInvalidState, provider.ErrRefundExceedsCapture, provider.ErrUnknownOutcome, provider.ErrUnavailable, provider.ErrRateLimited}
	for _, tc := range []struct {
		status int
		file   string
		call   func(p *Provider) error
		want   error
	}{
		{404, "error_resource_missing.json", func(p *Provider) error { _, err := p.Payment(context.Background(), "pi_x"); return err }, provider.ErrNotFound},
		{400, "error_unexpected_state.json", func(p *Provider) error {
			_, err := p.Capture(context.Background(), provider.CaptureRequest{IdempotencyKey: "k", PaymentID: "pi_x", Amount: money.MustParse("1.00", "USD")})
			return err
		}, provider.ErrInvalidState},
		{400, "error_amount_too_large.json", func(p *Provider) error {
			_, err := p.Capture(context.Background(), provider.CaptureRequest{IdempotencyKey: "k", PaymentID: "pi_x", Amount: money.MustParse("11.00", "USD")})
			return err
		}, provider.ErrInvalidRequest},
		{500, "error_api.json", func(p *Provider) error { _, err := p.Payment(context.Background(), "pi_x"); return err }, provider.ErrUnavailable},
		{402, "error_card_declined.json", func(p *Provider) error { _, err := authorizeUSD(p, context.Background()); return err }, provider.ErrDeclined},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, _ := scriptedProvider(t, 0, file(tc.status, tc.file, "Stripe-Should-Retry", "false"))
			err := tc.call(p)
			for _, k := range kinds {
				if errors.Is(err, k) != (k == tc.want) {
					t.Fatalf("err = %v: errors.Is(%v) = %v; want it to match %v alone", err, k, errors.Is(err, k), tc.want)
				}
			}
		})
	}
	p, _ := scriptedProvider(t, 0, file(402, "error_card_declined.json"))
	_, err := authorizeUSD(p, context.Background())
	var de *provider.DeclineError
	if !errors.As(err, &de) || de.Code != "generic_decline" || de.Message != "Your card was declined." {
		t.Fatalf("err = %v, want *DeclineError generic_decline with Stripe's message", err)
	}
}

// TestRefundAboveWhatIsLeft: both of Stripe's refusals of a refund too
// large are ErrRefundExceedsCapture.
func TestRefundAboveWhatIsLeft(t *testing.T) {
	for _, name := range []string{"error_amount_too_large.json", "error_charge_already_refunded.json"} {
		p, _ := scriptedProvider(t, 0, intentJSON("succeeded", `,"amount_received":1000`), refundList(""), file(400, name))
		_, err := p.Refund(context.Background(), provider.RefundRequest{IdempotencyKey: "k", PaymentID: "pi_1", Amount: money.MustParse("1.00", "USD")})
		if !errors.Is(err, provider.ErrRefundExceedsCapture) {
			t.Errorf("%s: err = %v, want ErrRefundExceedsCapture", name, err)
		}
	}
}

// TestRefundOfADisputedChargeIsInvalidState: Stripe refuses to refund a
// charge the buyer's bank took back; that is the payment's state, not a
// malformed request.
func TestRefundOfADisputedChargeIsInvalidState(t *testing.T) {
	disputed := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"charge_disputed","message":"Charge ch_1 has been charged back; cannot issue a refund.","type":"invalid_request_error"}}`)
	}
	p, _ := scriptedProvider(t, 0, intentJSON("succeeded", `,"amount_received":1000`), refundList(""), disputed)
	_, err := p.Refund(context.Background(), provider.RefundRequest{IdempotencyKey: "k", PaymentID: "pi_1", Amount: money.MustParse("1.00", "USD")})
	if !errors.Is(err, provider.ErrInvalidState) {
		t.Fatalf("err = %v, want ErrInvalidState", err)
	}
}

// TestRefundFailedAtOnceCarriesItsID: a refund Stripe answers failed is a
// *RefundFailedError (kind ErrInvalidState) with the refund's id and
// failure_reason, so that its refund.failed event later finds it.
func TestRefundFailedAtOnceCarriesItsID(t *testing.T) {
	failed := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"re_9","object":"refund","amount":100,"currency":"usd","payment_intent":"pi_1","status":"failed","failure_reason":"lost_or_stolen_card","metadata":{"buybutton_key":"k"}}`)
	}
	p, _ := scriptedProvider(t, 0, intentJSON("succeeded", `,"amount_received":1000`), refundList(""), failed)
	_, err := p.Refund(context.Background(), provider.RefundRequest{IdempotencyKey: "k", PaymentID: "pi_1", Amount: money.MustParse("1.00", "USD")})
	var rf *provider.RefundFailedError
	if !errors.Is(err, provider.ErrInvalidState) || !errors.As(err, &rf) || rf.RefundID != "re_9" || rf.Reason != "lost_or_stolen_card" {
		t.Fatalf("err = %v, want a *RefundFailedError of re_9 for lost_or_stolen_card", err)
	}
}

// TestRequiresActionGivesTheClientWhatItNeeds: the client secret always,
// and the URL when Stripe asks for a redirect.
func TestRequiresActionGivesTheClientWhatItNeeds(t *testing.T) {
	p, _ := scriptedProvider(t, 0, intentJSON("requires_action", `,"next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3d_secure/x","return_url":"https://app.example/return"}}`))
	pay, err := authorizeUSD(p, context.Background())
	if err != nil || pay.Status != provider.PaymentRequiresAction || pay.NextAction == nil ||
		pay.NextAction.ClientSecret != "pi_1_secret_x" || pay.NextAction.RedirectURL != "https://hooks.stripe.com/3d_secure/x" {
		t.Fatalf("Authorize = %+v (%+v), %v", pay, pay.NextAction, err)
	}
}

// TestAPartialHoldIsAnsweredAsHeld: a PaymentIntent whose issuer approved
// part of its amount holds amount_capturable, not amount, and a donation's
// charged amount_received; each is answered with what is held or taken,
// so that the library sees another amount than it asked for and refuses
// to place an order or record a gift on it.
func TestAPartialHoldIsAnsweredAsHeld(t *testing.T) {
	pi := &stripego.PaymentIntent{ID: "pi_2", Amount: 1000, AmountReceived: 400, Currency: "usd", Status: stripego.PaymentIntentStatusSucceeded}
	if d, err := donationOf(pi, "np_1", true); err != nil || !d.Amount.Equal(money.MustParse("4.00", "USD")) {
		t.Errorf("donation = %+v, %v; want 4.00 USD charged", d, err)
	}
	p, _ := scriptedProvider(t, 0, intentJSON("requires_capture", `,"amount_capturable":400`), intentJSON("requires_capture", `,"amount_capturable":400`))
	pay, err := authorizeUSD(p, context.Background())
	if err != nil || pay.Status != provider.PaymentAuthorized || !pay.Amount.Equal(money.MustParse("4.00", "USD")) {
		t.Fatalf("Authorize = %+v, %v; want authorized, 4.00 USD held", pay, err)
	}
	if pay, err = p.Payment(context.Background(), "pi_1"); err != nil || !pay.Amount.Equal(money.MustParse("4.00", "USD")) {
		t.Fatalf("Payment = %+v, %v; want 4.00 USD held", pay, err)
	}
}

// TestReplayedAnswerIsRefreshed: Stripe replays the first answer to a key;
// a replayed requires_action is read again, for the buyer may have
// finished since.
func TestReplayedAnswerIsRefreshed(t *testing.T) {
	replay := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Idempotent-Replayed", "true")
		intentJSON("requires_action", "")(w, r)
	}
	p, s := scriptedProvider(t, 0, replay, intentJSON("requires_capture", ""))
	pay, err := authorizeUSD(p, context.Background())
	if err != nil || pay.Status != provider.PaymentAuthorized {
		t.Fatalf("Authorize = %+v, %v; want the current state, authorized", pay, err)
	}
	if n := len(s.requests()); n != 2 {
		t.Fatalf("%d requests, want the replay and a read", n)
	}
}

// TestProcessingIsNotKnownYet: a PaymentIntent Stripe is still processing
// has nothing for the buyer to do, and whether its money moved is not
// known yet: ErrUnknownOutcome, for confirmations, captures, reads and
// donations alike. Before, it was requires_action, and the buyer was sent
// to finish an action that did not exist.
func TestProcessingIsNotKnownYet(t *testing.T) {
	ctx := context.Background()
	p, _ := scriptedProvider(t, 0, intentJSON("processing", ""), intentJSON("processing", ""), intentJSON("processing", ""))
	if pay, err := authorizeUSD(p, ctx); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Errorf("Authorize = %+v, %v; want ErrUnknownOutcome", pay, err)
	}
	if pay, err := p.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "co_1:capture", PaymentID: "pi_1", Amount: money.MustParse("10.00", "USD")}); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Errorf("Capture = %+v, %v; want ErrUnknownOutcome", pay, err)
	}
	if pay, err := p.Payment(ctx, "pi_1"); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Errorf("Payment = %+v, %v; want ErrUnknownOutcome", pay, err)
	}
	pi := &stripego.PaymentIntent{ID: "pi_2", Amount: 1000, Currency: "usd", Status: stripego.PaymentIntentStatusProcessing}
	if d, err := donationOf(pi, "np_1", true); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Errorf("donation = %+v, %v; want ErrUnknownOutcome", d, err)
	}
}

// TestReplayedCaptureIsRefreshed: the capture retried with its key after
// a processing answer gets that answer replayed; the PaymentIntent is read
// again, and the capture Stripe has since finished is what it answers.
func TestReplayedCaptureIsRefreshed(t *testing.T) {
	replay := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Idempotent-Replayed", "true")
		intentJSON("processing", "")(w, r)
	}
	p, s := scriptedProvider(t, 0, replay, intentJSON("succeeded", `,"amount_received":1000`))
	pay, err := p.Capture(context.Background(), provider.CaptureRequest{IdempotencyKey: "co_1:capture", PaymentID: "pi_1", Amount: money.MustParse("10.00", "USD")})
	if err != nil || pay.Status != provider.PaymentCaptured || pay.Captured.String() != "10.00 USD" {
		t.Fatalf("Capture = %+v, %v; want the current state, captured 10.00 USD", pay, err)
	}
	if all := s.all(); len(all) != 2 || all[1].method != http.MethodGet {
		t.Fatalf("requests %+v, want the replay and a read", all)
	}
}
