package alipay_test

import (
	"errors"
	"math"
	"regexp"
	"testing"

	"blogbase/internal/alipay"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		cents int64
		want  string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{5, "0.05"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{990, "9.90"},
		{123456, "1234.56"},
		{10000000000, "100000000.00"},
		{-5, "-0.05"},
		{-990, "-9.90"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := alipay.FormatAmount(tt.cents); got != tt.want {
			t.Errorf("FormatAmount(%d) = %q, want %q", tt.cents, got, tt.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // -1: refused
	}{
		{"0.01", 1},
		{"0.1", 10},
		{"1", 100},
		{"9.9", 990},
		{"9.90", 990},
		{"09.90", 990}, // leading zeros are harmless: the value is unambiguous
		{"0", 0},
		{"0.00", 0}, // a well-formed amount; PagePayURL refuses it as a price
		{"100000000.00", 10000000000},
		{"999999999999.99", 99999999999999},
		{"1000000000000", -1}, // 13 integer digits
		{"9.", -1},
		{".9", -1},
		{".", -1},
		{"9.999", -1},
		{"9.9.9", -1},
		{"+1", -1},
		{"-1", -1},
		{" 1", -1},
		{"1 ", -1},
		{"1e2", -1},
		{"1E2", -1},
		{"NaN", -1},
		{"Inf", -1},
		{"0x10", -1},
		{"1,00", -1},
		{"１", -1}, // fullwidth digit
		{"", -1},
	}
	for _, tt := range tests {
		got, err := alipay.ParseAmount(tt.in)
		if tt.want < 0 {
			if !errors.Is(err, alipay.ErrBadAmount) {
				t.Errorf("ParseAmount(%q) = %d, %v; want ErrBadAmount", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

var amountSyntax = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0.01", "9.9", "09.90", "100000000.00", "999999999999.99", "9.", "1e3", "-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := alipay.ParseAmount(s)
		if ok := amountSyntax.MatchString(s); ok != (err == nil) {
			t.Fatalf("ParseAmount(%q) err = %v, syntax match = %v", s, err, ok)
		}
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseAmount(%q) = %d < 0", s, n)
		}
		formatted := alipay.FormatAmount(n)
		back, err := alipay.ParseAmount(formatted)
		if err != nil || back != n {
			t.Fatalf("ParseAmount(FormatAmount(%d)) = %q → %d, %v", n, formatted, back, err)
		}
	})
}
