package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

// latencies collects per-operation times and reports p50 and p99.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	q := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// writes counts what a Store is asked to write, to size the floor.
type writes struct {
	buybutton.Store
	commits, records, refs, keys, seen, transitions, events atomic.Int64
}

func (w *writes) Commit(ctx context.Context, tx *buybutton.Tx) error {
	err := w.Store.Commit(ctx, tx)
	if err == nil {
		w.commits.Add(1)
		w.records.Add(int64(len(tx.Carts) + len(tx.Groups) + len(tx.Checkouts) + len(tx.Orders) + len(tx.Wallets)))
		w.refs.Add(int64(len(tx.Refs)))
		w.keys.Add(int64(len(tx.Idempotency)))
		w.seen.Add(int64(len(tx.Seen)))
		w.transitions.Add(int64(len(tx.Transitions)))
		w.events.Add(int64(len(tx.Events)))
	}
	return err
}

// BenchmarkPlacement is one placement (Confirm: claim, reserve, authorize,
// place, capture, commit) through PostgreSQL, from GOMAXPROCS×8
// goroutines, on checkouts made beforehand; for orders spread over the
// demo catalog's variants and for one hot variant. It reports p50 and p99
// latency and the store writes a placement makes, which
// BenchmarkPlacementFloor does by hand.
func BenchmarkPlacement(b *testing.B) {
	for _, hot := range []bool{false, true} {
		name := map[bool]string{false: "spread", true: "hot"}[hot]
		b.Run(name, func(b *testing.B) {
			schema := freshSchema(b)
			shop := memory.New(nil)
			variants := []string{memory.DemoSneaker + "-8", memory.DemoSneaker + "-9", memory.DemoSneaker + "-11"}
			if hot {
				variants = variants[1:2]
			}
			for _, v := range variants {
				if err := shop.SetStock(v, 1<<30); err != nil {
					b.Fatal(err)
				}
			}
			store := &writes{Store: New(newPool(b, schema, 32))}
			client, err := buybutton.New(&buybutton.Options{Store: store, Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)}})
			if err != nil {
				b.Fatal(err)
			}
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = readyVariant(b, client, fmt.Sprintf("buyer-%d", i), variants[i%len(variants)])
			}
			before := store.commits.Load()
			timedParallel(b, func(i int64) error {
				_, err := client.Confirm(context.Background(), buybutton.ConfirmParams{BuyerID: fmt.Sprintf("buyer-%d", i), CheckoutID: ids[i], PaymentToken: memory.TokenApprove})
				return err
			})
			b.ReportMetric(float64(store.commits.Load()-before)/float64(b.N), "commits/op")
		})
	}
}

// BenchmarkPlacementFloor is the floor: hand-written SQL making the writes
// a placement makes (floorPlacement), each commit as one batch in one
// implicit transaction, with no provider, no reads, no JSON of records
// and no state machine. The claim cannot join the rest: the provider calls
// happen between them.
func BenchmarkPlacementFloor(b *testing.B) {
	schema := freshSchema(b)
	pool := newPool(b, schema, 32)
	ctx := context.Background()
	for i := range b.N {
		if _, err := pool.Exec(ctx, `INSERT INTO buybutton_records (kind, id, version, body) VALUES ('checkout', $1, 1, $2)`, fmt.Sprint("co-", i), floorBodies.checkout); err != nil {
			b.Fatal(err)
		}
	}
	timedParallel(b, func(i int64) error { return floorPlacement(ctx, pool, fmt.Sprint("co-", i)) })
}

// timedParallel runs op(0) … op(b.N-1) from GOMAXPROCS×8 goroutines,
// timing each, and reports p50 and p99.
func timedParallel(b *testing.B, op func(i int64) error) {
	var next atomic.Int64
	var lat latencies
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if err := op(next.Add(1) - 1); err != nil {
				b.Error(err)
				return
			}
			lat.add(time.Since(start))
		}
	})
	b.StopTimer()
	lat.report(b)
}

// floorBodies are JSON documents of the sizes the library's are, as
// measured on a placed checkout of the demo sneaker: a checkout 1,640
// bytes, an order 1,310, a transition 178, an event 391.
var floorBodies = struct{ checkout, order, transition, event []byte }{
	jsonOf(1640), jsonOf(1310), jsonOf(178), jsonOf(391),
}

func jsonOf(n int) []byte {
	return []byte(`{"pad":"` + strings.Repeat("x", n-len(`{"pad":""}`)) + `"}`)
}

// floorPlacement makes a placement's writes, as counted from the library
// (one record read aside): 2 commits; 3 record writes (the checkout
// claimed, the checkout placed, the order); 2 refs; 4 transitions; 2
// outbox events.
func floorPlacement(ctx context.Context, pool *pgxpool.Pool, id string) error {
	f := floorBodies
	claim := &pgx.Batch{}
	claim.Queue(`UPDATE buybutton_records SET version = version + 1, body = $2 WHERE kind = 'checkout' AND id = $1 AND version = 1`, id, f.checkout)
	claim.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, id, f.transition)
	if err := pool.SendBatch(ctx, claim).Close(); err != nil {
		return err
	}
	place := &pgx.Batch{}
	place.Queue(`UPDATE buybutton_records SET version = version + 1, body = $2 WHERE kind = 'checkout' AND id = $1 AND version = 2`, id, f.checkout)
	place.Queue(`INSERT INTO buybutton_records (kind, id, version, body, buyer_id, placed_at) VALUES ('order', $1, 1, $2, 'b', now())`, "ord-"+id, f.order)
	place.Queue(`INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ('order', 'shop', $1, $2)`, "po-"+id, "ord-"+id)
	place.Queue(`INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ('payment', 'shop', $1, $2)`, "pay-"+id, "ord-"+id)
	for _, subject := range []string{id, "ord-" + id, "ord-" + id} {
		place.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, subject, f.transition)
	}
	place.Queue(`INSERT INTO buybutton_outbox (id, body) VALUES ($1, $2)`, "evt-placed-"+id, f.event)
	place.Queue(`INSERT INTO buybutton_outbox (id, body) VALUES ($1, $2)`, "evt-captured-"+id, f.event)
	return pool.SendBatch(ctx, place).Close()
}
