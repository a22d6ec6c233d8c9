package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAPINeverA500: whatever a client posts to the demo's API, with any
// id in the path, the answer is never a 500: bad input is a 4xx with a
// message, and only a payment whose outcome is unknown is a 503.
func FuzzAPINeverA500(f *testing.F) {
	routes := []string{
		"/api/checkouts", "/api/checkouts/{id}/address", "/api/checkouts/{id}/shipping", "/api/checkouts/{id}/confirm",
		"/api/buy-now", "/api/orders/{id}/cancel", "/api/authenticate", "/api/donations", "/api/donations/{id}/confirm",
		"/api/checkouts/{id}/discount", "/api/monthly/{id}/cancel", "/api/campaigns/{id}/hide-my-name",
	}
	f.Add(uint8(0), "", `{"product_id":"trail-runner","variant_id":"trail-runner-9"}`)
	f.Add(uint8(1), "", `{"name":"Ada","line1":"1 Market St","city":"San Francisco","region":"CA","postal_code":"94105","country":"US"}`)
	f.Add(uint8(2), "", `{"option_id":"standard"}`)
	f.Add(uint8(3), "", `{"token":"tok_approve"}`)
	f.Add(uint8(4), "", `{"product_id":"trail-runner","variant_id":"trail-runner-9","saved_id":"x"}`)
	f.Add(uint8(5), "ord_1", ``)
	f.Add(uint8(6), "", `{"client_secret":"x","approve":true}`)
	f.Add(uint8(7), "", `{"campaign_id":"x","amount":"25.00","currency":"USD"}`)
	f.Add(uint8(8), "%2e%2e", `{"token":"tok_unknown_outcome"}`)
	f.Add(uint8(9), "", `{"code":"GOPHERS10"}`)
	f.Add(uint8(11), "cmp_\x00", ``)
	a, err := newApp(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	server := httptest.NewServer(a.routes())
	f.Cleanup(server.Close)
	srv := server.URL
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(srv + "/")
	if err != nil {
		f.Fatal(err)
	}
	res.Body.Close()
	// A checkout of the viewer's, so that ids in the path can be real.
	res, err = client.Post(srv+"/api/checkouts", "application/json", strings.NewReader(`{"product_id":"trail-runner","variant_id":"trail-runner-9"}`))
	if err != nil {
		f.Fatal(err)
	}
	var co struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&co)
	res.Body.Close()
	f.Fuzz(func(t *testing.T, route uint8, id, body string) {
		if id == "" {
			id = co.ID
		}
		path := strings.ReplaceAll(routes[int(route)%len(routes)], "{id}", url.PathEscape(id))
		res, err := client.Post(srv+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("POST %s %q = %d %s", path, body, res.StatusCode, b)
		}
	})
}
