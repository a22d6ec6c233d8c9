package buybutton

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/provider"
)

// CallToAction is the button a card shows.
type CallToAction string

// The calls to action.
const (
	Buy    CallToAction = "buy"    // product cards
	Donate CallToAction = "donate" // Donate cards: a campaign for a nonprofit
)

// Card is a merchant's product, or a campaign for a nonprofit, attached to
// a post. It is a snapshot: the product as the catalog described it, or
// the campaign as it stood, at the card's Version.
type Card struct {
	ID         string // unique per attachment
	PostID     string
	MerchantID string
	CTA        CallToAction
	Product    provider.Product // product cards
	// Nonprofit and Campaign are set on Donate cards.
	Nonprofit *provider.Nonprofit
	Campaign  *Campaign
	// Version counts the card's renderings: 1 at attach, one more each time
	// a product or stock change altered what the card shows. Clients and
	// caches use it as an ETag.
	Version   int64
	ExpiresAt time.Time // zero: the card does not expire
	UpdatedAt time.Time
}

// AttachCardParams says which product to put on which post.
type AttachCardParams struct {
	PostID     string // the host's post id, 1 to MaxPostIDLength bytes
	MerchantID string
	ProductID  string
	// ExpiresAt, if set, is when the card leaves the post (a sale's end).
	// It must be in the future.
	ExpiresAt time.Time
}

// AttachCard reads the product from the merchant's catalog and attaches it
// to the post, replacing any card the post had. The product's data comes
// from the catalog only; a product breaking the card limits (see limits.go)
// is a [*ValidationError] and attaches nothing.
func (c *Client) AttachCard(ctx context.Context, p AttachCardParams) (Card, error) {
	if err := checkID("post_id", p.PostID, MaxPostIDLength); err != nil {
		return Card{}, err
	}
	if err := checkID("product_id", p.ProductID, provider.MaxIDLength); err != nil {
		return Card{}, err
	}
	now := c.now()
	if !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now) {
		return Card{}, invalid("expires_at", "%v is not in the future", p.ExpiresAt)
	}
	m, err := c.merchant(p.MerchantID)
	if err != nil {
		return Card{}, err
	}
	prod, err := c.fetchProduct(ctx, m, p.ProductID)
	if err != nil {
		return Card{}, err
	}
	card := Card{
		ID:         uuid.NewString(),
		PostID:     p.PostID,
		MerchantID: m.ID,
		CTA:        Buy,
		Product:    prod,
		Version:    1,
		ExpiresAt:  p.ExpiresAt,
		UpdatedAt:  now,
	}
	entry, err := render(card, m.Name)
	if err != nil {
		return Card{}, err
	}
	c.cards.put(entry)
	return card, nil
}

// DetachCard removes the post's card. A post without a card is
// [ErrNotFound].
func (c *Client) DetachCard(ctx context.Context, postID string) error {
	if !c.cards.remove(postID) {
		return fmt.Errorf("%w: no card on post %q", ErrNotFound, truncate(postID, 64))
	}
	return nil
}

// Card returns the card on a post. A post without a card, or whose card
// has expired, is [ErrNotFound].
func (c *Client) Card(postID string) (Card, error) {
	e, ok := c.cards.get(postID)
	if !ok || e.expired(c.now()) {
		return Card{}, fmt.Errorf("%w: no card on post %q", ErrNotFound, truncate(postID, 64))
	}
	return e.card.clone(), nil
}

// clone is a deep copy of c: the card a caller gets is theirs to change
// (a host translating a variant's title for display, say), without
// changing the post's card, which the next caller gets and a platform's
// change is compared against.
func (c Card) clone() Card {
	c.Product = c.Product.Clone()
	if c.Nonprofit != nil {
		np := c.Nonprofit.Clone()
		c.Nonprofit = &np
	}
	if c.Campaign != nil {
		c.Campaign = cloneCampaign(c.Campaign)
	}
	return c
}

// fetchProduct reads and validates one product.
func (c *Client) fetchProduct(ctx context.Context, m Merchant, productID string) (provider.Product, error) {
	got, err := m.products(ctx, []string{productID})
	if err != nil {
		return provider.Product{}, fmt.Errorf("buybutton: merchant %s: products: %w", m.ID, err)
	}
	for _, p := range got {
		if p.ID == productID {
			if err := validateProduct(p); err != nil {
				return provider.Product{}, err
			}
			return p, nil
		}
	}
	return provider.Product{}, fmt.Errorf("%w: merchant %s has no product %q", ErrNotFound, m.ID, truncate(productID, 64))
}
