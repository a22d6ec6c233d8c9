package buybutton

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// CheckoutGroup is what a buyer confirms once: one [Checkout] per merchant
// of the lines they are buying.
type CheckoutGroup struct {
	ID          string
	BuyerID     string
	Version     int64
	CheckoutIDs []string
	CreatedAt   time.Time
}

// Checkout turns one merchant's lines into an order. Its state follows the
// table in checkout_states.go (drawn in docs/checkout.md); every change is
// compare-and-set on Version and recorded as a [Transition].
type Checkout struct {
	ID         string
	GroupID    string
	BuyerID    string
	MerchantID string
	Version    int64
	State      CheckoutState
	Currency   money.Currency
	Lines      []CheckoutLine
	Totals     Totals

	ShipTo           *provider.Address
	ShippingOptions  []provider.ShippingOption // quoted for ShipTo
	ShippingOptionID string                    // the selected option
	Contact          provider.Contact
	// DiscountCode is the code the buyer entered ([Client.ApplyDiscountCode]);
	// DiscountApplies is whether the merchant's last quote applied it (its
	// amount is in the lines' Discount).
	DiscountCode    string
	DiscountApplies bool

	// Attempt numbers placement attempts. The idempotency keys of an
	// attempt's provider calls are derived from ID, the operation and
	// Attempt, and Attempt is committed before the first call, so every
	// retry of an attempt, in any process, sends the same keys.
	Attempt int
	// AttemptedAt is when the current attempt was claimed first: when its
	// keys were made. Platform calls carry it (provider.AuthorizeRequest's
	// KeyCreatedAt), so that a platform that forgets keys can tell a retry
	// that comes after it may have forgotten.
	AttemptedAt  time.Time
	PaymentToken string // the token of the current attempt
	// Compensating is set, before the call, when the current attempt's
	// payment must be voided and its reservation released.
	Compensating  bool
	ReservationID string
	PaymentID     string
	NextAction    *provider.NextAction // set in CheckoutRequiresAction
	LastError     *CheckoutError       // why the last attempt did not place an order
	OrderID       string               // set in CheckoutPlaced
	// Gift is set on donation checkouts, which have no Lines; DonationID
	// is set when one is placed.
	Gift       *Gift
	DonationID string

	ClaimedUntil time.Time // in CheckoutPaymentPending: when the claim lapses
	ExpiresAt    time.Time // when an unconfirmed checkout expires
	// UnknownSince is when the current attempt's outcome became unknown;
	// zero once it is known. It spaces out the reconciles (see DueAt).
	UnknownSince time.Time
	// DueAt is when maintenance must look at the checkout: ExpiresAt while
	// it waits for the buyer, ClaimedUntil while claimed, zero when
	// terminal, and when unknown: at once the first time, then after as
	// long as it has been unknown, at least a minute and at most an hour,
	// so that a platform that stays down is asked less and less often. A
	// terminal checkout whose payment could not be released yet
	// (Compensating) is due in the same way, counting from its end
	// (UpdatedAt). Stores index it.
	DueAt     time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CheckoutLine is a line at the price it was quoted.
type CheckoutLine struct {
	ProductID        string
	VariantID        string
	Quantity         int
	RequiresShipping bool
	LineAmounts
}

// CheckoutError says why a placement attempt ended without an order.
type CheckoutError struct {
	// Code is one of "declined", "action_failed", "out_of_stock",
	// "reservation_expired", "price_changed", "unavailable", "rejected"
	// (a request the provider refused, e.g. an unknown payment token),
	// "platform_error" (the provider held or charged another amount than
	// asked, and the library gave it back: [ErrUnexpectedAnswer]),
	// "payment_switched" (the buyer confirmed with another payment method
	// while this one waited for their action), "checkout_edited" (the
	// buyer edited the checkout while it waited) and "refused" (the
	// merchant refused the order: the checkout failed).
	Code    string
	Message string // for the buyer, from the provider where it gave one
}

// kind names what the checkout buys, for messages.
func (co *Checkout) kind() string {
	if co.Gift != nil {
		return "donation"
	}
	return "purchase"
}

// confirmCall names the call that confirms the checkout.
func (co *Checkout) confirmCall() string {
	if co.Gift != nil {
		return "ConfirmDonation"
	}
	return "Confirm"
}

func (co *Checkout) ships() bool {
	for _, l := range co.Lines {
		if l.RequiresShipping {
			return true
		}
	}
	return false
}

// Free reports whether the checkout costs nothing (a free item, or one
// discounted to nothing): [Client.Confirm] places it with no payment and
// needs no payment token, since no platform charges zero. A client asks
// for a card only when it is false. A donation is never free (its
// platform's minimum charge).
func (co *Checkout) Free() bool {
	return co.Gift == nil && co.Totals.Total.IsZero()
}

// TaxIncluded reports whether the merchant's last quote gave prices that
// include their tax (see [Totals]): its lines, all from that one quote,
// say so. A checkout not quoted yet, or a donation, has none.
func (co *Checkout) TaxIncluded() bool {
	return len(co.Lines) > 0 && co.Lines[0].TaxIncluded
}

// key is the idempotency key of op in the current attempt.
func (co *Checkout) key(op string) string {
	return co.ID + ":" + op + ":" + strconv.Itoa(co.Attempt)
}

func (co *Checkout) shippingOption() *provider.ShippingOption {
	for i := range co.ShippingOptions {
		if co.ShippingOptions[i].ID == co.ShippingOptionID {
			return &co.ShippingOptions[i]
		}
	}
	return nil
}

func (co *Checkout) stockLines() []provider.StockLine {
	out := make([]provider.StockLine, len(co.Lines))
	for i, l := range co.Lines {
		out[i] = provider.StockLine{VariantID: l.VariantID, Quantity: l.Quantity}
	}
	return out
}

// StartCheckoutParams starts checking out a cart, or lines given directly
// (a Buy tap on a card skips the cart).
type StartCheckoutParams struct {
	BuyerID string
	CartID  string     // the cart to check out; or
	Lines   []CartLine // the lines, when CartID is empty
	// ShipTo, when set, quotes shipping and tax at once.
	ShipTo  *provider.Address
	Contact provider.Contact
}

// StartCheckout splits the lines by merchant into a group of checkouts,
// one per merchant, prices each from the merchant's quote (or, while a
// shipping address is missing, its catalog), and stores them. The cart is
// not changed.
func (c *Client) StartCheckout(ctx context.Context, p StartCheckoutParams) (*CheckoutGroup, []*Checkout, error) {
	if err := checkID("buyer_id", p.BuyerID, provider.MaxIDLength); err != nil {
		return nil, nil, err
	}
	lines := p.Lines
	if p.CartID != "" {
		cart, err := c.Cart(ctx, p.BuyerID, p.CartID)
		if err != nil {
			return nil, nil, err
		}
		lines = cart.Lines
	} else if err := checkLines(lines); err != nil {
		return nil, nil, err
	}
	if len(lines) == 0 {
		return nil, nil, invalid("lines", "nothing to check out")
	}
	if p.ShipTo != nil {
		if err := checkAddress("ship_to", *p.ShipTo); err != nil {
			return nil, nil, err
		}
	}
	if err := checkContact(p.Contact); err != nil {
		return nil, nil, err
	}
	now := c.now()
	g := &CheckoutGroup{ID: "grp_" + uuid.NewString(), BuyerID: p.BuyerID, CreatedAt: now}
	tx := &Tx{Groups: []*CheckoutGroup{g}}
	for _, ml := range linesByMerchant(lines) {
		m, err := c.merchant(ml[0].MerchantID)
		if err != nil {
			return nil, nil, err
		}
		if m.Quotes == nil || m.Payments == nil || m.Orders == nil {
			return nil, nil, fmt.Errorf("%w: merchant %s cannot sell (it needs quotes, payments and orders)", ErrUnknownMerchant, m.ID)
		}
		co := &Checkout{
			ID: "co_" + uuid.NewString(), GroupID: g.ID, BuyerID: p.BuyerID, MerchantID: m.ID,
			State: CheckoutOpen, Contact: p.Contact,
			ExpiresAt: now.Add(c.checkoutTTL), CreatedAt: now, UpdatedAt: now,
		}
		co.DueAt = co.ExpiresAt
		if err := c.priceFromCatalog(ctx, m, co, ml); err != nil {
			return nil, nil, err
		}
		if p.ShipTo != nil && co.ships() {
			if err := c.quote(ctx, m, co, p.ShipTo); err != nil {
				return nil, nil, err
			}
			co.State = CheckoutAddressed
		} else if !co.ships() {
			if err := c.quote(ctx, m, co, nil); err != nil {
				return nil, nil, err
			}
		}
		g.CheckoutIDs = append(g.CheckoutIDs, co.ID)
		tx.Checkouts = append(tx.Checkouts, co)
		tx.Transitions = append(tx.Transitions, checkoutMachine.record(co.ID, "", co.State, "started", buyerActor(p.BuyerID), now))
	}
	if err := c.store.Commit(ctx, tx); err != nil {
		return nil, nil, fmt.Errorf("buybutton: start checkout: %w", err)
	}
	g.Version = 1
	for _, co := range tx.Checkouts {
		co.Version = 1
	}
	return g, tx.Checkouts, nil
}

// priceFromCatalog sets the checkout's lines from the catalog: prices, and
// whether each ships. Tax and shipping wait for an address.
func (c *Client) priceFromCatalog(ctx context.Context, m Merchant, co *Checkout, lines []CartLine) error {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	prods, err := m.products(ctx, ids)
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: catalog: %w", m.ID, err)
	}
	co.Lines = make([]CheckoutLine, len(lines))
	var r rounding
	for i, l := range lines {
		v, err := findVariant(prods, l.ProductID, l.VariantID)
		if err != nil {
			return fmt.Errorf("buybutton: merchant %s: %w", m.ID, err)
		}
		if v.Availability != provider.InStock {
			return &provider.OutOfStockError{VariantID: v.ID, Requested: l.Quantity}
		}
		if i == 0 {
			co.Currency = v.Price.Currency()
			if r, err = c.rounding(m.Payments, co.Currency); err != nil {
				return fmt.Errorf("buybutton: merchant %s: %w", m.ID, err)
			}
		}
		amounts, err := priceLine(provider.QuotedLine{VariantID: v.ID, Quantity: l.Quantity, UnitPrice: v.Price}, false, co.Currency, r)
		if err != nil {
			return err
		}
		co.Lines[i] = CheckoutLine{ProductID: l.ProductID, VariantID: v.ID, Quantity: l.Quantity, RequiresShipping: v.RequiresShipping, LineAmounts: amounts}
	}
	co.Totals, err = sumTotals(co.Currency, co.Lines, nil, false, r)
	return err
}

