// Command comments measures live comments against a running blogbase, in
// phases that differ only in who listens:
//
//  1. nobody: concurrent writers create comments spread over many posts;
//  2. many readers, each following one of those posts (10 to a post by
//     default): the same writes, and every reader must hear exactly the
//     comments of its own post;
//  3. all the readers following one post: first a paced run that measures
//     how long a comment takes to reach every one of them, then the
//     writers flat out.
//
// Readers subscribe the way the web app does through the JS SDK, so that
// the server sees the subscription it serves in production. Figures are
// comments per second, the time a create takes, failures, each phase's
// ratio to the first, and the server's peak RSS after each phase. At the
// end every post's commentsCount must equal the comments created on it.
//
// bench/comments.sh starts a seeded server and runs it.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"blogbase/bench/internal/blogapi"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8090", "blogbase base URL (127.0.0.1 only)")
	subscribers := flag.Int("subscribers", 1000, "realtime subscribers in phases 2 and 3")
	posts := flag.Int("posts", 100, "posts the comments and the subscribers are spread over in phases 1 and 2 (at most 100)")
	writers := flag.Int("writers", 32, "concurrent clients creating comments")
	duration := flag.Duration("duration", 10*time.Second, "how long the writers write, flat out, in each phase")
	rate := flag.Float64("rate", 100, "comments per second of the paced run of phase 3")
	pacedFor := flag.Duration("paced-duration", 10*time.Second, "how long the paced run lasts")
	pid := flag.Int("pid", 0, "server PID, to report its peak RSS")
	suEmail := flag.String("superuser", "", "superuser email: the writers are made by it (superusers skip the rate limits)")
	suPassword := flag.String("superuser-password", "", "its password")
	quotes := flag.String("filter-quotes", "single", `quotes around the post id in the subscription filter: single (post = 'ID', as the web app's pb.filter writes it) or double (post = "ID")`)
	flag.Parse()

	switch *quotes {
	case "single":
	case "double":
		filterQuote = `"`
	default:
		fmt.Fprintln(os.Stderr, "error: -filter-quotes must be single or double")
		os.Exit(2)
	}
	b := &bench{base: *base, subscribers: *subscribers, writers: *writers, duration: *duration,
		rate: *rate, pacedFor: *pacedFor, pid: *pid, created: map[string]int{}}
	if err := b.setUp(*suEmail, *suPassword, *posts); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	if err := b.run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// bench holds what the phases share: the server, the posts, the writers'
// tokens and the comments created on each post so far.
type bench struct {
	base                   string
	subscribers, writers   int
	duration, pacedFor     time.Duration
	rate                   float64
	pid                    int
	superuser              string   // token
	spread                 []string // posts of phases 1 and 2
	single                 string   // the post of phase 3
	initialCount           map[string]int
	tokens                 []string // one per writer
	mu                     sync.Mutex
	created                map[string]int // comments created per post
	failures, wrongHearing int
	delivery               string // the paced run's delivery figures, repeated under the table
}

// setUp picks the posts from the public listing (bench/comments.sh seeds
// them: the route that creates posts is rate-limited per address) and
// makes the writers.
func (b *bench) setUp(email, password string, posts int) error {
	if u, err := url.Parse(b.base); err != nil || u.Hostname() != "127.0.0.1" {
		return errors.New("-url must be on 127.0.0.1")
	}
	if posts < 1 || posts > 100 {
		return errors.New("-posts must be 1–100")
	}
	var auth struct{ Token string }
	if err := call(b.base, "POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": email, "password": password}, &auth); err != nil {
		return err
	}
	b.superuser = auth.Token

	type listed struct {
		Id            string
		CommentsCount int
	}
	var newest []listed
	for page := 1; page <= 2; page++ {
		var answer struct{ Items []listed }
		if err := call(b.base, "GET", fmt.Sprintf("/api/blog/posts?perPage=100&page=%d", page), "", nil, &answer); err != nil {
			return err
		}
		newest = append(newest, answer.Items...)
	}
	if len(newest) < posts+1 {
		return fmt.Errorf("the listing has %d posts; %d are needed", len(newest), posts+1)
	}
	b.initialCount = map[string]int{}
	for i, p := range newest[:posts+1] {
		b.initialCount[p.Id] = p.CommentsCount
		if i < posts {
			b.spread = append(b.spread, p.Id)
		} else {
			b.single = p.Id
		}
	}

	b.tokens = make([]string, b.writers)
	errs := make([]error, b.writers)
	var wg sync.WaitGroup
	for i := range b.tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.tokens[i], errs[i] = b.signUp(fmt.Sprintf("w%d", i))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// phaseResult is one line of the final table.
