package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/deep"
)

// recordKind is one kind of record a store keeps, as the copy checks
// reach it: how to put one in a commit and how to read it back.
type recordKind struct {
	name   string
	filled func() any // a new record with every field set (deep.Fill)
	insert func(tx *buybutton.Tx, rec any)
	read   func(ctx context.Context, s buybutton.Store) (any, error)
}

// kind makes a recordKind for records of type T.
func kind[T any](name string, insert func(*buybutton.Tx, *T), read func(context.Context, buybutton.Store) (*T, error)) recordKind {
	return recordKind{
		name: name,
		filled: func() any {
			rec := new(T)
			deep.Fill(rec)
			return rec
		},
		insert: func(tx *buybutton.Tx, rec any) { insert(tx, rec.(*T)) },
		read: func(ctx context.Context, s buybutton.Store) (any, error) {
			rec, err := read(ctx, s)
			if rec == nil {
				return nil, err // not a typed nil in the any
			}
			return rec, err
		},
	}
}

// byID reads a record by the id deep.Fill gives every string field.
func byID[T any](read func(buybutton.Store, context.Context, string) (*T, error)) func(context.Context, buybutton.Store) (*T, error) {
	return func(ctx context.Context, s buybutton.Store) (*T, error) { return read(s, ctx, deep.Filled) }
}

// byBuyer is the id and buyer of the records read through the Store's
// ...ByBuyer lists, and byCampaign the id and campaign of the donation
// read through DonationsByCampaign, apart from the ones read by id.
const (
	byBuyer    = "by-buyer"
	byCampaign = "by-campaign"
)

var recordKinds = []recordKind{
	kind("cart", func(tx *buybutton.Tx, r *buybutton.Cart) { tx.Carts = append(tx.Carts, r) }, byID(buybutton.Store.Cart)),
	kind("checkout group", func(tx *buybutton.Tx, r *buybutton.CheckoutGroup) { tx.Groups = append(tx.Groups, r) }, byID(buybutton.Store.CheckoutGroup)),
	kind("checkout", func(tx *buybutton.Tx, r *buybutton.Checkout) { tx.Checkouts = append(tx.Checkouts, r) }, byID(buybutton.Store.Checkout)),
	kind("order", func(tx *buybutton.Tx, r *buybutton.Order) { tx.Orders = append(tx.Orders, r) }, byID(buybutton.Store.Order)),
	kind("order by buyer", func(tx *buybutton.Tx, r *buybutton.Order) {
		r.ID, r.BuyerID = byBuyer, byBuyer
		tx.Orders = append(tx.Orders, r)
	}, onlyIn(buybutton.Store.OrdersByBuyer, byBuyer)),
	kind("wallet", func(tx *buybutton.Tx, r *buybutton.Wallet) { tx.Wallets = append(tx.Wallets, r) }, byID(buybutton.Store.Wallet)),
	kind("campaign", func(tx *buybutton.Tx, r *buybutton.Campaign) { tx.Campaigns = append(tx.Campaigns, r) }, byID(buybutton.Store.Campaign)),
	kind("donation", func(tx *buybutton.Tx, r *buybutton.Donation) { tx.Donations = append(tx.Donations, r) }, byID(buybutton.Store.Donation)),
	kind("donation by buyer", func(tx *buybutton.Tx, r *buybutton.Donation) {
		r.ID, r.BuyerID = byBuyer, byBuyer
		tx.Donations = append(tx.Donations, r)
	}, onlyIn(buybutton.Store.DonationsByBuyer, byBuyer)),
	kind("donation by campaign", func(tx *buybutton.Tx, r *buybutton.Donation) {
		r.ID, r.CampaignID = byCampaign, byCampaign
		tx.Donations = append(tx.Donations, r)
	}, onlyIn(buybutton.Store.DonationsByCampaign, byCampaign)),
	kind("monthly gift", func(tx *buybutton.Tx, r *buybutton.MonthlyGift) { tx.Monthly = append(tx.Monthly, r) }, byID(buybutton.Store.MonthlyGift)),
	kind("monthly gift by buyer", func(tx *buybutton.Tx, r *buybutton.MonthlyGift) {
		r.ID, r.BuyerID = byBuyer, byBuyer
		tx.Monthly = append(tx.Monthly, r)
	}, onlyIn(buybutton.Store.MonthlyGiftsByBuyer, byBuyer)),
	kind("outbox event", func(tx *buybutton.Tx, r *buybutton.Event) { tx.Events = append(tx.Events, *r) }, pendingEvent),
	kind("transition", func(tx *buybutton.Tx, r *buybutton.Transition) { tx.Transitions = append(tx.Transitions, *r) }, transition),
}

