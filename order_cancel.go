package buybutton

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/buybutton/buybutton/money"
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
// refunded in full (if it was); an order that cost nothing has none.
// The cancellation is recorded on the order ([Order].Cancellation, with
// Asking set) before the merchant is asked, and every provider call has
// a key derived from the order id, so a retry, or [Client.Maintain],
// finishes the same cancellation after any failure, a store's included.
// The order is recorded as canceled only once its money is back: a
// merchant or a void or refund the platform could not answer yet (or
// whose answer was lost) is returned as the error, with the order placed
// and owing the cancellation, which maintenance or a retry finishes. A
// refusal for good is returned too, recorded as the cancellation's
// Failure and told to the host ([EventOrderCancelFailed]); maintenance
// leaves it, and CancelOrder asks again. An order that shipped is
// [ErrIllegalTransition], and so is one whose merchant refuses to cancel
// it (it shipped there): the cancellation is withdrawn. A cancelled order
// is returned as it is.
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
	if err := ctx.Err(); err != nil {
		return nil, err // a caller already gone asks for nothing
	}
	if o, err = c.ask(ctx, o.ID, p.Reason, actor); err != nil {
		return nil, err
	}
	return c.cancelAtMerchant(ctx, m, o, false)
}

// ask records that actor asked to cancel the order, for reason, before
// the merchant is asked (see [Cancellation].Asking). A cancellation under
// way is kept as it was asked first; one the platform refused for good is
// asked again.
func (c *Client) ask(ctx context.Context, orderID, reason, actor string) (*Order, error) {
	return c.updateOrder(ctx, orderID, func(o *Order, _ *Tx) (bool, error) {
		if o.Status == OrderCanceled || o.cancelOwed() {
			return true, nil
		}
		if err := orderMachine.check(o.ID, o.Status, OrderCanceled); err != nil {
			return false, err
		}
		o.Cancellation = &Cancellation{Reason: reason, Actor: actor, At: c.now(), Asking: true}
		return false, nil
	})
}

// cancelAtMerchant asks the merchant to cancel o, if its cancellation is
// still asking, under the order's key, then returns the money
// (settleCancellation). A merchant that refuses (the order shipped)
// withdraws the cancellation: [ErrIllegalTransition], and, if tell (the
// caller that asked has gone: maintenance asks), [EventOrderCancelFailed]
// to the host.
func (c *Client) cancelAtMerchant(ctx context.Context, m Merchant, o *Order, tell bool) (*Order, error) {
	if o.Status == OrderCanceled {
		return o, nil
	}
	if o.Cancellation != nil && o.Cancellation.Asking {
		_, err := m.Orders.CancelOrder(ctx, provider.CancelOrderRequest{IdempotencyKey: o.ID + ":cancel", OrderID: o.ProviderOrderID, Reason: o.Cancellation.Reason})
		if errors.Is(err, provider.ErrInvalidState) {
			refused := fmt.Errorf("%w: order %s: the merchant says it can no longer be canceled: %w", ErrIllegalTransition, o.ID, err)
			if werr := c.withdrawCancellation(ctx, o.ID, refused, tell); werr != nil {
				return nil, werr
			}
			return nil, refused
		}
		if err != nil {
			return nil, fmt.Errorf("buybutton: order %s: cancel: %w", o.ID, err)
		}
	}
	return c.settleCancellation(ctx, m, o.ID, o.Cancellation.Reason, o.Cancellation.Actor)
}

// withdrawCancellation takes back the cancellation of an order that its
// merchant refused to cancel, and, if tell, tells the host why
// ([EventOrderCancelFailed]).
func (c *Client) withdrawCancellation(ctx context.Context, orderID string, why error, tell bool) error {
	_, err := c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		if o.Cancellation == nil || !o.Cancellation.Asking {
			return true, nil
		}
		o.Cancellation = nil
		if tell {
			e := c.event(EventOrderCancelFailed, o, c.now())
			e.Reason = platformText(why.Error(), 500)
			tx.Events = append(tx.Events, e)
		}
		return false, nil
	})
	return err
}

