package hooks_test

import (
	"bufio"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
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

// commentsTopic is the topic the JS SDK sends for
// pb.collection('comments').subscribe('*', cb, options).
func commentsTopic(query string) string {
	if query == "" {
		return "comments/*"
	}
	return "comments/*?options=" + urlQuery(`{"query":`+query+`}`)
}

// listener is a realtime client registered with the app's broker, with
// the messages it received.
type listener struct {
	client subscriptions.Client
	mu     sync.Mutex
	heard  []subscriptions.Message
	stop   chan struct{}
}

func listen(t *testing.T, app *tests.TestApp) *listener {
	t.Helper()
	l := &listener{client: subscriptions.NewDefaultClient(), stop: make(chan struct{})}
	app.SubscriptionsBroker().Register(l.client)
	go func() {
		for {
			select {
			case msg := <-l.client.Channel():
				l.mu.Lock()
				l.heard = append(l.heard, msg)
				l.mu.Unlock()
			case <-l.stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(l.stop) })
	return l
}

// subscribe sets the listener's subscriptions through POST /api/realtime,
// as the SDK does, with token's identity ("" for a guest).
func (l *listener) subscribe(t *testing.T, h http.Handler, token string, topics ...string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"clientId": l.client.Id(), "subscriptions": topics})
	expectCode(t, send(t, h, http.MethodPost, "/api/realtime", string(body), token), 204)
}

// take returns and forgets what the listener heard, after a quiet spell
// in which a late or leaked message would still arrive.
func (l *listener) take() map[string][]string {
	time.Sleep(300 * time.Millisecond)
	l.mu.Lock()
	defer l.mu.Unlock()
	got := map[string][]string{}
	for _, msg := range l.heard {
		got[msg.Name] = append(got[msg.Name], string(msg.Data))
	}
	l.heard = nil
	return got
}

