package buybutton

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/provider"
)

// MaxSavedDetails is how many saved details a buyer may keep.
const MaxSavedDetails = 10

// Wallet is a buyer's saved details, for one-tap re-buy.
type Wallet struct {
	BuyerID string
	Version int64
	Saved   []SavedDetail
}

// SavedDetail is a shipping address and a payment token a buyer chose to
// keep. The token is the payment platform's reusable reference to a
// payment method (a Stripe PaymentMethod saved to a Customer, say): never
// a card number.
type SavedDetail struct {
	ID           string
	Label        string // the buyer's name for it, e.g. "Home, Visa 4242"
	ShipTo       *provider.Address
	PaymentToken string
	CreatedAt    time.Time
}

// SaveDetailParams saves a detail for a buyer.
type SaveDetailParams struct {
	BuyerID      string
	Label        string
	ShipTo       *provider.Address
	PaymentToken string
}

// SaveDetail stores an address and payment token for the buyer. Saving
// what the buyer saved before (the same label, address and token: a
// retried call, or the same purchase saved again) returns the detail
// saved before; nothing is listed twice.
func (c *Client) SaveDetail(ctx context.Context, p SaveDetailParams) (*SavedDetail, error) {
	if err := checkID("buyer_id", p.BuyerID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if err := checkText("label", p.Label, 1, 100, false); err != nil {
		return nil, err
	}
	if err := checkID("payment_token", p.PaymentToken, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if p.ShipTo != nil {
		if err := checkAddress("ship_to", *p.ShipTo); err != nil {
			return nil, err
		}
	}
	d := SavedDetail{ID: "sav_" + uuid.NewString(), Label: p.Label, ShipTo: p.ShipTo, PaymentToken: p.PaymentToken, CreatedAt: c.now()}
	err := c.updateWallet(ctx, p.BuyerID, func(w *Wallet, tx *Tx) error {
		for _, s := range w.Saved {
			if s.Label == d.Label && s.PaymentToken == d.PaymentToken && sameAddress(s.ShipTo, d.ShipTo) {
				d = s
				return errSavedBefore
			}
		}
		if len(w.Saved) >= MaxSavedDetails {
			return invalid("saved", "a buyer keeps at most %d saved details", MaxSavedDetails)
		}
		w.Saved = append(w.Saved, d)
		tx.Refs = append(tx.Refs, RefEntry{Ref: savedRef(d.ID), ID: p.BuyerID})
		return nil
	})
	if err != nil && !errors.Is(err, errSavedBefore) {
		return nil, err
	}
	return &d, nil
}

// errSavedBefore stops SaveDetail's wallet edit, which has nothing to add.
var errSavedBefore = errors.New("buybutton: saved before")

// sameAddress reports whether two optional addresses are the same.
func sameAddress(a, b *provider.Address) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// SavedDetails lists the buyer's saved details, oldest first.
func (c *Client) SavedDetails(ctx context.Context, buyerID string) ([]SavedDetail, error) {
	if err := checkID("buyer_id", buyerID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	w, err := c.store.Wallet(ctx, buyerID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return w.Saved, nil
}

// SavedDetail returns one of the buyer's saved details. Another buyer's is
// [ErrForbidden].
func (c *Client) SavedDetail(ctx context.Context, buyerID, id string) (*SavedDetail, error) {
	if err := c.ownsSaved(ctx, buyerID, id); err != nil {
		return nil, err
	}
	saved, err := c.SavedDetails(ctx, buyerID)
	if err != nil {
		return nil, err
	}
	for _, d := range saved {
		if d.ID == id {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("%w: saved detail %q", ErrNotFound, truncate(id, 64))
}

// RemoveSavedDetail deletes one of the buyer's saved details.
func (c *Client) RemoveSavedDetail(ctx context.Context, buyerID, id string) error {
	if err := c.ownsSaved(ctx, buyerID, id); err != nil {
		return err
	}
	return c.updateWallet(ctx, buyerID, func(w *Wallet, _ *Tx) error {
		for i, d := range w.Saved {
			if d.ID == id {
				w.Saved = append(w.Saved[:i], w.Saved[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("%w: saved detail %q", ErrNotFound, truncate(id, 64))
	})
}

// ownsSaved returns ErrForbidden for another buyer's saved detail, and
// ErrNotFound for one that never existed.
func (c *Client) ownsSaved(ctx context.Context, buyerID, id string) error {
	owner, err := c.store.Lookup(ctx, savedRef(id))
	if err != nil {
		return fmt.Errorf("buybutton: saved detail %q: %w", truncate(id, 64), err)
	}
	return owns(buyerID, owner, "saved detail", id)
}

func savedRef(id string) Ref { return Ref{Kind: "saved", ExternalID: id} }

func (c *Client) updateWallet(ctx context.Context, buyerID string, edit func(*Wallet, *Tx) error) error {
	for {
		w, err := c.store.Wallet(ctx, buyerID)
		if errors.Is(err, ErrNotFound) {
			w, err = &Wallet{BuyerID: buyerID}, nil
		}
		if err != nil {
			return err
		}
		tx := &Tx{Wallets: []*Wallet{w}}
		if err := edit(w, tx); err != nil {
			return err
		}
		err = c.store.Commit(ctx, tx)
		if conflictOn(err, "wallet") && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return fmt.Errorf("buybutton: saved details: %w", err)
		}
		return nil
	}
}
