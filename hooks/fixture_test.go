package hooks_test

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/hooks"
	_ "blogbase/migrations"
)

// fx is the test data every scenario starts from: built once per test run
// in a temp dir, then cloned for each scenario by newTestApp.
var fx struct {
	dir string

	aliceId, bobId                      string
	aliceToken, bobToken                string
	aliceToken2                         string // a second session of alice
	superuserToken                      string
	alicePublished, aliceDraft          string // post ids
	alicePaid, bobPublished             string
	alicePublishedContent               string // postContents ids
	aliceDraftContent, alicePaidContent string
	bobPublishedContent                 string

	// comments: two threads on bob's post (the first with a reply and a
	// reply to the reply), one on alice's draft, one on her paid post
	commentTop1, commentReply1, commentReply2, commentTop2 string
	commentOnDraft, commentOnPaid                          string

	// tags: Go and 数据库 on alice's published post, Go on her draft
	tagGo, tagDatabase string
}

func TestMain(m *testing.M) {
	// The scenarios wait on SQLite's writes, on locks held on purpose and
	// on timers more than they compute: more of them at once than there
	// are cores (go test's default) finishes sooner. -parallel still
	// decides when given.
	flag.Parse()
	parallelGiven := false
	flag.Visit(func(f *flag.Flag) { parallelGiven = parallelGiven || f.Name == "test.parallel" })
	if !parallelGiven {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}

	dir, err := os.MkdirTemp("", "blogbase-fixture-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fx.dir = dir

	if err := buildFixture(dir); err != nil {
		fmt.Fprintln(os.Stderr, "fixture:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}

	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFixture creates the schema by running the real migrations and
// fills it through the real hooks, the way the dashboard or Go code would.
func buildFixture(dir string) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	hooks.Register(app, hooks.DefaultConfig())

	superusers, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	su := core.NewRecord(superusers)
	su.SetEmail("admin@example.com")
	su.SetPassword("admin-password-1")
	if err := app.Save(su); err != nil {
		return err
	}

	alice, err := createUser(app, "alice", "alice@example.com", "+8613812345678")
	if err != nil {
		return err
	}
	bob, err := createUser(app, "bob", "bob@example.com", "")
	if err != nil {
		return err
	}

	fx.aliceId, fx.bobId = alice.Id, bob.Id
	if fx.aliceToken, err = alice.NewAuthToken(); err != nil {
		return err
	}
	if fx.aliceToken2, err = alice.NewStaticAuthToken(time.Hour); err != nil {
		return err
	}
	if fx.bobToken, err = bob.NewAuthToken(); err != nil {
		return err
	}
	if fx.superuserToken, err = su.NewAuthToken(); err != nil {
		return err
	}

	posts := []struct {
		id, content   *string
		author        string
		title, status string
		price         float64
		body          string
	}{
		{&fx.alicePublished, &fx.alicePublishedContent, alice.Id, "Alice in public", "published", 0, "<p>alice public body</p>"},
		{&fx.aliceDraft, &fx.aliceDraftContent, alice.Id, "Alice secret draft", "draft", 0, "<p>alice draft body</p>"},
		{&fx.alicePaid, &fx.alicePaidContent, alice.Id, "Alice paid essay", "published", 9.9, "<p>alice paid body</p>"},
		{&fx.bobPublished, &fx.bobPublishedContent, bob.Id, "Bob in public", "published", 0, "<p>bob public body</p>"},
	}
	for _, p := range posts {
		post, content, err := createPost(app, p.author, p.title, p.status, p.price, p.body)
		if err != nil {
			return fmt.Errorf("post %q: %w", p.title, err)
		}
		*p.id, *p.content = post.Id, content.Id
	}

	tags, err := app.FindCollectionByNameOrId("tags")
	if err != nil {
		return err
	}
	for _, t := range []struct {
		id   *string
		name string
	}{{&fx.tagGo, "Go"}, {&fx.tagDatabase, "数据库"}} {
		tag := core.NewRecord(tags)
		tag.Set("name", t.name)
		if err := app.Save(tag); err != nil {
			return fmt.Errorf("tag %q: %w", t.name, err)
		}
		*t.id = tag.Id
	}
	for post, ids := range map[string][]string{fx.alicePublished: {fx.tagGo, fx.tagDatabase}, fx.aliceDraft: {fx.tagGo}} {
		p, err := app.FindRecordById("posts", post)
		if err != nil {
			return err
		}
		p.Set("tags", ids)
		if err := app.Save(p); err != nil {
			return err
		}
	}

	comments := []struct {
		id                   *string
		post, author, parent *string
		body                 string
	}{
		{&fx.commentTop1, &fx.bobPublished, &fx.aliceId, nil, "First thread by alice"},
		{&fx.commentReply1, &fx.bobPublished, &fx.bobId, &fx.commentTop1, "Bob answers alice"},
		{&fx.commentReply2, &fx.bobPublished, &fx.aliceId, &fx.commentReply1, "Alice answers bob"},
		{&fx.commentTop2, &fx.bobPublished, &fx.bobId, nil, "Second thread by bob"},
		{&fx.commentOnDraft, &fx.aliceDraft, &fx.aliceId, nil, "Note on the secret draft"},
		{&fx.commentOnPaid, &fx.alicePaid, &fx.bobId, nil, "Bob on the paid essay"},
	}
	for _, c := range comments {
		parent := ""
		if c.parent != nil {
			parent = *c.parent
		}
		comment, err := createComment(app, *c.post, *c.author, parent, c.body)
		if err != nil {
			return fmt.Errorf("comment %q: %w", c.body, err)
		}
		*c.id = comment.Id
		time.Sleep(3 * time.Millisecond) // distinct creation times: threads are ordered by them
	}
	return nil
}

// createComment saves a comment the way Go code or the dashboard does.
func createComment(app core.App, postId, authorId, parentId, body string) (*core.Record, error) {
	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		return nil, err
	}
	c := core.NewRecord(comments)
	c.Set("post", postId)
	c.Set("author", authorId)
	c.Set("parent", parentId)
	c.Set("body", body)
	return c, app.Save(c)
}

func createUser(app core.App, username, email, phone string) (*core.Record, error) {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	u := core.NewRecord(users)
	u.Set("username", username)
	u.Set("name", username+" name")
	u.Set("phone", phone)
	u.SetEmail(email)
	u.SetPassword("password-123")
	return u, app.Save(u)
}

// createPost saves a post the way Go code or the dashboard does (the hook
// adds its content), then writes its body.
func createPost(app core.App, authorId, title, status string, price float64, body string) (*core.Record, *core.Record, error) {
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		return nil, nil, err
	}
	post := core.NewRecord(posts)
	post.Set("author", authorId)
	post.Set("title", title)
	post.Set("status", "draft") // published once it has its body
	post.Set("price", price)
	if err := app.Save(post); err != nil {
		return nil, nil, err
	}
	content, err := app.FindFirstRecordByData("postContents", "post", post.Id)
	if err != nil {
		return nil, nil, err
	}
	content.Set("body", body)
	if err := app.Save(content); err != nil {
		return nil, nil, err
	}
	if status == "draft" {
		return post, content, nil
	}
	if post, err = app.FindRecordById("posts", post.Id); err != nil {
		return nil, nil, err
	}
	post.Set("status", status)
	return post, content, app.Save(post)
}

// newTestApp is every scenario's TestAppFactory: a private clone of the
// fixture with the blog extension registered, configured as a server with
// no BLOG_* variable set.
func newTestApp(t testing.TB) *tests.TestApp {
	return newTestAppWith(t, hooks.DefaultConfig())
}

// newTestAppWith is newTestApp with the blog configured by config.
func newTestAppWith(t testing.TB, config hooks.Config) *tests.TestApp {
	app, err := tests.NewTestApp(fx.dir)
	if err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, config)
	withoutCron(app)
	return app
}

