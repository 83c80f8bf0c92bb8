package hooks

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// realtimeClient is the client of every realtime connection: PocketBase's
// own, with what a blog with a thousand readers on a post needs.
//
//   - PocketBase's broadcaster asks every client, for every record saved
//     in any collection, for its subscriptions under six prefixes; the
//     default client allocates a map for each answer, even an empty one.
//     Here a client without a matching subscription answers nil at no
//     cost (a third of the server's time went there with 1,000 readers).
//   - The comments feed queues its messages per client (deliver): one
//     goroutine per client at a time, in order, and what queued up while
//     the connection was writing goes out in one write, where PocketBase
//     starts a goroutine and makes a write per message. A reader too slow
//     to take its messages (more than maxQueuedBytes behind) is
//     disconnected: the SDK reconnects and the web app reads the threads
//     again.
type realtimeClient struct {
	*subscriptions.DefaultClient

	topicsMu sync.Mutex               // serializes changes of topics
	topics   atomic.Pointer[[]string] // as subscribed, read without a lock by Subscriptions

	queueMu  sync.Mutex
	queue    []subscriptions.Message
	queued   int // bytes
	draining bool
	lastSent time.Time // by the one drain goroutine
}

// joinWindow is the shortest time between two writes of the comments feed
// to one connection.
const joinWindow = 25 * time.Millisecond

// maxQueuedBytes is how far behind a reader may fall before it is
// disconnected: a few hundred comments.
const maxQueuedBytes = 256 << 10

// bindRealtimeClients gives every realtime connection a realtimeClient,
// before PocketBase registers it.
func bindRealtimeClients(app core.App) {
	app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		if c, ok := e.Client.(*subscriptions.DefaultClient); ok {
			e.Client = &realtimeClient{DefaultClient: c}
		}
		return e.Next()
	})
}

func (c *realtimeClient) Subscribe(subs ...string) {
	c.topicsMu.Lock()
	defer c.topicsMu.Unlock()
	c.DefaultClient.Subscribe(subs...)
	topics := c.topicList()
	for _, s := range subs {
		if s != "" && !slices.Contains(topics, s) {
			topics = append(topics, s)
		}
	}
	c.topics.Store(&topics)
}

func (c *realtimeClient) Unsubscribe(subs ...string) {
	c.topicsMu.Lock()
	defer c.topicsMu.Unlock()
	c.DefaultClient.Unsubscribe(subs...)
	var topics []string
	if len(subs) > 0 {
		topics = slices.DeleteFunc(c.topicList(), func(t string) bool { return slices.Contains(subs, t) })
	}
	c.topics.Store(&topics)
}

// topicList is a copy of the topics, to change and store.
func (c *realtimeClient) topicList() []string {
	if p := c.topics.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}

// Subscriptions answers as the default client does, and nil without a
// lock or an allocation when no subscription matches prefixes: the
// broadcaster asks every client six times per record saved.
func (c *realtimeClient) Subscriptions(prefixes ...string) map[string]subscriptions.SubscriptionOptions {
	if len(prefixes) > 0 && !c.matches(prefixes) {
		return nil
	}
	return c.DefaultClient.Subscriptions(prefixes...)
}

func (c *realtimeClient) matches(prefixes []string) bool {
	p := c.topics.Load()
	if p == nil {
		return false
	}
	for _, t := range *p {
		for _, prefix := range prefixes {
			if topicHasPrefix(t, prefix) {
				return true
			}
		}
	}
	return false
}

// deliver queues msg for the connection, in order.
func (c *realtimeClient) deliver(msg subscriptions.Message) {
	c.queueMu.Lock()
	c.queue = append(c.queue, msg)
	c.queued += len(msg.Name) + len(msg.Data)
	if c.queued > maxQueuedBytes {
		c.queue, c.queued = nil, 0
		c.queueMu.Unlock()
		c.Discard() // too far behind: the connection ends
		return
	}
	if c.draining {
		c.queueMu.Unlock()
		return
	}
	c.draining = true
	c.queueMu.Unlock()
	go c.drain()
}

// drain hands the queue to the connection until it is empty; while the
// connection writes one batch, the next one queues. A busy stream is
// written at most once per joinWindow: a reader of a post that gets a
// hundred comments a second costs a few writes a second, not a hundred.
// A message after a quiet spell goes at once.
func (c *realtimeClient) drain() {
	for {
		if wait := joinWindow - time.Since(c.lastSent); wait > 0 {
			time.Sleep(wait)
		}
		c.queueMu.Lock()
		batch := c.queue
		c.queue, c.queued = nil, 0
		if len(batch) == 0 || c.IsDiscarded() {
			c.draining = false
			c.queueMu.Unlock()
			return
		}
		c.queueMu.Unlock()
		c.Send(joinMessages(c.Id(), batch))
		c.lastSent = time.Now()
	}
}

// joinMessages makes one message of several, whose server-sent event text
// (Message.WriteSSE: id, event and data lines, then a blank line) is that
// of each in turn: the first one's data goes on with the other events.
// Record data is JSON, which holds no line break.
func joinMessages(clientId string, msgs []subscriptions.Message) subscriptions.Message {
	if len(msgs) == 1 {
		return msgs[0]
	}
	var data bytes.Buffer
	data.Write(msgs[0].Data)
	for _, m := range msgs[1:] {
		data.WriteString("\n\nid:" + clientId + "\nevent:" + m.Name + "\ndata:")
		data.Write(m.Data)
	}
	return subscriptions.Message{Name: msgs[0].Name, Data: data.Bytes()}
}

// topicHasPrefix is strings.HasPrefix(topic+"?", prefix), the default
// client's test, without building the string.
func topicHasPrefix(topic, prefix string) bool {
	if len(prefix) <= len(topic) {
		return strings.HasPrefix(topic, prefix)
	}
	return len(prefix) == len(topic)+1 && prefix[len(topic)] == '?' && strings.HasPrefix(prefix, topic)
}
