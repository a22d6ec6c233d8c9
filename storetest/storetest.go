// Package storetest is the conformance suite for implementations of
// buybutton.Store. A store's own test calls [RunStoreTests] with a function
// that makes an empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunStoreTests(t, func(t *testing.T) buybutton.Store { return mystore.New(t) })
//	}
//
// The checks are what the library relies on: compare-and-set on versions,
// all-or-nothing commits, inserts that conflict, copies on read and write,
// the outbox, the due index, and all of it under concurrent use. The last,
// LibraryRacing, runs the library itself on the store, over the memory
// platform, with buyers, donors, the host and the platform racing under
// faults, and compares the library's books with the platform's at the end.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// StoreMaker returns a new, empty store. The suite calls it once per check.
type StoreMaker func(t *testing.T) buybutton.Store

// RunStoreTests runs every check against stores made by newStore, and
// last LibraryRacing: the whole library on such stores, racing (see
// libraryRacing).
func RunStoreTests(t *testing.T, newStore StoreMaker) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, context.Background(), newStore(t))
		})
	}
	t.Run("LibraryRacing", func(t *testing.T) { libraryRacing(t, newStore) })
}

var checks = []struct {
	name string
	run  func(t *testing.T, ctx context.Context, s buybutton.Store)
}{
	{"UnknownIDsAreNotFound", unknownIDsAreNotFound},
	{"InsertThenRead", insertThenRead},
	{"InsertOfExistingIsConflict", insertOfExistingIsConflict},
	{"StaleVersionIsConflict", staleVersionIsConflict},
	{"CommitIsAllOrNothing", commitIsAllOrNothing},
	{"RecordTwiceInOneCommitIsRefused", recordTwiceInOneCommitIsRefused},
	{"ReadsAndWritesAreCopies", readsAndWritesAreCopies},
	{"EveryFieldRoundTrips", everyFieldRoundTrips},
	{"Refs", refs},
	{"IdempotencyKeysInsertOnce", idempotencyKeysInsertOnce},
	{"SeenEventsInsertOnce", seenEventsInsertOnce},
	{"PruneDeletesOnlyWhatIsOld", pruneDeletesOnlyWhatIsOld},
	{"PruneFindsEveryOldRecordWhateverItsOrder", pruneFindsEveryOldRecordWhateverItsOrder},
	{"TransitionsInOrder", transitionsInOrder},
	{"OutboxPendingAndAck", outboxPendingAndAck},
	{"LongOutboxAndLog", longOutboxAndLog},
	{"DueRecords", dueRecords},
	{"ReadBackRecords", readBackRecords},
	{"OrdersByBuyerNewestFirst", ordersByBuyerNewestFirst},
	{"GiftsByBuyerNewestFirst", giftsByBuyerNewestFirst},
	{"DonationsByCampaignNewestFirst", donationsByCampaignNewestFirst},
	{"ConcurrentCompareAndSetLosesNoUpdate", concurrentCompareAndSetLosesNoUpdate},
	{"ConcurrentInsertsOneWins", concurrentInsertsOneWins},
	{"DonationRecordsCompareAndSet", donationRecordsCompareAndSet},
}

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func usd(s string) money.Amount { return money.MustParse(s, "USD") }

func cart(id string) *buybutton.Cart {
	return &buybutton.Cart{ID: id, BuyerID: "buyer-1", CreatedAt: t0, UpdatedAt: t0,
		Lines: []buybutton.CartLine{{MerchantID: "shop", ProductID: "p", VariantID: "v", Quantity: 1}}}
}

func checkout(id string) *buybutton.Checkout {
	return &buybutton.Checkout{
		ID: id, GroupID: "grp-1", BuyerID: "buyer-1", MerchantID: "shop", State: buybutton.CheckoutOpen,
		Currency: "USD", ShipTo: &provider.Address{Name: "A", Line1: "1 Main St", City: "Town", Country: "US"},
		Lines:        []buybutton.CheckoutLine{{ProductID: "p", VariantID: "v", Quantity: 2, LineAmounts: buybutton.LineAmounts{UnitPrice: usd("5.00"), Subtotal: usd("10.00"), TaxIncluded: true}}},
		Totals:       buybutton.Totals{Subtotal: usd("10.00"), Total: usd("10.00")},
		DiscountCode: "SPRING20", DiscountApplies: true,
		ExpiresAt: t0.Add(time.Hour), DueAt: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0,
	}
}

func order(id, buyer string, placed time.Time) *buybutton.Order {
	return &buybutton.Order{
		ID: id, CheckoutID: "co-" + id, BuyerID: buyer, MerchantID: "shop", Status: buybutton.OrderPlaced,
		Currency: "USD", Captured: usd("10.00"), PlacedAt: placed, UpdatedAt: placed,
		Refunds: []buybutton.Refund{{ID: "re-1", Amount: usd("1.00"), Status: buybutton.RefundSucceeded}},
	}
}

func event(id string) buybutton.Event {
	a := usd("10.00")
	return buybutton.Event{ID: id, Type: buybutton.EventOrderPlaced, BuyerID: "buyer-1", OrderID: "ord-1", Amount: &a, At: t0}
}

func commit(t *testing.T, ctx context.Context, s buybutton.Store, tx *buybutton.Tx) {
	t.Helper()
	require.NoError(t, s.Commit(ctx, tx))
}

func requireConflict(t *testing.T, err error, kind string) {
	t.Helper()
	require.ErrorIs(t, err, buybutton.ErrConflict)
	var ce *buybutton.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, kind, ce.Kind)
}

