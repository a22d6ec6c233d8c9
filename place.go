package buybutton

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// ConfirmParams confirms a checkout: the buyer pays with PaymentToken (a
// token from the payment platform's card form, never a card number), or
// with the token of one of their saved details. A checkout whose total is
// zero needs neither: it is placed with no payment.
type ConfirmParams struct {
	BuyerID      string
	CheckoutID   string
	PaymentToken string
	SavedID      string // a saved detail whose token to use, instead of PaymentToken
}

// CapturePolicy says when an authorized payment is captured.
type CapturePolicy int

const (
	// CaptureOnPlace captures as soon as the merchant has accepted the
	// order: the buyer is charged at once, and a cancellation refunds.
	CaptureOnPlace CapturePolicy = iota
	// CaptureOnShipment captures when the order.shipped event arrives (as
	// card rules expect for physical goods); a cancellation before that
	// voids the hold. Authorizations last about 7 days on most card
	// networks: a merchant that ships later should use CaptureOnPlace.
	CaptureOnShipment
)

// Confirm places a checkout: it re-quotes (a changed price is
// [ErrPriceChanged] and charges nothing), claims the checkout, reserves
// stock, authorizes the payment, places the order, captures according to
// the [CapturePolicy], and returns the order.
//
// Every outcome is typed: provider.ErrOutOfStock, provider.ErrDeclined,
// [ErrActionRequired], [ErrUnknownOutcome]; after each but the last, the
// checkout is ready to confirm again and nothing is held or charged. Once
// the merchant has accepted the order it is never undone: if the platform
// then refuses the capture for good, the order is returned with payment
// state [PaymentCaptureFailed], and the host is told
// ([EventPaymentCaptureFailed]).
//
// Confirm is safe to retry and to race. The claim is a compare-and-set, so
// of many concurrent calls one places and the others wait for it (until
// ctx is done: [ErrInProgress]) and return the same order. A call on a
// placed checkout returns its order. A call on a checkout waiting for a
// payment action resumes it; with another payment method than the one
// waiting, it gives that one up (voids the hold, releases the stock) and
// pays with the new one, unless the buyer took the action meanwhile: then
// the order is placed on the first, and the new one is not charged. An
// unknown outcome is always resumed, whatever the method: money may have
// moved.
func (c *Client) Confirm(ctx context.Context, p ConfirmParams) (*Order, error) {
	out, err := c.confirm(ctx, p, false)
	if err != nil {
		return nil, err
	}
	return out.order, nil
}

// outcome is what a placement made: an order, or for a donation
// checkout, a donation.
type outcome struct {
	order    *Order
	donation *Donation
}

// confirm is Confirm and ConfirmDonation: gift says which kind of
// checkout the caller means to confirm.
func (c *Client) confirm(ctx context.Context, p ConfirmParams, gift bool) (outcome, error) {
	token := p.PaymentToken
	if p.SavedID != "" {
		saved, err := c.SavedDetail(ctx, p.BuyerID, p.SavedID)
		if err != nil {
			return outcome{}, err
		}
		token = saved.PaymentToken
	}
	for {
		co, err := c.Checkout(ctx, p.BuyerID, p.CheckoutID)
		if err != nil {
			return outcome{}, err
		}
		if gift != (co.Gift != nil) {
			return outcome{}, invalid("checkout_id", "checkout %s is a %s: confirm it with %s", co.ID, co.kind(), co.confirmCall())
		}
		if (co.ready() && (token != "" || !co.Free())) || co.switchesTo(token) {
			if err := checkID("payment_token", token, provider.MaxIDLength); err != nil {
				return outcome{}, err
			}
		}
		out, err := c.advance(ctx, co, token, buyerActor(p.BuyerID))
		if errors.Is(err, errRetry) {
			continue
		}
		return out, err
	}
}

// GroupResult is the outcome of one checkout of a confirmed group.
type GroupResult struct {
	CheckoutID string
	Order      *Order // nil when Err is set
	Err        error
}

