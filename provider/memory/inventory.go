package memory

import (
	"container/heap"
	"context"
	"fmt"
	"strings"

	"github.com/buybutton/buybutton/provider"
)

// reservation is stock held for a checkout.
type reservation struct {
	provider.Reservation
	state reservationState
}

type reservationState uint8

const (
	held     reservationState = iota // counts against stock until ExpiresAt
	released                         // released or expired: stock returned
	consumed                         // an order took the stock
)

// Reserve implements provider.Inventory.
func (p *Provider) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	fp := stockFingerprint(req.Lines) + "|" + req.TTL.String()
	r, _, err := once(p, "reserve", req.IdempotencyKey, fp, true, func() (provider.Reservation, error) {
		if err := p.checkStockLocked(req.Lines, true); err != nil {
			return provider.Reservation{}, err
		}
		r := &reservation{Reservation: provider.Reservation{
			ID:        p.newID("res"),
			Lines:     append([]provider.StockLine(nil), req.Lines...),
			ExpiresAt: p.now().Add(req.TTL),
		}}
		for _, l := range req.Lines {
			p.held[l.VariantID] += l.Quantity
		}
		p.reservations[r.ID] = r
		heap.Push(&p.expiries, r)
		p.stats.Reservations++
		return r.Reservation, nil
	})
	return r, err
}

// ReleaseReservation implements provider.Inventory.
func (p *Provider) ReleaseReservation(ctx context.Context, reservationID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	r, ok := p.reservations[reservationID]
	switch {
	case !ok:
		return fmt.Errorf("memory: reservation %q: %w", reservationID, provider.ErrNotFound)
	case r.state == consumed:
		return fmt.Errorf("memory: reservation %q was ordered: %w", reservationID, provider.ErrInvalidState)
	case r.state == held:
		p.releaseLocked(r)
	}
	return nil
}

// checkStockLocked reports the first line whose variant is unknown or
// short. fromAvailable counts units held by reservations as taken.
func (p *Provider) checkStockLocked(lines []provider.StockLine, fromAvailable bool) error {
	for _, l := range lines {
		if _, ok := p.variants[l.VariantID]; !ok {
			return fmt.Errorf("memory: variant %q: %w", l.VariantID, provider.ErrNotFound)
		}
		avail := p.onHand[l.VariantID]
		if fromAvailable {
			avail -= p.held[l.VariantID]
		}
		if avail < l.Quantity {
			return &provider.OutOfStockError{VariantID: l.VariantID, Requested: l.Quantity, Available: max(avail, 0)}
		}
	}
	return nil
}

// releaseLocked returns a held reservation's stock.
func (p *Provider) releaseLocked(r *reservation) {
	for _, l := range r.Lines {
		p.held[l.VariantID] -= l.Quantity
	}
	r.state = released
}

// expireLocked releases every held reservation whose TTL has passed. It runs
// at the start of every operation that reads stock, so expiry needs no
// goroutine and follows the injected clock exactly.
func (p *Provider) expireLocked() {
	now := p.now()
	for p.expiries.Len() > 0 && !p.expiries[0].ExpiresAt.After(now) {
		r := heap.Pop(&p.expiries).(*reservation)
		if r.state == held {
			p.releaseLocked(r)
		}
	}
}

func stockFingerprint(lines []provider.StockLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s*%d;", l.VariantID, l.Quantity)
	}
	return b.String()
}

// expiryQueue is a min-heap of reservations by expiry time.
type expiryQueue []*reservation

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].ExpiresAt.Before(q[j].ExpiresAt) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(*reservation)) }
func (q *expiryQueue) Pop() any {
	old := *q
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return r
}
