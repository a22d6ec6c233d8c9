//go:build unix

// The crash test kills a child process with SIGKILL, as the kernel or an
// orchestrator would; it needs a unix.

package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/stripe"
	"github.com/buybutton/buybutton/provider/stripe/stripetest"
)

// The crash test needs a payments platform that outlives the process it
// kills: Stripe's PaymentIntents, played by stripetest in the parent test
// process, over HTTP. The storefront is the in-memory one, new in each
// process, as a storefront that the crashed process could not tell
// anything would be.

const claimLease = time.Second

// crashClient is one app instance: the schema's store, a fresh memory
// storefront, Stripe (at stripeURL) for payments, wrapped by wrapPay and
// wrapShop.
func crashClient(t testing.TB, schema, stripeURL string, wrapPay func(provider.Payments) provider.Payments, wrapOrders func(provider.Orders) provider.Orders) (*buybutton.Client, *stripe.Provider) {
	pay, err := stripe.New(stripe.Options{SecretKey: "sk_test_crash", APIURL: stripeURL, MaxNetworkRetries: new(int64)})
	if err != nil {
		t.Fatal(err)
	}
	shop := memory.New(nil)
	m := buybutton.Merchant{ID: shopID, Name: "Demo Shop", Catalog: shop, Quotes: shop, Inventory: shop, Orders: provider.Orders(shop), Payments: provider.Payments(pay)}
	if wrapPay != nil {
		m.Payments = wrapPay(m.Payments)
	}
	if wrapOrders != nil {
		m.Orders = wrapOrders(m.Orders)
	}
	c, err := buybutton.New(&buybutton.Options{Store: New(newPool(t, schema, 4)), Merchants: []buybutton.Merchant{m}, ClaimLease: claimLease})
	if err != nil {
		t.Fatal(err)
	}
	return c, pay
}

// killedAfterAuthorize kills its process the moment Stripe has authorized
// the payment: the charge exists, the library has not recorded it.
type killedAfterAuthorize struct{ provider.Payments }

func (k killedAfterAuthorize) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	p, err := k.Payments.Authorize(ctx, req)
	if err == nil {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return p, err
}

// killedAfterPlaceOrder kills its process the moment the merchant has
// placed the order.
type killedAfterPlaceOrder struct{ provider.Orders }

func (k killedAfterPlaceOrder) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	o, err := k.Orders.PlaceOrder(ctx, req)
	if err == nil {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return o, err
}

// killedAfterRefund kills its process the moment Stripe has made a
// refund: the money is back, the library has not recorded it.
type killedAfterRefund struct{ provider.Payments }

func (k killedAfterRefund) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	r, err := k.Payments.Refund(ctx, req)
	if err == nil {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return r, err
}

// TestCrashBetweenProviderAndCommit confirms a checkout in a child
// process that is killed (SIGKILL) right after a provider call succeeded
// and before the library committed its result; then a new instance, after
// the claim's lease, reconciles the checkout. It must end with one charge
// and one order, the payment captured once.
func TestCrashBetweenProviderAndCommit(t *testing.T) {
	for _, point := range []string{"after-authorize", "after-place-order"} {
		t.Run(point, func(t *testing.T) {
			schema := freshSchema(t)
			api := stripetest.NewServer("")
			defer api.Close()
			first, _ := crashClient(t, schema, api.URL(), nil, nil)
			coID := ready(t, first, "buyer-1")

			child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			child.Env = append(os.Environ(), "CRASH_POINT="+point, "CRASH_SCHEMA="+schema, "CRASH_STRIPE="+api.URL(), "CRASH_CHECKOUT="+coID)
			out, err := child.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at %s: %v\n%s", point, err, out)
			}

			time.Sleep(claimLease + 200*time.Millisecond)
			restarted, pay := crashClient(t, schema, api.URL(), nil, nil)
			co, err := restarted.Reconcile(context.Background(), coID)
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			if co.State != buybutton.CheckoutPlaced || co.OrderID == "" {
				t.Fatalf("after the restart the checkout is %s, want placed", co.State)
			}
			orders, err := New(newPool(t, schema, 1)).OrdersByBuyer(context.Background(), "buyer-1", "", 10)
			if err != nil || len(orders) != 1 {
				t.Fatalf("orders = %d, %v; want 1", len(orders), err)
			}
			p, err := pay.Payment(context.Background(), orders[0].PaymentID)
			if err != nil || p.Status != provider.PaymentCaptured || !p.Captured.Equal(orders[0].Captured) {
				t.Fatalf("the payment is %+v, %v; want captured %s once", p, err, orders[0].Captured)
			}
			if n := created(api.Requests()); n != 1 {
				t.Fatalf("%d PaymentIntents were created, want 1", n)
			}
		})
	}
}

