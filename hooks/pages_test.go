package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
	"golang.org/x/net/html"

	"blogbase/hooks"
)

// blogURL is BLOG_PUBLIC_URL in the page tests: every absolute link is
// built on it.
const blogURL = "https://blog.example.com"

// withPublicURL is the configuration the page tests run with.
var withPublicURL = configWith(func(c *hooks.Config) { c.PublicURL = blogURL })

// nasty is a title, summary or name that breaks out of every context a
// page puts text in, when it is not escaped for it.
const nasty = `</script><script>alert(1)</script> -->"' & <b>`

// crawledPage is a page as a crawler or a link preview reads it.
type crawledPage struct {
	doc     *html.Node
	title   string
	titles  int               // <title> elements
	meta    map[string]string // <meta> content by name or property
	links   []htmlLink        // <link> elements
	anchors []htmlLink        // <a> elements
	scripts []*html.Node
	jsonLD  map[string]any // the one <script type="application/ld+json">
	data    map[string]any // <script id="blog-data">

	// articleTags are the article:tag meta tags, the one property a
	// page gives more than once (once per tag of a post)
	articleTags []string
}

type htmlLink struct {
	rel, typ, href, title, text string
}

// crawl parses a page the way a crawler does; a second canonical link,
// meta tag or JSON-LD block, or one that does not parse, fails t.
func crawl(t testing.TB, body []byte) *crawledPage {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	p := &crawledPage{doc: doc, meta: map[string]string{}}
	for _, n := range elements(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "title":
			if n.Parent != nil && n.Parent.Data == "head" {
				p.titles++
				p.title = textOf(n)
			}
		case "meta":
			key := attr(n, "name")
			if key == "" {
				key = attr(n, "property")
			}
			if key == "" {
				continue
			}
			if key == "article:tag" {
				p.articleTags = append(p.articleTags, attr(n, "content"))
				continue
			}
			if _, twice := p.meta[key]; twice {
				t.Errorf("meta %q given twice", key)
			}
			p.meta[key] = attr(n, "content")
		case "link":
			p.links = append(p.links, htmlLink{rel: attr(n, "rel"), typ: attr(n, "type"), href: attr(n, "href"), title: attr(n, "title")})
		case "a":
			p.anchors = append(p.anchors, htmlLink{rel: attr(n, "rel"), href: attr(n, "href"), text: textOf(n)})
		case "script":
			p.scripts = append(p.scripts, n)
			var into *map[string]any
			switch {
			case attr(n, "type") == "application/ld+json":
				into = &p.jsonLD
			case attr(n, "id") == "blog-data":
				into = &p.data
			default:
				continue
			}
			if *into != nil {
				t.Errorf("a second %s script", attr(n, "type"))
			}
			if err := json.Unmarshal([]byte(textOf(n)), into); err != nil {
				t.Fatalf("script %s does not parse as a JSON object: %v\n%s", attr(n, "type"), err, textOf(n))
			}
		}
	}
	for _, rel := range []string{"canonical", "prev", "next"} {
		if hrefs := p.linked(rel, ""); len(hrefs) > 1 {
			t.Errorf("%d links rel=%s: %v", len(hrefs), rel, hrefs)
		}
	}
	return p
}

// linked is the hrefs of the <link> elements with rel (and typ, unless "").
func (p *crawledPage) linked(rel, typ string) []string {
	var hrefs []string
	for _, l := range p.links {
		if l.rel == rel && (typ == "" || l.typ == typ) {
			hrefs = append(hrefs, l.href)
		}
	}
	return hrefs
}

// link is the href of the one <link rel=rel>, "" for none.
func (p *crawledPage) link(rel string) string {
	if hrefs := p.linked(rel, ""); len(hrefs) > 0 {
		return hrefs[0]
	}
	return ""
}

// anchorsWithRel is the hrefs of the <a rel=rel> of the page's body.
func (p *crawledPage) anchorsWithRel(rel string) []string {
	var hrefs []string
	for _, a := range p.anchors {
		if a.rel == rel {
			hrefs = append(hrefs, a.href)
		}
	}
	return hrefs
}

// postLinks is the texts of the post titles a listing links, in order.
func (p *crawledPage) postLinks() []string {
	var titles []string
	for _, h := range elements(p.doc, func(n *html.Node) bool {
		return (n.Data == "h2" || n.Data == "h3") && n.Parent != nil && hasClass(n.Parent, "post-summary")
	}) {
		titles = append(titles, textOf(h))
	}
	return titles
}

// dataKind is page.kind of the page's initial data.
func (p *crawledPage) dataKind() string {
	kind, _ := jsonPath(p.data, "page", "kind").(string)
	return kind
}

// checkHead compares what a page tells crawlers with want, which names
// the <title>, meta tags (by name or property) and links (by rel) the page
// must have exactly so; "" means the tag or link must be absent.
func (p *crawledPage) checkHead(t testing.TB, want map[string]string) {
	t.Helper()
	for key, value := range want {
		var got string
		var present bool
		switch {
		case key == "title":
			got, present = p.title, p.titles > 0
		case strings.HasPrefix(key, "link:"):
			hrefs := p.linked(strings.TrimPrefix(key, "link:"), "")
			present = len(hrefs) > 0
			if present {
				got = hrefs[0]
			}
		default:
			got, present = p.meta[key]
		}
		switch {
		case value == "" && present:
			t.Errorf("%s: %q, want none", key, got)
		case value != "" && got != value:
			t.Errorf("%s: %q, want %q", key, got, value)
		}
	}
	if p.titles != 1 {
		t.Errorf("%d <title> elements", p.titles)
	}
}

