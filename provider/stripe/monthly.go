package stripe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// A monthly donation is a Stripe Billing Subscription. StartMonthly
// creates, each with a key derived from the library's:
//
//   - a Product per nonprofit, once (id buybutton_donation_…), that the
//     subscriptions' prices belong to;
//   - a Customer holding the donor's PaymentMethod as its default;
//   - a Subscription of one monthly price_data item for the amount, with
//     payment_behavior=allow_incomplete, so that the first month is
//     charged at once and one that needs 3-D Secure waits for the donor.
//
// Stripe charges each month on the subscription's billing anchor (the
// last day, in months without that day), retries failed renewals on the
// account's Smart Retries schedule, and, as its settings say, cancels after
// the last retry. Each month is one invoice: its id is the donation id,
// and the subscription's id is the monthly donation's.

// StartMonthly charges the first month and schedules the rest. A
// request whose key Stripe may have forgotten (see frozen.go) searches
// for the subscription an earlier try made before it makes one.
func (p *Provider) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	n, amount, err := p.checkDonation(req)
	if err != nil {
		return provider.MonthlyDonation{}, err
	}
	var sub *stripego.Subscription
	if p.mayHaveForgotten(req.KeyCreatedAt) {
		if sub, err = p.subscriptionSearchedWithKey(ctx, req.IdempotencyKey); err != nil {
			return provider.MonthlyDonation{}, forgottenKeyUnknown(req.IdempotencyKey, err)
		}
	}
	if sub == nil {
		if sub, err = p.createSubscription(ctx, req, n, amount); err != nil {
			return provider.MonthlyDonation{}, err
		}
	}
	m, declinedErr, err := p.monthlyOf(ctx, sub, sub.LatestInvoice)
	if err != nil {
		return provider.MonthlyDonation{}, err
	}
	if declinedErr != nil {
		// A declined first month starts nothing: end the incomplete
		// subscription so that Stripe never retries it.
		cancel := &stripego.SubscriptionCancelParams{}
		cancel.SetIdempotencyKey(req.IdempotencyKey + "/cancel-declined")
		if _, err := p.api.V1Subscriptions.Cancel(ctx, sub.ID, cancel); err != nil && !errors.Is(mapError(err, write), provider.ErrInvalidState) {
			return provider.MonthlyDonation{}, mapError(err, write)
		}
		return provider.MonthlyDonation{}, declinedErr
	}
	return m, nil
}

// createSubscription makes the donor's Customer and the Subscription
// that charges amount a month, and returns the subscription as it is now.
func (p *Provider) createSubscription(ctx context.Context, req provider.DonateRequest, n Nonprofit, amount int64) (*stripego.Subscription, error) {
	product, err := p.donationProduct(ctx, n)
	if err != nil {
		return nil, err
	}
	cp := &stripego.CustomerCreateParams{
		PaymentMethod:   stripego.String(req.Token),
		InvoiceSettings: &stripego.CustomerCreateInvoiceSettingsParams{DefaultPaymentMethod: stripego.String(req.Token)},
		Metadata:        metadata(nil, req.IdempotencyKey),
	}
	if req.Donor.Email != "" {
		cp.Email = stripego.String(req.Donor.Email)
	}
	if req.Donor.Name != "" {
		cp.Name = stripego.String(req.Donor.Name)
	}
	cp.SetIdempotencyKey(req.IdempotencyKey + "/customer")
	cust, err := p.api.V1Customers.Create(ctx, cp)
	if err != nil {
		return nil, mapError(err, write)
	}
	sp := &stripego.SubscriptionCreateParams{
		Customer: stripego.String(cust.ID),
		Items: []*stripego.SubscriptionCreateItemParams{{
			PriceData: &stripego.SubscriptionCreateItemPriceDataParams{
				Currency:   stripego.String(lower(req.Amount.Currency())),
				Product:    stripego.String(product),
				UnitAmount: stripego.Int64(amount),
				Recurring:  &stripego.SubscriptionCreateItemPriceDataRecurringParams{Interval: stripego.String("month")},
			},
		}},
		DefaultPaymentMethod: stripego.String(req.Token),
		PaymentBehavior:      stripego.String("allow_incomplete"),
		Metadata:             donationMetadata(req),
		Expand:               stripego.StringSlice([]string{"latest_invoice.payments.data.payment.payment_intent"}),
	}
	if n.Account != "" {
		sp.OnBehalfOf = stripego.String(n.Account)
		sp.TransferData = &stripego.SubscriptionCreateTransferDataParams{Destination: stripego.String(n.Account)}
	}
	sp.SetIdempotencyKey(req.IdempotencyKey + "/subscription")
	sub, err := p.api.V1Subscriptions.Create(ctx, sp)
	switch {
	case serverError(err):
		sub, err = p.subscriptionMadeWithKey(ctx, cust.ID, req.IdempotencyKey, mapError(err, write))
	case err != nil:
		err = mapError(err, write)
	case replayed(sub.LastResponse):
		sub, err = p.subscription(ctx, sub.ID)
	}
	return sub, err
}

