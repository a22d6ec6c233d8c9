package memory

import (
	"github.com/buybutton/buybutton/money"
	"github.com/buybutton/buybutton/provider"
)

// Demo catalog and nonprofit ids, for examples and tests.
const (
	DemoSneaker  = "trail-runner"  // sizes 8-11; size 10 sold out
	DemoBook     = "go-book"       // one variant
	DemoTee      = "logo-tee"      // three colours
	DemoEBook    = "gophers-ebook" // does not ship
	DemoCharity  = "clean-water"   // verified
	DemoUnvetted = "unvetted-club" // not verified
)

// DemoProducts returns the demo catalog priced in c. Prices are given in
// minor units, so the catalog reads naturally in two-digit currencies
// (89.00 USD) and stays valid in others (8900 JPY, 8.900 KWD).
func DemoProducts(c money.Currency) []Product {
	price := func(minor int64) money.Amount {
		a, err := money.FromMinor(minor, c)
		if err != nil {
			panic("memory: demo catalog in invalid currency " + string(c))
		}
		return a
	}
	compareAt := price(12000)
	sizes := []string{"8", "9", "10", "11"}
	sneaker := Product{
		Product: provider.Product{
			ID:          DemoSneaker,
			Title:       "Trail Runner Sneaker",
			Description: "A light trail shoe with a grippy sole. Runs true to size.",
			Images: []provider.Image{
				{URL: "https://cdn.buybutton.example/trail-runner/side.jpg", Alt: "Trail Runner, side view"},
				{URL: "https://cdn.buybutton.example/trail-runner/sole.jpg", Alt: "Trail Runner, sole"},
			},
			Options: []provider.Option{{Name: "Size", Values: sizes}},
		},
		Stock: map[string]int{"trail-runner-8": 3, "trail-runner-9": 5, "trail-runner-10": 0, "trail-runner-11": 2},
	}
	for _, s := range sizes {
		sneaker.Variants = append(sneaker.Variants, provider.Variant{
			ID: "trail-runner-" + s, SKU: "TR-" + s, Title: "Size " + s, Options: []string{s},
			Price: price(8900), CompareAtPrice: &compareAt, RequiresShipping: true,
		})
	}
	colours := []string{"Black", "White", "Red"}
	tee := Product{
		Product: provider.Product{
			ID:          DemoTee,
			Title:       "Logo T-Shirt",
			Description: "Organic cotton, printed with the buybutton logo.",
			Images:      []provider.Image{{URL: "https://cdn.buybutton.example/logo-tee/front.jpg", Alt: "Logo T-Shirt"}},
			Options:     []provider.Option{{Name: "Colour", Values: colours}},
		},
		Stock: map[string]int{},
	}
	for _, col := range colours {
		id := "logo-tee-" + col
		tee.Variants = append(tee.Variants, provider.Variant{
			ID: id, SKU: "TEE-" + col, Title: col, Options: []string{col},
			Price: price(2500), RequiresShipping: true,
		})
		tee.Stock[id] = 10
	}
	return []Product{
		sneaker,
		{
			Product: provider.Product{
				ID:          DemoBook,
				Title:       "The Go Programming Language",
				Description: "The classic introduction to Go, in paperback.",
				Images:      []provider.Image{{URL: "https://cdn.buybutton.example/go-book/cover.jpg", Alt: "Book cover"}},
				Variants: []provider.Variant{{
					ID: "go-book-paperback", SKU: "BOOK-GO", Price: price(3999), RequiresShipping: true,
				}},
			},
			Stock: map[string]int{"go-book-paperback": 25},
		},
		tee,
		{
			Product: provider.Product{
				ID:          DemoEBook,
				Title:       "Gophers at Work (e-book)",
				Description: "Delivered by email; nothing to ship.",
				Images:      []provider.Image{{URL: "https://cdn.buybutton.example/gophers-ebook/cover.jpg", Alt: "E-book cover"}},
				Variants:    []provider.Variant{{ID: "gophers-ebook-epub", SKU: "EBOOK-GO", Price: price(999)}},
			},
			Stock: map[string]int{"gophers-ebook-epub": 1000},
		},
	}
}

// DemoNonprofits returns the demo nonprofits, accepting c.
func DemoNonprofits(c money.Currency) []provider.Nonprofit {
	return []provider.Nonprofit{
		{
			ID: DemoCharity, Name: "Clean Water Fund", Registration: "EIN 12-3456789", Verified: true,
			LogoURL: "https://cdn.buybutton.example/clean-water/logo.png", Currencies: []money.Currency{c},
		},
		{ID: DemoUnvetted, Name: "Unvetted Club", Registration: "none", Currencies: []money.Currency{c}},
	}
}
