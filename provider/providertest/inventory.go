package providertest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/buybutton/buybutton/provider"
)

func runInventory(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Inventory]{
		{"ReserveHoldsStock", func(t *testing.T, e env[provider.Inventory]) {
			reserve(t, e, "all", e.fx.Stock)
			_, err := tryReserve(e, key(t, "one-more"), 1)
			var oos *provider.OutOfStockError
			if !errors.As(err, &oos) || !errors.Is(err, provider.ErrOutOfStock) {
				t.Fatalf("reserving past the stock: err = %v, want *OutOfStockError matching ErrOutOfStock", err)
			}
			if oos.VariantID != e.fx.StockedVariantID || oos.Available != 0 {
				t.Errorf("OutOfStockError = %+v, want variant %q with 0 available", oos, e.fx.StockedVariantID)
			}
		}},
		{"ReserveIsAllOrNothing", func(t *testing.T, e env[provider.Inventory]) {
			if e.fx.SoldOutVariantID == "" {
				t.Skip("fixtures have no sold-out variant")
			}
			_, err := e.p.Reserve(e.ctx, provider.ReserveRequest{
				IdempotencyKey: key(t, "mixed"),
				Lines: []provider.StockLine{
					{VariantID: e.fx.StockedVariantID, Quantity: 1},
					{VariantID: e.fx.SoldOutVariantID, Quantity: 1},
				},
				TTL: 10 * time.Minute,
			})
			if !errors.Is(err, provider.ErrOutOfStock) {
				t.Fatalf("err = %v, want ErrOutOfStock", err)
			}
			// Nothing may have been held: the whole stock is still there.
			reserve(t, e, "all", e.fx.Stock)
		}},
		{"ReserveReplaysWithSameKey", func(t *testing.T, e env[provider.Inventory]) {
			first := reserve(t, e, "replayed", 1)
			again := reserve(t, e, "replayed", 1)
			if again.ID != first.ID {
				t.Fatalf("replay returned reservation %q, want %q", again.ID, first.ID)
			}
			// The replay held nothing more: the rest of the stock is free.
			reserve(t, e, "rest", e.fx.Stock-1)
		}},
		{"ReserveRefusesKeyReuseWithOtherParams", func(t *testing.T, e env[provider.Inventory]) {
			reserve(t, e, "reused", 1)
			_, err := tryReserve(e, key(t, "reused"), 2)
			if !errors.Is(err, provider.ErrIdempotencyConflict) {
				t.Fatalf("err = %v, want ErrIdempotencyConflict", err)
			}
			reserve(t, e, "rest", e.fx.Stock-1)
		}},
		{"ReleaseReturnsStock", func(t *testing.T, e env[provider.Inventory]) {
			r := reserve(t, e, "all", e.fx.Stock)
			if err := e.p.ReleaseReservation(e.ctx, r.ID); err != nil {
				t.Fatalf("ReleaseReservation: %v", err)
			}
			if err := e.p.ReleaseReservation(e.ctx, r.ID); err != nil {
				t.Fatalf("second ReleaseReservation: %v, want success and no change", err)
			}
			reserve(t, e, "again", e.fx.Stock)
		}},
		{"ReleaseUnknownIsNotFound", func(t *testing.T, e env[provider.Inventory]) {
			if err := e.p.ReleaseReservation(e.ctx, "providertest-no-such-reservation"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		}},
		{"ReservationExpires", func(t *testing.T, e env[provider.Inventory]) {
			r := reserve(t, e, "all", e.fx.Stock)
			if !r.ExpiresAt.After(e.h.Now()) {
				t.Errorf("ExpiresAt %v is not after now %v", r.ExpiresAt, e.h.Now())
			}
			if !e.h.Advance(11 * time.Minute) {
				t.Skip("harness cannot move the provider's clock")
			}
			reserve(t, e, "after-expiry", e.fx.Stock)
		}},
		{"ConcurrentReservationsNeverOversell", func(t *testing.T, e env[provider.Inventory]) {
			buyers := 4 * e.fx.Stock
			var wg sync.WaitGroup
			results := make(chan error, buyers)
			for i := range buyers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := tryReserve(e, key(t, fmt.Sprint("buyer-", i)), 1)
					results <- err
				}()
			}
			wg.Wait()
			close(results)
			won := 0
			for err := range results {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, provider.ErrOutOfStock):
					t.Errorf("unexpected error: %v", err)
				}
			}
			if won != e.fx.Stock {
				t.Fatalf("%d buyers raced for %d units: %d reservations succeeded, want exactly %d", buyers, e.fx.Stock, won, e.fx.Stock)
			}
		}},
	})
}

func tryReserve(e env[provider.Inventory], idempotencyKey string, qty int) (provider.Reservation, error) {
	return e.p.Reserve(e.ctx, provider.ReserveRequest{
		IdempotencyKey: idempotencyKey,
		Lines:          []provider.StockLine{{VariantID: e.fx.StockedVariantID, Quantity: qty}},
		TTL:            10 * time.Minute,
	})
}

func reserve(t *testing.T, e env[provider.Inventory], label string, qty int) provider.Reservation {
	t.Helper()
	r, err := tryReserve(e, key(t, label), qty)
	if err != nil {
		t.Fatalf("Reserve %d of %q (%s): %v", qty, e.fx.StockedVariantID, label, err)
	}
	if r.ID == "" {
		t.Fatal("Reserve returned a reservation without an id")
	}
	return r
}
