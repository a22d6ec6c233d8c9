package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	_ "time/tzdata" // donors' time zones, from their browsers, on any machine

	"github.com/google/uuid"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

//go:embed static
var static embed.FS

var page = template.Must(template.ParseFS(static, "static/index.html"))

const shopID = "demo-shop"

// post is a post in the demo timeline.
type post struct {
	ID     string `json:"id"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// discountCode is the demo shop's code, which the page tells of.
const discountCode = "GOPHERS10"

// app is the demo's state: one in-memory merchant, the library client and
// a fixed timeline.
type app struct {
	shop   *memory.Provider
	client *buybutton.Client
	posts  []post
}

func newApp(ctx context.Context) (*app, error) {
	// The demo catalog, and a product whose title looks like markup: the
	// page must show it as text.
	stickers := memory.Product{
		Product: provider.Product{
			ID: "stickers", Title: `Stickers: "<Go>" & friends`, Description: "Five vinyl stickers. <script> not included.",
			Images:   []provider.Image{{URL: "https://cdn.buybutton.example/stickers/pack.jpg", Alt: "A sticker pack"}},
			Variants: []provider.Variant{{ID: "stickers-5", Title: "Pack of 5", Price: money.MustParse("6.00", "USD")}},
		},
		Stock: map[string]int{"stickers-5": 100},
	}
	// And a chapter the shop gives away: a checkout of it costs nothing,
	// and is placed with no payment.
	sample := memory.Product{
		Product: provider.Product{
			ID: "sample-chapter", Title: "Go, chapter one (free sample)", Description: "The first chapter as an e-book, delivered by email.",
			Images:   []provider.Image{{URL: "https://cdn.buybutton.example/sample-chapter/cover.jpg", Alt: "Chapter one cover"}},
			Variants: []provider.Variant{{ID: "sample-chapter-epub", Title: "EPUB", Price: money.MustParse("0.00", "USD")}},
		},
		Stock: map[string]int{"sample-chapter-epub": 10000},
	}
	shop := memory.New(&memory.Options{Products: append(memory.DemoProducts("USD"), stickers, sample)})
	// The code the page tells of: 10% off anything.
	if err := shop.SetDiscountCode(discountCode, 10); err != nil {
		return nil, err
	}
	client, err := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom(shopID, "Demo Shop", shop)},
	})
	if err != nil {
		return nil, err
	}
	a := &app{shop: shop, client: client, posts: []post{
		{ID: "post-1", Author: "@trailclub", Text: "New season, new grip. The Trail Runner is back (size 10 went fast)."},
		{ID: "post-2", Author: "@gopherreads", Text: "Still the best way to learn Go. <b>Paperback</b> in stock."},
		{ID: "post-6", Author: "@cleanwater", Text: "Every well serves a village for twenty years. Chip in?"},
		{ID: "post-3", Author: "@ada", Text: "Just a post without anything to buy."},
		{ID: "post-4", Author: "@buybutton", Text: "Our logo tee, in three colours."},
		{ID: "post-5", Author: "@gopherreads", Text: "The e-book, delivered by email."},
		{ID: "post-7", Author: "@gophers", Text: "Fresh stickers for your laptop."},
		{ID: "post-8", Author: "@gopherreads", Text: "Chapter one is on us. Take it, no card needed."},
	}}
	for postID, productID := range map[string]string{
		"post-1": memory.DemoSneaker, "post-2": memory.DemoBook, "post-4": memory.DemoTee, "post-5": memory.DemoEBook, "post-7": "stickers", "post-8": "sample-chapter",
	} {
		if _, err := client.AttachCard(ctx, buybutton.AttachCardParams{PostID: postID, MerchantID: shopID, ProductID: productID}); err != nil {
			return nil, fmt.Errorf("attach %s to %s: %w", productID, postID, err)
		}
	}
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
	campaign, err := client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: shopID, NonprofitID: memory.DemoCharity, Title: "Wells for Wajir", Currency: "USD",
		Presets: []money.Amount{usd("10.00"), usd("25.00"), usd("50.00")}, Maximum: usd("5000.00"), ShowProgress: true,
	})
	if err != nil {
		return nil, fmt.Errorf("create campaign: %w", err)
	}
	if _, err := client.AttachDonateCard(ctx, buybutton.DonateCardParams{PostID: "post-6", CampaignID: campaign.ID}); err != nil {
		return nil, fmt.Errorf("attach the Donate card: %w", err)
	}
	return a, nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /api/timeline", a.timeline)
	mux.HandleFunc("POST /api/checkouts", a.startCheckout)
	mux.HandleFunc("POST /api/checkouts/{id}/address", a.setAddress)
	mux.HandleFunc("POST /api/checkouts/{id}/shipping", a.selectShipping)
	mux.HandleFunc("POST /api/checkouts/{id}/discount", a.applyDiscount)
	mux.HandleFunc("POST /api/checkouts/{id}/confirm", a.confirm)
	mux.HandleFunc("POST /api/buy-now", a.buyNow)
	mux.HandleFunc("GET /api/saved", a.savedDetails)
	mux.HandleFunc("GET /api/orders", a.orders)
	mux.HandleFunc("POST /api/orders/{id}/cancel", a.cancelOrder)
	mux.HandleFunc("POST /api/authenticate", a.authenticate)
	mux.HandleFunc("POST /api/donations", a.startDonation)
	mux.HandleFunc("POST /api/donations/{id}/confirm", a.confirmDonation)
	mux.HandleFunc("GET /api/giving", a.giving)
	mux.HandleFunc("POST /api/monthly/{id}/cancel", a.cancelMonthly)
	mux.HandleFunc("POST /api/campaigns/{id}/hide-my-name", a.hideMyName)
	mux.HandleFunc("GET /api/giving/statement/{year}", a.givingStatement)
	mux.HandleFunc("POST /webhooks/"+shopID, a.webhook)
	mux.HandleFunc("GET /img/", productImage)
	mux.Handle("GET /static/", http.FileServerFS(static))
	return withViewer(mux)
}

// viewerCookie names the demo's viewer: a random id per browser, standing
// in for the host's own authentication.
const viewerCookie = "bb_viewer"

type viewerKey struct{}

// withViewer gives every request a viewer id, from the cookie or new.
func withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if c, err := r.Cookie(viewerCookie); err == nil && len(c.Value) == 36 {
			id = c.Value
		} else {
			id = uuid.NewString()
			http.SetCookie(w, &http.Cookie{Name: viewerCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, id)))
	})
}

func viewer(r *http.Request) string {
	id, _ := r.Context().Value(viewerKey{}).(string)
	return id
}

func (a *app) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, a.posts); err != nil {
		http.Error(w, "could not render the page", http.StatusInternalServerError)
	}
}

// timeline answers {"posts":[...],"cards":[...]}, where cards is the
// library's hydrated JSON, copied in as it is.
func (a *app) timeline(w http.ResponseWriter, r *http.Request) {
	ids := make([]string, len(a.posts))
	for i, p := range a.posts {
		ids[i] = p.ID
	}
	posts, err := json.Marshal(a.posts)
	if err != nil {
		http.Error(w, "could not encode posts", http.StatusInternalServerError)
		return
	}
	buf := append([]byte(`{"posts":`), posts...)
	buf = append(buf, `,"cards":`...)
	buf = a.client.Hydrate(buf, ids)
	buf = append(buf, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf)
}

// webhook is where the platform posts its deliveries: stock and price
// changes re-render the cards.
func (a *app) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.client.HandleWebhook(r.Context(), shopID, r.Header, body); err != nil {
		http.Error(w, "delivery refused", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// productImage draws a placeholder for a demo product image, so that the
// demo needs no network. The page maps the catalog's image URLs here.
func productImage(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/img/"), ".jpg")
	name = strings.ReplaceAll(strings.Split(name, "/")[0], "-", " ")
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270" viewBox="0 0 480 270">`+
		`<rect width="480" height="270" fill="#e8eef5"/><text x="240" y="145" font-family="sans-serif" font-size="28" text-anchor="middle" fill="#334">%s</text></svg>`,
		template.HTMLEscapeString(name))
}
