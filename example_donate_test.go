package buybutton_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
	"github.com/buybutton/buybutton/provider/memory"
)

// A tap on a Donate card: 25.00 USD to the nonprofit, the donor covering
// the processing fee, and the receipt.
func ExampleClient_StartDonation() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)

	co, err := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID:    "viewer-7",
		CampaignID: campaign.ID,
		Amount:     money.MustParse("25.00", "USD"),
		CoverFee:   true,
		Donor:      provider.Contact{Name: "Grace Viewer", Email: "grace@example.com"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(co.Totals.Subtotal, co.Totals.Fee, co.Totals.Total)

	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-7", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	receipt, err := client.Receipt(ctx, "viewer-7", d.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(receipt.Date, receipt.Nonprofit.Name, receipt.Amount, receipt.Deductible)

	campaign, _ = client.Campaign(ctx, campaign.ID)
	fmt.Println(campaign.Raised, campaign.Donors)
	// Output:
	// 25.00 USD 1.06 USD 26.06 USD
	// 2026-11-22 Clean Water Fund 25.00 USD 26.06 USD
	// 25.00 USD 1
}

// An amount outside the campaign's bounds is refused before anything is
// stored, with the bounds to show the donor.
func ExampleAmountError() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)

	_, err := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID: "viewer-7", CampaignID: campaign.ID, Amount: money.MustParse("9000.00", "USD"),
	})
	var bounds *buybutton.AmountError
	if errors.As(err, &bounds) {
		fmt.Printf("Give from %s to %s.\n", bounds.Minimum, bounds.Maximum)
	}
	fmt.Println(errors.Is(err, buybutton.ErrAmountOutOfRange))
	// Output:
	// Give from 0.50 USD to 5000.00 USD.
	// true
}

// A monthly gift: the first month is charged at once, the platform charges
// the next ones, and the donor can stop it.
func ExampleClient_CancelMonthly() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)
	co, _ := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID: "viewer-7", CampaignID: campaign.ID, Amount: money.MustParse("10.00", "USD"), Monthly: true,
		Donor: provider.Contact{Name: "Grace Viewer", Email: "grace@example.com"},
	})
	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-7", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	gift, _ := client.MonthlyGift(ctx, "viewer-7", d.MonthlyID)
	fmt.Println(gift.Status, gift.Months, gift.Charged, gift.NextChargeAt.Format(time.DateOnly))

	gift, err = client.CancelMonthly(ctx, "viewer-7", gift.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(gift.Status)
	// Output:
	// active 1 10.00 USD 2026-12-22
	// canceled
}

// After an outage longer than the platform re-sends its webhooks, a
// monthly gift is read back from the platform: the month it charged
// meanwhile is recorded, with its receipt, and counted in the campaign.
func ExampleClient_ReconcileMonthly() {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	shop := memory.New(&memory.Options{Now: clock})
	client, _ := buybutton.New(&buybutton.Options{Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", shop)}, Now: clock})
	campaign, _ := client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID: "demo-shop", NonprofitID: memory.DemoCharity, Title: "Wells for Wajir", Currency: "USD",
		Presets: []money.Amount{money.MustParse("10.00", "USD")}, Maximum: money.MustParse("5000.00", "USD"),
	})
	co, _ := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID: "viewer-7", CampaignID: campaign.ID, Amount: money.MustParse("10.00", "USD"), Monthly: true,
		Donor: provider.Contact{Name: "Grace Viewer", Email: "grace@example.com"},
	})
	d, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-7", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})
	if err != nil {
		panic(err)
	}
	now = now.AddDate(0, 1, 0)
	shop.RenewDue()
	shop.TakeDeliveries() // the month's donation.succeeded, never delivered

	gift, err := client.ReconcileMonthly(ctx, d.MonthlyID)
	if err != nil {
		panic(err)
	}
	campaign, _ = client.Campaign(ctx, campaign.ID)
	fmt.Println(gift.Months, campaign.Raised)
	// Output:
	// 2 20.00 USD
}

