package buybutton_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// chargeBack has the bank take amount of payment (or gift) id back for
// fraud, and the merchant lose the dispute, on the platform; its webhooks
// wait to be delivered.
func (f fixture) chargeBack(t *testing.T, id string, amount money.Amount) {
	t.Helper()
	dispute, err := f.shop.Dispute(id, amount, "fraudulent", false)
	require.NoError(t, err)
	require.NoError(t, f.shop.CloseDispute(dispute, provider.DisputeLost))
}

// deliverDispute has the platform send, now, a dispute event of the
// order's payment: dispute dp_1 opened (outcome "") or closed with
// outcome, of amount.
func (f fixture) deliverDispute(o *buybutton.Order, eventID, outcome string, amount *money.Amount) error {
	return f.deliverDisputeAt(o, eventID, outcome, amount, f.clock.Now())
}

// deliverDisputeAt is deliverDispute of an event that happened at
// occurred.
func (f fixture) deliverDisputeAt(o *buybutton.Order, eventID, outcome string, amount *money.Amount, occurred time.Time) error {
	e := provider.Event{ID: eventID, Type: provider.EventPaymentDisputed, OccurredAt: occurred, PaymentID: o.PaymentID, DisputeID: "dp_1", Amount: amount, Reason: "product_not_received"}
	if outcome != "" {
		e.Type, e.Reason = provider.EventPaymentDisputeClosed, outcome
	}
	h, body := f.shop.Sign(e, f.clock.Now())
	return f.client.HandleWebhook(ctx, shopID, h, body)
}

func ptr(a money.Amount) *money.Amount { return &a }

// TestALostDisputeLeavesOnlyTheRestRefundable: the bank disputes 40.00 of
// a 90.78 order and the merchant loses. The order's books say so (charged
// back 40.00, payment state charged_back), and a refund of more than the
// 50.78 the merchant still holds is refused before the platform is asked:
// with the dispute's 40.00 the buyer would get back more than they paid.
// Before, the order stayed captured and 90.78 refundable.
func TestALostDisputeLeavesOnlyTheRestRefundable(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.deliverDispute(o, "evt_open", "", ptr(usd("40.00"))))
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentDisputed, got.PaymentState())
	require.Len(t, got.Disputes, 1)
	assert.True(t, got.Disputes[0].Open())
	assert.Equal(t, "dp_1", got.Disputes[0].ProviderDisputeID)
	assert.Equal(t, "product_not_received", got.Disputes[0].Reason)
	assert.True(t, got.ChargedBack().IsZero(), "an open dispute took nothing yet in the books")

	require.NoError(t, f.deliverDispute(o, "evt_lost", provider.DisputeLost, ptr(usd("40.00"))))
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState())
	assert.Equal(t, "40.00 USD", got.ChargedBack().String())
	assert.Equal(t, "50.78 USD", got.Refundable().String())
	assert.Equal(t, provider.DisputeLost, got.Disputes[0].Outcome)
	assert.False(t, got.Disputes[0].ClosedAt.IsZero())

	refunds := f.shop.Stats().Refunds
	_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("50.79"), IdempotencyKey: "too-much"})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture)
	assert.Equal(t, refunds, f.shop.Stats().Refunds, "the platform is not asked")
	assert.Equal(t, got.Version, f.order(t, o.ID).Version, "nothing is recorded")

	r, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("50.78"), IdempotencyKey: "the-rest"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.RefundSucceeded, r.Status)
	assert.Equal(t, []string{">captured", "captured>disputed", "disputed>charged_back", "charged_back>charged_back"}, f.path(t, o.ID, "payment"))
}

// TestAWonDisputeLeavesTheBooksAsTheyWere: a dispute the merchant wins
// takes nothing: the payment is captured again, and all of it refundable.
func TestAWonDisputeLeavesTheBooksAsTheyWere(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.deliverDispute(o, "evt_open", "", ptr(o.Captured)))
	require.NoError(t, f.deliverDispute(o, "evt_won", provider.DisputeWon, ptr(o.Captured)))
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentCaptured, got.PaymentState())
	assert.True(t, got.ChargedBack().IsZero())
	_, err := f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: o.Captured, IdempotencyKey: "all"})
	require.NoError(t, err)
	assert.Equal(t, buybutton.PaymentRefunded, f.order(t, o.ID).PaymentState())
}

