package hooks_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// searchPath is the address of the search page for q.
func searchPath(q string) string {
	return "/search?q=" + url.QueryEscape(q)
}

// searchPageAt GETs the search page at path, which must answer status
// as a whole HTML page that is never indexed nor kept in shared caches,
// and parses it.
func searchPageAt(t testing.TB, h http.Handler, path string, status int) *crawledPage {
	t.Helper()
	rec := getPage(t, h, path, status)
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store") {
		t.Errorf("GET %s: Cache-Control %q", path, cc)
	}
	if etag := rec.Header().Get("ETag"); etag != "" {
		t.Errorf("GET %s: ETag %q, as though it were a public answer", path, etag)
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("GET %s: no Content-Security-Policy", path)
	}
	p := crawl(t, rec.Body.Bytes())
	p.checkHead(t, map[string]string{"robots": "noindex", "link:canonical": "", "og:title": "", "description": ""})
	if p.jsonLD != nil {
		t.Errorf("GET %s: JSON-LD %v", path, p.jsonLD)
	}
	if p.dataKind() != "search" {
		t.Errorf("GET %s: blog-data %v", path, p.data["page"])
	}
	if strings.Contains(rec.Body.String(), "needs JavaScript") {
		t.Errorf("GET %s: the app's shell", path)
	}
	return p
}

// searchBox is the search page's own form (not the header's): its
// input's value, and whether the form has the shape the page promises.
func searchBox(t testing.TB, p *crawledPage) string {
	t.Helper()
	forms := elements(p.doc, func(n *html.Node) bool { return n.Data == "form" && hasClass(n, "search-form") })
	if len(forms) != 1 {
		t.Fatalf("%d search forms", len(forms))
	}
	form := forms[0]
	if attr(form, "role") != "search" || attr(form, "action") != "/search" || attr(form, "method") != "" {
		t.Errorf("form %v", form.Attr)
	}
	inputs := elements(form, func(n *html.Node) bool { return n.Data == "input" })
	if len(inputs) != 1 {
		t.Fatalf("%d inputs", len(inputs))
	}
	input := inputs[0]
	if attr(input, "type") != "search" || attr(input, "name") != "q" || attr(input, "maxlength") != "100" {
		t.Errorf("input %v", input.Attr)
	}
	labels := elements(form, func(n *html.Node) bool { return n.Data == "label" && attr(n, "for") == attr(input, "id") })
	if attr(input, "id") == "" || len(labels) != 1 || textOf(labels[0]) == "" {
		t.Errorf("the input has no label: %v", input.Attr)
	}
	return attr(input, "value")
}

// results are the cards of a search page, none when it lists none.
func results(p *crawledPage) []*html.Node {
	return elements(p.doc, func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "post-summary") })
}

// marks are the texts of the <mark> elements under n.
func marks(n *html.Node) []string {
	var texts []string
	for _, m := range elements(n, func(n *html.Node) bool { return n.Data == "mark" }) {
		texts = append(texts, textOf(m))
	}
	return texts
}

// moreLink is the href of the "More results" link, "" for none.
func moreLink(p *crawledPage) string {
	for _, a := range p.anchors {
		if a.text == "More results" {
			return a.href
		}
	}
	return ""
}

// strayElements are the elements under n named name that the page did
// not mean: scripts but the page's own (the app, its data, JSON-LD), any
// <b>.
func strayElements(n *html.Node) []string {
	var stray []string
	for _, e := range elements(n, func(n *html.Node) bool { return n.Data == "script" || n.Data == "b" }) {
		if e.Data == "script" && (attr(e, "src") != "" || attr(e, "type") == "application/json" || attr(e, "type") == "application/ld+json") {
			continue
		}
		stray = append(stray, e.Data+": "+textOf(e))
	}
	return stray
}

