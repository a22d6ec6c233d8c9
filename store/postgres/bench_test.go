package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/cputime"
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

// writes counts the commits a Store makes and, while keep is set, keeps
// what they wrote, for the floor to write the same.
type writes struct {
	buybutton.Store
	commits atomic.Int64

	keep bool     // set outside timed runs, with one goroutine
	kept []keptTx // what was committed while keep was set
}

// keptTx is a committed Tx as it was at its commit (the library goes on
// to change the records it holds): its shape, the version its checkout was
// read at, and its documents encoded as the store encodes them.
type keptTx struct {
	shape                                  string
	version                                int64
	checkouts, orders, transitions, events [][]byte
}

func snapshot(tx *buybutton.Tx) keptTx {
	k := keptTx{shape: fmt.Sprintf("checkouts %d, orders %d, refs %d, keys %d, seen %d, transitions %d, events %d, others %d",
		len(tx.Checkouts), len(tx.Orders), len(tx.Refs), len(tx.Idempotency), len(tx.Seen), len(tx.Transitions), len(tx.Events),
		len(tx.Carts)+len(tx.Groups)+len(tx.Wallets)+len(tx.Campaigns)+len(tx.Donations)+len(tx.Monthly))}
	for _, co := range tx.Checkouts {
		k.version = co.Version
		k.checkouts = append(k.checkouts, mustJSON(co))
	}
	for _, o := range tx.Orders {
		k.orders = append(k.orders, mustJSON(o))
	}
	for _, t := range tx.Transitions {
		k.transitions = append(k.transitions, mustJSON(t))
	}
	for _, e := range tx.Events {
		k.events = append(k.events, mustJSON(e))
	}
	return k
}

func mustJSON(v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // the store encoded the same value without error
	}
	return body
}

func (w *writes) Commit(ctx context.Context, tx *buybutton.Tx) error {
	err := w.Store.Commit(ctx, tx)
	if err != nil {
		return err
	}
	w.commits.Add(1)
	if w.keep {
		w.kept = append(w.kept, snapshot(tx))
	}
	return nil
}

// placementBench is what both placement benchmarks start from: a library
// instance on a fresh schema, and b.N checkouts made through it, each with
// shipping selected, over the demo sneaker's variants (spread) or one
// variant (hot).
type placementBench struct {
	store  *writes
	pool   *pgxpool.Pool
	client *buybutton.Client
	ids    []string
}

func newPlacementBench(b *testing.B, hot bool) *placementBench {
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
	pool := newPool(b, schema, 32)
	store := &writes{Store: New(pool)}
	client, err := buybutton.New(&buybutton.Options{Store: store, Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)}})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = readyVariant(b, client, buyerOf(i), variants[i%len(variants)])
	}
	return &placementBench{store: store, pool: pool, client: client, ids: ids}
}

func buyerOf(i int) string { return fmt.Sprint("buyer-", i) }

func (p *placementBench) confirm(i int) error {
	_, err := p.client.Confirm(context.Background(), buybutton.ConfirmParams{BuyerID: buyerOf(i), CheckoutID: p.ids[i], PaymentToken: memory.TokenApprove})
	return err
}

// BenchmarkPlacement is one placement (Confirm: read, claim, reserve,
// authorize, place, capture, commit) through PostgreSQL, from
// GOMAXPROCS×8 goroutines, on checkouts made beforehand; for orders
// spread over the demo catalog's variants and for one hot variant. It
// reports p50 and p99 latency, the CPU time this process spends per
// placement, and the commits a placement makes, which
// BenchmarkPlacementFloor makes by hand.
func BenchmarkPlacement(b *testing.B) {
	for _, hot := range []bool{false, true} {
		b.Run(spreadOrHot(hot), func(b *testing.B) {
			p := newPlacementBench(b, hot)
			before := p.store.commits.Load()
			timedParallel(b, func(i int) error { return p.confirm(i) })
			b.ReportMetric(float64(p.store.commits.Load()-before)/float64(b.N), "commits/op")
		})
	}
}

func spreadOrHot(hot bool) string {
	if hot {
		return "hot"
	}
	return "spread"
}

// BenchmarkPlacementFloor is the floor: hand-written SQL making the writes
// a placement makes (floorPlacement), on checkouts made the same way as
// BenchmarkPlacement's, writing the documents one library placement
// wrote, byte for byte. Each commit is one batch in one implicit
// transaction, with no provider, no read, no encoding and no state
// machine. The claim cannot join the rest: the provider calls happen
// between them.
func BenchmarkPlacementFloor(b *testing.B) {
	for _, hot := range []bool{false, true} {
		b.Run(spreadOrHot(hot), func(b *testing.B) {
			p := newPlacementBench(b, hot)
			docs := p.capturePlacement(b)
			ctx := context.Background()
			timedParallel(b, func(i int) error { return floorPlacement(ctx, p.pool, p.ids[i], docs) })
		})
	}
}

