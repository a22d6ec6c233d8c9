package buybutton_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// contextStore is a Store that, like a database driver (pgx, so
// store/postgres), sends nothing on a done context: every call returns the
// context's error.
type contextStore struct{ buybutton.Store }

// unsent returns ctx's error if it is done, else what call returns.
func unsent[T any](ctx context.Context, call func() (T, error)) (T, error) {
	if err := ctx.Err(); err != nil {
		var none T
		return none, fmt.Errorf("not sent: %w", err)
	}
	return call()
}

func (s contextStore) Cart(ctx context.Context, id string) (*buybutton.Cart, error) {
	return unsent(ctx, func() (*buybutton.Cart, error) { return s.Store.Cart(ctx, id) })
}

func (s contextStore) CheckoutGroup(ctx context.Context, id string) (*buybutton.CheckoutGroup, error) {
	return unsent(ctx, func() (*buybutton.CheckoutGroup, error) { return s.Store.CheckoutGroup(ctx, id) })
}

func (s contextStore) Checkout(ctx context.Context, id string) (*buybutton.Checkout, error) {
	return unsent(ctx, func() (*buybutton.Checkout, error) { return s.Store.Checkout(ctx, id) })
}

func (s contextStore) Order(ctx context.Context, id string) (*buybutton.Order, error) {
	return unsent(ctx, func() (*buybutton.Order, error) { return s.Store.Order(ctx, id) })
}

func (s contextStore) Wallet(ctx context.Context, buyerID string) (*buybutton.Wallet, error) {
	return unsent(ctx, func() (*buybutton.Wallet, error) { return s.Store.Wallet(ctx, buyerID) })
}

func (s contextStore) Campaign(ctx context.Context, id string) (*buybutton.Campaign, error) {
	return unsent(ctx, func() (*buybutton.Campaign, error) { return s.Store.Campaign(ctx, id) })
}

func (s contextStore) Donation(ctx context.Context, id string) (*buybutton.Donation, error) {
	return unsent(ctx, func() (*buybutton.Donation, error) { return s.Store.Donation(ctx, id) })
}

func (s contextStore) MonthlyGift(ctx context.Context, id string) (*buybutton.MonthlyGift, error) {
	return unsent(ctx, func() (*buybutton.MonthlyGift, error) { return s.Store.MonthlyGift(ctx, id) })
}

func (s contextStore) OrdersByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*buybutton.Order, error) {
	return unsent(ctx, func() ([]*buybutton.Order, error) { return s.Store.OrdersByBuyer(ctx, buyerID, after, limit) })
}

func (s contextStore) Lookup(ctx context.Context, ref buybutton.Ref) (string, error) {
	return unsent(ctx, func() (string, error) { return s.Store.Lookup(ctx, ref) })
}

func (s contextStore) Due(ctx context.Context, t time.Time, limit int) ([]buybutton.DueRecord, error) {
	return unsent(ctx, func() ([]buybutton.DueRecord, error) { return s.Store.Due(ctx, t, limit) })
}

func (s contextStore) Idempotency(ctx context.Context, key string) (buybutton.IdempotencyRecord, error) {
	return unsent(ctx, func() (buybutton.IdempotencyRecord, error) { return s.Store.Idempotency(ctx, key) })
}

func (s contextStore) Transitions(ctx context.Context, subjectID string) ([]buybutton.Transition, error) {
	return unsent(ctx, func() ([]buybutton.Transition, error) { return s.Store.Transitions(ctx, subjectID) })
}

func (s contextStore) PendingEvents(ctx context.Context, limit int) ([]buybutton.Event, error) {
	return unsent(ctx, func() ([]buybutton.Event, error) { return s.Store.PendingEvents(ctx, limit) })
}

func (s contextStore) AckEvents(ctx context.Context, ids []string) error {
	_, err := unsent(ctx, func() (struct{}, error) { return struct{}{}, s.Store.AckEvents(ctx, ids) })
	return err
}

func (s contextStore) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	return unsent(ctx, func() (int, error) { return s.Store.Prune(ctx, before, limit) })
}

func (s contextStore) Commit(ctx context.Context, tx *buybutton.Tx) error {
	_, err := unsent(ctx, func() (struct{}, error) { return struct{}{}, s.Store.Commit(ctx, tx) })
	return err
}

