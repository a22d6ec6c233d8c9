package providertest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/buybutton/buybutton/internal/deep"
)

// resultIsTheCallers reads a result twice, changing the first through
// every pointer and slice in it (deep.Scribble) between the reads: the
// second must be as it would have been. A provider that keeps results in
// memory and hands out its own slices fails it: a caller changing what it
// got, as a host changing a card for display would, changed the platform.
func resultIsTheCallers[T any](t *testing.T, what string, read func() (T, error)) {
	t.Helper()
	snapshot := func() []byte {
		t.Helper()
		v, err := read()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: encoding the result: %v", what, err)
		}
		return b
	}
	want := snapshot()
	got, err := read()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	deep.Scribble(&got)
	if after := snapshot(); !bytes.Equal(want, after) {
		t.Errorf("changing what %s returned changed the platform:\nbefore %s\nafter  %s", what, want, after)
	}
}
