package buybutton

import (
	"slices"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Dispute is a buyer's bank disputing a payment, as the platform reported
// it: a chargeback, or an inquiry that may become one. The library takes
// no part in it (the merchant or the nonprofit answers on the platform);
// it keeps it in the books, so that what a record says it holds is what
// the platform left it: a dispute lost took its Amount back to the buyer.
type Dispute struct {
	// ProviderDisputeID is the platform's id of the dispute; empty when
	// the platform gives none (a payment then has one dispute).
	ProviderDisputeID string
	// Amount is what the bank disputes, as the platform last reported
	// it: usually the whole payment, sometimes part of it, and it may
	// differ from the charge by a currency conversion.
	Amount money.Amount
	Reason string // the bank's reason, as the platform gave it
	// Inquiry is set while the dispute is an inquiry: the bank asks, no
	// chargeback is filed and nothing was taken yet. It is cleared when
	// the platform says the inquiry became a chargeback.
	Inquiry bool
	// Outcome is empty while the dispute is open, then
	// [provider.DisputeWon], [provider.DisputeLost] or
	// [provider.DisputeEnded].
	Outcome string
	// OpenedAt and ClosedAt are when the dispute opened and ended, by the
	// platform's clock (its event's time), or when the library learned
	// of it if the platform did not say. ClosedAt is zero while it is
	// open.
	OpenedAt time.Time
	ClosedAt time.Time
}

// Open reports whether the dispute is still open.
func (d Dispute) Open() bool { return d.Outcome == "" }

// Lost reports whether the dispute ended with the money going back to the
// buyer.
func (d Dispute) Lost() bool { return d.Outcome == provider.DisputeLost }

// disputeOutcomes are the outcomes a dispute may end in.
var disputeOutcomes = []string{provider.DisputeWon, provider.DisputeLost, provider.DisputeEnded}

// checkDisputeEvent checks that a platform's dispute event carries what
// the books need: the amount disputed, positive and in minor units of
// cur, and, when it closes a dispute, an outcome the contract names.
func checkDisputeEvent(e provider.Event, cur money.Currency) error {
	if e.Amount == nil || e.Amount.Currency() != cur || !e.Amount.IsPositive() || !e.Amount.IsRounded() {
		return invalid("event.amount", "a dispute event needs the amount disputed, positive and in minor units of %s", cur)
	}
	if closes(e) && !slices.Contains(disputeOutcomes, e.Reason) {
		return invalid("event.reason", "a dispute's end needs its outcome (%q, %q or %q), not %q", provider.DisputeWon, provider.DisputeLost, provider.DisputeEnded, e.Reason)
	}
	return nil
}

// closes reports whether e is a dispute's end, of a payment or a donation.
func closes(e provider.Event) bool {
	return e.Type == provider.EventPaymentDisputeClosed || e.Type == provider.EventDonationDisputeClosed
}

// recordDispute records on list what the dispute event e says, and
// reports whether the books changed. A dispute is known by its platform
// id. An end that arrives before its opening records the dispute closed,
// and the opening then changes nothing. A dispute won or lost stays as it
// closed; one that ended without a chargeback (an inquiry closed) is
// opened again, or closed again, by an event that happened after it
// ended, for the bank may still file a chargeback on it.
func recordDispute(list *[]Dispute, e provider.Event, now time.Time) (changed bool) {
	at := e.OccurredAt
	if at.IsZero() {
		at = now
	}
	i := slices.IndexFunc(*list, func(d Dispute) bool { return d.ProviderDisputeID == e.DisputeID })
	switch {
	case i < 0:
		*list = append(*list, Dispute{ProviderDisputeID: e.DisputeID, OpenedAt: at})
		i = len(*list) - 1
	case !(*list)[i].takes(e, at):
		return false
	}
	(*list)[i].take(e, at)
	return true
}

// take records on d what the event e, which happened at at, says: its
// end, or that it is open (again), as an inquiry or a chargeback.
func (d *Dispute) take(e provider.Event, at time.Time) {
	d.Amount = *e.Amount
	if closes(e) {
		d.Outcome, d.ClosedAt = e.Reason, at
		return
	}
	d.Outcome, d.ClosedAt, d.Reason, d.Inquiry = "", time.Time{}, e.Reason, e.Inquiry
}

// takes reports whether the event e, which happened at at, changes d: an
// open dispute takes its end, and an open inquiry its escalation to a
// chargeback (never the way back); one that ended without a chargeback
// takes what happened after it ended, but for another such end; a
// dispute won or lost takes nothing more.
func (d *Dispute) takes(e provider.Event, at time.Time) bool {
	switch {
	case d.Open():
		return closes(e) || d.Inquiry && !e.Inquiry
	case d.Outcome == provider.DisputeEnded:
		return at.After(d.ClosedAt) && (!closes(e) || e.Reason != provider.DisputeEnded)
	}
	return false
}

// chargedBackOf is what the disputes in list took back: the sum of those
// lost.
func chargedBackOf(list []Dispute, cur money.Currency) money.Amount {
	sum := money.Zero(cur)
	for _, d := range list {
		if d.Lost() {
			sum, _ = sum.Add(d.Amount)
		}
	}
	return sum
}

// disputed reports whether a dispute in list is open.
func disputed(list []Dispute) bool {
	for _, d := range list {
		if d.Open() {
			return true
		}
	}
	return false
}

// disputeWhy is the reason a dispute event's transition records.
func disputeWhy(e provider.Event) string {
	switch {
	case closes(e):
		return "dispute " + e.Reason
	case e.Inquiry:
		return "inquiry by the bank: " + e.Reason
	}
	return "disputed by the bank: " + e.Reason
}
