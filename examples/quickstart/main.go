// Command quickstart puts a product card on a post, prints the card JSON a
// client would receive, then buys from the card and prints the order; then
// it puts a Donate card on another post, donates (covering the fee) and
// prints the receipt.
//
// The in-memory merchant sells and takes the money:
//
//	cd examples/quickstart && go run .
//
// With STRIPE_SECRET_KEY set (a test-mode key, sk_test_…), the in-memory
// merchant still sells but Stripe takes the money: the payment and the
// donation are PaymentIntents in that account, paid with Stripe's test
// card pm_card_visa. STRIPE_API_URL points it at stripe-mock or another
// stand-in instead of api.stripe.com.
//
// The quickstart is its own module, so that the core module never
// requires stripe-go.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/stripe"
)

func main() {
	s := memorySetup()
	if key := os.Getenv("STRIPE_SECRET_KEY"); key != "" {
		var err error
		if s, err = stripeSetup(key, os.Getenv("STRIPE_API_URL")); err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
	}
	if err := run(context.Background(), os.Stdout, s); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// setup is the merchant the quickstart sells through and the payment
// token its buyer pays with.
type setup struct {
	merchant buybutton.Merchant
	token    string
}

// memorySetup: the in-memory merchant, with a demo catalog and test
// payment tokens, does everything.
func memorySetup() setup {
	return setup{merchant: buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil)), token: memory.TokenApprove}
}

// stripeSetup: the in-memory merchant sells; Stripe takes payments and
// donations, for the demo nonprofits.
func stripeSetup(key, apiURL string) (setup, error) {
	var nonprofits []stripe.Nonprofit
	for _, n := range memory.DemoNonprofits("USD") {
		nonprofits = append(nonprofits, stripe.Nonprofit{Nonprofit: n})
	}
	pay, err := stripe.New(stripe.Options{SecretKey: key, APIURL: apiURL, Nonprofits: nonprofits})
	if err != nil {
		return setup{}, err
	}
	shop := memory.New(nil)
	return setup{merchant: buybutton.Merchant{
		ID: "demo-shop", Name: "Demo Shop",
		Catalog: shop, Quotes: shop, Orders: shop, Inventory: shop,
		Payments: pay, Donations: pay, Monthly: pay, Withdrawals: pay, Webhooks: pay,
	}, token: "pm_card_visa"}, nil
}

func run(ctx context.Context, out io.Writer, s setup) error {
	client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{s.merchant}})
	if err != nil {
		return err
	}

	// A seller posts about their sneakers; the backend attaches the card.
	card, err := client.AttachCard(ctx, buybutton.AttachCardParams{
		PostID:     "post-1",
		MerchantID: "demo-shop",
		ProductID:  memory.DemoSneaker,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Attached %q (card %s, version %d) to post-1.\n\n", card.Product.Title, card.ID, card.Version)

	// A timeline read: the cards of a page of posts, as one JSON array.
	page := client.Hydrate(nil, []string{"post-1"})
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, page, "", "  "); err != nil {
		return err
	}
	fmt.Fprintf(out, "Timeline JSON for [post-1]:\n%s\n", pretty.Bytes())

	// A viewer taps Buy on size 9. The card's tap starts a checkout for
	// that one line; prices come from the merchant, not from the client.
	const viewer = "viewer-42"
	_, checkouts, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: viewer,
		Lines: []buybutton.CartLine{{
			MerchantID: "demo-shop", ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-9", Quantity: 1,
		}},
		ShipTo: &provider.Address{
			Name: "Ada Viewer", Line1: "1 Market St", City: "San Francisco",
			Region: "CA", PostalCode: "94105", Country: "US",
		},
		Contact: provider.Contact{Name: "Ada Viewer", Email: "ada@example.com"},
	})
	if err != nil {
		return err
	}
	co, err := client.SelectShipping(ctx, viewer, checkouts[0].ID, "standard")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nCheckout %s: subtotal %s, shipping %s, tax %s, total %s.\n",
		co.State, co.Totals.Subtotal, co.Totals.Shipping, co.Totals.Tax, co.Totals.Total)

	// The viewer confirms with a payment token from the platform's card
	// form (here a test token).
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: viewer, CheckoutID: co.ID, PaymentToken: s.token})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Order %s is %s; payment %s, %s captured.\n", order.ID, order.Status, order.PaymentState(), order.Captured)
	for _, l := range order.Lines {
		fmt.Fprintf(out, "  %d × %s at %s\n", l.Quantity, l.VariantID, l.UnitPrice)
	}

	if err := ackEvents(ctx, client, out); err != nil {
		return err
	}
	return donate(ctx, client, out, s.token)
}

// donate runs a campaign for the demo nonprofit, puts its Donate card on a
// post, gives 25.00 covering the fee, and prints the receipt.
func donate(ctx context.Context, client *buybutton.Client, out io.Writer, token string) error {
	campaign, err := client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID:   "demo-shop",
		NonprofitID:  memory.DemoCharity,
		Title:        "Wells for Wajir",
		Currency:     "USD",
		Presets:      []money.Amount{money.MustParse("10.00", "USD"), money.MustParse("25.00", "USD"), money.MustParse("50.00", "USD")},
		Maximum:      money.MustParse("5000.00", "USD"),
		ShowProgress: true,
	})
	if err != nil {
		return err
	}
	if _, err := client.AttachDonateCard(ctx, buybutton.DonateCardParams{PostID: "post-2", CampaignID: campaign.ID}); err != nil {
		return err
	}
	const donor = "viewer-7"
	co, err := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID:    donor,
		CampaignID: campaign.ID,
		Amount:     money.MustParse("25.00", "USD"),
		CoverFee:   true,
		Privacy:    buybutton.DonorPrivacy{ShareWithNonprofit: true},
		Donor:      provider.Contact{Name: "Grace Viewer", Email: "grace@example.com"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDonation of %s, fee %s covered: %s to pay.\n", co.Totals.Subtotal, co.Totals.Fee, co.Totals.Total)
	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: donor, CheckoutID: co.ID, PaymentToken: token})
	if err != nil {
		return err
	}
	receipt, err := client.Receipt(ctx, donor, d.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s\n", receipt.Text())
	if campaign, err = client.Campaign(ctx, campaign.ID); err != nil {
		return err
	}
	fmt.Fprintf(out, "Campaign %q has raised %s from %d donor(s).\n", campaign.Title, campaign.Raised, campaign.Donors)
	return ackEvents(ctx, client, out)
}

// ackEvents prints the host's pending events and acknowledges them.
func ackEvents(ctx context.Context, client *buybutton.Client, out io.Writer) error {
	events, err := client.PendingEvents(ctx, 10)
	if err != nil {
		return err
	}
	for _, e := range events {
		subject := e.OrderID
		if e.DonationID != "" {
			subject = e.DonationID
		}
		fmt.Fprintf(out, "Event %s for %s\n", e.Type, subject)
		if err := client.AckEvents(ctx, e.ID); err != nil {
			return err
		}
	}
	return nil
}
