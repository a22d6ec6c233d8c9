package buybutton_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/internal/memharness"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const shopID = "demo-shop"

// fixture is a Client over a memory provider and a memory store, all on
// one manual clock.
type fixture struct {
	client *buybutton.Client
	shop   *memory.Provider
	clock  *memharness.Clock
	store  buybutton.Store
}

// testingT is what a fixture needs of a test: a *testing.T, a *testing.B or
// a *rapid.T.
type testingT interface {
	require.TestingT
	Helper()
}

// newFixture sells products (the demo catalog when nil) with default
// options.
func newFixture(t testingT, products []memory.Product) fixture {
	return buildFixture(t, products, nil, nil)
}

// buildFixture makes a fixture. opts (nil for defaults) gets the merchant,
// clock and, unless it has one, a memory store. sell, when set, makes the
// merchant from the memory provider (to wrap it); by default the provider
// serves every interface itself.
func buildFixture(t testingT, products []memory.Product, opts *buybutton.Options, sell func(*memory.Provider) buybutton.Merchant) fixture {
	t.Helper()
	return buildFixtureOn(t, memory.Options{Products: products}, opts, sell)
}

// buildFixtureOn is buildFixture with a platform made with platform's
// options (its currency, its charge unit), on the fixture's clock.
func buildFixtureOn(t testingT, platform memory.Options, opts *buybutton.Options, sell func(*memory.Provider) buybutton.Merchant) fixture {
	t.Helper()
	clock := memharness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	platform.Now = clock.Now
	shop := memory.New(&platform)
	if opts == nil {
		opts = &buybutton.Options{}
	}
	if sell == nil {
		sell = func(p *memory.Provider) buybutton.Merchant { return buybutton.MerchantFrom(shopID, "Demo Shop", p) }
	}
	opts.Merchants = []buybutton.Merchant{sell(shop)}
	opts.Now = clock.Now
	if opts.Store == nil {
		opts.Store = buybutton.NewMemoryStore()
	}
	client, err := buybutton.New(opts)
	require.NoError(t, err)
	return fixture{client: client, shop: shop, clock: clock, store: opts.Store}
}

func (f fixture) attach(t testing.TB, postID, productID string) buybutton.Card {
	t.Helper()
	card, err := f.client.AttachCard(context.Background(), buybutton.AttachCardParams{PostID: postID, MerchantID: shopID, ProductID: productID})
	require.NoError(t, err)
	return card
}

// deliver posts the provider's queued webhooks to the client, as the
// platform would.
func (f fixture) deliver(t *testing.T) {
	t.Helper()
	for _, d := range f.shop.TakeDeliveries() {
		require.NoError(t, f.client.HandleWebhook(ctx, shopID, d.Header, d.Body))
	}
}

func (f fixture) hydrateOne(t *testing.T, postID string) []byte {
	t.Helper()
	out := f.client.Hydrate(nil, []string{postID})
	require.True(t, bytes.HasPrefix(out, []byte("[")) && bytes.HasSuffix(out, []byte("]")))
	return out[1 : len(out)-1]
}

func TestCardGolden(t *testing.T) {
	script := memory.Product{
		Product: provider.Product{
			ID:          "script",
			Title:       `<script>alert("pwned")</script> & "quotes"`,
			Description: "Line one\nLine two </textarea>",
			Images:      []provider.Image{{URL: "https://cdn.buybutton.example/x.jpg?a=1&b=<2>", Alt: "<img onerror=x>"}},
			Variants:    []provider.Variant{{ID: "script-1", Price: money.MustParse("1.00", "USD")}},
		},
		Stock: map[string]int{"script-1": 1},
	}
	products := append(memory.DemoProducts("USD"), script)
	for _, name := range []string{memory.DemoSneaker, memory.DemoBook, memory.DemoTee, memory.DemoEBook, "script"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, products)
			card := f.attach(t, "post-"+name, name)
			got := f.hydrateOne(t, "post-"+name)
			got = bytes.ReplaceAll(got, []byte(card.ID), []byte("00000000-0000-0000-0000-000000000000"))
			assertGoldenJSON(t, filepath.Join("testdata", "cards", name+".json"), got)
		})
	}
}

