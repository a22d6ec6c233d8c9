package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
)

// Donations lists nonprofits and takes one-off donations for them. A
// donation is charged at once (there is no separate capture) and may be
// refunded, idempotently, never above what was given.
type Donations interface {
	// Nonprofits returns the nonprofits with the given ids, in any order,
	// leaving out ids the provider does not know.
	Nonprofits(ctx context.Context, ids []string) ([]Nonprofit, error)

	// ChargeTerms returns what charging in a currency costs: the smallest
	// amount the provider charges, and the processing fee it keeps of a
	// donation. The library validates amounts against the first and grosses
	// up a fee the donor chooses to cover with the second. A currency the
	// provider does not charge in is [ErrInvalidRequest].
	ChargeTerms(ctx context.Context, currency money.Currency) (ChargeTerms, error)

	// Donate charges Amount to Token for the nonprofit. Outcomes are those
	// of [Payments.Authorize]: a succeeded Donation; one in
	// [DonationRequiresAction] with NextAction set; a [*DeclineError]; or
	// [ErrUnknownOutcome]. A nonprofit that is not verified, or does not
	// accept the currency, and an amount below the minimum of
	// [Donations.ChargeTerms], are [ErrInvalidRequest]. The answer's
	// Amount is what was charged: the library records no gift of another
	// amount than it asked for, and refunds it.
	Donate(ctx context.Context, req DonateRequest) (Donation, error)

	// RefundDonation returns Amount of a succeeded donation, under the
	// rules of [Payments.Refund].
	RefundDonation(ctx context.Context, req RefundDonationRequest) (Refund, error)

	// Donation returns a donation's current state, by its id or, where
	// the donation's payment is another object (Donation.PaymentID), by
	// the payment's id: a platform's refund and dispute events of a month
	// may name only the payment (Stripe's, the PaymentIntent of the
	// subscription's invoice), and the library asks which month it paid.
	// An id of neither is [ErrNotFound].
	Donation(ctx context.Context, donationID string) (Donation, error)
}

// Nonprofit is an organisation that can receive donations.
type Nonprofit struct {
	ID           string
	Name         string
	Registration string // e.g. "EIN 12-3456789"; what a receipt cites
	Verified     bool   // only verified nonprofits get Donate cards
	LogoURL      string // https, or empty
	Currencies   []money.Currency
}

// Clone returns a copy of n with its own Currencies.
func (n Nonprofit) Clone() Nonprofit {
	n.Currencies = slices.Clone(n.Currencies)
	return n
}

// ChargeTerms are a provider's minimum charge and fee schedule in one
// currency: the fee on a charge of x is FeeRate*x + FeeFixed, rounded to
// minor units with FeeRounding. Stripe's standard US card pricing, for
// example, is FeeRate 0.029 and FeeFixed 0.30 USD.
type ChargeTerms struct {
	Minimum     money.Amount       // the smallest amount charged; positive, in minor units
	FeeRate     decimal.Decimal    // the fraction of the amount kept: 0 <= FeeRate < 0.5
	FeeFixed    money.Amount       // kept per charge, in minor units; may be zero
	FeeRounding money.RoundingMode // how the fee is rounded to minor units
	// Unit is the step the platform charges the currency in, where it is
	// coarser than the minor unit (see [ChargeUnits]); the zero Amount
	// means one minor unit.
	Unit money.Amount
}

// Step returns the step charges in c are made in: Unit, or one minor unit
// of c when Unit is not set.
func (t ChargeTerms) Step(c money.Currency) money.Amount {
	if t.Unit.Currency() != "" {
		return t.Unit
	}
	one, _ := money.FromMinor(1, c)
	return one
}

// Fee returns what the provider keeps of a charge of amount.
func (t ChargeTerms) Fee(amount money.Amount) (money.Amount, error) {
	if !t.FeeRounding.Valid() {
		return money.Amount{}, fmt.Errorf("provider: fee rounding %v: %w", t.FeeRounding, ErrInvalidRequest)
	}
	return amount.Mul(t.FeeRate).Round(t.FeeRounding).Add(t.FeeFixed)
}

