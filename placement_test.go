package buybutton_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/controls"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/faulty"
	"github.com/buybutton/buybutton/provider/memory"
)

const tee = memory.DemoTee + "-Black"

func teeLine() buybutton.CartLine {
	return buybutton.CartLine{MerchantID: shopID, ProductID: memory.DemoTee, VariantID: tee, Quantity: 1}
}

// TestRacingConfirmsPlaceEachCheckoutOnce has 64 goroutines confirming the
// same 500 checkouts, all at once, each until it gets an order: exactly
// 500 orders and 500 authorizations reach the provider, and every caller
// of a checkout gets the same order. It runs against a provider that
// honours idempotency keys and one that ignores them (the claim alone must
// hold), and, as the negative control, against the latter with a store
// that does not compare-and-set, which must place some checkout twice.
func TestRacingConfirmsPlaceEachCheckoutOnce(t *testing.T) {
	const checkouts, goroutines = 500, 64
	for _, tc := range racingSetups {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.build(t)
			require.NoError(t, f.shop.SetStock(tee, 10*checkouts))
			client, shop := f.client, f.shop
			ids := make([]string, checkouts)
			for i := range ids {
				ids[i] = f.ready(t, fmt.Sprintf("buyer-%d", i), teeLine()).ID
			}

			orders, failures := confirmRacing(ids, goroutines, tc.wantCaught, func(ctx context.Context, i int, id string) (string, error) {
				o, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: fmt.Sprintf("buyer-%d", i), CheckoutID: id, PaymentToken: memory.TokenApprove})
				if err != nil {
					return "", err
				}
				return o.ID, nil
			})
			st := shop.Stats()
			distinct, _ := countResults(orders)
			caught := st.Orders != checkouts || st.Authorizations != checkouts || distinct != checkouts || failures != 0
			if tc.wantCaught {
				assert.True(t, caught, "the test did not catch placement without compare-and-set: %+v", st)
				return
			}
			assert.Zero(t, failures)
			assert.Equal(t, checkouts, st.Orders)
			assert.Equal(t, checkouts, st.Authorizations)
			assert.Equal(t, checkouts, st.Captures)
			assert.Equal(t, checkouts, distinct, "callers of one checkout got different orders")
		})
	}
}

// racingSetup is a platform and store the racing-confirm tests run on.
type racingSetup struct {
	name       string
	build      func(t *testing.T) fixture
	wantCaught bool // the negative control: the test must catch what it gets wrong
}

// racingSetups: a provider that honours idempotency keys, one that ignores
// them (the claim alone must hold), and, as the negative control, the
// latter with a store that does not compare-and-set.
var racingSetups = []racingSetup{
	{"idempotent provider", racingFixture(func(m *memory.Provider) any { return m }, buybutton.NewMemoryStore), false},
	{"provider ignoring keys", racingFixture(func(m *memory.Provider) any { return controls.ForgetfulKeys{Provider: m} }, buybutton.NewMemoryStore), false},
	{"negative control: no compare-and-set", racingFixture(func(m *memory.Provider) any { return controls.ForgetfulKeys{Provider: m} }, func() buybutton.Store { return controls.LastWriteWins{Store: buybutton.NewMemoryStore()} }), true},
}

// racingFixture builds a fixture whose merchant is wrap of the memory
// platform, on a store from store.
func racingFixture(wrap func(*memory.Provider) any, store func() buybutton.Store) func(t *testing.T) fixture {
	return func(t *testing.T) fixture {
		return buildFixture(t, nil, &buybutton.Options{Store: store()}, func(m *memory.Provider) buybutton.Merchant {
			return buybutton.MerchantFrom(shopID, "Demo Shop", wrap(m))
		})
	}
}

