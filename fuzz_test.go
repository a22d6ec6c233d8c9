package buybutton_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
	"github.com/stretchr/testify/require"
)

// FuzzAttachCard feeds arbitrary catalog data and post ids to AttachCard.
// It must never panic; a refusal must be a ValidationError (or not found)
// that attaches nothing; an accepted card must hydrate to valid JSON that
// carries no raw '<' and decodes back to the catalog's exact text.
func FuzzAttachCard(f *testing.F) {
	f.Add("post-1", "Trail Runner", "A shoe.", "https://cdn.example/x.jpg", "89.00", "USD")
	f.Add("p", "<script>alert(1)</script>", "</textarea>\n", "javascript:alert(1)", "-1", "USD")
	f.Add("\x00", "\xff", "", "http://x", "1.005", "JPY")
	f.Fuzz(func(t *testing.T, postID, title, description, imageURL, price, currency string) {
		amount, err := money.Parse(price, currency)
		if err != nil {
			amount = money.Zero(money.Currency(currency))
		}
		fx := newFixture(t, []memory.Product{{Product: provider.Product{
			ID: "p", Title: title, Description: description,
			Images:   []provider.Image{{URL: imageURL, Alt: title}},
			Variants: []provider.Variant{{ID: "v", Price: amount}},
		}}})
		_, err = fx.client.AttachCard(context.Background(), buybutton.AttachCardParams{PostID: postID, MerchantID: shopID, ProductID: "p"})
		if err != nil {
			if !errors.Is(err, buybutton.ErrInvalidInput) && !errors.Is(err, buybutton.ErrNotFound) {
				t.Fatalf("untyped error: %v", err)
			}
			if out := fx.client.Hydrate(nil, []string{postID}); string(out) != "[null]" {
				t.Fatalf("a refused attach left a card: %s", out)
			}
			return
		}
		out := fx.client.Hydrate(nil, []string{postID})
		if bytes.ContainsRune(out, '<') {
			t.Fatalf("raw '<' in card JSON: %s", out)
		}
		var cards []struct {
			Product struct{ Title, Description string }
		}
		if err := json.Unmarshal(out, &cards); err != nil || len(cards) != 1 {
			t.Fatalf("card JSON does not decode: %v\n%s", err, out)
		}
		if cards[0].Product.Title != title || cards[0].Product.Description != description {
			t.Fatalf("text changed in transit: %q / %q", cards[0].Product.Title, cards[0].Product.Description)
		}
	})
}

// countingStore counts the commits that succeed, so that a test can tell
// that a refused call wrote nothing. The fuzzers put it over a
// nulRefusingStore, so that any NUL that reaches a record fails them as
// it would fail on PostgreSQL.
type countingStore struct {
	buybutton.Store
	commits int
}

func (s *countingStore) Commit(ctx context.Context, tx *buybutton.Tx) error {
	err := s.Store.Commit(ctx, tx)
	if err == nil {
		s.commits++
	}
	return err
}

