// Package deep fills and scribbles over values through every pointer,
// slice and map in them, for the tests that check that a copy shares
// nothing with its original: a store's records (storetest) and the
// library's cards. It works on any type by reflection, so a type that
// gains a pointer or slice field is covered without a change to them.
package deep

import (
	"reflect"
	"time"

	"github.com/buybutton/buybutton/money"
)

// Filled is what Fill puts in every string: ids included, so that a
// filled record is found by it.
const Filled = "filled"

// Filled times and amounts, and what Scribble changes them to.
var (
	filledAt     = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	filledAmount = money.MustParse("12.34", "USD")
	scribbledAt  = filledAt.Add(-time.Hour)
	scribbledAmt = money.MustParse("99.99", "EUR")
	amountType   = reflect.TypeFor[money.Amount]()
	timeType     = reflect.TypeFor[time.Time]()
)

// Fill sets every exported field reachable from ptr: strings to Filled,
// numbers to 1, flags to true, money to 12.34 USD, times to one instant,
// every nil pointer to a new filled value and every slice and map to one
// filled element. A field named Version stays 0 (a record to insert).
// Types of other packages with unexported fields (decimals) keep their
// zero value: their values cannot be changed in place anyway.
func Fill(ptr any) { fill(reflect.ValueOf(ptr).Elem()) }

func fill(v reflect.Value) {
	switch v.Type() {
	case amountType:
		v.Set(reflect.ValueOf(filledAmount))
		return
	case timeType:
		v.Set(reflect.ValueOf(filledAt))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(Filled)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		key, val := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(key)
		fill(val)
		m.SetMapIndex(key, val)
		v.Set(m)
	case reflect.Struct:
		if !allExported(v.Type()) {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).Name != "Version" {
				fill(v.Field(i))
			}
		}
	}
}

// Scribble changes, in place, every value reachable from ptr through
// pointers, slices and maps: what a careless holder of a copy might do.
// A change that shows in the original means the copy shared its memory.
func Scribble(ptr any) { scribble(reflect.ValueOf(ptr)) }

func scribble(v reflect.Value) {
	if v.CanSet() {
		switch v.Type() {
		case amountType:
			v.Set(reflect.ValueOf(scribbledAmt))
			return
		case timeType:
			v.Set(reflect.ValueOf(scribbledAt))
			return
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString("scribbled")
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(v.Int() + 7)
		case reflect.Bool:
			v.SetBool(!v.Bool())
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Map:
		for _, key := range v.MapKeys() {
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(v.MapIndex(key))
			scribble(val)
			v.SetMapIndex(key, val)
		}
	case reflect.Struct:
		if !allExported(v.Type()) {
			return
		}
		for i := range v.NumField() {
			scribble(v.Field(i))
		}
	}
}

func allExported(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}
