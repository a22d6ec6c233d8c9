package buybutton_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// unreadableGifts is the memory platform failing the next *fails reads of
// a donation as unavailable, and keeping the ids of the donations and
// monthly donations it made.
type unreadableGifts struct {
	*memory.Provider
	fails   *int
	gave    *[]string
	monthly *[]string
}

func (p unreadableGifts) Donation(ctx context.Context, id string) (provider.Donation, error) {
	if *p.fails > 0 {
		*p.fails--
		return provider.Donation{}, provider.ErrUnavailable
	}
	return p.Provider.Donation(ctx, id)
}

func (p unreadableGifts) Donate(ctx context.Context, req provider.DonateRequest) (provider.Donation, error) {
	d, err := p.Provider.Donate(ctx, req)
	if err == nil {
		*p.gave = append(*p.gave, d.ID)
	}
	return d, err
}

func (p unreadableGifts) StartMonthly(ctx context.Context, req provider.DonateRequest) (provider.MonthlyDonation, error) {
	md, err := p.Provider.StartMonthly(ctx, req)
	if err == nil {
		*p.gave, *p.monthly = append(*p.gave, md.First.ID), append(*p.monthly, md.ID)
	}
	return md, err
}

// assertGivenBack checks that the platform's donation id, which no
// checkout recorded, is refunded in full and, if it began a monthly
// donation, that the monthly donation charges no more.
func assertGivenBack(t *testing.T, f fixture, id string, monthly bool) {
	t.Helper()
	d, err := f.shop.Donation(ctx, id)
	require.NoError(t, err)
	assert.True(t, d.Refunded.Equal(d.Amount), "the gift no attempt recorded is refunded in full: %s of %s", d.Refunded, d.Amount)
	if monthly {
		require.NotEmpty(t, d.MonthlyID)
		md, err := f.shop.Monthly(ctx, d.MonthlyID)
		require.NoError(t, err)
		assert.Equal(t, provider.MonthlyCanceled, md.Status, "and its monthly donation charges no more")
	}
}

// startGift starts Ada's gift of 25.00, monthly or not, to a new campaign
// of f's shop.
func startGift(t *testing.T, f fixture, monthly bool) (*buybutton.Campaign, *buybutton.Checkout) {
	t.Helper()
	cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells", Currency: "USD",
		Presets: []money.Amount{usd("25.00")}, Maximum: usd("1000.00"), ShowProgress: true,
	})
	require.NoError(t, err)
	p := ada(buybutton.DonorPrivacy{})
	p.CampaignID, p.Monthly = cp.ID, monthly
	co, err := f.client.StartDonation(ctx, p)
	require.NoError(t, err)
	return cp, co
}

