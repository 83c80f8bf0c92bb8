package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/sync/singleflight"
)

// publicCache holds the JSON answers of the public read routes (the
// listing, post views and threaded comments for guests) with their ETags.
//
// Each answer names what it was built from, its dependencies: the posts it
// shows, the listing it is a page of, the authors in its bylines, the
// comments of its post (see the dep* names). A write invalidates only the
// dependencies it changed (see cache_invalidation.go), before its response
// is sent, and with them exactly the answers built on them: a comment on
// one post leaves every page that does not show that post alone.
//
// An answer is stored only if none of its dependencies was invalidated
// while it was being built, so a reader still building from pre-write data
// when the write landed cannot put it back. Commits that bypass the hooks
// (another process, the sqlite3 shell) drop every answer (invalidateAll,
// see cache_external_writes.go); the ttl is a last bound on any answer's
// life.
type publicCache struct {
	answers *lru.Cache[string, cachedAnswer]
	ttl     time.Duration

	// seq counts invalidations; a build starts by reading it (begin)
	seq atomic.Uint64

	building singleflight.Group // one database build per missing answer

	mu         sync.Mutex // serializes stores and invalidations
	bytes      int        // the size of all cached answers (answerSize)
	dependents map[string]map[string]struct{}
	recent     [recentInvalidations]invalidation // a ring, by seq
	flushedAt  uint64                            // the seq of the last invalidateAll
}

// invalidation is one dependency invalidated, numbered by the cache's seq.
type invalidation struct {
	seq uint64
	dep string
}

// recentInvalidations is how many invalidations the cache remembers to
// check the builds in flight against: a build that took longer than this
// many writes is not stored (it is still answered).
const recentInvalidations = 4096

type cachedAnswer struct {
	expires time.Time
	etag    string
	body    []byte
	deps    []string
}

// The cache is bounded by entries and by bytes; the least recently used
// answers go first, so neither random query strings nor many large posts
// can grow memory past these.
const (
	publicCacheEntries  = 4096
	publicCacheBytes    = 32 << 20
	maxCachedAnswerSize = 512 << 10 // a larger answer is built per request
)

// The dependencies an answer is built from.
func depPost(id string) string        { return "post:" + id }        // a post and its body
func depCount(id string) string       { return "count:" + id }       // a post's commentsCount, in the answers that show it
func depListing(author string) string { return "listing:" + author } // which posts a listing holds, in which order ("" for all authors)
func depAuthor(id string) string      { return "author:" + id }      // an author's byline
func depComments(post string) string  { return "comments:" + post }  // the comments of a post
func depTag(id string) string         { return "tag:" + id }         // a tag's name and slug
func depTagListing(id string) string  { return "tagged:" + id }      // which published posts carry a tag, in which order

// depTagSlugs is which slug names which tag: a tag page or listing asked
// for by a slug no tag has yet depends on it.
const depTagSlugs = "tag-slugs"

// depTagCounts is how many published posts each tag has: the tags route's
// order and counts.
const depTagCounts = "tag-counts"

// depUsernames is which username names which user: an author page asked
// for by a username nobody has yet depends on it.
const depUsernames = "usernames"

// depSite is the site's settings and public address, which every page
// and feed shows.
const depSite = "site"

// depPublishedEdits is any edit of a published post or its body: the
// sitemaps' <lastmod> dates follow them, where a listing only follows
// which posts are published.
const depPublishedEdits = "published-edits"

func newPublicCache(ttl time.Duration) *publicCache {
	c := &publicCache{ttl: ttl, dependents: map[string]map[string]struct{}{}}
	// called under c.mu: from Remove, Add, RemoveOldest and Purge
	c.answers, _ = lru.NewWithEvict(publicCacheEntries, func(key string, a cachedAnswer) {
		c.bytes -= answerSize(key, a)
		for _, dep := range a.deps {
			keys := c.dependents[dep]
			delete(keys, key)
			if len(keys) == 0 {
				delete(c.dependents, dep)
			}
		}
	})
	return c
}

// begin is the point a build starts from: read it before reading the
// database, and give it to store.
func (c *publicCache) begin() uint64 {
	return c.seq.Load()
}

func (c *publicCache) answer(key string) (cachedAnswer, bool) {
	a, ok := c.answers.Get(key)
	if !ok || time.Now().After(a.expires) {
		return cachedAnswer{}, false
	}
	return a, true
}

func newCachedAnswer(ttl time.Duration, body []byte, deps []string) cachedAnswer {
	sum := sha256.Sum256(body)
	return cachedAnswer{
		expires: time.Now().Add(ttl),
		etag:    `"` + hex.EncodeToString(sum[:12]) + `"`,
		body:    body,
		deps:    deps,
	}
}

