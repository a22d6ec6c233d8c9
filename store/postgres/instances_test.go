package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/controls"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

const shopID = "demo-shop"

var (
	sneaker = memory.DemoSneaker + "-9"
	shipTo  = provider.Address{Name: "Ada", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}
)

// instances makes n library instances over one schema, each with its own
// pool, as n app processes behind a load balancer; they share the
// merchant platform m.
func instances(t *testing.T, schema string, n int, m any, wrap func(buybutton.Store) buybutton.Store) []*buybutton.Client {
	t.Helper()
	clients := make([]*buybutton.Client, n)
	for i := range clients {
		var store buybutton.Store = New(newPool(t, schema, 16))
		if wrap != nil {
			store = wrap(store)
		}
		c, err := buybutton.New(&buybutton.Options{Store: store, Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", m)}})
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	return clients
}

// ready starts a checkout of one sneaker for buyer, shipping selected.
func ready(t testing.TB, c *buybutton.Client, buyer string) string {
	return readyVariant(t, c, buyer, sneaker)
}

// readyVariant starts a checkout of one unit of variant for buyer,
// shipping selected.
func readyVariant(t testing.TB, c *buybutton.Client, buyer, variant string) string {
	t.Helper()
	ctx := context.Background()
	_, cos, err := c.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, ShipTo: &shipTo,
		Lines: []buybutton.CartLine{{MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: variant, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SelectShipping(ctx, buyer, cos[0].ID, "standard"); err != nil {
		t.Fatal(err)
	}
	return cos[0].ID
}

// TestInstancesPlaceEachCheckoutOnce: 4 instances, each with its own
// pool, over one database; 64 workers, each on an instance of its own,
// confirm the same 500 checkouts until each gives an order. Exactly 500
// orders and 500 authorizations reach the platform, which ignores
// idempotency keys, so the claim in PostgreSQL alone decides. The
// negative control, a store without compare-and-set, places some
// checkout twice.
func TestInstancesPlaceEachCheckoutOnce(t *testing.T) {
	const checkouts, workers, nInstances = 500, 64, 4
	for _, tc := range []struct {
		name   string
		wrap   func(buybutton.Store) buybutton.Store
		caught bool
	}{
		{"compare-and-set", nil, false},
		{"negative control: last write wins", func(s buybutton.Store) buybutton.Store { return controls.LastWriteWins{Store: s} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shop := memory.New(nil)
			if err := shop.SetStock(sneaker, 10*checkouts); err != nil {
				t.Fatal(err)
			}
			clients := instances(t, freshSchema(t), nInstances, controls.ForgetfulKeys{Provider: shop}, tc.wrap)
			ids := make([]string, checkouts)
			for i := range ids {
				ids[i] = ready(t, clients[i%nInstances], fmt.Sprintf("buyer-%d", i))
			}
			orders := make([]sync.Map, checkouts)
			var failures atomic.Int64
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := clients[w%nInstances]
					for i, id := range ids {
						if tc.caught && failures.Load() > 0 {
							return
						}
						for {
							cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
							o, err := c.Confirm(cctx, buybutton.ConfirmParams{BuyerID: fmt.Sprintf("buyer-%d", i), CheckoutID: id, PaymentToken: memory.TokenApprove})
							cancel()
							if errors.Is(err, buybutton.ErrInProgress) && !tc.caught {
								runtime.Gosched()
								continue
							}
							if err != nil {
								if !tc.caught {
									t.Errorf("Confirm(%s): %v", id, err)
								}
								failures.Add(1)
								break
							}
							orders[i].Store(o.ID, true)
							break
						}
					}
				}()
			}
			wg.Wait()
			st := shop.Stats()
			distinct := 0
			for i := range orders {
				orders[i].Range(func(any, any) bool { distinct++; return true })
			}
			caught := st.Orders != checkouts || st.Authorizations != checkouts || distinct != checkouts || failures.Load() != 0
			if tc.caught {
				if !caught {
					t.Fatalf("the control was not caught: %+v", st)
				}
				return
			}
			if caught {
				t.Fatalf("%d orders, %d authorizations, %d distinct orders for %d checkouts, %d failures", st.Orders, st.Authorizations, distinct, checkouts, failures.Load())
			}
		})
	}
}

// TestInstancesCartEditsLoseNothing: 30 workers on 4 instances each add
// one unit to one cart at once, spread over three lines (a line holds at
// most 10): the cart ends with every unit, 10 on each line. The negative
// control, a store without compare-and-set, loses some.
func TestInstancesCartEditsLoseNothing(t *testing.T) {
	if units := cartEdits(t, nil); units != 30 {
		t.Fatalf("the cart has %d units, want 30", units)
	}
	if units := cartEdits(t, func(s buybutton.Store) buybutton.Store { return controls.LastWriteWins{Store: s} }); units == 30 {
		t.Fatal("the negative control lost no update: the test cannot catch a store without compare-and-set")
	}
}

// cartEdits runs the edits and returns how many units the cart holds.
func cartEdits(t *testing.T, wrap func(buybutton.Store) buybutton.Store) int {
	const workers = 30
	sizes := []string{"8", "9", "11"}
	shop := memory.New(nil)
	clients := instances(t, freshSchema(t), 4, shop, wrap)
	ctx := context.Background()
	cart, err := clients[0].NewCart(ctx, "buyer-1")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := clients[w%4].AddToCart(ctx, buybutton.CartLineParams{BuyerID: "buyer-1", CartID: cart.ID,
				MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-" + sizes[w%3], Quantity: 1})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := clients[1].Cart(ctx, "buyer-1", cart.ID)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, l := range got.Lines {
		total += l.Quantity
	}
	return total
}
