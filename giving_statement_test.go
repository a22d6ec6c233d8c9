package buybutton_test

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
)

// TestAGivingStatementTotalsATaxYear: a donor's statement for a year lists
// each gift whose receipt is dated in that year, in the donor's time zone,
// with what is deductible of it now (refunds and chargebacks taken off; a
// gift given back in full is left out), totalled by nonprofit. The gift at
// 7 p.m. on New Year's Eve in Los Angeles is 2026's, though it was 2027 in
// UTC; the one the next morning is 2027's.
func TestAGivingStatementTotalsATaxYear(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	inLA := ada(buybutton.DonorPrivacy{})
	inLA.TimeZone = "America/Los_Angeles"

	november := f.give(t, cp, inLA) // 22 November 2026, 25.00
	_, err := f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: november.ID, Amount: usd("5.00"), Reason: "asked", IdempotencyKey: "part"})
	require.NoError(t, err)
	f.clock.Advance(24 * time.Hour)
	refunded := f.give(t, cp, inLA)
	_, err = f.client.RefundDonation(ctx, buybutton.RefundDonationParams{DonationID: refunded.ID, Amount: usd("25.00"), Reason: "fraudulent", IdempotencyKey: "all"})
	require.NoError(t, err)
	f.newYearsEve(t)
	eve := f.give(t, cp, inLA) // 2027-01-01T03:00Z: 31 December in Los Angeles
	f.clock.Advance(12 * time.Hour)
	f.give(t, cp, inLA) // 1 January 2027 in Los Angeles
	other := donor("buyer-2", "Grace Hopper", buybutton.DonorPrivacy{})
	other.TimeZone = "America/Los_Angeles"
	f.give(t, cp, other) // someone else's

	st, err := f.client.GivingStatement(ctx, buyer, 2026)
	require.NoError(t, err)
	require.Len(t, st.Nonprofits, 1)
	np := st.Nonprofits[0]
	assert.Equal(t, "Clean Water Fund", np.Name)
	assert.Equal(t, "45.00 USD", np.Deductible.String(), "20.00 left of November's, and New Year's Eve's 25.00")
	require.Len(t, np.Gifts, 2, "the gift refunded in full is no gift")
	assert.Equal(t, []string{"2026-11-22", "2026-12-31"}, []string{np.Gifts[0].Date, np.Gifts[1].Date}, "oldest first")
	assert.Equal(t, eve.ReceiptNumber, np.Gifts[1].Receipt)
	text := st.Text()
	assert.Contains(t, text, "Giving statement for 2026\n")
	assert.Contains(t, text, "2026-12-31  "+eve.ReceiptNumber+"  25.00 USD\n")
	assert.Contains(t, text, "Total: 45.00 USD\n")

	next, err := f.client.GivingStatement(ctx, buyer, 2027)
	require.NoError(t, err)
	require.Len(t, next.Nonprofits, 1)
	assert.Equal(t, "25.00 USD", next.Nonprofits[0].Deductible.String())

	none, err := f.client.GivingStatement(ctx, buyer, 2025)
	require.NoError(t, err)
	assert.Empty(t, none.Nonprofits)
	_, err = f.client.GivingStatement(ctx, buyer, 0)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
	_, err = f.client.GivingStatement(ctx, "", 2026)
	assert.ErrorIs(t, err, buybutton.ErrInvalidInput)
}

// TestAGivingStatementReachesTheZoneFurthestAhead: the first gift of a
// year in Kiritimati (UTC+14) is given at 10:00 UTC on 31 December, the
// earliest any gift of that year can be. The statement reads back that
// far, and no further.
func TestAGivingStatementReachesTheZoneFurthestAhead(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	p := ada(buybutton.DonorPrivacy{})
	p.TimeZone = "Pacific/Kiritimati"
	f.clock.Advance(time.Date(2026, 12, 31, 9, 59, 0, 0, time.UTC).Sub(f.clock.Now()))
	lastOf2026 := f.give(t, cp, p)
	f.clock.Advance(time.Minute)
	firstOf2027 := f.give(t, cp, p)

	st, err := f.client.GivingStatement(ctx, buyer, 2027)
	require.NoError(t, err)
	require.Len(t, st.Nonprofits, 1)
	require.Len(t, st.Nonprofits[0].Gifts, 1)
	assert.Equal(t, firstOf2027.ID, st.Nonprofits[0].Gifts[0].DonationID)
	assert.Equal(t, "2027-01-01", st.Nonprofits[0].Gifts[0].Date)

	st, err = f.client.GivingStatement(ctx, buyer, 2026)
	require.NoError(t, err)
	require.Len(t, st.Nonprofits, 1)
	assert.Equal(t, lastOf2026.ID, st.Nonprofits[0].Gifts[0].DonationID)
}

// TestAGiftGivenWhileTheStatementReadsIsNotCountedTwice: a statement
// reads the donor's gifts a page at a time, newest first. A gift given
// between two of its reads comes first in the list; it must not push the
// last gift of the page read onto the next page, where it would be
// counted a second time.
func TestAGiftGivenWhileTheStatementReadsIsNotCountedTwice(t *testing.T) {
	store := &giftDuringRead{Store: buybutton.NewMemoryStore()}
	f := newCharity(t, &buybutton.Options{Store: store})
	cp := f.campaign(t)
	const given = 45 // more than a page of the library's reads
	for range given {
		f.give(t, cp, ada(buybutton.DonorPrivacy{}))
		f.clock.Advance(time.Minute)
	}
	store.give = func() { f.give(t, cp, ada(buybutton.DonorPrivacy{})) }

	st, err := f.client.GivingStatement(ctx, buyer, 2026)
	require.NoError(t, err)
	require.Len(t, st.Nonprofits, 1)
	seen := map[string]int{}
	for _, g := range st.Nonprofits[0].Gifts {
		seen[g.DonationID]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "gift %s listed %d times", id, n)
	}
	require.Positive(t, store.gave, "no gift was given during the read")
	assert.Len(t, st.Nonprofits[0].Gifts, given, "the gifts given before the read; those given during it come before the pages it read")
	assert.Equal(t, "1125.00 USD", st.Nonprofits[0].Deductible.String(), "45 gifts of 25.00")
}

// giftDuringRead is a store on which the donor gives again (give) before
// each read of a page of their donations after the first.
type giftDuringRead struct {
	buybutton.Store
	give func()
	gave int
}

func (s *giftDuringRead) DonationsByBuyer(ctx context.Context, buyerID, after string, limit int) ([]*buybutton.Donation, error) {
	if after != "" && s.give != nil {
		give := s.give
		s.give = nil // the gift reads the list too
		give()
		s.give = give
		s.gave++
	}
	return s.Store.DonationsByBuyer(ctx, buyerID, after, limit)
}