// ConfirmGroup confirms every checkout of a group with one payment token:
// the buyer confirms once, and each merchant's checkout is placed as
// [Client.Confirm] places it. p.CheckoutID is the group's id. Checkouts are
// independent: one merchant declining does not undo another's order. The
// error joins the checkouts' errors, each naming its checkout; the results
// say which placed.
func (c *Client) ConfirmGroup(ctx context.Context, p ConfirmParams) ([]GroupResult, error) {
	g, err := c.CheckoutGroup(ctx, p.BuyerID, p.CheckoutID)
	if err != nil {
		return nil, err
	}
	results := make([]GroupResult, len(g.CheckoutIDs))
	var errs []error
	for i, id := range g.CheckoutIDs {
		one := p
		one.CheckoutID = id
		o, err := c.Confirm(ctx, one)
		results[i] = GroupResult{CheckoutID: id, Order: o, Err: err}
		if err != nil {
			errs = append(errs, fmt.Errorf("checkout %s: %w", id, err))
		}
	}
	return results, errors.Join(errs...)
}

// errRetry tells a placement loop to read the checkout again: it changed.
var errRetry = errors.New("buybutton: checkout changed; read again")

// attemptRun says how a claimed attempt runs.
type attemptRun int

const (
	// firstRun: none of the attempt's steps ran before.
	firstRun attemptRun = iota
	// resumedRun: the attempt ran before (its outcome unknown, its claim
	// lapsed, or waiting for the buyer's action), so any step may already
	// have happened, and its key replays it.
	resumedRun
	// switchRun: a resumedRun the buyer gives up on for another payment
	// method, while it waits for their action. If the payment went through
	// meanwhile it is placed as any resumedRun; if it still waits, or
	// failed, the attempt is undone and errRetry returned, so that the
	// confirm starts an attempt with the new method (giveUpWaiting).
	switchRun
	// editRun: a switchRun the buyer gives up on to edit the checkout
	// (giveUpForEdit): once it is undone, the edit goes on.
	editRun
)

// givesUp reports whether the run gives its attempt up unless its payment
// went through.
func (r attemptRun) givesUp() bool { return r == switchRun || r == editRun }

// switchesTo reports whether a confirm with token gives up the attempt
// waiting for the buyer's action for another payment method. A confirm
// with the attempt's own token, or none, resumes it.
func (co *Checkout) switchesTo(token string) bool {
	return co.State == CheckoutRequiresAction && token != "" && token != co.PaymentToken
}

// advance takes the placement of co one step on from wherever it is, and
// returns what it placed, the outcome's error, or errRetry. token is the
// payment method of the caller's confirm: a new attempt pays with it,
// and an attempt waiting for the buyer's action with another one is given
// up for it.
func (c *Client) advance(ctx context.Context, co *Checkout, token, actor string) (outcome, error) {
	now := c.now()
	from := co.State
	run := resumedRun
	switch {
	case from == CheckoutPlaced && co.Gift != nil:
		d, err := c.store.Donation(ctx, co.DonationID)
		return outcome{donation: d}, err
	case from == CheckoutPlaced:
		o, err := c.store.Order(ctx, co.OrderID)
		return outcome{order: o}, err
	case from == CheckoutPaymentPending && now.Before(co.ClaimedUntil):
		return outcome{}, c.waitForClaim(ctx, co)
	case co.switchesTo(token):
		run = switchRun
	case from == CheckoutPaymentPending, from == CheckoutUnknown, from == CheckoutRequiresAction:
		// A lapsed claim, an unknown outcome or a payment action: resume
		// the same attempt, whose keys replay whatever already happened.
		// (An unknown outcome is settled before any other method is
		// tried: money may have moved.)
	case co.ready():
		m, err := c.merchant(co.MerchantID)
		if err != nil {
			return outcome{}, err
		}
		if err := c.requote(ctx, m, co, actor); err != nil {
			return outcome{}, err
		}
		co.Attempt, co.AttemptedAt = co.Attempt+1, now
		run = firstRun
		co.PaymentToken = token
		if co.Free() {
			co.PaymentToken = "" // nothing to pay: a token given is not used
		}
		co.ReservationID, co.PaymentID, co.NextAction, co.LastError, co.Compensating = "", "", nil, nil, false
	default:
		return outcome{}, &TransitionError{Machine: "checkout", ID: co.ID, From: string(from), To: string(CheckoutPaymentPending)}
	}
	return c.claimAndRun(ctx, co, run, actor)
}

