package memory_test

import (
	"testing"

	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider/providertest"
)

// TestConformance runs the provider contract against the memory provider in
// currencies with 0, 2 and 3 minor digits.
func TestConformance(t *testing.T) {
	for _, c := range []money.Currency{"USD", "JPY", "KWD"} {
		t.Run(string(c), func(t *testing.T) {
			providertest.RunConformanceTests(t, memharness.Maker(c))
		})
	}
}
