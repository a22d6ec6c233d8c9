package buybutton

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/buybutton/buybutton/money"
)

// NoGoodsOrServices is the statement a receipt carries: the library sells
// nothing in exchange for a donation, so the whole amount charged (the fee
// the donor covered included) is a gift. Hosts outside the United States
// should check their own rules on what a receipt must say.
const NoGoodsOrServices = "No goods or services were provided in exchange for this contribution."

// Receipt is the receipt of one donation, or of one month of a monthly
// gift. Its JSON (field names below) and [Receipt.Text] carry the same
// data. The donor appears as they chose to share it with the nonprofit:
// an anonymous donor's receipt names no one, and the host, which knows its
// own user, addresses it to them.
type Receipt struct {
	Number string `json:"number"`
	// Date is the day the donation was given, YYYY-MM-DD, in TimeZone:
	// the donor's (see [StartDonationParams]), or UTC.
	Date       string           `json:"date"`
	TimeZone   string           `json:"time_zone"`
	Nonprofit  ReceiptNonprofit `json:"nonprofit"`
	Amount     money.Amount     `json:"amount"`      // to the nonprofit
	FeeCovered money.Amount     `json:"fee_covered"` // zero if the donor did not cover it
	Charged    money.Amount     `json:"charged"`
	Refunded   money.Amount     `json:"refunded"`
	// ChargedBack is what the donor's bank took back through a dispute
	// the nonprofit lost: like a refund, it was never given.
	ChargedBack money.Amount `json:"charged_back"`
	// Deductible is what was charged less what was refunded or charged
	// back, never below zero: no goods or services were given, so all of
	// it is a gift, fee included.
	Deductible money.Amount  `json:"deductible"`
	Monthly    bool          `json:"monthly"` // one month of a monthly gift
	Donor      *ReceiptDonor `json:"donor"`   // null when anonymous
	Dedication string        `json:"dedication,omitempty"`
	Statement  string        `json:"statement"`
	DonationID string        `json:"donation_id"`
}

// ReceiptNonprofit is the nonprofit as the receipt cites it.
type ReceiptNonprofit struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Registration string `json:"registration"`
}

// ReceiptDonor is the donor as they shared themselves.
type ReceiptDonor struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Receipt returns the receipt of one of the donor's donations.
func (c *Client) Receipt(ctx context.Context, buyerID, donationID string) (*Receipt, error) {
	d, err := c.Donation(ctx, buyerID, donationID)
	if err != nil {
		return nil, err
	}
	return d.Receipt(), nil
}

// Receipt builds the donation's receipt.
func (d *Donation) Receipt() *Receipt {
	refunded := d.Refunded()
	deductible, _ := d.Charged.Sub(returnedOf(d))
	loc, zone := receiptZone(d.TimeZone)
	r := &Receipt{
		Number:      d.ReceiptNumber,
		Date:        d.GivenAt.In(loc).Format(time.DateOnly),
		TimeZone:    zone,
		Nonprofit:   ReceiptNonprofit{ID: d.NonprofitID, Name: d.NonprofitName, Registration: d.NonprofitRegistration},
		Amount:      d.Amount,
		FeeCovered:  d.Fee,
		Charged:     d.Charged,
		Refunded:    refunded,
		ChargedBack: d.ChargedBack(),
		Deductible:  atLeastZero(deductible),
		Monthly:     d.MonthlyID != "",
		Dedication:  d.Dedication,
		Statement:   NoGoodsOrServices,
		DonationID:  d.ID,
	}
	if d.Privacy.ShareWithNonprofit {
		r.Donor = &ReceiptDonor{Name: d.Donor.Name, Email: d.Donor.Email}
	}
	return r
}

// Text renders the receipt as plain text, one fact a line.
func (r *Receipt) Text() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Donation receipt %s", r.Number)
	if r.Nonprofit.Registration != "" {
		line("%s (%s)", r.Nonprofit.Name, r.Nonprofit.Registration)
	} else {
		line("%s", r.Nonprofit.Name)
	}
	if r.TimeZone == "" || r.TimeZone == "UTC" {
		line("Date: %s", r.Date)
	} else {
		line("Date: %s (%s)", r.Date, r.TimeZone)
	}
	if r.Monthly {
		line("Monthly gift")
	}
	line("Donation: %s", r.Amount)
	if r.FeeCovered.IsPositive() {
		line("Processing fee covered: %s", r.FeeCovered)
	}
	line("Total charged: %s", r.Charged)
	if r.Refunded.IsPositive() {
		line("Refunded: %s", r.Refunded)
	}
	if r.ChargedBack.IsPositive() {
		line("Charged back: %s", r.ChargedBack)
	}
	line("Tax-deductible amount: %s", r.Deductible)
	switch {
	case r.Donor == nil:
		line("Donor: Anonymous")
	case r.Donor.Email != "":
		line("Donor: %s <%s>", r.Donor.Name, r.Donor.Email)
	default:
		line("Donor: %s", r.Donor.Name)
	}
	if r.Dedication != "" {
		line("Dedication: %s", r.Dedication)
	}
	line("%s", r.Statement)
	return b.String()
}

// receiptZone is the location a receipt in the donor's time zone tz is
// dated in, and its name: UTC when the donor gave none, and also, named
// so, when this machine's time zone database no longer knows tz (it was
// checked when the donor gave it; a host whose machines may lack one
// imports time/tzdata). A zone is loaded once (time.LoadLocation reads
// and parses its file): a statement or a giving page dates many receipts.
func receiptZone(tz string) (*time.Location, string) {
	if tz == "" {
		return time.UTC, "UTC"
	}
	if loc, ok := loadedZones.Load(tz); ok {
		return loc.(*time.Location), tz
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC, "UTC"
	}
	loadedZones.Store(tz, loc)
	return loc, tz
}

// loadedZones are the time zones receipts were dated in, by name: at most
// the IANA database's few hundred, since StartDonation takes no other.
var loadedZones sync.Map
