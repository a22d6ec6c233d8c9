package buybutton_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones, whatever the machine has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/provider/memory"
)

// newYearsEve moves f's clock to 03:00 UTC on 1 January 2027: 19:00 on
// New Year's Eve in Los Angeles, when a donor there still gives in 2026.
func (f charity) newYearsEve(t *testing.T) {
	t.Helper()
	f.clock.Advance(time.Date(2027, 1, 1, 3, 0, 0, 0, time.UTC).Sub(f.clock.Now()))
}

// TestAReceiptIsDatedInTheDonorsTimeZone: a gift charged on a card is
// deductible "in the year you make the charge" (IRS Publication 526), the
// donor's year. A donor in Los Angeles who gives at 7 p.m. on New Year's
// Eve gets a receipt dated 2026-12-31, not the 2027-01-01 it already is in
// UTC, and so does each month of a monthly gift, dated in the time zone
// the donor gave when it started. Without a time zone, receipts are dated
// in UTC, as before.
func TestAReceiptIsDatedInTheDonorsTimeZone(t *testing.T) {
	f := newCharity(t, nil)
	cp := f.campaign(t)
	f.newYearsEve(t)

	inLA := ada(buybutton.DonorPrivacy{})
	inLA.TimeZone = "America/Los_Angeles"
	d := f.give(t, cp, inLA)
	r := d.Receipt()
	assert.Equal(t, "2026-12-31", r.Date)
	assert.Equal(t, "America/Los_Angeles", r.TimeZone)
	assert.True(t, strings.HasPrefix(r.Number, "R-202612-"), "number %s", r.Number)
	assert.Contains(t, r.Text(), "Date: 2026-12-31 (America/Los_Angeles)\n")

	inUTC := donor("buyer-2", "Grace Hopper", buybutton.DonorPrivacy{})
	r = f.give(t, cp, inUTC).Receipt()
	assert.Equal(t, "2027-01-01", r.Date)
	assert.Equal(t, "UTC", r.TimeZone)
	assert.Contains(t, r.Text(), "Date: 2027-01-01\n")

	monthly := donor("buyer-3", "Linus Torvalds", buybutton.DonorPrivacy{})
	monthly.TimeZone, monthly.Monthly = "America/Los_Angeles", true
	first := f.give(t, cp, monthly)
	assert.Equal(t, "2026-12-31", first.Receipt().Date)
	f.deliver(t)
	f.renewMonthly(t) // 31 days on: 03:00 UTC on 1 February, 7 p.m. on 31 January in Los Angeles
	months, err := f.client.Donations(ctx, "buyer-3", "", 10)
	require.NoError(t, err)
	require.Len(t, months, 2)
	assert.Equal(t, "America/Los_Angeles", months[0].TimeZone)
	assert.Equal(t, "2027-01-31", months[0].Receipt().Date)
}

// TestATimeZoneThatIsNoneIsRefused: a time zone must be an IANA name the
// library can date receipts in; anything else is refused before anything
// is stored.
func TestATimeZoneThatIsNoneIsRefused(t *testing.T) {
	store := &countingStore{Store: buybutton.NewMemoryStore()}
	f := newCharity(t, &buybutton.Options{Store: store})
	cp := f.campaign(t)
	written := store.commits
	for _, tz := range []string{"Mars/Olympus_Mons", "Local", "../../etc/passwd", "America/Los_Angeles\x00", strings.Repeat("A", 100), "PST8PDT "} {
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID, p.TimeZone = cp.ID, tz
		_, err := f.client.StartDonation(ctx, p)
		var invalid *buybutton.ValidationError
		if assert.ErrorAs(t, err, &invalid, "%q", tz) {
			assert.Equal(t, "time_zone", invalid.Field)
		}
	}
	assert.Equal(t, written, store.commits, "nothing stored")
}

// FuzzDonorTimeZones: whatever a donor's client sends as their time zone,
// the donation is refused as invalid input with nothing stored, or given,
// and then its receipt is dated in that zone.
func FuzzDonorTimeZones(f *testing.F) {
	for _, tz := range []string{"", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12", "Local", "../zoneinfo", "Europe/Berlin\n", "EST5EDT", "posixrules"} {
		f.Add(tz)
	}
	f.Fuzz(func(t *testing.T, tz string) {
		store := &countingStore{Store: buybutton.NewMemoryStore()}
		fx := newCharity(t, &buybutton.Options{Store: store})
		cp := fx.campaign(t)
		written := store.commits
		p := ada(buybutton.DonorPrivacy{})
		p.CampaignID, p.TimeZone = cp.ID, tz
		co, err := fx.client.StartDonation(ctx, p)
		if err != nil {
			var invalid *buybutton.ValidationError
			if !errors.As(err, &invalid) || invalid.Field != "time_zone" || store.commits != written {
				t.Fatalf("time zone %q: %v, %d commits", tz, err, store.commits-written)
			}
			return
		}
		d, err := fx.client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: p.BuyerID, CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
		if err != nil {
			t.Fatal(err)
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatalf("time zone %q was taken, but does not load: %v", tz, err)
		}
		if r := d.Receipt(); r.Date != d.GivenAt.In(loc).Format(time.DateOnly) {
			t.Fatalf("time zone %q: receipt dated %s for a gift at %s", tz, r.Date, d.GivenAt)
		}
	})
}
