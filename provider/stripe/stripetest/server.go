// Package stripetest is a stand-in for Stripe's PaymentIntents and Refunds
// APIs, for tests of backends that use provider/stripe: it keeps the state
// stripe-mock cannot, and can have stripe-mock validate every request.
package stripetest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Server plays Stripe's PaymentIntents and Refunds APIs from
// responses in the shape of Stripe's API reference (testdata), keeping
// the state that stripe-mock, being stateless, cannot: statuses,
// captured and refunded amounts, and saved idempotent responses. It
// follows Stripe's documented rules:
//
//   - An idempotency key's first response is saved and replayed, with
//     Idempotent-Replayed: true, to any request with the same key and
//     parameters; other parameters are an idempotency_error
//     (https://docs.stripe.com/api/idempotent_requests).
//   - Stripe's test PaymentMethods (https://docs.stripe.com/testing):
//     pm_card_visa succeeds, pm_card_visa_chargeDeclined is declined with
//     a 402 card_error, pm_card_authenticationRequired needs 3-D Secure.
//     pm_fake_lost_response is the server's own: the first request with
//     its key is performed and its connection closed before the response.
//   - Capturing is only from requires_capture, at most amount_capturable;
//     cancelling only before success; refunds never above what is left
//     (amount_too_large, or charge_already_refunded once nothing is).
//   - A PaymentIntent's refunds are listed, newest first, by GET
//     /v1/refunds?payment_intent=…, each with the metadata it was made
//     with.
//   - GET /v1/invoice_payments lists none: the server makes no invoices;
//     GET /v1/disputes lists none either: no bank disputes here.
//   - PaymentIntents are found by search on one metadata value
//     (GET /v1/payment_intents/search?query=metadata['key']:'value'),
//     at once: Stripe's search lags writes by up to a minute.
//   - Keys are kept until [Server.ForgetIdempotencyKeys], which plays
//     Stripe pruning them after 24 hours.
//
// When stripe-mock is running, every request is first sent to it, and an
// answer of 4xx (a parameter Stripe's OpenAPI spec does not allow) is
// returned instead: the shapes are Stripe's, the state is this server's.
type Server struct {
	validate string // stripe-mock's URL, or ""

	mu       sync.Mutex
	next     int
	intents  map[string]*intent
	saved    map[string]savedResponse // by idempotency key
	requests []string                 // "METHOD path key", in order
	problems []string                 // requests it could not serve
	srv      *httptest.Server
}

type intent struct {
	id, currency, status, captureMethod, clientSecret string
	amount, capturable, received, refunded            int64
	metadata                                          map[string]string
	lastError                                         map[string]any
	refunds                                           []map[string]any // oldest first
}

type savedResponse struct {
	fingerprint string
	status      int
	body        []byte
}

//go:embed testdata
var apiFiles embed.FS

//go:embed testdata/payment_intent.json
var piTemplate []byte

//go:embed testdata/charge.json
var chargeTemplate []byte

//go:embed testdata/refund.json
var refundTemplate []byte

// NewServer starts a server on a loopback port. validate is stripe-mock's
// URL, or "" to validate nothing. Close it when done.
func NewServer(validate string) *Server {
	s := &Server{validate: validate, intents: map[string]*intent{}, saved: map[string]savedResponse{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL, for provider/stripe's Options.APIURL.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Problems returns what the server could not serve: a request stripe-mock
// refused, or an endpoint it does not play. A test should expect none.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// Requests returns the requests served so far, as "METHOD path key".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// PaymentIntents returns the ids of every PaymentIntent the server made,
// in the order it made them, those whose answer was lost included: what a
// test's closing check compares with what its backend recorded.
func (s *Server) PaymentIntents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.intents)) // numbered in order, zero-padded
}

