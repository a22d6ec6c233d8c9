package buybutton_test

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/buybutton/buybutton"
)

// indexesFirst is a store that checks a commit's refs and idempotency
// keys before its records, and so reports a conflict on one of them where
// the records conflict too. A commit that counts a gift or records a key
// first waits as long as a database round trip, so that racing calls
// read before any of them commits.
type indexesFirst struct {
	buybutton.Store
	conflicts atomic.Int64 // on an index: the path under test was taken
}

func (s *indexesFirst) Commit(ctx context.Context, tx *buybutton.Tx) error {
	if len(tx.Campaigns) > 0 || len(tx.Idempotency) > 0 {
		time.Sleep(time.Millisecond)
	}
	for _, r := range tx.Refs {
		if id, err := s.Store.Lookup(ctx, r.Ref); err == nil && id != r.ID {
			s.conflicts.Add(1)
			return &buybutton.ConflictError{Kind: "ref", ID: r.Ref.String()}
		}
	}
	for _, r := range tx.Idempotency {
		if _, err := s.Store.Idempotency(ctx, r.Key); err == nil {
			s.conflicts.Add(1)
			return &buybutton.ConflictError{Kind: "idempotency", ID: r.Key}
		}
	}
	return s.Store.Commit(ctx, tx)
}