// TestADisputesEndBeforeItsOpeningIsRecordedOnce: the platform's end of a
// dispute arrives before its opening. The dispute is recorded lost at
// once; the opening, when it comes, changes nothing and tells the host
// nothing, for the host heard of the dispute's end already.
func TestADisputesEndBeforeItsOpeningIsRecordedOnce(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	require.NoError(t, f.deliverDispute(o, "evt_lost", provider.DisputeLost, ptr(o.Captured)))
	require.NoError(t, f.deliverDispute(o, "evt_open", "", ptr(o.Captured)))
	got := f.order(t, o.ID)
	require.Len(t, got.Disputes, 1)
	assert.Equal(t, provider.DisputeLost, got.Disputes[0].Outcome)
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState())
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventPaymentDisputeClosed))
	assert.Zero(t, count(events, buybutton.EventPaymentDisputed))
}

// TestAChargebackAfterAnInquiryEndedIsRecorded: an inquiry ends without
// a chargeback, and later the bank files one on the same dispute. The
// later opening and its loss are recorded and told, for they happened
// after the end; an opening that happened before the end, delivered late,
// changes nothing.
func TestAChargebackAfterAnInquiryEndedIsRecorded(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	start := f.clock.Now()
	require.NoError(t, f.deliverDispute(o, "evt_inquiry_ended", provider.DisputeEnded, ptr(o.Captured)))
	require.NoError(t, f.deliverDisputeAt(o, "evt_inquiry", "", ptr(o.Captured), start.Add(-time.Hour)))
	assert.Equal(t, buybutton.PaymentCaptured, f.order(t, o.ID).PaymentState(), "the inquiry, delivered after its end, is over")

	f.clock.Advance(24 * time.Hour)
	require.NoError(t, f.deliverDispute(o, "evt_chargeback", "", ptr(o.Captured)))
	got := f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentDisputed, got.PaymentState())
	require.Len(t, got.Disputes, 1, "the same dispute, opened again")
	assert.True(t, got.Disputes[0].ClosedAt.IsZero())

	f.clock.Advance(24 * time.Hour)
	require.NoError(t, f.deliverDispute(o, "evt_lost", provider.DisputeLost, ptr(o.Captured)))
	require.NoError(t, f.deliverDisputeAt(o, "evt_ended_late", provider.DisputeEnded, ptr(o.Captured), f.clock.Now().Add(time.Hour)))
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState(), "lost is final")
	assert.Equal(t, o.Captured.String(), got.ChargedBack().String())
	events := f.pendingEvents(t)
	assert.Equal(t, 1, count(events, buybutton.EventPaymentDisputed))
	assert.Equal(t, 2, count(events, buybutton.EventPaymentDisputeClosed), "ended, then lost")
	assert.Equal(t, []string{">captured", "captured>captured", "captured>disputed", "disputed>charged_back"}, f.path(t, o.ID, "payment"))
}

// TestAnInquiryThatBecomesAChargebackIsToldAgain: the bank first asks
// (an inquiry: nothing taken), then files a chargeback on the same
// dispute. The order keeps one dispute, no longer an inquiry, and the
// host hears of each; an inquiry event that comes after the chargeback
// changes nothing, for a chargeback never goes back to an inquiry.
func TestAnInquiryThatBecomesAChargebackIsToldAgain(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	send := func(id string, inquiry bool) {
		t.Helper()
		e := provider.Event{ID: id, Type: provider.EventPaymentDisputed, OccurredAt: f.clock.Now(), PaymentID: o.PaymentID, DisputeID: "dp_1", Amount: &o.Captured, Reason: "fraudulent", Inquiry: inquiry}
		h, body := f.shop.Sign(e, f.clock.Now())
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	}
	send("evt_inquiry", true)
	got := f.order(t, o.ID)
	require.Len(t, got.Disputes, 1)
	assert.True(t, got.Disputes[0].Inquiry)
	assert.Equal(t, buybutton.PaymentDisputed, got.PaymentState())

	send("evt_chargeback", false)
	send("evt_inquiry_late", true)
	got = f.order(t, o.ID)
	require.Len(t, got.Disputes, 1)
	assert.False(t, got.Disputes[0].Inquiry, "a chargeback now")
	assert.Equal(t, 2, count(f.pendingEvents(t), buybutton.EventPaymentDisputed), "the inquiry, then the chargeback")
	tr, err := f.client.Transitions(ctx, buyer, o.ID)
	require.NoError(t, err)
	var why []string
	for _, x := range tr {
		if x.Machine == "payment" && x.From != "" {
			why = append(why, x.Reason)
		}
	}
	assert.Equal(t, []string{"inquiry by the bank: fraudulent", "disputed by the bank: fraudulent"}, why)
}

