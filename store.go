package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store keeps the library's state: carts, checkouts and their groups,
// orders, buyers' saved details, idempotency records, the provider events
// already applied, the transition log and the outbox of [Event]s for the
// host.
//
// The library holds no state of its own between calls (cards aside), so a
// Store shared by several app instances lets them serve the same buyers:
// two instances racing on one checkout still produce one order and one
// charge, because every write goes through [Store.Commit], which is
// compare-and-set on versions and all or nothing.
//
// [NewMemoryStore] is the default. store/postgres is the one for many
// instances. A Store must pass storetest.RunStoreTests.
//
// # What the library guarantees to a Store
//
//   - Records passed to Commit are not touched by the library during the
//     call. After it the library goes on using them, and changes them for
//     its next commit: a store that keeps a record keeps a copy of it.
//   - A record's ID, BuyerID and the ids it was created with never change.
//   - ctx is never nil. It is not canceled when the library's caller
//     goes away, so that what a platform already did is recorded; it has
//     a deadline of its own (10 seconds), unless the caller's context
//     could never be canceled.
//
// # What a Store must do
//
//   - Be safe for concurrent use by multiple goroutines (and, for a shared
//     store, by many processes).
//   - Return copies: a record read from the store and then changed by the
//     caller, through any pointer or slice in it, changes nothing in the
//     store until it is committed.
//   - Commit atomically, as described on [Tx].
//   - Report an id it does not have as [ErrNotFound].
type Store interface {
	// Cart, CheckoutGroup, Checkout, Order and Wallet read one record by
	// id (a wallet by its buyer's id). An unknown id is ErrNotFound.
	Cart(ctx context.Context, id string) (*Cart, error)
	CheckoutGroup(ctx context.Context, id string) (*CheckoutGroup, error)
	Checkout(ctx context.Context, id string) (*Checkout, error)
	Order(ctx context.Context, id string) (*Order, error)
	Wallet(ctx context.Context, buyerID string) (*Wallet, error)
	// Campaign, Donation and MonthlyGift read the donation side's records
	// by id, in the same way.
	Campaign(ctx context.Context, id string) (*Campaign, error)
	Donation(ctx context.Context, id string) (*Donation, error)
	MonthlyGift(ctx context.Context, id string) (*MonthlyGift, error)

	// OrdersByBuyer, DonationsByBuyer and MonthlyGiftsByBuyer return up
	// to limit of a buyer's records of their kind, newest first (an
	// order's PlacedAt, a donation's GivenAt, a monthly gift's
	// CreatedAt: times a record keeps for ever), then greatest id first,
	// beginning after the record whose id is after, or with the newest
	// when after is empty. A page begun after the last record of the
	// page before reads on from exactly there, whatever was added
	// meanwhile: nothing read twice, nothing skipped. An after that is
	// not the id of one of the buyer's records of the kind is
	// ErrNotFound.
	OrdersByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*Order, error)
	DonationsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*Donation, error)
	MonthlyGiftsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*MonthlyGift, error)

	// DonationsByCampaign returns up to limit of a campaign's donations,
	// newest GivenAt first, then greatest id first, beginning after the
	// donation whose id is after (empty: with the newest), as
	// OrdersByBuyer pages. An after that is not one of the campaign's
	// donations is ErrNotFound. The library reads it to fill a
	// campaign's Supporters again when one leaves.
	DonationsByCampaign(ctx context.Context, campaignID, after string, limit int) ([]*Donation, error)

	// Lookup finds the id of the record indexed under ref (see [Ref]).
	Lookup(ctx context.Context, ref Ref) (string, error)

	// Due returns up to limit records whose DueAt is set and not after
	// t: the checkouts, orders and donations that [Client.Maintain] must
	// look at. They come earliest DueAt first, then by kind and id, all
	// kinds in one order, so that no kind waits behind another's backlog.
	Due(ctx context.Context, t time.Time, limit int) ([]DueRecord, error)
	// ReadBacksDue returns up to limit records whose ReadBackAt is set
	// and not after t: the orders, donations and monthly gifts that
	// [Client.Maintain] reads back from their platforms, in the order
	// Due uses (by ReadBackAt). An index of its own, so that a backlog of
	// read-backs never stands before the work that is due.
	ReadBacksDue(ctx context.Context, t time.Time, limit int) ([]DueRecord, error)

	// Idempotency returns the record stored under key.
	Idempotency(ctx context.Context, key string) (IdempotencyRecord, error)

	// Transitions returns the transitions recorded for a subject (a
	// checkout, order or donation id), oldest first.
	Transitions(ctx context.Context, subjectID string) ([]Transition, error)

	// PendingEvents returns up to limit outbox events not yet acknowledged,
	// in the order they were committed.
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
	// AckEvents acknowledges outbox events by id and forgets them; unknown
	// or already acknowledged ids are ignored.
	AckEvents(ctx context.Context, ids []string) error

	// Prune deletes up to limit of the records that exist only so that a
	// repeat changes nothing, and that are older than before: idempotency
	// records created before it and seen events marked before it. It
	// returns how many it deleted, and deletes nothing else. See
	// [Options].Retention, the only reason the library calls it.
	Prune(ctx context.Context, before time.Time, limit int) (int, error)

	// Commit applies tx atomically: everything in it or nothing.
	Commit(ctx context.Context, tx *Tx) error
}