// claimAndRun claims co's attempt, by compare-and-set on its version, and
// runs it; a claim lost to another caller is errRetry.
func (c *Client) claimAndRun(ctx context.Context, co *Checkout, run attemptRun, actor string) (outcome, error) {
	// The claim's commit outlives ctx (see detachedStore); a caller gone
	// starts no attempt, whose every platform call would fail unsent.
	if err := ctx.Err(); err != nil {
		return outcome{}, err
	}
	co.ClaimedUntil = c.now().Add(c.claimLease)
	if err := c.commitCheckout(ctx, co, co.State, CheckoutPaymentPending, fmt.Sprintf("placement attempt %d claimed", co.Attempt), actor); err != nil {
		if conflictOn(err, "checkout") {
			return outcome{}, errRetry
		}
		return outcome{}, err
	}
	return c.runPlacement(ctx, co, actor, run)
}

// giveUpForEdit gives up the attempt of co that waits for the buyer's
// action, so that an edit can follow: errRetry once it is undone (the
// payment voided, a gift withdrawn, the stock released), for the edit to
// read the ready checkout again. If the payment went through meanwhile,
// the attempt places its order instead, and the edit is refused: the
// checkout is placed.
func (c *Client) giveUpForEdit(ctx context.Context, co *Checkout, actor string) error {
	_, err := c.claimAndRun(ctx, co, editRun, actor)
	if err == nil {
		return &TransitionError{Machine: "checkout", ID: co.ID, From: string(CheckoutPlaced), To: "edited"}
	}
	return err
}

// requote prices a ready checkout again just before it is claimed. If any
// amount changed, the checkout keeps the new prices and the buyer must
// confirm again.
func (c *Client) requote(ctx context.Context, m Merchant, co *Checkout, actor string) error {
	was, codeApplied := co.Totals, co.DiscountApplies
	var err error
	if co.Gift != nil {
		err = c.priceGift(ctx, m, co)
	} else {
		err = c.quote(ctx, m, co, co.ShipTo)
	}
	if err != nil {
		return err
	}
	if sameTotals(was, co.Totals) && (co.ShippingOptionID != "" || !co.ships()) {
		if co.Gift == nil {
			return checkMinimumCharge(m, co.Totals.Total)
		}
		return nil // a gift's minimum is its platform's terms' (priceGift)
	}
	from := co.State
	to := co.readyState()
	if co.ShippingOptionID == "" && co.ships() {
		to = CheckoutAddressed // the selected option is no longer offered
	}
	co.LastError = &CheckoutError{Code: "price_changed", Message: "Prices changed since you last looked. Review the new total."}
	if codeApplied && !co.DiscountApplies {
		co.LastError.Message = "The discount code no longer applies. Review the new total."
	}
	err = c.commitCheckout(ctx, co, from, to, "re-quoted at confirm: totals changed", actor)
	if conflictOn(err, "checkout") {
		return errRetry
	}
	if err != nil {
		return err
	}
	return &PriceChangedError{CheckoutID: co.ID, Was: was, Now: co.Totals}
}

// CheckMinimumCharge returns what [Client.Confirm] would say of co's total
// being below the least its merchant's payments platform charges
// (provider.MinimumCharges, e.g. 0.50 USD on Stripe): an [*AmountError]
// that is [ErrAmountOutOfRange] and names the minimum, or nil. A total of
// zero is free, and a donation's amount was checked when it started. The
// total changes with the address, the shipping option and discount codes,
// so a client asks once the buyer has chosen them, and tells the buyer
// why before asking for a card. It reads nothing from the store; Confirm
// checks again.
func (c *Client) CheckMinimumCharge(co *Checkout) error {
	if co == nil {
		return invalid("checkout", "required")
	}
	if co.Gift != nil {
		return nil
	}
	m, err := c.merchant(co.MerchantID)
	if err != nil {
		return err
	}
	return checkMinimumCharge(m, co.Totals.Total)
}

// checkMinimumCharge refuses a total below the least m's payments
// platform charges (provider.MinimumCharges), which it would refuse as a
// bad request once stock was reserved, and the buyer would take for a
// problem with their card: a cheap item, or one discounted almost to
// nothing. A total of zero is no charge: it is placed with no payment.
func checkMinimumCharge(m Merchant, total money.Amount) error {
	least, ok := provider.MinimumCharge(m.Payments, total.Currency())
	if below, _ := total.Cmp(least); ok && below < 0 && !total.IsZero() {
		return &AmountError{Amount: total, Minimum: least, Err: ErrAmountOutOfRange}
	}
	return nil
}

