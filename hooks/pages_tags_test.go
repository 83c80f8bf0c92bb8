package hooks_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"golang.org/x/net/html"
)

// saveTag creates a tag the way Go code or the dashboard does: the hooks
// fill its slug and key.
func saveTag(t testing.TB, app core.App, name string) *core.Record {
	t.Helper()
	tags, err := app.FindCollectionByNameOrId("tags")
	if err != nil {
		t.Fatal(err)
	}
	// the fixture has Go and 数据库 already
	if existing, err := app.FindFirstRecordByData(tags, "name", name); err == nil {
		return existing
	}
	tag := core.NewRecord(tags)
	tag.Set("name", name)
	if err := app.Save(tag); err != nil {
		t.Fatalf("tag %q: %v", name, err)
	}
	return tag
}

// retag gives a post exactly these tags, in this order.
func retag(t testing.TB, app core.App, postId string, tags ...*core.Record) {
	t.Helper()
	ids := []string{}
	for _, tag := range tags {
		ids = append(ids, tag.Id)
	}
	update(t, app, "posts", postId, func(r *core.Record) { r.Set("tags", ids) })
}

// withTags is addPost's change giving the new post tags.
func withTags(tags ...*core.Record) func(*core.Record) {
	return func(r *core.Record) {
		ids := []string{}
		for _, tag := range tags {
			ids = append(ids, tag.Id)
		}
		r.Set("tags", ids)
	}
}

// chips is the tags the <ul class="tags"> elements under n show, as
// "name=href" of their links, in order.
func chips(n *html.Node) []string {
	var shown []string
	for _, ul := range elements(n, func(n *html.Node) bool { return n.Data == "ul" && hasClass(n, "tags") }) {
		if attr(ul, "aria-label") != "Tags" {
			return append(shown, "(a list of tags without its label)")
		}
		for _, a := range elements(ul, func(n *html.Node) bool { return n.Data == "a" }) {
			if !hasClass(a, "tag") || attr(a, "rel") != "tag" || a.Parent.Data != "li" {
				shown = append(shown, "(a tag link of another shape)")
			}
			shown = append(shown, textOf(a)+"="+attr(a, "href"))
		}
	}
	return shown
}

// cardChips is the chips of each post card of a listing, by title.
func (p *crawledPage) cardChips() map[string][]string {
	cards := map[string][]string{}
	for _, card := range elements(p.doc, func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "post-summary") }) {
		heading := elements(card, func(n *html.Node) bool { return n.Data == "h2" || n.Data == "h3" })
		if len(heading) > 0 {
			cards[textOf(heading[0])] = chips(card)
		}
	}
	return cards
}

// taggedBlog is the fixture with tags: Go on the three published posts
// (bob's, alice's paid and free ones) and on ten older posts of alice's
// (13, two pages), 数据库 on bob's post, a tag named like markup on
// alice's free post, Rust on an older post of bob's only, and a tag that
// only alice's draft carries.
type taggedBlog struct {
	golang, database, markup, rust, draftOnly *core.Record
	older                                     []*core.Record // alice's, tagged Go, newest first
	rustPost                                  *core.Record
}

func tagTheBlog(t testing.TB, app core.App) *taggedBlog {
	t.Helper()
	b := &taggedBlog{
		golang:    saveTag(t, app, "Go"),
		database:  saveTag(t, app, "数据库"),
		markup:    saveTag(t, app, "<b>x</b>"),
		rust:      saveTag(t, app, "Rust"),
		draftOnly: saveTag(t, app, "Drafts only"),
	}
	retag(t, app, fx.bobPublished, b.golang, b.database)
	retag(t, app, fx.alicePaid, b.golang)
	retag(t, app, fx.alicePublished, b.markup, b.golang)
	retag(t, app, fx.aliceDraft, b.golang, b.draftOnly)
	newest := time.Now().AddDate(-1, 0, 0).Truncate(time.Second)
	for i := range 10 {
		b.older = append(b.older, addPost(t, app, fx.aliceId, "Alice older "+string(rune('A'+i)),
			newest.Add(-time.Duration(i)*time.Hour), withTags(b.golang)))
	}
	b.rustPost = addPost(t, app, fx.bobId, "Bob on Rust", newest.Add(time.Hour), withTags(b.rust))
	return b
}

