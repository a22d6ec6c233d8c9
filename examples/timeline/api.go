package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// The page talks to these JSON endpoints. Each uses the library's public
// API only, as the viewer in the cookie; every error becomes a message the
// page can show (see fail), and bad input is a 4xx, never a 500.

// maxBody bounds what the demo reads of a request.
const maxBody = 64 << 10

// decode reads a JSON request body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return &formError{"The form could not be read. Reload the page and try again."}
	}
	return nil
}

// formError is a message for the viewer about what they sent.
type formError struct{ msg string }

func (e *formError) Error() string { return e.msg }

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is what the page shows when a call fails.
type apiError struct {
	Error  string               `json:"error"`
	Code   string               `json:"code"`
	Action *provider.NextAction `json:"action,omitempty"`
}

// fail answers err as a message for the viewer, with the status its kind
// calls for.
func fail(w http.ResponseWriter, err error) {
	var (
		form    *formError
		action  *buybutton.ActionRequiredError
		decline *provider.DeclineError
		amount  *buybutton.AmountError
		field   *buybutton.ValidationError
		changed *buybutton.PriceChangedError
	)
	status, e := http.StatusInternalServerError, apiError{Code: "error", Error: "Something went wrong on our side. Try again."}
	switch {
	case errors.As(err, &form):
		status, e = http.StatusBadRequest, apiError{Code: "invalid", Error: form.msg}
	case errors.As(err, &action):
		status, e = http.StatusConflict, apiError{Code: "action_required", Error: "Your bank asks you to confirm this payment.", Action: &action.NextAction}
	case errors.As(err, &decline):
		status, e = http.StatusPaymentRequired, apiError{Code: "declined", Error: decline.Message}
	case errors.Is(err, provider.ErrDeclined):
		status, e = http.StatusPaymentRequired, apiError{Code: "declined", Error: "The payment was declined. Try another payment method."}
	case errors.As(err, &amount) && amount.Maximum.Currency() == "":
		status, e = http.StatusBadRequest, apiError{Code: "amount", Error: fmt.Sprintf("The total is %s; the payment provider takes at least %s.", amount.Amount, amount.Minimum)}
	case errors.As(err, &amount):
		status, e = http.StatusBadRequest, apiError{Code: "amount", Error: fmt.Sprintf("Give an amount from %s to %s.", amount.Minimum, amount.Maximum)}
	case errors.Is(err, money.ErrMalformed), errors.Is(err, money.ErrOutOfRange), errors.Is(err, money.ErrUnknownCurrency), errors.Is(err, money.ErrNotRounded):
		status, e = http.StatusBadRequest, apiError{Code: "amount", Error: "Enter an amount such as 25.00."}
	case errors.As(err, &field):
		status, e = http.StatusBadRequest, apiError{Code: "invalid", Error: fmt.Sprintf("Check %s: %s.", strings.ReplaceAll(field.Field, "_", " "), field.Reason)}
	case errors.As(err, &changed):
		status, e = http.StatusConflict, apiError{Code: "price_changed", Error: fmt.Sprintf("Prices changed: the total is now %s. Confirm again to pay it.", changed.Now.Total)}
	case errors.Is(err, provider.ErrOutOfStock):
		status, e = http.StatusConflict, apiError{Code: "out_of_stock", Error: "Sorry, that just sold out."}
	case errors.Is(err, buybutton.ErrIllegalTransition):
		status, e = http.StatusConflict, apiError{Code: "state", Error: "This can no longer be changed."}
	case errors.Is(err, buybutton.ErrUnknownOutcome), errors.Is(err, buybutton.ErrInProgress):
		status, e = http.StatusServiceUnavailable, apiError{Code: "pending", Error: "We could not hear back from the payment provider. We will check and update your orders."}
	case errors.Is(err, buybutton.ErrUnexpectedAnswer):
		status, e = http.StatusBadGateway, apiError{Code: "platform_error", Error: "The payment provider took another amount than asked; it was given back. Try again later."}
	case errors.Is(err, buybutton.ErrNotFound), errors.Is(err, buybutton.ErrForbidden):
		status, e = http.StatusNotFound, apiError{Code: "not_found", Error: "Not found."}
	case errors.Is(err, buybutton.ErrInvalidInput), errors.Is(err, provider.ErrInvalidRequest):
		status, e = http.StatusBadRequest, apiError{Code: "invalid", Error: "Check the form and try again."}
	}
	reply(w, status, e)
}

