package provider

import (
	"context"
	"slices"

	"github.com/buybutton/buybutton/money"
)

// Catalog reads products. The library reads prices only from here (and from
// [Quoter]), never from a client.
type Catalog interface {
	// Products returns the products with the given ids, in any order. An id
	// the catalog does not know is left out of the result; it is not an
	// error. The library asks for at most 100 ids at a time and never for
	// an empty list.
	Products(ctx context.Context, ids []string) ([]Product, error)
}

// Product is a merchant's product as its catalog describes it.
type Product struct {
	ID          string
	Title       string
	Description string   // plain text; the library treats any markup as text
	Images      []Image  // the first is the primary image
	Options     []Option // the dimensions variants differ in, e.g. Size, Colour
	Variants    []Variant
}

// Image is a product image. URL must be https.
type Image struct {
	URL string
	Alt string
}

// Option is one dimension of a product's variants, with its values in the
// order a buyer should see them: {Name: "Size", Values: ["8", "9", "10"]}.
type Option struct {
	Name   string
	Values []string
}

// Clone returns a deep copy of p: its images, options and variants are
// the copy's own, so that changing either changes nothing in the other. A
// catalog that keeps its products in memory returns clones, so that what a
// caller does with a result cannot change the catalog.
func (p Product) Clone() Product {
	p.Images = slices.Clone(p.Images)
	p.Options = slices.Clone(p.Options)
	for i := range p.Options {
		p.Options[i].Values = slices.Clone(p.Options[i].Values)
	}
	p.Variants = slices.Clone(p.Variants)
	for i := range p.Variants {
		v := &p.Variants[i]
		v.Options = slices.Clone(v.Options)
		if v.CompareAtPrice != nil {
			was := *v.CompareAtPrice
			v.CompareAtPrice = &was
		}
	}
	return p
}

// Variant is one buyable form of a product. A product without options has
// exactly one variant.
type Variant struct {
	ID    string
	SKU   string
	Title string // e.g. "9 / Black"; may be empty for a product's only variant
	// Options holds this variant's value for each of the product's Options,
	// in the same order.
	Options []string
	// Price is the unit price. All of a product's variants share its currency.
	Price money.Amount
	// CompareAtPrice is the price before a sale, shown struck through; nil
	// when there is none.
	CompareAtPrice *money.Amount
	Availability   Availability
	// RequiresShipping is false for goods that do not ship (gift cards,
	// e-books): a checkout with no shipping lines skips the shipping step.
	RequiresShipping bool
}

// Availability says whether a variant can be bought now.
type Availability string

const (
	InStock     Availability = "in_stock"    // can be reserved and ordered
	SoldOut     Availability = "sold_out"    // no units left; may come back
	Unavailable Availability = "unavailable" // not sold at present
)

// Valid reports whether a is one of the defined availabilities.
func (a Availability) Valid() bool {
	return a == InStock || a == SoldOut || a == Unavailable
}