type phaseResult struct {
	name           string
	perSecond      float64
	p50, p99       time.Duration
	failed         int
	peakRSS, inRSS string
}

func (b *bench) run() error {
	var results []phaseResult

	// 1. nobody listening
	fmt.Printf("(1) %d writers for %v over %d posts, nobody listening…\n", b.writers, b.duration, len(b.spread))
	w := b.write(b.duration, 0, func(n int) string { return b.spread[n%len(b.spread)] }, nil)
	results = append(results, b.result("(1) nobody listening", w))

	// 2. each subscriber follows one of the posts
	perPost := max(1, b.subscribers/len(b.spread))
	fmt.Printf("(2) connecting %d subscribers, %d to each of %d posts, topic %s…\n",
		b.subscribers, perPost, len(b.spread), subscriptionTopic(b.spread[0]))
	subs, err := b.subscribeAll(func(i int) string { return b.spread[i%len(b.spread)] })
	if err != nil {
		return err
	}
	fmt.Printf("(2) %d writers for %v over the %d posts…\n", b.writers, b.duration, len(b.spread))
	w = b.write(b.duration, 0, func(n int) string { return b.spread[n%len(b.spread)] }, nil)
	results = append(results, b.result(fmt.Sprintf("(2) %d subscribers over %d posts", b.subscribers, len(b.spread)), w))
	b.checkHearing(subs)
	closeAll(subs)

	// 3. every subscriber follows one post
	fmt.Printf("(3) connecting %d subscribers to one post…\n", b.subscribers)
	subs, err = b.subscribeAll(func(int) string { return b.single })
	if err != nil {
		return err
	}
	fmt.Printf("(3) paced: %g comments/s for %v, each to reach %d subscribers…\n", b.rate, b.pacedFor, len(subs))
	run := newPacedRun(b.rate, b.pacedFor)
	current.Store(run)
	w = b.write(b.pacedFor, b.rate, func(int) string { return b.single }, run)
	b.reportDelivery(run, w, subs)
	current.Store(nil)
	results = append(results, b.result(fmt.Sprintf("(3) paced to %g/s, %d on one post", b.rate, b.subscribers), w))
	fmt.Printf("(3) %d writers for %v on the post…\n", b.writers, b.duration)
	w = b.write(b.duration, 0, func(int) string { return b.single }, nil)
	results = append(results, b.result(fmt.Sprintf("(3) %d subscribers on one post", b.subscribers), w))
	b.checkHearing(subs)
	closeAll(subs)

	fmt.Println()
	fmt.Printf("%-38s %11s %11s %11s %7s %8s %14s\n", "phase", "comments/s", "create p50", "create p99", "failed", "× (1)", "peak RSS")
	for _, r := range results {
		fmt.Printf("%-38s %11.1f %11s %11s %7d %8.2f %14s\n", r.name, r.perSecond, ms(r.p50), ms(r.p99),
			r.failed, r.perSecond/results[0].perSecond, r.peakRSS)
	}
	fmt.Println("(the paced run is capped at the rate asked, so its ratio to (1) is no measure of capacity)")
	fmt.Println(b.delivery)

	if err := b.checkCommentsCount(); err != nil {
		return err
	}
	switch {
	case b.failures > 0:
		return fmt.Errorf("%d comments could not be created", b.failures)
	case b.wrongHearing > 0:
		return fmt.Errorf("%d subscribers did not hear exactly the comments of their post", b.wrongHearing)
	}
	return nil
}

