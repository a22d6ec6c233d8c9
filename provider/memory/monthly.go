package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/buybutton/buybutton/provider"
)

// MaxRenewalFailures is how many renewals in a row may fail before the
// memory provider cancels a monthly donation, as platforms stop retrying.
const MaxRenewalFailures = 3

// renewalRetry is how long after a failed renewal the next try is due.
const renewalRetry = 24 * time.Hour

// monthly is a monthly donation with what the provider needs to renew it.
type monthly struct {
	provider.MonthlyDonation
	request  provider.DonateRequest // the first month's, reused for each renewal
	anchor   time.Time              // the first charge: renewals fall on its day of the month
	renewals int                    // months charged after the first
	failures int                    // renewals failed in a row
	months   []string               // the donations of its months, the first among them, oldest first
}

// StartMonthly implements provider.MonthlyDonations, with the test tokens
// of Authorize.
func (p *Provider) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	m, fresh, err := once(p, "monthly", req.IdempotencyKey, donateFingerprint(req), true, func() (provider.MonthlyDonation, error) {
		id := p.newID("sub")
		first, err := p.donateLocked(req, id)
		if err != nil {
			return provider.MonthlyDonation{}, err
		}
		now := p.now()
		m := &monthly{
			MonthlyDonation: provider.MonthlyDonation{
				ID: id, NonprofitID: req.NonprofitID, Status: provider.MonthlyActive,
				Amount: req.Amount, First: first, NextChargeAt: addMonths(now, 1),
			},
			request: req,
			anchor:  now,
			months:  []string{first.ID},
		}
		if first.Status == provider.DonationRequiresAction {
			m.Status = provider.MonthlyIncomplete
		}
		p.monthly[id] = m
		return m.MonthlyDonation, nil // once returns a copy
	})
	if fresh && err == nil && req.Token == TokenUnknownOutcome {
		return provider.MonthlyDonation{}, fmt.Errorf("memory: monthly %s: response lost: %w", m.ID, provider.ErrUnknownOutcome)
	}
	return m, err
}

// CancelMonthly implements provider.MonthlyDonations.
func (p *Provider) CancelMonthly(ctx context.Context, monthlyID string) (provider.MonthlyDonation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.monthly[monthlyID]
	if !ok {
		return provider.MonthlyDonation{}, fmt.Errorf("memory: monthly donation %q: %w", monthlyID, provider.ErrNotFound)
	}
	if m.Status != provider.MonthlyCanceled {
		p.cancelMonthlyLocked(m, "canceled by the donor")
	}
	return own(m.MonthlyDonation), nil
}

func (p *Provider) cancelMonthlyLocked(m *monthly, reason string) {
	m.Status, m.NextChargeAt = provider.MonthlyCanceled, time.Time{}
	p.emit(provider.Event{Type: provider.EventMonthlyCanceled, MonthlyID: m.ID, Reason: reason})
}

// Monthly implements provider.MonthlyDonations.
func (p *Provider) Monthly(ctx context.Context, monthlyID string) (provider.MonthlyDonation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.monthly[monthlyID]
	if !ok {
		return provider.MonthlyDonation{}, fmt.Errorf("memory: monthly donation %q: %w", monthlyID, provider.ErrNotFound)
	}
	return own(m.MonthlyDonation), nil
}

// MonthsCharged implements provider.MonthlyHistories.
func (p *Provider) MonthsCharged(ctx context.Context, monthlyID string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.monthly[monthlyID]
	if !ok {
		return nil, fmt.Errorf("memory: monthly donation %q: %w", monthlyID, provider.ErrNotFound)
	}
	var out []string
	for _, id := range m.months {
		if p.donations[id].Status == provider.DonationSucceeded {
			out = append(out, id)
		}
	}
	return out, nil
}

// SetMonthlyToken replaces the payment token a monthly donation's renewals
// are charged to: TokenDecline plays a card that starts declining.
func (p *Provider) SetMonthlyToken(monthlyID, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.monthly[monthlyID]
	if !ok {
		return fmt.Errorf("memory: monthly donation %q: %w", monthlyID, provider.ErrNotFound)
	}
	m.request.Token = token
	return nil
}

// RenewDue plays the platform's billing run: it charges every active or
// past-due monthly donation whose next charge is due by the provider's
// clock, queues the webhooks (donation.succeeded or donation.failed with
// the monthly id, and monthly.canceled after [MaxRenewalFailures] failures
// in a row) and returns how many it charged successfully.
func (p *Provider) RenewDue() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, charged := p.now(), 0
	for _, m := range p.monthly {
		for (m.Status == provider.MonthlyActive || m.Status == provider.MonthlyPastDue) && !m.NextChargeAt.After(now) {
			if p.renewLocked(m, now) {
				charged++
			}
		}
	}
	return charged
}

// renewLocked charges one month of m and reports whether it succeeded.
func (p *Provider) renewLocked(m *monthly, now time.Time) bool {
	req := m.request
	if req.Token == TokenActionRequired || req.Token == TokenUnknownOutcome {
		req.Token = TokenApprove // renewals are off-session: no action, no lost answer
	}
	d, err := p.donateLocked(req, m.ID)
	if err != nil {
		m.failures++
		p.emit(provider.Event{Type: provider.EventDonationFailed, MonthlyID: m.ID, Reason: err.Error()})
		if m.failures >= MaxRenewalFailures {
			p.cancelMonthlyLocked(m, "renewal failed")
			return false
		}
		m.Status, m.NextChargeAt = provider.MonthlyPastDue, now.Add(renewalRetry)
		return false
	}
	m.renewals++
	m.months = append(m.months, d.ID)
	m.failures = 0
	m.Status, m.NextChargeAt = provider.MonthlyActive, addMonths(m.anchor, m.renewals+1)
	return true
}

// addMonths returns t moved n calendar months on, on the same day of the
// month, or the last day of a month that has no such day: a monthly
// donation started on 31 January renews on 28 (or 29) February, then 31
// March.
func addMonths(t time.Time, n int) time.Time {
	y, mo, d := t.Date()
	first := time.Date(y, mo+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
