package memory

import (
	"fmt"

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
// be retried once the state allows). fresh reports whether do ran.
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
		return v, false, r.err
	}
	v, err = do()
	if err == nil || keepErrors {
		p.idempotency[id] = &replay{fingerprint: fingerprint, result: v, err: err}
	}
	return v, true, err
}
