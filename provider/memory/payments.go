package memory

import (
	"context"
	"fmt"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Authorize implements provider.Payments.
func (p *Provider) Authorize(ctx context.Context, req provider.AuthorizeRequest) (provider.Payment, error) {
	fp := req.Amount.String() + "|" + req.Token + "|" + req.ReturnURL
	pay, fresh, err := once(p, "authorize", req.IdempotencyKey, fp, true, func() (provider.Payment, error) {
		return p.authorizeLocked(req)
	})
	if fresh && err == nil && req.Token == TokenUnknownOutcome {
		return provider.Payment{}, fmt.Errorf("memory: authorize %s: response lost: %w", pay.ID, provider.ErrUnknownOutcome)
	}
	return pay, err
}

func (p *Provider) authorizeLocked(req provider.AuthorizeRequest) (provider.Payment, error) {
	if err := p.checkAmount(req.Amount); err != nil {
		return provider.Payment{}, err
	}
	if below, _ := req.Amount.Cmp(p.terms.Minimum); below < 0 {
		return provider.Payment{}, fmt.Errorf("memory: a payment of %s: the minimum charge is %s: %w", req.Amount, p.terms.Minimum, provider.ErrInvalidRequest)
	}
	needsAction, err := p.tokenOutcome(req.Token, "pay")
	if err != nil {
		return provider.Payment{}, err
	}
	pay := &provider.Payment{
		ID:       p.newID("pay"),
		Status:   provider.PaymentAuthorized,
		Amount:   req.Amount,
		Captured: money.Zero(req.Amount.Currency()),
		Refunded: money.Zero(req.Amount.Currency()),
	}
	if needsAction {
		pay.Status, pay.NextAction = provider.PaymentRequiresAction, actionFor(pay.ID)
	}
	p.payments[pay.ID] = pay
	p.stats.Authorizations++
	return *pay, nil
}

// tokenOutcome says what a test token does: approve, approve after an
// extra action, or decline. p.mu is held.
func (p *Provider) tokenOutcome(token, what string) (needsAction bool, err error) {
	switch token {
	case TokenApprove, TokenUnknownOutcome:
		return false, nil
	case TokenActionRequired:
		return true, nil
	case TokenDecline:
		p.stats.Declines++
		return false, &provider.DeclineError{Code: "card_declined", Message: "Your card was declined. Try another payment method."}
	}
	return false, fmt.Errorf("memory: %s: no such payment method token: %w", what, provider.ErrInvalidRequest)
}

func actionFor(id string) *provider.NextAction {
	return &provider.NextAction{
		RedirectURL:  "https://pay.buybutton.example/authenticate/" + id,
		ClientSecret: id + "_secret",
	}
}

// Capture implements provider.Payments.
func (p *Provider) Capture(ctx context.Context, req provider.CaptureRequest) (provider.Payment, error) {
	return p.paymentOp("capture", req.IdempotencyKey, req.PaymentID+"|"+req.Amount.String(), req.PaymentID, func(pay *provider.Payment) error {
		if pay.Status != provider.PaymentAuthorized {
			return fmt.Errorf("memory: capture %s in state %s: %w", pay.ID, pay.Status, provider.ErrInvalidState)
		}
		if err := p.checkAmount(req.Amount); err != nil {
			return err
		}
		if c, err := req.Amount.Cmp(pay.Amount); err != nil || c > 0 {
			return fmt.Errorf("memory: capture %v of %v authorized: %w", req.Amount, pay.Amount, provider.ErrInvalidRequest)
		}
		pay.Status, pay.Captured = provider.PaymentCaptured, req.Amount
		p.stats.Captures++
		return nil
	})
}

// Void implements provider.Payments.
func (p *Provider) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	return p.paymentOp("void", req.IdempotencyKey, req.PaymentID, req.PaymentID, func(pay *provider.Payment) error {
		switch pay.Status {
		case provider.PaymentVoided:
			return nil
		case provider.PaymentAuthorized, provider.PaymentRequiresAction:
			pay.Status, pay.NextAction = provider.PaymentVoided, nil
			p.stats.Voids++
			return nil
		}
		return fmt.Errorf("memory: void %s in state %s: %w", pay.ID, pay.Status, provider.ErrInvalidState)
	})
}