// ForgetIdempotencyKeys drops every saved response, as Stripe does with a
// key 24 hours after its first use: a request with a forgotten key runs
// afresh.
func (s *Server) ForgetIdempotencyKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.saved)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.problem("%s %s: body %q: %v", r.Method, r.URL.Path, body, err)
	}
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	if s.validate != "" && !s.validByStripeMock(w, r, body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	s.requests = append(s.requests, r.Method+" "+r.URL.Path+" "+key)
	fp := r.Method + " " + r.URL.Path + " " + withoutExpand(form)
	if r.Method == http.MethodPost && key != "" {
		if saved, ok := s.saved[key]; ok {
			if saved.fingerprint != fp {
				writeFile(w, http.StatusBadRequest, "error_idempotency.json")
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			writeBody(w, saved.status, saved.body)
			return
		}
	}
	rec := httptest.NewRecorder()
	s.route(rec, r, form)
	if r.Method == http.MethodPost && key != "" {
		s.saved[key] = savedResponse{fingerprint: fp, status: rec.Code, body: rec.Body.Bytes()}
	}
	if form.Get("payment_method") == "pm_fake_lost_response" && key != "" {
		// Performed and saved; the response is lost on the way back.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	writeBody(w, rec.Code, rec.Body.Bytes())
}

// validByStripeMock sends the request to stripe-mock and passes on its
// answer if it refused the request's shape.
func (s *Server) validByStripeMock(w http.ResponseWriter, r *http.Request, body []byte) bool {
	req, err := http.NewRequest(r.Method, s.validate+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		s.problem("stripe-mock request: %v", err)
		return false
	}
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.problem("stripe-mock: %v", err)
		writeFile(w, http.StatusInternalServerError, "error_api.json")
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		out, _ := io.ReadAll(resp.Body)
		s.problem("stripe-mock refused %s %s: %s", r.Method, r.URL.Path, out)
		writeBody(w, resp.StatusCode, out)
		return false
	}
	return true
}

func (s *Server) route(w *httptest.ResponseRecorder, r *http.Request, form url.Values) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/payment_intents":
		s.createIntent(w, form)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/payment_intents/search":
		s.searchIntents(w, form.Get("query"))
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_intents":
		if pi := s.intent(w, parts[2]); pi != nil {
			s.writeIntent(w, http.StatusOK, pi)
		}
	case r.Method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "capture":
		if pi := s.intent(w, parts[2]); pi != nil {
			s.capture(w, pi, form)
		}
	case r.Method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		if pi := s.intent(w, parts[2]); pi != nil {
			s.cancel(w, pi)
		}
	case r.Method == http.MethodPost && r.URL.Path == "/v1/refunds":
		s.refund(w, form)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/refunds":
		s.listRefunds(w, form)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/invoice_payments":
		// The server makes no invoices: no PaymentIntent of its paid one.
		writeBody(w, http.StatusOK, []byte(`{"object":"list","url":"/v1/invoice_payments","has_more":false,"data":[]}`))
	case r.Method == http.MethodGet && r.URL.Path == "/v1/disputes":
		// No bank disputes a payment of the server's.
		writeBody(w, http.StatusOK, []byte(`{"object":"list","url":"/v1/disputes","has_more":false,"data":[]}`))
	default:
		s.problems = append(s.problems, r.Method+" "+r.URL.Path+" is not played")
		writeFile(w, http.StatusNotFound, "error_resource_missing.json")
	}
}

// metadataQuery is the one search clause the server plays: an exact
// metadata value, single-quoted, a backslash escaping a quote or itself.
var metadataQuery = regexp.MustCompile(`^metadata\['([^'\]]+)'\]:'((?:[^'\\]|\\.)*)'$`)

func (s *Server) searchIntents(w http.ResponseWriter, query string) {
	m := metadataQuery.FindStringSubmatch(query)
	if m == nil {
		s.problems = append(s.problems, "search query "+query+" is not played")
		writeFile(w, http.StatusBadRequest, "error_resource_missing.json")
		return
	}
	value := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[2])
	data := []any{}
	for _, id := range slices.Sorted(maps.Keys(s.intents)) {
		if pi := s.intents[id]; pi.metadata[m[1]] == value {
			data = append(data, s.intentJSON(pi))
		}
	}
	b, _ := json.Marshal(map[string]any{"object": "search_result", "url": "/v1/payment_intents/search", "has_more": false, "data": data})
	writeBody(w, http.StatusOK, b)
}

func (s *Server) intent(w http.ResponseWriter, id string) *intent {
	pi, ok := s.intents[id]
	if !ok {
		writeFile(w, http.StatusNotFound, "error_resource_missing.json")
	}
	return pi
}

func (s *Server) createIntent(w http.ResponseWriter, form url.Values) {
	s.next++
	id := fmt.Sprintf("pi_recorded%06d", s.next)
	amount, _ := strconv.ParseInt(form.Get("amount"), 10, 64)
	pi := &intent{
		id: id, currency: form.Get("currency"), amount: amount,
		captureMethod: cmp(form.Get("capture_method"), "automatic"),
		clientSecret:  id + "_secret_recorded",
		metadata:      metadataOf(form),
	}
	s.intents[id] = pi
	switch form.Get("payment_method") {
	case "pm_card_visa", "pm_fake_lost_response":
		s.succeed(pi)
	case "pm_card_authenticationRequired":
		pi.status = "requires_action"
	case "pm_card_visa_chargeDeclined":
		pi.status = "requires_payment_method"
		var e map[string]map[string]any
		_ = json.Unmarshal(readFile("error_card_declined.json"), &e)
		pi.lastError = maps.Clone(e["error"])
		e["error"]["payment_intent"] = s.intentJSON(pi)
		b, _ := json.Marshal(e)
		writeBody(w, http.StatusPaymentRequired, b)
		return
	default:
		writeBody(w, http.StatusBadRequest, []byte(`{"error":{"code":"resource_missing","message":"No such PaymentMethod","param":"payment_method","type":"invalid_request_error"}}`))
		return
	}
	s.writeIntent(w, http.StatusOK, pi)
}

// succeed moves a confirmed PaymentIntent on: to requires_capture under
// manual capture, to succeeded otherwise.
func (s *Server) succeed(pi *intent) {
	if pi.captureMethod == "manual" {
		pi.status, pi.capturable = "requires_capture", pi.amount
		return
	}
	pi.status, pi.received = "succeeded", pi.amount
}

