package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// commentsCountIs checks a post's commentsCount against the comments table
// and against want.
func commentsCountIs(postId string, want int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		t.Helper()
		post, err := app.FindRecordById("posts", postId)
		if err != nil {
			t.Fatal(err)
		}
		actual := countRows(t, app, "comments", dbx.HashExp{"post": postId})
		if got := post.GetInt("commentsCount"); got != want || actual != want {
			t.Fatalf("commentsCount %d and %d comment rows, want %d", got, actual, want)
		}
	}
}

func TestCommentsCollectionRules(t *testing.T) {
	t.Parallel()

	records := "/api/collections/comments/records"
	create := func(body string) *strings.Reader { return strings.NewReader(body) }

	scenarios := []tests.ApiScenario{
		// list and view follow the post
		{
			Name:               "guest listing",
			Method:             http.MethodGet,
			URL:                records,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":5`, fx.commentOnPaid},
			NotExpectedContent: []string{fx.commentOnDraft, "secret draft"},
		},
		{
			Name:               "other user listing the comments of a draft",
			Method:             http.MethodGet,
			URL:                records + "?filter=" + urlQuery(`post = "`+fx.aliceDraft+`"`),
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{fx.commentOnDraft},
		},
		{
			Name:            "author of the draft listing its comments",
			Method:          http.MethodGet,
			URL:             records + "?filter=" + urlQuery(`post = "`+fx.aliceDraft+`"`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, fx.commentOnDraft},
		},
		{
			Name:            "superuser listing",
			Method:          http.MethodGet,
			URL:             records,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":6`},
		},
		{
			Name:            "guest viewing a comment of a draft",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.commentOnDraft,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:               "guest expanding a comment's author",
			Method:             http.MethodGet,
			URL:                records + "/" + fx.commentTop1 + "?expand=author,post",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"username":"alice"`, `"title":"Bob in public"`},
			NotExpectedContent: []string{"alice@example.com", "phone"},
		},

		// create
		{
			Name:            "guest commenting",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"anonymous"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 4),
		},
		{
			Name:            "user commenting without naming the author",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"  <b>not html</b>  "}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"author":"` + fx.aliceId + `"`, `"body":"\u003cb\u003enot html\u003c/b\u003e"`, `"parent":""`},
			ExpectedEvents:  map[string]int{"OnRecordCreate": 1, "OnRecordCreateRequest": 1},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 5),
		},
		{
			Name:            "user commenting with an empty author",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","author":"","body":"me"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"author":"` + fx.aliceId + `"`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 5),
		},
		{
			Name:            "user commenting as another user",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","author":"` + fx.bobId + `","body":"forged"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 4),
		},
		{
			Name:            "user commenting on another's draft",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.aliceDraft + `","body":"found it"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   commentsCountIs(fx.aliceDraft, 1),
		},
		{
			Name:            "user replying to a reply keeps the thread",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","parent":"` + fx.commentReply2 + `","body":"deeper"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"parent":"` + fx.commentReply2 + `"`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 5),
		},
		{
			Name:            "user replying across posts",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.alicePaid + `","parent":"` + fx.commentTop1 + `","body":"wrong post"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"validation_parent_other_post"`},
			AfterTestFunc:   commentsCountIs(fx.alicePaid, 1),
		},
		{
			Name:            "user replying to a missing comment",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","parent":"nosuchcomment00","body":"x"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{`},
		},
		{
			Name:            "user sending a blank or overlong body",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"   "}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_required"`},
		},
		{
			Name:            "user sending a body that shows nothing",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"\u200b \u3164\u2800\ufeff"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_required"`},
		},
		{
			Name:            "user sending a body over 2000 characters",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"` + strings.Repeat("é", 2001) + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_max_text_constraint"`},
		},
		{
			Name:            "superuser commenting without an author",
			Method:          http.MethodPost,
			URL:             records,
			Body:            create(`{"post":"` + fx.bobPublished + `","body":"from the dashboard"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"author":{"code":"validation_required"`},
		},

		// update: the comment author, the body only
		{
			Name:            "author editing own comment",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.commentTop2,
			Body:            create(`{"body":"edited"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"body":"edited"`},
		},
		{
			Name:    "comment author editing on a post taken back to draft",
			Method:  http.MethodPatch,
			URL:     records + "/" + fx.commentOnPaid,
			Body:    create(`{"body":"still here?"}`),
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				post, err := app.FindRecordById("posts", fx.alicePaid)
				if err != nil {
					t.Fatal(err)
				}
				post.Set("status", "draft")
				if err := app.Save(post); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user editing a comment",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.commentTop2,
			Body:            create(`{"body":"defaced"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author moving own comment",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.commentTop2,
			Body:            create(`{"post":"` + fx.alicePaid + `","parent":"` + fx.commentTop1 + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"post":{"code":"validation_comment_immutable"`, `"parent":{"code":"validation_comment_immutable"`},
			AfterTestFunc:   commentsCountIs(fx.alicePaid, 1),
		},

		// delete: the comment author or the post author
		{
			Name:            "guest deleting",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.commentTop2,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 4),
		},
		{
			Name:            "other user deleting a comment on another's post",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.commentTop2,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   commentsCountIs(fx.bobPublished, 4),
		},
		{
			Name:           "comment author deleting own reply",
			Method:         http.MethodDelete,
			URL:            records + "/" + fx.commentReply2,
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 204,
			AfterTestFunc:  commentsCountIs(fx.bobPublished, 3),
		},
		{
			Name:           "post author deleting a thread takes its replies and the count along",
			Method:         http.MethodDelete,
			URL:            records + "/" + fx.commentTop1,
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 204,
			ExpectedEvents: map[string]int{"OnRecordDelete": 3}, // the comment, its reply, the reply's reply
			AfterTestFunc:  commentsCountIs(fx.bobPublished, 1),
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestDeletingACommenterKeepsCountsExact deletes a user whose comments
// and replies cascade in an order that reaches one reply twice.
func TestDeletingACommenterKeepsCountsExact(t *testing.T) {
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
	// left on bob's post: his second thread only (his reply went with
	// alice's thread)
	commentsCountIs(fx.bobPublished, 1)(t, app, nil)
}

// TestCommentsCountUnderConcurrency creates and deletes comments from many
// goroutines at once; the count must end exactly right.
func TestCommentsCountUnderConcurrency(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				c, err := createComment(app, fx.bobPublished, fx.aliceId, "", "busy")
				if err != nil {
					errs <- err
					continue
				}
				if i%3 == 0 { // delete a third of them again, while others write
					errs <- app.Delete(c)
				}
			}
		}(w)
	}
	// and a thread deleted with its replies in the middle of it all
	if top, err := app.FindRecordById("comments", fx.commentTop1); err == nil {
		errs <- app.Delete(top)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	want := 1 + writers*each - writers*((each+2)/3) // commentTop2 and the survivors
	commentsCountIs(fx.bobPublished, want)(t, app, nil)
}

func TestThreadedCommentsRoute(t *testing.T) {
	t.Parallel()

	threads := func(t testing.TB, res *http.Response) []map[string]any {
		var page struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
		return page.Items
	}

	scenarios := []tests.ApiScenario{
		{
			Name:           "guest reading the threads of a published post",
			Method:         http.MethodGet,
			URL:            "/api/blog/posts/" + fx.bobPublished + "/comments",
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"page":1`, `"perPage":20`, `"totalItems":2`, `"totalPages":1`,
				`"username":"alice"`, `"replies":[]`, `"repliesCount":2`, `"repliesCount":0`,
			},
			NotExpectedContent: []string{"@example.com", "phone"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				// the same for every guest: from the public cache, revalidated
				if res.Header.Get("Cache-Control") != "public, no-cache" || res.Header.Get("ETag") == "" ||
					!strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Authorization") {
					t.Fatalf("guest threads headers: %v", res.Header)
				}
				items := threads(t, res)
				if len(items) != 2 || items[0]["id"] != fx.commentTop1 || items[1]["id"] != fx.commentTop2 {
					t.Fatalf("threads out of order: %v", items)
				}
				replies, _ := items[0]["replies"].([]any)
				if len(replies) != 2 || replies[0].(map[string]any)["id"] != fx.commentReply1 ||
					replies[1].(map[string]any)["id"] != fx.commentReply2 {
					t.Fatalf("replies of the first thread: %v", replies)
				}
				if author := replies[0].(map[string]any)["expand"].(map[string]any)["author"].(map[string]any); author["username"] != "bob" {
					t.Fatalf("reply author %v", author)
				}
			},
		},
		{
			Name:               "second page of one thread each",
			Method:             http.MethodGet,
			URL:                "/api/blog/posts/" + fx.bobPublished + "/comments?perPage=1&page=2",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"page":2`, `"totalPages":2`, fx.commentTop2},
			NotExpectedContent: []string{fx.commentTop1},
		},
		{
			Name:            "guest reading the comments of a draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft + "/comments",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user reading the comments of a draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft + "/comments",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author reading the comments of own draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft + "/comments",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{fx.commentOnDraft},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if res.Header.Get("Cache-Control") != "private, no-cache" || res.Header.Get("ETag") != "" {
					t.Fatalf("signed-in threads headers: %v", res.Header)
				}
			},
		},
		{
			Name:   "guest revalidating the threads",
			Method: http.MethodGet,
			URL:    "/api/blog/posts/" + fx.bobPublished + "/comments",
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				mux, err := e.Router.BuildMux()
				if err != nil {
					t.Fatal(err)
				}
				target := "/api/blog/posts/" + fx.bobPublished + "/comments"
				etag := send(t, mux, http.MethodGet, target, "", "").Header().Get("ETag")
				if rec := send(t, mux, http.MethodGet, target, "", "", "If-None-Match", etag); rec.Code != http.StatusNotModified {
					t.Fatalf("revalidation answered %d", rec.Code)
				}
				newComment(t, app, fx.bobPublished, fx.aliceId, "A new thread")
				if rec := send(t, mux, http.MethodGet, target, "", "", "If-None-Match", etag); rec.Code != 200 {
					t.Fatalf("after a comment the old ETag still matched: %d", rec.Code)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`, "A new thread"},
		},
		{
			Name:            "unknown post",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/nosuchpost/comments",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "bad paging",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.bobPublished + "/comments?page=0&perPage=x",
			ExpectedStatus:  400,
			ExpectedContent: []string{`"page":{`, `"perPage":{`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestCommentsRealtime subscribes readers to the comments of a post, as
// the JS SDK does with subscribe('*', cb, {filter: 'post = "ID"'}), and
// checks who hears what.
func TestCommentsRealtime(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	if _, err := apis.NewRouter(app); err != nil {
		t.Fatal(err)
	}
	bob, err := app.FindRecordById("users", fx.bobId)
	if err != nil {
		t.Fatal(err)
	}

	subscribe := func(authRecord *core.Record, postId string) subscriptions.Client {
		c := subscriptions.NewDefaultClient()
		if authRecord != nil {
			c.Set(apis.RealtimeClientAuthKey, authRecord)
		}
		c.Subscribe("comments/*?options=" + urlQuery(`{"query":{"filter":"post = \"`+postId+`\"","expand":"author"}}`))
		app.SubscriptionsBroker().Register(c)
		return c
	}
	guestOnPublic := subscribe(nil, fx.bobPublished)
	guestOnDraft := subscribe(nil, fx.aliceDraft)
	bobOnDraft := subscribe(bob, fx.aliceDraft)

	var mu sync.Mutex
	heard := map[subscriptions.Client][]string{}
	done := make(chan struct{})
	for _, c := range []subscriptions.Client{guestOnPublic, guestOnDraft, bobOnDraft} {
		go func(c subscriptions.Client) {
			for {
				select {
				case msg := <-c.Channel():
					mu.Lock()
					heard[c] = append(heard[c], string(msg.Data))
					mu.Unlock()
				case <-done:
					return
				}
			}
		}(c)
	}

	if _, err := createComment(app, fx.bobPublished, fx.bobId, "", "live on the public post"); err != nil {
		t.Fatal(err)
	}
	if _, err := createComment(app, fx.aliceDraft, fx.aliceId, "", "live on the draft"); err != nil {
		t.Fatal(err)
	}
	post, err := app.FindRecordById("posts", fx.bobPublished)
	if err != nil {
		t.Fatal(err)
	}
	// deleting the post takes its comments along: each says so once, and
	// nothing else follows
	if err := app.Delete(post); err != nil {
		t.Fatal(err)
	}
	gone := []string{fx.commentTop1, fx.commentReply1, fx.commentReply2, fx.commentTop2}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		public := strings.Join(heard[guestOnPublic], "\n")
		mu.Unlock()
		all := true
		for _, id := range gone {
			if !strings.Contains(public, `"id":"`+id+`"`) {
				all = false
			}
		}
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a leak on the draft to show
	close(done)

	mu.Lock()
	defer mu.Unlock()
	public := strings.Join(heard[guestOnPublic], "\n")
	if !strings.Contains(public, `"action":"create"`) || !strings.Contains(public, "live on the public post") ||
		!strings.Contains(public, `"username":"bob"`) {
		t.Fatalf("the guest did not hear the new comment with its author: %s", public)
	}
	// PocketBase sends each message from a goroutine of its own, so the
	// create may arrive after the deletions: one create, and the rest
	// deletions, in any order
	creates := 0
	for _, message := range heard[guestOnPublic] {
		switch {
		case strings.Contains(message, `"action":"create"`):
			creates++
		case !strings.Contains(message, `"action":"delete"`):
			t.Fatalf("besides the new comment only deletions were expected: %s", message)
		}
	}
	if creates != 1 {
		t.Fatalf("the new comment was heard %d times: %s", creates, public)
	}
	for _, id := range gone {
		if n := strings.Count(public, `"id":"`+id+`"`); n != 1 {
			t.Fatalf("the deletion of comment %s was heard %d times: %s", id, n, public)
		}
	}
	if strings.Contains(public, "@example.com") {
		t.Fatalf("an author's email was broadcast: %s", public)
	}
	for name, c := range map[string]subscriptions.Client{"guest": guestOnDraft, "bob": bobOnDraft} {
		if len(heard[c]) != 0 {
			t.Fatalf("%s heard the comments of another's draft: %v", name, heard[c])
		}
	}
}

// TestLongThreads checks a thread longer than the route shows: the route
// sends its first 100 replies, oldest first, and counts them all, replies
// to replies included; every reply knows its thread, whatever a client
// sends, and the rest of a thread is read through the collections API.
func TestLongThreads(t *testing.T) {
	t.Parallel()

	// 510 more replies in the first thread, every tenth answering the one
	// before it
	addReplies := func(t testing.TB, app *tests.TestApp) {
		parent := fx.commentTop1
		for i := range 510 {
			if i%10 != 9 {
				parent = fx.commentTop1
			}
			c, err := createComment(app, fx.bobPublished, fx.bobId, parent, fmt.Sprintf("reply %03d", i))
			if err != nil {
				t.Fatal(err)
			}
			parent = c.Id
		}
	}
	longThread := func() *tests.TestApp {
		app := newTestApp(t)
		addReplies(t, app)
		return app
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest reading a thread of 512 replies",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.bobPublished + "/comments",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"repliesCount":512`, `"repliesCount":0`},
			TestAppFactory:  func(t testing.TB) *tests.TestApp { return longThread() },
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var page struct {
					Items []struct {
						Id      string `json:"id"`
						Replies []struct {
							Id     string `json:"id"`
							Body   string `json:"body"`
							Thread string `json:"thread"`
						} `json:"replies"`
					} `json:"items"`
				}
				if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
					t.Fatal(err)
				}
				replies := page.Items[0].Replies
				if len(replies) != 100 {
					t.Fatalf("%d replies sent, want the first 100", len(replies))
				}
				// the oldest 100 of the 512 below the thread, walked by parent
				var oldest []string
				err := app.DB().NewQuery(`
					WITH RECURSIVE below(id) AS (
						SELECT id FROM comments WHERE parent = {:top}
						UNION ALL SELECT c.id FROM comments c JOIN below ON c.parent = below.id)
					SELECT c.id FROM comments c JOIN below ON below.id = c.id
					ORDER BY c.created, c.id LIMIT 100`).Bind(dbx.Params{"top": fx.commentTop1}).Column(&oldest)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range replies {
					if r.Id != oldest[i] {
						t.Fatalf("reply %d is %s (%q), want %s: not the oldest first", i, r.Id, r.Body, oldest[i])
					}
					if r.Thread != fx.commentTop1 {
						t.Fatalf("reply %s has thread %q", r.Id, r.Thread)
					}
				}
			},
		},
		{
			Name:            "guest reading the rest of a thread through the collections API",
			Method:          http.MethodGet,
			URL:             "/api/collections/comments/records?perPage=100&page=6&sort=created,id&filter=" + urlQuery(`thread = "`+fx.commentTop1+`"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":512`},
			TestAppFactory:  func(t testing.TB) *tests.TestApp { return longThread() },
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				// the last 12, after five pages of 100, in the route's order
				var rest []string
				err := app.DB().Select("id").From("comments").
					Where(dbx.HashExp{"thread": fx.commentTop1}).
					OrderBy("created", "id").Offset(500).Limit(100).Column(&rest)
				if err != nil {
					t.Fatal(err)
				}
				var page struct {
					Items []struct {
						Id string `json:"id"`
					} `json:"items"`
				}
				if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
					t.Fatal(err)
				}
				if len(rest) != 12 || len(page.Items) != 12 {
					t.Fatalf("%d replies on page 6, %d stored after the first 500; want 12", len(page.Items), len(rest))
				}
				for i, item := range page.Items {
					if item.Id != rest[i] {
						t.Fatalf("page 6 item %d is %s, want %s", i, item.Id, rest[i])
					}
				}
			},
		},
		{
			Name:           "guest reading a page of threads holding more replies than an answer sends",
			Method:         http.MethodGet,
			URL:            "/api/blog/posts/" + fx.bobPublished + "/comments",
			TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				// 11 more threads of 150 replies each, written straight
				// into the table: the route only reads them
				for i := range 11 {
					top, err := createComment(app, fx.bobPublished, fx.aliceId, "", fmt.Sprint("thread ", i))
					if err != nil {
						t.Fatal(err)
					}
					for j := range 150 {
						at := top.GetDateTime("created").Add(time.Duration(j+1) * time.Millisecond).String()
						_, err := app.DB().Insert("comments", dbx.Params{
							"id": core.GenerateDefaultRandomId(), "post": fx.bobPublished, "author": fx.bobId,
							"parent": top.Id, "thread": top.Id, "body": fmt.Sprint("reply ", j), "created": at, "updated": at,
						}).Execute()
						if err != nil {
							t.Fatal(err)
						}
					}
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":13`, `"repliesCount":150`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var page struct {
					Items []struct {
						Replies      []any `json:"replies"`
						RepliesCount int   `json:"repliesCount"`
					} `json:"items"`
				}
				if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
					t.Fatal(err)
				}
				// 2 + 0 + nine threads of 100 + 98: the page holds 1,000
				want := []int{2, 0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 98, 0}
				if len(page.Items) != len(want) {
					t.Fatalf("%d threads, want %d", len(page.Items), len(want))
				}
				for i, item := range page.Items {
					if len(item.Replies) != want[i] {
						t.Fatalf("thread %d: %d replies sent, want %d", i, len(item.Replies), want[i])
					}
				}
			},
		},
		{
			Name:            "user replying with a thread of their choosing",
			Method:          http.MethodPost,
			URL:             "/api/collections/comments/records",
			Body:            strings.NewReader(`{"post":"` + fx.bobPublished + `","parent":"` + fx.commentReply2 + `","thread":"` + fx.commentTop2 + `","body":"deep"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"thread":"` + fx.commentTop1 + `"`},
		},
		{
			Name:            "user starting a thread with a thread of their choosing",
			Method:          http.MethodPost,
			URL:             "/api/collections/comments/records",
			Body:            strings.NewReader(`{"post":"` + fx.bobPublished + `","thread":"` + fx.commentTop2 + `","body":"new thread"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"thread":""`},
		},
		{
			Name:            "author moving a reply to another thread",
			Method:          http.MethodPatch,
			URL:             "/api/collections/comments/records/" + fx.commentReply1,
			Body:            strings.NewReader(`{"thread":"` + fx.commentTop2 + `","body":"edited"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"thread":"` + fx.commentTop1 + `"`, `"body":"edited"`},
		},
	}
	for _, s := range scenarios {
		if s.TestAppFactory == nil {
			s.TestAppFactory = newTestApp
		}
		s.Test(t)
	}
}