func (b *bench) result(name string, w writeResult) phaseResult {
	r := phaseResult{name: name, perSecond: float64(len(w.took)) / w.elapsed.Seconds(), failed: w.failed}
	r.p50, r.p99 = pct(w.took, 50), pct(w.took, 99)
	b.failures += w.failed
	r.peakRSS, r.inRSS = rss(b.pid, "VmHWM"), rss(b.pid, "VmRSS")
	fmt.Printf("    %.1f comments/s, create p50 %s, p99 %s, %d failed; server RSS %s (peak %s)\n",
		r.perSecond, ms(r.p50), ms(r.p99), r.failed, r.inRSS, r.peakRSS)
	return r
}

// writeResult is what the writers did in one phase.
type writeResult struct {
	took    []time.Duration // of each create, sorted
	failed  int
	behind  int // paced comments not started on time: every writer was waiting on the server
	elapsed time.Duration
}

// write has the writers create comments for duration on the posts postOf
// gives, flat out when rate is 0, otherwise rate a second in all: then a
// ticker hands out the comments, and one whose time comes while no writer
// is free is counted as behind and skipped rather than sent late in a
// burst (ticks the ticker dropped while the dispatcher waited for a CPU
// are made up at once). A paced run learns when each of its comments was
// sent, before the request leaves. The rate is counted until the last
// answer, those still in flight at the end included.
func (b *bench) write(duration time.Duration, rate float64, postOf func(n int) string, run *pacedRun) writeResult {
	var (
		mu  sync.Mutex
		res writeResult
		wg  sync.WaitGroup
		seq atomic.Int64
	)
	create := func(token string, n int) {
		post := postOf(n)
		body := fmt.Sprintf("load %d", n)
		if run != nil {
			body = fmt.Sprintf("paced %d", n)
			run.sent[n].Store(time.Now().UnixNano())
		}
		start := time.Now()
		err := call(b.base, "POST", "/api/collections/comments/records", token,
			map[string]any{"post": post, "body": body}, nil)
		took := time.Since(start)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.failed++
			if res.failed <= 5 { // the first few say why; the count says how many
				fmt.Fprintln(os.Stderr, "    failed:", err)
			}
			return
		}
		res.took = append(res.took, took)
		b.mu.Lock()
		b.created[post]++
		b.mu.Unlock()
		if run != nil {
			run.created.Add(1)
		}
	}

	start := time.Now()
	end := start.Add(duration)
	if rate <= 0 {
		for _, token := range b.tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					create(token, int(seq.Add(1)))
				}
			}()
		}
		wg.Wait()
	} else {
		jobs := make(chan int)
		for _, token := range b.tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range jobs {
					create(token, n)
				}
			}()
		}
		ticker := time.NewTicker(time.Duration(float64(time.Second) / rate))
		n, slot := 0, 0
		for now := range ticker.C {
			if !now.Before(end) {
				break
			}
			for due := int(now.Sub(start).Seconds() * rate); slot < due && n < len(run.sent); slot++ {
				select {
				case jobs <- n:
					n++
				default:
					res.behind++
				}
			}
		}
		ticker.Stop()
		close(jobs)
		wg.Wait()
		if res.behind > 0 {
			fmt.Printf("    %d comments of the schedule not sent: all %d writers were waiting on the server\n", res.behind, len(b.tokens))
		}
	}
	res.elapsed = time.Since(start)
	slices.Sort(res.took)
	return res
}

// current is the paced run in progress, if any: subscribers time the
// comments they hear against it.
var current atomic.Pointer[pacedRun]

// pacedRun follows each comment of a paced run, by its sequence number
// (its body says "paced <n>"), from the start of its create request to
// its receipt by every subscriber.
type pacedRun struct {
	sent      []atomic.Int64 // unix ns the create request of comment n started
	delivered []atomic.Int32 // subscribers that heard comment n
	lastHeard []atomic.Int64 // unix ns the last of them heard it
	created   atomic.Int64
}

