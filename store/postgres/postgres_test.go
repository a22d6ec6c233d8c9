package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/storetest"
)

// databaseURL is the PostgreSQL the tests use (BUYBUTTON_TEST_DATABASE_URL),
// which the README's test command starts. Without it the test is skipped
// on a developer's machine and fails in CI (CI=true).
func databaseURL(t testing.TB) string {
	u := os.Getenv("BUYBUTTON_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BUYBUTTON_TEST_DATABASE_URL is not set: ./scripts/test starts PostgreSQL and sets it")
		}
		t.Skip("BUYBUTTON_TEST_DATABASE_URL is not set; ./scripts/test starts PostgreSQL and sets it")
	}
	return u
}

// freshSchema makes an empty schema with the migrations applied, and
// returns its name; it is dropped when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	return schemaAt(t, math.MaxInt)
}

// schemaAt makes an empty schema with the migrations up to version upTo
// applied, as freshSchema does.
func schemaAt(t testing.TB, upTo int) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL(t))
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	schema := "t_" + uuid.NewString()[:8]
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, databaseURL(t))
		if err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	pool := newPool(t, schema, 4)
	if err := migrate(ctx, pool, upTo); err != nil {
		t.Fatal(err)
	}
	return schema
}

// newPool opens a pool on schema, as one app instance would.
func newPool(t testing.TB, schema string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(databaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestConformance(t *testing.T) {
	storetest.RunStoreTests(t, func(t *testing.T) buybutton.Store {
		return New(newPool(t, freshSchema(t), 16))
	})
}

// writeAsBefore inserts tx's records as a release before migration 6
// wrote them: in the columns it had, which the Store's Commit no longer
// writes alone, with no ReadBackAt in their bodies.
func writeAsBefore(t *testing.T, ctx context.Context, pool *pgxpool.Pool, tx *buybutton.Tx) {
	t.Helper()
	for _, r := range recordsOf(tx) {
		if _, err := pool.Exec(ctx, `INSERT INTO buybutton_records (kind, id, version, body, buyer_id, placed_at, due_at)
			VALUES ($1, $2, 1, $3, $4, $5, $6)`, r.kind, r.id, bodyAsBefore(t, r.body), r.buyerID, r.placedAt, r.dueAt); err != nil {
			t.Fatal(err)
		}
	}
}

// updateAsBefore updates tx's records, each at its version, as a release
// before migration 6 did: read_back_at is not among the columns it sets.
func updateAsBefore(t *testing.T, ctx context.Context, pool *pgxpool.Pool, tx *buybutton.Tx) {
	t.Helper()
	for _, r := range recordsOf(tx) {
		tag, err := pool.Exec(ctx, `UPDATE buybutton_records SET version = version + 1, body = $4, buyer_id = $5, placed_at = $6, due_at = $7
			WHERE kind = $1 AND id = $2 AND version = $3`, r.kind, r.id, r.version, bodyAsBefore(t, r.body), r.buyerID, r.placedAt, r.dueAt)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("updating %s %s as before: %d rows, %v", r.kind, r.id, tag.RowsAffected(), err)
		}
	}
}

// bodyAsBefore is a record's body as a release before migration 6 wrote
// it: without ReadBackAt, a field it did not have.
func bodyAsBefore(t *testing.T, record any) []byte {
	t.Helper()
	body, err := json.Marshal(record)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "ReadBackAt")
	if body, err = json.Marshal(fields); err != nil {
		t.Fatal(err)
	}
	return body
}

