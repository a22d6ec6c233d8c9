package buybutton_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

const paperback = memory.DemoBook + "-paperback"

// waitingForTheStep starts a checkout of a paperback that waits for the
// buyer's bank step, and returns it with the payment that waits.
func waitingForTheStep(t *testing.T, f fixture) (*buybutton.Checkout, string) {
	t.Helper()
	co := f.ready(t, buyer, book(1))
	_, err := f.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	return co, f.checkout(t, co.ID).PaymentID
}

// TestAnotherCardInsteadOfTheBankStep: a buyer whose bank step will not
// come (the bank's app is broken, the card is someone else's) confirms
// with another card. The attempt waiting for the step is given up (its
// hold voided, its stock released) and the new card pays. Before, the
// confirm resumed the old attempt, ignored the new card and answered the
// same bank step again, until the checkout expired.
func TestAnotherCardInsteadOfTheBankStep(t *testing.T) {
	f := newShop(t, nil)
	require.NoError(t, f.shop.SetStock(paperback, 1))
	co, first := waitingForTheStep(t, f)

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err, "the last copy, held by the first attempt, is released for the second")
	assert.NotEqual(t, first, o.PaymentID, "the new card pays")
	assert.Equal(t, buybutton.PaymentCaptured, o.PaymentState())
	old, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, old.Status, "the hold waiting for the step is released")
	s := f.shop.Stats()
	assert.Equal(t, 2, s.Authorizations)
	assert.Equal(t, 1, s.Orders)
	assert.Equal(t, 2, f.checkout(t, co.ID).Attempt)
}

// TestAnotherCardAfterTheStepWasTakenPaysWithTheFirst: if the buyer did
// take the step before choosing another card, the first card's hold
// stands and places the order; the other card is not charged.
func TestAnotherCardAfterTheStepWasTakenPaysWithTheFirst(t *testing.T) {
	f := newShop(t, nil)
	co, first := waitingForTheStep(t, f)
	require.NoError(t, f.shop.CompleteAction(first, true))

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, first, o.PaymentID)
	assert.Equal(t, 1, f.shop.Stats().Authorizations)
}

// TestAnotherCardThatDeclinesLeavesNothingHeld: the first attempt is
// given up all the same, and the decline is the buyer's answer.
func TestAnotherCardThatDeclinesLeavesNothingHeld(t *testing.T) {
	f := newShop(t, nil)
	require.NoError(t, f.shop.SetStock(paperback, 1))
	co, first := waitingForTheStep(t, f)

	_, err := f.confirm(co, memory.TokenDecline)
	require.ErrorIs(t, err, provider.ErrDeclined)
	got := f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutShippingSelected, got.State)
	assert.Equal(t, "declined", got.LastError.Code)
	old, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, old.Status)
	_, err = f.confirm(f.ready(t, "buyer-2", book(1)), memory.TokenApprove)
	require.NoError(t, err, "the last copy is free for another buyer")
}

// TestAnotherCardInsteadOfTheGiftsBankStep: a donor does the same. The
// new card gives, and the first donation is withdrawn while it waits for
// its step (a monthly one's monthly donation canceled first). On a
// platform that cannot withdraw it, it is left waiting, and if the donor
// takes its step after all, it is refunded.
func TestAnotherCardInsteadOfTheGiftsBankStep(t *testing.T) {
	for _, tc := range []struct {
		name               string
		monthly, withdraws bool
	}{
		{"one-off", false, canWithdraw},
		{"one-off, on a platform that cannot withdraw it", false, cannotWithdraw},
		{"monthly", true, canWithdraw},
		{"monthly, on a platform that cannot withdraw it", true, cannotWithdraw},
	} {
		monthly := tc.monthly
		t.Run(tc.name, func(t *testing.T) {
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant { return shopThat(p, tc.withdraws) })
			cp, co := startGift(t, f, monthly)
			confirm := func(token string) (*buybutton.Donation, error) {
				return f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: token})
			}
			_, err := confirm(memory.TokenActionRequired)
			require.ErrorIs(t, err, buybutton.ErrActionRequired)
			first := f.checkout(t, co.ID).PaymentID

			d, err := confirm(memory.TokenApprove)
			require.NoError(t, err)
			assert.NotEqual(t, first, d.ProviderDonationID, "the new card gives")

			if tc.withdraws {
				assertWithdrawn(t, f, first)
			} else {
				require.NoError(t, f.shop.CompleteAction(first, true), "the donor takes the first step after all")
				f.deliver(t)
				assertGivenBack(t, f, first, monthly)
			}
			got, err := f.client.Campaign(ctx, cp.ID)
			require.NoError(t, err)
			assert.True(t, got.Raised.Equal(usd("25.00")), "raised %s: the one gift", got.Raised)
		})
	}
}

