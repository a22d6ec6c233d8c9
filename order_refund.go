package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// RefundParams returns money of an order to its buyer.
type RefundParams struct {
	OrderID string
	Amount  money.Amount // in the order's currency, minor units
	Reason  string
	// IdempotencyKey is the caller's key for this refund: a retry with the
	// same key and parameters returns the same refund and refunds nothing
	// more; the same key with other parameters is
	// provider.ErrIdempotencyConflict.
	IdempotencyKey string
}

// RefundOrder refunds part or all of an order's captured payment. It is for
// the host (a merchant or support tool), not the buyer.
//
// The refund is recorded as pending, with its amount set aside, before the
// provider is called, in one compare-and-set with the caller's key; so
// refunds racing each other never together exceed what was captured
// (provider.ErrRefundExceedsCapture, nothing refunded), and a retry after a
// crash or an unknown outcome resumes the same refund with the same
// provider key. An unknown outcome leaves the refund pending:
// [Client.ReconcileOrder] settles it.
func (c *Client) RefundOrder(ctx context.Context, p RefundParams) (*OrderRefund, error) {
	if err := checkID("idempotency_key", p.IdempotencyKey, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if err := checkText("reason", p.Reason, 0, 500, false); err != nil {
		return nil, err
	}
	if !p.Amount.IsPositive() || !p.Amount.IsRounded() {
		return nil, invalid("amount", "%s is not a positive amount in minor units", p.Amount)
	}
	return c.refund(ctx, p, p.Amount.String()+"|"+p.Reason)
}

// refund records (or finds) the refund keyed by p.IdempotencyKey and
// settles it with the provider.
func (c *Client) refund(ctx context.Context, p RefundParams, fingerprint string) (*OrderRefund, error) {
	key := "refund:" + p.OrderID + ":" + p.IdempotencyKey
	refundID := "re_" + uuid.NewString()
	_, err := c.updateOrder(ctx, p.OrderID, func(o *Order, tx *Tx) (bool, error) {
		if p.Amount.Currency() != o.Currency {
			return false, invalid("amount", "in %s, not the order's %s", p.Amount.Currency(), o.Currency)
		}
		if rec, err := c.store.Idempotency(ctx, key); err == nil {
			if rec.Fingerprint != fingerprint {
				return false, fmt.Errorf("buybutton: refund key %q: %w", truncate(p.IdempotencyKey, 64), provider.ErrIdempotencyConflict)
			}
			refundID = rec.ResultID
			return true, nil
		} else if !errors.Is(err, ErrNotFound) {
			return false, err
		}
		if over, _ := p.Amount.Cmp(o.refundable()); over > 0 {
			return false, fmt.Errorf("buybutton: order %s: refund of %s leaves %s refundable: %w", o.ID, p.Amount, o.refundable(), provider.ErrRefundExceedsCapture)
		}
		o.Refunds = append(o.Refunds, OrderRefund{ID: refundID, Amount: p.Amount, Reason: p.Reason, Status: RefundPending, CreatedAt: c.now()})
		tx.Idempotency = append(tx.Idempotency, IdempotencyRecord{Key: key, Fingerprint: fingerprint, ResultID: refundID, CreatedAt: c.now()})
		return false, nil
	})
	if conflictOn(err, "idempotency") {
		return c.refund(ctx, p, fingerprint) // a racing call with the same key won: resume its refund
	}
	if err != nil {
		return nil, err
	}
	return c.settleRefund(ctx, p.OrderID, refundID)
}

// settleRefund calls the provider for a pending refund and records the
// answer. A refund that is no longer pending is returned as it is.
func (c *Client) settleRefund(ctx context.Context, orderID, refundID string) (*OrderRefund, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	r := o.refund(refundID)
	if r == nil {
		return nil, fmt.Errorf("%w: refund %s of order %s", ErrNotFound, refundID, orderID)
	}
	if r.Status != RefundPending {
		return r, nil
	}
	m, err := c.merchant(o.MerchantID)
	if err != nil {
		return nil, err
	}
	pr, callErr := m.Payments.Refund(ctx, provider.RefundRequest{IdempotencyKey: r.ID, PaymentID: o.PaymentID, Amount: r.Amount, Reason: r.Reason})
	if callErr != nil && !definite(callErr) {
		return r, fmt.Errorf("buybutton: refund %s: %w", r.ID, unknownOutcome(callErr))
	}
	var settled *OrderRefund
	_, err = c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		r := o.refund(refundID)
		if r.Status != RefundPending {
			settled = r
			return true, nil
		}
		was := o.PaymentState()
		if callErr != nil {
			r.Status = RefundFailed
			e := c.event(EventRefundFailed, o, c.now())
			e.RefundID, e.Amount, e.Reason = r.ID, &r.Amount, callErr.Error()
			tx.Events = append(tx.Events, e)
		} else {
			r.Status, r.ProviderRefundID = RefundSucceeded, pr.ID
			tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "refund", MerchantID: o.MerchantID, ExternalID: pr.ID}, ID: o.ID})
			e := c.event(EventRefundSucceeded, o, c.now())
			e.RefundID, e.Amount = r.ID, &r.Amount
			tx.Events = append(tx.Events, e)
		}
		tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "refund "+r.ID+" "+string(r.Status), "host", c.now()))
		settled = r
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if callErr != nil {
		return settled, fmt.Errorf("buybutton: refund %s: %w", refundID, callErr)
	}
	return settled, nil
}

func (o *Order) refund(id string) *OrderRefund {
	for i := range o.Refunds {
		if o.Refunds[i].ID == id {
			return &o.Refunds[i]
		}
	}
	return nil
}

// paymentTransition records a change of an order's derived payment state.
func paymentTransition(o *Order, was PaymentState, reason, actor string, at time.Time) Transition {
	return Transition{SubjectID: o.ID, Machine: "payment", From: string(was), To: string(o.PaymentState()), Reason: reason, Actor: actor, At: at}
}

// ReconcileOrder settles an order's refunds whose outcome was unknown, by
// asking the provider again with the same keys.
func (c *Client) ReconcileOrder(ctx context.Context, orderID string) (*Order, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, r := range o.Refunds {
		if r.Status == RefundPending {
			if _, err := c.settleRefund(ctx, orderID, r.ID); err != nil && !definite(err) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c.store.Order(ctx, orderID)
}
