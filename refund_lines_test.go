package buybutton_test

import (
	"errors"
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

func (f fixture) refundLines(o *buybutton.Order, key string, lines ...buybutton.RefundLine) (*buybutton.Refund, error) {
	return f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Lines: lines, Reason: "returned", IdempotencyKey: key})
}

// lineTotal is what a line came to: subtotal less discount plus tax.
func lineTotal(t *testing.T, l buybutton.CheckoutLine) money.Amount {
	t.Helper()
	total, err := l.Subtotal.Sub(l.Discount)
	require.NoError(t, err)
	total, err = total.Add(l.Tax)
	require.NoError(t, err)
	return total
}

// TestRefundLinesReturnEachUnitsShare: two books of 39.99 with 5.80 of
// tax come to 85.78; the buyer returns one, then the other. Each refund
// returns 42.89, the refund records its units, a third unit is refused
// before the platform is asked, and shipping is refunded by amount.
func TestRefundLinesReturnEachUnitsShare(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	assert.Equal(t, 2, o.UnitsRefundable(paperback))
	assert.Zero(t, o.UnitsRefundable("no-such-variant"))
	first, err := f.refundLines(o, "return-1", buybutton.RefundLine{VariantID: paperback, Quantity: 1})
	require.NoError(t, err)
	assert.Equal(t, "42.89 USD", first.Amount.String())
	assert.Equal(t, []buybutton.RefundLine{{VariantID: paperback, Quantity: 1}}, first.Lines)
	after := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentPartiallyRefunded, after.PaymentState())
	assert.Equal(t, 1, after.UnitsRefundable(paperback))
	assert.Equal(t, "47.89 USD", after.Refundable().String(), "the other book and the shipping")

	refunds := f.shop.Stats().Refunds
	_, err = f.refundLines(o, "return-2", buybutton.RefundLine{VariantID: paperback, Quantity: 2})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "one unit is left")
	assert.Equal(t, refunds, f.shop.Stats().Refunds, "the platform is not asked")

	second, err := f.refundLines(o, "return-3", buybutton.RefundLine{VariantID: paperback, Quantity: 1})
	require.NoError(t, err)
	assert.Equal(t, "42.89 USD", second.Amount.String())
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("5.00"), Reason: "shipping", IdempotencyKey: "shipping"})
	require.NoError(t, err)
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentRefunded, got.PaymentState())
	assert.Equal(t, "90.78 USD", got.Refunded().String())
}

// TestRefundingALinesUnitsInAnyStepsReturnsItsTotal: however a line's
// units are refunded (one at a time, in twos, all at once, or the odd one
// first), the refunds add up to exactly the line's total, never a cent
// more or less: each step returns the difference of two rounded shares.
// A line of 7 books (279.93, tax 20.29: 300.22) does not divide by 7
// into cents: a unit priced once and refunded seven times (42.89) would
// return 300.23, a cent more than the buyer paid.
func TestRefundingALinesUnitsInAnyStepsReturnsItsTotal(t *testing.T) {
	for _, steps := range [][]int{{1, 1, 1, 1, 1, 1, 1}, {2, 2, 2, 1}, {7}, {1, 6}, {3, 4}, {6, 1}} {
		t.Run(fmt.Sprint(steps), func(t *testing.T) {
			f := newShop(t, nil)
			o, err := f.confirm(f.ready(t, buyer, book(7)), memory.TokenApprove)
			require.NoError(t, err)
			total := lineTotal(t, o.Lines[0])
			sum := money.Zero("USD")
			for i, n := range steps {
				r, err := f.refundLines(o, fmt.Sprint("step-", i), buybutton.RefundLine{VariantID: paperback, Quantity: n})
				require.NoError(t, err)
				sum, err = sum.Add(r.Amount)
				require.NoError(t, err)
			}
			assert.Equal(t, total.String(), sum.String(), "the line's total, to the cent")
			_, err = f.refundLines(o, "one-more", buybutton.RefundLine{VariantID: paperback, Quantity: 1})
			assert.ErrorIs(t, err, provider.ErrRefundExceedsCapture)
		})
	}
}

