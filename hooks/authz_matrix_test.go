package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// The authorization matrix: every collection × action × actor × path,
// generated from the tables below. Each record under test holds a marker
// text that only its allowed readers may ever receive, whatever the path;
// each write is checked against the database afterwards, not only by its
// status code.

// matrixActors are the callers: a revoked token must count as a guest.
var matrixActors = []string{"guest", "alice", "bob", "carol", "superuser", "revoked"}

// matrixWorld is one test app prepared for the matrix: carol, bob's paid
// order for alice's paid post, and alice's second token revoked.
type matrixWorld struct {
	app    *tests.TestApp
	h      http.Handler
	tokens map[string]string
	ids    map[string]string // named records: "order", "carol"
}

func newMatrixWorld(t testing.TB) *matrixWorld {
	t.Helper()
	app := newTestApp(t)
	settings := app.Settings()
	settings.RateLimits.Enabled = false // thousands of requests from one "IP"
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	carol, carolToken := newCarol(t, app)
	order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	order.Set("status", "paid")
	if err := app.Save(order); err != nil {
		t.Fatal(err)
	}
	w := &matrixWorld{
		app: app,
		h:   serve(t, app),
		tokens: map[string]string{
			"guest": "", "alice": fx.aliceToken, "bob": fx.bobToken, "carol": carolToken,
			"superuser": fx.superuserToken, "revoked": fx.aliceToken2,
		},
		ids: map[string]string{"order": order.Id, "carol": carol.Id},
	}
	expectCode(t, send(t, w.h, http.MethodPost, "/api/blog/auth/logout", "", fx.aliceToken2), 204)
	return w
}

// matrixRecord is one record under test with who may do what to it.
type matrixRecord struct {
	collection string
	id         func(w *matrixWorld) string
	marker     string   // a text of the record that leaks if seen
	readers    []string // list and view
	updaters   []string
	deleters   []string
	update     string // a PATCH body; its effect is checked by changed()
	changed    func(w *matrixWorld, id string) bool
}

func fixed(id *string) func(*matrixWorld) string { return func(*matrixWorld) string { return *id } }

func fieldIs(collection, field, value string) func(w *matrixWorld, id string) bool {
	return func(w *matrixWorld, id string) bool {
		r, err := w.app.FindRecordById(collection, id)
		return err == nil && r.GetString(field) == value
	}
}

var everyone = []string{"guest", "alice", "bob", "carol", "superuser", "revoked"}

func matrixRecords() []matrixRecord {
	return []matrixRecord{
		{"posts", fixed(&fx.aliceDraft), "Alice secret draft",
			[]string{"alice", "superuser"}, []string{"alice", "superuser"}, []string{"alice", "superuser"},
			`{"title":"changed by the matrix"}`, fieldIs("posts", "title", "changed by the matrix")},
		{"posts", fixed(&fx.alicePublished), "Alice in public",
			everyone, []string{"alice", "superuser"}, []string{"alice", "superuser"},
			`{"title":"changed by the matrix"}`, fieldIs("posts", "title", "changed by the matrix")},
		{"postContents", fixed(&fx.aliceDraftContent), "alice draft body",
			[]string{"alice", "superuser"}, []string{"alice", "superuser"}, nil,
			`{"body":"<p>changed by the matrix</p>"}`, fieldIs("postContents", "body", "<p>changed by the matrix</p>")},
		{"postContents", fixed(&fx.alicePaidContent), "alice paid body",
			[]string{"alice", "bob", "superuser"}, []string{"alice", "superuser"}, nil,
			`{"body":"<p>changed by the matrix</p>"}`, fieldIs("postContents", "body", "<p>changed by the matrix</p>")},
		{"comments", fixed(&fx.commentOnDraft), "Note on the secret draft",
			[]string{"alice", "superuser"}, []string{"alice", "superuser"}, []string{"alice", "superuser"},
			`{"body":"changed by the matrix"}`, fieldIs("comments", "body", "changed by the matrix")},
		{"comments", fixed(&fx.commentTop1), "First thread by alice",
			everyone, []string{"alice", "superuser"}, []string{"alice", "bob", "superuser"}, // bob wrote the post
			`{"body":"changed by the matrix"}`, fieldIs("comments", "body", "changed by the matrix")},
		{"users", fixed(&fx.aliceId), "13812345678", // the hidden phone: /api/blog/me shows alice hers
			[]string{"alice", "superuser"}, []string{"alice", "superuser"}, []string{"alice", "superuser"},
			`{"name":"changed by the matrix"}`, fieldIs("users", "name", "changed by the matrix")},
		{"orders", func(w *matrixWorld) string { return w.ids["order"] }, outTradeNoOf(fx.bobId, fx.alicePaid, "alipay"),
			[]string{"alice", "bob", "superuser"}, []string{"superuser"}, []string{"superuser"},
			`{"status":"closed"}`, fieldIs("orders", "status", "closed")},
	}
}