// FuzzCheckoutInputs feeds arbitrary buyer ids, variants, quantities,
// addresses, shipping options and payment tokens through a tap on Buy,
// the choice of shipping and the confirm. No call may panic; every error
// must be of a documented kind; a refused input (ErrInvalidInput) must
// write nothing and, at confirm, ask the platform for nothing.
func FuzzCheckoutInputs(f *testing.F) {
	f.Add("buyer-1", memory.DemoSneaker+"-9", 1, "Ada Buyer", "1 Market St", "San Francisco", "CA", "94105", "US", "", "standard", memory.TokenApprove)
	f.Add("buyer-1", memory.DemoSneaker+"-9", 1, "Ada Buyer", "1 Market St", "San Francisco", "CA", "94105", "US", "+1 415 555 0100", "express", memory.TokenActionRequired)
	f.Add("", "", 0, "", "", "", "", "", "", "", "", "")
	f.Add("buyer-1", memory.DemoSneaker+"-9", 1, "", "", "", "", "", "", "", "standard", memory.TokenApprove)
	f.Add("b\x00", memory.DemoSneaker+"-10", -3, "<script>", "\xff\xfe", "City\n", "ZZ", "9410\u202e5", "us", "555", "standard\x00", "tok_approve ")
	f.Add("buyer-2", memory.DemoSneaker+"-9", 1<<40, "A", "B", "C", "D", "E", "FR", "F", "standard", memory.TokenDecline)
	f.Fuzz(func(t *testing.T, buyerID, variantID string, quantity int, name, line1, city, region, postal, country, phone, optionID, token string) {
		store := &countingStore{Store: nulRefusingStore{buybutton.NewMemoryStore()}}
		fx := buildFixture(t, nil, &buybutton.Options{Store: store}, nil)
		address := provider.Address{Name: name, Line1: line1, City: city, Region: region, PostalCode: postal, Country: country, Phone: phone}

		_, cos, err := fx.client.StartCheckout(ctx, buybutton.StartCheckoutParams{
			BuyerID: buyerID, ShipTo: &address,
			Lines: []buybutton.CartLine{{MerchantID: shopID, ProductID: memory.DemoSneaker, VariantID: variantID, Quantity: quantity}},
		})
		if err != nil {
			requireDocumentedKind(t, "StartCheckout", err)
			if store.commits != 0 {
				t.Fatalf("StartCheckout refused (%v) but committed %d times", err, store.commits)
			}
			return
		}
		co := cos[0]
		written := store.commits
		if _, err := fx.client.SelectShipping(ctx, buyerID, co.ID, optionID); err != nil {
			requireDocumentedKind(t, "SelectShipping", err)
			if store.commits != written {
				t.Fatalf("SelectShipping refused (%v) but committed", err)
			}
			return
		}
		written, asked := store.commits, fx.shop.Stats()
		_, err = fx.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyerID, CheckoutID: co.ID, PaymentToken: token})
		if err == nil {
			return
		}
		requireDocumentedKind(t, "Confirm", err)
		if errors.Is(err, buybutton.ErrInvalidInput) && (store.commits != written || fx.shop.Stats() != asked) {
			t.Fatalf("Confirm refused its input (%v) but committed or called the platform: %+v, then %+v", err, asked, fx.shop.Stats())
		}
	})
}

// requireDocumentedKind fails t unless err matches one of the error kinds
// that the library or package provider documents.
func requireDocumentedKind(t *testing.T, call string, err error) {
	t.Helper()
	for _, kind := range []error{
		buybutton.ErrInvalidInput, buybutton.ErrNotFound, buybutton.ErrUnknownMerchant, buybutton.ErrForbidden,
		buybutton.ErrPriceChanged, buybutton.ErrActionRequired, buybutton.ErrIllegalTransition, buybutton.ErrAmountOutOfRange,
		buybutton.ErrInProgress, buybutton.ErrEventTooOld, buybutton.ErrRefundFailed, buybutton.ErrConflict,
		provider.ErrNotFound, provider.ErrInvalidRequest, provider.ErrIdempotencyConflict, provider.ErrOutOfStock,
		provider.ErrReservationExpired, provider.ErrDeclined, provider.ErrInvalidState, provider.ErrRefundExceedsCapture,
		provider.ErrUnknownOutcome, provider.ErrUnavailable, provider.ErrRateLimited, provider.ErrWebhookSignature,
		provider.ErrWebhookTooOld,
	} {
		if errors.Is(err, kind) {
			return
		}
	}
	t.Fatalf("%s: an error of no documented kind: %v", call, err)
}

