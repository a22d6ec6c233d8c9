package money_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton/money"
)

func TestRoundToUnit(t *testing.T) {
	for _, tc := range []struct {
		amount, unit, cur string
		m                 money.RoundingMode
		want              string
	}{
		{"0.2899275", "0.010", "KWD", money.HalfEven, "0.29"},
		{"1.1125", "0.01", "KWD", money.HalfEven, "1.11"},
		{"1.1150", "0.01", "KWD", money.HalfEven, "1.12"},
		{"1.115", "0.01", "KWD", money.HalfUp, "1.12"},
		{"1.111", "0.01", "KWD", money.Up, "1.12"},
		{"1.119", "0.01", "KWD", money.Down, "1.11"},
		{"10.50", "1", "MGA", money.HalfEven, "10"},
		{"11.50", "1", "MGA", money.HalfEven, "12"},
		{"2.899275", "0.01", "USD", money.HalfEven, "2.90"}, // the minor unit: as Round
		{"1250", "100", "JPY", money.HalfEven, "1200"},
	} {
		got, err := money.MustParse(tc.amount, tc.cur).RoundToUnit(money.MustParse(tc.unit, tc.cur), tc.m)
		require.NoError(t, err, tc)
		assert.True(t, got.Equal(money.MustParse(tc.want, tc.cur)), "%s to %s %v: got %s, want %s", tc.amount, tc.unit, tc.m, got, tc.want)
		assert.True(t, got.IsMultipleOf(money.MustParse(tc.unit, tc.cur)), "%s is not a multiple of %s", got, tc.unit)
	}
}

func TestRoundToUnitRefusesWhatIsNotAUnit(t *testing.T) {
	a := money.MustParse("1.234", "KWD")
	for _, unit := range []money.Amount{
		money.MustParse("0.005", "KWD"),  // not a power of ten
		money.MustParse("0.0001", "KWD"), // below the minor unit
		money.MustParse("0", "KWD"),
		money.MustParse("-0.010", "KWD"),
		money.MustParse("0.020", "KWD"),
	} {
		_, err := a.RoundToUnit(unit, money.HalfEven)
		assert.ErrorIs(t, err, money.ErrNotAUnit, unit.String())
		assert.False(t, a.IsMultipleOf(unit), unit.String())
	}
	_, err := a.RoundToUnit(money.MustParse("0.01", "USD"), money.HalfEven)
	assert.ErrorIs(t, err, money.ErrCurrencyMismatch)
	assert.False(t, a.IsMultipleOf(money.MustParse("0.01", "USD")))
}

func TestIsMultipleOf(t *testing.T) {
	tenFils := money.MustParse("0.010", "KWD")
	assert.True(t, money.MustParse("5.120", "KWD").IsMultipleOf(tenFils))
	assert.True(t, money.MustParse("5.12", "KWD").IsMultipleOf(tenFils))
	assert.False(t, money.MustParse("5.124", "KWD").IsMultipleOf(tenFils))
	assert.True(t, money.MustParse("5.124", "KWD").IsMultipleOf(money.MustParse("0.001", "KWD")))
	assert.False(t, money.MustParse("10.50", "MGA").IsMultipleOf(money.MustParse("1", "MGA")))
}

// TestUnitsBeyondMachineIntegers checks the decimal form of a unit, whose
// digits are too many for int64.
func TestUnitsBeyondMachineIntegers(t *testing.T) {
	huge := money.MustParse("100000000000000.000000000000", "JPY") // 10^14, 27 digits
	assert.True(t, money.MustParse("500000000000000", "JPY").IsMultipleOf(huge))
	assert.False(t, money.MustParse("5", "JPY").IsMultipleOf(huge))
	got, err := money.MustParse("150000000000000", "JPY").RoundToUnit(huge, money.HalfEven)
	require.NoError(t, err)
	assert.True(t, got.Equal(money.MustParse("200000000000000", "JPY")), got.String())
	_, err = money.MustParse("5", "JPY").RoundToUnit(money.MustParse("200000000000000.000000000000", "JPY"), money.HalfEven)
	assert.ErrorIs(t, err, money.ErrNotAUnit)
}