func unknownIDsAreNotFound(t *testing.T, ctx context.Context, s buybutton.Store) {
	for name, err := range map[string]error{
		"cart":     second(s.Cart(ctx, "nope")),
		"group":    second(s.CheckoutGroup(ctx, "nope")),
		"checkout": second(s.Checkout(ctx, "nope")),
		"order":    second(s.Order(ctx, "nope")),
		"wallet":   second(s.Wallet(ctx, "nope")),
		"campaign": second(s.Campaign(ctx, "nope")),
		"donation": second(s.Donation(ctx, "nope")),
		"monthly":  second(s.MonthlyGift(ctx, "nope")),
		"ref":      second(s.Lookup(ctx, buybutton.Ref{Kind: "order", MerchantID: "shop", ExternalID: "nope"})),
		"key":      second(s.Idempotency(ctx, "nope")),
	} {
		assert.ErrorIs(t, err, buybutton.ErrNotFound, name)
	}
	orders, err := s.OrdersByBuyer(ctx, "nobody", "", 10)
	require.NoError(t, err)
	assert.Empty(t, orders)
	donations, err := s.DonationsByBuyer(ctx, "nobody", "", 10)
	require.NoError(t, err)
	assert.Empty(t, donations)
	monthly, err := s.MonthlyGiftsByBuyer(ctx, "nobody", "", 10)
	require.NoError(t, err)
	assert.Empty(t, monthly)
	tr, err := s.Transitions(ctx, "nope")
	require.NoError(t, err)
	assert.Empty(t, tr)
}

func second[T any](_ T, err error) error { return err }

func insertThenRead(t *testing.T, ctx context.Context, s buybutton.Store) {
	c, co, o := cart("cart-1"), checkout("co-1"), order("ord-1", "buyer-1", t0)
	g := &buybutton.CheckoutGroup{ID: "grp-1", BuyerID: "buyer-1", CheckoutIDs: []string{"co-1"}, CreatedAt: t0}
	w := &buybutton.Wallet{BuyerID: "buyer-1", Saved: []buybutton.SavedDetail{{ID: "sav-1", Label: "Home", PaymentToken: "tok"}}}
	commit(t, ctx, s, &buybutton.Tx{Carts: []*buybutton.Cart{c}, Groups: []*buybutton.CheckoutGroup{g},
		Checkouts: []*buybutton.Checkout{co}, Orders: []*buybutton.Order{o}, Wallets: []*buybutton.Wallet{w}})

	gotCart, err := s.Cart(ctx, "cart-1")
	require.NoError(t, err)
	want := *c
	want.Version = 1
	assert.Equal(t, &want, gotCart)

	gotGroup, err := s.CheckoutGroup(ctx, "grp-1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), gotGroup.Version)
	assert.Equal(t, g.CheckoutIDs, gotGroup.CheckoutIDs)

	gotCo, err := s.Checkout(ctx, "co-1")
	require.NoError(t, err)
	wantCo := *co
	wantCo.Version = 1
	assertSameCheckout(t, &wantCo, gotCo)

	gotOrder, err := s.Order(ctx, "ord-1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), gotOrder.Version)
	assert.True(t, gotOrder.Captured.Equal(usd("10.00")))
	require.Len(t, gotOrder.Refunds, 1)
	assert.True(t, gotOrder.Refunds[0].Amount.Equal(usd("1.00")))

	gotWallet, err := s.Wallet(ctx, "buyer-1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), gotWallet.Version)
	assert.Equal(t, w.Saved, gotWallet.Saved)

	// An update at the read version is written with the next version.
	gotCart.Lines[0].Quantity = 3
	commit(t, ctx, s, &buybutton.Tx{Carts: []*buybutton.Cart{gotCart}})
	again, err := s.Cart(ctx, "cart-1")
	require.NoError(t, err)
	assert.Equal(t, int64(2), again.Version)
	assert.Equal(t, 3, again.Lines[0].Quantity)
}

// assertSameCheckout compares the fields a store must keep; money and
// times are compared by value, not representation.
func assertSameCheckout(t *testing.T, want, got *buybutton.Checkout) {
	t.Helper()
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.Version, got.Version)
	assert.Equal(t, want.State, got.State)
	assert.Equal(t, want.BuyerID, got.BuyerID)
	assert.Equal(t, want.ShipTo, got.ShipTo)
	assert.Equal(t, want.DiscountCode, got.DiscountCode)
	assert.Equal(t, want.DiscountApplies, got.DiscountApplies)
	assert.Equal(t, want.TaxIncluded(), got.TaxIncluded())
	assert.True(t, want.Totals.Total.Equal(got.Totals.Total), "total %s != %s", got.Totals.Total, want.Totals.Total)
	require.Len(t, got.Lines, len(want.Lines))
	assert.True(t, want.Lines[0].Subtotal.Equal(got.Lines[0].Subtotal))
	assert.True(t, want.DueAt.Equal(got.DueAt))
	assert.True(t, want.ExpiresAt.Equal(got.ExpiresAt))
}

func insertOfExistingIsConflict(t *testing.T, ctx context.Context, s buybutton.Store) {
	commit(t, ctx, s, &buybutton.Tx{Carts: []*buybutton.Cart{cart("cart-1")}})
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Carts: []*buybutton.Cart{cart("cart-1")}}), "cart")
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{order("ord-1", "b", t0)}})
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Orders: []*buybutton.Order{order("ord-1", "b", t0)}}), "order")
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{checkout("co-1")}})
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Checkouts: []*buybutton.Checkout{checkout("co-1")}}), "checkout")
}

func staleVersionIsConflict(t *testing.T, ctx context.Context, s buybutton.Store) {
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{checkout("co-1")}})
	a, err := s.Checkout(ctx, "co-1")
	require.NoError(t, err)
	b, err := s.Checkout(ctx, "co-1")
	require.NoError(t, err)
	a.State = buybutton.CheckoutAddressed
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{a}})
	b.State = buybutton.CheckoutCanceled
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Checkouts: []*buybutton.Checkout{b}}), "checkout")
	got, err := s.Checkout(ctx, "co-1")
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutAddressed, got.State, "the losing write changed the checkout")

	// A version from the future is as wrong as one from the past.
	got.Version += 5
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Checkouts: []*buybutton.Checkout{got}}), "checkout")
}

