package hooks

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
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
// expanded (and, for the comment's own author, shown with their email). commentsFeed takes the subscriptions of this shape away from
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

	// the authors of comments as an expand shows them, kept between
	// changes (see authorOf)
	known   sync.Mutex
	authors map[string][]byte
	writing map[string]int // users being written now: not remembered until their write ends
	forgets uint64         // counts what was forgotten, so that a read that began before is not kept
}

// maxFeedEntries bounds the authors the feed remembers.
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
	f := &commentsFeed{byPost: map[string]map[subscriptions.Client]struct{}{}, writing: map[string]int{}}
	f.forget()
	return f
}

// forget drops every author the feed remembers.
func (f *commentsFeed) forget() {
	f.known.Lock()
	defer f.known.Unlock()
	f.authors = map[string][]byte{}
	f.forgets++
}

// writingAuthor marks a user as being written, from the write until its
// transaction ends (done): meanwhile their JSON is read from the database
// each time and not remembered, so that neither a read before the commit
// nor a comment of the same batch (sent once it has committed) keeps what
// was.
func (f *commentsFeed) writingAuthor(id string) (done func()) {
	f.known.Lock()
	defer f.known.Unlock()
	f.writing[id]++
	delete(f.authors, id)
	f.forgets++
	return func() {
		f.known.Lock()
		defer f.known.Unlock()
		if f.writing[id]--; f.writing[id] <= 0 {
			delete(f.writing, id)
		}
		delete(f.authors, id)
		f.forgets++
	}
}

// authorOf is the JSON of a comment's author as PocketBase expands it for
// anyone (the users view rule is public: hidden fields, and the email
// unless shown, left out by the record's serialization), remembered; nil
// for none.
func (f *commentsFeed) authorOf(app core.App, id string) []byte {
	f.known.Lock()
	author, ok := f.authors[id]
	since := f.forgets
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
	f.known.Lock()
	defer f.known.Unlock()
	if f.forgets == since && f.writing[id] == 0 {
		if len(f.authors) >= maxFeedEntries {
			f.authors = map[string][]byte{}
		}
		f.authors[id] = author
	}
	return author
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
					// a topic sent twice is one subscription, as in PocketBase
					if !slices.ContainsFunc(taken, func(t feedSubscription) bool { return t.topic == topic }) {
						taken = append(taken, s)
					}
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

	// what the feed remembers follows every write of a user through this
	// process, from the write to the end of its transaction
	writingUser := func(e *core.RecordEvent) error {
		done := f.writingAuthor(e.Record.Id)
		if err := e.Next(); err != nil {
			done()
			return err
		}
		afterTransaction(e.App, func(error) { done() })
		return nil
	}
	app.OnRecordUpdate(usersCollection).BindFunc(writingUser)
	app.OnRecordDelete(usersCollection).BindFunc(writingUser)

	// fields or rules changed in the dashboard: what the feed remembers
	// may show too much now, and under other rules PocketBase decides
	app.OnCollectionAfterUpdateSuccess(commentsCollection, usersCollection, postsCollection).BindFunc(func(e *core.CollectionEvent) error {
		f.forget()
		if !feedRulesHold(e.App) {
			f.handBack(e.App)
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
	// the topic as written, not as decoded: PocketBase matches it so
	if topic != commentsCollection+"/*" && !strings.HasPrefix(topic, commentsCollection+"/*?") {
		return s, false
	}
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

// handBack gives every feed subscription back to PocketBase's broadcaster,
// with the client back in its broker.
func (f *commentsFeed) handBack(app core.App) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, clients := range f.byPost {
		for client := range clients {
			if c, ok := client.(*realtimeClient); ok {
				c.unpark(app)
			}
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

	// read as committed now, never remembered: who may read the post's
	// comments follows its status at once
	var post struct {
		Status string `db:"status"`
		Author string `db:"author"`
	}
	err := app.DB().Select("status", "author").From(postsCollection).Where(dbx.HashExp{"id": postId}).One(&post)
	if err != nil {
		return nothing // no post, no reader
	}

	// the record as PocketBase sends it: fresh, and with the author
	// expanded; the author's own subscriptions see their email in it, as
	// PocketBase shows an expanded record to its owner (made when one of
	// theirs is met, once)
	change := &feedChange{post: postId, status: post.Status, postAuthor: post.Author, commentAuthor: comment.GetString("author")}
	if change.plain, err = json.Marshal(feedMessage{Record: comment.Fresh(), Action: action}); err != nil {
		return nothing
	}
	change.withAuthor = change.plain
	if author := f.authorOf(app, change.commentAuthor); author != nil {
		record := comment.Fresh()
		record.SetExpand(map[string]any{"author": json.RawMessage(author)})
		if change.withAuthor, err = json.Marshal(feedMessage{Record: record, Action: action}); err != nil {
			return nothing
		}
	}
	change.ownView = sync.OnceValue(func() []byte {
		own, err := app.FindRecordById(usersCollection, change.commentAuthor)
		if err != nil {
			return change.withAuthor // gone: nobody is left to see it as theirs
		}
		own.IgnoreEmailVisibility(true)
		record := comment.Fresh()
		record.SetExpand(map[string]any{"author": own})
		view, err := json.Marshal(feedMessage{Record: record, Action: action})
		if err != nil {
			return change.withAuthor
		}
		return view
	})

	return func() {
		f.mu.RLock()
		defer f.mu.RUnlock()
		for client := range f.byPost[postId] {
			change.send(client)
		}
		for client := range f.byPost[""] {
			if _, sent := f.byPost[postId][client]; !sent {
				change.send(client)
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

// feedReader is the id of the user a client is signed in as, "" for none.
func feedReader(client subscriptions.Client) string {
	reader, _ := client.Get(apis.RealtimeClientAuthKey).(*core.Record)
	if reader == nil || reader.Collection().Name != usersCollection {
		return ""
	}
	return reader.Id
}

// feedChange is one change of a comment, decided: its post's status and
// author, and its messages.
type feedChange struct {
	post, status, postAuthor, commentAuthor string

	plain      []byte        // without expand
	withAuthor []byte        // expand=author, as anyone sees the author
	ownView    func() []byte // expand=author, as the author sees themself
}

// send sends client the change through each of its feed subscriptions
// that covers the post, if the client may read it: the comments list
// rule, decided from the post's status and author.
func (c *feedChange) send(client subscriptions.Client) {
	reader := feedReader(client)
	if c.status != statusPublished && (reader == "" || reader != c.postAuthor) {
		return
	}
	subs, _ := client.Get(commentsFeedKey).([]feedSubscription)
	for _, s := range subs {
		if s.post != c.post && s.post != "" {
			continue
		}
		msg := subscriptions.Message{Name: s.topic, Data: c.plain}
		switch {
		case s.expand && reader != "" && reader == c.commentAuthor:
			msg.Data = c.ownView()
		case s.expand:
			msg.Data = c.withAuthor
		}
		if rc, ok := client.(*realtimeClient); ok {
			rc.deliver(msg)
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
