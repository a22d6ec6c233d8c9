package stripe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// A payment is a PaymentIntent with capture_method=manual, confirmed on
// creation with the buyer's PaymentMethod (the token), for cards only
// (payment_method_types=[card]; Apple Pay and Google Pay tokens are cards).
// Its statuses map onto the contract:
//
//	requires_capture                 authorized
//	requires_action,
//	requires_confirmation            requires_action (client secret given)
//	succeeded                        captured
//	canceled                         voided
//	requires_payment_method          failed (the card was declined, or the
//	                                 buyer failed or abandoned 3-D Secure)
//	processing                       ErrUnknownOutcome: Stripe is still
//	                                 processing a confirmation or a capture
//	                                 (https://docs.stripe.com/payments/paymentintents/lifecycle);
//	                                 the buyer has nothing to do, and
//	                                 whether money moved is not known yet

// metaKey is the metadata key that records the library's idempotency key
// on every object this provider creates, so that a payment can be found
// from the key in the dashboard or by search.
const metaKey = "buybutton_idempotency_key"

// Authorize creates and confirms a manual-capture PaymentIntent.
func (p *Provider) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	amount, err := toStripe(req.Amount)
	if err != nil {
		return provider.Payment{}, err
	}
	if least, ok := p.MinimumCharge(req.Amount.Currency()); ok {
		if below, _ := req.Amount.Cmp(least); below < 0 {
			return provider.Payment{}, fmt.Errorf("stripe: %s is below the minimum charge %s: %w", req.Amount, least, provider.ErrInvalidRequest)
		}
	}
	params := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(amount),
		Currency:           stripego.String(lower(req.Amount.Currency())),
		CaptureMethod:      stripego.String(string(stripego.PaymentIntentCaptureMethodManual)),
		Confirm:            stripego.Bool(true),
		PaymentMethod:      stripego.String(req.Token),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Metadata:           metadata(req.Metadata, req.IdempotencyKey),
		Expand:             stripego.StringSlice([]string{"latest_charge"}),
	}
	if req.Description != "" {
		params.Description = stripego.String(req.Description)
	}
	if req.ReturnURL != "" {
		params.ReturnURL = stripego.String(req.ReturnURL)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	if pay, found, err := madeBefore(ctx, p, req.IdempotencyKey, req.KeyCreatedAt, p.Payment); found || err != nil {
		return pay, err
	}
	pi, err := p.api.V1PaymentIntents.Create(ctx, params)
	if serverError(err) {
		return readCreatedWithKey(ctx, p, req.IdempotencyKey, mapError(err, write), p.Payment)
	}
	if err != nil {
		return provider.Payment{}, mapError(err, write)
	}
	if replayed(pi.LastResponse) {
		// Stripe replays the first answer to a key, which may be a state
		// the payment has left (the buyer has since finished 3-D Secure).
		return p.Payment(ctx, pi.ID)
	}
	return paymentOf(pi, true)
}

// paymentIn answers a write to PaymentIntent id that failed with writeErr:
// the PaymentIntent as it is now if it is in want, the status the write
// would have left it in; else writeErr.
func (p *Provider) paymentIn(ctx context.Context, id string, want provider.PaymentStatus, writeErr error) (provider.Payment, error) {
	pay, err := p.Payment(ctx, id)
	if err != nil || pay.Status != want {
		return provider.Payment{}, stillUnknown(writeErr, err)
	}
	return pay, nil
}

// Capture captures Amount of an authorized PaymentIntent and releases the
// rest of the hold.
func (p *Provider) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	amount, err := toStripe(req.Amount)
	if err != nil {
		return provider.Payment{}, err
	}
	params := &stripego.PaymentIntentCaptureParams{
		AmountToCapture: stripego.Int64(amount),
		Expand:          stripego.StringSlice([]string{"latest_charge"}),
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := p.api.V1PaymentIntents.Capture(ctx, req.PaymentID, params)
	if serverError(err) {
		return p.paymentIn(ctx, req.PaymentID, provider.PaymentCaptured, mapError(err, write))
	}
	if err != nil {
		return provider.Payment{}, mapError(err, write)
	}
	if replayed(pi.LastResponse) {
		// A replay is the first answer to the key: a capture then
		// processing may have finished since.
		return p.Payment(ctx, req.PaymentID)
	}
	return paymentOf(pi, false)
}

// Void cancels a PaymentIntent that was not captured. Cancelling one that
// is already canceled succeeds; Stripe refuses it, so the provider reads
// the PaymentIntent to tell that case from a captured one, as it does
// after a server error.
func (p *Provider) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	params := &stripego.PaymentIntentCancelParams{Expand: stripego.StringSlice([]string{"latest_charge"})}
	params.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := p.api.V1PaymentIntents.Cancel(ctx, req.PaymentID, params)
	if err == nil {
		return paymentOf(pi, false)
	}
	mapped := mapError(err, write)
	if !serverError(err) && !errors.Is(mapped, provider.ErrInvalidState) {
		return provider.Payment{}, mapped
	}
	return p.paymentIn(ctx, req.PaymentID, provider.PaymentVoided, mapped)
}