// recordTwiceInOneCommitIsRefused: two copies of one record in a Tx would
// each pass the version check, the second undoing the first (a campaign's
// total counting one refund of two). The store refuses the Tx, with an
// error that is not a conflict, and writes nothing.
func recordTwiceInOneCommitIsRefused(t *testing.T, ctx context.Context, s buybutton.Store) {
	cp := &buybutton.Campaign{ID: "cp-1", MerchantID: "shop", Currency: "USD", Raised: usd("10.00"), CreatedAt: t0}
	commit(t, ctx, s, &buybutton.Tx{Campaigns: []*buybutton.Campaign{cp}})
	cp.Version = 1
	once, again := *cp, *cp
	once.Raised, again.Raised = usd("8.00"), usd("7.00")
	err := s.Commit(ctx, &buybutton.Tx{Campaigns: []*buybutton.Campaign{&once, &again}, Events: []buybutton.Event{event("evt-twice")}})
	require.Error(t, err)
	assert.NotErrorIs(t, err, buybutton.ErrConflict, "trying again cannot succeed")
	got, err := s.Campaign(ctx, "cp-1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)
	assert.Equal(t, "10.00 USD", got.Raised.String())
	ev, err := s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, ev)
}

func commitIsAllOrNothing(t *testing.T, ctx context.Context, s buybutton.Store) {
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{checkout("co-1")}})
	stale := checkout("co-1") // version 0: the checkout exists, so this conflicts
	tx := &buybutton.Tx{
		Carts:       []*buybutton.Cart{cart("cart-new")},
		Checkouts:   []*buybutton.Checkout{stale},
		Orders:      []*buybutton.Order{order("ord-new", "buyer-1", t0)},
		Refs:        []buybutton.RefEntry{{Ref: buybutton.Ref{Kind: "order", MerchantID: "shop", ExternalID: "x"}, ID: "ord-new"}},
		Idempotency: []buybutton.IdempotencyRecord{{Key: "k", Fingerprint: "f", ResultID: "r"}},
		Seen:        []buybutton.SeenEvent{{MerchantID: "shop", EventID: "evt-1"}},
		Transitions: []buybutton.Transition{{SubjectID: "co-1", Machine: "checkout", To: "open"}},
		Events:      []buybutton.Event{event("evt-out-1")},
	}
	requireConflict(t, s.Commit(ctx, tx), "checkout")
	assert.ErrorIs(t, second(s.Cart(ctx, "cart-new")), buybutton.ErrNotFound)
	assert.ErrorIs(t, second(s.Order(ctx, "ord-new")), buybutton.ErrNotFound)
	assert.ErrorIs(t, second(s.Lookup(ctx, tx.Refs[0].Ref)), buybutton.ErrNotFound)
	assert.ErrorIs(t, second(s.Idempotency(ctx, "k")), buybutton.ErrNotFound)
	tr, err := s.Transitions(ctx, "co-1")
	require.NoError(t, err)
	assert.Empty(t, tr)
	ev, err := s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, ev)
	// The seen event was not marked: marking it now succeeds.
	commit(t, ctx, s, &buybutton.Tx{Seen: tx.Seen})
}

func refs(t *testing.T, ctx context.Context, s buybutton.Store) {
	r := buybutton.Ref{Kind: "payment", MerchantID: "shop", ExternalID: "pay_1"}
	commit(t, ctx, s, &buybutton.Tx{Refs: []buybutton.RefEntry{{Ref: r, ID: "ord-1"}}})
	id, err := s.Lookup(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, "ord-1", id)
	commit(t, ctx, s, &buybutton.Tx{Refs: []buybutton.RefEntry{{Ref: r, ID: "ord-1"}}}) // same id: no-op
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Refs: []buybutton.RefEntry{{Ref: r, ID: "ord-2"}}}), "ref")
	// Refs are scoped by kind and merchant.
	other := buybutton.Ref{Kind: "payment", MerchantID: "other-shop", ExternalID: "pay_1"}
	commit(t, ctx, s, &buybutton.Tx{Refs: []buybutton.RefEntry{{Ref: other, ID: "ord-9"}}})
	id, err = s.Lookup(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, "ord-9", id)
}

func idempotencyKeysInsertOnce(t *testing.T, ctx context.Context, s buybutton.Store) {
	rec := buybutton.IdempotencyRecord{Key: "refund:ord-1:k1", Fingerprint: "10.00 USD|", ResultID: "re-1", CreatedAt: t0}
	commit(t, ctx, s, &buybutton.Tx{Idempotency: []buybutton.IdempotencyRecord{rec}})
	got, err := s.Idempotency(ctx, rec.Key)
	require.NoError(t, err)
	assert.Equal(t, rec.Fingerprint, got.Fingerprint)
	assert.Equal(t, rec.ResultID, got.ResultID)
	dup := rec
	dup.ResultID = "re-2"
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Idempotency: []buybutton.IdempotencyRecord{dup}}), "idempotency")
	got, err = s.Idempotency(ctx, rec.Key)
	require.NoError(t, err)
	assert.Equal(t, "re-1", got.ResultID)
}

func seenEventsInsertOnce(t *testing.T, ctx context.Context, s buybutton.Store) {
	seen := buybutton.SeenEvent{MerchantID: "shop", EventID: "evt_1", At: t0}
	commit(t, ctx, s, &buybutton.Tx{Seen: []buybutton.SeenEvent{seen}})
	later := seen
	later.At = t0.Add(time.Hour)
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Seen: []buybutton.SeenEvent{later}}), "seen_event")
	// The same event id from another merchant is another event.
	commit(t, ctx, s, &buybutton.Tx{Seen: []buybutton.SeenEvent{{MerchantID: "other", EventID: "evt_1", At: t0}}})
}