// confirmRacing has goroutines confirm every checkout of ids at once,
// each until confirm gives it what the checkout placed, retrying while
// another call holds the claim (ErrInProgress). It returns the distinct
// results each checkout gave its callers, and how many calls failed
// otherwise. For a negative control, whose broken store strands claims,
// ErrInProgress is a failure and the goroutines stop at the first.
func confirmRacing(ids []string, goroutines int, negativeControl bool, confirm func(ctx context.Context, i int, id string) (string, error)) (results []map[string]bool, failures int64) {
	seen := make([]sync.Map, len(ids))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, id := range ids {
				if negativeControl && failed.Load() > 0 {
					return // caught; the control strands claims, so stop early
				}
				for {
					// A claimant that never finishes (the negative
					// control strands some) must not hang the test.
					cctx, cancel := context.WithTimeout(ctx, time.Second)
					got, err := confirm(cctx, i, id)
					cancel()
					if errors.Is(err, buybutton.ErrInProgress) && !negativeControl {
						continue
					}
					if err != nil {
						failed.Add(1)
						break
					}
					seen[i].Store(got, true)
					break
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	results = make([]map[string]bool, len(ids))
	for i := range seen {
		results[i] = map[string]bool{}
		seen[i].Range(func(k, _ any) bool { results[i][k.(string)] = true; return true })
	}
	return results, failed.Load()
}

// countResults counts the distinct results of confirmRacing, and the
// checkouts that gave one.
func countResults(results []map[string]bool) (distinct, placed int) {
	for _, r := range results {
		distinct += len(r)
		placed += min(len(r), 1)
	}
	return distinct, placed
}

// naiveStock is the negative control of the flash sale: inventory that
// reads the stock, then writes it back less the quantity, in two steps, as
// an integration over a REST API without reservations does; and orders
// that trust it.
type naiveStock struct {
	*memory.Provider
	mu     sync.Mutex
	left   int
	placed atomic.Int64
}

func (n *naiveStock) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	n.mu.Lock()
	left := n.left
	n.mu.Unlock()
	if left < req.Lines[0].Quantity {
		return provider.Reservation{}, &provider.OutOfStockError{VariantID: req.Lines[0].VariantID, Requested: req.Lines[0].Quantity, Available: left}
	}
	runtime.Gosched() // the round trip between the read and the write
	n.mu.Lock()
	n.left = left - req.Lines[0].Quantity
	n.mu.Unlock()
	return provider.Reservation{ID: uuid.NewString(), Lines: req.Lines, ExpiresAt: time.Now().Add(req.TTL)}, nil
}

func (n *naiveStock) ReleaseReservation(context.Context, string) error { return nil }

func (n *naiveStock) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	n.placed.Add(1)
	return provider.Order{ID: uuid.NewString(), Status: provider.OrderPlaced, Lines: req.Lines, Total: req.Total}, nil
}

