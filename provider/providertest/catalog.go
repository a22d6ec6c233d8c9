package providertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/buybutton/buybutton/provider"
)

func runCatalog(t *testing.T, newHarness HarnessMaker) {
	runChecks(t, newHarness, []check[provider.Catalog]{
		{"ReturnsKnownLeavesOutUnknown", func(t *testing.T, e env[provider.Catalog]) {
			got, err := e.p.Products(e.ctx, []string{e.fx.ProductID, "providertest-no-such-product"})
			if err != nil {
				t.Fatalf("Products: %v", err)
			}
			if len(got) != 1 || got[0].ID != e.fx.ProductID {
				t.Fatalf("Products returned %d products, want exactly %q", len(got), e.fx.ProductID)
			}
		}},
		{"ProductsAreWellFormed", func(t *testing.T, e env[provider.Catalog]) {
			p := product(t, e)
			if err := wellFormed(p, e.fx); err != nil {
				t.Fatal(err)
			}
		}},
		{"AvailabilityMatchesStock", func(t *testing.T, e env[provider.Catalog]) {
			p := product(t, e)
			if v := variant(t, p, e.fx.StockedVariantID); v.Availability != provider.InStock {
				t.Errorf("stocked variant is %q, want %q", v.Availability, provider.InStock)
			}
			if e.fx.SoldOutVariantID != "" {
				if v := variant(t, p, e.fx.SoldOutVariantID); v.Availability != provider.SoldOut {
					t.Errorf("sold-out variant is %q, want %q", v.Availability, provider.SoldOut)
				}
			}
		}},
		{"ProductsAreTheCallers", func(t *testing.T, e env[provider.Catalog]) {
			resultIsTheCallers(t, "Products", func() ([]provider.Product, error) {
				return e.p.Products(e.ctx, []string{e.fx.ProductID})
			})
		}},
		{"EmptyResultIsNotAnError", func(t *testing.T, e env[provider.Catalog]) {
			got, err := e.p.Products(e.ctx, []string{"providertest-no-such-product"})
			if err != nil || len(got) != 0 {
				t.Fatalf("Products(unknown) = %d products, %v; want none and no error", len(got), err)
			}
		}},
	})
}

func product(t *testing.T, e env[provider.Catalog]) provider.Product {
	t.Helper()
	got, err := e.p.Products(e.ctx, []string{e.fx.ProductID})
	if err != nil || len(got) != 1 {
		t.Fatalf("Products(%q) = %d products, %v", e.fx.ProductID, len(got), err)
	}
	return got[0]
}

func variant(t *testing.T, p provider.Product, id string) provider.Variant {
	t.Helper()
	for _, v := range p.Variants {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("product %q has no variant %q", p.ID, id)
	return provider.Variant{}
}

// wellFormed checks what the library relies on in a catalog's product.
func wellFormed(p provider.Product, fx Fixtures) error {
	if strings.TrimSpace(p.Title) == "" {
		return errors.New("product has an empty title")
	}
	if len(p.Variants) == 0 {
		return errors.New("product has no variants")
	}
	for _, img := range p.Images {
		if !strings.HasPrefix(img.URL, "https://") {
			return errors.New("image URL is not https: " + img.URL)
		}
	}
	for _, v := range p.Variants {
		if v.ID == "" {
			return errors.New("variant without an id")
		}
		if len(v.Options) != len(p.Options) {
			return errors.New("variant " + v.ID + " does not give a value for each option")
		}
		if v.Price.Currency() != fx.Currency || v.Price.IsNegative() || !v.Price.IsRounded() {
			return errors.New("variant " + v.ID + " has price " + v.Price.String() + ", want a rounded non-negative amount in " + string(fx.Currency))
		}
		if v.CompareAtPrice != nil && v.CompareAtPrice.Currency() != fx.Currency {
			return errors.New("variant " + v.ID + " compare-at price is in another currency")
		}
		if !v.Availability.Valid() {
			return errors.New("variant " + v.ID + " has availability " + string(v.Availability))
		}
	}
	return nil
}
