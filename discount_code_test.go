package buybutton_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// codeShop is the demo shop whose merchant records the discount codes
// each order was placed with, and gives 20% off the paperback with
// SPRING20.
type codeShop struct {
	fixture
	mu     *sync.Mutex
	placed *[][]string // each PlaceOrder's DiscountCodes
}

func newCodeShop(t *testing.T) codeShop {
	s := codeShop{mu: &sync.Mutex{}, placed: &[][]string{}}
	s.fixture = buildFixture(t, nil, nil, func(shop *memory.Provider) buybutton.Merchant {
		m := buybutton.MerchantFrom(shopID, "Demo Shop", shop)
		m.Orders = codeRecordingOrders{Provider: shop, s: s}
		return m
	})
	require.NoError(t, s.shop.SetDiscountCode("SPRING20", 20, memory.DemoBook+"-paperback"))
	return s
}

type codeRecordingOrders struct {
	*memory.Provider
	s codeShop
}

func (o codeRecordingOrders) PlaceOrder(ctx context.Context, req provider.PlaceOrderRequest) (provider.Order, error) {
	o.s.mu.Lock()
	*o.s.placed = append(*o.s.placed, req.DiscountCodes)
	o.s.mu.Unlock()
	return o.Provider.PlaceOrder(ctx, req)
}

func (s codeShop) apply(t *testing.T, co *buybutton.Checkout, code string) (*buybutton.Checkout, error) {
	t.Helper()
	return s.client.ApplyDiscountCode(ctx, co.BuyerID, co.ID, code)
}

// TestADiscountCodeTakesItsAmountOff: two paperbacks (79.98) with the
// code typed in another case, with spaces: 20% off is 16.00, tax on the
// 63.98 left is 4.64 (7.25%), and shipping 5.00: 73.62. The order keeps
// the code, the merchant is told it, and the checkout's transitions say
// the code was applied.
func TestADiscountCodeTakesItsAmountOff(t *testing.T) {
	s := newCodeShop(t)
	co := s.ready(t, buyer, book(2))
	require.Equal(t, "90.78 USD", co.Totals.Total.String())

	co, err := s.apply(t, co, "  spring20 ")
	require.NoError(t, err)
	assert.Equal(t, "spring20", co.DiscountCode)
	assert.True(t, co.DiscountApplies)
	assert.Equal(t, buybutton.CheckoutShippingSelected, co.State, "the selected option is still offered")
	assert.Equal(t, "16.00 USD", co.Totals.Discount.String())
	assert.Equal(t, "4.64 USD", co.Totals.Tax.String())
	assert.Equal(t, "73.62 USD", co.Totals.Total.String())

	o, err := s.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, "73.62 USD", o.Captured.String())
	assert.Equal(t, "spring20", o.DiscountCode)
	assert.Equal(t, [][]string{{"spring20"}}, *s.placed)
	tr, err := s.client.Transitions(ctx, buyer, co.ID)
	require.NoError(t, err)
	assert.Equal(t, "discount code applied", tr[len(tr)-3].Reason)

	// Removed, the total is as it was; the order of a checkout without a
	// code tells the merchant none.
	co, err = s.apply(t, s.ready(t, buyer, book(2)), "SPRING20")
	require.NoError(t, err)
	co, err = s.apply(t, co, "")
	require.NoError(t, err)
	assert.Empty(t, co.DiscountCode)
	assert.False(t, co.DiscountApplies)
	assert.Equal(t, "90.78 USD", co.Totals.Total.String())
	o, err = s.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Empty(t, o.DiscountCode)
	assert.Equal(t, [][]string{{"spring20"}, nil}, *s.placed)
}

