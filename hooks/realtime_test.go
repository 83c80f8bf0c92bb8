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

	const marker = "everyone hears this"
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
			timeout := time.After(10 * time.Second)
			for {
				select {
				case msg := <-client.Channel():
					mu.Lock()
					received[name] = append(received[name], string(msg.Data))
					mu.Unlock()
					// broadcasts arrive in save order, so the marker is the last
					if strings.Contains(string(msg.Data), marker) {
						return
					}
				case <-timeout:
					t.Errorf("%s never received the public marker", name)
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

	heard := func(name, text string) bool {
		for _, m := range received[name] {
			if strings.Contains(m, text) {
				return true
			}
		}
		return false
	}
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
