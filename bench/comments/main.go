// Command comments measures live comments against a running blogbase:
// how fast one new comment reaches many realtime subscribers of its post,
// and how many comments concurrent clients can create per second.
//
// bench/comments.sh starts a server and runs it; it targets the URL given.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8090", "blogbase base URL (127.0.0.1 only)")
	subscribers := flag.Int("subscribers", 1000, "realtime subscribers of one post")
	comments := flag.Int("comments", 20, "comments fanned out to them, one after another")
	writers := flag.Int("writers", 32, "concurrent clients creating comments")
	duration := flag.Duration("duration", 10*time.Second, "how long the writers write")
	pid := flag.Int("pid", 0, "server PID, to report its peak RSS")
	suEmail := flag.String("superuser", "", "superuser email: users are made by it (superusers skip the rate limits)")
	suPassword := flag.String("superuser-password", "", "its password")
	flag.Parse()

	token, err := superuserToken(*base, *suEmail, *suPassword)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	superuser = token

	if err := run(*base, *subscribers, *comments, *writers, *duration, *pid); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

func run(base string, subscribers, comments, writers int, duration time.Duration, pid int) error {
	if u, err := url.Parse(base); err != nil || u.Hostname() != "127.0.0.1" {
		return errors.New("-url must be on 127.0.0.1")
	}

	author, err := signUp(base, "author")
	if err != nil {
		return err
	}
	var post struct{ Id string }
	if err := call(base, "POST", "/api/blog/posts", author, map[string]any{
		"title": "Live comments", "body": "<p>Talk here.</p>", "status": "published",
	}, &post); err != nil {
		return err
	}

	// fan-out: every subscriber listens to the post's comments
	fmt.Printf("connecting %d realtime subscribers…\n", subscribers)
	received := make(chan delivery, subscribers*comments)
	var ready sync.WaitGroup
	stops := make([]func(), 0, subscribers)
	var connectErr atomic.Value
	var mu sync.Mutex
	for i := 0; i < subscribers; i++ {
		ready.Add(1)
		go func() {
			stop, err := subscribe(base, post.Id, received, &ready)
			if err != nil {
				connectErr.Store(err)
				ready.Done()
				return
			}
			mu.Lock()
			stops = append(stops, stop)
			mu.Unlock()
		}()
	}
	ready.Wait()
	if err, _ := connectErr.Load().(error); err != nil {
		return err
	}

	writer, err := signUp(base, "writer")
	if err != nil {
		return err
	}
	sentAt := map[string]time.Time{}
	var latencies []time.Duration
	for i := 0; i < comments; i++ {
		var c struct{ Id string }
		start := time.Now()
		if err := call(base, "POST", "/api/collections/comments/records", writer,
			map[string]any{"post": post.Id, "body": fmt.Sprintf("comment %d", i)}, &c); err != nil {
			return err
		}
		sentAt[c.Id] = start
		deadline := time.After(5 * time.Second)
		for got := 0; got < subscribers; got++ {
			select {
			case d := <-received:
				if t, ok := sentAt[d.id]; ok {
					latencies = append(latencies, d.at.Sub(t))
				}
			case <-deadline:
				return fmt.Errorf("comment %d reached %d of %d subscribers in 5 s", i, got, subscribers)
			}
		}
	}
	slices.Sort(latencies)
	fmt.Printf("fan-out to %d subscribers, %d comments (%d deliveries): p50 %v, p99 %v, max %v\n",
		subscribers, comments, len(latencies), pct(latencies, 50), pct(latencies, 99), latencies[len(latencies)-1])
	if pid > 0 {
		fmt.Printf("server peak RSS so far: %s\n", peakRSS(pid))
	}

	tokens := make([]string, writers)
	for i := range tokens {
		if tokens[i], err = signUp(base, fmt.Sprintf("w%d", i)); err != nil {
			return err
		}
	}

	// throughput while every subscriber listens: each create also fans out
	go func() {
		for range received { // keep the subscribers reading
		}
	}()
	total := comments
	n, failed, createP50, createP99 := writeFor(base, post.Id, tokens, duration)
	total += n
	fmt.Printf("%d clients creating comments for %v with %d subscribers listening: %.0f/s, create p50 %v, p99 %v, %d failed\n",
		writers, duration, subscribers, float64(n)/duration.Seconds(), createP50, createP99, failed)

	for _, stop := range stops {
		stop()
	}

	// throughput with nobody listening
	n, failed, createP50, createP99 = writeFor(base, post.Id, tokens, duration)
	total += n
	fmt.Printf("%d clients creating comments for %v with nobody listening: %.0f/s, create p50 %v, p99 %v, %d failed\n",
		writers, duration, float64(n)/duration.Seconds(), createP50, createP99, failed)

	var view struct{ CommentsCount int }
	if err := call(base, "GET", "/api/blog/posts/"+post.Id, "", nil, &view); err != nil {
		return err
	}
	fmt.Printf("commentsCount %d, comments created %d\n", view.CommentsCount, total)
	if view.CommentsCount != total {
		return errors.New("commentsCount does not match the comments created")
	}
	if pid > 0 {
		fmt.Printf("server peak RSS: %s\n", peakRSS(pid))
	}
	return nil
}

