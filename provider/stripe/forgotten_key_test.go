package stripe

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// A write whose key Stripe may have forgotten (made 23 hours ago or more)
// searches for what an earlier try made before it sends the request: found,
// that is the answer and nothing is sent; not found, the request is sent;
// a search that fails leaves the outcome unknown and sends nothing.

var (
	dayOld = time.Now().Add(-25 * time.Hour)
	recent = time.Now().Add(-time.Hour)
)

func authorizeMadeAt(p *Provider, created time.Time) (provider.Payment, error) {
	return p.Authorize(context.Background(), provider.AuthorizeRequest{IdempotencyKey: "co_1:authorize", KeyCreatedAt: created, Amount: money.MustParse("10.00", "USD"), Token: "pm_card_visa"})
}

// paths lists the requests s saw, as "METHOD path".
func paths(s *scripted) []string {
	var out []string
	for _, r := range s.all() {
		out = append(out, r.method+" "+r.path)
	}
	return out
}

func TestAuthorizeWithAForgottenKeyLooksFirst(t *testing.T) {
	searchFails := file(500, "error_api.json", "Stripe-Should-Retry", "false")
	for _, tc := range []struct {
		name    string
		created time.Time
		answers []func(w http.ResponseWriter, r *http.Request)
		want    error // nil: pi_1 authorized
		sent    []string
	}{
		{"a day old, found", dayOld, []func(w http.ResponseWriter, r *http.Request){found(heldIntent), intentJSON("requires_capture", "")}, nil,
			[]string{"GET /v1/payment_intents/search", "GET /v1/payment_intents/pi_1"}},
		{"a day old, not found", dayOld, []func(w http.ResponseWriter, r *http.Request){found(), intentJSON("requires_capture", "")}, nil,
			[]string{"GET /v1/payment_intents/search", "POST /v1/payment_intents"}},
		{"a day old, two found", dayOld, []func(w http.ResponseWriter, r *http.Request){found(heldIntent, otherHeld)}, provider.ErrUnknownOutcome,
			[]string{"GET /v1/payment_intents/search"}},
		{"a day old, the search failing", dayOld, []func(w http.ResponseWriter, r *http.Request){searchFails}, provider.ErrUnknownOutcome,
			[]string{"GET /v1/payment_intents/search"}},
		{"an hour old", recent, []func(w http.ResponseWriter, r *http.Request){intentJSON("requires_capture", "")}, nil,
			[]string{"POST /v1/payment_intents"}},
		{"of unknown age", time.Time{}, []func(w http.ResponseWriter, r *http.Request){intentJSON("requires_capture", "")}, nil,
			[]string{"POST /v1/payment_intents"}},
	} {
		p, s := scriptedProvider(t, 0, tc.answers...)
		pay, err := authorizeMadeAt(p, tc.created)
		switch {
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %+v, %v; want %v", tc.name, pay, err, tc.want)
		case tc.want == nil && (err != nil || pay.ID != "pi_1" || pay.Status != provider.PaymentAuthorized):
			t.Errorf("%s: %+v, %v; want pi_1 authorized", tc.name, pay, err)
		}
		if got := paths(s); !slices.Equal(got, tc.sent) {
			t.Errorf("%s: sent %v, want %v", tc.name, got, tc.sent)
		}
	}
}

func TestDonateWithAForgottenKeyLooksFirst(t *testing.T) {
	const given = `{"id":"pi_7","object":"payment_intent","amount":2500,"amount_received":2500,"currency":"usd","capture_method":"automatic","status":"succeeded","metadata":{"buybutton_idempotency_key":"co_9:donate","buybutton_nonprofit":"np_verified"}}`
	p, s := monthlyProvider(t, found(given), ok(given))
	d, err := p.Donate(context.Background(), provider.DonateRequest{
		IdempotencyKey: "co_9:donate", KeyCreatedAt: dayOld, NonprofitID: "np_verified", Amount: money.MustParse("25.00", "USD"), Token: "pm_card_visa",
	})
	if err != nil || d.ID != "pi_7" || d.Status != provider.DonationSucceeded {
		t.Fatalf("Donate = %+v, %v; want pi_7 succeeded", d, err)
	}
	if got, want := paths(s), []string{"GET /v1/payment_intents/search", "GET /v1/payment_intents/pi_7"}; !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
}

func TestStartMonthlyWithAForgottenKeyLooksFirst(t *testing.T) {
	const ours = `{"id":"sub_1MowQVLkdIwHu7ixeRlqHVzs","object":"subscription","metadata":{"buybutton_idempotency_key":"co_9:donate","buybutton_nonprofit":"np_verified"}}`
	searched := func(data string) func(w http.ResponseWriter, r *http.Request) {
		return ok(`{"object":"search_result","url":"/v1/subscriptions/search","has_more":false,"data":[` + data + `]}`)
	}
	start := func(p *Provider) (provider.MonthlyDonation, error) {
		return p.StartMonthly(context.Background(), provider.DonateRequest{
			IdempotencyKey: "co_9:donate", KeyCreatedAt: dayOld, NonprofitID: "np_verified", Amount: money.MustParse("10.00", "USD"), Token: "pm_card_visa",
		})
	}

	p, s := monthlyProvider(t, searched(ours), subscription("active", "paid", "paid", "succeeded", "null"))
	m, err := start(p)
	if err != nil || m.ID != "sub_1MowQVLkdIwHu7ixeRlqHVzs" || m.Status != provider.MonthlyActive {
		t.Fatalf("StartMonthly = %+v, %v; want the subscription made, active", m, err)
	}
	want := []string{"GET /v1/subscriptions/search", "GET /v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs"}
	if got := paths(s); !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v: no second customer or subscription", got, want)
	}
	if q := s.all()[0].form.Get("query"); q != `metadata['buybutton_idempotency_key']:'co_9:donate'` {
		t.Fatalf("query = %s", q)
	}

	p, s = monthlyProvider(t, searched(""), ok(productJSON), ok(customerJSON), subscription("active", "paid", "paid", "succeeded", "null"))
	if _, err := start(p); err != nil {
		t.Fatalf("nothing found: %v, want the subscription made", err)
	}
	if got := paths(s); len(got) != 4 || got[3] != "POST /v1/subscriptions" {
		t.Fatalf("nothing found: sent %v, want the search, then the product, customer and subscription", got)
	}

	p, s = monthlyProvider(t, file(500, "error_api.json", "Stripe-Should-Retry", "false"))
	if _, err := start(p); !errors.Is(err, provider.ErrUnknownOutcome) || len(s.all()) != 1 {
		t.Fatalf("search failing: %v after %d requests, want ErrUnknownOutcome and nothing sent", err, len(s.all()))
	}
}
