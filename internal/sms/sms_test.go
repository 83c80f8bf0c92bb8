package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"13812345678":       "+8613812345678",
		"138 1234 5678":     "+8613812345678",
		"+86 138-1234-5678": "+8613812345678",
		"+14155552671":      "+14155552671",
		"+44 20 7946 0958":  "+442079460958",
	} {
		got, err := NormalizePhone(raw)
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "abc", "+86 123", "1381234567890123", strings.Repeat("1", 40)} {
		if got, err := NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want an error", bad, got)
		}
	}
}

func TestWebhookProviderSignsAndReportsFailures(t *testing.T) {
	t.Parallel()

	var calls atomic.Int32
	var got Message
	var signature string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway) // the first attempt fails
			return
		}
		signature = r.Header.Get(SignatureHeader)
		json.Unmarshal(body, &got)
		if Sign("s3cret", body) != signature || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()

	p := WebhookProvider{URL: sink.URL, Secret: "s3cret"}
	m := Message{Phone: "+8613812345678", Code: "123456", Text: "Your code is 123456"}
	if err := p.Send(context.Background(), m); err == nil {
		t.Fatal("a 502 answer was taken for a delivery")
	}
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatalf("the retry failed: %v", err)
	}
	if got != m || !strings.HasPrefix(signature, "sha256=") {
		t.Fatalf("the sink got %+v signed %q", got, signature)
	}
}

func TestWebhookProviderWithoutSecretSendsNoSignature(t *testing.T) {
	t.Parallel()
	var header string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Get(SignatureHeader)
	}))
	defer sink.Close()
	if err := (WebhookProvider{URL: sink.URL}).Send(context.Background(), Message{Phone: "+1", Code: "1"}); err != nil {
		t.Fatal(err)
	}
	if header != "" {
		t.Fatalf("unexpected signature %q", header)
	}
}

func TestWebhookProviderTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer sink.Close()
	defer close(release)

	p := WebhookProvider{URL: sink.URL, Client: &http.Client{Timeout: 100 * time.Millisecond}}
	started := time.Now()
	if err := p.Send(context.Background(), Message{Phone: "+1", Code: "1"}); err == nil {
		t.Fatal("a hanging gateway was taken for a delivery")
	}
	if time.Since(started) > 2*time.Second {
		t.Fatal("the send did not give up")
	}
}

func TestLogProviderWritesTheCode(t *testing.T) {
	t.Parallel()
	var log, terminal bytes.Buffer
	p := LogProvider{Logger: slog.New(slog.NewTextHandler(&log, nil)), Out: &terminal}
	if err := p.Send(context.Background(), Message{Phone: "+8613812345678", Code: "654321", Text: "Your code is 654321"}); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{log.String(), terminal.String()} {
		if !strings.Contains(out, "654321") || !strings.Contains(out, "+8613812345678") {
			t.Fatalf("output: %s", out)
		}
	}
}