// A refund of part of a donation lowers what the receipt calls deductible.
func ExampleClient_RefundDonation() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)
	co, _ := client.StartDonation(ctx, buybutton.StartDonationParams{
		BuyerID: "viewer-7", CampaignID: campaign.ID, Amount: money.MustParse("50.00", "USD"),
		Donor: provider.Contact{Name: "Grace Viewer", Email: "grace@example.com"},
	})
	d, _ := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-7", CheckoutID: co.ID, PaymentToken: memory.TokenApprove})

	_, err := client.RefundDonation(ctx, buybutton.RefundDonationParams{
		DonationID: d.ID, Amount: money.MustParse("20.00", "USD"), Reason: "donor asked", IdempotencyKey: "support-ticket-7",
	})
	if err != nil {
		panic(err)
	}
	receipt, _ := client.Receipt(ctx, "viewer-7", d.ID)
	fmt.Println(receipt.Charged, receipt.Refunded, receipt.Deductible)
	// Output:
	// 50.00 USD 20.00 USD 30.00 USD
}

// exampleCampaign is a client whose demo merchant runs a campaign for the
// demo nonprofit, on a clock stopped at 22 November 2026.
func exampleCampaign(ctx context.Context) (*buybutton.Client, *buybutton.Campaign) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	client, err := buybutton.New(&buybutton.Options{
		Merchants: []buybutton.Merchant{buybutton.MerchantFrom("demo-shop", "Demo Shop", memory.New(&memory.Options{Now: func() time.Time { return now }}))},
		Now:       func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	campaign, err := client.CreateCampaign(ctx, buybutton.CampaignParams{
		MerchantID:   "demo-shop",
		NonprofitID:  memory.DemoCharity,
		Title:        "Wells for Wajir",
		Currency:     "USD",
		Presets:      []money.Amount{money.MustParse("10.00", "USD"), money.MustParse("25.00", "USD"), money.MustParse("50.00", "USD")},
		Maximum:      money.MustParse("5000.00", "USD"),
		ShowProgress: true,
	})
	if err != nil {
		panic(err)
	}
	return client, campaign
}

// A donor's name on a post is text anyone sees: the host takes one off,
// by the key the campaign lists it under, and it stays off.
func ExampleClient_HideSupporter() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)
	for _, name := range []string{"Grace Viewer", "Something Rude"} {
		co, _ := client.StartDonation(ctx, buybutton.StartDonationParams{
			BuyerID: "viewer-" + name, CampaignID: campaign.ID, Amount: money.MustParse("10.00", "USD"),
			Privacy: buybutton.DonorPrivacy{ShowOnPost: true}, Donor: provider.Contact{Name: name},
		})
		if _, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-" + name, CheckoutID: co.ID, PaymentToken: memory.TokenApprove}); err != nil {
			panic(err)
		}
	}
	campaign, _ = client.Campaign(ctx, campaign.ID)
	rude := campaign.Supporters[0] // newest first

	campaign, err := client.HideSupporter(ctx, buybutton.HideSupporterParams{CampaignID: campaign.ID, DonorKey: rude.DonorKey})
	if err != nil {
		panic(err)
	}
	for _, s := range campaign.Supporters {
		fmt.Println(s.Name)
	}
	fmt.Println(campaign.Donors, "donors")
	// Output:
	// Grace Viewer
	// 2 donors
}

// At tax time, a donor's statement for the year: their gifts to each
// nonprofit, dated in their time zone, and what is deductible of them.
func ExampleClient_GivingStatement() {
	ctx := context.Background()
	client, campaign := exampleCampaign(ctx)
	for _, amount := range []string{"25.00", "10.00"} {
		co, _ := client.StartDonation(ctx, buybutton.StartDonationParams{
			BuyerID: "viewer-7", CampaignID: campaign.ID, Amount: money.MustParse(amount, "USD"),
			TimeZone: "America/New_York",
		})
		if _, err := client.ConfirmDonation(ctx, buybutton.ConfirmParams{BuyerID: "viewer-7", CheckoutID: co.ID, PaymentToken: memory.TokenApprove}); err != nil {
			panic(err)
		}
	}

	st, err := client.GivingStatement(ctx, "viewer-7", 2026)
	if err != nil {
		panic(err)
	}
	for _, np := range st.Nonprofits {
		fmt.Println(np.Name, np.Registration, len(np.Gifts), "gifts,", np.Deductible, "deductible")
	}
	// Output:
	// Clean Water Fund EIN 12-3456789 2 gifts, 35.00 USD deductible
}
