package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/buybutton/buybutton"
)

// errCommitFailed is a commit the racing check failed on purpose: the
// database restarted, or the connection dropped before its answer came.
var errCommitFailed = errors.New("storetest: commit failed")

// commitFaults is the store as the racing check's app instances see it: a
// share of commits fail, half before they are written and half after,
// with their answer lost, so that the library must finish what each left
// from what it wrote before its platform calls. Reads are the store's.
// It is safe for concurrent use.
type commitFaults struct {
	buybutton.Store
	mu     sync.Mutex
	rng    *rand.Rand
	rate   float64
	failed int // commits failed so far
}

func newCommitFaults(s buybutton.Store, seed uint64) *commitFaults {
	return &commitFaults{Store: s, rng: rand.New(rand.NewPCG(seed, 0xfa17))}
}

// setRate makes a share rate of the commits from now fail.
func (s *commitFaults) setRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rate
}

// draw says whether the next commit fails, and if so whether it is
// written first.
func (s *commitFaults) draw() (fail, written bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail = s.rng.Float64() < s.rate
	if fail {
		s.failed++
	}
	return fail, s.rng.IntN(2) == 0
}

// failures is how many commits failed.
func (s *commitFaults) failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func (s *commitFaults) Commit(ctx context.Context, tx *buybutton.Tx) error {
	fail, written := s.draw()
	if !fail {
		return s.Store.Commit(ctx, tx)
	}
	if written {
		if err := s.Store.Commit(ctx, tx); err != nil {
			return err // it failed on its own: that answer is not lost
		}
		return fmt.Errorf("%w: written, its answer lost", errCommitFailed)
	}
	return fmt.Errorf("%w: not written", errCommitFailed)
}