// databasePath is the page of the tag 数据库, percent-encoded as links
// write it.
const databasePath = "/tags/%E6%95%B0%E6%8D%AE%E5%BA%93"

func TestPagesTagChips(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	tb := tagTheBlog(t, app)
	h := serve(t, app)

	markupChip := "<b>x</b>=/tags/" + tb.markup.GetString("slug")
	bobChips := []string{"Go=/tags/go", "数据库=" + databasePath}
	aliceChips := []string{markupChip, "Go=/tags/go"}

	t.Run("guest on the home page and an author's", func(t *testing.T) {
		for _, path := range []string{"/", "/authors/alice", "/authors/bob", "/tags/go"} {
			rec := getPage(t, h, path, http.StatusOK)
			p := crawl(t, rec.Body.Bytes())
			cards := p.cardChips()
			if len(cards) == 0 {
				t.Fatalf("%s lists no posts", path)
			}
			for title, got := range cards {
				var want []string
				switch title {
				case "Bob in public":
					want = bobChips
				case "Alice in public":
					want = aliceChips
				case "Alice paid essay":
					want = []string{"Go=/tags/go"}
				case "Bob on Rust":
					want = []string{"Rust=/tags/rust"}
				default:
					if strings.HasPrefix(title, "Alice older") {
						want = []string{"Go=/tags/go"}
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: the card of %q shows %q, want %q", path, title, got, want)
				}
			}
			// the name is text, never markup
			if b := elements(p.doc, func(n *html.Node) bool { return n.Data == "b" }); len(b) > 0 {
				t.Errorf("%s: %d <b> elements opened by a tag's name", path, len(b))
			}
		}
		body := getPage(t, h, "/", http.StatusOK).Body.String()
		want := `</p><ul class="tags" aria-label="Tags"><li><a class="tag" rel="tag" href="/tags/go">Go</a></li>` +
			`<li><a class="tag" rel="tag" href="` + databasePath + `">数据库</a></li></ul>`
		if !strings.Contains(body, want) {
			t.Errorf("bob's card has not the markup of the web app's chips, right after the byline: %s", want)
		}
	})

	t.Run("guest on a tagged post", func(t *testing.T) {
		p := crawlPage(t, h, "/posts/"+fx.bobPublished)
		article := elements(p.doc, func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "post") })
		if len(article) != 1 {
			t.Fatal("no post article")
		}
		if got := chips(article[0]); !slices.Equal(got, bobChips) {
			t.Errorf("chips %q, want %q", got, bobChips)
		}
		list := elements(article[0], func(n *html.Node) bool { return n.Data == "ul" && hasClass(n, "tags") })
		if prev := list[0].PrevSibling; prev == nil || prev.Data != "p" || !hasClass(prev, "byline") {
			t.Error("the chips are not right after the byline")
		}
		if !slices.Equal(p.articleTags, []string{"Go", "数据库"}) {
			t.Errorf("article:tag %q", p.articleTags)
		}
		if p.jsonLD["keywords"] != "Go, 数据库" {
			t.Errorf("JSON-LD keywords %v", p.jsonLD["keywords"])
		}
		tags, _ := jsonPath(p.data, "page", "post", "expand", "tags").([]any)
		if len(tags) != 2 || jsonPath(tags[1], "slug") != "数据库" || jsonPath(tags[1], "id") != tb.database.Id {
			t.Errorf("blog-data tags %v", tags)
		}

		p = crawlPage(t, h, "/posts/"+fx.alicePublished)
		if got := chips(p.doc); !slices.Equal(got, aliceChips) {
			t.Errorf("alice's chips %q, want %q", got, aliceChips)
		}
		if !slices.Equal(p.articleTags, []string{"<b>x</b>", "Go"}) || p.jsonLD["keywords"] != "<b>x</b>, Go" {
			t.Errorf("article:tag %q, keywords %v", p.articleTags, p.jsonLD["keywords"])
		}
		if b := elements(p.doc, func(n *html.Node) bool { return n.Data == "b" }); len(b) > 0 {
			t.Errorf("%d <b> elements opened by a tag's name", len(b))
		}
	})

	t.Run("a post without tags shows none", func(t *testing.T) {
		plain := addPost(t, app, fx.bobId, "Bob without tags", time.Now(), nil)
		rec := getPage(t, h, "/posts/"+plain.Id, http.StatusOK)
		p := crawl(t, rec.Body.Bytes())
		if bytes.Contains(rec.Body.Bytes(), []byte(`class="tags"`)) || len(p.articleTags) != 0 || p.jsonLD["keywords"] != nil {
			t.Errorf("chips %q, article:tag %q, keywords %v", chips(p.doc), p.articleTags, p.jsonLD["keywords"])
		}
		if cards := crawlPage(t, h, "/").cardChips(); cards["Bob without tags"] != nil {
			t.Errorf("its card shows %q", cards["Bob without tags"])
		}
	})
}

