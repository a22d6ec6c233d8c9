package buybutton

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Refund is money returned, or being returned, to a buyer or donor.
type Refund struct {
	ID               string // ours; also the provider call's idempotency key
	ProviderRefundID string // set once the provider answered
	// Amount is what the refund returns: what was asked, or, once the
	// provider answered that it refunded another amount, that amount.
	Amount money.Amount
	// Asked is the amount asked, kept only when the provider answered
	// that it refunded another (Amount): a refund the platform made
	// partly, or an adapter that scales minor units wrongly. The money
	// moved is what the platform says it moved, so the books follow its
	// answer, and the call and its retries return [ErrUnexpectedAnswer]
	// for someone to look at the provider. Nil otherwise.
	Asked  *money.Amount
	Reason string
	Status RefundStatus
	// Lines are the units of the order's lines this refund returns, for a
	// refund asked by lines ([RefundParams].Lines); empty for one asked by
	// amount.
	Lines   []RefundLine
	Failure string // why the provider refused a failed refund
	// FailureKind names the provider's error kind of the refusal
	// ("invalid_state", "refund_exceeds_capture", ...), so that a retry
	// with the refund's key answers the kind the first call did. Empty
	// for a refund that failed after it was made.
	FailureKind string
	CreatedAt   time.Time
}

// RefundStatus is where a refund is.
type RefundStatus string

const (
	// RefundPending: recorded, and its amount set aside, before the
	// provider is called; it stays pending while the outcome is unknown.
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	// RefundFailed: the provider refused, or the refund failed after it
	// was made (Failure says which); nothing was returned. It is final: a
	// retry with the refund's key returns it with [ErrRefundFailed] and
	// the provider's kind it was refused with, as the first call did, and
	// a new key asks again.
	RefundFailed RefundStatus = "failed"
)

// refundable is a record money can be returned from: an order's captured
// payment, or a donation's charge. One refund rule serves both.
type refundable interface {
	refundList() *[]Refund
	// refundCeiling is what was taken: what refunds may add up to.
	refundCeiling() money.Amount
	// disputeList is the record's disputes: what a lost one took back is
	// no longer the merchant's to refund.
	disputeList() []Dispute
}

// refundedOf is the sum of a record's succeeded refunds.
func refundedOf(r refundable) money.Amount {
	sum := money.Zero(r.refundCeiling().Currency())
	for _, f := range *r.refundList() {
		if f.Status == RefundSucceeded {
			sum, _ = sum.Add(f.Amount)
		}
	}
	return sum
}

// refundableOf is what may still be refunded: what was taken, less refunds
// that succeeded or may yet succeed, and less what disputes the merchant
// lost took back; never below zero.
func refundableOf(r refundable) money.Amount {
	left := r.refundCeiling()
	cur := left.Currency()
	for _, f := range *r.refundList() {
		if f.Status != RefundFailed {
			left, _ = left.Sub(f.Amount)
		}
	}
	left, _ = left.Sub(chargedBackOf(r.disputeList(), cur))
	return atLeastZero(left)
}

// atLeastZero is a, or zero in its currency when a is below zero: what is
// left of a record's money once more went back than it took.
func atLeastZero(a money.Amount) money.Amount {
	if a.IsNegative() {
		return money.Zero(a.Currency())
	}
	return a
}

// returnedOf is what went back to the buyer of what r took: its refunds
// that succeeded, and what disputes the merchant lost took back.
func returnedOf(r refundable) money.Amount {
	sum, _ := refundedOf(r).Add(chargedBackOf(r.disputeList(), r.refundCeiling().Currency()))
	return sum
}

// failAfterwards records on r that the refund e names failed after it was
// made (the card was closed or reported lost), and why: nothing reached
// the buyer, so it no longer counts as refunded, and what it would have
// returned may be refunded again. A refund r does not have yet (made on
// the dashboard, its payment.refunded still to come) is recorded as
// failed, so that its success arriving late is taken for one already
// recorded. It returns the refund and whether it is new, or nil if it
// failed already.
func failAfterwards(r refundable, e provider.Event, now time.Time) (f *Refund, added bool, err error) {
	list := r.refundList()
	why := "failed after it was made: " + e.Reason
	for i := range *list {
		if f := &(*list)[i]; f.ProviderRefundID == e.RefundID && e.RefundID != "" {
			if f.Status != RefundSucceeded {
				return nil, false, nil
			}
			f.Status, f.Failure = RefundFailed, why
			return f, false, nil
		}
	}
	if err := checkRefundEvent(e, r.refundCeiling().Currency()); err != nil {
		return nil, false, err
	}
	*list = append(*list, Refund{ID: "re_" + uuid.NewString(), ProviderRefundID: e.RefundID, Amount: *e.Amount, Status: RefundFailed, Failure: why, CreatedAt: now})
	return &(*list)[len(*list)-1], true, nil
}