// TestLiveCommentsFeed subscribes a guest, the post's author, another
// user and a superuser to the comments in the documented shapes (a post's
// comments with and without the author expanded, every comment) and in
// another shape, and checks who hears which change: each subscription
// exactly the changes of its post its subscriber may read, with the
// message PocketBase itself would have sent.
func TestLiveCommentsFeed(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	onBobs := commentsTopic(`{"filter":"post = \"` + fx.bobPublished + `\"","expand":"author"}`)
	onDraft := commentsTopic(`{"filter":"post = '` + fx.aliceDraft + `'"}`)
	everything := commentsTopic("")
	otherShape := commentsTopic(`{"filter":"post = \"` + fx.bobPublished + `\"","fields":"id,body"}`)
	topics := []string{onBobs, onDraft, everything, otherShape}

	tokens := map[string]string{"guest": "", "alice": fx.aliceToken, "bob": fx.bobToken, "superuser": fx.superuserToken}
	actors := map[string]*listener{}
	for name, token := range tokens {
		actors[name] = listen(t, app)
		actors[name].subscribe(t, h, token, topics...)
	}
	// the same subscription made the way PocketBase decides it, per
	// subscriber: its messages are the reference
	reference := listen(t, app)
	reference.client.Subscribe(onBobs)

	// the feed took the documented shapes, PocketBase kept the rest; a
	// superuser's stay PocketBase's
	for name, l := range actors {
		want := []string{otherShape}
		if name == "superuser" {
			want = topics
		}
		got := slices.Sorted(maps.Keys(l.client.Subscriptions()))
		if slices.Sort(want); !slices.Equal(got, want) {
			t.Errorf("%s: PocketBase holds %q, want %q", name, got, want)
		}
	}

	bob, err := app.FindRecordById("users", fx.bobId)
	if err != nil {
		t.Fatal(err)
	}
	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		t.Fatal(err)
	}

	// 1. a comment on a published post: everybody hears it, on the topics
	// of that post and of every post
	comment := core.NewRecord(comments)
	comment.Set("post", fx.bobPublished)
	comment.Set("author", bob.Id)
	comment.Set("body", "Heard by everyone")
	if err := app.Save(comment); err != nil {
		t.Fatal(err)
	}
	refHeard := reference.take()[onBobs]
	if len(refHeard) != 1 {
		t.Fatalf("PocketBase's own subscription heard %d messages", len(refHeard))
	}
	for name, l := range actors {
		got := l.take()
		if len(got[onBobs]) != 1 || len(got[everything]) != 1 || len(got[otherShape]) != 1 || len(got[onDraft]) != 0 {
			t.Fatalf("%s heard %v", name, got)
		}
		// (bob wrote it: he sees his email, see TestLiveCommentsFeedFollowsBatches)
		if name != "superuser" && name != "bob" && got[onBobs][0] != refHeard[0] {
			t.Errorf("%s heard\n%s\nwhere PocketBase sends\n%s", name, got[onBobs][0], refHeard[0])
		}
		var msg struct {
			Action string
			Record struct {
				Body   string
				Expand struct{ Author map[string]any }
			}
		}
		if err := json.Unmarshal([]byte(got[onBobs][0]), &msg); err != nil {
			t.Fatal(err)
		}
		author := msg.Record.Expand.Author
		if msg.Action != "create" || msg.Record.Body != "Heard by everyone" || author["username"] != bob.GetString("username") {
			t.Errorf("%s heard %s", name, got[onBobs][0])
		}
		if _, shown := author["phone"]; shown && name != "superuser" {
			t.Errorf("%s heard the author's phone: %s", name, got[onBobs][0])
		}
		if strings.Contains(got[everything][0], `"expand"`) {
			t.Errorf("%s heard an expand it did not ask for: %s", name, got[everything][0])
		}
	}

	// 2. a comment on a draft: its author and the superuser only
	draftComment, err := app.FindRecordById("comments", fx.commentOnDraft)
	if err != nil {
		t.Fatal(err)
	}
	draftComment.Set("body", "Still a secret")
	if err := app.Save(draftComment); err != nil {
		t.Fatal(err)
	}
	for name, l := range actors {
		got := l.take()
		hears := name == "alice" || name == "superuser"
		if heard := len(got[onDraft]) == 1 && len(got[everything]) == 1; heard != hears || len(got[onBobs])+len(got[otherShape]) != 0 {
			t.Errorf("draft comment: %s heard %v", name, got)
		}
	}

	// 3. the post taken back to draft: its comments' changes reach its
	// author (and the superuser) only, deletes included
	post, err := app.FindRecordById("posts", fx.bobPublished)
	if err != nil {
		t.Fatal(err)
	}
	post.Set("status", "draft")
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}
	comment.Set("body", "Now private")
	if err := app.Save(comment); err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(comment); err != nil {
		t.Fatal(err)
	}
	for name, l := range actors {
		got := l.take()
		hears := name == "bob" || name == "superuser"
		for _, topic := range []string{onBobs, everything, otherShape} {
			want := 0
			if hears {
				want = 2
			}
			if len(got[topic]) != want {
				t.Errorf("unpublished post: %s heard %d messages on %s, want %d", name, len(got[topic]), topic, want)
			}
		}
		if hears && !strings.Contains(strings.Join(got[onBobs], ""), `"action":"delete"`) {
			t.Errorf("%s did not hear the delete: %v", name, got[onBobs])
		}
	}

	// 4. an unsubscribe (the SDK sends the remaining topics) and a
	// disconnect leave the feed
	guest := actors["guest"]
	guest.subscribe(t, h, "", otherShape)
	post.Set("status", "published")
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}
	again := core.NewRecord(comments)
	again.Set("post", fx.bobPublished)
	again.Set("author", bob.Id)
	again.Set("body", "After the unsubscribe")
	if err := app.Save(again); err != nil {
		t.Fatal(err)
	}
	if got := guest.take(); len(got) != 1 || len(got[otherShape]) != 1 {
		t.Errorf("after unsubscribing from the feed the guest heard %v", got)
	}

	// 5. the post taken back to draft by another process (the sqlite3
	// shell): the feed, which remembers posts, forgets within a poll
	bobs := actors["bob"]
	bobs.take()
	actors["alice"].take()
	updateFromOutside(t, app, "posts", dbx.Params{"status": "draft"}, dbx.HashExp{"id": fx.bobPublished})
	time.Sleep(300 * time.Millisecond)
	again.Set("body", "Said after the shell unpublished it")
	if err := app.Save(again); err != nil {
		t.Fatal(err)
	}
	if got := actors["alice"].take(); len(got[onBobs])+len(got[everything]) != 0 {
		t.Errorf("after an unpublish from outside, alice heard %v", got)
	}
	if got := bobs.take(); len(got[onBobs]) != 1 {
		t.Errorf("after an unpublish from outside, the author heard %v", got)
	}
}

