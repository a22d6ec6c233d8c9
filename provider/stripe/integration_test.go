package stripe_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/stripe"
	"github.com/buybutton/buybutton/provider/stripe/stripetest"
)

// TestBuyAndRefundThroughStripe wires the library as the package doc
// shows: the in-memory storefront sells, Stripe (the recorded server)
// takes the money. A buyer buys; Stripe's dashboard refunds part of it and
// the refund.created delivery arrives three times; the order records the
// refund once.
func TestBuyAndRefundThroughStripe(t *testing.T) {
	ctx := context.Background()
	api := stripetest.NewServer("")
	defer api.Close()
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_integration", APIURL: api.URL(), WebhookSecrets: []string{"whsec_integration"}})
	if err != nil {
		t.Fatal(err)
	}
	shop := memory.New(nil)
	client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{{
		ID: "demo-shop", Name: "Demo Shop",
		Catalog: shop, Quotes: shop, Orders: shop, Inventory: shop,
		Payments: pay, Webhooks: pay,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	const buyer = "buyer-1"
	_, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: buyer,
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-9", Quantity: 1}},
		ShipTo:  &provider.Address{Name: "Ada", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SelectShipping(ctx, buyer, cos[0].ID, "standard"); err != nil {
		t.Fatal(err)
	}
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: cos[0].ID, PaymentToken: "pm_card_visa"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pay.Payment(ctx, order.PaymentID)
	if err != nil || p.Status != provider.PaymentCaptured || !p.Captured.Equal(order.Captured) {
		t.Fatalf("Stripe has %+v, %v; want captured %s", p, err, order.Captured)
	}

	// A refund made on Stripe's dashboard, delivered three times.
	body := []byte(fmt.Sprintf(`{"id":"evt_dashboard_refund","object":"event","created":%d,"type":"refund.created",
		"data":{"object":{"id":"re_dashboard","object":"refund","amount":500,"currency":"usd","payment_intent":%q,"status":"succeeded"}}}`,
		time.Now().Unix(), order.PaymentID))
	for range 3 {
		h := http.Header{}
		h.Set("Stripe-Signature", stripe.Sign("whsec_integration", time.Now(), body))
		if err := client.HandleWebhook(ctx, "demo-shop", h, body); err != nil {
			t.Fatal(err)
		}
	}
	got, err := client.Order(ctx, buyer, order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Refunds) != 1 || !got.Refunds[0].Amount.Equal(money.MustParse("5.00", "USD")) {
		t.Fatalf("refunds = %+v, want the dashboard's 5.00 USD once", got.Refunds)
	}
	if problems := api.Problems(); len(problems) > 0 {
		t.Fatalf("the recorded server could not serve: %v", problems)
	}
}

// givingThroughStripe is a library whose merchant "giving" takes gifts,
// and withdraws them, through Stripe (the recorded server, closed with
// the test), with a campaign of 25.00 USD gifts.
func givingThroughStripe(t *testing.T) (*buybutton.Client, *stripe.Provider, *stripetest.Server, *buybutton.Campaign) {
	t.Helper()
	api := stripetest.NewServer("")
	t.Cleanup(api.Close)
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_integration", APIURL: api.URL(), WebhookSecrets: []string{"whsec_integration"},
		Nonprofits: []stripe.Nonprofit{{Nonprofit: memory.DemoNonprofits("USD")[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{{ID: "giving", Name: "Giving", Donations: pay, Withdrawals: pay, Webhooks: pay}}})
	if err != nil {
		t.Fatal(err)
	}
	campaign, err := client.CreateCampaign(context.Background(), buybutton.CampaignParams{
		MerchantID: "giving", NonprofitID: memory.DemoNonprofits("USD")[0].ID, Title: "Wells", Currency: "USD",
		Presets: []money.Amount{money.MustParse("25.00", "USD")}, Maximum: money.MustParse("1000.00", "USD"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return client, pay, api, campaign
}

// TestDonateThroughStripe gives to a campaign with Stripe taking the gift.
func TestDonateThroughStripe(t *testing.T) {
	ctx := context.Background()
	client, pay, _, campaign := givingThroughStripe(t)
	co, err := client.StartDonation(ctx, buybutton.StartDonationParams{BuyerID: "donor", CampaignID: campaign.ID, Amount: money.MustParse("25.00", "USD"), CoverFee: true})
	if err != nil {
		t.Fatal(err)
	}
	// Stripe's US pricing, 2.9% + 0.30: 26.06 leaves 25.00 after the fee.
	if !co.Totals.Total.Equal(money.MustParse("26.06", "USD")) {
		t.Fatalf("total %s, want 26.06 USD", co.Totals.Total)
	}
	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "donor", CheckoutID: co.ID, PaymentToken: "pm_card_visa"})
	if err != nil {
		t.Fatal(err)
	}
	if campaign, err = client.Campaign(ctx, campaign.ID); err != nil || !campaign.Raised.Equal(money.MustParse("25.00", "USD")) {
		t.Fatalf("campaign raised %v, %v; want 25.00 USD", campaign.Raised, err)
	}
	if got, err := pay.Donation(ctx, d.ProviderDonationID); err != nil || got.Status != provider.DonationSucceeded || !got.Amount.Equal(money.MustParse("26.06", "USD")) {
		t.Fatalf("Stripe has %+v, %v; want 26.06 USD succeeded", got, err)
	}

	// The nonprofit refunds 6.06 on Stripe's dashboard; Stripe's Refund
	// names only the PaymentIntent, and the delivery comes twice.
	body := []byte(fmt.Sprintf(`{"id":"evt_gift_refund","object":"event","created":%d,"type":"refund.created",
		"data":{"object":{"id":"re_gift","object":"refund","amount":606,"currency":"usd","payment_intent":%q,"status":"succeeded"}}}`,
		time.Now().Unix(), d.ProviderDonationID))
	for range 2 {
		h := http.Header{}
		h.Set("Stripe-Signature", stripe.Sign("whsec_integration", time.Now(), body))
		if err := client.HandleWebhook(ctx, "giving", h, body); err != nil {
			t.Fatal(err)
		}
	}
	got, err := client.Donation(ctx, "donor", d.ID)
	if err != nil || len(got.Refunds) != 1 || !got.Refunds[0].Amount.Equal(money.MustParse("6.06", "USD")) {
		t.Fatalf("donation refunds = %+v, %v; want the dashboard's 6.06 USD once", got, err)
	}
	if campaign, err = client.Campaign(ctx, campaign.ID); err != nil || !campaign.Raised.Equal(money.MustParse("18.94", "USD")) {
		t.Fatalf("campaign raised %v, %v; want 25.00 - 6.06 = 18.94 USD after the refund (docs/donate.md)", campaign.Raised, err)
	}
}

// TestAGiftGivenUpAtTheBankStepIsWithdrawnAtStripe: a donor who cancels
// while their gift waits for 3-D Secure leaves nothing to take: the
// library cancels the gift's PaymentIntent (as abandoned), so the bank
// step, taken later, charges nothing.
func TestAGiftGivenUpAtTheBankStepIsWithdrawnAtStripe(t *testing.T) {
	ctx := context.Background()
	client, pay, api, campaign := givingThroughStripe(t)
	co, err := client.StartDonation(ctx, buybutton.StartDonationParams{BuyerID: "donor", CampaignID: campaign.ID, Amount: money.MustParse("25.00", "USD")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "donor", CheckoutID: co.ID, PaymentToken: "pm_card_authenticationRequired"})
	var action *buybutton.ActionRequiredError
	if !errors.As(err, &action) {
		t.Fatalf("ConfirmDonation = %v, want the bank step", err)
	}
	intents := api.PaymentIntents()
	if len(intents) != 1 {
		t.Fatalf("PaymentIntents = %v, want the gift's", intents)
	}
	if _, err := client.CancelCheckout(ctx, "donor", co.ID); err != nil {
		t.Fatal(err)
	}
	if api.CompleteAction(intents[0], true) {
		t.Fatal("the donor could still take the bank step of a gift given up")
	}
	if d, err := pay.Donation(ctx, intents[0]); err != nil || d.Status != provider.DonationCanceled {
		t.Fatalf("Stripe has %+v, %v; want the gift canceled", d, err)
	}
	if problems := api.Problems(); len(problems) > 0 {
		t.Fatalf("the recorded server could not serve: %v", problems)
	}
}

// losesFirstRefundAnswer sends every request; the answer to the first
// refund request is lost on the way back, after Stripe made the refund.
type losesFirstRefundAnswer struct{ lost atomic.Bool }

func (l *losesFirstRefundAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && r.URL.Path == "/v1/refunds" && l.lost.CompareAndSwap(false, true) {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestRefundRetriedAfterStripeForgotItsKeyRefundsOnce: a refund whose
// answer was lost is unknown; retried after Stripe has pruned the key (24
// hours on), it must find the refund made, not make a second one.
func TestRefundRetriedAfterStripeForgotItsKeyRefundsOnce(t *testing.T) {
	ctx := context.Background()
	api := stripetest.NewServer("")
	defer api.Close()
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_integration", APIURL: api.URL(),
		HTTPClient: &http.Client{Transport: &losesFirstRefundAnswer{}}, MaxNetworkRetries: new(int64)})
	if err != nil {
		t.Fatal(err)
	}
	held, err := pay.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: "co_1:authorize", Amount: money.MustParse("10.00", "USD"), Token: "pm_card_visa"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "co_1:capture", PaymentID: held.ID, Amount: held.Amount}); err != nil {
		t.Fatal(err)
	}
	req := provider.RefundRequest{IdempotencyKey: "o_1:refund-1", PaymentID: held.ID, Amount: money.MustParse("3.00", "USD")}
	if _, err := pay.Refund(ctx, req); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Fatalf("refund with its answer lost: err = %v, want ErrUnknownOutcome", err)
	}
	api.ForgetIdempotencyKeys()
	first, err := pay.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := pay.Refund(ctx, req)
	if err != nil || again.ID != first.ID {
		t.Fatalf("a third try = %+v, %v; want %s again", again, err, first.ID)
	}
	p, err := pay.Payment(ctx, held.ID)
	if err != nil || !p.Refunded.Equal(req.Amount) {
		t.Fatalf("Stripe has refunded %v (%v); want %s once", p.Refunded, err, req.Amount)
	}
	if problems := api.Problems(); len(problems) > 0 {
		t.Fatalf("the recorded server could not serve: %v", problems)
	}
}

// TestAuthorizeRetriedAfterStripeForgotItsKeyHoldsOnce: an authorization
// whose answer was lost is unknown; retried a day later, after Stripe has
// pruned the key, it must find the PaymentIntent made, not make a second
// hold.
func TestAuthorizeRetriedAfterStripeForgotItsKeyHoldsOnce(t *testing.T) {
	ctx := context.Background()
	api := stripetest.NewServer("")
	defer api.Close()
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_integration", APIURL: api.URL(), MaxNetworkRetries: new(int64)})
	if err != nil {
		t.Fatal(err)
	}
	req := provider.AuthorizeRequest{IdempotencyKey: "co_1:authorize", KeyCreatedAt: time.Now(), Amount: money.MustParse("10.00", "USD"), Token: "pm_fake_lost_response"}
	if _, err := pay.Authorize(ctx, req); !errors.Is(err, provider.ErrUnknownOutcome) {
		t.Fatalf("authorization with its answer lost: err = %v, want ErrUnknownOutcome", err)
	}
	api.ForgetIdempotencyKeys()
	req.KeyCreatedAt = req.KeyCreatedAt.Add(-24 * time.Hour) // the retry, a day on
	held, err := pay.Authorize(ctx, req)
	creates := 0
	for _, r := range api.Requests() {
		if strings.HasPrefix(r, "POST /v1/payment_intents ") {
			creates++
		}
	}
	if creates != 1 {
		t.Fatalf("%d PaymentIntents created, want 1: %v", creates, api.Requests())
	}
	if err != nil || held.Status != provider.PaymentAuthorized {
		t.Fatalf("retry a day on = %+v, %v; want the hold made by the first try", held, err)
	}
	if problems := api.Problems(); len(problems) > 0 {
		t.Fatalf("the recorded server could not serve: %v", problems)
	}
}
