// Package faulty wraps a provider so that its calls fail the ways real
// platforms fail: refused before anything happened (unavailable, rate
// limited), or done but with the answer lost (a timeout, a connection
// reset: the unknown outcome). Tests use it to show that a checkout under
// such failures never loses a payment and never takes one twice.
//
// A [Provider] is safe for concurrent use by multiple goroutines when the
// provider it wraps is.
package faulty

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Fault is one way a call fails.
type Fault int

const (
	// Unavailable refuses the call before it reaches the platform:
	// provider.ErrUnavailable, nothing happened.
	Unavailable Fault = iota + 1
	// Timeout makes the call, then reports context.DeadlineExceeded as a
	// client whose deadline passed mid-call does: it happened, unknown to
	// the caller.
	Timeout
	// Lost makes the call, then reports provider.ErrUnknownOutcome.
	Lost
)

func (f Fault) String() string {
	switch f {
	case Unavailable:
		return "unavailable"
	case Timeout:
		return "timeout"
	case Lost:
		return "lost"
	}
	return "none"
}

// Options says how often calls fail and how.
type Options struct {
	// Rate is the chance, from 0 to 1, that a call fails.
	Rate float64
	// Faults are the ways a failing call fails, chosen at random; default
	// all three.
	Faults []Fault
	// Seed makes the failures repeatable.
	Seed uint64
}

// Provider forwards Inventory, Quoter, Orders, Payments, Donations,
// DonationWithdrawals, MonthlyDonations, MonthlyHistories,
// RefundHistories and DisputeHistories calls to the wrapped provider,
// failing some, and passes on its ChargeUnits and MinimumCharges. The
// wrapped value must implement every interface the Provider is used as;
// a call to one it lacks returns provider.ErrInvalidRequest.
type Provider struct {
	p      any
	opts   Options
	mu     sync.Mutex
	rng    *rand.Rand
	counts map[string]map[Fault]int
}

// Wrap returns p with faults injected.
func Wrap(p any, opts Options) *Provider {
	if len(opts.Faults) == 0 {
		opts.Faults = []Fault{Unavailable, Timeout, Lost}
	}
	return &Provider{p: p, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), counts: map[string]map[Fault]int{}}
}

// SetRate changes the chance that a call fails, e.g. to 0 to let a test
// settle what the faults left unknown.
func (f *Provider) SetRate(rate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Rate = rate
}

// Counts returns how many faults were injected, by operation and fault.
func (f *Provider) Counts() map[string]map[Fault]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]map[Fault]int, len(f.counts))
	for op, m := range f.counts {
		out[op] = make(map[Fault]int, len(m))
		for k, v := range m {
			out[op][k] = v
		}
	}
	return out
}

// ChargeUnit implements provider.ChargeUnits: the step the wrapped
// provider charges c in. It is a fact about the platform, not a call to
// it, so it never fails; without it, a wrapped platform that charges in a
// coarser step than the minor unit would be sent totals it refuses.
func (f *Provider) ChargeUnit(c money.Currency) money.Amount {
	return provider.ChargeUnit(f.p, c)
}

// MinimumCharge implements provider.MinimumCharges: the least the
// wrapped provider charges in c, a fact about the platform that never
// fails, like ChargeUnit.
func (f *Provider) MinimumCharge(c money.Currency) (money.Amount, bool) {
	return provider.MinimumCharge(f.p, c)
}

// pick decides whether the next call to op fails, and how.
func (f *Provider) pick(op string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rng.Float64() >= f.opts.Rate {
		return 0
	}
	fault := f.opts.Faults[f.rng.IntN(len(f.opts.Faults))]
	if f.counts[op] == nil {
		f.counts[op] = map[Fault]int{}
	}
	f.counts[op][fault]++
	return fault
}

// call runs do through the fault injector.
func call[I, T any](f *Provider, op string, do func(I) (T, error)) (T, error) {
	var zero T
	impl, ok := f.p.(I)
	if !ok {
		return zero, fmt.Errorf("faulty: %s: the wrapped provider does not implement it: %w", op, provider.ErrInvalidRequest)
	}
	fault := f.pick(op)
	if fault == Unavailable {
		return zero, fmt.Errorf("faulty: %s: injected: %w", op, provider.ErrUnavailable)
	}
	v, err := do(impl)
	switch {
	case fault == Timeout:
		return zero, fmt.Errorf("faulty: %s: injected: %w", op, context.DeadlineExceeded)
	case fault == Lost:
		return zero, fmt.Errorf("faulty: %s: injected: %w", op, provider.ErrUnknownOutcome)
	}
	return v, err
}

// Reserve implements provider.Inventory, failing some calls.
func (f *Provider) Reserve(ctx context.Context, req provider.ReserveRequest) (provider.Reservation, error) {
	return call(f, "reserve", func(p provider.Inventory) (provider.Reservation, error) { return p.Reserve(ctx, req) })
}

// ReleaseReservation implements provider.Inventory, failing some calls.
func (f *Provider) ReleaseReservation(ctx context.Context, id string) error {
	_, err := call(f, "release", func(p provider.Inventory) (struct{}, error) { return struct{}{}, p.ReleaseReservation(ctx, id) })
	return err
}

// Quote implements provider.Quoter, failing some calls.
func (f *Provider) Quote(ctx context.Context, req provider.QuoteRequest) (provider.Quote, error) {
	return call(f, "quote", func(p provider.Quoter) (provider.Quote, error) { return p.Quote(ctx, req) })
}