// elements is every element under n, in document order, that keep takes.
func elements(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var found []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && keep(n) {
			found = append(found, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// textOf is the text of n and its descendants.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// byClass is the text of the first element with class, and whether
// there is one.
func byClass(doc *html.Node, class string) (string, bool) {
	found := elements(doc, func(n *html.Node) bool { return hasClass(n, class) })
	if len(found) == 0 {
		return "", false
	}
	return textOf(found[0]), true
}

// jsonPath reads a value down nested JSON objects; nil when absent.
func jsonPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// jsonStrings is every string in a JSON value, keys included.
func jsonStrings(v any) []string {
	var all []string
	switch v := v.(type) {
	case string:
		all = append(all, v)
	case []any:
		for _, x := range v {
			all = append(all, jsonStrings(x)...)
		}
	case map[string]any:
		for k, x := range v {
			all = append(all, k)
			all = append(all, jsonStrings(x)...)
		}
	}
	return all
}

// getPage GETs a page, expects status, and returns the answer.
func getPage(t testing.TB, h http.Handler, path string, status int, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	rec := send(t, h, http.MethodGet, path, "", "", headers...)
	if rec.Code != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, status, rec.Body.String())
	}
	return rec
}

// crawlPage GETs a page that must answer 200 as HTML and parses it.
func crawlPage(t testing.TB, h http.Handler, path string) *crawledPage {
	t.Helper()
	rec := getPage(t, h, path, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return crawl(t, rec.Body.Bytes())
}

// addPost saves a post of author the way Go code or the dashboard does,
// published at the given time (zero for a draft), with change applied
// before the save; its content is the hook's, with an empty body.
func addPost(t testing.TB, app core.App, author, title string, published time.Time, change func(*core.Record)) *core.Record {
	t.Helper()
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		t.Fatal(err)
	}
	post := core.NewRecord(posts)
	post.Set("author", author)
	post.Set("title", title)
	post.Set("status", "draft")
	if !published.IsZero() {
		date, _ := types.ParseDateTime(published)
		post.Set("status", "published")
		post.Set("published", date)
	}
	if change != nil {
		change(post)
	}
	// a post is published with a body: a placeholder paragraph, until
	// the test writes another
	status, date := post.GetString("status"), post.GetString("published")
	if status != "draft" {
		post.Set("status", "draft")
		post.Set("published", "")
	}
	if err := app.Save(post); err != nil {
		t.Fatalf("post %q: %v", title, err)
	}
	if status != "draft" {
		setBody(t, app, post.Id, "<p>(the body of this post)</p>")
		post, err = app.FindRecordById("posts", post.Id)
		if err != nil {
			t.Fatal(err)
		}
		post.Set("status", status)
		post.Set("published", date)
		if err := app.Save(post); err != nil {
			t.Fatalf("post %q: %v", title, err)
		}
	}
	return post
}

// setBody writes the body of a post, as the editor's save does.
func setBody(t testing.TB, app core.App, postId, body string) {
	t.Helper()
	content, err := app.FindFirstRecordByData("postContents", "post", postId)
	if err != nil {
		t.Fatal(err)
	}
	content.Set("body", body)
	if err := app.Save(content); err != nil {
		t.Fatal(err)
	}
}

// update saves a change of the record id of collection.
func update(t testing.TB, app core.App, collection, id string, change func(*core.Record)) {
	t.Helper()
	record, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	change(record)
	if err := app.Save(record); err != nil {
		t.Fatalf("saving %s %s: %v", collection, id, err)
	}
}

// slugOf is the stored slug of a post.
func slugOf(t testing.TB, app core.App, postId string) string {
	t.Helper()
	post, err := app.FindRecordById("posts", postId)
	if err != nil {
		t.Fatal(err)
	}
	return post.GetString("slug")
}

// siteRecord is the one record of the site collection.
func siteRecord(t testing.TB, app core.App) *core.Record {
	t.Helper()
	records, err := app.FindAllRecords("site")
	if err != nil || len(records) != 1 {
		t.Fatalf("site records: %d, %v", len(records), err)
	}
	return records[0]
}

// olderPosts adds n published posts by author, published an hour apart
// a year before the fixture's, newest first, and returns them in that
// order: the fixture's three published posts stay the newest.
func olderPosts(t testing.TB, app core.App, author, prefix string, n int) []*core.Record {
	t.Helper()
	newest := time.Now().AddDate(-1, 0, 0).Truncate(time.Second)
	added := make([]*core.Record, n)
	for i := range n {
		added[i] = addPost(t, app, author, prefix+" "+string(rune('A'+i)), newest.Add(-time.Duration(i)*time.Hour), nil)
	}
	return added
}

func TestPagesWhatCrawlersRead(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()

	// 13 published posts (two pages), 12 of them alice's (two pages too)
	older := olderPosts(t, app, fx.aliceId, "Alice older", 10)
	update(t, app, "posts", fx.alicePaid, func(r *core.Record) { r.Set("summary", "What the essay argues, in short.") })
	h := serve(t, app)

	freeSlug, paidSlug := slugOf(t, app, fx.alicePublished), slugOf(t, app, fx.alicePaid)
	site := "blogbase"
	siteDescription := "Posts by the authors of this blog."

	t.Run("guest on the home page", func(t *testing.T) {
		rec := getPage(t, h, "/", http.StatusOK)
		if rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") != "public, no-cache" ||
			rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("headers: %v", rec.Header())
		}
		p := crawl(t, rec.Body.Bytes())
		p.checkHead(t, map[string]string{
			"title":          site,
			"description":    siteDescription,
			"link:canonical": blogURL + "/",
			"og:title":       site,
			"og:description": siteDescription,
			"og:type":        "website",
			"og:url":         blogURL + "/",
			"og:site_name":   site,
			"twitter:card":   "summary",
			"robots":         "",
			"link:prev":      "",
			"link:next":      blogURL + "/?page=2",
		})
		if feeds := p.linked("alternate", "application/rss+xml"); len(feeds) != 1 || feeds[0] != blogURL+"/rss.xml" {
			t.Errorf("feed links %v", feeds)
		}
		if next := p.anchorsWithRel("next"); len(next) != 1 || next[0] != "/?page=2" {
			t.Errorf("links to the next page in the body: %v", next)
		}
		if prev := p.anchorsWithRel("prev"); len(prev) != 0 {
			t.Errorf("links to a previous page from the first: %v", prev)
		}
		if jsonPath(p.jsonLD, "@type") != "WebSite" || jsonPath(p.jsonLD, "url") != blogURL+"/" || jsonPath(p.jsonLD, "name") != site {
			t.Errorf("JSON-LD %v", p.jsonLD)
		}
		if p.dataKind() != "listing" || jsonPath(p.data, "site", "name") != site {
			t.Errorf("blog-data %v", p.data)
		}
		titles := p.postLinks()
		want := []string{"Bob in public", "Alice paid essay", "Alice in public", "Alice older A"}
		if len(titles) != 10 || strings.Join(titles[:4], "|") != strings.Join(want, "|") {
			t.Errorf("posts listed %q, want 10 starting with %q", titles, want)
		}
		if items, _ := jsonPath(p.data, "page", "page", "items").([]any); len(items) != 10 {
			t.Errorf("blog-data holds %d posts, want 10", len(items))
		}
	})

	t.Run("guest on the second page", func(t *testing.T) {
		p := crawlPage(t, h, "/?page=2")
		p.checkHead(t, map[string]string{
			"title":          "Page 2 · " + site,
			"link:canonical": blogURL + "/?page=2",
			"og:url":         blogURL + "/?page=2",
			"link:prev":      blogURL + "/",
			"link:next":      "",
		})
		if prev := p.anchorsWithRel("prev"); len(prev) != 1 || prev[0] != "/" {
			t.Errorf("links to the previous page in the body: %v", prev)
		}
		titles := p.postLinks()
		if want := []string{"Alice older H", "Alice older I", "Alice older J"}; strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("second page lists %q, want %q", titles, want)
		}
		if p.dataKind() != "listing" || jsonPath(p.data, "page", "page", "page") != 2.0 {
			t.Errorf("blog-data %v", p.data)
		}
	})

	t.Run("guest on a free post, by slug and by id", func(t *testing.T) {
		canonical := blogURL + "/posts/" + freeSlug
		for _, path := range []string{"/posts/" + freeSlug, "/posts/" + fx.alicePublished} {
			p := crawlPage(t, h, path)
			p.checkHead(t, map[string]string{
				"title":          "Alice in public · " + site,
				"description":    "alice public body",
				"link:canonical": canonical,
				"og:title":       "Alice in public",
				"og:description": "alice public body",
				"og:type":        "article",
				"og:url":         canonical,
				"og:site_name":   site,
				"twitter:card":   "summary",
				"link:prev":      "",
				"link:next":      "",
				"robots":         "",
			})
			if feeds := p.linked("alternate", "application/rss+xml"); len(feeds) != 1 || feeds[0] != blogURL+"/rss.xml" {
				t.Errorf("%s: feed links %v", path, feeds)
			}
			if body, ok := byClass(p.doc, "post-body"); !ok || body != "alice public body" {
				t.Errorf("%s: body %q (shown %v)", path, body, ok)
			}
			ld := p.jsonLD
			if ld["@type"] != "BlogPosting" || ld["headline"] != "Alice in public" || ld["url"] != canonical ||
				ld["isAccessibleForFree"] != true || jsonPath(ld, "author", "name") != "alice name" ||
				jsonPath(ld, "author", "url") != blogURL+"/authors/alice" || jsonPath(ld, "mainEntityOfPage", "@id") != canonical {
				t.Errorf("%s: JSON-LD %v", path, ld)
			}
			post, _ := jsonPath(p.data, "page", "post").(map[string]any)
			if p.dataKind() != "post" || post["id"] != fx.alicePublished || post["title"] != "Alice in public" {
				t.Errorf("%s: blog-data %v", path, p.data)
			}
			if _, ok := post["commentsCount"]; ok {
				t.Errorf("%s: blog-data shows commentsCount", path)
			}
		}
	})

	t.Run("guest on a paid post sees its summary and price only", func(t *testing.T) {
		rec := getPage(t, h, "/posts/"+paidSlug, http.StatusOK)
		if bytes.Contains(rec.Body.Bytes(), []byte("alice paid body")) {
			t.Fatalf("the paid body is in the page:\n%s", rec.Body.String())
		}
		p := crawl(t, rec.Body.Bytes())
		p.checkHead(t, map[string]string{
			"title":          "Alice paid essay · " + site,
			"description":    "What the essay argues, in short.",
			"og:description": "What the essay argues, in short.",
			"link:canonical": blogURL + "/posts/" + paidSlug,
			"og:type":        "article",
		})
		if _, shown := byClass(p.doc, "post-body"); shown {
			t.Error("a paid post's page has a body for a guest")
		}
		paywall, ok := byClass(p.doc, "paywall")
		if !ok || !strings.Contains(paywall, "What the essay argues, in short.") || !strings.Contains(paywall, "CN¥9.90") {
			t.Errorf("paywall %q (shown %v), want the summary and the price", paywall, ok)
		}
		if p.jsonLD["isAccessibleForFree"] != false || p.jsonLD["@type"] != "BlogPosting" {
			t.Errorf("JSON-LD %v", p.jsonLD)
		}
		for _, s := range append(jsonStrings(p.data), jsonStrings(p.jsonLD)...) {
			if strings.Contains(s, "alice paid body") {
				t.Errorf("the paid body is in the page's JSON: %q", s)
			}
		}
		if p.dataKind() != "post" || jsonPath(p.data, "page", "post", "body") != nil {
			t.Errorf("blog-data %v", p.data)
		}
	})

	t.Run("guest on an author's pages", func(t *testing.T) {
		p := crawlPage(t, h, "/authors/alice")
		description := "Posts by alice name on " + site + "."
		p.checkHead(t, map[string]string{
			"title":          "alice name (@alice) · " + site,
			"description":    description,
			"link:canonical": blogURL + "/authors/alice",
			"og:title":       "alice name",
			"og:description": description,
			"og:type":        "profile",
			"og:url":         blogURL + "/authors/alice",
			"og:site_name":   site,
			"twitter:card":   "summary",
			"link:prev":      "",
			"link:next":      blogURL + "/authors/alice?page=2",
		})
		if feeds := p.linked("alternate", "application/rss+xml"); len(feeds) != 1 || feeds[0] != blogURL+"/authors/alice/rss.xml" {
			t.Errorf("feed links %v", feeds)
		}
		if next := p.anchorsWithRel("next"); len(next) != 1 || next[0] != "/authors/alice?page=2" {
			t.Errorf("links to the next page in the body: %v", next)
		}
		ld := p.jsonLD
		if ld["@type"] != "ProfilePage" || jsonPath(ld, "mainEntity", "@type") != "Person" ||
			jsonPath(ld, "mainEntity", "name") != "alice name" || jsonPath(ld, "mainEntity", "url") != blogURL+"/authors/alice" {
			t.Errorf("JSON-LD %v", ld)
		}
		if p.dataKind() != "author" || jsonPath(p.data, "page", "author", "username") != "alice" {
			t.Errorf("blog-data %v", p.data)
		}
		titles := p.postLinks()
		if len(titles) != 10 || titles[0] != "Alice paid essay" || strings.Contains(strings.Join(titles, "|"), "Bob") {
			t.Errorf("alice's page lists %q", titles)
		}

		p = crawlPage(t, h, "/authors/alice?page=2")
		p.checkHead(t, map[string]string{
			"link:canonical": blogURL + "/authors/alice?page=2",
			"link:prev":      blogURL + "/authors/alice",
			"link:next":      "",
		})
		if prev := p.anchorsWithRel("prev"); len(prev) != 1 || prev[0] != "/authors/alice" {
			t.Errorf("links to the previous page in the body: %v", prev)
		}
		if titles := p.postLinks(); len(titles) != 2 || titles[1] != older[9].GetString("title") {
			t.Errorf("alice's second page lists %q", titles)
		}
	})
}

