package money

import (
	"fmt"
	"math/big"
)

// A charge unit is the smallest step a payment platform charges a
// currency in, when that is coarser than the currency's minor unit:
// Stripe charges KWD, BHD, JOD, OMR and TND in hundredths (0.010 KWD),
// not thousandths, and MGA in whole units (1.00 MGA). A unit is a
// positive power of ten in its currency, at least the minor unit.

// UnitError reports an amount that is not a charge unit.
type UnitError struct{ Unit Amount }

func (e *UnitError) Error() string {
	return fmt.Sprintf("money: %s is not a charge unit: want a power of ten of at least one minor unit", e.Unit)
}

// Is makes a *UnitError match ErrNotAUnit.
func (e *UnitError) Is(target error) bool { return target == ErrNotAUnit }

// unitDigits returns the decimal places of unit (0.010 KWD: 2, 1.00 MGA:
// 0, 100 JPY: -2), or a *UnitError.
func unitDigits(unit Amount) (int32, error) {
	digits, ok := unit.c.Digits()
	if !ok || !unit.IsPositive() {
		return 0, &UnitError{Unit: unit}
	}
	if unit.big == nil { // the machine-integer form: no allocation
		n, exp := unit.n, unit.e
		for n%10 == 0 {
			n, exp = n/10, exp+1
		}
		if n != 1 || -exp > digits {
			return 0, &UnitError{Unit: unit}
		}
		return -exp, nil
	}
	d := unit.Decimal()
	coef, exp := new(big.Int).Set(d.Coefficient()), d.Exponent()
	ten, r := big.NewInt(10), new(big.Int)
	for {
		q, rem := new(big.Int).QuoRem(coef, ten, r)
		if rem.Sign() != 0 {
			break
		}
		coef, exp = q, exp+1
	}
	if coef.Cmp(big.NewInt(1)) != 0 || -exp > digits {
		return 0, &UnitError{Unit: unit}
	}
	return -exp, nil
}

// CheckUnit reports whether unit is a charge unit in c: a
// *MismatchError if it is in another currency, a *UnitError if it is not
// a power of ten of at least one minor unit.
func CheckUnit(unit Amount, c Currency) error {
	if err := same(Zero(c), unit); err != nil {
		return err
	}
	_, err := unitDigits(unit)
	return err
}

// RoundToUnit rounds a to a multiple of unit, a charge unit in a's
// currency, with m; the errors are [CheckUnit]'s. It panics, as Round
// does, if m is not a defined [RoundingMode].
func (a Amount) RoundToUnit(unit Amount, m RoundingMode) (Amount, error) {
	if err := CheckUnit(unit, a.c); err != nil {
		return Amount{}, err
	}
	digits, _ := unitDigits(unit)
	return a.roundDigits(digits, m), nil
}

// IsMultipleOf reports whether a is a whole number of unit, a charge unit
// in a's currency: whether a platform that charges in unit can charge it.
func (a Amount) IsMultipleOf(unit Amount) bool {
	if a.c != unit.c {
		return false
	}
	digits, err := unitDigits(unit)
	if err != nil {
		return false
	}
	return a.isWholeAt(digits)
}
