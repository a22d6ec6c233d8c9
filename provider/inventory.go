package provider

import (
	"context"
	"time"
)

// Inventory holds stock for a checkout while the buyer pays.
//
// A reservation is all or nothing, lasts until its TTL passes, and is
// consumed by the order that [Orders.PlaceOrder] places with its id. A
// merchant whose platform has no reservations leaves Inventory out; the
// library then relies on PlaceOrder to refuse stock it does not have.
type Inventory interface {
	// Reserve holds every line's quantity until now+TTL, or holds nothing
	// and returns an [*OutOfStockError] for the first line that cannot be
	// had. Concurrent reservations never together exceed the stock: of N
	// callers racing for the last unit, exactly one succeeds.
	//
	// The same IdempotencyKey returns the same reservation (even after it
	// expired) and holds nothing more.
	Reserve(ctx context.Context, req ReserveRequest) (Reservation, error)

	// ReleaseReservation returns a reservation's stock at once. Releasing a
	// released or expired reservation succeeds and changes nothing;
	// releasing one an order consumed is [ErrInvalidState]; an unknown id
	// is [ErrNotFound].
	ReleaseReservation(ctx context.Context, reservationID string) error
}

// ReserveRequest asks for stock. The library guarantees TTL > 0, at least
// one line, positive quantities and no variant twice.
type ReserveRequest struct {
	IdempotencyKey string
	Lines          []StockLine
	TTL            time.Duration
}

// StockLine is a quantity of one variant.
type StockLine struct {
	VariantID string
	Quantity  int
}

// Reservation is stock held for a checkout.
type Reservation struct {
	ID        string
	Lines     []StockLine
	ExpiresAt time.Time
}
