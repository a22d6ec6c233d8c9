package stripe

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// serverFailure is a 500 that Stripe saved for the key: stripe-go does
// not retry it, and neither would a retry with the key get anything else.
var serverFailure = file(500, "error_api.json", "Stripe-Should-Retry", "false")

// found answers a PaymentIntent search with the given PaymentIntents.
func found(intents ...string) func(w http.ResponseWriter, r *http.Request) {
	return ok(`{"object":"search_result","url":"/v1/payment_intents/search","has_more":false,"data":[` + strings.Join(intents, ",") + `]}`)
}

const (
	heldIntent     = `{"id":"pi_1","object":"payment_intent","amount":1000,"amount_capturable":1000,"currency":"usd","capture_method":"manual","status":"requires_capture","metadata":{"buybutton_idempotency_key":"co_1:authorize"}}`
	otherHeld      = `{"id":"pi_2","object":"payment_intent","amount":1000,"amount_capturable":1000,"currency":"usd","capture_method":"manual","status":"requires_capture","metadata":{"buybutton_idempotency_key":"co_1:authorize"}}`
	capturedIntent = `,"amount_received":1000`
)

// TestAuthorizeAfterAServerErrorFindsItsPayment: Stripe replays a 500 to
// every retry of the key, so Authorize looks the PaymentIntent up by the
// key in its metadata; found, it is the answer (as it is now), and a
// retry after the key is pruned would otherwise have made a second hold.
func TestAuthorizeAfterAServerErrorFindsItsPayment(t *testing.T) {
	p, s := scriptedProvider(t, 0, serverFailure, found(heldIntent), intentJSON("requires_capture", ""))
	pay, err := authorizeUSD(p, context.Background())
	if err != nil || pay.ID != "pi_1" || pay.Status != provider.PaymentAuthorized {
		t.Fatalf("Authorize = %+v, %v; want pi_1 authorized", pay, err)
	}
	seen := s.all()
	if len(seen) != 3 {
		t.Fatalf("%d requests, want the create, the search and the read", len(seen))
	}
	search := seen[1]
	if search.method != http.MethodGet || search.path != "/v1/payment_intents/search" ||
		search.form.Get("query") != `metadata['buybutton_idempotency_key']:'co_1:authorize'` {
		t.Fatalf("search = %s %s %v", search.method, search.path, search.form)
	}
}

// TestAuthorizeAfterAServerErrorStaysUnknownUntilFound: nothing found (not
// made, or not searchable yet), two found, or a search that fails leave
// the outcome unknown, for a later retry to look again.
func TestAuthorizeAfterAServerErrorStaysUnknownUntilFound(t *testing.T) {
	for name, answers := range map[string][]func(w http.ResponseWriter, r *http.Request){
		"nothing found":     {serverFailure, found()},
		"two found":         {serverFailure, found(heldIntent, otherHeld)},
		"search failing":    {serverFailure, file(500, "error_api.json", "Stripe-Should-Retry", "false")},
		"read after search": {serverFailure, found(heldIntent), file(500, "error_api.json", "Stripe-Should-Retry", "false")},
	} {
		p, _ := scriptedProvider(t, 0, answers...)
		if _, err := authorizeUSD(p, context.Background()); !errors.Is(err, provider.ErrUnknownOutcome) {
			t.Errorf("%s: err = %v, want ErrUnknownOutcome", name, err)
		}
	}
}

// TestCaptureAndVoidAfterAServerErrorReadThePayment: a capture or a
// cancellation that answered 500 is settled by reading the PaymentIntent:
// captured or canceled, the write happened; still held, it is unknown.
func TestCaptureAndVoidAfterAServerErrorReadThePayment(t *testing.T) {
	ctx := context.Background()
	capture := func(p *Provider) (provider.Payment, error) {
		return p.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "co_1:capture", PaymentID: "pi_1", Amount: money.MustParse("10.00", "USD")})
	}
	void := func(p *Provider) (provider.Payment, error) {
		return p.Void(ctx, provider.VoidRequest{IdempotencyKey: "co_1:void", PaymentID: "pi_1"})
	}
	for _, tc := range []struct {
		name  string
		write func(*Provider) (provider.Payment, error)
		now   func(w http.ResponseWriter, r *http.Request)
		want  provider.PaymentStatus // "": unknown
	}{
		{"capture, captured", capture, intentJSON("succeeded", capturedIntent), provider.PaymentCaptured},
		{"capture, still held", capture, intentJSON("requires_capture", ""), ""},
		{"void, canceled", void, intentJSON("canceled", ""), provider.PaymentVoided},
		{"void, still held", void, intentJSON("requires_capture", ""), ""},
	} {
		p, s := scriptedProvider(t, 0, serverFailure, tc.now)
		pay, err := tc.write(p)
		switch {
		case tc.want == "" && !errors.Is(err, provider.ErrUnknownOutcome):
			t.Errorf("%s: %+v, %v; want ErrUnknownOutcome", tc.name, pay, err)
		case tc.want != "" && (err != nil || pay.Status != tc.want):
			t.Errorf("%s: %+v, %v; want %s", tc.name, pay, err, tc.want)
		}
		if seen := s.all(); len(seen) != 2 || seen[1].method != http.MethodGet || seen[1].path != "/v1/payment_intents/pi_1" {
			t.Errorf("%s: requests %+v, want the write and a read of pi_1", tc.name, seen)
		}
	}
}