func findVariant(prods []provider.Product, productID, variantID string) (provider.Variant, error) {
	for _, p := range prods {
		if p.ID != productID {
			continue
		}
		for _, v := range p.Variants {
			if v.ID == variantID {
				return v, nil
			}
		}
	}
	return provider.Variant{}, fmt.Errorf("%w: no variant %q of product %q", ErrNotFound, truncate(variantID, 64), truncate(productID, 64))
}

// quote re-prices the checkout from the merchant's quote for shipTo, with
// its discount code: unit prices, discounts, tax rates and shipping
// options, and whether the code applies. A selected option
// that is still offered stays selected, at its new price.
func (c *Client) quote(ctx context.Context, m Merchant, co *Checkout, shipTo *provider.Address) error {
	r, err := c.rounding(m.Payments, co.Currency)
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: %w", m.ID, err)
	}
	q, err := m.Quotes.Quote(ctx, provider.QuoteRequest{Lines: co.stockLines(), ShipTo: shipTo, DiscountCodes: co.discountCodes()})
	if err != nil {
		return fmt.Errorf("buybutton: merchant %s: quote: %w", m.ID, err)
	}
	applies, err := codeApplies(q.DiscountCodes, co.DiscountCode)
	if err != nil {
		return err
	}
	if len(q.Lines) != len(co.Lines) {
		return invalid("quote.lines", "%d lines quoted for %d asked", len(q.Lines), len(co.Lines))
	}
	lines := append([]CheckoutLine(nil), co.Lines...)
	for i, ql := range q.Lines {
		if ql.VariantID != lines[i].VariantID || ql.Quantity != lines[i].Quantity {
			return invalid("quote.lines", "line %d is not the line asked for", i)
		}
		if lines[i].LineAmounts, err = priceLine(ql, q.TaxIncluded, co.Currency, r); err != nil {
			return err
		}
		lines[i].RequiresShipping = ql.RequiresShipping
	}
	for i, o := range q.ShippingOptions {
		if err := checkShippingOption(o, q.ShippingOptions[:i], co.Currency, r); err != nil {
			return within(fmt.Sprintf("quote.shipping_options[%d]", i), err)
		}
	}
	co.Lines, co.ShipTo, co.ShippingOptions, co.DiscountApplies = lines, shipTo, q.ShippingOptions, applies
	ship := co.shippingOption()
	if ship == nil {
		co.ShippingOptionID = ""
	}
	co.Totals, err = sumTotals(co.Currency, co.Lines, ship, co.TaxIncluded(), r)
	return err
}

