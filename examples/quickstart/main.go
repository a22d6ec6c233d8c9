// Command quickstart puts a product card on a post, on the in-memory
// merchant, and prints the card JSON a client would receive.
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
	return nil
}
