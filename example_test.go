package buybutton_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

func ExampleClient_AttachCard() {
	shop := memory.New(nil) // the demo catalog
	client, err := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	if err != nil {
		panic(err)
	}
	card, err := client.AttachCard(context.Background(), buybutton.AttachCardParams{
		PostID:     "post-1",
		MerchantID: "demo-shop",
		ProductID:  memory.DemoSneaker,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(card.Product.Title, card.Product.Variants[0].Price, card.CTA)
	// Output: Trail Runner Sneaker 89.00 USD buy
}

func ExampleClient_Hydrate() {
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	_, _ = client.AttachCard(context.Background(), buybutton.AttachCardParams{
		PostID: "post-1", MerchantID: "demo-shop", ProductID: memory.DemoBook,
	})

	// One buffer per response; reused, it makes Hydrate allocation-free.
	var buf []byte
	buf = client.Hydrate(buf[:0], []string{"post-1", "post-2"})
	var page []*struct {
		PostID  string `json:"post_id"`
		Product struct{ Title string }
	}
	if err := json.Unmarshal(buf, &page); err != nil {
		panic(err)
	}
	fmt.Println(page[0].PostID, page[0].Product.Title)
	fmt.Println(page[1] == nil)
	// Output:
	// post-1 The Go Programming Language
	// true
}

func ExampleValidationError() {
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	_, err := client.AttachCard(context.Background(), buybutton.AttachCardParams{
		PostID: "", MerchantID: "demo-shop", ProductID: memory.DemoBook,
	})
	var ve *buybutton.ValidationError
	fmt.Println(errors.Is(err, buybutton.ErrInvalidInput), errors.As(err, &ve), ve.Field)
	// Output: true true post_id
}
