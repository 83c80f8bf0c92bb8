package hooks

import (
	"bytes"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// TestJoinedMessagesReadAsTheirEvents: a joined message written as a
// server-sent event is, byte for byte, its messages written one by one,
// as PocketBase writes them (Message.WriteSSE). It fails if PocketBase
// changes how it writes an event.
func TestJoinedMessagesReadAsTheirEvents(t *testing.T) {
	t.Parallel()
	msgs := []subscriptions.Message{
		{Name: `comments/*?options=%7B%22query%22%3A%7B%7D%7D`, Data: []byte(`{"record":{"id":"a"},"action":"create"}`)},
		{Name: "comments/*", Data: []byte(`{"record":{"id":"b"},"action":"update"}`)},
		{Name: "comments/*", Data: []byte(`{"record":{"id":"c","body":"two\\nlines"},"action":"delete"}`)},
	}
	for n := 1; n <= len(msgs); n++ {
		var want, got bytes.Buffer
		for _, m := range msgs[:n] {
			if err := m.WriteSSE(&want, "client1"); err != nil {
				t.Fatal(err)
			}
		}
		joined := joinMessages("client1", msgs[:n])
		if err := joined.WriteSSE(&got, "client1"); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("%d messages joined write\n%q\nwhere one by one they write\n%q", n, got.String(), want.String())
		}
	}
}

// TestRealtimeClientSubscriptions: the quick answer is the default
// client's answer, through subscribes and unsubscribes.
func TestRealtimeClientSubscriptions(t *testing.T) {
	t.Parallel()
	reference := subscriptions.NewDefaultClient()
	c := &realtimeClient{DefaultClient: subscriptions.NewDefaultClient()}
	prefixes := [][]string{
		nil, {"comments/*?"}, {"comments?"}, {"posts/abc?"}, {"PB_CONNECT?"},
		{"comments/*?", "posts/*?"}, {"orders/"}, {""},
	}
	compare := func(step string) {
		t.Helper()
		for _, p := range prefixes {
			want, got := reference.Subscriptions(p...), c.Subscriptions(p...)
			if len(want) != len(got) || !maps.EqualFunc(want, got, func(a, b subscriptions.SubscriptionOptions) bool {
				return fmt.Sprint(a) == fmt.Sprint(b)
			}) {
				t.Fatalf("after %s, prefixes %q: %v, the default client %v", step, p, got, want)
			}
		}
	}
	steps := []struct {
		name string
		do   func(subscriptions.Client)
	}{
		{"nothing", func(subscriptions.Client) {}},
		{"subscribing", func(x subscriptions.Client) {
			x.Subscribe("PB_CONNECT", "comments/*", "posts/abc?options="+`{"query":{"expand":"author"}}`, "", "comments/*")
		}},
		{"unsubscribing one", func(x subscriptions.Client) { x.Unsubscribe("comments/*") }},
		{"subscribing again", func(x subscriptions.Client) { x.Subscribe("comments?x=1", "orders/1") }},
		{"unsubscribing all", func(x subscriptions.Client) { x.Unsubscribe() }},
	}
	for _, s := range steps {
		s.do(reference)
		s.do(c)
		compare(s.name)
	}
}

// TestRealtimeClientDeliversInOrder: queued messages reach the connection
// in order, joined while it is busy; a reader too far behind is
// disconnected.
func TestRealtimeClientDeliversInOrder(t *testing.T) {
	t.Parallel()
	c := &realtimeClient{DefaultClient: subscriptions.NewDefaultClient()}
	const n = 500
	for i := 0; i < n; i++ {
		c.deliver(subscriptions.Message{Name: "t", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	var stream bytes.Buffer
	deadline := time.After(5 * time.Second)
	for strings.Count(stream.String(), "\n\n") < n {
		select {
		case msg := <-c.Channel():
			msg.WriteSSE(&stream, c.Id())
		case <-deadline:
			t.Fatalf("%d of %d events arrived", strings.Count(stream.String(), "\n\n"), n)
		}
	}
	events := strings.Split(strings.TrimSuffix(stream.String(), "\n\n"), "\n\n")
	for i, e := range events {
		if !strings.HasSuffix(e, fmt.Sprintf(`data:{"n":%d}`, i)) {
			t.Fatalf("event %d is %q", i, e)
		}
	}

	// nobody reads: past maxQueuedBytes the client is discarded
	big := subscriptions.Message{Name: "t", Data: bytes.Repeat([]byte("x"), 64<<10)}
	for i := 0; i < 8 && !c.IsDiscarded(); i++ {
		c.deliver(big)
	}
	if !c.IsDiscarded() {
		t.Fatal("a reader far behind was not disconnected")
	}
}