// checkoutView is a checkout as the page draws it.
type checkoutView struct {
	ID               string           `json:"id"`
	State            string           `json:"state"`
	Ships            bool             `json:"ships"`
	Free             bool             `json:"free"`          // no card to ask for
	DiscountCode     string           `json:"discount_code"` // as the viewer typed it, when it applies
	Totals           totalsView       `json:"totals"`
	ShippingOptions  []shippingOption `json:"shipping_options"`
	ShippingOptionID string           `json:"shipping_option_id"`
}

type totalsView struct {
	Subtotal money.Amount `json:"subtotal"`
	Discount money.Amount `json:"discount"`
	Shipping money.Amount `json:"shipping"`
	Tax      money.Amount `json:"tax"`
	Fee      money.Amount `json:"fee"`
	Total    money.Amount `json:"total"`
}

type shippingOption struct {
	ID     string       `json:"id"`
	Label  string       `json:"label"`
	Amount money.Amount `json:"amount"`
}

func viewCheckout(co *buybutton.Checkout) checkoutView {
	v := checkoutView{
		ID: co.ID, State: string(co.State), ShippingOptionID: co.ShippingOptionID, Free: co.Free(),
		Totals:          totalsView{co.Totals.Subtotal, co.Totals.Discount, co.Totals.Shipping, co.Totals.Tax, co.Totals.Fee, co.Totals.Total},
		ShippingOptions: make([]shippingOption, len(co.ShippingOptions)),
	}
	for _, l := range co.Lines {
		v.Ships = v.Ships || l.RequiresShipping
	}
	if co.DiscountApplies {
		v.DiscountCode = co.DiscountCode
	}
	for i, o := range co.ShippingOptions {
		v.ShippingOptions[i] = shippingOption{ID: o.ID, Label: o.Label, Amount: o.Amount}
	}
	return v
}

// orderView is an order as the Orders view draws it.
type orderView struct {
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Payment   string       `json:"payment"`
	Total     money.Amount `json:"total"`
	Items     []string     `json:"items"`
	CanCancel bool         `json:"can_cancel"`
}

func viewOrder(o *buybutton.Order) orderView {
	v := orderView{ID: o.ID, Status: string(o.Status), Payment: string(o.PaymentState()), Total: o.Totals.Total, CanCancel: o.Status == buybutton.OrderPlaced}
	for _, l := range o.Lines {
		v.Items = append(v.Items, fmt.Sprintf("%d × %s", l.Quantity, l.VariantID))
	}
	return v
}

// startCheckout starts a checkout for one line from a card: a tap on Buy.
func (a *app) startCheckout(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ProductID string `json:"product_id"`
		VariantID string `json:"variant_id"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	_, cos, err := a.client.StartCheckout(r.Context(), buybutton.StartCheckoutParams{
		BuyerID: viewer(r),
		Lines:   []buybutton.CartLine{{MerchantID: shopID, ProductID: req.ProductID, VariantID: req.VariantID, Quantity: 1}},
	})
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewCheckout(cos[0]))
}

// addressForm is the shipping address form.
type addressForm struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

func (f addressForm) address() provider.Address {
	return provider.Address{Name: f.Name, Line1: f.Line1, City: f.City, Region: f.Region, PostalCode: f.PostalCode, Country: strings.ToUpper(strings.TrimSpace(f.Country))}
}

func (a *app) setAddress(w http.ResponseWriter, r *http.Request) {
	var req addressForm
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	co, err := a.client.SetShippingAddress(r.Context(), viewer(r), r.PathValue("id"), req.address())
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewCheckout(co))
}

func (a *app) selectShipping(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OptionID string `json:"option_id"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	co, err := a.client.SelectShipping(r.Context(), viewer(r), r.PathValue("id"), req.OptionID)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewCheckout(co))
}

// applyDiscount applies the discount code the viewer typed, or removes
// theirs (an empty code).
func (a *app) applyDiscount(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	co, err := a.client.ApplyDiscountCode(r.Context(), viewer(r), r.PathValue("id"), req.Code)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewCheckout(co))
}