func sameTotals(a, b Totals) bool {
	return a.Subtotal.Equal(b.Subtotal) && a.Discount.Equal(b.Discount) && a.Shipping.Equal(b.Shipping) &&
		a.Tax.Equal(b.Tax) && a.Fee.Equal(b.Fee) && a.Total.Equal(b.Total)
}

// waitForClaim waits until the claimant of co moves it on, its claim
// lapses, or ctx is done.
func (c *Client) waitForClaim(ctx context.Context, co *Checkout) error {
	delay := time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: checkout %s: %w", ErrInProgress, co.ID, ctx.Err())
		case <-time.After(delay):
		}
		cur, err := c.store.Checkout(ctx, co.ID)
		if err != nil {
			return err
		}
		if cur.Version != co.Version || !c.now().Before(cur.ClaimedUntil) {
			return errRetry
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// runPlacement runs the claimed attempt of co: reserve, authorize, place,
// capture. Every provider call carries the attempt's key, so running it
// again replays what already happened instead of doing it twice.
func (c *Client) runPlacement(ctx context.Context, co *Checkout, actor string, run attemptRun) (outcome, error) {
	m, err := c.merchant(co.MerchantID)
	if err != nil {
		return outcome{}, err
	}
	if co.Compensating {
		// Finishing the undo of an attempt that failed before: report that
		// failure once the undo is done.
		if err := c.compensate(ctx, m, co, co.afterCompensation(), actor); err != nil {
			return outcome{}, err
		}
		if co.LastError.givenUp() {
			return outcome{}, errRetry // nothing failed: the confirm or the edit goes on
		}
		return outcome{}, fmt.Errorf("buybutton: checkout %s: attempt %d undone: %w", co.ID, co.Attempt, co.LastError.kind())
	}
	if co.Gift != nil {
		return c.runGift(ctx, m, co, actor, run)
	}
	if m.Inventory != nil && co.ReservationID == "" {
		res, err := m.Inventory.Reserve(ctx, provider.ReserveRequest{IdempotencyKey: co.key("reserve"), Lines: co.stockLines(), TTL: c.reservationTTL})
		if err == nil {
			err = answerID("reservation", res.ID)
		}
		if err != nil {
			return outcome{}, c.attemptFailed(ctx, m, co, "reserve", err, actor, run)
		}
		co.ReservationID = res.ID
	}
	var pay provider.Payment // none when the checkout costs nothing
	if !co.Free() {
		if pay, err = c.authorizeAttempt(ctx, m, co, actor, run); err != nil {
			return outcome{}, err
		}
	}
	lines := make([]provider.OrderLine, len(co.Lines))
	for i, l := range co.Lines {
		lines[i] = provider.OrderLine{VariantID: l.VariantID, Quantity: l.Quantity, UnitPrice: l.UnitPrice}
	}
	po, err := m.Orders.PlaceOrder(ctx, provider.PlaceOrderRequest{
		IdempotencyKey: co.key("order"), KeyCreatedAt: co.AttemptedAt, ReservationID: co.ReservationID, Lines: lines,
		ShipTo: co.ShipTo, ShippingOptionID: co.ShippingOptionID, PaymentID: pay.ID,
		Total: co.Totals.Total, Contact: co.Contact, DiscountCodes: co.appliedCodes(),
	})
	if err == nil {
		err = answerID("order", po.ID)
	}
	if err != nil {
		return outcome{}, c.attemptFailed(ctx, m, co, "place order", err, actor, run)
	}
	captured, refused := money.Zero(co.Currency), ""
	if c.capturePolicy == CaptureOnPlace && !co.Free() {
		// The order exists: never compensate now. A refusal is kept on
		// the order for the host; any other error, Reconcile captures
		// again with the same key.
		captured, refused, err = capture(ctx, m, co.key("capture"), pay.ID, co.Totals.Total)
		if err != nil {
			return outcome{}, c.toUnknown(ctx, co, "capture", err, actor)
		}
	}
	return c.commitPlaced(ctx, co, po, pay, captured, refused, actor)
}

// authorizeAttempt authorizes the payment of co's claimed attempt, and
// returns it once it is authorized (or captured). Any other end (a
// decline, an action the buyer must take, an attempt given up) is
// returned as the error, with the checkout moved on as it says.
func (c *Client) authorizeAttempt(ctx context.Context, m Merchant, co *Checkout, actor string, run attemptRun) (provider.Payment, error) {
	pay, err := m.Payments.Authorize(ctx, provider.AuthorizeRequest{
		IdempotencyKey: co.key("authorize"),
		KeyCreatedAt:   co.AttemptedAt,
		Amount:         co.Totals.Total,
		Token:          co.PaymentToken,
		Description:    "buybutton checkout " + co.ID,
		Metadata:       map[string]string{"buybutton_checkout": co.ID, "buybutton_buyer": co.BuyerID},
	})
	if err == nil {
		err = answerID("payment", pay.ID)
	}
	if err != nil {
		return provider.Payment{}, c.attemptFailed(ctx, m, co, "authorize", err, actor, run)
	}
	co.PaymentID = pay.ID
	if pay.Status != provider.PaymentAuthorized {
		// A replay returns the payment as it was first answered; ask for
		// it as it is now (the buyer may have completed the action).
		if pay, err = m.Payments.Payment(ctx, pay.ID); err != nil {
			return provider.Payment{}, c.attemptFailed(ctx, m, co, "payment", err, actor, run)
		}
	}
	if err := answerAmount("payment", pay.ID, co.Totals.Total, pay.Amount); err != nil {
		return provider.Payment{}, c.attemptFailed(ctx, m, co, "authorize", err, actor, run)
	}
	switch {
	case pay.Status == provider.PaymentAuthorized, pay.Status == provider.PaymentCaptured:
	case run.givesUp():
		return provider.Payment{}, c.giveUpWaiting(ctx, m, co, run, actor)
	case pay.Status == provider.PaymentRequiresAction:
		return provider.Payment{}, c.awaitAction(ctx, m, co, pay.ID, pay.NextAction, actor)
	default: // failed or voided: the action failed or the hold lapsed
		co.Compensating = true
		co.LastError = &CheckoutError{Code: "action_failed", Message: "The payment was not completed. Try another payment method."}
		return provider.Payment{}, c.compensateAndReport(ctx, m, co, co.readyState(), actor, fmt.Errorf("%w: payment %s is %s", provider.ErrDeclined, pay.ID, pay.Status))
	}
	return pay, nil
}

// commitPlaced commits the order and the placed checkout together.
// refused is why the platform would not capture, if it would not.
func (c *Client) commitPlaced(ctx context.Context, co *Checkout, po provider.Order, pay provider.Payment, captured money.Amount, refused, actor string) (outcome, error) {
	now := c.now()
	o := newOrder(co, po, pay, captured, now)
	c.startReadBack(o)
	o.CaptureFailure = refused
	co.OrderID = o.ID
	co.NextAction, co.LastError = nil, nil
	err := c.commitCheckout(ctx, co, CheckoutPaymentPending, CheckoutPlaced, "order "+po.ID+" placed", actor, func(tx *Tx) {
		tx.Orders = append(tx.Orders, o)
		tx.Refs = slices.Grow(tx.Refs, 2) // one allocation for both refs, on the checkout's hot path
		tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "order", MerchantID: co.MerchantID, ExternalID: po.ID}, ID: o.ID})
		paid := "payment " + pay.ID
		if o.hasPayment() {
			tx.Refs = append(tx.Refs, RefEntry{Ref: Ref{Kind: "payment", MerchantID: co.MerchantID, ExternalID: pay.ID}, ID: o.ID})
		} else {
			paid = "no payment: the order costs nothing"
		}
		tx.Transitions = append(tx.Transitions, orderMachine.record(o.ID, "", OrderPlaced, "checkout "+co.ID+" confirmed", actor, now))
		tx.Transitions = append(tx.Transitions, paymentMachine.record(o.ID, "", o.PaymentState(), paid, actor, now))
		tx.Events = append(tx.Events, c.event(EventOrderPlaced, o, now))
		if captured.IsPositive() {
			tx.Events = append(tx.Events, c.event(EventPaymentCaptured, o, now))
		}
		if refused != "" {
			tx.Events = append(tx.Events, c.captureFailedEvent(o, now))
		}
	})
	if conflictOn(err, "checkout") {
		// Someone took over a lapsed claim and got here first: same keys,
		// so the same order. Return what they committed.
		return outcome{}, errRetry
	}
	if err != nil {
		return outcome{}, err
	}
	o.Version = 1
	return outcome{order: o}, nil
}

