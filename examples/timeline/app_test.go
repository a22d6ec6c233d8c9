package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	if page.Cards[2] != nil {
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
