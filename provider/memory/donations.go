package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// DefaultChargeTerms are the memory provider's minimum charge and fee
// schedule in c, modelled on card pricing: 2.9% + 0.30 in currencies with
// two minor digits, 2.9% + 0.100 with three, and 3.6% with no fixed fee
// with none (as Stripe prices cards in Japan). The minimum is 0.50, 0.500
// or 50. Fees round half-up.
func DefaultChargeTerms(c money.Currency) provider.ChargeTerms {
	digits, _ := c.Digits()
	minor := func(units int64) money.Amount {
		a, _ := money.FromMinor(units, c)
		return a
	}
	t := provider.ChargeTerms{FeeRounding: money.HalfUp}
	switch digits {
	case 0:
		t.Minimum, t.FeeRate, t.FeeFixed = minor(50), decimal.New(36, -3), minor(0)
	case 3:
		t.Minimum, t.FeeRate, t.FeeFixed = minor(500), decimal.New(29, -3), minor(100)
	default:
		t.Minimum, t.FeeRate, t.FeeFixed = minor(50), decimal.New(29, -3), minor(30)
	}
	return t
}

// Nonprofits implements provider.Donations.
func (p *Provider) Nonprofits(ctx context.Context, ids []string) ([]provider.Nonprofit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []provider.Nonprofit
	for _, id := range ids {
		if n, ok := p.nonprofits[id]; ok {
			out = append(out, n.Clone())
		}
	}
	return out, nil
}

// ChargeTerms implements provider.Donations.
func (p *Provider) ChargeTerms(ctx context.Context, c money.Currency) (provider.ChargeTerms, error) {
	if c != p.currency {
		return provider.ChargeTerms{}, fmt.Errorf("memory: currency %s not supported, only %s: %w", c, p.currency, provider.ErrInvalidRequest)
	}
	return p.terms, nil
}

// Donate implements provider.Donations, with the test tokens of Authorize.
func (p *Provider) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	d, fresh, err := once(p, "donate", req.IdempotencyKey, donateFingerprint(req), true, func() (provider.Donation, error) {
		return p.donateLocked(req, "")
	})
	if fresh && err == nil && req.Token == TokenUnknownOutcome {
		return provider.Donation{}, fmt.Errorf("memory: donate %s: response lost: %w", d.ID, provider.ErrUnknownOutcome)
	}
	return d, err
}

func donateFingerprint(req provider.DonateRequest) string {
	return req.NonprofitID + "|" + req.Amount.String() + "|" + req.Token + "|" + req.ReturnURL
}

// donateLocked charges one donation, of a monthly donation if monthlyID is
// set. p.mu is held.
func (p *Provider) donateLocked(req provider.DonateRequest, monthlyID string) (provider.Donation, error) {
	n, ok := p.nonprofits[req.NonprofitID]
	switch {
	case !ok:
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q: %w", req.NonprofitID, provider.ErrNotFound)
	case !n.Verified:
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q is not verified: %w", n.ID, provider.ErrInvalidRequest)
	case !slices.Contains(n.Currencies, req.Amount.Currency()):
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q does not accept %s: %w", n.ID, req.Amount.Currency(), provider.ErrInvalidRequest)
	}
	if err := p.checkAmount(req.Amount); err != nil {
		return provider.Donation{}, err
	}
	if below, _ := req.Amount.Cmp(p.terms.Minimum); below < 0 || !req.Amount.IsRounded() {
		return provider.Donation{}, fmt.Errorf("memory: donation of %s: the minimum is %s, in minor units: %w", req.Amount, p.terms.Minimum, provider.ErrInvalidRequest)
	}
	needsAction, err := p.tokenOutcome(req.Token, "donate")
	if err != nil {
		return provider.Donation{}, err
	}
	d := &provider.Donation{
		ID:          p.newID("don"),
		NonprofitID: n.ID,
		MonthlyID:   monthlyID,
		Status:      provider.DonationSucceeded,
		Amount:      req.Amount,
		Refunded:    money.Zero(req.Amount.Currency()),
	}
	if needsAction {
		d.Status, d.NextAction = provider.DonationRequiresAction, actionFor(d.ID)
	}
	p.donations[d.ID] = d
	p.stats.Donations++
	if d.Status == provider.DonationSucceeded {
		p.emit(provider.Event{Type: provider.EventDonationSucceeded, DonationID: d.ID, MonthlyID: monthlyID, Amount: &d.Amount})
	}
	return *d, nil
}