// checkShippingOption checks a quoted shipping option, after those quoted
// before it: the buyer picks it by its id (so each id is quoted once) and
// reads its label; its amount and tax rate go into the totals. Its errors
// name the option's field alone ("id"); the caller says which option, so
// that a quote that is fine, as nearly every one is, builds no names.
func checkShippingOption(o provider.ShippingOption, before []provider.ShippingOption, cur money.Currency, r rounding) error {
	if err := checkID("id", o.ID, provider.MaxIDLength); err != nil {
		return err
	}
	for _, b := range before {
		if b.ID == o.ID {
			return invalid("id", "%q is quoted twice", truncate(o.ID, 64))
		}
	}
	if err := checkText("label", o.Label, 1, MaxTitleLength, false); err != nil {
		return err
	}
	if o.Amount.Currency() != cur || !r.chargeable(o.Amount) {
		return invalid("amount", "%s is not an amount in %s in steps of %s, the payment platform's", o.Amount, cur, r.unit)
	}
	return checkTaxRate("tax_rate", o.TaxRate)
}

// Checkout returns one of the buyer's checkouts.
func (c *Client) Checkout(ctx context.Context, buyerID, checkoutID string) (*Checkout, error) {
	co, err := c.store.Checkout(ctx, checkoutID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, co.BuyerID, "checkout", checkoutID); err != nil {
		return nil, err
	}
	return co, nil
}