func TestPagesNotFound(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	draftSlug := slugOf(t, app, fx.aliceDraft)
	app.Cleanup()

	// notFoundPage checks the answer is the HTML not-found page, which no
	// search engine indexes.
	notFoundPage := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Error("no Content-Security-Policy")
		}
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		p := crawl(t, body.Bytes())
		if p.meta["robots"] != "noindex" || p.link("canonical") != "" || p.dataKind() != "notFound" {
			t.Errorf("robots %q, canonical %q, kind %q", p.meta["robots"], p.link("canonical"), p.dataKind())
		}
		if h1 := elements(p.doc, func(n *html.Node) bool { return n.Data == "h1" }); len(h1) != 1 || textOf(h1[0]) != "Not found" {
			t.Errorf("not the not-found page:\n%s", body.String())
		}
	}
	appShell := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		p := crawl(t, body.Bytes())
		if res.Header.Get("Content-Type") != "text/html; charset=utf-8" || p.meta["robots"] != "noindex" ||
			p.link("canonical") != "" || p.dataKind() != "app" {
			t.Errorf("not the app's shell: %s\n%s", res.Header.Get("Content-Type"), body.String())
		}
	}
	notFound := func(name, url string, leaks ...string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:               name,
			Method:             http.MethodGet,
			URL:                url,
			ExpectedStatus:     404,
			NotExpectedContent: append([]string{`rel="canonical"`}, leaks...),
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc:      notFoundPage,
		}
	}

	scenarios := []tests.ApiScenario{
		notFound("guest on an unknown post", "/posts/no-such-post"),
		notFound("guest on a draft by its slug", "/posts/"+draftSlug, "Alice secret draft", "alice draft body"),
		notFound("guest on a draft by its id", "/posts/"+fx.aliceDraft, "Alice secret draft", "alice draft body"),
		notFound("guest on an unknown author", "/authors/nobody"),
		notFound("guest on an author named impossibly", "/authors/Alice%20Smith"),
		notFound("guest on page 0", "/?page=0"),
		notFound("guest on page abc", "/?page=abc"),
		notFound("guest on page 01", "/?page=01"),
		notFound("guest on a page past the last", "/?page=2"),
		notFound("guest on an author's page past the last", "/authors/alice?page=2"),
		notFound("guest on an author's page 0", "/authors/alice?page=0"),
		notFound("guest on a path nobody serves", "/nothing/here"),
		notFound("guest on a sitemap past the last", "/sitemaps/posts-99.xml"),
		notFound("guest on a sitemap named with a leading zero", "/sitemaps/posts-01.xml"),
		notFound("guest on a sitemap of an unknown kind", "/sitemaps/users-1.xml"),
		notFound("guest on a tags' sitemap past the last", "/sitemaps/tags-2.xml"),
		notFound("guest on an unknown tag", "/tags/no-such-tag"),
		notFound("guest on an unknown tag's feed", "/tags/no-such-tag/rss.xml"),
		{
			Name:               "author of the draft on its page still gets the not-found page (the app asks the API as them)",
			Method:             http.MethodGet,
			URL:                "/posts/" + fx.aliceDraft,
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     404,
			NotExpectedContent: []string{"alice draft body"},
			AfterTestFunc:      notFoundPage,
		},
		{
			Name:            "guest on an unknown API path gets PocketBase's JSON",
			Method:          http.MethodGet,
			URL:             "/api/nothing",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var answer struct {
					Status  int    `json:"status"`
					Message string `json:"message"`
				}
				if err := json.NewDecoder(res.Body).Decode(&answer); err != nil || answer.Status != 404 ||
					!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					t.Errorf("not PocketBase's JSON 404: %v %+v %s", err, answer, res.Header.Get("Content-Type"))
				}
			},
		},
	}
	for _, path := range []string{"/login", "/signup", "/profile", "/write", "/write/new", "/write/abc"} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:               "guest on the app's own page " + path,
			Method:             http.MethodGet,
			URL:                path,
			ExpectedStatus:     200,
			NotExpectedContent: []string{`rel="canonical"`},
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc:      appShell,
		})
	}
	for _, scenario := range scenarios {
		if scenario.TestAppFactory == nil {
			scenario.TestAppFactory = newTestApp
		}
		scenario.Test(t)
	}
}