// confirm pays for a checkout with a test token, or the saved details,
// and saves the details when asked.
func (a *app) confirm(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token   string `json:"token"`
		SavedID string `json:"saved_id"`
		Save    bool   `json:"save"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	ctx, buyer := r.Context(), viewer(r)
	o, err := a.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: r.PathValue("id"), PaymentToken: req.Token, SavedID: req.SavedID})
	a.pump(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	if req.Save && o.ShipTo != nil {
		label := fmt.Sprintf("%s, %s (test card)", o.ShipTo.Line1, o.ShipTo.City)
		if _, err := a.client.SaveDetail(ctx, buybutton.SaveDetailParams{BuyerID: buyer, Label: label, ShipTo: o.ShipTo, PaymentToken: req.Token}); err != nil {
			fail(w, err)
			return
		}
	}
	reply(w, http.StatusOK, viewOrder(o))
}

// buyNow is the one-tap purchase with saved details: a checkout for one
// line, shipped to the saved address the cheapest way, paid with the
// saved token.
func (a *app) buyNow(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ProductID string `json:"product_id"`
		VariantID string `json:"variant_id"`
		SavedID   string `json:"saved_id"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	ctx, buyer := r.Context(), viewer(r)
	saved, err := a.client.SavedDetail(ctx, buyer, req.SavedID)
	if err != nil {
		fail(w, err)
		return
	}
	_, cos, err := a.client.StartCheckout(ctx, buybutton.StartCheckoutParams{
		BuyerID: buyer, ShipTo: saved.ShipTo,
		Lines: []buybutton.CartLine{{MerchantID: shopID, ProductID: req.ProductID, VariantID: req.VariantID, Quantity: 1}},
	})
	if err != nil {
		fail(w, err)
		return
	}
	co := cos[0]
	if len(co.ShippingOptions) > 0 {
		if co, err = a.client.SelectShipping(ctx, buyer, co.ID, cheapest(co.ShippingOptions)); err != nil {
			fail(w, err)
			return
		}
	}
	o, err := a.client.Confirm(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: co.ID, SavedID: saved.ID})
	a.pump(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewOrder(o))
}

func cheapest(opts []provider.ShippingOption) string {
	best := opts[0]
	for _, o := range opts[1:] {
		if c, _ := o.Amount.Cmp(best.Amount); c < 0 {
			best = o
		}
	}
	return best.ID
}

func (a *app) savedDetails(w http.ResponseWriter, r *http.Request) {
	saved, err := a.client.SavedDetails(r.Context(), viewer(r))
	if err != nil {
		fail(w, err)
		return
	}
	type view struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	}
	out := make([]view, len(saved))
	for i, s := range saved {
		out[i] = view{s.ID, s.Label}
	}
	reply(w, http.StatusOK, out)
}

// orders lists the viewer's orders, newest first, 50 a page: the next
// page after the id of the last order shown (?after=), so that an order
// placed meanwhile moves none from one page to the next.
func (a *app) orders(w http.ResponseWriter, r *http.Request) {
	orders, err := a.client.Orders(r.Context(), viewer(r), r.URL.Query().Get("after"), 50)
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]orderView, len(orders))
	for i, o := range orders {
		out[i] = viewOrder(o)
	}
	reply(w, http.StatusOK, out)
}

func (a *app) cancelOrder(w http.ResponseWriter, r *http.Request) {
	o, err := a.client.CancelOrder(r.Context(), buybutton.CancelOrderParams{BuyerID: viewer(r), OrderID: r.PathValue("id"), Reason: "canceled in the demo"})
	a.pump(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewOrder(o))
}

