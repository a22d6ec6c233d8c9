package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/providertest"
	"github.com/buybutton/buybutton/provider/stripe/stripetest"
)

const testWebhookSecret = "whsec_providertest"

// stripeMockURL returns the URL of a running stripe-mock
// (STRIPE_MOCK_URL, default http://127.0.0.1:12111). Without one the test
// is skipped on a developer's machine and fails in CI (CI=true), where the
// README's test command starts stripe-mock first.
func stripeMockURL(t testing.TB) string {
	u := os.Getenv("STRIPE_MOCK_URL")
	if u == "" {
		u = "http://127.0.0.1:12111"
	}
	req, _ := http.NewRequest(http.MethodGet, u+"/v1/balance", nil)
	req.SetBasicAuth("sk_test_123", "")
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err == nil {
		resp.Body.Close()
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("stripe-mock is not running at %s (%v): ./scripts/test starts it", u, err)
	}
	t.Skipf("stripe-mock is not running at %s; ./scripts/test starts it", u)
	return ""
}

// testNonprofits are a verified nonprofit accepting c and an unverified
// one.
func testNonprofits(c money.Currency) []Nonprofit {
	return []Nonprofit{
		{Nonprofit: provider.Nonprofit{ID: "np_verified", Name: "Riverside Food Bank", Registration: "EIN 12-3456789", Verified: true, Currencies: []money.Currency{c}}},
		{Nonprofit: provider.Nonprofit{ID: "np_unverified", Name: "Unchecked Org", Verified: false, Currencies: []money.Currency{c}}},
	}
}

// testChargeTerms gives JPY and KWD terms; USD has its default.
var testChargeTerms = map[money.Currency]provider.ChargeTerms{
	"JPY": {Minimum: money.MustParse("50", "JPY"), FeeRate: mustDecimal("0.036"), FeeFixed: money.Zero("JPY"), FeeRounding: money.HalfUp},
	"KWD": {Minimum: money.MustParse("0.200", "KWD"), FeeRate: mustDecimal("0.029"), FeeFixed: money.MustParse("0.100", "KWD"), FeeRounding: money.HalfUp},
}

// harness drives a Provider against a Stripe API at url.
type harness struct {
	p      *Provider
	fx     providertest.Fixtures
	server *stripetest.Server // nil against stripe-mock alone
}

