package buybutton

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Totals is what a checkout or order costs. Every amount is in minor units
// of one currency, and Total = Subtotal - Discount + Shipping + Tax + Fee
// exactly.
//
// # Rounding policy
//
// Prices from a merchant are already in minor units, so only tax needs
// rounding, and it is rounded once per line: each line's tax is
// (line subtotal - line discount) × rate, rounded to minor units with the
// Client's TaxRounding mode (half-even unless configured), and the
// shipping's tax the same way. Tax is the sum of those rounded amounts.
// Cart, checkout and order all keep the per-line amounts, so their totals
// are sums of the same numbers and never disagree by a cent.
type Totals struct {
	Subtotal money.Amount // sum of line subtotals
	Discount money.Amount // sum of line discounts
	Shipping money.Amount // the selected shipping option; zero before one is selected
	Tax      money.Amount // sum of rounded line taxes and the shipping's tax
	// Fee is a processing fee the payer chose to cover: a donor covering
	// the fee (see [CoverFee]). Zero for purchases.
	Fee   money.Amount
	Total money.Amount
}

// LineAmounts is the money of one line, fixed when it was quoted.
type LineAmounts struct {
	UnitPrice money.Amount
	Subtotal  money.Amount // UnitPrice × Quantity
	Discount  money.Amount // the merchant's promotions on this line
	TaxRate   decimal.Decimal
	Tax       money.Amount // rounded, see [Totals]
}

// priceLine fixes a quoted line's amounts.
func priceLine(q provider.QuotedLine, cur money.Currency, mode money.RoundingMode) (LineAmounts, error) {
	if q.UnitPrice.Currency() != cur {
		return LineAmounts{}, invalid("quote.unit_price", "in %s, not the checkout's %s", q.UnitPrice.Currency(), cur)
	}
	if !q.UnitPrice.IsRounded() || q.UnitPrice.IsNegative() {
		return LineAmounts{}, invalid("quote.unit_price", "%s is not a non-negative amount in minor units", q.UnitPrice)
	}
	if err := checkTaxRate("quote.tax_rate", q.TaxRate); err != nil {
		return LineAmounts{}, err
	}
	l := LineAmounts{UnitPrice: q.UnitPrice, Subtotal: q.UnitPrice.MulInt(int64(q.Quantity)), TaxRate: q.TaxRate, Discount: money.Zero(cur)}
	if q.Discount.Currency() != "" {
		if over, err := q.Discount.Cmp(l.Subtotal); err != nil || over > 0 || !q.Discount.IsRounded() || q.Discount.IsNegative() {
			return LineAmounts{}, invalid("quote.discount", "%s is not an amount in minor units between zero and the line's %s", q.Discount, l.Subtotal)
		}
		l.Discount = q.Discount
	}
	taxable, _ := l.Subtotal.Sub(l.Discount)
	l.Tax = taxable.Mul(q.TaxRate).Round(mode)
	return l, nil
}

// shippingTax is the rounded tax on a shipping option.
func shippingTax(o provider.ShippingOption, mode money.RoundingMode) money.Amount {
	return o.Amount.Mul(o.TaxRate).Round(mode)
}

func checkTaxRate(field string, r decimal.Decimal) error {
	if r.Sign() < 0 || r.GreaterThanOrEqual(decimal.NewFromInt(1)) {
		return invalid(field, "tax rate %s is not in [0, 1)", r)
	}
	return nil
}

// sumTotals adds up lines and an optional shipping option.
func sumTotals(cur money.Currency, lines []CheckoutLine, ship *provider.ShippingOption, mode money.RoundingMode) (Totals, error) {
	t := Totals{Subtotal: money.Zero(cur), Discount: money.Zero(cur), Shipping: money.Zero(cur), Tax: money.Zero(cur), Fee: money.Zero(cur)}
	var err error
	add := func(sum *money.Amount, a money.Amount) {
		if err == nil {
			*sum, err = sum.Add(a)
		}
	}
	for _, l := range lines {
		add(&t.Subtotal, l.Subtotal)
		add(&t.Discount, l.Discount)
		add(&t.Tax, l.Tax)
	}
	if ship != nil {
		add(&t.Shipping, ship.Amount)
		add(&t.Tax, shippingTax(*ship, mode))
	}
	if err != nil {
		return Totals{}, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	t.Total, _ = t.Subtotal.Sub(t.Discount)
	t.Total, _ = t.Total.Add(t.Shipping)
	t.Total, _ = t.Total.Add(t.Tax)
	return t, nil
}