// Tx is one atomic write. Every record in it carries the Version it was
// read at, 0 for a record that must not exist yet. Commit checks every
// version and every insert, and if all hold, writes each record with its
// Version increased by one, appends the transitions and events, and
// indexes the refs. If any does not hold it writes nothing and returns a
// [*ConflictError]. The versions in tx are not changed: the caller adds one
// itself after a successful Commit. A record appears in a Tx at most once:
// two copies of one record would each pass the version check, and the
// second would undo the first. A Tx that names a record twice is refused
// with an error that is not a conflict (trying again cannot succeed), and
// nothing is written.
type Tx struct {
	Carts     []*Cart
	Groups    []*CheckoutGroup
	Checkouts []*Checkout
	Orders    []*Order
	Wallets   []*Wallet
	Campaigns []*Campaign
	Donations []*Donation
	Monthly   []*MonthlyGift

	// Refs index records for [Store.Lookup]. A ref already indexed to
	// another id is a conflict; to the same id, a no-op.
	Refs []RefEntry

	// Idempotency records are inserted; a key that exists is a conflict.
	Idempotency []IdempotencyRecord
	// Seen marks provider events as applied; an event already marked is a
	// conflict with Kind "seen_event". This is how a webhook event is
	// applied once: its effect and its mark commit together.
	Seen []SeenEvent

	Transitions []Transition
	Events      []Event
}

// Ref is a key under which a record can be found: a provider's order or
// payment id, scoped by merchant.
type Ref struct {
	Kind       string // "order", "payment", "refund", "donation", ...
	MerchantID string
	ExternalID string
}

func (r Ref) String() string { return r.Kind + ":" + r.MerchantID + ":" + r.ExternalID }

// RefEntry indexes the record ID under Ref.
type RefEntry struct {
	Ref Ref
	ID  string
}

// DueRecord names a record [Store.Due] or [Store.ReadBacksDue] found due.
type DueRecord struct {
	Kind string // "checkout", "order" or "donation" (Due); "order", "donation" or "monthly_gift" (ReadBacksDue)
	ID   string
}

// SeenEvent identifies a provider event already applied.
type SeenEvent struct {
	MerchantID string
	EventID    string
	At         time.Time
}

// IdempotencyRecord remembers a caller's idempotency key: which request it
// was used with, and the id of what that request made. The record is
// stored before the provider is called, so a retry finds it and reuses the
// provider key derived from it.
type IdempotencyRecord struct {
	Key         string // scoped: operation, subject and the caller's key
	Fingerprint string // the request's parameters
	ResultID    string // e.g. the refund's id
	CreatedAt   time.Time
}

// ErrConflict means a Commit lost a race: a record changed since it was read, or
// something it inserts exists. Nothing was written. The library re-reads
// and retries where that is safe, so callers of a Client see it only when
// a concurrent change made their request moot.
var ErrConflict = errors.New("buybutton: conflict")

// ConflictError says which record a Commit conflicted on.
type ConflictError struct {
	Kind string // "cart", "checkout", "order", "ref", "idempotency", "seen_event", ...
	ID   string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: %s %q changed or exists", ErrConflict, e.Kind, e.ID)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// conflictOn reports whether err is a conflict on the given kind.
func conflictOn(err error, kind string) bool {
	if err == nil {
		return false // before c, which escapes: most commits succeed
	}
	var c *ConflictError
	return errors.As(err, &c) && c.Kind == kind
}

// recordID is the id of a record the library reads a buyer's list of
// (eachOfBuyer): where the next page begins.
func (d *Donation) recordID() string     { return d.ID }
func (mg *MonthlyGift) recordID() string { return mg.ID }

// buyerPageSize is how many of a buyer's records one store read returns
// when the library reads through them (eachOfBuyer).
const buyerPageSize = 20

// eachOfBuyer calls visit with each record list returns for buyerID,
// newest first, a page at a time, each begun after the last record of
// the one before, until visit returns false or the list ends. A record
// added meanwhile is newer than those read, or read once where it falls.
func eachOfBuyer[R interface{ recordID() string }](ctx context.Context, list func(ctx context.Context, buyerID, after string, limit int) ([]R, error), buyerID string, visit func(R) bool) error {
	after := ""
	for {
		page, err := list(ctx, buyerID, after, buyerPageSize)
		if err != nil {
			return err
		}
		for _, r := range page {
			if !visit(r) {
				return nil
			}
		}
		if len(page) < buyerPageSize {
			return nil
		}
		after = page[len(page)-1].recordID()
	}
}
