package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/hooks"
)

// alice's post scheduled by the scheduling tests, with bob's comment on
// it (left the way the dashboard can: no rule lets anyone comment before
// it is published)
const (
	scheduledPost    = "alicescheduled1"
	scheduledSlug    = "alice-tomorrow"
	scheduledTitle   = "Alice tomorrow"
	scheduledComment = "bobonscheduled1"
)

// blogClock is the time as a test's blog sees it: the system's, or
// stopped where the test stopped it, moved by the test.
type blogClock struct {
	mu      sync.Mutex
	stopped time.Time
	offset  time.Duration
}

// stoppedClock is a clock standing still at at, until it is moved.
func stoppedClock(at time.Time) *blogClock {
	return &blogClock{stopped: at}
}

func (c *blogClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped.IsZero() {
		return c.stopped.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

func (c *blogClock) moveBy(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// withClock is the page tests' configuration with now as the clock.
func withClock(now func() time.Time) hooks.Config {
	config := withPublicURL
	config.SetClock(now)
	return config
}

// schedulePost adds a post of alice with a body, saved as a draft and
// then scheduled at at (a post is written before it is scheduled); id ""
// lets PocketBase pick one.
func schedulePost(t testing.TB, app core.App, id, title string, at time.Time) *core.Record {
	t.Helper()
	post := addPost(t, app, fx.aliceId, title, time.Time{}, func(p *core.Record) {
		if id != "" {
			p.Id = id
		}
	})
	setBody(t, app, post.Id, "<p>"+title+", the body</p>")
	update(t, app, "posts", post.Id, func(p *core.Record) {
		date, _ := types.ParseDateTime(at)
		p.Set("status", "scheduled")
		p.Set("published", date)
	})
	scheduled, err := app.FindRecordById("posts", post.Id)
	if err != nil {
		t.Fatal(err)
	}
	return scheduled
}

// withScheduledPost is a TestAppFactory: the fixture, configured with the
// clock now, plus alice's post scheduled at at with bob's comment on it.
func withScheduledPost(now func() time.Time, at time.Time) func(testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp {
		app := newTestAppWith(t, withClock(now))
		post := schedulePost(t, app, scheduledPost, scheduledTitle, at)
		if got := post.GetString("slug"); got != scheduledSlug {
			t.Fatalf("the scheduled post's slug is %q", got)
		}
		comments, err := app.FindCollectionByNameOrId("comments")
		if err != nil {
			t.Fatal(err)
		}
		comment := core.NewRecord(comments)
		comment.Id = scheduledComment
		comment.Set("post", scheduledPost)
		comment.Set("author", fx.bobId)
		comment.Set("body", "Bob read it early")
		if err := app.Save(comment); err != nil {
			t.Fatal(err)
		}
		return app
	}
}

// runCronJob runs the app's cron job id now, as the cron would on its
// minute.
func runCronJob(t testing.TB, app core.App, id string) {
	t.Helper()
	for _, job := range app.Cron().Jobs() {
		if job.Id() == id {
			job.Run()
			return
		}
	}
	t.Fatalf("no cron job %q", id)
}

// publishDuePosts runs the cron job that publishes the posts that came due.
func publishDuePosts(t testing.TB, app core.App) {
	t.Helper()
	runCronJob(t, app, "blogPublishScheduled")
}

// postState is a post's stored status and publication date.
func postState(t testing.TB, app core.App, id string) (status, published string) {
	t.Helper()
	post, err := app.FindRecordById("posts", id)
	if err != nil {
		t.Fatal(err)
	}
	return post.GetString("status"), post.GetString("published")
}

// expectPost is an AfterTestFunc checking a post's stored status and
// publication date.
func expectPost(id, status, published string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if gotStatus, gotPublished := postState(t, app, id); gotStatus != status || gotPublished != published {
			t.Errorf("post %s is %s at %q, want %s at %q", id, gotStatus, gotPublished, status, published)
		}
	}
}

// TestSchedulingValidation drives every write path with the blog's clock
// stopped at the start of 2030: a scheduled post needs a date after that,
// a published post one before it. The dates refused as past would be in
// the future by the system's clock, so the clock the hooks read is the
// blog's.
func TestSchedulingValidation(t *testing.T) {
	t.Parallel()

	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := stoppedClock(now)
	const (
		inAnHour   = "2030-01-01T01:00:00Z"
		anHourAgo  = "2029-12-31T23:00:00Z"
		stored     = "2030-01-01 01:00:00.000Z" // inAnHour as PocketBase stores it
		nowStored  = "2030-01-01 00:00:00.000Z"
		nextMonth  = "2030-02-01 09:30:00.000Z"
		routes     = "/api/blog/posts"
		records    = "/api/collections/posts/records"
		refusedOld = `"published":{"code":"validation_scheduled_past"`
	)
	factory := withScheduledPost(clock.now, now.Add(time.Hour))
	// the scheduled post came due an hour ago, and the cron has not run yet
	cameDue := func(t testing.TB) *tests.TestApp {
		clock := stoppedClock(now)
		app := withScheduledPost(clock.now, now.Add(time.Hour))(t)
		clock.moveBy(2 * time.Hour)
		app.OnServe().Unbind("blogPublishScheduled") // what a server start would publish
		return app
	}
	noPostTitled := func(title string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if n := countRows(t, app, "posts", dbx.HashExp{"title": title}); n != 0 {
				t.Errorf("%d posts titled %q were saved", n, title)
			}
		}
	}
	refused := map[string]int{"OnRecordAfterCreateSuccess": 0, "OnRecordAfterUpdateSuccess": 0}

	scenarios := []tests.ApiScenario{
		// the post routes
		{
			Name:            "author scheduling a new post",
			Method:          http.MethodPost,
			URL:             routes,
			Body:            strings.NewReader(`{"title":"Next hour","body":"<p>soon</p>","status":"scheduled","published":"` + inAnHour + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"status":"scheduled"`, `"published":"` + stored + `"`, `"body":"\u003cp\u003esoon\u003c/p\u003e"`},
			ExpectedEvents:  map[string]int{"OnRecordAfterCreateSuccess": 2}, // the post and its content
			TestAppFactory:  factory,
		},
		{
			Name:            "author scheduling a new post without a date",
			Method:          http.MethodPost,
			URL:             routes,
			Body:            strings.NewReader(`{"title":"Some day","body":"<p>soon</p>","status":"scheduled"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_required"`},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   noPostTitled("Some day"),
		},
		{
			Name:            "author scheduling a new post an hour ago",
			Method:          http.MethodPost,
			URL:             routes,
			Body:            strings.NewReader(`{"title":"Too late","body":"<p>soon</p>","status":"scheduled","published":"` + anHourAgo + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{refusedOld},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   noPostTitled("Too late"),
		},
		{
			Name:            "author publishing a new post dated in an hour",
			Method:          http.MethodPost,
			URL:             routes,
			Body:            strings.NewReader(`{"title":"Pinned on top","body":"<p>soon</p>","status":"published","published":"` + inAnHour + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_published_future"`},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   noPostTitled("Pinned on top"),
		},
		{
			Name:            "author scheduling at a date that is not one",
			Method:          http.MethodPost,
			URL:             routes,
			Body:            strings.NewReader(`{"title":"Whenever","body":"<p>soon</p>","status":"scheduled","published":"tomorrow"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_invalid_date"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  factory,
		},
		{
			Name:            "author scheduling a draft",
			Method:          http.MethodPatch,
			URL:             routes + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"scheduled","published":"` + inAnHour + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`, `"published":"` + stored + `"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "scheduled", stored),
		},
		{
			Name:            "author moving a scheduled post to next month",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":"2030-02-01 09:30:00Z"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`, `"published":"` + nextMonth + `"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", nextMonth),
		},
		{
			Name:            "author moving a scheduled post to an hour ago",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":"` + anHourAgo + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{refusedOld},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", stored),
		},
		{
			Name:            "author clearing the date of a scheduled post",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":""}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_required"`},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", stored),
		},
		{
			Name:            "author taking a scheduled post back to the drafts",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"status":"draft"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"draft"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "draft", stored),
		},
		{
			Name:            "author publishing a scheduled post before its date",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"status":"published"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"published"`, `"published":"` + nowStored + `"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "published", nowStored),
		},
		{
			Name:            "author retitling a scheduled post that came due before the cron ran",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"title":"Alice, any minute now"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Alice, any minute now"`, `"status":"scheduled"`},
			TestAppFactory:  cameDue,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", stored),
		},
		{
			Name:            "author rescheduling a post that came due to an hour ago",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":"2030-01-01T00:30:00Z"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{refusedOld},
			ExpectedEvents:  refused,
			TestAppFactory:  cameDue,
		},
		{
			Name:            "other user rescheduling alice's post",
			Method:          http.MethodPatch,
			URL:             routes + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":"2031-01-01T00:00:00Z"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", stored),
		},

		// the collections API, the dashboard, batches
		{
			Name:            "author scheduling a draft through the collections API",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"scheduled","published":"` + inAnHour + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "scheduled", stored),
		},
		{
			Name:            "author scheduling a draft through the collections API without a date",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"scheduled"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_required"`},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "draft", ""),
		},
		{
			Name:            "author scheduling a draft through the collections API an hour ago",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"status":"scheduled","published":"` + anHourAgo + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{refusedOld},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "draft", ""),
		},
		{
			Name:            "author dating a published post in an hour through the collections API",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublished,
			Body:            strings.NewReader(`{"published":"` + inAnHour + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_published_future"`},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
		},
		{
			Name:            "superuser moving a scheduled post to an hour ago in the dashboard",
			Method:          http.MethodPatch,
			URL:             records + "/" + scheduledPost,
			Body:            strings.NewReader(`{"published":"` + anHourAgo + `"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{refusedOld},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(scheduledPost, "scheduled", stored),
		},
		{
			Name:   "author scheduling a draft an hour ago in a batch",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[{"method":"PATCH","url":"/api/collections/posts/records/` + fx.aliceDraft +
				`","body":{"status":"scheduled","published":"` + anHourAgo + `"}}]}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{"validation_scheduled_past"},
			ExpectedEvents:  refused,
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "draft", ""),
		},
		{
			Name:   "author scheduling a draft in a batch",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[{"method":"PATCH","url":"/api/collections/posts/records/` + fx.aliceDraft +
				`","body":{"status":"scheduled","published":"` + inAnHour + `"}}]}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`},
			TestAppFactory:  factory,
			AfterTestFunc:   expectPost(fx.aliceDraft, "scheduled", stored),
		},
	}

	for _, scenario := range scenarios {
		scenario.Test(t)
	}
}

// TestScheduledPostHiddenUntilPublished reads alice's post scheduled in an
// hour, and bob's comment on it, on every read path as a guest, as bob,
// as alice and as a superuser: only alice (and superusers, where they see
// drafts) find it.
func TestScheduledPostHiddenUntilPublished(t *testing.T) {
	t.Parallel()

	factory := withScheduledPost(time.Now, time.Now().Add(time.Hour))
	hidden := []string{scheduledPost, scheduledTitle, scheduledSlug}
	records := "/api/collections/posts/records"
	comments := "/api/collections/comments/records"

	// get is a GET scenario: 200 unless status says otherwise
	get := func(name, token, url string, status int, expected, notExpected []string) tests.ApiScenario {
		if status == 0 {
			status = http.StatusOK
		}
		return tests.ApiScenario{Name: name, Method: http.MethodGet, URL: url, Headers: auth(token),
			ExpectedStatus: status, ExpectedContent: expected, NotExpectedContent: notExpected}
	}
	notFound := []string{`"status":404`}

	var scenarios []tests.ApiScenario
	for _, actor := range []struct{ name, token string }{{"guest", ""}, {"other user", fx.bobToken}} {
		name, token := actor.name, actor.token
		scenarios = append(scenarios,
			get(name+" listing the posts", token, "/api/blog/posts", 0, []string{`"totalItems":3`}, hidden),
			get(name+" listing alice's posts by cursor", token, "/api/blog/posts?author=alice&perPage=1", 0,
				[]string{`"totalItems":2`, `"totalPages":2`, `"nextCursor":"`}, hidden),
			get(name+" viewing it by slug", token, "/api/blog/posts/"+scheduledSlug, 404, notFound, nil),
			get(name+" viewing it by id", token, "/api/blog/posts/"+scheduledPost, 404, notFound, nil),
			get(name+" listing the unpublished posts through the collections API", token,
				records+"?filter="+urlQuery(`status != "published"`), 0, []string{`"totalItems":0`}, hidden),
			get(name+" viewing it through the collections API", token, records+"/"+scheduledPost, 404, notFound, nil),
			get(name+" reading its comments", token, "/api/blog/posts/"+scheduledPost+"/comments", 404, notFound, nil),
			get(name+" listing its comments through the collections API", token,
				comments+"?filter="+urlQuery(`post.title ~ "tomorrow"`), 0, []string{`"totalItems":0`}, []string{scheduledComment}),
			get(name+" viewing its comment through the collections API", token, comments+"/"+scheduledComment, 404, notFound, nil),
			get(name+" expanding it from bob's comments", token,
				"/api/collections/users/records/"+fx.bobId+"?expand=comments_via_author.post", 0, []string{`"username":"bob"`}, hidden),
		)
	}

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "other user commenting on it",
			Method:          http.MethodPost,
			URL:             comments,
			Body:            strings.NewReader(`{"post":"` + scheduledPost + `","body":"First!"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents:  map[string]int{"OnRecordAfterCreateSuccess": 0},
		},
		tests.ApiScenario{
			Name:            "author commenting on it",
			Method:          http.MethodPost,
			URL:             comments,
			Body:            strings.NewReader(`{"post":"` + scheduledPost + `","body":"Note to self"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents:  map[string]int{"OnRecordAfterCreateSuccess": 0},
		},
		tests.ApiScenario{
			Name:            "other user buying it",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + scheduledPost + "/purchase",
			Body:            strings.NewReader(`{}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		tests.ApiScenario{
			Name:            "author viewing it by slug",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + scheduledSlug,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`, `"locked":false`, "Alice tomorrow, the body"},
		},
		tests.ApiScenario{
			Name:            "author listing own posts through the collections API",
			Method:          http.MethodGet,
			URL:             records + "?filter=" + urlQuery(`status = "scheduled"`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, scheduledPost},
		},
		tests.ApiScenario{
			Name:            "author reading its comments",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + scheduledPost + "/comments",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, scheduledComment},
		},
		tests.ApiScenario{
			Name:            "author counting own posts",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"stats":{"posts":4,"drafts":1,"scheduled":1,"comments":3}`},
		},
		tests.ApiScenario{
			Name:            "superuser viewing it by id",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + scheduledPost,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"scheduled"`},
		},
		tests.ApiScenario{
			Name:               "superuser listing the posts",
			Method:             http.MethodGet,
			URL:                "/api/blog/posts",
			Headers:            auth(fx.superuserToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":3`},
			NotExpectedContent: hidden,
		},
	)

	for _, scenario := range scenarios {
		scenario.TestAppFactory = factory
		scenario.Test(t)
	}

	// the pages, feeds and sitemaps, as a crawler reads them
	app := factory(t)
	defer app.Cleanup()
	h := serve(t, app)
	if rec := getPage(t, h, "/posts/"+scheduledSlug, http.StatusNotFound); !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("the scheduled post's page: Content-Type %q", rec.Header().Get("Content-Type"))
	}
	getPage(t, h, "/posts/"+scheduledPost, http.StatusNotFound)
	for _, path := range []string{"/", "/authors/alice", "/rss.xml", "/authors/alice/rss.xml"} {
		body := getPage(t, h, path, http.StatusOK).Body.String()
		for _, text := range hidden {
			if strings.Contains(body, text) {
				t.Errorf("%s shows %q", path, text)
			}
		}
	}
	for url := range sitemapLastmods(t, h) {
		if strings.Contains(url, scheduledSlug) || strings.Contains(url, scheduledPost) {
			t.Errorf("the sitemaps list %s", url)
		}
	}
}

