package hooks

import "testing"

// SitemapURLs is how many URLs one sitemap file holds, for the tests that
// fill one and a bit.
const SitemapURLs = sitemapURLs

func TestSitemapNames(t *testing.T) {
	t.Parallel()

	for name, want := range map[string]struct {
		kind string
		n    int
	}{
		"posts-1.xml":      {postsSitemap, 1},
		"posts-12.xml":     {postsSitemap, 12},
		"pages-1.xml":      {pagesSitemap, 1},
		"pages-100000.xml": {pagesSitemap, 100000},
		"tags-1.xml":       {tagsSitemap, 1},
		"tags-7.xml":       {tagsSitemap, 7},
	} {
		if kind, n, ok := parseSitemapName(name); !ok || kind != want.kind || n != want.n {
			t.Errorf("%s: (%q, %d, %v), want (%q, %d)", name, kind, n, ok, want.kind, want.n)
		}
		if kind, n, _ := parseSitemapName(name); sitemapPath(kind, n) != "/sitemaps/"+name {
			t.Errorf("%s is linked as %s", name, sitemapPath(kind, n))
		}
	}
	// one spelling per file: anything else would be a second URL of it
	for _, name := range []string{
		"posts-01.xml", "posts-0.xml", "posts--1.xml", "posts-+1.xml", "posts- 1.xml", "posts-1",
		"posts-1.xml.gz", "posts-1.XML", "Posts-1.xml", "posts.xml", "posts-.xml", "users-1.xml", "tags-01.xml",
		"posts-1-2.xml", "pages_1.xml", "posts-99999999999999999999.xml", "", ".xml",
	} {
		if kind, n, ok := parseSitemapName(name); ok {
			t.Errorf("%q names (%q, %d)", name, kind, n)
		}
	}
}

func TestSitemapAcceptsGzip(t *testing.T) {
	t.Parallel()

	for header, want := range map[string]bool{
		"gzip":                 true,
		"GZIP":                 true,
		"br, gzip;q=0.8":       true,
		"gzip; q=0.5":          true,
		"*":                    true,
		"deflate, *;q=0.1":     true,
		"":                     false,
		"identity":             false,
		"br, deflate":          false,
		"gzip;q=0":             false,
		"gzip; q=0.000":        false,
		"x-gzip-not-really, b": false,
		"*;q=0, gzip":          true,
		"gzip;q=0, *":          false,
		"*, gzip;q=0":          false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", header, got, want)
		}
	}
}
