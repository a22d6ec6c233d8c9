package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
)

func newServer(t *testing.T) (*app, *httptest.Server) {
	t.Helper()
	a, err := newApp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.routes())
	t.Cleanup(srv.Close)
	return a, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestIndexEscapesPosts(t *testing.T) {
	_, srv := newServer(t)
	code, body := get(t, srv.URL+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	if !strings.Contains(body, "&lt;b&gt;Paperback&lt;/b&gt;") || strings.Contains(body, "<b>Paperback") {
		t.Error("post text with markup must be shown as text")
	}
}

func TestTimelineAPI(t *testing.T) {
	a, srv := newServer(t)
	code, body := get(t, srv.URL+"/api/timeline")
	if code != http.StatusOK {
		t.Fatalf("GET /api/timeline = %d", code)
	}
	var page struct {
		Posts []post
		Cards []*struct {
			PostID  string `json:"post_id"`
			Product struct {
				Variants []struct{ ID, Availability string }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatalf("timeline JSON: %v\n%s", err, body)
	}
	if len(page.Cards) != len(page.Posts) || len(page.Posts) != len(a.posts) {
		t.Fatalf("%d posts and %d cards, want %d each", len(page.Posts), len(page.Cards), len(a.posts))
	}
	if page.Cards[3] != nil {
		t.Error("post-3 has no card, want null")
	}
	if page.Cards[0].Product.Variants[2].Availability != "sold_out" {
		t.Error("size 10 should show as sold out")
	}

	// A restock reaches the page through the webhook endpoint.
	if err := a.shop.SetStock("trail-runner-10", 4); err != nil {
		t.Fatal(err)
	}
	for _, d := range a.shop.TakeDeliveries() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+shopID, bytes.NewReader(d.Body))
		req.Header = d.Header
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("webhook delivery: %v %v", res.Status, err)
		}
		res.Body.Close()
	}
	_, body = get(t, srv.URL+"/api/timeline")
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Cards[0].Product.Variants[2].Availability != "in_stock" {
		t.Error("after the restock, size 10 should be in stock")
	}
}

