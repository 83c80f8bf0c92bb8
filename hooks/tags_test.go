package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

// taggedPost is the part of a post answer the tag tests read.
type taggedPost struct {
	Id     string   `json:"id"`
	Tags   []string `json:"tags"`
	Expand struct {
		Tags []struct {
			Id   string `json:"id"`
			Name string `json:"name"`
			Slug string `json:"slug"`
		} `json:"tags"`
	} `json:"expand"`
}

func readTaggedPost(t testing.TB, body []byte) taggedPost {
	t.Helper()
	var p taggedPost
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a post: %v: %s", err, body)
	}
	return p
}

// tagNamesOf are the names of a post's expand.tags, in order.
func (p taggedPost) tagNames() []string {
	names := []string{}
	for _, t := range p.Expand.Tags {
		names = append(names, t.Name)
	}
	return names
}

func TestTagsAreGivenByName(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	rec := send(t, h, http.MethodPost, "/api/blog/posts",
		`{"title":"Tagged","body":"<p>x</p>","status":"published","tags":["Go"," go ","ＧＯ","数据库","C++","C#","Node.js","  Deep   Learning "]}`, fx.aliceToken)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	post := readTaggedPost(t, rec.Body.Bytes())
	if got := strings.Join(post.tagNames(), "|"); got != "Go|数据库|C++|C#|Node.js|Deep Learning" {
		t.Fatalf("tags %q", got)
	}
	slugs := []string{}
	for _, tag := range post.Expand.Tags {
		slugs = append(slugs, tag.Slug)
	}
	if got := strings.Join(slugs, "|"); got != "go|数据库|cplusplus|csharp|node-js|deep-learning" {
		t.Fatalf("slugs %q", got)
	}
	if len(post.Tags) != 6 || post.Tags[0] != post.Expand.Tags[0].Id {
		t.Fatalf("tags ids %v", post.Tags)
	}

	// another author naming an existing tag another way gets the same tag
	rec = send(t, h, http.MethodPost, "/api/blog/posts", `{"title":"Bob's","body":"<p>y</p>","tags":["GO","数据库 "]}`, fx.bobToken)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	other := readTaggedPost(t, rec.Body.Bytes())
	if other.Tags[0] != post.Tags[0] || other.Tags[1] != post.Tags[1] || other.tagNames()[0] != "Go" {
		t.Fatalf("existing tags not reused: %v %v", other.Tags, other.tagNames())
	}
	if n := countRows(t, app, "tags", nil); n != 6 {
		t.Fatalf("%d tags, want 6", n)
	}

	// PATCH replaces the tags, [] removes them, leaving them out keeps them
	rec = send(t, h, http.MethodPatch, "/api/blog/posts/"+other.Id, `{"tags":["Rust","go"]}`, fx.bobToken)
	if got := strings.Join(readTaggedPost(t, rec.Body.Bytes()).tagNames(), "|"); rec.Code != 200 || got != "Rust|Go" {
		t.Fatalf("patch: %d %q", rec.Code, got)
	}
	rec = send(t, h, http.MethodPatch, "/api/blog/posts/"+other.Id, `{"title":"Renamed"}`, fx.bobToken)
	if got := strings.Join(readTaggedPost(t, rec.Body.Bytes()).tagNames(), "|"); got != "Rust|Go" {
		t.Fatalf("tags changed by a PATCH without them: %q", got)
	}
	rec = send(t, h, http.MethodPatch, "/api/blog/posts/"+other.Id, `{"tags":[]}`, fx.bobToken)
	if p := readTaggedPost(t, rec.Body.Bytes()); rec.Code != 200 || len(p.Tags) != 0 || len(p.Expand.Tags) != 0 {
		t.Fatalf("tags not removed: %d %s", rec.Code, rec.Body)
	}
}

