package hooks

import (
	"strings"
	"testing"
)

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

// TestConfigWarnsOfMisspelledVariables: a BLOG_* variable blogbase does
// not read is warned about, and one under a provider's prefix makes the
// provider's missing settings warned about too.
func TestConfigWarnsOfMisspelledVariables(t *testing.T) {
	t.Parallel()
	c := configFromEnviron([]string{"PATH=/bin", "BLOG_ALIPAY_APPID=2021", "BLOG_LISTING_MAX_AGE=7", "BLOG_EMPTY="})
	if lower := configFromEnviron([]string{"BLOG_stripe_secret_key=sk"}); !lower.Stripe.set() || len(lower.warnings) != 1 {
		t.Fatalf("a lower-case BLOG_stripe_ variable: set %v, warnings %q", lower.Stripe.set(), lower.warnings)
	}
	if c.ListingMaxAge != 7 {
		t.Fatalf("BLOG_LISTING_MAX_AGE read as %d", c.ListingMaxAge)
	}
	if len(c.warnings) != 1 || !strings.Contains(c.warnings[0], "BLOG_ALIPAY_APPID is not a variable") {
		t.Fatalf("warnings %q", c.warnings)
	}
	if !c.Alipay.set() || c.Stripe.set() {
		t.Fatalf("alipay set %v, stripe set %v", c.Alipay.set(), c.Stripe.set())
	}
}

func TestConfigWarnsOfAPublicURLThatIsNotOne(t *testing.T) {
	t.Parallel()
	for value, warned := range map[string]bool{
		"":                          false,
		"https://blog.example.com":  false,
		"http://127.0.0.1:8090/":    false,
		"https://example.com/blog/": false,
		"blog.example.com":          true,
		"ftp://blog.example.com":    true,
		"https://":                  true,
		"://x":                      true,
	} {
		c := configFromEnviron([]string{"BLOG_PUBLIC_URL=" + value})
		if got := len(c.warnings) > 0; got != warned {
			t.Errorf("BLOG_PUBLIC_URL=%q: warnings %q", value, c.warnings)
		}
		if base, err := c.publicBase(); warned && (err == nil || base != "") {
			t.Errorf("BLOG_PUBLIC_URL=%q is used: %q", value, base)
		}
	}
}
