package buybutton

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// checkID checks an id or key: 1 to maxBytes bytes (ids are limited in
// bytes, as platforms store them) of valid UTF-8 without control
// characters.
func checkID(field, id string, maxBytes int) error {
	if len(id) > maxBytes {
		return invalid(field, "longer than %d bytes", maxBytes)
	}
	return checkText(field, id, 1, maxBytes, false)
}

// checkText checks that s is valid UTF-8 without control characters (but
// newlines and tabs when multiline), and between min and max in length:
// runes for text a person reads, bytes for ids.
func checkText(field, s string, minLen, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return invalid(field, "not valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if n < minLen {
		if minLen == 1 {
			return invalid(field, "required")
		}
		return invalid(field, "shorter than %d characters", minLen)
	}
	if n > maxLen || len(s) > 4*maxLen {
		return invalid(field, "longer than %d characters", maxLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return invalid(field, "contains control character %U", r)
		}
	}
	return nil
}

// validateProduct checks a catalog's product against the card limits
// before anything is rendered or stored.
func validateProduct(p provider.Product) error {
	if err := checkID("product.id", p.ID, provider.MaxIDLength); err != nil {
		return err
	}
	if strings.TrimSpace(p.Title) == "" {
		return invalid("product.title", "required")
	}
	if err := checkText("product.title", p.Title, 1, MaxTitleLength, false); err != nil {
		return err
	}
	if err := checkText("product.description", p.Description, 0, MaxDescriptionLength, true); err != nil {
		return err
	}
	if len(p.Images) > MaxImages {
		return invalid("product.images", "%d images, at most %d", len(p.Images), MaxImages)
	}
	for i, img := range p.Images {
		field := fmt.Sprintf("product.images[%d]", i)
		if err := checkHTTPSURL(field+".url", img.URL); err != nil {
			return err
		}
		if err := checkText(field+".alt", img.Alt, 0, MaxAltLength, false); err != nil {
			return err
		}
	}
	if len(p.Options) > MaxOptions {
		return invalid("product.options", "%d options, at most %d", len(p.Options), MaxOptions)
	}
	for i, o := range p.Options {
		field := fmt.Sprintf("product.options[%d]", i)
		if err := checkText(field+".name", o.Name, 1, MaxOptionLength, false); err != nil {
			return err
		}
		if len(o.Values) == 0 || len(o.Values) > MaxOptionValues {
			return invalid(field+".values", "%d values, want 1 to %d", len(o.Values), MaxOptionValues)
		}
		for j, v := range o.Values {
			if err := checkText(fmt.Sprintf("%s.values[%d]", field, j), v, 1, MaxOptionLength, false); err != nil {
				return err
			}
		}
	}
	if len(p.Variants) == 0 || len(p.Variants) > MaxVariants {
		return invalid("product.variants", "%d variants, want 1 to %d", len(p.Variants), MaxVariants)
	}
	currency := p.Variants[0].Price.Currency()
	seen := make(map[string]bool, len(p.Variants))
	for i, v := range p.Variants {
		field := fmt.Sprintf("product.variants[%d]", i)
		if err := checkID(field+".id", v.ID, provider.MaxIDLength); err != nil {
			return err
		}
		if seen[v.ID] {
			return invalid(field+".id", "duplicate variant id %q", v.ID)
		}
		seen[v.ID] = true
		if err := checkText(field+".title", v.Title, 0, MaxTitleLength, false); err != nil {
			return err
		}
		if len(v.Options) != len(p.Options) {
			return invalid(field+".options", "%d values for %d options", len(v.Options), len(p.Options))
		}
		if err := checkPrice(field+".price", v.Price, currency); err != nil {
			return err
		}
		if v.CompareAtPrice != nil {
			if err := checkPrice(field+".compare_at_price", *v.CompareAtPrice, currency); err != nil {
				return err
			}
		}
		if !v.Availability.Valid() {
			return invalid(field+".availability", "unknown availability %q", v.Availability)
		}
	}
	return nil
}

