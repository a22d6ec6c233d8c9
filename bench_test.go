package buybutton_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

// pageSize is a timeline page: the posts one read hydrates.
const pageSize = 50

// timelinePage attaches cards to a page of posts, cycling through the demo
// products, and returns the post ids.
func timelinePage(tb testing.TB) (fixture, []string) {
	f := newFixture(tb, nil)
	products := []string{memory.DemoSneaker, memory.DemoBook, memory.DemoTee, memory.DemoEBook}
	ids := make([]string, pageSize)
	for i := range ids {
		ids[i] = fmt.Sprintf("post-%d", i)
		f.attach(tb, ids[i], products[i%len(products)])
	}
	return f, ids
}

// BenchmarkHydrate serves a page of 50 posts' cards into one reused
// response buffer: a lookup and a copy per card.
func BenchmarkHydrate(b *testing.B) {
	f, ids := timelinePage(b)
	buf := f.client.Hydrate(nil, ids)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = f.client.Hydrate(buf[:0], ids)
	}
}

// BenchmarkHydrateParallel is BenchmarkHydrate from every core at once, as
// a timeline service serves many readers.
func BenchmarkHydrateParallel(b *testing.B) {
	f, ids := timelinePage(b)
	b.SetBytes(int64(len(f.client.Hydrate(nil, ids))))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf []byte
		for pb.Next() {
			buf = f.client.Hydrate(buf[:0], ids)
		}
	})
}

// BenchmarkHydrateEncodingJSON is the naive baseline: the same 50 cards
// marshalled with encoding/json on every read.
func BenchmarkHydrateEncodingJSON(b *testing.B) {
	f, ids := timelinePage(b)
	cards := make([]buybutton.Card, len(ids))
	for i, id := range ids {
		var err error
		if cards[i], err = f.client.Card(id); err != nil {
			b.Fatal(err)
		}
	}
	out, err := json.Marshal(cards)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(cards); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHydrateDoesNotAllocate pins the zero-allocation promise of Hydrate
// (a count, not a timing, so it is stable under -race and on any machine).
func TestHydrateDoesNotAllocate(t *testing.T) {
	f, ids := timelinePage(t)
	buf := f.client.Hydrate(nil, ids)
	allocs := testing.AllocsPerRun(100, func() { buf = f.client.Hydrate(buf[:0], ids) })
	if allocs != 0 {
		t.Fatalf("Hydrate of %d cards allocated %v times per call, want 0", len(ids), allocs)
	}
}
