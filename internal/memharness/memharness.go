// Package memharness is the providertest harness for provider/memory, shared
// by memory's conformance test and providertest's own tests (which wrap the
// memory provider in deliberately broken ones). It is for tests only.
package memharness

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/providertest"
)

// Clock is a clock tests move by hand. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Harness drives a memory.Provider for providertest.
type Harness struct {
	Memory *memory.Provider
	Clock  *Clock
	// Wrapped, when set, is what Provider returns instead of Memory: a
	// wrapper under test around it.
	Wrapped any
}

// New returns a fresh harness whose provider sells in currency c.
func New(c money.Currency) *Harness { return NewWith(memory.Options{Currency: c}) }

// NewWith returns a fresh harness whose provider is made with o, on the
// harness's clock.
func NewWith(o memory.Options) *Harness {
	clock := NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	o.Now = clock.Now
	m := memory.New(&o)
	if err := m.SetDiscountCode(discountCode, 10, "trail-runner-9"); err != nil {
		panic(err) // the demo catalog has the variant
	}
	return &Harness{Memory: m, Clock: clock}
}

// discountCode is the fixtures' code: 10% off the stocked variant.
const discountCode = "PROVIDERTEST10"

// Maker returns a providertest.HarnessMaker of fresh harnesses made with o.
func Maker(o memory.Options) providertest.HarnessMaker {
	return func(context.Context, *testing.T) (providertest.Harness, error) { return NewWith(o), nil }
}

func (h *Harness) Provider() any {
	if h.Wrapped != nil {
		return h.Wrapped
	}
	return h.Memory
}

func (h *Harness) Fixtures() providertest.Fixtures {
	return providertest.Fixtures{
		Currency:         h.Memory.Currency(),
		ProductID:        memory.DemoSneaker,
		StockedVariantID: "trail-runner-9",
		Stock:            5,
		SoldOutVariantID: "trail-runner-10",
		DiscountCode:     discountCode,
		ShipTo: provider.Address{
			Name: "Ada Buyer", Line1: "1 Market St", City: "San Francisco",
			Region: "CA", PostalCode: "94105", Country: "US",
		},
		TokenApprove:          memory.TokenApprove,
		TokenDecline:          memory.TokenDecline,
		TokenActionRequired:   memory.TokenActionRequired,
		TokenUnknownOutcome:   memory.TokenUnknownOutcome,
		NonprofitID:           memory.DemoCharity,
		UnverifiedNonprofitID: memory.DemoUnvetted,
	}
}

func (h *Harness) Advance(d time.Duration) bool { h.Clock.Advance(d); return true }

func (h *Harness) SignDelivery(e provider.Event, at time.Time) (http.Header, []byte, bool) {
	header, body := h.Memory.Sign(e, at)
	return header, body, true
}

func (h *Harness) CompleteAction(_ context.Context, id string, succeed bool) bool {
	return h.Memory.CompleteAction(id, succeed) == nil
}

func (h *Harness) Now() time.Time { return h.Clock.Now() }

func (h *Harness) Close() {}