func newPacedRun(rate float64, duration time.Duration) *pacedRun {
	n := int(rate*duration.Seconds()) + 1
	return &pacedRun{sent: make([]atomic.Int64, n), delivered: make([]atomic.Int32, n), lastHeard: make([]atomic.Int64, n)}
}

// heard records that a subscriber heard the comment with body at; it
// returns the delay since the comment's create request started, or false
// for a comment not of this run.
func (r *pacedRun) heard(body string, at time.Time) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(body, "paced ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n >= len(r.sent) || r.sent[n].Load() == 0 {
		return 0, false
	}
	r.delivered[n].Add(1)
	for {
		last := r.lastHeard[n].Load()
		if at.UnixNano() <= last || r.lastHeard[n].CompareAndSwap(last, at.UnixNano()) {
			break
		}
	}
	return at.Sub(time.Unix(0, r.sent[n].Load())), true
}

// reportDelivery waits up to 5 s for every subscriber to hear every comment
// of the paced run, then prints the delay from a create request's start to
// each receipt, the rate at which comments reached all subscribers and the
// receipts missing.
func (b *bench) reportDelivery(run *pacedRun, w writeResult, subs []*subscriber) {
	created := int(run.created.Load())
	want := created * len(subs)
	got := func() int {
		total := 0
		for i := range run.delivered {
			total += int(run.delivered[i].Load())
		}
		return total
	}
	for deadline := time.Now().Add(5 * time.Second); got() < want && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}

	var delays []time.Duration
	for _, s := range subs {
		s.mu.Lock()
		delays = append(delays, s.delays...)
		s.delays = nil
		s.mu.Unlock()
	}
	slices.Sort(delays)
	var first, last int64
	full := 0
	for i := range run.sent {
		sent := run.sent[i].Load()
		if sent == 0 {
			continue
		}
		if first == 0 || sent < first {
			first = sent
		}
		if int(run.delivered[i].Load()) >= len(subs) {
			full++
			last = max(last, run.lastHeard[i].Load())
		}
	}
	fullRate := 0.0
	if full > 0 && last > first {
		fullRate = float64(full) / time.Duration(last-first).Seconds()
	}
	fmt.Printf("    created %d, %.1f/s of %g/s asked\n", created, float64(created)/w.elapsed.Seconds(), b.rate)
	b.delivery = fmt.Sprintf("paced run, delivery to %d subscribers of one post (%d receipts): p50 %s, p99 %s, max %s; "+
		"%d comments reached all of them, %.1f/s; %d receipts missing",
		len(subs), len(delays), ms(pct(delays, 50)), ms(pct(delays, 99)), ms(pct(delays, 100)), full, fullRate, want-got())
	fmt.Println("    " + b.delivery)
	if want != got() {
		b.wrongHearing++
	}
}

// subscriber is one realtime connection following one post's comments.
type subscriber struct {
	post  string
	close func()

	mu        sync.Mutex
	heard     map[string]int  // create events, per post
	baseline  map[string]int  // comments on each post when it subscribed
	noAuthor  int             // events without the expanded author asked for
	delays    []time.Duration // of the paced run's comments, from create request to receipt
	readError error
}

// subscribeAll connects b.subscribers subscribers, subscriber i following
// postOf(i), a few dozen connecting at a time.
func (b *bench) subscribeAll(postOf func(i int) string) ([]*subscriber, error) {
	subs := make([]*subscriber, b.subscribers)
	errs := make([]error, b.subscribers)
	b.mu.Lock()
	baseline := maps.Clone(b.created)
	b.mu.Unlock()
	slots := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			subs[i], errs[i] = subscribe(b.base, postOf(i), baseline)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, s := range subs {
			if s != nil {
				s.close()
			}
		}
		return nil, err
	}
	return subs, nil
}

func closeAll(subs []*subscriber) {
	for _, s := range subs {
		s.close()
	}
}

// sse reads the event streams: a client of its own, so that the long-lived
// connections stay out of the writers' pool.
var sse = &http.Client{Transport: &http.Transport{}}