// pruneFindsEveryOldRecordWhateverItsOrder: records committed in no
// order of their times (instances' clocks differ, and commits race), and
// pruned a few at a time, all go that are older than the cutoff, and none
// that is not. A store that keeps its records in the order they came and
// stops at the first young one fails it.
func pruneFindsEveryOldRecordWhateverItsOrder(t *testing.T, ctx context.Context, s buybutton.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	at := map[string]time.Time{}
	old := 0
	for batch := range 6 {
		tx := &buybutton.Tx{}
		for i := range 50 {
			key := fmt.Sprintf("refund:ord-%d:%d", batch, i)
			made := t0.Add(time.Duration(rng.IntN(4*3600)-2*3600) * time.Second)
			at[key] = made
			if made.Before(t0) {
				old++
			}
			tx.Idempotency = append(tx.Idempotency, buybutton.IdempotencyRecord{Key: key, Fingerprint: "f", ResultID: "re", CreatedAt: made})
			tx.Seen = append(tx.Seen, buybutton.SeenEvent{MerchantID: "shop", EventID: key, At: made})
		}
		commit(t, ctx, s, tx)
	}
	deleted := 0
	for {
		n, err := s.Prune(ctx, t0, 7)
		require.NoError(t, err)
		require.LessOrEqual(t, n, 7)
		if n == 0 {
			break
		}
		deleted += n
	}
	assert.Equal(t, 2*old, deleted, "the records and marks made before the cutoff")
	for key, made := range at {
		_, err := s.Idempotency(ctx, key)
		if made.Before(t0) {
			assert.ErrorIs(t, err, buybutton.ErrNotFound, "key %q made at %s is old", key, made)
		} else {
			assert.NoError(t, err, "key %q made at %s is not old", key, made)
		}
	}
}

// pruneDeletesOnlyWhatIsOld: Prune deletes idempotency records and seen
// events from before its time, no more than its limit at a time, and
// nothing else: not the newer ones, not one made at that very time, not
// any other record.
func pruneDeletesOnlyWhatIsOld(t *testing.T, ctx context.Context, s buybutton.Store) {
	old, cutoff, newer := t0.Add(-48*time.Hour), t0, t0.Add(time.Hour)
	key := func(at time.Time, name string) buybutton.IdempotencyRecord {
		return buybutton.IdempotencyRecord{Key: "refund:ord-1:" + name, Fingerprint: "f", ResultID: "re-" + name, CreatedAt: at}
	}
	seen := func(at time.Time, id string) buybutton.SeenEvent {
		return buybutton.SeenEvent{MerchantID: "shop", EventID: id, At: at}
	}
	commit(t, ctx, s, &buybutton.Tx{
		Carts:       []*buybutton.Cart{cart("cart-1")},
		Refs:        []buybutton.RefEntry{{Ref: buybutton.Ref{Kind: "payment", MerchantID: "shop", ExternalID: "pi_1"}, ID: "ord-1"}},
		Events:      []buybutton.Event{event("evt-kept")},
		Idempotency: []buybutton.IdempotencyRecord{key(old, "old"), key(old, "old-too"), key(cutoff.Add(-time.Microsecond), "just-before"), key(cutoff, "at"), key(newer, "newer")},
		Seen:        []buybutton.SeenEvent{seen(old, "evt_old"), seen(cutoff, "evt_at"), seen(newer, "evt_newer")},
	})

	n, err := s.Prune(ctx, cutoff, 2)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the limit caps one call")
	n, err = s.Prune(ctx, cutoff, 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "four were older than the cutoff")
	n, err = s.Prune(ctx, cutoff, 100)
	require.NoError(t, err)
	assert.Zero(t, n)

	for _, name := range []string{"old", "old-too", "just-before"} {
		_, err := s.Idempotency(ctx, "refund:ord-1:"+name)
		assert.ErrorIs(t, err, buybutton.ErrNotFound, "key %q was made before the cutoff", name)
	}
	for _, name := range []string{"at", "newer"} {
		_, err := s.Idempotency(ctx, "refund:ord-1:"+name)
		assert.NoError(t, err, "key %q was not made before the cutoff", name)
	}
	commit(t, ctx, s, &buybutton.Tx{Seen: []buybutton.SeenEvent{seen(newer, "evt_old")}})
	for _, id := range []string{"evt_at", "evt_newer"} {
		requireConflict(t, s.Commit(ctx, &buybutton.Tx{Seen: []buybutton.SeenEvent{seen(newer, id)}}), "seen_event")
	}

	_, err = s.Cart(ctx, "cart-1")
	assert.NoError(t, err)
	id, err := s.Lookup(ctx, buybutton.Ref{Kind: "payment", MerchantID: "shop", ExternalID: "pi_1"})
	assert.NoError(t, err)
	assert.Equal(t, "ord-1", id)
	pending, err := s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "evt-kept", pending[0].ID)
}

func transitionsInOrder(t *testing.T, ctx context.Context, s buybutton.Store) {
	for i, to := range []string{"open", "addressed", "shipping_selected", "payment_pending", "placed"} {
		commit(t, ctx, s, &buybutton.Tx{Transitions: []buybutton.Transition{
			{SubjectID: "co-1", Machine: "checkout", To: to, Reason: fmt.Sprint(i), Actor: "buyer:b", At: t0.Add(time.Duration(i) * time.Second)},
			{SubjectID: "co-2", Machine: "checkout", To: to},
		}})
	}
	tr, err := s.Transitions(ctx, "co-1")
	require.NoError(t, err)
	require.Len(t, tr, 5)
	for i, x := range tr {
		assert.Equal(t, fmt.Sprint(i), x.Reason)
		assert.Equal(t, "buyer:b", x.Actor)
		assert.True(t, x.At.Equal(t0.Add(time.Duration(i)*time.Second)))
	}
	assert.Equal(t, "placed", tr[4].To)
}

