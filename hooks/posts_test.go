package hooks_test

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/internal/content"
)

// TestPostsCollectionRules drives the posts API rules through the
// collections API for every actor.
func TestPostsCollectionRules(t *testing.T) {
	t.Parallel()

	records := "/api/collections/posts/records"

	scenarios := []tests.ApiScenario{
		// list
		{
			Name:               "guest listing",
			Method:             http.MethodGet,
			URL:                records,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":3`, fx.alicePublished, fx.alicePaid, fx.bobPublished},
			NotExpectedContent: []string{fx.aliceDraft},
		},
		{
			Name:            "author listing sees own draft",
			Method:          http.MethodGet,
			URL:             records,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`, fx.aliceDraft},
		},
		{
			Name:               "other user listing",
			Method:             http.MethodGet,
			URL:                records,
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":3`},
			NotExpectedContent: []string{fx.aliceDraft},
		},
		{
			Name:            "superuser listing",
			Method:          http.MethodGet,
			URL:             records,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`},
		},
		{
			Name:            "other user filtering for drafts",
			Method:          http.MethodGet,
			URL:             records + "?filter=" + urlQuery(`status="draft"`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:               "guest probing a paid body through the back-relation",
			Method:             http.MethodGet,
			URL:                records + "?filter=" + urlQuery(`postContents_via_post.body ~ "paid body"`),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`},
			NotExpectedContent: []string{fx.alicePaid},
		},
		{
			Name:            "superuser probing a paid body through the back-relation",
			Method:          http.MethodGet,
			URL:             records + "?filter=" + urlQuery(`postContents_via_post.body ~ "paid body"`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, fx.alicePaid},
		},
		{
			Name:               "guest expanding the paid body",
			Method:             http.MethodGet,
			URL:                records + "/" + fx.alicePaid + "?expand=postContents_via_post",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + fx.alicePaid + `"`},
			NotExpectedContent: []string{"alice paid body", "postContents_via_post"},
		},
		{
			Name:            "author expanding own paid body",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.alicePaid + "?expand=postContents_via_post",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{"alice paid body"},
		},
		{
			Name:               "guest expanding a published post's author",
			Method:             http.MethodGet,
			URL:                records + "/" + fx.alicePublished + "?expand=author",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"username":"alice"`},
			NotExpectedContent: []string{"alice@example.com", "+86", `"phone"`},
		},

		// view
		{
			Name:            "guest viewing a draft",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceDraft,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user viewing a draft",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceDraft,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author viewing own draft",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceDraft,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"draft"`},
		},
		{
			Name:            "superuser viewing a draft",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceDraft,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"draft"`},
		},

		// create
		{
			Name:            "guest creating",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"title":"Anon","author":"` + fx.aliceId + `"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "user creating as another user",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"title":"Forged","author":"` + fx.aliceId + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "user creating without an author",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"title":"Orphan"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:           "user creating as themself",
			Method:         http.MethodPost,
			URL:            records,
			Body:           strings.NewReader(`{"title":"Bob again","author":"` + fx.bobId + `","commentsCount":42}`),
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"author":"` + fx.bobId + `"`,
				`"commentsCount":0`,
				`"slug":"bob-again"`,
				`"currency":"CNY"`,
				`"status":"draft"`,
			},
			ExpectedEvents: map[string]int{
				"OnRecordCreateRequest": 1,
				"OnRecordCreate":        2, // the post and its content
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(5)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
		{
			Name:            "superuser creating for a user, as the dashboard does",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"title":"From the dashboard","author":"` + fx.aliceId + `","commentsCount":7}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"author":"` + fx.aliceId + `"`, `"commentsCount":0`, `"status":"draft"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(5)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
		{
			Name:            "user importing an old post keeps its publication date",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"published","published":"2019-05-04 10:00:00.000Z"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"published":"2019-05-04 10:00:00.000Z"`},
		},

		// update
		{
			Name:            "guest updating",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Defaced"}`),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user updating",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Defaced"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author giving the post away",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"author":"` + fx.bobId + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"author":{"code":"validation_author_immutable"`},
		},
		{
			Name:            "superuser giving a post away",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"author":"` + fx.bobId + `"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"author":{"code":"validation_author_immutable"`},
		},
		{
			Name:            "author setting commentsCount",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"commentsCount":1000,"title":"Counted"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"commentsCount":0`, `"title":"Counted"`},
		},
		{
			Name:               "author unpublishing keeps the first publication date",
			Method:             http.MethodPatch,
			URL:                records + "/" + fx.alicePublished,
			Body:               strings.NewReader(`{"status":"draft"}`),
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"status":"draft"`},
			NotExpectedContent: []string{`"published":""`},
		},
		{
			Name:            "author pricing a free post drops the summary taken from its body",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"price":5}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"price":5`, `"summary":""`},
		},
		{
			Name:            "author setting a price with three decimals",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"price":0.001}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"price":{"code":"validation_price_decimals"`},
		},
		{
			Name:            "superuser updating",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Moderated"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Moderated"`},
		},

		// delete
		{
			Name:            "guest deleting",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.alicePublished,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "other user deleting",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.alicePublished,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:           "author deleting",
			Method:         http.MethodDelete,
			URL:            records + "/" + fx.alicePublished,
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 204,
			AfterTestFunc:  assertPostCount(3),
		},
		{
			Name:           "superuser deleting",
			Method:         http.MethodDelete,
			URL:            records + "/" + fx.bobPublished,
			Headers:        auth(fx.superuserToken),
			ExpectedStatus: 204,
			AfterTestFunc:  assertPostCount(3),
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestPostsBatchApi checks the invariants when posts are written through
// /api/batch, where every request of a batch shares one transaction.
func TestPostsBatchApi(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:   "user creating two posts in a batch",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Batch one","author":"` + fx.bobId + `"}},
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Batch one","author":"` + fx.bobId + `"}}
			]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"batch-one"`, `"slug":"batch-one-2"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(6)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
		{
			Name:   "user whose batch has one forged post writes nothing",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Mine","author":"` + fx.bobId + `"}},
				{"method":"POST","url":"/api/collections/posts/records","body":{"title":"Forged","author":"` + fx.aliceId + `"}}
			]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:   "user updating another's body in a batch",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"PATCH","url":"/api/collections/postContents/records/` + fx.alicePublishedContent + `","body":{"body":"defaced"}}
			]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				c, err := app.FindRecordById("postContents", fx.alicePublishedContent)
				if err != nil || c.GetString("body") != "<p>alice public body</p>" {
					t.Fatalf("body changed by another user: %v %q", err, c.GetString("body"))
				}
			},
		},
		{
			Name:   "author updating own body in a batch with script",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"PATCH","url":"/api/collections/postContents/records/` + fx.alicePublishedContent + `","body":{"body":"<p onclick=\"x()\">batch<script>alert(1)</script> <a href=\"javascript:x\">l</a></p>"}}
			]}`),
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"status":200`},
			NotExpectedContent: []string{"script", "onclick", "javascript"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				c, err := app.FindRecordById("postContents", fx.alicePublishedContent)
				if err != nil {
					t.Fatal(err)
				}
				if got := c.GetString("body"); got != "<p>batch l</p>" {
					t.Fatalf("stored body %q", got)
				}
			},
		},
		{
			Name:   "user deleting a post in a batch takes its content along",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"DELETE","url":"/api/collections/posts/records/` + fx.bobPublished + `"}
			]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":204`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(3)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestPostSavedFromGoCode covers the path of Go code and seeding: a plain
