package hooks

import (
	"strings"
	"testing"
	"time"
)

func TestPublicCacheGenerations(t *testing.T) {
	t.Parallel()
	c := newPublicCache(time.Minute)

	g := c.current()
	stored := c.storeAnswer("k", g, []byte(`{"a":1}`))
	if got, ok := c.answer("k"); !ok || string(got.body) != `{"a":1}` || got.etag != stored.etag || got.etag == "" {
		t.Fatalf("stored answer not served: %v %+v", ok, got)
	}

	c.invalidate()
	if _, ok := c.answer("k"); ok {
		t.Fatal("an answer of an older generation was served")
	}

	// a build that started before a write must not be stored after it
	late := c.storeAnswer("late", g, []byte(`{"old":true}`))
	if _, ok := c.answer("late"); ok || late.etag == "" {
		t.Fatal("a stale build was cached")
	}
}

func TestPublicCacheExpiry(t *testing.T) {
	t.Parallel()
	c := newPublicCache(10 * time.Millisecond)
	c.storeAnswer("k", c.current(), []byte(`{}`))
	c.storeTotal("t", c.current(), 5)
	time.Sleep(20 * time.Millisecond)
	if _, ok := c.answer("k"); ok {
		t.Fatal("an expired answer was served")
	}
	if _, ok := c.total("t"); ok {
		t.Fatal("an expired total was served")
	}
}

func TestPublicCacheByteBudget(t *testing.T) {
	t.Parallel()
	c := newPublicCache(time.Minute)

	big := []byte(strings.Repeat("x", maxCachedAnswerSize))
	for i := 0; i < 2*publicCacheBytes/maxCachedAnswerSize; i++ {
		c.storeAnswer(strings.Repeat("k", 100)+string(rune('a'+i%26))+strings.Repeat("z", i), c.current(), big)
	}
	c.mu.Lock()
	bytes, entries := c.bytes, c.answers.Len()
	c.mu.Unlock()
	if bytes > publicCacheBytes {
		t.Fatalf("the cache holds %d bytes, over its %d budget", bytes, publicCacheBytes)
	}
	sum := 0
	for _, key := range c.answers.Keys() {
		a, _ := c.answers.Peek(key)
		sum += answerSize(key, a)
	}
	if sum != bytes || entries == 0 {
		t.Fatalf("byte count %d, actual %d over %d entries", bytes, sum, entries)
	}

	if c.storeAnswer("huge", c.current(), append(big, 'x')); c.answers.Contains("huge") {
		t.Fatal("an answer over the size limit was cached")
	}

	// replacing an entry does not count it twice
	c.storeAnswer("same", c.current(), []byte("12345"))
	c.storeAnswer("same", c.current(), []byte("12345"))
	c.mu.Lock()
	defer c.mu.Unlock()
	sum = 0
	for _, key := range c.answers.Keys() {
		a, _ := c.answers.Peek(key)
		sum += answerSize(key, a)
	}
	if sum != c.bytes {
		t.Fatalf("after a replacement the count is %d, actual %d", c.bytes, sum)
	}
}

func TestEtagMatches(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]bool{
		`"abc"`:      true,
		`W/"abc"`:    true,
		`"x", "abc"`: true,
		`*`:          true,
		`"abcd"`:     false,
		``:           false,
		`"x", W/"y"`: false,
	} {
		if got := etagMatches(header, `"abc"`); got != want {
			t.Errorf("If-None-Match %s: %v, want %v", header, got, want)
		}
	}
}
