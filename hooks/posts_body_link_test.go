package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// assertContentLinked fails unless every post's content names its own
// body record, and no body is named by another post.
func assertContentLinked(t testing.TB, app core.App) {
	t.Helper()
	var broken []struct {
		Id string `db:"id"`
	}
	err := app.DB().NewQuery(`
		SELECT p.id FROM posts p LEFT JOIN postContents c ON c.post = p.id
		WHERE c.id IS NULL OR p.content != c.id`).All(&broken)
	if err != nil {
		t.Fatal(err)
	}
	if len(broken) > 0 {
		t.Fatalf("posts whose content is not their body record: %v", broken)
	}
}

// contentOf is the stored content relation of a post.
func contentOf(t testing.TB, app core.App, postId string) string {
	t.Helper()
	var content string
	if err := app.DB().Select("content").From("posts").Where(dbx.HashExp{"id": postId}).Row(&content); err != nil {
		t.Fatal(err)
	}
	return content
}

// keptContent checks, after a write that sent another content, that the
// post still names its own body record.
func keptContent(postId, contentId string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if got := contentOf(t, app, postId); got != contentId {
			t.Fatalf("post %s names content %q, want its body record %q", postId, got, contentId)
		}
		assertContentLinked(t, app)
	}
}

// TestPostContentIsKeptByTheServer checks that a post names its body
// record in `content` whichever way it was made, and that no client
// changes that: a sent value is replaced, not refused, as the dashboard
// sends it back on every save and its Duplicate sends the original's.
func TestPostContentIsKeptByTheServer(t *testing.T) {
	t.Parallel()

	records := "/api/collections/posts/records"
	linked := func(title string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			post, err := app.FindFirstRecordByData("posts", "title", title)
			if err != nil {
				t.Fatal(err)
			}
			if post.GetString("content") == "" || post.GetString("content") == fx.bobPublishedContent {
				t.Fatalf("new post names content %q", post.GetString("content"))
			}
			assertContentLinked(t, app)
			assertSplitInvariant(t, app)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "the fixture's posts, made by Go code",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.alicePublished,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"` + fx.alicePublishedContent + `"`},
			AfterTestFunc:   func(t testing.TB, app *tests.TestApp, res *http.Response) { assertContentLinked(t, app) },
		},
		{
			Name:    "user creating a post through the route, sending another post's body",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts",
			Headers: auth(fx.aliceToken),
			Body: strings.NewReader(`{"title":"Routed","body":"<p>routed body</p>",` +
				`"content":"` + fx.bobPublishedContent + `"}`),
			ExpectedStatus:     201,
			ExpectedContent:    []string{`"title":"Routed"`, `"content":"`},
			NotExpectedContent: []string{fx.bobPublishedContent},
			AfterTestFunc:      linked("Routed"),
		},
		{
			Name:    "user creating a post through the collections API, sending another post's body",
			Method:  http.MethodPost,
			URL:     records,
			Headers: auth(fx.aliceToken),
			Body: strings.NewReader(`{"title":"Collected","author":"` + fx.aliceId + `",` +
				`"content":"` + fx.bobPublishedContent + `"}`),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"title":"Collected"`, `"content":"`},
			NotExpectedContent: []string{fx.bobPublishedContent},
			AfterTestFunc:      linked("Collected"),
		},
		{
			Name:               "user creating a post sending a content id that names nothing",
			Method:             http.MethodPost,
			URL:                records,
			Headers:            auth(fx.aliceToken),
			Body:               strings.NewReader(`{"title":"Made up","author":"` + fx.aliceId + `","content":"nosuchrecord12"}`),
			ExpectedStatus:     200,
			NotExpectedContent: []string{"nosuchrecord12"},
			AfterTestFunc:      linked("Made up"),
		},
		{
			Name:    "user creating two posts in a batch",
			Method:  http.MethodPost,
			URL:     "/api/batch",
			Headers: auth(fx.aliceToken),
			Body: strings.NewReader(`{"requests":[
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Batched one","author":"` + fx.aliceId + `"}},
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Batched two","author":"` + fx.aliceId + `","content":"` + fx.aliceDraftContent + `"}}
			]}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Batched one"`, `"title":"Batched two"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				linked("Batched one")(t, app, res)
				linked("Batched two")(t, app, res)
				if got := contentOf(t, app, fx.aliceDraft); got != fx.aliceDraftContent {
					t.Fatalf("the draft lost its content: %q", got)
				}
			},
		},
		{
			Name:            "superuser creating a post for alice, as the dashboard does",
			Method:          http.MethodPost,
			URL:             records,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"title":"From the dashboard","author":"` + fx.aliceId + `","content":""}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"From the dashboard"`},
			AfterTestFunc:   linked("From the dashboard"),
		},
		{
			Name:            "author pointing a post at another post's body",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Retitled","content":"` + fx.bobPublishedContent + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Retitled"`, `"content":"` + fx.alicePublishedContent + `"`},
			AfterTestFunc:   keptContent(fx.alicePublished, fx.alicePublishedContent),
		},
		{
			Name:            "author clearing a post's content",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePaid,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"content":null}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"` + fx.alicePaidContent + `"`},
			AfterTestFunc:   keptContent(fx.alicePaid, fx.alicePaidContent),
		},
		{
			Name:            "author sending a content id that names nothing",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"content":"nosuchrecord12"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"` + fx.aliceDraftContent + `"`},
			AfterTestFunc:   keptContent(fx.aliceDraft, fx.aliceDraftContent),
		},
		{
			Name:            "author sending content to the route",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"body":"<p>new words</p>","content":"` + fx.bobPublishedContent + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"` + fx.alicePublishedContent + `"`, "new words"},
			AfterTestFunc:   keptContent(fx.alicePublished, fx.alicePublishedContent),
		},
		{
			Name:            "superuser pointing a post at another post's body",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.bobPublished,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"content":"` + fx.alicePaidContent + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"` + fx.bobPublishedContent + `"`},
			AfterTestFunc:   keptContent(fx.bobPublished, fx.bobPublishedContent),
		},
		{
			Name:    "other user pointing a post at their body",
			Method:  http.MethodPatch,
			URL:     records + "/" + fx.alicePublished,
			Headers: auth(fx.bobToken),
			Body:    strings.NewReader(`{"content":"` + fx.bobPublishedContent + `"}`),
			// the update rule: only the author
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			AfterTestFunc:   keptContent(fx.alicePublished, fx.alicePublishedContent),
		},
		{
			Name:           "superuser deleting a post: its body goes too",
			Method:         http.MethodDelete,
			URL:            records + "/" + fx.alicePaid,
			Headers:        auth(fx.superuserToken),
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countRows(t, app, "postContents", dbx.HashExp{"id": fx.alicePaidContent}); n != 0 {
					t.Fatalf("the body outlived its post")
				}
				assertContentLinked(t, app)
				assertSplitInvariant(t, app)
			},
		},
	}
	for _, scenario := range scenarios {
		scenario.TestAppFactory = newTestApp
		scenario.Test(t)
	}
}

