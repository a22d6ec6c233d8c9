package buybutton

import (
	"context"
	"fmt"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// capture takes amount of the authorized payment paymentID with key.
//
// It tells three outcomes apart. Captured: the money taken (also when the
// platform refuses a capture that already happened, having forgotten the
// key, as Stripe does after 24 hours: the payment is read back before a
// refusal is believed). Refused: the platform definitely will not capture
// (the hold lapsed or was voided, the issuer declined); refused says why,
// and the order keeps it for the host to settle, since retrying with the
// same key would only replay the refusal. Anything else (unknown outcomes,
// a platform that is busy, a capture answered with a payment not yet
// captured) is returned as err, for the caller to retry with the same key.
//
// A capture is believed only from a payment in [provider.PaymentCaptured]:
// a platform that accepted the capture and is still processing it has
// taken nothing yet, and recording its answer's zero as the capture would
// leave the order held, with nothing to capture it again.
func capture(ctx context.Context, m Merchant, key, paymentID string, amount money.Amount) (captured money.Amount, refused string, err error) {
	pay, err := m.Payments.Capture(ctx, provider.CaptureRequest{IdempotencyKey: key, PaymentID: paymentID, Amount: amount})
	if err == nil {
		if pay.Status == provider.PaymentCaptured {
			return pay.Captured, "", nil
		}
		return money.Amount{}, "", fmt.Errorf("%w: payment %s answered a capture as %s", ErrUnknownOutcome, paymentID, pay.Status)
	}
	if !definite(err) || transient(err) {
		return money.Amount{}, "", err
	}
	now, rerr := m.Payments.Payment(ctx, paymentID)
	if rerr != nil {
		return money.Amount{}, "", fmt.Errorf("%w (reading the payment back: %w)", err, rerr)
	}
	if now.Status == provider.PaymentCaptured {
		return now.Captured, "", nil
	}
	return money.Zero(amount.Currency()), platformText(err.Error(), 500), nil
}

// captureOnShipment captures an order's payment when it ships, under
// CaptureOnShipment. A refusal is recorded on the order and told to the
// host, and the shipment goes on being recorded: the parcel has left.
func (c *Client) captureOnShipment(ctx context.Context, m Merchant, orderID string) error {
	o, err := c.store.Order(ctx, orderID)
	if err != nil {
		return err
	}
	if c.capturePolicy != CaptureOnShipment || !o.holdOpen() {
		return nil
	}
	captured, refused, err := capture(ctx, m, o.ID+":capture", o.PaymentID, o.Authorized)
	if err != nil {
		return fmt.Errorf("buybutton: order %s: capture on shipment: %w", o.ID, err)
	}
	_, err = c.updateOrder(ctx, orderID, func(o *Order, tx *Tx) (bool, error) {
		if o.Captured.IsPositive() || o.CaptureFailure != "" {
			return true, nil
		}
		actor, now := providerActor(m.ID), c.now()
		if refused != "" {
			c.failCapture(o, tx, "capture refused on shipment: "+refused, actor, now)
			return false, nil
		}
		c.recordCapture(o, tx, captured, "captured on shipment", actor, now)
		return false, nil
	})
	return err
}

// recordCapture records on o, within tx, that captured was taken, and
// tells the host.
func (c *Client) recordCapture(o *Order, tx *Tx, captured money.Amount, why, actor string, now time.Time) {
	was := o.PaymentState()
	o.Captured = captured
	tx.Transitions = append(tx.Transitions, paymentTransition(o, was, why, actor, now))
	tx.Events = append(tx.Events, c.event(EventPaymentCaptured, o, now))
}

// failCapture records on o, within tx, that its payment cannot be
// captured and why, and tells the host.
func (c *Client) failCapture(o *Order, tx *Tx, why, actor string, now time.Time) {
	was := o.PaymentState()
	o.CaptureFailure = why
	tx.Transitions = append(tx.Transitions, paymentTransition(o, was, why, actor, now))
	tx.Events = append(tx.Events, c.captureFailedEvent(o, now))
}

// captureFailedEvent tells the host that o's payment cannot be captured,
// and why (o.CaptureFailure).
func (c *Client) captureFailedEvent(o *Order, at time.Time) Event {
	e := c.event(EventPaymentCaptureFailed, o, at)
	e.Reason = o.CaptureFailure
	return e
}

// holdOpen reports whether o's payment is held and still expected to be
// captured: not captured, voided, canceled, or known to be uncapturable,
// and not an order that cost nothing, which has no payment.
func (o *Order) holdOpen() bool {
	return o.hasPayment() && !o.Captured.IsPositive() && !o.Voided && o.Status != OrderCanceled && o.CaptureFailure == ""
}
