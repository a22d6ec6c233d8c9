package buybutton

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// NewMemoryStore returns a [Store] that keeps everything in this process's
// memory: the default, for one instance, examples and tests. It is safe
// for concurrent use by multiple goroutines; its state is lost when the
// process ends.
func NewMemoryStore() Store {
	return &memoryStore{
		carts:       map[string]*Cart{},
		groups:      map[string]*CheckoutGroup{},
		checkouts:   map[string]*Checkout{},
		orders:      map[string]*Order{},
		wallets:     map[string]*Wallet{},
		campaigns:   map[string]*Campaign{},
		donations:   map[string]*Donation{},
		monthly:     map[string]*MonthlyGift{},
		ordersOf:    map[string][]string{},
		donationsOf: map[string][]string{},
		monthlyOf:   map[string][]string{},
		ofCampaign:  map[string][]string{},
		refs:        map[Ref]string{},
		idempotency: map[string]IdempotencyRecord{},
		seen:        map[SeenEvent]time.Time{},
		lastOf:      map[string]int{},
		pending:     map[string]int{},
	}
}

type memoryStore struct {
	mu        sync.RWMutex
	carts     map[string]*Cart
	groups    map[string]*CheckoutGroup
	checkouts map[string]*Checkout
	orders    map[string]*Order
	wallets   map[string]*Wallet
	campaigns map[string]*Campaign
	donations map[string]*Donation
	monthly   map[string]*MonthlyGift
	// ordersOf, donationsOf and monthlyOf hold each buyer's record ids:
	// the ...ByBuyer lists.
	ordersOf    map[string][]string
	donationsOf map[string][]string
	monthlyOf   map[string][]string
	ofCampaign  map[string][]string // each campaign's donation ids: DonationsByCampaign
	refs        map[Ref]string
	idempotency map[string]IdempotencyRecord
	seen        map[SeenEvent]time.Time // keyed with At zeroed; the value is At
	// idempotencyAge and seenAge hold the keys of idempotency and seen,
	// oldest first, for Prune. Both maps are insert-only but for Prune,
	// so each key is in its queue once.
	idempotencyAge ageQueue[string]
	seenAge        ageQueue[SeenEvent]
	// log holds every transition, each linked to the one before it of
	// the same subject; lastOf holds the number of each subject's newest.
	// A commit so costs one log entry and one map write per transition,
	// however many a subject has.
	log    chunkLog[loggedTransition]
	lastOf map[string]int
	// outbox holds committed events from (at most a chunk before) the
	// oldest unacknowledged one on; acknowledged events are zeroed.
	outbox  chunkLog[Event]
	pending map[string]int // unacknowledged event id -> number in outbox
	// dueQueue and readBackQueue hold the records with a DueAt, and with
	// a ReadBackAt, by that time (see timeQueue), so that Due and
	// ReadBacksDue look at the records due only.
	dueQueue      timeQueue
	readBackQueue timeQueue
}

func get[T any](s *memoryStore, m map[string]*T, kind, id string, clone func(*T) *T) (*T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := m[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, kind, truncate(id, 64))
	}
	return clone(r), nil
}

func (s *memoryStore) Cart(_ context.Context, id string) (*Cart, error) {
	return get(s, s.carts, "cart", id, cloneCart)
}

func (s *memoryStore) CheckoutGroup(_ context.Context, id string) (*CheckoutGroup, error) {
	return get(s, s.groups, "checkout group", id, cloneGroup)
}

func (s *memoryStore) Checkout(_ context.Context, id string) (*Checkout, error) {
	return get(s, s.checkouts, "checkout", id, cloneCheckout)
}

func (s *memoryStore) Order(_ context.Context, id string) (*Order, error) {
	return get(s, s.orders, "order", id, cloneOrder)
}

func (s *memoryStore) Wallet(_ context.Context, buyerID string) (*Wallet, error) {
	return get(s, s.wallets, "wallet", buyerID, cloneWallet)
}

func (s *memoryStore) Campaign(_ context.Context, id string) (*Campaign, error) {
	return get(s, s.campaigns, "campaign", id, cloneCampaign)
}

func (s *memoryStore) Donation(_ context.Context, id string) (*Donation, error) {
	return get(s, s.donations, "donation", id, cloneDonation)
}

func (s *memoryStore) MonthlyGift(_ context.Context, id string) (*MonthlyGift, error) {
	return get(s, s.monthly, "monthly gift", id, clonePtr[MonthlyGift])
}

