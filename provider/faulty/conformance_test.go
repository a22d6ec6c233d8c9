package faulty_test

import (
	"context"
	"testing"

	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/providertest"
)

// TestConformance: with no faults, the wrapper is, to the conformance
// suite, the provider it wraps: a platform that charges KWD in
// hundredths, whose step the wrapper passes on.
func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, func(context.Context, *testing.T) (providertest.Harness, error) {
		h := memharness.NewWith(memory.Options{Currency: "KWD", ChargeUnit: money.MustParse("0.010", "KWD")})
		h.Wrapped = faulty.Wrap(h.Memory, faulty.Options{})
		return h, nil
	})
}