// PlaceOrder implements provider.Orders, failing some calls.
func (f *Provider) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	return call(f, "place_order", func(p provider.Orders) (provider.Order, error) { return p.PlaceOrder(ctx, req) })
}

// CancelOrder implements provider.Orders, failing some calls.
func (f *Provider) CancelOrder(ctx context.Context, req provider.CancelOrderRequest) (provider.Order, error) {
	return call(f, "cancel_order", func(p provider.Orders) (provider.Order, error) { return p.CancelOrder(ctx, req) })
}

// Order implements provider.Orders, failing some calls.
func (f *Provider) Order(ctx context.Context, id string) (provider.Order, error) {
	return call(f, "order", func(p provider.Orders) (provider.Order, error) { return p.Order(ctx, id) })
}

// Authorize implements provider.Payments, failing some calls.
func (f *Provider) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	return call(f, "authorize", func(p provider.Payments) (provider.Payment, error) { return p.Authorize(ctx, req) })
}

// Capture implements provider.Payments, failing some calls.
func (f *Provider) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	return call(f, "capture", func(p provider.Payments) (provider.Payment, error) { return p.Capture(ctx, req) })
}

// Void implements provider.Payments, failing some calls.
func (f *Provider) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	return call(f, "void", func(p provider.Payments) (provider.Payment, error) { return p.Void(ctx, req) })
}

// Refund implements provider.Payments, failing some calls.
func (f *Provider) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	return call(f, "refund", func(p provider.Payments) (provider.Refund, error) { return p.Refund(ctx, req) })
}

// Payment implements provider.Payments, failing some calls.
func (f *Provider) Payment(ctx context.Context, id string) (provider.Payment, error) {
	return call(f, "payment", func(p provider.Payments) (provider.Payment, error) { return p.Payment(ctx, id) })
}

var (
	_ provider.Inventory = (*Provider)(nil)
	_ provider.Quoter    = (*Provider)(nil)
	_ provider.Orders    = (*Provider)(nil)
	_ provider.Payments  = (*Provider)(nil)
)

// Nonprofits implements provider.Donations, failing some calls.
func (f *Provider) Nonprofits(ctx context.Context, ids []string) ([]provider.Nonprofit, error) {
	return call(f, "nonprofits", func(p provider.Donations) ([]provider.Nonprofit, error) { return p.Nonprofits(ctx, ids) })
}

// ChargeTerms implements provider.Donations, failing some calls.
func (f *Provider) ChargeTerms(ctx context.Context, c money.Currency) (provider.ChargeTerms, error) {
	return call(f, "charge_terms", func(p provider.Donations) (provider.ChargeTerms, error) { return p.ChargeTerms(ctx, c) })
}

// Donate implements provider.Donations, failing some calls.
func (f *Provider) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	return call(f, "donate", func(p provider.Donations) (provider.Donation, error) { return p.Donate(ctx, req) })
}

// RefundDonation implements provider.Donations, failing some calls.
func (f *Provider) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	return call(f, "refund_donation", func(p provider.Donations) (provider.Refund, error) { return p.RefundDonation(ctx, req) })
}

// Donation implements provider.Donations, failing some calls.
func (f *Provider) Donation(ctx context.Context, id string) (provider.Donation, error) {
	return call(f, "donation", func(p provider.Donations) (provider.Donation, error) { return p.Donation(ctx, id) })
}

// WithdrawDonation implements provider.DonationWithdrawals, failing some
// calls.
func (f *Provider) WithdrawDonation(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	return call(f, "withdraw_donation", func(p provider.DonationWithdrawals) (provider.Donation, error) { return p.WithdrawDonation(ctx, req) })
}

// StartMonthly implements provider.MonthlyDonations, failing some calls.
func (f *Provider) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	return call(f, "start_monthly", func(p provider.MonthlyDonations) (provider.MonthlyDonation, error) { return p.StartMonthly(ctx, req) })
}

// CancelMonthly implements provider.MonthlyDonations, failing some calls.
func (f *Provider) CancelMonthly(ctx context.Context, id string) (provider.MonthlyDonation, error) {
	return call(f, "cancel_monthly", func(p provider.MonthlyDonations) (provider.MonthlyDonation, error) { return p.CancelMonthly(ctx, id) })
}

// Monthly implements provider.MonthlyDonations, failing some calls.
func (f *Provider) Monthly(ctx context.Context, id string) (provider.MonthlyDonation, error) {
	return call(f, "monthly", func(p provider.MonthlyDonations) (provider.MonthlyDonation, error) { return p.Monthly(ctx, id) })
}

// RefundsMade implements provider.RefundHistories, failing some calls.
func (f *Provider) RefundsMade(ctx context.Context, id string) ([]provider.ListedRefund, error) {
	return call(f, "refunds_made", func(p provider.RefundHistories) ([]provider.ListedRefund, error) { return p.RefundsMade(ctx, id) })
}

// DisputesOf implements provider.DisputeHistories, failing some calls.
func (f *Provider) DisputesOf(ctx context.Context, id string) ([]provider.Event, error) {
	return call(f, "disputes_of", func(p provider.DisputeHistories) ([]provider.Event, error) { return p.DisputesOf(ctx, id) })
}

// MonthsCharged implements provider.MonthlyHistories, failing some calls.
func (f *Provider) MonthsCharged(ctx context.Context, id string) ([]string, error) {
	return call(f, "months_charged", func(p provider.MonthlyHistories) ([]string, error) { return p.MonthsCharged(ctx, id) })
}
