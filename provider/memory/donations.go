package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Nonprofits implements provider.Donations.
func (p *Provider) Nonprofits(ctx context.Context, ids []string) ([]provider.Nonprofit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []provider.Nonprofit
	for _, id := range ids {
		if n, ok := p.nonprofits[id]; ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// Donate implements provider.Donations, with the test tokens of Authorize.
func (p *Provider) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	fp := req.NonprofitID + "|" + req.Amount.String() + "|" + req.Token + "|" + req.ReturnURL
	d, fresh, err := once(p, "donate", req.IdempotencyKey, fp, true, func() (provider.Donation, error) {
		return p.donateLocked(req)
	})
	if fresh && err == nil && req.Token == TokenUnknownOutcome {
		return provider.Donation{}, fmt.Errorf("memory: donate %s: response lost: %w", d.ID, provider.ErrUnknownOutcome)
	}
	return d, err
}

func (p *Provider) donateLocked(req provider.DonateRequest) (provider.Donation, error) {
	n, ok := p.nonprofits[req.NonprofitID]
	switch {
	case !ok:
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q: %w", req.NonprofitID, provider.ErrNotFound)
	case !n.Verified:
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q is not verified: %w", n.ID, provider.ErrInvalidRequest)
	case !slices.Contains(n.Currencies, req.Amount.Currency()):
		return provider.Donation{}, fmt.Errorf("memory: nonprofit %q does not accept %s: %w", n.ID, req.Amount.Currency(), provider.ErrInvalidRequest)
	}
	needsAction, err := p.tokenOutcome(req.Token, "donate")
	if err != nil {
		return provider.Donation{}, err
	}
	d := &provider.Donation{
		ID:          p.newID("don"),
		NonprofitID: n.ID,
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
		p.emit(provider.Event{Type: provider.EventDonationSucceeded, DonationID: d.ID, Amount: &d.Amount})
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
		return p.refundLocked(&d.Refunded, d.Amount, d.ID, req.Amount, provider.Event{Type: provider.EventDonationRefunded, DonationID: d.ID})
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
	return *d, nil
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
		p.emit(provider.Event{Type: provider.EventDonationSucceeded, DonationID: id, Amount: &d.Amount})
	} else {
		d.Status = provider.DonationFailed
		p.emit(provider.Event{Type: provider.EventDonationFailed, DonationID: id, Reason: "authentication_failed"})
	}
	return nil
}
