package providertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/buybutton/buybutton/provider/providertest"
)

// Each broken provider is the memory provider with one contract broken the
// way real integrations break it. The suite must fail the named check.
var broken = map[string]struct {
	wrap      func(*memory.Provider) any
	mustCatch []string // the checks that must fail, as subtest paths
}{
	"forgetful-payments": {
		wrap:      func(m *memory.Provider) any { return &forgetfulPayments{Provider: m} },
		mustCatch: []string{"Payments/AuthorizeReplaysWithSameKey"},
	},
	"overselling-inventory": {
		wrap:      func(m *memory.Provider) any { return &oversellingInventory{Provider: m, available: 5} },
		mustCatch: []string{"Inventory/ConcurrentReservationsNeverOversell"},
	},
	"uncapped-refunds": {
		wrap:      func(m *memory.Provider) any { return &uncappedRefunds{Provider: m} },
		mustCatch: []string{"Payments/RefundsNeverExceedCapture"},
	},
	"trusting-webhooks": {
		wrap:      func(m *memory.Provider) any { return &trustingWebhooks{Provider: m} },
		mustCatch: []string{"Webhooks/ChangedBodyIsRejected"},
	},
	"forgetful-monthly": {
		wrap:      func(m *memory.Provider) any { return &forgetfulMonthly{Provider: m} },
		mustCatch: []string{"MonthlyDonations/StartMonthlyChargesTheFirstMonthAndReplays"},
	},
	"key-expiring-payments": {
		wrap: func(m *memory.Provider) any { return &keyExpiringPayments{Provider: m} },
		mustCatch: []string{
			"Payments/AuthorizeRetriedAfterItsKeyIsForgottenHoldsOnce",
			"Payments/RefundRetriedAfterItsKeyIsForgottenRefundsOnce",
			"Donations/DonateRetriedAfterItsKeyIsForgottenGivesOnce",
		},
	},
	"unit-claiming-payments": {
		wrap: func(m *memory.Provider) any { return &unitClaiming{Provider: m} },
		mustCatch: []string{
			"Payments/AuthorizeTakesWholeChargeUnits",
			"Payments/RefundTakesWholeChargeUnits",
			"Donations/DonateTakesWholeChargeUnits",
			"Donations/DonationRefundTakesWholeChargeUnits",
		},
	},
	"minimum-claiming-payments": {
		wrap:      func(m *memory.Provider) any { return &minimumClaiming{Provider: m} },
		mustCatch: []string{"Payments/AuthorizeRefusesLessThanItsMinimumCharge"},
	},
	"code-ignoring-quotes": {
		wrap:      func(m *memory.Provider) any { return &codeIgnoring{Provider: m} },
		mustCatch: []string{"Quoter/QuoteReportsEachDiscountCode"},
	},
	"payment-demanding-orders": {
		wrap:      func(m *memory.Provider) any { return &paymentDemanding{Provider: m} },
		mustCatch: []string{"Orders/PlaceOrderWithNoPaymentWhenFree"},
	},
	"silently-coarse-payments": {
		wrap: func(m *memory.Provider) any { return &silentlyCoarse{Provider: m} },
		mustCatch: []string{
			"Payments/AuthorizeTakesWholeChargeUnits",
			"Donations/DonateTakesWholeChargeUnits",
		},
	},
	"answering-withdrawals": {
		wrap:      func(m *memory.Provider) any { return &answeringWithdrawals{Provider: m} },
		mustCatch: []string{"DonationWithdrawals/WithdrawnDonationChargesNothing", "DonationWithdrawals/WithdrawAMonthOnceItsMonthlyDonationIsCanceled"},
	},
	"timeout-as-failure": {
		wrap:      func(m *memory.Provider) any { return &timeoutAsFailure{Provider: m} },
		mustCatch: []string{"Payments/UnknownOutcomeResolvesOnRetry"},
	},
}

const brokenEnv = "PROVIDERTEST_BROKEN"

// TestSuiteCatchesBrokenProviders runs the suite against each broken
// provider in a child process (a failing suite fails its *testing.T, which
// cannot be observed from inside) and checks that the named check failed.
func TestSuiteCatchesBrokenProviders(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child process")
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProvider$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a provider with %s", name)
			}
			for _, check := range b.mustCatch {
				if want := "--- FAIL: TestBrokenProvider/" + check; !strings.Contains(string(out), want) {
					t.Fatalf("the suite did not fail %s for %s; output:\n%s", check, name, out)
				}
			}
		})
	}
}

// TestBrokenProvider is the child process's test: it runs the suite against
// the broken provider named in the environment.
func TestBrokenProvider(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenProviders")
	}
	b := broken[name]
	providertest.RunConformanceTests(t, func(context.Context, *testing.T) (providertest.Harness, error) {
		h := memharness.New("USD")
		h.Wrapped = b.wrap(h.Memory)
		if f, ok := h.Wrapped.(providertest.Forgetful); ok {
			return forgettingHarness{h, f}, nil
		}
		return h, nil
	})
}

// forgettingHarness is the memory harness over a platform that can be
// made to forget its keys.
type forgettingHarness struct {
	*memharness.Harness
	providertest.Forgetful
}

// forgetfulPayments ignores idempotency keys: every retry is a new charge.
type forgetfulPayments struct {
	*memory.Provider
	calls atomic.Int64
}

func (f *forgetfulPayments) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	req.IdempotencyKey = fmt.Sprint(req.IdempotencyKey, "#", f.calls.Add(1))
	return f.Provider.Authorize(ctx, req)
}

// keyExpiringPayments forgets its keys when told, as Stripe does after a
// day, and does not look for what an old key made before it charges or
// refunds again.
type keyExpiringPayments struct {
	*memory.Provider
	forgot atomic.Int64 // how often it forgot: part of every key it keeps
}

