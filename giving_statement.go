package buybutton

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// GivingStatement is a donor's giving in one tax year, for their return:
// each gift whose receipt is dated in the year (in the donor's time zone,
// see [StartDonationParams]), with what is deductible of it now, and the
// total for each nonprofit. Its JSON (field names below) and
// [GivingStatement.Text] carry the same data.
type GivingStatement struct {
	Year int `json:"year"`
	// Nonprofits are by name, then currency: a nonprofit given to in two
	// currencies appears once for each, since the amounts cannot be added.
	Nonprofits []StatementNonprofit `json:"nonprofits"`
	Statement  string               `json:"statement"`
}

// StatementNonprofit is what a donor gave one nonprofit in one currency
// in a year.
type StatementNonprofit struct {
	ReceiptNonprofit
	Deductible money.Amount    `json:"deductible"` // the gifts' total
	Gifts      []StatementGift `json:"gifts"`      // oldest first
}

// StatementGift is one gift on a statement: its receipt, and what is
// deductible of it now.
type StatementGift struct {
	Receipt    string       `json:"receipt"` // the receipt's number
	Date       string       `json:"date"`    // the receipt's date
	Deductible money.Amount `json:"deductible"`
	Monthly    bool         `json:"monthly"`
	DonationID string       `json:"donation_id"`
}

// noGoodsOrServicesForAll is [NoGoodsOrServices], for a statement of
// several contributions.
const noGoodsOrServicesForAll = "No goods or services were provided in exchange for these contributions."

// latestOffset is the furthest ahead of UTC a time zone is (Kiritimati,
// UTC+14): a gift given earlier than that before a year begins in UTC is
// dated before it in every zone.
const latestOffset = 14 * time.Hour

// GivingStatement returns the donor's statement for year. A gift refunded
// in full, or charged back, is no gift and is left out; one refunded in
// part counts what is left, as its receipt says. It reads the donor's
// donations newest first, and stops at the first given before the year
// could have begun in any time zone.
func (c *Client) GivingStatement(ctx context.Context, buyerID string, year int) (*GivingStatement, error) {
	if err := checkID("buyer_id", buyerID, provider.MaxIDLength); err != nil {
		return nil, err
	}
	if year < 1 || year > 9999 {
		return nil, invalid("year", "%d is not a year", year)
	}
	earliest := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Add(-latestOffset)
	prefix := fmt.Sprintf("%04d-", year)
	type key struct {
		nonprofitID string
		currency    money.Currency
	}
	byNonprofit := map[key]*StatementNonprofit{}
	err := eachOfBuyer(ctx, c.store.DonationsByBuyer, buyerID, func(d *Donation) bool {
		if d.GivenAt.Before(earliest) {
			return false
		}
		r := d.Receipt()
		if !strings.HasPrefix(r.Date, prefix) || !r.Deductible.IsPositive() {
			return true
		}
		k := key{d.NonprofitID, r.Deductible.Currency()}
		np := byNonprofit[k]
		if np == nil {
			np = &StatementNonprofit{ReceiptNonprofit: r.Nonprofit, Deductible: money.Zero(k.currency)}
			byNonprofit[k] = np
		}
		np.Deductible, _ = np.Deductible.Add(r.Deductible) // one currency: cannot fail
		np.Gifts = append(np.Gifts, StatementGift{Receipt: r.Number, Date: r.Date, Deductible: r.Deductible, Monthly: r.Monthly, DonationID: d.ID})
		return true
	})
	if err != nil {
		return nil, err
	}
	st := &GivingStatement{Year: year, Nonprofits: make([]StatementNonprofit, 0, len(byNonprofit)), Statement: noGoodsOrServicesForAll}
	for _, np := range byNonprofit {
		slices.Reverse(np.Gifts) // read newest first
		st.Nonprofits = append(st.Nonprofits, *np)
	}
	slices.SortFunc(st.Nonprofits, func(a, b StatementNonprofit) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Deductible.Currency(), b.Deductible.Currency()))
	})
	return st, nil
}

// Text renders the statement as plain text: each nonprofit, its gifts a
// line each, and its total.
func (st *GivingStatement) Text() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Giving statement for %d", st.Year)
	if len(st.Nonprofits) == 0 {
		line("No gifts.")
	}
	for _, np := range st.Nonprofits {
		if np.Registration != "" {
			line("%s (%s)", np.Name, np.Registration)
		} else {
			line("%s", np.Name)
		}
		for _, g := range np.Gifts {
			monthly := ""
			if g.Monthly {
				monthly = " (monthly)"
			}
			line("  %s  %s  %s%s", g.Date, g.Receipt, g.Deductible, monthly)
		}
		line("  Total: %s", np.Deductible)
	}
	line("%s", st.Statement)
	return b.String()
}
