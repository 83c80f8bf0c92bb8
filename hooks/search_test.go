package hooks_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const searchRoute = "/api/blog/search"

// searchAnswer is the part of a search answer the tests read.
type searchAnswer struct {
	PerPage    int     `json:"perPage"`
	NextCursor *string `json:"nextCursor"`
	Items      []struct {
		Id        string `json:"id"`
		Title     string `json:"title"`
		Body      any    `json:"body"`
		Highlight struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"highlight"`
	} `json:"items"`
}

// searchFor runs a search as a guest and returns its answer.
func searchFor(t testing.TB, h http.Handler, q string, extra ...string) searchAnswer {
	t.Helper()
	target := searchRoute + "?q=" + url.QueryEscape(q) + strings.Join(extra, "")
	rec := send(t, h, http.MethodGet, target, "", "")
	if rec.Code != 200 {
		t.Fatalf("search %q: %d %s", q, rec.Code, rec.Body)
	}
	var a searchAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("search %q: %v: %s", q, err, rec.Body)
	}
	return a
}

// found are the ids a search finds, in order.
func found(t testing.TB, h http.Handler, q string) []string {
	t.Helper()
	ids := []string{}
	for _, item := range searchFor(t, h, q).Items {
		ids = append(ids, item.Id)
	}
	return ids
}

func writePost(t testing.TB, h http.Handler, token, body string) string {
	t.Helper()
	rec := send(t, h, http.MethodPost, "/api/blog/posts", body, token)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var p struct{ Id string }
	json.Unmarshal(rec.Body.Bytes(), &p)
	return p.Id
}

func TestSearchFindsPublishedPosts(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	// the fixture: alice's published and paid posts, her draft, bob's post
	if got := found(t, h, "alice public"); len(got) != 1 || got[0] != fx.alicePublished {
		t.Fatalf("alice public: %v", got)
	}
	if got := found(t, h, "draft"); len(got) != 0 {
		t.Fatalf("a draft found: %v", got)
	}
	// a paid post is found by its title, never by its body
	if got := found(t, h, "essay"); len(got) != 1 || got[0] != fx.alicePaid {
		t.Fatalf("essay: %v", got)
	}
	if got := found(t, h, "paid body"); len(got) != 0 {
		t.Fatalf("a paid body found: %v", got)
	}
	a := searchFor(t, h, "alice")
	for _, item := range a.Items {
		if strings.Contains(item.Highlight.Text, "paid body") || item.Body != nil {
			t.Fatalf("a paid body in a result: %+v", item)
		}
	}
	// tag names are searched
	if got := found(t, h, "数据库"); len(got) != 1 || got[0] != fx.alicePublished {
		t.Fatalf("by tag: %v", got)
	}

	zh := writePost(t, h, fx.bobToken, `{"title":"支付","body":"<p>久至博客的支付功能已经上线。读者可以购买。</p>","status":"published"}`)
	en := writePost(t, h, fx.bobToken, `{"title":"Relevance","body":"<p>The payments page, and more payments.</p>","status":"published"}`)
	title := writePost(t, h, fx.bobToken, `{"title":"Payments <script>alert(1)</script>","body":"<p>Nothing else.</p>","status":"published"}`)

	for _, q := range []string{"博客", "支付功", "客的支付功能", "久至博客的支付功能", "购买", "能"} {
		if got := found(t, h, q); len(got) != 1 || got[0] != zh {
			t.Errorf("%q found %v", q, got)
		}
	}
	for _, q := range []string{"博购", "上线读者", "功能已经上线读者"} { // across punctuation or not in the text
		if got := found(t, h, q); len(got) != 0 {
			t.Errorf("%q found %v", q, got)
		}
	}

	// a title match ranks first; a prefix finds the word
	if got := found(t, h, "paym"); len(got) != 2 || got[0] != title || got[1] != en {
		t.Fatalf("paym: %v (title %s, body %s)", got, title, en)
	}
	a = searchFor(t, h, "payments")
	if a.Items[0].Highlight.Title != "<mark>Payments</mark> &lt;script&gt;alert(1)&lt;/script&gt;" {
		t.Errorf("title highlight %q", a.Items[0].Highlight.Title)
	}
	if a.Items[1].Highlight.Text != "The <mark>payments</mark> page, and more <mark>payments</mark>." {
		t.Errorf("text highlight %q", a.Items[1].Highlight.Text)
	}
	a = searchFor(t, h, "script")
	if a.Items[0].Highlight.Title != "Payments &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" {
		t.Errorf("script highlight %q", a.Items[0].Highlight.Title)
	}
	a = searchFor(t, h, "博客")
	if a.Items[0].Highlight.Text != "久至<mark>博客</mark>的支付功能已经上线。读者可以购买。" {
		t.Errorf("CJK highlight %q", a.Items[0].Highlight.Text)
	}
}

func TestSearchIndexFollowsEveryWrite(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	id := writePost(t, h, fx.bobToken, `{"title":"Kumquat","markdown":"A **persimmon** tree.","status":"published","tags":["Orchard"]}`)
	expect := func(q string, want bool) {
		t.Helper()
		got := found(t, h, q)
		if has := len(got) == 1 && got[0] == id; has != want || len(got) > 1 {
			t.Fatalf("%q: found %v, want the post %v", q, got, want)
		}
	}
	expect("kumquat", true)
	expect("persimmon", true)
	expect("orchard", true)

	steps := []struct {
		name   string
		method string
		path   string
		body   string
		token  string
		finds  map[string]bool
	}{
		{"retitled through the blog's route", http.MethodPatch, "/api/blog/posts/" + id, `{"title":"Tangerine"}`, fx.bobToken,
			map[string]bool{"kumquat": false, "tangerine": true}},
		{"body rewritten in Markdown", http.MethodPatch, "/api/blog/posts/" + id, `{"markdown":"A *quince* tree."}`, fx.bobToken,
			map[string]bool{"persimmon": false, "quince": true}},
		{"retagged", http.MethodPatch, "/api/blog/posts/" + id, `{"tags":["Grove"]}`, fx.bobToken,
			map[string]bool{"orchard": false, "grove": true}},
		{"made paid", http.MethodPatch, "/api/blog/posts/" + id, `{"price":3}`, fx.bobToken,
			map[string]bool{"quince": false, "tangerine": true}},
		{"made free again", http.MethodPatch, "/api/blog/posts/" + id, `{"price":0}`, fx.bobToken,
			map[string]bool{"quince": true}},
		{"unpublished", http.MethodPatch, "/api/blog/posts/" + id, `{"status":"draft"}`, fx.bobToken,
			map[string]bool{"tangerine": false, "quince": false}},
		{"published again", http.MethodPatch, "/api/blog/posts/" + id, `{"status":"published"}`, fx.bobToken,
			map[string]bool{"tangerine": true}},
		{"retitled by a superuser (the dashboard)", http.MethodPatch, "/api/collections/posts/records/" + id, `{"title":"Pomelo"}`, fx.superuserToken,
			map[string]bool{"tangerine": false, "pomelo": true}},
		{"body edited through the collections API", http.MethodPatch, "/api/collections/postContents/records/" + contentOf(t, app, id),
			`{"body":"<p>A medlar tree.</p>"}`, fx.bobToken,
			map[string]bool{"quince": false, "medlar": true}},
		{"retitled in a batch", http.MethodPost, "/api/batch",
			`{"requests":[{"method":"PATCH","url":"/api/collections/posts/records/` + id + `","body":{"title":"Loquat"}}]}`, fx.bobToken,
			map[string]bool{"pomelo": false, "loquat": true}},
		{"its tag renamed by a superuser", http.MethodPatch, "/api/collections/tags/records/{Grove}",
			`{"name":"Copse"}`, fx.superuserToken,
			map[string]bool{"grove": false, "copse": true}},
		{"deleted", http.MethodDelete, "/api/blog/posts/" + id, "", fx.bobToken,
			map[string]bool{"loquat": false, "medlar": false, "copse": false}},
	}
	for _, step := range steps {
		path := step.path
		if strings.Contains(path, "{Grove}") {
			path = strings.Replace(path, "{Grove}", tagIdByName(t, app, "Grove"), 1)
		}
		rec := send(t, h, step.method, path, step.body, step.token)
		if rec.Code >= 300 {
			t.Fatalf("%s: %d %s", step.name, rec.Code, rec.Body)
		}
		for q, want := range step.finds {
			expect(q, want)
		}
		assertSearchIndexConsistent(t, app)
	}
}

func tagIdByName(t testing.TB, app core.App, name string) string {
	t.Helper()
	tag, err := app.FindFirstRecordByData("tags", "name", name)
	if err != nil {
		t.Fatal(err)
	}
	return tag.Id
}

// assertSearchIndexConsistent fails unless the index holds exactly the
// published posts, one row each.
func assertSearchIndexConsistent(t testing.TB, app core.App) {
	t.Helper()
	var wrong int
	err := app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM posts p WHERE p.status = 'published' AND NOT EXISTS (SELECT 1 FROM _blogSearchDocs d WHERE d.post = p.id))
		+ (SELECT COUNT(*) FROM _blogSearchDocs d WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = d.post AND p.status = 'published'))
		+ ABS((SELECT COUNT(*) FROM _blogSearchDocs) - (SELECT COUNT(*) FROM _blogSearch))`).Row(&wrong)
	if err != nil || wrong != 0 {
		t.Fatalf("the search index is off by %d (%v)", wrong, err)
	}
}

