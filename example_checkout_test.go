package buybutton_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// exampleAddress is where the examples' buyer has things sent.
var exampleAddress = provider.Address{Name: "Ada Buyer", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}

// A tap on a card's Buy: one line, priced by the merchant, then a
// shipping option.
func ExampleClient_StartCheckout() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})

	_, checkouts, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: "viewer-1", // from the host's own authentication
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1}},
		ShipTo:  &exampleAddress,
	})
	if err != nil {
		panic(err)
	}
	co := checkouts[0]
	fmt.Println(co.State, co.Totals.Subtotal)
	for _, o := range co.ShippingOptions {
		fmt.Println(o.ID, o.Amount)
	}

	co, err = client.SelectShipping(ctx, "viewer-1", co.ID, "standard")
	if err != nil {
		panic(err)
	}
	fmt.Println(co.State, co.Totals.Shipping, co.Totals.Tax, co.Totals.Total)
	// Output:
	// addressed 39.99 USD
	// standard 5.00 USD
	// express 15.00 USD
	// shipping_selected 5.00 USD 2.90 USD 47.89 USD
}

// A checkout that costs nothing (here an e-book the merchant gives away:
// a promotion of 100%, nothing to ship) is confirmed with no payment
// token, and placed with no payment: no platform charges zero.
func ExampleClient_Confirm_free() {
	ctx := context.Background()
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	_ = shop.SetPromotion(memory.DemoEBook+"-epub", 100)

	_, checkouts, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: "viewer-1",
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoEBook, VariantID: memory.DemoEBook + "-epub", Quantity: 1}},
	})
	if err != nil {
		panic(err)
	}
	co := checkouts[0]
	fmt.Println(co.State, co.Totals.Subtotal, co.Totals.Discount, co.Totals.Total)

	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.PaymentState(), order.PaymentID == "")
	fmt.Println(shop.Stats().Authorizations, "payments asked for")
	// Output:
	// open 9.99 USD 9.99 USD 0.00 USD
	// placed none true
	// 0 payments asked for
}

// A declined card leaves the checkout ready and charges nothing; the
// buyer confirms again with another card.
func ExampleClient_Confirm() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	co := exampleReady(ctx, client) // as in the StartCheckout example

	_, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenDecline})
	var decline *provider.DeclineError
	if errors.As(err, &decline) {
		fmt.Println("declined:", decline.Code)
	}
	co, _ = client.Checkout(ctx, "viewer-1", co.ID)
	fmt.Println(co.State, co.LastError.Code)

	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.PaymentState(), order.Captured)

	// A retry, a double tap or a racing instance gets the same order.
	again, _ := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	fmt.Println(again.ID == order.ID)
	// Output:
	// declined: card_declined
	// shipping_selected declined
	// placed captured 47.89 USD
	// true
}

// A payment that needs an extra step (3-D Secure): the client completes
// it with what NextAction gives, and the checkout resumes.
func ExampleActionRequiredError() {
	ctx := context.Background()
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	co := exampleReady(ctx, client) // as in the StartCheckout example

	_, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	var action *buybutton.ActionRequiredError
	if errors.As(err, &action) {
		fmt.Println("action required:", action.NextAction.ClientSecret != "")
	}

	// The buyer completes the step on the platform's page...
	co, _ = client.Checkout(ctx, "viewer-1", co.ID)
	if err := shop.CompleteAction(co.PaymentID, true); err != nil {
		panic(err)
	}
	// ...and the client confirms again (or the platform's webhook does).
	// A buyer who will not take the step confirms with another card
	// instead: the waiting payment is released, and the new card pays. An
	// edit (a new address) releases it too, and the buyer confirms anew.
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.PaymentState())
	// Output:
	// action required: true
	// placed captured
}

// A cart with lines from two merchants becomes one checkout per merchant
// under a group that the buyer confirms once.
func ExampleClient_ConfirmGroup() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{
			buybutton.MerchantFrom("shoe-shop", "Shoe Shop", memory.New(nil)),
			buybutton.MerchantFrom("book-shop", "Book Shop", memory.New(nil)),
		},
	})
	cart, _ := client.NewCart(ctx, "viewer-1")
	for _, l := range []buybutton.CartLineParams{
		{MerchantID: "shoe-shop", ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-9", Quantity: 1},
		{MerchantID: "book-shop", ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 2},
	} {
		l.BuyerID, l.CartID = "viewer-1", cart.ID
		if _, err := client.AddToCart(ctx, l); err != nil {
			panic(err)
		}
	}
	group, checkouts, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: "viewer-1", CartID: cart.ID, ShipTo: &exampleAddress})
	if err != nil {
		panic(err)
	}
	for _, co := range checkouts {
		if _, err := client.SelectShipping(ctx, "viewer-1", co.ID, "standard"); err != nil {
			panic(err)
		}
	}

	results, err := client.ConfirmGroup(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: group.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Order.MerchantID, r.Order.Status, r.Order.Totals.Total)
	}
	// Output:
	// shoe-shop placed 100.45 USD
	// book-shop placed 90.78 USD
}

