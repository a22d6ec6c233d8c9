package stripe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// subscription answers with testdata/subscription.json in the given
// states: the subscription's, its first invoice's, the invoice payment's
// and the PaymentIntent's.
func subscription(sub, invoice, payment, pi, lastError string) func(w http.ResponseWriter, r *http.Request) {
	tmpl, err := os.ReadFile("testdata/subscription.json")
	if err != nil {
		panic(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, string(tmpl), sub, invoice, payment, pi, lastError)
	}
}

func ok(body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

const (
	productJSON  = `{"id":"buybutton_donation_x","object":"product","name":"Monthly donation"}`
	customerJSON = `{"id":"cus_Na6dX7aXxi11N4","object":"customer"}`
)

func monthlyProvider(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) (*Provider, *scripted) {
	p, s := scriptedProvider(t, 0, answers...)
	p.nonprofits = map[string]Nonprofit{}
	for _, n := range testNonprofits("USD") {
		p.nonprofits[n.ID] = n
	}
	return p, s
}

func startMonthly(p *Provider) (provider.MonthlyDonation, error) {
	return p.StartMonthly(context.Background(), provider.DonateRequest{
		IdempotencyKey: "co_9:donate", NonprofitID: "np_verified", Amount: money.MustParse("10.00", "USD"), Token: "pm_card_visa",
	})
}

func TestStartMonthlyActive(t *testing.T) {
	p, s := monthlyProvider(t, ok(productJSON), ok(customerJSON), subscription("active", "paid", "paid", "succeeded", "null"))
	m, err := startMonthly(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "sub_1MowQVLkdIwHu7ixeRlqHVzs" || m.Status != provider.MonthlyActive || !m.Amount.Equal(money.MustParse("10.00", "USD")) ||
		!m.NextChargeAt.Equal(time.Unix(1800000000, 0)) || m.NonprofitID != "np_verified" {
		t.Fatalf("monthly = %+v", m)
	}
	if m.First.ID != "in_1MowQWLkdIwHu7ixuzkSPfKd" || m.First.MonthlyID != m.ID || m.First.Status != provider.DonationSucceeded || m.First.PaymentID != "pi_3MowQWLkdIwHu7ix0gwhd6Ez" {
		t.Fatalf("first month = %+v, want the first invoice, succeeded, with its PaymentIntent", m.First)
	}
	want := []string{"buybutton/buybutton_donation_" + productSuffix("np_verified"), "co_9:donate/customer", "co_9:donate/subscription"}
	if got := s.requests(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("keys %q, want %q", got, want)
	}
}

func productSuffix(nonprofitID string) string {
	sum := sha256.Sum256([]byte(nonprofitID))
	return hex.EncodeToString(sum[:12])
}

func TestStartMonthlyNeedsAction(t *testing.T) {
	p, _ := monthlyProvider(t, ok(productJSON), ok(customerJSON), subscription("incomplete", "open", "open", "requires_action", "null"))
	m, err := startMonthly(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != provider.MonthlyIncomplete || m.First.Status != provider.DonationRequiresAction ||
		m.First.NextAction == nil || m.First.NextAction.ClientSecret != "pi_3MowQWLkdIwHu7ix0gwhd6Ez_secret_x" {
		t.Fatalf("monthly = %+v, first %+v", m, m.First)
	}
}

// TestStartMonthlyDeclinedStartsNothing: the declined first month is a
// DeclineError, and the incomplete subscription is canceled at once so
// that Stripe never charges it.
func TestStartMonthlyDeclinedStartsNothing(t *testing.T) {
	declined := `{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}`
	canceled := false
	cancel := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || !strings.HasSuffix(r.URL.Path, "/sub_1MowQVLkdIwHu7ixeRlqHVzs") {
			t.Errorf("expected the subscription's cancel, got %s %s", r.Method, r.URL.Path)
		}
		canceled = true
		subscription("canceled", "void", "canceled", "canceled", "null")(w, r)
	}
	p, s := monthlyProvider(t, ok(productJSON), ok(customerJSON), subscription("incomplete", "open", "open", "requires_payment_method", declined), cancel)
	_, err := startMonthly(p)
	var de *provider.DeclineError
	if !errors.As(err, &de) || de.Code != "insufficient_funds" {
		t.Fatalf("err = %v, want the DeclineError insufficient_funds", err)
	}
	if !canceled {
		t.Fatal("the incomplete subscription was not canceled")
	}
	if got := s.requests(); got[len(got)-1] != "co_9:donate/cancel-declined" {
		t.Fatalf("keys %q: the cancel must carry a key derived from the library's", got)
	}
}

// TestDonationProductIsMadeOnce: a product that exists already is
// Stripe's resource_already_exists, and the start goes on.
func TestDonationProductIsMadeOnce(t *testing.T) {
	exists := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"resource_already_exists","message":"Product already exists.","type":"invalid_request_error"}}`)
	}
	p, _ := monthlyProvider(t, exists, ok(customerJSON), subscription("active", "paid", "paid", "succeeded", "null"))
	if _, err := startMonthly(p); err != nil {
		t.Fatal(err)
	}
}

// TestMonthOfADonationNamesItsPaymentIntent: one month of a monthly
// donation is its invoice, and Stripe's refund events of it name the
// invoice's PaymentIntent: the donation read says which, so that the
// library can find the month from those events.
func TestMonthOfADonationNamesItsPaymentIntent(t *testing.T) {
	invoice := `{"id":"in_2","object":"invoice","status":"paid","currency":"usd","amount_paid":1000,
		"parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_1","metadata":{"buybutton_nonprofit":"np_verified"}}},
		"payments":{"object":"list","data":[{"id":"inpay_2","object":"invoice_payment","status":"paid",
			"payment":{"type":"payment_intent","payment_intent":{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"usd","status":"succeeded"}}}]}}`
	intent := `{"id":"pi_2","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"usd","status":"succeeded"}`
	p, _ := monthlyProvider(t, ok(invoice), ok(intent))
	d, err := p.Donation(context.Background(), "in_2")
	if err != nil || d.ID != "in_2" || d.MonthlyID != "sub_1" || d.PaymentID != "pi_2" || d.Status != provider.DonationSucceeded {
		t.Fatalf("Donation = %+v, %v; want month in_2 of sub_1, succeeded, paid by pi_2", d, err)
	}
}

