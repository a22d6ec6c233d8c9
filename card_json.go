package buybutton

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// CardSchema names the version of the card JSON that clients receive.
// docs/card-schema.md documents it; a change that is not purely additive
// gets a new version.
const CardSchema = "buybutton.card/1"

// The views below are the card schema: field names, order and omissions are
// a contract with clients, pinned by the golden files in testdata/cards.
type cardView struct {
	Schema    string        `json:"schema"`
	ID        string        `json:"id"`
	PostID    string        `json:"post_id"`
	Version   int64         `json:"version"`
	CTA       CallToAction  `json:"cta"`
	Merchant  merchantView  `json:"merchant"`
	Product   *productView  `json:"product,omitempty"`  // cta "buy"
	Donation  *donationView `json:"donation,omitempty"` // cta "donate"
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	UpdatedAt time.Time     `json:"updated_at"`
}

type merchantView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type productView struct {
	ID             string                `json:"id"`
	Title          string                `json:"title"`
	Description    string                `json:"description"`
	Images         []imageView           `json:"images"`
	Price          money.Amount          `json:"price"`
	PriceVaries    bool                  `json:"price_varies"`
	CompareAtPrice *money.Amount         `json:"compare_at_price,omitempty"`
	Availability   provider.Availability `json:"availability"`
	Options        []optionView          `json:"options"`
	Variants       []variantView         `json:"variants"`
}

type imageView struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

type optionView struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

type variantView struct {
	ID             string                `json:"id"`
	Title          string                `json:"title"`
	Options        []string              `json:"options"`
	Price          money.Amount          `json:"price"`
	CompareAtPrice *money.Amount         `json:"compare_at_price,omitempty"`
	Availability   provider.Availability `json:"availability"`
}

// view builds the client view of a card.
func view(c Card, merchantName string) cardView {
	v := cardView{
		Schema:    CardSchema,
		ID:        c.ID,
		PostID:    c.PostID,
		Version:   c.Version,
		CTA:       c.CTA,
		Merchant:  merchantView{ID: c.MerchantID, Name: merchantName},
		UpdatedAt: c.UpdatedAt.UTC(),
	}
	if !c.ExpiresAt.IsZero() {
		t := c.ExpiresAt.UTC()
		v.ExpiresAt = &t
	}
	if c.CTA == Donate {
		v.Donation = donateView(c)
	} else {
		v.Product = viewProduct(c.Product)
	}
	return v
}

// viewProduct is a product card's product. The product has been
// validated: it has at least one variant and every price is in one
// currency.
func viewProduct(p provider.Product) *productView {
	v := &productView{
		ID:          p.ID,
		Title:       p.Title,
		Description: p.Description,
		Images:      make([]imageView, len(p.Images)),
		Options:     make([]optionView, len(p.Options)),
		Variants:    make([]variantView, len(p.Variants)),
	}
	for i, img := range p.Images {
		v.Images[i] = imageView(img)
	}
	for i, o := range p.Options {
		v.Options[i] = optionView{Name: o.Name, Values: nonNil(o.Values)}
	}
	cheapest := 0
	for i, pv := range p.Variants {
		v.Variants[i] = variantView{
			ID: pv.ID, Title: pv.Title, Options: nonNil(pv.Options), Price: pv.Price,
			CompareAtPrice: pv.CompareAtPrice, Availability: pv.Availability,
		}
		if cmp, _ := pv.Price.Cmp(p.Variants[cheapest].Price); cmp < 0 {
			cheapest = i
		}
		if !pv.Price.Equal(p.Variants[0].Price) {
			v.PriceVaries = true
		}
	}
	v.Price = p.Variants[cheapest].Price
	v.CompareAtPrice = p.Variants[cheapest].CompareAtPrice
	v.Availability = productAvailability(p.Variants)
	return v
}

// productAvailability is in stock if any variant is, else sold out if any
// variant is, else unavailable.
func productAvailability(vs []provider.Variant) provider.Availability {
	a := provider.Unavailable
	for _, v := range vs {
		switch v.Availability {
		case provider.InStock:
			return provider.InStock
		case provider.SoldOut:
			a = provider.SoldOut
		}
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// render encodes a card once, for every read until it changes, and keeps
// a copy of it that shares nothing with c.
// encoding/json escapes <, > and & in strings, so a title such as
// "<script>" stays data even if a client pastes the JSON into HTML.
func render(c Card, merchantName string) (*cardEntry, error) {
	b, err := json.Marshal(view(c, merchantName))
	if err != nil {
		return nil, fmt.Errorf("buybutton: render card for post %q: %w", c.PostID, err)
	}
	return &cardEntry{card: c.clone(), merchantName: merchantName, json: b}, nil
}

// sameProductView reports whether two cards show the same product, so
// that a change event that altered nothing visible keeps the version.
func sameProductView(a, b Card, merchantName string) bool {
	pa, errA := json.Marshal(view(a, merchantName).Product)
	pb, errB := json.Marshal(view(b, merchantName).Product)
	return errA == nil && errB == nil && bytes.Equal(pa, pb)
}