func TestPagesSearch(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	h := serve(t, app)

	harvest := writePost(t, h, fx.bobToken, `{"title":"Harvest notes","summary":"What the orchard gave.","body":"<p>The walnut trees gave plenty this year, and the plums too.</p>","tags":["Go","数据库"],"status":"published"}`)
	scripted := writePost(t, h, fx.bobToken, `{"title":"Walnut <script>alert(1)</script>","body":"<p>Nothing else.</p>","status":"published"}`)
	writePost(t, h, fx.bobToken, `{"title":"支付","body":"<p>久至博客的支付功能已经上线。读者可以购买。</p>","status":"published"}`)

	// a word of a body finds its post, marked in the excerpt, as a card
	// of the listing with its tags
	p := searchPageAt(t, h, searchPath("plums"), http.StatusOK)
	p.checkHead(t, map[string]string{"title": "Search: plums · blogbase"})
	if got := p.postLinks(); len(got) != 1 || got[0] != "Harvest notes" {
		t.Fatalf("plums: %q", got)
	}
	card := results(p)[0]
	if got := marks(card); len(got) != 1 || got[0] != "plums" {
		t.Errorf("marks %q", got)
	}
	if got := p.cardChips()["Harvest notes"]; len(got) != 2 || got[0] != "Go=/tags/go" {
		t.Errorf("chips %q", got)
	}
	if links := elements(card, func(n *html.Node) bool { return n.Data == "a" && textOf(n) == "Harvest notes" }); len(links) != 1 ||
		attr(links[0], "href") != "/posts/"+slugOf(t, app, harvest) {
		t.Errorf("the card's link: %v", links)
	}
	if searchBox(t, p) != "plums" {
		t.Errorf("the box holds %q", searchBox(t, p))
	}
	if status, _ := byClass(p.doc, "search-status"); status != "Posts matching “plums”, the most relevant first." {
		t.Errorf("status %q", status)
	}
	if moreLink(p) != "" || strings.Contains(textOf(p.doc), "best 200") {
		t.Errorf("more results, with one: %q", moreLink(p))
	}

	// the page's data is the API's answer, which the app starts from
	if jsonPath(p.data, "page", "q") != "plums" || jsonPath(p.data, "page", "error") != nil {
		t.Errorf("blog-data %v", p.data["page"])
	}
	rec := send(t, h, http.MethodGet, searchRoute+"?q=plums&perPage=10", "", "")
	var api map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &api); err != nil {
		t.Fatal(err)
	}
	if got := jsonPath(p.data, "page", "page"); !reflect.DeepEqual(got, api) {
		t.Errorf("the page's data\n%v\nthe API's\n%v", got, api)
	}

	// a title is text, around its marks; the page runs nothing of it
	p = searchPageAt(t, h, searchPath("walnut"), http.StatusOK)
	if got := p.postLinks(); len(got) != 2 || got[0] != "Walnut <script>alert(1)</script>" || got[1] != "Harvest notes" {
		t.Fatalf("walnut: %q", got)
	}
	if got := marks(results(p)[0]); len(got) != 1 || got[0] != "Walnut" {
		t.Errorf("the title's marks %q", got)
	}
	if stray := strayElements(p.doc); len(stray) > 0 {
		t.Errorf("elements the page did not mean: %q", stray)
	}
	if id, _ := jsonPath(p.data, "page", "page", "items").([]any)[0].(map[string]any)["id"].(string); id != scripted {
		t.Errorf("the data's first result %v", id)
	}

	// Chinese, by any part of two characters or more
	for _, q := range []string{"博客", "支付功能"} {
		p = searchPageAt(t, h, searchPath(q), http.StatusOK)
		if got := p.postLinks(); len(got) != 1 || got[0] != "支付" {
			t.Errorf("%s: %q", q, got)
		}
		if got := marks(p.doc); len(got) == 0 || !strings.Contains(strings.Join(got, ""), q) {
			t.Errorf("%s: marks %q", q, got)
		}
	}

	// a paid body is never searched nor shown; a draft never listed
	for _, q := range []string{"paid body", "secret", "draft body"} {
		rec := getPage(t, h, searchPath(q), http.StatusOK)
		p := crawl(t, rec.Body.Bytes())
		if len(results(p)) != 0 {
			t.Errorf("%s: %q", q, p.postLinks())
		}
		if status, _ := byClass(p.doc, "search-status"); status != "No posts match “"+q+"”." {
			t.Errorf("%s: status %q", q, status)
		}
	}
	for _, q := range []string{"alice", "essay"} {
		rec := getPage(t, h, searchPath(q), http.StatusOK)
		body := rec.Body.String()
		if !strings.Contains(body, "paid essay") {
			t.Errorf("%s: the paid post not found", q)
		}
		if strings.Contains(body, "paid body") || strings.Contains(body, "secret draft") || strings.Contains(body, "draft body") {
			t.Errorf("%s: a paid body or a draft shown:\n%s", q, body)
		}
	}
}