// eventTypes are every event a platform may send, for the fuzzers to pick
// from.
var eventTypes = []provider.EventType{
	provider.EventPaymentAuthorized, provider.EventPaymentFailed, provider.EventPaymentCaptured,
	provider.EventPaymentCanceled, provider.EventPaymentRefunded, provider.EventPaymentRefundFailed,
	provider.EventPaymentDisputed, provider.EventPaymentDisputeClosed, provider.EventOrderShipped,
	provider.EventOrderDelivered, provider.EventOrderCanceled, provider.EventDonationSucceeded,
	provider.EventDonationFailed, provider.EventDonationRefunded, provider.EventDonationRefundFailed,
	provider.EventDonationDisputed, provider.EventDonationDisputeClosed, provider.EventMonthlyCanceled,
	provider.EventProductChanged, provider.EventStockChanged,
}

// FuzzSignedWebhookEvents sends a placed, captured order's platform every
// kind of event, correctly signed, with arbitrary ids, amounts, currencies
// and shipments: what a platform's bug, or an integration's, might send.
// No delivery may panic; an error must be of a documented kind; and
// whatever was applied, the order keeps its money rules: refunds positive
// and never above the capture, the capture never negative, disputes
// positive and ending in an outcome the contract names, all of it in the
// order's currency. (A capture above the hold is not refused: Stripe
// lets some merchants capture more than they authorized.)
func FuzzSignedWebhookEvents(f *testing.F) {
	f.Add(uint8(4), "evt-1", uint8(3), "10.00", "USD", "re_1", "requested_by_customer", "", "")
	f.Add(uint8(4), "evt-2", uint8(2), "-10.00", "USD", "re_2", "", "", "")
	f.Add(uint8(4), "evt-3", uint8(2), "1000000.00", "USD", "re_3", "", "", "")
	f.Add(uint8(2), "evt-4", uint8(2), "0", "USD", "", "", "", "")
	f.Add(uint8(2), "evt-4b", uint8(2), "-5.00", "USD", "", "", "", "")
	f.Add(uint8(5), "evt-4c", uint8(2), "-5.00", "USD", "re_y", "", "", "")
	f.Add(uint8(7), "evt-5", uint8(5), "", "", "", "", "UPS", "1Z999")
	f.Add(uint8(9), "evt-6", uint8(1), "", "", "", "fraud", "", "")
	f.Add(uint8(5), "evt-7", uint8(2), "5.00", "EUR", "re_x", "", "", "")
	f.Add(uint8(7), "evt-8", uint8(2), "90.78", "USD", "", "settled", "", "")
	f.Add(uint8(7), "evt-9", uint8(2), "0.01", "USD", "", "lost", "", "")
	f.Fuzz(func(t *testing.T, typ uint8, eventID string, refs uint8, amount, currency, refundID, reason, carrier, tracking string) {
		fx := newShop(t, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}})
		o := fx.placed(t)
		e := provider.Event{ID: eventID, Type: eventTypes[int(typ)%len(eventTypes)], OccurredAt: fx.clock.Now(), RefundID: refundID, Reason: reason}
		if refs&1 != 0 {
			e.OrderID = o.ProviderOrderID
		}
		if refs&2 != 0 {
			e.PaymentID = o.PaymentID
		}
		if refs&4 != 0 {
			e.Shipment = &provider.Shipment{Carrier: carrier, TrackingNumber: tracking}
		}
		if a, err := money.Parse(amount, currency); err == nil {
			e.Amount = &a
		}
		h, body := fx.shop.Sign(e, fx.clock.Now())
		if err := fx.client.HandleWebhook(ctx, shopID, h, body); err != nil {
			requireDocumentedKind(t, "HandleWebhook", err)
		}
		got, err := fx.client.Order(ctx, buyer, o.ID)
		if err != nil {
			t.Fatalf("reading the order: %v", err)
		}
		for _, r := range got.Refunds {
			if !r.Amount.IsPositive() || r.Amount.Currency() != got.Currency {
				t.Fatalf("a refund of %s recorded on an order in %s", r.Amount, got.Currency)
			}
		}
		if over, err := got.Refunded().Cmp(got.Captured); err != nil || over > 0 {
			t.Fatalf("refunded %s, above the capture %s", got.Refunded(), got.Captured)
		}
		for _, d := range got.Disputes {
			if !d.Amount.IsPositive() || d.Amount.Currency() != got.Currency {
				t.Fatalf("a dispute of %s recorded on an order in %s", d.Amount, got.Currency)
			}
			if d.Outcome != "" && d.Outcome != provider.DisputeWon && d.Outcome != provider.DisputeLost && d.Outcome != provider.DisputeEnded {
				t.Fatalf("a dispute recorded ending %q", d.Outcome)
			}
		}
		if got.Captured.IsNegative() || got.Captured.Currency() != got.Currency {
			t.Fatalf("captured %s on an order in %s", got.Captured, got.Currency)
		}
	})
}

