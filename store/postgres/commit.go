package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/buybutton/buybutton"
)

// record is one record of a Tx, ready for SQL.
type record struct {
	kind, id   string
	version    int64 // as read; 0 for an insert
	body       any
	buyerID    *string    // orders
	placedAt   *time.Time // orders
	dueAt      *time.Time // checkouts, orders and donations; nil when not due
	readBackAt *time.Time // orders, donations and monthly gifts; nil when not read back
}

func recordsOf(tx *buybutton.Tx) []record {
	var rs []record
	for _, c := range tx.Carts {
		rs = append(rs, record{kind: kindCart, id: c.ID, version: c.Version, body: c})
	}
	for _, g := range tx.Groups {
		rs = append(rs, record{kind: kindGroup, id: g.ID, version: g.Version, body: g})
	}
	for _, co := range tx.Checkouts {
		rs = append(rs, record{kind: kindCheckout, id: co.ID, version: co.Version, body: co, dueAt: dueAt(co.DueAt)})
	}
	for _, o := range tx.Orders {
		rs = append(rs, record{kind: kindOrder, id: o.ID, version: o.Version, body: o, buyerID: &o.BuyerID, placedAt: &o.PlacedAt, dueAt: dueAt(o.DueAt), readBackAt: dueAt(o.ReadBackAt)})
	}
	for _, w := range tx.Wallets {
		rs = append(rs, record{kind: kindWallet, id: w.BuyerID, version: w.Version, body: w})
	}
	for _, c := range tx.Campaigns {
		rs = append(rs, record{kind: kindCampaign, id: c.ID, version: c.Version, body: c})
	}
	for _, d := range tx.Donations {
		rs = append(rs, record{kind: kindDonation, id: d.ID, version: d.Version, body: d, dueAt: dueAt(d.DueAt), readBackAt: dueAt(d.ReadBackAt)})
	}
	for _, m := range tx.Monthly {
		rs = append(rs, record{kind: kindMonthly, id: m.ID, version: m.Version, body: m, readBackAt: dueAt(m.ReadBackAt)})
	}
	return rs
}

// dueAt is a DueAt or a ReadBackAt as the due_at and read_back_at columns
// hold it: NULL when not due.
func dueAt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// conflictCode is the SQLSTATE buybutton_conflict raises.
const conflictCode = "BB001"

// Commit applies tx as one batch, sent in one round trip and run by the
// server as one implicit transaction. Every write is conditional, so the
// database decides every race:
//
//   - an insert (version 0) is INSERT … ON CONFLICT DO NOTHING, and a row
//     that exists is a conflict;
//   - an update is UPDATE … WHERE version = the version read, and no row
//     updated is a conflict;
//   - a ref is inserted, or found already indexed to the same id; to
//     another id (or one a concurrent commit is inserting) is a conflict;
//   - idempotency records and seen events are inserts that conflict.
//
// A condition that fails calls buybutton_conflict, which aborts the
// transaction: nothing of tx is written, and Commit returns a
// *buybutton.ConflictError naming what conflicted.
func (s *Store) Commit(ctx context.Context, tx *buybutton.Tx) error {
	records := recordsOf(tx)
	for i, r := range records {
		for _, before := range records[:i] {
			if r.kind == before.kind && r.id == before.id {
				// See buybutton.Tx: the second would undo the first.
				return fmt.Errorf("postgres: %s %q twice in one commit", r.kind, r.id)
			}
		}
	}
	b := &pgx.Batch{}
	for _, r := range records {
		body, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("postgres: encode %s %q: %w", r.kind, r.id, err)
		}
		if r.version == 0 {
			b.Queue(`WITH w AS (
					INSERT INTO buybutton_records (kind, id, version, body, buyer_id, placed_at, due_at, read_back_at)
					VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1)
				SELECT buybutton_conflict($1, $2) WHERE NOT EXISTS (SELECT 1 FROM w)`,
				r.kind, r.id, body, r.buyerID, r.placedAt, r.dueAt, r.readBackAt)
		} else {
			b.Queue(`WITH w AS (
					UPDATE buybutton_records SET version = version + 1, body = $4, buyer_id = $5, placed_at = $6, due_at = $7, read_back_at = $8
					WHERE kind = $1 AND id = $2 AND version = $3 RETURNING 1)
				SELECT buybutton_conflict($1, $2) WHERE NOT EXISTS (SELECT 1 FROM w)`,
				r.kind, r.id, r.version, body, r.buyerID, r.placedAt, r.dueAt, r.readBackAt)
		}
	}
	for _, ref := range tx.Refs {
		b.Queue(`WITH ins AS (
				INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING RETURNING id),
			have AS (
				SELECT id FROM ins
				UNION ALL SELECT id FROM buybutton_refs WHERE kind = $1 AND merchant_id = $2 AND external_id = $3
				LIMIT 1)
			SELECT buybutton_conflict('ref', $5) WHERE NOT EXISTS (SELECT 1 FROM have WHERE id = $4)`,
			ref.Ref.Kind, ref.Ref.MerchantID, ref.Ref.ExternalID, ref.ID, ref.Ref.String())
	}
	for _, r := range tx.Idempotency {
		b.Queue(`WITH w AS (
				INSERT INTO buybutton_idempotency (key, fingerprint, result_id, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING RETURNING 1)
			SELECT buybutton_conflict('idempotency', $1) WHERE NOT EXISTS (SELECT 1 FROM w)`,
			r.Key, r.Fingerprint, r.ResultID, r.CreatedAt)
	}
	for _, e := range tx.Seen {
		b.Queue(`WITH w AS (
				INSERT INTO buybutton_seen_events (merchant_id, event_id, at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING RETURNING 1)
			SELECT buybutton_conflict('seen_event', $1 || ':' || $2) WHERE NOT EXISTS (SELECT 1 FROM w)`,
			e.MerchantID, e.EventID, e.At)
	}
	for _, t := range tx.Transitions {
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("postgres: encode transition: %w", err)
		}
		b.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, t.SubjectID, body)
	}
	for _, e := range tx.Events {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("postgres: encode event: %w", err)
		}
		b.Queue(`INSERT INTO buybutton_outbox (id, body) VALUES ($1, $2)`, e.ID, body)
	}
	if b.Len() == 0 {
		return nil
	}
	err := s.pool.SendBatch(ctx, b).Close()
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == conflictCode {
		return &buybutton.ConflictError{Kind: pe.Message, ID: pe.Detail}
	}
	if err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}
