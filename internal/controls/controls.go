// Package controls holds the deliberately broken pieces that the
// library's concurrency tests run as negative controls, so that a test
// shows it can fail: a store without compare-and-set and a provider that
// ignores idempotency keys. The core's tests and the PostgreSQL store's
// share them.
package controls

import (
	"context"
	"errors"
	"runtime"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// LastWriteWins is a store that skips compare-and-set for carts and
// checkouts by writing them at whatever version is current, as a naive
// UPDATE without a version check does.
type LastWriteWins struct{ buybutton.Store }

func (s LastWriteWins) Commit(ctx context.Context, tx *buybutton.Tx) error {
	for {
		runtime.Gosched() // let other writers in, as a network round trip would
		for _, c := range tx.Carts {
			if cur, err := s.Store.Cart(ctx, c.ID); err == nil {
				c.Version = cur.Version
			}
		}
		for _, co := range tx.Checkouts {
			if cur, err := s.Store.Checkout(ctx, co.ID); err == nil {
				co.Version = cur.Version
			}
		}
		err := s.Store.Commit(ctx, tx)
		var ce *buybutton.ConflictError
		if errors.As(err, &ce) && (ce.Kind == "cart" || ce.Kind == "checkout") {
			continue
		}
		return err
	}
}

// ForgetfulKeys is a provider that ignores idempotency keys, as an
// integration that makes a fresh key per call does. Only the checkout's
// claim then stands between a retry and a second charge.
type ForgetfulKeys struct{ *memory.Provider }

func (p ForgetfulKeys) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	req.IdempotencyKey = uuid.NewString()
	return p.Provider.Authorize(ctx, req)
}

func (p ForgetfulKeys) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	req.IdempotencyKey = uuid.NewString()
	return p.Provider.Reserve(ctx, req)
}

func (p ForgetfulKeys) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	req.IdempotencyKey = uuid.NewString()
	return p.Provider.Donate(ctx, req)
}

func (p ForgetfulKeys) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	req.IdempotencyKey = uuid.NewString()
	return p.Provider.PlaceOrder(ctx, req)
}