func TestPagesEscapeEveryContext(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()

	post := addPost(t, app, fx.aliceId, nasty, time.Now(), func(r *core.Record) { r.Set("summary", nasty) })
	setBody(t, app, post.Id, "<p>a plain body</p>")
	site := siteRecord(t, app)
	site.Set("name", nasty)
	site.Set("description", nasty)
	if err := app.Save(site); err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	// only the app's scripts and data blocks: nothing the text opened
	// (a page for search engines has JSON-LD and Open Graph tags too)
	onlyOwnMarkup := func(t testing.TB, p *crawledPage, indexed bool) {
		t.Helper()
		ldJSON := 0
		if indexed {
			ldJSON = 1
		}
		seen := map[string]int{}
		for _, s := range p.scripts {
			switch {
			case attr(s, "type") == "module" && attr(s, "src") == "/assets/app.js" && textOf(s) == "":
				seen["app"]++
			case attr(s, "type") == "application/ld+json" && attr(s, "src") == "":
				seen["ld+json"]++
			case attr(s, "type") == "application/json" && attr(s, "id") == "blog-data" && attr(s, "src") == "":
				seen["blog-data"]++
			default:
				t.Errorf("a script the page did not mean: %s %q", s.Attr, textOf(s))
			}
		}
		if seen["app"] != 1 || seen["ld+json"] != ldJSON || seen["blog-data"] != 1 {
			t.Errorf("scripts %v, want the app's, its data and %d JSON-LD", seen, ldJSON)
		}
		if b := elements(p.doc, func(n *html.Node) bool { return n.Data == "b" }); len(b) > 0 {
			t.Errorf("%d <b> elements opened by the text", len(b))
		}
		var comments int
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.CommentNode {
				comments++
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		if walk(p.doc); comments > 0 {
			t.Errorf("%d comments in the page", comments)
		}
		if jsonPath(p.data, "site", "name") != nasty {
			t.Errorf("blog-data site name %q", jsonPath(p.data, "site", "name"))
		}
		if indexed && p.meta["og:site_name"] != nasty {
			t.Errorf("og:site_name %q", p.meta["og:site_name"])
		}
		if brand, _ := byClass(p.doc, "brand"); brand != nasty {
			t.Errorf("the header names the site %q", brand)
		}
	}

	t.Run("post page", func(t *testing.T) {
		p := crawlPage(t, h, "/posts/"+post.GetString("slug"))
		onlyOwnMarkup(t, p, true)
		p.checkHead(t, map[string]string{
			"title":               nasty + " · " + nasty,
			"og:title":            nasty,
			"twitter:title":       nasty,
			"description":         nasty,
			"og:description":      nasty,
			"twitter:description": nasty,
		})
		if p.jsonLD["headline"] != nasty || p.jsonLD["description"] != nasty || jsonPath(p.jsonLD, "publisher", "name") != nasty {
			t.Errorf("JSON-LD %v", p.jsonLD)
		}
		if jsonPath(p.data, "page", "post", "title") != nasty || jsonPath(p.data, "page", "post", "summary") != nasty {
			t.Errorf("blog-data %v", p.data)
		}
		if h1 := elements(p.doc, func(n *html.Node) bool { return n.Data == "h1" }); len(h1) != 1 || textOf(h1[0]) != nasty {
			t.Errorf("heading %v", h1)
		}
		for _, l := range p.links {
			if l.rel == "alternate" && l.title != nasty {
				t.Errorf("feed link title %q", l.title)
			}
		}
	})

	t.Run("home page", func(t *testing.T) {
		p := crawlPage(t, h, "/")
		onlyOwnMarkup(t, p, true)
		p.checkHead(t, map[string]string{"title": nasty, "og:title": nasty, "description": nasty})
		if p.jsonLD["name"] != nasty || p.jsonLD["description"] != nasty {
			t.Errorf("JSON-LD %v", p.jsonLD)
		}
		if titles := p.postLinks(); len(titles) == 0 || titles[0] != nasty {
			t.Errorf("listed %q", titles)
		}
		summaries := elements(p.doc, func(n *html.Node) bool {
			return n.Data == "p" && n.Parent != nil && hasClass(n.Parent, "post-summary") && attr(n, "class") == ""
		})
		if len(summaries) == 0 || textOf(summaries[0]) != nasty {
			t.Errorf("first summary %v", summaries)
		}
		if items, _ := jsonPath(p.data, "page", "page", "items").([]any); len(items) == 0 || jsonPath(items[0], "title") != nasty {
			t.Errorf("blog-data items %v", items)
		}
	})

	t.Run("author page and the app's shell", func(t *testing.T) {
		p := crawlPage(t, h, "/authors/alice")
		onlyOwnMarkup(t, p, true)
		if titles := p.postLinks(); len(titles) == 0 || titles[0] != nasty {
			t.Errorf("listed %q", titles)
		}
		if want := "alice name (@alice) · " + nasty; p.title != want {
			t.Errorf("title %q, want %q", p.title, want)
		}
		shell := crawl(t, getPage(t, h, "/login", http.StatusOK).Body.Bytes())
		onlyOwnMarkup(t, shell, false)
		if shell.title != nasty || jsonPath(shell.data, "site", "name") != nasty {
			t.Errorf("shell title %q, data %v", shell.title, shell.data)
		}
	})

	t.Run("feeds", func(t *testing.T) {
		for _, path := range []string{"/rss.xml", "/authors/alice/rss.xml"} {
			feed := readFeed(t, h, path)
			if len(feed.Channel.Items) == 0 || feed.Channel.Items[0].Title != nasty || feed.Channel.Items[0].Description != nasty {
				t.Errorf("%s: first item %+v", path, feed.Channel.Items)
			}
			if !strings.Contains(feed.Channel.Title, nasty) {
				t.Errorf("%s: channel title %q", path, feed.Channel.Title)
			}
		}
	})
}

func TestPagesRevalidate(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	h := serve(t, app)

	for _, path := range []string{"/", "/posts/" + fx.bobPublished, "/authors/bob", "/login", "/rss.xml", "/authors/bob/rss.xml", "/sitemap.xml"} {
		first := getPage(t, h, path, http.StatusOK)
		etag := first.Header().Get("ETag")
		if etag == "" || !strings.HasPrefix(first.Header().Get("Cache-Control"), "public") {
			t.Errorf("%s: ETag %q, Cache-Control %q", path, etag, first.Header().Get("Cache-Control"))
			continue
		}
		again := getPage(t, h, path, http.StatusOK)
		if again.Header().Get("ETag") != etag || again.Body.String() != first.Body.String() {
			t.Errorf("%s: a second GET answered another ETag %q (was %q) or body", path, again.Header().Get("ETag"), etag)
		}
		notModified := getPage(t, h, path, http.StatusNotModified, "If-None-Match", etag)
		if notModified.Body.Len() != 0 || notModified.Header().Get("ETag") != etag {
			t.Errorf("%s: 304 with ETag %q and %d bytes", path, notModified.Header().Get("ETag"), notModified.Body.Len())
		}
		getPage(t, h, path, http.StatusOK, "If-None-Match", `"something-else"`)
	}
	for path, want := range map[string]string{"/": "public, no-cache", "/rss.xml": "public, max-age=5", "/sitemap.xml": "public, max-age=5"} {
		if got := getPage(t, h, path, http.StatusOK).Header().Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", path, got, want)
		}
	}
}

