package providertest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

func runPayments(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Payments]{
		{"AuthorizeHoldsAmount", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			if p.Status != provider.PaymentAuthorized || !p.Amount.Equal(units(t, 1000, e.fx.Currency)) {
				t.Fatalf("Authorize = %s %v, want authorized %v", p.Status, p.Amount, units(t, 1000, e.fx.Currency))
			}
			got := paymentState(t, e, p.ID)
			if got.Status != provider.PaymentAuthorized || !got.Captured.IsZero() {
				t.Fatalf("Payment = %+v, want authorized, nothing captured", got)
			}
		}},
		{"AuthorizeReplaysWithSameKey", func(t *testing.T, e env[provider.Payments]) {
			first := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			again := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			if again.ID != first.ID {
				t.Fatalf("replay made payment %q, want the original %q: the buyer would be charged twice", again.ID, first.ID)
			}
		}},
		{"ConcurrentReplaysMakeOnePayment", func(t *testing.T, e env[provider.Payments]) {
			ids := make([]string, 16)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := tryAuthorize(t, e, key(t, "auth"), e.fx.TokenApprove, 1000)
					if err != nil {
						t.Errorf("Authorize: %v", err)
					}
					ids[i] = p.ID
				}()
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("16 concurrent calls with one key made payments %v, want one", ids)
				}
			}
		}},
		{"AuthorizeRefusesKeyReuseWithOtherParams", func(t *testing.T, e env[provider.Payments]) {
			authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			_, err := tryAuthorize(t, e, key(t, "auth"), e.fx.TokenApprove, 2000)
			if !errors.Is(err, provider.ErrIdempotencyConflict) {
				t.Fatalf("err = %v, want ErrIdempotencyConflict", err)
			}
		}},
		{"DeclineIsTypedAndHoldsNothing", func(t *testing.T, e env[provider.Payments]) {
			_, err := tryAuthorize(t, e, key(t, "auth"), e.fx.TokenDecline, 1000)
			var de *provider.DeclineError
			if !errors.As(err, &de) || !errors.Is(err, provider.ErrDeclined) {
				t.Fatalf("err = %v, want *DeclineError matching ErrDeclined", err)
			}
			if de.Message == "" {
				t.Error("DeclineError has no message to show the buyer")
			}
		}},
		{"ActionRequiredThenCompleted", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenActionRequired, 1000)
			if p.Status != provider.PaymentRequiresAction || p.NextAction == nil ||
				(p.NextAction.RedirectURL == "" && p.NextAction.ClientSecret == "") {
				t.Fatalf("Authorize = %+v, want requires_action with a redirect URL or client secret", p)
			}
			if !e.h.CompleteAction(e.ctx, p.ID, true) {
				t.Skip("harness cannot complete actions")
			}
			if got := paymentState(t, e, p.ID); got.Status != provider.PaymentAuthorized {
				t.Fatalf("after the action: status %q, want authorized", got.Status)
			}
		}},
		{"PaymentAndItsReplayAreTheCallers", func(t *testing.T, e env[provider.Payments]) {
			// Waiting for an action, so that its NextAction is set too.
			p := authorize(t, e, "auth", e.fx.TokenActionRequired, 1000)
			resultIsTheCallers(t, "Payment", func() (provider.Payment, error) { return e.p.Payment(e.ctx, p.ID) })
			resultIsTheCallers(t, "a replayed Authorize", func() (provider.Payment, error) {
				return tryAuthorize(t, e, key(t, "auth"), e.fx.TokenActionRequired, 1000)
			})
		}},
		{"UnknownOutcomeResolvesOnRetry", func(t *testing.T, e env[provider.Payments]) {
			if e.fx.TokenUnknownOutcome == "" {
				t.Skip("harness cannot simulate an unknown outcome")
			}
			_, err := tryAuthorize(t, e, key(t, "auth"), e.fx.TokenUnknownOutcome, 1000)
			if !errors.Is(err, provider.ErrUnknownOutcome) {
				t.Fatalf("first call: err = %v, want ErrUnknownOutcome", err)
			}
			p, err := tryAuthorize(t, e, key(t, "auth"), e.fx.TokenUnknownOutcome, 1000)
			if err != nil || p.Status != provider.PaymentAuthorized {
				t.Fatalf("retry with the same key = %s, %v; want the original authorization", p.Status, err)
			}
			again := authorize(t, e, "auth", e.fx.TokenUnknownOutcome, 1000)
			if again.ID != p.ID {
				t.Fatalf("retries resolved to two payments, %q and %q", p.ID, again.ID)
			}
		}},
		{"CaptureFullOnce", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			c := capture(t, e, "capture", p.ID, 1000)
			if c.Status != provider.PaymentCaptured || !c.Captured.Equal(p.Amount) {
				t.Fatalf("Capture = %s captured %v, want captured %v", c.Status, c.Captured, p.Amount)
			}
			if again := capture(t, e, "capture", p.ID, 1000); again.Status != provider.PaymentCaptured || !again.Captured.Equal(p.Amount) {
				t.Fatalf("replayed capture: %s captured %v, want captured %v once", again.Status, again.Captured, p.Amount)
			}
			if _, err := tryCapture(t, e, key(t, "capture-twice"), p.ID, 1000); !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("second capture: err = %v, want ErrInvalidState", err)
			}
		}},
		{"CapturePartial", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			c := capture(t, e, "capture", p.ID, 600)
			if !c.Captured.Equal(units(t, 600, e.fx.Currency)) {
				t.Fatalf("captured %v, want %v", c.Captured, units(t, 600, e.fx.Currency))
			}
		}},
		{"CaptureAboveAuthorizedIsRefused", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			if _, err := tryCapture(t, e, key(t, "capture"), p.ID, 1010); !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if got := paymentState(t, e, p.ID); got.Status != provider.PaymentAuthorized || !got.Captured.IsZero() {
				t.Fatalf("after a refused capture: %+v, want still authorized, nothing captured", got)
			}
		}},
		{"VoidReleasesHold", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			v, err := e.p.Void(e.ctx, provider.VoidRequest{IdempotencyKey: key(t, "void"), PaymentID: p.ID})
			if err != nil || v.Status != provider.PaymentVoided {
				t.Fatalf("Void = %s, %v; want voided", v.Status, err)
			}
			if again, err := e.p.Void(e.ctx, provider.VoidRequest{IdempotencyKey: key(t, "void-again"), PaymentID: p.ID}); err != nil || again.Status != provider.PaymentVoided {
				t.Fatalf("voiding a voided payment: %s, %v; want success, voided, and no change", again.Status, err)
			}
			if _, err := tryCapture(t, e, key(t, "capture"), p.ID, 1000); !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("capture after void: err = %v, want ErrInvalidState", err)
			}
		}},
		{"VoidWithdrawsAPaymentWaitingForAction", func(t *testing.T, e env[provider.Payments]) {
			// The library voids a payment waiting for the buyer's action
			// when its checkout ends, or when the buyer pays with another
			// method instead: the action must then take nothing.
			p := authorize(t, e, "auth", e.fx.TokenActionRequired, 1000)
			v, err := e.p.Void(e.ctx, provider.VoidRequest{IdempotencyKey: key(t, "void"), PaymentID: p.ID})
			if err != nil || v.Status != provider.PaymentVoided {
				t.Fatalf("Void of a payment waiting for action = %s, %v; want voided", v.Status, err)
			}
			e.h.CompleteAction(e.ctx, p.ID, true) // the buyer takes the step after all
			if got := paymentState(t, e, p.ID); got.Status != provider.PaymentVoided || !got.Captured.IsZero() {
				t.Fatalf("after the action on a voided payment: %s, %v captured; want voided, nothing held", got.Status, got.Captured)
			}
		}},
		{"VoidCapturedIsInvalidState", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			if _, err := e.p.Void(e.ctx, provider.VoidRequest{IdempotencyKey: key(t, "void"), PaymentID: p.ID}); !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("err = %v, want ErrInvalidState", err)
			}
		}},
		{"RefundsNeverExceedCapture", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			refund(t, e, "r1", p.ID, 600)
			if _, err := tryRefund(t, e, key(t, "r2"), p.ID, 500); !errors.Is(err, provider.ErrRefundExceedsCapture) {
				t.Fatalf("refunding 11.00 of 10.00: err = %v, want ErrRefundExceedsCapture", err)
			}
			refund(t, e, "r3", p.ID, 400)
			if got := paymentState(t, e, p.ID); !got.Refunded.Equal(units(t, 1000, e.fx.Currency)) {
				t.Fatalf("Refunded = %v, want %v", got.Refunded, units(t, 1000, e.fx.Currency))
			}
		}},
		{"RefundsMadeListsTheRefunds", func(t *testing.T, e env[provider.Payments]) {
			history, ok := e.p.(provider.RefundHistories)
			if !ok {
				t.Skip("the provider does not implement RefundHistories")
			}
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			first := refund(t, e, "r1", p.ID, 300)
			second := refund(t, e, "r2", p.ID, 200)
			made, err := history.RefundsMade(e.ctx, p.ID)
			if err != nil || len(made) != 2 || made[0].ID != first.ID || made[1].ID != second.ID || made[0].Failure != "" || made[1].Failure != "" ||
				!made[0].Amount.Equal(first.Amount) || !made[1].Amount.Equal(second.Amount) {
				t.Fatalf("RefundsMade = %+v, %v; want %+v then %+v", made, err, first, second)
			}
			if _, err := history.RefundsMade(e.ctx, "providertest-no-such-payment"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("RefundsMade of no payment: err = %v, want ErrNotFound", err)
			}
		}},
		{"DisputesOfAnUndisputedPaymentAreNone", func(t *testing.T, e env[provider.Payments]) {
			history, ok := e.p.(provider.DisputeHistories)
			if !ok {
				t.Skip("the provider does not implement DisputeHistories")
			}
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			if disputes, err := history.DisputesOf(e.ctx, p.ID); err != nil || len(disputes) != 0 {
				t.Fatalf("DisputesOf = %+v, %v; want none", disputes, err)
			}
			if _, err := history.DisputesOf(e.ctx, "providertest-no-such-payment"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("DisputesOf of no payment: err = %v, want ErrNotFound", err)
			}
		}},
		{"RefundReplaysWithSameKey", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			first := refund(t, e, "refund", p.ID, 300)
			again := refund(t, e, "refund", p.ID, 300)
			if again.ID != first.ID {
				t.Fatalf("replayed refund %q, want the original %q", again.ID, first.ID)
			}
			if got := paymentState(t, e, p.ID); !got.Refunded.Equal(units(t, 300, e.fx.Currency)) {
				t.Fatalf("Refunded = %v after a replay, want %v once", got.Refunded, units(t, 300, e.fx.Currency))
			}
		}},
		{"AuthorizeRetriedAfterItsKeyIsForgottenHoldsOnce", func(t *testing.T, e env[provider.Payments]) {
			req := provider.AuthorizeRequest{IdempotencyKey: key(t, "auth"), KeyCreatedAt: dayOld(e.h), Amount: units(t, 1000, e.fx.Currency), Token: e.fx.TokenApprove}
			sameAfterForgetting(t, e, "a second hold", func() (string, error) {
				p, err := e.p.Authorize(e.ctx, req)
				return p.ID, err
			})
		}},
		{"RefundRetriedAfterItsKeyIsForgottenRefundsOnce", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			req := provider.RefundRequest{IdempotencyKey: key(t, "refund"), KeyCreatedAt: dayOld(e.h), PaymentID: p.ID, Amount: units(t, 300, e.fx.Currency)}
			sameAfterForgetting(t, e, "a second refund", func() (string, error) {
				r, err := e.p.Refund(e.ctx, req)
				return r.ID, err
			})
			if got := paymentState(t, e, p.ID); !got.Refunded.Equal(req.Amount) {
				t.Fatalf("Refunded = %v, want %v once", got.Refunded, req.Amount)
			}
		}},
		{"RefundUncapturedIsInvalidState", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			if _, err := tryRefund(t, e, key(t, "refund"), p.ID, 100); !errors.Is(err, provider.ErrInvalidState) {
				t.Fatalf("err = %v, want ErrInvalidState", err)
			}
		}},
		{"ConcurrentRefundsNeverExceedCapture", func(t *testing.T, e env[provider.Payments]) {
			p := authorize(t, e, "auth", e.fx.TokenApprove, 1000)
			capture(t, e, "capture", p.ID, 1000)
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := tryRefund(t, e, key(t, fmt.Sprint("refund-", i)), p.ID, 100)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			ok := 0
			for err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, provider.ErrRefundExceedsCapture):
					t.Errorf("unexpected error: %v", err)
				}
			}
			got := paymentState(t, e, p.ID)
			if ok != 10 || !got.Refunded.Equal(units(t, 1000, e.fx.Currency)) {
				t.Fatalf("20 racing refunds of 1.00 on 10.00 captured: %d succeeded, refunded %v; want 10 and 10.00", ok, got.Refunded)
			}
		}},
		{"AuthorizeTakesWholeChargeUnits", func(t *testing.T, e env[provider.Payments]) {
			takesWholeChargeUnits(t, e.h.Provider(), e.fx, func(label string, a money.Amount) error {
				_, err := e.p.Authorize(e.ctx, provider.AuthorizeRequest{IdempotencyKey: key(t, label), Amount: a, Token: e.fx.TokenApprove})
				return err
			})
		}},
		{"RefundTakesWholeChargeUnits", func(t *testing.T, e env[provider.Payments]) {
			room := roomForUnits(t, e.h.Provider(), e.fx)
			p := authorize(t, e, "auth", e.fx.TokenApprove, room)
			capture(t, e, "capture", p.ID, room)
			takesWholeChargeUnits(t, e.h.Provider(), e.fx, func(label string, a money.Amount) error {
				_, err := e.p.Refund(e.ctx, provider.RefundRequest{IdempotencyKey: key(t, label), PaymentID: p.ID, Amount: a})
				return err
			})
		}},
		{"AuthorizeRefusesLessThanItsMinimumCharge", func(t *testing.T, e env[provider.Payments]) {
			// The library refuses a checkout below the minimum the
			// provider declares; one the platform would take anyway is a
			// sale lost for nothing, and a minimum it does not keep
			// sends the buyer a refusal that looks like their card's.
			least, ok := provider.MinimumCharge(e.h.Provider(), e.fx.Currency)
			if !ok {
				t.Skipf("the provider declares no minimum charge in %s", e.fx.Currency)
			}
			unit := provider.ChargeUnit(e.h.Provider(), e.fx.Currency)
			if !least.IsPositive() || !least.IsMultipleOf(unit) {
				t.Fatalf("MinimumCharge(%s) = %v: not a positive whole number of the charge unit %v", e.fx.Currency, least, unit)
			}
			below, err := least.Sub(unit)
			if err != nil {
				t.Fatal(err)
			}
			if below.IsPositive() {
				_, err := e.p.Authorize(e.ctx, provider.AuthorizeRequest{IdempotencyKey: key(t, "below"), Amount: below, Token: e.fx.TokenApprove})
				if !errors.Is(err, provider.ErrInvalidRequest) {
					t.Fatalf("authorizing %v, below the declared minimum %v: err = %v, want ErrInvalidRequest", below, least, err)
				}
			}
			if _, err := e.p.Authorize(e.ctx, provider.AuthorizeRequest{IdempotencyKey: key(t, "least"), Amount: least, Token: e.fx.TokenApprove}); err != nil {
				t.Fatalf("authorizing the declared minimum %v: %v", least, err)
			}
		}},
		{"UnknownPaymentIsNotFound", func(t *testing.T, e env[provider.Payments]) {
			if _, err := e.p.Payment(e.ctx, "providertest-no-such-payment"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		}},
	})
}

