// Command quickstart puts a product card on a post, on the in-memory
// merchant, prints the card JSON a client would receive, then buys from the
// card and prints the order.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// The in-memory merchant: a demo catalog and test payment tokens.
	shop := memory.New(nil)
	client, err := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
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
	// form (here the memory provider's test token).
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: viewer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Order %s is %s; payment %s, %s captured.\n", order.ID, order.Status, order.PaymentState(), order.Captured)
	for _, l := range order.Lines {
		fmt.Fprintf(out, "  %d × %s at %s\n", l.Quantity, l.VariantID, l.UnitPrice)
	}

	// The host learns of it from the outbox, and acknowledges.
	events, err := client.PendingEvents(ctx, 10)
	if err != nil {
		return err
	}
	for _, e := range events {
		fmt.Fprintf(out, "Event %s for order %s\n", e.Type, e.OrderID)
		if err := client.AckEvents(ctx, e.ID); err != nil {
			return err
		}
	}
	return nil
}