// TestPagesNeverStale primes the cached pages, feeds and sitemaps with a
// GET, writes the way Go code or the dashboard does, and reads them again:
// what a write changed shows at once.
func TestPagesNeverStale(t *testing.T) {
	t.Parallel()

	// fresh is an app with its pages cached, and its handler
	fresh := func(t *testing.T, setup ...func(core.App)) (*tests.TestApp, http.Handler) {
		app := newTestAppWith(t, withPublicURL)
		t.Cleanup(app.Cleanup)
		for _, f := range setup {
			f(app)
		}
		h := serve(t, app)
		slug := slugOf(t, app, fx.alicePublished)
		for _, path := range []string{"/", "/?page=1", "/posts/" + slug, "/posts/" + fx.alicePublished, "/authors/alice", "/login",
			"/rss.xml", "/authors/alice/rss.xml", "/sitemap.xml", "/sitemaps/posts-1.xml", "/sitemaps/pages-1.xml"} {
			getPage(t, h, path, http.StatusOK)
		}
		return app, h
	}
	feedTitles := func(t testing.TB, h http.Handler, path string) string {
		var titles []string
		for _, item := range readFeed(t, h, path).Channel.Items {
			titles = append(titles, item.Title)
		}
		return strings.Join(titles, "|")
	}

	t.Run("a post's title edited", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		slug := slugOf(t, app, fx.alicePublished)
		update(t, app, "posts", fx.alicePublished, func(r *core.Record) { r.Set("title", "Alice renamed her post") })

		for _, path := range []string{"/posts/" + slug, "/posts/" + fx.alicePublished} {
			p := crawlPage(t, h, path)
			if p.meta["og:title"] != "Alice renamed her post" || p.jsonLD["headline"] != "Alice renamed her post" {
				t.Errorf("%s: og:title %q, headline %v", path, p.meta["og:title"], p.jsonLD["headline"])
			}
		}
		for _, path := range []string{"/", "/authors/alice"} {
			if titles := strings.Join(crawlPage(t, h, path).postLinks(), "|"); !strings.Contains(titles, "Alice renamed her post") {
				t.Errorf("%s lists %q", path, titles)
			}
		}
		for _, path := range []string{"/rss.xml", "/authors/alice/rss.xml"} {
			if titles := feedTitles(t, h, path); !strings.Contains(titles, "Alice renamed her post") || strings.Contains(titles, "Alice in public") {
				t.Errorf("%s holds %q", path, titles)
			}
		}
	})

	t.Run("a post unpublished", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		slug := slugOf(t, app, fx.alicePublished)
		update(t, app, "posts", fx.alicePublished, func(r *core.Record) { r.Set("status", "draft") })

		getPage(t, h, "/posts/"+slug, http.StatusNotFound)
		getPage(t, h, "/posts/"+fx.alicePublished, http.StatusNotFound)
		for _, path := range []string{"/", "/?page=1", "/authors/alice"} {
			if titles := strings.Join(crawlPage(t, h, path).postLinks(), "|"); strings.Contains(titles, "Alice in public") {
				t.Errorf("%s still lists it: %q", path, titles)
			}
		}
		for _, path := range []string{"/rss.xml", "/authors/alice/rss.xml"} {
			if titles := feedTitles(t, h, path); strings.Contains(titles, "Alice in public") {
				t.Errorf("%s still holds it: %q", path, titles)
			}
		}
		if urls := sitemapURLs(t, h); urls[blogURL+"/posts/"+slug] {
			t.Errorf("the sitemaps still list it: %v", urls)
		}
	})

	t.Run("the site's name edited", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		site := siteRecord(t, app)
		site.Set("name", "The Renamed Blog")
		if err := app.Save(site); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/posts/" + fx.alicePublished, "/authors/alice", "/login"} {
			p := crawlPage(t, h, path)
			if jsonPath(p.data, "site", "name") != "The Renamed Blog" || !strings.HasSuffix(p.title, "The Renamed Blog") {
				t.Errorf("%s: title %q, data %v", path, p.title, p.data)
			}
		}
		if title := readFeed(t, h, "/rss.xml").Channel.Title; title != "The Renamed Blog" {
			t.Errorf("feed title %q", title)
		}
		if title := readFeed(t, h, "/authors/alice/rss.xml").Channel.Title; title != "alice name · The Renamed Blog" {
			t.Errorf("author feed title %q", title)
		}
	})

	t.Run("the site's name edited through the API by a superuser", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		rec := send(t, h, http.MethodPatch, "/api/collections/site/records/"+siteRecord(t, app).Id,
			`{"name":"Renamed by the admin"}`, fx.superuserToken)
		if rec.Code != http.StatusOK {
			t.Fatalf("rename: %d %s", rec.Code, rec.Body.String())
		}
		if p := crawlPage(t, h, "/"); p.title != "Renamed by the admin" || p.meta["og:site_name"] != "Renamed by the admin" {
			t.Errorf("home page: title %q, og:site_name %q", p.title, p.meta["og:site_name"])
		}
	})

	t.Run("an author's bio edited", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		update(t, app, "users", fx.aliceId, func(r *core.Record) { r.Set("bio", "Falls down rabbit holes.") })
		p := crawlPage(t, h, "/authors/alice")
		if p.meta["description"] != "Falls down rabbit holes." || jsonPath(p.jsonLD, "mainEntity", "description") != "Falls down rabbit holes." {
			t.Errorf("author page: description %q, JSON-LD %v", p.meta["description"], p.jsonLD)
		}
		if bio, _ := byClass(p.doc, "bio"); bio != "Falls down rabbit holes." {
			t.Errorf("bio shown %q", bio)
		}
		if feed := readFeed(t, h, "/authors/alice/rss.xml"); feed.Channel.Description != "Falls down rabbit holes." {
			t.Errorf("author feed described %q", feed.Channel.Description)
		}
	})

	t.Run("an author's name edited", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		update(t, app, "users", fx.aliceId, func(r *core.Record) { r.Set("name", "Alice Liddell") })
		p := crawlPage(t, h, "/authors/alice")
		if p.title != "Alice Liddell (@alice) · blogbase" || jsonPath(p.jsonLD, "mainEntity", "name") != "Alice Liddell" {
			t.Errorf("author page: title %q, JSON-LD %v", p.title, p.jsonLD)
		}
		p = crawlPage(t, h, "/posts/"+fx.alicePublished)
		if jsonPath(p.jsonLD, "author", "name") != "Alice Liddell" || jsonPath(p.data, "page", "post", "expand", "author", "name") != "Alice Liddell" {
			t.Errorf("post page: JSON-LD %v, data %v", p.jsonLD, p.data)
		}
		p = crawlPage(t, h, "/")
		bylines := 0
		for _, a := range p.anchors {
			if a.href == "/authors/alice" && a.text == "Alice Liddell" {
				bylines++
			}
		}
		if bylines != 2 {
			t.Errorf("the home page names alice anew %d times, want 2 (her two posts)", bylines)
		}
		for _, item := range readFeed(t, h, "/rss.xml").Channel.Items {
			if strings.HasPrefix(item.Title, "Alice") && item.Creator != "Alice Liddell" {
				t.Errorf("feed item %q by %q", item.Title, item.Creator)
			}
		}
		if feed := readFeed(t, h, "/authors/alice/rss.xml"); feed.Channel.Title != "Alice Liddell · blogbase" {
			t.Errorf("author feed titled %q", feed.Channel.Title)
		}
	})

	t.Run("a post's body edited", func(t *testing.T) {
		t.Parallel()
		// a summary of the author's own: the body's save alone changes
		// what the pages show, the post is not saved again with it; and
		// dated a year back, so that the edit's date tells at the seconds
		// pages show
		yearAgo := time.Now().AddDate(-1, 0, 0).UTC()
		app, h := fresh(t, func(app core.App) {
			update(t, app, "posts", fx.alicePublished, func(r *core.Record) { r.Set("summary", "Alice's own summary.") })
			old := dbx.Params{"old": types.NowDateTime().AddDate(-1, 0, 0).String(), "id": fx.alicePublished}
			for _, sql := range []string{
				"UPDATE posts SET published = {:old}, updated = {:old} WHERE id = {:id}",
				"UPDATE postContents SET updated = {:old} WHERE post = {:id}",
			} {
				if _, err := app.DB().NewQuery(sql).Bind(old).Execute(); err != nil {
					t.Fatal(err)
				}
			}
		})
		slug := slugOf(t, app, fx.alicePublished)
		before := sitemapLastmods(t, h)[blogURL+"/posts/"+slug]
		setBody(t, app, fx.alicePublished, "<p>alice rewrote her body</p>")

		p := crawlPage(t, h, "/posts/"+slug)
		if body, _ := byClass(p.doc, "post-body"); body != "alice rewrote her body" {
			t.Errorf("body shown %q", body)
		}
		for _, modified := range []string{p.meta["article:modified_time"], fmt.Sprint(p.jsonLD["dateModified"])} {
			if date, err := time.Parse(time.RFC3339, modified); err != nil || date.Before(yearAgo.AddDate(0, 0, 1)) {
				t.Errorf("the post was modified %q, a year ago: the new body is not dated", modified)
			}
		}
		for _, path := range []string{"/rss.xml", "/authors/alice/rss.xml"} {
			for _, item := range readFeed(t, h, path).Channel.Items {
				if item.GUID == fx.alicePublished && (item.Content == nil || *item.Content != "<p>alice rewrote her body</p>") {
					t.Errorf("%s: content %v", path, item.Content)
				}
			}
		}
		if after := sitemapLastmods(t, h)[blogURL+"/posts/"+slug]; after == "" || after <= before {
			t.Errorf("sitemap lastmod %q after the edit, %q before", after, before)
		}
	})

	t.Run("a comment leaves the pages as they were", func(t *testing.T) {
		t.Parallel()
		app, h := fresh(t)
		paths := []string{"/posts/" + fx.bobPublished, "/", "/authors/bob", "/rss.xml"}
		etags := map[string]string{}
		for _, path := range paths {
			etags[path] = getPage(t, h, path, http.StatusOK).Header().Get("ETag")
		}
		if _, err := createComment(app, fx.bobPublished, fx.aliceId, "", "A new comment"); err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			getPage(t, h, path, http.StatusNotModified, "If-None-Match", etags[path])
		}
		// rebuilt (the site saved as it was), they are still the same bytes
		if err := app.Save(siteRecord(t, app)); err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			if etag := getPage(t, h, path, http.StatusOK).Header().Get("ETag"); etag != etags[path] {
				t.Errorf("%s: rebuilt after a comment with ETag %s, was %s", path, etag, etags[path])
			}
		}
	})
}