// assertGoldenJSON compares JSON, indented, with a golden file; -update
// rewrites the file.
func assertGoldenJSON(t *testing.T, path string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, got, "", "  "))
	pretty.WriteByte('\n')
	assertGolden(t, path, pretty.Bytes())
}

// assertGolden compares got with a golden file; -update rewrites the file.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create the golden file")
	assert.Equal(t, string(want), string(got))
}

func TestCardEscapesMarkup(t *testing.T) {
	f := newFixture(t, []memory.Product{{
		Product: provider.Product{
			ID: "x", Title: "<script>alert(1)</script>",
			Variants: []provider.Variant{{ID: "x-1", Price: money.MustParse("1", "USD")}},
		},
	}})
	f.attach(t, "p", "x")
	out := f.hydrateOne(t, "p")
	assert.NotContains(t, string(out), "<script>", "markup must leave as data, never as HTML")
	var v struct{ Product struct{ Title string } }
	require.NoError(t, json.Unmarshal(out, &v))
	assert.Equal(t, "<script>alert(1)</script>", v.Product.Title, "and decode back to the same text")
}

func TestAttachRefusesBadProducts(t *testing.T) {
	ok := provider.Variant{ID: "v", Price: money.MustParse("10.00", "USD")}
	product := func(mutate func(*provider.Product)) memory.Product {
		p := provider.Product{ID: "p", Title: "Fine", Variants: []provider.Variant{ok}}
		mutate(&p)
		return memory.Product{Product: p}
	}
	manyVariants := make([]provider.Variant, buybutton.MaxVariants+1)
	for i := range manyVariants {
		manyVariants[i] = provider.Variant{ID: "v" + strings.Repeat("x", i), Price: ok.Price}
	}
	negative := money.MustParse("-1.00", "USD")
	tests := []struct {
		name  string
		p     memory.Product
		field string
	}{
		{"empty title", product(func(p *provider.Product) { p.Title = "  " }), "product.title"},
		{"overlong title", product(func(p *provider.Product) { p.Title = strings.Repeat("é", buybutton.MaxTitleLength+1) }), "product.title"},
		{"control character in title", product(func(p *provider.Product) { p.Title = "a\x00b" }), "product.title"},
		{"invalid UTF-8", product(func(p *provider.Product) { p.Description = "\xff" }), "product.description"},
		{"negative price", product(func(p *provider.Product) { p.Variants[0].Price = negative }), "product.variants[0].price"},
		{"unknown currency", product(func(p *provider.Product) { p.Variants[0].Price = money.Zero("ABC") }), "product.variants[0].price"},
		{"sub-cent price", product(func(p *provider.Product) { p.Variants[0].Price = money.MustParse("1.005", "USD") }), "product.variants[0].price"},
		{"mixed currencies", product(func(p *provider.Product) {
			p.Variants = append(p.Variants, provider.Variant{ID: "w", Price: money.MustParse("1", "EUR")})
		}), "product.variants[1].price"},
		{"compare-at in another currency", product(func(p *provider.Product) {
			eur := money.MustParse("12", "EUR")
			p.Variants[0].CompareAtPrice = &eur
		}), "product.variants[0].compare_at_price"},
		{"http image", product(func(p *provider.Product) { p.Images = []provider.Image{{URL: "http://cdn.example/x.jpg"}} }), "product.images[0].url"},
		{"javascript image", product(func(p *provider.Product) { p.Images = []provider.Image{{URL: "javascript:alert(1)"}} }), "product.images[0].url"},
		{"image with credentials", product(func(p *provider.Product) { p.Images = []provider.Image{{URL: "https://u:p@cdn.example/x.jpg"}} }), "product.images[0].url"},
		{"too many images", product(func(p *provider.Product) {
			p.Images = make([]provider.Image, buybutton.MaxImages+1)
		}), "product.images"},
		{"no variants", product(func(p *provider.Product) { p.Variants = nil }), "product.variants"},
		{"too many variants", product(func(p *provider.Product) { p.Variants = manyVariants }), "product.variants"},
		{"duplicate variant", product(func(p *provider.Product) { p.Variants = []provider.Variant{ok, ok} }), "product.variants[1].id"},
		{"variant options mismatch", product(func(p *provider.Product) {
			p.Options = []provider.Option{{Name: "Size", Values: []string{"S"}}}
		}), "product.variants[0].options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, []memory.Product{tt.p})
			_, err := f.client.AttachCard(context.Background(), buybutton.AttachCardParams{PostID: "post", MerchantID: shopID, ProductID: "p"})
			require.ErrorIs(t, err, buybutton.ErrInvalidInput)
			var ve *buybutton.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			_, err = f.client.Card("post")
			assert.ErrorIs(t, err, buybutton.ErrNotFound, "a refused attach attaches nothing")
		})
	}
}

