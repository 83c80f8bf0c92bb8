package hooks_test

import (
	"blogbase/hooks"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

// TestCommentsArePacedPerUser checks the per-user pace of comment
// creation: the collections API and batch sub-requests count alike, one
// user's pace does not slow another, superusers are not paced, and the
// dashboard's rate limiting switch turns it off.
func TestCommentsArePacedPerUser(t *testing.T) {
	t.Parallel()

	comment := func(body string) string {
		return `{"post":"` + fx.bobPublished + `","body":"` + body + `"}`
	}
	create := "/api/collections/comments/records"

	t.Run("user writing an eleventh comment within a minute", func(t *testing.T) {
		t.Parallel()
		app, handler := pacedApp(t)
		for i := range 10 {
			if res := send(t, handler, http.MethodPost, create, comment(fmt.Sprint("fast ", i)), fx.aliceToken); res.Code != 200 {
				t.Fatalf("comment %d: %d %s", i, res.Code, res.Body)
			}
		}
		res := send(t, handler, http.MethodPost, create, comment("one too many"), fx.aliceToken)
		if res.Code != 429 || !strings.Contains(res.Body.String(), `"status":429`) || res.Header().Get("Retry-After") == "" {
			t.Fatalf("answered %d %s (Retry-After %q), want 429 with Retry-After", res.Code, res.Body, res.Header().Get("Retry-After"))
		}
		if n := countRows(t, app, "comments", dbx.HashExp{"body": "one too many"}); n != 0 {
			t.Fatalf("the paced comment was written")
		}
		// another user is not slowed by alice
		if res := send(t, handler, http.MethodPost, create, comment("bob's turn"), fx.bobToken); res.Code != 200 {
			t.Fatalf("other user: %d %s", res.Code, res.Body)
		}
	})

	t.Run("user batching eleven comments", func(t *testing.T) {
		t.Parallel()
		app, handler := pacedApp(t)
		res := send(t, handler, http.MethodPost, "/api/batch", batchOfComments(11), fx.aliceToken)
		if res.Code != 400 || !strings.Contains(res.Body.String(), `"status":429`) {
			t.Fatalf("answered %d %s, want 400 naming the paced sub-request", res.Code, res.Body)
		}
		if n := countRows(t, app, "comments", dbx.NewExp("body LIKE 'batched %'")); n != 0 {
			t.Fatalf("the refused batch wrote %d comments", n)
		}
		// nothing was written, so nothing was spent
		if res := send(t, handler, http.MethodPost, create, comment("after the batch"), fx.aliceToken); res.Code != 200 {
			t.Fatalf("after a refused batch: %d %s, want 200", res.Code, res.Body)
		}
	})

	t.Run("user writing ten blank comments then one", func(t *testing.T) {
		t.Parallel()
		_, handler := pacedApp(t)
		for i := range 10 {
			if res := send(t, handler, http.MethodPost, create, comment("   "), fx.aliceToken); res.Code != 400 {
				t.Fatalf("blank comment %d: %d %s", i, res.Code, res.Body)
			}
		}
		if res := send(t, handler, http.MethodPost, create, comment("at last"), fx.aliceToken); res.Code != 200 {
			t.Fatalf("after ten refused comments: %d %s, want 200", res.Code, res.Body)
		}
	})

	t.Run("user batching ten comments then one", func(t *testing.T) {
		t.Parallel()
		_, handler := pacedApp(t)
		if res := send(t, handler, http.MethodPost, "/api/batch", batchOfComments(10), fx.aliceToken); res.Code != 200 {
			t.Fatalf("batch of 10: %d %s", res.Code, res.Body)
		}
		if res := send(t, handler, http.MethodPost, create, comment("one too many"), fx.aliceToken); res.Code != 429 {
			t.Fatalf("after a batch of 10 written: %d %s, want 429", res.Code, res.Body)
		}
	})

	t.Run("superuser writing twenty comments", func(t *testing.T) {
		t.Parallel()
		_, handler := pacedApp(t)
		for i := range 20 {
			body := `{"post":"` + fx.bobPublished + `","author":"` + fx.aliceId + `","body":"moderator ` + fmt.Sprint(i) + `"}`
			if res := send(t, handler, http.MethodPost, create, body, fx.superuserToken); res.Code != 200 {
				t.Fatalf("comment %d: %d %s", i, res.Code, res.Body)
			}
		}
	})

	t.Run("user writing twenty comments with rate limiting off", func(t *testing.T) {
		t.Parallel()
		app := newTestApp(t)
		defer app.Cleanup()
		settings := app.Settings()
		settings.RateLimits.Enabled = false
		if err := app.Save(settings); err != nil {
			t.Fatal(err)
		}
		handler := serve(t, app)
		for i := range 20 {
			if res := send(t, handler, http.MethodPost, create, comment(fmt.Sprint("unlimited ", i)), fx.aliceToken); res.Code != 200 {
				t.Fatalf("comment %d: %d %s", i, res.Code, res.Body)
			}
		}
	})
}

// TestCommentsPaceIsConfigured checks BLOG_COMMENTS_PER_MINUTE: 0 switches
// the pace off, another number sets it.
func TestCommentsPaceIsConfigured(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		value     string
		allowed   int
		thenPaced bool
	}{
		{"0", 25, false},
		{"3", 3, true},
		{"many", 10, true}, // unreadable: the default, with a warning
	} {
		t.Run("BLOG_COMMENTS_PER_MINUTE="+c.value, func(t *testing.T) {
			t.Parallel()
			app := newTestAppWith(t, hooks.LoadConfig(variables("BLOG_COMMENTS_PER_MINUTE", c.value)))
			defer app.Cleanup()
			handler := serve(t, app)
			body := `{"post":"` + fx.bobPublished + `","body":"said"}`
			for i := range c.allowed {
				if res := send(t, handler, http.MethodPost, "/api/collections/comments/records", body, fx.aliceToken); res.Code != 200 {
					t.Fatalf("comment %d: %d %s", i, res.Code, res.Body)
				}
			}
			res := send(t, handler, http.MethodPost, "/api/collections/comments/records", body, fx.aliceToken)
			if paced := res.Code == 429; paced != c.thenPaced {
				t.Fatalf("comment %d answered %d, paced %v", c.allowed+1, res.Code, c.thenPaced)
			}
		})
	}
}

// pacedApp is a test app with its HTTP handler, for a run of requests.
func pacedApp(t *testing.T) (*tests.TestApp, http.Handler) {
	app := newTestApp(t)
	t.Cleanup(app.Cleanup)
	return app, serve(t, app)
}

// batchOfComments is the body of a batch request writing n comments
// ("batched 0", "batched 1", …) on bob's published post.
func batchOfComments(n int) string {
	requests := make([]string, n)
	for i := range requests {
		requests[i] = `{"method":"POST","url":"/api/collections/comments/records","body":{"post":"` +
			fx.bobPublished + `","body":"batched ` + fmt.Sprint(i) + `"}}`
	}
	return `{"requests":[` + strings.Join(requests, ",") + `]}`
}
