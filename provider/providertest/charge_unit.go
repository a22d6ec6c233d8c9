package providertest

import (
	"errors"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// takesWholeChargeUnits checks the promise of provider.ChargeUnits for one
// call that moves an amount, a charge or a refund (charge sends it with a
// fresh key; a refund's source must hold [roomForUnits]): the
// unit the provider declares for the fixture currency is a charge unit,
// a thousand of it is taken, and a thousand and one minor unit is taken
// if the unit is the minor unit and refused as ErrInvalidRequest if it is
// coarser. A provider that declares no unit is held to the minor unit:
// the library then computes amounts, taxes and covered fees in minor
// units, and a platform that refuses some of them would refuse checkouts
// the buyer was shown a total for.
func takesWholeChargeUnits(t *testing.T, p any, fx Fixtures, charge func(label string, a money.Amount) error) {
	t.Helper()
	unit := provider.ChargeUnit(p, fx.Currency)
	if err := money.CheckUnit(unit, fx.Currency); err != nil {
		t.Fatalf("ChargeUnit(%s) = %v: %v", fx.Currency, unit, err)
	}
	whole := unit.MulInt(1000)
	if err := charge("whole", whole); err != nil {
		t.Fatalf("charging %v, a thousand charge units of %v: %v", whole, unit, err)
	}
	minor := units(t, 1, fx.Currency)
	off, err := whole.Add(minor)
	if err != nil {
		t.Fatal(err)
	}
	err = charge("off-step", off)
	switch {
	case unit.Equal(minor) && err != nil:
		t.Fatalf("charging %v: %v; the provider declares no unit coarser than the minor unit, so the library charges any number of them", off, err)
	case !unit.Equal(minor) && !errors.Is(err, provider.ErrInvalidRequest):
		t.Fatalf("charging %v, not a whole number of the declared unit %v: err = %v, want ErrInvalidRequest", off, unit, err)
	}
}

// roomForUnits returns, in minor units of the fixture currency, what a
// payment or donation must hold for takesWholeChargeUnits to refund from
// it: 3,000 of the provider's charge units.
func roomForUnits(t *testing.T, p any, fx Fixtures) int64 {
	t.Helper()
	n, err := provider.ChargeUnit(p, fx.Currency).MulInt(3000).Minor()
	if err != nil {
		t.Fatalf("ChargeUnit(%s): %v", fx.Currency, err)
	}
	return n
}