func (s *memoryStore) OrdersByBuyer(_ context.Context, buyerID, after string, limit int) ([]*Order, error) {
	return page(s, s.orders, s.ordersOf, "order", buyerID, orderListedAt, cloneOrder, after, limit)
}

func (s *memoryStore) DonationsByBuyer(_ context.Context, buyerID, after string, limit int) ([]*Donation, error) {
	return page(s, s.donations, s.donationsOf, "donation", buyerID, donationListedAt, cloneDonation, after, limit)
}

func (s *memoryStore) MonthlyGiftsByBuyer(_ context.Context, buyerID, after string, limit int) ([]*MonthlyGift, error) {
	return page(s, s.monthly, s.monthlyOf, "monthly gift", buyerID, monthlyListedAt, clonePtr[MonthlyGift], after, limit)
}

func (s *memoryStore) DonationsByCampaign(_ context.Context, campaignID, after string, limit int) ([]*Donation, error) {
	return page(s, s.donations, s.ofCampaign, "donation", campaignID, donationListedAt, cloneDonation, after, limit)
}

// The times the lists order their records by, and the keys they list
// them under.
func orderListedAt(o *Order) time.Time         { return o.PlacedAt }
func donationListedAt(d *Donation) time.Time   { return d.GivenAt }
func monthlyListedAt(m *MonthlyGift) time.Time { return m.CreatedAt }
func orderBuyer(o *Order) string               { return o.BuyerID }
func donationBuyer(d *Donation) string         { return d.BuyerID }
func donationCampaign(d *Donation) string      { return d.CampaignID }
func monthlyBuyer(m *MonthlyGift) string       { return m.BuyerID }

// A list (ordersOf, donationsOf, monthlyOf, ofCampaign) holds the ids of
// one buyer's (or campaign's) records of a kind oldest first, by the time
// at gives, then by id, so that a page is a binary search and a copy,
// whatever the list's length: read from the end, it is newest first, then
// greatest id first (see [Store].OrdersByBuyer).

// listedBefore orders the entry id of m in a list against the time and
// id of another.
func listedBefore[T any](m map[string]*T, at func(*T) time.Time, id string, t time.Time, other string) int {
	return cmp.Or(at(m[id]).Compare(t), strings.Compare(id, other))
}

// list puts id, listed at t, in its place in index[key], which does not
// hold it.
func list[T any](m map[string]*T, index map[string][]string, key string, at func(*T) time.Time, id string, t time.Time) {
	ids := index[key]
	i, _ := slices.BinarySearchFunc(ids, id, func(e, id string) int { return listedBefore(m, at, e, t, id) })
	index[key] = slices.Insert(ids, i, id)
}

// unlist takes id, listed at t, out of index[key].
func unlist[T any](m map[string]*T, index map[string][]string, key string, at func(*T) time.Time, id string, t time.Time) {
	ids := index[key]
	if i, ok := slices.BinarySearchFunc(ids, id, func(e, id string) int { return listedBefore(m, at, e, t, id) }); ok {
		index[key] = slices.Delete(ids, i, i+1)
	}
}

// relist keeps r, about to replace old (nil for a new record) under id
// in m, in its place in the list index holds under key(r): listed when
// new, moved when its time or key changed (the library never changes
// them; a store keeps its lists right whatever it is given). m still
// holds old.
func relist[T any](m map[string]*T, index map[string][]string, key func(*T) string, at func(*T) time.Time, id string, old, r *T) {
	if old != nil {
		if key(old) == key(r) && at(old).Equal(at(r)) {
			return
		}
		unlist(m, index, key(old), at, id, at(old))
	}
	list(m, index, key(r), at, id, at(r))
}

// page reads up to limit of the records index lists under key, newest
// first, after the one whose id is after.
func page[T any](s *memoryStore, m map[string]*T, index map[string][]string, kind, key string, at func(*T) time.Time, clone func(*T) *T, after string, limit int) ([]*T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := index[key]
	end := len(ids) // the page is ids[end-1], ids[end-2], ...
	if after != "" {
		r, ok := m[after]
		if ok {
			end, ok = slices.BinarySearchFunc(ids, after, func(e, id string) int { return listedBefore(m, at, e, at(r), id) })
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s %s of %s", ErrNotFound, kind, truncate(after, 128), truncate(key, 128))
		}
	}
	out := make([]*T, min(limit, end))
	for i := range out {
		out[i] = clone(m[ids[end-1-i]])
	}
	return out, nil
}

func (s *memoryStore) Lookup(_ context.Context, ref Ref) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.refs[ref]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNotFound, truncate(ref.String(), 128))
	}
	return id, nil
}

