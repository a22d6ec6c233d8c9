package buybutton

// chunkSize is how many entries a chunk of a chunkLog holds.
const chunkSize = 1024

// chunkLog is an append-only sequence of entries numbered from 0, kept in
// chunks of chunkSize. Appending never copies the entries already there
// (a slice that doubles would copy them all, again and again), so the
// memory store's transition log and outbox cost the same per commit
// however long the process has run. A prefix no longer needed is dropped
// a whole chunk at a time.
type chunkLog[T any] struct {
	chunks [][]T
	base   int // the number of chunks[0][0]
}

// add appends v and returns its number.
func (l *chunkLog[T]) add(v T) int {
	if n := len(l.chunks); n == 0 || len(l.chunks[n-1]) == chunkSize {
		l.chunks = append(l.chunks, make([]T, 0, chunkSize))
	}
	seq := l.end()
	last := len(l.chunks) - 1
	l.chunks[last] = append(l.chunks[last], v)
	return seq
}

// end returns the number the next entry will have.
func (l *chunkLog[T]) end() int {
	if len(l.chunks) == 0 {
		return l.base
	}
	return l.base + (len(l.chunks)-1)*chunkSize + len(l.chunks[len(l.chunks)-1])
}

// at returns the entry numbered seq, which must be in the log.
func (l *chunkLog[T]) at(seq int) *T {
	i := seq - l.base
	return &l.chunks[i/chunkSize][i%chunkSize]
}

// each calls f with every entry in order, from the oldest kept, until f
// returns false.
func (l *chunkLog[T]) each(f func(*T) bool) {
	for _, c := range l.chunks {
		for i := range c {
			if !f(&c[i]) {
				return
			}
		}
	}
}

// dropBefore forgets the chunks whose entries all number below seq.
func (l *chunkLog[T]) dropBefore(seq int) {
	n := 0
	for n < len(l.chunks)-1 && l.base+(n+1)*chunkSize <= seq {
		n++
	}
	if n > 0 {
		clear(l.chunks[:n])
		l.chunks, l.base = l.chunks[n:], l.base+n*chunkSize
	}
}
