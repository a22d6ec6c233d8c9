package provider

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
)

// Quoter prices a prospective order: current unit prices, shipping options
// and tax rates for an address.
//
// Tax comes back as rates, not amounts, so that the library applies one
// rounding policy (per line, half-even or half-up, as the host configures)
// and cart, checkout and order totals never disagree by a cent.
type Quoter interface {
	// Quote prices the lines for shipping to ShipTo. Every returned amount
	// is in the products' currency. A variant the catalog does not know is
	// [ErrNotFound]; one that cannot be shipped to the address is
	// [ErrInvalidRequest].
	Quote(ctx context.Context, req QuoteRequest) (Quote, error)
}

// QuoteRequest asks for prices. ShipTo is nil when no line requires
// shipping; then the quote has no shipping options.
type QuoteRequest struct {
	Lines  []StockLine
	ShipTo *Address
	// DiscountCodes are codes the buyer entered, as typed. The provider
	// takes what those its platform accepts for these lines take off into
	// the lines' Discount, and reports each code in the quote's
	// DiscountCodes. Whether two codes are the same (Shopify's are
	// case-insensitive) is the platform's to say.
	DiscountCodes []string
}

// Address is a postal address. Country is an ISO 3166-1 alpha-2 code.
type Address struct {
	Name       string
	Line1      string
	Line2      string
	City       string
	Region     string // state, province or county code, e.g. "CA"
	PostalCode string
	Country    string
	Phone      string
}

// Quote is the provider's price for the lines in a [QuoteRequest].
type Quote struct {
	Lines           []QuotedLine // one per requested line, in request order
	ShippingOptions []ShippingOption
	// DiscountCodes reports each of the request's codes, in request
	// order: whether it applies to these lines, as Shopify's cart reports
	// each code's applicable. A platform with no codes reports each as not
	// applicable.
	DiscountCodes []DiscountCode
	// TaxIncluded says that the lines' unit prices and discounts and the
	// shipping options' amounts include their tax at their rates, as
	// prices are shown to consumers in most markets outside the United
	// States (Stripe Tax's tax_behavior inclusive: "the amount your buyer
	// pays never changes"). The buyer pays the prices; the tax is the part
	// of them the rates say. False: the tax is added to the prices.
	TaxIncluded bool
}

// DiscountCode is one code a buyer entered, and whether it applies.
type DiscountCode struct {
	Code       string
	Applicable bool
}

// QuotedLine is the current price and tax rate of one line.
type QuotedLine struct {
	VariantID        string
	Quantity         int
	UnitPrice        money.Amount
	TaxRate          decimal.Decimal // 0.0825 for 8.25%; zero when untaxed
	RequiresShipping bool
	// Discount is the amount off the whole line (not per unit) from the
	// merchant's automatic promotions and the request's applicable
	// discount codes, in minor units and at most the line's price; the
	// zero Amount when there is none. Tax applies to the discounted price.
	Discount money.Amount
}

// ShippingOption is one way to ship the order.
type ShippingOption struct {
	ID      string
	Label   string // shown to the buyer, e.g. "Standard (3-5 days)"
	Amount  money.Amount
	TaxRate decimal.Decimal
}
