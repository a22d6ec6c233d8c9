package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// artifacts is where screenshots go: BROWSERTEST_ARTIFACTS, or
// ./artifacts. CI keeps the directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("BROWSERTEST_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromium finds the browser: CHROMIUM, or Debian's /usr/bin/chromium.
// Missing is a failure in CI and a skip (with what to do) elsewhere.
func chromium(t *testing.T) string {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chromium at %s: the test script installs it (apt-get install chromium)", path)
		}
		t.Skipf("no Chromium at %s: run ./scripts/test, which installs it, or set CHROMIUM", path)
	}
	return path
}

// serve builds and starts the demo on a free port, and returns its URL.
func serve(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "timeline")
	build := exec.Command("go", "build", "-o", bin, "./examples/timeline")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; {
		if res, err := http.Get(url + "/"); err == nil {
			res.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// browser starts headless Chromium with the flags this machine needs (no
// sandbox as root, no background networking on a closed network), and
// collects console errors and uncaught exceptions; any fails the test.
func browser(t *testing.T, width, height int64) context.Context {
	// Not t.TempDir: Chromium's helper processes may still be writing to
	// their profile when the test ends, and t.TempDir fails the test if it
	// cannot remove it. This one is removed as well as can be.
	profile, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(int(width), int(height)),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unhandled node event") {
			t.Logf("chromedp: %s", msg) // the driver's own complaints, not the page's
		}
	}))
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, "console.error: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "uncaught: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError && !expectedError(ev.Entry) {
				problems = append(problems, "browser log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable()); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // close the browser gracefully first
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("the page logged an error: %s", p)
		}
	})
	return ctx
}

// expectedError is a browser log entry the demo causes on purpose: the
// API answers a declined card or bad input with a 4xx, which Chromium logs
// as a failed resource load. The page shows the API's message, and the
// tests check that it does.
func expectedError(e *log.Entry) bool {
	return e.Source == log.SourceNetwork && strings.Contains(e.URL, "/api/") && strings.Contains(e.Text, "status of 4")
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// stepTimeout bounds one step, so that a step that waits for what never
// comes fails on its own, with a screenshot, while the browser's context
// still has time for one.
const stepTimeout = 30 * time.Second

// run runs actions, failing the test with the step's name.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Run(stepCtx, actions...); err != nil {
		screenshot(t, ctx, "failed-"+strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, step))
		var shown string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll('.error')].map(e => e.textContent).join(' | ')`, &shown))
		t.Fatalf("%s: %v (messages on the page: %q)", step, err, shown)
	}
}

// setValue types a value into an input the way a paste would: it
// replaces what is there and fires the input event.
func setValue(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); })()`, sel, value), nil)
}

// closeSheet closes the checkout sheet and waits for the timeline it
// redraws (with new stock, progress and one-tap offers).
func closeSheet() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var before int
		if err := chromedp.Evaluate(`window.timelineLoads`, &before).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Click(`#sheet-close`, chromedp.ByQuery).Do(ctx); err != nil {
			return err
		}
		return chromedp.Poll(fmt.Sprintf(`window.timelineLoads > %d`, before), nil, chromedp.WithPollingTimeout(15*time.Second)).Do(ctx)
	})
}

func waitText(sel, want string) chromedp.Action {
	return chromedp.Poll(fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '').includes(%q)`, sel, want), nil, chromedp.WithPollingTimeout(15*time.Second))
}

// anotherCardAtTheBankStep pays the open sheet with a card that asks for
// a bank step, then, at the step, pays with a card that approves instead.
func anotherCardAtTheBankStep() chromedp.Action {
	return chromedp.Tasks{
		chromedp.SetValue(`#sheet select[name=token]`, "tok_action_required", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Your bank"),
		chromedp.Click(`#sheet .bank button.another`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sheet select[name=token]`),
		chromedp.SetValue(`#sheet select[name=token]`, "tok_approve", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
	}
}

// shipTo fills the open sheet's address form, continues to shipping, takes
// the first option and continues to payment.
func shipTo(line1, city, region, postalCode string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(`#sheet input[name=line1]`),
		chromedp.SendKeys(`#sheet input[name=line1]`, line1),
		chromedp.SendKeys(`#sheet input[name=city]`, city),
		chromedp.SendKeys(`#sheet input[name=region]`, region),
		chromedp.SendKeys(`#sheet input[name=postal_code]`, postalCode),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sheet input[name=option_id]`),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sheet select[name=token]`),
	}
}