// Validate reports whether the terms are usable for currency c: the
// amounts in c and in minor units, a positive minimum, a rate in [0, 0.5),
// a defined rounding mode, and a charge unit (if set) that is one and
// divides the minimum.
func (t ChargeTerms) Validate(c money.Currency) error {
	switch {
	case t.Minimum.Currency() != c || t.FeeFixed.Currency() != c:
		return fmt.Errorf("provider: charge terms in %s and %s for %s: %w", t.Minimum.Currency(), t.FeeFixed.Currency(), c, ErrInvalidRequest)
	case !t.Minimum.IsPositive() || !t.Minimum.IsRounded():
		return fmt.Errorf("provider: minimum charge %s is not a positive amount in minor units: %w", t.Minimum, ErrInvalidRequest)
	case t.FeeFixed.IsNegative() || !t.FeeFixed.IsRounded():
		return fmt.Errorf("provider: fixed fee %s is not an amount in minor units: %w", t.FeeFixed, ErrInvalidRequest)
	case t.FeeRate.IsNegative() || t.FeeRate.Cmp(decimal.New(5, -1)) >= 0:
		return fmt.Errorf("provider: fee rate %s is outside [0, 0.5): %w", t.FeeRate, ErrInvalidRequest)
	case !t.FeeRounding.Valid():
		return fmt.Errorf("provider: fee rounding %v: %w", t.FeeRounding, ErrInvalidRequest)
	}
	if err := money.CheckUnit(t.Step(c), c); err != nil {
		return fmt.Errorf("provider: charge unit %s for %s: %w: %w", t.Unit, c, ErrInvalidRequest, err)
	}
	if !t.Minimum.IsMultipleOf(t.Step(c)) {
		return fmt.Errorf("provider: minimum charge %s is not a whole number of the unit %s: %w", t.Minimum, t.Unit, ErrInvalidRequest)
	}
	return nil
}

// DonateRequest gives money to a nonprofit.
type DonateRequest struct {
	IdempotencyKey string
	// KeyCreatedAt is when the library made IdempotencyKey, as on
	// [AuthorizeRequest].
	KeyCreatedAt time.Time
	NonprofitID  string
	// Amount is what the donor is charged, fee cover included.
	Amount money.Amount
	Token  string
	// Donor is what the donor chose to share with the nonprofit; empty
	// fields when anonymous.
	Donor     Contact
	Message   string
	ReturnURL string
	Metadata  map[string]string
}

// RefundDonationRequest returns money from a donation.
type RefundDonationRequest struct {
	IdempotencyKey string
	// KeyCreatedAt is when the library made IdempotencyKey, as on
	// [AuthorizeRequest].
	KeyCreatedAt time.Time
	DonationID   string
	Amount       money.Amount
	Reason       string
}

// Donation is a donation as the provider holds it.
type Donation struct {
	ID          string
	NonprofitID string
	MonthlyID   string // set when the donation is one month of a MonthlyDonation
	// PaymentID is the platform's payment behind the donation when that
	// is another object than ID, and the platform's refund events name it
	// rather than ID (Stripe: the PaymentIntent of a monthly donation's
	// invoice). Empty when ID is the payment.
	PaymentID  string
	Status     DonationStatus
	Amount     money.Amount
	Refunded   money.Amount
	NextAction *NextAction
}

// DonationStatus is where a donation is in its lifecycle.
type DonationStatus string

const (
	DonationRequiresAction DonationStatus = "requires_action"
	DonationSucceeded      DonationStatus = "succeeded"
	DonationFailed         DonationStatus = "failed"
	// DonationCanceled: withdrawn before it charged
	// ([DonationWithdrawals]), or canceled on the platform. Like a failed
	// donation, it took nothing.
	DonationCanceled DonationStatus = "canceled"
)