// subscriptionSearchedWithKey finds the monthly donation's subscription
// that carries key in its metadata, read afresh; nil if search has none.
func (p *Provider) subscriptionSearchedWithKey(ctx context.Context, key string) (*stripego.Subscription, error) {
	params := &stripego.SubscriptionSearchParams{SearchParams: keySearch(key)}
	sub, ok, err := searchedWithKey(ctx, p.api.V1Subscriptions.Search(ctx, params), key, func(s *stripego.Subscription) string { return s.ID })
	if err != nil || !ok {
		return nil, err
	}
	return p.subscription(ctx, sub.ID)
}

// subscriptionMadeWithKey answers a subscription create that failed with
// a server error, writeErr (see frozen.go): the customer's subscription
// that carries key in its metadata, if there is one, read afresh. Listing
// a customer's subscriptions, unlike search, shows every one made.
func (p *Provider) subscriptionMadeWithKey(ctx context.Context, customerID, key string, writeErr error) (*stripego.Subscription, error) {
	list := p.api.V1Subscriptions.List(ctx, &stripego.SubscriptionListParams{Customer: stripego.String(customerID), Status: stripego.String("all")})
	sub, err := listedWithKey(ctx, list, key, func(s *stripego.Subscription) map[string]string { return s.Metadata }, writeErr)
	if err != nil {
		return nil, err
	}
	found, err := p.subscription(ctx, sub.ID)
	if err != nil {
		return nil, stillUnknown(writeErr, err)
	}
	return found, nil
}

// donationProduct makes sure the nonprofit's Product exists. Its id is
// derived from the nonprofit's, so creating it twice is harmless: the
// second creation is refused as resource_already_exists.
func (p *Provider) donationProduct(ctx context.Context, n Nonprofit) (string, error) {
	sum := sha256.Sum256([]byte(n.ID))
	id := "buybutton_donation_" + hex.EncodeToString(sum[:12])
	params := &stripego.ProductCreateParams{
		ID:       stripego.String(id),
		Name:     stripego.String(truncate("Monthly donation to "+n.Name, 250)),
		Metadata: map[string]string{metaNonprofit: n.ID},
	}
	params.SetIdempotencyKey("buybutton/" + id)
	_, err := p.api.V1Products.Create(ctx, params)
	var se *stripego.Error
	if err == nil || (errors.As(err, &se) && se.Code == stripego.ErrorCodeResourceAlreadyExists) {
		return id, nil
	}
	return "", mapError(err, write)
}

// CancelMonthly cancels the subscription; canceling a canceled one
// returns it.
func (p *Provider) CancelMonthly(ctx context.Context, monthlyID string) (provider.MonthlyDonation, error) {
	sub, err := p.subscription(ctx, monthlyID)
	if err != nil {
		return provider.MonthlyDonation{}, err
	}
	if sub.Status != stripego.SubscriptionStatusCanceled && sub.Status != stripego.SubscriptionStatusIncompleteExpired {
		params := &stripego.SubscriptionCancelParams{}
		params.SetIdempotencyKey("buybutton/cancel-monthly/" + monthlyID)
		if _, err := p.api.V1Subscriptions.Cancel(ctx, monthlyID, params); err != nil {
			return provider.MonthlyDonation{}, mapError(err, write)
		}
		if sub, err = p.subscription(ctx, monthlyID); err != nil {
			return provider.MonthlyDonation{}, err
		}
	}
	return p.Monthly(ctx, sub.ID)
}

