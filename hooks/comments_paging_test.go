package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// threadsAnswer is the body of GET /api/blog/posts/{id}/comments, of
// threads or of one thread's replies.
type threadsAnswer struct {
	Page       int     `json:"page"`
	PerPage    int     `json:"perPage"`
	TotalItems int     `json:"totalItems"`
	TotalPages int     `json:"totalPages"`
	NextCursor *string `json:"nextCursor"`
	Items      []struct {
		Id      string `json:"id"`
		Body    string `json:"body"`
		Parent  string `json:"parent"`
		Thread  string `json:"thread"`
		Replies []struct {
			Id string `json:"id"`
		} `json:"replies"`
		RepliesCount  int     `json:"repliesCount"`
		RepliesCursor *string `json:"repliesCursor"`
		Expand        struct {
			Author map[string]any `json:"author"`
		} `json:"expand"`
	} `json:"items"`
}

func readThreads(t testing.TB, body []byte) threadsAnswer {
	t.Helper()
	var a threadsAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("not a comments answer: %v: %s", err, body)
	}
	return a
}

func commentsOf(post string) string {
	return "/api/blog/posts/" + post + "/comments"
}

func repliesOf(post, thread string) string {
	return commentsOf(post) + "/" + thread + "/replies"
}

// getThreads reads target from h as token ("" for a guest), failing on
// anything but 200.
func getThreads(t testing.TB, h http.Handler, target, token string) threadsAnswer {
	t.Helper()
	rec := send(t, h, http.MethodGet, target, "", token)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	return readThreads(t, rec.Body.Bytes())
}

// addThreads adds n top-level comments to post, a millisecond apart.
func addThreads(t testing.TB, app core.App, post string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		c, err := createComment(app, post, fx.aliceId, "", fmt.Sprint("thread ", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.Id)
		time.Sleep(time.Millisecond)
	}
	return ids
}

