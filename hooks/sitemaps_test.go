package hooks_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/hooks"
)

// The sitemaps as a search engine reads them: in the sitemaps.org 0.9
// namespace, or not at all.
type sitemapIndexDoc struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		Lastmod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemap"`
}

type urlsetDoc struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		Lastmod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 url"`
}

// readSitemapIndex GETs /sitemap.xml and parses it; every file it lists
// is a path on blogURL, with a W3C date.
func readSitemapIndex(t testing.TB, h http.Handler) (paths []string) {
	t.Helper()
	rec := getPage(t, h, "/sitemap.xml", http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
		t.Errorf("sitemap index: Content-Type %q", ct)
	}
	var index sitemapIndexDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &index); err != nil {
		t.Fatalf("sitemap index: %v\n%s", err, rec.Body.String())
	}
	for _, s := range index.Sitemaps {
		path, ok := strings.CutPrefix(s.Loc, blogURL+"/sitemaps/")
		if !ok {
			t.Errorf("sitemap index lists %q, not a sitemap on %s", s.Loc, blogURL)
			continue
		}
		if _, err := time.Parse(time.RFC3339, s.Lastmod); err != nil {
			t.Errorf("sitemap %s: lastmod %q: %v", s.Loc, s.Lastmod, err)
		}
		paths = append(paths, "/sitemaps/"+path)
	}
	return paths
}

// readSitemap GETs one sitemap file as a client that takes no gzip, then
// as one that does, and parses it: both must be the same XML. A large
// file is kept and sent gzipped to the second (with a strong ETag, the
// plain one's weak); a small one is the same answer to both.
func readSitemap(t testing.TB, h http.Handler, path string) urlsetDoc {
	t.Helper()
	plain := getPage(t, h, path, http.StatusOK)
	zipped := getPage(t, h, path, http.StatusOK, "Accept-Encoding", "br, gzip;q=0.8")
	if ce := plain.Header().Get("Content-Encoding"); ce != "" {
		t.Errorf("%s without Accept-Encoding: Content-Encoding %q", path, ce)
	}
	for _, header := range []http.Header{plain.Header(), zipped.Header()} {
		if ct := header.Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}
	switch ce := zipped.Header().Get("Content-Encoding"); ce {
	case "gzip":
		if !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") || !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q zipped, %q plain", path, zipped.Header().Get("Vary"), plain.Header().Get("Vary"))
		}
		strong := zipped.Header().Get("ETag")
		if strong == "" || strings.HasPrefix(strong, "W/") || plain.Header().Get("ETag") != "W/"+strong {
			t.Errorf("%s: ETag %q zipped, %q plain", path, strong, plain.Header().Get("ETag"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", path, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(unzipped, plain.Body.Bytes()) {
			t.Errorf("%s: the gzipped answer and the plain one differ", path)
		}
	case "":
		if plain.Body.Len() >= 256<<10 {
			t.Errorf("%s: %d bytes sent plain to a client that takes gzip", path, plain.Body.Len())
		}
		if !bytes.Equal(zipped.Body.Bytes(), plain.Body.Bytes()) || zipped.Header().Get("ETag") != plain.Header().Get("ETag") {
			t.Errorf("%s: a small sitemap differs by Accept-Encoding", path)
		}
	default:
		t.Fatalf("%s with Accept-Encoding gzip: Content-Encoding %q", path, ce)
	}
	var doc urlsetDoc
	if err := xml.Unmarshal(plain.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%s: %v\n%.2000s", path, err, plain.Body.String())
	}
	return doc
}

// sitemapLastmods is every URL of every sitemap the index lists, with its
// lastmod, each of them checked as readSitemap does.
func sitemapLastmods(t testing.TB, h http.Handler) map[string]string {
	t.Helper()
	urls := map[string]string{}
	for _, path := range readSitemapIndex(t, h) {
		for _, u := range readSitemap(t, h, path).URLs {
			if _, twice := urls[u.Loc]; twice {
				t.Errorf("%s listed twice", u.Loc)
			}
			if _, err := time.Parse(time.RFC3339, u.Lastmod); err != nil {
				t.Errorf("%s: lastmod %q: %v", u.Loc, u.Lastmod, err)
			}
			urls[u.Loc] = u.Lastmod
		}
	}
	return urls
}

// sitemapURLs is the set of URLs the sitemaps list.
func sitemapURLs(t testing.TB, h http.Handler) map[string]bool {
	t.Helper()
	urls := map[string]bool{}
	for u := range sitemapLastmods(t, h) {
		urls[u] = true
	}
	return urls
}