// MonthsCharged implements provider.MonthlyHistories: the ids of the
// subscription's paid invoices, each a month, oldest first (Stripe lists
// newest first). See https://docs.stripe.com/api/invoices/list.
func (p *Provider) MonthsCharged(ctx context.Context, monthlyID string) ([]string, error) {
	if _, err := p.subscription(ctx, monthlyID); err != nil {
		return nil, err
	}
	var ids []string
	for inv, err := range p.api.V1Invoices.List(ctx, &stripego.InvoiceListParams{
		Subscription: stripego.String(monthlyID),
		Status:       stripego.String(string(stripego.InvoiceStatusPaid)),
	}).All(ctx) {
		if err != nil {
			return nil, mapError(err, read)
		}
		ids = append(ids, inv.ID)
	}
	slices.Reverse(ids)
	return ids, nil
}

// Monthly reads a monthly donation; its first month is the subscription's
// first invoice.
func (p *Provider) Monthly(ctx context.Context, monthlyID string) (provider.MonthlyDonation, error) {
	sub, err := p.subscription(ctx, monthlyID)
	if err != nil {
		return provider.MonthlyDonation{}, err
	}
	var first *stripego.Invoice
	for inv, err := range p.api.V1Invoices.List(ctx, &stripego.InvoiceListParams{
		Subscription: stripego.String(monthlyID),
		Expand:       stripego.StringSlice([]string{"data.payments.data.payment.payment_intent"}),
	}).All(ctx) {
		if err != nil {
			return provider.MonthlyDonation{}, mapError(err, read)
		}
		if inv.BillingReason == stripego.InvoiceBillingReasonSubscriptionCreate {
			first = inv
			break
		}
	}
	m, declinedErr, err := p.monthlyOf(ctx, sub, first)
	if err != nil {
		return provider.MonthlyDonation{}, err
	}
	if declinedErr != nil {
		m.First.Status = provider.DonationFailed
	}
	return m, nil
}

func (p *Provider) subscription(ctx context.Context, id string) (*stripego.Subscription, error) {
	sub, err := p.api.V1Subscriptions.Retrieve(ctx, id, &stripego.SubscriptionRetrieveParams{
		Expand: stripego.StringSlice([]string{"latest_invoice.payments.data.payment.payment_intent"}),
	})
	if err != nil {
		return nil, mapError(err, read)
	}
	if _, ok := sub.Metadata[metaNonprofit]; !ok {
		return nil, fmt.Errorf("stripe: subscription %s is not a monthly donation: %w", id, provider.ErrNotFound)
	}
	return sub, nil
}

// monthlyOf maps a subscription and its first invoice. A first month
// that was declined is reported as declinedErr beside the mapping.
func (p *Provider) monthlyOf(ctx context.Context, sub *stripego.Subscription, first *stripego.Invoice) (m provider.MonthlyDonation, declinedErr error, err error) {
	if sub.Items == nil || len(sub.Items.Data) != 1 || sub.Items.Data[0].Price == nil {
		return m, nil, fmt.Errorf("stripe: subscription %s does not have the one price of a monthly donation: %w", sub.ID, provider.ErrInvalidState)
	}
	item := sub.Items.Data[0]
	amount, err := fromStripe(item.Price.UnitAmount, string(item.Price.Currency))
	if err != nil {
		return m, nil, unreadable("subscription", sub.ID, err)
	}
	m = provider.MonthlyDonation{ID: sub.ID, NonprofitID: sub.Metadata[metaNonprofit], Amount: amount}
	switch sub.Status {
	case stripego.SubscriptionStatusIncomplete:
		m.Status = provider.MonthlyIncomplete
	case stripego.SubscriptionStatusActive, stripego.SubscriptionStatusTrialing:
		m.Status = provider.MonthlyActive
	case stripego.SubscriptionStatusPastDue, stripego.SubscriptionStatusUnpaid, stripego.SubscriptionStatusPaused:
		m.Status = provider.MonthlyPastDue
	default: // canceled, incomplete_expired
		m.Status = provider.MonthlyCanceled
	}
	if m.Status != provider.MonthlyCanceled && item.CurrentPeriodEnd > 0 {
		m.NextChargeAt = time.Unix(item.CurrentPeriodEnd, 0).UTC()
	}
	if first == nil {
		return m, nil, fmt.Errorf("stripe: subscription %s has no first invoice: %w", sub.ID, provider.ErrUnknownOutcome)
	}
	// The first month with no charge to read its state from.
	uncharged := func(status provider.DonationStatus) provider.Donation {
		return provider.Donation{ID: first.ID, NonprofitID: m.NonprofitID, MonthlyID: sub.ID, Status: status, Amount: amount, Refunded: money.Zero(amount.Currency())}
	}
	pi := invoicePI(first)
	if pi == nil {
		if first.Status == stripego.InvoiceStatusPaid { // paid without a charge (a credit balance)
			m.First = uncharged(provider.DonationSucceeded)
			return m, nil, nil
		}
		return m, nil, fmt.Errorf("stripe: invoice %s has no payment yet: %w", first.ID, provider.ErrUnknownOutcome)
	}
	d, err := donationOf(pi, m.NonprofitID, true)
	if errors.Is(err, provider.ErrDeclined) {
		m.First = uncharged(provider.DonationFailed)
		return m, err, nil
	}
	if err != nil {
		return m, nil, err
	}
	d.ID, d.MonthlyID, d.PaymentID = first.ID, sub.ID, pi.ID
	m.First = d
	return m, nil, nil
}