// CheckoutGroup returns one of the buyer's checkout groups.
func (c *Client) CheckoutGroup(ctx context.Context, buyerID, groupID string) (*CheckoutGroup, error) {
	g, err := c.store.CheckoutGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if err := owns(buyerID, g.BuyerID, "checkout group", groupID); err != nil {
		return nil, err
	}
	return g, nil
}

// SetShippingAddress quotes the checkout for an address: prices, tax and
// shipping options. From shipping_selected this is the back-edge to
// addressed; the buyer chooses an option again. Like every edit, on a
// checkout waiting for the buyer's payment action it gives that attempt
// up first (the hold voided, the stock released), unless the payment went
// through meanwhile: then the order is placed and the edit refused.
func (c *Client) SetShippingAddress(ctx context.Context, buyerID, checkoutID string, addr provider.Address) (*Checkout, error) {
	if err := checkAddress("ship_to", addr); err != nil {
		return nil, err
	}
	return c.editCheckout(ctx, buyerID, checkoutID, "address set", func(m Merchant, co *Checkout) (CheckoutState, error) {
		if !co.ships() {
			return "", invalid("ship_to", "nothing in this checkout ships")
		}
		co.ShippingOptionID = ""
		return CheckoutAddressed, c.quote(ctx, m, co, &addr)
	})
}

// SelectShipping chooses one of the quoted shipping options.
func (c *Client) SelectShipping(ctx context.Context, buyerID, checkoutID, optionID string) (*Checkout, error) {
	return c.editCheckout(ctx, buyerID, checkoutID, "shipping selected: "+truncate(optionID, 64), func(m Merchant, co *Checkout) (CheckoutState, error) {
		if co.State == CheckoutOpen {
			return "", &TransitionError{Machine: "checkout", ID: co.ID, From: string(co.State), To: string(CheckoutShippingSelected)}
		}
		prev := co.ShippingOptionID
		co.ShippingOptionID = optionID
		ship := co.shippingOption()
		if ship == nil {
			co.ShippingOptionID = prev
			return "", invalid("shipping_option_id", "%q is not one of the quoted options", truncate(optionID, 64))
		}
		r, err := c.rounding(m.Payments, co.Currency)
		if err != nil {
			return "", err
		}
		co.Totals, err = sumTotals(co.Currency, co.Lines, ship, co.TaxIncluded(), r)
		return CheckoutShippingSelected, err
	})
}

