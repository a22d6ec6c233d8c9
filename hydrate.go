package buybutton

import (
	"sync"
	"time"
)

// cardEntry is a card with its rendered JSON. Entries are immutable: a
// change replaces the entry, so a reader holding one never sees it move.
type cardEntry struct {
	card         Card
	merchantName string
	json         []byte
}

func (e *cardEntry) expired(now time.Time) bool {
	return !e.card.ExpiresAt.IsZero() && !now.Before(e.card.ExpiresAt)
}

// cardSource is what a card shows, across merchants: a product, or for a
// Donate card, a campaign.
type cardSource struct{ merchantID, productID, campaignID string }

func sourceOf(c Card) cardSource {
	if c.Campaign != nil {
		return cardSource{merchantID: c.MerchantID, campaignID: c.Campaign.ID}
	}
	return cardSource{merchantID: c.MerchantID, productID: c.Product.ID}
}

// cardIndex holds the cards by post, and the posts by what they show, so
// that a product or campaign change finds its cards. Readers share one RWMutex read lock per
// page; writers hold the write lock only to swap pointers, never while
// rendering or calling a provider.
type cardIndex struct {
	mu       sync.RWMutex
	byPost   map[string]*cardEntry
	bySource map[cardSource]map[string]struct{}
}

func newCardIndex() *cardIndex {
	return &cardIndex{byPost: map[string]*cardEntry{}, bySource: map[cardSource]map[string]struct{}{}}
}

func (x *cardIndex) get(postID string) (*cardEntry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.byPost[postID]
	return e, ok
}

// put stores e as its post's card, replacing any other.
func (x *cardIndex) put(e *cardEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.unlinkLocked(e.card.PostID)
	x.byPost[e.card.PostID] = e
	k := sourceOf(e.card)
	if x.bySource[k] == nil {
		x.bySource[k] = map[string]struct{}{}
	}
	x.bySource[k][e.card.PostID] = struct{}{}
}

// replace swaps old for e if old is still the post's card, and reports
// whether it did. A refresh that lost a race with a re-attach or detach
// must not resurrect the card it read.
func (x *cardIndex) replace(old, e *cardEntry) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byPost[e.card.PostID] != old {
		return false
	}
	x.byPost[e.card.PostID] = e
	return true
}

func (x *cardIndex) remove(postID string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.unlinkLocked(postID)
}

func (x *cardIndex) unlinkLocked(postID string) bool {
	old, ok := x.byPost[postID]
	if !ok {
		return false
	}
	delete(x.byPost, postID)
	k := sourceOf(old.card)
	delete(x.bySource[k], postID)
	if len(x.bySource[k]) == 0 {
		delete(x.bySource, k)
	}
	return true
}

// entriesFor returns the current cards showing a product or campaign.
func (x *cardIndex) entriesFor(k cardSource) []*cardEntry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*cardEntry, 0, len(x.bySource[k]))
	for post := range x.bySource[k] {
		out = append(out, x.byPost[post])
	}
	return out
}

// Hydrate appends to dst a JSON array with the card of each post in
// postIDs, in order: the i-th element is the card JSON of postIDs[i]
// (docs/card-schema.md), or null if that post has no card or its card
// has expired. It returns the extended buffer, as the append functions of
// package strconv do.
//
// Cards are rendered when they change, so Hydrate only looks them up and
// copies their bytes: reuse dst across calls and it allocates nothing.
func (c *Client) Hydrate(dst []byte, postIDs []string) []byte {
	now := c.now()
	dst = append(dst, '[')
	c.cards.mu.RLock()
	for i, id := range postIDs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if e, ok := c.cards.byPost[id]; ok && !e.expired(now) {
			dst = append(dst, e.json...)
		} else {
			dst = append(dst, "null"...)
		}
	}
	c.cards.mu.RUnlock()
	return append(dst, ']')
}