// hangUp is a merchant on provider/memory whose money and stock calls
// honor their context as an HTTP client does (a call on a done context is
// not sent and fails with the context's error), and whose caller hangs up,
// its context canceled, as soon as the step named after has answered: a
// buyer's app closed, or a host's request timing out, just then.
type hangUp struct {
	*memory.Provider
	after  string
	cancel context.CancelFunc
}

func (h *hangUp) call(ctx context.Context, step string, do func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s not sent: %w", step, err)
	}
	err := do()
	if step == h.after {
		h.cancel()
	}
	return err
}

func (h *hangUp) Reserve(ctx context.Context, req provider.ReserveRequest) (r provider.Reservation, err error) {
	err = h.call(ctx, "reserve", func() error { r, err = h.Provider.Reserve(ctx, req); return err })
	return r, err
}

func (h *hangUp) Authorize(ctx context.Context, req provider.AuthorizeRequest) (p provider.Payment, err error) {
	err = h.call(ctx, "authorize", func() error { p, err = h.Provider.Authorize(ctx, req); return err })
	return p, err
}

func (h *hangUp) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (o provider.Order, err error) {
	err = h.call(ctx, "place order", func() error { o, err = h.Provider.PlaceOrder(ctx, req); return err })
	return o, err
}

func (h *hangUp) Capture(ctx context.Context, req provider.CaptureRequest) (p provider.Payment, err error) {
	err = h.call(ctx, "capture", func() error { p, err = h.Provider.Capture(ctx, req); return err })
	return p, err
}

func (h *hangUp) Donate(ctx context.Context, req provider.DonateRequest) (d provider.Donation, err error) {
	err = h.call(ctx, "donate", func() error { d, err = h.Provider.Donate(ctx, req); return err })
	return d, err
}

func (h *hangUp) CancelOrder(ctx context.Context, req provider.CancelOrderRequest) (o provider.Order, err error) {
	err = h.call(ctx, "cancel order", func() error { o, err = h.Provider.CancelOrder(ctx, req); return err })
	return o, err
}

func (h *hangUp) Void(ctx context.Context, req provider.VoidRequest) (p provider.Payment, err error) {
	err = h.call(ctx, "void", func() error { p, err = h.Provider.Void(ctx, req); return err })
	return p, err
}

func (h *hangUp) Refund(ctx context.Context, req provider.RefundRequest) (r provider.Refund, err error) {
	err = h.call(ctx, "refund", func() error { r, err = h.Provider.Refund(ctx, req); return err })
	return r, err
}

// hangingUpFixture is a shop capturing under policy whose caller hangs up
// after step, on a store that writes nothing on a done context. The
// returned function makes the context of the call that will hang up.
func hangingUpFixture(t *testing.T, step string, policy buybutton.CapturePolicy) (fixture, func() context.Context) {
	hang := &hangUp{after: step}
	opts := &buybutton.Options{Store: contextStore{buybutton.NewMemoryStore()}, Capture: policy}
	f := buildFixture(t, nil, opts, func(p *memory.Provider) buybutton.Merchant {
		hang.Provider = p
		return buybutton.MerchantFrom(shopID, "Demo Shop", hang)
	})
	return f, func() context.Context {
		callCtx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		hang.cancel = cancel
		return callCtx
	}
}

// TestBuyerHangingUpMidConfirmLosesNothing: the buyer's request goes away
// right after a step of the placement answered. The steps the platform
// took are recorded all the same, though the caller's context is done:
// the checkout is placed, or its outcome is unknown, never left claimed
// (where a second tap would wait, and maintenance would not look, until
// the claim lapses minutes later). Maintenance finishes it at once, with
// the clock not moved; the second tap returns the same order; the
// platform saw one authorization, one order and one capture.
func TestBuyerHangingUpMidConfirmLosesNothing(t *testing.T) {
	for _, step := range []string{"reserve", "authorize", "place order", "capture"} {
		t.Run("after "+step, func(t *testing.T) {
			f, tap := hangingUpFixture(t, step, buybutton.CaptureOnPlace)
			co := f.ready(t, buyer, book(1))

			first, err := f.client.Confirm(tap(), buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
			if step == "capture" {
				// Every platform call was made: only the record was left.
				require.NoError(t, err)
				require.NotNil(t, first)
			} else {
				require.ErrorIs(t, err, context.Canceled)
				require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
			}
			state := f.checkout(t, co.ID).State
			assert.Contains(t, []buybutton.CheckoutState{buybutton.CheckoutPlaced, buybutton.CheckoutUnknown}, state, "what the platform did is recorded")

			_, err = f.client.Maintain(ctx, 100)
			require.NoError(t, err)
			assert.Equal(t, buybutton.CheckoutPlaced, f.checkout(t, co.ID).State, "maintenance finishes it without waiting for a claim to lapse")

			tapAgain, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			again, err := f.client.Confirm(tapAgain, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
			require.NoError(t, err)
			if first != nil {
				assert.Equal(t, first.ID, again.ID)
			}
			assert.Equal(t, memory.Stats{Reservations: 1, Authorizations: 1, Orders: 1, Captures: 1}, f.shop.Stats())
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderPlaced))
		})
	}
}

