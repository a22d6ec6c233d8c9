package buybutton_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestATotalBelowTheMinimumChargeIsRefusedBeforeAnythingMoves: an e-book
// discounted to 0.40, then to 0.10, is below the 0.50 the platform
// charges at least. Confirm refuses it with ErrAmountOutOfRange, naming
// the minimum, before stock is reserved or a payment asked for, and
// leaves the checkout as it was. Before, the platform refused the
// payment as a bad request once the stock was reserved, and the buyer
// was told to check their card. (Discounted to nothing, it is free:
// free_order_test.go.)
func TestATotalBelowTheMinimumChargeIsRefusedBeforeAnythingMoves(t *testing.T) {
	f := newShop(t, nil)
	for _, c := range []struct {
		percentOff int
		total      string
	}{{96, "0.40 USD"}, {99, "0.10 USD"}} {
		require.NoError(t, f.shop.SetPromotion(ebook.VariantID, c.percentOff))
		_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
		require.NoError(t, err)
		co := cos[0]
		require.Equal(t, c.total, co.Totals.Total.String())
		early := f.client.CheckMinimumCharge(co)
		require.ErrorIs(t, early, buybutton.ErrAmountOutOfRange, "known before a card is asked for")

		_, err = f.confirm(co, memory.TokenApprove)
		assert.Equal(t, early.Error(), err.Error(), "what Confirm says")
		require.ErrorIs(t, err, buybutton.ErrAmountOutOfRange, c.total)
		require.ErrorIs(t, err, buybutton.ErrInvalidInput)
		var amount *buybutton.AmountError
		require.True(t, errors.As(err, &amount))
		assert.Equal(t, "0.50 USD", amount.Minimum.String())
		assert.Equal(t, c.total, amount.Amount.String())
		after := f.checkout(t, co.ID)
		assert.Equal(t, co.State, after.State)
		assert.Equal(t, co.Version, after.Version, "the checkout is as it was")
	}
	stats := f.shop.Stats()
	assert.Zero(t, stats.Reservations, "no stock reserved")
	assert.Zero(t, stats.Authorizations, "no payment asked for")

	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 100))
	_, cos, err := f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
	require.NoError(t, err)
	assert.NoError(t, f.client.CheckMinimumCharge(cos[0]), "free: nothing to charge")
	assert.ErrorIs(t, f.client.CheckMinimumCharge(nil), buybutton.ErrInvalidInput)

	require.NoError(t, f.shop.SetPromotion(ebook.VariantID, 0))
	_, cos, err = f.client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, Lines: []buybutton.CartLine{ebook}})
	require.NoError(t, err)
	require.NoError(t, f.client.CheckMinimumCharge(cos[0]))
	_, err = f.confirm(cos[0], memory.TokenApprove)
	require.NoError(t, err, "at full price it is bought")
}
