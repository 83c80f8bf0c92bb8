package hooks

import (
	"bytes"
	"compress/gzip"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// sitemapFileRef finds the sitemap files an index names.
var sitemapFileRef = regexp.MustCompile(`<loc>[^<]*/sitemaps/(posts|pages|tags)-([0-9]+)\.xml</loc>`)

// BenchmarkSitemapBuild measures building the sitemaps from the database,
// i.e. what a cache miss costs on -bench-posts posts (100k by default):
// the index, then each file the index names, then all of them in a row
// (what a crawler meets after a publication dropped them). ms/build is
// the time of one build; KB is the size of the answer as cached (the
// files gzipped), urls how many URLs a file holds. A file too large for
// the public cache is logged: it would be built on every request.
//
//	go test ./hooks -run '^$' -bench BenchmarkSitemapBuild -benchtime 10x
func BenchmarkSitemapBuild(b *testing.B) {
	app := benchListingData(b)
	config := Config{PublicURL: "https://blog.example.com"}
	pages := newSitePages(newPublicCache(time.Minute), config, newPayments(config))

	index, _, err := pages.buildSitemapIndex(app)
	if err != nil {
		b.Fatal(err)
	}
	type file struct {
		kind string
		n    int
	}
	var files []file
	for _, m := range sitemapFileRef.FindAllSubmatch(index, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		files = append(files, file{string(m[1]), n})
	}
	if len(files) == 0 {
		b.Fatalf("the index names no sitemap file:\n%s", index)
	}

	var published, authors int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM posts WHERE status = 'published'").Row(&published); err != nil {
		b.Fatal(err)
	}
	if authors, err = publishedAuthorsCount(app); err != nil {
		b.Fatal(err)
	}
	tags, err := usedTagsCount(app)
	if err != nil {
		b.Fatal(err)
	}
	// the URLs the files of a kind hold in all: the published posts; the
	// home page and each author with a published post; the tags
	// published posts carry
	want := map[string]int{postsSitemap: published, pagesSitemap: authors + 1, tagsSitemap: tags}

	perBuild := func(b *testing.B, size int) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/build")
		b.ReportMetric(float64(size)/1024, "KB")
	}

	b.Run("index", func(b *testing.B) {
		var size int
		for i := 0; i < b.N; i++ {
			body, _, err := pages.buildSitemapIndex(app)
			if err != nil {
				b.Fatal(err)
			}
			size = len(body)
		}
		perBuild(b, size)
		b.ReportMetric(float64(len(files)), "files")
	})

	urlsOf := map[file]int{} // the URLs each file holds
	warned := map[file]bool{}
	for _, f := range files {
		b.Run(f.kind+"-"+strconv.Itoa(f.n), func(b *testing.B) {
			var body []byte
			for i := 0; i < b.N; i++ {
				if body, _, err = pages.buildSitemap(app, f.kind, f.n); err != nil {
					b.Fatal(err)
				}
			}
			size := len(body)
			perBuild(b, size)
			urls := countURLs(b, body)
			b.ReportMetric(float64(urls), "urls")
			urlsOf[f] = urls // a sub-benchmark runs more than once
			if size > maxCachedAnswerSize && !warned[f] {
				warned[f] = true
				b.Logf("NOT CACHED: %s-%d.xml is %d bytes gzipped, over maxCachedAnswerSize (%d): it is built on every request",
					f.kind, f.n, size, maxCachedAnswerSize)
			}
		})
	}
	if len(urlsOf) == len(files) { // not when -bench picked some files only
		got := map[string]int{}
		for f, urls := range urlsOf {
			got[f.kind] += urls
		}
		for kind, n := range want {
			if got[kind] != n {
				b.Errorf("the %s files hold %d URLs, want %d", kind, got[kind], n)
			}
		}
	}

	b.Run("index and every file", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := pages.buildSitemapIndex(app); err != nil {
				b.Fatal(err)
			}
			for _, f := range files {
				if _, _, err := pages.buildSitemap(app, f.kind, f.n); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/build")
		b.ReportMetric(float64(len(files)+1), "files")
	})
}

// countURLs is how many <url> a sitemap file holds, as cached: gzipped
// when large (compressLarge).
func countURLs(b *testing.B, body []byte) int {
	if !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		return bytes.Count(body, []byte("<url>"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Count(raw, []byte("<url>"))
}