func TestPagesTagPage(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	tb := tagTheBlog(t, app)
	h := serve(t, app)
	site := "blogbase"

	t.Run("guest on a tag's first page", func(t *testing.T) {
		rec := getPage(t, h, "/tags/go", http.StatusOK)
		if rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") != "public, no-cache" ||
			rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("headers %v", rec.Header())
		}
		p := crawl(t, rec.Body.Bytes())
		description := "13 posts tagged “Go” on " + site + "."
		p.checkHead(t, map[string]string{
			"title":          "#Go · " + site,
			"description":    description,
			"link:canonical": blogURL + "/tags/go",
			"og:title":       "#Go",
			"og:description": description,
			"og:type":        "website",
			"og:url":         blogURL + "/tags/go",
			"og:site_name":   site,
			"twitter:card":   "summary",
			"robots":         "",
			"link:prev":      "",
			"link:next":      blogURL + "/tags/go?page=2",
		})
		if feeds := p.linked("alternate", "application/rss+xml"); len(feeds) != 1 || feeds[0] != blogURL+"/tags/go/rss.xml" {
			t.Errorf("feed links %v", feeds)
		}
		for _, l := range p.links {
			if l.rel == "alternate" && l.title != site+" — Go" {
				t.Errorf("the feed link is titled %q", l.title)
			}
		}
		if h1 := elements(p.doc, func(n *html.Node) bool { return n.Data == "h1" }); len(h1) != 1 || textOf(h1[0]) != "Go" {
			t.Errorf("heading %v", h1)
		}
		if count, _ := byClass(p.doc, "muted"); !strings.HasPrefix(count, "13 posts") {
			t.Errorf("the count line reads %q", count)
		}
		if next := p.anchorsWithRel("next"); len(next) != 1 || next[0] != "/tags/go?page=2" {
			t.Errorf("links to the next page in the body: %v", next)
		}
		titles := p.postLinks()
		want := []string{"Bob in public", "Alice paid essay", "Alice in public", "Alice older A", "Alice older B",
			"Alice older C", "Alice older D", "Alice older E", "Alice older F", "Alice older G"}
		if !slices.Equal(titles, want) {
			t.Errorf("lists %q, want %q", titles, want)
		}
		ld := p.jsonLD
		if ld["@type"] != "CollectionPage" || ld["url"] != blogURL+"/tags/go" || jsonPath(ld, "about", "name") != "Go" {
			t.Errorf("JSON-LD %v", ld)
		}
		if p.dataKind() != "tag" || jsonPath(p.data, "page", "tag", "id") != tb.golang.Id ||
			jsonPath(p.data, "page", "tag", "name") != "Go" || jsonPath(p.data, "page", "tag", "slug") != "go" ||
			jsonPath(p.data, "page", "page", "totalItems") != 13.0 || jsonPath(p.data, "page", "page", "page") != 1.0 {
			t.Errorf("blog-data %v", p.data["page"])
		}
		items, _ := jsonPath(p.data, "page", "page", "items").([]any)
		if len(items) != 10 || jsonPath(items[0], "id") != fx.bobPublished || jsonPath(items[0], "commentsCount") != nil {
			t.Errorf("blog-data holds %d posts, the first %v", len(items), items)
		}
		if len(items) > 0 {
			if tags, _ := jsonPath(items[0], "expand", "tags").([]any); len(tags) != 2 {
				t.Errorf("blog-data's first post has tags %v", tags)
			}
		}
	})

	t.Run("guest on a tag's second page, and its first by number", func(t *testing.T) {
		p := crawlPage(t, h, "/tags/go?page=2")
		p.checkHead(t, map[string]string{
			"title":          "#Go, page 2 · " + site,
			"link:canonical": blogURL + "/tags/go?page=2",
			"link:prev":      blogURL + "/tags/go",
			"link:next":      "",
		})
		if prev := p.anchorsWithRel("prev"); len(prev) != 1 || prev[0] != "/tags/go" {
			t.Errorf("links to the previous page in the body: %v", prev)
		}
		if titles, want := p.postLinks(), []string{"Alice older H", "Alice older I", "Alice older J"}; !slices.Equal(titles, want) {
			t.Errorf("second page lists %q, want %q", titles, want)
		}
		if jsonPath(p.data, "page", "page", "page") != 2.0 {
			t.Errorf("blog-data %v", p.data["page"])
		}
		first := crawlPage(t, h, "/tags/go?page=1")
		first.checkHead(t, map[string]string{"link:canonical": blogURL + "/tags/go", "title": "#Go · " + site})
	})

	t.Run("guest on a Chinese tag, by its name and percent-encoded", func(t *testing.T) {
		var bodies []string
		for _, path := range []string{"/tags/数据库", databasePath} {
			rec := getPage(t, h, path, http.StatusOK)
			bodies = append(bodies, rec.Body.String())
			p := crawl(t, rec.Body.Bytes())
			p.checkHead(t, map[string]string{
				"title":          "#数据库 · " + site,
				"link:canonical": blogURL + databasePath,
				"og:url":         blogURL + databasePath,
			})
			if titles := p.postLinks(); !slices.Equal(titles, []string{"Bob in public"}) {
				t.Errorf("%s lists %q", path, titles)
			}
			if feeds := p.linked("alternate", "application/rss+xml"); len(feeds) != 1 || feeds[0] != blogURL+databasePath+"/rss.xml" {
				t.Errorf("%s: feed links %v", path, feeds)
			}
			if jsonPath(p.data, "page", "tag", "slug") != "数据库" {
				t.Errorf("%s: blog-data %v", path, p.data["page"])
			}
			if count, _ := byClass(p.doc, "muted"); !strings.HasPrefix(count, "1 post ") {
				t.Errorf("%s: the count line reads %q", path, count)
			}
		}
		if bodies[0] != bodies[1] {
			t.Error("the two spellings of the address answer two pages")
		}
	})

	t.Run("guest on a tag only a draft carries", func(t *testing.T) {
		// a draft's topics are its author's until it is published
		for _, path := range []string{"/tags/" + tb.draftOnly.GetString("slug"), "/tags/" + tb.draftOnly.GetString("slug") + "/rss.xml"} {
			rec := getPage(t, h, path, http.StatusNotFound)
			if bytes.Contains(rec.Body.Bytes(), []byte("Alice secret draft")) || bytes.Contains(rec.Body.Bytes(), []byte(fx.aliceDraft)) ||
				bytes.Contains(rec.Body.Bytes(), []byte(tb.draftOnly.GetString("name"))) {
				t.Errorf("%s shows the draft or its tag", path)
			}
		}
	})

	t.Run("only published posts carrying the tag", func(t *testing.T) {
		var listed []string
		for _, path := range []string{"/tags/go", "/tags/go?page=2"} {
			listed = append(listed, crawlPage(t, h, path).postLinks()...)
		}
		if len(listed) != 13 || slices.Contains(listed, "Alice secret draft") || slices.Contains(listed, "Bob on Rust") {
			t.Errorf("the Go pages list %q", listed)
		}
		if titles := crawlPage(t, h, "/tags/rust").postLinks(); !slices.Equal(titles, []string{"Bob on Rust"}) {
			t.Errorf("the Rust page lists %q", titles)
		}
	})
}

