// Command live keeps a running blogbase busy the way a lively blog is:
// readers' comments arrive at a steady rate on the newest posts, and their
// authors edit those posts now and then. bench/live.sh runs it while wrk
// measures the read routes, so that the figures show what the writes cost
// the readers.
//
// The load is an open loop: writes are started on a fixed schedule, not
// when the previous one answers, so a slow server makes the load fall
// behind (which is reported) rather than quietly lighter. It runs until
// -duration has passed or it is told to stop (SIGINT, SIGTERM), then
// prints the rates it achieved, and exits non-zero if any write failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"blogbase/bench/internal/blogapi"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8090", "blogbase base URL (127.0.0.1 only)")
	suEmail := flag.String("superuser", "", "superuser email: it makes the commenters and signs in as the authors")
	suPassword := flag.String("superuser-password", "", "its password")
	comments := flag.Float64("comments", 20, "comments created per second")
	edits := flag.Float64("edits", 2, "post edits (a new title) per second")
	posts := flag.Int("posts", 40, "the newest published posts that get the comments and edits (at most 100)")
	users := flag.Int("users", 100, "distinct signed-in users writing the comments")
	tokens := flag.String("tokens", "", "file keeping the commenters' tokens between runs (made when missing)")
	workers := flag.Int("workers", 128, "most comment requests in flight at once")
	duration := flag.Duration("duration", time.Minute, "how long to run at most")
	flag.Parse()

	if u, err := url.Parse(*base); err != nil || u.Hostname() != "127.0.0.1" {
		fail(errors.New("-url must be on 127.0.0.1"))
	}
	if *posts < 1 || *posts > 100 || *users < 1 || *workers < 1 {
		fail(errors.New("-posts must be 1–100, -users and -workers at least 1"))
	}
	api := &blog{base: *base}
	if err := api.signInSuperuser(*suEmail, *suPassword); err != nil {
		fail(err)
	}
	newest, err := api.newestPosts(*posts)
	if err != nil {
		fail(err)
	}
	authors, err := api.authorTokens(newest)
	if err != nil {
		fail(err)
	}
	commenters, err := api.commenterTokens(*users, *tokens)
	if err != nil {
		fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	commenting := &stream{name: "comments", done: "created", rate: *comments, workers: *workers,
		write: func(n int) error {
			return api.call("POST", "/api/collections/comments/records", commenters[n%len(commenters)],
				map[string]any{"post": newest[n%len(newest)].Id, "body": fmt.Sprintf("Live comment %d", n)}, nil)
		}}
	editing := &stream{name: "edits", done: "saved", rate: *edits, workers: 8,
		write: func(n int) error {
			post := newest[n%len(newest)]
			return api.call("PATCH", "/api/blog/posts/"+post.Id, authors[post.Author],
				map[string]any{"title": fmt.Sprintf("%s (edit %d)", post.Title, n)}, nil)
		}}

	// bench/live.sh starts measuring on this line
	fmt.Printf("running: %g comments/s by %d users and %g edits/s on the %d newest posts, for at most %v\n",
		*comments, len(commenters), *edits, len(newest), *duration)
	var wg sync.WaitGroup
	for _, s := range []*stream{commenting, editing} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	wg.Wait()

	failed := 0
	for _, s := range []*stream{commenting, editing} {
		fmt.Println(s.report())
		failed += s.failed
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "error: %d writes failed\n", failed)
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(2)
}

// stream is one kind of write started rate times a second.
type stream struct {
	name, done string // "comments", "created"
	rate       float64
	workers    int
	write      func(n int) error

	mu      sync.Mutex
	elapsed time.Duration
	took    []time.Duration // of each successful write
	failed  int
	behind  int // scheduled writes not started: every worker was waiting on the server
}

// run starts writes on schedule until ctx ends, then waits for those in
// flight. A write whose time comes while every worker is still waiting on
// the server is counted as behind and skipped, never sent late in a burst:
// what the server received is the achieved rate, no more. Ticks the ticker
// dropped while this goroutine waited for a CPU are made up at once, so
// a busy machine does not lower the rate unnoticed.
func (s *stream) run(ctx context.Context) {
	if s.rate <= 0 {
		return
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				start := time.Now()
				err := s.write(n)
				took := time.Since(start)
				s.mu.Lock()
				if err != nil {
					s.failed++
					if s.failed <= 10 { // the first few say why; the count says how many
						fmt.Fprintf(os.Stderr, "failed %s: %v\n", s.name, err)
					}
				} else {
					s.took = append(s.took, took)
				}
				s.mu.Unlock()
			}
		}()
	}

	ticker := time.NewTicker(time.Duration(float64(time.Second) / s.rate))
	defer ticker.Stop()
	start := time.Now()
	n := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case now := <-ticker.C:
			for due := int(now.Sub(start).Seconds() * s.rate); n < due; n++ {
				select {
				case jobs <- n:
				default:
					s.mu.Lock()
					s.behind++
					s.mu.Unlock()
				}
			}
		}
	}
	s.elapsed = time.Since(start)
	close(jobs)
	wg.Wait()
}