// TestHostHangingUpMidRefundLosesNothing: the host's request goes away
// right after the platform answered a refund. The refund is recorded
// succeeded all the same, not left pending until maintenance looks again,
// and a retry with the same key returns it and refunds nothing more.
func TestHostHangingUpMidRefundLosesNothing(t *testing.T) {
	f, call := hangingUpFixture(t, "refund", buybutton.CaptureOnPlace)
	co := f.ready(t, buyer, book(1))
	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)

	p := buybutton.RefundParams{OrderID: o.ID, Amount: money.MustParse("5.00", "USD"), Reason: "damaged", IdempotencyKey: "support-ticket-7"}
	r, err := f.client.RefundOrder(call(), p)
	require.NoError(t, err, "the platform refunded: the record of it does not depend on the caller")
	assert.Equal(t, buybutton.RefundSucceeded, r.Status)
	o = f.order(t, o.ID)
	require.Len(t, o.Refunds, 1)
	assert.Equal(t, buybutton.RefundSucceeded, o.Refunds[0].Status)
	assert.Equal(t, "5.00 USD", o.Refunded().String())

	again, err := f.client.RefundOrder(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, r.ID, again.ID)
	assert.Equal(t, 1, f.shop.Stats().Refunds)
}

// TestDonorHangingUpMidConfirmLosesNothing: the donor's request goes away
// right after the platform took the gift. The donation is recorded all the
// same and counted once in the campaign; the second tap returns it.
func TestDonorHangingUpMidConfirmLosesNothing(t *testing.T) {
	f, tap := hangingUpFixture(t, "donate", buybutton.CaptureOnPlace)
	cp := charity{fixture: f}.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.CampaignID = cp.ID
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	confirm := buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove}

	d, err := f.client.ConfirmDonation(tap(), confirm)
	require.NoError(t, err, "the platform took the gift: the record of it does not depend on the caller")
	again, err := f.client.ConfirmDonation(ctx, confirm)
	require.NoError(t, err)
	assert.Equal(t, d.ID, again.ID)
	assert.Equal(t, 1, f.shop.Stats().Donations)
	cp, err = f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "25.00 USD", cp.Raised.String())
	assert.Equal(t, 1, cp.Donors)
}

// TestConfirmOfACallerAlreadyGoneStartsNothing: a Confirm whose context is
// done before the checkout is claimed claims nothing and asks the platform
// nothing (the claim's commit would outlive the caller, and every call
// after it would fail unsent): the checkout stays ready for the next tap.
func TestConfirmOfACallerAlreadyGoneStartsNothing(t *testing.T) {
	f := newShop(t, nil)
	co := f.ready(t, buyer, book(1))
	gone, cancel := context.WithCancel(ctx)
	cancel()
	_, err := f.client.Confirm(gone, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, co.Version, f.checkout(t, co.ID).Version, "nothing committed")
	assert.Equal(t, memory.Stats{}, f.shop.Stats())

	_, err = f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
}

