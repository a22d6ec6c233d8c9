package money_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton/money"
)

func TestParse(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             string // String() of the result
		err              error
	}{
		{"12.50", "USD", "12.50 USD", nil},
		{"12.5", "USD", "12.50 USD", nil},
		{"12", "USD", "12.00 USD", nil},
		{"-0.75", "EUR", "-0.75 EUR", nil},
		{"1250", "JPY", "1250 JPY", nil},
		{"1.5", "JPY", "1.5 JPY", nil}, // exact; not chargeable until rounded
		{"0.125", "KWD", "0.125 KWD", nil},
		{"007.10", "USD", "7.10 USD", nil},
		{"999999999999999.999999999999", "USD", "999999999999999.999999999999 USD", nil},
		{"", "USD", "", money.ErrMalformed},
		{"-", "USD", "", money.ErrMalformed},
		{"+1", "USD", "", money.ErrMalformed},
		{".5", "USD", "", money.ErrMalformed},
		{"5.", "USD", "", money.ErrMalformed},
		{"1e3", "USD", "", money.ErrMalformed},
		{"1,000.00", "USD", "", money.ErrMalformed},
		{" 1", "USD", "", money.ErrMalformed},
		{"1 ", "USD", "", money.ErrMalformed},
		{"NaN", "USD", "", money.ErrMalformed},
		{"Inf", "USD", "", money.ErrMalformed},
		{"--1", "USD", "", money.ErrMalformed},
		{"1.2.3", "USD", "", money.ErrMalformed},
		{"١٢", "USD", "", money.ErrMalformed}, // Arabic-Indic digits are not ASCII digits
		{"1000000000000000", "USD", "", money.ErrOutOfRange},
		{"1.0000000000001", "USD", "", money.ErrOutOfRange},
		{strings.Repeat("9", 10000), "USD", "", money.ErrOutOfRange},
		{"1", "usd", "", money.ErrUnknownCurrency},
		{"1", "XXX", "", money.ErrUnknownCurrency},
		{"1", "XAU", "", money.ErrUnknownCurrency},
		{"1", "", "", money.ErrUnknownCurrency},
		{"1", "USDX", "", money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.amount+"_"+tt.currency, func(t *testing.T) {
			got, err := money.Parse(tt.amount, tt.currency)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Equal(t, money.Amount{}, got, "a failed parse returns the zero Amount")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestParseErrorTypes(t *testing.T) {
	_, err := money.Parse("abc", "USD")
	var pe *money.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "abc", pe.Input)

	_, err = money.Parse("1", "ABC")
	var ce *money.CurrencyError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "ABC", ce.Code)

	_, err = money.Parse(strings.Repeat("1", 1<<20), "USD")
	require.ErrorAs(t, err, &pe)
	assert.Less(t, len(err.Error()), 120, "a huge input must not be echoed whole")
}

func TestDigits(t *testing.T) {
	for code, want := range map[string]int32{
		"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "XOF": 0,
		"USD": 2, "EUR": 2, "GBP": 2, "XCG": 2, "ZWG": 2,
		"KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3,
		"CLF": 4, "UYW": 4,
	} {
		c, err := money.ParseCurrency(code)
		require.NoError(t, err, code)
		got, ok := c.Digits()
		require.True(t, ok)
		assert.Equal(t, want, got, code)
	}
	for _, code := range []string{"ANG", "HRK", "XAU", "XDR", "XTS", "XXX", "usd", "US", ""} {
		_, err := money.ParseCurrency(code)
		assert.ErrorIs(t, err, money.ErrUnknownCurrency, code)
	}
}

func TestArithmetic(t *testing.T) {
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }

	sum, err := usd("0.10").Add(usd("0.20"))
	require.NoError(t, err)
	assert.True(t, sum.Equal(usd("0.30")), "exact: 0.10 + 0.20 is 0.30, not 0.30000000000000004")

	diff, err := usd("1").Sub(usd("1.01"))
	require.NoError(t, err)
	assert.Equal(t, "-0.01 USD", diff.String())

	assert.Equal(t, "29.97 USD", usd("9.99").MulInt(3).String())
	assert.True(t, usd("1.5").Equal(usd("1.50")))
	assert.False(t, usd("1").Equal(money.MustParse("1", "EUR")))

	total, err := money.Sum("USD", usd("1.10"), usd("2.20"), usd("3.30"))
	require.NoError(t, err)
	assert.Equal(t, "6.60 USD", total.String())

	cmp, err := usd("2").Cmp(usd("10"))
	require.NoError(t, err)
	assert.Equal(t, -1, cmp)
}

func TestCurrencyMismatch(t *testing.T) {
	usd, eur := money.MustParse("1", "USD"), money.MustParse("1", "EUR")
	_, err := usd.Add(eur)
	require.ErrorIs(t, err, money.ErrCurrencyMismatch)
	var me *money.MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, money.Currency("USD"), me.A)
	assert.Equal(t, money.Currency("EUR"), me.B)

	_, err = usd.Sub(eur)
	assert.ErrorIs(t, err, money.ErrCurrencyMismatch)
	_, err = usd.Cmp(eur)
	assert.ErrorIs(t, err, money.ErrCurrencyMismatch)
	_, err = money.Sum("USD", usd, eur)
	assert.ErrorIs(t, err, money.ErrCurrencyMismatch)

	var zero money.Amount
	_, err = zero.Add(zero)
	assert.ErrorIs(t, err, money.ErrUnknownCurrency, "the zero Amount has no currency")
}

