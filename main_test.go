package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReleaseBinaryUnderTmp builds blogbase as a release is built and runs
// it from /tmp (where PocketBase's own check takes any binary for `go
// run`), started from another directory: it serves the web app next to
// it, keeps its data next to it (also for `superuser upsert` without
// --dir), and warns at start about a payment provider it cannot use.
func TestReleaseBinaryUnderTmp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	release := filepath.Join(t.TempDir(), "release")
	bin := filepath.Join(release, "blogbase")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(release, "pb_public"), os.DirFS("pb_public")); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()

	upsert := exec.Command(bin, "superuser", "upsert", "admin@example.com", "admin-password-1")
	upsert.Dir = elsewhere
	if out, err := upsert.CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(release, "pb_data", "data.db")); err != nil {
		t.Fatalf("superuser upsert did not write next to the binary: %v", err)
	}

	addr := freeAddr(t)
	serve := exec.Command(bin, "serve", "--http", addr)
	serve.Dir = elsewhere
	serve.Env = append(os.Environ(), "BLOG_PUBLIC_URL=https://blog.example.com", "BLOG_ALIPAY_APP_ID=2021000000000000", "BLOG_ALIPAY_PUBLIC_KEY=/nonexistent/alipay.pem")
	var stderr lockedBuffer
	serve.Stderr = &stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		serve.Process.Kill()
		serve.Wait()
	}()

	var page string
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				page = string(body)
				break
			}
			t.Fatalf("GET / answered %d: %s", res.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(page, "<script") {
		t.Fatalf("GET / is not the web app: %q", page)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "pb_data")); err == nil {
		t.Fatal("the server made pb_data in its working directory")
	}
	want := "Warning: payments through alipay are off: Payments are not configured: BLOG_ALIPAY_PUBLIC_KEY names a file that cannot be read"
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("no start-up warning %q in:\n%s", want, stderr.String())
	}
}

// freeAddr is a local address nothing listens on.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestGoRun tells `go run` binaries from release builds by their path.
func TestGoRun(t *testing.T) {
	defer func(arg string) { os.Args[0] = arg }(os.Args[0])
	hash := strings.Repeat("a1", 32)
	for path, want := range map[string]bool{
		"/tmp/go-build1234/b001/exe/blogbase":              true,
		"/root/.cache/go-build/3f/" + hash + "-d/blogbase": true,
		"/srv/gocache/3f/" + hash + "-d/blogbase":          true,
		"/tmp/release/blogbase":                            false,
		"/usr/local/bin/blogbase":                          false,
		"blogbase":                                         false,
		"/opt/ab/build-d/blogbase":                         false,
		"/data/ab/cd-d/blogbase":                           false,
		"/home/ci/go-build-output/blogbase":                false,
		"/srv/go-builds/blogbase":                          false,
	} {
		os.Args[0] = path
		if got := goRun(); got != want {
			t.Errorf("%s: goRun %v, want %v", path, got, want)
		}
	}
}
