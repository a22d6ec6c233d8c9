package buybutton_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

func eventIDs(events []buybutton.Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

// TestEventsAreDeliveredUntilAcknowledged is the host's side of the outbox:
// an event comes back on every read until it is acknowledged, in the order
// of the changes, with the same id, so a host that crashed between
// handling and acknowledging sees it again and can tell it is a repeat.
func TestEventsAreDeliveredUntilAcknowledged(t *testing.T) {
	f := newShop(t, nil)
	first, err := f.confirm(f.ready(t, buyer, book(1)), memory.TokenApprove)
	require.NoError(t, err)
	second, err := f.confirm(f.ready(t, "buyer-2", book(1)), memory.TokenApprove)
	require.NoError(t, err)

	all, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	require.Len(t, all, 4)
	for i, o := range []*buybutton.Order{first, first, second, second} {
		assert.Equal(t, o.ID, all[i].OrderID, "in the order the changes were made")
	}
	assert.Equal(t, []buybutton.EventType{buybutton.EventOrderPlaced, buybutton.EventPaymentCaptured}, []buybutton.EventType{all[0].Type, all[1].Type})
	seen := map[string]bool{}
	for _, e := range all {
		assert.NotEmpty(t, e.ID)
		assert.False(t, seen[e.ID], "ids are unique")
		seen[e.ID] = true
	}

	page, err := f.client.PendingEvents(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(all[:3]), eventIDs(page), "oldest first, up to the limit")
	again, err := f.client.PendingEvents(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, page, again, "unacknowledged events come back as they were")

	// The host handled the first two and crashed before acknowledging the
	// third: it gets the third again, and then the fourth.
	require.NoError(t, f.client.AckEvents(ctx, all[0].ID, all[1].ID))
	rest, err := f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(all[2:]), eventIDs(rest))

	require.NoError(t, f.client.AckEvents(ctx, all[0].ID, "evt_nope"), "repeated and unknown ids are ignored")
	require.NoError(t, f.client.AckEvents(ctx), "nothing to acknowledge")
	rest, err = f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(all[2:]), eventIDs(rest))

	// An acknowledged outbox still takes new events, after the old ones.
	require.NoError(t, f.client.AckEvents(ctx, all[3].ID))
	_, err = f.client.CancelOrder(ctx, buybutton.CancelOrderParams{BuyerID: buyer, OrderID: first.ID})
	require.NoError(t, err)
	rest, err = f.client.PendingEvents(ctx, 1000)
	require.NoError(t, err)
	require.Len(t, rest, 3)
	assert.Equal(t, all[2].ID, rest[0].ID)
	assert.Equal(t, first.ID, rest[1].OrderID)
	assert.Equal(t, first.ID, rest[2].OrderID)
	assert.Contains(t, []buybutton.EventType{rest[1].Type, rest[2].Type}, buybutton.EventOrderCanceled)

	for _, limit := range []int{0, -1, 1001} {
		_, err := f.client.PendingEvents(ctx, limit)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, "limit %d", limit)
	}
}