// Refunds are never above what was captured, and a retry with the same
// key refunds nothing more.
func ExampleClient_RefundOrder() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	order := examplePurchase(ctx, client)
	fmt.Println(order.Captured)

	part := buybutton.RefundParams{OrderID: order.ID, Amount: money.MustParse("10.00", "USD"), Reason: "damaged cover", IdempotencyKey: "support-ticket-42"}
	for range 2 { // the support tool's retry
		if _, err := client.RefundOrder(ctx, part); err != nil {
			panic(err)
		}
	}
	order, _ = client.Order(ctx, "viewer-1", order.ID)
	fmt.Println(order.PaymentState(), len(order.Refunds))

	_, err := client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: order.Captured, Reason: "too much", IdempotencyKey: "support-ticket-43"})
	fmt.Println(errors.Is(err, provider.ErrRefundExceedsCapture))
	// Output:
	// 47.89 USD
	// partially_refunded 1
	// true
}

// The buyer returns one of two books: the library prices the unit from
// the order, so that the two returns together give back exactly what the
// line cost, tax included.
func ExampleRefundLine() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	co := exampleReadyWith(ctx, client, 2)
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	for _, key := range []string{"return-1", "return-2"} {
		r, err := client.RefundOrder(ctx, buybutton.RefundParams{
			OrderID: order.ID, Reason: "returned", IdempotencyKey: key,
			Lines: []buybutton.RefundLine{{VariantID: memory.DemoBook + "-paperback", Quantity: 1}},
		})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Amount)
	}
	order, _ = client.Order(ctx, "viewer-1", order.ID)
	fmt.Println(order.PaymentState(), order.Refunded(), "of", order.Captured)
	// Output:
	// 42.89 USD
	// 42.89 USD
	// partially_refunded 85.78 USD of 90.78 USD
}

// The buyer's bank disputes 20.00 of the order and the merchant loses:
// the platform's webhook puts the chargeback in the order's books, and
// only what the merchant still holds can be refunded.
func ExampleOrder_ChargedBack() {
	ctx := context.Background()
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	order := examplePurchase(ctx, client)

	disputed := money.MustParse("20.00", "USD")
	for _, e := range []provider.Event{
		{ID: "evt_1", Type: provider.EventPaymentDisputed, PaymentID: order.PaymentID, DisputeID: "dp_1", Amount: &disputed, Reason: "product_not_received"},
		{ID: "evt_2", Type: provider.EventPaymentDisputeClosed, PaymentID: order.PaymentID, DisputeID: "dp_1", Amount: &disputed, Reason: provider.DisputeLost},
	} {
		header, body := shop.Sign(e, time.Now()) // what the platform POSTs
		if err := client.HandleWebhook(ctx, "demo-shop", header, body); err != nil {
			panic(err)
		}
	}
	order, _ = client.Order(ctx, "viewer-1", order.ID)
	fmt.Println(order.PaymentState(), order.ChargedBack(), "of", order.Captured)

	_, err := client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: order.Captured, Reason: "goodwill", IdempotencyKey: "support-ticket-44"})
	fmt.Println(errors.Is(err, provider.ErrRefundExceedsCapture))
	// Output:
	// charged_back 20.00 USD of 47.89 USD
	// true
}

// The host learns what happened from the outbox: at least once, with ids
// to deduplicate by.
func ExampleClient_PendingEvents() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	examplePurchase(ctx, client)

	events, err := client.PendingEvents(ctx, 100)
	if err != nil {
		panic(err)
	}
	var handled []string
	for _, e := range events {
		fmt.Println(e.Type, e.Amount) // notify the buyer, update the feed, ...
		handled = append(handled, e.ID)
	}
	if err := client.AckEvents(ctx, handled...); err != nil {
		panic(err)
	}
	events, _ = client.PendingEvents(ctx, 100)
	fmt.Println(len(events))
	// Output:
	// order.placed 47.89 USD
	// payment.captured 47.89 USD
	// 0
}

