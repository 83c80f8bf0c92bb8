package hooks_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/database"
)

const listing = "/api/blog/posts"

// listedPage is the part of a listing answer the tests read.
type listedPage struct {
	Page       int     `json:"page"`
	PerPage    int     `json:"perPage"`
	TotalItems int     `json:"totalItems"`
	TotalPages int     `json:"totalPages"`
	NextCursor *string `json:"nextCursor"`
	Items      []struct {
		Id        string `json:"id"`
		Title     string `json:"title"`
		Published string `json:"published"`
		Expand    struct {
			Author map[string]any `json:"author"`
		} `json:"expand"`
	} `json:"items"`
}

func readPage(t testing.TB, body []byte) listedPage {
	t.Helper()
	var p listedPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a listing page: %v: %s", err, body)
	}
	return p
}

func TestPostsListingParameters(t *testing.T) {
	t.Parallel()

	cursorFor := func(t testing.TB, query string) string {
		app := newTestApp(t)
		defer app.Cleanup()
		rec := send(t, serve(t, app), http.MethodGet, listing+"?"+query, "", "")
		p := readPage(t, rec.Body.Bytes())
		if p.NextCursor == nil {
			t.Fatalf("no cursor for %s", query)
		}
		return *p.NextCursor
	}
	cursor := cursorFor(t, "perPage=1")
	tampered := []byte(cursor)
	tampered[3] ^= 1

	badRequest := func(name, query, field string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             listing + "?" + query,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"` + field + `":{"code":"validation_`},
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:           "guest with the defaults",
			Method:         http.MethodGet,
			URL:            listing,
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"page":1`, `"perPage":20`, `"totalItems":3`, `"totalPages":1`, `"nextCursor":null`,
				fx.alicePublished, fx.alicePaid, fx.bobPublished,
				`"expand":{"author":{`, `"username":"alice"`,
			},
			NotExpectedContent: []string{fx.aliceDraft, `"body"`, "paid body", "@example.com", "phone", "+86", "tokenKey", "emailVisibility"},
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "public, max-age=5" {
					t.Fatalf("caching headers: ETag %q, Cache-Control %q", res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
				}
			},
		},
		{
			Name:               "author signed in still lists published posts only",
			Method:             http.MethodGet,
			URL:                listing,
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":3`},
			NotExpectedContent: []string{fx.aliceDraft},
		},
		{
			Name:            "perPage above 100 is clamped",
			Method:          http.MethodGet,
			URL:             listing + "?perPage=500",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"perPage":100`},
		},
		{
			Name:            "a perPage past the integers is clamped too",
			Method:          http.MethodGet,
			URL:             listing + "?perPage=99999999999999999999",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"perPage":100`},
		},
		{
			Name:            "a small page has a next cursor",
			Method:          http.MethodGet,
			URL:             listing + "?perPage=1&page=2",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"page":2`, `"perPage":1`, `"totalPages":3`, `"nextCursor":"`},
		},
		{
			Name:            "a page past the end is empty",
			Method:          http.MethodGet,
			URL:             listing + "?page=9",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"page":9`, `"totalItems":3`, `"items":[]`, `"nextCursor":null`},
		},
		{
			Name:               "author by username",
			Method:             http.MethodGet,
			URL:                listing + "?author=alice",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, fx.alicePublished, fx.alicePaid},
			NotExpectedContent: []string{fx.bobPublished, fx.aliceDraft},
		},
		{
			Name:               "author by id",
			Method:             http.MethodGet,
			URL:                listing + "?author=" + fx.bobId,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, fx.bobPublished},
			NotExpectedContent: []string{fx.alicePublished},
		},
		{
			Name:            "unknown author",
			Method:          http.MethodGet,
			URL:             listing + "?author=nobody",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`, `"totalPages":0`, `"items":[]`},
		},
		{
			Name:            "oldest first",
			Method:          http.MethodGet,
			URL:             listing + "?sort=published",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertOrdered(t, res, false)
			},
		},
		{
			Name:            "newest first",
			Method:          http.MethodGet,
			URL:             listing + "?sort=-published",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertOrdered(t, res, true)
			},
		},
		{
			Name:            "a cursor ignores page",
			Method:          http.MethodGet,
			URL:             listing + "?perPage=1&page=7&cursor=" + cursor,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"page":2`, `"perPage":1`},
		},
		badRequest("page zero", "page=0", "page"),
		badRequest("negative page", "page=-1", "page"),
		badRequest("fractional page", "page=1.5", "page"),
		badRequest("page past a million", "page=461168601842738792", "page"),
		badRequest("non-numeric page", "page=two", "page"),
		badRequest("perPage zero", "perPage=0", "perPage"),
		badRequest("non-numeric perPage", "perPage=lots", "perPage"),
		badRequest("unknown sort", "sort=title", "sort"),
		badRequest("garbage cursor", "cursor=garbage", "cursor"),
		badRequest("tampered cursor", "cursor="+string(tampered), "cursor"),
		badRequest("cursor of another sort", "sort=published&cursor="+cursor, "cursor"),
		badRequest("cursor of another author", "author=bob&cursor="+cursor, "cursor"),
		{
			Name:   "the listing never reads bodies",
			Method: http.MethodGet,
			URL:    listing,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				if _, err := app.DB().NewQuery("ALTER TABLE postContents RENAME TO postContentsAway").Execute(); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func assertOrdered(t testing.TB, res *http.Response, newestFirst bool) {
	t.Helper()
	var p listedPage
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(p.Items); i++ {
		a, b := p.Items[i-1].Published, p.Items[i].Published
		if (newestFirst && a < b) || (!newestFirst && a > b) {
			t.Fatalf("items out of order: %s then %s", a, b)
		}
	}
}

// TestPostsListingFollowsEveryWrite warms the listing cache, writes through
// one path, and expects the very next listing to show the write.
func TestPostsListingFollowsEveryWrite(t *testing.T) {
	t.Parallel()

	warmThen := func(write func(t testing.TB, app *tests.TestApp, h http.Handler)) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return warmThenWrite(listing, write)
	}

	scenarios := []tests.ApiScenario{
		{
			Name: "a raw SQL write from another connection is seen within a moment",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				updateFromOutside(t, app, "posts", dbx.Params{"title": "Changed behind our back"}, dbx.HashExp{"id": fx.bobPublished})
				eventually(t, h, listing, "Changed behind our back")
			}),
			ExpectedContent: []string{`"title":"Changed behind our back"`},
		},
		{
			Name: "author editing through the blog route",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, listing+"/"+fx.alicePublished, `{"title":"Edited by route"}`, fx.aliceToken), 200)
			}),
			ExpectedContent: []string{`"title":"Edited by route"`},
		},
		{
			Name: "superuser editing through the collections API",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/posts/records/"+fx.bobPublished, `{"title":"Edited by superuser"}`, fx.superuserToken), 200)
			}),
			ExpectedContent: []string{`"title":"Edited by superuser"`},
		},
		{
			Name: "user publishing through the collections API",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/posts/records/"+fx.aliceDraft,
					`{"status":"published"}`, fx.aliceToken), 200)
			}),
			ExpectedContent: []string{`"totalItems":4`, `"title":"Alice secret draft"`},
		},
		{
			Name: "user publishing through the batch API",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPost, "/api/batch", `{"requests":[{"method":"PATCH","url":"/api/collections/posts/records/`+fx.aliceDraft+`",
					"body":{"status":"published"}}]}`, fx.aliceToken), 200)
			}),
			ExpectedContent: []string{`"totalItems":4`, `"title":"Alice secret draft"`},
		},
		{
			Name: "author unpublishing through the collections API",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/posts/records/"+fx.alicePublished, `{"status":"draft"}`, fx.aliceToken), 200)
			}),
			ExpectedContent:    []string{`"totalItems":2`},
			NotExpectedContent: []string{fx.alicePublished},
		},
		{
			Name: "author changing the body changes the listed summary",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+fx.bobPublishedContent, `{"body":"<p>rewritten words</p>"}`, fx.bobToken), 200)
			}),
			ExpectedContent: []string{`"summary":"rewritten words"`},
		},
		{
			Name: "author renaming themself changes the byline",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/users/records/"+fx.aliceId, `{"name":"Alice Renamed"}`, fx.aliceToken), 200)
			}),
			ExpectedContent: []string{`"name":"Alice Renamed"`},
		},
		{
			Name: "author deleting through the blog route",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodDelete, listing+"/"+fx.bobPublished, "", fx.bobToken), 204)
			}),
			ExpectedContent:    []string{`"totalItems":2`},
			NotExpectedContent: []string{fx.bobPublished},
		},
		{
			Name: "Go code saving a post",
			BeforeTestFunc: warmThen(func(t testing.TB, app *tests.TestApp, h http.Handler) {
				post, err := app.FindRecordById("posts", fx.alicePaid)
				if err != nil {
					t.Fatal(err)
				}
				post.Set("title", "Saved from Go")
				if err := app.Save(post); err != nil {
					t.Fatal(err)
				}
			}),
			ExpectedContent: []string{`"title":"Saved from Go"`},
		},
	}

	for _, s := range scenarios {
		s.Method = http.MethodGet
		s.URL = listing
		s.ExpectedStatus = 200
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// warmThenWrite returns a BeforeTestFunc that asks a guest's target twice
// (so that the second answer is a cache hit) and then runs write.
func warmThenWrite(target string, write func(t testing.TB, app *tests.TestApp, h http.Handler)) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if rec := send(t, mux, http.MethodGet, target, "", ""); rec.Code != 200 {
				t.Fatalf("warm-up: %d %s", rec.Code, rec.Body)
			}
		}
		write(t, app, mux)
	}
}

// eventually asks a guest's target until its answer contains want, for at
// most two seconds.
func eventually(t testing.TB, h http.Handler, target, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(send(t, h, http.MethodGet, target, "", "").Body.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q", target, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// updateFromOutside writes to the test app's database as another process
// (a seed run, the sqlite3 shell) would: through a connection of its own,
// bypassing the record hooks.
func updateFromOutside(t testing.TB, app core.App, table string, set dbx.Params, where dbx.Expression) {
	t.Helper()
	db, err := database.Connect(filepath.Join(app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Update(table, set, where).Execute(); err != nil {
		t.Fatal(err)
	}
}

func expectCode(t testing.TB, rec *httptest.ResponseRecorder, code int) {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("write answered %d, want %d: %s", rec.Code, code, rec.Body)
	}
}

// TestPostsListingRevalidation checks ETag and If-None-Match.
func TestPostsListingRevalidation(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	first := send(t, h, http.MethodGet, listing, "", "")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" {
		t.Fatalf("first answer %d with ETag %q", first.Code, etag)
	}

	again := send(t, h, http.MethodGet, listing, "", "", "If-None-Match", etag)
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != etag {
		t.Fatalf("revalidation answered %d with %d bytes and ETag %q", again.Code, again.Body.Len(), again.Header().Get("ETag"))
	}
	if weak := send(t, h, http.MethodGet, listing, "", "", "If-None-Match", `"other", W/`+etag); weak.Code != http.StatusNotModified {
		t.Fatalf("a weak match in a list answered %d", weak.Code)
	}
	if other := send(t, h, http.MethodGet, listing+"?perPage=2", "", "", "If-None-Match", etag); other.Code != 200 {
		t.Fatalf("another listing's ETag matched: %d", other.Code)
	}

	post, err := app.FindRecordById("posts", fx.alicePublished)
	if err != nil {
		t.Fatal(err)
	}
	post.Set("title", "Changed")
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}

	changed := send(t, h, http.MethodGet, listing, "", "", "If-None-Match", etag)
	if changed.Code != 200 || changed.Header().Get("ETag") == etag || !strings.Contains(changed.Body.String(), "Changed") {
		t.Fatalf("after a write the old ETag still matched: %d %q", changed.Code, changed.Header().Get("ETag"))
	}
}

// TestPostsListingCursorWalk walks the whole listing with cursors, in both
// orders and for one author, and expects every published post exactly once
// in order, ties on the publication date included.
func TestPostsListingCursorWalk(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	sameInstant := types.NowDateTime().Add(-time.Hour)
	for i := 0; i < 40; i++ {
		author := fx.aliceId
		if i%3 == 0 {
			author = fx.bobId
		}
		status := "published"
		if i%7 == 0 {
			status = "draft"
		}
		post, _, err := createPost(app, author, "Walk post", status, 0, "<p>walk</p>")
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 && status == "published" {
			post.Set("published", sameInstant) // ties broken by id
			if err := app.Save(post); err != nil {
				t.Fatal(err)
			}
		}
	}
	h := serve(t, app)

	for _, c := range []struct{ query, order, author string }{
		{"perPage=6", "DESC", ""},
		{"perPage=5&sort=published", "ASC", ""},
		{"perPage=4&author=alice", "DESC", fx.aliceId},
	} {
		where := dbx.HashExp{"status": "published"}
		if c.author != "" {
			where["author"] = c.author
		}
		var want []string
		err := app.DB().Select("id").From("posts").Where(where).
			OrderBy("published "+c.order, "id "+c.order).Column(&want)
		if err != nil {
			t.Fatal(err)
		}

		var got []string
		target := listing + "?" + c.query
		for page := 1; ; page++ {
			rec := send(t, h, http.MethodGet, target, "", "")
			if rec.Code != 200 {
				t.Fatalf("%s page %d: %d %s", c.query, page, rec.Code, rec.Body)
			}
			p := readPage(t, rec.Body.Bytes())
			if p.Page != page || p.TotalItems != len(want) {
				t.Fatalf("%s: page %d says page %d of %d items, want %d", c.query, page, p.Page, p.TotalItems, len(want))
			}
			for _, item := range p.Items {
				got = append(got, item.Id)
			}
			if p.NextCursor == nil {
				break
			}
			target = listing + "?perPage=" + strings.Split(strings.TrimPrefix(c.query, "perPage="), "&")[0] + "&cursor=" + *p.NextCursor
		}

		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s walked\n%v\nwant\n%v", c.query, got, want)
		}
	}
}