// placementDocs are the documents one placement writes, as the library
// encoded them, and the version its checkout was claimed at.
type placementDocs struct {
	version                        int64
	claimed, placed, order         []byte
	claimTransition                []byte
	placeTransitions, placedEvents [][]byte
}

// capturePlacement places one more checkout through the library, outside
// the timer, and keeps what its two commits wrote. It checks that the
// floor makes the writes the library made: if a placement's writes
// change, the floor must change with them.
func (p *placementBench) capturePlacement(b *testing.B) placementDocs {
	b.Helper()
	id := readyVariant(b, p.client, "buyer-capture", memory.DemoSneaker+"-9")
	p.store.keep = true
	if _, err := p.client.Confirm(context.Background(), buybutton.ConfirmParams{BuyerID: "buyer-capture", CheckoutID: id, PaymentToken: memory.TokenApprove}); err != nil {
		b.Fatal(err)
	}
	p.store.keep = false
	txs := p.store.kept
	const claimShape = "checkouts 1, orders 0, refs 0, keys 0, seen 0, transitions 1, events 0, others 0"
	const placeShape = "checkouts 1, orders 1, refs 2, keys 0, seen 0, transitions 3, events 2, others 0"
	if len(txs) != 2 || txs[0].shape != claimShape || txs[1].shape != placeShape {
		for _, tx := range txs {
			b.Log(tx.shape)
		}
		b.Fatal("a placement no longer makes the writes floorPlacement makes; change the floor with it")
	}
	return placementDocs{
		version:          txs[0].version,
		claimed:          txs[0].checkouts[0],
		claimTransition:  txs[0].transitions[0],
		placed:           txs[1].checkouts[0],
		order:            txs[1].orders[0],
		placeTransitions: txs[1].transitions,
		placedEvents:     txs[1].events,
	}
}

// timedParallel runs op(0) … op(b.N-1) from GOMAXPROCS×8 goroutines,
// timing each, and reports p50 and p99.
func timedParallel(b *testing.B, op func(i int) error) {
	var next atomic.Int64
	var lat latencies
	b.SetParallelism(8)
	cpu, _ := cputime.Process()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if err := op(int(next.Add(1) - 1)); err != nil {
				b.Error(err)
				return
			}
			lat.add(time.Since(start))
		}
	})
	b.StopTimer()
	if perOp, ok := cputime.PerOp(cpu, b.N); ok {
		b.ReportMetric(perOp, "go-cpu-µs/op")
	}
	lat.report(b)
}

// floorPlacement makes a placement's writes, as the library makes them
// (its one read aside): 2 commits; 3 record writes (the checkout claimed,
// the checkout placed, the order); 2 refs; 4 transitions; 2 outbox
// events. Like the library's, its updates are conditional on the version,
// and one that updates nothing fails.
func floorPlacement(ctx context.Context, pool *pgxpool.Pool, id string, d placementDocs) error {
	orderID := "ord-" + id
	claim := &pgx.Batch{}
	claim.Queue(`UPDATE buybutton_records SET version = version + 1, body = $3 WHERE kind = 'checkout' AND id = $1 AND version = $2`, id, d.version, d.claimed)
	claim.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, id, d.claimTransition)
	if err := sendChecked(ctx, pool, claim); err != nil {
		return err
	}
	place := &pgx.Batch{}
	place.Queue(`UPDATE buybutton_records SET version = version + 1, body = $3 WHERE kind = 'checkout' AND id = $1 AND version = $2`, id, d.version+1, d.placed)
	// The order is read back later (Options.ReadBack): its read_back_at
	// is indexed, as the library's is.
	place.Queue(`INSERT INTO buybutton_records (kind, id, version, body, buyer_id, placed_at, read_back_at) VALUES ('order', $1, 1, $2, 'b', now(), now() + interval '4 days')`, orderID, d.order)
	place.Queue(`INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ('order', 'shop', $1, $2)`, "po-"+id, orderID)
	place.Queue(`INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ('payment', 'shop', $1, $2)`, "pay-"+id, orderID)
	for i, t := range d.placeTransitions {
		subject := orderID
		if i == 0 {
			subject = id
		}
		place.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, subject, t)
	}
	for i, e := range d.placedEvents {
		place.Queue(`INSERT INTO buybutton_outbox (id, body) VALUES ($1, $2)`, fmt.Sprint("evt-", i, "-", id), e)
	}
	return sendChecked(ctx, pool, place)
}

// sendChecked sends b, one implicit transaction, and fails if any
// statement of it wrote no row.
func sendChecked(ctx context.Context, pool *pgxpool.Pool, b *pgx.Batch) error {
	results := pool.SendBatch(ctx, b)
	for range b.Len() {
		tag, err := results.Exec()
		if err != nil {
			results.Close()
			return err
		}
		if tag.RowsAffected() != 1 {
			results.Close()
			return fmt.Errorf("floor: %q wrote %d rows", tag, tag.RowsAffected())
		}
	}
	return results.Close()
}
