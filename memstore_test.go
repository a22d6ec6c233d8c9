package buybutton_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.RunStoreTests(t, func(*testing.T) buybutton.Store { return buybutton.NewMemoryStore() })
}

// lastWriteWins is the negative control for the store suite: a store that
// skips compare-and-set by writing every record at whatever version is
// current, as a naive UPDATE without a version check does.
type lastWriteWins struct{ buybutton.Store }

func (s lastWriteWins) Commit(ctx context.Context, tx *buybutton.Tx) error {
	for {
		runtime.Gosched() // let other writers in, as a network round trip would
		for _, c := range tx.Carts {
			if cur, err := s.Store.Cart(ctx, c.ID); err == nil {
				c.Version = cur.Version
			}
		}
		for _, co := range tx.Checkouts {
			if cur, err := s.Store.Checkout(ctx, co.ID); err == nil {
				co.Version = cur.Version
			}
		}
		err := s.Store.Commit(ctx, tx)
		var ce *buybutton.ConflictError
		if errors.As(err, &ce) && (ce.Kind == "cart" || ce.Kind == "checkout") {
			continue
		}
		return err
	}
}

const lossyEnv = "STORETEST_LOSSY"

// TestStoreSuiteCatchesLostUpdates runs the suite against lastWriteWins in
// a child process and checks that the compare-and-set checks fail.
func TestStoreSuiteCatchesLostUpdates(t *testing.T) {
	if os.Getenv(lossyEnv) != "" {
		storetest.RunStoreTests(t, func(*testing.T) buybutton.Store { return lastWriteWins{buybutton.NewMemoryStore()} })
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreSuiteCatchesLostUpdates$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), lossyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("the store suite passed a store without compare-and-set")
	}
	for _, check := range []string{"StaleVersionIsConflict", "ConcurrentCompareAndSetLosesNoUpdate"} {
		if !strings.Contains(string(out), "--- FAIL: TestStoreSuiteCatchesLostUpdates/"+check) {
			t.Errorf("the suite did not fail %s; output:\n%s", check, out)
		}
	}
}