// TestMigrationMakesPendingRefundsDue: orders and donations written
// before migration 3 kept no due_at, since only checkouts had one; those
// with a refund still pending become due, so that maintenance settles
// them.
func TestMigrationMakesPendingRefundsDue(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, schemaAt(t, 2), 2)
	s := New(pool)
	pending := func(id string, status buybutton.RefundStatus) []buybutton.Refund {
		return []buybutton.Refund{{ID: id, Amount: money.MustParse("1.00", "USD"), Status: status}}
	}
	tx := &buybutton.Tx{
		Orders: []*buybutton.Order{
			{ID: "ord-owing", BuyerID: "b", Currency: "USD", Refunds: pending("re-1", buybutton.RefundPending)},
			{ID: "ord-settled", BuyerID: "b", Currency: "USD", Refunds: pending("re-2", buybutton.RefundSucceeded)},
		},
		Donations: []*buybutton.Donation{{ID: "don-owing", BuyerID: "b", Currency: "USD", Refunds: pending("re-3", buybutton.RefundPending)}},
	}
	writeAsBefore(t, ctx, pool, tx)
	if _, err := pool.Exec(ctx, `UPDATE buybutton_records SET due_at = NULL`); err != nil { // as the old release wrote them
		t.Fatal(err)
	}
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	due, err := s.Due(ctx, time.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(due, func(a, b buybutton.DueRecord) int { return strings.Compare(a.ID, b.ID) })
	want := []buybutton.DueRecord{{Kind: "donation", ID: "don-owing"}, {Kind: "order", ID: "ord-owing"}}
	if !slices.Equal(due, want) {
		t.Fatalf("due after the migration = %v, want %v", due, want)
	}
}

