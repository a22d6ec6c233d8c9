package memory

import (
	"fmt"
	"slices"

	"github.com/buybutton/buybutton/provider"
)

// replayKey is an idempotency key scoped by its operation: the same key
// may be used once for each operation.
type replayKey struct{ op, key string }

// replay is what an idempotency key produced: the parameters it was used
// with (as a fingerprint) and the result to return to every retry.
type replay struct {
	fingerprint string
	result      any
	err         error
}

// once runs do, under p.mu, the first time op is called with key, and
// returns the remembered outcome on every later call with the same key and
// fingerprint; another fingerprint is ErrIdempotencyConflict. Successes are
// always remembered; errors only if keepErrors (a decline replays as a
// decline, as Stripe does; a refused state change changed nothing and may
// be retried once the state allows). fresh reports whether do ran. Every
// result returned is the caller's own copy (see own).
func once[T any](p *Provider, op, key, fingerprint string, keepErrors bool, do func() (T, error)) (v T, fresh bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked()
	id := replayKey{op, key}
	if r, ok := p.idempotency[id]; ok {
		if r.fingerprint != fingerprint {
			return v, false, fmt.Errorf("memory: %s key %q: %w", op, key, provider.ErrIdempotencyConflict)
		}
		v, _ = r.result.(T)
		return own(v), false, r.err
	}
	v, err = do()
	if err == nil || keepErrors {
		p.idempotency[id] = &replay{fingerprint: fingerprint, result: own(v), err: err}
	}
	return own(v), true, err
}

// own returns a copy of a result that shares no memory with v, so that
// what the provider keeps (a replay, a record) and what a caller gets stay
// apart: a caller changing its result changes nothing here.
func own[T any](v T) T {
	var out any
	switch r := any(v).(type) {
	case provider.Payment:
		r.NextAction = clonePtr(r.NextAction)
		out = r
	case provider.Donation:
		r.NextAction = clonePtr(r.NextAction)
		out = r
	case provider.MonthlyDonation:
		r.First.NextAction = clonePtr(r.First.NextAction)
		out = r
	case provider.Order:
		r.Lines, r.Shipments = slices.Clone(r.Lines), slices.Clone(r.Shipments)
		out = r
	case provider.Reservation:
		r.Lines = slices.Clone(r.Lines)
		out = r
	default:
		return v // no pointers or slices: a copy is its own
	}
	return out.(T)
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
