// Package providertest is the conformance suite for buybutton providers.
//
// A provider author writes a small [Harness] for their implementation and
// calls [RunConformanceTests] from a test:
//
//	func TestConformance(t *testing.T) {
//		providertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
//			return newHarness(ctx, t)
//		})
//	}
//
// The suite checks every contract in package provider for each interface
// the provider implements, and skips, by name, the interfaces it does not
// implement and the checks its harness cannot drive (a clock it cannot
// move, a webhook it cannot sign). Each check gets a fresh harness, so
// checks never see each other's stock or payments.
package providertest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Harness gives the suite one provider under test and the means to drive
// it. A harness is used by one check at a time, but the provider it returns
// is called from many goroutines.
type Harness interface {
	// Provider returns the provider under test: a value implementing any
	// of provider.Catalog, Inventory, Quoter, Orders, Payments, Donations,
	// MonthlyDonations, DonationWithdrawals and Webhooks.
	Provider() any

	// Fixtures describes the data the provider was set up with.
	Fixtures() Fixtures

	// Advance moves the provider's clock forward by d, for reservation
	// expiry and webhook tolerance checks. It returns false if the
	// provider's clock cannot be moved; those checks are then skipped.
	Advance(d time.Duration) bool

	// SignDelivery returns a webhook delivery (headers and raw body) that
	// carries event e, signed with the provider's secret as the platform
	// would sign it at signedAt. The suite asks for an event of a kind the
	// platform sends, by the interfaces the provider implements: a
	// payment captured (Payments), a donation failed (Donations), an order
	// canceled (Orders) or, for a catalog alone, a product changed. It
	// returns ok false if the harness cannot make deliveries; the webhook
	// checks are then skipped.
	SignDelivery(e provider.Event, signedAt time.Time) (header http.Header, body []byte, ok bool)

	// CompleteAction plays the buyer finishing (succeed true) or abandoning
	// the extra action on a payment or donation that requires one. It
	// returns false if the harness cannot; that check is then skipped.
	CompleteAction(ctx context.Context, id string, succeed bool) bool

	// Now returns the provider's current time.
	Now() time.Time

	// Close releases the harness's resources.
	Close()
}

// Limited is implemented by a harness whose platform cannot exercise some
// checks at all: a stateless simulator such as stripe-mock answers every
// request with the same fixture, so no check of state can pass or fail
// on it. Those checks are skipped with the harness's reason, so that the
// test output says which contracts were not exercised and why.
type Limited interface {
	// CannotExercise maps a check's path within the suite, such as
	// "Payments/CaptureFullOnce", to the reason it cannot be exercised.
	CannotExercise() map[string]string
}

// Forgetful is implemented by a harness whose platform forgets
// idempotency keys after a while, as Stripe does after 24 hours, and can
// be made to forget them at once. The checks of a request retried after
// its key was forgotten (package provider, "Keys a platform forgets") run
// only on such a harness: a platform that never forgets a key needs
// nothing more than its replay.
type Forgetful interface {
	// ForgetIdempotencyKeys makes the platform forget every key sent to it
	// so far, as if a day had passed.
	ForgetIdempotencyKeys()
}

// sameAfterForgetting sends a request (send returns what it made), has
// the platform forget its key, and sends it again: the second answer must
// be what the first made, not twice, which names what a second would be.
// A harness that is not Forgetful skips the check.
func sameAfterForgetting[P any](t *testing.T, e env[P], twice string, send func() (string, error)) {
	t.Helper()
	f, ok := e.h.(Forgetful)
	if !ok {
		t.Skip("the harness does not implement Forgetful: its platform is taken to keep keys for as long as the library retries")
	}
	first, err := send()
	if err != nil {
		t.Fatalf("first try: %v", err)
	}
	f.ForgetIdempotencyKeys()
	again, err := send()
	if err != nil || again != first {
		t.Fatalf("retried after its key was forgotten: %q, %v; want %q again, not %s", again, err, first, twice)
	}
}

// dayOld is the KeyCreatedAt of a request retried after its platform
// may have forgotten its key.
func dayOld(h Harness) time.Time { return h.Now().Add(-25 * time.Hour) }