// Refund refunds Amount of a captured PaymentIntent. Stripe refuses a
// refund above what is left, atomically, also when refunds race.
func (p *Provider) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	return p.refund(ctx, req.IdempotencyKey, req.PaymentID, req.PaymentID, req.Amount, req.Reason)
}

// refund refunds amount of PaymentIntent piID, reporting the refund as
// one of paymentID (a PaymentIntent, or a donation's invoice).
func (p *Provider) refund(ctx context.Context, key, paymentID, piID string, amount money.Amount, reason string) (provider.Refund, error) {
	value, err := toStripe(amount)
	if err != nil {
		return provider.Refund{}, err
	}
	// Stripe would refund an uncaptured PaymentIntent by cancelling it;
	// the contract says that is the caller's mistake, so look first.
	pi, err := p.api.V1PaymentIntents.Retrieve(ctx, piID, nil)
	if err != nil {
		return provider.Refund{}, mapError(err, read)
	}
	if pi.Status != stripego.PaymentIntentStatusSucceeded {
		return provider.Refund{}, fmt.Errorf("stripe: refund of %s in status %s: %w", piID, pi.Status, provider.ErrInvalidState)
	}
	if string(pi.Currency) != lower(amount.Currency()) {
		return provider.Refund{}, fmt.Errorf("stripe: refund in %s of a payment in %s: %w", amount.Currency(), pi.Currency, provider.ErrInvalidRequest)
	}
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(piID),
		Amount:        stripego.Int64(value),
		Metadata:      metadata(nil, key),
	}
	if reason != "" {
		params.Metadata["buybutton_reason"] = truncate(reason, 500)
	}
	switch reason {
	case "duplicate", "fraudulent", "requested_by_customer":
		params.Reason = stripego.String(reason)
	}
	params.SetIdempotencyKey(key)
	// A refund made with key before is the answer, whatever Stripe
	// still remembers of the key: it forgets keys after 24 hours, and a
	// retry after that, of a refund whose answer was lost, would refund a
	// second time. Listing a PaymentIntent's refunds, unlike search, shows
	// every refund made (see frozen.go).
	r, made, err := findListed(ctx, p.refundsOf(ctx, piID), key, refundMetadata)
	switch {
	case err != nil:
		return provider.Refund{}, err
	case !made:
		if r, err = p.createRefund(ctx, params, key, piID); err != nil {
			return provider.Refund{}, err
		}
	case r.Amount != value || r.Currency != pi.Currency:
		return provider.Refund{}, fmt.Errorf("stripe: refund %s was made with key %q for %d %s, not %d: %w", r.ID, key, r.Amount, r.Currency, value, provider.ErrIdempotencyConflict)
	}
	if r.Status == stripego.RefundStatusFailed || r.Status == stripego.RefundStatusCanceled {
		return provider.Refund{}, fmt.Errorf("stripe: %w", &provider.RefundFailedError{RefundID: r.ID, Reason: refundFailure(string(r.FailureReason), string(r.Status))})
	}
	got, err := fromStripe(r.Amount, string(r.Currency))
	if err != nil {
		return provider.Refund{}, unreadable("refund", r.ID, err)
	}
	return provider.Refund{ID: r.ID, PaymentID: paymentID, Amount: got}, nil
}

// createRefund asks for the refund params describe, of PaymentIntent
// piID, with key. After a server error it looks among piID's refunds for
// the one made with key (see frozen.go).
func (p *Provider) createRefund(ctx context.Context, params *stripego.RefundCreateParams, key, piID string) (*stripego.Refund, error) {
	r, err := p.api.V1Refunds.Create(ctx, params)
	switch {
	case serverError(err):
		return listedWithKey(ctx, p.refundsOf(ctx, piID), key, refundMetadata, refundError(err))
	case err != nil:
		return nil, refundError(err)
	}
	return r, nil
}

// refundFailure is why a refund in status failed or canceled returned
// nothing: Stripe's failure_reason, or the status when it gives none (a
// requires_action refund canceled by the merchant or expired).
func refundFailure(reason, status string) string {
	if reason == "" {
		return status
	}
	return reason
}