func TestAttachRefusesBadParams(t *testing.T) {
	f := newFixture(t, nil)
	f.attach(t, "post", memory.DemoBook)
	tests := []struct {
		name string
		p    buybutton.AttachCardParams
		err  error
	}{
		{"empty post", buybutton.AttachCardParams{MerchantID: shopID, ProductID: memory.DemoSneaker}, buybutton.ErrInvalidInput},
		{"overlong post", buybutton.AttachCardParams{PostID: strings.Repeat("p", 129), MerchantID: shopID, ProductID: memory.DemoSneaker}, buybutton.ErrInvalidInput},
		{"product id over the byte limit", buybutton.AttachCardParams{PostID: "post", MerchantID: shopID, ProductID: strings.Repeat("€", 100)}, buybutton.ErrInvalidInput},
		{"unknown merchant", buybutton.AttachCardParams{PostID: "post", MerchantID: "nope", ProductID: memory.DemoSneaker}, buybutton.ErrUnknownMerchant},
		{"unknown product", buybutton.AttachCardParams{PostID: "post", MerchantID: shopID, ProductID: "nope"}, buybutton.ErrNotFound},
		{"expiry in the past", buybutton.AttachCardParams{PostID: "post", MerchantID: shopID, ProductID: memory.DemoSneaker, ExpiresAt: f.clock.Now().Add(-time.Second)}, buybutton.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client.AttachCard(context.Background(), tt.p)
			require.ErrorIs(t, err, tt.err)
			card, err := f.client.Card("post")
			require.NoError(t, err)
			assert.Equal(t, memory.DemoBook, card.Product.ID, "a refused attach leaves the post's card alone")
		})
	}
}

func TestHydrate(t *testing.T) {
	f := newFixture(t, nil)
	f.attach(t, "p1", memory.DemoSneaker)
	f.attach(t, "p3", memory.DemoBook)
	_, err := f.client.AttachCard(context.Background(), buybutton.AttachCardParams{
		PostID: "p4", MerchantID: shopID, ProductID: memory.DemoTee, ExpiresAt: f.clock.Now().Add(time.Hour),
	})
	require.NoError(t, err)

	var cards []*struct {
		PostID  string `json:"post_id"`
		Version int64
	}
	out := f.client.Hydrate(nil, []string{"p1", "p2", "p3", "p4"})
	require.NoError(t, json.Unmarshal(out, &cards))
	require.Len(t, cards, 4)
	assert.Equal(t, "p1", cards[0].PostID)
	assert.Nil(t, cards[1], "a post without a card is null")
	assert.Equal(t, "p3", cards[2].PostID)
	assert.Equal(t, "p4", cards[3].PostID)

	f.clock.Advance(time.Hour)
	require.NoError(t, json.Unmarshal(f.client.Hydrate(nil, []string{"p4"}), &cards))
	assert.Nil(t, cards[0], "an expired card is null")
	_, err = f.client.Card("p4")
	assert.ErrorIs(t, err, buybutton.ErrNotFound)

	assert.Equal(t, "[]", string(f.client.Hydrate(nil, nil)))
	buf := []byte("prefix:")
	assert.True(t, bytes.HasPrefix(f.client.Hydrate(buf, []string{"p1"}), []byte("prefix:[{")), "Hydrate appends")

	require.NoError(t, f.client.DetachCard(context.Background(), "p1"))
	assert.Equal(t, "[null]", string(f.client.Hydrate(nil, []string{"p1"})))
	assert.ErrorIs(t, f.client.DetachCard(context.Background(), "p1"), buybutton.ErrNotFound)
}

