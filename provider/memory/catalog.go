package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Products implements provider.Catalog. Each variant's availability is
// derived from its stock not yet sold or held.
func (p *Provider) Products(ctx context.Context, ids []string) ([]provider.Product, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	out := make([]provider.Product, 0, len(ids))
	for _, id := range ids {
		prod, ok := p.products[id]
		if !ok {
			continue
		}
		cp := prod.Product.Clone()
		for i := range cp.Variants {
			cp.Variants[i].Availability = p.availabilityLocked(cp.Variants[i].ID)
		}
		out = append(out, cp)
	}
	return out, nil
}

func (p *Provider) availabilityLocked(variantID string) provider.Availability {
	if p.onHand[variantID]-p.held[variantID] > 0 {
		return provider.InStock
	}
	return provider.SoldOut
}

// SetStock sets a variant's units on hand (not counting units already
// sold), as a merchant restocking or correcting a count would, and queues
// a stock.changed webhook.
func (p *Provider) SetStock(variantID string, units int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.variants[variantID]
	if !ok {
		return fmt.Errorf("memory: variant %q: %w", variantID, provider.ErrNotFound)
	}
	if units < 0 {
		return fmt.Errorf("memory: negative stock %d: %w", units, provider.ErrInvalidRequest)
	}
	p.onHand[variantID] = units
	p.emit(provider.Event{Type: provider.EventStockChanged, ProductID: ref.product.ID, VariantID: variantID})
	return nil
}

// SetPrice changes a variant's price, as a merchant would, and queues a
// product.changed webhook.
func (p *Provider) SetPrice(variantID string, price money.Amount) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.variants[variantID]
	if !ok {
		return fmt.Errorf("memory: variant %q: %w", variantID, provider.ErrNotFound)
	}
	if price.Currency() != p.currency || price.IsNegative() || !price.IsRounded() {
		return fmt.Errorf("memory: price %v: %w", price, provider.ErrInvalidRequest)
	}
	ref.product.Variants[ref.index].Price = price
	p.emit(provider.Event{Type: provider.EventProductChanged, ProductID: ref.product.ID, VariantID: variantID})
	return nil
}

// discountCode is a code a buyer may enter: the fraction it takes off the
// lines of its variants (all of them, when it names none), after the
// promotions.
type discountCode struct {
	off      decimal.Decimal
	variants map[string]bool
}

func (d discountCode) covers(variantID string) bool {
	return len(d.variants) == 0 || d.variants[variantID]
}

// SetDiscountCode makes code (compared case-insensitively, as Shopify's
// are) take percentOff percent (1 to 100; 0 ends the code) off the lines
// of variantIDs in quotes that ask for it, or off every line when none
// is named, after the promotions. A quote reports it applicable when the
// lines include one of its variants. The amount off a line is rounded
// half-even to the charge unit.
func (p *Provider) SetDiscountCode(code string, percentOff int, variantIDs ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if code == "" || percentOff < 0 || percentOff > 100 {
		return fmt.Errorf("memory: discount code %q of %d%%: %w", code, percentOff, provider.ErrInvalidRequest)
	}
	key := strings.ToUpper(code)
	if percentOff == 0 {
		delete(p.codes, key)
		return nil
	}
	d := discountCode{off: decimal.New(int64(percentOff), -2), variants: map[string]bool{}}
	for _, v := range variantIDs {
		if _, ok := p.variants[v]; !ok {
			return fmt.Errorf("memory: variant %q: %w", v, provider.ErrNotFound)
		}
		d.variants[v] = true
	}
	if p.codes == nil {
		p.codes = map[string]discountCode{}
	}
	p.codes[key] = d
	return nil
}

// SetPromotion takes percentOff percent (0 to 100; 0 ends the promotion)
// off a variant's lines in quotes, as a merchant's automatic discount does.
// The discount on a line is rounded half-even to the charge unit.
func (p *Provider) SetPromotion(variantID string, percentOff int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.variants[variantID]; !ok {
		return fmt.Errorf("memory: variant %q: %w", variantID, provider.ErrNotFound)
	}
	if percentOff < 0 || percentOff > 100 {
		return fmt.Errorf("memory: promotion of %d%%: %w", percentOff, provider.ErrInvalidRequest)
	}
	if p.promotions == nil {
		p.promotions = map[string]decimal.Decimal{}
	}
	p.promotions[variantID] = decimal.New(int64(percentOff), -2)
	return nil
}
