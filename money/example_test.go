package money_test

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
)

func ExampleParse() {
	price, err := money.Parse("19.99", "USD")
	if err != nil {
		panic(err)
	}
	fmt.Println(price)
	// Output: 19.99 USD
}

func ExampleAmount_Add() {
	a := money.MustParse("10.00", "USD")
	_, err := a.Add(money.MustParse("10.00", "EUR"))
	fmt.Println(errors.Is(err, money.ErrCurrencyMismatch))
	// Output: true
}

func ExampleAmount_Round() {
	// 8.25% sales tax on 19.99 USD is 1.649175 USD: exact until rounded.
	tax := money.MustParse("19.99", "USD").Mul(decimal.RequireFromString("0.0825"))
	fmt.Println(tax)
	fmt.Println(tax.Round(money.HalfEven))
	fmt.Println(money.MustParse("0.1234", "KWD").Round(money.Up))
	// Output:
	// 1.649175 USD
	// 1.65 USD
	// 0.124 KWD
}

func ExampleAmount_Minor() {
	for _, a := range []money.Amount{
		money.MustParse("12.50", "USD"),
		money.MustParse("1250", "JPY"),
		money.MustParse("12.500", "KWD"),
	} {
		units, _ := a.Minor()
		fmt.Println(units, a.Currency())
	}
	// Output:
	// 1250 USD
	// 1250 JPY
	// 12500 KWD
}
