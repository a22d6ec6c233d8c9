package buybutton_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// oregon is another address the demo merchant ships to.
var oregon = provider.Address{Name: "Ada Buyer", Line1: "1 Pearl St", City: "Portland", Region: "OR", PostalCode: "97209", Country: "US"}

// TestEditingWhileTheBankStepWaitsGivesThePaymentUp: a buyer who sees,
// at the bank step, that the parcel would go to the wrong address changes
// it. The attempt waiting for the step is given up (its hold voided, its
// stock released, the host told with payment.failed, reason
// checkout_edited), the edit is made, and a confirm pays anew. Before,
// the edit was an illegal transition, and the buyer had to cancel and
// start again.
func TestEditingWhileTheBankStepWaitsGivesThePaymentUp(t *testing.T) {
	f := newShop(t, nil)
	require.NoError(t, f.shop.SetStock(paperback, 1))
	co, first := waitingForTheStep(t, f)

	got, err := f.client.SetShippingAddress(ctx, buyer, co.ID, oregon)
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutAddressed, got.State)
	assert.Equal(t, "Portland", got.ShipTo.City)
	assert.Empty(t, got.PaymentID)
	assert.Equal(t, "checkout_edited", got.LastError.Code)
	old, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, old.Status, "the hold waiting for the step is released")
	require.ErrorIs(t, f.shop.CompleteAction(first, true), provider.ErrInvalidState, "the step, taken late, takes nothing")
	f.deliver(t)
	assert.Equal(t, 1, count(f.pendingEvents(t), buybutton.EventPaymentFailed))

	_, err = f.client.SelectShipping(ctx, buyer, co.ID, "standard")
	require.NoError(t, err)
	o, err := f.confirm(co, memory.TokenApprove)
	require.NoError(t, err, "the last copy, held by the first attempt, is released for the second")
	assert.Equal(t, "Portland", o.ShipTo.City)
	assert.NotEqual(t, first, o.PaymentID)
	s := f.shop.Stats()
	assert.Equal(t, 2, s.Authorizations)
	assert.Equal(t, 1, s.Voids)
	assert.Equal(t, 1, s.Orders)
	assert.Contains(t, f.path(t, co.ID, "checkout"), "payment_pending>shipping_selected", "undone back to ready before the edit")
}

// TestAnEditAfterTheStepWasTakenIsRefused: if the buyer took the step
// before the edit came, the payment stands and places the order; the
// edit is refused, and nothing is charged twice.
func TestAnEditAfterTheStepWasTakenIsRefused(t *testing.T) {
	f := newShop(t, nil)
	co, first := waitingForTheStep(t, f)
	require.NoError(t, f.shop.CompleteAction(first, true))

	_, err := f.client.SetShippingAddress(ctx, buyer, co.ID, oregon)
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	got := f.checkout(t, co.ID)
	assert.Equal(t, buybutton.CheckoutPlaced, got.State)
	o := f.order(t, got.OrderID)
	assert.Equal(t, first, o.PaymentID)
	assert.Equal(t, "San Francisco", o.ShipTo.City, "the order goes where it was placed to")
	assert.Equal(t, 1, f.shop.Stats().Authorizations)
}

// TestAnEditThatFailsChangesNothingWhileTheStepWaits: an edit refused on
// its own terms (an option that was not quoted) is refused before the
// waiting attempt is touched.
func TestAnEditThatFailsChangesNothingWhileTheStepWaits(t *testing.T) {
	f := newShop(t, nil)
	co, first := waitingForTheStep(t, f)
	waiting := f.checkout(t, co.ID)

	_, err := f.client.SelectShipping(ctx, buyer, co.ID, "teleport")
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
	got := f.checkout(t, co.ID)
	assert.Equal(t, waiting.Version, got.Version, "the checkout is as it was")
	assert.Equal(t, buybutton.CheckoutRequiresAction, got.State)
	pay, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentRequiresAction, pay.Status)
	assert.Zero(t, f.shop.Stats().Voids)
}

// TestAnEditAGiftCannotTakeChangesNothingWhileItsStepWaits: choosing a
// shipping option for a gift is refused as it is on a gift not waiting
// (ErrIllegalTransition: a gift's ready state is open), and the waiting
// gift is left alone.
func TestAnEditAGiftCannotTakeChangesNothingWhileItsStepWaits(t *testing.T) {
	f := newShop(t, nil)
	_, co := startGift(t, f, false)
	_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	waiting := f.checkout(t, co.ID)

	_, err = f.client.SelectShipping(ctx, buyer, co.ID, "standard")
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition)
	got := f.checkout(t, co.ID)
	assert.Equal(t, waiting.Version, got.Version, "the checkout is as it was")
	assert.Zero(t, f.shop.Stats().Withdrawals)
}

// TestAnEditWhoseVoidFailsLeavesTheAttemptOwed: the hold cannot be
// released yet; the edit fails with the outcome unknown, the checkout
// keeps owing the undo, and the next edit finishes it and is made (as
// would a confirm, Reconcile or Maintain).
func TestAnEditWhoseVoidFailsLeavesTheAttemptOwed(t *testing.T) {
	fails := 1
	f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
		return buybutton.MerchantFrom(shopID, "Demo Shop", unvoidable{Provider: p, fails: &fails})
	})
	co, first := waitingForTheStep(t, f)

	_, err := f.client.SetShippingAddress(ctx, buyer, co.ID, oregon)
	require.ErrorIs(t, err, buybutton.ErrUnknownOutcome)
	assert.Equal(t, first, f.checkout(t, co.ID).PaymentID, "the checkout still owes the undo")

	got, err := f.client.SetShippingAddress(ctx, buyer, co.ID, oregon)
	require.NoError(t, err)
	assert.Equal(t, "Portland", got.ShipTo.City)
	old, err := f.shop.Payment(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, provider.PaymentVoided, old.Status)
	assert.Equal(t, 1, f.shop.Stats().Authorizations)
}

// TestEditingAGiftWhileItsStepWaitsWithdrawsIt: a donor who changes
// their contact at the bank step gives the waiting gift up too: it is
// withdrawn, and the next confirm gives anew.
func TestEditingAGiftWhileItsStepWaitsWithdrawsIt(t *testing.T) {
	f := newShop(t, nil)
	cp, co := startGift(t, f, false)
	_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
	require.ErrorIs(t, err, buybutton.ErrActionRequired)
	waiting := f.checkout(t, co.ID).PaymentID

	got, err := f.client.SetContact(ctx, buyer, co.ID, provider.Contact{Name: "Ada Lovelace", Email: "ada@analytical.example"})
	require.NoError(t, err)
	assert.Equal(t, "ada@analytical.example", got.Contact.Email)
	assertWithdrawn(t, f, waiting)

	_, err = f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	after, err := f.client.Campaign(ctx, cp.ID)
	require.NoError(t, err)
	assert.True(t, after.Raised.Equal(usd("25.00")), "raised %s: the one gift", after.Raised)
}