func (k *keyExpiringPayments) ForgetIdempotencyKeys() { k.forgot.Add(1) }

func (k *keyExpiringPayments) kept(key string) string { return fmt.Sprint(key, "#", k.forgot.Load()) }

func (k *keyExpiringPayments) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	req.IdempotencyKey = k.kept(req.IdempotencyKey)
	return k.Provider.Authorize(ctx, req)
}

func (k *keyExpiringPayments) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	req.IdempotencyKey = k.kept(req.IdempotencyKey)
	return k.Provider.Refund(ctx, req)
}

func (k *keyExpiringPayments) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	req.IdempotencyKey = k.kept(req.IdempotencyKey)
	return k.Provider.Donate(ctx, req)
}

// oversellingInventory checks stock and takes it in two steps, as a
// read-then-write against a database without a constraint would.
type oversellingInventory struct {
	*memory.Provider
	mu        sync.Mutex
	available int
}

func (o *oversellingInventory) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	o.mu.Lock()
	avail := o.available
	o.mu.Unlock()
	time.Sleep(100 * time.Microsecond) // a database round trip: others read the same count meanwhile
	q := req.Lines[0].Quantity
	if avail < q {
		return provider.Reservation{}, &provider.OutOfStockError{VariantID: req.Lines[0].VariantID, Requested: q, Available: avail}
	}
	o.mu.Lock()
	o.available = avail - q
	o.mu.Unlock()
	return provider.Reservation{ID: req.IdempotencyKey, Lines: req.Lines}, nil
}

// uncappedRefunds refunds whatever it is asked to.
type uncappedRefunds struct {
	*memory.Provider
	n atomic.Int64
}

func (u *uncappedRefunds) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	return provider.Refund{ID: fmt.Sprint("re_uncapped_", u.n.Add(1)), PaymentID: req.PaymentID, Amount: req.Amount}, nil
}

// trustingWebhooks parses deliveries without checking their signature.
type trustingWebhooks struct{ *memory.Provider }

func (trustingWebhooks) VerifyWebhook(ctx context.Context, header http.Header, body []byte) ([]provider.Event, error) {
	if header.Get(memory.SignatureHeader) == "" {
		return nil, provider.ErrWebhookSignature
	}
	var e provider.Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, provider.ErrInvalidRequest
	}
	return []provider.Event{e}, nil
}

// timeoutAsFailure reports a timeout after sending as a plain, retryable
// failure: the library would think no money moved.
type timeoutAsFailure struct{ *memory.Provider }

func (f timeoutAsFailure) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	p, err := f.Provider.Authorize(ctx, req)
	if errors.Is(err, provider.ErrUnknownOutcome) {
		return p, provider.ErrUnavailable
	}
	return p, err
}

// forgetfulMonthly ignores the idempotency key of StartMonthly: a retried
// request starts a second subscription and charges the first month twice.
type forgetfulMonthly struct {
	*memory.Provider
	calls atomic.Int64
}

func (f *forgetfulMonthly) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	req.IdempotencyKey = fmt.Sprint(req.IdempotencyKey, "#", f.calls.Add(1))
	return f.Provider.StartMonthly(ctx, req)
}

// answeringWithdrawals answers a withdrawal with the donation canceled
// and does not withdraw it, as an integration that takes "cancel
// requested" for done would: the donor's step later charges them.
type answeringWithdrawals struct{ *memory.Provider }

func (a *answeringWithdrawals) WithdrawDonation(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	d, err := a.Provider.Donation(ctx, req.DonationID)
	if err != nil || d.Status == provider.DonationSucceeded {
		return a.Provider.WithdrawDonation(ctx, req)
	}
	d.Status, d.NextAction = provider.DonationCanceled, nil
	return d, nil
}

// dimes is ten cents: the step of the two broken providers below.
var dimes = money.MustParse("0.10", "USD")

// unitClaiming declares that it charges USD in dimes, and charges cents
// all the same.
type unitClaiming struct{ *memory.Provider }

func (unitClaiming) ChargeUnit(money.Currency) money.Amount { return dimes }

// minimumClaiming declares a minimum charge of 1.00 USD, and holds 0.99
// all the same.
type minimumClaiming struct{ *memory.Provider }

func (minimumClaiming) MinimumCharge(money.Currency) (money.Amount, bool) {
	return money.MustParse("1.00", "USD"), true
}

// codeIgnoring quotes as if no code were asked, and says nothing of the
// codes: the buyer's code is neither applied nor refused.
type codeIgnoring struct{ *memory.Provider }

func (c codeIgnoring) Quote(ctx context.Context, req provider.QuoteRequest) (provider.Quote, error) {
	req.DiscountCodes = nil
	return c.Provider.Quote(ctx, req)
}

// paymentDemanding refuses every order without a payment, free ones too,
// as a platform whose order API was written for paid orders only does.
type paymentDemanding struct{ *memory.Provider }

func (p paymentDemanding) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	if req.PaymentID == "" {
		return provider.Order{}, fmt.Errorf("no payment: %w", provider.ErrInvalidRequest)
	}
	return p.Provider.PlaceOrder(ctx, req)
}

// silentlyCoarse charges USD only in dimes and does not declare it, so
// the library would compute totals in cents that it then refuses.
type silentlyCoarse struct{ *memory.Provider }

func (s silentlyCoarse) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	if !req.Amount.IsMultipleOf(dimes) {
		return provider.Payment{}, provider.ErrInvalidRequest
	}
	return s.Provider.Authorize(ctx, req)
}

func (s silentlyCoarse) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	if !req.Amount.IsMultipleOf(dimes) {
		return provider.Donation{}, provider.ErrInvalidRequest
	}
	return s.Provider.Donate(ctx, req)
}