// settleCancellation returns the money of an order the merchant canceled,
// and records the cancellation.
//
// It first records the Cancellation on the order, so that from then on
// the order owes it: if the money cannot be returned now (the platform is
// down, an answer is lost), maintenance finishes it, with the reason and
// actor given here. A platform that refuses to return the money for good
// is recorded as the cancellation's Failure and told to the host
// ([EventOrderCancelFailed]); maintenance then leaves it, and a
// [Client.CancelOrder] asks again. A refusal while the platform has
// refunded more than the order records is a race with a refund made on
// the platform, not a refusal for good: the cancellation stays owed
// ([ErrInProgress]) until that refund's event comes.
func (c *Client) settleCancellation(ctx context.Context, m Merchant, orderID, reason, actor string) (*Order, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status == OrderCanceled {
		return o, nil
	}
	if !o.cancelOwed() || o.Cancellation.Asking {
		// owe checks the transition before any money moves: the webhook
		// of a merchant's cancellation comes here without CancelOrder's
		// check.
		if o, err = c.owe(ctx, orderID, reason, actor); err != nil {
			return nil, err
		}
		if o.Status == OrderCanceled {
			return o, nil
		}
	}
	voided, err := c.returnMoney(ctx, m, o, actor)
	if err != nil {
		raced := errors.Is(err, provider.ErrRefundExceedsCapture)
		if !raced && !refusedForGood(err) {
			return nil, err
		}
		// A refusal may be a race with a refund made on the platform (the
		// refund it refused would have taken more than is left there), and
		// a refusal read back from the record no longer says why. Such a
		// race is for the platform's event of that refund to settle: the
		// cancellation stays owed, and the caller is told it is under way.
		switch behind, rerr := c.refundsBehind(ctx, m, orderID); {
		case rerr != nil:
			return nil, fmt.Errorf("buybutton: order %s: %v; asking the platform whether that was a race: %w", orderID, err, rerr)
		case behind:
			return nil, fmt.Errorf("buybutton: order %s: the platform has refunded more than the order records, and its event has not come (%v): %w", orderID, err, ErrInProgress)
		case raced:
			return nil, err // another refund of the library's own: the retry settles it
		}
		return nil, c.failCancellation(ctx, orderID, err)
	}
	return c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		if o.Status == OrderCanceled {
			return true, nil
		}
		// Canceled means the money is back: all of it refunded (or taken
		// back by a dispute the merchant lost), or the hold voided. A
		// racing attempt's refund still on its way, or a capture since the
		// order was read, is for a retry to settle.
		if back, _ := returnedOf(o).Cmp(o.Captured); !voided && !o.Voided && back < 0 {
			return false, fmt.Errorf("buybutton: order %s: %s of %s captured is back with the buyer: %w", o.ID, returnedOf(o), o.Captured, ErrInProgress)
		}
		was, now := o.PaymentState(), c.now()
		if voided {
			o.Voided = true
			tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "voided: order canceled", actor, now))
		}
		if err := c.moveOrder(o, tx, OrderCanceled, "canceled: "+o.Cancellation.Reason, o.Cancellation.Actor, now); err != nil {
			return false, err
		}
		e := c.event(EventOrderCanceled, o, now)
		e.Reason = o.Cancellation.Reason
		tx.Events = append(tx.Events, e)
		return false, nil
	})
}

// owe records that the merchant accepted the cancellation of an order,
// asked by actor for reason: from now on the order owes the buyer's money
// back (see [Order].Cancellation). A cancellation already owed, or asked
// of the merchant, is kept as it was asked first, and is no longer
// asking.
func (c *Client) owe(ctx context.Context, orderID, reason, actor string) (*Order, error) {
	return c.updateOrder(ctx, orderID, func(o *Order, _ *Tx) (bool, error) {
		if o.Status == OrderCanceled || o.cancelOwed() && !o.Cancellation.Asking {
			return true, nil
		}
		if err := orderMachine.check(o.ID, o.Status, OrderCanceled); err != nil {
			return false, err
		}
		if o.cancelOwed() {
			o.Cancellation.Asking = false
			return false, nil
		}
		o.Cancellation = &Cancellation{Reason: reason, Actor: actor, At: c.now()}
		return false, nil
	})
}

// returnMoney voids the payment of a canceled order (if not captured) or
// refunds what is left of it (if it was), and reports whether it voided.
// An order that cost nothing has no money to return.
func (c *Client) returnMoney(ctx context.Context, m Merchant, o *Order, actor string) (voided bool, err error) {
	if o.Voided || !o.hasPayment() {
		return false, nil
	}
	if !o.Captured.IsPositive() {
		if voided, o, err = c.voidHold(ctx, m, o); err != nil || voided {
			return voided, err
		}
	}
	// Settle the refunds still pending first: one of an earlier attempt
	// may have returned the money already.
	refunds := c.orderRefunds(o.ID, actor)
	if err := settlePending(ctx, refunds); err != nil {
		return false, err
	}
	o, err = c.store.Order(ctx, o.ID)
	if err != nil {
		return false, err
	}
	left := refundableOf(o)
	if !left.IsPositive() {
		return false, nil
	}
	if left, err = leftOnPlatform(ctx, m, o, left); err != nil || !left.IsPositive() {
		return false, err
	}
	// A key per attempt, from what the order holds: racing cancellations
	// share one refund, and after a refund the platform refused, which is
	// final, a retry asks again.
	key := "cancel:" + strconv.Itoa(len(o.Refunds))
	if _, err := startRefund(ctx, c, refunds, left, nil, "order canceled", key, "cancel"); err != nil {
		return false, err
	}
	return false, nil
}

