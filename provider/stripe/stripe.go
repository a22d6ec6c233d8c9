package stripe

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Options configure a [Provider].
type Options struct {
	// SecretKey is the account's secret or restricted API key (sk_… or
	// rk_…). Required.
	SecretKey string

	// WebhookSecrets are the signing secrets (whsec_…) of the webhook
	// endpoint. A delivery signed with any of them is accepted, so that a
	// secret can be rolled: list the new one beside the old until Stripe
	// stops signing with the old. Required for VerifyWebhook.
	WebhookSecrets []string

	// WebhookTolerance is how far a delivery's signed timestamp may be from
	// now. Zero means 5 minutes, Stripe's own default.
	WebhookTolerance time.Duration

	// Nonprofits are the organisations donations may go to. Stripe has no
	// directory of nonprofits: the backend vouches for each one it lists
	// here (Verified) after checking its registration.
	Nonprofits []Nonprofit

	// ChargeTerms are the account's minimum charge and card pricing per
	// currency, used to validate donations and to gross up a covered fee;
	// their minimum is also the least a payment may hold (see
	// Provider.MinimumCharge). Stripe's pricing depends on the account's
	// country and contract, so only USD has a default ([USChargeTerms]);
	// donations in a currency without terms are provider.ErrInvalidRequest.
	ChargeTerms map[money.Currency]provider.ChargeTerms

	// APIURL replaces https://api.stripe.com, for stripe-mock or a proxy.
	APIURL string

	// HTTPClient replaces the client requests go through. Its Timeout
	// bounds each attempt; the context bounds the whole call.
	HTTPClient *http.Client

	// MaxNetworkRetries is how often a request that failed in a way Stripe
	// calls retriable (a network error, a 409, a 5xx, or any answer with
	// Stripe-Should-Retry: true) is sent again, with the same idempotency
	// key, before the call gives up. Nil means 2, stripe-go's default. The
	// waits grow from half a second, as stripe-go's do.
	MaxNetworkRetries *int64

	// Now is the clock for webhook tolerance and for the age of the
	// library's idempotency keys; nil means time.Now.
	Now func() time.Time
}

// Nonprofit is a nonprofit donations may go to.
type Nonprofit struct {
	provider.Nonprofit
	// Account is the nonprofit's connected account (acct_…). Its donations
	// are destination charges settled to it, with it as the merchant of
	// record. Empty when the Stripe account is the nonprofit's own.
	Account string
}

// Provider implements provider.Payments, provider.Donations,
// provider.MonthlyDonations, provider.DonationWithdrawals and
// provider.Webhooks on Stripe's API, and tells its charge units and
// minimum charges. It is safe for concurrent use.
type Provider struct {
	api         *stripego.Client
	secrets     [][]byte
	tolerance   time.Duration
	nonprofits  map[string]Nonprofit
	chargeTerms map[money.Currency]provider.ChargeTerms
	now         func() time.Time
}

var (
	_ provider.Payments            = (*Provider)(nil)
	_ provider.Donations           = (*Provider)(nil)
	_ provider.MonthlyDonations    = (*Provider)(nil)
	_ provider.MonthlyHistories    = (*Provider)(nil)
	_ provider.RefundHistories     = (*Provider)(nil)
	_ provider.DisputeHistories    = (*Provider)(nil)
	_ provider.Webhooks            = (*Provider)(nil)
	_ provider.DonationWithdrawals = (*Provider)(nil)
	_ provider.ChargeUnits         = (*Provider)(nil)
	_ provider.MinimumCharges      = (*Provider)(nil)
)

// USChargeTerms are Stripe's standard pricing for domestic cards on a US
// account (https://stripe.com/pricing): 2.9% + 0.30 USD, rounded half up
// to the cent, and its minimum charge of 0.50 USD
// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
func USChargeTerms() provider.ChargeTerms {
	return provider.ChargeTerms{
		Minimum:     money.MustParse("0.50", "USD"),
		FeeRate:     mustDecimal("0.029"),
		FeeFixed:    money.MustParse("0.30", "USD"),
		FeeRounding: money.HalfUp,
	}
}

// New returns a provider for the account of opts.SecretKey.
func New(opts Options) (*Provider, error) {
	if opts.SecretKey == "" {
		return nil, fmt.Errorf("stripe: no secret key: %w", provider.ErrInvalidRequest)
	}
	p := &Provider{
		tolerance:   opts.WebhookTolerance,
		nonprofits:  make(map[string]Nonprofit, len(opts.Nonprofits)),
		chargeTerms: map[money.Currency]provider.ChargeTerms{"USD": USChargeTerms()},
		now:         opts.Now,
	}
	if p.tolerance <= 0 {
		p.tolerance = 5 * time.Minute
	}
	if p.now == nil {
		p.now = time.Now
	}
	for _, s := range opts.WebhookSecrets {
		if s == "" {
			return nil, fmt.Errorf("stripe: an empty webhook secret: %w", provider.ErrInvalidRequest)
		}
		p.secrets = append(p.secrets, []byte(s))
	}
	for _, n := range opts.Nonprofits {
		if n.ID == "" || len(n.ID) > provider.MaxIDLength {
			return nil, fmt.Errorf("stripe: nonprofit id %q: %w", n.ID, provider.ErrInvalidRequest)
		}
		p.nonprofits[n.ID] = n
	}
	for c, t := range opts.ChargeTerms {
		if err := t.Validate(c); err != nil {
			return nil, fmt.Errorf("stripe: charge terms for %s: %w", c, err)
		}
		p.chargeTerms[c] = t
	}
	retries := int(stripego.DefaultMaxNetworkRetries)
	if opts.MaxNetworkRetries != nil {
		retries = int(max(*opts.MaxNetworkRetries, 0))
	}
	hc := &http.Client{Timeout: 80 * time.Second} // stripe-go's default
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		hc = &c
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &retryTransport{next: next, retries: retries, base: retryBase}
	cfg := &stripego.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripego.Int64(0), // retryTransport retries
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		EnableTelemetry:   stripego.Bool(false),
	}
	if opts.APIURL != "" {
		cfg.URL = stripego.String(opts.APIURL)
	}
	p.api = stripego.NewClient(opts.SecretKey, stripego.WithBackends(stripego.NewBackendsWithConfig(cfg)))
	return p, nil
}

// retryBase is the first wait between tries of a request.
var retryBase = 500 * time.Millisecond

// errNoWebhookSecret is returned by VerifyWebhook when no secret is set.
var errNoWebhookSecret = errors.New("stripe: no webhook secret configured")
