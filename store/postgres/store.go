package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/buybutton/buybutton"
)

// Store is a buybutton.Store on PostgreSQL. It holds no lock and no state
// of its own: every guarantee comes from the database, so any number of
// instances, each with its own pool, can share one database.
type Store struct {
	pool *pgxpool.Pool
}

var _ buybutton.Store = (*Store)(nil)

// New returns a store on pool. The schema must be in place: call
// [Migrate] first, once per deployment or at every start.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// The kinds of records, as stored in buybutton_records.kind and reported
// in a *buybutton.ConflictError.
const (
	kindCart     = "cart"
	kindGroup    = "group"
	kindCheckout = "checkout"
	kindOrder    = "order"
	kindWallet   = "wallet"
	kindCampaign = "campaign"
	kindDonation = "donation"
	kindMonthly  = "monthly_gift"
)

func (s *Store) Cart(ctx context.Context, id string) (*buybutton.Cart, error) {
	return read[buybutton.Cart](ctx, s, kindCart, id, func(c *buybutton.Cart, v int64) { c.Version = v })
}

func (s *Store) CheckoutGroup(ctx context.Context, id string) (*buybutton.CheckoutGroup, error) {
	return read[buybutton.CheckoutGroup](ctx, s, kindGroup, id, func(g *buybutton.CheckoutGroup, v int64) { g.Version = v })
}

func (s *Store) Checkout(ctx context.Context, id string) (*buybutton.Checkout, error) {
	return read[buybutton.Checkout](ctx, s, kindCheckout, id, func(c *buybutton.Checkout, v int64) { c.Version = v })
}

func (s *Store) Order(ctx context.Context, id string) (*buybutton.Order, error) {
	return read[buybutton.Order](ctx, s, kindOrder, id, orderVersion)
}

func (s *Store) Wallet(ctx context.Context, buyerID string) (*buybutton.Wallet, error) {
	return read[buybutton.Wallet](ctx, s, kindWallet, buyerID, func(w *buybutton.Wallet, v int64) { w.Version = v })
}

func (s *Store) Campaign(ctx context.Context, id string) (*buybutton.Campaign, error) {
	return read[buybutton.Campaign](ctx, s, kindCampaign, id, func(c *buybutton.Campaign, v int64) { c.Version = v })
}

func (s *Store) Donation(ctx context.Context, id string) (*buybutton.Donation, error) {
	return read[buybutton.Donation](ctx, s, kindDonation, id, donationVersion)
}

func (s *Store) MonthlyGift(ctx context.Context, id string) (*buybutton.MonthlyGift, error) {
	return read[buybutton.MonthlyGift](ctx, s, kindMonthly, id, monthlyVersion)
}

