package buybutton

import "time"

// ageQueue holds keys by the time they were made, oldest first: a binary
// min-heap, O(log n) to add a key and to take the oldest. The memory
// store keeps one beside each map that Prune empties of what is old, so
// that Prune looks at the old entries only, not at every entry the map
// holds: under the store's lock, a scan of every webhook mark of the
// retention period would stall every other call.
type ageQueue[K comparable] struct {
	items []aged[K]
}

type aged[K comparable] struct {
	at  time.Time
	key K
}

func (q *ageQueue[K]) push(key K, at time.Time) {
	q.items = append(q.items, aged[K]{at: at, key: key})
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.items[i].at.Before(q.items[parent].at) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
}

// popBefore removes and returns the oldest key if it was made before t.
func (q *ageQueue[K]) popBefore(t time.Time) (key K, ok bool) {
	if oldest, ok := q.peek(); !ok || !oldest.at.Before(t) {
		return key, false
	}
	return q.pop().key, true
}

// peek returns the oldest key and when it was made, if there is one.
func (q *ageQueue[K]) peek() (aged[K], bool) {
	if len(q.items) == 0 {
		return aged[K]{}, false
	}
	return q.items[0], true
}

// pop removes and returns the oldest key; the queue must not be empty.
func (q *ageQueue[K]) pop() aged[K] {
	oldest := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = aged[K]{}
	q.items = q.items[:last]
	for i := 0; ; {
		smallest, left, right := i, 2*i+1, 2*i+2
		if left < last && q.items[left].at.Before(q.items[smallest].at) {
			smallest = left
		}
		if right < last && q.items[right].at.Before(q.items[smallest].at) {
			smallest = right
		}
		if smallest == i {
			break
		}
		q.items[i], q.items[smallest] = q.items[smallest], q.items[i]
		i = smallest
	}
	return oldest
}