// TestLiveCommentsFeedHandsBackOnRuleChange changes the comments list rule
// as a superuser could in the dashboard: the feed's subscriptions go back
// to PocketBase, which decides them by the new rule.
func TestLiveCommentsFeedHandsBackOnRuleChange(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	topic := commentsTopic(`{"filter":"post = \"` + fx.bobPublished + `\""}`)
	guest := listen(t, app)
	guest.subscribe(t, h, "", topic)
	if len(guest.client.Subscriptions()) != 0 {
		t.Fatal("the feed did not take the documented subscription")
	}

	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		t.Fatal(err)
	}
	signedIn := `@request.auth.id != ""`
	comments.ListRule = &signedIn
	if err := app.Save(comments); err != nil {
		t.Fatal(err)
	}
	if !guest.client.HasSubscription(topic) {
		t.Fatal("the subscription was not handed back to PocketBase")
	}

	comment := core.NewRecord(comments)
	comment.Set("post", fx.bobPublished)
	comment.Set("author", fx.bobId)
	comment.Set("body", "Only for the signed in now")
	if err := app.Save(comment); err != nil {
		t.Fatal(err)
	}
	if got := guest.take(); len(got) != 0 {
		t.Errorf("a guest heard a comment the new rule hides: %v", got)
	}

	// new subscriptions stay PocketBase's while the rule differs
	bob := listen(t, app)
	bob.subscribe(t, h, fx.bobToken, topic)
	if !bob.client.HasSubscription(topic) {
		t.Fatal("the feed took a subscription under a rule it does not know")
	}
}

// TestIdleGuestsLeaveTheBroker connects through /api/realtime as the SDK
// does: a guest whose only subscription is the feed's is parked out of
// PocketBase's broker and still hears its post's comments; subscribing
// again brings it back while PocketBase handles the request; a guest with
// another subscription, or a signed-in reader, stays in the broker.
func TestIdleGuestsLeaveTheBroker(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	server := httptest.NewServer(serve(t, app))
	defer server.Close()

	connect := func() (string, *bufio.Reader, func()) {
		t.Helper()
		res, err := http.Get(server.URL + "/api/realtime")
		if err != nil {
			t.Fatal(err)
		}
		events := bufio.NewReader(res.Body)
		data := readSSEData(t, events)
		var hello struct{ ClientId string }
		if err := json.Unmarshal([]byte(data), &hello); err != nil || hello.ClientId == "" {
			t.Fatalf("PB_CONNECT: %q", data)
		}
		return hello.ClientId, events, func() { res.Body.Close() }
	}
	subscribe := func(clientId, token string, topics ...string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"clientId": clientId, "subscriptions": topics})
		req, _ := http.NewRequest(http.MethodPost, server.URL+"/api/realtime", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("subscribing answered %d", res.StatusCode)
		}
	}
	inBroker := func(clientId string) bool {
		_, err := app.SubscriptionsBroker().ClientById(clientId)
		return err == nil
	}

	feedTopic := commentsTopic(`{"filter":"post = '` + fx.bobPublished + `'","expand":"author"}`)
	reader, events, hangUp := connect()
	defer hangUp()
	subscribe(reader, "", feedTopic, "PB_CONNECT")
	if inBroker(reader) {
		t.Fatal("a guest listening only to the feed stayed in the broker")
	}
	newComment(t, app, fx.bobPublished, fx.aliceId, "Parked readers hear this")
	if data := readSSEData(t, events); !strings.Contains(data, "Parked readers hear this") {
		t.Fatalf("the parked reader heard %q", data)
	}

	// a new subscription of PocketBase's: back in the broker, for good
	subscribe(reader, "", feedTopic, "posts/*")
	if !inBroker(reader) {
		t.Fatal("a guest with a subscription of PocketBase's was left out of the broker")
	}

	// a signed-in reader stays with PocketBase, which keeps its identity
	member, _, hangUpMember := connect()
	defer hangUpMember()
	subscribe(member, fx.bobToken, feedTopic)
	if !inBroker(member) {
		t.Fatal("a signed-in reader was parked")
	}
}