// RefundDonation implements provider.Donations.
func (p *Provider) RefundDonation(ctx context.Context, req provider.RefundDonationRequest) (provider.Refund, error) {
	ref, _, err := once(p, "refund-donation", req.IdempotencyKey, req.DonationID+"|"+req.Amount.String(), false, func() (provider.Refund, error) {
		d, ok := p.donations[req.DonationID]
		if !ok {
			return provider.Refund{}, fmt.Errorf("memory: donation %q: %w", req.DonationID, provider.ErrNotFound)
		}
		if d.Status != provider.DonationSucceeded {
			return provider.Refund{}, fmt.Errorf("memory: refund donation %s in state %s: %w", d.ID, d.Status, provider.ErrInvalidState)
		}
		ceiling, err := p.refundBlockedLocked(d.ID, d.Amount)
		if err != nil {
			return provider.Refund{}, err
		}
		return p.refundLocked(&d.Refunded, ceiling, d.ID, req.Amount, provider.Event{Type: provider.EventDonationRefunded, DonationID: d.ID, MonthlyID: d.MonthlyID})
	})
	return ref, err
}

// Donation implements provider.Donations.
func (p *Provider) Donation(ctx context.Context, donationID string) (provider.Donation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.donations[donationID]
	if !ok {
		return provider.Donation{}, fmt.Errorf("memory: donation %q: %w", donationID, provider.ErrNotFound)
	}
	return own(*d), nil
}

// WithdrawDonation implements provider.DonationWithdrawals.
func (p *Provider) WithdrawDonation(ctx context.Context, req provider.WithdrawDonationRequest) (provider.Donation, error) {
	d, _, err := once(p, "withdraw-donation", req.IdempotencyKey, req.DonationID, false, func() (provider.Donation, error) {
		d, ok := p.donations[req.DonationID]
		if !ok {
			return provider.Donation{}, fmt.Errorf("memory: donation %q: %w", req.DonationID, provider.ErrNotFound)
		}
		m := p.monthly[d.MonthlyID]
		switch {
		case m != nil && m.Status != provider.MonthlyCanceled:
			return provider.Donation{}, fmt.Errorf("memory: donation %s is a month of monthly donation %s, which is %s: cancel it first: %w", d.ID, m.ID, m.Status, provider.ErrInvalidState)
		case d.Status == provider.DonationRequiresAction:
			d.Status, d.NextAction = provider.DonationCanceled, nil
			p.stats.Withdrawals++
			if m != nil && m.First.ID == d.ID {
				m.First = *d
			}
		case d.Status == provider.DonationSucceeded:
			return provider.Donation{}, fmt.Errorf("memory: withdraw donation %s in state %s: %w", d.ID, d.Status, provider.ErrInvalidState)
		}
		return *d, nil
	})
	return d, err
}

func (p *Provider) completeDonationActionLocked(id string, succeed bool) error {
	d, ok := p.donations[id]
	if !ok {
		return fmt.Errorf("memory: no payment or donation %q: %w", id, provider.ErrNotFound)
	}
	if d.Status != provider.DonationRequiresAction {
		return fmt.Errorf("memory: donation %s is %s: %w", id, d.Status, provider.ErrInvalidState)
	}
	d.NextAction = nil
	if succeed {
		d.Status = provider.DonationSucceeded
		p.emit(provider.Event{Type: provider.EventDonationSucceeded, DonationID: id, MonthlyID: d.MonthlyID, Amount: &d.Amount})
	} else {
		d.Status = provider.DonationFailed
		p.emit(provider.Event{Type: provider.EventDonationFailed, DonationID: id, MonthlyID: d.MonthlyID, Reason: "authentication_failed"})
	}
	if m, ok := p.monthly[d.MonthlyID]; ok && m.Status == provider.MonthlyIncomplete {
		m.First = *d
		m.Status = provider.MonthlyActive
		if !succeed {
			m.Status, m.NextChargeAt = provider.MonthlyCanceled, time.Time{}
		}
	}
	return nil
}