// refundList answers a listing of refunds with data, a comma-separated
// list of refunds.
func refundList(data string) func(w http.ResponseWriter, r *http.Request) {
	return ok(`{"object":"list","url":"/v1/refunds","has_more":false,"data":[` + data + `]}`)
}

const (
	otherRefund = `{"id":"re_0","object":"refund","amount":500,"currency":"usd","payment_intent":"pi_1","status":"succeeded","metadata":{"buybutton_idempotency_key":"o_1:refund-0"}}`
	ourRefund   = `{"id":"re_1","object":"refund","amount":300,"currency":"usd","payment_intent":"pi_1","status":"succeeded","metadata":{"buybutton_idempotency_key":"o_1:refund-1"}}`
)

// refundThree refunds 3.00 USD of pi_1 with key o_1:refund-1 (ourRefund's).
func refundThree(p *Provider) (provider.Refund, error) {
	return p.Refund(context.Background(), provider.RefundRequest{IdempotencyKey: "o_1:refund-1", PaymentID: "pi_1", Amount: money.MustParse("3.00", "USD")})
}

// TestRefundAfterAServerErrorFindsItsRefund: a refund that answered 500 is
// looked for among the PaymentIntent's refunds by the key in its metadata;
// a retry after the key is pruned would otherwise refund twice.
func TestRefundAfterAServerErrorFindsItsRefund(t *testing.T) {
	captured := intentJSON("succeeded", capturedIntent)
	p, s := scriptedProvider(t, 0, captured, refundList(otherRefund), serverFailure, refundList(otherRefund+","+ourRefund))
	r, err := refundThree(p)
	if err != nil || r.ID != "re_1" || r.Amount.String() != "3.00 USD" {
		t.Fatalf("Refund = %+v, %v; want re_1 of 3.00 USD", r, err)
	}
	if list := s.all()[3]; list.path != "/v1/refunds" || list.form.Get("payment_intent") != "pi_1" {
		t.Fatalf("list = %s %v, want pi_1's refunds", list.path, list.form)
	}

	p, _ = scriptedProvider(t, 0, captured, refundList(otherRefund), serverFailure, refundList(otherRefund))
	if _, err := refundThree(p); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Fatalf("nothing found: err = %v, want ErrUnknownOutcome", err)
	}
}

// TestRefundMadeBeforeIsTheAnswer: a refund looks among the
// PaymentIntent's refunds for one made with its key before it asks for
// one, so that a retry after Stripe has forgotten the key does not refund
// twice. One made for another amount is an idempotency conflict, as
// Stripe's answer to the key would have been.
func TestRefundMadeBeforeIsTheAnswer(t *testing.T) {
	captured := intentJSON("succeeded", capturedIntent)
	p, s := scriptedProvider(t, 0, captured, refundList(otherRefund+","+ourRefund))
	r, err := refundThree(p)
	if err != nil || r.ID != "re_1" || r.Amount.String() != "3.00 USD" {
		t.Fatalf("Refund = %+v, %v; want re_1 of 3.00 USD", r, err)
	}
	if seen := s.all(); len(seen) != 2 || seen[1].method != http.MethodGet || seen[1].path != "/v1/refunds" || seen[1].form.Get("payment_intent") != "pi_1" {
		t.Fatalf("requests %+v, want the PaymentIntent read and its refunds listed, and no refund asked for", seen)
	}

	p, s = scriptedProvider(t, 0, captured, refundList(otherRefund+","+strings.Replace(ourRefund, `"amount":300`, `"amount":400`, 1)))
	if _, err := refundThree(p); !errors.Is(err, provider.ErrIdempotencyConflict) {
		t.Fatalf("made for 4.00: err = %v, want ErrIdempotencyConflict", err)
	}
	if seen := s.all(); len(seen) != 2 {
		t.Fatalf("made for 4.00: %d requests, want no refund asked for", len(seen))
	}
}