// insertReplies writes n replies below top straight into the table (the
// routes only read them), a millisecond apart, every third answering the
// one before it, and returns their ids in the order they were written.
func insertReplies(t testing.TB, app core.App, post, top string, n int) []string {
	t.Helper()
	var ids []string
	parent := top
	base := time.Now().UTC().Add(-time.Hour)
	for i := range n {
		if i%3 != 2 {
			parent = top
		}
		id := core.GenerateDefaultRandomId()
		at := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02 15:04:05.000Z")
		_, err := app.DB().Insert("comments", dbx.Params{
			"id": id, "post": post, "author": fx.bobId, "parent": parent, "thread": top,
			"body": fmt.Sprint("reply ", i), "created": at, "updated": at,
		}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		parent = id
	}
	return ids
}

// topLevelInOrder is what the threads route sends, in its order: the
// post's top-level comments by (created, id).
func topLevelInOrder(t testing.TB, app core.App, post string) []string {
	t.Helper()
	var ids []string
	err := app.DB().Select("id").From("comments").Where(dbx.HashExp{"post": post, "parent": ""}).
		OrderBy("created", "id").Column(&ids)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestThreadsCursorParameters(t *testing.T) {
	t.Parallel()

	// cursors made by one clone of the fixture are good in every clone:
	// they are signed with a key derived from its superusers' secret
	cursorFor := func(t testing.TB, target, token string) string {
		app := newTestApp(t)
		defer app.Cleanup()
		addThreads(t, app, fx.aliceDraft, 1)
		a := getThreads(t, serve(t, app), target, token)
		if a.NextCursor == nil {
			t.Fatalf("no cursor for %s", target)
		}
		return *a.NextCursor
	}
	cursor := cursorFor(t, commentsOf(fx.bobPublished)+"?perPage=1", "")
	tampered := []byte(cursor)
	tampered[3] ^= 1
	draftCursor := cursorFor(t, commentsOf(fx.aliceDraft)+"?perPage=1", fx.aliceToken)
	listingCursor := cursorFor(t, "/api/blog/posts?perPage=1", "")

	badRequest := func(name, query, field, code string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             commentsOf(fx.bobPublished) + "?" + query,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"` + field + `":{"code":"` + code + `"`},
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:           "guest reading the first page",
			Method:         http.MethodGet,
			URL:            commentsOf(fx.bobPublished) + "?perPage=1",
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"page":1`, `"perPage":1`, `"totalItems":2`, `"totalPages":2`, `"nextCursor":"`,
				`"commentsCount":4`, fx.commentTop1,
			},
			NotExpectedContent: []string{fx.commentTop2},
		},
		{
			Name:               "guest following the cursor to the last page",
			Method:             http.MethodGet,
			URL:                commentsOf(fx.bobPublished) + "?perPage=1&cursor=" + cursor,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"page":2`, `"totalItems":2`, `"nextCursor":null`, fx.commentTop2},
			NotExpectedContent: []string{fx.commentTop1},
		},
		{
			Name:               "a cursor ignores page",
			Method:             http.MethodGet,
			URL:                commentsOf(fx.bobPublished) + "?perPage=1&page=9&cursor=" + cursor,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"page":2`, fx.commentTop2},
			NotExpectedContent: []string{fx.commentTop1},
		},
		{
			Name:            "a page holding every thread has no next cursor",
			Method:          http.MethodGet,
			URL:             commentsOf(fx.bobPublished),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"nextCursor":null`, `"repliesCursor":null`},
		},
		{
			Name:            "paging by number still answers a next cursor",
			Method:          http.MethodGet,
			URL:             commentsOf(fx.bobPublished) + "?perPage=1&page=1",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"page":1`, `"nextCursor":"`},
		},
		badRequest("garbage cursor", "cursor=garbage", "cursor", "validation_invalid_cursor"),
		badRequest("tampered cursor", "cursor="+string(tampered), "cursor", "validation_invalid_cursor"),
		badRequest("a listing's cursor", "cursor="+listingCursor, "cursor", "validation_invalid_cursor"),
		badRequest("overlong cursor", "cursor="+strings.Repeat("a", 600)+".b", "cursor", "validation_invalid_cursor"),
		badRequest("cursor of another post", "cursor="+draftCursor, "cursor", "validation_cursor_mismatch"),
		{
			Name:            "cursor of the threads for the replies of one",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.bobPublished, fx.commentTop1) + "?cursor=" + cursor,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"cursor":{"code":"validation_cursor_mismatch"`},
		},
		{
			Name:            "guest with the author's cursor of a draft",
			Method:          http.MethodGet,
			URL:             commentsOf(fx.aliceDraft) + "?perPage=1&cursor=" + draftCursor,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user with the author's cursor of a draft",
			Method:          http.MethodGet,
			URL:             commentsOf(fx.aliceDraft) + "?perPage=1&cursor=" + draftCursor,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:               "author following a cursor of own draft",
			Method:             http.MethodGet,
			URL:                commentsOf(fx.aliceDraft) + "?perPage=1&cursor=" + draftCursor,
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"page":2`, `"totalItems":2`, `"nextCursor":null`, "thread 0"},
			NotExpectedContent: []string{fx.commentOnDraft},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				app := newTestApp(t)
				addThreads(t, app, fx.aliceDraft, 1)
				return app
			},
		},
		{
			Name:               "superuser following a cursor of a draft",
			Method:             http.MethodGet,
			URL:                commentsOf(fx.aliceDraft) + "?perPage=1&cursor=" + draftCursor,
			Headers:            auth(fx.superuserToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"page":2`, "thread 0"},
			NotExpectedContent: []string{fx.commentOnDraft},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				app := newTestApp(t)
				addThreads(t, app, fx.aliceDraft, 1)
				return app
			},
		},
	}

	// the comments of a paid post are the post's readers', whoever paid:
	// only its body is sold
	for _, reader := range []struct{ name, token string }{
		{"guest", ""}, {"other user", fx.bobToken}, {"author", fx.aliceToken}, {"superuser", fx.superuserToken},
	} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:               reader.name + " paging the comments of a paid post",
			Method:             http.MethodGet,
			URL:                commentsOf(fx.alicePaid) + "?perPage=1",
			Headers:            auth(reader.token),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, `"nextCursor":null`, fx.commentOnPaid},
			NotExpectedContent: []string{"alice paid body"},
		})
	}

	for _, s := range scenarios {
		if s.TestAppFactory == nil {
			s.TestAppFactory = newTestApp
		}
		s.Test(t)
	}
}

// TestThreadsCursorWalk walks a post's threads by cursor while comments
// come and go between the pages: every thread there from start to end is
// read exactly once and in order, and those written meanwhile come at the
// end, as the route would send them now.
func TestThreadsCursorWalk(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	addThreads(t, app, fx.bobPublished, 9) // 11 in all
	// two threads of the same millisecond, ordered by id
	at := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")
	for _, id := range []string{"zzzzzzzzzzzzzz1", "aaaaaaaaaaaaaa1"} {
		_, err := app.DB().Insert("comments", dbx.Params{
			"id": id, "post": fx.bobPublished, "author": fx.bobId, "body": "same instant", "created": at, "updated": at,
		}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	before := topLevelInOrder(t, app, fx.bobPublished)

	var got, added []string
	var deleted string
	target := commentsOf(fx.bobPublished) + "?perPage=3"
	for page := 1; ; page++ {
		a := getThreads(t, h, target, "")
		if a.Page != page {
			t.Fatalf("page %d says it is page %d", page, a.Page)
		}
		for _, item := range a.Items {
			got = append(got, item.Id)
		}
		if a.NextCursor == nil {
			break
		}
		switch page {
		case 1: // a new thread, and one of the page read removed
			added = append(added, addThreads(t, app, fx.bobPublished, 1)...)
			deleted = got[1]
			c, err := app.FindRecordById("comments", deleted)
			if err != nil {
				t.Fatal(err)
			}
			if err := app.Delete(c); err != nil {
				t.Fatal(err)
			}
		case 2: // a reply, which is no thread
			if _, err := createComment(app, fx.bobPublished, fx.bobId, got[0], "a reply"); err != nil {
				t.Fatal(err)
			}
		}
		target = commentsOf(fx.bobPublished) + "?perPage=3&cursor=" + url.QueryEscape(*a.NextCursor)
	}

	want := append(slices.Clone(before), added...)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("walked\n%v\nwant\n%v (%s deleted after it was read)", got, want, deleted)
	}
}

func TestThreadRepliesPaging(t *testing.T) {
	t.Parallel()

	// a thread of 150 replies after the fixture's two threads
	var longThread string
	var longReplies []string
	withLongThread := func(t testing.TB) *tests.TestApp {
		app := newTestApp(t)
		top, err := createComment(app, fx.bobPublished, fx.aliceId, "", "a long thread")
		if err != nil {
			t.Fatal(err)
		}
		longThread = top.Id
		longReplies = insertReplies(t, app, fx.bobPublished, top.Id, 150)
		return app
	}
	// the threads route's repliesCursor of the long thread
	repliesCursor := func(t testing.TB, h http.Handler) string {
		for _, item := range getThreads(t, h, commentsOf(fx.bobPublished), "").Items {
			if item.Id == longThread {
				if item.RepliesCount != 150 || len(item.Replies) != 100 || item.RepliesCursor == nil {
					t.Fatalf("long thread sent with %d of %d replies, cursor %v", len(item.Replies), item.RepliesCount, item.RepliesCursor)
				}
				return *item.RepliesCursor
			}
		}
		t.Fatal("no long thread")
		return ""
	}

	scenarios := []tests.ApiScenario{
		{
			Name:           "guest reading the replies of a thread",
			Method:         http.MethodGet,
			URL:            repliesOf(fx.bobPublished, fx.commentTop1) + "?perPage=1",
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"page":1`, `"totalItems":2`, `"totalPages":2`, `"nextCursor":"`,
				fx.commentReply1, `"username":"bob"`,
			},
			NotExpectedContent: []string{fx.commentReply2, `"replies"`, `"commentsCount"`, "@example.com"},
		},
		{
			Name:            "guest reading the replies of a thread without replies",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.bobPublished, fx.commentTop2),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`, `"nextCursor":null`, `"items":[]`},
		},
		{
			Name:           "guest following a thread's repliesCursor to its end",
			Method:         http.MethodGet,
			TestAppFactory: withLongThread,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				h := muxOf(t, e)
				target := repliesOf(fx.bobPublished, longThread) + "?perPage=30&cursor=" + url.QueryEscape(repliesCursor(t, h))
				var got []string
				for before := 100; ; before += 30 {
					// the page holding the first reply sent: 100 came with
					// the thread, so replies 101-130 are on page 4 of 30
					a := getThreads(t, h, target, "")
					if page := before/30 + 1; a.Page != page || a.TotalItems != 150 {
						t.Fatalf("replies after %d say page %d of %d, want page %d", before, a.Page, a.TotalItems, page)
					}
					for _, item := range a.Items {
						if item.Thread != longThread || item.Expand.Author["username"] != "bob" {
							t.Fatalf("reply %s of thread %q by %v", item.Id, item.Thread, item.Expand.Author)
						}
						got = append(got, item.Id)
					}
					if a.NextCursor == nil {
						break
					}
					target = repliesOf(fx.bobPublished, longThread) + "?perPage=30&cursor=" + url.QueryEscape(*a.NextCursor)
				}
				if strings.Join(got, ",") != strings.Join(longReplies[100:], ",") {
					t.Fatalf("the rest of the thread was\n%v\nwant\n%v", got, longReplies[100:])
				}
			},
			URL:             commentsOf(fx.bobPublished) + "?perPage=1",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
		},
		{
			Name:           "a thread beyond an answer's replies starts from its first reply",
			Method:         http.MethodGet,
			TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				// eleven threads of 100 replies: the eleventh is sent
				// without any, the answer holding 1,000 already
				var last string
				var lastReplies []string
				for range 11 {
					top, err := createComment(app, fx.bobPublished, fx.aliceId, "", "busy thread")
					if err != nil {
						t.Fatal(err)
					}
					last, lastReplies = top.Id, insertReplies(t, app, fx.bobPublished, top.Id, 100)
				}
				h := muxOf(t, e)
				a := getThreads(t, h, commentsOf(fx.bobPublished)+"?perPage=100", "")
				item := a.Items[len(a.Items)-1]
				if item.Id != last || len(item.Replies) != 0 || item.RepliesCount != 100 || item.RepliesCursor == nil {
					t.Fatalf("last thread %s sent with %d of %d replies, cursor %v", item.Id, len(item.Replies), item.RepliesCount, item.RepliesCursor)
				}
				rest := getThreads(t, h, repliesOf(fx.bobPublished, last)+"?perPage=100&cursor="+url.QueryEscape(*item.RepliesCursor), "")
				var got []string
				for _, r := range rest.Items {
					got = append(got, r.Id)
				}
				if rest.NextCursor != nil || strings.Join(got, ",") != strings.Join(lastReplies, ",") {
					t.Fatalf("the replies read from the start were %v (next %v), want %v", got, rest.NextCursor, lastReplies)
				}
			},
			URL:             commentsOf(fx.bobPublished) + "?perPage=1",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":13`},
		},
		{
			Name:           "a reply written between two pages of its thread is read once",
			Method:         http.MethodGet,
			TestAppFactory: withLongThread,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				h := muxOf(t, e)
				cursor := repliesCursor(t, h)
				reply, err := createComment(app, fx.bobPublished, fx.aliceId, longReplies[3], "written meanwhile")
				if err != nil {
					t.Fatal(err)
				}
				a := getThreads(t, h, repliesOf(fx.bobPublished, longThread)+"?perPage=100&cursor="+url.QueryEscape(cursor), "")
				var got []string
				for _, item := range a.Items {
					got = append(got, item.Id)
				}
				want := append(slices.Clone(longReplies[100:]), reply.Id)
				if a.TotalItems != 151 || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("after a new reply the rest was %v of %d, want %v", got, a.TotalItems, want)
				}
			},
			URL:             commentsOf(fx.bobPublished) + "?perPage=1",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
		},
		{
			Name:           "a thread's repliesCursor is for its replies only",
			Method:         http.MethodGet,
			TestAppFactory: withLongThread,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				h := muxOf(t, e)
				cursor := url.QueryEscape(repliesCursor(t, h))
				for _, target := range []string{commentsOf(fx.bobPublished), repliesOf(fx.bobPublished, fx.commentTop1)} {
					rec := send(t, h, http.MethodGet, target+"?cursor="+cursor, "", "")
					if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"cursor":{"code":"validation_cursor_mismatch"`) {
						t.Fatalf("%s with another thread's cursor: %d %s", target, rec.Code, rec.Body)
					}
				}
			},
			URL:             repliesOf(fx.bobPublished, fx.commentTop1) + "?perPage=1&page=2",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"page":2`, `"totalItems":2`, `"nextCursor":null`, fx.commentReply2},
		},
		{
			Name:            "a malformed thread",
			Method:          http.MethodGet,
			URL:             commentsOf(fx.bobPublished) + "/Not-An-Id/replies",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "the replies of an unknown post",
			Method:          http.MethodGet,
			URL:             repliesOf("nosuchpost1234", fx.commentTop1),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "a reply is no thread",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.bobPublished, fx.commentReply1),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "a thread of another post",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.bobPublished, fx.commentOnPaid),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "guest reading a thread of a draft",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.aliceDraft, fx.commentOnDraft),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user reading a thread of a draft",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.aliceDraft, fx.commentOnDraft),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author reading a thread of own draft",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.aliceDraft, fx.commentOnDraft),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if res.Header.Get("Cache-Control") != "private, no-cache" {
					t.Fatalf("signed-in replies headers: %v", res.Header)
				}
			},
		},
		{
			Name:            "superuser reading a thread of a draft",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.aliceDraft, fx.commentOnDraft),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "other user reading a thread of a paid post",
			Method:          http.MethodGet,
			URL:             repliesOf(fx.alicePaid, fx.commentOnPaid),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
	}
	for _, s := range scenarios {
		if s.TestAppFactory == nil {
			s.TestAppFactory = newTestApp
		}
		s.Test(t)
	}
}