// waitingMonth is the first month of sub_1, its invoice in_2 in status
// invoice and its PaymentIntent pi_2 in status pi, as an invoice read
// and the PaymentIntent read that follows it answer.
func waitingMonth(invoice, pi string) []func(w http.ResponseWriter, r *http.Request) {
	return []func(w http.ResponseWriter, r *http.Request){
		ok(`{"id":"in_2","object":"invoice","status":"` + invoice + `","currency":"usd","amount_paid":0,
		"parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_1","metadata":{"buybutton_nonprofit":"np_verified"}}},
		"payments":{"object":"list","data":[{"id":"inpay_2","object":"invoice_payment","status":"open",
			"payment":{"type":"payment_intent","payment_intent":{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"usd","status":"` + pi + `"}}}]}}`),
		ok(`{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"usd","client_secret":"pi_2_secret_x","status":"` + pi + `"` +
			map[bool]string{true: `,"amount_received":1000`}[pi == "succeeded"] + `}`),
	}
}

// TestWithdrawAMonthVoidsItsInvoiceOnceItsSubscriptionIsCanceled: the
// first month of a canceled subscription, waiting for 3-D Secure, is
// withdrawn by voiding its invoice with the withdrawal's key, which
// cancels its PaymentIntent. A month of a subscription that runs is
// ErrInvalidState, and nothing is voided. A month paid before the void
// is ErrInvalidState too, for the library to refund.
func TestWithdrawAMonthVoidsItsInvoiceOnceItsSubscriptionIsCanceled(t *testing.T) {
	withdraw := func(p *Provider) (provider.Donation, error) {
		return p.WithdrawDonation(context.Background(), provider.WithdrawDonationRequest{IdempotencyKey: "co_9:void", DonationID: "in_2"})
	}
	voided := ok(`{"id":"in_2","object":"invoice","status":"void"}`)
	refused := file(400, "error_unexpected_state.json")

	answers := append(waitingMonth("open", "requires_action"), subscription("canceled", "open", "open", "requires_action", "null"), voided)
	p, s := monthlyProvider(t, append(answers, waitingMonth("void", "canceled")...)...)
	d, err := withdraw(p)
	if err != nil || d.ID != "in_2" || d.MonthlyID != "sub_1" || d.Status != provider.DonationCanceled {
		t.Fatalf("WithdrawDonation = %+v, %v; want month in_2 of sub_1 canceled", d, err)
	}
	seen := s.all()
	if len(seen) != 6 || seen[3].method != http.MethodPost || seen[3].path != "/v1/invoices/in_2/void" || seen[3].key != "co_9:void" {
		t.Fatalf("requests %+v, want the month read, the subscription read, its invoice voided with the key, the month read again", seen)
	}

	p, s = monthlyProvider(t, append(waitingMonth("open", "requires_action"), subscription("incomplete", "open", "open", "requires_action", "null"))...)
	if _, err := withdraw(p); !errors.Is(err, provider.ErrInvalidState) {
		t.Fatalf("withdrawing a month of a subscription that runs: %v, want ErrInvalidState", err)
	}
	for _, r := range s.all() {
		if r.method != http.MethodGet {
			t.Fatalf("withdrawing a month of a subscription that runs sent %s %s", r.method, r.path)
		}
	}

	answers = append(waitingMonth("open", "requires_action"), subscription("canceled", "open", "open", "requires_action", "null"), refused)
	p, _ = monthlyProvider(t, append(answers, waitingMonth("paid", "succeeded")...)...)
	if _, err := withdraw(p); !errors.Is(err, provider.ErrInvalidState) {
		t.Fatalf("withdrawing a month paid before the void: %v, want ErrInvalidState (refund it instead)", err)
	}
}