// RefundsMade implements provider.RefundHistories: the refunds of the
// PaymentIntent that id is or whose invoice (a month) it paid, oldest
// first (Stripe lists newest first): those in status succeeded, which is
// when their webhook says payment.refunded, and those failed or canceled,
// with the failure their refund.failed says (refundFailure). One pending
// or waiting for the customer's action is left out. See
// https://docs.stripe.com/api/refunds/list and the Refund object's
// status, https://docs.stripe.com/api/refunds/object.
func (p *Provider) RefundsMade(ctx context.Context, id string) ([]provider.ListedRefund, error) {
	piID, err := p.paymentIntentOf(ctx, id)
	if err != nil || piID == "" {
		return nil, err // a month not paid has no refunds
	}
	var out []provider.ListedRefund
	for r, err := range p.refundsOf(ctx, piID).All(ctx) {
		if err != nil {
			return nil, mapError(err, read)
		}
		var failure string
		switch r.Status {
		case stripego.RefundStatusSucceeded:
		case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
			failure = refundFailure(string(r.FailureReason), string(r.Status))
		default:
			continue // under way
		}
		got, err := fromStripe(r.Amount, string(r.Currency))
		if err != nil {
			return nil, unreadable("refund", r.ID, err)
		}
		out = append(out, provider.ListedRefund{Refund: provider.Refund{ID: r.ID, PaymentID: id, Amount: got}, Failure: failure})
	}
	slices.Reverse(out)
	return out, nil
}

// DisputesOf implements provider.DisputeHistories: the disputes of the
// PaymentIntent that id is or whose invoice it names (as RefundsMade),
// each as the event of its status now, with the mapping of the dispute
// webhooks (openDisputes, disputeOutcomes; a status neither knows is a
// chargeback still open), oldest first. See
// https://docs.stripe.com/api/disputes/list.
func (p *Provider) DisputesOf(ctx context.Context, id string) ([]provider.Event, error) {
	piID, err := p.paymentIntentOf(ctx, id)
	if err != nil || piID == "" {
		return nil, err
	}
	var out []provider.Event
	for d, err := range p.api.V1Disputes.List(ctx, &stripego.DisputeListParams{PaymentIntent: stripego.String(piID)}).All(ctx) {
		if err != nil {
			return nil, mapError(err, read)
		}
		got, err := fromStripe(d.Amount, string(d.Currency))
		if err != nil {
			return nil, unreadable("dispute", d.ID, err)
		}
		e := provider.Event{Type: provider.EventPaymentDisputed, PaymentID: id, DisputeID: d.ID, Amount: &got, Reason: string(d.Reason)}
		if outcome, ended := disputeOutcomes[string(d.Status)]; ended {
			e.Type, e.Reason = provider.EventPaymentDisputeClosed, outcome
		} else {
			e.Inquiry = openDisputes[string(d.Status)]
		}
		out = append(out, e)
	}
	slices.Reverse(out)
	return out, nil
}

// paymentIntentOf is the PaymentIntent that id is, read to be sure it
// exists, or, for a month, the one that paid its invoice (empty when none
// has yet).
func (p *Provider) paymentIntentOf(ctx context.Context, id string) (string, error) {
	if isInvoice(id) {
		return p.invoicePaymentIntent(ctx, id)
	}
	if _, err := p.api.V1PaymentIntents.Retrieve(ctx, id, nil); err != nil {
		return "", mapError(err, read)
	}
	return id, nil
}

// refundsOf lists PaymentIntent piID's refunds.
func (p *Provider) refundsOf(ctx context.Context, piID string) *stripego.V1List[*stripego.Refund] {
	return p.api.V1Refunds.List(ctx, &stripego.RefundListParams{PaymentIntent: stripego.String(piID)})
}

func refundMetadata(r *stripego.Refund) map[string]string { return r.Metadata }

// refundError maps a refused refund: above what is left to refund is
// amount_too_large, and a charge refunded in full is
// charge_already_refunded (https://docs.stripe.com/error-codes); a charge
// the buyer's bank took back (charge_disputed) cannot be refunded in the
// state it is in.
func refundError(err error) error {
	if se, ok := err.(*stripego.Error); ok {
		switch se.Code {
		case stripego.ErrorCodeAmountTooLarge, stripego.ErrorCodeChargeAlreadyRefunded:
			return fmt.Errorf("stripe: %w: %w", provider.ErrRefundExceedsCapture, err)
		case stripego.ErrorCodeChargeDisputed:
			return fmt.Errorf("stripe: %w: %w", provider.ErrInvalidState, err)
		}
	}
	return mapError(err, write)
}

// Payment reads a PaymentIntent.
func (p *Provider) Payment(ctx context.Context, paymentID string) (provider.Payment, error) {
	pi, err := p.api.V1PaymentIntents.Retrieve(ctx, paymentID, &stripego.PaymentIntentRetrieveParams{
		Expand: stripego.StringSlice([]string{"latest_charge"}),
	})
	if err != nil {
		return provider.Payment{}, mapError(err, read)
	}
	return paymentOf(pi, false)
}

