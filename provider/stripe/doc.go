// Package stripe is the buybutton provider for Stripe: payments, one-off
// and monthly donations, and verified webhooks, on Stripe's API through
// the official stripe-go (v85, API version 2026-03-25.dahlia).
//
// It is its own Go module, so that a backend that does not use Stripe
// never downloads stripe-go.
//
// # Wiring it up
//
// Stripe takes the money; the catalog, stock, quotes and orders come from
// the merchant's storefront provider (here the in-memory one):
//
//	pay, err := stripe.New(stripe.Options{
//		SecretKey:      os.Getenv("STRIPE_SECRET_KEY"),
//		WebhookSecrets: []string{os.Getenv("STRIPE_WEBHOOK_SECRET")},
//		Nonprofits: []stripe.Nonprofit{{
//			Nonprofit: provider.Nonprofit{ID: "clean-water", Name: "Clean Water Fund",
//				Registration: "EIN 12-3456789", Verified: true, Currencies: []money.Currency{"USD"}},
//			Account: "acct_1Nv0FGQ9RKHgCVdK", // the nonprofit's connected account
//		}},
//	})
//	if err != nil { ... }
//	shop := memory.New(nil)
//	client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{{
//		ID: "demo-shop", Name: "Demo Shop",
//		Catalog: shop, Quotes: shop, Orders: shop, Inventory: shop,
//		Payments: pay, Donations: pay, Monthly: pay, Withdrawals: pay, Webhooks: pay,
//	}}})
//
// The buyer's card is collected by Stripe.js or Stripe's mobile SDKs,
// which give the backend a PaymentMethod id (pm_…): that is the payment
// token the library passes on. No card number ever reaches the backend.
// Stripe's webhook endpoint posts to a handler that calls
// [buybutton.Client.HandleWebhook] with the raw body.
//
// # What it creates at Stripe
//
//   - A payment is a PaymentIntent with capture_method=manual for cards,
//     confirmed on creation: Authorize creates it, Capture captures all or
//     part of it, Void cancels it, Refund creates a Refund. A PaymentIntent
//     that needs 3-D Secure gives the client its client secret (and the
//     redirect URL, when Stripe asks for one). An authorized payment's
//     Amount is the PaymentIntent's amount_capturable, what is held: an
//     issuer that approved only part of it (a partial authorization)
//     shows as a hold of another amount, which the library refuses
//     (buybutton.ErrUnexpectedAnswer) and voids. Likewise a donation's
//     Amount is its amount_received, what was charged.
//   - A one-off donation is a PaymentIntent captured at once. For a
//     nonprofit with a connected account it is a destination charge
//     (on_behalf_of and transfer_data[destination]), so the nonprofit is
//     the merchant of record. WithdrawDonation cancels one that waits for
//     the donor's 3-D Secure, with cancellation_reason abandoned.
//   - A monthly donation is a Product per nonprofit (id
//     buybutton_donation_…, made once), a Customer with the donor's
//     PaymentMethod as default, and a Subscription with one monthly
//     price_data item (payment_behavior=allow_incomplete). Each month is an
//     Invoice, whose id is the donation's id. A declined first month
//     cancels the subscription at once. WithdrawDonation voids the
//     invoice of a month that waits for 3-D Secure, once its subscription
//     is canceled. MonthsCharged (provider.MonthlyHistories) lists the
//     subscription's paid invoices, for the months whose invoice.paid
//     Stripe gave up re-sending (buybutton's Client.ReconcileMonthly);
//     RefundsMade and DisputesOf (provider.RefundHistories,
//     provider.DisputeHistories) list a PaymentIntent's refunds (succeeded,
//     and failed or canceled with their failure_reason; pending ones left
//     out) and disputes, for ReconcileOrder and ReconcileDonation, which
//     Maintain calls on a schedule.
//   - Every object carries the library's idempotency key in its metadata
//     (buybutton_idempotency_key), and donations name their nonprofit
//     (buybutton_nonprofit).
//
// # Money
//
// Amounts convert to Stripe's units by Stripe's rules, which differ from
// ISO 4217 in places (https://docs.stripe.com/currencies): zero-decimal
// currencies in whole units (MGA among them), three-decimal currencies in
// thousandths with a last digit of 0, ISK in hundredths of whole krónur,
// at most eight digits. An amount Stripe cannot take is an [*AmountError]
// (matching provider.ErrInvalidRequest) before any request is sent. The
// provider tells the library these steps ([Provider.ChargeUnit], for
// provider.ChargeUnits), so that taxes and covered fees are rounded to
// them and such an amount is never computed.
//
// Donations need the account's charge terms per currency
// ([Options.ChargeTerms]): Stripe's pricing depends on the account's
// country and contract, so only USD has a default, [USChargeTerms].
//
// # Failures
//
// Every request that moves money carries the library's idempotency key,
// the same on every try. Requests are retried by Stripe's rules: whatever
// Stripe-Should-Retry says, else network failures, 409s, 429 lock
// timeouts and 5xx, never after the context is done. Stripe's answers
// map onto the contract's error kinds: a card_error is a
// *provider.DeclineError; idempotency_error is ErrIdempotencyConflict;
// 429 is ErrRateLimited; a refund above what is left is
// ErrRefundExceedsCapture; a 5xx, or a network failure after the request
// may have been sent, is ErrUnknownOutcome (the library asks again with
// the same key, and Stripe replays its first answer; a replayed answer in
// a state the payment may since have left is read again); a connection
// never made is ErrUnavailable. An answer that cannot be read (no id, an
// amount below zero or beyond what money holds, a currency Stripe does
// not have) is ErrUnknownOutcome too, never a refusal: Stripe took the
// request. A webhook delivery carrying such an amount is
// ErrInvalidRequest.
//
// Stripe replays a 5xx too, to every retry of the key for 24 hours, so
// after one each write looks for what it may have done: Authorize and
// Donate search for a PaymentIntent carrying the key in its metadata
// (search lags writes by about a minute), Capture and Void read the
// PaymentIntent, Refund lists the PaymentIntent's refunds, StartMonthly
// lists the customer's subscriptions. Found, that is the answer; else the
// outcome stays unknown, and the library's next Reconcile looks again.
// Without that, the first retry after Stripe prunes the key would run
// afresh: a second hold, a second refund, a second monthly gift.
//
// A retry can also come after Stripe has forgotten the key: the library
// asks again about an unknown outcome until it is known, and a network
// outage of a day leaves no 5xx to say the first try may have been made.
// So a write whose key was made 23 hours ago or more (KeyCreatedAt)
// looks first, the same way, and sends the request only if it finds
// nothing; a look that fails is ErrUnknownOutcome and sends nothing.
// Authorize and Donate search for the PaymentIntent, StartMonthly for the
// subscription (by the key in its metadata: search, with its lower rate
// limit, only for such old keys). A refund lists the PaymentIntent's
// refunds before every request for one, whatever its key's age: one
// listing per refund.
//
// # Webhooks
//
// [Provider.VerifyWebhook] checks the Stripe-Signature header over the raw
// body (HMAC-SHA256 of "t.body", any of several v1 signatures, against any
// of the configured secrets, in constant time) and a timestamp within 5
// minutes either way, then maps these events:
//
//	payment_intent.amount_capturable_updated   payment.authorized
//	payment_intent.succeeded                   payment.captured, or donation.succeeded
//	payment_intent.payment_failed              payment.failed, or donation.failed
//	payment_intent.canceled                    payment.canceled: a hold that expired, or that the merchant canceled
//	refund.created, refund.updated,
//	charge.refund.updated (succeeded)          payment.refunded
//	refund.failed, refund.updated,
//	charge.refund.updated (failed, canceled)   payment.refund_failed
//	charge.dispute.created,
//	charge.dispute.updated (still open)        payment.disputed (Inquiry while warning_*)
//	charge.dispute.closed                      payment.dispute_closed, Reason the outcome
//	invoice.paid, invoice.payment_failed       donation.succeeded, donation.failed (a month)
//	customer.subscription.deleted              monthly.canceled
//
// Refund and dispute events name the PaymentIntent; one of a month is the
// PaymentIntent of the subscription's invoice, which carries no donation
// metadata. Donation, asked by such a PaymentIntent, answers the month,
// its invoice found through the invoice payments that name the
// PaymentIntent (GET /v1/invoice_payments), so that a month's chargeback
// that comes before its invoice.paid is recorded, not dropped.
//
// Subscribe the endpoint to those. Other events verify and give nothing.
// The library applies each event id once, so duplicate and out-of-order
// deliveries change nothing twice.
//
// # Testing
//
// Package stripetest plays PaymentIntents and Refunds with the state
// Stripe keeps, optionally validating each request against stripe-mock,
// so that a backend's tests can buy and refund without a network.
package stripe
