package buybutton

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Limits on a cart. They keep a checkout small enough to quote and reserve
// in one provider call each, and stop a runaway client from holding a
// merchant's stock.
const (
	MaxLineQuantity = 10  // units of one variant
	MaxCartLines    = 25  // distinct variants
	MaxCartQuantity = 100 // units in all
)

// Cart is a buyer's lines, possibly from several merchants. It holds no
// prices: prices are read from the merchants' catalogs each time the cart
// is priced, and from their quotes at checkout, never from a client.
type Cart struct {
	ID        string
	BuyerID   string
	Version   int64 // rises by one with every change
	Lines     []CartLine
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CartLine is a quantity of one variant of one merchant's product.
type CartLine struct {
	MerchantID string
	ProductID  string
	VariantID  string
	Quantity   int
}

// CartLineParams names a line of a buyer's cart. Quantity is the quantity
// to add (AddToCart) or to set (SetCartLine, where 0 removes the line).
type CartLineParams struct {
	BuyerID    string
	CartID     string
	MerchantID string
	ProductID  string
	VariantID  string
	Quantity   int
}

// NewCart makes an empty cart for a buyer.
func (c *Client) NewCart(ctx context.Context, buyerID string) (*Cart, error) {
	if err := checkID("buyer_id", buyerID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	now := c.now()
	cart := &Cart{ID: "cart_" + uuid.NewString(), BuyerID: buyerID, CreatedAt: now, UpdatedAt: now}
	if err := c.store.Commit(ctx, &Tx{Carts: []*Cart{cart}}); err != nil {
		return nil, fmt.Errorf("buybutton: new cart: %w", err)
	}
	cart.Version = 1
	return cart, nil
}

// Cart returns one of the buyer's carts. Another buyer's cart is
// [ErrForbidden].
func (c *Client) Cart(ctx context.Context, buyerID, cartID string) (*Cart, error) {
	cart, err := c.store.Cart(ctx, cartID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, cart.BuyerID, "cart", cartID); err != nil {
		return nil, err
	}
	return cart, nil
}

// AddToCart adds Quantity units of a variant to the cart, to the line that
// holds the variant if there is one. The variant must exist in the
// merchant's catalog and be in stock now; the limits above hold after the
// change or nothing changes. Adding is not idempotent: a call retried
// after a lost answer adds again. A client that retries blindly sets the
// line's quantity with [Client.SetCartLine] instead, which it may repeat.
func (c *Client) AddToCart(ctx context.Context, p CartLineParams) (*Cart, error) {
	if p.Quantity < 1 {
		return nil, invalid("quantity", "must be at least 1")
	}
	return c.editCartLine(ctx, p, func(current int) int { return current + p.Quantity })
}

// SetCartLine sets the quantity of a variant in the cart; 0 removes the
// line.
func (c *Client) SetCartLine(ctx context.Context, p CartLineParams) (*Cart, error) {
	if p.Quantity < 0 {
		return nil, invalid("quantity", "must not be negative")
	}
	return c.editCartLine(ctx, p, func(int) int { return p.Quantity })
}

// editCartLine sets the quantity of the cart's line for p's variant. Only a
// line that grows asks the merchant anything, so a buyer can always lower
// or remove a line, even one of a merchant the host no longer sells from.
func (c *Client) editCartLine(ctx context.Context, p CartLineParams, quantity func(current int) int) (*Cart, error) {
	if err := checkID("merchant_id", p.MerchantID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if err := checkID("variant_id", p.VariantID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	checkedStock := false
	return c.updateCart(ctx, p.BuyerID, p.CartID, func(cart *Cart) error {
		i := cart.line(p.MerchantID, p.VariantID)
		current := 0
		if i >= 0 {
			current = cart.Lines[i].Quantity
		}
		q := quantity(current)
		if q > MaxLineQuantity {
			return invalid("quantity", "a line holds at most %d units", MaxLineQuantity)
		}
		if q == 0 {
			if i >= 0 {
				cart.Lines = append(cart.Lines[:i], cart.Lines[i+1:]...)
			}
			return nil
		}
		if i < 0 && len(cart.Lines) >= MaxCartLines {
			return invalid("lines", "a cart holds at most %d lines", MaxCartLines)
		}
		if cart.quantity()-current+q > MaxCartQuantity {
			return invalid("quantity", "a cart holds at most %d units", MaxCartQuantity)
		}
		if q > current && !checkedStock {
			// Growing a line: the variant must be one the catalog sells
			// now. Checked once, not on every CAS retry.
			m, err := c.merchant(p.MerchantID)
			if err != nil {
				return err
			}
			if err := c.checkBuyable(ctx, m, p.ProductID, p.VariantID); err != nil {
				return err
			}
			checkedStock = true
		}
		if i >= 0 {
			cart.Lines[i].Quantity = q
		} else {
			cart.Lines = append(cart.Lines, CartLine{MerchantID: p.MerchantID, ProductID: p.ProductID, VariantID: p.VariantID, Quantity: q})
		}
		return nil
	})
}

// checkBuyable checks that the catalog has the variant and it is in stock.
// The product is not validated as a card's is: the cart keeps no product
// data, and the checkout prices from the quote.
func (c *Client) checkBuyable(ctx context.Context, m Merchant, productID, variantID string) error {
	prods, err := m.products(ctx, []string{productID})
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: products: %w", m.ID, err)
	}
	v, err := findVariant(prods, productID, variantID)
	if err != nil {
		return err
	}
	if v.Availability != provider.InStock {
		return &provider.OutOfStockError{VariantID: variantID}
	}
	return nil
}

// updateCart applies edit to the newest version of the buyer's cart and
// commits it with compare-and-set, retrying when another edit won the race,
// so that concurrent edits are applied one after another and none is lost.
func (c *Client) updateCart(ctx context.Context, buyerID, cartID string, edit func(*Cart) error) (*Cart, error) {
	for {
		cart, err := c.Cart(ctx, buyerID, cartID)
		if err != nil {
			return nil, err
		}
		if err := edit(cart); err != nil {
			return nil, err
		}
		cart.UpdatedAt = c.now()
		err = c.store.Commit(ctx, &Tx{Carts: []*Cart{cart}})
		if conflictOn(err, "cart") && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("buybutton: cart %s: %w", cartID, err)
		}
		cart.Version++
		return cart, nil
	}
}

func (cart *Cart) line(merchantID, variantID string) int {
	for i, l := range cart.Lines {
		if l.MerchantID == merchantID && l.VariantID == variantID {
			return i
		}
	}
	return -1
}

func (cart *Cart) quantity() int {
	n := 0
	for _, l := range cart.Lines {
		n += l.Quantity
	}
	return n
}

// CartSubtotal is what one merchant's lines of a cart cost at the catalog's
// current prices, before shipping and tax (which need an address, and come
// with the checkout).
type CartSubtotal struct {
	MerchantID string
	Subtotal   money.Amount
}

// PriceCart prices the cart at the catalogs' current prices, one subtotal
// per merchant in the order the merchants first appear in the cart.
func (c *Client) PriceCart(ctx context.Context, buyerID, cartID string) ([]CartSubtotal, error) {
	cart, err := c.Cart(ctx, buyerID, cartID)
	if err != nil {
		return nil, err
	}
	var out []CartSubtotal
	for _, group := range linesByMerchant(cart.Lines) {
		m, err := c.merchant(group[0].MerchantID)
		if err != nil {
			return nil, err
		}
		prices, err := c.catalogPrices(ctx, m, group)
		if err != nil {
			return nil, err
		}
		lines := make([]money.Amount, len(group))
		for i, l := range group {
			lines[i] = prices[i].MulInt(int64(l.Quantity))
		}
		sum, err := money.Sum(lines[0].Currency(), lines...)
		if err != nil {
			return nil, fmt.Errorf("buybutton: merchant %s: %w", m.ID, err)
		}
		out = append(out, CartSubtotal{MerchantID: m.ID, Subtotal: sum})
	}
	return out, nil
}

// catalogPrices returns the current unit price of each line's variant.
func (c *Client) catalogPrices(ctx context.Context, m Merchant, lines []CartLine) ([]money.Amount, error) {
	ids := make([]string, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	prods, err := m.products(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("buybutton: merchant %s: catalog: %w", m.ID, err)
	}
	prices := make([]money.Amount, len(lines))
	for i, l := range lines {
		v, err := findVariant(prods, l.ProductID, l.VariantID)
		if err != nil {
			return nil, fmt.Errorf("buybutton: merchant %s: %w", m.ID, err)
		}
		prices[i] = v.Price
	}
	return prices, nil
}

// linesByMerchant splits lines into one group per merchant, in the order
// merchants first appear.
func linesByMerchant(lines []CartLine) [][]CartLine {
	var groups [][]CartLine
	index := map[string]int{}
	for _, l := range lines {
		i, ok := index[l.MerchantID]
		if !ok {
			i = len(groups)
			index[l.MerchantID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], l)
	}
	return groups
}
