package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/buybutton/buybutton/provider/stripe/stripetest"
)

func TestQuickstart(t *testing.T) {
	checkOutput(t, memorySetup())
}

// TestQuickstartOnStripe runs the Stripe wiring against the recorded
// Stripe server, so the output is the same as with the memory merchant.
func TestQuickstartOnStripe(t *testing.T) {
	api := stripetest.NewServer("")
	defer api.Close()
	s, err := stripeSetup("sk_test_quickstart", api.URL())
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, s)
	if p := api.Problems(); len(p) > 0 {
		t.Fatalf("the recorded server could not serve: %v", p)
	}
}

func checkOutput(t *testing.T, s setup) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), &out, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Attached "Trail Runner Sneaker"`, `"schema": "buybutton.card/1"`, `"amount": "89.00"`, `"cta": "buy"`,
		"Checkout shipping_selected: subtotal 89.00 USD, shipping 5.00 USD, tax 6.45 USD, total 100.45 USD.",
		"is placed; payment captured, 100.45 USD captured.", "1 × trail-runner-9 at 89.00 USD", "Event order.placed", "Event payment.captured",
		"Donation of 25.00 USD, fee 1.06 USD covered: 26.06 USD to pay.", "Clean Water Fund (EIN 12-3456789)",
		"Tax-deductible amount: 26.06 USD", "Donor: Grace Viewer <grace@example.com>",
		`Campaign "Wells for Wajir" has raised 25.00 USD from 1 donor(s).`, "Event donation.succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
}