// TestFlashSaleNeverOversells has 10,000 buyers race for 1,000 units:
// exactly 1,000 orders, no unit sold twice, and everyone else told
// provider.ErrOutOfStock with nothing charged. The negative control runs the
// same sale over read-then-write inventory and must oversell.
func TestFlashSaleNeverOversells(t *testing.T) {
	const buyers, units, workers = 10_000, 1_000, 64
	for _, naive := range []bool{false, true} {
		name := "atomic reservations"
		if naive {
			name = "negative control: read-then-write stock"
		}
		t.Run(name, func(t *testing.T) {
			var ns *naiveStock
			f := buildFixture(t, nil, nil, func(m *memory.Provider) buybutton.Merchant {
				ns = &naiveStock{Provider: m, left: units}
				if naive {
					return buybutton.MerchantFrom(shopID, "Demo Shop", ns)
				}
				return buybutton.MerchantFrom(shopID, "Demo Shop", m)
			})
			require.NoError(t, f.shop.SetStock(tee, units))
			shop := f.shop
			cos := make([]*buybutton.Checkout, buyers)
			for i := range cos {
				cos[i] = f.ready(t, fmt.Sprintf("buyer-%d", i), teeLine())
			}
			var next, won, soldOut, other atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= buyers {
							return
						}
						_, err := f.confirm(cos[i], memory.TokenApprove)
						switch {
						case err == nil:
							won.Add(1)
						case errors.Is(err, provider.ErrOutOfStock):
							soldOut.Add(1)
						default:
							other.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			st := shop.Stats()
			if naive {
				assert.Greater(t, ns.placed.Load(), int64(units), "the read-then-write sale did not oversell; the test cannot catch overselling")
				return
			}
			assert.Equal(t, int64(units), won.Load())
			assert.Equal(t, int64(buyers-units), soldOut.Load())
			assert.Zero(t, other.Load())
			assert.Equal(t, units, st.Orders)
			assert.Equal(t, units, st.Authorizations, "a buyer who got nothing was authorized")
			assert.Equal(t, units, st.Captures)
			p, err := shop.Products(ctx, []string{memory.DemoTee})
			require.NoError(t, err)
			for _, v := range p[0].Variants {
				if v.ID == tee {
					assert.Equal(t, provider.SoldOut, v.Availability)
				}
			}
		})
	}
}

// TestFaultsNeverLoseOrDoublePayments runs checkouts over a provider whose
// calls fail a third of the time, at every step, every way (refused, timed
// out, answer lost), retrying and reconciling as a host would. At the end
// every checkout is placed once, and at the provider every authorization
// was either captured for exactly one order or voided.
// confirmUntilSettled confirms the checkouts from 8 goroutines, each
// retrying its own until confirm succeeds, as a client would, and asking
// for a reconcile when the outcome is unknown.
func confirmUntilSettled(t *testing.T, f fixture, ids []string, confirm func(id string) error) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += 8 {
				for try := 0; ; try++ {
					err := confirm(ids[i])
					if err == nil {
						break
					}
					if try == 200 {
						t.Errorf("checkout %s never settled: %v", ids[i], err)
						return
					}
					if errors.Is(err, buybutton.ErrUnknownOutcome) {
						_, _ = f.client.Reconcile(ctx, ids[i])
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestFaultsNeverLoseOrDoublePayments(t *testing.T) {
	const checkouts = 300
	var faults *faulty.Provider
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		faults = faulty.Wrap(shop, faulty.Options{Rate: 0.33, Seed: 7})
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Inventory, m.Quotes, m.Orders, m.Payments = faults, faults, faults, faults
		return m
	})
	require.NoError(t, f.shop.SetStock(tee, 10*checkouts))
	client, shop, clock := f.client, f.shop, f.clock

	ids := make([]string, 0, checkouts)
	for i := 0; len(ids) < checkouts; i++ {
		_, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{teeLine()}, ShipTo: &california})
		if err != nil {
			require.False(t, errors.Is(err, buybutton.ErrInvalidInput), "%v", err)
			continue // the quote failed: nothing was stored
		}
		if _, err := client.SelectShipping(ctx, buyer, cos[0].ID, "standard"); err == nil {
			ids = append(ids, cos[0].ID)
		}
	}

	confirmUntilSettled(t, f, ids, func(id string) error {
		_, err := f.confirm(&buybutton.Checkout{ID: id, BuyerID: buyer}, memory.TokenApprove)
		return err
	})
	// Let claims lapse and reservations expire, and let the host's
	// maintenance finish whatever compensation a fault interrupted.
	clock.Advance(time.Hour)
	for range 50 {
		if _, err := client.Maintain(ctx, 1000); err == nil {
			break
		}
	}

	placed := 0
	for _, id := range ids {
		co := f.checkout(t, id)
		require.Equal(t, buybutton.CheckoutPlaced, co.State, "checkout %s", id)
		assert.False(t, co.Compensating)
		placed++
	}
	st := shop.Stats()
	counts := faults.Counts()
	t.Logf("faults injected: %v; provider: %+v", counts, st)
	assert.Equal(t, placed, st.Orders, "orders at the provider")
	assert.Equal(t, placed, st.Captures, "each order captured once")
	assert.Equal(t, st.Authorizations, st.Captures+st.Voids, "an authorization neither captured nor voided is a lost payment")
	for _, op := range []string{"reserve", "authorize", "place_order", "capture"} {
		for _, fault := range []faulty.Fault{faulty.Unavailable, faulty.Timeout, faulty.Lost} {
			assert.Positive(t, counts[op][fault], "no %s fault was injected into %s", fault, op)
		}
	}
}