// longOutboxAndLog: thousands of events and transitions, acknowledged out
// of order in several rounds, keep their commit order, and nothing
// pending is lost when what is acknowledged before it is let go.
func longOutboxAndLog(t *testing.T, ctx context.Context, s buybutton.Store) {
	const commits, perCommit = 250, 10
	for c := range commits {
		tx := &buybutton.Tx{}
		for i := range perCommit {
			n := c*perCommit + i
			tx.Events = append(tx.Events, event(fmt.Sprintf("evt-%d", n)))
			tx.Transitions = append(tx.Transitions, buybutton.Transition{SubjectID: fmt.Sprint("subject-", n%3), Machine: "checkout", Reason: fmt.Sprint(n)})
		}
		commit(t, ctx, s, tx)
	}
	const n = commits * perCommit
	pending := func() []string {
		got, err := s.PendingEvents(ctx, n)
		require.NoError(t, err)
		ids := make([]string, len(got))
		for i, e := range got {
			ids[i] = e.ID
		}
		return ids
	}
	want := func(keep func(i int) bool) []string {
		ids := []string{}
		for i := range n {
			if keep(i) {
				ids = append(ids, fmt.Sprintf("evt-%d", i))
			}
		}
		return ids
	}
	ack := func(pick func(i int) bool) {
		var ids []string
		for i := n - 1; i >= 0; i-- { // newest first: acknowledgements come in any order
			if pick(i) {
				ids = append(ids, fmt.Sprintf("evt-%d", i))
			}
		}
		require.NoError(t, s.AckEvents(ctx, ids))
	}
	ack(func(i int) bool { return i < 1800 && i != 7 }) // all but one of a long prefix
	assert.Equal(t, want(func(i int) bool { return i >= 1800 || i == 7 }), pending())
	ack(func(i int) bool { return i == 7 || i%2 == 0 })
	assert.Equal(t, want(func(i int) bool { return i >= 1800 && i%2 == 1 }), pending())
	ack(func(int) bool { return true })
	assert.Empty(t, pending())
	commit(t, ctx, s, &buybutton.Tx{Events: []buybutton.Event{event("evt-after")}})
	assert.Equal(t, []string{"evt-after"}, pending())

	log, err := s.Transitions(ctx, "subject-1")
	require.NoError(t, err)
	require.Len(t, log, n/3)
	for i, x := range log {
		require.Equal(t, fmt.Sprint(3*i+1), x.Reason, "a subject's transitions in commit order")
	}
}

func outboxPendingAndAck(t *testing.T, ctx context.Context, s buybutton.Store) {
	for i := range 5 {
		commit(t, ctx, s, &buybutton.Tx{Events: []buybutton.Event{event(fmt.Sprintf("evt-%d", i))}})
	}
	got, err := s.PendingEvents(ctx, 3)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, e := range got {
		assert.Equal(t, fmt.Sprintf("evt-%d", i), e.ID, "events come in commit order")
	}
	assert.True(t, got[0].Amount.Equal(usd("10.00")))
	require.NoError(t, s.AckEvents(ctx, []string{"evt-0", "evt-2", "unknown"}))
	got, err = s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	ids := []string{}
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"evt-1", "evt-3", "evt-4"}, ids)
	require.NoError(t, s.AckEvents(ctx, []string{"evt-0"}), "acknowledging twice is harmless")
	require.NoError(t, s.AckEvents(ctx, []string{"evt-1", "evt-3", "evt-4"}))
	got, err = s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	commit(t, ctx, s, &buybutton.Tx{Events: []buybutton.Event{event("evt-5")}})
	got, err = s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "evt-5", got[0].ID)
}

func dueRecords(t *testing.T, ctx context.Context, s buybutton.Store) {
	for i, offset := range []time.Duration{30 * time.Minute, 10 * time.Minute, 20 * time.Minute, 90 * time.Minute} {
		co := checkout(fmt.Sprintf("co-%d", i))
		co.DueAt = t0.Add(offset)
		commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{co}})
	}
	terminal := checkout("co-placed")
	terminal.State, terminal.DueAt = buybutton.CheckoutPlaced, time.Time{}
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{terminal}})
	// Orders and donations share the index: one owing work at the same
	// time as a checkout comes after it by kind; one that owes nothing is
	// not in it.
	owing := order("ord-1", "buyer-1", t0)
	owing.DueAt = t0.Add(20 * time.Minute)
	settled := order("ord-2", "buyer-1", t0)
	gift := &buybutton.Donation{ID: "don-1", BuyerID: "buyer-1", CampaignID: "cmp-1", Currency: "USD",
		Amount: usd("25.00"), Charged: usd("25.00"), GivenAt: t0, DueAt: t0.Add(5 * time.Minute)}
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{owing, settled}, Donations: []*buybutton.Donation{gift}})

	due := func(at time.Duration, limit int) []string {
		t.Helper()
		got, err := s.Due(ctx, t0.Add(at), limit)
		require.NoError(t, err)
		out := []string{}
		for _, r := range got {
			out = append(out, r.Kind+":"+r.ID)
		}
		return out
	}
	assert.Equal(t, []string{"donation:don-1", "checkout:co-1", "checkout:co-2", "order:ord-1", "checkout:co-0"}, due(30*time.Minute, 10),
		"due ones, earliest first, then by kind; the bound included")
	assert.Equal(t, []string{"donation:don-1", "checkout:co-1"}, due(time.Hour, 2))
	assert.Equal(t, []string{"donation:don-1", "checkout:co-1", "checkout:co-2"}, due(time.Hour, 3),
		"a limit within records due at one time takes them by kind and id")
	assert.Equal(t, []string{"donation:don-1", "checkout:co-1", "checkout:co-2", "order:ord-1", "checkout:co-0"}, due(30*time.Minute, 10),
		"Due reads: it takes nothing out")
	assert.Empty(t, due(-time.Minute, 10))

	// Clearing DueAt takes a record out of the index; moving it moves it.
	co, err := s.Checkout(ctx, "co-1")
	require.NoError(t, err)
	co.State, co.DueAt = buybutton.CheckoutExpired, time.Time{}
	o, err := s.Order(ctx, "ord-1")
	require.NoError(t, err)
	o.DueAt = t0.Add(2 * time.Hour)
	d, err := s.Donation(ctx, "don-1")
	require.NoError(t, err)
	d.DueAt = time.Time{}
	commit(t, ctx, s, &buybutton.Tx{Checkouts: []*buybutton.Checkout{co}, Orders: []*buybutton.Order{o}, Donations: []*buybutton.Donation{d}})
	assert.Equal(t, []string{"checkout:co-2", "checkout:co-0", "checkout:co-3", "order:ord-1"}, due(2*time.Hour, 10))

	// A commit that conflicts moves nothing in the index.
	d.Version++
	d.DueAt = t0
	err = s.Commit(ctx, &buybutton.Tx{Donations: []*buybutton.Donation{d}, Orders: []*buybutton.Order{order("ord-1", "buyer-1", t0)}})
	requireConflict(t, err, "order")
	assert.Equal(t, []string{"checkout:co-2", "checkout:co-0", "checkout:co-3", "order:ord-1"}, due(2*time.Hour, 10))
}

