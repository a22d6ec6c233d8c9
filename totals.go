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
//
// Where the merchant's prices include their tax ([provider.Quote]'s
// TaxIncluded, as VAT is in most of Europe), the buyer pays the prices:
// each line's tax is the part of (line subtotal - line discount) the rate
// says, (subtotal - discount) × rate ÷ (1 + rate), rounded once per line
// in the same mode (exactly: [money.Amount.MulDiv]), and the shipping's the
// same way. Those sum to IncludedTax, which is inside Subtotal - Discount
// + Shipping and not added to Total; Tax is then zero.
//
// Where the merchant's payment platform charges the currency in a coarser
// step than its minor unit ([provider.ChargeUnits]: Stripe takes KWD in
// hundredths), "minor units" above means that step: taxes are rounded to
// it, and prices and shipping that are not whole steps are refused, so
// that no total is made that the platform cannot charge.
type Totals struct {
	Subtotal money.Amount // sum of line subtotals
	Discount money.Amount // sum of line discounts
	Shipping money.Amount // the selected shipping option; zero before one is selected
	Tax      money.Amount // sum of rounded line taxes and the shipping's tax, added to the prices
	// IncludedTax is the tax inside prices that include it: the sum of
	// those lines' and the shipping's rounded taxes, part of Total and not
	// added to it. Zero when prices are before tax.
	IncludedTax money.Amount
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
	// TaxIncluded says the line's price includes Tax (Tax is part of
	// Subtotal - Discount), rather than Tax being added to it.
	TaxIncluded bool
}

// total is what the line costs the buyer: its subtotal less its discount,
// and its tax unless the price includes it.
func (l LineAmounts) total() (money.Amount, error) {
	added := l.Tax
	if l.TaxIncluded {
		added = money.Zero(l.Subtotal.Currency())
	}
	return money.Sum(l.Subtotal.Currency(), l.Subtotal, l.Discount.Neg(), added)
}

// rounding is how a checkout's computed amounts are rounded: with the
// Client's TaxRounding mode, to the step its merchant's payment platform
// charges in.
type rounding struct {
	mode money.RoundingMode
	unit money.Amount // a charge unit (money.Amount.RoundToUnit)
}

// rounding returns how amounts in cur are rounded for payments made
// through p (a Payments or Donations provider): an *ValidationError if p
// gives a charge unit that is not one.
func (c *Client) rounding(p any, cur money.Currency) (rounding, error) {
	r := rounding{mode: c.taxRounding, unit: provider.ChargeUnit(p, cur)}
	if err := money.CheckUnit(r.unit, cur); err != nil {
		return rounding{}, invalid("charge_unit", "the payment platform's unit for %s: %v", cur, err)
	}
	return r, nil
}

// round rounds a to a whole number of charge units.
func (r rounding) round(a money.Amount) money.Amount {
	out, _ := a.RoundToUnit(r.unit, r.mode) // r.unit was checked in a's currency
	return out
}

// chargeable reports whether a is a non-negative whole number of charge
// units in r's currency.
func (r rounding) chargeable(a money.Amount) bool {
	return a.IsMultipleOf(r.unit) && !a.IsNegative()
}

// priceLine fixes a quoted line's amounts; included says its price
// includes its tax.
func priceLine(q provider.QuotedLine, included bool, cur money.Currency, r rounding) (LineAmounts, error) {
	if q.UnitPrice.Currency() != cur {
		return LineAmounts{}, invalid("quote.unit_price", "in %s, not the checkout's %s", q.UnitPrice.Currency(), cur)
	}
	if !r.chargeable(q.UnitPrice) {
		return LineAmounts{}, invalid("quote.unit_price", "%s is not a non-negative amount in steps of %s, the payment platform's", q.UnitPrice, r.unit)
	}
	if err := checkTaxRate("quote.tax_rate", q.TaxRate); err != nil {
		return LineAmounts{}, err
	}
	l := LineAmounts{UnitPrice: q.UnitPrice, Subtotal: q.UnitPrice.MulInt(int64(q.Quantity)), TaxRate: q.TaxRate, Discount: money.Zero(cur)}
	if q.Discount.Currency() != "" {
		if over, err := q.Discount.Cmp(l.Subtotal); err != nil || over > 0 || !r.chargeable(q.Discount) {
			return LineAmounts{}, invalid("quote.discount", "%s is not an amount in steps of %s between zero and the line's %s", q.Discount, r.unit, l.Subtotal)
		}
		l.Discount = q.Discount
	}
	taxable, _ := l.Subtotal.Sub(l.Discount)
	l.Tax, l.TaxIncluded = r.tax(taxable, q.TaxRate, included), included
	return l, nil
}

// tax is the rounded tax at rate on amount: added to it, or, included,
// the part of it the rate says.
func (r rounding) tax(amount money.Amount, rate decimal.Decimal, included bool) money.Amount {
	if !included {
		return r.round(amount.Mul(rate))
	}
	out, _ := amount.MulDiv(rate, decimal.NewFromInt(1).Add(rate), r.unit, r.mode) // r.unit was checked in amount's currency; 1 + rate > 0
	return out
}

func checkTaxRate(field string, r decimal.Decimal) error {
	if r.Sign() < 0 || r.GreaterThanOrEqual(decimal.NewFromInt(1)) {
		return invalid(field, "tax rate %s is not in [0, 1)", r)
	}
	return nil
}

// sumTotals adds up lines and an optional shipping option, whose amount
// includes its tax when included.
func sumTotals(cur money.Currency, lines []CheckoutLine, ship *provider.ShippingOption, included bool, r rounding) (Totals, error) {
	t := Totals{Subtotal: money.Zero(cur), Discount: money.Zero(cur), Shipping: money.Zero(cur), Tax: money.Zero(cur), IncludedTax: money.Zero(cur), Fee: money.Zero(cur)}
	var err error
	add := func(sum *money.Amount, a money.Amount) {
		if err == nil {
			*sum, err = sum.Add(a)
		}
	}
	taxOf := func(included bool) *money.Amount {
		if included {
			return &t.IncludedTax
		}
		return &t.Tax
	}
	for _, l := range lines {
		add(&t.Subtotal, l.Subtotal)
		add(&t.Discount, l.Discount)
		add(taxOf(l.TaxIncluded), l.Tax)
	}
	if ship != nil {
		add(&t.Shipping, ship.Amount)
		add(taxOf(included), r.tax(ship.Amount, ship.TaxRate, included))
	}
	if err != nil {
		return Totals{}, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	t.Total, _ = t.Subtotal.Sub(t.Discount)
	t.Total, _ = t.Total.Add(t.Shipping)
	t.Total, _ = t.Total.Add(t.Tax)
	return t, nil
}
