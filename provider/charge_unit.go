package provider

import "github.com/buybutton/buybutton/money"

// ChargeUnits is an optional interface of a [Payments] or [Donations]
// provider whose platform charges some currency in a step coarser than
// its ISO 4217 minor unit: Stripe takes KWD, BHD, JOD, OMR and TND in
// hundredths (5.124 KWD cannot be charged, 5.120 can) and MGA in whole
// units (https://docs.stripe.com/currencies).
//
// The library asks for it wherever it computes an amount to charge, so
// that it never computes one the platform refuses: each line's tax and
// the shipping's tax are rounded to the unit, a fee a donor covers is
// found in steps of it, and a quote whose prices are not whole units is
// refused as [ErrInvalidRequest] before the buyer sees a total. Without
// it, every currency is charged in its minor unit.
type ChargeUnits interface {
	// ChargeUnit returns the step amounts of c are charged in: a power of
	// ten in c of at least its minor unit (see money.Amount.RoundToUnit),
	// the minor unit itself where the platform has no rule of its own.
	ChargeUnit(c money.Currency) money.Amount
}

// ChargeUnit returns the step p charges c in: what p says if it
// implements [ChargeUnits], else one minor unit of c.
func ChargeUnit(p any, c money.Currency) money.Amount {
	if u, ok := p.(ChargeUnits); ok {
		return u.ChargeUnit(c)
	}
	one, _ := money.FromMinor(1, c)
	return one
}
