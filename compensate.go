package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Undoing an attempt: what a placement or donation attempt holds or took
// when it ends without an order or a recorded gift (declined, refused,
// expired, canceled, or given up for another payment method) is given
// back before the checkout moves on. The hold is voided (a payment
// captured meanwhile is refunded), the reservation released, a gift
// withdrawn or refunded and its monthly donation canceled, each with keys
// derived from the attempt, so that a retry after a failure repeats the
// same requests harmlessly. Compensation owed is committed before it is
// made (Checkout.Compensating), so maintenance finishes what a crash
// interrupts.

// The CheckoutError codes of an attempt the buyer gave up while it waited
// for their action: for another payment method, or to edit the checkout.
// Neither is a failure to tell the buyer of.
const (
	codeSwitched = "payment_switched"
	codeEdited   = "checkout_edited"
)

// givenUp reports whether e is the code of an attempt the buyer gave up.
func (e *CheckoutError) givenUp() bool {
	return e != nil && (e.Code == codeSwitched || e.Code == codeEdited)
}

// undoingGivenUp reports whether co owes the undo of an attempt the buyer
// gave up, which could not finish: resuming it finishes the undo and
// nothing else.
func (co *Checkout) undoingGivenUp() bool {
	return co.State == CheckoutUnknown && co.Compensating && co.LastError.givenUp()
}

// giveUpWaiting undoes an attempt whose payment (or donation) waits for
// the buyer's action, or failed, because the buyer confirmed with another
// payment method (switchRun) or edits the checkout (editRun): the payment
// is voided (a donation withdrawn, or given back by returnLateGift if it
// cannot be and succeeds later) and the stock released, the checkout is
// ready again, and errRetry sends the caller's confirm on to an attempt
// with the new method, or its edit on.
func (c *Client) giveUpWaiting(ctx context.Context, m Merchant, co *Checkout, run attemptRun, actor string) error {
	co.Compensating = true
	co.LastError = &CheckoutError{Code: codeSwitched, Message: "You chose another payment method; the first was released."}
	if run == editRun {
		co.LastError = &CheckoutError{Code: codeEdited, Message: "You changed the checkout; its payment was released. Confirm again."}
	}
	return c.compensateAndReport(ctx, m, co, co.readyState(), actor, errRetry)
}

// compensateAndReport commits that compensation is owed (when a payment is
// held) before making it, then returns cause, or the compensation's error.
func (c *Client) compensateAndReport(ctx context.Context, m Merchant, co *Checkout, to CheckoutState, actor string, cause error) error {
	if co.Compensating {
		if err := c.commitCheckout(ctx, co, CheckoutPaymentPending, CheckoutPaymentPending, "compensating: "+co.LastError.Code, actor, func(tx *Tx) {
			if co.Gift != nil && co.PaymentID != "" {
				// A donation waiting for the donor's action may not be
				// withdrawn (a provider without withdrawals, or the
				// donor's step taken during the undo); indexed, its
				// success, if it comes, finds the checkout, which gives
				// it back (returnLateGift).
				tx.Refs = append(tx.Refs, RefEntry{Ref: paymentRef(m.ID, co.PaymentID), ID: co.ID})
			}
		}); err != nil {
			return lostClaim(err)
		}
	}
	if err := c.compensate(ctx, m, co, to, actor); err != nil {
		return err
	}
	return cause
}

// compensate voids the attempt's payment and releases its reservation, then
// moves the checkout to to.
func (c *Client) compensate(ctx context.Context, m Merchant, co *Checkout, to CheckoutState, actor string) error {
	if err := c.undoHolds(ctx, m, co); err != nil {
		return c.toUnknown(ctx, co, "void", err, actor)
	}
	if co.LastError == nil {
		co.LastError = &CheckoutError{Code: "refused", Message: "The order could not be placed."}
	}
	from := co.State
	reason := "attempt ended: " + co.LastError.Code
	return lostClaim(c.commitCheckout(ctx, co, from, to, reason, actor, func(tx *Tx) {
		tx.Events = append(tx.Events, c.checkoutEvent(EventPaymentFailed, co))
	}))
}

