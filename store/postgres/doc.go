// Package postgres is a buybutton.Store on PostgreSQL (15 or later),
// through pgx's pgxpool, for backends that run many app instances over one
// database. It is its own Go module, so that a backend on the in-memory
// store never downloads pgx.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	if err != nil { ... }
//	if err := postgres.Migrate(ctx, pool); err != nil { ... } // explicit; safe from every instance
//	client, err := buybutton.New(&buybutton.Options{Store: postgres.New(pool), Merchants: ...})
//
// # Guarantees
//
// The store keeps no lock or state in the process: the database decides
// every race, so two instances racing on one checkout behave as two
// goroutines on one in-memory store. A Commit is one transaction whose
// statements go to the server as one batch; every write in it is
// conditional (an insert that must not find a row, an update that must
// find the version it read), and the first that does not hold rolls the
// whole transaction back and is reported as a *buybutton.ConflictError.
// The placement claim, idempotency records and seen provider events are
// such inserts, so a double tap landing on two instances places one order.
//
// # Schema
//
// Migrations are SQL files embedded in the package (migrations/), applied
// in order by [Migrate] under an advisory lock, each once, with the
// version it brings recorded in buybutton_schema: each in a transaction,
// except one that builds an index on buybutton_records, which builds it
// CONCURRENTLY (from migration 9), so that instances still serving go on
// writing. The tables live in the connection's search_path.
//
//	buybutton_records      (kind, id) → version, body jsonb; buyer_id and
//	                       placed_at for orders, donations and monthly
//	                       gifts (a gift's from its body, by a trigger);
//	                       due_at for checkouts, orders and donations;
//	                       read_back_at for orders, donations and
//	                       monthly gifts (a trigger schedules one that
//	                       an instance of a release before migration 6
//	                       inserts)
//	buybutton_refs         (kind, merchant_id, external_id) → id
//	buybutton_idempotency  key → fingerprint, result_id, created_at
//	buybutton_seen_events  (merchant_id, event_id) → at
//	buybutton_transitions  seq, subject_id, body jsonb
//	buybutton_outbox       seq, id (unique), body jsonb: the pending
//	                       events (an acknowledged one is deleted)
//
// Idempotency records and seen events are deleted by Prune once older than
// the host's buybutton.Options.Retention; everything else is kept.
//
// A record's body is its JSON encoding, compressed with lz4 past about
// 2 KB where the server has it (migration 8); its version column, not the
// body, is the version compare-and-set checks. A buyer's orders,
// donations and monthly gifts, and a campaign's donations (by the body's
// CampaignID), come newest first by placed_at, then by id.
//
// # Upgrades
//
// Migrate runs while instances of the earlier release still serve, and
// the migrations keep the schema working for them: their statements run
// as before, and what they write without a column or field the new
// release added is completed or mended (migrations 4, 5 and 7; and
// maintenance schedules again a read-back such a write dropped). One
// thing no migration can do: an
// earlier instance that rewrites a record writes it in its release's
// shape, and a field of the new release's that the record had is lost
// with that write (its compare-and-set still holds: it read the version
// it writes over). And an earlier instance reads what it does not know
// as its release did: a cancellation that a newer instance recorded
// before asking the merchant (Cancellation.Asking) is to an instance of
// a release before it one the merchant accepted, whose money its
// maintenance would return without asking the merchant. A host that must
// risk neither drains the earlier release's instances before the new
// release's first write, rather than running both at once.
package postgres