// faultyPayments is a shop whose payments go through faulty.Wrap with
// opts; stock, quotes and orders reach the memory provider directly.
func faultyPayments(t testingT, opts faulty.Options) (fixture, *faulty.Provider) {
	var faults *faulty.Provider
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		faults = faulty.Wrap(shop, opts)
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Payments = faults
		return m
	})
	return f, faults
}

// TestUnknownCheckoutsBackOff: a checkout whose outcome stays unknown is
// reconciled at the next maintenance pass, then a minute later, then after
// as long again as it has been unknown, up to an hour. A platform that
// stays down is so asked less and less often, and RunMaintenance, which
// runs passes back to back while they find a full batch, does not call it
// in a loop. Once the platform answers, the attempt settles with nothing
// held.
func TestUnknownCheckoutsBackOff(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Rate: 1, Faults: []faulty.Fault{faulty.Timeout}})
	authorizeCalls := func() int { return faults.Counts()["authorize"][faulty.Timeout] }
	pass := func() int {
		t.Helper()
		rep, err := f.client.Maintain(ctx, 100)
		require.NoError(t, err)
		return rep.Reconciled
	}
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	start := f.clock.Now()

	require.Equal(t, 1, pass(), "the first reconcile is at the next pass")
	require.Equal(t, 0, pass(), "still unknown: not due again at once")
	require.Equal(t, 2, authorizeCalls())
	for i, due := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 124 * time.Minute, 184 * time.Minute} {
		f.clock.Advance(start.Add(due).Sub(f.clock.Now()) - time.Second)
		require.Equal(t, 0, pass(), "a second before %v", due)
		f.clock.Advance(time.Second)
		require.Equal(t, 1, pass(), "at %v", due)
		require.Equal(t, 3+i, authorizeCalls(), "one call a reconcile")
		require.Equal(t, buybutton.CheckoutUnknown, f.checkout(t, co.ID).State)
	}

	// The platform answers again. The stock held for the attempt was given
	// back hours ago, so the attempt is undone: its payment voided, and the
	// checkout ready to confirm again.
	faults.SetRate(0)
	f.clock.Advance(time.Hour)
	rep, err := f.client.Maintain(ctx, 100)
	require.ErrorIs(t, err, provider.ErrReservationExpired)
	require.Equal(t, 1, rep.Reconciled)
	got := f.checkout(t, co.ID)
	require.Equal(t, buybutton.CheckoutShippingSelected, got.State)
	assert.Equal(t, "reservation_expired", got.LastError.Code)
	assert.True(t, got.UnknownSince.IsZero(), "the outcome is known")
	st := f.shop.Stats()
	assert.Equal(t, 1, st.Authorizations)
	assert.Equal(t, 1, st.Voids, "nothing left held")
	assert.Equal(t, 0, pass(), "not reconciled again")
}

// TestFailingReleasesBackOff: an expired checkout whose held payment
// cannot be voided (the platform is down) is retried at the next pass, then
// after as long as it has owed the void, from a minute up to an hour, so
// that passes neither keep calling the platform nor, with a batch of such
// checkouts always first in line, starve the checkouts due after them.
func TestFailingReleasesBackOff(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Rate: 0, Faults: []faulty.Fault{faulty.Unavailable}})
	voidCalls := func() int { return faults.Counts()["void"][faulty.Unavailable] }
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	faults.SetRate(1)

	f.clock.Advance(31 * time.Minute)
	ended := f.clock.Now()
	rep, err := f.client.Maintain(ctx, 100)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	assert.Equal(t, buybutton.MaintenanceReport{Expired: 1}, rep, "expired, though its payment is still held")
	require.Equal(t, buybutton.CheckoutExpired, f.checkout(t, co.ID).State)
	require.Equal(t, 1, voidCalls(), "the void is tried as the checkout ends")
	pass := func() buybutton.MaintenanceReport {
		t.Helper()
		rep, err := f.client.Maintain(ctx, 100)
		if err != nil {
			require.ErrorIs(t, err, provider.ErrUnavailable)
		}
		return rep
	}
	assert.Equal(t, buybutton.MaintenanceReport{Postponed: 1}, pass())
	require.Equal(t, 2, voidCalls(), "and again at the next pass")
	assert.Equal(t, buybutton.MaintenanceReport{}, pass())
	require.Equal(t, 2, voidCalls(), "not due again at once")
	for i, due := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 124 * time.Minute} {
		f.clock.Advance(ended.Add(due).Sub(f.clock.Now()) - time.Second)
		pass()
		require.Equal(t, 2+i, voidCalls(), "a second before %v", due)
		f.clock.Advance(time.Second)
		pass()
		require.Equal(t, 3+i, voidCalls(), "at %v", due)
	}
	got := f.checkout(t, co.ID)
	require.True(t, got.Compensating)
	require.Equal(t, buybutton.CheckoutExpired, got.State)
	assert.True(t, got.UpdatedAt.Equal(ended), "postponing is not a change of the checkout")

	faults.SetRate(0)
	f.clock.Advance(time.Hour)
	rep, err = f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, buybutton.MaintenanceReport{Released: 1}, rep)
	got = f.checkout(t, co.ID)
	assert.False(t, got.Compensating)
	assert.True(t, got.DueAt.IsZero())
	assert.Equal(t, 1, f.shop.Stats().Voids, "the payment is released")
}