// app.Save keeps the same invariants as the API.
func TestPostSavedFromGoCode(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	post, content, err := createPost(app, fx.bobId, "Go code post", "published", 0,
		`<p onmouseover="x()">Hi <a href="javascript:alert(1)">there</a><script>alert(1)</script></p>`)
	if err != nil {
		t.Fatal(err)
	}
	assertSplitInvariant(t, app)

	stored, err := app.FindRecordById("postContents", content.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stored.GetString("body"), "<p>Hi there</p>"; got != want {
		t.Fatalf("stored body %q, want %q", got, want)
	}

	post, err = app.FindRecordById("posts", post.Id)
	if err != nil {
		t.Fatal(err)
	}
	if post.GetString("summary") != "Hi there" || post.GetString("slug") != "go-code-post" || post.GetDateTime("published").IsZero() {
		t.Fatalf("derived fields not filled: summary %q slug %q published %v",
			post.GetString("summary"), post.GetString("slug"), post.GetDateTime("published"))
	}

	// the same in-memory records saved again: their Original() is stale,
	// the hooks must still see the real previous state
	post.Set("title", "Go code post, retitled")
	if err := app.Save(post); err != nil {
		t.Fatalf("re-saving a post kept in memory: %v", err)
	}
	content.Set("body", "<p>second thoughts</p>")
	if err := app.Save(content); err != nil {
		t.Fatal(err)
	}
	if post, err = app.FindRecordById("posts", post.Id); err != nil || post.GetString("summary") != "second thoughts" {
		t.Fatalf("summary did not follow a re-saved body: %v %q", err, post.GetString("summary"))
	}

	// a content record cannot be removed while its post exists
	if err := app.Delete(stored); err == nil {
		t.Fatal("deleting a content record alone succeeded")
	}
	assertSplitInvariant(t, app)

	if err := app.Delete(post); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, app, "postContents", dbx.HashExp{"post": post.Id}); n != 0 {
		t.Fatal("the content outlived its post")
	}
	assertSplitInvariant(t, app)
}

