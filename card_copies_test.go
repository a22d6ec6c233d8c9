package buybutton_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/deep"
	"github.com/buybutton/buybutton/provider/memory"
)

// TestCardsAreTheCallersCopies: a card that AttachCard, AttachDonateCard or
// Card returns is the caller's. Changing anything in it, through the
// product's images, options and variants or the Donate card's nonprofit
// and campaign (a host translating a variant's title for display, say),
// changes neither the card the next caller gets nor what the library
// compares a platform's change against.
func TestCardsAreTheCallersCopies(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	attaches := []struct {
		name   string
		attach func() (buybutton.Card, error)
	}{
		{"product", func() (buybutton.Card, error) {
			return f.client.AttachCard(ctx, buybutton.AttachCardParams{PostID: "post-buy", MerchantID: shopID, ProductID: memory.DemoSneaker})
		}},
		{"donate", func() (buybutton.Card, error) {
			return f.client.AttachDonateCard(ctx, buybutton.DonateCardParams{PostID: "post-donate", CampaignID: cp.ID})
		}},
	}
	for _, a := range attaches {
		t.Run(a.name, func(t *testing.T) {
			card, err := a.attach()
			require.NoError(t, err)
			post := card.PostID
			want := cardJSON(t, f, post)

			deep.Scribble(&card)
			assert.JSONEq(t, want, cardJSON(t, f, post), "changing the card attached changed the post's card")

			got, err := f.client.Card(post)
			require.NoError(t, err)
			deep.Scribble(&got)
			assert.JSONEq(t, want, cardJSON(t, f, post), "changing a card read changed the post's card")
		})
	}

	// The product did not change on the platform: its card keeps its
	// version, whatever callers did to their copies.
	require.NoError(t, f.client.RefreshProduct(ctx, shopID, memory.DemoSneaker))
	card, err := f.client.Card("post-buy")
	require.NoError(t, err)
	assert.Equal(t, int64(1), card.Version)
}

// cardJSON is all of a post's card, through every pointer and slice.
func cardJSON(t *testing.T, f charity, postID string) string {
	t.Helper()
	card, err := f.client.Card(postID)
	require.NoError(t, err)
	b, err := json.Marshal(card)
	require.NoError(t, err)
	return string(b)
}