func TestSearchScheduledPostsAreFoundOncePublished(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	at := time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
	id := writePost(t, h, fx.bobToken, `{"title":"Durian","body":"<p>Later.</p>","status":"scheduled","published":"`+at+`"}`)
	if got := found(t, h, "durian"); len(got) != 0 {
		t.Fatalf("a scheduled post found: %v", got)
	}
	// the scheduler publishes through app.Save, as here
	post, err := app.FindRecordById("posts", id)
	if err != nil {
		t.Fatal(err)
	}
	post.Set("status", "published")
	post.Set("published", time.Now().UTC())
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}
	if got := found(t, h, "durian"); len(got) != 1 {
		t.Fatalf("the published post not found: %v", got)
	}
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)
	for i := 0; i < 5; i++ {
		writePost(t, h, fx.bobToken, `{"title":"Walnut `+strings.Repeat("x", i)+`","body":"<p>walnut</p>","status":"published"}`)
	}

	var walked []string
	extra := "&perPage=2"
	for i := 0; i < 5; i++ {
		a := searchFor(t, h, "walnut", extra)
		if a.PerPage != 2 || len(a.Items) > 2 {
			t.Fatalf("page %d: %+v", i, a)
		}
		for _, item := range a.Items {
			walked = append(walked, item.Id)
		}
		if a.NextCursor == nil {
			break
		}
		extra = "&perPage=2&cursor=" + url.QueryEscape(*a.NextCursor)
	}
	seen := map[string]bool{}
	for _, id := range walked {
		if seen[id] {
			t.Fatalf("%s twice in %v", id, walked)
		}
		seen[id] = true
	}
	if len(walked) != 5 {
		t.Fatalf("walked %v", walked)
	}

	first := searchFor(t, h, "walnut", "&perPage=1")
	rec := send(t, h, http.MethodGet, searchRoute+"?q=almond&cursor="+url.QueryEscape(*first.NextCursor), "", "")
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "validation_cursor_mismatch") {
		t.Fatalf("a cursor of another search: %d %s", rec.Code, rec.Body)
	}
}