// DonationWithdrawals is the optional capability of withdrawing a
// donation that waits for the donor's action, so that it never charges
// (Stripe: canceling its PaymentIntent, at no cost, where a refund of a
// charge may cost a fee: https://docs.stripe.com/refunds). Providers that
// have it implement it beside [Donations].
//
// The library withdraws a donation whose checkout gives it up while it
// waits: the checkout expired or was canceled, or the donor chose another
// payment method. Without the capability such a donation is left waiting,
// and if the donor completes it later, the library refunds it: the donor
// sees a charge and its refund, and the nonprofit may pay the fee.
type DonationWithdrawals interface {
	// WithdrawDonation ends a donation in [DonationRequiresAction]
	// without charging it, and answers it in [DonationCanceled]: the
	// donor's action afterwards charges nothing. A month of a monthly
	// donation is withdrawn only once its monthly donation is canceled
	// (Stripe: voiding the invoice of a canceled subscription); before, it
	// is [ErrInvalidState]: cancel the monthly donation first. Withdrawing
	// a donation that is canceled or failed changes nothing and answers it
	// so (in either state). A succeeded donation is [ErrInvalidState]
	// (refund it instead). It is idempotent by its key. The library
	// believes a withdrawal only from a donation answered canceled or
	// failed; any other answer is taken for an outcome not known yet.
	WithdrawDonation(ctx context.Context, req WithdrawDonationRequest) (Donation, error)
}

// WithdrawDonationRequest withdraws a donation waiting for its donor.
type WithdrawDonationRequest struct {
	IdempotencyKey string
	DonationID     string
}

// MonthlyDonations is the optional capability of giving every month, as a
// subscription on the platform (Stripe Billing, for example). Providers
// that have it implement it beside [Donations].
//
// Renewals happen on the platform's schedule, not the library's: each is
// reported by webhook, as [EventDonationSucceeded] or
// [EventDonationFailed] with MonthlyID set, and [EventMonthlyCanceled]
// when the platform gives up on a monthly donation (after failed renewals)
// or the donor cancels it there.
type MonthlyDonations interface {
	// StartMonthly charges the first month at once, with the outcomes of
	// [Donations.Donate] (the First donation says which), and charges
	// Amount again every month on the same day of the month (the last day,
	// in months without it). A first charge that is declined starts
	// nothing: the error is a [*DeclineError]. It is idempotent like
	// Donate.
	StartMonthly(ctx context.Context, req DonateRequest) (MonthlyDonation, error)

	// CancelMonthly stops future charges; charges already made stay. It is
	// idempotent: canceling a canceled monthly donation returns it.
	CancelMonthly(ctx context.Context, monthlyID string) (MonthlyDonation, error)

	// Monthly returns a monthly donation's current state.
	Monthly(ctx context.Context, monthlyID string) (MonthlyDonation, error)
}

// MonthlyHistories is the optional capability of listing the months a
// monthly donation charged. Providers that have it implement it beside
// [MonthlyDonations]. A platform stops re-sending a webhook after a while
// (Stripe after three days): the library reads the months back
// (buybutton's Client.ReconcileMonthly) and records each it has no record
// of, as its [EventDonationSucceeded] would have been recorded.
type MonthlyHistories interface {
	// MonthsCharged returns the ids of monthly donation monthlyID's months
	// that succeeded, the first month's among them, oldest first: each an
	// id [Donations.Donation] answers by. An unknown monthly donation is
	// [ErrNotFound].
	MonthsCharged(ctx context.Context, monthlyID string) ([]string, error)
}

// MonthlyDonation is a recurring donation as the provider holds it.
type MonthlyDonation struct {
	ID          string
	NonprofitID string
	Status      MonthlyStatus
	Amount      money.Amount // charged each month
	First       Donation     // the first month's charge
	// NextChargeAt is when the next month is charged; zero once canceled.
	NextChargeAt time.Time
}

// MonthlyStatus is where a monthly donation is.
type MonthlyStatus string

const (
	// MonthlyIncomplete: the first charge waits for the donor's action.
	MonthlyIncomplete MonthlyStatus = "incomplete"
	MonthlyActive     MonthlyStatus = "active"
	// MonthlyPastDue: the last renewal failed; the platform retries.
	MonthlyPastDue  MonthlyStatus = "past_due"
	MonthlyCanceled MonthlyStatus = "canceled"
)