func TestPagesSearchForm(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	h := serve(t, app)

	// no query, or only spaces: the form alone
	for _, path := range []string{"/search", "/search?q=", "/search?q=%20%E3%80%80"} {
		p := searchPageAt(t, h, path, http.StatusOK)
		p.checkHead(t, map[string]string{"title": "Search · blogbase"})
		if len(results(p)) != 0 || moreLink(p) != "" {
			t.Errorf("%s: results %q", path, p.postLinks())
		}
		if _, ok := byClass(p.doc, "error"); ok {
			t.Errorf("%s: an error", path)
		}
		if jsonPath(p.data, "page", "page") != nil || jsonPath(p.data, "page", "error") != nil {
			t.Errorf("%s: blog-data %v", path, p.data["page"])
		}
		searchBox(t, p)
	}

	// 101 characters: the form holding them, with what to do (400)
	for _, long := range []string{strings.Repeat("a", 101), strings.Repeat("博", 101)} {
		p := searchPageAt(t, h, searchPath(long), http.StatusBadRequest)
		p.checkHead(t, map[string]string{"title": "Search · blogbase"})
		if msg, _ := byClass(p.doc, "error"); msg != "Search for 100 characters or fewer." {
			t.Errorf("error %q", msg)
		}
		if searchBox(t, p) != long || len(results(p)) != 0 {
			t.Errorf("box %q, results %q", searchBox(t, p), p.postLinks())
		}
		if jsonPath(p.data, "page", "error") != "Search for 100 characters or fewer." ||
			jsonPath(p.data, "page", "q") != long || jsonPath(p.data, "page", "page") != nil {
			t.Errorf("blog-data %v", p.data["page"])
		}
	}
	// 100 are a search
	p := searchPageAt(t, h, searchPath(strings.Repeat("博客", 50)), http.StatusOK)
	if status, _ := byClass(p.doc, "search-status"); !strings.HasPrefix(status, "No posts match") {
		t.Errorf("100 characters: %q", status)
	}
	// an address far too long is not written back whole
	rec := getPage(t, h, searchPath(strings.Repeat("x", 100_000)), http.StatusBadRequest)
	if rec.Body.Len() > 50_000 {
		t.Errorf("a page of %d bytes", rec.Body.Len())
	}

	// a query is text in every context the page puts it
	for _, q := range []string{nasty, `"><script>alert(1)</script>`, `' onfocus='alert(1)`, `alice"`} {
		p := searchPageAt(t, h, searchPath(q), http.StatusOK)
		if searchBox(t, p) != q {
			t.Errorf("the box holds %q, want %q", searchBox(t, p), q)
		}
		p.checkHead(t, map[string]string{"title": "Search: " + q + " · blogbase"})
		if stray := strayElements(p.doc); len(stray) > 0 {
			t.Errorf("%s: elements the page did not mean: %q", q, stray)
		}
		if jsonPath(p.data, "page", "q") != q {
			t.Errorf("blog-data q %v", jsonPath(p.data, "page", "q"))
		}
	}
}

func TestPagesSearchMoreResults(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	h := serve(t, app)
	for i := range 12 {
		writePost(t, h, fx.aliceToken, `{"title":"Almond `+strings.Repeat("x", i)+`","body":"<p>almond</p>","status":"published"}`)
	}

	p := searchPageAt(t, h, searchPath("almond"), http.StatusOK)
	first := p.postLinks()
	more := moreLink(p)
	if len(first) != 10 || !strings.HasPrefix(more, "/search?q=almond&cursor=") {
		t.Fatalf("%d results, more %q", len(first), more)
	}
	if cursor, _ := url.Parse(more); cursor.Query().Get("cursor") != jsonPath(p.data, "page", "page", "nextCursor") {
		t.Errorf("the link's cursor %q is not the data's %v", more, jsonPath(p.data, "page", "page", "nextCursor"))
	}

	p = searchPageAt(t, h, more, http.StatusOK)
	next := p.postLinks()
	if len(next) != 2 || moreLink(p) != "" || searchBox(t, p) != "almond" {
		t.Fatalf("next: %q, more %q", next, moreLink(p))
	}
	for _, title := range next {
		for _, seen := range first {
			if title == seen {
				t.Errorf("%q on both pages", title)
			}
		}
	}
	if status, _ := byClass(p.doc, "search-status"); status != "More posts matching “almond”." {
		t.Errorf("status %q", status)
	}

	// a cursor forged, or of another search: the form, with what went wrong
	cursor := strings.TrimPrefix(more, "/search?q=almond&cursor=")
	for _, path := range []string{"/search?q=almond&cursor=eyJxIjoiYSIsIm8iOjF9.AAAA", "/search?q=walnut&cursor=" + cursor} {
		p := searchPageAt(t, h, path, http.StatusBadRequest)
		if msg, _ := byClass(p.doc, "error"); msg == "" || len(results(p)) != 0 {
			t.Errorf("%s: error %q, results %q", path, msg, p.postLinks())
		}
		if e, _ := jsonPath(p.data, "page", "error").(string); e == "" {
			t.Errorf("%s: blog-data %v", path, p.data["page"])
		}
	}
}

// TestPagesSearchWindow walks a search to the last result it ranks:
// there, the page says that a narrower search finds the rest.
func TestPagesSearchWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("201 posts")
	}
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	h := serve(t, app)
	newest := time.Now().AddDate(-1, 0, 0).Truncate(time.Second)
	for i := range 201 {
		addPost(t, app, fx.aliceId, "Chestnut "+strconv.Itoa(i), newest.Add(-time.Duration(i)*time.Minute), nil)
	}

	path, seen := searchPath("chestnut"), 0
	for range 25 {
		p := searchPageAt(t, h, path, http.StatusOK)
		seen += len(p.postLinks())
		best := strings.Contains(textOf(p.doc), "Showing the best 200 matches: add a word to narrow the search.")
		if path = moreLink(p); path == "" {
			if !best || seen != 200 {
				t.Errorf("the last page: %d results, best %v", seen, best)
			}
			return
		}
		if best {
			t.Errorf("the best 200 matches after %d", seen)
		}
	}
	t.Fatal("more than 25 pages")
}