// checkRefundEvent checks that a platform's refund event names the refund
// and carries its amount: positive, in whole minor units of cur.
func checkRefundEvent(e provider.Event, cur money.Currency) error {
	if e.Amount == nil || e.Amount.Currency() != cur || !e.Amount.IsPositive() || !e.Amount.IsRounded() || e.RefundID == "" {
		return invalid("event.amount", "a refund event needs a refund id and a positive amount in minor units of %s", cur)
	}
	return nil
}

// unexplainedRefund reports whether e, a refund made on the platform,
// is one r does not record and that does not fit beside r's refunds. The
// room for it may be one of r's refunds that failed afterwards, its
// failure not told yet (or lost for good): the platform's list of refunds
// says (catchUpPayment, catchUpDonation), before the event is refused.
func unexplainedRefund(r refundable, e provider.Event) bool {
	if e.Amount == nil || recordedRefund(*r.refundList(), e.RefundID) >= 0 {
		return false
	}
	return checkRefundFits(r, *e.Amount) != nil
}

// refundOrItsFailure is e, the event of a refund made on the platform
// that its record could not explain even after reading the platform's
// refunds back (made, as the read-back listed them), as the event of the
// refund's failure (of type failed) when made lists it as failed since:
// the money came back before the event of its refund did, and that event
// does not fit because the money is no longer out. Recorded as its
// failure (as the failure's own event, still to come, would record it),
// it is applied once rather than refused at every delivery. A provider
// that cannot list refunds lists none, and leaves e as it is.
func refundOrItsFailure(made []provider.ListedRefund, e provider.Event, failed provider.EventType) provider.Event {
	for _, r := range made {
		if r.ID == e.RefundID && r.Failure != "" {
			e.Type, e.Reason = failed, r.Failure
		}
	}
	return e
}

// recordedRefund is the index in refunds of the one the platform knows
// by providerRefundID, or -1.
func recordedRefund(refunds []Refund, providerRefundID string) int {
	return slices.IndexFunc(refunds, func(f Refund) bool { return f.ProviderRefundID == providerRefundID })
}

// checkRefundFits checks that a refund the platform reports, of amount,
// fits in what r took beside r's refunds that succeeded. No platform
// refunds more than it took, so an event that says it did is refused and
// recorded nowhere, rather than leave r refunded above what it took.
// Refunds still pending are not counted: one the platform in fact
// refused must not keep out one it made.
func checkRefundFits(r refundable, amount money.Amount) error {
	after, err := refundedOf(r).Add(amount)
	if err != nil {
		return err
	}
	if over, _ := after.Cmp(r.refundCeiling()); over > 0 {
		return invalid("event.amount", "a refund of %s would bring the refunds to %s, above the %s taken", amount, after, r.refundCeiling())
	}
	return nil
}

