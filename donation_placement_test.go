package buybutton_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestRacingDonationConfirmsGiveEachOnce is the donor's double tap, many
// times over: 16 goroutines confirm the same 100 donation checkouts, of
// 100 donors to one campaign, all at once, each until it gets a
// donation. Exactly 100 gifts reach the provider, every caller of a
// checkout gets the same donation, and the campaign counts 100 donors
// and 100 gifts' worth, although every gift's count races the others'
// for the campaign's totals. It runs against a provider that honours
// idempotency keys and one that ignores them (the claim alone must hold),
// and, as the negative control, against the latter with a store that
// does not compare-and-set, which must give some gift twice.
func TestRacingDonationConfirmsGiveEachOnce(t *testing.T) {
	const donors, goroutines = 100, 16
	for _, tc := range racingSetups {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.build(t)
			cp, err := f.client.CreateCampaign(ctx, buybutton.CampaignParams{
				MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells for Wajir", Currency: "USD",
				Presets: []money.Amount{usd("25.00")}, Maximum: usd("10000.00"),
			})
			require.NoError(t, err)
			ids := make([]string, donors)
			for i := range ids {
				p := ada(buybutton.DonorPrivacy{})
				p.BuyerID, p.CampaignID = fmt.Sprintf("donor-%d", i), cp.ID
				co, err := f.client.StartDonation(ctx, p)
				require.NoError(t, err)
				ids[i] = co.ID
			}

			donations, failures := confirmRacing(ids, goroutines, tc.wantCaught, func(ctx context.Context, i int, id string) (string, error) {
				d, err := f.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: fmt.Sprintf("donor-%d", i), CheckoutID: id, PaymentToken: memory.TokenApprove})
				if err != nil {
					return "", err
				}
				return d.ID, nil
			})
			distinct, placed := countResults(donations) // donation ids seen; checkouts that got one
			gifts := f.shop.Stats().Donations
			if tc.wantCaught {
				assert.True(t, gifts > placed || distinct > placed,
					"the test did not catch donation placement without compare-and-set: %d gifts for %d checkouts placed", gifts, placed)
				return
			}
			assert.Zero(t, failures)
			assert.Equal(t, donors, gifts, "gifts the provider charged")
			assert.Equal(t, donors, distinct, "callers of one checkout got different donations")
			got, err := f.client.Campaign(ctx, cp.ID)
			require.NoError(t, err)
			assert.Equal(t, donors, got.Donors)
			assert.True(t, got.Raised.Equal(usd("2500.00")), "raised %s, want 2500.00", got.Raised)
		})
	}
}