// TestCancelAfterALostDisputeReturnsOnlyTheRest: an order whose payment
// the merchant lost a dispute over is canceled with a refund of what the
// merchant still holds, and with no refund at all when the bank took all
// of it back: the money is back with the buyer either way.
func TestCancelAfterALostDisputeReturnsOnlyTheRest(t *testing.T) {
	for _, tc := range []struct {
		name, chargedBack, refunded string
	}{
		{"part charged back", "40.00", "50.78"},
		{"all charged back", "90.78", "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newShop(t, nil)
			o := f.placed(t)
			require.NoError(t, f.deliverDispute(o, "evt_lost", provider.DisputeLost, ptr(usd(tc.chargedBack))))
			got, err := f.client.CancelOrder(ctx, buybutton.CancelOrderParams{ByHost: true, OrderID: o.ID, Reason: "chargeback"})
			require.NoError(t, err)
			assert.Equal(t, buybutton.OrderCanceled, got.Status)
			assert.Equal(t, tc.refunded+" USD", got.Refunded().String())
			pay, err := f.shop.Payment(ctx, o.PaymentID)
			require.NoError(t, err)
			assert.Equal(t, tc.refunded+" USD", pay.Refunded.String(), "what the platform returned")
		})
	}
}

// TestADisputeEventThatCannotBeTrueChangesNothing: a dispute event without
// the amount disputed, in another currency, of nothing, or ending in an
// outcome the contract does not name is refused with ErrInvalidInput, and
// the order and the host's events stay as they were.
func TestADisputeEventThatCannotBeTrueChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name, outcome string
		amount        *money.Amount
	}{
		{"no amount", "", nil},
		{"another currency", "", ptr(money.MustParse("90.78", "EUR"))},
		{"nothing disputed", "", ptr(usd("0.00"))},
		{"below a cent", "", ptr(usd("0.001"))},
		{"an outcome not in the contract", "settled", ptr(usd("90.78"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newShop(t, nil)
			o := f.placed(t)
			before := f.order(t, o.ID)
			err := f.deliverDispute(o, "evt_bad", tc.outcome, tc.amount)
			require.ErrorIs(t, err, buybutton.ErrInvalidInput)
			after := f.order(t, o.ID)
			assert.Equal(t, before.Version, after.Version)
			assert.Empty(t, after.Disputes)
			events := f.pendingEvents(t)
			assert.Zero(t, count(events, buybutton.EventPaymentDisputed)+count(events, buybutton.EventPaymentDisputeClosed))
		})
	}
}

