package buybutton

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// TestDonationStatesMoveOnlyAlongTheTable: a donation's state is derived
// from its refunds and disputes, and each change is recorded as a
// transition of donationMachine. Random refunds, refunds failing
// afterwards, and dispute events in any order (opened, won, lost, ended,
// again after an inquiry ended) must only ever move the derived state
// along an edge of the table, so that the recorded history is one the
// table documents.
func TestDonationStatesMoveOnlyAlongTheTable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
		d := &Donation{ID: "don_1", Currency: "USD", Amount: usd("25.00"), Fee: usd("0.00"), Charged: usd("25.00")}
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for step := range rapid.IntRange(1, 12).Draw(t, "steps") {
			was := d.State()
			switch rapid.SampledFrom([]string{"refund", "refund fails afterwards", "dispute"}).Draw(t, "what") {
			case "refund":
				amount := usd(rapid.SampledFrom([]string{"1.00", "10.00", "25.00"}).Draw(t, "refund"))
				if over, _ := amount.Cmp(refundableOf(d)); over > 0 {
					continue
				}
				d.Refunds = append(d.Refunds, Refund{ID: "re", Amount: amount, Status: RefundSucceeded})
			case "refund fails afterwards":
				if len(d.Refunds) == 0 {
					continue
				}
				d.Refunds[rapid.IntRange(0, len(d.Refunds)-1).Draw(t, "which refund")].Status = RefundFailed
			case "dispute":
				e := drawDisputeEvent(t, provider.EventDonationDisputed, provider.EventDonationDisputeClosed, usd(rapid.SampledFrom([]string{"5.00", "25.00"}).Draw(t, "disputed")), start)
				recordDispute(&d.Disputes, e, start.Add(time.Duration(step)*time.Hour))
			}
			if now := d.State(); now != was && !donationMachine.allows(was, now) {
				t.Fatalf("the donation moved %s -> %s, which its table does not have", was, now)
			}
			if d.counted().IsNegative() {
				t.Fatalf("the donation counts %s in its campaign", d.counted())
			}
		}
	})
}