// TestScheduledPostGoesLiveOnItsDate follows alice's post from the
// moment she schedules it to the minute after its date: hidden from
// guests and other users on every public answer and realtime
// subscription, then published by the cron job once the blog's clock
// passes its date, with no other request, exactly once, dated as
// scheduled, and shown at once by every cached answer.
func TestScheduledPostGoesLiveOnItsDate(t *testing.T) {
	t.Parallel()
	clock := &blogClock{}
	app := newTestAppWith(t, withClock(clock.now))
	defer app.Cleanup()
	h := serve(t, app)

	// realtime subscribers to the posts, and to the post's comments
	listeners := map[string]*listener{}
	tokens := map[string]string{"guest": "", "bob": fx.bobToken, "alice": fx.aliceToken}
	for name, token := range tokens {
		listeners[name] = listen(t, app)
		listeners[name].subscribe(t, h, token, "posts/*")
	}

	at := clock.now().Add(time.Hour).Truncate(time.Millisecond)
	rec := send(t, h, http.MethodPost, "/api/blog/posts", `{"title":"Alice tomorrow","body":"<p>Worth the wait</p>",`+
		`"status":"scheduled","published":"`+at.Format(time.RFC3339Nano)+`"}`, fx.aliceToken)
	expectCode(t, rec, http.StatusCreated)
	var created struct {
		Id        string `json:"id"`
		Slug      string `json:"slug"`
		Published string `json:"published"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	id := created.Id
	for name, token := range tokens {
		listeners[name].subscribe(t, h, token, "posts/*", commentsTopic(`{"filter":"post = \"`+id+`\""}`))
	}

	// the public answers, cached, before the date
	publicPaths := []string{"/api/blog/posts", "/api/blog/posts?author=alice", "/", "/authors/alice", "/rss.xml", "/authors/alice/rss.xml"}
	etags := map[string]string{}
	for _, path := range publicPaths {
		rec := getPage(t, h, path, http.StatusOK)
		if strings.Contains(rec.Body.String(), id) || strings.Contains(rec.Body.String(), "Alice tomorrow") {
			t.Errorf("%s shows the scheduled post", path)
		}
		etags[path] = rec.Header().Get("ETag")
	}
	if page := readPage(t, getPage(t, h, "/api/blog/posts", http.StatusOK).Body.Bytes()); page.TotalItems != 3 {
		t.Fatalf("the listing counts %d posts before the date", page.TotalItems)
	}
	getPage(t, h, "/posts/"+created.Slug, http.StatusNotFound)
	getPage(t, h, "/api/blog/posts/"+id, http.StatusNotFound)

	// alice works on it and bob comments on it behind the rules' back:
	// only she hears of either
	expectCode(t, send(t, h, http.MethodPatch, "/api/blog/posts/"+id, `{"summary":"A post worth the wait"}`, fx.aliceToken), http.StatusOK)
	newComment(t, app, id, fx.bobId, "Bob saw it early")
	for name, l := range listeners {
		heard := l.take()
		postsHeard, commentsHeard := len(heard["posts/*"]), 0
		for topic, messages := range heard {
			if strings.HasPrefix(topic, "comments/") {
				commentsHeard += len(messages)
			}
		}
		if name == "alice" && (postsHeard < 2 || commentsHeard != 1) {
			t.Errorf("alice heard %d post and %d comment messages of her scheduled post, want its creation, its edit and the comment: %v", postsHeard, commentsHeard, heard)
		}
		if name != "alice" && len(heard) > 0 {
			t.Errorf("%s heard of the scheduled post: %v", name, heard)
		}
	}
	// the edits changed nothing public: the cached answers stand
	for _, path := range publicPaths {
		if etag := getPage(t, h, path, http.StatusOK).Header().Get("ETag"); etag != etags[path] {
			t.Errorf("%s changed with an edit of a scheduled post", path)
		}
	}

	// a minute before the date the cron job leaves it be
	clock.moveBy(time.Hour - time.Minute)
	publishDuePosts(t, app)
	if status, _ := postState(t, app, id); status != "scheduled" {
		t.Fatalf("the post is %s a minute before its date", status)
	}
	getPage(t, h, "/posts/"+created.Slug, http.StatusNotFound)

	// the minute after, it goes live
	clock.moveBy(2 * time.Minute)
	publishDuePosts(t, app)
	status, published := postState(t, app, id)
	if status != "published" || published != created.Published {
		t.Fatalf("after its date the post is %s at %q, want published at %q", status, published, created.Published)
	}

	page := readPage(t, getPage(t, h, "/api/blog/posts", http.StatusOK).Body.Bytes())
	if page.TotalItems != 4 || len(page.Items) != 4 || page.Items[0].Id != id {
		t.Errorf("the listing after the date: %d posts, first of %d: %+v", page.TotalItems, len(page.Items), page.Items)
	}
	if page := readPage(t, getPage(t, h, "/api/blog/posts?author=alice", http.StatusOK).Body.Bytes()); page.TotalItems != 3 {
		t.Errorf("alice's listing counts %d posts after the date", page.TotalItems)
	}
	for _, path := range publicPaths {
		rec := getPage(t, h, path, http.StatusOK)
		if rec.Header().Get("ETag") == etags[path] {
			t.Errorf("%s kept its ETag when the post went live", path)
		}
		if strings.Count(rec.Body.String(), "/posts/"+created.Slug) == 0 && strings.Count(rec.Body.String(), id) == 0 {
			t.Errorf("%s does not show the post that went live", path)
		}
	}
	getPage(t, h, "/posts/"+created.Slug, http.StatusOK)
	getPage(t, h, "/api/blog/posts/"+created.Slug, http.StatusOK)
	if _, listed := sitemapLastmods(t, h)[blogURL+"/posts/"+created.Slug]; !listed {
		t.Error("the sitemaps do not list the post that went live")
	}

	// every subscriber now hears it once, an update of a published post
	for name, l := range listeners {
		heard := l.take()["posts/*"]
		if len(heard) != 1 || !strings.Contains(heard[0], `"action":"update"`) || !strings.Contains(heard[0], `"status":"published"`) ||
			!strings.Contains(heard[0], id) {
			t.Errorf("%s heard %v when the post went live, want one update", name, heard)
		}
	}
	// bob's comment is readable now; a second run publishes nothing twice
	expectCode(t, send(t, h, http.MethodGet, "/api/blog/posts/"+id+"/comments", "", ""), http.StatusOK)
	clock.moveBy(time.Minute)
	publishDuePosts(t, app)
	if heard := listeners["guest"].take(); len(heard) > 0 {
		t.Errorf("a second run was heard: %v", heard)
	}
	if page := readPage(t, getPage(t, h, "/api/blog/posts", http.StatusOK).Body.Bytes()); page.TotalItems != 4 {
		t.Errorf("the listing counts %d posts after a second run", page.TotalItems)
	}
}

// TestPublishingScheduledPosts runs the cron job over posts due together,
// one moved to later before its date, one deleted before it, and one its
// hooks refuse to publish: each post is published, or not, on its own.
func TestPublishingScheduledPosts(t *testing.T) {
	t.Parallel()
	clock := &blogClock{}
	app := newTestAppWith(t, withClock(clock.now))
	defer app.Cleanup()

	start := clock.now()
	due := []*core.Record{
		schedulePost(t, app, "", "Due first", start.Add(10*time.Minute)),
		schedulePost(t, app, "", "Due second", start.Add(20*time.Minute)),
		schedulePost(t, app, "", "Due third", start.Add(20*time.Minute)),
	}
	moved := schedulePost(t, app, "", "Moved to tomorrow", start.Add(15*time.Minute))
	deleted := schedulePost(t, app, "", "Deleted before its date", start.Add(15*time.Minute))
	broken := schedulePost(t, app, "", "Priced in fractions of a cent", start.Add(15*time.Minute))
	later := schedulePost(t, app, "", "Due next week", start.Add(7*24*time.Hour))

	update(t, app, "posts", moved.Id, func(p *core.Record) {
		date, _ := types.ParseDateTime(start.Add(24 * time.Hour))
		p.Set("published", date)
	})
	if err := app.Delete(deleted); err != nil {
		t.Fatal(err)
	}
	// a price the hooks refuse, written behind their back: its post
	// cannot be saved, so it cannot be published
	updateFromOutside(t, app, "posts", dbx.Params{"price": 1.005}, dbx.HashExp{"id": broken.Id})

	clock.moveBy(time.Hour)
	publishDuePosts(t, app)

	for _, post := range due {
		if status, published := postState(t, app, post.Id); status != "published" || published != post.GetString("published") {
			t.Errorf("%q is %s at %q, want published at %q", post.GetString("title"), status, published, post.GetString("published"))
		}
	}
	for _, post := range []*core.Record{moved, broken, later} {
		if status, _ := postState(t, app, post.Id); status != "scheduled" {
			t.Errorf("%q is %s", post.GetString("title"), status)
		}
	}
	if n := countRows(t, app, "posts", dbx.HashExp{"id": deleted.Id}); n != 0 {
		t.Error("the deleted post came back")
	}
	var count int
	if err := app.DB().NewQuery("SELECT n FROM _blogPublishedCounts WHERE scope = ''").Row(&count); err != nil {
		t.Fatal(err)
	}
	if count != 3+len(due) {
		t.Errorf("the published posts are counted %d, want %d", count, 3+len(due))
	}
}

// TestScheduledPostsDueAtStartGoLive starts the server after a post's date
// passed while it was down: the post is live before the first request,
// without waiting for the cron's minute.
func TestScheduledPostsDueAtStartGoLive(t *testing.T) {
	t.Parallel()
	clock := &blogClock{}
	app := newTestAppWith(t, withClock(clock.now))
	defer app.Cleanup()

	post := schedulePost(t, app, "", "Written before the outage", clock.now().Add(time.Hour))
	clock.moveBy(3 * time.Hour)
	h := serve(t, app)

	if status, _ := postState(t, app, post.Id); status != "published" {
		t.Fatalf("the post is %s once the server started", status)
	}
	if page := readPage(t, getPage(t, h, "/api/blog/posts", http.StatusOK).Body.Bytes()); page.TotalItems != 4 || page.Items[0].Id != post.Id {
		t.Errorf("the first listing: %d posts, %+v", page.TotalItems, page.Items)
	}
}