// CompleteAction plays the buyer finishing (ok) or failing 3-D Secure on
// a PaymentIntent in requires_action. It reports whether there was one.
func (s *Server) CompleteAction(id string, ok bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, found := s.intents[id]
	if !found || pi.status != "requires_action" {
		return false
	}
	if ok {
		s.succeed(pi)
	} else {
		pi.status = "requires_payment_method"
		pi.lastError = map[string]any{"type": "card_error", "code": "payment_intent_authentication_failure", "message": "The provided PaymentMethod has failed authentication."}
	}
	return true
}

func (s *Server) capture(w http.ResponseWriter, pi *intent, form url.Values) {
	if pi.status != "requires_capture" {
		writeFile(w, http.StatusBadRequest, "error_unexpected_state.json")
		return
	}
	amount := pi.capturable
	if v := form.Get("amount_to_capture"); v != "" {
		amount, _ = strconv.ParseInt(v, 10, 64)
	}
	if amount > pi.capturable {
		writeFile(w, http.StatusBadRequest, "error_amount_too_large.json")
		return
	}
	pi.status, pi.received, pi.capturable = "succeeded", amount, 0
	s.writeIntent(w, http.StatusOK, pi)
}

func (s *Server) cancel(w http.ResponseWriter, pi *intent) {
	switch pi.status {
	case "requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing":
		pi.status, pi.capturable = "canceled", 0
		s.writeIntent(w, http.StatusOK, pi)
	default:
		writeFile(w, http.StatusBadRequest, "error_unexpected_state.json")
	}
}

func (s *Server) refund(w http.ResponseWriter, form url.Values) {
	pi := s.intent(w, form.Get("payment_intent"))
	if pi == nil {
		return
	}
	left := pi.received - pi.refunded
	amount := left
	if v := form.Get("amount"); v != "" {
		amount, _ = strconv.ParseInt(v, 10, 64)
	}
	switch {
	case pi.status != "succeeded":
		writeFile(w, http.StatusBadRequest, "error_unexpected_state.json")
		return
	case left == 0:
		writeFile(w, http.StatusBadRequest, "error_charge_already_refunded.json")
		return
	case amount > left:
		writeFile(w, http.StatusBadRequest, "error_amount_too_large.json")
		return
	}
	pi.refunded += amount
	s.next++
	obj := template(refundTemplate)
	obj["id"], obj["amount"], obj["currency"], obj["payment_intent"], obj["charge"] = fmt.Sprintf("re_recorded%06d", s.next), amount, pi.currency, pi.id, "ch_"+pi.id
	obj["metadata"] = metadataOf(form)
	pi.refunds = append(pi.refunds, obj)
	b, _ := json.Marshal(obj)
	writeBody(w, http.StatusOK, b)
}

// listRefunds lists one PaymentIntent's refunds, newest first, on one
// page.
func (s *Server) listRefunds(w http.ResponseWriter, form url.Values) {
	pi := s.intent(w, form.Get("payment_intent"))
	if pi == nil {
		return
	}
	data := slices.Clone(pi.refunds)
	slices.Reverse(data)
	b, _ := json.Marshal(map[string]any{"object": "list", "url": "/v1/refunds", "has_more": false, "data": data})
	writeBody(w, http.StatusOK, b)
}

func (s *Server) writeIntent(w http.ResponseWriter, status int, pi *intent) {
	b, _ := json.Marshal(s.intentJSON(pi))
	writeBody(w, status, b)
}

func (s *Server) intentJSON(pi *intent) map[string]any {
	obj := template(piTemplate)
	obj["id"], obj["amount"], obj["currency"], obj["status"] = pi.id, pi.amount, pi.currency, pi.status
	obj["capture_method"], obj["client_secret"] = pi.captureMethod, pi.clientSecret
	obj["amount_capturable"], obj["amount_received"] = pi.capturable, pi.received
	obj["metadata"] = maps.Clone(pi.metadata)
	obj["last_payment_error"] = pi.lastError
	if pi.status == "requires_action" {
		obj["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
	}
	if pi.received > 0 {
		ch := template(chargeTemplate)
		ch["id"], ch["amount"], ch["amount_captured"], ch["amount_refunded"] = "ch_"+pi.id, pi.received, pi.received, pi.refunded
		ch["currency"], ch["payment_intent"], ch["refunded"] = pi.currency, pi.id, pi.refunded == pi.received
		obj["latest_charge"] = ch
	}
	return obj
}

// metadataOf collects a request's metadata[name] fields.
func metadataOf(form url.Values) map[string]string {
	m := map[string]string{}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok {
			m[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return m
}

func template(b []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

func readFile(name string) []byte {
	b, err := apiFiles.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

func writeFile(w http.ResponseWriter, status int, name string) { writeBody(w, status, readFile(name)) }

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_recorded")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// withoutExpand is the form's canonical encoding, leaving out expand,
// which changes the answer's shape and not the request's meaning.
func withoutExpand(form url.Values) string {
	f := url.Values{}
	for k, v := range form {
		if !strings.HasPrefix(k, "expand") {
			f[k] = v
		}
	}
	return f.Encode()
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