func TestPagesTagNotFound(t *testing.T) {
	t.Parallel()
	tagged := func(t testing.TB) *tests.TestApp {
		app := newTestAppWith(t, withPublicURL)
		tagTheBlog(t, app)
		return app
	}
	notFoundPage := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		p := crawl(t, body.Bytes())
		if res.Header.Get("Content-Type") != "text/html; charset=utf-8" || p.meta["robots"] != "noindex" || p.dataKind() != "notFound" {
			t.Errorf("not the not-found page: %s\n%s", res.Header.Get("Content-Type"), body.String())
		}
	}
	notFound := func(name, url string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:               name,
			Method:             http.MethodGet,
			URL:                url,
			TestAppFactory:     tagged,
			ExpectedStatus:     404,
			NotExpectedContent: []string{`rel="canonical"`, "<rss", "Bob in public"},
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc:      notFoundPage,
		}
	}
	scenarios := []tests.ApiScenario{
		notFound("guest on an unknown tag", "/tags/nope"),
		notFound("guest on a tag by its name's capitals", "/tags/Go"),
		notFound("guest on a slug no tag can have", "/tags/a%7Cb"),
		notFound("guest on a slug with a slash", "/tags/go%2Fx"),
		notFound("guest on a tag's page past the last", "/tags/go?page=3"),
		notFound("guest on another tag's page past the last", "/tags/rust?page=2"),
		notFound("guest on a tag's page 0", "/tags/go?page=0"),
		notFound("guest on a tag's page 01", "/tags/go?page=01"),
		notFound("guest on a tag's page abc", "/tags/go?page=abc"),
		notFound("guest on an unknown tag's feed", "/tags/nope/rss.xml"),
		notFound("guest on a Chinese tag nobody made", "/tags/%E4%B8%8D%E5%AD%98%E5%9C%A8"),
	}
	for _, scenario := range scenarios {
		scenario.Test(t)
	}
}

