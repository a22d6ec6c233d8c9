package provider

import (
	"context"

	"github.com/buybutton/buybutton/money"
)

// Donations lists nonprofits and takes one-off donations for them. A
// donation is charged at once (there is no separate capture) and may be
// refunded, idempotently, never above what was given.
type Donations interface {
	// Nonprofits returns the nonprofits with the given ids, in any order,
	// leaving out ids the provider does not know.
	Nonprofits(ctx context.Context, ids []string) ([]Nonprofit, error)

	// Donate charges Amount to Token for the nonprofit. Outcomes are those
	// of [Payments.Authorize]: a succeeded Donation; one in
	// [DonationRequiresAction] with NextAction set; a [*DeclineError]; or
	// [ErrUnknownOutcome]. A nonprofit that is not verified, or does not
	// accept the currency, is [ErrInvalidRequest].
	Donate(ctx context.Context, req DonateRequest) (Donation, error)

	// RefundDonation returns Amount of a succeeded donation, under the
	// rules of [Payments.Refund].
	RefundDonation(ctx context.Context, req RefundDonationRequest) (Refund, error)

	// Donation returns a donation's current state.
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

// DonateRequest gives money to a nonprofit.
type DonateRequest struct {
	IdempotencyKey string
	NonprofitID    string
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
	DonationID     string
	Amount         money.Amount
	Reason         string
}

// Donation is a donation as the provider holds it.
type Donation struct {
	ID          string
	NonprofitID string
	Status      DonationStatus
	Amount      money.Amount
	Refunded    money.Amount
	NextAction  *NextAction
}

// DonationStatus is where a donation is in its lifecycle.
type DonationStatus string

const (
	DonationRequiresAction DonationStatus = "requires_action"
	DonationSucceeded      DonationStatus = "succeeded"
	DonationFailed         DonationStatus = "failed"
)
