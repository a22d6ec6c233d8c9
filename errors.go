package buybutton

import (
	"errors"
	"fmt"

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
	// tell whether money or stock moved.
	ErrUnknownOutcome = provider.ErrUnknownOutcome
)

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