// readSSEData reads the next server-sent event's data.
func readSSEData(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		var data strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				done <- data.String()
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" && data.Len() > 0 {
				done <- data.String()
				return
			}
			if after, ok := strings.CutPrefix(line, "data:"); ok {
				data.WriteString(after)
			}
		}
	}()
	select {
	case data := <-done:
		return data
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
		return ""
	}
}

// TestLiveCommentsFeedFollowsBatches: a batch that changes a comment and
// then its author or its post is heard as PocketBase decides it, after
// the whole batch: with the author's new byline, and not at all once the
// post went back to draft. The author hears their own comment with their
// email in expand.author, as PocketBase shows an owner their record.
func TestLiveCommentsFeedFollowsBatches(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	topic := commentsTopic(`{"filter":"post = \"` + fx.bobPublished + `\"","expand":"author"}`)
	guest := listen(t, app)
	guest.subscribe(t, h, "", topic)
	alice := listen(t, app)
	alice.subscribe(t, h, fx.aliceToken, topic)
	// the same subscriptions decided by PocketBase
	referenceGuest := listen(t, app)
	referenceGuest.client.Subscribe(topic)
	referenceAlice := listen(t, app)
	aliceRecord, err := app.FindRecordById("users", fx.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	referenceAlice.client.Set(apis.RealtimeClientAuthKey, aliceRecord)
	referenceAlice.client.Subscribe(topic)

	same := func(step string, got, want *listener) {
		t.Helper()
		g, w := got.take()[topic], want.take()[topic]
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: heard\n%v\nwhere PocketBase sends\n%v", step, g, w)
		}
	}
	batch := func(token string, requests ...map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"requests": requests})
		expectCode(t, send(t, h, http.MethodPost, "/api/batch", string(body), token), 200)
	}

	// bob's byline is remembered from a first comment, then changed in
	// the batch that edits his comment
	expectCode(t, send(t, h, http.MethodPatch, "/api/collections/comments/records/"+fx.commentReply1, `{"body":"warm"}`, fx.bobToken), 200)
	same("a first edit", guest, referenceGuest)
	batch(fx.bobToken,
		map[string]any{"method": "PATCH", "url": "/api/collections/comments/records/" + fx.commentReply1, "body": map[string]any{"body": "renamed in the same batch"}},
		map[string]any{"method": "PATCH", "url": "/api/collections/users/records/" + fx.bobId, "body": map[string]any{"name": "Robert", "emailVisibility": true}},
	)
	same("an edit batched with a new byline", guest, referenceGuest)

	// alice hears her own comment with her email, like PocketBase shows it
	expectCode(t, send(t, h, http.MethodPatch, "/api/collections/comments/records/"+fx.commentTop1, `{"body":"mine"}`, fx.aliceToken), 200)
	same("alice's own comment", alice, referenceAlice)
	referenceGuest.take()
	guest.take()

	// an edit batched with the post going back to draft: nobody but its
	// author may hear it
	batch(fx.bobToken,
		map[string]any{"method": "PATCH", "url": "/api/collections/comments/records/" + fx.commentReply1, "body": map[string]any{"body": "said, then hidden"}},
		map[string]any{"method": "PATCH", "url": "/api/collections/posts/records/" + fx.bobPublished, "body": map[string]any{"status": "draft"}},
	)
	if got := guest.take(); len(got) != 0 {
		t.Errorf("a guest heard a comment of a post that went back to draft in the same batch: %v", got)
	}
}
