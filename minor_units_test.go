package buybutton_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// texas taxes at 6.25%, which makes half minor units.
var texas = provider.Address{Name: "Ada Buyer", Line1: "1 Congress Ave", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US"}

// TestACheckoutInEveryMinorUnit buys, refunds in part and in full, in a
// currency of two decimals (USD), none (JPY) and three (KWD). The demo
// catalog has the same prices in minor units in each, so every amount is
// the same number of minor units: 1 paperback (3999) and 2 sneakers
// (2 × 8900), express shipping (1500), and Texas's 6.25% tax per line,
// 249.9375 → 250 and 1112.5 → 1112 (half-even). A total, a tax or a
// refund computed in cents whatever the currency, or rounded to two
// decimals, is off in JPY (1112.50) and KWD (1.11 for 1.112), and one
// rounded half-up makes the sneakers' tax 1113.
func TestACheckoutInEveryMinorUnit(t *testing.T) {
	for _, c := range []money.Currency{"USD", "JPY", "KWD"} {
		t.Run(string(c), func(t *testing.T) {
			minor := func(n int64) money.Amount {
				a, err := money.FromMinor(n, c)
				require.NoError(t, err)
				return a
			}
			shop := memory.New(&memory.Options{Currency: c})
			client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)}})
			require.NoError(t, err)
			_, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, ShipTo: &texas, Lines: []buybutton.CartLine{
				{MerchantID: shopID, ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1},
				{MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-9", Quantity: 2},
			}})
			require.NoError(t, err)
			co, err := client.SelectShipping(ctx, buyer, cos[0].ID, "express")
			require.NoError(t, err)

			want := buybutton.Totals{Subtotal: minor(21799), Discount: minor(0), Shipping: minor(1500), Tax: minor(1362), Fee: minor(0), Total: minor(24661)}
			assertTotals(t, want, co.Totals)
			assert.True(t, co.Lines[0].Tax.Equal(minor(250)), "paperback's tax %s", co.Lines[0].Tax)
			assert.True(t, co.Lines[1].Tax.Equal(minor(1112)), "sneakers' tax %s", co.Lines[1].Tax)

			order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
			require.NoError(t, err)
			assertTotals(t, want, order.Totals)
			assert.True(t, order.Captured.Equal(minor(24661)), "captured %s", order.Captured)
			pay, err := shop.Payment(ctx, order.PaymentID)
			require.NoError(t, err)
			assert.True(t, pay.Captured.Equal(minor(24661)), "the platform captured %s", pay.Captured)

			// Less than the minor unit is refused, and nothing moves.
			below := minor(1).Mul(decimal.New(5, -1))
			_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: below, IdempotencyKey: "below"})
			assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
			assert.Zero(t, shop.Stats().Refunds)

			// One minor unit, then the rest, then nothing more.
			_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: minor(1), IdempotencyKey: "one"})
			require.NoError(t, err)
			order, err = client.Order(ctx, buyer, order.ID)
			require.NoError(t, err)
			assert.Equal(t, buybutton.PaymentPartiallyRefunded, order.PaymentState())
			_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: minor(24660), IdempotencyKey: "rest"})
			require.NoError(t, err)
			_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: minor(1), IdempotencyKey: "more"})
			assert.ErrorIs(t, err, provider.ErrRefundExceedsCapture)

			order, err = client.Order(ctx, buyer, order.ID)
			require.NoError(t, err)
			assert.Equal(t, buybutton.PaymentRefunded, order.PaymentState())
			pay, err = shop.Payment(ctx, order.PaymentID)
			require.NoError(t, err)
			assert.True(t, pay.Refunded.Equal(minor(24661)), "the platform refunded %s", pay.Refunded)
			assert.Equal(t, 2, shop.Stats().Refunds)
		})
	}
}

// assertTotals compares every amount of two Totals, currency included.
func assertTotals(t *testing.T, want, got buybutton.Totals) {
	t.Helper()
	for _, p := range []struct {
		name      string
		want, got money.Amount
	}{
		{"subtotal", want.Subtotal, got.Subtotal}, {"discount", want.Discount, got.Discount},
		{"shipping", want.Shipping, got.Shipping}, {"tax", want.Tax, got.Tax},
		{"fee", want.Fee, got.Fee}, {"total", want.Total, got.Total},
	} {
		assert.True(t, p.want.Equal(p.got), "%s: want %s, got %s", p.name, p.want, p.got)
	}
}