func TestStockChangeRerendersCard(t *testing.T) {
	f := newFixture(t, nil)
	f.attach(t, "post", memory.DemoSneaker)
	f.attach(t, "other-post", memory.DemoSneaker)
	availability := func(postID string) (string, map[string]string, int64) {
		var v struct {
			Version int64
			Product struct {
				Availability string
				Variants     []struct{ ID, Availability string }
			}
		}
		require.NoError(t, json.Unmarshal(f.hydrateOne(t, postID), &v))
		byVariant := map[string]string{}
		for _, vv := range v.Product.Variants {
			byVariant[vv.ID] = vv.Availability
		}
		return v.Product.Availability, byVariant, v.Version
	}
	_, variants, version := availability("post")
	assert.Equal(t, "in_stock", variants["trail-runner-9"])
	assert.Equal(t, "sold_out", variants["trail-runner-10"], "size 10 starts sold out")
	assert.Equal(t, int64(1), version)

	for _, size := range []string{"8", "9", "11"} {
		require.NoError(t, f.shop.SetStock("trail-runner-"+size, 0))
	}
	f.deliver(t)
	for _, post := range []string{"post", "other-post"} {
		product, variants, version := availability(post)
		assert.Equal(t, "sold_out", product, "every size gone: the card says so")
		assert.Equal(t, "sold_out", variants["trail-runner-9"])
		assert.Equal(t, int64(2), version, "one new version for the change, however many events")
	}

	require.NoError(t, f.shop.SetStock("trail-runner-9", 0)) // no visible change
	f.deliver(t)
	_, _, version = availability("post")
	assert.Equal(t, int64(2), version, "an event that changes nothing visible keeps the version")

	require.NoError(t, f.shop.SetPrice("trail-runner-9", money.MustParse("79.00", "USD")))
	f.deliver(t)
	card, err := f.client.Card("post")
	require.NoError(t, err)
	assert.Equal(t, int64(3), card.Version)
	assert.Contains(t, string(f.hydrateOne(t, "post")), `"79.00"`)
}

func TestHandleWebhookRefusesForgery(t *testing.T) {
	f := newFixture(t, nil)
	f.attach(t, "post", memory.DemoSneaker)
	require.NoError(t, f.shop.SetStock("trail-runner-9", 0))
	d := f.shop.TakeDeliveries()[0]
	d.Body = bytes.Replace(d.Body, []byte("stock"), []byte("stocK"), 1)
	err := f.client.HandleWebhook(context.Background(), shopID, d.Header, d.Body)
	assert.ErrorIs(t, err, provider.ErrWebhookSignature)
	assert.ErrorIs(t, f.client.HandleWebhook(context.Background(), "nope", d.Header, d.Body), buybutton.ErrUnknownMerchant)
}

func TestNewRefusesBadOptions(t *testing.T) {
	shop := memory.New(nil)
	for name, opts := range map[string]*buybutton.Options{
		"nil":          nil,
		"no merchants": {},
		"empty id":     {Merchants: []buybutton.Merchant{buybutton.MerchantFrom("", "x", shop)}},
		"duplicate id": {Merchants: []buybutton.Merchant{buybutton.MerchantFrom("a", "x", shop), buybutton.MerchantFrom("a", "y", shop)}},
		"no catalog":   {Merchants: []buybutton.Merchant{{ID: "a"}}},
	} {
		_, err := buybutton.New(opts)
		assert.ErrorIs(t, err, buybutton.ErrInvalidInput, name)
	}
}
