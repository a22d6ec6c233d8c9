package postgres

import (
	"context"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// capturedThenGone is provider/memory whose caller goes away as soon as a
// capture has answered: the buyer's app closed just then.
type capturedThenGone struct {
	*memory.Provider
	cancel context.CancelFunc
}

func (p *capturedThenGone) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	pay, err := p.Provider.Capture(ctx, req)
	p.cancel()
	return pay, err
}

// TestBuyerHangingUpAfterCaptureIsRecorded: pgx sends nothing on a done
// context, yet a Confirm whose caller went away once the platform had
// captured commits the order: the checkout is placed at once, not left
// claimed for the rest of the claim lease with the money taken and the
// database not knowing.
func TestBuyerHangingUpAfterCaptureIsRecorded(t *testing.T) {
	shop := &capturedThenGone{Provider: memory.New(nil)}
	c := instances(t, freshSchema(t), 1, shop, nil)[0]
	const buyer = "buyer-1"
	id := ready(t, c, buyer)
	tap, cancel := context.WithCancel(context.Background())
	defer cancel()
	shop.cancel = cancel

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