// read loads one record; the version column, not the body, is its version.
func read[R any](ctx context.Context, s *Store, kind, id string, setVersion func(*R, int64)) (*R, error) {
	var version int64
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT version, body FROM buybutton_records WHERE kind = $1 AND id = $2`, kind, id).Scan(&version, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s %q", buybutton.ErrNotFound, kind, truncate(id, 128))
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read %s: %w", kind, err)
	}
	return decode(kind, version, body, setVersion)
}

// decode makes a record from its body and its version column.
func decode[R any](kind string, version int64, body []byte, setVersion func(*R, int64)) (*R, error) {
	r := new(R)
	if err := json.Unmarshal(body, r); err != nil {
		return nil, fmt.Errorf("postgres: decode %s: %w", kind, err)
	}
	setVersion(r, version)
	return r, nil
}

func (s *Store) OrdersByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*buybutton.Order, error) {
	return listed(ctx, s, kindOrder, byBuyerQueries[kindOrder], buyerID, after, limit, orderVersion)
}

func (s *Store) DonationsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*buybutton.Donation, error) {
	return listed(ctx, s, kindDonation, byBuyerQueries[kindDonation], buyerID, after, limit, donationVersion)
}

func (s *Store) MonthlyGiftsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*buybutton.MonthlyGift, error) {
	return listed(ctx, s, kindMonthly, byBuyerQueries[kindMonthly], buyerID, after, limit, monthlyVersion)
}

func (s *Store) DonationsByCampaign(ctx context.Context, campaignID, after string, limit int) ([]*buybutton.Donation, error) {
	return listed(ctx, s, kindDonation, byCampaignQueries, campaignID, after, limit, donationVersion)
}

// The version setters of the kinds read both by id and in lists.
func orderVersion(o *buybutton.Order, v int64)         { o.Version = v }
func donationVersion(d *buybutton.Donation, v int64)   { d.Version = v }
func monthlyVersion(m *buybutton.MonthlyGift, v int64) { m.Version = v }

// listQueries page through the records of a kind that one owner (a
// buyer, a campaign) has, newest (placed_at) first, then greatest id
// first, on an index of the owner, placed_at and id: first from the
// newest; after, after a record of the owner's ($2), by comparing
// (placed_at, id) with that record's own columns, so that the page
// begins exactly after it, whatever precision its times had in its body;
// exists, whether a record is the owner's. The kind is written into the
// queries, not passed: the planner uses a partial index only for a
// predicate it can see implies the index's, and pgx's cached statements
// come to a generic plan, in which a parameter implies nothing
// (TestListsUseTheirIndexes).
type listQueries struct{ first, after, exists string }

// byBuyerQueries list a buyer's records of a kind, on the kind's partial
// index (0001 for orders, 0005 for gifts); byCampaignQueries a campaign's
// donations (0009).
var (
	byBuyerQueries = map[string]listQueries{
		kindOrder:    listQuery(kindOrder, "{}buyer_id"),
		kindDonation: listQuery(kindDonation, "{}buyer_id"),
		kindMonthly:  listQuery(kindMonthly, "{}buyer_id"),
	}
	byCampaignQueries = listQuery(kindDonation, "({}body->>'CampaignID')")
)

// listQuery is kind's listQueries for the owner column, owner, in which
// {} stands for a table's alias.
func listQuery(kind, owner string) listQueries {
	col := func(alias string) string { return strings.ReplaceAll(owner, "{}", alias) }
	return listQueries{
		first: `SELECT version, body FROM buybutton_records
			WHERE kind = '` + kind + `' AND ` + col("") + ` = $1 ORDER BY placed_at DESC, id DESC LIMIT $2`,
		after: `SELECT r.version, r.body FROM buybutton_records a CROSS JOIN LATERAL (
				SELECT version, body, placed_at, id FROM buybutton_records
				WHERE kind = '` + kind + `' AND ` + col("") + ` = $1 AND (placed_at, id) < (a.placed_at, a.id)
				ORDER BY placed_at DESC, id DESC LIMIT $3) r
			WHERE a.kind = '` + kind + `' AND a.id = $2 AND ` + col("a.") + ` = $1
			ORDER BY r.placed_at DESC, r.id DESC`,
		exists: `SELECT EXISTS (SELECT 1 FROM buybutton_records WHERE kind = '` + kind + `' AND id = $2 AND ` + col("") + ` = $1)`,
	}
}

// listed runs q for owner, and tells an empty page after a record that is
// not the owner's (ErrNotFound) from the end of the list.
func listed[R any](ctx context.Context, s *Store, kind string, q listQueries, owner, after string, limit int, setVersion func(*R, int64)) ([]*R, error) {
	query, args := q.first, []any{owner, limit}
	if after != "" {
		query, args = q.after, []any{owner, after, limit}
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", kind, err)
	}
	defer rows.Close()
	var out []*R
	for rows.Next() {
		var version int64
		var body []byte
		if err := rows.Scan(&version, &body); err != nil {
			return nil, err
		}
		r, err := decode(kind, version, body, setVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", kind, err)
	}
	if len(out) == 0 && after != "" {
		var found bool
		if err := s.pool.QueryRow(ctx, q.exists, owner, after).Scan(&found); err != nil {
			return nil, fmt.Errorf("postgres: list %s: %w", kind, err)
		}
		if !found {
			return nil, fmt.Errorf("%w: %s %q of %q", buybutton.ErrNotFound, kind, truncate(after, 128), truncate(owner, 128))
		}
	}
	return out, nil
}

func (s *Store) Lookup(ctx context.Context, ref buybutton.Ref) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT id FROM buybutton_refs WHERE kind = $1 AND merchant_id = $2 AND external_id = $3`,
		ref.Kind, ref.MerchantID, ref.ExternalID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", buybutton.ErrNotFound, truncate(ref.String(), 128))
	}
	if err != nil {
		return "", fmt.Errorf("postgres: lookup: %w", err)
	}
	return id, nil
}

