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
