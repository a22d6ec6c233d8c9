package buybutton_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// A checkout whose attempt ends without an order gives the buyer's money
// back. Its hold is voided; a hold the merchant captured on the platform's
// dashboard meanwhile cannot be, and is refunded instead.

// capturedBehindTheVoid is a platform on which the merchant captured the
// hold on the dashboard an instant before the library voids it. captured
// is the payment's id.
type capturedBehindTheVoid struct {
	*memory.Provider
	captured *string
}

func (p capturedBehindTheVoid) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	pay, err := p.Provider.Payment(ctx, req.PaymentID)
	if err != nil {
		return provider.Payment{}, err
	}
	if _, err := p.Provider.Capture(ctx, provider.CaptureRequest{IdempotencyKey: "dashboard:" + req.PaymentID, PaymentID: req.PaymentID, Amount: pay.Amount}); err != nil {
		return provider.Payment{}, err
	}
	*p.captured = req.PaymentID
	return p.Provider.Void(ctx, req)
}

// keyKeepingRefunds is that platform, keeping a refund's key from its
// first request on as Stripe does (also when that request failed), so
// that the key sent again for another amount is ErrIdempotencyConflict.
// While lost is true a refund's answer is lost before it is made.
type keyKeepingRefunds struct {
	capturedBehindTheVoid
	lost *bool
	mu   *sync.Mutex
	sent map[string]money.Amount
}

func (p keyKeepingRefunds) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	p.mu.Lock()
	first, seen := p.sent[req.IdempotencyKey]
	if !seen {
		p.sent[req.IdempotencyKey] = req.Amount
	}
	p.mu.Unlock()
	if seen && !first.Equal(req.Amount) {
		return provider.Refund{}, fmt.Errorf("key %q was sent for %s: %w", req.IdempotencyKey, first, provider.ErrIdempotencyConflict)
	}
	if *p.lost {
		return provider.Refund{}, fmt.Errorf("refund: %w", provider.ErrUnknownOutcome)
	}
	return p.Provider.Refund(ctx, req)
}

// refusedOrders is a merchant that refuses every order after the payment
// is authorized: the attempt ends without an order.
type refusedOrders struct{ provider.Orders }

func (refusedOrders) PlaceOrder(context.Context, provider.PlaceOrderRequest) (provider.Order, error) {
	return provider.Order{}, fmt.Errorf("the last one went: %w", provider.ErrOutOfStock)
}

func refusingMerchant(payments func(*memory.Provider) provider.Payments) func(*memory.Provider) buybutton.Merchant {
	return func(shop *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Payments = payments(shop)
		m.Orders = refusedOrders{m.Orders}
		return m
	}
}

// TestAttemptWithoutAnOrderRefundsAHoldCapturedBehindIt: the merchant
// refuses the order and, at the same moment, captured the hold on the
// dashboard. The void is refused; the payment is read, found captured and
// refunded in full, once; the checkout records the failed attempt and no
// order.
func TestAttemptWithoutAnOrderRefundsAHoldCapturedBehindIt(t *testing.T) {
	var captured string
	f := buildFixture(t, nil, nil, refusingMerchant(func(shop *memory.Provider) provider.Payments { return capturedBehindTheVoid{shop, &captured} }))
	co := f.ready(t, buyer, book(2))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, provider.ErrOutOfStock)

	got := f.checkout(t, co.ID)
	assert.NotEqual(t, buybutton.CheckoutPlaced, got.State)
	assert.NotEqual(t, buybutton.CheckoutUnknown, got.State)
	assert.Empty(t, got.OrderID)
	assert.Empty(t, got.PaymentID, "the attempt's holds are undone and forgotten")
	stats := f.shop.Stats()
	assert.Equal(t, 1, stats.Captures)
	assert.Equal(t, 1, stats.Refunds)
	assert.Equal(t, 0, stats.Orders)
	pay, err := f.shop.Payment(ctx, captured)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", pay.Captured.String())
	assert.Equal(t, "90.78 USD", pay.Refunded.String(), "all of it back")
}

// TestCompensationRefundsWhatIsLeftUnderANewKey: the compensating refund's
// answer is lost, and before it is sent again the merchant refunds part of
// the payment on the dashboard. Sent again, the refund is for what is left
// now, so it goes under a key of its own: the first key, kept by the
// platform with its first amount, would be refused as a conflict at every
// Reconcile (for 24 hours on Stripe) while the buyer waits for the money.
func TestCompensationRefundsWhatIsLeftUnderANewKey(t *testing.T) {
	lost, captured := true, ""
	f := buildFixture(t, nil, nil, refusingMerchant(func(shop *memory.Provider) provider.Payments {
		return keyKeepingRefunds{capturedBehindTheVoid: capturedBehindTheVoid{shop, &captured}, lost: &lost, mu: &sync.Mutex{}, sent: map[string]money.Amount{}}
	}))
	co := f.ready(t, buyer, book(2))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	unknown := f.checkout(t, co.ID)
	require.Equal(t, buybutton.CheckoutUnknown, unknown.State)

	_, err = f.shop.Refund(ctx, provider.RefundRequest{IdempotencyKey: "dashboard", PaymentID: unknown.PaymentID, Amount: usd("10.00")})
	require.NoError(t, err)
	lost = false
	got, err := f.client.Reconcile(ctx, co.ID)
	require.NoError(t, err)
	assert.NotEqual(t, buybutton.CheckoutUnknown, got.State)
	assert.Empty(t, got.OrderID)
	pay, err := f.shop.Payment(ctx, captured)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", pay.Refunded.String(), "the dashboard's 10.00 and the rest")
	assert.Equal(t, 2, f.shop.Stats().Refunds)
}

// partlyRefunding is that platform, refunding a tenth of what its next
// refund asks, and saying so, while partly is set.
type partlyRefunding struct {
	capturedBehindTheVoid
	partly *bool
}

func (p partlyRefunding) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	if *p.partly {
		*p.partly = false
		req.Amount = tenth(req.Amount)
	}
	return p.capturedBehindTheVoid.Refund(ctx, req)
}

// TestCompensationRefundedInPartAsksAgainForTheRest: the compensating
// refund is made of a tenth of the payment. The money is not back, so the
// attempt is not over: the checkout waits, unknown, and Reconcile refunds
// the rest.
func TestCompensationRefundedInPartAsksAgainForTheRest(t *testing.T) {
	partly, captured := true, ""
	f := buildFixture(t, nil, nil, refusingMerchant(func(shop *memory.Provider) provider.Payments {
		return partlyRefunding{capturedBehindTheVoid{shop, &captured}, &partly}
	}))
	co := f.ready(t, buyer, book(2))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	require.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
	pay, err := f.shop.Payment(ctx, captured)
	require.NoError(t, err)
	require.Equal(t, "9.08 USD", pay.Refunded.String())

	got, err := f.client.Reconcile(ctx, co.ID)
	require.NoError(t, err)
	assert.NotEqual(t, buybutton.CheckoutUnknown, got.State)
	assert.Empty(t, got.OrderID)
	pay, err = f.shop.Payment(ctx, captured)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", pay.Refunded.String(), "all of it back")
	assert.Equal(t, 2, f.shop.Stats().Refunds)
}
