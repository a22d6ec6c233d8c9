package memory

import (
	"context"
	"fmt"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// dispute is a buyer's bank disputing a captured payment or a succeeded
// donation, as Dispute opened it.
type dispute struct {
	id       string
	sourceID string // the payment's or the donation's id
	donation bool
	amount   money.Amount
	reason   string
	inquiry  bool
	outcome  string // empty while open
}

// Dispute plays the buyer's bank disputing amount of a captured payment or
// a succeeded donation (id is either's), for reason, as an inquiry (the
// bank asks; nothing is taken) or a chargeback, and queues the
// payment.disputed (or donation.disputed) webhook a platform would send.
// While a chargeback is open the payment cannot be refunded
// (ErrInvalidState, as Stripe refuses a disputed charge); once lost, its
// amount is no longer refundable. It returns the dispute's id.
func (p *Provider) Dispute(id string, amount money.Amount, reason string, inquiry bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkAmount(amount); err != nil {
		return "", err
	}
	if !amount.IsPositive() {
		return "", fmt.Errorf("memory: dispute of %s: %w", amount, provider.ErrInvalidRequest)
	}
	d := &dispute{id: p.newID("dp"), sourceID: id, amount: amount, reason: reason, inquiry: inquiry}
	pay, isPayment := p.payments[id]
	don, isDonation := p.donations[id]
	switch {
	case isPayment && pay.Status == provider.PaymentCaptured:
	case isDonation && don.Status == provider.DonationSucceeded:
		d.donation = true
	case isPayment || isDonation:
		return "", fmt.Errorf("memory: %s took no money to dispute: %w", id, provider.ErrInvalidState)
	default:
		return "", fmt.Errorf("memory: payment or donation %q: %w", id, provider.ErrNotFound)
	}
	p.disputes[d.id] = d
	p.disputesOf[id] = append(p.disputesOf[id], d)
	p.emitDispute(d)
	return d.id, nil
}

// EscalateDispute plays the bank filing a chargeback on an open inquiry,
// and queues the webhook, the dispute no longer an inquiry. One that is
// no open inquiry is ErrInvalidState.
func (p *Provider) EscalateDispute(disputeID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.disputeLocked(disputeID)
	if err != nil {
		return err
	}
	if d.outcome != "" || !d.inquiry {
		return fmt.Errorf("memory: dispute %s is no open inquiry: %w", disputeID, provider.ErrInvalidState)
	}
	d.inquiry = false
	p.emitDispute(d)
	return nil
}

// CloseDispute ends an open dispute with outcome (provider.DisputeWon,
// DisputeLost or DisputeEnded) and queues the payment.dispute_closed (or
// donation.dispute_closed) webhook. One closed already is
// ErrInvalidState; another outcome is ErrInvalidRequest.
func (p *Provider) CloseDispute(disputeID, outcome string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.disputeLocked(disputeID)
	if err != nil {
		return err
	}
	switch outcome {
	case provider.DisputeWon, provider.DisputeLost, provider.DisputeEnded:
	default:
		return fmt.Errorf("memory: dispute outcome %q: %w", outcome, provider.ErrInvalidRequest)
	}
	if d.outcome != "" {
		return fmt.Errorf("memory: dispute %s ended %s already: %w", disputeID, d.outcome, provider.ErrInvalidState)
	}
	d.outcome = outcome
	e := provider.Event{Type: provider.EventPaymentDisputeClosed, DisputeID: d.id, Amount: &d.amount, Reason: outcome}
	p.addSource(&e, d)
	p.emit(e)
	return nil
}

func (p *Provider) disputeLocked(disputeID string) (*dispute, error) {
	d, ok := p.disputes[disputeID]
	if !ok {
		return nil, fmt.Errorf("memory: dispute %q: %w", disputeID, provider.ErrNotFound)
	}
	return d, nil
}

// emitDispute queues the webhook of an open dispute as it stands.
func (p *Provider) emitDispute(d *dispute) {
	e := provider.Event{Type: provider.EventPaymentDisputed, DisputeID: d.id, Amount: &d.amount, Reason: d.reason, Inquiry: d.inquiry}
	p.addSource(&e, d)
	p.emit(e)
}

// addSource names the dispute's payment or donation on e, with the
// donation's event types for a donation's.
func (p *Provider) addSource(e *provider.Event, d *dispute) {
	if !d.donation {
		e.PaymentID = d.sourceID
		return
	}
	e.DonationID, e.MonthlyID = d.sourceID, p.donations[d.sourceID].MonthlyID
	if e.Type == provider.EventPaymentDisputed {
		e.Type = provider.EventDonationDisputed
	} else {
		e.Type = provider.EventDonationDisputeClosed
	}
}

// DisputesOf implements provider.DisputeHistories, for payments and
// donations alike.
func (p *Provider) DisputesOf(ctx context.Context, id string) ([]provider.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.paymentOrDonationLocked(id); err != nil {
		return nil, err
	}
	var out []provider.Event
	for _, d := range p.disputesOf[id] {
		amount := d.amount
		e := provider.Event{Type: provider.EventPaymentDisputed, PaymentID: id, DisputeID: d.id, Amount: &amount, Reason: d.reason, Inquiry: d.inquiry}
		if d.outcome != "" {
			e.Type, e.Reason, e.Inquiry = provider.EventPaymentDisputeClosed, d.outcome, false
		}
		out = append(out, e)
	}
	return out, nil
}

// refundBlockedLocked is why a refund of the payment or donation id is
// refused for its disputes, or nil: a chargeback open on it refuses any
// refund, and one lost leaves less to refund than ceiling, which it
// returns lowered.
func (p *Provider) refundBlockedLocked(id string, ceiling money.Amount) (money.Amount, error) {
	for _, d := range p.disputesOf[id] {
		switch {
		case d.outcome == "" && !d.inquiry:
			return ceiling, fmt.Errorf("memory: %s is disputed (%s): %w", id, d.id, provider.ErrInvalidState)
		case d.outcome == provider.DisputeLost:
			ceiling, _ = ceiling.Sub(d.amount)
		}
	}
	return ceiling, nil
}