// TestHostHangingUpMidCancelLosesNothing: the host's request to cancel an
// order goes away right after a step the platform answered. After the
// merchant's cancel, the order owes the cancellation (recorded though the
// caller is gone; the void or refund, not sent, is for maintenance, which
// finishes it once the lease of the call is over); after the void or
// refund, the order is canceled at once. Either way the money comes back
// once, and the host hears order.canceled once.
func TestHostHangingUpMidCancelLosesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy buybutton.CapturePolicy
		step   string
		last   bool
		want   memory.Stats
	}{
		{"held after cancel order", buybutton.CaptureOnShipment, "cancel order", false, memory.Stats{Voids: 1}},
		{"held after void", buybutton.CaptureOnShipment, "void", true, memory.Stats{Voids: 1}},
		{"captured after cancel order", buybutton.CaptureOnPlace, "cancel order", false, memory.Stats{Captures: 1, Refunds: 1}},
		{"captured after refund", buybutton.CaptureOnPlace, "refund", true, memory.Stats{Captures: 1, Refunds: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, call := hangingUpFixture(t, tc.step, tc.policy)
			o, err := f.confirm(f.ready(t, buyer, book(1)), memory.TokenApprove)
			require.NoError(t, err)

			got, err := f.client.CancelOrder(call(), buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "fraud"})
			if tc.last {
				require.NoError(t, err, "every platform call was made: only the record was left")
				assert.Equal(t, buybutton.OrderCanceled, got.Status)
			} else {
				require.ErrorIs(t, err, context.Canceled)
				owed := f.order(t, o.ID)
				require.NotNil(t, owed.Cancellation, "the merchant's cancel is recorded: the order owes its money back")
				f.clock.Advance(3 * time.Minute) // past the lease of the call that went away
				_, err = f.client.Maintain(ctx, 100)
				require.NoError(t, err)
			}
			assert.Equal(t, buybutton.OrderCanceled, f.order(t, o.ID).Status)
			tc.want.Reservations, tc.want.Authorizations, tc.want.Orders, tc.want.Cancellations = 1, 1, 1, 1
			assert.Equal(t, tc.want, f.shop.Stats())
			assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventOrderCanceled))
		})
	}
}

// TestRefundOfACallerAlreadyGoneStartsNothing: a refund whose context is
// done before it is recorded records nothing and asks the platform
// nothing.
func TestRefundOfACallerAlreadyGoneStartsNothing(t *testing.T) {
	f := newShop(t, nil)
	o, err := f.confirm(f.ready(t, buyer, book(1)), memory.TokenApprove)
	require.NoError(t, err)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.client.RefundOrder(gone, buybutton.RefundParams{OrderID: o.ID, Amount: money.MustParse("5.00", "USD"), Reason: "damaged", IdempotencyKey: "k"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, f.order(t, o.ID).Refunds)
	assert.Zero(t, f.shop.Stats().Refunds)
}

// TestMaintenanceOfACallerGoneStartsNothing: a maintenance pass whose
// context is done (the host shutting down) takes up no due record: the
// store calls of a record under way outlive the context, so a pass that
// went on would work through its whole batch.
func TestMaintenanceOfACallerGoneStartsNothing(t *testing.T) {
	f := newShop(t, &buybutton.Options{CheckoutTTL: time.Minute})
	co := f.ready(t, buyer, book(1))
	f.clock.Advance(2 * time.Minute)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := f.client.Maintain(gone, 100)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep.Expired)
	assert.Equal(t, co.State, f.checkout(t, co.ID).State)

	rep, err = f.client.Maintain(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Expired)
}

// otherStore is a Store the library cannot tell from a database's: it
// detaches its calls from the caller's context.
type otherStore struct{ buybutton.Store }

// TestARequestContextCostsTheMemoryStoreNothing pins that the memory
// store's calls are not detached from a cancelable context: a checkout
// makes no more allocations on one than on a context that is never
// canceled, while a store the library does not know costs about three more
// a store call.
func TestARequestContextCostsTheMemoryStoreNothing(t *testing.T) {
	allocs := func(store buybutton.Store, ctx context.Context) float64 {
		f := newShop(t, &buybutton.Options{Store: store})
		require.NoError(t, f.shop.SetStock(tee, 1<<20))
		i := 0
		return testing.AllocsPerRun(200, func() {
			i++
			require.NoError(t, fullCheckout(ctx, f, fmt.Sprintf("buyer-%d", i%10)))
		})
	}
	request, cancel := context.WithCancel(ctx)
	defer cancel()
	plain := allocs(buybutton.NewMemoryStore(), ctx)
	onRequest := allocs(buybutton.NewMemoryStore(), request)
	detached := allocs(otherStore{buybutton.NewMemoryStore()}, request)
	t.Logf("allocations a checkout: %.1f, on a request context %.1f, through a detached store %.1f", plain, onRequest, detached)
	assert.Less(t, onRequest-plain, 5.0, "the memory store's calls are detached")
	assert.Greater(t, detached-plain, 30.0, "a store the library does not know is not detached")
}