func TestSiteRecordRules(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	siteId := siteRecord(t, app).Id
	app.Cleanup()

	const records = "/api/collections/site/records"
	unchanged := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		records, err := app.FindAllRecords("site")
		if err != nil || len(records) != 1 || records[0].Id != siteId || records[0].GetString("name") != "blogbase" {
			t.Fatalf("the site's settings changed: %v %v", records, err)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest listing the site's settings",
			Method:          http.MethodGet,
			URL:             records,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"name":"blogbase"`, `"language":"en"`},
			ExpectedEvents:  map[string]int{"*": 0, "OnRecordsListRequest": 1, "OnRecordEnrich": 1},
		},
		{
			Name:            "guest viewing the site's settings",
			Method:          http.MethodGet,
			URL:             records + "/" + siteId,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + siteId + `"`, `"name":"blogbase"`},
			ExpectedEvents:  map[string]int{"*": 0, "OnRecordViewRequest": 1, "OnRecordEnrich": 1},
		},
		{
			Name:            "superuser creating a second record",
			Method:          http.MethodPost,
			URL:             records,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"name":"Another blog","language":"en"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"validation_site_exists"`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordCreateRequest": 1, "OnRecordCreate": 1,
				"OnModelCreate": 1, "OnRecordAfterCreateError": 1, "OnModelAfterCreateError": 1},
			AfterTestFunc: unchanged,
		},
		{
			Name:            "superuser deleting the record",
			Method:          http.MethodDelete,
			URL:             records + "/" + siteId,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordDeleteRequest": 1, "OnRecordDelete": 1, "OnModelDelete": 1,
				"OnRecordAfterDeleteError": 1, "OnModelAfterDeleteError": 1},
			AfterTestFunc: unchanged,
		},
		{
			Name:            "user updating the site's settings",
			Method:          http.MethodPatch,
			URL:             records + "/" + siteId,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"name":"Alice's blog"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   unchanged,
		},
		{
			Name:            "guest updating the site's settings",
			Method:          http.MethodPatch,
			URL:             records + "/" + siteId,
			Body:            strings.NewReader(`{"name":"Nobody's blog"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   unchanged,
		},
		{
			Name:            "user creating a site record",
			Method:          http.MethodPost,
			URL:             records,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"name":"Alice's blog","language":"en"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   unchanged,
		},
		{
			Name:            "user deleting the record",
			Method:          http.MethodDelete,
			URL:             records + "/" + siteId,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   unchanged,
		},
		{
			Name:            "superuser renaming the site: the pages follow",
			Method:          http.MethodPatch,
			URL:             records + "/" + siteId,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"name":"Renamed by the admin"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Renamed by the admin"`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordUpdateRequest": 1, "OnRecordUpdate": 1, "OnRecordValidate": 1,
				"OnModelUpdate": 1, "OnModelValidate": 1, "OnModelUpdateExecute": 1, "OnRecordUpdateExecute": 1,
				"OnModelAfterUpdateSuccess": 1, "OnRecordAfterUpdateSuccess": 1, "OnRecordEnrich": 1},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if name := siteRecord(t, app).GetString("name"); name != "Renamed by the admin" {
					t.Errorf("the site is named %q", name)
				}
			},
		},
	}
	for _, scenario := range scenarios {
		if scenario.TestAppFactory == nil {
			scenario.TestAppFactory = newTestApp
		}
		scenario.Test(t)
	}
}