func (s *memoryStore) Due(_ context.Context, t time.Time, limit int) ([]DueRecord, error) {
	s.mu.Lock() // taking drops the stale entries it comes to
	defer s.mu.Unlock()
	return s.dueQueue.take(t, limit, s.dueAtLocked), nil
}

func (s *memoryStore) ReadBacksDue(_ context.Context, t time.Time, limit int) ([]DueRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readBackQueue.take(t, limit, s.readBackAtLocked), nil
}

func (s *memoryStore) Idempotency(_ context.Context, key string) (IdempotencyRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.idempotency[key]
	if !ok {
		return IdempotencyRecord{}, fmt.Errorf("%w: idempotency key", ErrNotFound)
	}
	return r, nil
}

func (s *memoryStore) Transitions(_ context.Context, subjectID string) ([]Transition, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Transition
	for seq, ok := s.lastOf[subjectID]; ok; {
		e := s.log.at(seq)
		out = append(out, e.Transition)
		seq, ok = e.prev, e.hasPrev
	}
	slices.Reverse(out)
	if out == nil {
		out = []Transition{}
	}
	return out, nil
}

func (s *memoryStore) PendingEvents(_ context.Context, limit int) ([]Event, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Event, 0, min(limit, len(s.pending)))
	s.outbox.each(func(e *Event) bool {
		if len(out) == limit {
			return false
		}
		if e.ID != "" {
			out = append(out, cloneEvent(*e))
		}
		return true
	})
	return out, nil
}

func (s *memoryStore) AckEvents(_ context.Context, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if seq, ok := s.pending[id]; ok {
			*s.outbox.at(seq) = Event{}
			delete(s.pending, id)
		}
	}
	// Drop the acknowledged chunks, so that reads start near the oldest
	// pending event and the outbox does not grow with the process's age.
	oldest := s.outbox.end()
	s.outbox.each(func(e *Event) bool {
		if e.ID != "" {
			oldest = s.pending[e.ID]
			return false
		}
		return true
	})
	s.outbox.dropBefore(oldest)
	return nil
}

// Prune takes the oldest idempotency records and seen events off their
// age queues: it looks at what it deletes and at one entry more of each,
// however many the store holds.
func (s *memoryStore) Prune(_ context.Context, before time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := deleteOldest(s.idempotency, &s.idempotencyAge, before, limit)
	n += deleteOldest(s.seen, &s.seenAge, before, limit-n)
	return n, nil
}

// deleteOldest deletes from m up to limit of the keys q holds as made
// before t, oldest first, and returns how many it deleted.
func deleteOldest[K comparable, V any](m map[K]V, q *ageQueue[K], t time.Time, limit int) int {
	n := 0
	for n < limit {
		k, ok := q.popBefore(t)
		if !ok {
			break
		}
		delete(m, k)
		n++
	}
	return n
}

func (s *memoryStore) Commit(_ context.Context, tx *Tx) error {
	if err := eachOnce(tx); err != nil {
		return err
	}
	// Copy the records before locking: the copies are the slow part, and
	// other goroutines need not wait for them.
	carts := cloneAll(tx.Carts, cloneCart)
	groups := cloneAll(tx.Groups, cloneGroup)
	checkouts := cloneAll(tx.Checkouts, cloneCheckout)
	orders := cloneAll(tx.Orders, cloneOrder)
	wallets := cloneAll(tx.Wallets, cloneWallet)
	campaigns := cloneAll(tx.Campaigns, cloneCampaign)
	donations := cloneAll(tx.Donations, cloneDonation)
	monthly := cloneAll(tx.Monthly, clonePtr[MonthlyGift])
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLocked(tx); err != nil {
		return err
	}
	for _, c := range carts {
		c.Version++
		s.carts[c.ID] = c
	}
	for _, g := range groups {
		g.Version++
		s.groups[g.ID] = g
	}
	for _, co := range checkouts {
		co.Version++
		s.queueLocked(DueRecord{"checkout", co.ID}, co.DueAt, time.Time{})
		s.checkouts[co.ID] = co
	}
	for _, o := range orders {
		relist(s.orders, s.ordersOf, orderBuyer, orderListedAt, o.ID, s.orders[o.ID], o)
		o.Version++
		s.queueLocked(DueRecord{"order", o.ID}, o.DueAt, o.ReadBackAt)
		s.orders[o.ID] = o
	}
	for _, w := range wallets {
		w.Version++
		s.wallets[w.BuyerID] = w
	}
	for _, cp := range campaigns {
		cp.Version++
		s.campaigns[cp.ID] = cp
	}
	for _, d := range donations {
		relist(s.donations, s.donationsOf, donationBuyer, donationListedAt, d.ID, s.donations[d.ID], d)
		relist(s.donations, s.ofCampaign, donationCampaign, donationListedAt, d.ID, s.donations[d.ID], d)
		d.Version++
		s.queueLocked(DueRecord{"donation", d.ID}, d.DueAt, d.ReadBackAt)
		s.donations[d.ID] = d
	}
	for _, m := range monthly {
		relist(s.monthly, s.monthlyOf, monthlyBuyer, monthlyListedAt, m.ID, s.monthly[m.ID], m)
		m.Version++
		s.queueLocked(DueRecord{"monthly_gift", m.ID}, time.Time{}, m.ReadBackAt)
		s.monthly[m.ID] = m
	}
	for _, r := range tx.Refs {
		s.refs[r.Ref] = r.ID
	}
	for _, r := range tx.Idempotency {
		s.idempotency[r.Key] = r
		s.idempotencyAge.push(r.Key, r.CreatedAt)
	}
	for _, e := range tx.Seen {
		k := SeenEvent{MerchantID: e.MerchantID, EventID: e.EventID}
		s.seen[k] = e.At
		s.seenAge.push(k, e.At)
	}
	for _, t := range tx.Transitions {
		prev, hasPrev := s.lastOf[t.SubjectID]
		s.lastOf[t.SubjectID] = s.log.add(loggedTransition{Transition: t, prev: prev, hasPrev: hasPrev})
	}
	for _, e := range tx.Events {
		s.pending[e.ID] = s.outbox.add(cloneEvent(e))
	}
	return nil
}