// TestPostIsNotCreatedWhenItsContentFails makes the content insert fail:
// the post, already inserted in the same transaction, must roll back too,
// on the collections API and on the blog route alike.
func TestPostIsNotCreatedWhenItsContentFails(t *testing.T) {
	t.Parallel()

	failContent := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		app.OnRecordCreate("postContents").BindFunc(func(e *core.RecordEvent) error {
			return errors.New("disk full")
		})
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "collections API",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            strings.NewReader(`{"title":"Doomed","author":"` + fx.bobId + `"}`),
			Headers:         auth(fx.bobToken),
			BeforeTestFunc:  failContent,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:               "blog route",
			Method:             http.MethodPost,
			URL:                "/api/blog/posts",
			Body:               strings.NewReader(`{"title":"Doomed","body":"<p>x</p>"}`),
			Headers:            auth(fx.bobToken),
			BeforeTestFunc:     failContent,
			ExpectedStatus:     500,
			ExpectedContent:    []string{`"status":500`},
			NotExpectedContent: []string{"disk full"},
			AfterTestFunc:      assertPostCount(4),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestDeletingAnAuthorRemovesTheirPosts follows the cascade from a user
// through posts to their contents.
func TestDeletingAnAuthorRemovesTheirPosts(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	alice, err := app.FindRecordById("users", fx.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(alice); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, app, "posts", dbx.HashExp{"author": fx.aliceId}); n != 0 {
		t.Fatalf("%d posts outlived their author", n)
	}
	if n := countRows(t, app, "posts", nil); n != 1 {
		t.Fatalf("expected only bob's post left, found %d posts", n)
	}
	assertSplitInvariant(t, app)
}

// TestPostSlugsUnderConcurrentCreates saves posts with one title from many
// goroutines at once: each must get its own slug and its own content.
func TestPostSlugsUnderConcurrentCreates(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	const writers = 24
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := createPost(app, fx.aliceId, "Same title", "draft", 0, "<p>same</p>")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	var slugs []string
	err := app.DB().Select("slug").From("posts").
		Where(dbx.NewExp("title = 'Same title'")).Column(&slugs)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range slugs {
		if seen[s] {
			t.Fatalf("slug %q given twice", s)
		}
		seen[s] = true
	}
	if len(seen) != writers || !seen["same-title"] || !seen[fmt.Sprintf("same-title-%d", writers)] {
		t.Fatalf("expected same-title … same-title-%d, got %v", writers, slugs)
	}
	assertSplitInvariant(t, app)
}

// TestPostsSchema checks the posts collection the migrations ship against
// what the hooks rely on: the listing's indexes, the cascading author, and
// a slug pattern that every generated slug fits.
func TestPostsSchema(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"idx_posts_published_slug", "idx_posts_author_slug", "idx_posts_status_published", "idx_posts_author_status"} {
		if posts.GetIndex(name) == "" {
			t.Errorf("index %s is missing", name)
		}
	}
	if f, ok := posts.Fields.GetByName("author").(*core.RelationField); !ok || !f.CascadeDelete || !f.Required {
		t.Error("posts.author must be a required relation that cascades")
	}

	pattern := regexp.MustCompile(posts.Fields.GetByName("slug").(*core.TextField).Pattern)
	for _, title := range []string{
		"The __init__ method", "foo _bar", "x___y", "a-_-b", "_leading", "trailing_", "C++ & C#",
		"你好 世界", "Ünïcödé Çafé", "🙂🙃", "   ", "1234567890abcde", strings.Repeat("long title ", 20),
	} {
		slug := content.Slug(title)
		if !pattern.MatchString(slug) || len(slug) > posts.Fields.GetByName("slug").(*core.TextField).Max {
			t.Errorf("slug %q of title %q does not fit the slug field", slug, title)
		}
	}
}