// authenticate plays the viewer's bank approving (or refusing) the extra
// step of a payment, as the page a NextAction's RedirectURL leads to
// would. It is the memory provider's test hook, not part of the library.
func (a *app) authenticate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientSecret string `json:"client_secret"`
		Approve      bool   `json:"approve"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	id, ok := strings.CutSuffix(req.ClientSecret, "_secret")
	if !ok {
		fail(w, &formError{"That confirmation is not one we know."})
		return
	}
	if err := a.shop.CompleteAction(id, req.Approve); err != nil {
		fail(w, &formError{"That confirmation is no longer waiting."})
		return
	}
	a.pump(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// startDonation prices a gift from the Donate card.
func (a *app) startDonation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CampaignID string `json:"campaign_id"`
		Amount     string `json:"amount"`
		Currency   string `json:"currency"`
		CoverFee   bool   `json:"cover_fee"`
		Anonymous  bool   `json:"anonymous"`
		Name       string `json:"name"`
		Email      string `json:"email"`
		Message    string `json:"message"`
		Monthly    bool   `json:"monthly"`
		TimeZone   string `json:"time_zone"` // the browser's, for the receipt's date
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	amount, err := money.Parse(strings.TrimSpace(req.Amount), req.Currency)
	if err != nil {
		fail(w, err)
		return
	}
	p := buybutton.StartDonationParams{
		BuyerID: viewer(r), CampaignID: req.CampaignID, Amount: amount, CoverFee: req.CoverFee, Monthly: req.Monthly,
		Donor: provider.Contact{Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email)}, Message: req.Message,
		TimeZone: req.TimeZone,
	}
	if !req.Anonymous {
		p.Privacy = buybutton.DonorPrivacy{ShareWithNonprofit: true, ShowOnPost: true}
	}
	co, err := a.client.StartDonation(r.Context(), p)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewCheckout(co))
}

// confirmDonation charges the gift and answers its receipt.
func (a *app) confirmDonation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	ctx, buyer := r.Context(), viewer(r)
	d, err := a.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: buyer, CheckoutID: r.PathValue("id"), PaymentToken: req.Token})
	a.pump(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	receipt, err := a.client.Receipt(ctx, buyer, d.ID)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, struct {
		*buybutton.Receipt
		Text string `json:"text"`
	}{receipt, receipt.Text()})
}

// givingView is the viewer's giving: their monthly gifts (to cancel) and
// every donation, newest first.
type givingView struct {
	Monthly   []monthlyView  `json:"monthly"`
	Donations []donationView `json:"donations"`
	// NamedOn are the campaigns whose posts the viewer asked to show
	// their name on, which they may take it off.
	NamedOn []campaignRef `json:"named_on"`
}

type campaignRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type monthlyView struct {
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Charged   money.Amount `json:"charged"` // each month
	Months    int          `json:"months"`
	NextAt    string       `json:"next_at,omitempty"`
	CanCancel bool         `json:"can_cancel"`
}

type donationView struct {
	Receipt string       `json:"receipt"`
	Charged money.Amount `json:"charged"`
	State   string       `json:"state"`
	Monthly bool         `json:"monthly"`
	GivenAt string       `json:"given_at"`
}

func (a *app) giving(w http.ResponseWriter, r *http.Request) {
	ctx, buyer := r.Context(), viewer(r)
	monthly, err := a.client.MonthlyGifts(ctx, buyer, "", 50)
	if err != nil {
		fail(w, err)
		return
	}
	donations, err := a.client.Donations(ctx, buyer, "", 50)
	if err != nil {
		fail(w, err)
		return
	}
	out := givingView{Monthly: []monthlyView{}, Donations: []donationView{}, NamedOn: []campaignRef{}}
	for _, m := range monthly {
		out.Monthly = append(out.Monthly, viewMonthly(m))
	}
	named := map[string]bool{}
	for _, d := range donations {
		out.Donations = append(out.Donations, donationView{
			Receipt: d.ReceiptNumber, Charged: d.Charged, State: string(d.State()),
			Monthly: d.MonthlyID != "", GivenAt: d.Receipt().Date, // in the donor's time zone
		})
		if d.Privacy.ShowOnPost && !named[d.CampaignID] {
			named[d.CampaignID] = true
			cp, err := a.client.Campaign(ctx, d.CampaignID)
			if err != nil {
				fail(w, err)
				return
			}
			out.NamedOn = append(out.NamedOn, campaignRef{ID: cp.ID, Title: cp.Title})
		}
	}
	reply(w, http.StatusOK, out)
}

// givingStatement is the viewer's statement for a tax year, as JSON with
// its text.
func (a *app) givingStatement(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		year = 0 // not a year: the library says so
	}
	st, err := a.client.GivingStatement(r.Context(), viewer(r), year)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, struct {
		*buybutton.GivingStatement
		Text string `json:"text"`
	}{st, st.Text()})
}

// hideMyName takes the viewer's name off a campaign's post, for good.
func (a *app) hideMyName(w http.ResponseWriter, r *http.Request) {
	cp, err := a.client.HideSupporter(r.Context(), buybutton.HideSupporterParams{CampaignID: r.PathValue("id"), BuyerID: viewer(r)})
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, campaignRef{ID: cp.ID, Title: cp.Title})
}

func viewMonthly(m *buybutton.MonthlyGift) monthlyView {
	v := monthlyView{ID: m.ID, Status: string(m.Status), Charged: m.Charged, Months: m.Months, CanCancel: m.Status != buybutton.MonthlyCanceled}
	if !m.NextChargeAt.IsZero() {
		v.NextAt = m.NextChargeAt.Format(time.DateOnly)
	}
	return v
}

func (a *app) cancelMonthly(w http.ResponseWriter, r *http.Request) {
	m, err := a.client.CancelMonthly(r.Context(), viewer(r), r.PathValue("id"))
	a.pump(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, viewMonthly(m))
}

// pump posts the platform's queued webhooks to the library, as the
// platform would post them to the demo's /webhooks endpoint: stock
// changes re-render cards, and payment events resume checkouts.
func (a *app) pump(ctx context.Context) {
	for _, d := range a.shop.TakeDeliveries() {
		if err := a.client.HandleWebhook(ctx, shopID, d.Header, d.Body); err != nil {
			slog.Warn("webhook delivery refused", "err", err)
		}
	}
}