// superuserOnly are the server's own collections.
var superuserOnly = []string{"paymentEvents", "revokedTokens", "smsCodes", "smsOutbox"}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	cases := 0
	var leaks []string
	var mu sync.Mutex
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		leaks = append(leaks, fmt.Sprintf(format, args...))
	}
	count := func() {
		mu.Lock()
		cases++
		mu.Unlock()
	}

	// reads: one world, every read path
	t.Run("reads", func(t *testing.T) {
		w := newMatrixWorld(t)
		defer w.app.Cleanup()
		for _, r := range matrixRecords() {
			id := r.id(w)
			paths := readPaths(r.collection, id)
			for _, actor := range matrixActors {
				allowed := slices.Contains(r.readers, actor)
				for _, p := range paths {
					rec := send(t, w.h, http.MethodGet, p.target, "", w.tokens[actor])
					count()
					if rec.Code >= 500 {
						fail("%s %s as %s: %d", r.collection, p.name, actor, rec.Code)
					}
					seen := strings.Contains(rec.Body.String(), r.marker)
					if seen && !allowed {
						fail("LEAK %s %s (%s) as %s: %s", r.collection, p.name, id, actor, rec.Body)
					}
					if p.direct && allowed && !seen {
						fail("%s %s (%s) as %s: allowed but not shown: %d %s", r.collection, p.name, id, actor, rec.Code, rec.Body)
					}
				}
			}
		}
		for _, name := range superuserOnly {
			for _, actor := range matrixActors {
				rec := send(t, w.h, http.MethodGet, "/api/collections/"+name+"/records", "", w.tokens[actor])
				count()
				if actor == "superuser" {
					if rec.Code != 200 {
						fail("%s list as superuser: %d", name, rec.Code)
					}
				} else if rec.Code != 403 {
					fail("%s list as %s: %d %s", name, actor, rec.Code, rec.Body)
				}
			}
		}
		for _, probe := range filterProbes(w) {
			for _, actor := range matrixActors {
				if actor == "superuser" {
					continue
				}
				rec := send(t, w.h, http.MethodGet, probe.target, "", w.tokens[actor])
				count()
				if slices.Contains(probe.allowed, actor) {
					continue
				}
				if rec.Code >= 500 || (rec.Code == 200 && strings.Contains(rec.Body.String(), probe.leak)) {
					fail("LEAK filter %s as %s: %d %s", probe.name, actor, rec.Code, rec.Body)
				}
			}
		}
	})

	// writes: a fresh world per case, through the collections API and the
	// batch API; the outcome is read back from the database
	for _, r := range matrixRecords() {
		for _, action := range []string{"update", "delete"} {
			allowedActors := r.updaters
			if action == "delete" {
				allowedActors = r.deleters
			}
			for _, path := range []string{"collections", "batch"} {
				for _, actor := range matrixActors {
					name := fmt.Sprintf("%s/%s/%s/%s/%s", r.collection, action, path, actor, r.marker)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						w := newMatrixWorld(t)
						defer w.app.Cleanup()
						id := r.id(w)
						method, body := http.MethodPatch, r.update
						if action == "delete" {
							method, body = http.MethodDelete, ""
						}
						target := "/api/collections/" + r.collection + "/records/" + id
						var rec int
						if path == "batch" {
							b, _ := json.Marshal(map[string]any{"requests": []map[string]any{{
								"method": method, "url": target, "body": json.RawMessage(orEmpty(body)),
							}}})
							rec = send(t, w.h, http.MethodPost, "/api/batch", string(b), w.tokens[actor]).Code
						} else {
							rec = send(t, w.h, method, target, body, w.tokens[actor]).Code
						}
						count()
						_, err := w.app.FindRecordById(r.collection, id)
						done := r.changed(w, id)
						if action == "delete" {
							done = err != nil
						}
						allowed := slices.Contains(allowedActors, actor)
						switch {
						case rec >= 500:
							fail("%s: %d", name, rec)
						case done && !allowed:
							fail("WRITE %s: done by a caller who may not (%d)", name, rec)
						case !done && allowed:
							fail("%s: allowed but not done (%d)", name, rec)
						}
					})
				}
			}
		}
	}

	// creates: as oneself only, nobody for the server's collections
	creates := []struct {
		collection, body string
		allowed          []string
	}{
		{"posts", `{"title":"made by the matrix","author":"` + fx.aliceId + `"}`, []string{"alice", "superuser"}},
		{"comments", `{"post":"` + fx.aliceDraft + `","author":"` + fx.aliceId + `","body":"made by the matrix"}`, []string{"superuser"}},
		{"comments", `{"post":"` + fx.bobPublished + `","author":"` + fx.aliceId + `","body":"made by the matrix"}`, []string{"alice", "superuser"}},
		{"orders", `{"buyer":"` + fx.bobId + `","post":"` + fx.alicePaid + `","amount":9.9,"currency":"CNY","provider":"alipay","status":"paid"}`, []string{"superuser"}},
		{"paymentEvents", `{"provider":"alipay","kind":"notify","outcome":"paid"}`, []string{"superuser"}},
		{"postContents", `{"post":"` + fx.aliceDraft + `","body":"<p>made by the matrix</p>"}`, nil}, // one per post, made by the server
	}
	for _, c := range creates {
		for _, path := range []string{"collections", "batch"} {
			for _, actor := range matrixActors {
				name := fmt.Sprintf("%s/create/%s/%s", c.collection, path, actor)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					w := newMatrixWorld(t)
					defer w.app.Cleanup()
					before := countRows(t, w.app, c.collection, nil)
					target := "/api/collections/" + c.collection + "/records"
					var code int
					if path == "batch" {
						b, _ := json.Marshal(map[string]any{"requests": []map[string]any{{
							"method": http.MethodPost, "url": target, "body": json.RawMessage(c.body),
						}}})
						code = send(t, w.h, http.MethodPost, "/api/batch", string(b), w.tokens[actor]).Code
					} else {
						code = send(t, w.h, http.MethodPost, target, c.body, w.tokens[actor]).Code
					}
					count()
					made := countRows(t, w.app, c.collection, nil) > before
					allowed := slices.Contains(c.allowed, actor)
					switch {
					case code >= 500:
						fail("%s: %d", name, code)
					case made && !allowed:
						fail("WRITE %s: created by a caller who may not (%d)", name, code)
					case !made && allowed:
						fail("%s: allowed but not created (%d)", name, code)
					}
				})
			}
		}
	}

	t.Run("realtime", func(t *testing.T) { count(); realtimeMatrix(t, fail, count) })

	t.Cleanup(func() {
		t.Logf("authorization matrix: %d cases checked, %d problems", cases, len(leaks))
		fmt.Printf("authorization matrix: %d cases checked, %d problems\n", cases, len(leaks))
		for _, l := range leaks {
			t.Error(l)
		}
	})
}

