package buybutton

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// CoverFee returns what to charge a donor who covers the processing fee,
// so that the nonprofit receives at least amount after the provider keeps
// its fee under terms: the smallest such charge, and the fee it covers
// (charge − amount).
//
// With a fee of rate·x + fixed on a charge x, the exact answer is
// (amount + fixed) / (1 − rate); the provider then rounds its fee, so the
// charge is rounded up to minor units and checked against the fee the
// provider will actually take (rounded with terms.FeeRounding), one minor
// unit at a time, until the nonprofit's share is at least amount and one
// minor unit less would not be. Where the platform charges in a coarser
// step (terms.Unit: Stripe takes KWD in hundredths), the charge is a whole
// number of that step instead, and the search moves by it. docs/donate.md
// works examples in USD, JPY and KWD.
func CoverFee(amount money.Amount, terms provider.ChargeTerms) (charge, fee money.Amount, err error) {
	cur := amount.Currency()
	if err := terms.Validate(cur); err != nil {
		return money.Amount{}, money.Amount{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	if !amount.IsPositive() || !amount.IsRounded() {
		return money.Amount{}, money.Amount{}, invalid("amount", "%s is not a positive amount in minor units", amount)
	}
	net := func(x money.Amount) (money.Amount, error) {
		f, err := terms.Fee(x)
		if err != nil {
			return money.Amount{}, err
		}
		return x.Sub(f)
	}
	enough := func(x money.Amount) (bool, error) {
		n, err := net(x)
		if err != nil {
			return false, err
		}
		c, err := n.Cmp(amount)
		return c >= 0, err
	}
	gross, err := amount.Add(terms.FeeFixed)
	if err != nil {
		return money.Amount{}, money.Amount{}, err
	}
	// The division is only the first guess; the search below makes the
	// answer exact whatever its precision.
	guess := gross.Decimal().DivRound(decimal.NewFromInt(1).Sub(terms.FeeRate), int32(money.MaxFractionDigits))
	charge, err = money.New(guess, cur)
	if err != nil {
		return money.Amount{}, money.Amount{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	one := terms.Step(cur)
	charge, _ = charge.RoundToUnit(one, money.Up) // Validate checked the unit
	// The nonprofit's share, charge − fee(charge), never falls as the
	// charge grows (a step of one minor unit raises the fee by at most one,
	// and a step of u minor units by at most u/2 + 1 ≤ u, since the rate is
	// below one half), so stepping finds the least charge.
	for {
		ok, err := enough(charge)
		if err != nil {
			return money.Amount{}, money.Amount{}, err
		}
		if ok {
			break
		}
		charge, _ = charge.Add(one)
	}
	for {
		less, _ := charge.Sub(one)
		ok, err := enough(less)
		if err != nil {
			return money.Amount{}, money.Amount{}, err
		}
		if !ok {
			break
		}
		charge = less
	}
	fee, err = charge.Sub(amount)
	return charge, fee, err
}
