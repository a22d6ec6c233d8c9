// Command timeline serves a timeline page whose posts carry product cards
// and a Donate card, on the in-memory merchant, using buybutton only
// through its public API.
//
//	go run ./examples/timeline            # http://127.0.0.1:8080
//	go run ./examples/timeline -addr :9000
//
// The page reads the posts and their hydrated cards from /api/timeline and
// draws each card: image, title, price and compare-at price, and the
// variant picker with sold-out sizes marked; the Donate card's preset and
// custom amounts, cover-the-fee and anonymity. Buy opens a checkout sheet
// (address, shipping, a test payment token, confirmation; saved details
// make the next purchase one tap), Orders lists the viewer's orders with
// cancel where allowed, and Donate ends with the receipt. Everything goes
// through the small JSON API in api.go; the page is plain JavaScript.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "timeline:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, addr string) error {
	app, err := newApp(ctx)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	// The library starts no goroutines: expiring checkouts and finishing
	// what a lost answer or a platform that was down left owed (refunds,
	// cancellations) is a loop the host runs.
	go func() {
		_ = app.client.RunMaintenance(ctx, time.Minute, func(err error) { slog.Warn("maintenance", "err", err) })
	}()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("timeline demo", "url", "http://"+addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