// attemptFailed routes a failed provider step: unknown outcomes wait for
// Reconcile; definite failures release what the attempt holds and return
// the checkout to ready (or failed, when the merchant refused the order).
//
// In a resumed attempt a transient error (unavailable, rate limited) says
// only that this call did nothing, not that the first call of the step did
// nothing: the step may have happened before, so the outcome stays
// unknown. An answer (declined, out of stock, ...) is definite either way,
// since a provider replays a step that happened instead of answering anew.
func (c *Client) attemptFailed(ctx context.Context, m Merchant, co *Checkout, step string, err error, actor string, run attemptRun) error {
	if !definite(err) || (run != firstRun && transient(err)) {
		return c.toUnknown(ctx, co, step, err, actor)
	}
	co.LastError = checkoutErrorFor(err)
	if step == "place order" && co.LastError.Code == "rejected" {
		co.LastError = &CheckoutError{Code: "refused", Message: "The shop could not take this order."}
	}
	if co.PaymentID != "" {
		co.Compensating = true
	}
	return c.compensateAndReport(ctx, m, co, co.afterCompensation(), actor, fmt.Errorf("buybutton: checkout %s: %s: %w", co.ID, step, err))
}

// paymentRef indexes a checkout by a payment (or donation) of one of its
// attempts that it waits for, or gave up on, so that the platform's
// events of that payment find the checkout.
func paymentRef(merchantID, paymentID string) Ref {
	return Ref{Kind: "checkout_payment", MerchantID: merchantID, ExternalID: paymentID}
}

