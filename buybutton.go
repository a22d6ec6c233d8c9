// Package buybutton puts Buy and Donate buttons on the posts of a social
// timeline: product cards attached to posts, rendered once and served fast,
// on top of the commerce platforms that implement package provider.
//
// It is a library, not a service: a backend calls a [Client] from its own
// HTTP handlers, jobs and tests.
//
// # Getting started
//
// Configure a Client with the merchants it sells for. Each [Merchant] names
// the platform interfaces that serve it; [MerchantFrom] fills them from a
// value that implements several, such as the in-memory provider:
//
//	shop := memory.New(nil) // demo catalog, test payment tokens
//	client, err := buybutton.New(&buybutton.Options{
//		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)},
//	})
//	card, err := client.AttachCard(ctx, buybutton.AttachCardParams{
//		PostID: "post-1", MerchantID: "demo-shop", ProductID: memory.DemoSneaker,
//	})
//
// # Cards and the timeline
//
// Timeline reads outnumber writes by about 50 to 1, so a card's client JSON
// is rendered when the card changes (attach, a product or stock change), not
// when it is read. [Client.Hydrate] serves a page of posts' cards by lookup
// and copy, with no allocation per card. The JSON is versioned and
// documented in docs/card-schema.md. Prices on a card are informational: a
// checkout always reads prices from the provider.
//
// # Buying
//
// A buyer's [Cart] holds lines from any merchants; [Client.StartCheckout]
// splits them into one [Checkout] per merchant, and [Client.Confirm] places
// each: re-quote, claim, reserve, authorize, place, capture. Every step is
// idempotent and every change is compare-and-set in the [Store], so
// retries, double taps and racing instances produce one order and one
// charge. docs/checkout.md has the state machines and the outcomes.
//
// # Donating
//
// A [Campaign] for a verified nonprofit goes on a post as a Donate card
// ([Client.AttachDonateCard]). [Client.StartDonation] and
// [Client.ConfirmDonation] run a donation through the same checkout
// machine, with the processing fee grossed up when the donor covers it
// ([CoverFee]), the donor's privacy kept as they chose, monthly giving
// ([MonthlyGift]) and a [Receipt] for every gift. docs/donate.md has the
// details.
//
// # Errors
//
// Bad input gets a [*ValidationError] matching [ErrInvalidInput] and changes
// nothing. Errors from providers keep their kinds from package provider.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines. It starts no
// goroutines of its own: expiry and reconciliation run when the host calls
// [Client.Maintain] or [Client.RunMaintenance].
package buybutton

