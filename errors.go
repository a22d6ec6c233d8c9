package buybutton

import (
	"errors"
	"fmt"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Error kinds of the library. Match them with errors.Is. Errors from a
// provider pass through wrapped, so the kinds of package provider
// (provider.ErrDeclined, provider.ErrOutOfStock, ...) match too; the most
// common are repeated here.
var (
	// ErrInvalidInput: a caller's input, or data from a provider, breaks a
	// documented rule. Nothing was changed. The error is a
	// [*ValidationError] naming the field.
	ErrInvalidInput = errors.New("buybutton: invalid input")

	// ErrNotFound: no card is attached to the post, or the provider does
	// not know the product.
	ErrNotFound = errors.New("buybutton: not found")

	// ErrUnknownMerchant: the merchant id is not one the Client was
	// configured with, or the merchant lacks the capability asked for.
	ErrUnknownMerchant = errors.New("buybutton: unknown merchant")

	// ErrUnknownOutcome is provider.ErrUnknownOutcome: the provider cannot
	// tell whether money or stock moved. A checkout that gets it waits in
	// [CheckoutUnknown] until [Client.Reconcile] asks the provider.
	ErrUnknownOutcome = provider.ErrUnknownOutcome

	// ErrForbidden: the cart, checkout, order or saved details belong to
	// another buyer. Nothing was read or changed.
	ErrForbidden = errors.New("buybutton: forbidden")

	// ErrPriceChanged: the merchant's prices, shipping or tax changed since
	// the buyer last saw the checkout. Nothing was charged; the checkout now
	// holds the new totals, and confirming again accepts them. The error is
	// a [*PriceChangedError].
	ErrPriceChanged = errors.New("buybutton: price changed")

	// ErrActionRequired: the payment needs the buyer to do something first
	// (3-D Secure). The error is an [*ActionRequiredError] carrying what
	// the client needs; once the buyer has done it, confirming again
	// resumes the checkout.
	ErrActionRequired = errors.New("buybutton: payment requires action")

	// ErrInProgress: another call is placing the checkout and did not
	// finish before ctx was done, or is refunding the order being canceled,
	// or the platform refunded part of that order on its own and its event
	// has not come. Try again: the placement is claimed, so the retry
	// returns the same order; the refund is recorded, so the retry settles
	// it; the event is applied when it comes, and maintenance then ends the
	// cancellation.
	ErrInProgress = errors.New("buybutton: placement in progress")

	// ErrEventTooOld: a webhook event occurred longer ago than
	// [Options].Retention, so the mark that it was applied may have been
	// deleted; it was not applied again. Nothing was changed.
	ErrEventTooOld = errors.New("buybutton: webhook event older than the retention")

	// ErrUnexpectedAnswer: the provider held or charged another amount than
	// asked (a partial authorization, another currency, an adapter that
	// scales minor units wrongly), which its contract does not allow. No
	// order or donation was made of it: the hold was voided, or the charge
	// refunded in full and a monthly gift started on it canceled, and the
	// checkout is ready to be confirmed again. Look at the provider; the
	// buyer sees the code "platform_error".
	//
	// From a refund, it is a refund the provider made of another amount
	// than asked (a refund the platform made in part): the money moved, so
	// the refund is recorded succeeded, of the amount answered, with the
	// amount asked in [Refund].Asked, and what is left may be refunded
	// again; a retry with the same key answers it again.
	ErrUnexpectedAnswer = errors.New("buybutton: provider answered another amount than asked")
)

// PriceChangedError carries a checkout's totals before and after the
// re-quote.
type PriceChangedError struct {
	CheckoutID string
	Was, Now   Totals
}

func (e *PriceChangedError) Error() string {
	return fmt.Sprintf("%v: checkout %s total was %s, is %s", ErrPriceChanged, e.CheckoutID, e.Was.Total, e.Now.Total)
}

func (e *PriceChangedError) Is(target error) bool { return target == ErrPriceChanged }

// ActionRequiredError carries what the client needs to let the buyer
// complete the payment.
type ActionRequiredError struct {
	CheckoutID string
	NextAction provider.NextAction
}

func (e *ActionRequiredError) Error() string {
	return fmt.Sprintf("%v: checkout %s", ErrActionRequired, e.CheckoutID)
}

func (e *ActionRequiredError) Is(target error) bool { return target == ErrActionRequired }

// owns returns ErrForbidden unless the buyer is the record's owner.
func owns(buyerID, ownerID, kind, id string) error {
	if buyerID == "" || buyerID != ownerID {
		return fmt.Errorf("%w: %s %s", ErrForbidden, kind, truncate(id, 64))
	}
	return nil
}

// ValidationError reports which field broke which rule.
type ValidationError struct {
	Field  string // e.g. "post_id", "product.variants[2].price"
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidInput, e.Field, e.Reason)
}

func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// within names err's field as one of parent's: "city" becomes
// "ship_to.city". Checks on a hot path name their fields alone and leave
// the full name to the caller, so that input that is fine builds no
// names.
func within(parent string, err error) error {
	if err == nil {
		return nil // before v, which escapes
	}
	var v *ValidationError
	if errors.As(err, &v) {
		v.Field = parent + "." + v.Field
	}
	return err
}

// ErrRefundFailed means the provider refused a refund, which is now recorded as
// [RefundFailed] with its Failure; nothing was returned. The call that was
// refused also wraps the provider's error (provider.ErrInvalidState, ...);
// a retry with the same key returns the same failed refund and this error
// again, never a nil error. A refund whose outcome is not known, or that
// the provider was unavailable for, is not failed: it stays pending.
var ErrRefundFailed = errors.New("buybutton: refund failed")

// ErrAmountOutOfRange means a donation amount is below the campaign's minimum
// (never below what the provider can charge) or above its maximum, or a
// checkout's total is below the least its payments platform charges. The
// error is an [*AmountError].
var ErrAmountOutOfRange = errors.New("buybutton: amount out of range")

// AmountError reports a donation amount that cannot be given: out of the
// campaign's range ([ErrAmountOutOfRange]), in another currency
// (money.ErrCurrencyMismatch), with digits below the minor unit
// (money.ErrNotRounded) or with no currency (money.ErrUnknownCurrency);
// or, from Confirm, a checkout's total below the least its payments
// platform charges ([ErrAmountOutOfRange], Minimum that least, Maximum
// the zero Amount). It also matches [ErrInvalidInput]. Nothing was
// changed.
type AmountError struct {
	Amount           money.Amount
	Minimum, Maximum money.Amount // the range allowed; a zero Maximum bounds nothing
	Err              error
}

func (e *AmountError) Error() string {
	if e.Maximum.Currency() == "" {
		return fmt.Sprintf("%v: amount %s: %v (at least %s)", ErrInvalidInput, e.Amount, e.Err, e.Minimum)
	}
	return fmt.Sprintf("%v: amount %s: %v (allowed %s to %s)", ErrInvalidInput, e.Amount, e.Err, e.Minimum, e.Maximum)
}

func (e *AmountError) Is(target error) bool { return target == ErrInvalidInput }

func (e *AmountError) Unwrap() error { return e.Err }