// Refund implements provider.Payments.
func (p *Provider) Refund(ctx context.Context, req provider.RefundRequest) (provider.Refund, error) {
	ref, _, err := once(p, "refund", req.IdempotencyKey, req.PaymentID+"|"+req.Amount.String(), false, func() (provider.Refund, error) {
		pay, ok := p.payments[req.PaymentID]
		if !ok {
			return provider.Refund{}, fmt.Errorf("memory: payment %q: %w", req.PaymentID, provider.ErrNotFound)
		}
		if pay.Status != provider.PaymentCaptured {
			return provider.Refund{}, fmt.Errorf("memory: refund %s in state %s: %w", pay.ID, pay.Status, provider.ErrInvalidState)
		}
		ceiling, err := p.refundBlockedLocked(pay.ID, pay.Captured)
		if err != nil {
			return provider.Refund{}, err
		}
		return p.refundLocked(&pay.Refunded, ceiling, pay.ID, req.Amount, provider.Event{Type: provider.EventPaymentRefunded, PaymentID: pay.ID})
	})
	return ref, err
}

// refundLocked adds amount to *refunded if that stays within ceiling, and
// records the refund and its webhook event ev (whose refund fields it
// fills). It is the one refund rule of payments and donations.
func (p *Provider) refundLocked(refunded *money.Amount, ceiling money.Amount, sourceID string, amount money.Amount, ev provider.Event) (provider.Refund, error) {
	if err := p.checkAmount(amount); err != nil {
		return provider.Refund{}, err
	}
	total, err := refunded.Add(amount)
	if err != nil {
		return provider.Refund{}, fmt.Errorf("memory: refund: %v: %w", err, provider.ErrInvalidRequest)
	}
	if c, _ := total.Cmp(ceiling); c > 0 {
		return provider.Refund{}, fmt.Errorf("memory: refunds would total %v of %v: %w", total, ceiling, provider.ErrRefundExceedsCapture)
	}
	*refunded = total
	ref := provider.Refund{ID: p.newID("re"), PaymentID: sourceID, Amount: amount}
	p.stats.Refunds++
	ev.RefundID, ev.Amount = ref.ID, &ref.Amount
	r := &refund{Refund: ref, from: refunded, event: ev}
	p.refunds[ref.ID] = r
	p.refundsOf[sourceID] = append(p.refundsOf[sourceID], r)
	p.emit(ev)
	return ref, nil
}

// RefundsMade implements provider.RefundHistories, for payments and
// donations alike.
func (p *Provider) RefundsMade(ctx context.Context, id string) ([]provider.ListedRefund, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.paymentOrDonationLocked(id); err != nil {
		return nil, err
	}
	var out []provider.ListedRefund
	for _, r := range p.refundsOf[id] {
		out = append(out, provider.ListedRefund{Refund: r.Refund, Failure: r.failure})
	}
	return out, nil
}

// paymentOrDonationLocked is ErrNotFound unless id is a payment's or a
// donation's.
func (p *Provider) paymentOrDonationLocked(id string) error {
	if _, ok := p.payments[id]; ok {
		return nil
	}
	if _, ok := p.donations[id]; ok {
		return nil
	}
	return fmt.Errorf("memory: payment or donation %q: %w", id, provider.ErrNotFound)
}

// refund is a refund made, as FailRefund needs it.
type refund struct {
	provider.Refund
	from    *money.Amount  // what its payment or donation has refunded
	event   provider.Event // the event that reported it
	failure string         // why it failed, once it failed
}

