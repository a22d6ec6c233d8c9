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
			s := filledStore(b, n, func(tx *buybutton.Tx, j int) {
				tx.Seen = append(tx.Seen, buybutton.SeenEvent{MerchantID: "shop", EventID: fmt.Sprint("evt_", j), At: t0.Add(time.Duration(j) * time.Millisecond)})
			})
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

// BenchmarkMemoryStoreReadBacksDue is one Maintain pass's ReadBacksDue on
// a memory store holding n orders that are read back later
// (Options.ReadBack), none due yet, and ten that are: what every pass
// costs, under the store's lock, in a process that keeps a year of
// orders. The sizes are each other's baseline: the pass must not grow
// with n.
func BenchmarkMemoryStoreReadBacksDue(b *testing.B) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			s := filledStore(b, n, func(tx *buybutton.Tx, j int) {
				at := t0.Add(time.Duration(j) * time.Second) // read back later
				if j < 10 {
					at = t0.Add(-time.Duration(j) * time.Minute) // due now
				}
				tx.Orders = append(tx.Orders, &buybutton.Order{ID: fmt.Sprint("ord_", j), BuyerID: fmt.Sprint("buyer_", j%100), Currency: "USD", PlacedAt: t0, ReadBackAt: at})
			})
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if due, err := s.ReadBacksDue(ctx, t0, 100); err != nil || len(due) != 10 {
					b.Fatalf("ReadBacksDue = %d records, %v; want the 10 due", len(due), err)
				}
			}
		})
	}
}

// BenchmarkMemoryStoreListPage reads a page of 20 of a campaign's n
// donations, after one in the middle of the list: what each page of a
// refill of its supporters, or of a donor's giving page, costs under the
// store's lock. The sizes are each other's baseline: a page must not grow
// with n.
func BenchmarkMemoryStoreListPage(b *testing.B) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("donations=%d", n), func(b *testing.B) {
			s := filledStore(b, n, func(tx *buybutton.Tx, j int) {
				tx.Donations = append(tx.Donations, &buybutton.Donation{ID: fmt.Sprintf("don_%07d", j), BuyerID: fmt.Sprint("buyer-", j%100), CampaignID: "cp", Currency: "USD", GivenAt: t0.Add(time.Duration(j) * time.Second)})
			})
			after := fmt.Sprintf("don_%07d", n/2)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if page, err := s.DonationsByCampaign(ctx, "cp", after, 20); err != nil || len(page) != 20 {
					b.Fatalf("a page after %s: %d donations, %v", after, len(page), err)
				}
			}
		})
	}
}

// filledStore is a memory store with n records, or marks, that add puts
// in a commit (the j-th of them), a thousand a commit.
func filledStore(b *testing.B, n int, add func(tx *buybutton.Tx, j int)) buybutton.Store {
	s := buybutton.NewMemoryStore()
	for i := 0; i < n; i += 1000 {
		tx := &buybutton.Tx{}
		for j := i; j < min(n, i+1000); j++ {
			add(tx, j)
		}
		if err := s.Commit(context.Background(), tx); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
