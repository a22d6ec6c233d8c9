package memory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/buybutton/buybutton/provider"
)

// SignatureHeader carries a delivery's signature, in the shape of Stripe's:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">", with one v1 per
// secret during a rotation.
const SignatureHeader = "Buybutton-Memory-Signature"

// maxSignatureHeader bounds the header the verifier parses.
const maxSignatureHeader = 4096

// Delivery is a webhook as a platform would POST it.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// TakeDeliveries returns the webhooks queued since the last call, signed
// now, and empties the queue. A host posts them to its webhook handler, as
// the platform would.
func (p *Provider) TakeDeliveries() []Delivery {
	p.mu.Lock()
	events := p.outbox
	p.outbox = nil
	p.mu.Unlock()
	out := make([]Delivery, 0, len(events))
	for _, e := range events {
		h, b := p.Sign(e, p.now())
		out = append(out, Delivery{Header: h, Body: b})
	}
	return out
}

// Sign returns a delivery of e signed at the given time with every current
// secret, for tests that need deliveries of their own making.
func (p *Provider) Sign(e provider.Event, at time.Time) (http.Header, []byte) {
	body, err := json.Marshal(e)
	if err != nil {
		// Event holds only strings, times and valid amounts.
		panic("memory: marshal event: " + err.Error())
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	parts := []string{"t=" + ts}
	for _, s := range p.secrets {
		parts = append(parts, "v1="+hex.EncodeToString(signature(s, ts, body)))
	}
	h := http.Header{}
	h.Set(SignatureHeader, strings.Join(parts, ","))
	h.Set("Content-Type", "application/json")
	return h, body
}

// VerifyWebhook implements provider.Webhooks.
func (p *Provider) VerifyWebhook(ctx context.Context, header http.Header, body []byte) ([]provider.Event, error) {
	ts, sigs, err := parseSignatureHeader(header.Get(SignatureHeader))
	if err != nil {
		return nil, err
	}
	valid := false
	for _, secret := range p.secrets {
		want := signature(secret, ts, body)
		for _, sig := range sigs {
			// Compare against every signature, without stopping early,
			// in constant time.
			if hmac.Equal(want, sig) {
				valid = true
			}
		}
	}
	if !valid {
		return nil, fmt.Errorf("memory: no signature matches: %w", provider.ErrWebhookSignature)
	}
	signedAt, _ := strconv.ParseInt(ts, 10, 64)
	if age := p.now().Sub(time.Unix(signedAt, 0)); age > p.tolerance || age < -p.tolerance {
		return nil, fmt.Errorf("memory: delivery signed %v from now: %w", age, provider.ErrWebhookTooOld)
	}
	var e provider.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" {
		return nil, fmt.Errorf("memory: signed body is not an event: %w", provider.ErrInvalidRequest)
	}
	return []provider.Event{e}, nil
}

func signature(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// parseSignatureHeader splits "t=...,v1=...,v1=..." into the timestamp and
// the decoded v1 signatures. Unknown schemes are ignored, as Stripe does.
func parseSignatureHeader(v string) (ts string, sigs [][]byte, err error) {
	if v == "" {
		return "", nil, fmt.Errorf("memory: no %s header: %w", SignatureHeader, provider.ErrWebhookSignature)
	}
	if len(v) > maxSignatureHeader {
		return "", nil, fmt.Errorf("memory: %s header too long: %w", SignatureHeader, provider.ErrWebhookSignature)
	}
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return "", nil, fmt.Errorf("memory: malformed %s header: %w", SignatureHeader, provider.ErrWebhookSignature)
		}
		switch k {
		case "t":
			if _, err := strconv.ParseInt(val, 10, 64); err != nil || ts != "" {
				return "", nil, fmt.Errorf("memory: bad timestamp in %s header: %w", SignatureHeader, provider.ErrWebhookSignature)
			}
			ts = val
		case "v1":
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) != sha256.Size {
				continue
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, fmt.Errorf("memory: %s header lacks a timestamp or a v1 signature: %w", SignatureHeader, provider.ErrWebhookSignature)
	}
	return ts, sigs, nil
}
