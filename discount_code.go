package buybutton

import (
	"context"
	"strings"

	"github.com/buybutton/buybutton/provider"
)

// MaxDiscountCodeLength is the longest discount code a buyer may enter, in
// characters: far more than any code a person types, and a bound on what
// hostile input can make the merchant's quote carry.
const MaxDiscountCodeLength = 255

// ApplyDiscountCode applies a discount code the buyer entered (spaces
// around it trimmed) to the checkout, or, with an empty code, removes the
// one it has: the checkout is quoted again, the merchant deciding what the
// code takes off (provider.QuoteRequest's DiscountCodes).
//
// A code the merchant does not apply to these lines is [ErrInvalidInput]
// (field discount_code) and changes nothing. An applied code stays on the
// checkout, and every later quote asks for it again: a new address, and
// the re-quote at Confirm. One that no longer applies there (it expired,
// or was used up) leaves [Checkout].DiscountApplies false, and at Confirm
// is [ErrPriceChanged], with the total without it. An open checkout whose
// lines ship has no quote before its address: [ErrIllegalTransition]. A
// donation takes no code. Like every edit, on a checkout waiting for the
// buyer's payment action it gives that attempt up first.
func (c *Client) ApplyDiscountCode(ctx context.Context, buyerID, checkoutID, code string) (*Checkout, error) {
	code = strings.TrimSpace(code)
	if err := checkText("discount_code", code, 0, MaxDiscountCodeLength, false); err != nil {
		return nil, err
	}
	reason := "discount code applied"
	if code == "" {
		reason = "discount code removed"
	}
	return c.editCheckout(ctx, buyerID, checkoutID, reason, func(m Merchant, co *Checkout) (CheckoutState, error) {
		if co.Gift != nil {
			return "", invalid("discount_code", "a donation takes no discount code")
		}
		if co.State == CheckoutOpen && co.ships() {
			return "", &TransitionError{Machine: "checkout", ID: co.ID, From: string(co.State), To: "discounted (set the shipping address first)"}
		}
		co.DiscountCode = code
		if err := c.quote(ctx, m, co, co.ShipTo); err != nil {
			return "", err
		}
		if code != "" && !co.DiscountApplies {
			return "", invalid("discount_code", "%q does not apply to this checkout", truncate(code, 64))
		}
		if co.State == CheckoutShippingSelected && co.ShippingOptionID == "" {
			return CheckoutAddressed, nil // the selected option is no longer offered
		}
		return co.State, nil
	})
}

// discountCodes is what a quote of co asks for: its code, if it has one.
func (co *Checkout) discountCodes() []string {
	if co.DiscountCode == "" {
		return nil
	}
	return []string{co.DiscountCode}
}

// appliedCodes is what the order of co records and tells the merchant: the
// code its quote applied, if any.
func (co *Checkout) appliedCodes() []string {
	if !co.DiscountApplies {
		return nil
	}
	return co.discountCodes()
}

// codeApplies reads the quote's report of the code asked (empty: none):
// whether it applies. A quote that says nothing of it, from a platform
// with no codes, applies none; one that reports codes not asked is not the
// quote asked for.
func codeApplies(reported []provider.DiscountCode, asked string) (bool, error) {
	switch {
	case len(reported) == 0:
		return false, nil
	case asked == "" || len(reported) > 1 || reported[0].Code != asked:
		return false, invalid("quote.discount_codes", "the quote reports %d codes, not the one asked", len(reported))
	}
	return reported[0].Applicable, nil
}