func orEmpty(body string) string {
	if body == "" {
		return "{}"
	}
	return body
}

type readPath struct {
	name, target string
	direct       bool // the path must show the record to its readers
}

// readPaths are the ways to read a record of collection: directly, and
// through expand from the collections that point at it.
func readPaths(collection, id string) []readPath {
	base := "/api/collections/" + collection + "/records"
	paths := []readPath{
		{"view", base + "/" + id, true},
		{"list", base + "?perPage=200", true},
		{"list by id", base + "?filter=" + urlQuery(`id="`+id+`"`), true},
	}
	switch collection {
	case "posts":
		paths = append(paths,
			readPath{"blog route", "/api/blog/posts/" + id, true},
			readPath{"blog listing", "/api/blog/posts?perPage=100", false},
			readPath{"comments expand post", "/api/collections/comments/records?perPage=200&expand=post", false},
			readPath{"contents expand post", "/api/collections/postContents/records?perPage=200&expand=post", false},
			readPath{"users expand back", "/api/collections/users/records?expand=posts_via_author", false},
			readPath{"blog comments route", "/api/blog/posts/" + id + "/comments", false})
	case "postContents":
		paths = append(paths,
			readPath{"posts expand contents", "/api/collections/posts/records?perPage=200&expand=postContents_via_post", false},
			readPath{"post view expand", "/api/collections/posts/records/" + fx.alicePaid + "?expand=postContents_via_post", false},
			readPath{"draft view expand", "/api/collections/posts/records/" + fx.aliceDraft + "?expand=postContents_via_post", false},
			readPath{"comments expand deep", "/api/collections/comments/records?perPage=200&expand=" + urlQuery("post.postContents_via_post"), false},
			readPath{"orders expand deep", "/api/collections/orders/records?expand=" + urlQuery("post.postContents_via_post"), false},
			readPath{"posts expand content", "/api/collections/posts/records?perPage=200&expand=content", false},
			readPath{"post view expand content", "/api/collections/posts/records/" + fx.alicePaid + "?expand=content", false},
			readPath{"draft view expand content", "/api/collections/posts/records/" + fx.aliceDraft + "?expand=content", false},
			readPath{"comments expand post content", "/api/collections/comments/records?perPage=200&expand=" + urlQuery("post.content"), false},
			readPath{"blog post route", "/api/blog/posts/" + fx.alicePaid, false},
			readPath{"blog draft route", "/api/blog/posts/" + fx.aliceDraft, false})
	case "comments":
		paths = append(paths,
			readPath{"posts expand comments", "/api/collections/posts/records?perPage=200&expand=comments_via_post", false},
			readPath{"replies expand parent", "/api/collections/comments/records?perPage=200&expand=parent", false},
			readPath{"blog threads", "/api/blog/posts/" + fx.aliceDraft + "/comments", false})
	case "users":
		paths = []readPath{ // alice's profile is public; the marker is her phone
			{"view", base + "/" + id, false},
			{"list", base + "?perPage=200", false},
			{"posts expand author", "/api/collections/posts/records?expand=author", false},
			{"comments expand author", "/api/collections/comments/records?expand=author", false},
			{"blog listing", "/api/blog/posts", false},
			{"blog me", "/api/blog/me", false},
		}
	case "orders":
		paths = append(paths,
			readPath{"posts expand orders", "/api/collections/posts/records/" + fx.alicePaid + "?expand=orders_via_post", false},
			readPath{"users expand orders", "/api/collections/users/records?expand=orders_via_buyer", false})
	}
	return paths
}