// A platform's webhook moves the order on; a repeated delivery changes
// nothing.
func ExampleClient_HandleWebhook() {
	ctx := context.Background()
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	order := examplePurchase(ctx, client)

	// The merchant ships; the platform POSTs order.shipped to the host,
	// whose handler passes the raw body and headers on.
	if err := shop.ShipOrder(order.ProviderOrderID, provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z999"}); err != nil {
		panic(err)
	}
	for _, d := range shop.TakeDeliveries() {
		for range 2 { // delivered twice
			if err := client.HandleWebhook(ctx, "demo-shop", d.Header, d.Body); err != nil {
				panic(err)
			}
		}
	}
	order, _ = client.Order(ctx, "viewer-1", order.ID)
	fmt.Println(order.Status, len(order.Shipments), order.Shipments[0].TrackingNumber)
	// Output:
	// fulfilled 1 1Z999
}

// Maintenance expires the checkouts their buyers left, and releases what
// they held. The host runs it: RunMaintenance in a goroutine of its own,
// or Maintain from a job.
func ExampleClient_Maintain() {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
		Now:       func() time.Time { return now },
	})
	_, checkouts, _ := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: "viewer-1",
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1}},
		ShipTo:  &exampleAddress,
	})

	now = now.Add(31 * time.Minute) // past the default CheckoutTTL
	report, err := client.Maintain(ctx, 100)
	if err != nil {
		panic(err)
	}
	co, _ := client.Checkout(ctx, "viewer-1", checkouts[0].ID)
	fmt.Println(report.Expired, co.State)
	// Output:
	// 1 expired
}

// Platforms give up re-sending a webhook after a while. Maintenance
// reads each order back from its platforms on a schedule
// (Options.ReadBack: 4, 8, 16, ... days after it was placed), so a
// shipment whose webhook was lost for good is recorded all the same.
func ExampleClient_Maintain_readBack() {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	shop := memory.New(&memory.Options{Now: clock})
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
		Now:       clock,
	})
	order := examplePurchase(ctx, client)
	_ = shop.ShipOrder(order.ProviderOrderID, provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z999"})
	shop.TakeDeliveries() // the order.shipped webhook, lost for good

	now = now.Add(4 * 24 * time.Hour)
	report, err := client.Maintain(ctx, 100)
	if err != nil {
		panic(err)
	}
	order, _ = client.Order(ctx, "viewer-1", order.ID)
	fmt.Println(report.ReadBack, order.Status, order.Shipments[0].TrackingNumber)
	fmt.Println("next read-back", order.ReadBackAt.Sub(order.PlacedAt), "after the placing")
	// Output:
	// 1 fulfilled 1Z999
	// next read-back 192h0m0s after the placing
}

// A platform that answers in a way that leaves it unknown whether money
// moved (a timeout after the request was sent): the checkout waits in
// unknown, and Reconcile asks again with the same keys.
func ExampleClient_Reconcile() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	co := exampleReady(ctx, client) // as in the StartCheckout example

	_, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenUnknownOutcome})
	fmt.Println(errors.Is(err, buybutton.ErrUnknownOutcome))

	co, err = client.Reconcile(ctx, co.ID) // Maintain does this too
	if err != nil {
		panic(err)
	}
	fmt.Println(co.State)
	// Output:
	// true
	// placed
}

// Saved details make the next purchase one tap.
func ExampleClient_SaveDetail() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	saved, err := client.SaveDetail(ctx, buybutton.SaveDetailParams{
		BuyerID: "viewer-1", Label: "Home, Visa 4242", ShipTo: &exampleAddress, PaymentToken: memory.TokenApprove,
	})
	if err != nil {
		panic(err)
	}

	_, checkouts, _ := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: "viewer-1",
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1}},
		ShipTo:  saved.ShipTo,
	})
	co, _ := client.SelectShipping(ctx, "viewer-1", checkouts[0].ID, "standard")
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, SavedID: saved.ID})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status)

	// Another buyer cannot use it.
	_, err = client.SavedDetail(ctx, "viewer-2", saved.ID)
	fmt.Println(errors.Is(err, buybutton.ErrForbidden))
	// Output:
	// placed
	// true
}

// exampleReady starts viewer-1's checkout of the paperback from
// demo-shop, shipped standard to exampleAddress: ready to confirm.
func exampleReady(ctx context.Context, client *buybutton.Client) *buybutton.Checkout {
	return exampleReadyWith(ctx, client, 1)
}