// report is one line: bench/live.sh reads the achieved rate in its second
// field.
func (s *stream) report() string {
	if s.rate <= 0 {
		return fmt.Sprintf("%s: 0/s (none asked)", s.name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.Sort(s.took)
	achieved := float64(len(s.took)) / s.elapsed.Seconds()
	return fmt.Sprintf("%s: %.2f/s achieved of %g/s (%d %s in %.1fs), p50 %s, p99 %s, %d failed, %d behind schedule",
		s.name, achieved, s.rate, len(s.took), s.done, s.elapsed.Seconds(),
		ms(pct(s.took, 50)), ms(pct(s.took, 99)), s.failed, s.behind)
}

// blog is the HTTP API of the server under load.
type blog struct {
	base      string
	superuser string // token
}

var client = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	Timeout:   30 * time.Second, // a write stuck longer than this counts as failed
}

type post struct {
	Id, Author, Title string
}

func (b *blog) signInSuperuser(email, password string) error {
	var auth struct{ Token string }
	err := b.call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": email, "password": password}, &auth)
	b.superuser = auth.Token
	return err
}

// newestPosts are the first n posts of the public listing: the ones readers
// see first, and so the ones that get the comments.
func (b *blog) newestPosts(n int) ([]post, error) {
	var page struct{ Items []post }
	if err := b.call("GET", fmt.Sprintf("/api/blog/posts?perPage=%d", n), "", nil, &page); err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, errors.New("the listing has no posts")
	}
	return page.Items, nil
}

// authorTokens signs in as the author of each post (impersonation by the
// superuser): only its author may edit a post.
func (b *blog) authorTokens(posts []post) (map[string]string, error) {
	tokens := map[string]string{}
	for _, p := range posts {
		if _, ok := tokens[p.Author]; ok {
			continue
		}
		token, err := b.impersonate(p.Author)
		if err != nil {
			return nil, err
		}
		tokens[p.Author] = token
	}
	return tokens, nil
}

// commenterTokens returns tokens of n users. The superuser makes them and
// signs in as them (impersonation), which the sign-up and login rate
// limits do not apply to; each costs a password hash, so the tokens are
// kept in file for the next run against the same server.
func (b *blog) commenterTokens(n int, file string) ([]string, error) {
	var tokens []string
	if file != "" {
		if data, err := os.ReadFile(file); err == nil {
			if err := json.Unmarshal(data, &tokens); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
	}
	if len(tokens) >= n {
		return tokens[:n], nil
	}

	made := make([]string, n-len(tokens))
	errs := make([]error, len(made))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 { // the server hashes the passwords on its two cores
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(made); i = int(next.Add(1)) - 1 {
				made[i], errs[i] = b.newUser(fmt.Sprintf("live_%d_%d", os.Getpid(), i))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	tokens = append(tokens, made...)
	if file != "" {
		data, _ := json.Marshal(tokens)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

func (b *blog) newUser(username string) (string, error) {
	var user struct{ Id string }
	if err := b.call("POST", "/api/collections/users/records", b.superuser, map[string]any{
		"username": username, "email": username + "@example.com",
		"password": "password-123", "passwordConfirm": "password-123",
	}, &user); err != nil {
		return "", err
	}
	return b.impersonate(user.Id)
}

func (b *blog) impersonate(userId string) (string, error) {
	var auth struct{ Token string }
	err := b.call("POST", "/api/collections/users/impersonate/"+userId, b.superuser,
		map[string]any{"duration": 3 * 3600}, &auth)
	return auth.Token, err
}

func (b *blog) call(method, path, token string, body, out any) error {
	return blogapi.Call(client, b.base, method, path, token, body, out)
}

var (
	pct = blogapi.Percentile
	ms  = blogapi.Millis
)
