package stripe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// signatureHeader carries Stripe's webhook signature
// (https://docs.stripe.com/webhooks#verify-manually): a timestamp t and one
// or more v1 signatures, each the hex HMAC-SHA256 of "t.body" under an
// endpoint secret. Several v1 appear while a secret is being rolled.
const signatureHeader = "Stripe-Signature"

// maxSignatures bounds the work one header can ask for.
const maxSignatures = 8

// VerifyWebhook checks a delivery's Stripe-Signature against every
// configured secret, in constant time, then its timestamp against the
// tolerance, and only then parses the event. Event types the library has
// no use for give no events and no error.
func (p *Provider) VerifyWebhook(ctx context.Context, header http.Header, body []byte) ([]provider.Event, error) {
	if len(p.secrets) == 0 {
		return nil, fmt.Errorf("%w: %w", provider.ErrWebhookSignature, errNoWebhookSecret)
	}
	ts, sigs, err := parseSignature(header.Get(signatureHeader))
	if err != nil {
		return nil, err
	}
	if !p.signedByUs(ts, sigs, body) {
		return nil, fmt.Errorf("stripe: webhook signature matches no secret: %w", provider.ErrWebhookSignature)
	}
	signed := time.Unix(ts, 0)
	if age := p.now().Sub(signed); age > p.tolerance || age < -p.tolerance {
		return nil, fmt.Errorf("stripe: webhook signed at %s, %s from now: %w", signed.UTC().Format(time.RFC3339), age, provider.ErrWebhookTooOld)
	}
	return parseEvent(body)
}

// parseSignature reads "t=1700000000,v1=ab…,v1=cd…,v0=…". Schemes other
// than v1 are ignored, as Stripe asks, so that a v0 (test) signature can
// never be used.
func parseSignature(h string) (ts int64, sigs [][]byte, err error) {
	bad := func(why string) (int64, [][]byte, error) {
		return 0, nil, fmt.Errorf("stripe: %s header %s: %w", signatureHeader, why, provider.ErrWebhookSignature)
	}
	if h == "" {
		return bad("missing")
	}
	seenT := false
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return bad("malformed")
		}
		switch k {
		case "t":
			if seenT {
				return bad("has two timestamps")
			}
			seenT = true
			ts, err = strconv.ParseInt(v, 10, 64)
			if err != nil || ts <= 0 {
				return bad("has a malformed timestamp")
			}
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				continue // not a signature of ours; another may be
			}
			if len(sigs) == maxSignatures {
				return bad("has too many signatures")
			}
			sigs = append(sigs, sig)
		}
	}
	if !seenT {
		return bad("has no timestamp")
	}
	if len(sigs) == 0 {
		return bad("has no v1 signature")
	}
	return ts, sigs, nil
}

// signedByUs reports whether any v1 signature is the HMAC of the payload
// under any secret. Every comparison is hmac.Equal (constant time), and
// all of them run, so that timing says nothing about which one matched.
func (p *Provider) signedByUs(ts int64, sigs [][]byte, body []byte) bool {
	ok := false
	for _, secret := range p.secrets {
		mac := hmac.New(sha256.New, secret)
		mac.Write(strconv.AppendInt(nil, ts, 10))
		mac.Write([]byte{'.'})
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				ok = true
			}
		}
	}
	return ok
}

// Sign returns a Stripe-Signature header for body at t under secret, as
// Stripe signs deliveries. It is for tests and for local tools that replay
// deliveries; a backend never needs it.
func Sign(secret string, t time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	ts := strconv.FormatInt(t.Unix(), 10)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// stripeEvent is the part of a Stripe Event object the library reads.
type stripeEvent struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object eventObject `json:"object"`
	} `json:"data"`
}

// eventObject holds the fields of the objects events carry: a
// PaymentIntent, Refund, Dispute, Invoice or Subscription.
type eventObject struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	AmountReceived     int64             `json:"amount_received"`
	AmountPaid         int64             `json:"amount_paid"`
	Currency           string            `json:"currency"`
	Status             string            `json:"status"`
	CaptureMethod      string            `json:"capture_method"`
	CancellationReason string            `json:"cancellation_reason"`
	Metadata           map[string]string `json:"metadata"`
	PaymentIntent      json.RawMessage   `json:"payment_intent"` // an id, or an expanded object
	Reason             string            `json:"reason"`
	FailureReason      string            `json:"failure_reason"` // a refund's
	LastPaymentError   *struct {
		Message string `json:"message"`
	} `json:"last_payment_error"`
	Parent *struct {
		SubscriptionDetails *struct {
			Subscription string `json:"subscription"`
		} `json:"subscription_details"`
	} `json:"parent"`
}