// TestAMonthIsFoundByItsPaymentIntent: Stripe's refund and dispute
// events of a month name the PaymentIntent of its invoice, which carries
// none of the donation's metadata. Read by that PaymentIntent, the
// donation is the month: its invoice, found through the invoice payments
// that name the PaymentIntent. A PaymentIntent of no invoice and no
// donation is not found.
func TestAMonthIsFoundByItsPaymentIntent(t *testing.T) {
	intent := `{"id":"pi_2","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"usd","status":"succeeded","metadata":{}}`
	payments := `{"object":"list","url":"/v1/invoice_payments","has_more":false,"data":[{"id":"inpay_2","object":"invoice_payment","invoice":"in_2","status":"paid",
		"payment":{"type":"payment_intent","payment_intent":"pi_2"}}]}`
	invoice := `{"id":"in_2","object":"invoice","status":"paid","currency":"usd","amount_paid":1000,
		"parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_1","metadata":{"buybutton_nonprofit":"np_verified"}}},
		"payments":{"object":"list","data":[{"id":"inpay_2","object":"invoice_payment","status":"paid",
			"payment":{"type":"payment_intent","payment_intent":{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"usd","status":"succeeded"}}}]}}`
	p, s := monthlyProvider(t, ok(intent), ok(payments), ok(invoice), ok(intent))
	d, err := p.Donation(context.Background(), "pi_2")
	if err != nil || d.ID != "in_2" || d.MonthlyID != "sub_1" || d.PaymentID != "pi_2" || d.Status != provider.DonationSucceeded {
		t.Fatalf("Donation(pi_2) = %+v, %v; want month in_2 of sub_1, paid by pi_2", d, err)
	}
	listed := s.seen[1]
	if listed.method != http.MethodGet || listed.path != "/v1/invoice_payments" ||
		listed.form.Get("payment[type]") != "payment_intent" || listed.form.Get("payment[payment_intent]") != "pi_2" {
		t.Fatalf("second request %+v, want the invoice payments of pi_2", listed)
	}

	none := `{"object":"list","url":"/v1/invoice_payments","has_more":false,"data":[]}`
	p, _ = monthlyProvider(t, ok(intent), ok(none))
	if _, err := p.Donation(context.Background(), "pi_2"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("Donation of a PaymentIntent of no invoice: %v, want ErrNotFound", err)
	}
}

// TestMonthsChargedListsPaidInvoicesOldestFirst: a monthly donation's
// months are its subscription's paid invoices; Stripe lists them newest
// first, the provider answers oldest first. A subscription that is not a
// monthly donation's is not found, with no list asked for.
func TestMonthsChargedListsPaidInvoicesOldestFirst(t *testing.T) {
	invoices := `{"object":"list","url":"/v1/invoices","has_more":false,"data":[
		{"id":"in_3","object":"invoice","status":"paid"},{"id":"in_2","object":"invoice","status":"paid"},{"id":"in_1","object":"invoice","status":"paid"}]}`
	p, s := monthlyProvider(t, subscription("active", "paid", "paid", "succeeded", "null"), ok(invoices))
	months, err := p.MonthsCharged(context.Background(), "sub_1MowQVLkdIwHu7ixeRlqHVzs")
	if err != nil || !slices.Equal(months, []string{"in_1", "in_2", "in_3"}) {
		t.Fatalf("MonthsCharged = %q, %v; want in_1, in_2, in_3", months, err)
	}
	listed := s.seen[1]
	if listed.method != http.MethodGet || listed.path != "/v1/invoices" ||
		listed.form.Get("subscription") != "sub_1MowQVLkdIwHu7ixeRlqHVzs" || listed.form.Get("status") != "paid" {
		t.Fatalf("second request %+v, want the subscription's paid invoices", listed)
	}

	notOurs := `{"id":"sub_2","object":"subscription","status":"active","metadata":{}}`
	p, s = monthlyProvider(t, ok(notOurs))
	if _, err := p.MonthsCharged(context.Background(), "sub_2"); !errors.Is(err, provider.ErrNotFound) || len(s.seen) != 1 {
		t.Fatalf("MonthsCharged of another subscription: %v after %d requests, want ErrNotFound after 1", err, len(s.seen))
	}
}