// TestABadCardInsteadOfTheBankStepChangesNothing: the new method is
// checked before the attempt waiting for the step is given up.
func TestABadCardInsteadOfTheBankStepChangesNothing(t *testing.T) {
	f := newShop(t, nil)
	co, _ := waitingForTheStep(t, f)
	waiting := f.checkout(t, co.ID)

	_, err := f.confirm(co, "tok\x00bad")
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	got := f.checkout(t, co.ID)
	assert.Equal(t, waiting.Version, got.Version, "the checkout is as it was")
	assert.Equal(t, buybutton.CheckoutRequiresAction, got.State)
	assert.Zero(t, f.shop.Stats().Voids)
}

// unvoidable is the memory platform refusing the next *fails voids as
// unavailable.
type unvoidable struct {
	*memory.Provider
	fails *int
}

func (p unvoidable) Void(ctx context.Context, req provider.VoidRequest) (provider.Payment, error) {
	if *p.fails > 0 {
		*p.fails--
		return provider.Payment{}, provider.ErrUnavailable
	}
	return p.Provider.Void(ctx, req)
}

// TestAnotherCardWhoseFirstHoldWillNotReleaseYet: the first hold must be
// released before the other card is charged. While the platform refuses
// the void, the checkout waits in unknown, and no second hold is made;
// the next confirm finishes the release and pays with the card it brings.
func TestAnotherCardWhoseFirstHoldWillNotReleaseYet(t *testing.T) {
	fails := 0
	f := buildFixture(t, nil, nil, withPayments(func(shop *memory.Provider) provider.Payments {
		return unvoidable{Provider: shop, fails: &fails}
	}))
	co, first := waitingForTheStep(t, f)

	fails = 1
	_, err := f.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	got := f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutUnknown, got.State)
	assert.True(t, got.Compensating)
	assert.Equal(t, 1, f.shop.Stats().Authorizations, "no second hold while the first stands")

	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.NotEqual(t, first, o.PaymentID)
	old, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, old.Status)
	assert.Equal(t, 2, f.shop.Stats().Authorizations)
}

// stepTakenDuringTheUndo is the memory platform on which the donor takes
// the bank step of donation id just after the library's undo of the
// attempt read it as still waiting (its last chance to see it succeed),
// and the platform's donation.succeeded reaches the library at once, while
// the undo is still under way. What the webhook answered is kept in
// answered; a delivery refused is kept for the platform to send again.
type stepTakenDuringTheUndo struct {
	*memory.Provider
	f        *fixture
	id       *string
	reads    int
	answered *error
	again    *[]memory.Delivery
}

func (p *stepTakenDuringTheUndo) Donation(ctx context.Context, id string) (provider.Donation, error) {
	d, err := p.Provider.Donation(ctx, id)
	if id != *p.id || err != nil {
		return d, err
	}
	if p.reads++; p.reads == 2 { // the attempt's read, then the undo's
		if err := p.Provider.CompleteAction(id, true); err != nil {
			panic(err)
		}
		for _, del := range p.Provider.TakeDeliveries() {
			if *p.answered = p.f.client.HandleWebhook(ctx, shopID, del.Header, del.Body); *p.answered != nil {
				*p.again = append(*p.again, del)
			}
		}
	}
	return d, err
}

// TestAGiftTheDonorCompletesWhileItIsGivenUpIsReturned: the donor takes
// the step of the gift being given up for another card in the moment
// between the undo's last read of it and the undo's commit. Its webhook
// finds the checkout still naming the gift, but giving it up: the event is
// refused (ErrInProgress) and, delivered again, refunds the gift. Before,
// the webhook took the gift for the attempt's own and was marked applied:
// the money stayed taken, recorded nowhere.
//
// On a platform that can withdraw the gift, the withdrawal the undo asks
// for then is refused, the gift having succeeded, and the undo refunds
// it; the webhook delivered again finds nothing more to do.
func TestAGiftTheDonorCompletesWhileItIsGivenUpIsReturned(t *testing.T) {
	for _, withdraws := range []bool{canWithdraw, cannotWithdraw} {
		t.Run(map[bool]string{canWithdraw: "platform withdraws", cannotWithdraw: "platform cannot withdraw"}[withdraws], func(t *testing.T) {
			theStepTakenDuringTheUndo(t, withdraws)
		})
	}
}

func theStepTakenDuringTheUndo(t *testing.T, withdraws bool) {
	var (
		target   string
		answered error
		again    []memory.Delivery
		f        fixture
	)
	f = buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		return shopThat(&stepTakenDuringTheUndo{Provider: p, f: &f, id: &target, answered: &answered, again: &again}, withdraws)
	})
	cp, co := startGift(t, f, false)
	_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	target = f.checkout(t, co.ID).PaymentID

	_, err = f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err, "the new card gives")
	require.ErrorIs(t, answered, buybutton.ErrInProgress, "the webhook came while the gift was being given up")
	for _, del := range again {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, del.Header, del.Body))
	}
	f.deliver(t)

	first, err := f.shop.Donation(ctx, target)
	require.NoError(t, err)
	assert.Equal(t, provider.DonationSucceeded, first.Status)
	assertGivenBack(t, f, target, false)
	got, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, got.Raised.Equal(usd("25.00")), "raised %s: the new card's gift alone", got.Raised)
}
