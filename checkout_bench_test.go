package buybutton_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/cputime"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// benchShop is a shop with stock for any b.N.
func benchShop(b *testing.B) fixture {
	f := newShop(b, nil)
	if err := f.shop.SetStock(tee, 1<<30); err != nil {
		b.Fatal(err)
	}
	return f
}

// fullCheckout is one buyer's whole purchase: a cart, a line, a checkout
// with an address, a shipping option, and the confirm that places the
// order and captures.
func fullCheckout(ctx context.Context, f fixture, buyerID string) error {
	cart, err := f.client.NewCart(ctx, buyerID)
	if err != nil {
		return err
	}
	l := teeLine()
	if _, err := f.client.AddToCart(ctx, buybutton.CartLineParams{BuyerID: buyerID, CartID: cart.ID, MerchantID: l.MerchantID, ProductID: l.ProductID, VariantID: l.VariantID, Quantity: 1}); err != nil {
		return err
	}
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyerID, CartID: cart.ID, ShipTo: &california})
	if err != nil {
		return err
	}
	if _, err := f.client.SelectShipping(ctx, buyerID, cos[0].ID, "standard"); err != nil {
		return err
	}
	_, err = f.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyerID, CheckoutID: cos[0].ID, PaymentToken: memory.TokenApprove})
	return err
}

// reportCPU starts counting this process's CPU time and page faults and
// returns what reports them per operation: beside ns/op, cpu-µs/op shows
// what the garbage collector and the other goroutines spent on the other
// core, and faults/op how many fresh pages the growing heap took from the
// kernel (each costs what cputime.BenchmarkFreshPage measures).
func reportCPU(b *testing.B) func() {
	start, _ := cputime.Process()
	faults, _ := cputime.MinorFaults()
	return func() {
		if perOp, ok := cputime.PerOp(start, b.N); ok {
			b.ReportMetric(perOp, "cpu-µs/op")
		}
		if now, ok := cputime.MinorFaults(); ok {
			b.ReportMetric(float64(now-faults)/float64(b.N), "faults/op")
		}
	}
}

var keptProfile = flag.String("keptprofile", "", "write a heap profile of what the checkout benchmarks keep, taken before it is dropped, to this file")

// reportKept starts measuring the live heap and returns what reports how
// much each operation added to it and kept (kept-B/op, after a
// collection): what the memory store and provider/memory hold on to, which
// the heap grows by and the kernel supplies in fresh pages. keep is what
// holds it. Defer it before reportCPU, so that its collections are not
// counted as the benchmark's CPU.
func reportKept(b *testing.B, keep any) func() {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	return func() {
		runtime.GC()
		runtime.ReadMemStats(&after)
		if *keptProfile != "" {
			writeHeapProfile(b, *keptProfile)
		}
		runtime.KeepAlive(keep)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "kept-B/op")
	}
}

func writeHeapProfile(b *testing.B, path string) {
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCheckout is one full checkout, cart to placed order, on
// provider/memory and the memory store.
func BenchmarkCheckout(b *testing.B) {
	f := benchShop(b)
	b.ReportAllocs()
	defer reportKept(b, f)()
	defer reportCPU(b)()
	for i := 0; b.Loop(); i++ {
		if err := fullCheckout(ctx, f, fmt.Sprintf("buyer-%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckoutParallel is BenchmarkCheckout from GOMAXPROCS
// goroutines at once.
func BenchmarkCheckoutParallel(b *testing.B) {
	f := benchShop(b)
	var n atomic.Int64
	b.ReportAllocs()
	defer reportKept(b, f)()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := fullCheckout(ctx, f, fmt.Sprintf("buyer-%d", n.Add(1)%1000)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheckoutCancelableContext is BenchmarkCheckout with the
// context a host's request handler passes: one that can be canceled.
// BenchmarkCheckout's context never can.
//
//   - memory: on the memory store, whose calls are not detached (they
//     neither wait nor read their context), so it costs what
//     BenchmarkCheckout costs.
//   - detached: on a store the library does not know (the memory store
//     behind a wrapper, as store/postgres would be), so that each store
//     call runs detached from the request with a deadline of its own (see
//     detachedStore): what that costs.
func BenchmarkCheckoutCancelableContext(b *testing.B) {
	for _, bc := range []struct {
		name  string
		store func() buybutton.Store
	}{
		{"memory", buybutton.NewMemoryStore},
		{"detached", func() buybutton.Store { return otherStore{buybutton.NewMemoryStore()} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newShop(b, &buybutton.Options{Store: bc.store()})
			if err := f.shop.SetStock(tee, 1<<30); err != nil {
				b.Fatal(err)
			}
			request, cancel := context.WithCancel(ctx)
			defer cancel()
			b.ReportAllocs()
			defer reportCPU(b)()
			for i := 0; b.Loop(); i++ {
				if err := fullCheckout(request, f, fmt.Sprintf("buyer-%d", i%1000)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckoutProviderOnly is the baseline: the provider calls a
// checkout makes (catalog read, quote, reserve, authorize, place, capture),
// straight to provider/memory, with no library, store or state machine.
func BenchmarkCheckoutProviderOnly(b *testing.B) {
	f := benchShop(b)
	lines := []provider.StockLine{{VariantID: tee, Quantity: 1}}
	b.ReportAllocs()
	defer reportKept(b, f)()
	defer reportCPU(b)()
	for i := 0; b.Loop(); i++ {
		key := fmt.Sprint(i)
		if _, err := f.shop.Products(ctx, []string{memory.DemoTee}); err != nil {
			b.Fatal(err)
		}
		q, err := f.shop.Quote(ctx, provider.QuoteRequest{Lines: lines, ShipTo: &california})
		if err != nil {
			b.Fatal(err)
		}
		res, err := f.shop.Reserve(ctx, provider.ReserveRequest{IdempotencyKey: key, Lines: lines, TTL: 15 * time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		total := q.Lines[0].UnitPrice
		pay, err := f.shop.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: key, Amount: total, Token: memory.TokenApprove})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.shop.PlaceOrder(ctx, provider.PlaceOrderRequest{IdempotencyKey: key, ReservationID: res.ID, PaymentID: pay.ID, Total: total,
			Lines: []provider.OrderLine{{VariantID: tee, Quantity: 1, UnitPrice: total}}}); err != nil {
			b.Fatal(err)
		}
		if _, err := f.shop.Capture(ctx, provider.CaptureRequest{IdempotencyKey: key, PaymentID: pay.ID, Amount: total}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckoutFreshStore is BenchmarkCheckout with a new store and
// provider every 5,000 checkouts (outside the timer), so that the figure is
// the cost of a checkout and not of a heap that grows with b.N: the memory
// store keeps every checkout, order and event it is given.
func BenchmarkCheckoutFreshStore(b *testing.B) {
	f := benchShop(b)
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; b.Loop(); i++ {
		if i%5000 == 4999 {
			b.StopTimer()
			f = benchShop(b)
			b.StartTimer()
		}
		if err := fullCheckout(ctx, f, fmt.Sprintf("buyer-%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}