func findRefund(r refundable, id string) *Refund {
	list := *r.refundList()
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// refundTarget is one record to refund from, and how: read it, change it
// with compare-and-set, ask the provider, and add what a settled refund
// changes beside the record (events, transitions, totals). settled gets
// the refund still pending and settle, which records the provider's
// answer on it: what settled reads before calling settle is the record as
// it was, after, as it will be.
type refundTarget[R refundable] struct {
	kind    string // "order" or "donation"
	id      string
	read    func(ctx context.Context) (R, error)
	update  func(ctx context.Context, change func(r R, tx *Tx) (skip bool, err error)) error
	send    func(ctx context.Context, r R, f Refund) (provider.Refund, error)
	unit    func(r R) money.Amount // the step r's platform refunds in (provider.ChargeUnits)
	settled func(ctx context.Context, r R, f *Refund, settle func(), tx *Tx, callErr error) error
	// linesAmount prices a refund of lines of r (see refundLinesAmount);
	// nil for a record without lines, which is never asked for lines.
	linesAmount func(r R, lines []RefundLine, unit money.Amount) (money.Amount, error)
}

// startRefund records (or finds) the refund keyed by the caller's key and
// settles it with the provider. It refunds amount, or, when lines are
// given, what those lines come to, priced under the same compare-and-set
// from what the record's refunds have not returned yet.
//
// The refund is recorded as pending, with its amount set aside, before the
// provider is called, in one compare-and-set with the caller's key; so
// refunds racing each other never together exceed what was taken
// (provider.ErrRefundExceedsCapture, nothing refunded), and a retry after a
// crash or an unknown outcome resumes the same refund with the same
// provider key.
func startRefund[R refundable](ctx context.Context, c *Client, t refundTarget[R], amount money.Amount, lines []RefundLine, reason, idempotencyKey, fingerprint string) (*Refund, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // a caller already gone starts no refund
	}
	key := "refund:" + t.id + ":" + idempotencyKey
	refundID := "re_" + uuid.NewString()
	err := t.update(ctx, func(r R, tx *Tx) (bool, error) {
		if cur := r.refundCeiling().Currency(); lines == nil && amount.Currency() != cur {
			return false, invalid("amount", "in %s, not the %s's %s", amount.Currency(), t.kind, cur)
		}
		if rec, err := c.store.Idempotency(ctx, key); err == nil {
			if rec.Fingerprint != fingerprint {
				return false, fmt.Errorf("buybutton: refund key %q: %w", truncate(idempotencyKey, 64), provider.ErrIdempotencyConflict)
			}
			refundID = rec.ResultID
			return true, nil
		} else if !errors.Is(err, ErrNotFound) {
			return false, err
		}
		amount := amount
		if lines != nil {
			var err error
			if amount, err = t.linesAmount(r, lines, t.unit(r)); err != nil {
				return false, err
			}
		}
		if err := checkStep("amount", amount, t.unit(r)); err != nil {
			return false, err
		}
		if over, _ := amount.Cmp(refundableOf(r)); over > 0 {
			return false, fmt.Errorf("buybutton: %s %s: refund of %s leaves %s refundable: %w", t.kind, t.id, amount, refundableOf(r), provider.ErrRefundExceedsCapture)
		}
		*r.refundList() = append(*r.refundList(), Refund{ID: refundID, Amount: amount, Lines: slices.Clone(lines), Reason: reason, Status: RefundPending, CreatedAt: c.now()})
		tx.Idempotency = append(tx.Idempotency, IdempotencyRecord{Key: key, Fingerprint: fingerprint, ResultID: refundID, CreatedAt: c.now()})
		return false, nil
	})
	if conflictOn(err, "idempotency") {
		// A racing call with the same key won: resume its refund.
		return startRefund(ctx, c, t, amount, lines, reason, idempotencyKey, fingerprint)
	}
	if err != nil {
		return nil, err
	}
	return settleRefund(ctx, t, refundID)
}

// settleRefund calls the provider for a pending refund and records the
// answer. A refund that is no longer pending is returned as it is. An
// unknown outcome leaves it pending, for a reconcile to settle, and so
// does a platform that was unavailable or rate limited: nothing happened,
// so the refund has not failed, and sending it again is what settles it.
func settleRefund[R refundable](ctx context.Context, t refundTarget[R], refundID string) (*Refund, error) {
	r, err := t.read(ctx)
	if err != nil {
		return nil, err
	}
	f := findRefund(r, refundID)
	if f == nil {
		return nil, fmt.Errorf("%w: refund %s of %s %s", ErrNotFound, refundID, t.kind, t.id)
	}
	if f.Status != RefundPending {
		return f, refusal(f)
	}
	pr, callErr := t.send(ctx, r, *f)
	if callErr == nil {
		callErr = answerID("refund", pr.ID)
	}
	switch {
	case callErr == nil:
	case !definite(callErr):
		return f, fmt.Errorf("buybutton: refund %s: %w", f.ID, unknownOutcome(callErr))
	case transient(callErr):
		return f, fmt.Errorf("buybutton: refund %s: still pending: %w", f.ID, callErr)
	}
	var settled *Refund
	var answerErr error
	err = t.update(ctx, func(r R, tx *Tx) (bool, error) {
		f := findRefund(r, refundID)
		settled = f
		if f.Status != RefundPending {
			return true, nil
		}
		if callErr == nil {
			if answerErr = checkRefundAnswer(r, *f, pr.Amount, t.unit(r)); answerErr != nil {
				return true, nil
			}
		}
		settle := func() {
			if callErr != nil {
				f.Status, f.Failure, f.FailureKind = RefundFailed, platformText(callErr.Error(), 500), refusalKind(callErr)
				// A refund the platform made and failed at once has an id,
				// which its failure event, if one comes, is matched by.
				var made *provider.RefundFailedError
				if errors.As(callErr, &made) {
					f.ProviderRefundID = made.RefundID
				}
			} else {
				f.Status, f.ProviderRefundID = RefundSucceeded, pr.ID
				if asked := f.Amount; !pr.Amount.Equal(asked) {
					f.Asked, f.Amount = &asked, pr.Amount
				}
			}
		}
		return false, t.settled(ctx, r, f, settle, tx, callErr)
	})
	if err != nil {
		return nil, err
	}
	if answerErr != nil {
		return settled, answerErr
	}
	if callErr != nil {
		return settled, fmt.Errorf("%w: refund %s: %w", ErrRefundFailed, refundID, callErr)
	}
	return settled, refusal(settled)
}

