package buybutton_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// FuzzAttachCard feeds arbitrary catalog data and post ids to AttachCard.
// It must never panic; a refusal must be a ValidationError (or not found)
// that attaches nothing; an accepted card must hydrate to valid JSON that
// carries no raw '<' and decodes back to the catalog's exact text.
func FuzzAttachCard(f *testing.F) {
	f.Add("post-1", "Trail Runner", "A shoe.", "https://cdn.example/x.jpg", "89.00", "USD")
	f.Add("p", "<script>alert(1)</script>", "</textarea>\n", "javascript:alert(1)", "-1", "USD")
	f.Add("\x00", "\xff", "", "http://x", "1.005", "JPY")
	f.Fuzz(func(t *testing.T, postID, title, description, imageURL, price, currency string) {
		amount, err := money.Parse(price, currency)
		if err != nil {
			amount = money.Zero(money.Currency(currency))
		}
		fx := newFixture(t, []memory.Product{{Product: provider.Product{
			ID: "p", Title: title, Description: description,
			Images:   []provider.Image{{URL: imageURL, Alt: title}},
			Variants: []provider.Variant{{ID: "v", Price: amount}},
		}}})
		_, err = fx.client.AttachCard(context.Background(), buybutton.AttachCardParams{PostID: postID, MerchantID: shopID, ProductID: "p"})
		if err != nil {
			if !errors.Is(err, buybutton.ErrInvalidInput) && !errors.Is(err, buybutton.ErrNotFound) {
				t.Fatalf("untyped error: %v", err)
			}
			if out := fx.client.Hydrate(nil, []string{postID}); string(out) != "[null]" {
				t.Fatalf("a refused attach left a card: %s", out)
			}
			return
		}
		out := fx.client.Hydrate(nil, []string{postID})
		if bytes.ContainsRune(out, '<') {
			t.Fatalf("raw '<' in card JSON: %s", out)
		}
		var cards []struct {
			Product struct{ Title, Description string }
		}
		if err := json.Unmarshal(out, &cards); err != nil || len(cards) != 1 {
			t.Fatalf("card JSON does not decode: %v\n%s", err, out)
		}
		if cards[0].Product.Title != title || cards[0].Product.Description != description {
			t.Fatalf("text changed in transit: %q / %q", cards[0].Product.Title, cards[0].Product.Description)
		}
	})
}