func TestBuyAndDonateInABrowser(t *testing.T) {
	url := serve(t)
	ctx := browser(t, 1000, 1400)

	run(t, ctx, "open the timeline",
		chromedp.Navigate(url),
		chromedp.Poll(`window.timelineLoads > 0`, nil),
		chromedp.WaitVisible(`#post-1 .card`),
		chromedp.WaitVisible(`#post-6 .card.donate`),
	)
	screenshot(t, ctx, "01-timeline")
	// UPDATE_README_SCREENSHOT=1 rewrites the README's picture: the top of
	// the page as a viewer first sees it.
	if os.Getenv("UPDATE_README_SCREENSHOT") != "" {
		var png []byte
		run(t, ctx, "README screenshot",
			chromedp.EmulateViewport(1000, 1900),
			chromedp.CaptureScreenshot(&png),
			chromedp.EmulateViewport(1000, 1400),
		)
		if err := os.WriteFile(filepath.Join("..", "..", "..", "docs", "timeline.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var soldOut bool
	run(t, ctx, "size 10 is sold out",
		chromedp.Evaluate(`[...document.querySelectorAll('#post-1 option')].some(o => o.textContent.includes('10 (sold out)') && o.disabled)`, &soldOut))
	if !soldOut {
		t.Error("size 10 should show as sold out, and not be choosable")
	}
	var markupAsText bool
	run(t, ctx, "markup is text",
		chromedp.Evaluate(`document.querySelector('#post-2 .text').textContent.includes('<b>Paperback</b>') && !document.querySelector('#post-2 .text b')`, &markupAsText))
	if !markupAsText {
		t.Error("a post's markup must show as text")
	}
	var titleAsText bool
	run(t, ctx, "a product title with markup is text",
		chromedp.Evaluate(`document.querySelector('#post-7 h2').textContent === 'Stickers: "<Go>" & friends' && document.querySelectorAll('#post-7 h2 *').length === 0`, &titleAsText))
	if !titleAsText {
		t.Error("a product title with markup must show as text")
	}

	run(t, ctx, "buy size 9",
		chromedp.SetValue(`#post-1 select`, "trail-runner-9", chromedp.ByQuery),
		chromedp.Click(`#post-1 button.primary`, chromedp.ByQuery),
		shipTo("1 Market St", "San Francisco", "CA", "94105"),
	)
	run(t, ctx, "a declined card",
		chromedp.SetValue(`#sheet select[name=token]`, "tok_decline", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-error`, "declined"),
	)
	screenshot(t, ctx, "02-declined")
	run(t, ctx, "a good card, saved",
		chromedp.SetValue(`#sheet select[name=token]`, "tok_approve", chromedp.ByQuery),
		chromedp.Click(`#save-details`, chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-title`, "Thank you!"),
		waitText(`#sheet-body`, "is placed"),
	)
	screenshot(t, ctx, "03-confirmation")

	run(t, ctx, "the order in Orders",
		closeSheet(),
		chromedp.Click(`#show-orders`, chromedp.ByQuery),
		waitText(`#orders-list`, "placed, payment captured"),
		waitText(`#orders-list`, "trail-runner-9"),
	)
	screenshot(t, ctx, "04-orders")
	run(t, ctx, "cancel it",
		chromedp.Click(`#orders-list button`, chromedp.ByQuery),
		waitText(`#orders-list`, "canceled, payment refunded"),
		chromedp.Click(`#orders-close`, chromedp.ByQuery),
	)

	run(t, ctx, "one tap with the saved details",
		chromedp.WaitVisible(`#post-2 .one-tap button`),
		chromedp.Click(`#post-2 .one-tap button`, chromedp.ByQuery),
		waitText(`#sheet-body`, "is placed"),
		closeSheet(),
	)

	run(t, ctx, "the e-book, with a card that asks for a bank step",
		chromedp.Click(`#post-5 button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sheet select[name=token]`),
		chromedp.SetValue(`#sheet select[name=token]`, "tok_action_required", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Your bank"),
	)
	screenshot(t, ctx, "05-bank-step")
	run(t, ctx, "approve the step",
		chromedp.Click(`#sheet .bank button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "is placed"),
		closeSheet(),
	)
	run(t, ctx, "the e-book again, a bank step, and another card instead",
		chromedp.Click(`#post-5 button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sheet select[name=token]`),
		anotherCardAtTheBankStep(),
		waitText(`#sheet-body`, "is placed"),
		closeSheet(),
	)

	var cardSaysFree bool
	run(t, ctx, "the free sample, with no card",
		chromedp.Evaluate(`document.querySelector('#post-8 .price').textContent === 'Free'`, &cardSaysFree),
		chromedp.Click(`#post-8 button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Nothing to pay"),
	)
	var asksForACard bool
	run(t, ctx, "no card asked for",
		chromedp.Evaluate(`document.querySelector('#sheet select[name=token]') !== null`, &asksForACard))
	if !cardSaysFree || asksForACard {
		t.Errorf("the free sample: card says Free %t, a card asked for %t; want true, false", cardSaysFree, asksForACard)
	}
	screenshot(t, ctx, "05b-free-sample")
	run(t, ctx, "get it",
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "is placed"),
		closeSheet(),
		chromedp.Click(`#show-orders`, chromedp.ByQuery),
		waitText(`#orders-list`, "placed, nothing to pay, 0.00 USD"),
		chromedp.Click(`#orders-close`, chromedp.ByQuery),
	)

	run(t, ctx, "the book with the page's discount code, after one that does not apply",
		chromedp.Click(`#post-2 button.primary`, chromedp.ByQuery),
		shipTo("1 Market St", "San Francisco", "CA", "94105"),
		setValue(`#sheet input[name=code]`, "NOPE"),
		chromedp.Click(`#sheet form.discount button`, chromedp.ByQuery),
		waitText(`#sheet-error`, "does not apply"),
		setValue(`#sheet input[name=code]`, "gophers10"),
		chromedp.Click(`#sheet form.discount button`, chromedp.ByQuery),
		waitText(`#sheet-body`, "−4.00 USD"),
		waitText(`#sheet-body`, "Pay 43.60 USD"),
	)
	screenshot(t, ctx, "05c-discount-code")
	run(t, ctx, "pay the discounted total",
		chromedp.SetValue(`#sheet select[name=token]`, "tok_approve", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Total paid: 43.60 USD"),
		closeSheet(),
	)

	run(t, ctx, "the book, a bank step, and a new address instead",
		chromedp.Click(`#post-2 button.primary`, chromedp.ByQuery),
		shipTo("1 Market St", "San Francisco", "CA", "94105"),
		chromedp.SetValue(`#sheet select[name=token]`, "tok_action_required", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Your bank"),
		chromedp.Click(`#sheet .bank button.edit`, chromedp.ByQuery),
		shipTo("1 Pearl St", "Portland", "OR", "97209"),
		chromedp.SetValue(`#sheet select[name=token]`, "tok_approve", chromedp.ByQuery),
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "is placed"),
		closeSheet(),
	)

	run(t, ctx, "donate 25.00, covering the fee",
		setValue(`#post-6 input[name=name]`, "Grace Viewer"),
		chromedp.Click(`#post-6 form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Processing fee"),
		waitText(`#sheet-body`, "26.06 USD"),
	)
	screenshot(t, ctx, "06-donate-total")
	run(t, ctx, "pay the donation",
		chromedp.Click(`#sheet form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body pre.receipt`, "Processing fee covered: 1.06 USD"),
		waitText(`#sheet-body pre.receipt`, "Tax-deductible amount: 26.06 USD"),
		waitText(`#sheet-body pre.receipt`, "Donor: Grace Viewer"),
	)
	screenshot(t, ctx, "07-receipt")
	run(t, ctx, "the card shows the gift, and the donor's name",
		closeSheet(),
		waitText(`#post-6 .progress`, "25.00 USD raised from 1 donor"),
		waitText(`#post-6`, "Recent supporters: Grace Viewer"),
	)
	run(t, ctx, "give 10.00 every month: a bank step, and another card instead",
		setValue(`#post-6 input[name=name]`, "Grace Viewer"),
		chromedp.Click(`#amount-post-6-0`, chromedp.ByQuery),
		chromedp.Click(`#monthly-post-6`, chromedp.ByQuery),
		chromedp.Click(`#post-6 form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-body`, "Processing fee"),
		anotherCardAtTheBankStep(),
		waitText(`#sheet-body pre.receipt`, "Monthly"),
		closeSheet(),
	)
	run(t, ctx, "the gifts on the giving page, and the monthly one stopped",
		chromedp.Click(`#show-giving`, chromedp.ByQuery),
		waitText(`#monthly-list`, "a month: active, 1 month given, next on"),
		waitText(`#donations-list`, "(monthly)"),
		waitText(`#donations-list`, "26.06 USD"),
	)
	var listed struct{ Monthly, Donations int }
	run(t, ctx, "count what is listed",
		chromedp.Evaluate(`({Monthly: document.querySelectorAll('#monthly-list li').length, Donations: document.querySelectorAll('#donations-list li').length})`, &listed),
	)
	if listed.Monthly != 1 || listed.Donations != 2 {
		t.Errorf("giving lists %d monthly gifts and %d donations, want 1 and 2: the gift given up for another card is no one's", listed.Monthly, listed.Donations)
	}
	screenshot(t, ctx, "09-giving")
	run(t, ctx, "stop giving monthly",
		chromedp.Click(`#monthly-list button`, chromedp.ByQuery),
		waitText(`#monthly-list`, "a month: canceled"),
	)
	run(t, ctx, "this year's statement lists the gifts",
		chromedp.Click(`#show-statement`, chromedp.ByQuery),
		waitText(`#statement`, "Giving statement for"),
		waitText(`#statement`, "Clean Water Fund"),
		waitText(`#statement`, "Total: "),
	)
	run(t, ctx, "take the donor's name off the post",
		waitText(`#named-list`, `Take my name off "Wells for Wajir"`),
		chromedp.Click(`#named-list button`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelectorAll('#named-list li').length === 0`, nil),
		chromedp.Click(`#giving-close`, chromedp.ByQuery),
		chromedp.Poll(`!document.querySelector('#post-6').textContent.includes('Recent supporters')`, nil),
		waitText(`#post-6 .progress`, "raised from 1 donor"),
	)
}

func TestBadDonationAmountIsAClearMessage(t *testing.T) {
	url := serve(t)
	ctx := browser(t, 1000, 1400)
	run(t, ctx, "a custom amount that is not one",
		chromedp.Navigate(url),
		chromedp.Poll(`window.timelineLoads > 0`, nil),
		chromedp.WaitVisible(`#post-6 .card.donate`),
		setValue(`#post-6 input[name=custom]`, "lots"),
		chromedp.Click(`#post-6 form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-error`, "Enter an amount such as 25.00."),
	)
	run(t, ctx, "an amount above the maximum",
		closeSheet(),
		setValue(`#post-6 input[name=custom]`, "999999"),
		chromedp.Click(`#post-6 form button.primary`, chromedp.ByQuery),
		waitText(`#sheet-error`, "Give an amount from 0.50 USD to 5000.00 USD."),
	)
}

// TestKeyboardAndNarrowScreen: on a phone-sized screen nothing scrolls
// sideways, every control has a label, and the Orders view opens and
// closes from the keyboard alone.
func TestKeyboardAndNarrowScreen(t *testing.T) {
	url := serve(t)
	ctx := browser(t, 375, 800)
	var overflow, unlabelled int64
	run(t, ctx, "narrow page",
		chromedp.Navigate(url),
		chromedp.Poll(`window.timelineLoads > 0`, nil),
		chromedp.WaitVisible(`#post-6 .card.donate`),
		chromedp.Evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow),
		chromedp.Evaluate(`[...document.querySelectorAll('input, select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).length`, &unlabelled),
	)
	screenshot(t, ctx, "08-narrow")
	if overflow > 0 {
		t.Errorf("the page is %dpx wider than a 375px screen", overflow)
	}
	if unlabelled > 0 {
		t.Errorf("%d controls have no label", unlabelled)
	}
	var focused string
	run(t, ctx, "start from the top", chromedp.Evaluate(`document.activeElement && document.activeElement.blur()`, nil))
	for range 3 {
		run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`document.activeElement.id || document.activeElement.textContent`, &focused))
		if focused == "show-orders" {
			break
		}
	}
	if focused != "show-orders" {
		t.Fatalf("Tab reached %q, want the Your orders button among the first stops", focused)
	}
	var open bool
	run(t, ctx, "open Orders with Enter",
		chromedp.KeyEvent(kb.Enter),
		waitText(`#orders-list`, "No orders yet."),
		chromedp.Evaluate(`document.getElementById('orders').open`, &open),
	)
	if !open {
		t.Fatal("Enter on Your orders did not open the Orders view")
	}
	run(t, ctx, "close with Escape",
		chromedp.KeyEvent(kb.Escape),
		chromedp.Poll(`!document.getElementById('orders').open`, nil, chromedp.WithPollingTimeout(5*time.Second)),
	)
}
