package hooks

import (
	"testing"
)

func TestHasMoreThanTwoDecimals(t *testing.T) {
	t.Parallel()

	for _, ok := range []float64{0, 1, 19.99, 0.1, 0.01, 999999.99, 1e6, 100.5} {
		if hasMoreThanTwoDecimals(ok) {
			t.Errorf("%v was refused", ok)
		}
	}
	for _, bad := range []float64{0.001, 19.999, 1.005, 0.125, 1.0000000001, 1e-9} {
		if !hasMoreThanTwoDecimals(bad) {
			t.Errorf("%v was accepted", bad)
		}
	}
}

func TestListingMaxAge(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]int{"": defaultListingMaxAge, "0": 0, "60": 60, "-1": defaultListingMaxAge, "soon": defaultListingMaxAge} {
		config := LoadConfig(func(name string) string {
			if name == "BLOG_LISTING_MAX_AGE" {
				return value
			}
			return ""
		})
		if config.ListingMaxAge != want {
			t.Errorf("BLOG_LISTING_MAX_AGE=%q gave %d, want %d", value, config.ListingMaxAge, want)
		}
		if warned := len(config.warnings) > 0; warned != (value == "-1" || value == "soon") {
			t.Errorf("BLOG_LISTING_MAX_AGE=%q: warnings %q", value, config.warnings)
		}
	}
}
