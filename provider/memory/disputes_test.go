package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// captured is a payment of amount, authorized and captured on p.
func captured(t *testing.T, p *memory.Provider, key string, amount money.Amount) provider.Payment {
	t.Helper()
	ctx := context.Background()
	pay, err := p.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: key, Amount: amount, Token: memory.TokenApprove})
	require.NoError(t, err)
	_, err = p.Capture(ctx, provider.CaptureRequest{IdempotencyKey: key, PaymentID: pay.ID, Amount: amount})
	require.NoError(t, err)
	return pay
}

// delivered is the one event p queued since the last call.
func delivered(t *testing.T, p *memory.Provider) provider.Event {
	t.Helper()
	deliveries := p.TakeDeliveries()
	require.Len(t, deliveries, 1)
	events, err := p.VerifyWebhook(context.Background(), deliveries[0].Header, deliveries[0].Body)
	require.NoError(t, err)
	require.Len(t, events, 1)
	return events[0]
}

// TestADisputeRunsItsCourse: an inquiry, its escalation to a chargeback,
// and its loss each queue the webhook a platform sends; a refund is
// allowed during the inquiry, refused during the chargeback, and after
// the loss allowed only for what the bank did not take back.
func TestADisputeRunsItsCourse(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("whsec")
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
	pay := captured(t, p, "k", usd("50.00"))
	p.TakeDeliveries()

	id, err := p.Dispute(pay.ID, usd("30.00"), "product_not_received", true)
	require.NoError(t, err)
	e := delivered(t, p)
	assert.Equal(t, provider.EventPaymentDisputed, e.Type)
	assert.Equal(t, pay.ID, e.PaymentID)
	assert.Equal(t, id, e.DisputeID)
	assert.Equal(t, "30.00 USD", e.Amount.String())
	assert.Equal(t, "product_not_received", e.Reason)
	assert.True(t, e.Inquiry)
	_, err = p.Refund(ctx, provider.RefundRequest{IdempotencyKey: "r1", PaymentID: pay.ID, Amount: usd("5.00")})
	require.NoError(t, err, "an inquiry takes nothing and blocks nothing")
	p.TakeDeliveries()

	require.NoError(t, p.EscalateDispute(id))
	assert.False(t, delivered(t, p).Inquiry)
	assert.ErrorIs(t, p.EscalateDispute(id), provider.ErrInvalidState)
	_, err = p.Refund(ctx, provider.RefundRequest{IdempotencyKey: "r2", PaymentID: pay.ID, Amount: usd("1.00")})
	assert.ErrorIs(t, err, provider.ErrInvalidState, "a disputed charge is not refunded")

	require.NoError(t, p.CloseDispute(id, provider.DisputeLost))
	e = delivered(t, p)
	assert.Equal(t, provider.EventPaymentDisputeClosed, e.Type)
	assert.Equal(t, provider.DisputeLost, e.Reason)
	assert.ErrorIs(t, p.CloseDispute(id, provider.DisputeWon), provider.ErrInvalidState)
	_, err = p.Refund(ctx, provider.RefundRequest{IdempotencyKey: "r3", PaymentID: pay.ID, Amount: usd("15.01")})
	assert.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "50.00 less 30.00 lost less 5.00 refunded leaves 15.00")
	_, err = p.Refund(ctx, provider.RefundRequest{IdempotencyKey: "r4", PaymentID: pay.ID, Amount: usd("15.00")})
	assert.NoError(t, err)
}

// TestADonationsDisputeIsTheDonations: a disputed gift's webhooks are the
// donation's, naming it.
func TestADonationsDisputeIsTheDonations(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("whsec")
	d, err := p.Donate(ctx, provider.DonateRequest{IdempotencyKey: "g", NonprofitID: memory.DemoCharity, Amount: money.MustParse("25.00", "USD"), Token: memory.TokenApprove})
	require.NoError(t, err)
	p.TakeDeliveries()
	id, err := p.Dispute(d.ID, d.Amount, "fraudulent", false)
	require.NoError(t, err)
	e := delivered(t, p)
	assert.Equal(t, provider.EventDonationDisputed, e.Type)
	assert.Equal(t, d.ID, e.DonationID)
	require.NoError(t, p.CloseDispute(id, provider.DisputeWon))
	assert.Equal(t, provider.EventDonationDisputeClosed, delivered(t, p).Type)
}

// TestADisputeThatCannotBeIsRefused: what no bank can dispute, and no
// dispute can become, is refused and queues nothing.
func TestADisputeThatCannotBeIsRefused(t *testing.T) {
	ctx := context.Background()
	p := withSecrets("whsec")
	usd := money.MustParse("10.00", "USD")
	held, err := p.Authorize(ctx, provider.AuthorizeRequest{IdempotencyKey: "h", Amount: usd, Token: memory.TokenApprove})
	require.NoError(t, err)
	pay := captured(t, p, "c", usd)
	p.TakeDeliveries()
	for name, err := range map[string]error{
		"a hold not captured":  second(p.Dispute(held.ID, usd, "fraudulent", false)),
		"an unknown payment":   second(p.Dispute("pi_nope", usd, "fraudulent", false)),
		"nothing disputed":     second(p.Dispute(pay.ID, money.Zero("USD"), "fraudulent", false)),
		"another currency":     second(p.Dispute(pay.ID, money.MustParse("10.00", "EUR"), "fraudulent", false)),
		"an unknown dispute":   p.CloseDispute("dp_nope", provider.DisputeLost),
		"an unknown outcome":   closeNew(t, p, pay.ID, "settled"),
		"escalating a dispute": p.EscalateDispute("dp_nope"),
	} {
		assert.Error(t, err, name)
		assert.True(t, errors.Is(err, provider.ErrInvalidState) || errors.Is(err, provider.ErrNotFound) || errors.Is(err, provider.ErrInvalidRequest), "%s: %v", name, err)
	}
	assert.Empty(t, p.TakeDeliveries())
}

func second[T any](_ T, err error) error { return err }

// closeNew opens a dispute of paymentID, drops its webhook, and closes it
// with outcome.
func closeNew(t *testing.T, p *memory.Provider, paymentID, outcome string) error {
	t.Helper()
	id, err := p.Dispute(paymentID, money.MustParse("1.00", "USD"), "general", false)
	require.NoError(t, err)
	p.TakeDeliveries()
	return p.CloseDispute(id, outcome)
}
