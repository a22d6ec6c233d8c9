package buybutton

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/buybutton/buybutton/provider"
)

// CancelOrderParams cancels an order that has not shipped.
type CancelOrderParams struct {
	// BuyerID is the buyer cancelling their own order. Empty, it is a
	// caller nobody authenticated, who may cancel nothing.
	BuyerID string
	// ByHost cancels as the host (support, fraud), whoever the buyer is;
	// BuyerID must then be empty. The host says so in a field of its own,
	// never by leaving BuyerID empty, so that a request whose viewer is
	// unknown cannot get the host's rights.
	ByHost  bool
	OrderID string
	Reason  string
}

// CancelOrder cancels an order before it ships: the merchant cancels it
// and returns its stock, then the payment is voided (if not captured) or
// refunded in full (if it was). Every provider call has a key derived from
// the order id, so a retry after any failure finishes the same
// cancellation. The order is recorded as canceled only once its money is
// back: a refund refused or still pending is returned as the error, with
// the order as it was, and a retry asks again. An order that shipped is
// [ErrIllegalTransition]; a cancelled order is returned as it is.
func (c *Client) CancelOrder(ctx context.Context, p CancelOrderParams) (*Order, error) {
	if err := checkText("reason", p.Reason, 0, 500, false); err != nil {
		return nil, err
	}
	if p.ByHost && p.BuyerID != "" {
		return nil, invalid("buyer_id", "must be empty when the host cancels")
	}
	o, err := c.store.Order(ctx, p.OrderID)
	if err != nil {
		return nil, err
	}
	actor := "host"
	if !p.ByHost {
		if err := owns(p.BuyerID, o.BuyerID, "order", p.OrderID); err != nil {
			return nil, err
		}
		actor = buyerActor(p.BuyerID)
	}
	if o.Status == OrderCanceled {
		return o, nil
	}
	if err := orderMachine.check(o.ID, o.Status, OrderCanceled); err != nil {
		return nil, err
	}
	m, err := c.merchant(o.MerchantID)
	if err != nil {
		return nil, err
	}
	if _, err := m.Orders.CancelOrder(ctx, provider.CancelOrderRequest{IdempotencyKey: o.ID + ":cancel", OrderID: o.ProviderOrderID, Reason: p.Reason}); err != nil {
		if errors.Is(err, provider.ErrInvalidState) {
			return nil, fmt.Errorf("%w: order %s: the merchant says it can no longer be canceled: %w", ErrIllegalTransition, o.ID, err)
		}
		return nil, fmt.Errorf("buybutton: order %s: cancel: %w", o.ID, err)
	}
	return c.settleCancellation(ctx, m, o.ID, p.Reason, actor)
}

// settleCancellation returns the money of an order the merchant canceled,
// and records the cancellation.
func (c *Client) settleCancellation(ctx context.Context, m Merchant, orderID, reason, actor string) (*Order, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status == OrderCanceled {
		return o, nil
	}
	// Checked before any money moves: the webhook of a merchant's
	// cancellation comes here without CancelOrder's check.
	if err := orderMachine.check(o.ID, o.Status, OrderCanceled); err != nil {
		return nil, err
	}
	voided := false
	switch {
	case o.Voided:
	case !o.Captured.IsPositive():
		if err := releasePayment(ctx, m, o.ID+":void", o.PaymentID); err != nil {
			return nil, fmt.Errorf("buybutton: order %s: void: %w", o.ID, err)
		}
		voided = true
	default:
		// Settle the refunds still pending first: one of an earlier
		// attempt may have returned the money already.
		refunds := c.orderRefunds(o.ID, actor)
		if err := settlePending(ctx, refunds); err != nil {
			return nil, err
		}
		if o, err = c.store.Order(ctx, orderID); err != nil {
			return nil, err
		}
		if left := refundableOf(o); left.IsPositive() {
			// A key per attempt, from what the order holds: racing
			// cancellations share one refund, and after a refund the
			// platform refused, which is final, a retry asks again.
			key := "cancel:" + strconv.Itoa(len(o.Refunds))
			if _, err := startRefund(ctx, c, refunds, left, "order canceled", key, "cancel"); err != nil {
				return nil, err
			}
		}
	}
	return c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		if o.Status == OrderCanceled {
			return true, nil
		}
		// Canceled means the money is back: all of it refunded, or the
		// hold voided. A racing attempt's refund still on its way, or a
		// capture since the order was read, is for a retry to settle.
		if !voided && !o.Voided && !refundedOf(o).Equal(o.Captured) {
			return false, fmt.Errorf("buybutton: order %s: %s of %s captured is refunded: %w", o.ID, refundedOf(o), o.Captured, ErrInProgress)
		}
		was := o.PaymentState()
		if voided {
			o.Voided = true
			tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "voided: order canceled", actor, c.now()))
		}
		if err := c.moveOrder(o, tx, OrderCanceled, "canceled: "+reason, actor); err != nil {
			return false, err
		}
		e := c.event(EventOrderCanceled, o, c.now())
		e.Reason = reason
		tx.Events = append(tx.Events, e)
		return false, nil
	})
}