// TestCancelCheckoutRetriedFinishesTheRelease: a buyer's cancel whose void
// fails (the platform is down) has canceled the checkout all the same; a
// retry of the cancel tries the void again instead of calling the cancel
// illegal, and once it is done returns the canceled checkout, voiding
// nothing twice.
func TestCancelCheckoutRetriedFinishesTheRelease(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Rate: 0, Faults: []faulty.Fault{faulty.Unavailable}})
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	faults.SetRate(1)
	for range 2 {
		_, err = f.client.CancelCheckout(ctx, buyer, co.ID)
		require.ErrorIs(t, err, provider.ErrUnavailable)
		got := f.checkout(t, co.ID)
		require.Equal(t, buybutton.CheckoutCanceled, got.State)
		require.True(t, got.Compensating, "the void is still owed")
	}
	faults.SetRate(0)
	for range 2 {
		got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
		require.NoError(t, err)
		assert.Equal(t, buybutton.CheckoutCanceled, got.State)
		assert.False(t, got.Compensating)
	}
	assert.Equal(t, 1, f.shop.Stats().Voids)
	assert.Equal(t, 2, faults.Counts()["void"][faulty.Unavailable], "the retry tried the void again")
	_, err = f.client.CancelCheckout(ctx, "someone-else", co.ID)
	require.ErrorIs(t, err, buybutton.ErrForbidden)
}

// firstHeld holds the first call that passes it until release is
// closed; entered is closed when that call arrives. Later calls pass.
type firstHeld struct {
	calls            atomic.Int32
	entered, release chan struct{}
}

func newFirstHeld() *firstHeld {
	return &firstHeld{entered: make(chan struct{}), release: make(chan struct{})}
}

// pass holds the first call, after running before (nil for nothing); an
// error of before is returned instead, and nothing is held.
func (h *firstHeld) pass(before func() error) error {
	if h.calls.Add(1) != 1 {
		return nil
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	close(h.entered)
	<-h.release
	return nil
}

// heldVoid is the memory platform with the first void it is asked for
// held.
type heldVoid struct {
	*memory.Provider
	*firstHeld
}

func (h heldVoid) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	_ = h.pass(nil)
	return h.Provider.Void(ctx, req)
}