// eachOnce checks that tx names each record at most once (see [Tx]).
func eachOnce(tx *Tx) error {
	if id, ok := twice(tx.Carts, func(c *Cart) string { return c.ID }); ok {
		return twiceInOneCommit("cart", id)
	}
	if id, ok := twice(tx.Groups, func(g *CheckoutGroup) string { return g.ID }); ok {
		return twiceInOneCommit("checkout group", id)
	}
	if id, ok := twice(tx.Checkouts, func(c *Checkout) string { return c.ID }); ok {
		return twiceInOneCommit("checkout", id)
	}
	if id, ok := twice(tx.Orders, func(o *Order) string { return o.ID }); ok {
		return twiceInOneCommit("order", id)
	}
	if id, ok := twice(tx.Wallets, func(w *Wallet) string { return w.BuyerID }); ok {
		return twiceInOneCommit("wallet", id)
	}
	if id, ok := twice(tx.Campaigns, func(c *Campaign) string { return c.ID }); ok {
		return twiceInOneCommit("campaign", id)
	}
	if id, ok := twice(tx.Donations, func(d *Donation) string { return d.ID }); ok {
		return twiceInOneCommit("donation", id)
	}
	if id, ok := twice(tx.Monthly, func(m *MonthlyGift) string { return m.ID }); ok {
		return twiceInOneCommit("monthly gift", id)
	}
	return nil
}

func twiceInOneCommit(kind, id string) error {
	return fmt.Errorf("buybutton: memory store: %s %q twice in one commit", kind, truncate(id, 64))
}

// twice returns the id of a record that is in rs twice, if one is.
func twice[T any](rs []*T, id func(*T) string) (string, bool) {
	for i := range rs {
		for j := range i {
			if id(rs[i]) == id(rs[j]) {
				return id(rs[i]), true
			}
		}
	}
	return "", false
}

// loggedTransition is an entry of the memory store's transition log.
type loggedTransition struct {
	Transition
	prev    int  // the number of the subject's transition before this one
	hasPrev bool // whether there is one
}

func cloneAll[T any](rs []*T, clone func(*T) *T) []*T {
	if len(rs) == 0 {
		return nil
	}
	out := make([]*T, len(rs))
	for i, r := range rs {
		out[i] = clone(r)
	}
	return out
}