// parseEvent turns a verified Stripe event into the contract's events:
//
//	payment_intent.amount_capturable_updated   payment.authorized (after 3-D Secure)
//	payment_intent.succeeded                   payment.captured, or donation.succeeded
//	payment_intent.payment_failed              payment.failed, or donation.failed
//	payment_intent.canceled                    payment.canceled: a hold that expired, or that the merchant canceled
//	                                           (also the library's own voids, which it ignores)
//	refund.created, refund.updated,
//	charge.refund.updated (status succeeded)   payment.refunded, one per refund
//	refund.failed, refund.updated,
//	charge.refund.updated (status failed)      payment.refund_failed: the refund
//	                                           failed after it was made, and its
//	                                           money went back to the merchant
//	                                           (https://docs.stripe.com/api/refunds)
//	charge.dispute.created,
//	charge.dispute.updated (still open)        payment.disputed, DisputeID the dispute,
//	                                           Inquiry while its status is warning_*
//	charge.dispute.closed                      payment.dispute_closed, Reason the outcome
//	invoice.paid                               donation.succeeded of a monthly donation
//	invoice.payment_failed                     donation.failed of a monthly donation
//	customer.subscription.deleted              monthly.canceled
//
// A PaymentIntent is a donation's when this provider created it for one
// (its metadata names the nonprofit).
func parseEvent(body []byte) ([]provider.Event, error) {
	var se stripeEvent
	if err := json.Unmarshal(body, &se); err != nil {
		return nil, fmt.Errorf("stripe: webhook body: %v: %w", err, provider.ErrInvalidRequest)
	}
	if se.ID == "" || se.Object != "event" {
		return nil, fmt.Errorf("stripe: webhook body is not an event: %w", provider.ErrInvalidRequest)
	}
	o := se.Data.Object
	e := provider.Event{ID: se.ID, OccurredAt: time.Unix(se.Created, 0).UTC()}
	// Stripe's amounts are whole numbers of the currency's smallest unit,
	// zero or more; anything else is not an event Stripe sent.
	amount := func(v int64) (*money.Amount, error) {
		a, err := fromStripe(v, o.Currency)
		if err != nil {
			return nil, fmt.Errorf("stripe: %s event %s: %v: %w", se.Type, se.ID, err, provider.ErrInvalidRequest)
		}
		return &a, nil
	}
	_, donation := o.Metadata[metaNonprofit]
	var err error
	switch se.Type {
	case "payment_intent.amount_capturable_updated":
		if o.CaptureMethod != "manual" || o.Status != "requires_capture" {
			return nil, nil
		}
		e.Type, e.PaymentID = provider.EventPaymentAuthorized, o.ID
	case "payment_intent.succeeded":
		e.PaymentID = o.ID
		e.Type = provider.EventPaymentCaptured
		if donation {
			e.Type, e.PaymentID, e.DonationID = provider.EventDonationSucceeded, "", o.ID
		}
		e.Amount, err = amount(o.AmountReceived)
	case "payment_intent.payment_failed":
		e.Type, e.PaymentID = provider.EventPaymentFailed, o.ID
		if donation {
			e.Type, e.PaymentID, e.DonationID = provider.EventDonationFailed, "", o.ID
		}
		if o.LastPaymentError != nil {
			e.Reason = o.LastPaymentError.Message
		}
	case "payment_intent.canceled":
		// Stripe cancels an uncaptured PaymentIntent itself when its
		// authorization expires (cancellation_reason "automatic"); a
		// merchant cancels one on the dashboard with a reason or without.
		// The library's own voids are reported too, since nothing tells
		// them apart: the library ignores those (see
		// provider.EventPaymentCanceled). A donation's is the library's
		// own withdrawal (WithdrawDonation), which took nothing.
		if donation || o.CaptureMethod != "manual" {
			return nil, nil
		}
		e.Type, e.PaymentID, e.Reason = provider.EventPaymentCanceled, o.ID, cancellationReason(o.CancellationReason)
	case "refund.created", "refund.updated", "charge.refund.updated", "refund.failed":
		if o.Object != "refund" {
			return nil, nil
		}
		switch o.Status {
		case "succeeded":
			e.Type, e.Reason = provider.EventPaymentRefunded, o.Reason
		case "failed", "canceled":
			// A refund that waited for the customer (requires_action,
			// never a card's) is canceled when it expires or the
			// merchant cancels it: like a failed one, it returned
			// nothing (https://docs.stripe.com/api/refunds/cancel).
			e.Type, e.Reason = provider.EventPaymentRefundFailed, refundFailure(o.FailureReason, o.Status)
		default:
			return nil, nil
		}
		e.RefundID, e.PaymentID = o.ID, objectID(o.PaymentIntent)
		e.Amount, err = amount(o.Amount)
	case "charge.dispute.created", "charge.dispute.updated":
		// A dispute created in a status this mapping does not know is
		// taken for a chargeback, never for an inquiry: what the bank may
		// have taken is in the books either way. An update of one that
		// ended is left to its charge.dispute.closed.
		inquiry, open := openDisputes[o.Status]
		if !open && se.Type == "charge.dispute.updated" {
			return nil, nil
		}
		e.Type, e.PaymentID, e.DisputeID, e.Reason, e.Inquiry = provider.EventPaymentDisputed, objectID(o.PaymentIntent), o.ID, o.Reason, inquiry
		e.Amount, err = amount(o.Amount)
	case "charge.dispute.closed":
		outcome, ok := disputeOutcomes[o.Status]
		if !ok {
			return nil, fmt.Errorf("stripe: %s event %s: dispute status %q is not an end: %w", se.Type, se.ID, o.Status, provider.ErrInvalidRequest)
		}
		e.Type, e.PaymentID, e.DisputeID, e.Reason = provider.EventPaymentDisputeClosed, objectID(o.PaymentIntent), o.ID, outcome
		e.Amount, err = amount(o.Amount)
	case "invoice.paid", "invoice.payment_failed":
		if o.Parent == nil || o.Parent.SubscriptionDetails == nil || o.Parent.SubscriptionDetails.Subscription == "" {
			return nil, nil // not a subscription's invoice
		}
		e.Type, e.DonationID, e.MonthlyID = provider.EventDonationSucceeded, o.ID, o.Parent.SubscriptionDetails.Subscription
		if se.Type == "invoice.payment_failed" {
			e.Type = provider.EventDonationFailed
		}
		e.Amount, err = amount(o.AmountPaid)
	case "customer.subscription.deleted":
		e.Type, e.MonthlyID = provider.EventMonthlyCanceled, o.ID
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.PaymentID == "" && e.DonationID == "" && e.MonthlyID == "" {
		return nil, fmt.Errorf("stripe: %s event %s names no object: %w", se.Type, se.ID, provider.ErrInvalidRequest)
	}
	return []provider.Event{e}, nil
}

// openDisputes are the statuses of a Stripe dispute still open
// (https://docs.stripe.com/api/disputes/object), each with whether it is
// still an inquiry: the warning_ statuses are an inquiry's, before any
// chargeback; needs_response and under_review a chargeback's.
var openDisputes = map[string]bool{
	"warning_needs_response": true,
	"warning_under_review":   true,
	"needs_response":         false,
	"under_review":           false,
}

// disputeOutcomes are the contract's outcomes of the statuses a Stripe
// dispute ends in (https://docs.stripe.com/api/disputes/object): won and
// lost; and ended without a chargeback, as an inquiry closed
// (warning_closed) or a chargeback prevented before it was filed
// (prevented, https://docs.stripe.com/changelog/basil/2025-08-27/add-preventions-to-dispute).
var disputeOutcomes = map[string]string{
	"won":            provider.DisputeWon,
	"lost":           provider.DisputeLost,
	"warning_closed": provider.DisputeEnded,
	"prevented":      provider.DisputeEnded,
}

// objectID reads an expandable field: an id string, or an object with an
// id.
func objectID(raw json.RawMessage) string {
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return id
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.ID
	}
	return ""
}

// cancellationReason says why Stripe canceled a PaymentIntent, from its
// cancellation_reason.
func cancellationReason(reason string) string {
	switch reason {
	case "automatic":
		return "authorization expired"
	case "":
		return "canceled on Stripe"
	}
	return "canceled on Stripe: " + strings.ReplaceAll(reason, "_", " ")
}
