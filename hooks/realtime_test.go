package hooks_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// TestRealtimeKeepsDraftsAndPaidBodiesPrivate subscribes a guest, the
// author, another user and a superuser to posts and postContents through
// PocketBase's realtime broker, then changes a draft and a paid body: only
// the author and the superuser may hear of them.
func TestRealtimeKeepsDraftsAndPaidBodiesPrivate(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	if _, err := apis.NewRouter(app); err != nil { // binds the realtime broadcasts
		t.Fatal(err)
	}

	actors := map[string]*core.Record{"guest": nil}
	for name, id := range map[string]string{"alice": fx.aliceId, "bob": fx.bobId} {
		r, err := app.FindRecordById("users", id)
		if err != nil {
			t.Fatal(err)
		}
		actors[name] = r
	}
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	actors["superuser"] = su

	// Broadcasts reach each client in no fixed order, so every client
	// listens until it has what it may see (the public marker, and for
	// alice and the superuser the two private changes) and then for a
	// quiet spell, in which a leaked message would still arrive.
	const marker = "everyone hears this"
	const quiet = 300 * time.Millisecond
	expected := map[string][]string{
		"guest": {marker}, "bob": {marker},
		"alice": {marker, "retitled", "paid body, revised"}, "superuser": {marker, "retitled", "paid body, revised"},
	}
	received := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, authRecord := range actors {
		client := subscriptions.NewDefaultClient()
		if authRecord != nil {
			client.Set(apis.RealtimeClientAuthKey, authRecord)
		}
		client.Subscribe("posts/*", "postContents/*?options="+urlQuery(`{"query":{"expand":"post"}}`))
		app.SubscriptionsBroker().Register(client)

		wg.Add(1)
		go func(name string, client subscriptions.Client) {
			defer wg.Done()
			deadline := time.After(10 * time.Second)
			var quietSpell <-chan time.Time
			for {
				select {
				case msg := <-client.Channel():
					mu.Lock()
					received[name] = append(received[name], string(msg.Data))
					complete := true
					for _, want := range expected[name] {
						if !containsAny(received[name], want) {
							complete = false
						}
					}
					mu.Unlock()
					if complete && quietSpell == nil {
						quietSpell = time.After(quiet)
					}
				case <-quietSpell:
					return
				case <-deadline:
					t.Errorf("%s did not receive all of %v", name, expected[name])
					return
				}
			}
		}(name, client)
	}

	draft, err := app.FindRecordById("posts", fx.aliceDraft)
	if err != nil {
		t.Fatal(err)
	}
	draft.Set("title", "Alice draft retitled")
	if err := app.Save(draft); err != nil {
		t.Fatal(err)
	}

	paid, err := app.FindRecordById("postContents", fx.alicePaidContent)
	if err != nil {
		t.Fatal(err)
	}
	paid.Set("body", "<p>alice paid body, revised</p>")
	if err := app.Save(paid); err != nil {
		t.Fatal(err)
	}

	public, err := app.FindRecordById("posts", fx.bobPublished)
	if err != nil {
		t.Fatal(err)
	}
	public.Set("title", marker)
	if err := app.Save(public); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	heard := func(name, text string) bool { return containsAny(received[name], text) }
	for _, name := range []string{"guest", "bob"} {
		if heard(name, "retitled") || heard(name, fx.aliceDraft) {
			t.Errorf("%s heard of another user's draft: %v", name, received[name])
		}
		if heard(name, "paid body") {
			t.Errorf("%s heard a paid body: %v", name, received[name])
		}
	}
	for _, name := range []string{"alice", "superuser"} {
		if !heard(name, "retitled") || !heard(name, "paid body, revised") {
			t.Errorf("%s missed a change it may see: %v", name, received[name])
		}
	}
}

func containsAny(messages []string, text string) bool {
	for _, m := range messages {
		if strings.Contains(m, text) {
			return true
		}
	}
	return false
}
