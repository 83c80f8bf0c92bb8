package hooks

import (
	"testing"

	"github.com/pocketbase/pocketbase/tests"
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
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	for value, want := range map[string]int{"": defaultListingMaxAge, "0": 0, "60": 60, "-1": defaultListingMaxAge, "soon": defaultListingMaxAge} {
		t.Setenv("BLOG_LISTING_MAX_AGE", value)
		if got := listingMaxAge(app); got != want {
			t.Errorf("BLOG_LISTING_MAX_AGE=%q gave %d, want %d", value, got, want)
		}
	}
}