func tryAuthorize(t *testing.T, e env[provider.Payments], idempotencyKey, token string, minor int64) (provider.Payment, error) {
	return e.p.Authorize(e.ctx, provider.AuthorizeRequest{
		IdempotencyKey: idempotencyKey,
		Amount:         units(t, minor, e.fx.Currency),
		Token:          token,
		Description:    "providertest",
		Metadata:       map[string]string{"providertest": t.Name()},
	})
}

func authorize(t *testing.T, e env[provider.Payments], label, token string, minor int64) provider.Payment {
	t.Helper()
	p, err := tryAuthorize(t, e, key(t, label), token, minor)
	if err != nil {
		t.Fatalf("Authorize (%s): %v", label, err)
	}
	if p.ID == "" {
		t.Fatal("Authorize returned a payment without an id")
	}
	return p
}

func tryCapture(t *testing.T, e env[provider.Payments], idempotencyKey, paymentID string, minor int64) (provider.Payment, error) {
	return e.p.Capture(e.ctx, provider.CaptureRequest{IdempotencyKey: idempotencyKey, PaymentID: paymentID, Amount: units(t, minor, e.fx.Currency)})
}

func capture(t *testing.T, e env[provider.Payments], label, paymentID string, minor int64) provider.Payment {
	t.Helper()
	p, err := tryCapture(t, e, key(t, label), paymentID, minor)
	if err != nil {
		t.Fatalf("Capture (%s): %v", label, err)
	}
	return p
}

