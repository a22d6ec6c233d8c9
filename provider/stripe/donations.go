package stripe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// A one-off donation is a PaymentIntent captured at once
// (capture_method=automatic), confirmed on creation, with the nonprofit in
// its metadata. For a nonprofit with a connected account it is a
// destination charge: on_behalf_of and transfer_data[destination] are the
// account, so the nonprofit is the merchant of record and receives the
// money. A donation's id is its PaymentIntent's id; a month of a monthly
// donation is identified by its invoice (in_…).

// metaNonprofit is the metadata key naming the nonprofit of a donation.
const metaNonprofit = "buybutton_nonprofit"

// Nonprofits returns the configured nonprofits among ids.
func (p *Provider) Nonprofits(ctx context.Context, ids []string) ([]provider.Nonprofit, error) {
	var out []provider.Nonprofit
	for _, id := range ids {
		if n, ok := p.nonprofits[id]; ok {
			np := n.Nonprofit
			np.Currencies = slices.Clone(n.Currencies)
			out = append(out, np)
		}
	}
	return out, nil
}

// ChargeTerms returns the configured terms for currency.
func (p *Provider) ChargeTerms(ctx context.Context, currency money.Currency) (provider.ChargeTerms, error) {
	t, ok := p.chargeTerms[currency]
	if !ok {
		return provider.ChargeTerms{}, fmt.Errorf("stripe: no charge terms configured for %s: %w", currency, provider.ErrInvalidRequest)
	}
	return t, nil
}

// Donate charges a one-off donation.
func (p *Provider) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	n, amount, err := p.checkDonation(req)
	if err != nil {
		return provider.Donation{}, err
	}
	params := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(amount),
		Currency:           stripego.String(lower(req.Amount.Currency())),
		Confirm:            stripego.Bool(true),
		PaymentMethod:      stripego.String(req.Token),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Description:        stripego.String(truncate("Donation to "+n.Name, 1000)),
		Metadata:           donationMetadata(req),
		Expand:             stripego.StringSlice([]string{"latest_charge"}),
	}
	if req.Donor.Email != "" {
		params.ReceiptEmail = stripego.String(req.Donor.Email)
	}
	if req.ReturnURL != "" {
		params.ReturnURL = stripego.String(req.ReturnURL)
	}
	if n.Account != "" {
		params.OnBehalfOf = stripego.String(n.Account)
		params.TransferData = &stripego.PaymentIntentCreateTransferDataParams{Destination: stripego.String(n.Account)}
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	if d, found, err := madeBefore(ctx, p, req.IdempotencyKey, req.KeyCreatedAt, p.Donation); found || err != nil {
		return d, err
	}
	pi, err := p.api.V1PaymentIntents.Create(ctx, params)
	if serverError(err) {
		return readCreatedWithKey(ctx, p, req.IdempotencyKey, mapError(err, write), p.Donation)
	}
	if err != nil {
		return provider.Donation{}, mapError(err, write)
	}
	if replayed(pi.LastResponse) {
		return p.Donation(ctx, pi.ID)
	}
	return donationOf(pi, req.NonprofitID, true)
}

// checkDonation refuses what Stripe would take but the contract does not:
// an unknown or unverified nonprofit, a currency it does not accept, an
// amount below the minimum charge.
func (p *Provider) checkDonation(req provider.DonateRequest) (Nonprofit, int64, error) {
	n, ok := p.nonprofits[req.NonprofitID]
	c := req.Amount.Currency()
	switch {
	case !ok:
		return Nonprofit{}, 0, fmt.Errorf("stripe: nonprofit %q is not configured: %w", req.NonprofitID, provider.ErrInvalidRequest)
	case !n.Verified:
		return Nonprofit{}, 0, fmt.Errorf("stripe: nonprofit %q is not verified: %w", req.NonprofitID, provider.ErrInvalidRequest)
	case !slices.Contains(n.Currencies, c):
		return Nonprofit{}, 0, fmt.Errorf("stripe: nonprofit %q does not accept %s: %w", req.NonprofitID, c, provider.ErrInvalidRequest)
	}
	terms, ok := p.chargeTerms[c]
	if !ok {
		return Nonprofit{}, 0, fmt.Errorf("stripe: no charge terms configured for %s: %w", c, provider.ErrInvalidRequest)
	}
	if below, err := req.Amount.Cmp(terms.Minimum); err != nil || below < 0 {
		return Nonprofit{}, 0, fmt.Errorf("stripe: %s is below the minimum charge %s: %w", req.Amount, terms.Minimum, provider.ErrInvalidRequest)
	}
	amount, err := toStripe(req.Amount)
	return n, amount, err
}