// TestCachedRepliesFollowWrites reads pages of a thread as a guest, from
// the public cache, around a new reply and an edit: each read after a
// write returned shows it.
func TestCachedRepliesFollowWrites(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)
	target := repliesOf(fx.bobPublished, fx.commentTop1)

	first := send(t, h, http.MethodGet, target, "", "")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" || first.Header().Get("Cache-Control") != "public, no-cache" {
		t.Fatalf("guest replies: %d %v", first.Code, first.Header())
	}
	if again := send(t, h, http.MethodGet, target, "", "", "If-None-Match", etag); again.Code != http.StatusNotModified {
		t.Fatalf("revalidation answered %d", again.Code)
	}

	if _, err := createComment(app, fx.bobPublished, fx.aliceId, fx.commentReply2, "a third reply"); err != nil {
		t.Fatal(err)
	}
	if a := getThreads(t, h, target, ""); a.TotalItems != 3 || a.Items[2].Body != "a third reply" {
		t.Fatalf("after a reply: %d replies, last %q", a.TotalItems, a.Items[len(a.Items)-1].Body)
	}

	edit := send(t, h, http.MethodPatch, "/api/collections/comments/records/"+fx.commentReply1, `{"body":"bob edited"}`, fx.bobToken)
	if edit.Code != 200 {
		t.Fatalf("edit: %d %s", edit.Code, edit.Body)
	}
	if a := getThreads(t, h, target, ""); a.Items[0].Body != "bob edited" {
		t.Fatalf("after an edit the reply reads %q", a.Items[0].Body)
	}
	threads := getThreads(t, h, commentsOf(fx.bobPublished), "")
	if threads.Items[0].RepliesCount != 3 {
		t.Fatalf("the thread counts %d replies", threads.Items[0].RepliesCount)
	}
}

// muxOf is the handler of a scenario's server, for requests of its own
// before the scenario's.
func muxOf(t testing.TB, e *core.ServeEvent) http.Handler {
	t.Helper()
	mux, err := e.Router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	return mux
}
