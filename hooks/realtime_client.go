package hooks

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/apis"
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
//   - A guest whose subscriptions are all the feed's is parked out of
//     PocketBase's broker (parkIfIdleGuest), so that the broadcaster's
//     visit of every client for every record saved skips the readers it
//     has nothing to send.
type realtimeClient struct {
	*subscriptions.DefaultClient

	topicsMu sync.Mutex               // serializes changes of topics
	topics   atomic.Pointer[[]string] // as subscribed, read without a lock by Subscriptions

	changing      sync.Mutex // held through each POST /api/realtime of the client
	parkMu        sync.Mutex
	parked        bool        // out of PocketBase's broker (parkIfIdleGuest)
	hangUp        func()      // ends the connection's write at once
	unregistering atomic.Bool // being parked: the broker's Discard does nothing

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

// realtimeWriteTimeout bounds one write of a realtime message.
const realtimeWriteTimeout = time.Minute

// bindRealtimeClients gives every realtime connection a realtimeClient,
// before PocketBase registers it, and parks the guests that hold no
// subscription of PocketBase's (see parkIdleGuest).
func bindRealtimeClients(app core.App) {
	connected := &realtimeClients{byId: map[string]*realtimeClient{}}

	app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		c, ok := e.Client.(*subscriptions.DefaultClient)
		if !ok {
			return e.Next()
		}
		client := &realtimeClient{DefaultClient: c}
		client.hangUp = func() {
			http.NewResponseController(e.Response).SetWriteDeadline(time.Now())
		}
		e.Client = client
		connected.add(client)
		defer func() {
			connected.remove(client)
			client.DefaultClient.Discard() // a parked client is not in the broker to be discarded by it
		}()
		return e.Next()
	})

	// a reader that stops reading blocks its connection's write; past
	// realtimeWriteTimeout the write fails and the connection ends, where
	// PocketBase, which lifts the write deadline of realtime connections,
	// would wait for the socket forever
	app.OnRealtimeMessageSend().BindFunc(func(e *core.RealtimeMessageEvent) error {
		http.NewResponseController(e.Response).SetWriteDeadline(time.Now().Add(realtimeWriteTimeout))
		return e.Next()
	})

	// a parked client is back in the broker while it changes its
	// subscriptions (PocketBase finds it there), and parked again after
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(func(e *core.RequestEvent) error {
			if e.Request.Method != http.MethodPost || e.Request.URL.Path != "/api/realtime" {
				return e.Next()
			}
			var form struct {
				ClientId string `json:"clientId"`
			}
			client := (*realtimeClient)(nil)
			if err := e.BindBody(&form); err == nil {
				client = connected.get(form.ClientId)
			}
			if client == nil {
				return e.Next()
			}
			// one subscription change of a client at a time, from unpark to
			// park: a client is parked only as the guest the last change
			// left it, never while another change gives it an identity
			client.changing.Lock()
			defer client.changing.Unlock()
			client.unpark(e.App)
			defer client.parkIfIdleGuest(e.App)
			return e.Next()
		})
		return se.Next()
	})
}

// realtimeClients are the connections open now, by client id.
type realtimeClients struct {
	mu   sync.Mutex
	byId map[string]*realtimeClient
}

func (r *realtimeClients) add(c *realtimeClient) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byId[c.Id()] = c
}

func (r *realtimeClients) remove(c *realtimeClient) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byId, c.Id())
}

func (r *realtimeClients) get(id string) *realtimeClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byId[id]
}

// parkIfIdleGuest takes a guest client that holds no subscription of
// PocketBase's out of PocketBase's broker, where the broadcaster visits
// every client for every record saved, whatever it listens to (with a
// thousand readers on a post, a sixth of the server's time went there).
// Its comments come from the feed, which indexes clients by post. Only
// guests: PocketBase updates the identity of the signed-in clients it
// holds (a new password, a deleted account), and those stay with it.
func (c *realtimeClient) parkIfIdleGuest(app core.App) {
	c.parkMu.Lock()
	defer c.parkMu.Unlock()
	if auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record); c.parked || c.IsDiscarded() || auth != nil {
		return
	}
	for topic := range c.DefaultClient.Subscriptions() {
		name, _, _ := strings.Cut(topic, "?")
		name, _, _ = strings.Cut(name, "/")
		if _, err := app.FindCachedCollectionByNameOrId(name); err == nil {
			return // PocketBase's broadcaster serves it
		}
	}
	c.parked = true
	c.unregistering.Store(true)
	defer c.unregistering.Store(false)
	app.SubscriptionsBroker().Unregister(c.Id())
}

// unpark puts a parked client back in PocketBase's broker.
func (c *realtimeClient) unpark(app core.App) {
	c.parkMu.Lock()
	defer c.parkMu.Unlock()
	if c.parked {
		c.parked = false
		app.SubscriptionsBroker().Register(c)
	}
}

// Discard ends the client's connection, unless it is only being taken out
// of the broker (parkIfIdleGuest): the broker discards what it unregisters.
func (c *realtimeClient) Discard() {
	if c.unregistering.Load() {
		return
	}
	c.DefaultClient.Discard()
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
		// too far behind: the connection ends, its write blocked or not
		c.Discard()
		if c.hangUp != nil {
			c.hangUp()
		}
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