// store caches body as the answer of key, built since begin from deps,
// unless it is too large or stale already: a dependency of it was
// invalidated after since.
func (c *publicCache) store(key string, since uint64, body []byte, deps []string) cachedAnswer {
	slices.Sort(deps)
	deps = slices.Compact(deps)
	a := newCachedAnswer(c.ttl, body, deps)
	if len(body) > maxCachedAnswerSize {
		return a
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changedSince(since, deps) {
		return a
	}
	c.answers.Remove(key) // an update would not report the old size
	c.add(key, a)
	return a
}

// add caches a under key, with its dependencies, within the byte budget.
// Called under c.mu, key absent.
func (c *publicCache) add(key string, a cachedAnswer) {
	c.answers.Add(key, a)
	c.bytes += answerSize(key, a)
	for _, dep := range a.deps {
		keys := c.dependents[dep]
		if keys == nil {
			keys = map[string]struct{}{}
			c.dependents[dep] = keys
		}
		keys[key] = struct{}{}
	}
	for c.bytes > publicCacheBytes {
		c.answers.RemoveOldest()
	}
}

// changedSince tells whether any of deps (sorted) was invalidated after
// since, or may have been: the ring no longer reaches back that far, or
// everything was dropped. Called under c.mu.
func (c *publicCache) changedSince(since uint64, deps []string) bool {
	now := c.seq.Load()
	if c.flushedAt > since || now-since > recentInvalidations {
		return true
	}
	for seq := since + 1; seq <= now; seq++ {
		inv := c.recent[seq%recentInvalidations]
		if _, found := slices.BinarySearch(deps, inv.dep); found || inv.seq != seq {
			return true
		}
	}
	return false
}

// build returns the cached answer under key, or makes it with make,
// caches it with the dependencies make names and returns it; key ""
// builds an answer that is not cached. Concurrent misses of one key share
// a single build, unless a write landed in between: a request that
// arrives after a write returned never shares a build begun before it.
func (c *publicCache) build(key string, make func() (body []byte, deps []string, err error)) (cachedAnswer, error) {
	if key != "" {
		if answer, ok := c.answer(key); ok {
			return answer, nil
		}
	}
	since := c.begin()
	buildAnswer := func() (any, error) {
		body, deps, err := make()
		if err != nil {
			return nil, err
		}
		if key == "" {
			return newCachedAnswer(0, body, nil), nil
		}
		return c.store(key, since, body, deps), nil
	}

	var v any
	var err error
	if key == "" {
		v, err = buildAnswer() // nothing to share with other requests
	} else {
		v, err, _ = c.building.Do(key+"|"+strconv.FormatUint(since, 10), buildAnswer)
	}
	if err != nil {
		return cachedAnswer{}, err
	}
	return v.(cachedAnswer), nil
}

// invalidate drops every answer built on any of deps.
func (c *publicCache) invalidate(deps ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var stale []string
	for _, dep := range deps {
		seq := c.seq.Add(1)
		c.recent[seq%recentInvalidations] = invalidation{seq: seq, dep: dep}
		for key := range c.dependents[dep] {
			stale = append(stale, key)
		}
	}
	for _, key := range stale {
		c.answers.Remove(key)
	}
}

// patch rewrites in place every answer built on dep, with fix (called
// under the cache's lock, once per answer, with its key and body), and
// drops those fix cannot rewrite (an error). For a change that moves one
// value of answers that stay otherwise whole (a post's commentsCount),
// so that readers keep being answered from memory: rebuilding a listing
// page is a query, patching it a rewrite of its JSON. Builds in flight
// on dep are refused as for invalidate.
func (c *publicCache) patch(dep string, fix func(key string, body []byte) ([]byte, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq := c.seq.Add(1)
	c.recent[seq%recentInvalidations] = invalidation{seq: seq, dep: dep}
	keys := make([]string, 0, len(c.dependents[dep]))
	for key := range c.dependents[dep] {
		keys = append(keys, key)
	}
	for _, key := range keys {
		a, ok := c.answers.Peek(key)
		if !ok {
			continue
		}
		c.answers.Remove(key)
		body, err := fix(key, a.body)
		if err != nil || len(body) > maxCachedAnswerSize {
			continue
		}
		fixed := newCachedAnswer(0, body, a.deps)
		fixed.expires = a.expires
		c.add(key, fixed)
	}
}

// holds tells whether any answer is built on dep.
func (c *publicCache) holds(dep string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.dependents[dep]) > 0
}

// invalidateAll drops every answer: for changes the cache cannot trace to
// dependencies (a commit by another process, a schema change).
func (c *publicCache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushedAt = c.seq.Add(1)
	c.answers.Purge()
}

// answerSize is what an entry costs the byte budget: body and key, and
// its place in the index of dependents (each dependency with the key), so
// that answers with many dependencies (a long thread by many commenters)
// cannot grow the index past the budget either.
func answerSize(key string, a cachedAnswer) int {
	size := len(key) + len(a.body)
	for _, dep := range a.deps {
		size += len(dep) + len(key)
	}
	return size
}

// writeCachedAnswer sends a cached JSON answer (writeCachedAs).
func writeCachedAnswer(e *core.RequestEvent, a cachedAnswer, cacheControl string) error {
	return writeCachedAs(e, a, "application/json", cacheControl)
}

// writeCachedAs sends a cached answer as contentType, or 304 with no
// body when the client already holds it (If-None-Match).
func writeCachedAs(e *core.RequestEvent, a cachedAnswer, contentType, cacheControl string) error {
	h := e.Response.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", cacheControl)
	if etagMatches(e.Request.Header.Get("If-None-Match"), a.etag) {
		return e.NoContent(http.StatusNotModified)
	}
	return e.Blob(http.StatusOK, contentType, a.body)
}

// etagMatches implements the weak comparison of If-None-Match (RFC 9110
// 13.1.2): any listed tag, weak or strong, or "*".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == etag || candidate == "*" {
			return true
		}
	}
	return false
}
