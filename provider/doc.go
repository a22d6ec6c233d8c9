// Package provider is the contract between buybutton and the commerce
// platforms that sell through it: catalogs, inventory, quotes, orders,
// payments, donations and webhooks.
//
// It follows the split of database/sql/driver and gocloud.dev's driver
// packages: the buybutton package is the portable type that backends call;
// it validates input, derives idempotency keys, keeps state, retries and
// wraps errors, once. A provider stays thin: it translates each call into its
// platform's API and maps the answers back.
//
// # Interfaces
//
// Each capability is its own small interface: [Catalog], [Inventory],
// [Quoter], [Orders], [Payments], [Donations] and [Webhooks]. A provider
// implements the ones its platform can do; a payments processor such as
// Stripe implements [Payments], [Donations] and [Webhooks], a storefront such
// as Shopify implements [Catalog], [Quoter], [Orders] and [Webhooks], and
// [Inventory] where it can hold stock for a while. The library
// authorizes a payment before it asks for the order, so a platform whose
// own payments pay an order it created first (BigCommerce's Payments API,
// Salesforce Commerce Cloud) serves as a storefront, with the payment
// taken by a processor. docs/platforms.md in the repository checks each
// method against Shopify's and BigCommerce's APIs. Optional capabilities
// are interfaces of their own beside these, which the library finds by
// type assertion: [MonthlyDonations],
// [DonationWithdrawals], [ChargeUnits] and [MinimumCharges]; and
// [RefundHistories], [DisputeHistories] and [MonthlyHistories], the
// lists the library reads back when a platform gave up re-sending a
// webhook (without them, a read-back finds the payment's and the
// order's state, but not a refund, a dispute or a month whose webhook
// was lost for good). Method names
// are distinct across interfaces, so that one type may implement all of
// them. New capabilities arrive as new interfaces, so that adding one
// never breaks an existing provider.
//
// # What the library guarantees to a provider
//
//   - Every request has passed validation: ids and keys are non-empty and
//     at most [MaxIDLength] bytes, quantities are positive, amounts are
//     positive, rounded to their currency's minor unit and in a currency the
//     request's other amounts share. A provider need not check these again.
//   - Every amount the library asks a [Payments] or [Donations] provider
//     to charge is a whole number of the step the provider declares for
//     its currency with [ChargeUnits] (one minor unit if it declares
//     none): the library rounds taxes and searches covered fees in that
//     step, and refuses prices, gifts and refunds that are not whole
//     steps before it calls the provider.
//   - Every call that changes state carries an IdempotencyKey derived from an
//     immutable id and the operation. The library stores the key before the
//     call and sends the same key, with the same parameters, on every retry.
//   - No request ever carries card data: payment details are the provider's
//     own tokens, made by its hosted fields or SDK (PCI DSS SAQ A).
//   - ctx is never nil. The library never stores a provider's result
//     without checking its error first.
//
// # What a provider must do
//
//   - Be safe for concurrent use by multiple goroutines.
//   - Honour idempotency keys for at least 24 hours: the same key with the
//     same parameters returns the original result (or the original error)
//     and has no second effect; the same key with different parameters
//     returns [ErrIdempotencyConflict] and has no effect.
//   - Return errors that match exactly one of the kinds in errors.go with
//     [errors.Is], wrapping platform errors with %w so that callers can reach
//     them with errors.As.
//   - Return [ErrUnknownOutcome], and only it, when the operation may have
//     been performed but the provider cannot tell: a timeout or a broken
//     connection after the request was sent, a 5xx from the platform. The
//     library then keeps the money in a reconcile state and asks again with
//     the same key; it never reports such a call as a plain failure.
//     Conversely, a provider must not return [ErrUnavailable] or
//     [ErrRateLimited] if the platform might have performed the operation:
//     those promise that nothing happened, so the library may retry freely.
//     An answer from the platform that the provider cannot read (no id, an
//     amount it cannot hold) after the platform took a request is
//     [ErrUnknownOutcome] too, never a refusal.
//   - Return results the caller owns: a provider that keeps results in
//     memory (a replay of a key, a record it reads back) returns copies
//     that share no slice or pointer with what it keeps, so that a caller
//     changing a result changes nothing the next caller is told.
//   - Take any whole number of its charge unit, and refuse an amount that
//     is not one with [ErrInvalidRequest], having charged nothing. A
//     platform that takes some currency only in a coarser step than its
//     minor unit (Stripe: KWD in hundredths) must say so with
//     [ChargeUnits]; otherwise the library computes totals the platform
//     refuses, after the buyer has seen them. A platform with a minimum
//     charge (Stripe: 0.50 USD) says so with [MinimumCharges], and
//     refuses less with [ErrInvalidRequest]; the library then refuses a
//     checkout below it before asking for the payment. A checkout whose
//     total is zero is no charge: it is placed with no payment at all
//     ([Orders].PlaceOrder with an empty PaymentID).
//
// # Keys a platform forgets
//
// The library asks again about an outcome it does not know until it
// knows it, so a retry can come later than a platform keeps its keys
// (Stripe: 24 hours), after an outage that long. Sent then, a request
// whose first try the platform did perform would be performed a second
// time: a second hold, a second gift, a second order. Where that would
// move money or goods twice, the request carries KeyCreatedAt
// ([AuthorizeRequest], [DonateRequest], [RefundRequest],
// [RefundDonationRequest], [PlaceOrderRequest]), and a provider whose
// platform may have forgotten a key that old must look for what the key
// made before it sends the request, and answer with that if it finds it.
// A look that fails is [ErrUnknownOutcome]: the first try's outcome is
// still unknown. A provider whose platform keeps keys for as long as the
// library may retry can ignore KeyCreatedAt.
//
// Package providertest checks all of this against a real implementation.
package provider

// MaxIDLength is the longest id or idempotency key the library sends or
// accepts from a provider, in bytes. It matches Stripe's limit on
// idempotency keys.
const MaxIDLength = 255