// TestAGiftAnAttemptGaveUpOnIsReturnedWhenItSucceeds: an attempt whose
// donation waits for the donor's bank step, and that ends before the
// checkout knows it waits (the platform could not be read back), leaves
// a donation waiting, on a platform that cannot withdraw it. If the
// donor completes the step later
// (the platform's reminder, say), the gift is no one's: it is refunded in
// full and its monthly donation canceled, whether the checkout is ready
// again, waiting for another attempt's step, placed with another
// attempt's gift, or ended. Before, its donation.succeeded found no
// checkout (none had indexed the donation), or a checkout not ended, and
// the money stayed taken, recorded nowhere, and a monthly one charged
// every month.
func TestAGiftAnAttemptGaveUpOnIsReturnedWhenItSucceeds(t *testing.T) {
	for _, monthly := range []bool{false, true} {
		for _, then := range []string{"ready", "placed with another gift", "waiting for another step", "expired"} {
			name := then
			if monthly {
				name = "monthly, " + then
			}
			t.Run(name, func(t *testing.T) {
				fails := 0
				var gave, started []string
				f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
					return shopThat(unreadableGifts{Provider: p, fails: &fails, gave: &gave, monthly: &started}, cannotWithdraw)
				})
				cp, co := startGift(t, f, monthly)
				confirm := func(token string) error {
					_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: token})
					return err
				}

				fails = 1 // the read of the donation that waits for the bank step
				require.ErrorIs(t, confirm(memory.TokenActionRequired), provider.ErrUnavailable)
				require.Len(t, gave, 1)
				orphan := gave[0]
				assert.Equal(t, buybutton.CheckoutOpen, f.checkout(t, co.ID).State, "the attempt ended")

				kept := ""
				switch then {
				case "placed with another gift":
					require.NoError(t, confirm(memory.TokenApprove))
					kept = gave[1]
				case "waiting for another step":
					require.ErrorIs(t, confirm(memory.TokenActionRequired), buybutton.ErrActionRequired)
				case "expired":
					f.clock.Advance(31 * time.Minute)
					_, err := f.client.Maintain(ctx, 100)
					require.NoError(t, err)
					require.Equal(t, buybutton.CheckoutExpired, f.checkout(t, co.ID).State)
				}
				f.deliver(t) // the platform's word of what went before

				require.NoError(t, f.shop.CompleteAction(orphan, true), "the donor takes the first attempt's step after all")
				f.deliver(t)

				assertGivenBack(t, f, orphan, monthly)
				got, err := f.client.Campaign(ctx, cp.ID)
				require.NoError(t, err)
				if kept == "" {
					assert.True(t, got.Raised.IsZero(), "raised %s", got.Raised)
					return
				}
				k, err := f.shop.Donation(ctx, kept)
				require.NoError(t, err)
				assert.True(t, k.Refunded.IsZero(), "the gift the checkout recorded is kept")
				assert.True(t, got.Raised.Equal(usd("25.00")), "raised %s", got.Raised)
				if monthly {
					md, err := f.shop.Monthly(ctx, started[1])
					require.NoError(t, err)
					assert.Equal(t, provider.MonthlyActive, md.Status, "the recorded monthly donation runs on")
				}
			})
		}
	}
}

// TestAMonthlyGiftItsCheckoutEndsWithoutStopsAtThePlatform: a monthly
// gift whose first month waits for the donor's bank step, and whose
// checkout ends (expired, or canceled by the donor) after the donor took
// the step but before its webhook came, has its first month refunded by
// the undo, and its monthly donation canceled: nothing records it, so
// nothing else would stop it charging every month. Before, the undo
// refunded the first month and left the monthly donation running.
func TestAMonthlyGiftItsCheckoutEndsWithoutStopsAtThePlatform(t *testing.T) {
	for _, end := range []string{"expired", "canceled"} {
		t.Run(end, func(t *testing.T) {
			fails := 0
			var gave, started []string
			f := buildFixture(t, nil, nil, func(p *memory.Provider) buybutton.Merchant {
				return buybutton.MerchantFrom(shopID, "Demo Shop", unreadableGifts{Provider: p, fails: &fails, gave: &gave, monthly: &started})
			})
			_, co := startGift(t, f, true)
			_, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, PaymentToken: memory.TokenActionRequired})
			require.ErrorIs(t, err, buybutton.ErrActionRequired)
			require.NoError(t, f.shop.CompleteAction(gave[0], true), "the donor takes the step; its webhook is not in yet")

			if end == "expired" {
				f.clock.Advance(31 * time.Minute)
				_, err = f.client.Maintain(ctx, 100)
			} else {
				_, err = f.client.CancelCheckout(ctx, buyer, co.ID)
			}
			require.NoError(t, err)
			d, err := f.shop.Donation(ctx, gave[0])
			require.NoError(t, err)
			assert.True(t, d.Refunded.Equal(d.Amount), "the first month is refunded: %s of %s", d.Refunded, d.Amount)
			md, err := f.shop.Monthly(ctx, started[0])
			require.NoError(t, err)
			assert.Equal(t, provider.MonthlyCanceled, md.Status, "and the monthly donation charges no more")

			f.deliver(t) // the step's webhook, late: nothing more to do
			f.clock.Advance(40 * 24 * time.Hour)
			assert.Zero(t, f.shop.RenewDue(), "no month is charged")
		})
	}
}
