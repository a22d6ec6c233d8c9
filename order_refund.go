package buybutton

import (
	"context"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// RefundParams returns money of an order to its buyer: an Amount, or
// units of its Lines.
type RefundParams struct {
	OrderID string
	Amount  money.Amount // in the order's currency, whole steps of its platform's charge unit; zero with Lines
	// Lines refunds units of the order's lines instead of an amount (a
	// return): each unit's share of its line's total, the line's
	// subtotal less its discount plus its tax, as it was quoted. See
	// [Client.RefundOrder] for how shares are rounded.
	Lines  []RefundLine
	Reason string
	// IdempotencyKey is the caller's key for this refund: a retry with the
	// same key and parameters returns the same refund and refunds nothing
	// more; the same key with other parameters is
	// provider.ErrIdempotencyConflict. With [Options].Retention set, a key
	// is remembered that long.
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
// provider key. An unknown outcome leaves the refund pending, and so does
// a provider.ErrUnavailable or provider.ErrRateLimited (nothing happened,
// so nothing failed): the order is then due, and [Client.Maintain] sends
// it again; a retry with the same key, or [Client.ReconcileOrder], does so
// at once. A refusal is final: the refund
// is failed, and the same key returns it with [ErrRefundFailed] (never a
// nil error); a new key asks again.
//
// A refund of Lines is priced from the order under the same
// compare-and-set: refunding n more units of a line of q units, of which
// r were refunded already (by refunds that did not fail), returns
// share(r+n) - share(r), where share(k) is the line's total × k / q
// rounded down to the platform's charge unit. The last unit takes what
// rounding left, so a line's units, refunded in any steps, return exactly
// its total. More units than are left to refund is
// provider.ErrRefundExceedsCapture; a variant the order does not have, or
// units that come to nothing, is ErrInvalidInput. Shipping is not a line:
// refund it by amount.
func (c *Client) RefundOrder(ctx context.Context, p RefundParams) (*Refund, error) {
	if err := checkRefund(p.IdempotencyKey, p.Reason); err != nil {
		return nil, err
	}
	fingerprint := p.Amount.String() + "|" + p.Reason
	if p.Lines != nil {
		if err := checkRefundLines(p.Lines, p.Amount); err != nil {
			return nil, err
		}
		fingerprint = linesFingerprint(p.Lines) + "|" + p.Reason
	} else if err := checkRefundAmount(p.Amount); err != nil {
		return nil, err
	}
	return startRefund(ctx, c, c.orderRefunds(p.OrderID, "host"), p.Amount, p.Lines, p.Reason, p.IdempotencyKey, fingerprint)
}

// checkRefund checks the key and the reason a caller gives a refund.
func checkRefund(idempotencyKey, reason string) error {
	if err := checkID("idempotency_key", idempotencyKey, provider.MaxIDLength); err != nil {
		return err
	}
	return checkText("reason", reason, 0, 500, false)
}

// checkRefundAmount checks an amount a caller asks to refund.
func checkRefundAmount(amount money.Amount) error {
	if !amount.IsPositive() || !amount.IsRounded() {
		return invalid("amount", "%s is not a positive amount in minor units", amount)
	}
	return nil
}

func (o *Order) refundList() *[]Refund       { return &o.Refunds }
func (o *Order) refundCeiling() money.Amount { return o.Captured }
func (o *Order) disputeList() []Dispute      { return o.Disputes }

// orderRefunds refunds from an order's captured payment, recording actor
// as who asked.
func (c *Client) orderRefunds(orderID, actor string) refundTarget[*Order] {
	return refundTarget[*Order]{
		kind: "order",
		id:   orderID,
		read: func(ctx context.Context) (*Order, error) { return c.store.Order(ctx, orderID) },
		update: func(ctx context.Context, change func(*Order, *Tx) (bool, error)) error {
			_, err := c.updateOrder(ctx, orderID, change)
			return err
		},
		send: func(ctx context.Context, o *Order, f Refund) (provider.Refund, error) {
			m, err := c.merchant(o.MerchantID)
			if err != nil {
				return provider.Refund{}, err
			}
			return m.Payments.Refund(ctx, provider.RefundRequest{IdempotencyKey: f.ID, KeyCreatedAt: f.CreatedAt, PaymentID: o.PaymentID, Amount: f.Amount, Reason: f.Reason})
		},
		unit: func(o *Order) money.Amount {
			m, _ := c.merchant(o.MerchantID) // an unknown merchant fails the call
			return provider.ChargeUnit(m.Payments, o.Captured.Currency())
		},
		linesAmount: refundLinesAmount,
		settled: func(_ context.Context, o *Order, f *Refund, settle func(), tx *Tx, callErr error) error {
			now := c.now()
			was := o.PaymentState()
			settle()
			e := c.event(EventRefundSucceeded, o, now)
			e.RefundID, e.Amount = f.ID, &f.Amount
			if callErr != nil {
				e.Type, e.Reason = EventRefundFailed, callErr.Error()
			} else {
				tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "refund", MerchantID: o.MerchantID, ExternalID: f.ProviderRefundID}, ID: o.ID})
			}
			tx.Events = append(tx.Events, e)
			tx.Transitions = append(tx.Transitions, paymentTransition(o, was, "refund "+f.ID+" "+string(f.Status), actor, now))
			return nil
		},
	}
}

// paymentTransition records a change of an order's derived payment state.
func paymentTransition(o *Order, was PaymentState, reason, actor string, at time.Time) Transition {
	return paymentMachine.record(o.ID, was, o.PaymentState(), reason, actor, at)
}

// ReconcileOrder brings an order up to what its platforms say. It settles
// the order's refunds that are still pending (an unknown outcome, a
// platform that was down) by asking the provider again with the same
// keys, which is what [Client.Maintain] does when the order is due, at
// once. And it reads the order's payment and the merchant's order on
// their platforms and applies what the record lacks, as the webhooks
// would have: parcels with their tracking, the order fulfilled or
// delivered, or canceled by the merchant (the money then goes back, as
// for order.canceled); a capture made on the platform, a hold that ended
// there uncaptured, and refunds made there (or failed there since they
// succeeded) and disputes as they stand,
// where the provider lists them ([provider.RefundHistories],
// [provider.DisputeHistories]). Platforms stop re-sending a webhook after
// a while (Stripe three days, Shopify four hours, BigCommerce 48 hours):
// [Client.Maintain] reads every order back on a schedule
// ([Options].ReadBack), and a host that knows its endpoint was down
// longer calls this for the orders still open, at once. The host's
// events follow
// ([EventOrderShipped], ...), once each, whichever of the webhook and
// this call comes first.
func (c *Client) ReconcileOrder(ctx context.Context, orderID string) (*Order, error) {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	m, err := c.merchant(o.MerchantID)
	if err != nil {
		return nil, err
	}
	if err := c.catchUp(ctx, m, orderID); err != nil {
		return nil, err
	}
	return c.store.Order(ctx, orderID)
}

// settleOrderRefunds settles the order's refunds still pending, and
// returns the order as it then is.
func (c *Client) settleOrderRefunds(ctx context.Context, orderID string) (*Order, error) {
	if err := settlePending(ctx, c.orderRefunds(orderID, "host")); err != nil {
		return nil, err
	}
	return c.store.Order(ctx, orderID)
}