// FuzzDonationInputs feeds arbitrary amounts, currencies, donor details,
// messages, dedications and choices through StartDonation and
// ConfirmDonation. No call may panic; every error must be of a documented
// kind; a refused StartDonation must write nothing; and a donation made
// keeps its money rules: the charge is the gift plus the fee, the
// campaign raised what the nonprofit is to receive.
func FuzzDonationInputs(f *testing.F) {
	f.Add("buyer-1", "25.00", "USD", true, false, true, true, "Ada Lovelace", "ada@example.com", "For the well.", "In memory of Grace", memory.TokenApprove)
	f.Add("buyer-1", "0.01", "USD", false, true, false, true, "", "", "", "", memory.TokenApprove)
	f.Add("buyer-1", "-5", "USD", false, false, false, false, "A", "a@b", "", "", memory.TokenDecline)
	f.Add("buyer-1", "25.001", "USD", true, false, true, false, "A\x00", "not an email", "\xff", "<b>", memory.TokenApprove)
	f.Add("buyer-1", "25", "JPY", false, false, false, false, "", "", "", "", memory.TokenActionRequired)
	f.Add("", "1e9", "USD", true, true, true, true, "N", "n@example.com", "m", "d", "")
	f.Fuzz(func(t *testing.T, buyerID, amount, currency string, coverFee, monthly, share, show bool, name, email, message, dedication, token string) {
		store := &countingStore{Store: nulRefusingStore{buybutton.NewMemoryStore()}}
		fx := newCharity(t, &buybutton.Options{Store: store})
		cp := fx.campaign(t)
		written := store.commits
		a, err := money.Parse(amount, currency)
		if err != nil {
			a = money.Zero(money.Currency(currency))
		}
		co, err := fx.client.StartDonation(ctx, buybutton.StartDonationParams{
			BuyerID: buyerID, CampaignID: cp.ID, Amount: a, CoverFee: coverFee, Monthly: monthly,
			Privacy: buybutton.DonorPrivacy{ShareWithNonprofit: share, ShowOnPost: show},
			Donor:   provider.Contact{Name: name, Email: email}, Message: message, Dedication: dedication,
		})
		if err != nil {
			requireDocumentedKind(t, "StartDonation", err)
			if store.commits != written {
				t.Fatalf("StartDonation refused (%v) but committed", err)
			}
			return
		}
		d, err := fx.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyerID, CheckoutID: co.ID, PaymentToken: token})
		if err != nil {
			requireDocumentedKind(t, "ConfirmDonation", err)
			return
		}
		if charged, err := d.Amount.Add(d.Fee); err != nil || !charged.Equal(d.Charged) {
			t.Fatalf("charged %s for a gift of %s and a fee of %s", d.Charged, d.Amount, d.Fee)
		}
		got, err := fx.client.Campaign(ctx, cp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Raised.Equal(d.Amount) {
			t.Fatalf("the campaign raised %s from a gift of %s", got.Raised, d.Amount)
		}

		// The host hiding a supporter it names by whatever text: refused
		// with a documented kind and nothing written, unless it names the
		// donor, whose name then leaves the post.
		written = store.commits
		if _, err := fx.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, DonorKey: message}); err != nil {
			requireDocumentedKind(t, "HideSupporter", err)
			if store.commits != written {
				t.Fatalf("HideSupporter refused (%v) but committed", err)
			}
		}
		if _, err := fx.client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: cp.ID, BuyerID: buyerID}); err != nil {
			t.Fatalf("hiding the donor: %v", err)
		}
		if got, err = fx.client.Campaign(ctx, cp.ID); err != nil || len(got.Supporters) != 0 || got.Donors != 1 {
			t.Fatalf("after hiding the donor: %+v, %v", got, err)
		}
	})
}