// withoutCron keeps the app's cron from starting with its server: the
// tests run the jobs themselves, and a job fired while a finished test's
// app is torn down would race with it.
func withoutCron(app core.App) {
	app.OnServe().Unbind("__pbCronStart__")
}

// appFactory is a TestAppFactory configuring the blog with config.
func appFactory(config hooks.Config) func(testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp { return newTestAppWith(t, config) }
}

// variables is a getenv for hooks.LoadConfig holding the given names and
// values, in pairs.
func variables(pairs ...string) func(string) string {
	vars := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		vars[pairs[i]] = pairs[i+1]
	}
	return func(name string) string { return vars[name] }
}

// configWith is the default configuration changed by change.
func configWith(change func(*hooks.Config)) hooks.Config {
	config := hooks.DefaultConfig()
	change(&config)
	return config
}

// auth returns the Authorization header for a token ("" for a guest).
func auth(token string) map[string]string {
	if token == "" {
		return nil
	}
	return map[string]string{"Authorization": token}
}

// assertSplitInvariant fails when any post lacks exactly one content
// record or any content record lacks its post.
func assertSplitInvariant(t testing.TB, app core.App) {
	t.Helper()
	var broken []struct {
		Id string `db:"id"`
	}
	err := app.DB().NewQuery(`
		SELECT p.id FROM posts p LEFT JOIN postContents c ON c.post = p.id
		GROUP BY p.id HAVING COUNT(c.id) != 1
		UNION ALL
		SELECT c.id FROM postContents c LEFT JOIN posts p ON p.id = c.post WHERE p.id IS NULL`).All(&broken)
	if err != nil {
		t.Fatal(err)
	}
	if len(broken) > 0 {
		t.Fatalf("split invariant broken for %v", broken)
	}
}

// countRows counts the rows of table matching where.
func countRows(t testing.TB, app core.App, table string, where dbx.Expression) int {
	t.Helper()
	var n int
	q := app.DB().Select("COUNT(*)").From(table)
	if where != nil {
		q.Where(where)
	}
	if err := q.Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// urlQuery escapes a filter for a URL.
func urlQuery(s string) string {
	return url.QueryEscape(s)
}

// serve builds the app's HTTP handler the way `serve` does (PocketBase's
// router plus every OnServe registration), for tests that need several
// requests against one app.
func serve(t testing.TB, app *tests.TestApp) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	event := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(event, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		handler = mux
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return handler
}

// send performs one request against handler; token may be "".
func send(t testing.TB, handler http.Handler, method, target, body, token string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}