// TestReleasesRacingEndWithoutAnError: two calls that release the same
// ended checkout's payment (a buyer's cancel and its retry, a cancel and
// maintenance, two maintenance passes) both void it, with one key, and
// both try to record that. The one whose record loses the race has
// nothing left to do, and says so without an error: the checkout is
// released, and the platform voided once.
func TestReleasesRacingEndWithoutAnError(t *testing.T) {
	for _, second := range []string{"cancel", "maintenance"} {
		t.Run(second, func(t *testing.T) {
			held := heldVoid{firstHeld: newFirstHeld()}
			f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments {
				held.Provider = shop
				return held
			}))
			co := f.ready(t, buyer, book(1))
			_, err := f.confirm(co, memory.TokenActionRequired)
			require.ErrorIs(t, err, buybutton.ErrActionRequired)

			first := make(chan error, 1)
			go func() {
				_, err := f.client.CancelCheckout(ctx, buyer, co.ID)
				first <- err
			}()
			<-held.entered // canceled, and its void under way
			if second == "cancel" {
				got, err := f.client.CancelCheckout(ctx, buyer, co.ID)
				require.NoError(t, err)
				assert.False(t, got.Compensating)
			} else {
				rep, err := f.client.Maintain(ctx, 100)
				require.NoError(t, err)
				assert.Equal(t, 1, rep.Released)
			}
			close(held.release)
			require.NoError(t, <-first, "the release was made; losing the race to record it is no error")

			got := f.checkout(t, co.ID)
			assert.Equal(t, buybutton.CheckoutCanceled, got.State)
			assert.False(t, got.Compensating)
			assert.Equal(t, 1, f.shop.Stats().Voids)
		})
	}
}

// TestRunMaintenanceGoesOnWhileBatchesAreFull: a pass that releases a full
// batch of ended checkouts' payments is followed at once by another, as
// one that expires or reconciles a full batch is, instead of leaving the
// rest held until the next tick.
func TestRunMaintenanceGoesOnWhileBatchesAreFull(t *testing.T) {
	f, faults := faultyPayments(t, faulty.Options{Rate: 0, Faults: []faulty.Fault{faulty.Unavailable}})
	const n = 1001
	require.NoError(t, f.shop.SetStock(memory.DemoBook+"-paperback", n))
	for range n {
		_, err := f.confirm(f.ready(t, buyer, book(1)), memory.TokenActionRequired)
		require.ErrorIs(t, err, buybutton.ErrActionRequired)
	}
	faults.SetRate(1)
	f.clock.Advance(31 * time.Minute)
	for range 2 { // expired; their voids fail and are postponed
		_, err := f.client.Maintain(ctx, 1000)
		require.ErrorIs(t, err, provider.ErrUnavailable)
	}
	require.Zero(t, f.shop.Stats().Voids)
	faults.SetRate(0)
	f.clock.Advance(2 * time.Minute) // all due again

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.client.RunMaintenance(runCtx, time.Hour, func(err error) { t.Error(err) }) }()
	assert.Eventually(t, func() bool { return f.shop.Stats().Voids == n }, 10*time.Second, time.Millisecond,
		"all %d payments released before the next tick", n)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// refusingOrders is a merchant that takes no order: its platform refuses
// every one as invalid (a destination it does not serve, say).
type refusingOrders struct{ *memory.Provider }

func (refusingOrders) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	return provider.Order{}, fmt.Errorf("the shop does not take this order: %w", provider.ErrInvalidRequest)
}

// TestMerchantThatRefusesTheOrderFailsTheCheckout: the payment was
// authorized and the stock reserved, then the merchant refused the order
// itself. The hold is voided and the stock released, no order exists, the
// host hears payment.failed, and the checkout ends failed (code
// "refused"), for a retry would be refused the same way: confirming it
// again is an illegal transition and asks the platform nothing.
func TestMerchantThatRefusesTheOrderFailsTheCheckout(t *testing.T) {
	f := buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Orders = refusingOrders{shop}
		return m
	})
	co := f.ready(t, buyer, sneaker("11", 2)) // the last two
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, provider.ErrInvalidRequest)

	co = f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutFailed, co.State)
	require.NotNil(t, co.LastError)
	assert.Equal(t, "refused", co.LastError.Code)
	assert.False(t, co.Compensating)
	assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Voids: 1}, f.shop.Stats())
	assert.Empty(t, co.PaymentID, "the voided hold is forgotten")
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentFailed))

	_, err = f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Voids: 1}, f.shop.Stats(), "a failed checkout asks nothing more")

	// The two pairs were released: another checkout can reserve them.
	other := f.ready(t, "buyer-2", sneaker("11", 2))
	_, err = f.confirm(other, memory.TokenApprove)
	require.ErrorIs(t, err, provider.ErrInvalidRequest, "reserved, authorized, then refused like the first")
	assert.Equal(t, 2, f.shop.Stats().Reservations)
}
