// Package memory is an in-memory merchant, payment processor and nonprofit
// registry: the reference implementation of every interface in package
// provider, and the embedded default for examples and tests.
//
// A [Provider] starts with a demo catalog (sneakers in sizes with limited
// stock, a book, a T-shirt in colours, an e-book that does not ship) and two
// nonprofits, unless [Options] gives its own. Payments use test tokens, as a
// real processor's test mode does: [TokenApprove], [TokenDecline],
// [TokenActionRequired] and [TokenUnknownOutcome].
//
// Test hooks play the parts a real platform plays on its own: the buyer
// completing an extra action ([Provider.CompleteAction]), the merchant
// shipping ([Provider.ShipOrder]) or restocking ([Provider.SetStock]), a
// hold lapsing ([Provider.LapseHold]), a refund failing after it was made
// ([Provider.FailRefund]), the buyer's bank disputing a payment
// ([Provider.Dispute], [Provider.EscalateDispute],
// [Provider.CloseDispute]), and the webhooks those send
// ([Provider.TakeDeliveries]).
//
// A Provider is safe for concurrent use by multiple goroutines. Nothing
// leaves the process: it holds no card data and moves no money.
package memory

import (
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Test payment tokens. Any other token is refused as
// provider.ErrInvalidRequest.
const (
	// TokenApprove authorizes and charges.
	TokenApprove = "tok_approve"
	// TokenDecline is declined with code "card_declined".
	TokenDecline = "tok_decline"
	// TokenActionRequired needs the buyer to complete an extra step (as 3-D
	// Secure); see [Provider.CompleteAction].
	TokenActionRequired = "tok_action_required"
	// TokenUnknownOutcome performs the operation but reports
	// provider.ErrUnknownOutcome on the first call with each idempotency
	// key, as a timeout after the request was sent would. A retry with the
	// same key learns the real result.
	TokenUnknownOutcome = "tok_unknown_outcome"
)

// DefaultWebhookTolerance is how far a delivery's signed timestamp may be
// from the provider's clock.
const DefaultWebhookTolerance = 5 * time.Minute

// Options configures a [Provider]. A nil *Options means all defaults.
type Options struct {
	// Currency of the catalog, shipping and test payments. Default USD.
	Currency money.Currency
	// Products replaces the demo catalog when non-nil.
	Products []Product
	// Nonprofits replaces the demo nonprofits when non-nil.
	Nonprofits []provider.Nonprofit
	// WebhookSecrets sign (the first) and verify (any) webhook deliveries,
	// so that tests can rotate secrets. Default: one fixed test secret.
	WebhookSecrets [][]byte
	// WebhookTolerance bounds the age of a delivery. Default
	// [DefaultWebhookTolerance].
	WebhookTolerance time.Duration
	// ChargeTerms replaces the default minimum charge and fee schedule
	// (see [DefaultChargeTerms]) when non-nil. Its amounts must be in
	// Currency. Its minimum is the least Authorize and Donate take.
	ChargeTerms *provider.ChargeTerms
	// ChargeUnit, when set, is a step coarser than Currency's minor unit
	// that payments and donations must be whole numbers of, as Stripe
	// charges KWD only in hundredths: anything else is refused as
	// provider.ErrInvalidRequest. The provider says so through
	// provider.ChargeUnits. Default: the minor unit.
	ChargeUnit money.Amount
	// TaxIncluded makes the catalog's prices include value-added tax, as
	// European shops' do: quotes say so (provider.Quote's TaxIncluded),
	// and their rate is the VAT of the address's country (see
	// [VATRates]) instead of a United States sales tax.
	TaxIncluded bool
	// Now is the provider's clock. Default time.Now. Tests pass a clock
	// they can move, to expire reservations without sleeping.
	Now func() time.Time
}

// Product is a catalog entry with its stock: how many units of each
// variant, by variant id, can be sold. Variant availability is derived from
// stock, so the Availability field of the variants is ignored.
type Product struct {
	provider.Product
	Stock map[string]int
}

// Provider is the in-memory platform. The zero value is not usable; call
// [New].
type Provider struct {
	currency  money.Currency
	unit      money.Amount // the step charges are made in
	vat       bool         // prices include VAT (Options.TaxIncluded)
	terms     provider.ChargeTerms
	secrets   [][]byte
	tolerance time.Duration
	now       func() time.Time

	mu           sync.Mutex
	products     map[string]*Product // by product id
	variants     map[string]variantRef
	onHand       map[string]int // by variant id: units not yet sold
	held         map[string]int // by variant id: units in live reservations
	reservations map[string]*reservation
	expiries     expiryQueue
	payments     map[string]*provider.Payment
	orders       map[string]*provider.Order
	nonprofits   map[string]provider.Nonprofit
	donations    map[string]*provider.Donation
	refunds      map[string]*refund    // by refund id
	refundsOf    map[string][]*refund  // by the refunded payment's or donation's id, oldest first
	disputes     map[string]*dispute   // by dispute id
	disputesOf   map[string][]*dispute // by the disputed payment's or donation's id
	monthly      map[string]*monthly
	idempotency  map[replayKey]*replay
	promotions   map[string]decimal.Decimal // by variant id: the fraction taken off
	codes        map[string]discountCode    // by code, in upper case: codes are case-insensitive
	outbox       []provider.Event
	stats        Stats
	seq          int
}

// variantRef locates a variant within its product.
type variantRef struct {
	product *Product
	index   int
}

// Stats counts what the provider did, each effect once however often it was
// requested: the numbers a test compares with what the library asked for.
type Stats struct {
	Reservations   int
	Authorizations int // payments created, approved or awaiting action
	Declines       int
	Captures       int
	Voids          int
	Refunds        int
	Orders         int
	Cancellations  int
	Donations      int // one-off and monthly, each month counted
	Withdrawals    int // donations withdrawn while they waited for the donor
}

// New returns a Provider with the given options.
func New(opts *Options) *Provider {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.Products == nil {
		o.Products = DemoProducts(o.Currency)
	}
	if o.Nonprofits == nil {
		o.Nonprofits = DemoNonprofits(o.Currency)
	}
	if o.WebhookSecrets == nil {
		o.WebhookSecrets = [][]byte{[]byte("whsec_memory_test_secret")}
	}
	if o.WebhookTolerance == 0 {
		o.WebhookTolerance = DefaultWebhookTolerance
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	terms := DefaultChargeTerms(o.Currency)
	if o.ChargeTerms != nil {
		terms = *o.ChargeTerms
	}
	p := &Provider{
		currency:     o.Currency,
		unit:         o.ChargeUnit,
		vat:          o.TaxIncluded,
		terms:        terms,
		secrets:      o.WebhookSecrets,
		tolerance:    o.WebhookTolerance,
		now:          o.Now,
		products:     map[string]*Product{},
		variants:     map[string]variantRef{},
		onHand:       map[string]int{},
		held:         map[string]int{},
		reservations: map[string]*reservation{},
		payments:     map[string]*provider.Payment{},
		orders:       map[string]*provider.Order{},
		nonprofits:   map[string]provider.Nonprofit{},
		donations:    map[string]*provider.Donation{},
		refunds:      map[string]*refund{},
		refundsOf:    map[string][]*refund{},
		disputes:     map[string]*dispute{},
		disputesOf:   map[string][]*dispute{},
		monthly:      map[string]*monthly{},
		idempotency:  map[replayKey]*replay{},
	}
	for i := range o.Products {
		prod := o.Products[i]
		prod.Variants = append([]provider.Variant(nil), prod.Variants...)
		p.products[prod.ID] = &prod
		for j, v := range prod.Variants {
			p.variants[v.ID] = variantRef{product: &prod, index: j}
			p.onHand[v.ID] = prod.Stock[v.ID]
		}
	}
	for _, n := range o.Nonprofits {
		p.nonprofits[n.ID] = n
	}
	return p
}

// Currency returns the currency the provider sells and charges in.
func (p *Provider) Currency() money.Currency { return p.currency }

// ChargeUnit implements provider.ChargeUnits: Options.ChargeUnit in its
// currency, else one minor unit.
func (p *Provider) ChargeUnit(c money.Currency) money.Amount {
	if c == p.currency && p.unit.Currency() == c {
		return p.unit
	}
	one, _ := money.FromMinor(1, c)
	return one
}

// MinimumCharge implements provider.MinimumCharges: the minimum of its
// charge terms (Options.ChargeTerms, or [DefaultChargeTerms]) in its
// currency. Authorize and Donate refuse less.
func (p *Provider) MinimumCharge(c money.Currency) (money.Amount, bool) {
	if c != p.currency {
		return money.Amount{}, false
	}
	return p.terms.Minimum, true
}

// Stats returns the counts of what the provider has done so far.
func (p *Provider) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// newID returns a fresh id with the given prefix: "pay_7". Ids are
// sequential so that examples and golden files are stable. p.mu is held.
func (p *Provider) newID(prefix string) string {
	p.seq++
	return prefix + "_" + strconv.Itoa(p.seq)
}

// emit queues a webhook event. p.mu is held.
func (p *Provider) emit(e provider.Event) {
	e.ID = p.newID("evt")
	e.OccurredAt = p.now().UTC().Truncate(time.Second)
	p.outbox = append(p.outbox, e)
}