import (
	"context"
	"fmt"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Client is the portable API a backend calls. Make one with [New].
type Client struct {
	merchants      map[string]Merchant
	now            func() time.Time
	cards          *cardIndex
	store          Store
	taxRounding    money.RoundingMode
	capturePolicy  CapturePolicy
	checkoutTTL    time.Duration
	reservationTTL time.Duration
	claimLease     time.Duration
	retention      time.Duration // zero: keep for ever
	readBack       time.Duration // negative: never
}

// Options configures a [Client].
type Options struct {
	// Merchants are the merchants whose products can be put on posts.
	// At least one is required; ids must be unique.
	Merchants []Merchant

	// Now is the clock for expiry and timestamps. Default time.Now; tests
	// pass a clock they control.
	Now func() time.Time

	// Store keeps carts, checkouts and orders. Default [NewMemoryStore].
	Store Store

	// TaxRounding rounds each line's tax (see [Totals]). Default
	// money.HalfEven.
	TaxRounding money.RoundingMode
	// Capture says when payments are captured. Default CaptureOnPlace.
	Capture CapturePolicy
	// CheckoutTTL is how long a checkout may wait for its buyer before
	// Maintain expires it. Default 30 minutes (Stripe Checkout's minimum).
	CheckoutTTL time.Duration
	// ReservationTTL is how long stock is held while a confirmed checkout
	// pays. Default 15 minutes.
	ReservationTTL time.Duration
	// ClaimLease is how long a Confirm may take before another call may
	// take its placement over (with the same idempotency keys). Default 2
	// minutes: longer than any provider call's timeout should be.
	ClaimLease time.Duration

	// Retention is how long the store keeps what exists only so that a
	// repeat changes nothing: the ids of applied webhook events and the
	// idempotency keys of refunds. Zero, the default, keeps them for ever,
	// and the store grows by one of each per webhook event and refund.
	// Otherwise it must be at least [MinRetention]. Then:
	//
	//   - Maintain deletes them once they are a day older than Retention
	//     (the day covers a platform's clock that runs ahead of ours);
	//   - HandleWebhook refuses an event that occurred more than Retention
	//     ago ([ErrEventTooOld]), since the mark of its first delivery may
	//     be gone;
	//   - a refund asked for again with its key more than Retention after
	//     the first is a new refund (as with Stripe's keys after 24
	//     hours), still never above what is left to refund.
	//
	// Orders, checkouts, donations, their transitions and pending events
	// are kept whatever it is.
	Retention time.Duration

	// ReadBack is how long after an order is placed, or a gift given,
	// Maintain first reads it back from its platforms and applies what
	// webhooks lost for good did not tell (as [Client.ReconcileOrder],
	// [Client.ReconcileDonation] and [Client.ReconcileMonthly] do).
	// Platforms stop re-sending a webhook after a while (Stripe after
	// three days, Shopify after four hours, BigCommerce after 48), so a
	// host whose endpoint was down longer lost it. Each later read-back
	// comes twice as long after the start as the one before, and the
	// last within [ReadBackFor]: with the default, 4 days, an order
	// placed on day 0 is read back on days 4, 8, 16, 32, 64, 128 and 256,
	// whatever it went through (a bank may take back the money of an
	// order canceled). A monthly gift is read back ReadBack after each
	// renewal was due, then twice as long, and so on, until the renewal
	// is recorded; and once more, at least ReadBack after it ended.
	// A read-back costs a few platform reads (the payment, the order,
	// the refunds, the disputes). Negative turns read-backs off: the
	// host then calls the Reconcile methods itself after an outage.
	// Otherwise it must be at least an hour.
	ReadBack time.Duration
}

// ReadBackFor is how long after an order is placed, or a one-off gift
// given, [Options].ReadBack reads it back: a year, longer than card
// networks give a cardholder for most disputes ("120 calendar days from
// the payment date", https://docs.adyen.com/issuing/disputes). A dispute
// filed later (some networks allow up to 540 days) is told by its
// webhook, or read back by the Reconcile methods when the host calls them.
const ReadBackFor = 365 * 24 * time.Hour

// MinRetention is the shortest [Options].Retention: longer than Stripe
// re-sends an event (3 days of automatic retries; a host can replay the
// last 30 days' events from its Events API) and than platforms keep
// idempotency keys (Stripe: 24 hours).
const MinRetention = 35 * 24 * time.Hour

// pruneLag is how much longer than Retention the marks of webhook events
// are kept: an event is refused once Retention has passed since it
// occurred, by the platform's clock, and its mark is deleted a day later,
// by ours.
const pruneLag = 24 * time.Hour

// Merchant is one merchant and the platform interfaces that serve it.
// Different interfaces may come from different platforms (a storefront's
// catalog, a processor's payments).
type Merchant struct {
	// ID identifies the merchant in cards and orders; it must be stable.
	ID string
	// Name is shown on cards.
	Name string
	// Catalog is needed for product cards, which read products from it.
	// A merchant that only takes donations may leave it nil.
	Catalog provider.Catalog
	// Webhooks verifies the merchant platform's deliveries. Optional; without
	// it [Client.HandleWebhook] refuses the merchant's deliveries.
	Webhooks provider.Webhooks

	// Quotes, Payments and Orders are needed to sell: without all three,
	// cards can be shown but not bought.
	Quotes   provider.Quoter
	Payments provider.Payments
	Orders   provider.Orders
	// Inventory is optional: without it, stock is checked when the order
	// is placed, and a payment authorized for stock that ran out is voided.
	Inventory provider.Inventory

	// Donations takes gifts to nonprofits: needed for campaigns and Donate
	// cards. Monthly, optional, adds monthly giving. Withdrawals,
	// optional, withdraws a one-off gift waiting for the donor's step when
	// its checkout gives it up, so that it never charges; without it, the
	// gift is refunded if the donor completes it later.
	Donations   provider.Donations
	Monthly     provider.MonthlyDonations
	Withdrawals provider.DonationWithdrawals
}

// MerchantFrom returns a Merchant whose interfaces are filled from p, for
// each interface p implements.
func MerchantFrom(id, name string, p any) Merchant {
	m := Merchant{ID: id, Name: name}
	m.Catalog, _ = p.(provider.Catalog)
	m.Webhooks, _ = p.(provider.Webhooks)
	m.Quotes, _ = p.(provider.Quoter)
	m.Payments, _ = p.(provider.Payments)
	m.Orders, _ = p.(provider.Orders)
	m.Inventory, _ = p.(provider.Inventory)
	m.Donations, _ = p.(provider.Donations)
	m.Monthly, _ = p.(provider.MonthlyDonations)
	m.Withdrawals, _ = p.(provider.DonationWithdrawals)
	return m
}

// New returns a Client for the given options.
func New(opts *Options) (*Client, error) {
	if opts == nil || len(opts.Merchants) == 0 {
		return nil, invalid("merchants", "at least one merchant is required")
	}
	c := &Client{
		merchants: make(map[string]Merchant, len(opts.Merchants)), now: opts.Now, cards: newCardIndex(),
		store: opts.Store, taxRounding: opts.TaxRounding, capturePolicy: opts.Capture,
		checkoutTTL: opts.CheckoutTTL, reservationTTL: opts.ReservationTTL, claimLease: opts.ClaimLease,
		retention: opts.Retention, readBack: opts.ReadBack,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.store == nil {
		c.store = NewMemoryStore()
	}
	if _, inMemory := c.store.(*memoryStore); !inMemory {
		// The memory store neither waits nor reads its context: detaching
		// its calls would cost three allocations each and change nothing.
		c.store = detachedStore{c.store}
	}
	if c.taxRounding == 0 {
		c.taxRounding = money.HalfEven
	} else if !c.taxRounding.Valid() {
		return nil, invalid("tax_rounding", "not a rounding mode")
	}
	if c.capturePolicy != CaptureOnPlace && c.capturePolicy != CaptureOnShipment {
		return nil, invalid("capture", "not a capture policy")
	}
	if c.retention != 0 && c.retention < MinRetention {
		return nil, invalid("retention", "must be zero (keep for ever) or at least %s", MinRetention)
	}
	switch {
	case c.readBack == 0:
		c.readBack = defaultReadBack
	case c.readBack > 0 && c.readBack < time.Hour:
		return nil, invalid("read_back", "must be negative (never) or at least an hour")
	}
	for _, d := range []struct {
		field string
		v     *time.Duration
		def   time.Duration
	}{
		{"checkout_ttl", &c.checkoutTTL, 30 * time.Minute},
		{"reservation_ttl", &c.reservationTTL, 15 * time.Minute},
		{"claim_lease", &c.claimLease, 2 * time.Minute},
	} {
		if *d.v == 0 {
			*d.v = d.def
		} else if *d.v < 0 {
			return nil, invalid(d.field, "must be positive")
		}
	}
	for i, m := range opts.Merchants {
		field := fmt.Sprintf("merchants[%d]", i)
		if err := checkID(field+".id", m.ID, provider.MaxIDLength); err != nil {
			return nil, err
		}
		if _, dup := c.merchants[m.ID]; dup {
			return nil, invalid(field+".id", "duplicate merchant id %q", m.ID)
		}
		if m.Catalog == nil && m.Donations == nil {
			return nil, invalid(field+".catalog", "a merchant needs a catalog or donations")
		}
		c.merchants[m.ID] = m
	}
	return c, nil
}

func (c *Client) merchant(id string) (Merchant, error) {
	m, ok := c.merchants[id]
	if !ok {
		return Merchant{}, fmt.Errorf("%w: %q", ErrUnknownMerchant, truncate(id, 64))
	}
	return m, nil
}

// products reads products from the merchant's catalog. A merchant without
// one (it only takes donations) is ErrUnknownMerchant.
func (m Merchant) products(ctx context.Context, ids []string) ([]provider.Product, error) {
	if m.Catalog == nil {
		return nil, fmt.Errorf("%w: merchant %s has no catalog", ErrUnknownMerchant, m.ID)
	}
	return m.Catalog.Products(ctx, ids)
}