func tryRefund(t *testing.T, e env[provider.Payments], idempotencyKey, paymentID string, minor int64) (provider.Refund, error) {
	return e.p.Refund(e.ctx, provider.RefundRequest{IdempotencyKey: idempotencyKey, PaymentID: paymentID, Amount: units(t, minor, e.fx.Currency)})
}

func refund(t *testing.T, e env[provider.Payments], label, paymentID string, minor int64) provider.Refund {
	t.Helper()
	r, err := tryRefund(t, e, key(t, label), paymentID, minor)
	if err != nil {
		t.Fatalf("Refund (%s): %v", label, err)
	}
	if asked := units(t, minor, e.fx.Currency); !r.Amount.Equal(asked) || r.Amount.Currency() != asked.Currency() || r.PaymentID != paymentID {
		t.Fatalf("Refund (%s) answered %v of payment %q, want %v of %q: a refund answers what the platform refunded, here all that was asked; the library records it as answered", label, r.Amount, r.PaymentID, asked, paymentID)
	}
	return r
}

func paymentState(t *testing.T, e env[provider.Payments], id string) provider.Payment {
	t.Helper()
	p, err := e.p.Payment(e.ctx, id)
	if err != nil {
		t.Fatalf("Payment(%q): %v", id, err)
	}
	return p
}
