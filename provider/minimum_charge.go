package provider

import "github.com/buybutton/buybutton/money"

// MinimumCharges is an optional interface of a [Payments] provider whose
// platform refuses to charge less than a minimum in some currency:
// Stripe's is 0.50 USD, and a like amount in each other currency
// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
// Its Authorize of less than the minimum is [ErrInvalidRequest], having
// held nothing.
//
// The library asks for it when a buyer confirms: a checkout whose total
// is below the minimum (a cheap item, or one discounted to nothing) is
// refused with buybutton.ErrAmountOutOfRange before stock is reserved or
// a payment asked for, rather than refused by the platform as a bad
// request, which a buyer would take for a problem with their card.
// (Donations have their minimum in [ChargeTerms].)
//
// Being optional, it is lost by a wrapper that does not pass it on: a
// wrapper around a provider implements it with [MinimumCharge] of what it
// wraps, as provider/faulty does.
type MinimumCharges interface {
	// MinimumCharge returns the smallest amount the platform charges in
	// c, in whole charge units of c, and false where it knows none.
	MinimumCharge(c money.Currency) (money.Amount, bool)
}

// MinimumCharge returns the smallest amount p charges in c: what p says
// if it implements [MinimumCharges], else false.
func MinimumCharge(p any, c money.Currency) (money.Amount, bool) {
	if m, ok := p.(MinimumCharges); ok {
		return m.MinimumCharge(c)
	}
	return money.Amount{}, false
}
