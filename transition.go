package buybutton

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Transition records one state change of a checkout, order or payment: the
// audit trail a support agent reads. Every transition the library makes is
// committed together with the change it describes.
type Transition struct {
	SubjectID string    // the checkout's, order's, donation's or monthly gift's id
	Machine   string    // "checkout", "order", "payment" (an order's), "donation", "monthly"
	From      string    // "" when the subject was created
	To        string    // may equal From for an edit that keeps the state
	Reason    string    // what happened, e.g. "payment declined: card_declined"
	Actor     string    // "buyer:<id>", "provider:<merchant>", "host", "maintenance"
	At        time.Time //
}

// ErrIllegalTransition means the request is not allowed in the subject's current
// state (confirming a placed checkout, shipping a canceled order). Nothing
// was changed. The error is a [*TransitionError].
var ErrIllegalTransition = errors.New("buybutton: illegal transition")

// TransitionError says which move was refused.
type TransitionError struct {
	Machine string
	ID      string
	From    string
	To      string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%v: %s %s cannot go from %s to %s", ErrIllegalTransition, e.Machine, e.ID, e.From, e.To)
}

func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// machine is a transition table: for each state, the states it may go to.
type machine[S ~string] struct {
	name  string
	edges map[S][]S
}

// allows reports whether from may go to to.
func (m machine[S]) allows(from, to S) bool {
	return slices.Contains(m.edges[from], to)
}

// check returns a *TransitionError unless from may go to to.
func (m machine[S]) check(id string, from, to S) error {
	if m.allows(from, to) {
		return nil
	}
	return &TransitionError{Machine: m.name, ID: id, From: string(from), To: string(to)}
}

// record returns the Transition for a move the caller already checked.
func (m machine[S]) record(id string, from, to S, reason, actor string, at time.Time) Transition {
	return Transition{SubjectID: id, Machine: m.name, From: string(from), To: string(to), Reason: reason, Actor: actor, At: at}
}