func TestRound(t *testing.T) {
	tests := []struct {
		in, currency string
		mode         money.RoundingMode
		want         string
	}{
		{"0.125", "USD", money.HalfEven, "0.12"},
		{"0.135", "USD", money.HalfEven, "0.14"},
		{"0.125", "USD", money.HalfUp, "0.13"},
		{"-0.125", "USD", money.HalfUp, "-0.13"},
		{"0.129", "USD", money.Down, "0.12"},
		{"-0.129", "USD", money.Down, "-0.12"},
		{"0.121", "USD", money.Up, "0.13"},
		{"-0.121", "USD", money.Up, "-0.13"},
		{"0.12", "USD", money.Up, "0.12"},
		{"2.5", "JPY", money.HalfEven, "2"},
		{"2.5", "JPY", money.HalfUp, "3"},
		{"2.01", "JPY", money.Up, "3"},
		{"1.0005", "KWD", money.HalfEven, "1.000"},
		{"1.0015", "KWD", money.HalfEven, "1.002"},
		{"1.0005", "KWD", money.HalfUp, "1.001"},
		{"1.00001", "KWD", money.Up, "1.001"},
	}
	for _, tt := range tests {
		t.Run(tt.in+tt.currency+tt.mode.String(), func(t *testing.T) {
			got := money.MustParse(tt.in, tt.currency).Round(tt.mode)
			assert.Equal(t, tt.want, got.Number())
			assert.True(t, got.IsRounded())
		})
	}
	assert.Panics(t, func() { money.MustParse("1", "USD").Round(0) }, "an undefined mode is a programming error")
}

func TestMinor(t *testing.T) {
	for _, tt := range []struct {
		in, currency string
		want         int64
	}{
		{"12.50", "USD", 1250},
		{"1250", "JPY", 1250},
		{"1.234", "KWD", 1234},
		{"-0.01", "USD", -1},
		{"999999999999999.99", "USD", 99999999999999999},
	} {
		got, err := money.MustParse(tt.in, tt.currency).Minor()
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)

		back, err := money.FromMinor(got, money.Currency(tt.currency))
		require.NoError(t, err)
		assert.True(t, back.Equal(money.MustParse(tt.in, tt.currency)), "FromMinor inverts Minor")
	}

	_, err := money.MustParse("12.505", "USD").Minor()
	assert.ErrorIs(t, err, money.ErrNotRounded, "Minor never rounds silently")
	_, err = money.MustParse("1.5", "JPY").Minor()
	assert.ErrorIs(t, err, money.ErrNotRounded)

	huge := money.MustParse("999999999999999", "CLF").MulInt(1000)
	_, err = huge.Minor()
	assert.ErrorIs(t, err, money.ErrOutOfRange)

	_, err = money.FromMinor(1, "ZZZ")
	assert.ErrorIs(t, err, money.ErrUnknownCurrency)
}

func TestNew(t *testing.T) {
	a, err := money.New(decimal.RequireFromString("19.99"), "EUR")
	require.NoError(t, err)
	assert.Equal(t, "19.99 EUR", a.String())

	_, err = money.New(decimal.RequireFromString("1e20"), "EUR")
	assert.ErrorIs(t, err, money.ErrOutOfRange)
	_, err = money.New(decimal.RequireFromString("0.0000000000001"), "EUR")
	assert.ErrorIs(t, err, money.ErrOutOfRange)
	_, err = money.New(decimal.RequireFromString("1.5000000000000000"), "EUR")
	assert.NoError(t, err, "trailing zeros are not extra precision")
	_, err = money.New(decimal.NewFromInt(1), "eur")
	assert.ErrorIs(t, err, money.ErrUnknownCurrency)
}

func TestJSON(t *testing.T) {
	a := money.MustParse("12.5", "USD")
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":"12.50","currency":"USD"}`, string(b))

	var back money.Amount
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.Equal(a))

	for _, bad := range []struct {
		in  string
		err error
	}{
		{`{"amount":12.5,"currency":"USD"}`, money.ErrMalformed},
		{`{"amount":"12.5","currency":"usd"}`, money.ErrUnknownCurrency},
		{`{"amount":"1e3","currency":"USD"}`, money.ErrMalformed},
		{`{"currency":"USD"}`, money.ErrMalformed},
		{`"12.50 USD"`, money.ErrMalformed},
		{`{"amount":"NaN","currency":"USD"}`, money.ErrMalformed},
	} {
		var got money.Amount
		err := json.Unmarshal([]byte(bad.in), &got)
		assert.ErrorIs(t, err, bad.err, bad.in)
		assert.Equal(t, money.Amount{}, got, "a failed decode changes nothing")
	}

	// The zero Amount, a field not set yet, is null both ways, so that
	// records holding one can be stored as JSON.
	b, err = json.Marshal(struct{ A money.Amount }{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"A":null}`, string(b))
	var zero struct{ A money.Amount }
	require.NoError(t, json.Unmarshal(b, &zero))
	assert.Equal(t, money.Amount{}, zero.A)
	_, err = json.Marshal(money.Zero("XYZ"))
	assert.True(t, errors.Is(err, money.ErrUnknownCurrency))
}
