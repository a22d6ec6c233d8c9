package buybutton

import (
	"context"
	"time"
)

// commitTimeout bounds a commit once it no longer follows its caller's
// context: ample for a database under load, short enough that a caller
// that went away does not keep its goroutine for long.
const commitTimeout = 10 * time.Second

// commit writes tx to the store on a context that is not canceled when
// ctx is (it keeps ctx's values), bounded by commitTimeout.
//
// A commit records what the library decided and what a platform already
// did. A caller that goes away (an app closed, a request timing out)
// between a platform's answer and its record must not take the record with
// it: that would leave a placement claimed and a refund pending, the
// money's state unknown to the store, until a lease lapsed minutes later.
// Reads, waits and platform calls still follow ctx, and a placement does
// not start on a done context (see advance).
func (c *Client) commit(ctx context.Context, tx *Tx) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	return c.store.Commit(ctx, tx)
}
