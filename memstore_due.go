package buybutton

import (
	"cmp"
	"slices"
	"time"
)

// timeQueue is one of the memory store's indexes of records by a time
// each has (DueAt, ReadBackAt): a min-heap of entries by that time, so
// that a pass looks at the records whose time came only, not at every
// record scheduled months away (a year of orders for their read-backs).
// An entry whose record's time moved since it was added is stale, and
// take drops it when it comes to it: a commit that moves a record's time
// adds an entry and removes none.
type timeQueue struct {
	heap ageQueue[DueRecord]
}

// add adds record r, about to be committed with time at, unless at is
// zero or the record was stored with that time already (was).
func (q *timeQueue) add(r DueRecord, at, was time.Time) {
	if !at.IsZero() && !at.Equal(was) {
		q.heap.push(r, at)
	}
}

// take returns up to limit records whose time is not after t, earliest
// first, then by kind and id, and leaves them in the queue.
func (q *timeQueue) take(t time.Time, limit int, timeOf func(DueRecord) time.Time) []DueRecord {
	var found []aged[DueRecord]
	seen := map[DueRecord]bool{} // a time moved away and back has two entries
	for {
		next, ok := q.heap.peek()
		if !ok || next.at.After(t) || len(found) >= limit && next.at.After(found[len(found)-1].at) {
			break // past t, or past the limit and the records due at its time
		}
		q.heap.pop()
		if seen[next.key] || !timeOf(next.key).Equal(next.at) {
			continue // stale
		}
		seen[next.key] = true
		found = append(found, next)
	}
	for _, f := range found {
		q.heap.push(f.key, f.at) // still due: back in the queue
	}
	slices.SortFunc(found, func(a, b aged[DueRecord]) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key.Kind, b.key.Kind), cmp.Compare(a.key.ID, b.key.ID))
	})
	out := make([]DueRecord, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.key)
	}
	return out
}

// queueLocked adds record r, about to be committed with dueAt and
// readBackAt, to the queues whose time it moves.
func (s *memoryStore) queueLocked(r DueRecord, dueAt, readBackAt time.Time) {
	wasDue, wasReadBack := s.timesLocked(r)
	s.dueQueue.add(r, dueAt, wasDue)
	s.readBackQueue.add(r, readBackAt, wasReadBack)
}

// timesLocked is the DueAt and the ReadBackAt of record r as committed
// (zero for a time its kind has not); both zero if r is not stored.
func (s *memoryStore) timesLocked(r DueRecord) (dueAt, readBackAt time.Time) {
	switch r.Kind {
	case "checkout":
		if co, ok := s.checkouts[r.ID]; ok {
			return co.DueAt, time.Time{}
		}
	case "order":
		if o, ok := s.orders[r.ID]; ok {
			return o.DueAt, o.ReadBackAt
		}
	case "donation":
		if d, ok := s.donations[r.ID]; ok {
			return d.DueAt, d.ReadBackAt
		}
	case "monthly_gift":
		if m, ok := s.monthly[r.ID]; ok {
			return time.Time{}, m.ReadBackAt
		}
	}
	return time.Time{}, time.Time{}
}

func (s *memoryStore) dueAtLocked(r DueRecord) time.Time {
	at, _ := s.timesLocked(r)
	return at
}

func (s *memoryStore) readBackAtLocked(r DueRecord) time.Time {
	_, at := s.timesLocked(r)
	return at
}