// subscriptionOptions is the JSON the JS SDK puts in a topic: its query
// keeps the order the web app gives (filter, then expand), and headers,
// undefined, is left out as JSON.stringify does.
type subscriptionOptions struct {
	Query struct {
		Filter string `json:"filter"`
		Expand string `json:"expand"`
	} `json:"query"`
}

// filterQuote is the quote around the post id in the subscription filter:
// ' as pb.filter('post = {:post}', {post}) writes it, which the web app
// uses, or ".
var filterQuote = "'"

// subscriptionTopic is the topic the JS SDK sends for
// pb.collection('comments').subscribe('*', cb, {filter, expand: 'author'})
// with the filter post = 'ID' (or "ID"):
// "comments/*?options=" + encodeURIComponent(JSON.stringify({query, headers})).
func subscriptionTopic(postId string) string {
	var options subscriptionOptions
	options.Query.Filter = "post = " + filterQuote + postId + filterQuote
	options.Query.Expand = "author"
	var text bytes.Buffer
	enc := json.NewEncoder(&text)
	enc.SetEscapeHTML(false) // JSON.stringify leaves <, > and & alone
	enc.Encode(options)
	return "comments/*?options=" + encodeURIComponent(strings.TrimSuffix(text.String(), "\n"))
}

// encodeURIComponent escapes s as JavaScript's encodeURIComponent does:
// everything but letters, digits and -_.!~*'(). Go's url.QueryEscape
// differs (a space becomes "+"), and the topic is compared as text.
func encodeURIComponent(s string) string {
	var out strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			out.WriteByte(c)
		} else {
			fmt.Fprintf(&out, "%%%02X", c)
		}
	}
	return out.String()
}

// subscribe opens one realtime connection, subscribes it to the post's
// comments and counts every create it hears, per post.
func subscribe(base, postId string, baseline map[string]int) (*subscriber, error) {
	req, _ := http.NewRequest("GET", base+"/api/realtime", nil)
	res, err := sse.Do(req)
	if err != nil {
		return nil, err
	}
	events := bufio.NewReaderSize(res.Body, 64<<10)

	// the first event is PB_CONNECT with the client id
	var connect struct{ ClientId string }
	data, err := readEventData(events)
	if err == nil {
		err = json.Unmarshal(data, &connect)
	}
	if err != nil {
		res.Body.Close()
		return nil, err
	}
	if err := call(base, "POST", "/api/realtime", "", map[string]any{
		"clientId": connect.ClientId, "subscriptions": []string{subscriptionTopic(postId)},
	}, nil); err != nil {
		res.Body.Close()
		return nil, err
	}

	s := &subscriber{post: postId, close: func() { res.Body.Close() }, heard: map[string]int{}, baseline: baseline}
	go func() {
		for {
			data, err := readEventData(events)
			at := time.Now()
			s.mu.Lock()
			if err != nil {
				s.readError = err
				s.mu.Unlock()
				return
			}
			if jsonText(data, "action") == "create" {
				s.heard[jsonText(data, "post")]++
				if !bytes.Contains(data, []byte(`"expand":{"author":{`)) {
					s.noAuthor++
				}
				if run := current.Load(); run != nil {
					if delay, ok := run.heard(jsonText(data, "body"), at); ok {
						s.delays = append(s.delays, delay)
					}
				}
			}
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// checkHearing waits up to 5 s for every subscriber to have heard each
// comment created on its post since it subscribed, then reports those that
// heard fewer, more, or comments of other posts, or without the author.
func (b *bench) checkHearing(subs []*subscriber) {
	var short, extra, foreign, noAuthor, broken int
	check := func() bool {
		short, extra, foreign, noAuthor, broken = 0, 0, 0, 0, 0
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, s := range subs {
			s.mu.Lock()
			want := b.created[s.post] - s.baseline[s.post]
			switch got := s.heard[s.post]; {
			case got < want:
				short++
			case got > want:
				extra++
			}
			for post, n := range s.heard {
				if post != s.post && n > 0 {
					foreign++
					break
				}
			}
			if s.noAuthor > 0 {
				noAuthor++
			}
			if s.readError != nil {
				broken++
			}
			s.mu.Unlock()
		}
		return short+extra+foreign+noAuthor+broken == 0
	}
	for deadline := time.Now().Add(5 * time.Second); !check() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if short+extra+foreign+noAuthor+broken == 0 {
		fmt.Printf("    each of the %d subscribers heard exactly the comments of its post\n", len(subs))
		return
	}
	fmt.Printf("    WRONG: of %d subscribers, %d heard fewer comments than were created on their post, %d more, "+
		"%d comments of other posts, %d comments without expand.author; %d lost their connection\n",
		len(subs), short, extra, foreign, noAuthor, broken)
	b.wrongHearing += short + extra + foreign + noAuthor + broken
}

// checkCommentsCount compares each post's public commentsCount with the
// comments created on it.
func (b *bench) checkCommentsCount() error {
	total, wrong := 0, 0
	for post, initial := range b.initialCount {
		var view struct{ CommentsCount int }
		if err := call(b.base, "GET", "/api/blog/posts/"+post, "", nil, &view); err != nil {
			return err
		}
		total += b.created[post]
		if view.CommentsCount != initial+b.created[post] {
			wrong++
			fmt.Printf("post %s: commentsCount %d, comments created %d (and %d before)\n",
				post, view.CommentsCount, b.created[post], initial)
		}
	}
	fmt.Printf("commentsCount matches the comments created on %d of %d posts (%d comments)\n",
		len(b.initialCount)-wrong, len(b.initialCount), total)
	if wrong > 0 {
		return errors.New("commentsCount does not match the comments created")
	}
	return nil
}

// readEventData reads one server-sent event and returns its data.
func readEventData(r *bufio.Reader) ([]byte, error) {
	var data []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if len(data) == 0 {
				continue
			}
			return data, nil
		}
		if after, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			data = append(data, bytes.TrimSpace(after)...)
		}
	}
}