// TestCrashAfterRefundIsSettledByMaintenance: a child process places an
// order and refunds part of it, and is killed right after Stripe made the
// refund, before the library recorded it. Nobody retries the refund: a
// new instance's maintenance pass, once the lease is over, finds the
// order due and settles the refund with its key: provider/stripe finds
// the refund made with it among the PaymentIntent's. Stripe refunded
// once, and the order records it.
func TestCrashAfterRefundIsSettledByMaintenance(t *testing.T) {
	ctx := context.Background()
	schema := freshSchema(t)
	api := stripetest.NewServer("")
	defer api.Close()
	first, _ := crashClient(t, schema, api.URL(), nil, nil)
	coID := ready(t, first, "buyer-1")
	o, err := first.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "buyer-1", CheckoutID: coID, PaymentToken: "pm_card_visa"})
	if err != nil {
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	child.Env = append(os.Environ(), "CRASH_POINT=after-refund", "CRASH_SCHEMA="+schema, "CRASH_STRIPE="+api.URL(), "CRASH_ORDER="+o.ID)
	out, err := child.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed after the refund: %v\n%s", err, out)
	}

	restarted, _ := crashClient(t, schema, api.URL(), nil, nil)
	if rep, err := restarted.Maintain(ctx, 10); err != nil || rep.Settled != 0 {
		t.Fatalf("a pass within the lease = %+v, %v; want nothing done: the refund's call may still be under way", rep, err)
	}
	time.Sleep(claimLease + 200*time.Millisecond)
	if rep, err := restarted.Maintain(ctx, 10); err != nil || rep.Settled != 1 {
		t.Fatalf("the pass after the lease = %+v, %v; want the order settled", rep, err)
	}
	got, err := New(newPool(t, schema, 1)).Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Refunds) != 1 || got.Refunds[0].Status != buybutton.RefundSucceeded || got.Refunded().String() != "10.00 USD" || !got.DueAt.IsZero() {
		t.Fatalf("after maintenance the order has refunds %+v, refunded %s, due at %v; want one of 10.00 USD succeeded, nothing due", got.Refunds, got.Refunded(), got.DueAt)
	}
	refunds, looks := 0, 0
	for _, r := range api.Requests() {
		switch {
		case strings.HasPrefix(r, "POST /v1/refunds "):
			refunds++
		case strings.HasPrefix(r, "GET /v1/refunds "):
			looks++
		}
	}
	if refunds != 1 || looks != 2 {
		t.Fatalf("%d refund requests after %d looks, want 1 after 2: the child's look and refund, then maintenance's look, which finds it by its key", refunds, looks)
	}
}

// created counts the PaymentIntents created: distinct keys of creations.
func created(requests []string) int {
	keys := map[string]bool{}
	for _, r := range requests {
		if key, ok := strings.CutPrefix(r, "POST /v1/payment_intents "); ok {
			keys[key] = true
		}
	}
	return len(keys)
}

// TestCrashChild is the process TestCrashBetweenProviderAndCommit kills.
func TestCrashChild(t *testing.T) {
	point := os.Getenv("CRASH_POINT")
	if point == "" {
		t.Skip("run by TestCrashBetweenProviderAndCommit")
	}
	var wrapPay func(provider.Payments) provider.Payments
	var wrapOrders func(provider.Orders) provider.Orders
	switch point {
	case "after-authorize":
		wrapPay = func(p provider.Payments) provider.Payments { return killedAfterAuthorize{p} }
	case "after-place-order":
		wrapOrders = func(o provider.Orders) provider.Orders { return killedAfterPlaceOrder{o} }
	case "after-refund":
		wrapPay = func(p provider.Payments) provider.Payments { return killedAfterRefund{p} }
	}
	c, _ := crashClient(t, os.Getenv("CRASH_SCHEMA"), os.Getenv("CRASH_STRIPE"), wrapPay, wrapOrders)
	if id := os.Getenv("CRASH_ORDER"); id != "" {
		_, err := c.RefundOrder(context.Background(), buybutton.RefundParams{OrderID: id, Amount: money.MustParse("10.00", "USD"), Reason: "crash", IdempotencyKey: "crash"})
		fmt.Println("the child was not killed:", err)
		return
	}
	_, err := c.Confirm(context.Background(), buybutton.ConfirmParams{BuyerID: "buyer-1", CheckoutID: os.Getenv("CRASH_CHECKOUT"), PaymentToken: "pm_card_visa"})
	fmt.Println("the child was not killed:", err)
}