// TestPagesTagsNeverStale primes the tag's pages, feed and sitemaps with a
// GET, writes the way Go code, the dashboard or the API does, and reads
// them again.
func TestPagesTagsNeverStale(t *testing.T) {
	t.Parallel()

	fresh := func(t *testing.T) (*tests.TestApp, http.Handler, *taggedBlog) {
		app := newTestAppWith(t, withPublicURL)
		t.Cleanup(app.Cleanup)
		tb := tagTheBlog(t, app)
		h := serve(t, app)
		for _, path := range []string{"/", "/tags/go", "/tags/go?page=2", "/tags/rust", databasePath, "/posts/" + fx.bobPublished,
			"/authors/bob", "/tags/go/rss.xml", "/tags/rust/rss.xml", "/rss.xml", "/sitemap.xml", "/sitemaps/tags-1.xml"} {
			getPage(t, h, path, http.StatusOK)
		}
		return app, h, tb
	}
	feedTitles := func(t testing.TB, h http.Handler, path string) []string {
		var titles []string
		for _, item := range readFeed(t, h, path).Channel.Items {
			titles = append(titles, item.Title)
		}
		return titles
	}

	t.Run("a post gets the tag", func(t *testing.T) {
		t.Parallel()
		app, h, tb := fresh(t)
		retag(t, app, tb.rustPost.Id, tb.rust, tb.golang)

		p := crawlPage(t, h, "/tags/go")
		if titles := p.postLinks(); !slices.Contains(titles, "Bob on Rust") {
			t.Errorf("the tag's page lists %q", titles)
		}
		if count, _ := byClass(p.doc, "muted"); !strings.HasPrefix(count, "14 posts") {
			t.Errorf("the count line reads %q", count)
		}
		if titles := feedTitles(t, h, "/tags/go/rss.xml"); !slices.Contains(titles, "Bob on Rust") {
			t.Errorf("the tag's feed holds %q", titles)
		}
		if got := crawlPage(t, h, "/").cardChips()["Bob on Rust"]; !slices.Equal(got, []string{"Rust=/tags/rust", "Go=/tags/go"}) {
			t.Errorf("its card shows %q", got)
		}
		if got := chips(crawlPage(t, h, "/posts/"+tb.rustPost.Id).doc); len(got) != 2 {
			t.Errorf("its page shows %q", got)
		}
	})

	t.Run("a post loses the tag through the API", func(t *testing.T) {
		t.Parallel()
		_, h, _ := fresh(t)
		rec := send(t, h, http.MethodPatch, "/api/blog/posts/"+fx.bobPublished, `{"tags":["Go"]}`, fx.bobToken)
		if rec.Code != http.StatusOK {
			t.Fatalf("retag: %d %s", rec.Code, rec.Body.String())
		}
		// no published post carries it any more: no page, no feed
		getPage(t, h, databasePath, http.StatusNotFound)
		getPage(t, h, databasePath+"/rss.xml", http.StatusNotFound)
		if got := chips(crawlPage(t, h, "/posts/"+fx.bobPublished).doc); !slices.Equal(got, []string{"Go=/tags/go"}) {
			t.Errorf("the post's page shows %q", got)
		}
		if got := crawlPage(t, h, "/authors/bob").cardChips()["Bob in public"]; !slices.Equal(got, []string{"Go=/tags/go"}) {
			t.Errorf("its card shows %q", got)
		}
		if urls := sitemapURLs(t, h); urls[blogURL+databasePath] {
			t.Error("the sitemaps still list the tag no published post carries")
		}
	})

	t.Run("a tagged post unpublished", func(t *testing.T) {
		t.Parallel()
		app, h, tb := fresh(t)
		update(t, app, "posts", tb.rustPost.Id, func(r *core.Record) { r.Set("status", "draft") })
		getPage(t, h, "/tags/rust", http.StatusNotFound)
		getPage(t, h, "/tags/rust/rss.xml", http.StatusNotFound)
		if urls := sitemapURLs(t, h); urls[blogURL+"/tags/rust"] || !urls[blogURL+"/tags/go"] {
			t.Errorf("the sitemaps list %v", urls)
		}
	})

	t.Run("a tag renamed by a superuser", func(t *testing.T) {
		t.Parallel()
		_, h, tb := fresh(t)
		rec := send(t, h, http.MethodPatch, "/api/collections/tags/records/"+tb.golang.Id, `{"name":"Golang"}`, fx.superuserToken)
		if rec.Code != http.StatusOK {
			t.Fatalf("rename: %d %s", rec.Code, rec.Body.String())
		}
		p := crawlPage(t, h, "/tags/go") // renaming keeps the address
		if p.title != "#Golang · blogbase" {
			t.Errorf("the tag's page is titled %q", p.title)
		}
		if got := p.cardChips()["Bob in public"]; !slices.Equal(got, []string{"Golang=/tags/go", "数据库=" + databasePath}) {
			t.Errorf("bob's card on the tag's page shows %q", got)
		}
		if got := crawlPage(t, h, "/").cardChips()["Bob in public"]; len(got) == 0 || got[0] != "Golang=/tags/go" {
			t.Errorf("bob's card on the home page shows %q", got)
		}
		post := crawlPage(t, h, "/posts/"+fx.bobPublished)
		if !slices.Equal(post.articleTags, []string{"Golang", "数据库"}) {
			t.Errorf("the post's page names its tags %q", post.articleTags)
		}
		if title := readFeed(t, h, "/tags/go/rss.xml").Channel.Title; title != "blogbase — Golang" {
			t.Errorf("the tag's feed is titled %q", title)
		}
		for _, item := range readFeed(t, h, "/rss.xml").Channel.Items {
			if item.Title == "Bob in public" && !slices.Equal(item.Categories, []string{"Golang", "数据库"}) {
				t.Errorf("the blog's feed files bob's post under %q", item.Categories)
			}
		}
	})

	t.Run("a tag's slug changed by a superuser", func(t *testing.T) {
		t.Parallel()
		_, h, tb := fresh(t)
		rec := send(t, h, http.MethodPatch, "/api/collections/tags/records/"+tb.golang.Id, `{"slug":"golang"}`, fx.superuserToken)
		if rec.Code != http.StatusOK {
			t.Fatalf("new slug: %d %s", rec.Code, rec.Body.String())
		}
		getPage(t, h, "/tags/go", http.StatusNotFound)
		getPage(t, h, "/tags/go/rss.xml", http.StatusNotFound)
		if titles := crawlPage(t, h, "/tags/golang").postLinks(); len(titles) != 10 {
			t.Errorf("the new address lists %q", titles)
		}
		if got := crawlPage(t, h, "/").cardChips()["Bob in public"]; len(got) == 0 || got[0] != "Go=/tags/golang" {
			t.Errorf("bob's card links %q", got)
		}
		if urls := sitemapURLs(t, h); urls[blogURL+"/tags/go"] || !urls[blogURL+"/tags/golang"] {
			t.Errorf("the sitemaps list %v", urls)
		}
	})

	t.Run("an unknown tag's page, then the tag", func(t *testing.T) {
		t.Parallel()
		app, h, _ := fresh(t)
		getPage(t, h, "/tags/zig", http.StatusNotFound)
		getPage(t, h, "/tags/zig/rss.xml", http.StatusNotFound)
		zig := saveTag(t, app, "Zig")
		retag(t, app, fx.bobPublished, zig)
		if titles := crawlPage(t, h, "/tags/zig").postLinks(); !slices.Equal(titles, []string{"Bob in public"}) {
			t.Errorf("the new tag's page lists %q", titles)
		}
		if titles := feedTitles(t, h, "/tags/zig/rss.xml"); !slices.Equal(titles, []string{"Bob in public"}) {
			t.Errorf("the new tag's feed holds %q", titles)
		}
	})
}