func TestSearchBadInput(t *testing.T) {
	t.Parallel()

	bad := func(name, query, field, code string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             searchRoute + query,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"` + field + `":{"code":"` + code + `"`},
		}
	}
	text := func(name, q string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             searchRoute + "?q=" + q,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"items":[`, `"nextCursor":null`},
			ExpectedEvents:  map[string]int{"*": 0},
		}
	}
	scenarios := []tests.ApiScenario{
		bad("guest with no query", "", "q", "validation_required"),
		bad("guest with an empty query", "?q=", "q", "validation_required"),
		bad("guest with a blank query", "?q=%20%09%0A%E3%80%80", "q", "validation_required"),
		bad("guest with 101 characters", "?q="+strings.Repeat("a", 101), "q", "validation_length_too_long"),
		bad("guest with 101 Chinese characters", "?q="+url.QueryEscape(strings.Repeat("博", 101)), "q", "validation_length_too_long"),
		bad("guest with a forged cursor", "?q=a&cursor=eyJxIjoiYSIsIm8iOjF9.AAAA", "cursor", "validation_invalid_cursor"),
		bad("guest with a bad perPage", "?q=a&perPage=x", "perPage", "validation_invalid_per_page"),
		text("guest with 100 characters", strings.Repeat("a", 100)),
		text("guest with 100 Chinese characters", url.QueryEscape(strings.Repeat("博客", 50))),
		text("guest with a quote", url.QueryEscape(`"`)),
		text("guest with unbalanced quotes", url.QueryEscape(`"alice public`)),
		text("guest with a star", url.QueryEscape(`*`)),
		text("guest with a prefix star", url.QueryEscape(`al*`)),
		text("guest with a minus", url.QueryEscape(`-alice`)),
		text("guest with NEAR", url.QueryEscape(`NEAR(alice public)`)),
		text("guest with OR", url.QueryEscape(`alice OR bob`)),
		text("guest with AND NOT", url.QueryEscape(`alice AND NOT bob`)),
		text("guest with a parenthesis", url.QueryEscape(`(`)),
		text("guest with a column filter", url.QueryEscape(`title:alice`)),
		text("guest with a caret and braces", url.QueryEscape(`^alice {title body}: x`)),
		text("guest with control characters", "%00%01%1F%7F"),
		text("guest with invalid UTF-8", "%FF%FE%C0%80"),
		text("guest with an emoji", url.QueryEscape("🙂")),
		{
			Name:            "guest finding through FTS5's words",
			Method:          http.MethodGet,
			URL:             searchRoute + "?q=" + url.QueryEscape(`"alice" OR "bob"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"items":[]`}, // "or" is a word no post has
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