// FuzzSignedDonationEvents is FuzzSignedWebhookEvents for a monthly
// donation's first month: every kind of event, correctly signed, naming
// the donation, its payment or its monthly gift, or none of them, with
// arbitrary amounts. No delivery may panic; an error must be of a
// documented kind; and the donation and its campaign keep their money
// rules: refunds positive and never above the charge, the campaign's
// total never below zero nor above the months given.
func FuzzSignedDonationEvents(f *testing.F) {
	f.Add(uint8(12), "evt-1", uint8(1), "5.00", "USD", "re_1", "")
	f.Add(uint8(12), "evt-2", uint8(1), "-5.00", "USD", "re_2", "")
	f.Add(uint8(12), "evt-3", uint8(1), "500.00", "USD", "re_3", "")
	f.Add(uint8(4), "evt-4", uint8(2), "5.00", "USD", "re_4", "")
	f.Add(uint8(10), "evt-5", uint8(4), "26.06", "USD", "", "")
	f.Add(uint8(10), "evt-6", uint8(5), "-26.06", "USD", "", "")
	f.Add(uint8(14), "evt-7", uint8(4), "", "", "", "canceled by the donor")
	f.Add(uint8(13), "evt-8", uint8(1), "5.00", "USD", "re_5", "lost_or_stolen_card")
	f.Add(uint8(16), "evt-9", uint8(1), "26.06", "USD", "", "lost")
	f.Add(uint8(7), "evt-10", uint8(2), "500.00", "USD", "", "lost")
	f.Fuzz(func(t *testing.T, typ uint8, eventID string, refs uint8, amount, currency, refundID, reason string) {
		fx := newCharity(t, &buybutton.Options{Store: nulRefusingStore{buybutton.NewMemoryStore()}})
		cp := fx.campaign(t)
		p := ada(buybutton.DonorPrivacy{})
		p.Monthly, p.CoverFee = true, true
		d := fx.give(t, cp, p)
		mg, err := fx.client.MonthlyGift(ctx, buyer, d.MonthlyID)
		if err != nil {
			t.Fatal(err)
		}
		fx.deliver(t)
		e := provider.Event{ID: eventID, Type: eventTypes[int(typ)%len(eventTypes)], OccurredAt: fx.clock.Now(), RefundID: refundID, Reason: reason}
		if refs&1 != 0 {
			e.DonationID = d.ProviderDonationID
		}
		if refs&2 != 0 {
			e.PaymentID = d.ProviderDonationID
		}
		if refs&4 != 0 {
			e.MonthlyID = mg.ProviderMonthlyID
		}
		if a, err := money.Parse(amount, currency); err == nil {
			e.Amount = &a
		}
		h, body := fx.shop.Sign(e, fx.clock.Now())
		if err := fx.client.HandleWebhook(ctx, shopID, h, body); err != nil {
			requireDocumentedKind(t, "HandleWebhook", err)
		}
		got, err := fx.client.Donation(ctx, buyer, d.ID)
		if err != nil {
			t.Fatalf("reading the donation: %v", err)
		}
		for _, r := range got.Refunds {
			if !r.Amount.IsPositive() || r.Amount.Currency() != got.Currency {
				t.Fatalf("a refund of %s recorded on a donation in %s", r.Amount, got.Currency)
			}
		}
		if over, err := got.Refunded().Cmp(got.Charged); err != nil || over > 0 {
			t.Fatalf("refunded %s, above the charge %s", got.Refunded(), got.Charged)
		}
		for _, dp := range got.Disputes {
			if !dp.Amount.IsPositive() || dp.Amount.Currency() != got.Currency {
				t.Fatalf("a dispute of %s recorded on a donation in %s", dp.Amount, got.Currency)
			}
		}
		after, err := fx.client.Campaign(ctx, cp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Raised.IsNegative() || after.Raised.Currency() != cp.Currency {
			t.Fatalf("the campaign raised %s", after.Raised)
		}
		mg, err = fx.client.MonthlyGift(ctx, buyer, mg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if more, err := after.Raised.Cmp(d.Amount.MulInt(int64(mg.Months))); err != nil || more > 0 {
			t.Fatalf("the campaign raised %s from %d months of %s", after.Raised, mg.Months, d.Amount)
		}
		pm, err := fx.shop.Monthly(ctx, mg.ProviderMonthlyID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ChargedBack().IsPositive() && (mg.Status != buybutton.MonthlyCanceled || pm.Status != provider.MonthlyCanceled) {
			t.Fatalf("a month charged back, and the gift is %s, %s on the platform", mg.Status, pm.Status)
		}
		if pm.Status == provider.MonthlyCanceled && e.Type != provider.EventMonthlyCanceled && mg.Status != buybutton.MonthlyCanceled {
			t.Fatalf("the platform stopped the gift, and the library has it %s", mg.Status)
		}
	})
}

// FuzzCartEdits runs arbitrary sequences of cart edits on a catalog of
// one product in 30 variants: each byte pair picks an edit (add or set),
// a variant (or one the catalog does not have) and a quantity from -2 to
// 13. After every edit the cart keeps its limits (at most MaxCartLines
// lines, each of 1 to MaxLineQuantity units, MaxCartQuantity in all, one
// line a variant); a refused edit is of a documented kind and changes
// nothing; and the cart's price is the sum of its lines at the catalog's
// prices.
func FuzzCartEdits(f *testing.F) {
	// Each pair: op and quantity (bit 0: add or set; high nibble: the
	// quantity plus 2), then the variant (low five bits).
	f.Add([]byte{0x30, 1, 0x30, 1, 0xf1, 1})
	f.Add([]byte{0xc0, 0, 0xc0, 0, 0x31, 0, 0x21, 2})
	lines, units := []byte{}, []byte{}
	for i := range 30 {
		lines = append(lines, 0x30, byte(i)) // one unit of each: 25 lines at most
		units = append(units, 0xc0, byte(i)) // ten of each: 100 units at most
	}
	f.Add(lines)
	f.Add(append(units, 0x50, 11)) // and three more
	const variants = 30
	product, stock := provider.Product{ID: "many", Title: "Many"}, map[string]int{}
	for i := range variants {
		stock[fmt.Sprintf("v%d", i)] = 1000
		product.Variants = append(product.Variants, provider.Variant{
			ID: fmt.Sprintf("v%d", i), Title: fmt.Sprint(i), Price: money.MustParse(fmt.Sprintf("%d.%02d", i+1, i), "USD"),
		})
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		fx := newFixture(t, []memory.Product{{Product: product, Stock: stock}})
		cart, err := fx.client.NewCart(ctx, buyer)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(script); i += 2 {
			variant := fmt.Sprintf("v%d", int(script[i+1]&0x1f)) // v30 and v31 do not exist
			p := buybutton.CartLineParams{BuyerID: buyer, CartID: cart.ID, MerchantID: shopID, ProductID: product.ID, VariantID: variant, Quantity: int(script[i]>>4) - 2}
			before, err := fx.client.Cart(ctx, buyer, cart.ID)
			if err != nil {
				t.Fatal(err)
			}
			if script[i]%2 == 0 {
				_, err = fx.client.AddToCart(ctx, p)
			} else {
				_, err = fx.client.SetCartLine(ctx, p)
			}
			after, rerr := fx.client.Cart(ctx, buyer, cart.ID)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if err != nil {
				requireDocumentedKind(t, "cart edit", err)
				if after.Version != before.Version {
					t.Fatalf("a refused edit (%v) changed the cart", err)
				}
			}
			checkCartLimits(t, after)
		}
		subtotals, err := fx.client.PriceCart(ctx, buyer, cart.ID)
		if err != nil {
			t.Fatalf("PriceCart: %v", err)
		}
		after, _ := fx.client.Cart(ctx, buyer, cart.ID)
		want := money.Zero("USD")
		for _, l := range after.Lines {
			for _, v := range product.Variants {
				if v.ID == l.VariantID {
					want, _ = want.Add(v.Price.MulInt(int64(l.Quantity)))
				}
			}
		}
		got := money.Zero("USD")
		for _, s := range subtotals {
			got, _ = got.Add(s.Subtotal)
		}
		if !got.Equal(want) {
			t.Fatalf("the cart is priced %s; its lines at the catalog's prices come to %s", got, want)
		}
	})
}

func checkCartLimits(t *testing.T, cart *buybutton.Cart) {
	t.Helper()
	seen, units := map[string]bool{}, 0
	for _, l := range cart.Lines {
		if l.Quantity < 1 || l.Quantity > buybutton.MaxLineQuantity || seen[l.VariantID] {
			t.Fatalf("a line of %d of %s (seen before: %v)", l.Quantity, l.VariantID, seen[l.VariantID])
		}
		seen[l.VariantID] = true
		units += l.Quantity
	}
	if len(cart.Lines) > buybutton.MaxCartLines || units > buybutton.MaxCartQuantity {
		t.Fatalf("a cart of %d lines and %d units", len(cart.Lines), units)
	}
}

// FuzzDiscountCodes: whatever a buyer types as a discount code, it is
// applied (the merchant's code, in any case, spaces around it trimmed)
// or refused with a documented error kind and nothing written, and an
// applied code's checkout adds up and is bought for its total.
func FuzzDiscountCodes(f *testing.F) {
	for _, code := range []string{"SPRING20", " spring20\t", "", "NOPE", "SPRING20\n", "SPRING\x0020", "ＳＰＲＩＮＧ２０", strings.Repeat("S", 256), "\xff"} {
		f.Add(code)
	}
	f.Fuzz(func(t *testing.T, code string) {
		store := &countingStore{Store: nulRefusingStore{buybutton.NewMemoryStore()}}
		fx := buildFixture(t, nil, &buybutton.Options{Store: store}, nil)
		require.NoError(t, fx.shop.SetDiscountCode("SPRING20", 20, memory.DemoBook+"-paperback"))
		co := fx.ready(t, buyer, book(2))
		written := store.commits
		got, err := fx.client.ApplyDiscountCode(ctx, buyer, co.ID, code)
		if err != nil {
			requireDocumentedKind(t, "ApplyDiscountCode", err)
			if store.commits != written {
				t.Fatalf("ApplyDiscountCode(%q) refused (%v) but committed", code, err)
			}
			return
		}
		want := strings.TrimSpace(code)
		if got.DiscountCode != want || got.DiscountApplies != (want != "") {
			t.Fatalf("ApplyDiscountCode(%q): code %q, applies %t", code, got.DiscountCode, got.DiscountApplies)
		}
		tot := got.Totals
		sum, err := money.Sum(tot.Total.Currency(), tot.Subtotal, tot.Discount.Neg(), tot.Shipping, tot.Tax, tot.Fee)
		if err != nil || !sum.Equal(tot.Total) {
			t.Fatalf("ApplyDiscountCode(%q): totals %+v do not add up", code, tot)
		}
		o, err := fx.confirm(got, memory.TokenApprove)
		if err != nil {
			t.Fatalf("Confirm after ApplyDiscountCode(%q): %v", code, err)
		}
		if !o.Captured.Equal(tot.Total) || o.DiscountCode != got.DiscountCode {
			t.Fatalf("order captured %s with code %q, for a checkout of %s with %q", o.Captured, o.DiscountCode, tot.Total, got.DiscountCode)
		}
	})
}