// SetContact sets what the merchant may use to reach the buyer about the
// order.
func (c *Client) SetContact(ctx context.Context, buyerID, checkoutID string, contact provider.Contact) (*Checkout, error) {
	if err := checkContact(contact); err != nil {
		return nil, err
	}
	return c.editCheckout(ctx, buyerID, checkoutID, "contact set", func(_ Merchant, co *Checkout) (CheckoutState, error) {
		co.Contact = contact
		return co.State, nil
	})
}

// CancelCheckout gives up a checkout that has no order. A payment waiting
// for an action is voided and its stock released. It is safe to retry: a
// canceled checkout is returned as it is, after another try at a void or
// release that failed before (maintenance retries it too).
func (c *Client) CancelCheckout(ctx context.Context, buyerID, checkoutID string) (*Checkout, error) {
	co, err := c.Checkout(ctx, buyerID, checkoutID)
	if err != nil {
		return nil, err
	}
	if co.State != CheckoutCanceled {
		return c.abandon(ctx, co, CheckoutCanceled, "canceled by the buyer", buyerActor(buyerID))
	}
	if !co.Compensating {
		return co, nil
	}
	return c.releaseAbandoned(ctx, co, buyerActor(buyerID))
}

// editCheckout applies an edit to the newest version of a buyer's checkout
// and commits it with compare-and-set, retrying when another change won the
// race. The edit works on a copy and returns the state to move to; an edit
// the transition table does not allow changes nothing.
//
// A checkout waiting for the buyer's payment action gives that attempt up
// first (giveUpForEdit), as a confirm with another payment method does,
// once the edit has been tried on a copy: an edit that fails changes
// nothing. If the payment went through meanwhile, the order is placed and
// the edit refused. An attempt given up whose undo could not finish (the
// checkout unknown, owing it) is finished the same way.
func (c *Client) editCheckout(ctx context.Context, buyerID, checkoutID, reason string, edit func(Merchant, *Checkout) (CheckoutState, error)) (*Checkout, error) {
	for {
		co, err := c.Checkout(ctx, buyerID, checkoutID)
		if err != nil {
			return nil, err
		}
		m, err := c.merchant(co.MerchantID)
		if err != nil {
			return nil, err
		}
		from := co.State
		if from == CheckoutRequiresAction || co.undoingGivenUp() {
			// Tried on the checkout as giving the attempt up leaves it.
			tried := cloneCheckout(co)
			tried.State = co.readyState()
			if _, err := edit(m, tried); err != nil {
				return nil, err
			}
			if err := c.giveUpForEdit(ctx, co, buyerActor(buyerID)); !errors.Is(err, errRetry) {
				return nil, err
			}
			continue
		}
		if from.Terminal() || from == CheckoutPaymentPending || from == CheckoutUnknown {
			return nil, &TransitionError{Machine: "checkout", ID: co.ID, From: string(from), To: "edited"}
		}
		to, err := edit(m, co)
		if err != nil {
			return nil, err
		}
		err = c.commitCheckout(ctx, co, from, to, reason, buyerActor(buyerID))
		if conflictOn(err, "checkout") && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		return co, nil
	}
}