func TestPagesTagEscaped(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	tag := saveTag(t, app, nasty)
	post := addPost(t, app, fx.aliceId, "A post with a nasty tag", time.Now(), withTags(tag))
	h := serve(t, app)
	slug := tag.GetString("slug")

	p := crawlPage(t, h, "/tags/"+url.PathEscape(slug))
	if b := elements(p.doc, func(n *html.Node) bool { return n.Data == "b" }); len(b) > 0 {
		t.Errorf("%d <b> elements opened by the tag's name", len(b))
	}
	for _, s := range p.scripts {
		if attr(s, "src") == "" && attr(s, "type") != "application/ld+json" && attr(s, "type") != "application/json" {
			t.Errorf("a script the page did not mean: %q", textOf(s))
		}
	}
	if h1 := elements(p.doc, func(n *html.Node) bool { return n.Data == "h1" }); len(h1) != 1 || textOf(h1[0]) != nasty {
		t.Errorf("heading %v", h1)
	}
	p.checkHead(t, map[string]string{"title": "#" + nasty + " · blogbase", "og:title": "#" + nasty})
	if jsonPath(p.jsonLD, "about", "name") != nasty || jsonPath(p.data, "page", "tag", "name") != nasty {
		t.Errorf("JSON-LD %v, blog-data %v", p.jsonLD, p.data["page"])
	}

	p = crawlPage(t, h, "/posts/"+post.Id)
	if !slices.Equal(p.articleTags, []string{nasty}) || p.jsonLD["keywords"] != nasty {
		t.Errorf("article:tag %q, keywords %v", p.articleTags, p.jsonLD["keywords"])
	}
	if got := chips(p.doc); len(got) != 1 || got[0] != nasty+"=/tags/"+url.PathEscape(slug) {
		t.Errorf("chips %q", got)
	}
	feed := readFeed(t, h, "/tags/"+url.PathEscape(slug)+"/rss.xml")
	if feed.Channel.Title != "blogbase — "+nasty || len(feed.Channel.Items) != 1 || !slices.Equal(feed.Channel.Items[0].Categories, []string{nasty}) {
		t.Errorf("feed %q, items %+v", feed.Channel.Title, feed.Channel.Items)
	}
}
