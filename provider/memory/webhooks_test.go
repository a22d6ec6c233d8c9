package memory_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

var signedAt = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func withSecrets(secrets ...string) *memory.Provider {
	var s [][]byte
	for _, v := range secrets {
		s = append(s, []byte(v))
	}
	return memory.New(&memory.Options{WebhookSecrets: s, Now: func() time.Time { return signedAt }})
}

var event = provider.Event{ID: "evt_1", Type: provider.EventPaymentCaptured, PaymentID: "pay_1", OccurredAt: signedAt}

func TestWebhookSecretRotation(t *testing.T) {
	ctx := context.Background()
	oldOnly := withSecrets("old")
	rotating := withSecrets("new", "old") // signs with both, accepts either
	newOnly := withSecrets("new")

	h, b := oldOnly.Sign(event, signedAt)
	if _, err := rotating.VerifyWebhook(ctx, h, b); err != nil {
		t.Errorf("a delivery signed with the old secret during rotation: %v", err)
	}
	if _, err := newOnly.VerifyWebhook(ctx, h, b); !errors.Is(err, provider.ErrWebhookSignature) {
		t.Errorf("a delivery signed with a retired secret: err = %v, want ErrWebhookSignature", err)
	}
	h, b = rotating.Sign(event, signedAt)
	if _, err := newOnly.VerifyWebhook(ctx, h, b); err != nil {
		t.Errorf("a delivery signed during rotation, verified after: %v", err)
	}
}

func TestWebhookMalformedHeaders(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("s")
	_, body := p.Sign(event, signedAt)
	for _, v := range []string{
		"", "garbage", "t=", "t=abc,v1=00", "v1=" + string(bytes.Repeat([]byte("a"), 64)),
		"t=1,t=2,v1=00", "t=1", string(bytes.Repeat([]byte("t=1,"), 2000)),
	} {
		h := http.Header{}
		h.Set(memory.SignatureHeader, v)
		if _, err := p.VerifyWebhook(ctx, h, body); !errors.Is(err, provider.ErrWebhookSignature) {
			t.Errorf("header %.40q: err = %v, want ErrWebhookSignature", v, err)
		}
	}
	h, _ := p.Sign(event, signedAt.Add(10*time.Minute))
	if _, err := p.VerifyWebhook(ctx, h, body); !errors.Is(err, provider.ErrWebhookSignature) && !errors.Is(err, provider.ErrWebhookTooOld) {
		t.Errorf("future-dated signature: %v", err)
	}
}

// FuzzVerifyWebhook: whatever the header and body, verification never
// panics, and it accepts only a body signed with the secret at the
// timestamp the header carries. (The header may be spelled differently,
// say with upper-case hex or extra schemes, and still carry the true
// signature.) The test computes the signature itself, by the documented
// scheme: hex HMAC-SHA256 of "timestamp.body".
func FuzzVerifyWebhook(f *testing.F) {
	const secret = "fuzz-secret"
	p := withSecrets(secret)
	goodHeader, goodBody := p.Sign(event, signedAt)
	goodTimestamp, _, _ := strings.Cut(goodHeader.Get(memory.SignatureHeader), ",")
	mac := hmac.New(sha256.New, []byte(secret))
	f.Add(goodHeader.Get(memory.SignatureHeader), goodBody)
	f.Add("t=1,v1=zz", []byte("{}"))
	f.Add("", []byte(nil))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		h := http.Header{}
		h.Set(memory.SignatureHeader, header)
		events, err := p.VerifyWebhook(context.Background(), h, body)
		if err != nil {
			return
		}
		mac.Reset()
		mac.Write([]byte(strings.TrimPrefix(goodTimestamp, "t=") + "."))
		mac.Write(body)
		want := hex.EncodeToString(mac.Sum(nil))
		if !strings.Contains(header, goodTimestamp) || !strings.Contains(strings.ToLower(header), want) {
			t.Fatalf("accepted a delivery that was not signed: header %q body %q -> %v", header, body, events)
		}
	})
}
