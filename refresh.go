package buybutton

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/buybutton/buybutton/provider"
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
	entries := c.cards.entriesFor(productKey{merchantID, productID})
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

// HandleWebhook verifies a delivery from a merchant's platform and applies
// its events: a product or stock change refreshes the product's cards.
// Call it from the HTTP handler the platform posts to, with the raw body.
// A delivery that fails verification is refused with the provider's error
// (provider.ErrWebhookSignature, provider.ErrWebhookTooOld) and applies
// nothing. Applying an event twice is harmless.
func (c *Client) HandleWebhook(ctx context.Context, merchantID string, header http.Header, body []byte) error {
	m, err := c.merchant(merchantID)
	if err != nil {
		return err
	}
	if m.Webhooks == nil {
		return fmt.Errorf("%w: merchant %s has no webhooks", ErrUnknownMerchant, m.ID)
	}
	events, err := m.Webhooks.VerifyWebhook(ctx, header, body)
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: webhook: %w", m.ID, err)
	}
	var errs []error
	for _, e := range events {
		switch e.Type {
		case provider.EventProductChanged, provider.EventStockChanged:
			if err := c.RefreshProduct(ctx, m.ID, e.ProductID); err != nil {
				errs = append(errs, fmt.Errorf("event %s: %w", e.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}
