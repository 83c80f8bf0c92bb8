package hooks_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// TestWritesInvalidateOnlyWhatTheyChanged warms the public answers, then
// changes every post's title behind the cache's back (raw SQL on the
// server's own connection, which no hook and no poll sees): an answer that
// shows the new title was rebuilt, one that shows the old was kept. Each
// write must rebuild exactly the answers that show what it changed.
func TestWritesInvalidateOnlyWhatTheyChanged(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	// bob's post is the newest: page 1 of one post shows it, page 2 not
	page1 := "/api/blog/posts?perPage=1"
	page2 := "/api/blog/posts?perPage=1&page=2"
	if body := send(t, h, http.MethodGet, page1, "", "").Body.String(); !strings.Contains(body, fx.bobPublished) {
		t.Fatalf("page 1 does not show bob's post: %s", body)
	}
	bobsView := "/api/blog/posts/" + fx.bobPublished
	alicesView := "/api/blog/posts/" + fx.alicePublished
	bobsThreads := "/api/blog/posts/" + fx.bobPublished + "/comments"
	answers := []string{page1, page2, bobsView, alicesView, bobsThreads}

	// each round marks the database anew: an answer holding this round's
	// mark was built after it
	round := 0
	mark := func() string { return "round-" + strconv.Itoa(round) + " " }
	warm := func() {
		t.Helper()
		round++
		for _, target := range answers {
			expectCode(t, send(t, h, http.MethodGet, target, "", ""), 200)
		}
		for _, sql := range []string{
			"UPDATE posts SET title = {:mark} || id",
			"UPDATE comments SET body = {:mark} || id",
		} {
			if _, err := app.DB().NewQuery(sql).Bind(dbx.Params{"mark": mark()}).Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(write string, want ...string) {
		t.Helper()
		for _, target := range answers {
			rec := send(t, h, http.MethodGet, target, "", "")
			expectCode(t, rec, 200)
			rebuilt := strings.Contains(rec.Body.String(), mark())
			if wanted := slices.Contains(want, target); rebuilt != wanted {
				t.Errorf("after %s: %s rebuilt %v, want %v", write, target, rebuilt, wanted)
			}
		}
	}
	bob, err := app.FindRecordById("users", fx.bobId)
	if err != nil {
		t.Fatal(err)
	}

	// writes no public answer shows
	warm()
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/auth/logout", "", fx.aliceToken2), 204)
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/sms/code", `{"phone":"13812345670"}`, ""), 202)
	expectCode(t, send(t, h, http.MethodPost, "/api/collections/users/auth-with-password",
		`{"identity":"`+bob.GetString("username")+`","password":"password-123"}`, ""), 200)
	bob.SetPassword("another-password-1")
	if err := app.Save(bob); err != nil {
		t.Fatal(err)
	}
	orders, err := app.FindCollectionByNameOrId("orders")
	if err != nil {
		t.Fatal(err)
	}
	order := core.NewRecord(orders)
	order.Load(map[string]any{
		"buyer": fx.bobId, "post": fx.alicePaid, "amount": 9.9, "currency": "CNY",
		"provider": "alipay", "status": "pending", "outTradeNo": "test_no_invalidation",
	})
	if err := app.Save(order); err != nil {
		t.Fatal(err)
	}
	check("a logout, an SMS code, a login, a password change and an order")

	// a comment: its post's threads are rebuilt; the pages and the view
	// that show the post get the new count written in, the rest stays
	counted := func(post string, targets ...string) {
		t.Helper()
		var n int
		if err := app.DB().NewQuery("SELECT commentsCount FROM posts WHERE id = {:id}").Bind(dbx.Params{"id": post}).Row(&n); err != nil {
			t.Fatal(err)
		}
		for _, target := range targets {
			if body := send(t, h, http.MethodGet, target, "", "").Body.String(); !strings.Contains(body, `"commentsCount":`+strconv.Itoa(n)) {
				t.Errorf("%s does not show commentsCount %d: %s", target, n, body)
			}
		}
	}
	warm()
	comment := newComment(t, app, fx.alicePublished, fx.bobId, "On alice's post")
	check("a comment on alice's post")
	counted(fx.alicePublished, alicesView)

	warm()
	comment = newComment(t, app, fx.bobPublished, fx.aliceId, "On bob's post")
	check("a comment on bob's post", bobsThreads)
	counted(fx.bobPublished, page1, bobsView)

	// an edited comment: only the threads it is in
	warm()
	comment.Set("body", "Edited")
	if err := app.Save(comment); err != nil {
		t.Fatal(err)
	}
	check("an edited comment", bobsThreads)

	// a post edited in place: that post only
	warm()
	expectCode(t, send(t, h, http.MethodPatch, "/api/blog/posts/"+fx.alicePublished, `{"summary":"New summary"}`, fx.aliceToken), 200)
	check("an edited post", alicesView)

	// a new published post moves every page of the listing
	warm()
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/posts", `{"title":"`+mark()+`Newest","body":"<p>x</p>","status":"published"}`, fx.aliceToken), 201)
	check("a new post", page1, page2)

	// a new draft shows nowhere public
	warm()
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/posts", `{"title":"Quiet","body":"<p>x</p>"}`, fx.aliceToken), 201)
	check("a new draft")

	// a byline: everything that shows the author
	warm()
	bob.Set("name", "Robert")
	if err := app.Save(bob); err != nil {
		t.Fatal(err)
	}
	check("bob's new name", bobsView, bobsThreads, page2) // page 1 is alice's "Newest" now
}

// newComment saves a comment of author on post.
func newComment(t testing.TB, app core.App, post, author, body string) *core.Record {
	t.Helper()
	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		t.Fatal(err)
	}
	c := core.NewRecord(comments)
	c.Set("post", post)
	c.Set("author", author)
	c.Set("body", body)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestListingTotalsFollowThePublishedSet checks the totals kept by the
// triggers on posts against a count, after writes through every kind of
// path: a record save, a status change, a delete, raw SQL.
func TestListingTotalsFollowThePublishedSet(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	counted := func() map[string]int {
		var rows []struct {
			Author string `db:"author"`
			N      int    `db:"n"`
		}
		if err := app.DB().NewQuery("SELECT author, COUNT(*) AS n FROM posts WHERE status = 'published' GROUP BY author").All(&rows); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"": 0}
		for _, r := range rows {
			want["author:"+r.Author] = r.N
			want[""] += r.N
		}
		return want
	}
	kept := func() map[string]int {
		var rows []struct {
			Scope string `db:"scope"`
			N     int    `db:"n"`
		}
		if err := app.DB().NewQuery("SELECT scope, n FROM _blogPublishedCounts WHERE n != 0 OR scope = ''").All(&rows); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.Scope] = r.N
		}
		return got
	}
	compare := func(after string) {
		t.Helper()
		want, got := counted(), kept()
		if len(want) != len(got) {
			t.Fatalf("after %s: kept %v, counted %v", after, got, want)
		}
		for scope, n := range want {
			if got[scope] != n {
				t.Fatalf("after %s: kept %v, counted %v", after, got, want)
			}
		}
	}
	compare("the fixture")

	draft, err := app.FindRecordById("posts", fx.aliceDraft)
	if err != nil {
		t.Fatal(err)
	}
	draft.Set("status", "published")
	if err := app.Save(draft); err != nil {
		t.Fatal(err)
	}
	compare("publishing a draft")

	published, err := app.FindRecordById("posts", fx.bobPublished)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(published); err != nil {
		t.Fatal(err)
	}
	compare("deleting a published post")

	if _, err := app.DB().Update("posts", dbx.Params{"status": "draft"}, dbx.HashExp{"id": fx.alicePaid}).Execute(); err != nil {
		t.Fatal(err)
	}
	compare("raw SQL taking a post back")

	if _, err := app.DB().Update("posts", dbx.Params{"author": fx.bobId}, dbx.HashExp{"id": fx.aliceDraft}).Execute(); err != nil {
		t.Fatal(err)
	}
	compare("raw SQL moving a published post to another author")

	// a statement's conflict clause reaches the triggers' statements too
	for _, sql := range []string{
		"UPDATE OR REPLACE posts SET status = 'published' WHERE id = {:paid}",
		"UPDATE OR FAIL posts SET status = 'draft' WHERE id = {:paid}",
		"UPDATE OR IGNORE posts SET status = 'published' WHERE id = {:paid}",
	} {
		if _, err := app.DB().NewQuery(sql).Bind(dbx.Params{"paid": fx.alicePaid}).Execute(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		compare(sql)
	}

	alice, err := app.FindRecordById("users", fx.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(alice); err != nil {
		t.Fatal(err)
	}
	compare("deleting an author and their posts")
}

// TestPatchedAnswersAreWhatABuildWrites: a listing page and a post view
// whose commentsCount was written in by a comment are, byte for byte and
// ETag for ETag, what a build from the database writes.
func TestPatchedAnswersAreWhatABuildWrites(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	targets := []string{"/api/blog/posts", "/api/blog/posts?perPage=2&sort=published", "/api/blog/posts/" + fx.bobPublished}
	for _, target := range targets {
		expectCode(t, send(t, h, http.MethodGet, target, "", ""), 200)
	}
	newComment(t, app, fx.bobPublished, fx.aliceId, "Counted in place")
	patched := map[string]*httptest.ResponseRecorder{}
	for _, target := range targets {
		patched[target] = send(t, h, http.MethodGet, target, "", "")
	}

	// commits from outside drop every answer (here a title changed and
	// put back): the next ones are built
	updateFromOutside(t, app, "posts", dbx.Params{"title": "Bob elsewhere"}, dbx.HashExp{"id": fx.bobPublished})
	updateFromOutside(t, app, "posts", dbx.Params{"title": "Bob in public"}, dbx.HashExp{"id": fx.bobPublished})
	time.Sleep(300 * time.Millisecond)
	for _, target := range targets {
		built := send(t, h, http.MethodGet, target, "", "")
		if built.Body.String() != patched[target].Body.String() || built.Header().Get("ETag") != patched[target].Header().Get("ETag") {
			t.Errorf("%s patched:\n%s\nbuilt:\n%s", target, patched[target].Body, built.Body)
		}
	}
}