type filterProbe struct {
	name, target, leak string
	allowed            []string // who may legitimately get the leak text
}

// filterProbes try to learn hidden values through filters and sorts: a 400
// or an answer without the leak passes.
func filterProbes(w *matrixWorld) []filterProbe {
	users := "/api/collections/users/records"
	posts := "/api/collections/posts/records"
	return []filterProbe{
		{"phone of users", users + "?filter=" + urlQuery(`phone~"138"`), fx.aliceId, nil},
		{"email of users", users + "?filter=" + urlQuery(`email~"alice@"`), fx.aliceId, []string{"alice"}},
		{"sort by phone", users + "?sort=phone", "+86", nil},
		{"draft through back-relation", users + "?filter=" + urlQuery(`posts_via_author.title~"secret"`), fx.aliceId, nil},
		{"paid body through back-relation", posts + "?filter=" + urlQuery(`postContents_via_post.body~"paid body"`), fx.alicePaid, nil},
		{"paid body through the content relation", posts + "?filter=" + urlQuery(`content.body~"paid body"`), fx.alicePaid, nil},
		{"paid body through contents", "/api/collections/postContents/records?filter=" + urlQuery(`body~"paid body"`), fx.alicePaidContent, []string{"alice", "bob"}},
		{"draft comment by post", "/api/collections/comments/records?filter=" + urlQuery(`post.title~"secret"`), fx.commentOnDraft, []string{"alice"}},
		{"orders by buyer", "/api/collections/orders/records?filter=" + urlQuery(`buyer="`+fx.bobId+`"`), w.ids["order"], []string{"alice", "bob"}},
		{"orders through posts", posts + "?filter=" + urlQuery(`orders_via_post.status="paid"`), fx.alicePaid, nil},
		{"@collection", posts + "?filter=" + urlQuery(`@collection.orders.status="paid"`), fx.alicePaid, nil},
		{"hidden payUrl", "/api/collections/orders/records?filter=" + urlQuery(`payUrl=""`), w.ids["order"], nil},
	}
}