// publicPages is every URL the sitemaps must list: the home page, each
// published post, each author with a published post, each tag a
// published post carries.
func publicPages(t testing.TB, app core.App) map[string]bool {
	t.Helper()
	want := map[string]bool{blogURL + "/": true}
	var rows []struct {
		Slug     string `db:"slug"`
		Username string `db:"username"`
	}
	err := app.DB().NewQuery(`SELECT p.slug AS slug, u.username AS username FROM posts p JOIN users u ON u.id = p.author
		WHERE p.status = 'published'`).All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		want[blogURL+"/posts/"+r.Slug] = true
		want[blogURL+"/authors/"+r.Username] = true
	}
	var tags []string
	err = app.DB().NewQuery(`SELECT DISTINCT t.slug FROM posts p, json_each(p.tags) j JOIN tags t ON t.id = j.value
		WHERE p.status = 'published'`).Column(&tags)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range tags {
		want[blogURL+"/tags/"+url.PathEscape(slug)] = true
	}
	return want
}

func TestSitemapsListEveryPublicPage(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()

	// carol writes drafts only: no page of hers is public
	carol, err := createUser(app, "carol", "carol@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	addPost(t, app, carol.Id, "Carol's draft", time.Time{}, nil)
	addPost(t, app, fx.bobId, "Bob's older post", time.Now().AddDate(0, -2, 0), nil)
	h := serve(t, app)

	got := sitemapURLs(t, h)
	want := publicPages(t, app)
	if len(want) != 1+4+2+2 { // home, posts, authors, the fixture's tags
		t.Fatalf("the fixture changed: %v", want)
	}
	for u := range want {
		if !got[u] {
			t.Errorf("the sitemaps miss %s", u)
		}
	}
	for u := range got {
		if !want[u] {
			t.Errorf("the sitemaps list %s, which is no public page", u)
		}
	}

	// each file revalidates under its ETag, weak or strong
	for _, path := range readSitemapIndex(t, h) {
		etag := getPage(t, h, path, http.StatusOK).Header().Get("ETag")
		getPage(t, h, path, http.StatusNotModified, "If-None-Match", etag)
		getPage(t, h, path, http.StatusNotModified, "If-None-Match", strings.TrimPrefix(etag, "W/"), "Accept-Encoding", "gzip")
		if ce := getPage(t, h, path, http.StatusOK, "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: Content-Encoding %q to a client that refuses gzip", path, ce)
		}
	}
}