// readBackRecords checks ReadBacksDue as dueRecords checks Due: orders,
// donations and monthly gifts by ReadBackAt, an index apart from DueAt.
func readBackRecords(t *testing.T, ctx context.Context, s buybutton.Store) {
	o1, o2, o3 := order("ord-1", "buyer-1", t0), order("ord-2", "buyer-1", t0), order("ord-3", "buyer-1", t0)
	o1.ReadBackAt, o2.ReadBackAt = t0.Add(20*time.Minute), t0.Add(10*time.Minute)
	o3.DueAt = t0 // due, and not for a read-back
	gift := &buybutton.Donation{ID: "don-1", BuyerID: "buyer-1", CampaignID: "cmp-1", Currency: "USD",
		Amount: usd("25.00"), Charged: usd("25.00"), GivenAt: t0, ReadBackAt: t0.Add(20 * time.Minute)}
	monthly := &buybutton.MonthlyGift{ID: "mon-1", BuyerID: "buyer-1", CampaignID: "cmp-1", Status: buybutton.MonthlyActive,
		Currency: "USD", Amount: usd("5.00"), Charged: usd("5.00"), CreatedAt: t0, ReadBackAt: t0.Add(20 * time.Minute)}
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{o1, o2, o3}, Donations: []*buybutton.Donation{gift}, Monthly: []*buybutton.MonthlyGift{monthly}})

	readBacks := func(at time.Duration, limit int) []string {
		t.Helper()
		got, err := s.ReadBacksDue(ctx, t0.Add(at), limit)
		require.NoError(t, err)
		out := []string{}
		for _, r := range got {
			out = append(out, r.Kind+":"+r.ID)
		}
		return out
	}
	assert.Equal(t, []string{"order:ord-2", "donation:don-1", "monthly_gift:mon-1", "order:ord-1"}, readBacks(20*time.Minute, 10),
		"earliest first, then by kind and id; the bound included")
	assert.Equal(t, []string{"order:ord-2", "donation:don-1"}, readBacks(time.Hour, 2), "a limit within records due at one time takes them by kind and id")
	assert.Equal(t, []string{"order:ord-2"}, readBacks(10*time.Minute, 10))
	assert.Empty(t, readBacks(-time.Minute, 10))
	due, err := s.Due(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []buybutton.DueRecord{{Kind: "order", ID: "ord-3"}}, due, "ReadBackAt is not DueAt")

	// Clearing ReadBackAt takes a record out; moving it moves it; a
	// record read back keeps its ReadBackAt.
	got, err := s.MonthlyGift(ctx, "mon-1")
	require.NoError(t, err)
	assert.True(t, got.ReadBackAt.Equal(t0.Add(20*time.Minute)), "a monthly gift keeps its ReadBackAt")
	got.ReadBackAt = time.Time{}
	o, err := s.Order(ctx, "ord-2")
	require.NoError(t, err)
	o.ReadBackAt = t0.Add(2 * time.Hour)
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{o}, Monthly: []*buybutton.MonthlyGift{got}})
	assert.Equal(t, []string{"donation:don-1", "order:ord-1", "order:ord-2"}, readBacks(2*time.Hour, 10))

	// A commit that conflicts moves nothing.
	o.Version++
	o.ReadBackAt = t0
	err = s.Commit(ctx, &buybutton.Tx{Orders: []*buybutton.Order{o, order("ord-1", "buyer-1", t0)}})
	requireConflict(t, err, "order")
	assert.Equal(t, []string{"donation:don-1", "order:ord-1", "order:ord-2"}, readBacks(2*time.Hour, 10))
}

// ordersByBuyerNewestFirst: OrdersByBuyer pages through one buyer's
// orders newest first, then greatest id first, each page after the order
// it names. Orders added between two pages, newer or older than those
// read, neither repeat nor hide an order: the next page reads on from
// exactly where the last ended, whatever the ties. An after that is not
// one of the buyer's orders is ErrNotFound.
func ordersByBuyerNewestFirst(t *testing.T, ctx context.Context, s buybutton.Store) {
	for _, i := range []int{2, 0, 4, 1, 3} {
		commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{order(fmt.Sprintf("ord-%d", i), "buyer-1", t0.Add(time.Duration(i)*time.Minute))}})
	}
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{order("ord-2x", "buyer-1", t0.Add(2*time.Minute)), order("ord-other", "buyer-2", t0)}})
	page := pageOf(t, ctx, s.OrdersByBuyer, "buyer-1", func(o *buybutton.Order) string { return o.ID })
	assert.Equal(t, []string{"ord-4", "ord-3"}, page("", 2))
	assert.Equal(t, []string{"ord-2x", "ord-2"}, page("ord-3", 2), "a tie in time comes greatest id first")
	assert.Equal(t, []string{"ord-2", "ord-1"}, page("ord-2x", 2), "a page after one of a tie begins with the rest of it")

	// Between two pages, the buyer orders again, and an order placed
	// earlier is recorded late; one read is updated.
	o, err := s.Order(ctx, "ord-1")
	require.NoError(t, err)
	o.Status = buybutton.OrderFulfilled
	commit(t, ctx, s, &buybutton.Tx{Orders: []*buybutton.Order{o, order("ord-new", "buyer-1", t0.Add(time.Hour)), order("ord-late", "buyer-1", t0.Add(-time.Minute))}})
	assert.Equal(t, []string{"ord-1", "ord-0", "ord-late"}, page("ord-2", 10), "an update keeps its place; the newer order is before the page, the late one in it")
	assert.Equal(t, []string{"ord-new", "ord-4"}, page("", 2))
	assert.Empty(t, page("ord-late", 10))

	for name, after := range map[string]string{"no such order": "ord-nope", "another buyer's": "ord-other"} {
		_, err := s.OrdersByBuyer(ctx, "buyer-1", after, 10)
		assert.ErrorIs(t, err, buybutton.ErrNotFound, name)
	}
}