// releasePayment gives a payment's money back: it voids the hold, and a
// payment that is already failed or voided needs nothing. A payment that
// somehow got captured (on the merchant's dashboard) is refunded in full,
// so that compensation never leaves money taken (allGivenBack). The
// calls' keys derive from co's attempt.
func releasePayment(ctx context.Context, m Merchant, co *Checkout, paymentID string) error {
	key := co.key("void")
	captured, err := voidPayment(ctx, m, key, paymentID)
	if err != nil || captured == nil {
		return err
	}
	left, err := captured.Captured.Sub(captured.Refunded)
	if err != nil || !left.IsPositive() {
		return err
	}
	r, err := m.Payments.Refund(ctx, provider.RefundRequest{IdempotencyKey: releaseKey(key, left), KeyCreatedAt: co.AttemptedAt, PaymentID: paymentID, Amount: left, Reason: "order not placed"})
	return allGivenBack(r, err, left)
}

// allGivenBack checks that a refund of left, all that was left of a
// payment or a donation no one records, was answered of that amount. One
// answered of another amount has not given it all back: the outcome is
// not settled, and the next try reads what is left and refunds the rest
// under a key of its own (releaseKey).
func allGivenBack(r provider.Refund, err error, left money.Amount) error {
	if err == nil && !r.Amount.Equal(left) {
		err = fmt.Errorf("%w: refund %s answered of %s, %s asked: what is left is asked again", ErrUnknownOutcome, r.ID, r.Amount, left)
	}
	return err
}

// releaseKey is the key of the refund that gives back what is left of a
// payment a compensation could not void: the void's key and the amount.
// A retry that finds the same amount left sends the same refund again;
// one that finds less (refunded meanwhile, on the merchant's dashboard)
// sends a refund of its own, which a platform keeping the first key with
// its first amount (as Stripe does for 24 hours, failed requests too)
// would otherwise refuse as a conflict at every retry. The platform's
// refunds can never together exceed the capture, so two keys cannot
// give back more than was taken.
func releaseKey(key string, left money.Amount) string {
	return key + ":refund:" + left.Number()
}

// voidPayment voids a held payment with key. A void answered with the
// payment in any state but voided has not released it yet: that is
// ErrUnknownOutcome. A payment the platform will not void because it is
// failed or voided already needs nothing; one it will not void because it
// was captured is returned, for the caller to give back; any other state
// is provider.ErrInvalidState.
func voidPayment(ctx context.Context, m Merchant, key, paymentID string) (captured *provider.Payment, err error) {
	voided, err := m.Payments.Void(ctx, provider.VoidRequest{IdempotencyKey: key, PaymentID: paymentID})
	switch {
	case err == nil && voided.Status == provider.PaymentVoided, errors.Is(err, provider.ErrNotFound):
		return nil, nil
	case err == nil:
		return nil, fmt.Errorf("%w: payment %s answered a void as %s", ErrUnknownOutcome, paymentID, voided.Status)
	case !errors.Is(err, provider.ErrInvalidState):
		return nil, err
	}
	pay, err := m.Payments.Payment(ctx, paymentID)
	if err != nil {
		return nil, fmt.Errorf("reading the payment it cannot void: %w", err)
	}
	switch pay.Status {
	case provider.PaymentFailed, provider.PaymentVoided:
		return nil, nil
	case provider.PaymentCaptured:
		return &pay, nil
	}
	return nil, fmt.Errorf("buybutton: payment %s is %s and cannot be voided: %w", paymentID, pay.Status, provider.ErrInvalidState)
}