// TestAGiftsDisputeCountsInItsCampaignOnlyOnceLost: an open dispute of a
// gift (an inquiry, then a chargeback) leaves its campaign's Raised; a
// dispute won leaves it too; a
// dispute lost of a gift already refunded in part takes out the rest,
// and Raised never goes below what the other gifts gave.
func TestAGiftsDisputeCountsInItsCampaignOnlyOnceLost(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	kept := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	d := f.give(t, cp, ada(buybutton.DonorPrivacy{}))
	raised := func() string {
		t.Helper()
		got, err := f.client.Campaign(ctx, cp.ID)
		require.NoError(t, err)
		return got.Raised.String()
	}
	dispute := func(id, disputeID, outcome string, amount money.Amount, inquiry bool) {
		t.Helper()
		e := provider.Event{ID: id, Type: provider.EventDonationDisputed, DonationID: d.ProviderDonationID, DisputeID: disputeID, Amount: &amount, Reason: "fraudulent", Inquiry: inquiry}
		if outcome != "" {
			e.Type, e.Reason = provider.EventDonationDisputeClosed, outcome
		}
		h, body := f.shop.Sign(e, f.clock.Now())
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, h, body))
	}
	require.Equal(t, "50.00 USD", raised())

	dispute("evt_1", "dp_1", "", usd("25.00"), true)
	asked, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationDisputed, asked.State())
	assert.True(t, asked.Disputes[0].Inquiry)
	dispute("evt_1b", "dp_1", "", usd("25.00"), false)
	filed, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.False(t, filed.Disputes[0].Inquiry, "the inquiry became a chargeback")
	assert.Equal(t, "50.00 USD", raised(), "an open dispute took nothing in the books")
	dispute("evt_2", "dp_1", provider.DisputeWon, usd("25.00"), false)
	assert.Equal(t, "50.00 USD", raised(), "a dispute won took nothing")

	_, err = f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("10.00"), IdempotencyKey: "part"})
	require.NoError(t, err)
	assert.Equal(t, "40.00 USD", raised())
	dispute("evt_3", "dp_2", provider.DisputeLost, usd("25.00"), false)
	assert.Equal(t, "25.00 USD", raised(), "the lost dispute takes out the rest of the gift, and no more")

	got, err := f.client.Donation(ctx, buyer, d.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationChargedBack, got.State())
	assert.Equal(t, "25.00 USD", got.ChargedBack().String())
	assert.True(t, got.Refundable().IsZero(), "refundable %s", got.Refundable())
	_, err = f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: d.ID, Amount: usd("0.01"), IdempotencyKey: "more"})
	require.ErrorIs(t, err, provider.ErrRefundExceedsCapture, "nothing of the gift is the nonprofit's to refund")
	other, err := f.client.Donation(ctx, buyer, kept.ID)
	require.NoError(t, err)
	assert.Equal(t, buybutton.DonationSucceeded, other.State())
}

// TestAChargebackOnTheMemoryPlatform: the same course through the memory
// platform's own disputes, as a host's tests would play it. During the
// chargeback the platform refuses a refund (as Stripe refuses a disputed
// charge), which the library records as refused; once lost, the rest is
// refunded, on the platform too.
func TestAChargebackOnTheMemoryPlatform(t *testing.T) {
	f := newShop(t, nil)
	o := f.placed(t)
	f.deliver(t)
	id, err := f.shop.Dispute(o.PaymentID, usd("40.00"), "product_not_received", true)
	require.NoError(t, err)
	f.deliver(t)
	got := f.order(t, o.ID)
	require.Len(t, got.Disputes, 1)
	assert.True(t, got.Disputes[0].Inquiry)
	assert.Equal(t, id, got.Disputes[0].ProviderDisputeID)

	require.NoError(t, f.shop.EscalateDispute(id))
	f.deliver(t)
	assert.False(t, f.order(t, o.ID).Disputes[0].Inquiry)
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: usd("10.00"), IdempotencyKey: "during"})
	require.ErrorIs(t, err, buybutton.ErrRefundFailed)
	assert.ErrorIs(t, err, provider.ErrInvalidState)

	require.NoError(t, f.shop.CloseDispute(id, provider.DisputeLost))
	f.deliver(t)
	got = f.order(t, o.ID)
	assert.Equal(t, buybutton.PaymentChargedBack, got.PaymentState())
	assert.Equal(t, "50.78 USD", got.Refundable().String())
	_, err = f.client.RefundOrder(ctx, buybutton.RefundParams{OrderID: o.ID, Amount: got.Refundable(), IdempotencyKey: "after"})
	require.NoError(t, err)
	pay, err := f.shop.Payment(ctx, o.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, "50.78 USD", pay.Refunded.String())
}