// awaitAction parks the checkout until the buyer completes the action of
// the payment (or donation) paymentID.
func (c *Client) awaitAction(ctx context.Context, m Merchant, co *Checkout, paymentID string, next *provider.NextAction, actor string) error {
	if next == nil {
		next = &provider.NextAction{}
	}
	// What the client is given to complete the action; one the library
	// cannot keep or hand on leaves the buyer unable to, and the payment's
	// end unknown.
	if checkText("next_action.client_secret", next.ClientSecret, 0, 1000, true) != nil || next.RedirectURL != "" && checkHTTPSURL("next_action.redirect_url", next.RedirectURL) != nil {
		return c.toUnknown(ctx, co, "payment action", fmt.Errorf("payment %s asks for an action the library cannot hand on", paymentID), actor)
	}
	co.NextAction = next
	err := c.commitCheckout(ctx, co, CheckoutPaymentPending, CheckoutRequiresAction, "payment "+paymentID+" requires action", actor, func(tx *Tx) {
		tx.Refs = append(tx.Refs, RefEntry{Ref: paymentRef(m.ID, paymentID), ID: co.ID})
	})
	if err != nil {
		return lostClaim(err)
	}
	return &ActionRequiredError{CheckoutID: co.ID, NextAction: *co.NextAction}
}

// toUnknown parks the checkout for Reconcile.
func (c *Client) toUnknown(ctx context.Context, co *Checkout, step string, cause error, actor string) error {
	if err := c.commitCheckout(ctx, co, co.State, CheckoutUnknown, step+": outcome unknown: "+platformText(cause.Error(), 500), actor); err != nil {
		return lostClaim(err)
	}
	return fmt.Errorf("buybutton: checkout %s: %s: %w", co.ID, step, unknownOutcome(cause))
}

// lostClaim turns a conflict on the claimed checkout into errRetry: another
// caller took the lapsed claim over, and reading again shows its result.
func lostClaim(err error) error {
	if conflictOn(err, "checkout") {
		return errRetry
	}
	return err
}