// undoHolds voids the attempt's payment, if it has one, and releases its
// reservation, then forgets both. Failing to release is not fatal: the
// reservation's TTL gives the stock back anyway. Failing to void is, and
// leaves the checkout as it was.
func (c *Client) undoHolds(ctx context.Context, m Merchant, co *Checkout) error {
	switch {
	case co.PaymentID != "" && co.Gift != nil:
		if err := releaseGift(ctx, m, co, co.PaymentID); err != nil {
			return err
		}
	case co.PaymentID != "":
		if err := releasePayment(ctx, m, co, co.PaymentID); err != nil {
			return err
		}
	}
	if m.Inventory != nil && co.ReservationID != "" {
		_ = m.Inventory.ReleaseReservation(ctx, co.ReservationID)
	}
	co.Compensating, co.ReservationID, co.PaymentID, co.NextAction = false, "", "", nil
	return nil
}

// releaseGift gives back a donation that an attempt of co ends without
// recording: one that succeeded is refunded in full (what is left of it,
// with releaseKey), one that failed needs nothing, and the monthly
// donation it starts is canceled first, whatever its state. A donation
// still waiting for the donor's action is then withdrawn, where the
// provider can (provider.DonationWithdrawals). One it cannot withdraw
// is left waiting; if the donor completes it later, its webhook finds the
// checkout, which indexed the donation before it gave up on it, and
// returnLateGift refunds it. The keys derive from co's attempt.
func releaseGift(ctx context.Context, m Merchant, co *Checkout, donationID string) error {
	return giveGiftBack(ctx, m, donationID, co.key("void"), co.AttemptedAt)
}

// giveGiftBack cancels the monthly donation a donation no one records
// starts (nothing else would stop it charging every month), withdraws
// the donation under key if it waits for the donor's action, then refunds
// what is left of it if it succeeded, all of it (allGivenBack), under a
// key made of key and that amount (releaseKey), made at keyAt.
func giveGiftBack(ctx context.Context, m Merchant, donationID, key string, keyAt time.Time) error {
	d, err := m.Donations.Donation(ctx, donationID)
	if errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.MonthlyID != "" && m.Monthly != nil {
		if _, err := m.Monthly.CancelMonthly(ctx, d.MonthlyID); err != nil {
			return err
		}
	}
	if d.Status == provider.DonationRequiresAction && m.Withdrawals != nil {
		if d, err = withdrawGift(ctx, m, key, donationID); err != nil {
			return err
		}
	}
	left, err := d.Amount.Sub(d.Refunded)
	if err != nil || d.Status != provider.DonationSucceeded || !left.IsPositive() {
		return err
	}
	r, err := m.Donations.RefundDonation(ctx, provider.RefundDonationRequest{IdempotencyKey: releaseKey(key, left), KeyCreatedAt: keyAt, DonationID: donationID, Amount: left, Reason: "donation not recorded"})
	return allGivenBack(r, err, left)
}

// withdrawGift withdraws a donation waiting for the donor's action, and
// returns it as it then is: canceled or failed, having charged nothing.
// A provider that will not withdraw it (ErrInvalidState: the donor
// completed it meanwhile, or it cannot be withdrawn; ErrInvalidRequest:
// the platform does not take the request, which asking again will not
// change) is answered with the donation as read again: the caller
// refunds it if it succeeded, and leaves it to returnLateGift if it still
// waits. One answered in any other state has not been withdrawn yet: that
// is ErrUnknownOutcome, asked again with the same key.
func withdrawGift(ctx context.Context, m Merchant, key, donationID string) (provider.Donation, error) {
	d, err := m.Withdrawals.WithdrawDonation(ctx, provider.WithdrawDonationRequest{IdempotencyKey: key, DonationID: donationID})
	switch {
	case err == nil && (d.Status == provider.DonationCanceled || d.Status == provider.DonationFailed):
		return d, nil
	case err == nil:
		return provider.Donation{}, fmt.Errorf("%w: donation %s answered a withdrawal as %s", ErrUnknownOutcome, donationID, d.Status)
	case !errors.Is(err, provider.ErrInvalidState) && !errors.Is(err, provider.ErrInvalidRequest):
		return provider.Donation{}, err
	}
	if d, err = m.Donations.Donation(ctx, donationID); err != nil {
		return provider.Donation{}, fmt.Errorf("reading the donation it cannot withdraw: %w", err)
	}
	return d, nil
}