// writeFor has each token create comments on the post, one after another,
// until duration has passed; it returns how many were created and failed
// and the p50/p99 time of a create.
func writeFor(base, postId string, tokens []string, duration time.Duration) (created, failed int, p50, p99 time.Duration) {
	var mu sync.Mutex
	var took []time.Duration
	var wg sync.WaitGroup
	end := time.Now().Add(duration)
	for _, token := range tokens {
		wg.Add(1)
		go func(token string) {
			defer wg.Done()
			for n := 0; time.Now().Before(end); n++ {
				start := time.Now()
				err := call(base, "POST", "/api/collections/comments/records", token,
					map[string]any{"post": postId, "body": fmt.Sprintf("load %d", n)}, nil)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					created++
					took = append(took, time.Since(start))
				}
				mu.Unlock()
			}
		}(token)
	}
	wg.Wait()
	if len(took) == 0 {
		return created, failed, 0, 0
	}
	slices.Sort(took)
	return created, failed, pct(took, 50), pct(took, 99)
}

type delivery struct {
	id string
	at time.Time
}

// subscribe opens one realtime connection, subscribes it to the post's
// comments and reports every create it hears.
func subscribe(base, postId string, out chan<- delivery, ready *sync.WaitGroup) (func(), error) {
	req, _ := http.NewRequest("GET", base+"/api/realtime", nil)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	events := bufio.NewReader(res.Body)

	// the first event is PB_CONNECT with the client id
	var connect struct{ ClientId string }
	if err := readEvent(events, &connect); err != nil {
		res.Body.Close()
		return nil, err
	}
	options, _ := json.Marshal(map[string]any{"query": map[string]string{"filter": `post = "` + postId + `"`}})
	topic := "comments/*?options=" + url.QueryEscape(string(options))
	if err := call(base, "POST", "/api/realtime", "", map[string]any{
		"clientId": connect.ClientId, "subscriptions": []string{topic},
	}, nil); err != nil {
		res.Body.Close()
		return nil, err
	}
	ready.Done()

	go func() {
		for {
			var e struct {
				Action string
				Record struct{ Id string }
			}
			if err := readEvent(events, &e); err != nil {
				return
			}
			if e.Action == "create" {
				out <- delivery{e.Record.Id, time.Now()}
			}
		}
	}()
	return func() { res.Body.Close() }, nil
}

// readEvent reads one server-sent event and decodes its data.
func readEvent(r *bufio.Reader, v any) error {
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if data.Len() == 0 {
				continue
			}
			return json.Unmarshal([]byte(data.String()), v)
		}
		if after, ok := strings.CutPrefix(line, "data:"); ok {
			data.WriteString(strings.TrimSpace(after))
		}
	}
}

var (
	users     atomic.Int64
	superuser string // token
)

func superuserToken(base, email, password string) (string, error) {
	var auth struct{ Token string }
	err := call(base, "POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": email, "password": password}, &auth)
	return auth.Token, err
}

// signUp has the superuser create a user and returns a token of that user
// (impersonation): a benchmark makes more users from one IP than the
// sign-up and login rate limits allow anybody else.
func signUp(base, name string) (string, error) {
	username := fmt.Sprintf("%s_%d_%d", name, os.Getpid(), users.Add(1))
	var user struct{ Id string }
	if err := call(base, "POST", "/api/collections/users/records", superuser, map[string]any{
		"username": username, "email": username + "@example.com",
		"password": "password-123", "passwordConfirm": "password-123",
	}, &user); err != nil {
		return "", err
	}
	var auth struct{ Token string }
	err := call(base, "POST", "/api/collections/users/impersonate/"+user.Id, superuser,
		map[string]any{"duration": 3600}, &auth)
	return auth.Token, err
}

func call(base, method, path, token string, body, out any) error {
	var payload io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		payload = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, payload)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100]
}

func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