// onlyIn reads the one record listed under key (a buyer's or a
// campaign's id) through list (one of the Store's ...ByBuyer, or
// DonationsByCampaign).
func onlyIn[T any](list func(buybutton.Store, context.Context, string, string, int) ([]*T, error), key string) func(context.Context, buybutton.Store) (*T, error) {
	return func(ctx context.Context, s buybutton.Store) (*T, error) {
		recs, err := list(s, ctx, key, "", 10)
		if err != nil || len(recs) != 1 {
			return nil, err
		}
		return recs[0], nil
	}
}

// pendingEvent reads the outbox's one event.
func pendingEvent(ctx context.Context, s buybutton.Store) (*buybutton.Event, error) {
	events, err := s.PendingEvents(ctx, 10)
	if err != nil || len(events) != 1 {
		return nil, err
	}
	return &events[0], nil
}

// transition reads the one transition of the subject deep.Fill names.
func transition(ctx context.Context, s buybutton.Store) (*buybutton.Transition, error) {
	ts, err := s.Transitions(ctx, deep.Filled)
	if err != nil || len(ts) != 1 {
		return nil, err
	}
	return &ts[0], nil
}

// readsAndWritesAreCopies checks the Store's promise to return copies, on
// every kind of record, with every pointer in it set and every slice in
// it holding an element: what a caller does to a record it committed, or
// to one it read, changes nothing in the store. A record type that gains
// a pointer or slice field is covered without a change here; a store that
// copies it shallowly fails.
func readsAndWritesAreCopies(t *testing.T, ctx context.Context, s buybutton.Store) {
	for _, k := range recordKinds {
		t.Run(k.name, func(t *testing.T) {
			rec := commitFilled(t, ctx, s, k)
			want := snapshot(t, ctx, s, k)

			deep.Scribble(rec)
			assert.JSONEq(t, want, snapshot(t, ctx, s, k), "changing what was committed changed the store's %s", k.name)

			got, err := k.read(ctx, s)
			require.NoError(t, err)
			deep.Scribble(got)
			assert.JSONEq(t, want, snapshot(t, ctx, s, k), "changing what was read changed the store's %s", k.name)
		})
	}
}

// everyFieldRoundTrips commits every kind of record with every field set
// and reads it back: nothing may be lost or changed but the version, one
// more than committed. A store that drops a field a later version of the
// library adds (a column not written, a JSON field not decoded) fails it.
func everyFieldRoundTrips(t *testing.T, ctx context.Context, s buybutton.Store) {
	for _, k := range recordKinds {
		t.Run(k.name, func(t *testing.T) {
			rec := commitFilled(t, ctx, s, k)
			if v := reflect.ValueOf(rec).Elem().FieldByName("Version"); v.IsValid() {
				v.SetInt(1)
			}
			want, err := json.Marshal(rec)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), snapshot(t, ctx, s, k))
		})
	}
}

// commitFilled commits a record of kind k with every field set, and
// returns it.
func commitFilled(t *testing.T, ctx context.Context, s buybutton.Store, k recordKind) any {
	t.Helper()
	rec := k.filled()
	tx := &buybutton.Tx{}
	k.insert(tx, rec)
	commit(t, ctx, s, tx)
	return rec
}

// snapshot reads the record of kind k and renders all of it, through
// every pointer and slice, as JSON: what the store holds, whatever the
// reader does to the record afterwards.
func snapshot(t *testing.T, ctx context.Context, s buybutton.Store, k recordKind) string {
	t.Helper()
	rec, err := k.read(ctx, s)
	require.NoError(t, err)
	require.NotNil(t, rec, "the %s committed was not read back", k.name)
	out, err := json.Marshal(rec)
	require.NoError(t, err)
	return string(out)
}
