package buybutton_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// A platform may forget a key before the library stops retrying it (see
// "Keys a platform forgets" in package provider), so every request that
// would move money twice tells the platform when its key was made, the
// same on every retry.

// keyAges is a platform that records when each payment and order request
// says its key was made, and loses every answer while lost is set.
type keyAges struct {
	*memory.Provider
	mu   sync.Mutex
	lost bool
	made map[string][]time.Time // by key, one per request
}

func (p *keyAges) sent(key string, created time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.made[key] = append(p.made[key], created)
	if p.lost {
		return fmt.Errorf("answer lost: %w", provider.ErrUnknownOutcome)
	}
	return nil
}

func (p *keyAges) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	if err := p.sent(req.IdempotencyKey, req.KeyCreatedAt); err != nil {
		return provider.Payment{}, err
	}
	return p.Provider.Authorize(ctx, req)
}

func (p *keyAges) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	if err := p.sent(req.IdempotencyKey, req.KeyCreatedAt); err != nil {
		return provider.Order{}, err
	}
	return p.Provider.PlaceOrder(ctx, req)
}

func (p *keyAges) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	if err := p.sent(req.IdempotencyKey, req.KeyCreatedAt); err != nil {
		return provider.Refund{}, err
	}
	return p.Provider.Refund(ctx, req)
}

func (p *keyAges) setLost(lost bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lost = lost
}

// requests returns, per key, when each of its requests said it was made.
func (p *keyAges) requests() map[string][]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string][]time.Time{}
	for k, v := range p.made {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

func keyAgesFixture(t *testing.T) (fixture, *keyAges) {
	var platform *keyAges
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		platform = &keyAges{Provider: shop, made: map[string][]time.Time{}}
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Payments, m.Orders = platform, platform
		return m
	})
	return f, platform
}

// allAt asserts that every request of every key said its key was made at
// want, and returns how many requests there were.
func allAt(t *testing.T, requests map[string][]time.Time, want time.Time) int {
	t.Helper()
	n := 0
	for key, times := range requests {
		for _, got := range times {
			assert.True(t, got.Equal(want), "a request with key %s says it was made at %v, want %v", key, got, want)
			n++
		}
	}
	return n
}

// TestAnAuthorizationRetriedADayLaterSaysWhenItsKeyWasMade: the
// authorization's every retry, a day on, carries the time its attempt was
// claimed; the next attempt's, its own.
func TestAnAuthorizationRetriedADayLaterSaysWhenItsKeyWasMade(t *testing.T) {
	f, platform := keyAgesFixture(t)
	co := f.ready(t, buyer, book(1))
	claimed := f.clock.Now()
	platform.setLost(true)
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	f.clock.Advance(25 * time.Hour)
	_, err = f.maintain(t)
	require.NoError(t, err)
	require.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
	platform.setLost(false)
	f.clock.Advance(time.Hour)
	_, err = f.maintain(t)
	require.ErrorIs(t, err, provider.ErrReservationExpired, "the stock held a day ago was given back: the attempt is undone")

	co = f.checkout(t, co.ID)
	assert.Equal(t, claimed, co.AttemptedAt)
	first := platform.requests()
	require.Len(t, first, 2, "one attempt: its authorization's key and its order's")
	assert.Equal(t, 4, allAt(t, first, claimed), "the confirm's and two reconciles' authorizations, and the order the merchant refused for the lapsed reservation")

	// A new attempt, a day later, makes new keys: its authorization's
	// and its order's.
	f.clock.Advance(24 * time.Hour)
	again := f.ready(t, buyer, book(1))
	claimed = f.clock.Now()
	_, err = f.confirm(again, memory.TokenApprove)
	require.NoError(t, err)
	fresh := platform.requests()
	for key := range first {
		delete(fresh, key)
	}
	require.Len(t, fresh, 2)
	assert.Equal(t, 2, allAt(t, fresh, claimed))
}

// TestARefundRetriedADayLaterSaysWhenItsKeyWasMade: a refund's every
// retry carries the time the refund was asked for.
func TestARefundRetriedADayLaterSaysWhenItsKeyWasMade(t *testing.T) {
	f, platform := keyAgesFixture(t)
	o := f.placed(t)
	asked := f.clock.Now()
	before := platform.requests()
	platform.setLost(true)
	r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("10.00"), IdempotencyKey: "k"})
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.Equal(t, asked, r.CreatedAt)
	f.clock.Advance(25 * time.Hour)
	_, err = f.maintain(t)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	platform.setLost(false)
	f.clock.Advance(time.Hour)
	_, err = f.maintain(t)
	require.NoError(t, err)

	got := f.order(t, o.ID)
	require.Len(t, got.Refunds, 1)
	assert.Equal(t, buybutton.RefundSucceeded, got.Refunds[0].Status)
	refunds := platform.requests()
	for key := range before {
		delete(refunds, key)
	}
	require.Len(t, refunds, 1, "one refund, one key")
	assert.Equal(t, 3, allAt(t, refunds, asked), "the refund and two retries by maintenance")
}

// TestAGiftSaysWhenItsKeyWasMade: one-off and monthly, the gift's request
// carries the time its attempt was claimed.
func TestAGiftSaysWhenItsKeyWasMade(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	once := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	f.clock.Advance(time.Hour)
	monthly := ada(buybutton.DonorPrivacy{})
	monthly.Monthly = true
	f.give(t, cp, monthly)
	require.Len(t, f.sent.requests, 2)
	assert.Equal(t, f.checkout(t, once.CheckoutID).AttemptedAt, f.sent.requests[0].KeyCreatedAt)
	assert.Equal(t, f.clock.Now(), f.sent.requests[1].KeyCreatedAt)
	assert.Equal(t, time.Hour, f.sent.requests[1].KeyCreatedAt.Sub(f.sent.requests[0].KeyCreatedAt))
}