func TestTagsBadInput(t *testing.T) {
	t.Parallel()

	eleven := `["a","b","c","d","e","f","g","h","i","j","k"]`
	tooLong := strings.Repeat("长", 51)
	post := func(name, body string, code string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(body),
			Headers:         map[string]string{"Authorization": fx.aliceToken, "Content-Type": "application/json"},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"tags":{"code":"` + code + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				// nothing written: no post, no new tag
				if n := countRows(t, app, "tags", nil); n != 2 {
					t.Fatalf("%d tags left by a refused post", n)
				}
				if n := countRows(t, app, "posts", dbx.HashExp{"title": "Bad tags"}); n != 0 {
					t.Fatal("the post was saved")
				}
			},
		}
	}
	scenarios := []tests.ApiScenario{
		post("user sending eleven tags", `{"title":"Bad tags","body":"<p>x</p>","tags":`+eleven+`}`, "validation_too_many_tags"),
		post("user sending a string", `{"title":"Bad tags","body":"<p>x</p>","tags":"Go"}`, "validation_invalid_type"),
		post("user sending a number in the list", `{"title":"Bad tags","body":"<p>x</p>","tags":["Go",7]}`, "validation_invalid_type"),
		post("user sending an object", `{"title":"Bad tags","body":"<p>x</p>","tags":{"a":1}}`, "validation_invalid_type"),
		post("user sending a blank name", `{"title":"Bad tags","body":"<p>x</p>","tags":["Go","   "]}`, "validation_required"),
		post("user sending a 51-character name", `{"title":"Bad tags","body":"<p>x</p>","tags":["`+tooLong+`"]}`, "validation_length_too_long"),
		post("user sending a control character", `{"title":"Bad tags","body":"<p>x</p>","tags":["a\u0000b"]}`, "validation_invalid_tag_name"),
		post("user sending a zero-width space", `{"title":"Bad tags","body":"<p>x</p>","tags":["a\u200bb"]}`, "validation_invalid_tag_name"),
		post("user sending a thousand names", `{"title":"Bad tags","body":"<p>x</p>","tags":[`+strings.Repeat(`"x",`, 999)+`"x"]}`, "validation_too_many_tags"),
		{
			Name:            "user sending ten names that are five tags",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Five","body":"<p>x</p>","tags":["a","A","b","B","c","C","d","D","e"," e "]}`),
			Headers:         map[string]string{"Authorization": fx.aliceToken, "Content-Type": "application/json"},
			ExpectedStatus:  201,
			ExpectedContent: []string{`"slug":"e"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countRows(t, app, "tags", nil); n != 2+5 {
					t.Fatalf("%d tags, want 7", n)
				}
			},
		},
		{
			Name:            "guest creating a tag",
			Method:          http.MethodPost,
			URL:             "/api/collections/tags/records",
			Body:            strings.NewReader(`{"name":"Go"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "user creating a tag through the collections API",
			Method:          http.MethodPost,
			URL:             "/api/collections/tags/records",
			Body:            strings.NewReader(`{"name":"  Rust  lang ","slug":"whatever","key":"forged"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Rust lang"`, `"slug":"rust-lang"`},
			// the key is the server's lookup column
			NotExpectedContent: []string{`"key"`, "forged", "whatever"},
		},
		{
			Name:            "user updating a tag",
			Method:          http.MethodPatch,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Body:            strings.NewReader(`{"name":"Golang"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "user deleting a tag",
			Method:          http.MethodDelete,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "superuser renaming a tag to another tag's name",
			Method:          http.MethodPatch,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Body:            strings.NewReader(`{"name":"  数据库"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"name":{"code":"validation_not_unique"`},
		},
		{
			Name:            "superuser renaming a tag keeps its slug",
			Method:          http.MethodPatch,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Body:            strings.NewReader(`{"name":"Golang"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Golang"`, `"slug":"go"`, `"key":"golang"`},
		},
		{
			Name:            "superuser giving a tag a bad slug",
			Method:          http.MethodPatch,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Body:            strings.NewReader(`{"slug":"Go Lang"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_invalid_slug"`},
		},
		{
			Name:            "superuser giving a tag another tag's slug",
			Method:          http.MethodPatch,
			URL:             "/api/collections/tags/records/" + fx.tagGo,
			Body:            strings.NewReader(`{"slug":"数据库"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
		},
		{
			Name:            "guest listing tags",
			Method:          http.MethodGet,
			URL:             "/api/collections/tags/records?sort=name",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Go"`, `"slug":"数据库"`},
			// nobody but superusers sees or filters by the key
			NotExpectedContent: []string{`"key"`},
		},
		{
			Name:            "guest filtering tags by their hidden key",
			Method:          http.MethodGet,
			URL:             "/api/collections/tags/records?filter=" + urlQuery(`key="go"`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestTagListing(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	listed := func(query string) listedPage {
		t.Helper()
		rec := send(t, h, http.MethodGet, listing+"?"+query, "", "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		return readPage(t, rec.Body.Bytes())
	}
	ids := func(p listedPage) string {
		var out []string
		for _, item := range p.Items {
			out = append(out, item.Id)
		}
		return strings.Join(out, ",")
	}

	// the draft carrying Go is not listed
	if p := listed("tag=go"); ids(p) != fx.alicePublished || p.TotalItems != 1 {
		t.Fatalf("tag=go: %s (%d)", ids(p), p.TotalItems)
	}
	if p := listed("tag=" + urlQuery("数据库")); ids(p) != fx.alicePublished {
		t.Fatalf("tag=数据库: %s", ids(p))
	}
	if p := listed("tag=nope"); len(p.Items) != 0 || p.TotalItems != 0 {
		t.Fatalf("unknown tag listed %s", ids(p))
	}

	// tagging bob's post and alice's paid one through the blog's route:
	// the cached page and count follow
	for _, post := range []struct{ id, token string }{{fx.bobPublished, fx.bobToken}, {fx.alicePaid, fx.aliceToken}} {
		if rec := send(t, h, http.MethodPatch, "/api/blog/posts/"+post.id, `{"tags":["go"]}`, post.token); rec.Code != 200 {
			t.Fatalf("tagging: %d %s", rec.Code, rec.Body)
		}
	}
	all := listed("tag=go")
	if all.TotalItems != 3 || len(all.Items) != 3 {
		t.Fatalf("after tagging: %s (%d)", ids(all), all.TotalItems)
	}

	// pages by cursor walk the same posts, newest first, with no repeat
	var walked []string
	query := "tag=go&perPage=1"
	for i := 0; i < 5; i++ {
		p := listed(query)
		walked = append(walked, ids(p))
		if p.NextCursor == nil {
			break
		}
		query = "perPage=1&cursor=" + urlQuery(*p.NextCursor)
	}
	if strings.Join(walked, ",") != ids(all) {
		t.Fatalf("cursor walk %v, want %s", walked, ids(all))
	}
	first := listed("tag=go&perPage=1")
	if rec := send(t, h, http.MethodGet, listing+"?tag="+urlQuery("数据库")+"&cursor="+urlQuery(*first.NextCursor), "", ""); rec.Code != 400 ||
		!strings.Contains(rec.Body.String(), "validation_cursor_mismatch") {
		t.Fatalf("a cursor of another tag: %d %s", rec.Code, rec.Body)
	}

	// the tags in use, most used first, with their counts
	rec := send(t, h, http.MethodGet, "/api/blog/tags", "", "")
	var tags struct {
		TotalItems int `json:"totalItems"`
		Items      []struct {
			Id         string `json:"id"`
			Name       string `json:"name"`
			Slug       string `json:"slug"`
			PostsCount int    `json:"postsCount"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tags); err != nil || tags.TotalItems != 2 ||
		tags.Items[0].Name != "Go" || tags.Items[0].PostsCount != 3 || tags.Items[1].Slug != "数据库" || tags.Items[1].PostsCount != 1 {
		t.Fatalf("tags: %s", rec.Body)
	}

	// unpublishing, deleting and untagging leave the listing and counts
	if rec := send(t, h, http.MethodPatch, "/api/blog/posts/"+fx.alicePaid, `{"status":"draft"}`, fx.aliceToken); rec.Code != 200 {
		t.Fatalf("unpublish: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, http.MethodDelete, "/api/blog/posts/"+fx.bobPublished, "", fx.bobToken); rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if p := listed("tag=go"); ids(p) != fx.alicePublished || p.TotalItems != 1 {
		t.Fatalf("after unpublish and delete: %s (%d)", ids(p), p.TotalItems)
	}
	// a superuser deleting a tag takes it off its posts (PocketBase's own
	// relation cleanup, through the posts' hooks)
	if rec := send(t, h, http.MethodDelete, "/api/collections/tags/records/"+fx.tagDatabase, "", fx.superuserToken); rec.Code != 204 {
		t.Fatalf("delete tag: %d %s", rec.Code, rec.Body)
	}
	if p := listed("tag=" + urlQuery("数据库")); len(p.Items) != 0 {
		t.Fatalf("a deleted tag still lists %s", ids(p))
	}
	rec = send(t, h, http.MethodGet, "/api/blog/tags", "", "")
	if strings.Contains(rec.Body.String(), "数据库") || !strings.Contains(rec.Body.String(), `"postsCount":1`) {
		t.Fatalf("tags after the changes: %s", rec.Body)
	}
	var counts []struct {
		Tag string `db:"tag"`
		N   int    `db:"n"`
	}
	if err := app.DB().NewQuery("SELECT tag, n FROM _blogTagCounts").All(&counts); err != nil || len(counts) != 1 || counts[0].N != 1 {
		t.Fatalf("counts %v %v", counts, err)
	}
}

func TestTagListingParameters(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name:            "guest listing by tag and author",
			Method:          http.MethodGet,
			URL:             listing + "?tag=go&author=alice",
			ExpectedStatus:  400,
			ExpectedContent: []string{`"tag":{"code":"validation_tag_with_author"`},
		},
		{
			Name:            "guest listing by a huge tag",
			Method:          http.MethodGet,
			URL:             listing + "?tag=" + strings.Repeat("x", 200),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"tag":{"code":"validation_invalid_tag"`},
		},
		{
			Name:            "guest listing by a tag with a separator",
			Method:          http.MethodGet,
			URL:             listing + "?tag=" + urlQuery("go|1"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "guest listing the tags with a bad page",
			Method:          http.MethodGet,
			URL:             "/api/blog/tags?page=0",
			ExpectedStatus:  400,
			ExpectedContent: []string{`"page":{"code":"validation_invalid_page"`},
		},
		{
			Name:           "guest listing the tags",
			Method:         http.MethodGet,
			URL:            "/api/blog/tags?perPage=1",
			ExpectedStatus: 200,
			// the draft's Go does not count
			ExpectedContent: []string{`"totalItems":2`, `"totalPages":2`, `"postsCount":1`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestTagsOfDraftsStayPrivate(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	rec := send(t, h, http.MethodPost, "/api/blog/posts", `{"title":"Embargo","body":"<p>x</p>","tags":["Project Nightjar"]}`, fx.aliceToken)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	post := readTaggedPost(t, rec.Body.Bytes())
	// its author sees the tag on the post through the blog's routes
	if names := post.tagNames(); len(names) != 1 || names[0] != "Project Nightjar" {
		t.Fatalf("the author's post shows %v", names)
	}
	tagId := post.Tags[0]
	visible := func(token string) bool {
		t.Helper()
		list := send(t, h, http.MethodGet, "/api/collections/tags/records?perPage=100", "", token)
		view := send(t, h, http.MethodGet, "/api/collections/tags/records/"+tagId, "", token)
		listed := strings.Contains(list.Body.String(), "Nightjar")
		if listed != (view.Code == 200) {
			t.Fatalf("list shows it %v, view answers %d", listed, view.Code)
		}
		return listed
	}
	for _, token := range []string{"", fx.bobToken, fx.aliceToken} {
		if visible(token) {
			t.Fatalf("a tag only a draft carries is visible to %q", token)
		}
	}
	if !visible(fx.superuserToken) {
		t.Fatal("superusers do not see it")
	}

	if rec := send(t, h, http.MethodPatch, "/api/blog/posts/"+post.Id, `{"status":"published"}`, fx.aliceToken); rec.Code != 200 {
		t.Fatalf("publish: %d %s", rec.Code, rec.Body)
	}
	if !visible("") {
		t.Fatal("the tag of a published post is hidden")
	}
	// a client cannot set what the rules read
	if rec := send(t, h, http.MethodPatch, "/api/collections/tags/records/"+tagId, `{"published":false}`, fx.superuserToken); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"published":true`) {
		t.Fatalf("forged count: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, http.MethodPatch, "/api/blog/posts/"+post.Id, `{"status":"draft"}`, fx.aliceToken); rec.Code != 200 {
		t.Fatalf("unpublish: %d %s", rec.Code, rec.Body)
	}
	if visible("") {
		t.Fatal("the tag stays visible once its post is a draft again")
	}
}
