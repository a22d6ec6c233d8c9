package memory_test

import (
	"testing"

	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/providertest"
)

// TestConformance runs the provider contract against the memory provider in
// currencies with 0, 2 and 3 minor digits, and as a platform that charges
// KWD only in hundredths, as Stripe does.
func TestConformance(t *testing.T) {
	for _, c := range []money.Currency{"USD", "JPY", "KWD"} {
		t.Run(string(c), func(t *testing.T) {
			providertest.RunConformanceTests(t, memharness.Maker(memory.Options{Currency: c}))
		})
	}
	t.Run("KWD-in-hundredths", func(t *testing.T) {
		hundredth := money.MustParse("0.01", "KWD")
		providertest.RunConformanceTests(t, memharness.Maker(memory.Options{Currency: "KWD", ChargeUnit: hundredth}))
	})
}