// TestMigrationSchedulesReadBacks: records written before migration 6
// have no ReadBackAt. Those placed or given less than a year ago, and the
// monthly gifts not ended, are read back within four days, each at its
// own time, with a ReadBackAt the library reads; an order placed over a
// year ago and an ended monthly gift are not. Nothing becomes due.
func TestMigrationSchedulesReadBacks(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, schemaAt(t, 5), 2)
	s := New(pool)
	now := time.Now()
	tx := &buybutton.Tx{
		Orders: []*buybutton.Order{
			{ID: "ord-open", BuyerID: "b", Currency: "USD", Status: buybutton.OrderFulfilled, PlacedAt: now.Add(-30 * 24 * time.Hour)},
			{ID: "ord-canceled", BuyerID: "b", Currency: "USD", Status: buybutton.OrderCanceled, PlacedAt: now.Add(-time.Hour)}, // a bank may still take its money back
			{ID: "ord-old", BuyerID: "b", Currency: "USD", Status: buybutton.OrderDelivered, PlacedAt: now.Add(-400 * 24 * time.Hour)},
		},
		Donations: []*buybutton.Donation{{ID: "don-recent", BuyerID: "b", Currency: "USD", GivenAt: now.Add(-time.Hour)}},
		Monthly: []*buybutton.MonthlyGift{
			{ID: "mon-active", BuyerID: "b", Currency: "USD", Status: buybutton.MonthlyActive, CreatedAt: now},
			{ID: "mon-ended", BuyerID: "b", Currency: "USD", Status: buybutton.MonthlyCanceled, CreatedAt: now},
		},
	}
	writeAsBefore(t, ctx, pool, tx)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	readBacks, err := s.ReadBacksDue(ctx, time.Now().Add(4*24*time.Hour+time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(readBacks, func(a, b buybutton.DueRecord) int { return strings.Compare(a.ID, b.ID) })
	want := []buybutton.DueRecord{{Kind: "donation", ID: "don-recent"}, {Kind: "monthly_gift", ID: "mon-active"}, {Kind: "order", ID: "ord-canceled"}, {Kind: "order", ID: "ord-open"}}
	if !slices.Equal(readBacks, want) {
		t.Fatalf("read back after the migration = %v, want %v", readBacks, want)
	}
	if due, err := s.Due(ctx, time.Now().Add(5*24*time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("due after the migration = %v, %v; want none", due, err)
	}
	open, err := s.Order(ctx, "ord-open")
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := s.Order(ctx, "ord-canceled")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []*buybutton.Order{open, canceled} {
		if o.ReadBackAt.Before(now) || o.ReadBackAt.After(now.Add(4*24*time.Hour+time.Minute)) {
			t.Fatalf("order %s read back at %v: want within four days", o.ID, o.ReadBackAt)
		}
	}
	if open.ReadBackAt.Equal(canceled.ReadBackAt) {
		t.Fatalf("both orders read back at %v: want a time drawn for each", open.ReadBackAt)
	}
}

// TestAnEarlierReleaseRunningOnKeepsReadBacks: during an upgrade,
// instances of a release before migration 6 run on beside the new ones,
// and write orders, donations and monthly gifts in the form they know:
// no ReadBackAt in the body, no read_back_at. An order one of them places
// is read back four days on (the default Options.ReadBack), by migration
// 7's trigger. An order one of them updates keeps its read_back_at but
// loses its body's ReadBackAt; when ReadBacksDue lists it, maintenance
// commits it with the next read-back of its schedule. Left so, it would
// be listed first at every pass, and skipped, before every read-back
// behind it.
func TestAnEarlierReleaseRunningOnKeepsReadBacks(t *testing.T) {
	ctx := context.Background()
	schema := freshSchema(t)
	pool := newPool(t, schema, 2)
	s := New(pool)
	now := time.Now()
	placedAt := now.Add(-5 * 24 * time.Hour)
	placed := func(id string, readBackAt time.Time) *buybutton.Order {
		return &buybutton.Order{ID: id, BuyerID: "b", MerchantID: shopID, Currency: "USD", Status: buybutton.OrderPlaced, PlacedAt: placedAt, ReadBackAt: readBackAt}
	}
	if err := s.Commit(ctx, &buybutton.Tx{Orders: []*buybutton.Order{placed("ord-due", now.Add(-time.Minute)), placed("ord-ended", time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	// An instance of the earlier release ships both and places a third.
	shipped := &buybutton.Tx{}
	for _, id := range []string{"ord-due", "ord-ended"} {
		o, err := s.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		o.Status = buybutton.OrderFulfilled
		shipped.Orders = append(shipped.Orders, o)
	}
	updateAsBefore(t, ctx, pool, shipped)
	writeAsBefore(t, ctx, pool, &buybutton.Tx{Orders: []*buybutton.Order{{ID: "ord-new", BuyerID: "b", MerchantID: shopID, Currency: "USD", Status: buybutton.OrderPlaced, PlacedAt: now}}})

	fresh, err := s.Order(ctx, "ord-new")
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ReadBackAt.Before(now.Add(4*24*time.Hour-time.Minute)) || fresh.ReadBackAt.After(time.Now().Add(4*24*time.Hour+time.Minute)) {
		t.Errorf("order the earlier release placed is read back at %v; want four days after it was placed, %v", fresh.ReadBackAt, now.Add(4*24*time.Hour))
	}
	listed, err := s.ReadBacksDue(ctx, time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []buybutton.DueRecord{{Kind: "order", ID: "ord-due"}}; !slices.Equal(listed, want) {
		t.Fatalf("read-backs due = %v, want %v, the index as it was", listed, want)
	}

	client := instances(t, schema, 1, memory.New(nil), nil)[0]
	if _, err := client.Maintain(ctx, 10); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"ord-due": placedAt.Add(8 * 24 * time.Hour), "ord-ended": {}} {
		o, err := s.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != buybutton.OrderFulfilled || !o.ReadBackAt.Equal(want) {
			t.Errorf("order %s after maintenance: %s, read back at %v; want fulfilled, read back at %v", id, o.Status, o.ReadBackAt, want)
		}
	}
	if listed, err := s.ReadBacksDue(ctx, time.Now(), 10); err != nil || len(listed) != 0 {
		t.Fatalf("read-backs due after maintenance = %v, %v; want none", listed, err)
	}
}

// TestMigrationDeletesAcknowledgedEvents: an outbox a release before
// migration 4 left holds the events it acknowledged, marked; the
// migration deletes them and keeps the pending ones. An instance of that
// release still running during the upgrade marks what it acknowledges, and
// PendingEvents still skips those.
func TestMigrationDeletesAcknowledgedEvents(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, schemaAt(t, 3), 2)
	s := New(pool)
	event := func(id string) buybutton.Event { return buybutton.Event{ID: id, Type: buybutton.EventOrderPlaced} }
	if err := s.Commit(ctx, &buybutton.Tx{Events: []buybutton.Event{event("evt-acked"), event("evt-pending"), event("evt-acked-later")}}); err != nil {
		t.Fatal(err)
	}
	ackAsBefore := func(id string) { // as the old release acknowledged
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE buybutton_outbox SET acked_at = now() WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	ackAsBefore("evt-acked")
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM buybutton_outbox`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("outbox rows after the migration = %d, %v; want 2, the pending ones", rows, err)
	}
	ackAsBefore("evt-acked-later")
	pending, err := s.PendingEvents(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "evt-pending" {
		t.Fatalf("pending = %+v, %v; want evt-pending alone", pending, err)
	}
	if err := s.AckEvents(ctx, []string{"evt-pending"}); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM buybutton_outbox WHERE id = 'evt-pending'`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("acknowledged rows left = %d, %v; want 0: AckEvents deletes", rows, err)
	}
}

// TestMigrationListsGiftsWrittenBefore: donations and monthly gifts
// written before migration 5 kept no buyer_id or placed_at, and an
// instance of that release still running during the upgrade writes them
// so; both are listed, newest first, all the same.
func TestMigrationListsGiftsWrittenBefore(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, schemaAt(t, 4), 2)
	s := New(pool)
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	usd := money.MustParse("5.00", "USD")
	gift := func(id string, at time.Time) *buybutton.Donation {
		return &buybutton.Donation{ID: id, BuyerID: "ada", Currency: "USD", Amount: usd, Charged: usd, GivenAt: at}
	}
	tx := &buybutton.Tx{
		Donations: []*buybutton.Donation{gift("don-old", t0)},
		Monthly:   []*buybutton.MonthlyGift{{ID: "mon-old", BuyerID: "ada", Currency: "USD", Amount: usd, CreatedAt: t0}},
	}
	writeAsBefore(t, ctx, pool, tx)
	asBefore := func() { // as the old release wrote every gift
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE buybutton_records SET buyer_id = NULL, placed_at = NULL WHERE kind IN ('donation', 'monthly_gift')`); err != nil {
			t.Fatal(err)
		}
	}
	asBefore()
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, &buybutton.Tx{Donations: []*buybutton.Donation{gift("don-new", t0.Add(time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	asBefore() // an old instance rewriting both after the migration
	donations, err := s.DonationsByBuyer(ctx, "ada", "", 10)
	if err != nil || len(donations) != 2 || donations[0].ID != "don-new" || donations[1].ID != "don-old" {
		t.Fatalf("donations = %v, %v; want don-new, don-old", ids(donations), err)
	}
	monthly, err := s.MonthlyGiftsByBuyer(ctx, "ada", "", 10)
	if err != nil || len(monthly) != 1 || monthly[0].ID != "mon-old" {
		t.Fatalf("monthly gifts = %v, %v; want mon-old", ids(monthly), err)
	}
}

func ids[R any](recs []*R) []string {
	var out []string
	for _, r := range recs {
		out = append(out, reflect.ValueOf(r).Elem().FieldByName("ID").String())
	}
	return out
}

// TestListsUseTheirIndexes: the ...ByBuyer and DonationsByCampaign
// queries use their partial index in the generic plan a cached statement comes to, not a
// scan of every record of the kind. With the kind passed as a parameter
// they did not. A page after a record begins in the index, at that
// record's (placed_at, id), not by filtering the buyer's newer records
// out; with a plain join of the record, the planner filtered.
func TestListsUseTheirIndexes(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, freshSchema(t), 1)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for name, list := range map[string]struct {
		queries listQueries
		index   string
	}{
		"orders":             {byBuyerQueries[kindOrder], "buybutton_orders_by_buyer"},
		"donations":          {byBuyerQueries[kindDonation], "buybutton_gifts_by_buyer"},
		"monthly":            {byBuyerQueries[kindMonthly], "buybutton_gifts_by_buyer"},
		"campaign_donations": {byCampaignQueries, "buybutton_donations_by_campaign"},
	} {
		index := list.index
		for _, q := range []struct {
			name, params, query, args string
			after                     bool
		}{
			{"first_" + name, "(text, int)", list.queries.first, "('ada', 10)", false},
			{"after_" + name, "(text, text, int)", list.queries.after, "('ada', 'ord-1', 10)", true},
		} {
			var plan strings.Builder
			for _, sql := range []string{
				"SET plan_cache_mode = force_generic_plan", "SET enable_seqscan = off",
				"PREPARE " + q.name + q.params + " AS " + q.query,
			} {
				if _, err := conn.Exec(ctx, sql); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+q.name+q.args, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan.WriteString(line + "\n")
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan.String(), index) {
				t.Errorf("%s does not use %s:\n%s", q.name, index, plan.String())
			}
			if q.after && !regexp.MustCompile(`Index Cond: .*ROW\(placed_at, id\) < ROW\(a\.placed_at, a\.id\)`).MatchString(plan.String()) {
				t.Errorf("%s does not begin its page in the index, after the record's (placed_at, id):\n%s", q.name, plan.String())
			}
		}
	}
}

// TestMigrateTwiceAppliesOnce: every instance may migrate at start-up.
func TestMigrateTwiceAppliesOnce(t *testing.T) {
	schema := freshSchema(t)
	pool := newPool(t, schema, 2)
	for range 2 {
		if err := Migrate(context.Background(), pool); err != nil {
			t.Fatal(err)
		}
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM buybutton_schema").Scan(&n); err != nil || n != len(files) {
		t.Fatalf("schema versions = %d, %v; want %d, one per migration", n, err, len(files))
	}
}

// TestBodiesAreCompressedWithLZ4: migration 8 compresses the records'
// bodies with lz4 where the server has it (this machine's does), and
// leaves pglz where it has not; a body past the size PostgreSQL
// compresses reads back as written.
func TestBodiesAreCompressedWithLZ4(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, freshSchema(t), 2)
	setting, compression := "l", "lz4"
	if _, err := pool.Exec(ctx, `SET default_toast_compression = lz4`); err != nil {
		setting, compression = "", "pglz" // a server built without lz4
	}
	var method string
	if err := pool.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'buybutton_records'::regclass AND attname = 'body'`).Scan(&method); err != nil {
		t.Fatal(err)
	}
	if method != setting {
		t.Fatalf("body compression = %q, want %q", method, setting)
	}
	s := New(pool)
	o := &buybutton.Order{ID: "ord-big", BuyerID: "b", Currency: "USD", Status: buybutton.OrderPlaced, PlacedAt: time.Now().UTC().Truncate(time.Microsecond)}
	for i := range 40 {
		o.Lines = append(o.Lines, buybutton.CheckoutLine{ProductID: fmt.Sprintf("product-%d", i), VariantID: fmt.Sprintf("variant-%d", i), Quantity: 1})
	}
	if err := s.Commit(ctx, &buybutton.Tx{Orders: []*buybutton.Order{o}}); err != nil {
		t.Fatal(err)
	}
	var got *string
	if err := pool.QueryRow(ctx, `SELECT pg_column_compression(body) FROM buybutton_records WHERE id = 'ord-big'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got == nil || *got != compression {
		t.Fatalf("the big body's compression = %v, want %s", got, compression)
	}
	read, err := s.Order(ctx, "ord-big")
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Lines) != 40 || read.Lines[39].VariantID != "variant-39" {
		t.Fatalf("order read back with %d lines", len(read.Lines))
	}
}

// TestAMigrationOutsideATransactionRunsAgainAfterACrash: migration 9
// builds its index CONCURRENTLY, outside a transaction, and records its
// version after. A crash between the build and the record leaves the
// index and no version: the next Migrate drops the index and builds it
// again, valid, and records the version once.
func TestAMigrationOutsideATransactionRunsAgainAfterACrash(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, freshSchema(t), 2)
	valid := func() bool {
		t.Helper()
		var ok bool
		if err := pool.QueryRow(ctx, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'buybutton_donations_by_campaign'::regclass`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !valid() {
		t.Fatal("the index migration 9 built is not valid")
	}
	if _, err := pool.Exec(ctx, `DELETE FROM buybutton_schema WHERE version = 9`); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM buybutton_schema WHERE version = 9`).Scan(&versions); err != nil || versions != 1 || !valid() {
		t.Fatalf("after the migration again: version 9 recorded %d times (%v), index valid %v", versions, err, valid())
	}
}
