package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// goneAfter is provider/memory whose caller goes away as soon as the step
// named after has answered: the buyer's app closed, or the host's request
// timed out, just then.
type goneAfter struct {
	*memory.Provider
	after  string
	cancel context.CancelFunc
}

func (p *goneAfter) answered(step string) {
	if step == p.after {
		p.cancel()
	}
}

func (p *goneAfter) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	defer p.answered("capture")
	return p.Provider.Capture(ctx, req)
}

func (p *goneAfter) CancelOrder(ctx context.Context, req provider.CancelOrderRequest) (provider.Order, error) {
	defer p.answered("cancel order")
	return p.Provider.CancelOrder(ctx, req)
}

// hangingUp is one library instance over a fresh schema whose platform's
// caller goes away after step, and the context of that caller.
func hangingUp(t *testing.T, step string) (*buybutton.Client, *goneAfter, context.Context) {
	shop := &goneAfter{Provider: memory.New(nil), after: step}
	c := instances(t, freshSchema(t), 1, shop, nil)[0]
	call, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	shop.cancel = cancel
	return c, shop, call
}

// TestBuyerHangingUpAfterCaptureIsRecorded: pgx sends nothing on a done
// context, yet a Confirm whose caller went away once the platform had
// captured commits the order: the checkout is placed at once, not left
// claimed for the rest of the claim lease with the money taken and the
// database not knowing.
func TestBuyerHangingUpAfterCaptureIsRecorded(t *testing.T) {
	c, shop, tap := hangingUp(t, "capture")
	const buyer = "buyer-1"
	id := ready(t, c, buyer)

	o, err := c.Confirm(tap, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: id, PaymentToken: memory.TokenApprove})
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	co, err := c.Checkout(context.Background(), buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	if co.State != buybutton.CheckoutPlaced || co.OrderID != o.ID {
		t.Errorf("checkout is %s with order %q, want placed with order %s", co.State, co.OrderID, o.ID)
	}
	if got := shop.Stats(); got.Authorizations != 1 || got.Captures != 1 || got.Orders != 1 {
		t.Errorf("platform saw %+v, want one authorization, order and capture", got)
	}
}

// TestHostHangingUpAfterTheMerchantCanceledIsRecorded: the host's request
// to cancel an order goes away once the merchant has canceled it. The
// order is read and recorded as owing the cancellation all the same (the
// refund, whose call would be made on the done context, is maintenance's
// to finish); before, the read failed and nothing recorded that the
// merchant had canceled an order whose money was still taken.
func TestHostHangingUpAfterTheMerchantCanceledIsRecorded(t *testing.T) {
	c, shop, call := hangingUp(t, "cancel order")
	const buyer = "buyer-1"
	o, err := c.Confirm(context.Background(), buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: ready(t, c, buyer), PaymentToken: memory.TokenApprove})
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.CancelOrder(call, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v, want the caller's context.Canceled", err)
	}
	if got, err := c.Order(context.Background(), buyer, o.ID); err != nil {
		t.Fatal(err)
	} else if got.Cancellation == nil {
		t.Errorf("order %s is %s and owes no cancellation; the merchant canceled it", got.ID, got.Status)
	}
	if got := shop.Stats(); got.Cancellations != 1 || got.Refunds != 0 {
		t.Errorf("platform saw %+v, want the merchant's cancel and no refund yet", got)
	}
}