// TestADiscountCodeThatCannotApplyChangesNothing: a code the merchant
// does not know, one for other products, one too long or with a control
// character, one on a donation, and one before the address of lines that
// ship are each a typed error, and the checkout is as it was.
func TestADiscountCodeThatCannotApplyChangesNothing(t *testing.T) {
	s := newCodeShop(t)
	require.NoError(t, s.shop.SetDiscountCode("SHOES5", 5, memory.DemoSneaker+"-9"))
	co := s.ready(t, buyer, book(1))
	for _, c := range []struct{ code, field string }{
		{"NOPE", "discount_code"},
		{"SHOES5", "discount_code"},
		{strings.Repeat("X", buybutton.MaxDiscountCodeLength+1), "discount_code"},
		{"SPRING\x0020", "discount_code"},
	} {
		_, err := s.apply(t, co, c.code)
		var bad *buybutton.ValidationError
		require.ErrorAs(t, err, &bad, "%q", c.code)
		assert.Equal(t, c.field, bad.Field)
		after := s.checkout(t, co.ID)
		assert.Equal(t, co.Version, after.Version, "%q changed the checkout", c.code)
		assert.Empty(t, after.DiscountCode)
	}

	_, cos, err := s.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{book(1)}})
	require.NoError(t, err)
	_, err = s.apply(t, cos[0], "SPRING20")
	require.ErrorIs(t, err, buybutton.ErrIllegalTransition, "no quote before the address")

	_, err = s.client.ApplyDiscountCode(ctx, "someone-else", co.ID, "SPRING20")
	require.ErrorIs(t, err, buybutton.ErrForbidden)

	f := newCharity(t, nil)
	p := ada(buybutton.DonorPrivacy{})
	p.CampaignID = f.campaign(t).ID
	gift, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	_, err = f.client.ApplyDiscountCode(ctx, buyer, gift.ID, "SPRING20")
	require.ErrorIs(t, err, buybutton.ErrInvalidInput)
}

// TestADiscountCodeThatEndsBeforeConfirmIsAPriceChange: the merchant ends
// the code between the quote and Confirm. The re-quote finds it no longer
// applies: ErrPriceChanged, with the total without it and a message that
// says why, and nothing reserved or charged. Confirmed again, the order is
// placed at the new total and records no code.
func TestADiscountCodeThatEndsBeforeConfirmIsAPriceChange(t *testing.T) {
	s := newCodeShop(t)
	co, err := s.apply(t, s.ready(t, buyer, book(2)), "SPRING20")
	require.NoError(t, err)
	require.NoError(t, s.shop.SetDiscountCode("SPRING20", 0))

	_, err = s.confirm(co, memory.TokenApprove)
	require.ErrorIs(t, err, buybutton.ErrPriceChanged)
	after := s.checkout(t, co.ID)
	assert.False(t, after.DiscountApplies)
	assert.Equal(t, "SPRING20", after.DiscountCode, "the buyer's code stays, shown as not applying")
	assert.Equal(t, "90.78 USD", after.Totals.Total.String())
	assert.Equal(t, "The discount code no longer applies. Review the new total.", after.LastError.Message)
	assert.Equal(t, memory.Stats{}, s.shop.Stats(), "nothing reserved or charged")

	o, err := s.confirm(after, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, "90.78 USD", o.Captured.String())
	assert.Empty(t, o.DiscountCode)
	assert.Equal(t, [][]string{nil}, *s.placed)
}

// TestADiscountCodeOfAllOfItMakesTheCheckoutFree: a code of 100% off an
// e-book makes its checkout cost nothing: it is placed with no payment,
// and the merchant is told the code.
func TestADiscountCodeOfAllOfItMakesTheCheckoutFree(t *testing.T) {
	s := newCodeShop(t)
	require.NoError(t, s.shop.SetDiscountCode("GIFT", 100, ebook.VariantID))
	_, cos, err := s.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
	require.NoError(t, err)
	require.False(t, cos[0].Free())
	co, err := s.apply(t, cos[0], "gift")
	require.NoError(t, err)
	require.True(t, co.Free())
	o, err := s.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID})
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentNone, o.PaymentState())
	assert.Equal(t, "gift", o.DiscountCode)
	assert.Equal(t, [][]string{{"gift"}}, *s.placed)
}

// TestADiscountCodeWhileTheBankStepWaitsGivesTheAttemptUp: a code entered
// while the payment waits for the buyer's bank step is an edit: the hold
// is voided and the stock released, then the code applied, and the buyer
// confirms the new total.
func TestADiscountCodeWhileTheBankStepWaitsGivesTheAttemptUp(t *testing.T) {
	s := newCodeShop(t)
	co := s.ready(t, buyer, book(2))
	_, err := s.confirm(co, memory.TokenActionRequired)
	require.ErrorIs(t, err, buybutton.ErrActionRequired)

	co, err = s.apply(t, co, "SPRING20")
	require.NoError(t, err)
	assert.Equal(t, buybutton.CheckoutShippingSelected, co.State)
	assert.Equal(t, "73.62 USD", co.Totals.Total.String())
	assert.Equal(t, "checkout_edited", co.LastError.Code)
	st := s.shop.Stats()
	assert.Equal(t, 1, st.Voids, "the waiting hold voided")

	o, err := s.confirm(co, memory.TokenApprove)
	require.NoError(t, err)
	assert.Equal(t, "73.62 USD", o.Captured.String())
}