func donationMetadata(req provider.DonateRequest) map[string]string {
	m := metadata(req.Metadata, req.IdempotencyKey)
	m[metaNonprofit] = req.NonprofitID
	if req.Donor.Name != "" {
		m["buybutton_donor"] = truncate(req.Donor.Name, 500)
	}
	if req.Message != "" {
		m["buybutton_message"] = truncate(req.Message, 500)
	}
	return m
}

// RefundDonation refunds part or all of a donation: its PaymentIntent's,
// or for a month of a monthly donation, its invoice's.
func (p *Provider) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	piID := req.DonationID
	if isInvoice(req.DonationID) {
		id, err := p.invoicePaymentIntent(ctx, req.DonationID)
		if err != nil {
			return provider.Refund{}, err
		}
		if id == "" {
			return provider.Refund{}, fmt.Errorf("stripe: invoice %s has no payment: %w", req.DonationID, provider.ErrInvalidState)
		}
		piID = id
	}
	return p.refund(ctx, req.IdempotencyKey, req.DonationID, piID, req.Amount, req.Reason)
}

// WithdrawDonation withdraws a donation that waits for the donor's 3-D
// Secure, so that it never charges. A one-off donation's PaymentIntent is
// canceled, as abandoned: Stripe cancels one in requires_action at no
// cost (https://docs.stripe.com/api/payment_intents/cancel). A month of a
// monthly donation is withdrawn by voiding its invoice, which cancels the
// invoice's PaymentIntent (cancellation_reason void_invoice), once its
// subscription is canceled; before, it is ErrInvalidState. As with Void,
// a request Stripe refuses (the donation succeeded, or was canceled
// already) or whose answer was lost is told apart by reading the
// donation.
func (p *Provider) WithdrawDonation(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	if isInvoice(req.DonationID) {
		return p.withdrawMonth(ctx, req)
	}
	params := &stripego.PaymentIntentCancelParams{
		CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned)),
		Expand:             stripego.StringSlice([]string{"latest_charge"}),
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := p.api.V1PaymentIntents.Cancel(ctx, req.DonationID, params)
	if err == nil {
		return donationOf(pi, pi.Metadata[metaNonprofit], false)
	}
	mapped := mapError(err, write)
	if !serverError(err) && !errors.Is(mapped, provider.ErrInvalidState) {
		return provider.Donation{}, mapped
	}
	d, readErr := p.Donation(ctx, req.DonationID)
	if readErr != nil {
		return provider.Donation{}, stillUnknown(mapped, readErr)
	}
	return withdrawn(d, mapped)
}

// withdrawMonth voids the invoice of a month of a canceled monthly
// donation that waits for the donor's action.
func (p *Provider) withdrawMonth(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	d, err := p.invoiceDonation(ctx, req.DonationID)
	if err != nil || d.Status != provider.DonationRequiresAction {
		return withdrawn(d, err)
	}
	sub, err := p.subscription(ctx, d.MonthlyID)
	if err != nil {
		return provider.Donation{}, err
	}
	if sub.Status != stripego.SubscriptionStatusCanceled && sub.Status != stripego.SubscriptionStatusIncompleteExpired {
		return provider.Donation{}, fmt.Errorf("stripe: donation %s is a month of subscription %s, which is %s: cancel it first: %w", d.ID, sub.ID, sub.Status, provider.ErrInvalidState)
	}
	params := &stripego.InvoiceVoidInvoiceParams{}
	params.SetIdempotencyKey(req.IdempotencyKey)
	var voidErr error
	if _, err := p.api.V1Invoices.VoidInvoice(ctx, req.DonationID, params); err != nil {
		voidErr = mapError(err, write)
	}
	if d, err = p.invoiceDonation(ctx, req.DonationID); err != nil {
		if voidErr == nil {
			voidErr = fmt.Errorf("stripe: invoice %s voided: %w", req.DonationID, provider.ErrUnknownOutcome)
		}
		return provider.Donation{}, stillUnknown(voidErr, err)
	}
	return withdrawn(d, voidErr)
}

// withdrawn answers a withdrawal from the donation as read after it:
// canceled or failed, it took nothing; succeeded, it cannot be withdrawn
// (ErrInvalidState, for the caller to refund); still waiting, the
// withdrawal has not happened, and writeErr (or an unknown outcome) says
// why.
func withdrawn(d provider.Donation, writeErr error) (provider.Donation, error) {
	switch {
	case d.Status == provider.DonationCanceled || d.Status == provider.DonationFailed:
		return d, nil
	case d.Status == provider.DonationSucceeded:
		return provider.Donation{}, fmt.Errorf("stripe: withdraw donation %s: it succeeded: %w", d.ID, provider.ErrInvalidState)
	case writeErr != nil:
		return provider.Donation{}, writeErr
	}
	return provider.Donation{}, fmt.Errorf("stripe: donation %s still waits after its withdrawal: %w", d.ID, provider.ErrUnknownOutcome)
}