// giftsByBuyerNewestFirst: DonationsByBuyer and MonthlyGiftsByBuyer page
// through one buyer's records as OrdersByBuyer does, newest (GivenAt,
// CreatedAt) first, whatever order they were committed in; an update
// keeps a record where it was. An after of another buyer's, or of
// another kind, is ErrNotFound.
func giftsByBuyerNewestFirst(t *testing.T, ctx context.Context, s buybutton.Store) {
	for _, i := range []int{2, 0, 4, 1, 3} {
		at := t0.Add(time.Duration(i) * time.Minute)
		commit(t, ctx, s, &buybutton.Tx{
			Donations: []*buybutton.Donation{{ID: fmt.Sprintf("don-%d", i), BuyerID: "buyer-1", Currency: "USD", Amount: usd("5.00"), Charged: usd("5.00"), GivenAt: at}},
			Monthly:   []*buybutton.MonthlyGift{{ID: fmt.Sprintf("mon-%d", i), BuyerID: "buyer-1", Status: buybutton.MonthlyActive, Currency: "USD", Amount: usd("5.00"), Charged: usd("5.00"), CreatedAt: at}},
		})
	}
	commit(t, ctx, s, &buybutton.Tx{
		Donations: []*buybutton.Donation{{ID: "don-other", BuyerID: "buyer-2", Currency: "USD", GivenAt: t0.Add(time.Hour)}},
		Monthly:   []*buybutton.MonthlyGift{{ID: "mon-other", BuyerID: "buyer-2", Currency: "USD", CreatedAt: t0.Add(time.Hour)}},
	})
	m, err := s.MonthlyGift(ctx, "mon-3")
	require.NoError(t, err)
	m.Status, m.UpdatedAt = buybutton.MonthlyCanceled, t0.Add(2*time.Hour)
	commit(t, ctx, s, &buybutton.Tx{Monthly: []*buybutton.MonthlyGift{m}})

	donations, err := s.DonationsByBuyer(ctx, "buyer-1", "don-4", 3)
	require.NoError(t, err)
	ids := []string{}
	for _, d := range donations {
		ids = append(ids, d.ID)
	}
	assert.Equal(t, []string{"don-3", "don-2", "don-1"}, ids)
	monthly, err := s.MonthlyGiftsByBuyer(ctx, "buyer-1", "mon-4", 3)
	require.NoError(t, err)
	ids = []string{}
	for _, m := range monthly {
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"mon-3", "mon-2", "mon-1"}, ids)
	assert.Equal(t, buybutton.MonthlyCanceled, monthly[0].Status, "the list reads the record as it is now")
	assert.Equal(t, int64(2), monthly[0].Version)

	donations, err = s.DonationsByBuyer(ctx, "buyer-1", "don-0", 3)
	require.NoError(t, err)
	assert.Empty(t, donations)
	monthly, err = s.MonthlyGiftsByBuyer(ctx, "buyer-1", "mon-0", 3)
	require.NoError(t, err)
	assert.Empty(t, monthly)
	for name, err := range map[string]error{
		"donations after another buyer's": second(s.DonationsByBuyer(ctx, "buyer-1", "don-other", 3)),
		"donations after a monthly gift":  second(s.DonationsByBuyer(ctx, "buyer-1", "mon-1", 3)),
		"monthly after another buyer's":   second(s.MonthlyGiftsByBuyer(ctx, "buyer-1", "mon-other", 3)),
		"monthly after a donation":        second(s.MonthlyGiftsByBuyer(ctx, "buyer-1", "don-1", 3)),
	} {
		assert.ErrorIs(t, err, buybutton.ErrNotFound, name)
	}
}

// pageOf reads the ids of the page of list (a Store's list of a buyer's
// or a campaign's records) of key after after, limit of them.
func pageOf[T any](t *testing.T, ctx context.Context, list func(context.Context, string, string, int) ([]*T, error), key string, id func(*T) string) func(after string, limit int) []string {
	return func(after string, limit int) []string {
		t.Helper()
		got, err := list(ctx, key, after, limit)
		require.NoError(t, err)
		ids := []string{}
		for _, r := range got {
			ids = append(ids, id(r))
		}
		return ids
	}
}

// donationsByCampaignNewestFirst: DonationsByCampaign pages through one
// campaign's donations, from every donor, as OrdersByBuyer pages a
// buyer's orders: newest GivenAt first, then greatest id first, each page
// after the donation it names; a donation of another campaign, or none,
// is ErrNotFound.
func donationsByCampaignNewestFirst(t *testing.T, ctx context.Context, s buybutton.Store) {
	gift := func(id, buyer, campaign string, minutes int) *buybutton.Donation {
		return &buybutton.Donation{ID: id, BuyerID: buyer, CampaignID: campaign, Currency: "USD", Amount: usd("5.00"), Charged: usd("5.00"), GivenAt: t0.Add(time.Duration(minutes) * time.Minute)}
	}
	commit(t, ctx, s, &buybutton.Tx{Donations: []*buybutton.Donation{gift("don-b", "buyer-2", "cp-1", 2), gift("don-a", "buyer-1", "cp-1", 0), gift("don-other", "buyer-1", "cp-2", 9)}})
	commit(t, ctx, s, &buybutton.Tx{Donations: []*buybutton.Donation{gift("don-c", "buyer-3", "cp-1", 2), gift("don-d", "buyer-1", "cp-1", 5)}})
	page := pageOf(t, ctx, s.DonationsByCampaign, "cp-1", func(d *buybutton.Donation) string { return d.ID })
	assert.Equal(t, []string{"don-d", "don-c"}, page("", 2))
	assert.Equal(t, []string{"don-b", "don-a"}, page("don-c", 2))
	assert.Empty(t, page("don-a", 2))
	for name, after := range map[string]string{"another campaign's": "don-other", "no such donation": "don-nope"} {
		_, err := s.DonationsByCampaign(ctx, "cp-1", after, 2)
		assert.ErrorIs(t, err, buybutton.ErrNotFound, name)
	}
	none, err := s.DonationsByCampaign(ctx, "cp-none", "", 2)
	require.NoError(t, err)
	assert.Empty(t, none)
}

