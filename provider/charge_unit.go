package provider

import "github.com/buybutton/buybutton/money"

// ChargeUnits is an optional interface of a [Payments] or [Donations]
// provider whose platform charges some currency in a step coarser than
// its ISO 4217 minor unit: Stripe takes KWD, BHD, JOD, OMR and TND in
// hundredths (5.124 KWD cannot be charged, 5.120 can) and MGA in whole
// units (https://docs.stripe.com/currencies).
//
// The library asks for it wherever it computes or takes an amount to
// move, so that it never sends one the platform refuses: each line's tax
// and the shipping's tax are rounded to the unit, a fee a donor covers is
// found in steps of it, and a quote whose prices are not whole units, a
// gift, a refund, or a campaign's presets and bounds that are not, are
// refused (buybutton.ErrInvalidInput) before anything is recorded or the
// buyer sees a total. Without it, every currency is charged in its minor
// unit.
//
// Being optional, it is lost by a wrapper that does not pass it on: a
// wrapper around a provider (for metrics, logs, faults) implements it
// with [ChargeUnit] of what it wraps, as provider/faulty does.
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
