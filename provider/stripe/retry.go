package stripe

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// retryTransport sends each request to Stripe again while Stripe's rules
// say it may be retried (https://docs.stripe.com/error-low-level,
// https://docs.stripe.com/rate-limits). stripe-go's own retries are off:
// for an answer that parses as a Stripe error it never reads
// Stripe-Should-Retry, so a 500 that Stripe marks retriable would not be
// retried, and a 409 it marks final would not be left alone.
//
//   - Every try is the same request: the same body and the same headers,
//     the idempotency key among them.
//   - Stripe-Should-Retry decides whenever Stripe sends it.
//   - Without it: a network failure, a 409 (another request with the key
//     is running), a 429 lock_timeout and a 5xx are retried; a 429
//     rate_limit is not (the library backs off and asks again), nor is
//     any other answer.
//   - No try starts after the request's context is done, and a wait ends
//     with it.
type retryTransport struct {
	next    http.RoundTripper
	retries int           // tries after the first
	base    time.Duration // the first wait; later waits grow as stripe-go's
}

func (rt *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	ctx := req.Context()
	for try := 0; ; try++ {
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := rt.next.RoundTrip(r)
		if try >= rt.retries || ctx.Err() != nil || !retriable(resp, err) {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		wait := rt.base * time.Duration(1+try*try)
		wait -= time.Duration(rand.Int64N(int64(wait)/4 + 1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// retriable reports whether Stripe's rules allow sending the request
// again after this answer. It leaves resp's body readable.
func retriable(resp *http.Response, err error) bool {
	if err != nil {
		return true // a network failure: the same key makes a retry safe
	}
	switch resp.Header.Get("Stripe-Should-Retry") {
	case "true":
		return true
	case "false":
		return false
	}
	switch {
	case resp.StatusCode == http.StatusConflict || resp.StatusCode >= 500:
		return true
	case resp.StatusCode == http.StatusTooManyRequests:
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		return json.Unmarshal(b, &e) == nil && e.Error.Code == "lock_timeout"
	}
	return false
}