func newHarness(t testing.TB, apiURL string, c money.Currency, server *stripetest.Server) *harness {
	p, err := New(Options{
		SecretKey:      "sk_test_providertest",
		APIURL:         apiURL,
		WebhookSecrets: []string{testWebhookSecret},
		Nonprofits:     testNonprofits(c),
		ChargeTerms:    testChargeTerms,
		// The suite's unknown-outcome check needs the lost response to
		// reach it; retries are tested on their own (retry_test.go).
		MaxNetworkRetries: new(int64),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{p: p, server: server, fx: providertest.Fixtures{
		Currency:              c,
		TokenApprove:          "pm_card_visa",
		TokenDecline:          "pm_card_visa_chargeDeclined",
		TokenActionRequired:   "pm_card_authenticationRequired",
		TokenUnknownOutcome:   "pm_fake_lost_response",
		NonprofitID:           "np_verified",
		UnverifiedNonprofitID: "np_unverified",
	}}
}

func (h *harness) Provider() any                   { return h.p }
func (h *harness) Fixtures() providertest.Fixtures { return h.fx }
func (h *harness) Advance(d time.Duration) bool    { return false }
func (h *harness) Now() time.Time                  { return time.Now() }
func (h *harness) Close()                          {}
func (h *harness) CompleteAction(ctx context.Context, id string, ok bool) bool {
	return h.server != nil && h.server.CompleteAction(id, ok)
}

// SignDelivery makes the Stripe event for e and signs it as Stripe does.
func (h *harness) SignDelivery(e provider.Event, at time.Time) (http.Header, []byte, bool) {
	if e.Type != provider.EventPaymentCaptured {
		return nil, nil, false
	}
	body, _ := json.Marshal(map[string]any{
		"id": e.ID, "object": "event", "type": "payment_intent.succeeded", "created": e.OccurredAt.Unix(),
		"data": map[string]any{"object": map[string]any{
			"id": e.PaymentID, "object": "payment_intent", "capture_method": "manual", "status": "succeeded",
			"amount": 1000, "amount_received": 1000, "currency": lower(h.fx.Currency),
		}},
	})
	header := http.Header{}
	header.Set(signatureHeader, Sign(testWebhookSecret, at, body))
	return header, body, true
}

// ForgetIdempotencyKeys plays Stripe pruning keys after 24 hours, on the
// recorded server; stripe-mock keeps none (CannotExercise skips the
// checks that forget).
func (h *harness) ForgetIdempotencyKeys() {
	if h.server != nil {
		h.server.ForgetIdempotencyKeys()
	}
}

// CannotExercise lists what stripe-mock cannot check: it answers every
// request with one fixture object (a PaymentIntent always in
// requires_payment_method, a new random id each time, never an error), so
// no check of state, idempotent replay or error can pass or fail on it.
// Those checks run against the recorded server instead
// (TestConformanceRecorded), whose requests stripe-mock validates. The
// recorded server has no Billing: monthly donations, and withdrawing a
// month of one, are checked with recorded subscriptions in
// monthly_test.go.
func (h *harness) CannotExercise() map[string]string {
	if h.server != nil {
		return map[string]string{
			"MonthlyDonations/StartMonthlyChargesTheFirstMonthAndReplays":        noBilling,
			"MonthlyDonations/DeclinedFirstMonthStartsNothing":                   noBilling,
			"MonthlyDonations/CancelMonthlyIsIdempotent":                         noBilling,
			"MonthlyDonations/UnknownMonthlyIsNotFound":                          noBilling,
			"MonthlyDonations/MonthsChargedListsTheFirstMonth":                   noBilling,
			"DonationWithdrawals/WithdrawAMonthOnceItsMonthlyDonationIsCanceled": noBilling,
		}
	}
	out := map[string]string{}
	for _, name := range []string{
		"Payments/AuthorizeHoldsAmount", "Payments/AuthorizeReplaysWithSameKey", "Payments/ConcurrentReplaysMakeOnePayment",
		"Payments/AuthorizeRefusesKeyReuseWithOtherParams", "Payments/DeclineIsTypedAndHoldsNothing", "Payments/ActionRequiredThenCompleted",
		"Payments/UnknownOutcomeResolvesOnRetry", "Payments/CaptureFullOnce", "Payments/CapturePartial", "Payments/CaptureAboveAuthorizedIsRefused",
		"Payments/VoidReleasesHold", "Payments/VoidWithdrawsAPaymentWaitingForAction", "Payments/VoidCapturedIsInvalidState", "Payments/RefundsNeverExceedCapture", "Payments/RefundReplaysWithSameKey",
		"Payments/RefundsMadeListsTheRefunds", "Payments/DisputesOfAnUndisputedPaymentAreNone",
		"Payments/RefundUncapturedIsInvalidState", "Payments/ConcurrentRefundsNeverExceedCapture", "Payments/UnknownPaymentIsNotFound",
		"Donations/DonateSucceedsAndReplays", "Donations/DonateDeclineIsTyped", "Donations/DonationRefundsNeverExceedGift",
		"Donations/UnknownDonationIsNotFound", "Donations/DonationBelowMinimumIsRefused",
		"Payments/AuthorizeRetriedAfterItsKeyIsForgottenHoldsOnce", "Payments/RefundRetriedAfterItsKeyIsForgottenRefundsOnce",
		"Donations/DonateRetriedAfterItsKeyIsForgottenGivesOnce",
		"Payments/AuthorizeTakesWholeChargeUnits", "Payments/RefundTakesWholeChargeUnits", "Payments/AuthorizeRefusesLessThanItsMinimumCharge",
		"Donations/DonateTakesWholeChargeUnits", "Donations/DonationRefundTakesWholeChargeUnits",
		"Payments/PaymentAndItsReplayAreTheCallers", "Donations/DonationAndItsReplayAreTheCallers",
		"MonthlyDonations/StartMonthlyChargesTheFirstMonthAndReplays", "MonthlyDonations/DeclinedFirstMonthStartsNothing",
		"MonthlyDonations/CancelMonthlyIsIdempotent", "MonthlyDonations/UnknownMonthlyIsNotFound", "MonthlyDonations/MonthsChargedListsTheFirstMonth",
		"DonationWithdrawals/WithdrawnDonationChargesNothing", "DonationWithdrawals/WithdrawFailedChangesNothing",
		"DonationWithdrawals/WithdrawSucceededIsInvalidState", "DonationWithdrawals/WithdrawUnknownIsNotFound",
		"DonationWithdrawals/WithdrawAMonthOnceItsMonthlyDonationIsCanceled",
	} {
		out[name] = stateless
	}
	return out
}

const (
	stateless = "stripe-mock is stateless: every answer is the same fixture (status requires_payment_method, a new id, no errors); TestConformanceRecorded checks it"
	noBilling = "the recorded server plays PaymentIntents and Refunds, not Billing; monthly_test.go checks subscriptions with recorded responses"
)

// TestConformanceStripeMock runs the payments, donations and webhooks
// suites against stripe-mock: every request the provider makes must be
// one Stripe's OpenAPI spec accepts, and the checks that need no state
// (nonprofits, charge terms, refusals before any request, webhooks) pass.
func TestConformanceStripeMock(t *testing.T) {
	u := stripeMockURL(t)
	providertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
		return newHarness(t, u, "USD", nil), nil
	})
}

// TestConformanceRecorded runs the same suites against the recorded
// server, in currencies with 0, 2 and 3 minor digits, with stripe-mock
// validating every request on the way.
func TestConformanceRecorded(t *testing.T) {
	u := stripeMockURL(t)
	for _, c := range []money.Currency{"USD", "JPY", "KWD"} {
		t.Run(string(c), func(t *testing.T) {
			providertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
				s := stripetest.NewServer(u)
				t.Cleanup(func() {
					s.Close()
					for _, p := range s.Problems() {
						t.Errorf("recorded server: %s", p)
					}
				})
				return newHarness(t, s.URL(), c, s), nil
			})
		})
	}
}