// paymentOf maps a PaymentIntent. fresh says pi is the answer to the
// confirming request itself: a requires_payment_method then is a decline
// Stripe reported in the object rather than as an error.
func paymentOf(pi *stripego.PaymentIntent, fresh bool) (provider.Payment, error) {
	if pi.ID == "" {
		return provider.Payment{}, unreadable("PaymentIntent", "(no id)", errNoID)
	}
	amount, err := fromStripe(pi.Amount, string(pi.Currency))
	if err != nil {
		return provider.Payment{}, unreadable("PaymentIntent", pi.ID, err)
	}
	pay := provider.Payment{
		ID:       pi.ID,
		Amount:   amount,
		Captured: money.Zero(amount.Currency()),
		Refunded: money.Zero(amount.Currency()),
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresCapture:
		// What is held is amount_capturable, what a capture can take
		// (https://docs.stripe.com/api/payment_intents/object): less than
		// amount when the issuer approved part of it (a partial
		// authorization), which the library must see to refuse it.
		pay.Status = provider.PaymentAuthorized
		if pay.Amount, err = fromStripe(pi.AmountCapturable, string(pi.Currency)); err != nil {
			return provider.Payment{}, unreadable("PaymentIntent", pi.ID, err)
		}
	case stripego.PaymentIntentStatusRequiresAction, stripego.PaymentIntentStatusRequiresConfirmation:
		pay.Status = provider.PaymentRequiresAction
		pay.NextAction = nextAction(pi)
	case stripego.PaymentIntentStatusProcessing:
		return provider.Payment{}, stillProcessing(pi)
	case stripego.PaymentIntentStatusSucceeded:
		pay.Status = provider.PaymentCaptured
		if pay.Captured, err = fromStripe(pi.AmountReceived, string(pi.Currency)); err != nil {
			return provider.Payment{}, unreadable("PaymentIntent", pi.ID, err)
		}
		if pay.Refunded, err = refunded(pi); err != nil {
			return provider.Payment{}, unreadable("PaymentIntent", pi.ID, err)
		}
	case stripego.PaymentIntentStatusCanceled:
		pay.Status = provider.PaymentVoided
	case stripego.PaymentIntentStatusRequiresPaymentMethod:
		if fresh {
			return provider.Payment{}, declined(pi.LastPaymentError)
		}
		pay.Status = provider.PaymentFailed
	default:
		return provider.Payment{}, fmt.Errorf("stripe: PaymentIntent %s in unknown status %q: %w", pi.ID, pi.Status, provider.ErrUnknownOutcome)
	}
	return pay, nil
}

// stillProcessing is the answer for a PaymentIntent Stripe is processing.
func stillProcessing(pi *stripego.PaymentIntent) error {
	return fmt.Errorf("stripe: PaymentIntent %s is processing: %w", pi.ID, provider.ErrUnknownOutcome)
}

// refunded is what was refunded of a succeeded PaymentIntent: its
// charge's amount_refunded (the charge is expanded on every read).
func refunded(pi *stripego.PaymentIntent) (money.Amount, error) {
	if pi.LatestCharge == nil {
		return fromStripe(0, string(pi.Currency))
	}
	return fromStripe(pi.LatestCharge.AmountRefunded, string(pi.Currency))
}

// nextAction is what the client needs to finish the buyer's action: the
// client secret for Stripe.js or the mobile SDKs, and the URL when Stripe
// asks for a redirect.
func nextAction(pi *stripego.PaymentIntent) *provider.NextAction {
	na := &provider.NextAction{ClientSecret: pi.ClientSecret}
	if pi.NextAction != nil && pi.NextAction.RedirectToURL != nil {
		na.RedirectURL = pi.NextAction.RedirectToURL.URL
	}
	return na
}

// declined is the decline of a confirmation Stripe reported in the
// PaymentIntent's last_payment_error.
func declined(e *stripego.Error) error {
	if e == nil {
		e = &stripego.Error{Type: stripego.ErrorTypeCard, Code: stripego.ErrorCodeCardDeclined}
	}
	return fmt.Errorf("stripe: %w", declineKind{e})
}

// metadata is the caller's metadata plus the idempotency key.
func metadata(m map[string]string, key string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[metaKey] = keyValue(key)
	return out
}

// keyValue is the value of metaKey for an idempotency key: Stripe's
// metadata values are at most 500 bytes.
func keyValue(key string) string {
	return truncate(key, 500)
}

// replayed reports whether Stripe answered from its idempotency store.
func replayed(r *stripego.APIResponse) bool {
	return r != nil && r.Header.Get("Idempotent-Replayed") == "true"
}

// truncate cuts s to at most n bytes without splitting a character:
// Stripe's limits on metadata and descriptions are in bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
