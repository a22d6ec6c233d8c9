package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// salesTax holds the demo's sales tax rates for United States addresses, by
// state. Other addresses are untaxed. Shipping is untaxed.
var salesTax = map[string]decimal.Decimal{
	"CA": decimal.RequireFromString("0.0725"),
	"NY": decimal.RequireFromString("0.04"),
	"TX": decimal.RequireFromString("0.0625"),
	"WA": decimal.RequireFromString("0.065"),
}

// applyCodesLocked takes each applicable code of codes off q's lines, and
// reports every code in q.DiscountCodes. A code asked twice applies once.
func (p *Provider) applyCodesLocked(q *provider.Quote, codes []string) error {
	applied := map[string]bool{}
	for _, code := range codes {
		key := strings.ToUpper(code)
		d, ok := p.codes[key]
		applicable := ok && !applied[key] && slices.ContainsFunc(q.Lines, func(l provider.QuotedLine) bool { return d.covers(l.VariantID) })
		q.DiscountCodes = append(q.DiscountCodes, provider.DiscountCode{Code: code, Applicable: applicable})
		if !applicable {
			continue
		}
		applied[key] = true
		for i := range q.Lines {
			l := &q.Lines[i]
			if !d.covers(l.VariantID) {
				continue
			}
			price := l.UnitPrice.MulInt(int64(l.Quantity))
			before := money.Zero(price.Currency())
			if l.Discount.Currency() != "" {
				before = l.Discount
			}
			left, err := price.Sub(before)
			if err != nil {
				return err
			}
			off, err := left.Mul(d.off).RoundToUnit(p.ChargeUnit(price.Currency()), money.HalfEven)
			if err != nil {
				return err
			}
			if l.Discount, err = before.Add(off); err != nil {
				return err
			}
		}
	}
	return nil
}

// VATRates are the demo's standard value-added tax rates, by country, for
// a provider whose prices include tax (Options.TaxIncluded). Other
// countries are untaxed.
var VATRates = map[string]decimal.Decimal{
	"DE": decimal.RequireFromString("0.19"),
	"FR": decimal.RequireFromString("0.20"),
	"GB": decimal.RequireFromString("0.20"),
	"IE": decimal.RequireFromString("0.23"),
	"NL": decimal.RequireFromString("0.21"),
}

// Quote implements provider.Quoter: the current unit prices, a standard and
// an express shipping option when anything ships, and the tax rate for
// the address: its state's sales tax in the United States, or, when the
// prices include tax, its country's VAT.
func (p *Provider) Quote(ctx context.Context, req provider.QuoteRequest) (provider.Quote, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate := decimal.Zero
	switch {
	case req.ShipTo != nil && p.vat:
		rate = VATRates[req.ShipTo.Country]
	case req.ShipTo != nil && req.ShipTo.Country == "US":
		rate = salesTax[req.ShipTo.Region]
	}
	q := provider.Quote{TaxIncluded: p.vat}
	ships := false
	for _, l := range req.Lines {
		ref, ok := p.variants[l.VariantID]
		if !ok {
			return provider.Quote{}, fmt.Errorf("memory: variant %q: %w", l.VariantID, provider.ErrNotFound)
		}
		v := ref.product.Variants[ref.index]
		ships = ships || v.RequiresShipping
		ql := provider.QuotedLine{
			VariantID: l.VariantID, Quantity: l.Quantity, UnitPrice: v.Price,
			TaxRate: rate, RequiresShipping: v.RequiresShipping,
		}
		if off, ok := p.promotions[l.VariantID]; ok && off.IsPositive() {
			d, err := v.Price.MulInt(int64(l.Quantity)).Mul(off).RoundToUnit(p.ChargeUnit(v.Price.Currency()), money.HalfEven)
			if err != nil {
				return provider.Quote{}, err
			}
			ql.Discount = d
		}
		q.Lines = append(q.Lines, ql)
	}
	if err := p.applyCodesLocked(&q, req.DiscountCodes); err != nil {
		return provider.Quote{}, err
	}
	if ships {
		if req.ShipTo == nil {
			return provider.Quote{}, fmt.Errorf("memory: lines ship but no address given: %w", provider.ErrInvalidRequest)
		}
		q.ShippingOptions = []provider.ShippingOption{
			{ID: "standard", Label: "Standard (3-5 days)", Amount: p.minor(500)},
			{ID: "express", Label: "Express (1-2 days)", Amount: p.minor(1500)},
		}
	}
	return q, nil
}

// minor returns n minor units of the provider's currency.
func (p *Provider) minor(n int64) money.Amount {
	a, _ := money.FromMinor(n, p.currency)
	return a
}