// checkLocked checks every version and insert of tx against the store.
func (s *memoryStore) checkLocked(tx *Tx) error {
	for _, c := range tx.Carts {
		if err := checkVersion(s.carts, "cart", c.ID, c.Version, func(c *Cart) int64 { return c.Version }); err != nil {
			return err
		}
	}
	for _, g := range tx.Groups {
		if err := checkVersion(s.groups, "group", g.ID, g.Version, func(g *CheckoutGroup) int64 { return g.Version }); err != nil {
			return err
		}
	}
	for _, co := range tx.Checkouts {
		if err := checkVersion(s.checkouts, "checkout", co.ID, co.Version, func(c *Checkout) int64 { return c.Version }); err != nil {
			return err
		}
	}
	for _, o := range tx.Orders {
		if err := checkVersion(s.orders, "order", o.ID, o.Version, func(o *Order) int64 { return o.Version }); err != nil {
			return err
		}
	}
	for _, w := range tx.Wallets {
		if err := checkVersion(s.wallets, "wallet", w.BuyerID, w.Version, func(w *Wallet) int64 { return w.Version }); err != nil {
			return err
		}
	}
	for _, cp := range tx.Campaigns {
		if err := checkVersion(s.campaigns, "campaign", cp.ID, cp.Version, func(c *Campaign) int64 { return c.Version }); err != nil {
			return err
		}
	}
	for _, d := range tx.Donations {
		if err := checkVersion(s.donations, "donation", d.ID, d.Version, func(d *Donation) int64 { return d.Version }); err != nil {
			return err
		}
	}
	for _, m := range tx.Monthly {
		if err := checkVersion(s.monthly, "monthly_gift", m.ID, m.Version, func(m *MonthlyGift) int64 { return m.Version }); err != nil {
			return err
		}
	}
	refs := map[Ref]string{}
	for _, r := range tx.Refs {
		have, ok := s.refs[r.Ref]
		if !ok {
			have, ok = refs[r.Ref]
		}
		if ok && have != r.ID {
			return &ConflictError{Kind: "ref", ID: r.Ref.String()}
		}
		refs[r.Ref] = r.ID
	}
	keys := map[string]bool{}
	for _, r := range tx.Idempotency {
		if _, ok := s.idempotency[r.Key]; ok || keys[r.Key] {
			return &ConflictError{Kind: "idempotency", ID: r.Key}
		}
		keys[r.Key] = true
	}
	seen := map[SeenEvent]bool{}
	for _, e := range tx.Seen {
		k := SeenEvent{MerchantID: e.MerchantID, EventID: e.EventID}
		if _, ok := s.seen[k]; ok || seen[k] {
			return &ConflictError{Kind: "seen_event", ID: e.MerchantID + ":" + e.EventID}
		}
		seen[k] = true
	}
	return nil
}

func checkVersion[T any](m map[string]*T, kind, id string, version int64, versionOf func(*T) int64) error {
	have := int64(0)
	if r, ok := m[id]; ok {
		have = versionOf(r)
	}
	if have != version {
		return &ConflictError{Kind: kind, ID: id}
	}
	return nil
}

func cloneCart(c *Cart) *Cart {
	out := *c
	out.Lines = slices.Clone(c.Lines)
	return &out
}

func cloneGroup(g *CheckoutGroup) *CheckoutGroup {
	out := *g
	out.CheckoutIDs = slices.Clone(g.CheckoutIDs)
	return &out
}

func cloneCheckout(co *Checkout) *Checkout {
	out := *co
	out.Lines = slices.Clone(co.Lines)
	out.ShipTo = clonePtr(co.ShipTo)
	out.ShippingOptions = slices.Clone(co.ShippingOptions)
	out.NextAction = clonePtr(co.NextAction)
	out.LastError = clonePtr(co.LastError)
	out.Gift = clonePtr(co.Gift)
	return &out
}

func cloneOrder(o *Order) *Order {
	out := *o
	out.Lines = slices.Clone(o.Lines)
	out.ShipTo = clonePtr(o.ShipTo)
	out.Refunds = cloneRefunds(o.Refunds)
	out.Disputes = slices.Clone(o.Disputes)
	out.Shipments = slices.Clone(o.Shipments)
	out.Cancellation = clonePtr(o.Cancellation)
	return &out
}

func cloneWallet(w *Wallet) *Wallet {
	out := *w
	out.Saved = slices.Clone(w.Saved)
	for i := range out.Saved {
		out.Saved[i].ShipTo = clonePtr(out.Saved[i].ShipTo)
	}
	return &out
}

func cloneCampaign(cp *Campaign) *Campaign {
	out := *cp
	out.Presets = slices.Clone(cp.Presets)
	out.Supporters = slices.Clone(cp.Supporters)
	return &out
}

func cloneDonation(d *Donation) *Donation {
	out := *d
	out.Refunds = cloneRefunds(d.Refunds)
	out.Disputes = slices.Clone(d.Disputes)
	return &out
}

func cloneRefunds(rs []Refund) []Refund {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Lines = slices.Clone(out[i].Lines)
		out[i].Asked = clonePtr(out[i].Asked)
	}
	return out
}

func cloneEvent(e Event) Event {
	e.Amount = clonePtr(e.Amount)
	e.Shipment = clonePtr(e.Shipment)
	return e
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