func checkPrice(field string, a money.Amount, currency money.Currency) error {
	switch {
	case !a.Currency().Valid():
		return invalid(field, "unknown currency %q", truncate(string(a.Currency()), 16))
	case a.Currency() != currency:
		return invalid(field, "currency %s differs from the product's %s", a.Currency(), currency)
	case a.IsNegative():
		return invalid(field, "negative price %v", a)
	case !a.IsRounded():
		return invalid(field, "%v is not a whole number of minor units", a)
	}
	return nil
}

// checkHTTPSURL checks a URL a client is sent to or loads from (an image,
// a logo, a payment action's page): absolute https, no credentials, no
// longer than MaxImageURLLength.
func checkHTTPSURL(field, raw string) error {
	if len(raw) > MaxImageURLLength {
		return invalid(field, "longer than %d bytes", MaxImageURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return invalid(field, "want an absolute https URL without credentials, got %q", truncate(raw, 64))
	}
	return nil
}

// answerID checks an id a platform answered a request with. One the
// library cannot keep (empty, too long, with control characters) names
// nothing it can read, undo or record, so what the platform did stays
// unknown: ErrUnknownOutcome, never a definite failure, and never
// ErrInvalidInput, which would tell that nothing happened.
func answerID(object, id string) error {
	if err := checkID("id", id, provider.MaxIDLength); err != nil {
		return fmt.Errorf("%w: the platform answered with a %s id it cannot keep: %v", ErrUnknownOutcome, object, err)
	}
	return nil
}

// answerAmount checks the amount a platform answered a hold or a charge
// with against the amount asked. A platform that held or charged another
// amount (a partial authorization, another currency, an adapter that
// scales minor units wrongly) broke its contract: an order placed on a
// smaller hold is short of its money, and a larger one holds or takes
// more of the buyer's than they agreed to.
func answerAmount(object, id string, asked, answered money.Amount) error {
	if answered.Equal(asked) {
		return nil
	}
	return fmt.Errorf("%w: %s %s is of %s, asked %s", ErrUnexpectedAnswer, object, id, answered, asked)
}

// platformText makes text that a platform sent (a reason, a decline
// message, a carrier's name, the words of an error) fit to keep: valid
// UTF-8, control characters but newlines and tabs replaced with U+FFFD, at
// most maxRunes characters. A caller's text that breaks those rules is
// refused; a platform's is kept, cleaned, because refusing it would refuse
// an event, or leave a checkout unrecorded, over how a reason was spelled,
// and because a store may not be able to keep it as it came (PostgreSQL
// cannot store NUL).
func platformText(s string, maxRunes int) string {
	if checkText("", s, 0, maxRunes, true) == nil {
		return s // already what a caller's multiline text must be
	}
	var b strings.Builder
	n := 0
	for _, r := range s { // invalid UTF-8 comes out as U+FFFD
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkStep checks that a, given as field, is a whole number of step,
// the step its platform charges and refunds in. (Computed amounts are
// checked and rounded by a checkout's rounding instead.)
func checkStep(field string, a, step money.Amount) error {
	if !a.IsMultipleOf(step) {
		return invalid(field, "%s is not a whole number of %s, the step the payment platform charges and refunds %s in", a, step, a.Currency())
	}
	return nil
}

// checkTimeZone checks an IANA time zone name a caller gives (empty for
// none): one the machine's time zone database knows, and not "Local",
// which names the server's zone, not the donor's.
func checkTimeZone(field, tz string) error {
	if tz == "" {
		return nil
	}
	if err := checkText(field, tz, 1, maxTimeZoneLength, false); err != nil {
		return err
	}
	if tz == "Local" {
		return invalid(field, "Local is this machine's zone; give the donor's IANA name, such as America/Los_Angeles")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid(field, "%q is not an IANA time zone this machine knows (hosts without a time zone database import time/tzdata)", tz)
	}
	return nil
}

// maxTimeZoneLength bounds a time zone name; the longest in the IANA
// database is 32 bytes (America/Argentina/ComodRivadavia).
const maxTimeZoneLength = 64