// realtimeMatrix subscribes every actor to every collection of the blog,
// then changes each private record: only its readers may hear of it.
func realtimeMatrix(t *testing.T, fail func(string, ...any), count func()) {
	w := newMatrixWorld(t)
	defer w.app.Cleanup()
	if _, err := apis.NewRouter(w.app); err != nil {
		t.Fatal(err)
	}
	records := map[string]*core.Record{}
	for _, name := range []string{"alice", "bob", "carol"} {
		id := map[string]string{"alice": fx.aliceId, "bob": fx.bobId, "carol": w.ids["carol"]}[name]
		r, err := w.app.FindRecordById("users", id)
		if err != nil {
			t.Fatal(err)
		}
		records[name] = r
	}
	su, err := w.app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	records["superuser"] = su

	type heard struct {
		sync.Mutex
		messages []string
	}
	ears := map[string]*heard{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, actor := range []string{"guest", "alice", "bob", "carol", "superuser"} {
		client := subscriptions.NewDefaultClient()
		if r := records[actor]; r != nil {
			client.Set(apis.RealtimeClientAuthKey, r)
		}
		client.Subscribe("posts/*", "postContents/*", "comments/*", "orders/*", "users/*", "paymentEvents/*",
			"posts/*?options="+urlQuery(`{"query":{"expand":"content"}}`))
		w.app.SubscriptionsBroker().Register(client)
		e := &heard{}
		ears[actor] = e
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case msg := <-client.Channel():
					e.Lock()
					e.messages = append(e.messages, string(msg.Data))
					e.Unlock()
				case <-stop:
					return
				}
			}
		}()
	}

	for _, r := range matrixRecords() {
		if r.collection == "users" {
			continue // public profile: everyone hears its public fields
		}
		record, err := w.app.FindRecordById(r.collection, r.id(w))
		if err != nil {
			t.Fatal(err)
		}
		record.Set("updated", time.Now()) // any save broadcasts the record
		if err := w.app.Save(record); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()

	for _, r := range matrixRecords() {
		if r.collection == "users" {
			continue
		}
		for actor, e := range ears {
			count()
			got := slices.ContainsFunc(e.messages, func(m string) bool { return strings.Contains(m, r.marker) })
			allowed := slices.Contains(r.readers, actor)
			if got && !allowed {
				fail("LEAK realtime %s %q heard by %s", r.collection, r.marker, actor)
			}
			if !got && allowed {
				fail("realtime %s %q not heard by %s, who may read it", r.collection, r.marker, actor)
			}
		}
	}
	// the phone never goes out, even to alice's own subscription
	for actor, e := range ears {
		count()
		if actor != "superuser" && slices.ContainsFunc(e.messages, func(m string) bool { return strings.Contains(m, "13812345678") }) {
			fail("LEAK realtime phone heard by %s", actor)
		}
	}
}
