package buybutton_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/controls"
	"github.com/buybutton/buybutton/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.RunStoreTests(t, func(*testing.T) buybutton.Store { return buybutton.NewMemoryStore() })
}

const lossyEnv = "STORETEST_LOSSY"

// TestStoreSuiteCatchesLostUpdates runs the suite against controls.LastWriteWins in
// a child process and checks that the compare-and-set checks fail. It
// leaves out LibraryRacing, which fails on that store too (with conflicts
// no caller should see and stock that does not add up), but only after
// its deadline: a claim lost in a lost update keeps a confirm waiting.
func TestStoreSuiteCatchesLostUpdates(t *testing.T) {
	if os.Getenv(lossyEnv) != "" {
		storetest.RunStoreTests(t, func(*testing.T) buybutton.Store { return controls.LastWriteWins{Store: buybutton.NewMemoryStore()} })
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreSuiteCatchesLostUpdates$", "-test.skip=/LibraryRacing", "-test.v", "-test.count=1")
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

// TestMemoryStoreListsFollowWhatTheyAreGiven: the memory store keeps its
// lists sorted as records are written, so that a page is a binary search
// (BenchmarkMemoryStoreListPage). The library never changes the time or
// the owner a record is listed by, but a record committed with another
// one moves in, or between, the lists all the same, as a store that
// sorts on every read would list it.
func TestMemoryStoreListsFollowWhatTheyAreGiven(t *testing.T) {
	s := buybutton.NewMemoryStore()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	gift := func(id, campaign string, minutes int) *buybutton.Donation {
		return &buybutton.Donation{ID: id, BuyerID: "b", CampaignID: campaign, Currency: "USD", GivenAt: t0.Add(time.Duration(minutes) * time.Minute)}
	}
	require.NoError(t, s.Commit(ctx, &buybutton.Tx{Donations: []*buybutton.Donation{gift("don-1", "cp-1", 1), gift("don-2", "cp-1", 2), gift("don-3", "cp-1", 3)}}))
	moved, err := s.Donation(ctx, "don-1")
	require.NoError(t, err)
	moved.GivenAt = t0.Add(time.Hour)
	other, err := s.Donation(ctx, "don-2")
	require.NoError(t, err)
	other.CampaignID = "cp-2"
	require.NoError(t, s.Commit(ctx, &buybutton.Tx{Donations: []*buybutton.Donation{moved, other}}))

	ids := func(list []*buybutton.Donation, err error) []string {
		t.Helper()
		require.NoError(t, err)
		var out []string
		for _, d := range list {
			out = append(out, d.ID)
		}
		return out
	}
	assert.Equal(t, []string{"don-1", "don-3"}, ids(s.DonationsByCampaign(ctx, "cp-1", "", 10)))
	assert.Equal(t, []string{"don-2"}, ids(s.DonationsByCampaign(ctx, "cp-2", "", 10)))
	assert.Equal(t, []string{"don-1", "don-3", "don-2"}, ids(s.DonationsByBuyer(ctx, "b", "", 10)))
	assert.Equal(t, []string{"don-3", "don-2"}, ids(s.DonationsByBuyer(ctx, "b", "don-1", 10)))
}
