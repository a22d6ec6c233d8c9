package providertest

import (
	"errors"
	"testing"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

func runOrders(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Orders]{
		{"PlaceOrderConsumesReservation", func(t *testing.T, e env[provider.Orders]) {
			inv := inventoryOf(t, e)
			r, err := inv.Reserve(e.ctx, provider.ReserveRequest{
				IdempotencyKey: key(t, "reserve"),
				Lines:          []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: e.fx.Stock}},
				TTL:            10 * time.Minute,
			})
			if err != nil {
				t.Fatalf("Reserve: %v", err)
			}
			o := placeOrder(t, e, "order", r.ID, e.fx.Stock)
			if o.Status != provider.OrderPlaced {
				t.Errorf("Status = %q, want %q", o.Status, provider.OrderPlaced)
			}
			if err := inv.ReleaseReservation(e.ctx, r.ID); !errors.Is(err, provider.ErrInvalidState) {
				t.Errorf("releasing a consumed reservation: err = %v, want ErrInvalidState", err)
			}
			if !e.h.Advance(time.Hour) {
				return
			}
			// The order owns the stock now; the reservation's expiry must not return it.
			_, err = inv.Reserve(e.ctx, provider.ReserveRequest{
				IdempotencyKey: key(t, "after"),
				Lines:          []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: 1}},
				TTL:            10 * time.Minute,
			})
			if !errors.Is(err, provider.ErrOutOfStock) {
				t.Fatalf("stock ordered came back after the reservation's TTL: err = %v, want ErrOutOfStock", err)
			}
		}},
		{"PlaceOrderRefusesExpiredReservation", func(t *testing.T, e env[provider.Orders]) {
			inv := inventoryOf(t, e)
			r, err := inv.Reserve(e.ctx, provider.ReserveRequest{
				IdempotencyKey: key(t, "reserve"),
				Lines:          []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: 1}},
				TTL:            10 * time.Minute,
			})
			if err != nil {
				t.Fatalf("Reserve: %v", err)
			}
			if !e.h.Advance(11 * time.Minute) {
				t.Skip("harness cannot move the provider's clock")
			}
			_, err = tryPlaceOrder(t, e, key(t, "order"), r.ID, 1)
			if !errors.Is(err, provider.ErrReservationExpired) {
				t.Fatalf("err = %v, want ErrReservationExpired", err)
			}
		}},
		{"PlaceOrderWithoutReservationChecksStock", func(t *testing.T, e env[provider.Orders]) {
			_, err := tryPlaceOrder(t, e, key(t, "too-many"), "", e.fx.Stock+1)
			if !errors.Is(err, provider.ErrOutOfStock) {
				t.Fatalf("ordering more than the stock: err = %v, want ErrOutOfStock", err)
			}
			placeOrder(t, e, "all", "", e.fx.Stock)
		}},
		{"PlaceOrderReplaysWithSameKey", func(t *testing.T, e env[provider.Orders]) {
			first := placeOrder(t, e, "order", "", 1)
			again := placeOrder(t, e, "order", "", 1)
			if again.ID != first.ID {
				t.Fatalf("replay placed order %q, want the original %q", again.ID, first.ID)
			}
			// One order's stock only: the rest can still be ordered.
			placeOrder(t, e, "rest", "", e.fx.Stock-1)
		}},
		{"PlaceOrderRefusesKeyReuseWithOtherParams", func(t *testing.T, e env[provider.Orders]) {
			placeOrder(t, e, "order", "", 1)
			if _, err := tryPlaceOrder(t, e, key(t, "order"), "", 2); !errors.Is(err, provider.ErrIdempotencyConflict) {
				t.Fatalf("err = %v, want ErrIdempotencyConflict", err)
			}
		}},
		{"PlaceOrderWithNoPaymentWhenFree", func(t *testing.T, e env[provider.Orders]) {
			// The lines at their prices, discounted to a total of zero:
			// nothing to pay, so no payment.
			req := orderRequest(t, e, key(t, "free"), "", 1)
			req.Total, req.PaymentID = money.Zero(e.fx.Currency), ""
			o, err := e.p.PlaceOrder(e.ctx, req)
			if err != nil {
				t.Fatalf("PlaceOrder of a free order, with no payment: %v", err)
			}
			if o.ID == "" || o.Status != provider.OrderPlaced || !o.Total.IsZero() {
				t.Fatalf("PlaceOrder = %+v, want a placed order of total zero", o)
			}
			// It takes its stock as any order does.
			if _, err := tryPlaceOrder(t, e, key(t, "too-many"), "", e.fx.Stock); !errors.Is(err, provider.ErrOutOfStock) {
				t.Fatalf("ordering all the stock after a free order took a unit: err = %v, want ErrOutOfStock", err)
			}
		}},
		{"CancelOrderReturnsStock", func(t *testing.T, e env[provider.Orders]) {
			o := placeOrder(t, e, "order", "", e.fx.Stock)
			req := provider.CancelOrderRequest{IdempotencyKey: key(t, "cancel"), OrderID: o.ID, Reason: "buyer asked"}
			c, err := e.p.CancelOrder(e.ctx, req)
			if err != nil || c.Status != provider.OrderCanceled {
				t.Fatalf("CancelOrder = %q, %v; want canceled", c.Status, err)
			}
			req.IdempotencyKey = key(t, "cancel-again")
			if _, err := e.p.CancelOrder(e.ctx, req); err != nil {
				t.Fatalf("cancelling a canceled order: %v, want success and no change", err)
			}
			placeOrder(t, e, "again", "", e.fx.Stock)
		}},
		{"OrderAndItsReplayAreTheCallers", func(t *testing.T, e env[provider.Orders]) {
			o := placeOrder(t, e, "order", "", 1)
			resultIsTheCallers(t, "Order", func() (provider.Order, error) { return e.p.Order(e.ctx, o.ID) })
			resultIsTheCallers(t, "a replayed PlaceOrder", func() (provider.Order, error) {
				return tryPlaceOrder(t, e, key(t, "order"), "", 1)
			})
		}},
		{"OrderReportsState", func(t *testing.T, e env[provider.Orders]) {
			o := placeOrder(t, e, "order", "", 1)
			got, err := e.p.Order(e.ctx, o.ID)
			if err != nil {
				t.Fatalf("Order: %v", err)
			}
			if got.ID != o.ID || got.Status != provider.OrderPlaced || len(got.Lines) != 1 || !got.Total.Equal(o.Total) {
				t.Fatalf("Order = %+v, want the placed order %+v", got, o)
			}
			if _, err := e.p.Order(e.ctx, "providertest-no-such-order"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("unknown order: err = %v, want ErrNotFound", err)
			}
		}},
	})
}