// TestARefundOfLinesThatCannotBeTrueChangesNothing: lines and an amount
// together, no lines, a variant twice, no units, too many units at once,
// or a variant the order does not have are ErrInvalidInput, and neither
// the order nor the platform changes.
func TestARefundOfLinesThatCannotBeTrueChangesNothing(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	before := f.order(t, o.ID)
	refunds := f.shop.Stats().Refunds
	for name, p := range map[string]buybutton.RefundParams{
		"lines and an amount": {Lines: []buybutton.RefundLine{{VariantID: paperback, Quantity: 1}}, Amount: usd("1.00")},
		"no lines":            {Lines: []buybutton.RefundLine{}},
		"a variant twice":     {Lines: []buybutton.RefundLine{{VariantID: paperback, Quantity: 1}, {VariantID: paperback, Quantity: 1}}},
		"no units":            {Lines: []buybutton.RefundLine{{VariantID: paperback, Quantity: 0}}},
		"too many at once":    {Lines: []buybutton.RefundLine{{VariantID: paperback, Quantity: buybutton.MaxLineQuantity + 1}}},
		"another variant":     {Lines: []buybutton.RefundLine{{VariantID: memory.DemoSneaker + "-9", Quantity: 1}}},
		"no variant":          {Lines: []buybutton.RefundLine{{Quantity: 1}}},
	} {
		p.OrderID, p.IdempotencyKey = o.ID, "bad"
		_, err := f.client.RefundOrder(ctx, p)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
	after := f.order(t, o.ID)
	assert.Equal(t, before.Version, after.Version)
	assert.Empty(t, after.Refunds)
	assert.Equal(t, refunds, f.shop.Stats().Refunds)
}

// TestARefundOfLinesKeepsItsKey: the same key with the same lines is the
// same refund, and nothing more is refunded; with other lines it is
// provider.ErrIdempotencyConflict; and a key once used for an amount is
// not reused for lines.
func TestARefundOfLinesKeepsItsKey(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	one := buybutton.RefundLine{VariantID: paperback, Quantity: 1}
	first, err := f.refundLines(o, "k", one)
	require.NoError(t, err)
	again, err := f.refundLines(o, "k", one)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, 1, f.shop.Stats().Refunds)

	_, err = f.refundLines(o, "k", buybutton.RefundLine{VariantID: paperback, Quantity: 2})
	assert.ErrorIs(t, err, provider.ErrIdempotencyConflict)
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: first.Amount, Reason: "returned", IdempotencyKey: "k"})
	assert.ErrorIs(t, err, provider.ErrIdempotencyConflict)
}

// TestARefundOfLinesThatFailedFreesItsUnits: a refund of a unit that the
// platform made and that then failed (the card was closed) no longer
// counts that unit as returned: it may be refunded again, and the line's
// units still add up to its total.
func TestARefundOfLinesThatFailedFreesItsUnits(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	one := buybutton.RefundLine{VariantID: paperback, Quantity: 1}
	r, err := f.refundLines(o, "first", one)
	require.NoError(t, err)
	require.NoError(t, f.shop.FailRefund(r.ProviderRefundID, "expired_or_canceled_card"))
	f.deliver(t)
	require.Equal(t, buybutton.RefundFailed, f.order(t, o.ID).Refunds[0].Status)

	_, err = f.refundLines(o, "second", buybutton.RefundLine{VariantID: paperback, Quantity: 2})
	require.NoError(t, err, "both units are back to refund")
	got := f.order(t, o.ID)
	assert.Equal(t, lineTotal(t, got.Lines[0]).String(), got.Refunded().String())
}

// TestRacingRefundsOfTheLastUnit: sixteen support agents refund the one
// book of an order at once, each with a key of their own. One refund is
// made; the others are provider.ErrRefundExceedsCapture, and the platform
// refunds once. The order has a pair of sneakers too, so that money is
// left to refund after the book's: only the units, counted under the
// order's compare-and-set with the refunds still pending, stop a second
// refund of the book.
func TestRacingRefundsOfTheLastUnit(t *testing.T) {
	f := newShop(t, nil)
	o, err := f.confirm(f.ready(t, buyer, book(1), sneaker("9", 1)), memory.TokenApprove)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	made, refused := 0, 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.refundLines(o, fmt.Sprint("agent-", i), buybutton.RefundLine{VariantID: paperback, Quantity: 1})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				made++
			case errors.Is(err, provider.ErrRefundExceedsCapture):
				refused++
			default:
				t.Errorf("agent %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, made)
	assert.Equal(t, 15, refused)
	assert.Equal(t, 1, f.shop.Stats().Refunds)
}