func (s *Store) Due(ctx context.Context, t time.Time, limit int) ([]buybutton.DueRecord, error) {
	return s.due(ctx, `SELECT kind, id FROM buybutton_records
		WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at, kind, id LIMIT $2`, t, limit)
}

func (s *Store) ReadBacksDue(ctx context.Context, t time.Time, limit int) ([]buybutton.DueRecord, error) {
	return s.due(ctx, `SELECT kind, id FROM buybutton_records
		WHERE read_back_at IS NOT NULL AND read_back_at <= $1 ORDER BY read_back_at, kind, id LIMIT $2`, t, limit)
}

// due runs query, one of the two due indexes' (due_at, read_back_at),
// for records due by t.
func (s *Store) due(ctx context.Context, query string, t time.Time, limit int) ([]buybutton.DueRecord, error) {
	rows, err := s.pool.Query(ctx, query, t, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due records: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowToStructByPos[buybutton.DueRecord])
	if err != nil {
		return nil, fmt.Errorf("postgres: due records: %w", err)
	}
	return due, nil
}

func (s *Store) Idempotency(ctx context.Context, key string) (buybutton.IdempotencyRecord, error) {
	r := buybutton.IdempotencyRecord{Key: key}
	err := s.pool.QueryRow(ctx, `SELECT fingerprint, result_id, created_at FROM buybutton_idempotency WHERE key = $1`, key).
		Scan(&r.Fingerprint, &r.ResultID, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return buybutton.IdempotencyRecord{}, fmt.Errorf("%w: idempotency key", buybutton.ErrNotFound)
	}
	if err != nil {
		return buybutton.IdempotencyRecord{}, fmt.Errorf("postgres: idempotency: %w", err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

func (s *Store) Transitions(ctx context.Context, subjectID string) ([]buybutton.Transition, error) {
	return list[buybutton.Transition](ctx, s, `SELECT body FROM buybutton_transitions WHERE subject_id = $1 ORDER BY seq`, subjectID)
}

// PendingEvents returns unacknowledged events in the order they were
// inserted (by a sequence). Two commits running at once may become visible
// in the other order; an event is never skipped, since what is pending is
// decided by acknowledgement, not by a cursor. AckEvents deletes what it
// acknowledges; acked_at is set only by instances of a release before
// migration 0004 (see there).
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]buybutton.Event, error) {
	return list[buybutton.Event](ctx, s, `SELECT body FROM buybutton_outbox WHERE acked_at IS NULL ORDER BY seq LIMIT $1`, limit)
}

func (s *Store) AckEvents(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM buybutton_outbox WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("postgres: ack events: %w", err)
	}
	return nil
}

// pruneQueries delete up to $2 idempotency records or seen events from
// before $1, oldest first (on their time indexes, migration 0004). Two
// instances pruning at once may pick the same rows: each row is deleted
// once, and counted by the instance that deleted it.
var pruneQueries = []string{
	`DELETE FROM buybutton_idempotency WHERE key IN
		(SELECT key FROM buybutton_idempotency WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
	`DELETE FROM buybutton_seen_events WHERE (merchant_id, event_id) IN
		(SELECT merchant_id, event_id FROM buybutton_seen_events WHERE at < $1 ORDER BY at LIMIT $2)`,
}

func (s *Store) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	n := 0
	for _, q := range pruneQueries {
		if n == limit {
			break
		}
		tag, err := s.pool.Exec(ctx, q, before, limit-n)
		if err != nil {
			return n, fmt.Errorf("postgres: prune: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

func list[T any](ctx context.Context, s *Store, query string, arg any) ([]T, error) {
	rows, err := s.pool.Query(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	var out []T
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("postgres: decode: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