// TestPostContentExpandObeysTheBodyRule expands a post's body through its
// content relation as each reader: only those postContents' view rule
// lets read the body get it (a paid post's buyer, its author and
// superusers; a draft's author and superusers).
func TestPostContentExpandObeysTheBodyRule(t *testing.T) {
	t.Parallel()

	records := "/api/collections/posts/records"
	paid := records + "/" + fx.alicePaid + "?expand=content"
	draft := records + "/" + fx.aliceDraft + "?expand=content"
	buyerApp := func(t testing.TB) *tests.TestApp {
		app := newTestApp(t)
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
		order.Set("status", "paid")
		if err := app.Save(order); err != nil {
			t.Fatal(err)
		}
		return app
	}

	scenarios := []tests.ApiScenario{
		{
			Name:               "guest expanding a paid body",
			Method:             http.MethodGet,
			URL:                paid,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"content":"` + fx.alicePaidContent + `"`},
			NotExpectedContent: []string{"alice paid body", `"expand":{"content"`},
		},
		{
			Name:               "other user expanding a paid body",
			Method:             http.MethodGet,
			URL:                paid,
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			NotExpectedContent: []string{"alice paid body", `"expand":{"content"`},
		},
		{
			Name:            "buyer expanding the paid body",
			Method:          http.MethodGet,
			URL:             paid,
			Headers:         auth(fx.bobToken),
			TestAppFactory:  buyerApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"expand":{"content":{`, "alice paid body"},
		},
		{
			Name:            "author expanding own paid body",
			Method:          http.MethodGet,
			URL:             paid,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"expand":{"content":{`, "alice paid body"},
		},
		{
			Name:            "superuser expanding a paid body",
			Method:          http.MethodGet,
			URL:             paid,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{"alice paid body"},
		},
		{
			Name:               "guest expanding a draft's body",
			Method:             http.MethodGet,
			URL:                draft,
			ExpectedStatus:     404,
			NotExpectedContent: []string{"alice draft body"},
		},
		{
			Name:               "other user expanding a draft's body",
			Method:             http.MethodGet,
			URL:                draft,
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     404,
			NotExpectedContent: []string{"alice draft body"},
		},
		{
			Name:            "author expanding own draft's body",
			Method:          http.MethodGet,
			URL:             draft,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{"alice draft body"},
		},
		{
			Name:            "superuser expanding a draft's body",
			Method:          http.MethodGet,
			URL:             draft,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{"alice draft body"},
		},
		{
			Name:               "guest listing posts with their bodies",
			Method:             http.MethodGet,
			URL:                records + "?expand=content",
			ExpectedStatus:     200,
			ExpectedContent:    []string{"alice public body", "bob public body"},
			NotExpectedContent: []string{"alice paid body", "alice draft body"},
		},
		{
			Name:               "other user listing comments with their posts' bodies",
			Method:             http.MethodGet,
			URL:                "/api/collections/comments/records?expand=" + urlQuery("post.content"),
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{"bob public body"},
			NotExpectedContent: []string{"alice paid body", "alice draft body"},
		},
		{
			Name:               "guest filtering posts by their bodies",
			Method:             http.MethodGet,
			URL:                records + "?filter=" + urlQuery(`content.body ~ "paid body"`),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"validation_body_filter"`},
			NotExpectedContent: []string{fx.alicePaid},
		},
		{
			Name:               "other user filtering comments by their posts' bodies",
			Method:             http.MethodGet,
			URL:                "/api/collections/comments/records?filter=" + urlQuery(`post.content.body:lower ~ "paid"`),
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"validation_body_filter"`},
			NotExpectedContent: []string{fx.commentOnPaid},
		},
		{
			Name:            "other user sorting posts by their bodies",
			Method:          http.MethodGet,
			URL:             records + "?sort=-content.body",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"validation_body_sort"`},
		},
		{
			Name:            "superuser filtering posts by their bodies",
			Method:          http.MethodGet,
			URL:             records + "?filter=" + urlQuery(`content.body ~ "paid body"`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, fx.alicePaid},
		},
	}
	for _, scenario := range scenarios {
		if scenario.TestAppFactory == nil {
			scenario.TestAppFactory = newTestApp
		}
		scenario.Test(t)
	}
}

// TestPostContentRealtimeObeysTheBodyRule subscribes each reader to the
// paid post with its body expanded, as the SDK does, then changes the
// post: the body goes only to those who may read it.
func TestPostContentRealtimeObeysTheBodyRule(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	carol, carolToken := newCarol(t, app)
	order := newOrder(t, app, carol.Id, fx.alicePaid, "alipay", 0)
	order.Set("status", "paid")
	if err := app.Save(order); err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	readers := map[string]string{
		"guest": "", "other user": fx.bobToken, "buyer": carolToken,
		"author": fx.aliceToken, "superuser": fx.superuserToken,
	}
	mayRead := map[string]bool{"buyer": true, "author": true, "superuser": true}
	topic := "posts/" + fx.alicePaid + "?options=" + urlQuery(`{"query":{"expand":"content"}}`)
	listeners := map[string]*listener{}
	for name, token := range readers {
		listeners[name] = listen(t, app)
		listeners[name].subscribe(t, h, token, topic)
	}

	update(t, app, "posts", fx.alicePaid, func(r *core.Record) { r.Set("title", "Alice paid essay, revised") })

	for name, l := range listeners {
		heard := strings.Join(l.take()[topic], "\n")
		if !strings.Contains(heard, "Alice paid essay, revised") {
			t.Errorf("%s did not hear of the published post: %q", name, heard)
		}
		if got := strings.Contains(heard, "alice paid body"); got != mayRead[name] {
			t.Errorf("%s heard the paid body: %v, want %v: %q", name, got, mayRead[name], heard)
		}
	}
}

// TestDashboardOpensAPostsBody follows the dashboard's own API calls: a
// superuser creates a post through the collections API, then opens the
// record its content chip links to, whose post chip names the title.
func TestDashboardOpensAPostsBody(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	rec := send(t, h, http.MethodPost, "/api/collections/posts/records?expand=author,content",
		`{"title":"Written in the dashboard","author":"`+fx.bobId+`","status":"draft"}`, fx.superuserToken)
	expectCode(t, rec, 200)
	var post struct {
		Id      string `json:"id"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &post); err != nil || post.Content == "" {
		t.Fatalf("created post %s (%v)", rec.Body, err)
	}
	if !strings.Contains(rec.Body.String(), `"expand":{"author":{`) || !strings.Contains(rec.Body.String(), `"content":{`) {
		t.Errorf("the created post's relations are not expanded: %s", rec.Body)
	}

	// the chip's link: #/collections?collection=postContents&record=ID
	rec = send(t, h, http.MethodGet, "/api/collections/postContents/records/"+post.Content+"?expand=post", "", fx.superuserToken)
	expectCode(t, rec, 200)
	var body struct {
		Post   string `json:"post"`
		Expand struct {
			Post struct {
				Title string `json:"title"`
			} `json:"post"`
		} `json:"expand"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Post != post.Id || body.Expand.Post.Title != "Written in the dashboard" {
		t.Errorf("the body record names post %q titled %q: %s", body.Post, body.Expand.Post.Title, rec.Body)
	}

	// the body edited in its panel, saved with every field as the
	// dashboard sends them
	rec = send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+post.Content,
		`{"post":"`+post.Id+`","body":"<p>Typed in the editor</p>"}`, fx.superuserToken)
	expectCode(t, rec, 200)
	// and the post saved back with its content as loaded
	rec = send(t, h, http.MethodPatch, "/api/collections/posts/records/"+post.Id,
		`{"title":"Written in the dashboard","author":"`+fx.bobId+`","content":"`+post.Content+`","status":"published"}`, fx.superuserToken)
	expectCode(t, rec, 200)
	if !strings.Contains(rec.Body.String(), `"content":"`+post.Content+`"`) {
		t.Errorf("the post lost its body: %s", rec.Body)
	}
	rec = send(t, h, http.MethodGet, "/api/blog/posts/"+post.Id, "", "")
	expectCode(t, rec, 200)
	if !strings.Contains(rec.Body.String(), "Typed in the editor") {
		t.Errorf("the published post does not show the body: %s", rec.Body)
	}
}