// concurrentCompareAndSetLosesNoUpdate has many goroutines each add one
// unit to a cart line by read, change, compare-and-set, retry. A store that
// lets a stale write through loses units.
func concurrentCompareAndSetLosesNoUpdate(t *testing.T, ctx context.Context, s buybutton.Store) {
	const workers, each = 16, 25
	c := cart("cart-1")
	c.Lines[0].Quantity = 0
	commit(t, ctx, s, &buybutton.Tx{Carts: []*buybutton.Cart{c}})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					c, err := s.Cart(ctx, "cart-1")
					if err != nil {
						errs <- err
						return
					}
					c.Lines[0].Quantity++
					err = s.Commit(ctx, &buybutton.Tx{Carts: []*buybutton.Cart{c}, Transitions: []buybutton.Transition{{SubjectID: "cart-1", To: "x"}}})
					if errors.Is(err, buybutton.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Cart(ctx, "cart-1")
	require.NoError(t, err)
	assert.Equal(t, workers*each, got.Lines[0].Quantity, "updates were lost")
	assert.Equal(t, int64(workers*each+1), got.Version)
	tr, err := s.Transitions(ctx, "cart-1")
	require.NoError(t, err)
	assert.Len(t, tr, workers*each, "a losing commit appended its transition")
}

// concurrentInsertsOneWins races inserts of one order id, one idempotency
// key and one seen event: exactly one commit of each succeeds.
func concurrentInsertsOneWins(t *testing.T, ctx context.Context, s buybutton.Store) {
	const racers = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := map[string]int{}
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for kind, tx := range map[string]*buybutton.Tx{
				"order":       {Orders: []*buybutton.Order{order("ord-1", "buyer-1", t0)}, Events: []buybutton.Event{event(fmt.Sprintf("placed-%d", i))}},
				"idempotency": {Idempotency: []buybutton.IdempotencyRecord{{Key: "k", ResultID: fmt.Sprint(i)}}},
				"seen_event":  {Seen: []buybutton.SeenEvent{{MerchantID: "shop", EventID: "evt"}}},
			} {
				err := s.Commit(ctx, tx)
				mu.Lock()
				if err == nil {
					wins[kind]++
				} else if !errors.Is(err, buybutton.ErrConflict) {
					wins["error: "+err.Error()]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, map[string]int{"order": 1, "idempotency": 1, "seen_event": 1}, wins)
	ev, err := s.PendingEvents(ctx, 100)
	require.NoError(t, err)
	assert.Len(t, ev, 1, "losing inserts appended their events")
}

// donationRecordsCompareAndSet: campaigns, donations and monthly gifts
// insert, read back as copies, and update only from the version read.
func donationRecordsCompareAndSet(t *testing.T, ctx context.Context, s buybutton.Store) {
	cp := &buybutton.Campaign{ID: "cmp-1", MerchantID: "shop", NonprofitID: "np", Title: "Wells", Currency: "USD",
		Presets: []money.Amount{usd("10.00"), usd("25.00")}, Minimum: usd("1.00"), Maximum: usd("500.00"), Raised: usd("0"),
		Supporters: []buybutton.Supporter{{Name: "Ada", At: t0}}, CreatedAt: t0}
	d := &buybutton.Donation{ID: "don-1", BuyerID: "buyer-1", CampaignID: "cmp-1", Currency: "USD",
		Amount: usd("25.00"), Fee: usd("1.08"), Charged: usd("26.08"),
		Refunds: []buybutton.Refund{{ID: "re-1", Amount: usd("1.00"), Status: buybutton.RefundSucceeded}}, GivenAt: t0}
	mg := &buybutton.MonthlyGift{ID: "mon-1", BuyerID: "buyer-1", CampaignID: "cmp-1", Status: buybutton.MonthlyActive,
		Currency: "USD", Amount: usd("25.00"), Charged: usd("25.00"), Months: 1, NextChargeAt: t0.AddDate(0, 1, 0)}
	commit(t, ctx, s, &buybutton.Tx{Campaigns: []*buybutton.Campaign{cp}, Donations: []*buybutton.Donation{d}, Monthly: []*buybutton.MonthlyGift{mg}})
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Campaigns: []*buybutton.Campaign{cp}}), "campaign")
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Donations: []*buybutton.Donation{d}}), "donation")
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Monthly: []*buybutton.MonthlyGift{mg}}), "monthly_gift")

	gotCp, err := s.Campaign(ctx, "cmp-1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), gotCp.Version)
	assert.True(t, gotCp.Presets[1].Equal(usd("25.00")))
	assert.Equal(t, "Ada", gotCp.Supporters[0].Name)
	gotCp.Presets[0], gotCp.Supporters[0].Name = usd("99.00"), "changed by the reader"
	gotD, err := s.Donation(ctx, "don-1")
	require.NoError(t, err)
	assert.True(t, gotD.Charged.Equal(usd("26.08")))
	gotD.Refunds[0].Amount = usd("9.00")
	gotM, err := s.MonthlyGift(ctx, "mon-1")
	require.NoError(t, err)
	assert.Equal(t, buybutton.MonthlyActive, gotM.Status)

	again, err := s.Campaign(ctx, "cmp-1")
	require.NoError(t, err)
	assert.True(t, again.Presets[0].Equal(usd("10.00")), "a reader's change reached the store")
	assert.Equal(t, "Ada", again.Supporters[0].Name, "a reader's change reached the store")
	againD, err := s.Donation(ctx, "don-1")
	require.NoError(t, err)
	assert.True(t, againD.Refunds[0].Amount.Equal(usd("1.00")), "a reader's change reached the store")

	again.Raised = usd("25.00")
	commit(t, ctx, s, &buybutton.Tx{Campaigns: []*buybutton.Campaign{again}})
	stale := gotCp
	stale.Raised = usd("50.00")
	requireConflict(t, s.Commit(ctx, &buybutton.Tx{Campaigns: []*buybutton.Campaign{stale}}), "campaign")
	final, err := s.Campaign(ctx, "cmp-1")
	require.NoError(t, err)
	assert.Equal(t, int64(2), final.Version)
	assert.True(t, final.Raised.Equal(usd("25.00")))
}