// invoicePI is the PaymentIntent of an invoice's payment, expanded, or nil.
func invoicePI(inv *stripego.Invoice) *stripego.PaymentIntent {
	if inv == nil || inv.Payments == nil {
		return nil
	}
	var found *stripego.PaymentIntent
	for _, ip := range inv.Payments.Data {
		if ip.Payment != nil && ip.Payment.PaymentIntent != nil {
			found = ip.Payment.PaymentIntent
			if ip.Status == "paid" {
				return found
			}
		}
	}
	return found
}

// invoicePaymentIntent returns the id of the PaymentIntent that pays (or
// tries to pay) an invoice, or empty if none does yet.
func (p *Provider) invoicePaymentIntent(ctx context.Context, invoiceID string) (string, error) {
	inv, err := p.invoice(ctx, invoiceID)
	if err != nil {
		return "", err
	}
	if pi := invoicePI(inv); pi != nil {
		return pi.ID, nil
	}
	return "", nil
}

func (p *Provider) invoice(ctx context.Context, id string) (*stripego.Invoice, error) {
	inv, err := p.api.V1Invoices.Retrieve(ctx, id, &stripego.InvoiceRetrieveParams{
		Expand: stripego.StringSlice([]string{"payments.data.payment.payment_intent"}),
	})
	if err != nil {
		return nil, mapError(err, read)
	}
	return inv, nil
}

// invoiceDonation reads one month of a monthly donation.
func (p *Provider) invoiceDonation(ctx context.Context, invoiceID string) (provider.Donation, error) {
	inv, err := p.invoice(ctx, invoiceID)
	if err != nil {
		return provider.Donation{}, err
	}
	if inv.Parent == nil || inv.Parent.SubscriptionDetails == nil || inv.Parent.SubscriptionDetails.Subscription == nil {
		return provider.Donation{}, fmt.Errorf("stripe: invoice %s is not a monthly donation's: %w", invoiceID, provider.ErrNotFound)
	}
	details := inv.Parent.SubscriptionDetails
	nonprofit, ok := details.Metadata[metaNonprofit]
	if !ok {
		return provider.Donation{}, fmt.Errorf("stripe: invoice %s is not a monthly donation's: %w", invoiceID, provider.ErrNotFound)
	}
	pi := invoicePI(inv)
	if pi == nil {
		return provider.Donation{}, fmt.Errorf("stripe: invoice %s has no payment yet: %w", invoiceID, provider.ErrUnknownOutcome)
	}
	// The expanded PaymentIntent has no charge; read it with its charge
	// for what was refunded.
	full, err := p.api.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripego.PaymentIntentRetrieveParams{
		Expand: stripego.StringSlice([]string{"latest_charge"}),
	})
	if err != nil {
		return provider.Donation{}, mapError(err, read)
	}
	d, err := donationOf(full, nonprofit, false)
	if err != nil {
		return provider.Donation{}, err
	}
	d.ID, d.MonthlyID, d.PaymentID = inv.ID, details.Subscription.ID, pi.ID
	return d, nil
}