// FailRefund makes a refund fail after it was made, as a card network does
// when the card was closed or reported lost: the amount is no longer
// refunded (it went back to the merchant), and a payment.refund_failed
// (or donation.refund_failed) webhook is queued with reason. A refund
// that failed already is ErrInvalidState.
func (p *Provider) FailRefund(refundID, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.refunds[refundID]
	if !ok {
		return fmt.Errorf("memory: refund %q: %w", refundID, provider.ErrNotFound)
	}
	if r.failure != "" {
		return fmt.Errorf("memory: refund %s failed already: %w", refundID, provider.ErrInvalidState)
	}
	if reason == "" {
		return fmt.Errorf("memory: refund %s: a failure needs a reason: %w", refundID, provider.ErrInvalidRequest)
	}
	left, err := r.from.Sub(r.Amount)
	if err != nil {
		return err
	}
	*r.from, r.failure = left, reason
	ev := r.event
	ev.Type, ev.Reason = provider.EventPaymentRefundFailed, reason
	if r.event.Type == provider.EventDonationRefunded {
		ev.Type = provider.EventDonationRefundFailed
	}
	p.emit(ev)
	return nil
}

// Payment implements provider.Payments.
func (p *Provider) Payment(ctx context.Context, paymentID string) (provider.Payment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[paymentID]
	if !ok {
		return provider.Payment{}, fmt.Errorf("memory: payment %q: %w", paymentID, provider.ErrNotFound)
	}
	return own(*pay), nil
}

// paymentOp runs an idempotent state change on one payment.
func (p *Provider) paymentOp(op, key, fp, paymentID string, change func(*provider.Payment) error) (provider.Payment, error) {
	pay, _, err := once(p, op, key, fp, false, func() (provider.Payment, error) {
		pay, ok := p.payments[paymentID]
		if !ok {
			return provider.Payment{}, fmt.Errorf("memory: payment %q: %w", paymentID, provider.ErrNotFound)
		}
		if err := change(pay); err != nil {
			return provider.Payment{}, err
		}
		return *pay, nil
	})
	return pay, err
}

// CompleteAction plays the buyer finishing (succeed) or abandoning the
// extra action on a payment or donation in requires_action, and queues the
// webhook a platform would send.
func (p *Provider) CompleteAction(id string, succeed bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pay, ok := p.payments[id]; ok {
		if pay.Status != provider.PaymentRequiresAction {
			return fmt.Errorf("memory: payment %s is %s: %w", id, pay.Status, provider.ErrInvalidState)
		}
		pay.NextAction = nil
		if succeed {
			pay.Status = provider.PaymentAuthorized
			p.emit(provider.Event{Type: provider.EventPaymentAuthorized, PaymentID: id, Amount: &pay.Amount})
		} else {
			pay.Status = provider.PaymentFailed
			p.emit(provider.Event{Type: provider.EventPaymentFailed, PaymentID: id, Reason: "authentication_failed"})
		}
		return nil
	}
	return p.completeDonationActionLocked(id, succeed)
}

// LapseHold ends an authorized payment's hold as a network does when the
// authorization expires uncaptured: the payment is voided and a
// payment.canceled webhook queued.
func (p *Provider) LapseHold(paymentID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[paymentID]
	if !ok {
		return fmt.Errorf("memory: payment %q: %w", paymentID, provider.ErrNotFound)
	}
	if pay.Status != provider.PaymentAuthorized {
		return fmt.Errorf("memory: payment %s is %s: %w", paymentID, pay.Status, provider.ErrInvalidState)
	}
	pay.Status = provider.PaymentVoided
	p.stats.Voids++
	p.emit(provider.Event{Type: provider.EventPaymentCanceled, PaymentID: paymentID, Reason: "authorization expired"})
	return nil
}

// checkAmount refuses an amount the platform cannot charge, capture or
// refund: one in another currency, or not a whole step of its charge unit.
func (p *Provider) checkAmount(a money.Amount) error {
	if a.Currency() != p.currency {
		return fmt.Errorf("memory: currency %s not supported, only %s: %w", a.Currency(), p.currency, provider.ErrInvalidRequest)
	}
	if unit := p.ChargeUnit(p.currency); !a.IsMultipleOf(unit) {
		return fmt.Errorf("memory: %s cannot be moved: only whole steps of %s can: %w", a, unit, provider.ErrInvalidRequest)
	}
	return nil
}
