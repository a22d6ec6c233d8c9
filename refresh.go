package buybutton

import (
	"context"
)

// RefreshProduct re-reads a product from its merchant's catalog and
// re-renders every card that shows it, so that the next timeline read sees
// the new price, stock or title. A card whose product is unchanged keeps
// its version. A product the catalog no longer has, or that now breaks the
// card limits, leaves its cards as they were and returns the error.
//
// Refreshes are eventually consistent: two racing refreshes of one product
// each leave a rendering of the catalog as they read it, and the next
// change event refreshes again.
func (c *Client) RefreshProduct(ctx context.Context, merchantID, productID string) error {
	m, err := c.merchant(merchantID)
	if err != nil {
		return err
	}
	entries := c.cards.entriesFor(cardSource{merchantID: merchantID, productID: productID})
	if len(entries) == 0 {
		return nil
	}
	prod, err := c.fetchProduct(ctx, m, productID)
	if err != nil {
		return err
	}
	now := c.now()
	for _, old := range entries {
		card := old.card
		card.Product = prod
		if sameProductView(old.card, card, old.merchantName) {
			continue
		}
		card.Version++
		card.UpdatedAt = now
		e, err := render(card, old.merchantName)
		if err != nil {
			return err
		}
		c.cards.replace(old, e)
	}
	return nil
}
