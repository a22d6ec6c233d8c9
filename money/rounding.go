package money

import "fmt"

// RoundingMode says how [Amount.Round] treats digits below the currency's
// minor unit. Callers always name one: the library has no hidden default.
type RoundingMode uint8

const (
	// HalfEven rounds to the nearest minor unit, ties to the even one
	// (banker's rounding): 0.125 -> 0.12, 0.135 -> 0.14.
	HalfEven RoundingMode = iota + 1
	// HalfUp rounds to the nearest minor unit, ties away from zero:
	// 0.125 -> 0.13, -0.125 -> -0.13.
	HalfUp
	// Down truncates toward zero: 0.129 -> 0.12, -0.129 -> -0.12.
	Down
	// Up rounds away from zero: 0.121 -> 0.13, -0.121 -> -0.13. Use it where
	// a party must never receive less than a stated amount (fee gross-up).
	Up
)

// Valid reports whether m is one of the modes above.
func (m RoundingMode) Valid() bool { return m >= HalfEven && m <= Up }

// String returns the mode's name as configuration files spell it.
func (m RoundingMode) String() string {
	switch m {
	case HalfEven:
		return "half_even"
	case HalfUp:
		return "half_up"
	case Down:
		return "down"
	case Up:
		return "up"
	}
	return fmt.Sprintf("RoundingMode(%d)", uint8(m))
}