// checkRefundAnswer checks the amount the provider answered that it
// refunded, for f, a refund of r still pending. The amount asked is
// right; another amount is taken for what the platform moved, and
// recorded, if it could have moved it: in r's currency, positive, whole
// steps of unit, and within what r took beside the refunds that
// succeeded. An answer that could not be true leaves the refund pending,
// as an outcome not known yet (ErrUnknownOutcome), for someone to look at
// the provider: recording it would put refunds in the books that no
// platform made.
func checkRefundAnswer(r refundable, f Refund, answered, unit money.Amount) error {
	if answered.Equal(f.Amount) {
		return nil
	}
	cur := r.refundCeiling().Currency()
	if answered.Currency() != cur || !answered.IsPositive() || checkStep("amount", answered, unit) != nil || checkRefundFits(r, answered) != nil {
		return fmt.Errorf("%w: refund %s: the platform answered %s, asked %s, which it cannot have refunded of %s taken", ErrUnknownOutcome, f.ID, answered, f.Amount, r.refundCeiling())
	}
	return nil
}

// refusal is the error a settled refund is returned with: ErrRefundFailed
// for one the provider refused, with the kind it was refused with,
// ErrUnexpectedAnswer for one it made of another amount than asked, and
// nil for one that succeeded as asked.
func refusal(f *Refund) error {
	if f.Status == RefundSucceeded && f.Asked != nil {
		return fmt.Errorf("%w: refund %s is of %s, asked %s", ErrUnexpectedAnswer, f.ID, f.Amount, *f.Asked)
	}
	if f.Status != RefundFailed {
		return nil
	}
	for _, k := range refusalKinds {
		if k.name == f.FailureKind {
			return fmt.Errorf("%w: refund %s: %w: %s", ErrRefundFailed, f.ID, k.kind, f.Failure)
		}
	}
	return fmt.Errorf("%w: refund %s: %s", ErrRefundFailed, f.ID, f.Failure)
}

// refusalKinds are the provider's error kinds a refund is refused with
// for good, with the name a failed Refund keeps of its kind.
var refusalKinds = []struct {
	name string
	kind error
}{
	{"refund_exceeds_capture", provider.ErrRefundExceedsCapture},
	{"invalid_state", provider.ErrInvalidState},
	{"invalid_request", provider.ErrInvalidRequest},
	{"not_found", provider.ErrNotFound},
	{"declined", provider.ErrDeclined},
	{"idempotency_conflict", provider.ErrIdempotencyConflict},
}

// refusalKind is the name of the first of refusalKinds err matches, or
// "".
func refusalKind(err error) string {
	for _, k := range refusalKinds {
		if errors.Is(err, k.kind) {
			return k.name
		}
	}
	return ""
}

// settlePending settles every pending refund of a record, by asking the
// provider again with the same keys. It reports the refunds that are still
// pending; one the provider refused is settled (as failed), not an error.
func settlePending[R refundable](ctx context.Context, t refundTarget[R]) error {
	r, err := t.read(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range *r.refundList() {
		if f.Status == RefundPending {
			if settled, err := settleRefund(ctx, t, f.ID); err != nil && (settled == nil || settled.Status == RefundPending) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
