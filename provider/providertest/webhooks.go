package providertest

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/buybutton/buybutton/provider"
)

func runWebhooks(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Webhooks]{
		{"ValidDeliveryParses", func(t *testing.T, e env[provider.Webhooks]) {
			want := testEvent(t, e)
			header, body := delivery(t, e, want, e.h.Now())
			events, err := e.p.VerifyWebhook(e.ctx, header, body)
			if err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			if len(events) != 1 || !sameEvent(events[0], want) {
				t.Fatalf("events = %+v, want [%+v]", events, want)
			}
			again, err := e.p.VerifyWebhook(e.ctx, header, body)
			if err != nil || len(again) != 1 || again[0].ID != want.ID {
				t.Fatalf("verifying a repeated delivery = %v, %v; want the same event (dedupe is the library's job)", again, err)
			}
		}},
		{"ChangedBodyIsRejected", func(t *testing.T, e env[provider.Webhooks]) {
			header, body := delivery(t, e, testEvent(t, e), e.h.Now())
			for _, i := range []int{0, len(body) / 2, len(body) - 1} {
				forged := append([]byte(nil), body...)
				forged[i] ^= 0x01
				if _, err := e.p.VerifyWebhook(e.ctx, header, forged); !errors.Is(err, provider.ErrWebhookSignature) {
					t.Errorf("body with byte %d changed: err = %v, want ErrWebhookSignature", i, err)
				}
			}
		}},
		{"MissingSignatureIsRejected", func(t *testing.T, e env[provider.Webhooks]) {
			_, body := delivery(t, e, testEvent(t, e), e.h.Now())
			if _, err := e.p.VerifyWebhook(e.ctx, http.Header{}, body); !errors.Is(err, provider.ErrWebhookSignature) {
				t.Fatalf("err = %v, want ErrWebhookSignature", err)
			}
		}},
		{"StaleDeliveryIsRejected", func(t *testing.T, e env[provider.Webhooks]) {
			header, body := delivery(t, e, testEvent(t, e), e.h.Now().Add(-time.Hour))
			if _, err := e.p.VerifyWebhook(e.ctx, header, body); !errors.Is(err, provider.ErrWebhookTooOld) {
				t.Fatalf("delivery signed an hour ago: err = %v, want ErrWebhookTooOld", err)
			}
		}},
	})
}

// testEvent is an event of a kind the provider's platform sends: a
// payment's for a payments platform, a donation's for one that takes only
// donations, an order's or a product's for a storefront.
func testEvent(t *testing.T, e env[provider.Webhooks]) provider.Event {
	ev := provider.Event{ID: key(t, "event"), OccurredAt: e.h.Now().Truncate(time.Second)}
	switch e.h.Provider().(type) {
	case provider.Payments:
		ev.Type, ev.PaymentID = provider.EventPaymentCaptured, "providertest-payment"
	case provider.Donations:
		ev.Type, ev.DonationID = provider.EventDonationFailed, "providertest-donation"
	case provider.Orders:
		ev.Type, ev.OrderID = provider.EventOrderCanceled, "providertest-order"
	default:
		ev.Type, ev.ProductID = provider.EventProductChanged, e.fx.ProductID
	}
	return ev
}

// sameEvent reports whether got is want, by what testEvent sets.
func sameEvent(got, want provider.Event) bool {
	return got.ID == want.ID && got.Type == want.Type && got.PaymentID == want.PaymentID &&
		got.DonationID == want.DonationID && got.OrderID == want.OrderID && got.ProductID == want.ProductID
}

func delivery(t *testing.T, e env[provider.Webhooks], ev provider.Event, at time.Time) (http.Header, []byte) {
	t.Helper()
	header, body, ok := e.h.SignDelivery(ev, at)
	if !ok {
		t.Skip("harness cannot sign webhook deliveries")
	}
	return header, body
}