// refundsBehind reports whether the platform has refunded more of the
// order's payment than the order records: a refund made on the platform
// whose event has not come.
func (c *Client) refundsBehind(ctx context.Context, m Merchant, orderID string) (bool, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return false, err
	}
	pay, err := m.Payments.Payment(ctx, o.PaymentID)
	if err != nil {
		return false, fmt.Errorf("buybutton: order %s: reading the payment: %w", o.ID, err)
	}
	more, err := pay.Refunded.Cmp(refundedOf(o))
	return err == nil && more > 0, nil
}

// leftOnPlatform is what a cancellation refunds of o's payment: left, what
// the order's record says is left, or less when the platform has refunded
// more than the order knows (the merchant refunded part on the platform's
// dashboard and its event has not come). The record's figure would then be
// refused as more than was captured; the rest is refunded now, and the
// order is canceled once the event has come (until then, ErrInProgress).
func leftOnPlatform(ctx context.Context, m Merchant, o *Order, left money.Amount) (money.Amount, error) {
	pay, err := m.Payments.Payment(ctx, o.PaymentID)
	if err != nil {
		return money.Amount{}, fmt.Errorf("buybutton: order %s: reading the payment to refund: %w", o.ID, err)
	}
	if pay.Status != provider.PaymentCaptured {
		return left, nil // not what the order says: the platform answers the refund itself
	}
	there, err := pay.Captured.Sub(pay.Refunded)
	if err != nil || pay.Captured.Currency() != o.Currency {
		return money.Amount{}, fmt.Errorf("%w: order %s: payment %s answered in %s, not %s", ErrUnknownOutcome, o.ID, o.PaymentID, pay.Captured.Currency(), o.Currency)
	}
	if less, _ := there.Cmp(left); less < 0 {
		return there, nil
	}
	return left, nil
}

// voidHold voids the held payment of a canceled order, and reports
// whether it did. A payment the platform will not void because the
// merchant captured it on the platform, whose event has not come yet, is
// recorded as captured and returned for refunding: so the refund that
// gives the money back is one the order records, not one made behind its
// back.
func (c *Client) voidHold(ctx context.Context, m Merchant, o *Order) (voided bool, _ *Order, err error) {
	pay, err := voidPayment(ctx, m, o.ID+":void", o.PaymentID)
	if err != nil {
		return false, nil, fmt.Errorf("buybutton: order %s: void: %w", o.ID, err)
	}
	if pay == nil {
		return true, o, nil
	}
	o, err = c.updateOrder(ctx, o.ID, func(o *Order, tx *Tx) (bool, error) {
		was := o.Captured
		c.capturedOnPlatform(o, tx, pay.Captured, providerActor(m.ID), c.now())
		return o.Captured.Equal(was), nil
	})
	return false, o, err
}

// refusedForGood reports whether err is the platform refusing to return
// a canceled order's money in a way that asking again will not change: a
// refund refused, or a payment that cannot be voided. A race (another
// refund, made on the platform's dashboard, taking part of what was left,
// so that the platform refuses the refund as more than was captured) is
// not one: the next attempt refunds what the platform has left.
func refusedForGood(err error) bool {
	if errors.Is(err, provider.ErrRefundExceedsCapture) {
		return false
	}
	return errors.Is(err, ErrRefundFailed) || errors.Is(err, provider.ErrInvalidState) ||
		errors.Is(err, provider.ErrInvalidRequest) || errors.Is(err, provider.ErrDeclined)
}

// failCancellation records why the platform would not return a canceled
// order's money, tells the host, and returns cause. If the record cannot
// be written, it returns that error instead, one that a retry settles.
func (c *Client) failCancellation(ctx context.Context, orderID string, cause error) error {
	_, err := c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		if !o.cancelOwed() {
			return true, nil
		}
		o.Cancellation.Failure = platformText(cause.Error(), 500)
		e := c.event(EventOrderCancelFailed, o, c.now())
		e.Reason = o.Cancellation.Failure
		tx.Events = append(tx.Events, e)
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("buybutton: order %s: recording that the platform refused (%v): %w", orderID, cause, err)
	}
	return cause
}