// exampleReadyWith is exampleReady of books copies of the book.
func exampleReadyWith(ctx context.Context, client *buybutton.Client, books int) *buybutton.Checkout {
	_, checkouts, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: "viewer-1",
		Lines:   []buybutton.CartLine{{MerchantID: "demo-shop", ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: books}},
		ShipTo:  &exampleAddress,
	})
	if err != nil {
		panic(err)
	}
	co, err := client.SelectShipping(ctx, "viewer-1", checkouts[0].ID, "standard")
	if err != nil {
		panic(err)
	}
	return co
}

// examplePurchase buys what exampleReady starts, paid at once.
func examplePurchase(ctx context.Context, client *buybutton.Client) *buybutton.Order {
	co := exampleReady(ctx, client)
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: "viewer-1", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	return order
}

// The buyer cancels before the order ships: the merchant cancels it, the
// payment is refunded (it was captured at placement) and the stock is
// released.
func ExampleClient_CancelOrder() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	order := examplePurchase(ctx, client)

	order, err := client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: "viewer-1", OrderID: order.ID, Reason: "ordered by mistake"})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.PaymentState())

	// Nobody else may.
	_, err = client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: "viewer-2", OrderID: order.ID})
	fmt.Println(errors.Is(err, buybutton.ErrForbidden))
	// Output:
	// canceled refunded
	// true
}

// After an outage longer than the platform re-sends its webhooks, an
// order is read back from the merchant's platform: the parcel shipped
// while nobody listened is recorded, and the host told of it once.
func ExampleClient_ReconcileOrder() {
	ctx := context.Background()
	shop := memory.New(nil)
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
	})
	order := examplePurchase(ctx, client)
	_ = shop.ShipOrder(order.ProviderOrderID, provider.Shipment{Carrier: "UPS", TrackingNumber: "1Z999"})
	shop.TakeDeliveries() // the order.shipped webhook, never delivered

	order, err := client.ReconcileOrder(ctx, order.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.Shipments[0].Carrier, order.Shipments[0].TrackingNumber)
	// Output:
	// fulfilled UPS 1Z999
}

// Every move of every machine is recorded: from, to, why, by whom, when.
func ExampleClient_Transitions() {
	ctx := context.Background()
	client, _ := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	order := examplePurchase(ctx, client)

	history, err := client.Transitions(ctx, "viewer-1", order.CheckoutID)
	if err != nil {
		panic(err)
	}
	for _, t := range history {
		fmt.Printf("%s: %q -> %q by %s: %s\n", t.Machine, t.From, t.To, t.Actor, t.Reason)
	}
	// Output:
	// checkout: "" -> "addressed" by buyer:viewer-1: started
	// checkout: "addressed" -> "shipping_selected" by buyer:viewer-1: shipping selected: standard
	// checkout: "shipping_selected" -> "payment_pending" by buyer:viewer-1: placement attempt 1 claimed
	// checkout: "payment_pending" -> "placed" by buyer:viewer-1: order ord_3 placed
}

// A buyer's orders, newest first, a page at a time: each page begins
// after the last order of the one before. An order placed between two
// pages comes before them both, and moves none from one page onto the
// next, as it would with an offset.
func ExampleClient_Orders() {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	client, _ := buybutton.New(&buybutton.Options{
		Now:       func() time.Time { return now },
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(nil))},
	})
	names := map[string]string{}
	buy := func(name string) {
		now = now.Add(time.Minute)
		names[examplePurchase(ctx, client).ID] = name
	}
	buy("first")
	buy("second")
	buy("third")
	show := func(orders []*buybutton.Order) {
		var listed []string
		for _, o := range orders {
			listed = append(listed, names[o.ID])
		}
		fmt.Println(strings.Join(listed, ", "))
	}

	page, err := client.Orders(ctx, "viewer-1", "", 2)
	if err != nil {
		panic(err)
	}
	show(page)
	buy("fourth") // between two pages
	next, err := client.Orders(ctx, "viewer-1", page[len(page)-1].ID, 2)
	if err != nil {
		panic(err)
	}
	show(next)

	// A page after someone else's order is theirs to read, not ours.
	_, err = client.Orders(ctx, "viewer-2", page[0].ID, 2)
	fmt.Println(errors.Is(err, buybutton.ErrForbidden))
	// Output:
	// third, second
	// first
	// true
}