// TestSitemapsSplitPastAFile fills the database with SQL (the record
// hooks would take minutes) to one file and a bit of each kind: a file's
// worth of authors, each with a published post carrying a tag of its
// own, besides the fixture's (bob's post tagged too).
func TestSitemapsSplitPastAFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two sitemap files' worth of rows")
	}
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()

	per := hooks.SitemapURLs
	for _, sql := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {:n})
		INSERT INTO users (id, username, email, tokenKey, password)
		SELECT printf('bulku%010d', i), printf('bulk%d', i), printf('bulk%d@example.com', i), printf('bulk-token-key-%d', i), 'x' FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {:n})
		INSERT INTO tags (id, name, slug, key)
		SELECT printf('bulkt%010d', i), printf('Bulk tag %d', i), printf('bulk-tag-%d', i), printf('bulk tag %d', i) FROM n`,
		// published long before the fixture's posts, each a second apart
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {:n})
		INSERT INTO posts (id, title, slug, author, status, published, currency, tags, created, updated)
		SELECT printf('bulkp%010d', i), printf('Bulk %d', i), printf('bulk-%d', i), printf('bulku%010d', i), 'published',
			strftime('%Y-%m-%d %H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'), 'CNY', json_array(printf('bulkt%010d', i)),
			'2020-01-01 00:00:00.000Z', '2020-01-01 00:00:00.000Z'
		FROM n`,
	} {
		if _, err := app.DB().NewQuery(sql).Bind(dbx.Params{"n": per}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	retag(t, app, fx.bobPublished, saveTag(t, app, "Go"))
	h := serve(t, app)

	// per+3 published posts; per+2 authors and the home page; per+2 tags
	// (the fixture's Go and 数据库)
	files := readSitemapIndex(t, h)
	if want := []string{"/sitemaps/pages-1.xml", "/sitemaps/pages-2.xml", "/sitemaps/posts-1.xml", "/sitemaps/posts-2.xml",
		"/sitemaps/tags-1.xml", "/sitemaps/tags-2.xml"}; !slices.Equal(files, want) {
		t.Fatalf("the index lists %v, want %v", files, want)
	}
	counts := map[string]int{}
	got := map[string]bool{}
	for _, path := range files {
		for _, u := range readSitemap(t, h, path).URLs {
			if got[u.Loc] {
				t.Errorf("%s listed twice", u.Loc)
			}
			if u.Lastmod == "" {
				t.Errorf("%s has no lastmod", u.Loc)
			}
			got[u.Loc] = true
			counts[path]++
		}
	}
	if want := map[string]int{"/sitemaps/pages-1.xml": per, "/sitemaps/pages-2.xml": 3, "/sitemaps/posts-1.xml": per, "/sitemaps/posts-2.xml": 3,
		"/sitemaps/tags-1.xml": per, "/sitemaps/tags-2.xml": 2}; !maps.Equal(counts, want) {
		t.Errorf("URLs per file %v, want %v", counts, want)
	}
	want := publicPages(t, app)
	if len(want) != 1+(per+3)+(per+2)+(per+2) || len(got) != len(want) {
		t.Errorf("%d URLs listed, want %d", len(got), len(want))
	}
	for u := range want {
		if !got[u] {
			t.Errorf("the sitemaps miss %s", u)
			break
		}
	}

	// the posts oldest first: a new post changes the last file only
	var last []string
	for _, u := range readSitemap(t, h, "/sitemaps/posts-2.xml").URLs {
		last = append(last, strings.TrimPrefix(u.Loc, blogURL+"/posts/"))
	}
	newest := []string{slugOf(t, app, fx.alicePublished), slugOf(t, app, fx.alicePaid), slugOf(t, app, fx.bobPublished)}
	if !slices.Equal(last, newest) {
		t.Errorf("the last posts file holds %v, want the newest %v", last, newest)
	}
	getPage(t, h, "/sitemaps/posts-3.xml", http.StatusNotFound)
	getPage(t, h, "/sitemaps/pages-3.xml", http.StatusNotFound)
	getPage(t, h, "/sitemaps/tags-3.xml", http.StatusNotFound)
}

func TestRobots(t *testing.T) {
	t.Parallel()
	own := t.TempDir()
	ownRobots := "User-agent: *\nDisallow: /\n"
	if err := os.WriteFile(filepath.Join(own, "robots.txt"), []byte(ownRobots), 0o644); err != nil {
		t.Fatal(err)
	}

	// directives reads robots.txt as crawlers do: field: value lines.
	directives := func(t testing.TB, res *http.Response) map[string][]string {
		if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		found := map[string][]string{}
		lines := bufio.NewScanner(res.Body)
		for lines.Scan() {
			line, _, _ := strings.Cut(lines.Text(), "#")
			field, value, ok := strings.Cut(line, ":")
			if ok {
				field = strings.ToLower(strings.TrimSpace(field))
				found[field] = append(found[field], strings.TrimSpace(value))
			}
		}
		return found
	}
	served := func(sitemap string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			d := directives(t, res)
			for _, path := range []string{"/api/", "/_/", "/write", "/search"} {
				if !slices.Contains(d["disallow"], path) {
					t.Errorf("%s is not disallowed: %v", path, d["disallow"])
				}
			}
			if slices.Contains(d["disallow"], "/") || !slices.Equal(d["user-agent"], []string{"*"}) {
				t.Errorf("directives %v", d)
			}
			if len(d["sitemap"]) != 1 || d["sitemap"][0] != sitemap {
				t.Errorf("sitemap lines %v, want %s", d["sitemap"], sitemap)
			}
			if u, err := url.Parse(d["sitemap"][0]); err != nil || !u.IsAbs() {
				t.Errorf("the sitemap line is not an absolute URL: %v", err)
			}
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "crawler on a blog with BLOG_PUBLIC_URL",
			Method:          http.MethodGet,
			URL:             "/robots.txt",
			TestAppFactory:  appFactory(withPublicURL),
			ExpectedStatus:  200,
			ExpectedContent: []string{"Sitemap:"},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   served(blogURL + "/sitemap.xml"),
		},
		{
			Name:            "crawler on a blog named by the Application URL of its settings",
			Method:          http.MethodGet,
			URL:             "/robots.txt",
			TestAppFactory:  newTestApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{"Sitemap:"},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				settings := app.Settings()
				settings.Meta.AppURL = "https://pb.example.org/"
				if err := app.Save(settings); err != nil {
					t.Fatal(err)
				}
			},
			AfterTestFunc: served("https://pb.example.org/sitemap.xml"),
		},
		{
			Name:            "crawler on a blog with its own robots.txt",
			Method:          http.MethodGet,
			URL:             "/robots.txt",
			TestAppFactory:  appFactory(configWith(func(c *hooks.Config) { c.PublicURL, c.PublicDir = blogURL, own })),
			ExpectedStatus:  200,
			ExpectedContent: []string{ownRobots},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				body, _ := io.ReadAll(res.Body)
				if string(body) != ownRobots {
					t.Errorf("served %q, want the public directory's %q", body, ownRobots)
				}
			},
		},
	}
	for _, scenario := range scenarios {
		scenario.Test(t)
	}
}