func TestForgedWebhookIsRefused(t *testing.T) {
	_, srv := newServer(t)
	res, err := http.Post(srv.URL+"/webhooks/"+shopID, "application/json", strings.NewReader(`{"ID":"evt_x","Type":"stock.changed"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsigned delivery = %d, want 400", res.StatusCode)
	}
}

func TestStaticAndImages(t *testing.T) {
	_, srv := newServer(t)
	for _, path := range []string{"/static/timeline.js", "/static/timeline.css", "/img/trail-runner/side.jpg"} {
		if code, _ := get(t, srv.URL+path); code != http.StatusOK {
			t.Errorf("GET %s = %d", path, code)
		}
	}
	if _, body := get(t, srv.URL+"/img/%3Cscript%3E.jpg"); strings.Contains(body, "<script>") {
		t.Error("image placeholder must escape its text")
	}
}

// TestBadInputIsAClearMessageNeverA500: whatever a form sends, the API
// answers 4xx with a message for the viewer.
func TestBadInputIsAClearMessageNeverA500(t *testing.T) {
	_, srv := newServer(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if _, err := client.Get(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, body string }{
		{"/api/checkouts", `not json`},
		{"/api/checkouts", `{"product_id":"nope","variant_id":"nope"}`},
		{"/api/checkouts", `{"product_id":"trail-runner","variant_id":"trail-runner-10"}`},
		{"/api/checkouts", `{"unknown":"field"}`},
		{"/api/checkouts/co_nope/address", `{"name":"","line1":"","city":"","country":"USA"}`},
		{"/api/checkouts/co_nope/shipping", `{"option_id":"teleport"}`},
		{"/api/checkouts/co_nope/confirm", `{"token":"tok_approve"}`},
		{"/api/buy-now", `{"product_id":"trail-runner","variant_id":"trail-runner-9","saved_id":"nope"}`},
		{"/api/orders/ord_nope/cancel", ``},
		{"/api/authenticate", `{"client_secret":"<script>","approve":true}`},
		{"/api/donations", `{"campaign_id":"nope","amount":"25.00","currency":"USD"}`},
		{"/api/donations", `{"campaign_id":"x","amount":"1e400","currency":"USD"}`},
		{"/api/donations", `{"campaign_id":"x","amount":"25.00","currency":"XXX"}`},
		{"/api/donations/co_nope/confirm", `{"token":"tok_approve"}`},
		{"/api/monthly/mon_nope/cancel", ``},
	} {
		res, err := client.Post(srv.URL+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error, Code string }
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 || body.Error == "" {
			t.Errorf("POST %s %s = %d %q, want a 4xx with a message", tc.path, tc.body, res.StatusCode, body.Error)
		}
	}
	// A checkout edited with an address that breaks the rules.
	res, err := client.Post(srv.URL+"/api/checkouts", "application/json", strings.NewReader(`{"product_id":"trail-runner","variant_id":"trail-runner-9"}`))
	if err != nil {
		t.Fatal(err)
	}
	var co struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&co)
	res.Body.Close()
	res, err = client.Post(srv.URL+"/api/checkouts/"+co.ID+"/address", "application/json", strings.NewReader(`{"name":"Ada","line1":"","city":"SF","country":"US"}`))
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Error string }
	_ = json.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error, "line1") {
		t.Errorf("a missing street = %d %q, want 400 naming the field", res.StatusCode, e.Error)
	}
}

// TestAProviderThatTakesAnotherAmountIsNotAnInternalError: the library's
// ErrUnexpectedAnswer is the payment provider's fault, given back; the
// viewer is told so, not that the app broke, and one whose outcome is
// still unknown besides is told it is pending.
func TestAProviderThatTakesAnotherAmountIsNotAnInternalError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("checkout co_1: authorize: %w", buybutton.ErrUnexpectedAnswer), http.StatusBadGateway, "platform_error"},
		{fmt.Errorf("%w: %w", buybutton.ErrUnknownOutcome, buybutton.ErrUnexpectedAnswer), http.StatusServiceUnavailable, "pending"},
	} {
		w := httptest.NewRecorder()
		fail(w, tc.err)
		var body struct{ Error, Code string }
		_ = json.NewDecoder(w.Body).Decode(&body)
		if w.Code != tc.status || body.Code != tc.code || body.Error == "" {
			t.Errorf("fail(%v) = %d %q %q, want %d %q with a message", tc.err, w.Code, body.Code, body.Error, tc.status, tc.code)
		}
	}
}

// TestATotalBelowTheMinimumChargeSaysSo: a checkout whose total is below
// what the payment provider takes is told so with both amounts, not as a
// gift's range with no upper end.
func TestATotalBelowTheMinimumChargeSaysSo(t *testing.T) {
	w := httptest.NewRecorder()
	fail(w, &buybutton.AmountError{Amount: money.MustParse("0.40", "USD"), Minimum: money.MustParse("0.50", "USD"), Err: buybutton.ErrAmountOutOfRange})
	var body struct{ Error, Code string }
	_ = json.NewDecoder(w.Body).Decode(&body)
	if w.Code != http.StatusBadRequest || body.Code != "amount" || body.Error != "The total is 0.40 USD; the payment provider takes at least 0.50 USD." {
		t.Errorf("fail = %d %q %q", w.Code, body.Code, body.Error)
	}
}

// TestGivingIsListedAndMonthlyGiftsStop: a viewer's monthly gift and its
// donation are listed on their giving page, and they can stop it; no one
// else sees or stops it.
func TestGivingIsListedAndMonthlyGiftsStop(t *testing.T) {
	a, srv := newServer(t)
	ada, grace := viewerClient(t, srv), viewerClient(t, srv)
	card, err := a.client.Card("post-6")
	if err != nil {
		t.Fatal(err)
	}
	var co struct{ ID string }
	call(t, ada, "POST", srv.URL+"/api/donations", fmt.Sprintf(`{"campaign_id":%q,"amount":"25.00","currency":"USD","monthly":true,"name":"Ada"}`, card.Campaign.ID), http.StatusOK, &co)
	call(t, ada, "POST", srv.URL+"/api/donations/"+co.ID+"/confirm", `{"token":"tok_approve"}`, http.StatusOK, nil)

	var giving givingView
	call(t, ada, "GET", srv.URL+"/api/giving", "", http.StatusOK, &giving)
	if len(giving.Monthly) != 1 || len(giving.Donations) != 1 {
		t.Fatalf("giving = %+v, want one monthly gift and its first month", giving)
	}
	m := giving.Monthly[0]
	if m.Status != "active" || !m.CanCancel || m.Months != 1 || m.NextAt == "" || !giving.Donations[0].Monthly {
		t.Errorf("giving = %+v, want an active monthly gift of one month, and its donation", giving)
	}

	call(t, grace, "GET", srv.URL+"/api/giving", "", http.StatusOK, &giving)
	if len(giving.Monthly) != 0 || len(giving.Donations) != 0 {
		t.Errorf("another viewer sees %+v", giving)
	}
	call(t, grace, "POST", srv.URL+"/api/monthly/"+m.ID+"/cancel", "", http.StatusNotFound, nil) // not theirs: not found

	var stopped monthlyView
	call(t, ada, "POST", srv.URL+"/api/monthly/"+m.ID+"/cancel", "", http.StatusOK, &stopped)
	if stopped.Status != "canceled" || stopped.CanCancel || stopped.NextAt != "" {
		t.Errorf("after the stop = %+v", stopped)
	}
}

// TestADonorTakesTheirNameOffThePost: a viewer who gave under their name
// is offered to take it off the campaign's post, and it leaves the card;
// another viewer, who gave nothing, cannot.
func TestADonorTakesTheirNameOffThePost(t *testing.T) {
	a, srv := newServer(t)
	ada, grace := viewerClient(t, srv), viewerClient(t, srv)
	card, err := a.client.Card("post-6")
	if err != nil {
		t.Fatal(err)
	}
	cp := card.Campaign.ID
	var co struct{ ID string }
	call(t, ada, "POST", srv.URL+"/api/donations", fmt.Sprintf(`{"campaign_id":%q,"amount":"25.00","currency":"USD","monthly":true,"name":"Ada"}`, cp), http.StatusOK, &co)
	call(t, ada, "POST", srv.URL+"/api/donations/"+co.ID+"/confirm", `{"token":"tok_approve"}`, http.StatusOK, nil)
	supporters := func() int {
		card, err := a.client.Card("post-6")
		if err != nil {
			t.Fatal(err)
		}
		return len(card.Campaign.Supporters)
	}
	var giving givingView
	call(t, ada, "GET", srv.URL+"/api/giving", "", http.StatusOK, &giving)
	if len(giving.NamedOn) != 1 || giving.NamedOn[0].ID != cp || supporters() != 1 {
		t.Fatalf("named on %+v, the card has %d supporters; want the campaign, and Ada on it", giving.NamedOn, supporters())
	}

	call(t, grace, "POST", srv.URL+"/api/campaigns/"+cp+"/hide-my-name", "", http.StatusNotFound, nil)
	call(t, ada, "POST", srv.URL+"/api/campaigns/"+cp+"/hide-my-name", "", http.StatusOK, nil)
	call(t, ada, "GET", srv.URL+"/api/giving", "", http.StatusOK, &giving)
	if len(giving.NamedOn) != 0 || supporters() != 0 {
		t.Errorf("after taking her name off: named on %+v, the card has %d supporters", giving.NamedOn, supporters())
	}
}

// TestAReceiptIsDatedInTheBrowsersTimeZone: the page sends the browser's
// time zone with a donation, and the receipt is dated in it (Kiritimati
// is 14 hours ahead of UTC, so for most of a day its date is not UTC's);
// a zone that is none is refused with a message, not a 500.
func TestAReceiptIsDatedInTheBrowsersTimeZone(t *testing.T) {
	a, srv := newServer(t)
	viewer := viewerClient(t, srv)
	card, err := a.client.Card("post-6")
	if err != nil {
		t.Fatal(err)
	}
	cp := card.Campaign.ID
	var co struct{ ID string }
	call(t, viewer, "POST", srv.URL+"/api/donations", fmt.Sprintf(`{"campaign_id":%q,"amount":"25.00","currency":"USD","name":"Ada","time_zone":"Pacific/Kiritimati"}`, cp), http.StatusOK, &co)
	var receipt struct {
		Date     string
		TimeZone string `json:"time_zone"`
		Text     string
	}
	call(t, viewer, "POST", srv.URL+"/api/donations/"+co.ID+"/confirm", `{"token":"tok_approve"}`, http.StatusOK, &receipt)
	loc, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Fatal(err)
	}
	if today := time.Now().In(loc).Format(time.DateOnly); receipt.Date != today || receipt.TimeZone != "Pacific/Kiritimati" || !strings.Contains(receipt.Text, "(Pacific/Kiritimati)") {
		t.Errorf("receipt dated %s in %q, want %s in Pacific/Kiritimati; text:\n%s", receipt.Date, receipt.TimeZone, today, receipt.Text)
	}
	var refused apiError
	call(t, viewer, "POST", srv.URL+"/api/donations", fmt.Sprintf(`{"campaign_id":%q,"amount":"25.00","currency":"USD","name":"Ada","time_zone":"Mars/Olympus_Mons"}`, cp), http.StatusBadRequest, &refused)
	if !strings.Contains(refused.Error, "time zone") {
		t.Errorf("refused with %q", refused.Error)
	}
}

// TestTheGivingStatementOfTheYear: a viewer's statement lists their gift
// of the year and its total; a year that is none is a 400 with a message.
func TestTheGivingStatementOfTheYear(t *testing.T) {
	a, srv := newServer(t)
	viewer := viewerClient(t, srv)
	card, err := a.client.Card("post-6")
	if err != nil {
		t.Fatal(err)
	}
	var co struct{ ID string }
	call(t, viewer, "POST", srv.URL+"/api/donations", fmt.Sprintf(`{"campaign_id":%q,"amount":"25.00","currency":"USD","name":"Ada","time_zone":"UTC"}`, card.Campaign.ID), http.StatusOK, &co)
	call(t, viewer, "POST", srv.URL+"/api/donations/"+co.ID+"/confirm", `{"token":"tok_approve"}`, http.StatusOK, nil)
	year := time.Now().UTC().Year()
	var st struct{ Text string }
	call(t, viewer, "GET", fmt.Sprintf("%s/api/giving/statement/%d", srv.URL, year), "", http.StatusOK, &st)
	if !strings.Contains(st.Text, fmt.Sprintf("Giving statement for %d\n", year)) || !strings.Contains(st.Text, "Total: 25.00 USD") {
		t.Errorf("statement:\n%s", st.Text)
	}
	var refused apiError
	call(t, viewer, "GET", srv.URL+"/api/giving/statement/last", "", http.StatusBadRequest, &refused)
	if !strings.Contains(refused.Error, "year") {
		t.Errorf("refused with %q", refused.Error)
	}
}

// viewerClient is a browser of its own: a viewer, by the cookie the
// page gives it.
func viewerClient(t *testing.T, srv *httptest.Server) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c
}

// call sends body to url and decodes the answer into out (when not nil),
// failing the test unless it is status.
func call(t *testing.T, c *http.Client, method, url, body string, status int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s = %d %s, want %d", method, url, res.StatusCode, b, status)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, b)
		}
	}
}

// TestTheDiscountCodeTakesItsTenPercent: the page's code takes 10% off
// the paperback (39.99: 4.00 off, 35.99 taxed 7.25% is 2.61, and 5.00
// shipping: 43.60); a code the shop does not know is a clear message.
func TestTheDiscountCodeTakesItsTenPercent(t *testing.T) {
	_, srv := newServer(t)
	ada := viewerClient(t, srv)
	var co checkoutView
	call(t, ada, "POST", srv.URL+"/api/checkouts", `{"product_id":"go-book","variant_id":"go-book-paperback"}`, http.StatusOK, &co)
	call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/address", `{"name":"Ada","line1":"1 Market St","city":"San Francisco","region":"CA","postal_code":"94105","country":"US"}`, http.StatusOK, &co)
	call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/shipping", `{"option_id":"standard"}`, http.StatusOK, &co)
	var e apiError
	call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/discount", `{"code":"NOPE"}`, http.StatusBadRequest, &e)
	if e.Code != "invalid" || !strings.Contains(e.Error, "does not apply") {
		t.Errorf("an unknown code: %+v", e)
	}
	call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/discount", `{"code":"gophers10"}`, http.StatusOK, &co)
	if co.DiscountCode != "gophers10" || co.Totals.Discount.String() != "4.00 USD" || co.Totals.Total.String() != "43.60 USD" {
		t.Errorf("with the code: %+v", co)
	}
}

// TestTheFreeSampleNeedsNoCard: the sample chapter costs nothing, so its
// checkout is confirmed with no token, and its order has no payment; the
// shop was asked for none. A card's token sent all the same is not used.
func TestTheFreeSampleNeedsNoCard(t *testing.T) {
	a, srv := newServer(t)
	ada := viewerClient(t, srv)
	for _, body := range []string{`{}`, `{"token":"tok_decline"}`} {
		var co checkoutView
		call(t, ada, "POST", srv.URL+"/api/checkouts", `{"product_id":"sample-chapter","variant_id":"sample-chapter-epub"}`, http.StatusOK, &co)
		if co.Ships || !co.Free || co.Totals.Total.String() != "0.00 USD" {
			t.Fatalf("checkout = %+v, want one that ships nothing and is free", co)
		}
		var o orderView
		call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/confirm", body, http.StatusOK, &o)
		if o.Status != "placed" || o.Payment != string(buybutton.PaymentNone) {
			t.Errorf("confirmed with %s: order = %+v, want placed with payment none", body, o)
		}
	}
	if st := a.shop.Stats(); st.Authorizations != 0 || st.Orders != 2 {
		t.Errorf("the shop has %+v, want two orders and no payment asked for", st)
	}
}

// TestOrdersArePagedAfterTheLastShown: the orders list takes the id of
// the last order shown for the next page; another viewer's is a 404, as
// every record of theirs is to this demo (ErrForbidden).
func TestOrdersArePagedAfterTheLastShown(t *testing.T) {
	_, srv := newServer(t)
	ada := viewerClient(t, srv)
	for range 2 {
		var co checkoutView
		call(t, ada, "POST", srv.URL+"/api/checkouts", `{"product_id":"sample-chapter","variant_id":"sample-chapter-epub"}`, http.StatusOK, &co)
		call(t, ada, "POST", srv.URL+"/api/checkouts/"+co.ID+"/confirm", `{}`, http.StatusOK, new(orderView))
	}
	var all, next []orderView
	call(t, ada, "GET", srv.URL+"/api/orders", "", http.StatusOK, &all)
	if len(all) != 2 {
		t.Fatalf("%d orders listed, want 2", len(all))
	}
	call(t, ada, "GET", srv.URL+"/api/orders?after="+all[0].ID, "", http.StatusOK, &next)
	if len(next) != 1 || next[0].ID != all[1].ID {
		t.Fatalf("the page after %s = %+v, want %s alone", all[0].ID, next, all[1].ID)
	}
	call(t, viewerClient(t, srv), "GET", srv.URL+"/api/orders?after="+all[0].ID, "", http.StatusNotFound, new(apiError))
	call(t, ada, "GET", srv.URL+"/api/orders?after=ord_nope", "", http.StatusNotFound, new(apiError))
}
