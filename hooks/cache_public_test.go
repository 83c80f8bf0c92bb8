package hooks

import (
	"strings"
	"testing"
	"time"
)

func TestPublicCacheDependencies(t *testing.T) {
	t.Parallel()
	c := newPublicCache(time.Minute)
	cached := func(key string) bool { _, ok := c.answer(key); return ok }

	page := c.store("page", c.begin(), []byte(`{"a":1}`), []string{depListing(""), depPost("p1"), depPost("p2")})
	c.store("view", c.begin(), []byte(`{"b":1}`), []string{depPost("p3")})
	if got, ok := c.answer("page"); !ok || string(got.body) != `{"a":1}` || got.etag != page.etag || got.etag == "" {
		t.Fatalf("stored answer not served: %v %+v", ok, got)
	}

	// a change elsewhere leaves the answer alone; one of its own drops it
	c.invalidate(depPost("p3"), depComments("p1"), depListing("someone"))
	if !cached("page") || cached("view") {
		t.Fatalf("after p3 changed: page cached %v (want true), view cached %v (want false)", cached("page"), cached("view"))
	}
	c.invalidate(depPost("p2"))
	if cached("page") {
		t.Fatal("an answer showing a changed post was served")
	}

	// a build begun before a change of what it read is not stored; one
	// begun before an unrelated change is
	since := c.begin()
	c.invalidate(depPost("p1"))
	c.store("late", since, []byte(`{"old":true}`), []string{depListing(""), depPost("p1")})
	c.store("unrelated", since, []byte(`{}`), []string{depPost("p9")})
	if cached("late") || !cached("unrelated") {
		t.Fatalf("late build cached %v (want false), unrelated cached %v (want true)", cached("late"), cached("unrelated"))
	}

	// a build older than the invalidations remembered is not stored
	since = c.begin()
	for i := 0; i <= recentInvalidations; i++ {
		c.invalidate(depPost("other"))
	}
	if c.store("ancient", since, []byte(`{}`), []string{depPost("p9")}); cached("ancient") {
		t.Fatal("a build older than the remembered invalidations was cached")
	}

	// invalidateAll drops everything, and every build begun before it
	since = c.begin()
	c.store("x", c.begin(), []byte(`{}`), []string{depPost("x")})
	c.invalidateAll()
	if c.store("y", since, []byte(`{}`), []string{depPost("y")}); cached("x") || cached("y") || cached("unrelated") {
		t.Fatal("an answer survived invalidateAll")
	}

	// the index of dependents does not keep what is gone
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dependents) != 0 || c.bytes != 0 {
		t.Fatalf("an empty cache keeps %d dependencies and %d bytes", len(c.dependents), c.bytes)
	}
}

func TestPublicCacheExpiry(t *testing.T) {
	t.Parallel()
	c := newPublicCache(10 * time.Millisecond)
	c.store("k", c.begin(), []byte(`{}`), nil)
	time.Sleep(20 * time.Millisecond)
	if _, ok := c.answer("k"); ok {
		t.Fatal("an expired answer was served")
	}
}

func TestPublicCacheByteBudget(t *testing.T) {
	t.Parallel()
	c := newPublicCache(time.Minute)

	big := []byte(strings.Repeat("x", maxCachedAnswerSize))
	for i := 0; i < 2*publicCacheBytes/maxCachedAnswerSize; i++ {
		c.store(strings.Repeat("k", 100)+string(rune('a'+i%26))+strings.Repeat("z", i), c.begin(), big, []string{depPost("p")})
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

	if c.store("huge", c.begin(), append(big, 'x'), nil); c.answers.Contains("huge") {
		t.Fatal("an answer over the size limit was cached")
	}

	// replacing an entry does not count it twice
	c.store("same", c.begin(), []byte("12345"), []string{depPost("p")})
	c.store("same", c.begin(), []byte("12345"), []string{depPost("p")})
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
