package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/buybutton/buybutton"
)

// record is one record of a Tx, ready for SQL.
type record struct {
	kind, id string
	version  int64 // as read; 0 for an insert
	body     any
	buyerID  *string    // orders
	placedAt *time.Time // orders
	dueAt    *time.Time // checkouts; nil when not due
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
		r := record{kind: kindCheckout, id: co.ID, version: co.Version, body: co}
		if !co.DueAt.IsZero() {
			r.dueAt = &co.DueAt
		}
		rs = append(rs, r)
	}
	for _, o := range tx.Orders {
		rs = append(rs, record{kind: kindOrder, id: o.ID, version: o.Version, body: o, buyerID: &o.BuyerID, placedAt: &o.PlacedAt})
	}
	for _, w := range tx.Wallets {
		rs = append(rs, record{kind: kindWallet, id: w.BuyerID, version: w.Version, body: w})
	}
	for _, c := range tx.Campaigns {
		rs = append(rs, record{kind: kindCampaign, id: c.ID, version: c.Version, body: c})
	}
	for _, d := range tx.Donations {
		rs = append(rs, record{kind: kindDonation, id: d.ID, version: d.Version, body: d})
	}
	for _, m := range tx.Monthly {
		rs = append(rs, record{kind: kindMonthly, id: m.ID, version: m.Version, body: m})
	}
	return rs
}

// conflict is returned from inside the transaction to roll it back.
type conflict struct{ err *buybutton.ConflictError }

func (c conflict) Error() string { return c.err.Error() }

// Commit applies tx in one transaction, sending all its statements as one
// batch. Every write is conditional, so the database decides every race:
//
//   - an insert (version 0) is INSERT … ON CONFLICT DO NOTHING, and a row
//     that exists is a conflict;
//   - an update is UPDATE … WHERE version = the version read, and no row
//     updated is a conflict;
//   - a ref is inserted, or found already indexed to the same id; to
//     another id (or one a concurrent commit is inserting) is a conflict;
//   - idempotency records and seen events are inserts that conflict.
//
// On the first conflict the transaction is rolled back: nothing of tx is
// written.
func (s *Store) Commit(ctx context.Context, tx *buybutton.Tx) error {
	type check func(pgx.BatchResults) error
	b := &pgx.Batch{}
	var checks []check
	rowsOne := func(kind, id string) check {
		return func(br pgx.BatchResults) error {
			tag, err := br.Exec()
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return conflict{&buybutton.ConflictError{Kind: kind, ID: id}}
			}
			return nil
		}
	}
	for _, r := range recordsOf(tx) {
		body, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("postgres: encode %s %q: %w", r.kind, r.id, err)
		}
		if r.version == 0 {
			b.Queue(`INSERT INTO buybutton_records (kind, id, version, body, buyer_id, placed_at, due_at)
				VALUES ($1, $2, 1, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, r.kind, r.id, body, r.buyerID, r.placedAt, r.dueAt)
		} else {
			b.Queue(`UPDATE buybutton_records SET version = version + 1, body = $4, buyer_id = $5, placed_at = $6, due_at = $7
				WHERE kind = $1 AND id = $2 AND version = $3`, r.kind, r.id, r.version, body, r.buyerID, r.placedAt, r.dueAt)
		}
		checks = append(checks, rowsOne(r.kind, r.id))
	}
	for _, ref := range tx.Refs {
		b.Queue(`WITH ins AS (
				INSERT INTO buybutton_refs (kind, merchant_id, external_id, id) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING RETURNING id)
			SELECT id FROM ins
			UNION ALL SELECT id FROM buybutton_refs WHERE kind = $1 AND merchant_id = $2 AND external_id = $3
			LIMIT 1`, ref.Ref.Kind, ref.Ref.MerchantID, ref.Ref.ExternalID, ref.ID)
		checks = append(checks, func(br pgx.BatchResults) error {
			var have string
			err := br.QueryRow().Scan(&have)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if have != ref.ID {
				return conflict{&buybutton.ConflictError{Kind: "ref", ID: ref.Ref.String()}}
			}
			return nil
		})
	}
	for _, r := range tx.Idempotency {
		b.Queue(`INSERT INTO buybutton_idempotency (key, fingerprint, result_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			r.Key, r.Fingerprint, r.ResultID, r.CreatedAt)
		checks = append(checks, rowsOne("idempotency", r.Key))
	}
	for _, e := range tx.Seen {
		b.Queue(`INSERT INTO buybutton_seen_events (merchant_id, event_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			e.MerchantID, e.EventID, e.At)
		checks = append(checks, rowsOne("seen_event", e.MerchantID+":"+e.EventID))
	}
	for _, t := range tx.Transitions {
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("postgres: encode transition: %w", err)
		}
		b.Queue(`INSERT INTO buybutton_transitions (subject_id, body) VALUES ($1, $2)`, t.SubjectID, body)
		checks = append(checks, rowsOne("transition", t.SubjectID))
	}
	for _, e := range tx.Events {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("postgres: encode event: %w", err)
		}
		b.Queue(`INSERT INTO buybutton_outbox (id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.ID, body)
		checks = append(checks, rowsOne("event", e.ID))
	}
	err := pgx.BeginFunc(ctx, s.pool, func(ptx pgx.Tx) error {
		br := ptx.SendBatch(ctx, b)
		for _, c := range checks {
			if err := c(br); err != nil {
				br.Close()
				return err
			}
		}
		return br.Close()
	})
	var c conflict
	if errors.As(err, &c) {
		return c.err
	}
	if err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}
