package providertest_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/providertest"
)

// storefront is the memory platform as a storefront that takes no
// payments, as a Shopify provider is: its catalog and its webhooks.
type storefront struct{ m *memory.Provider }

func (s storefront) Products(ctx context.Context, ids []string) ([]provider.Product, error) {
	return s.m.Products(ctx, ids)
}

func (s storefront) VerifyWebhook(ctx context.Context, header http.Header, body []byte) ([]provider.Event, error) {
	return s.m.VerifyWebhook(ctx, header, body)
}

// signingHarness is the memory harness, keeping the type of each event
// the suite asks it to sign.
type signingHarness struct {
	*memharness.Harness
	mu     *sync.Mutex
	signed *[]provider.EventType
}

func (h signingHarness) SignDelivery(e provider.Event, at time.Time) (http.Header, []byte, bool) {
	h.mu.Lock()
	*h.signed = append(*h.signed, e.Type)
	h.mu.Unlock()
	return h.Harness.SignDelivery(e, at)
}

// TestWebhookChecksRunOnEveryKindOfPlatform: the webhook checks deliver
// an event of a kind the platform sends, so that a storefront's webhooks
// are checked as a payment platform's are, not skipped or failed for
// want of payment events. Before, every check delivered a payment's
// event, which a storefront provider cannot make.
func TestWebhookChecksRunOnEveryKindOfPlatform(t *testing.T) {
	for name, c := range map[string]struct {
		wrap func(*memory.Provider) any
		want provider.EventType
	}{
		"payments platform": {func(m *memory.Provider) any { return m }, provider.EventPaymentCaptured},
		"storefront":        {func(m *memory.Provider) any { return storefront{m} }, provider.EventProductChanged},
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var signed []provider.EventType
			t.Run("suite", func(t *testing.T) {
				providertest.RunConformanceTests(t, func(context.Context, *testing.T) (providertest.Harness, error) {
					h := memharness.New("USD")
					h.Wrapped = c.wrap(h.Memory)
					return signingHarness{Harness: h, mu: &mu, signed: &signed}, nil
				})
			})
			if len(signed) == 0 || slices.ContainsFunc(signed, func(k provider.EventType) bool { return k != c.want }) {
				t.Fatalf("the webhook checks signed %v, want only %s", signed, c.want)
			}
		})
	}
}
