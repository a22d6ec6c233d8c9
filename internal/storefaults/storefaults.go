// Package storefaults makes a store's commits fail the ways a database's
// do: before the commit is written (the database restarted), or after it
// is written with its answer lost (the connection dropped). It is for
// tests only: storetest's LibraryRacing and provider/stripe's racing test
// run the library on such a store, which must finish what each failed
// commit left from what it wrote before its platform calls.
package storefaults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/buybutton/buybutton"
)

// ErrCommitFailed is a commit that Store failed on purpose.
var ErrCommitFailed = errors.New("storefaults: commit failed")

// Store is a store whose commits fail at a rate, half before they are
// written and half after, with their answer lost, or one chosen commit
// fails (FailNth). Reads are the store's. It is safe for concurrent use.
type Store struct {
	buybutton.Store
	mu        sync.Mutex
	rng       *rand.Rand
	rate      float64
	countdown int  // the commit FailNth chose: 1 is the next one, 0 none
	written   bool // whether that one is written before it fails
	failed    int  // commits failed so far
}

// Wrap returns s with no commit failing until SetRate or FailNth; seed makes which
// fail repeat from run to run, as far as the callers' order does.
func Wrap(s buybutton.Store, seed uint64) *Store {
	return &Store{Store: s, rng: rand.New(rand.NewPCG(seed, 0xfa17))}
}

// SetRate makes a share rate of the commits from now fail.
func (s *Store) SetRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rate
}

// FailNth makes the nth commit from now fail (1 the next one; 0 none),
// after it is written if written, before it otherwise; the rate then
// fails no other.
func (s *Store) FailNth(n int, written bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.countdown, s.written = n, written
}

// Failures is how many commits failed.
func (s *Store) Failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// draw says whether the next commit fails, and if so whether it is
// written first.
func (s *Store) draw() (fail, written bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.countdown > 0 {
		s.countdown--
		fail, written = s.countdown == 0, s.written
	} else {
		fail, written = s.rng.Float64() < s.rate, s.rng.IntN(2) == 0
	}
	if fail {
		s.failed++
	}
	return fail, written
}

// Commit commits tx, or fails as SetRate says.
func (s *Store) Commit(ctx context.Context, tx *buybutton.Tx) error {
	fail, written := s.draw()
	if !fail {
		return s.Store.Commit(ctx, tx)
	}
	if written {
		if err := s.Store.Commit(ctx, tx); err != nil {
			return err // it failed on its own: that answer is not lost
		}
		return fmt.Errorf("%w: written, its answer lost", ErrCommitFailed)
	}
	return fmt.Errorf("%w: not written", ErrCommitFailed)
}
