package hooks_test

import (
	"blogbase/hooks"
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestOversizedRequestsAre413: each write route refuses a body over its
// limit with 413, announced (Content-Length) or streamed (chunked), and
// nothing is written.
func TestOversizedRequestsAre413(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	big := func(n int) string { return `{"body":"` + strings.Repeat("x", n) + `"}` }
	cases := []struct {
		name, method, target, body, token string
	}{
		{"comment", http.MethodPost, "/api/collections/comments/records", big(100 << 10), fx.aliceToken},
		{"blog post", http.MethodPost, "/api/blog/posts", big(5 << 20), fx.aliceToken},
		{"post body", http.MethodPatch, "/api/collections/postContents/records/" + fx.alicePublishedContent, big(5 << 20), fx.aliceToken},
		{"sms code", http.MethodPost, "/api/blog/sms/code", big(8 << 10), ""},
		{"batch", http.MethodPost, "/api/batch", big(17 << 20), fx.aliceToken},
		{"a body sent with a read", http.MethodGet, "/api/blog/posts/" + fx.bobPublished + "/comments", big(8 << 10), ""},
		{"a body sent with a signed-in read", http.MethodGet, "/api/blog/posts/" + fx.bobPublished, big(8 << 10), fx.aliceToken},
		{"purchase", http.MethodPost, "/api/blog/posts/" + fx.alicePaid + "/purchase", big(8 << 10), fx.bobToken},
		{"an Alipay notification", http.MethodPost, "/api/blog/payments/alipay/notify", big(65 << 10), ""},
	}
	for _, c := range cases {
		for _, chunked := range []bool{false, true} {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", c.token)
			}
			if chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(strings.NewReader(c.body))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (chunked %v): %d %.200s", c.name, chunked, rec.Code, rec.Body)
			}
		}
	}
	if n := countRows(t, app, "comments", nil); n != 6 {
		t.Fatalf("%d comments", n)
	}
	assertPostCount(4)(t, app, nil)

	// a payment callback under its own limit, over the blog routes'
	// default, reaches its handler (which records it)
	rec := send(t, h, http.MethodPost, "/api/blog/payments/alipay/notify", "x="+strings.Repeat("y", 32<<10), "")
	if rec.Code == http.StatusRequestEntityTooLarge || countRows(t, app, "paymentEvents", nil) != 3 {
		t.Fatalf("a 32 KB notification: %d %s, %d events", rec.Code, rec.Body, countRows(t, app, "paymentEvents", nil))
	}

	// a streamed body under its limit goes through whole
	req := httptest.NewRequest(http.MethodPost, "/api/blog/posts", nil)
	req.Body = io.NopCloser(strings.NewReader(`{"title":"Streamed","body":"<p>in chunks</p>"}`))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", fx.aliceToken)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), "in chunks") {
		t.Fatalf("streamed post: %d %s", rec.Code, rec.Body)
	}

	// an avatar over its 5 MB: a field error when the request fits,
	// 413 when the request itself is over the users' limit
	for size, want := range map[int]int{5<<20 + 100<<10: 400, 7 << 20: 413} {
		var body bytes.Buffer
		form := multipart.NewWriter(&body)
		part, _ := form.CreateFormFile("avatar", "a.png")
		part.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, size)...))
		form.Close()
		rec := send(t, h, http.MethodPatch, "/api/collections/users/records/"+fx.aliceId, body.String(), fx.aliceToken,
			"Content-Type", form.FormDataContentType())
		if rec.Code != want {
			t.Errorf("avatar of %d bytes: %d, want %d: %.200s", size, rec.Code, want, rec.Body)
		}
	}
}

// TestBusyDatabaseIsNotA500: while another connection holds the write
// lock (a seed, a backup, the sqlite3 shell), concurrent writers wait for
// it and succeed: no "database is locked" reaches a client.
func TestBusyDatabaseIsNotA500(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	other, err := sql.Open("sqlite", filepath.Join(app.DataDir(), "data.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	const hold = 1500 * time.Millisecond
	released := make(chan struct{})
	go func() {
		time.Sleep(hold)
		conn.ExecContext(t.Context(), "COMMIT")
		close(released)
	}()

	start := time.Now()
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			codes <- send(t, h, http.MethodPost, "/api/collections/comments/records",
				fmt.Sprintf(`{"post":%q,"body":"while the database is busy %d"}`, fx.bobPublished, i), fx.aliceToken).Code
		}()
		go func() {
			defer wg.Done()
			codes <- send(t, h, http.MethodPost, "/api/blog/posts",
				fmt.Sprintf(`{"title":"Busy %d","body":"<p>waiting</p>"}`, i), fx.bobToken).Code
		}()
	}
	wg.Wait()
	<-released
	close(codes)
	for code := range codes {
		if code != 200 && code != 201 {
			t.Fatalf("a write answered %d while the database was busy", code)
		}
	}
	if elapsed := time.Since(start); elapsed < hold {
		t.Fatalf("writes finished in %v, before the lock was released: the lock was not held", elapsed)
	}
	if n := countRows(t, app, "comments", nil); n != 6+20 {
		t.Fatalf("%d comments", n)
	}
	assertSplitInvariant(t, app)
}

// TestSlowSmsGatewayDoesNotBlock: a gateway that hangs does not hold up
// the code request; the text waits in the outbox.
func TestSlowSmsGatewayDoesNotBlock(t *testing.T) {
	hang := make(chan struct{})
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hang
	}))
	defer gateway.Close()
	defer close(hang)
	app := newTestAppWith(t, configWith(func(c *hooks.Config) {
		c.SMS = hooks.SMSConfig{Provider: "webhook", WebhookURL: gateway.URL}
	}))
	defer app.Cleanup()
	h := serve(t, app)

	start := time.Now()
	rec := send(t, h, http.MethodPost, "/api/blog/sms/code", `{"phone":"13812345678"}`, "")
	if rec.Code != 202 || time.Since(start) > time.Second {
		t.Fatalf("%d after %v", rec.Code, time.Since(start))
	}
	if n := countRows(t, app, "smsOutbox", nil); n != 1 {
		t.Fatalf("%d texts queued", n)
	}
}

// TestLockHeldTooLongIs503: a write that cannot get the lock within the
// busy timeout is answered 503 with Retry-After, through PocketBase's
// routes and the blog's alike, and writes nothing.
func TestLockHeldTooLongIs503(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)
	// writes go through the one non-concurrent connection: make it give
	// up after 200 ms instead of 10 s
	if _, err := app.NonconcurrentDB().NewQuery("PRAGMA busy_timeout = 200").Execute(); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", filepath.Join(app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(t.Context(), "ROLLBACK")

	for _, c := range []struct{ name, method, target, body, token string }{
		{"comment (collections API)", http.MethodPost, "/api/collections/comments/records", `{"post":"` + fx.bobPublished + `","body":"blocked"}`, fx.aliceToken},
		{"post (blog route)", http.MethodPost, "/api/blog/posts", `{"title":"Blocked","body":"<p>x</p>"}`, fx.aliceToken},
	} {
		rec := send(t, h, c.method, c.target, c.body, c.token)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %s, want 503 with Retry-After", c.name, rec.Code, rec.Body)
		}
	}
	conn.ExecContext(t.Context(), "ROLLBACK")
	if n := countRows(t, app, "comments", nil); n != 6 {
		t.Fatalf("%d comments", n)
	}
}