// TestStalePostRecordCannotPublishAnOldSummary saves a post record loaded
// before its body changed: its stale summary must not pass for the
// author's own, least of all on a post that becomes paid.
func TestStalePostRecordCannotPublishAnOldSummary(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	stale, err := app.FindRecordById("posts", fx.aliceDraft)
	if err != nil {
		t.Fatal(err)
	}
	if stale.GetString("summary") != "alice draft body" {
		t.Fatalf("fixture summary %q", stale.GetString("summary"))
	}

	body, err := app.FindRecordById("postContents", fx.aliceDraftContent)
	if err != nil {
		t.Fatal(err)
	}
	body.Set("body", "<p>the real opening</p>")
	if err := app.Save(body); err != nil {
		t.Fatal(err)
	}

	stale.Set("price", 5)
	stale.Set("status", "published")
	if err := app.Save(stale); err != nil {
		t.Fatal(err)
	}
	saved, err := app.FindRecordById("posts", fx.aliceDraft)
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.GetString("summary"); got != "" {
		t.Fatalf("a paid post got the public summary %q", got)
	}

	// the author's own summary, set on the same stale record, is kept
	saved.Set("summary", "Read on")
	saved.Set("price", 0)
	if err := app.Save(saved); err != nil {
		t.Fatal(err)
	}
	if saved, _ = app.FindRecordById("posts", fx.aliceDraft); saved.GetString("summary") != "Read on" {
		t.Fatalf("the author's summary was replaced by %q", saved.GetString("summary"))
	}
}

// TestPublicationDates checks that a published post may carry a date in
// the past (an imported post) but none in the future, which would keep it
// at the top of the listing, whichever path writes it.
func TestPublicationDates(t *testing.T) {
	t.Parallel()

	records := "/api/collections/posts/records"
	future := `"9999-12-31 23:59:59.999Z"`
	scenarios := []tests.ApiScenario{
		{
			Name:            "author dating a published post in the future",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"published":` + future + `}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_published_future"`},
		},
		{
			Name:            "author publishing a draft dated tomorrow",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"published","published":"` + time.Now().Add(24*time.Hour).UTC().Format("2006-01-02 15:04:05.000Z") + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_published_future"`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:   "author publishing a future-dated post in a batch",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"PATCH","url":"` + records + `/` + fx.aliceDraft + `","body":{"status":"published","published":` + future + `}}
			]}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`validation_published_future`},
		},
		{
			Name:    "author publishing a draft dated in the future earlier",
			Method:  http.MethodPatch,
			URL:     "/api/blog/posts/" + fx.aliceDraft,
			Body:    strings.NewReader(`{"status":"published"}`),
			Headers: auth(fx.aliceToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				draft, err := app.FindRecordById("posts", fx.aliceDraft)
				if err != nil {
					t.Fatal(err)
				}
				draft.Set("published", "9999-12-31 23:59:59.999Z")
				if err := app.Save(draft); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_published_future"`},
		},
		{
			Name:            "author importing a post from 2009",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"published","published":"2009-05-01 10:00:00.000Z"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"published":"2009-05-01 10:00:00.000Z"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}

	t.Run("Go code dating a published post in the future", func(t *testing.T) {
		app := newTestApp(t)
		defer app.Cleanup()
		post, err := app.FindRecordById("posts", fx.bobPublished)
		if err != nil {
			t.Fatal(err)
		}
		post.Set("published", time.Now().Add(time.Hour))
		if err := app.Save(post); err == nil || !strings.Contains(err.Error(), "future") {
			t.Fatalf("saved: %v", err)
		}
	})
}