// commitCheckout moves co from its committed state to to, if the table
// allows, and commits it with its transition and any extra writes.
// On success co holds the new version; on failure its state, due time and
// update time are as they were.
func (c *Client) commitCheckout(ctx context.Context, co *Checkout, from, to CheckoutState, reason, actor string, extra ...func(*Tx)) error {
	if err := checkoutMachine.check(co.ID, from, to); err != nil {
		return err
	}
	now := c.now()
	was, wasDue, wasUpdated, wasUnknownSince := co.State, co.DueAt, co.UpdatedAt, co.UnknownSince
	co.State, co.UpdatedAt = to, now
	switch {
	case to.Terminal():
		co.DueAt = time.Time{}
	case to == CheckoutPaymentPending:
		co.DueAt = co.ClaimedUntil
	case to == CheckoutUnknown && co.UnknownSince.IsZero():
		co.UnknownSince, co.DueAt = now, now
	case to == CheckoutUnknown:
		co.DueAt = now.Add(retryWait(now.Sub(co.UnknownSince)))
	default:
		co.DueAt = co.ExpiresAt
	}
	if to != CheckoutUnknown && to != CheckoutPaymentPending {
		co.UnknownSince = time.Time{} // the outcome is known
	}
	tx := &Tx{Checkouts: []*Checkout{co}, Transitions: []Transition{checkoutMachine.record(co.ID, from, to, reason, actor, now)}}
	for _, f := range extra {
		f(tx)
	}
	if err := c.store.Commit(ctx, tx); err != nil {
		co.State, co.DueAt, co.UpdatedAt, co.UnknownSince = was, wasDue, wasUpdated, wasUnknownSince
		return fmt.Errorf("buybutton: checkout %s: %w", co.ID, err)
	}
	co.Version++
	return nil
}

// retryWait is how long maintenance waits before it asks the platform
// again about a checkout it has been waiting on for elapsed (an unknown
// outcome, a payment not yet released): as long again, at least a minute
// and at most an hour.
func retryWait(elapsed time.Duration) time.Duration {
	return min(max(elapsed, time.Minute), time.Hour)
}

func buyerActor(buyerID string) string { return "buyer:" + buyerID }

func providerActor(merchantID string) string { return "provider:" + merchantID }

// checkLines checks lines given directly to StartCheckout against the cart
// limits.
func checkLines(lines []CartLine) error {
	if len(lines) > MaxCartLines {
		return invalid("lines", "at most %d lines", MaxCartLines)
	}
	total := 0
	seen := map[string]bool{}
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		if err := checkID(field+".variant_id", l.VariantID, provider.MaxIDLength); err != nil {
			return err
		}
		if err := checkID(field+".product_id", l.ProductID, provider.MaxIDLength); err != nil {
			return err
		}
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			return invalid(field+".quantity", "must be 1 to %d", MaxLineQuantity)
		}
		k := l.MerchantID + "\x00" + l.VariantID
		if seen[k] {
			return invalid(field, "variant %q appears twice", truncate(l.VariantID, 64))
		}
		seen[k] = true
		total += l.Quantity
	}
	if total > MaxCartQuantity {
		return invalid("lines", "at most %d units", MaxCartQuantity)
	}
	return nil
}

// checkAddress checks what a merchant needs to ship to an address.
func checkAddress(field string, a provider.Address) error {
	return within(field, addressFields(a))
}

// addressFields checks an address; its errors name the address's field
// alone ("city").
func addressFields(a provider.Address) error {
	for _, f := range []struct{ name, value string }{
		{"name", a.Name}, {"line1", a.Line1}, {"city", a.City}, {"country", a.Country},
	} {
		if strings.TrimSpace(f.value) == "" {
			return invalid(f.name, "required")
		}
	}
	for _, f := range []struct{ name, value string }{
		{"name", a.Name}, {"line1", a.Line1}, {"line2", a.Line2}, {"city", a.City},
		{"region", a.Region}, {"postal_code", a.PostalCode}, {"phone", a.Phone},
	} {
		if err := checkText(f.name, f.value, 0, 200, false); err != nil {
			return err
		}
	}
	if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country || strings.ContainsFunc(a.Country, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return invalid("country", "%q is not an ISO 3166-1 alpha-2 code", truncate(a.Country, 8))
	}
	return nil
}

func checkContact(ct provider.Contact) error {
	if err := checkText("contact.name", ct.Name, 0, 200, false); err != nil {
		return err
	}
	if err := checkText("contact.email", ct.Email, 0, 254, false); err != nil {
		return err
	}
	if ct.Email != "" && (!strings.Contains(ct.Email, "@") || strings.ContainsAny(ct.Email, " <>")) {
		return invalid("contact.email", "not an email address")
	}
	return nil
}
