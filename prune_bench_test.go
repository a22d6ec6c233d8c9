package buybutton_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
)

// BenchmarkMemoryStorePrune is one Maintain pass's Prune on a memory store
// holding n webhook marks, none old enough to delete: what every pass
// costs, under the store's lock, in a process that keeps a retention
// period's marks. The sizes are each other's baseline: the pass must not
// grow with n.
func BenchmarkMemoryStorePrune(b *testing.B) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("marks=%d", n), func(b *testing.B) {
			s := buybutton.NewMemoryStore()
			for i := 0; i < n; i += 1000 {
				tx := &buybutton.Tx{}
				for j := i; j < i+1000; j++ {
					tx.Seen = append(tx.Seen, buybutton.SeenEvent{MerchantID: "shop", EventID: fmt.Sprint("evt_", j), At: t0.Add(time.Duration(j) * time.Millisecond)})
				}
				if err := s.Commit(ctx, tx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if deleted, err := s.Prune(ctx, t0, 1000); err != nil || deleted != 0 {
					b.Fatalf("Prune = %d, %v; want nothing old", deleted, err)
				}
			}
		})
	}
}
