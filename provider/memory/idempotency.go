package memory

import "github.com/buybutton/buybutton/provider"

// replay is what an idempotency key produced: the parameters it was used
// with (as a fingerprint) and the result to return to every retry.
type replay struct {
	fingerprint string
	result      any
	err         error
}

// lookup returns the stored replay for op and key, or nil if the key is
// new. A key reused with other parameters is ErrIdempotencyConflict.
// p.mu is held.
func (p *Provider) lookup(op, key, fingerprint string) (*replay, error) {
	r, ok := p.idempotency[op+"\x00"+key]
	if !ok {
		return nil, nil
	}
	if r.fingerprint != fingerprint {
		return nil, provider.ErrIdempotencyConflict
	}
	return r, nil
}

// remember stores the outcome of op under key. p.mu is held.
func (p *Provider) remember(op, key, fingerprint string, result any, err error) {
	p.idempotency[op+"\x00"+key] = &replay{fingerprint: fingerprint, result: result, err: err}
}

// replayed returns a stored replay's result as T.
func replayed[T any](r *replay) (T, error) {
	v, _ := r.result.(T)
	return v, r.err
}