// definite reports whether err says for certain that the provider did
// nothing: the kinds whose contract promises it. Anything else, including
// a timeout, may have happened.
func definite(err error) bool {
	for _, k := range []error{
		provider.ErrDeclined, provider.ErrOutOfStock, provider.ErrReservationExpired,
		provider.ErrInvalidRequest, provider.ErrInvalidState, provider.ErrNotFound,
		provider.ErrIdempotencyConflict, provider.ErrRefundExceedsCapture,
		provider.ErrUnavailable, provider.ErrRateLimited, ErrInvalidInput,
		ErrUnexpectedAnswer,
	} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// transient reports whether err promises nothing happened and a retry may
// succeed.
func transient(err error) bool {
	return errors.Is(err, provider.ErrUnavailable) || errors.Is(err, provider.ErrRateLimited)
}

// unknownOutcome makes sure err matches ErrUnknownOutcome.
func unknownOutcome(err error) error {
	if errors.Is(err, ErrUnknownOutcome) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnknownOutcome, err)
}

// afterCompensation is where a checkout goes once its attempt is undone:
// back to ready, unless the merchant refused the order itself.
func (co *Checkout) afterCompensation() CheckoutState {
	if co.LastError != nil && co.LastError.Code == "refused" {
		return CheckoutFailed
	}
	return co.readyState()
}

// kind is the error kind matching the code, for reporting an attempt whose
// original error is gone (it failed in an earlier call).
func (e *CheckoutError) kind() error {
	switch e.Code {
	case "declined", "action_failed":
		return provider.ErrDeclined
	case "out_of_stock":
		return provider.ErrOutOfStock
	case "reservation_expired":
		return provider.ErrReservationExpired
	case "unavailable":
		return provider.ErrUnavailable
	case "refused":
		return provider.ErrInvalidState
	case "platform_error":
		return ErrUnexpectedAnswer
	}
	return provider.ErrInvalidRequest
}

func checkoutErrorFor(err error) *CheckoutError {
	var decline *provider.DeclineError
	switch {
	case errors.As(err, &decline):
		return &CheckoutError{Code: "declined", Message: platformText(decline.Message, 500)}
	case errors.Is(err, provider.ErrDeclined):
		return &CheckoutError{Code: "declined", Message: "The payment was declined."}
	case errors.Is(err, provider.ErrOutOfStock):
		return &CheckoutError{Code: "out_of_stock", Message: "Some items sold out."}
	case errors.Is(err, provider.ErrReservationExpired):
		return &CheckoutError{Code: "reservation_expired", Message: "The items were held for too long. Confirm again."}
	case transient(err):
		return &CheckoutError{Code: "unavailable", Message: "The shop is busy. Try again."}
	case errors.Is(err, ErrUnexpectedAnswer):
		return &CheckoutError{Code: "platform_error", Message: "The payment could not be taken for the right amount and was given back. Try again later."}
	}
	return &CheckoutError{Code: "rejected", Message: "The request was refused. Check the payment details and try again."}
}

// Reconcile resolves a checkout whose outcome is unknown, whose claim
// lapsed, or whose payment action may have been completed elsewhere, by
// resuming its attempt with the same idempotency keys: the provider
// replays what happened, and the checkout ends placed, ready, waiting for
// the action again, or still unknown (if the provider still cannot tell).
// It is for the host (a job, a support tool) and needs no buyer.
func (c *Client) Reconcile(ctx context.Context, checkoutID string) (*Checkout, error) {
	return c.reconcile(ctx, checkoutID, "host")
}

// reconcile is Reconcile on behalf of actor (the host, or a provider whose
// webhook said the payment moved on).
func (c *Client) reconcile(ctx context.Context, checkoutID, actor string) (*Checkout, error) {
	for {
		co, err := c.store.Checkout(ctx, checkoutID)
		if err != nil {
			return nil, err
		}
		switch co.State {
		case CheckoutUnknown, CheckoutRequiresAction:
		case CheckoutPaymentPending:
			if c.now().Before(co.ClaimedUntil) {
				return co, nil // someone is placing it
			}
		default:
			return co, nil
		}
		_, err = c.advance(ctx, co, co.PaymentToken, actor)
		if errors.Is(err, errRetry) {
			continue
		}
		co2, rerr := c.store.Checkout(ctx, checkoutID)
		if rerr != nil {
			return nil, rerr
		}
		if errors.Is(err, ErrActionRequired) || errors.Is(err, provider.ErrDeclined) || errors.Is(err, provider.ErrOutOfStock) {
			// Outcomes for the buyer, not failures of the reconcile.
			return co2, nil
		}
		return co2, err
	}
}
