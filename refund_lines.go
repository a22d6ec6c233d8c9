package buybutton

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// RefundLine is units of one of an order's lines to refund, as for a
// return: the line is named by its variant, which an order has on one
// line at most.
type RefundLine struct {
	VariantID string
	Quantity  int
}

// checkRefundLines checks a refund of lines as asked, before the order is
// read: at least one line, each variant once, each of 1 to
// MaxLineQuantity units, and no amount beside them.
func checkRefundLines(lines []RefundLine, amount money.Amount) error {
	if !amount.IsZero() {
		return invalid("amount", "a refund of lines is priced from the order: give lines or an amount, not both")
	}
	if len(lines) == 0 {
		return invalid("lines", "a refund of lines needs at least one line")
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		if err := checkID(field+".variant_id", l.VariantID, provider.MaxIDLength); err != nil {
			return err
		}
		if seen[l.VariantID] {
			return invalid(field+".variant_id", "%q is named twice", l.VariantID)
		}
		seen[l.VariantID] = true
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			return invalid(field+".quantity", "%d is not 1 to %d units", l.Quantity, MaxLineQuantity)
		}
	}
	return nil
}

// linesFingerprint is what a refund of lines asked for, for its
// idempotency key: the same key with other lines is a conflict.
func linesFingerprint(lines []RefundLine) string {
	var b strings.Builder
	b.WriteString("lines")
	for _, l := range lines {
		b.WriteString(";" + strconv.Quote(l.VariantID) + "×" + strconv.Itoa(l.Quantity))
	}
	return b.String()
}

// refundLinesAmount is what refunding lines of o returns, in whole steps
// of unit: for each line, share(r+n) - share(r), where n units are asked,
// r were refunded by refunds that did not fail, and share(k) is the
// line's total (LineAmounts.total) × k / its quantity, rounded down to
// unit. share(quantity) is the whole total, so a line's units return
// exactly its total however they are refunded.
func refundLinesAmount(o *Order, lines []RefundLine, unit money.Amount) (money.Amount, error) {
	unitMinor, err := unit.Minor()
	if err != nil {
		return money.Amount{}, err
	}
	var sum int64 // in minor units
	for i, l := range lines {
		line, ok := lineOf(o, l.VariantID)
		if !ok {
			return money.Amount{}, invalid(fmt.Sprintf("lines[%d].variant_id", i), "order %s has no line of %q", o.ID, l.VariantID)
		}
		done := unitsRefunded(o, l.VariantID)
		if done+l.Quantity > line.Quantity {
			return money.Amount{}, fmt.Errorf("buybutton: order %s: %d units of %q asked, %d of %d left to refund: %w", o.ID, l.Quantity, l.VariantID, line.Quantity-done, line.Quantity, provider.ErrRefundExceedsCapture)
		}
		steps, err := lineSteps(line, unit, unitMinor)
		if err != nil {
			return money.Amount{}, err
		}
		// steps × k fits an int64: k is at most MaxLineQuantity.
		share := func(k int) int64 { return steps * int64(k) / int64(line.Quantity) * unitMinor }
		sum += share(done+l.Quantity) - share(done)
	}
	if sum <= 0 {
		return money.Amount{}, invalid("lines", "the units asked come to nothing to refund")
	}
	return money.FromMinor(sum, o.Currency)
}

// lineSteps is line's total as a whole number of unit, unitMinor minor
// units each.
func lineSteps(line CheckoutLine, unit money.Amount, unitMinor int64) (int64, error) {
	total, err := line.total()
	if err != nil {
		return 0, err
	}
	minor, err := total.Minor()
	if err != nil {
		return 0, err
	}
	if unitMinor <= 0 || minor%unitMinor != 0 {
		return 0, invalid("lines", "%s is not a whole number of %s", total, unit)
	}
	return minor / unitMinor, nil
}

// lineOf is o's line of the variant.
func lineOf(o *Order, variantID string) (CheckoutLine, bool) {
	for _, l := range o.Lines {
		if l.VariantID == variantID {
			return l, true
		}
	}
	return CheckoutLine{}, false
}

// unitsRefunded is how many units of the variant's line o's refunds that
// did not fail return.
func unitsRefunded(o *Order, variantID string) int {
	n := 0
	for _, f := range o.Refunds {
		if f.Status == RefundFailed {
			continue
		}
		for _, l := range f.Lines {
			if l.VariantID == variantID {
				n += l.Quantity
			}
		}
	}
	return n
}