// Donation reads a donation: a one-off donation's PaymentIntent, a month's
// invoice, or a month by the PaymentIntent that paid its invoice, which is
// what Stripe's refund and dispute events of a month name. That
// PaymentIntent carries none of the donation's metadata; its invoice is
// found through the invoice payments that name it
// (https://docs.stripe.com/api/invoice-payment/list).
func (p *Provider) Donation(ctx context.Context, donationID string) (provider.Donation, error) {
	if isInvoice(donationID) {
		return p.invoiceDonation(ctx, donationID)
	}
	pi, err := p.api.V1PaymentIntents.Retrieve(ctx, donationID, &stripego.PaymentIntentRetrieveParams{
		Expand: stripego.StringSlice([]string{"latest_charge"}),
	})
	if err != nil {
		return provider.Donation{}, mapError(err, read)
	}
	nonprofit, ok := pi.Metadata[metaNonprofit]
	if ok {
		return donationOf(pi, nonprofit, false)
	}
	invoiceID, err := p.invoicePaidBy(ctx, pi.ID)
	if err != nil {
		return provider.Donation{}, err
	}
	if invoiceID == "" {
		return provider.Donation{}, fmt.Errorf("stripe: PaymentIntent %s is not a donation: %w", donationID, provider.ErrNotFound)
	}
	return p.invoiceDonation(ctx, invoiceID)
}

// invoicePaidBy is the id of the invoice the PaymentIntent piID paid, or
// empty if it paid none.
func (p *Provider) invoicePaidBy(ctx context.Context, piID string) (string, error) {
	for ip, err := range p.api.V1InvoicePayments.List(ctx, &stripego.InvoicePaymentListParams{
		Payment: &stripego.InvoicePaymentListPaymentParams{Type: stripego.String("payment_intent"), PaymentIntent: stripego.String(piID)},
	}).All(ctx) {
		if err != nil {
			return "", mapError(err, read)
		}
		if ip.Invoice != nil && ip.Invoice.ID != "" {
			return ip.Invoice.ID, nil
		}
	}
	return "", nil
}

// donationOf maps a donation's PaymentIntent, like paymentOf.
func donationOf(pi *stripego.PaymentIntent, nonprofitID string, fresh bool) (provider.Donation, error) {
	if pi.ID == "" {
		return provider.Donation{}, unreadable("PaymentIntent", "(no id)", errNoID)
	}
	amount, err := fromStripe(pi.Amount, string(pi.Currency))
	if err != nil {
		return provider.Donation{}, unreadable("PaymentIntent", pi.ID, err)
	}
	d := provider.Donation{ID: pi.ID, NonprofitID: nonprofitID, Amount: amount, Refunded: money.Zero(amount.Currency())}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		// What was charged is amount_received: less than amount when
		// the issuer approved part of it (a partial authorization).
		d.Status = provider.DonationSucceeded
		if d.Amount, err = fromStripe(pi.AmountReceived, string(pi.Currency)); err != nil {
			return provider.Donation{}, unreadable("PaymentIntent", pi.ID, err)
		}
		if d.Refunded, err = refunded(pi); err != nil {
			return provider.Donation{}, unreadable("PaymentIntent", pi.ID, err)
		}
	case stripego.PaymentIntentStatusRequiresAction, stripego.PaymentIntentStatusRequiresConfirmation:
		d.Status, d.NextAction = provider.DonationRequiresAction, nextAction(pi)
	case stripego.PaymentIntentStatusProcessing:
		return provider.Donation{}, stillProcessing(pi)
	case stripego.PaymentIntentStatusRequiresPaymentMethod:
		if fresh {
			return provider.Donation{}, declined(pi.LastPaymentError)
		}
		d.Status = provider.DonationFailed
	case stripego.PaymentIntentStatusCanceled:
		d.Status = provider.DonationCanceled
	default:
		return provider.Donation{}, fmt.Errorf("stripe: donation %s in status %q: %w", pi.ID, pi.Status, provider.ErrUnknownOutcome)
	}
	return d, nil
}

func isInvoice(id string) bool { return strings.HasPrefix(id, "in_") }

func mustDecimal(s string) decimal.Decimal { return decimal.RequireFromString(s) }