// jsonText is the first string value of key in a record event's JSON,
// found without decoding it all: the subscribers share this machine's
// cores with the server, and a full decode of every event of 1,000
// subscribers would take the cores the server is measured on. The values
// read here (action, post id, the benchmark's own bodies) hold no quote.
func jsonText(data []byte, key string) string {
	_, rest, found := bytes.Cut(data, []byte(`"`+key+`":"`))
	if !found {
		return ""
	}
	value, _, _ := bytes.Cut(rest, []byte(`"`))
	return string(value)
}

var users atomic.Int64

// signUp has the superuser create a user and returns a token of that user
// (impersonation): a benchmark makes more users from one IP than the
// sign-up and login rate limits allow anybody else.
func (b *bench) signUp(name string) (string, error) {
	username := fmt.Sprintf("%s_%d_%d", name, os.Getpid(), users.Add(1))
	var user struct{ Id string }
	if err := call(b.base, "POST", "/api/collections/users/records", b.superuser, map[string]any{
		"username": username, "email": username + "@example.com",
		"password": "password-123", "passwordConfirm": "password-123",
	}, &user); err != nil {
		return "", err
	}
	var auth struct{ Token string }
	err := call(b.base, "POST", "/api/collections/users/impersonate/"+user.Id, b.superuser,
		map[string]any{"duration": 3600}, &auth)
	return auth.Token, err
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

func call(base, method, path, token string, body, out any) error {
	return blogapi.Call(client, base, method, path, token, body, out)
}

var (
	pct = blogapi.Percentile
	ms  = blogapi.Millis
)

// rss reads a memory figure of the server (VmHWM: peak, VmRSS: now).
func rss(pid int, field string) string {
	if pid <= 0 {
		return "unknown"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if after, ok := strings.CutPrefix(line, field+":"); ok {
			kB, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(after, "kB")))
			if err != nil {
				return strings.TrimSpace(after)
			}
			return fmt.Sprintf("%d MB", kB/1024)
		}
	}
	return "unknown"
}