// HarnessMaker makes a fresh harness for one check.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// Fixtures is the data a harness's provider starts with. Fields for
// interfaces the provider does not implement may be left empty.
type Fixtures struct {
	// Currency is the currency of the catalog and of test payments.
	Currency money.Currency

	// ProductID is a product with StockedVariantID among its variants.
	ProductID string
	// StockedVariantID has exactly Stock units available, 2 <= Stock <= 500.
	StockedVariantID string
	Stock            int
	// SoldOutVariantID is a variant with no stock. Optional.
	SoldOutVariantID string
	// ShipTo is an address the provider ships the fixtures to.
	ShipTo provider.Address
	// DiscountCode is a code that takes something off StockedVariantID's
	// lines in a quote. Optional: without it, only an unknown code's
	// report is checked.
	DiscountCode string

	// Payment tokens. TokenUnknownOutcome makes the first call with a given
	// idempotency key perform the operation but report
	// provider.ErrUnknownOutcome, as a timeout after sending would; leave it
	// empty if the harness cannot simulate that.
	TokenApprove        string
	TokenDecline        string
	TokenActionRequired string
	TokenUnknownOutcome string

	// NonprofitID is a verified nonprofit accepting Currency;
	// UnverifiedNonprofitID one that is not verified (optional).
	NonprofitID           string
	UnverifiedNonprofitID string
}

// RunConformanceTests runs every check against fresh harnesses from
// newHarness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	t.Run("Catalog", func(t *testing.T) { runCatalog(t, newHarness) })
	t.Run("Inventory", func(t *testing.T) { runInventory(t, newHarness) })
	t.Run("Quoter", func(t *testing.T) { runQuoter(t, newHarness) })
	t.Run("Orders", func(t *testing.T) { runOrders(t, newHarness) })
	t.Run("Payments", func(t *testing.T) { runPayments(t, newHarness) })
	t.Run("Donations", func(t *testing.T) { runDonations(t, newHarness) })
	t.Run("MonthlyDonations", func(t *testing.T) { runMonthly(t, newHarness) })
	t.Run("DonationWithdrawals", func(t *testing.T) {
		runWithdrawals(t, newHarness)
		runMonthlyWithdrawals(t, newHarness)
	})
	t.Run("Webhooks", func(t *testing.T) { runWebhooks(t, newHarness) })
}

// check is one contract check, run against a fresh harness.
type check[P any] struct {
	name string
	run  func(t *testing.T, e env[P])
}

// env is what a check gets: the harness, the provider as the interface
// under test, its fixtures and a context.
type env[P any] struct {
	h   Harness
	p   P
	fx  Fixtures
	ctx context.Context
}

// runChecks runs each check with a fresh harness whose provider implements
// P, and skips them all, by name, if it does not.
func runChecks[P any](t *testing.T, newHarness HarnessMaker, checks []check[P]) {
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			h, err := newHarness(ctx, t)
			if err != nil {
				t.Fatalf("making harness: %v", err)
			}
			t.Cleanup(h.Close)
			if why := cannotExercise(h, t.Name()); why != "" {
				t.Skip(why)
			}
			p, ok := h.Provider().(P)
			if !ok {
				t.Skipf("provider %T does not implement %T", h.Provider(), (*P)(nil))
			}
			c.run(t, env[P]{h: h, p: p, fx: h.Fixtures(), ctx: ctx})
		})
	}
}

// cannotExercise returns the harness's reason for not exercising the check
// named name (a test name ending in the check's path), or "".
func cannotExercise(h Harness, name string) string {
	l, ok := h.(Limited)
	if !ok {
		return ""
	}
	for path, why := range l.CannotExercise() {
		if strings.HasSuffix(name, "/"+path) {
			return "cannot be exercised: " + why
		}
	}
	return ""
}

// units returns n minor units of c: units(t, 100, "USD") is 1.00 USD.
// Checks use multiples of 10 minor units: Stripe, for one, charges
// three-decimal currencies only in those, and an amount a platform cannot
// take would fail a check for the wrong reason.
func units(t *testing.T, n int64, c money.Currency) money.Amount {
	t.Helper()
	a, err := money.FromMinor(n, c)
	if err != nil {
		t.Fatalf("fixture currency %q: %v", c, err)
	}
	return a
}

// runID makes keys unique across runs, for platforms that remember keys
// between test runs (Stripe keeps them for 24 hours).
var runID = uuid.NewString()[:8]

// key returns an idempotency key unique to this run, check and label.
func key(t *testing.T, label string) string {
	return runID + "/" + t.Name() + "/" + label
}