// TestDonateAfterAServerErrorFindsItsDonation: as Authorize, for a
// one-off donation's PaymentIntent.
func TestDonateAfterAServerErrorFindsItsDonation(t *testing.T) {
	const given = `{"id":"pi_7","object":"payment_intent","amount":2500,"amount_received":2500,"currency":"usd","capture_method":"automatic","status":"succeeded","metadata":{"buybutton_idempotency_key":"co_9:donate","buybutton_nonprofit":"np_verified"}}`
	p, _ := monthlyProvider(t, serverFailure, found(given), ok(given))
	d, err := p.Donate(context.Background(), provider.DonateRequest{
		IdempotencyKey: "co_9:donate", NonprofitID: "np_verified", Amount: money.MustParse("25.00", "USD"), Token: "pm_card_visa",
	})
	if err != nil || d.ID != "pi_7" || d.Status != provider.DonationSucceeded {
		t.Fatalf("Donate = %+v, %v; want pi_7 succeeded", d, err)
	}
}

// TestWithdrawAfterAServerErrorReadsTheDonation: a withdrawal that
// answered 500 is settled by reading the donation, as Void is: canceled,
// it happened; succeeded, it cannot (ErrInvalidState, for the library to
// refund); still waiting, it is unknown.
func TestWithdrawAfterAServerErrorReadsTheDonation(t *testing.T) {
	donation := func(status, extra string) func(w http.ResponseWriter, r *http.Request) {
		return ok(`{"id":"pi_7","object":"payment_intent","amount":2500,"currency":"usd","capture_method":"automatic","status":"` + status + `"` + extra + `,"metadata":{"buybutton_nonprofit":"np_verified"}}`)
	}
	withdraw := func(p *Provider, id string) (provider.Donation, error) {
		return p.WithdrawDonation(context.Background(), provider.WithdrawDonationRequest{IdempotencyKey: "co_9:void", DonationID: id})
	}
	for _, tc := range []struct {
		name string
		now  func(w http.ResponseWriter, r *http.Request)
		want provider.DonationStatus // "": unknown
		err  error
	}{
		{"canceled", donation("canceled", ""), provider.DonationCanceled, nil},
		{"succeeded", donation("succeeded", `,"amount_received":2500`), "", provider.ErrInvalidState},
		{"still waiting", donation("requires_action", ""), "", provider.ErrUnknownOutcome},
	} {
		p, s := monthlyProvider(t, serverFailure, tc.now)
		d, err := withdraw(p, "pi_7")
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("%s: %+v, %v; want %v", tc.name, d, err, tc.err)
		case tc.err == nil && (err != nil || d.Status != tc.want):
			t.Errorf("%s: %+v, %v; want %s", tc.name, d, err, tc.want)
		}
		seen := s.all()
		if len(seen) != 2 || seen[0].path != "/v1/payment_intents/pi_7/cancel" || seen[0].form.Get("cancellation_reason") != "abandoned" ||
			seen[1].method != http.MethodGet || seen[1].path != "/v1/payment_intents/pi_7" {
			t.Errorf("%s: requests %+v, want the cancel, as abandoned, and a read of pi_7", tc.name, seen)
		}
	}
}

func TestSearchQuotedEscapesQuotes(t *testing.T) {
	if got := searchQuoted(`it's a \ key`); got != `it\'s a \\ key` {
		t.Fatalf("searchQuoted = %s", got)
	}
}

// TestStartMonthlyAfterAServerErrorFindsItsSubscription: a subscription
// create that answered 500 is looked for among the customer's
// subscriptions by the key in its metadata.
func TestStartMonthlyAfterAServerErrorFindsItsSubscription(t *testing.T) {
	subscriptions := func(data string) func(w http.ResponseWriter, r *http.Request) {
		return ok(`{"object":"list","url":"/v1/subscriptions","has_more":false,"data":[` + data + `]}`)
	}
	const (
		other = `{"id":"sub_other","object":"subscription","metadata":{"buybutton_idempotency_key":"co_8:donate","buybutton_nonprofit":"np_verified"}}`
		ours  = `{"id":"sub_1MowQVLkdIwHu7ixeRlqHVzs","object":"subscription","metadata":{"buybutton_idempotency_key":"co_9:donate","buybutton_nonprofit":"np_verified"}}`
	)
	p, s := monthlyProvider(t, ok(productJSON), ok(customerJSON), serverFailure, subscriptions(other+","+ours),
		subscription("active", "paid", "paid", "succeeded", "null"))
	m, err := startMonthly(p)
	if err != nil || m.ID != "sub_1MowQVLkdIwHu7ixeRlqHVzs" || m.Status != provider.MonthlyActive {
		t.Fatalf("StartMonthly = %+v, %v; want the subscription made, active", m, err)
	}
	if list := s.all()[3]; list.path != "/v1/subscriptions" || list.form.Get("customer") != "cus_Na6dX7aXxi11N4" || list.form.Get("status") != "all" {
		t.Fatalf("list = %s %v, want all the customer's subscriptions", list.path, list.form)
	}

	p, _ = monthlyProvider(t, ok(productJSON), ok(customerJSON), serverFailure, subscriptions(other))
	if _, err := startMonthly(p); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Fatalf("nothing found: err = %v, want ErrUnknownOutcome", err)
	}
}
