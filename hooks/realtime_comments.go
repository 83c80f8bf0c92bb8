package hooks

import (
	"encoding/json"
	"net/url"
	"sync"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/routine"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// The live comments of a post page, the realtime subscription SPEC §3
// documents:
//
//	pb.collection('comments').subscribe('*', cb, {filter: 'post = "ID"', expand: 'author'})
//
// and the same without the filter or the expand. PocketBase's broadcaster
// decides every change for every subscriber with SQL (the list rule, the
// filter, the expand), so a post read by a thousand people costs three
// thousand queries per comment. A comment's readability depends only on
// its post, though (the comments list rule: published, or the reader is
// the post's author), and its message only on whether the author is
// expanded. commentsFeed takes the subscriptions of this shape away from
// PocketBase's broadcaster when they are made, indexes them by post, and
// per change reads the post once, serializes each message once and sends
// it to the subscribers of that post who may read it.
//
// Everything else stays PocketBase's: other shapes (a record topic, other
// options), superusers' subscriptions (the dashboard), and every
// subscription whenever the rules differ from those the decision is
// derived from (a superuser edited them in the dashboard; the feed then
// hands its subscriptions back).
type commentsFeed struct {
	mu     sync.RWMutex
	byPost map[string]map[subscriptions.Client]struct{} // post id ("" for all posts) → clients

	// what each change reads, kept between changes: a post's status and
	// author, an author as an expand shows them. Writes through this
	// process drop their entries (see bind); commits of other processes
	// drop them all (forget, called by bindExternalWrites).
	known     sync.Mutex
	posts     map[string]feedPost
	authors   map[string][]byte
	postsGone uint64 // counts forget calls, so that a read that began before one is not kept
}

// feedPost is what decides who may read a post's comments.
type feedPost struct {
	status, author string
}

// maxFeedEntries bounds each of the feed's remembered posts and authors.
const maxFeedEntries = 10_000

// commentsFeedKey holds, in a realtime client's store, its feed
// subscriptions ([]feedSubscription).
const commentsFeedKey = "blogCommentsFeed"

// feedSubscription is one subscription of the documented shape.
type feedSubscription struct {
	topic  string // as the client sent it: the name of its messages
	post   string // "" without a filter
	expand bool   // expand=author
}

// The rules the feed's decision is derived from.
const (
	feedCommentsListRule = `post.status = "published" || post.author = @request.auth.id`
	feedUsersViewRule    = "" // anyone: an expanded author is the same for every reader
)

func newCommentsFeed() *commentsFeed {
	f := &commentsFeed{byPost: map[string]map[subscriptions.Client]struct{}{}}
	f.forget()
	return f
}

// forget drops what the feed remembers of posts and authors.
func (f *commentsFeed) forget() {
	f.known.Lock()
	defer f.known.Unlock()
	f.posts = map[string]feedPost{}
	f.authors = map[string][]byte{}
	f.postsGone++
}

// forgetPost drops what the feed remembers of a post, and forgetAuthor of
// a user.
func (f *commentsFeed) forgetPost(id string) {
	f.known.Lock()
	defer f.known.Unlock()
	delete(f.posts, id)
	f.postsGone++
}

func (f *commentsFeed) forgetAuthor(id string) {
	f.known.Lock()
	defer f.known.Unlock()
	delete(f.authors, id)
	f.postsGone++
}

// postOf reads the status and author of post, remembered.
func (f *commentsFeed) postOf(app core.App, id string) (feedPost, error) {
	f.known.Lock()
	p, ok := f.posts[id]
	since := f.postsGone
	f.known.Unlock()
	if ok {
		return p, nil
	}
	err := app.DB().Select("status", "author").From(postsCollection).Where(dbx.HashExp{"id": id}).Row(&p.status, &p.author)
	if err != nil {
		return p, err
	}
	f.remember(since, func() {
		if len(f.posts) >= maxFeedEntries {
			f.posts = map[string]feedPost{}
		}
		f.posts[id] = p
	})
	return p, nil
}

// authorOf is the JSON of a comment's author as PocketBase expands it for
// anyone (the users view rule is public: hidden fields, and the email
// unless shown, left out by the record's serialization), remembered; nil
// for none.
func (f *commentsFeed) authorOf(app core.App, id string) []byte {
	f.known.Lock()
	author, ok := f.authors[id]
	since := f.postsGone
	f.known.Unlock()
	if ok {
		return author
	}
	record, err := app.FindRecordById(usersCollection, id)
	if err != nil {
		return nil
	}
	author, err = json.Marshal(record)
	if err != nil {
		return nil
	}
	f.remember(since, func() {
		if len(f.authors) >= maxFeedEntries {
			f.authors = map[string][]byte{}
		}
		f.authors[id] = author
	})
	return author
}

// remember runs keep unless something was forgotten since the read it
// keeps began.
func (f *commentsFeed) remember(since uint64, keep func()) {
	f.known.Lock()
	defer f.known.Unlock()
	if f.postsGone == since {
		keep()
	}
}

// bind takes the feed's subscriptions out of each subscribe request,
// forgets a client when its connection ends, and broadcasts every comment
// change. Bind it after the hooks that check subscribe requests.
func (f *commentsFeed) bind(app core.App) {
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		var taken []feedSubscription
		if !e.HasSuperuserAuth() && feedRulesHold(e.App) {
			rest := e.Subscriptions[:0:0]
			for _, topic := range e.Subscriptions {
				if s, ok := parseFeedTopic(topic); ok {
					taken = append(taken, s)
				} else {
					rest = append(rest, topic)
				}
			}
			e.Subscriptions = rest
		}

		// PocketBase replaces all of a client's subscriptions with these,
		// so the feed does too; in place before the 204 is sent, so that
		// a comment made right after it is heard
		previous := f.set(e.Client, taken)
		if err := e.Next(); err != nil {
			f.set(e.Client, previous)
			return err
		}
		return nil
	})

	app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		defer f.set(e.Client, nil) // the connection is over
		return e.Next()
	})

	// a new or edited comment is decided after its commit
	app.OnRecordAfterCreateSuccess(commentsCollection).BindFunc(func(e *core.RecordEvent) error {
		f.broadcast(app, "create", e.Record)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess(commentsCollection).BindFunc(func(e *core.RecordEvent) error {
		f.broadcast(app, "update", e.Record)
		return e.Next()
	})
	// a deleted one before: its post may go in the same transaction (a
	// cascade); its message is sent once the delete has committed
	app.OnRecordDelete(commentsCollection).BindFunc(func(e *core.RecordEvent) error {
		send := f.prepare(app, "delete", e.Record)
		if err := e.Next(); err != nil {
			return err
		}
		afterCommit(e.App, send)
		return nil
	})

	// what the feed remembers follows every write through this process
	forgetPost := func(e *core.RecordEvent) error {
		f.forgetPost(e.Record.Id)
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess(postsCollection).BindFunc(forgetPost)
	app.OnRecordAfterDeleteSuccess(postsCollection).BindFunc(forgetPost)
	forgetAuthor := func(e *core.RecordEvent) error {
		f.forgetAuthor(e.Record.Id)
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess(usersCollection).BindFunc(forgetAuthor)
	app.OnRecordAfterDeleteSuccess(usersCollection).BindFunc(forgetAuthor)

	// rules changed in the dashboard: PocketBase decides again
	app.OnCollectionAfterUpdateSuccess(commentsCollection, usersCollection, postsCollection).BindFunc(func(e *core.CollectionEvent) error {
		if !feedRulesHold(e.App) {
			f.handBack()
		}
		return e.Next()
	})
}

// feedRulesHold tells whether the rules the feed's decision is derived
// from are those in force.
func feedRulesHold(app core.App) bool {
	comments, err := app.FindCachedCollectionByNameOrId(commentsCollection)
	if err != nil || comments.ListRule == nil || *comments.ListRule != feedCommentsListRule {
		return false
	}
	users, err := app.FindCachedCollectionByNameOrId(usersCollection)
	return err == nil && users.ViewRule != nil && *users.ViewRule == feedUsersViewRule
}

// parseFeedTopic reads a topic of the documented shape: comments/* with,
// as options, at most the filter post = "ID" (either quote) and
// expand=author, as the JS SDK sends them. Anything else is not the
// feed's.
func parseFeedTopic(topic string) (feedSubscription, bool) {
	s := feedSubscription{topic: topic}
	u, err := url.Parse(topic)
	if err != nil || u.Path != commentsCollection+"/*" || u.Fragment != "" {
		return s, false
	}
	params := u.Query()
	if len(params) == 0 {
		return s, true
	}
	if len(params) != 1 || len(params["options"]) != 1 {
		return s, false
	}
	var options struct {
		Query   map[string]any `json:"query"`
		Headers map[string]any `json:"headers"` // no rule in play reads them
	}
	if err := json.Unmarshal([]byte(params.Get("options")), &options); err != nil {
		return s, false
	}
	for name, value := range options.Query {
		text, ok := value.(string)
		switch {
		case !ok:
			return s, false
		case name == "filter":
			if s.post, ok = postFilter(text); !ok {
				return s, false
			}
		case name == "expand" && text == "author":
			s.expand = true
		case name == "expand" && text == "":
		default:
			return s, false
		}
	}
	return s, true
}

// postFilter reads the filter `post = "ID"` (or 'ID'), and nothing else.
func postFilter(filter string) (string, bool) {
	groups, err := fexpr.Parse(filter)
	if err != nil || len(groups) != 1 {
		return "", false
	}
	expr, ok := groups[0].Item.(fexpr.Expr)
	if !ok || expr.Op != fexpr.SignEq ||
		expr.Left.Type != fexpr.TokenIdentifier || expr.Left.Literal != "post" ||
		expr.Right.Type != fexpr.TokenText || expr.Right.Literal == "" {
		return "", false
	}
	return expr.Right.Literal, true
}

// set makes subs the feed subscriptions of client, and returns those it
// had.
func (f *commentsFeed) set(client subscriptions.Client, subs []feedSubscription) []feedSubscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	previous, _ := client.Get(commentsFeedKey).([]feedSubscription)
	for _, s := range previous {
		if clients := f.byPost[s.post]; clients != nil {
			delete(clients, client)
			if len(clients) == 0 {
				delete(f.byPost, s.post)
			}
		}
	}
	if len(subs) == 0 || client.IsDiscarded() {
		// a discarded client's connection is over: its deferred set(nil)
		// may have run already
		client.Unset(commentsFeedKey)
		return previous
	}
	client.Set(commentsFeedKey, subs)
	for _, s := range subs {
		clients := f.byPost[s.post]
		if clients == nil {
			clients = map[subscriptions.Client]struct{}{}
			f.byPost[s.post] = clients
		}
		clients[client] = struct{}{}
	}
	return previous
}

// handBack gives every feed subscription back to PocketBase's broadcaster.
func (f *commentsFeed) handBack() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, clients := range f.byPost {
		for client := range clients {
			subs, _ := client.Get(commentsFeedKey).([]feedSubscription)
			for _, s := range subs {
				client.Subscribe(s.topic)
			}
			client.Unset(commentsFeedKey)
		}
	}
	f.byPost = map[string]map[subscriptions.Client]struct{}{}
}

// broadcast sends a committed change of comment to the feed's subscribers
// who may read it.
func (f *commentsFeed) broadcast(app core.App, action string, comment *core.Record) {
	f.prepare(app, action, comment)()
}

// prepare decides a change of comment once, as things stand now, and
// returns what sends it: the post is read once and each message
// serialized once, whatever the number of subscribers.
func (f *commentsFeed) prepare(app core.App, action string, comment *core.Record) (send func()) {
	nothing := func() {}
	postId := comment.GetString("post")
	if !f.heard(postId) || !feedRulesHold(app) {
		return nothing
	}

	post, err := f.postOf(app, postId)
	if err != nil {
		return nothing // no post, no reader
	}

	// the record as PocketBase sends it: fresh, and with the author
	// expanded
	plain, err := json.Marshal(feedMessage{Record: comment.Fresh(), Action: action})
	if err != nil {
		return nothing
	}
	withAuthor := plain
	if author := f.authorOf(app, comment.GetString("author")); author != nil {
		record := comment.Fresh()
		record.SetExpand(map[string]any{"author": json.RawMessage(author)})
		if withAuthor, err = json.Marshal(feedMessage{Record: record, Action: action}); err != nil {
			return nothing
		}
	}

	return func() {
		f.mu.RLock()
		defer f.mu.RUnlock()
		for client := range f.byPost[postId] {
			f.send(client, postId, post.status, post.author, plain, withAuthor)
		}
		for client := range f.byPost[""] {
			if _, sent := f.byPost[postId][client]; !sent {
				f.send(client, postId, post.status, post.author, plain, withAuthor)
			}
		}
	}
}

// heard tells whether anybody listens to the comments of post.
func (f *commentsFeed) heard(post string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.byPost[post]) > 0 || len(f.byPost[""]) > 0
}

// send sends client the change of a comment on post, through each of its
// feed subscriptions that covers the post, if the client may read it: the
// comments list rule, decided from the post's status and author.
func (f *commentsFeed) send(client subscriptions.Client, post, status, author string, plain, withAuthor []byte) {
	if status != statusPublished {
		reader, _ := client.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if reader == nil || reader.Collection().Name != usersCollection || reader.Id != author {
			return
		}
	}
	subs, _ := client.Get(commentsFeedKey).([]feedSubscription)
	for _, s := range subs {
		if s.post != post && s.post != "" {
			continue
		}
		msg := subscriptions.Message{Name: s.topic, Data: plain}
		if s.expand {
			msg.Data = withAuthor
		}
		if c, ok := client.(*realtimeClient); ok {
			c.deliver(msg)
		} else {
			routine.FireAndForget(func() { client.Send(msg) })
		}
	}
}

// feedMessage is the data of a record message, as PocketBase writes it.
type feedMessage struct {
	Record any    `json:"record"`
	Action string `json:"action"`
}