func inventoryOf(t *testing.T, e env[provider.Orders]) provider.Inventory {
	t.Helper()
	inv, ok := e.h.Provider().(provider.Inventory)
	if !ok {
		t.Skip("provider has no Inventory")
	}
	return inv
}

func tryPlaceOrder(t *testing.T, e env[provider.Orders], idempotencyKey, reservationID string, qty int) (provider.Order, error) {
	return e.p.PlaceOrder(e.ctx, orderRequest(t, e, idempotencyKey, reservationID, qty))
}

// orderRequest is an order of qty units of the stocked variant, paid.
func orderRequest(t *testing.T, e env[provider.Orders], idempotencyKey, reservationID string, qty int) provider.PlaceOrderRequest {
	price := units(t, 1000, e.fx.Currency)
	return provider.PlaceOrderRequest{
		IdempotencyKey: idempotencyKey,
		ReservationID:  reservationID,
		Lines:          []provider.OrderLine{{VariantID: e.fx.StockedVariantID, Quantity: qty, UnitPrice: price}},
		ShipTo:         &e.fx.ShipTo,
		PaymentID:      "providertest-payment",
		Total:          price.MulInt(int64(qty)),
		Contact:        provider.Contact{Name: "Conformance Buyer", Email: "buyer@example.com"},
	}
}

func placeOrder(t *testing.T, e env[provider.Orders], label, reservationID string, qty int) provider.Order {
	t.Helper()
	o, err := tryPlaceOrder(t, e, key(t, label), reservationID, qty)
	if err != nil {
		t.Fatalf("PlaceOrder %d (%s): %v", qty, label, err)
	}
	if o.ID == "" {
		t.Fatal("PlaceOrder returned an order without an id")
	}
	return o
}