// TestAPlatformsChargeUnitIsWhatAmountsAreMadeIn buys and donates in KWD
// through a platform that, as Stripe does, charges KWD only in hundredths
// (0.010 KWD) and refuses anything else. Two sneakers (17.800 KWD) to
// Texas owe 1.1125 KWD of tax: 1.112 in fils, which the platform would
// refuse, so 1.11, half-even in hundredths; and a donor covering the fee
// on 10.000 KWD (2.9% + 0.100) is charged 10.410, the least whole number
// of hundredths that leaves the nonprofit 10.000 (10.402 in fils). A
// catalog price the platform cannot charge is refused before a checkout
// is made.
func TestAPlatformsChargeUnitIsWhatAmountsAreMadeIn(t *testing.T) {
	kwd := func(s string) money.Amount { return money.MustParse(s, "KWD") }
	shop := memory.New(&memory.Options{Currency: "KWD", ChargeUnit: kwd("0.010")})
	client, err := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)}})
	require.NoError(t, err)

	_, cos, err := client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: buyer, ShipTo: &texas, Lines: []buybutton.CartLine{
		{MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: memory.DemoSneaker + "-9", Quantity: 2},
	}})
	require.NoError(t, err)
	co, err := client.SelectShipping(ctx, buyer, cos[0].ID, "express")
	require.NoError(t, err)
	assertTotals(t, buybutton.Totals{Subtotal: kwd("17.800"), Discount: kwd("0"), Shipping: kwd("1.500"), Tax: kwd("1.11"), Fee: kwd("0"), Total: kwd("20.410")}, co.Totals)
	order, err := client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	assert.True(t, order.Captured.Equal(kwd("20.410")), "captured %s", order.Captured)

	// A refund of fils the platform cannot refund is refused before it is
	// recorded or sent; one of hundredths is made.
	_, err = client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: kwd("1.005"), IdempotencyKey: "fils"})
	var field *buybutton.ValidationError
	require.ErrorAs(t, err, &field)
	assert.Equal(t, "amount", field.Field)
	again, err := client.Order(ctx, buyer, order.ID)
	require.NoError(t, err)
	assert.Empty(t, again.Refunds)
	assert.Zero(t, shop.Stats().Refunds)
	r, err := client.RefundOrder(ctx, buybutton.RefundParams{OrderID: order.ID, Amount: kwd("1.010"), IdempotencyKey: "hundredths"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, r.Status)

	// The paperback costs 3.999 KWD: no total with it could be charged.
	_, _, err = client.StartCheckout(ctx, buybutton.StartCheckoutParams{BuyerID: "buyer-2", ShipTo: &texas, Lines: []buybutton.CartLine{
		{MerchantID: shopID, ProductID: memory.DemoBook, VariantID: memory.DemoBook + "-paperback", Quantity: 1},
	}})
	require.ErrorAs(t, err, &field)
	assert.Equal(t, "quote.unit_price", field.Field)
	orders, err := client.Orders(ctx, "buyer-2", "", 10)
	require.NoError(t, err)
	assert.Empty(t, orders)

	// A campaign offers and allows at its ends only amounts the platform
	// can charge.
	wells := buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "KWD",
		Presets: []money.Amount{kwd("10.000")}, Maximum: kwd("1000.000"),
	}
	for _, bad := range []struct {
		field  string
		change func(p *buybutton.CampaignParams)
	}{
		{"presets", func(p *buybutton.CampaignParams) { p.Presets = []money.Amount{kwd("5.000"), kwd("7.505")} }},
		{"minimum", func(p *buybutton.CampaignParams) { p.Minimum = kwd("1.001") }},
		{"maximum", func(p *buybutton.CampaignParams) { p.Maximum = kwd("999.999") }},
	} {
		p := wells
		bad.change(&p)
		_, err := client.CreateCampaign(ctx, p)
		require.ErrorAs(t, err, &field, bad.field)
		assert.Equal(t, bad.field, field.Field)
	}
	campaign, err := client.CreateCampaign(ctx, wells)
	require.NoError(t, err)
	gift, err := client.StartDonation(ctx, buybutton.StartDonationParams{BuyerID: buyer, CampaignID: campaign.ID, Amount: kwd("10.000"), CoverFee: true})
	require.NoError(t, err)
	assert.True(t, gift.Totals.Total.Equal(kwd("10.410")), "charged %s", gift.Totals.Total)
	assert.True(t, gift.Totals.Fee.Equal(kwd("0.410")), "fee %s", gift.Totals.Fee)
	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: gift.ID, PaymentToken: memory.TokenApprove})
	require.NoError(t, err)
	assert.True(t, d.Charged.Equal(kwd("10.410")), "charged %s", d.Charged)

	// A gift of fils the platform cannot charge is refused, and nothing is
	// stored.
	_, err = client.StartDonation(ctx, buybutton.StartDonationParams{BuyerID: buyer, CampaignID: campaign.ID, Amount: kwd("10.005")})
	require.ErrorAs(t, err, &field)
	assert.Equal(t, "amount", field.Field)

	// Nor is a donation refunded in fils.
	_, err = client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: kwd("0.405"), IdempotencyKey: "fils"})
	require.ErrorAs(t, err, &field)
	assert.Equal(t, "amount", field.Field)
	d, err = client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Empty(t, d.Refunds)
	_, err = client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: kwd("0.410"), IdempotencyKey: "hundredths"})
	require.NoError(t, err)
}
