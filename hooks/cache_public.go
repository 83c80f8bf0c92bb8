package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pocketbase/pocketbase/core"
)

// publicCache holds the JSON answers of the public read routes (the
// listing, and post views for guests) with their ETags.
//
// Every committed write to posts, postContents or users bumps the cache's
// generation before the write's response is sent (see bindPublicCache); an
// answer built in an older generation is never served again, even one that
// a reader was still building from pre-write data when the write landed.
// Commits that bypass these hooks (another process, raw SQL) are caught by
// bindExternalWrites; the ttl is a last bound on any answer's life.
type publicCache struct {
	generation atomic.Uint64
	answers    *lru.Cache[string, cachedAnswer]
	totals     *lru.Cache[string, cachedTotal]
	ttl        time.Duration

	mu    sync.Mutex // serializes stores, so that bytes stays exact
	bytes int        // the size of all cached answers, keys included
}

type cachedAnswer struct {
	generation uint64
	expires    time.Time
	etag       string
	body       []byte
}

type cachedTotal struct {
	generation uint64
	expires    time.Time
	n          int
}

// The cache is bounded by entries and by bytes; the least recently used
// answers go first, so neither random query strings nor many large posts
// can grow memory past these.
const (
	publicCacheEntries  = 4096
	publicCacheBytes    = 32 << 20
	maxCachedAnswerSize = 512 << 10 // a larger answer is built per request
)

func newPublicCache(ttl time.Duration) *publicCache {
	c := &publicCache{ttl: ttl}
	c.answers, _ = lru.NewWithEvict(publicCacheEntries, func(key string, a cachedAnswer) {
		c.bytes -= answerSize(key, a) // called under c.mu, from Remove, Add and RemoveOldest
	})
	c.totals, _ = lru.New[string, cachedTotal](publicCacheEntries)
	return c
}

// bindPublicCache invalidates the cache after every committed write that
// can change a public answer, whatever path made it: any write to posts or
// bodies, a change of an author's public fields or an author's removal,
// and any collection change (rules and fields shape the answers too).
func bindPublicCache(app core.App, cache *publicCache) {
	invalidate := func(e *core.RecordEvent) error {
		cache.invalidate()
		return e.Next()
	}
	for _, collection := range []string{postsCollection, postContentsCollection} {
		app.OnRecordAfterCreateSuccess(collection).BindFunc(invalidate)
		app.OnRecordAfterUpdateSuccess(collection).BindFunc(invalidate)
		app.OnRecordAfterDeleteSuccess(collection).BindFunc(invalidate)
	}

	// A new user has no posts yet, and most updates of a user (password,
	// token key, email) show nowhere public: only a byline change counts,
	// judged against the stored row.
	app.OnRecordAfterDeleteSuccess(usersCollection).BindFunc(invalidate)
	app.OnRecordUpdate(usersCollection).BindFunc(func(e *core.RecordEvent) error {
		var stored struct {
			Username string `db:"username"`
			Name     string `db:"name"`
			Avatar   string `db:"avatar"`
		}
		err := readStoredRow(e.App, e.Record, &stored)
		bylineChanged := err != nil ||
			stored.Username != e.Record.GetString("username") ||
			stored.Name != e.Record.GetString("name") ||
			stored.Avatar != e.Record.GetString("avatar")

		if err := e.Next(); err != nil || !bylineChanged {
			return err
		}
		if tx := e.App.TxInfo(); tx != nil {
			tx.OnComplete(func(txErr error) error {
				if txErr == nil {
					cache.invalidate()
				}
				return nil
			})
			return nil
		}
		cache.invalidate()
		return nil
	})

	invalidateOnSchema := func(e *core.CollectionEvent) error {
		cache.invalidate()
		return e.Next()
	}
	app.OnCollectionAfterCreateSuccess().BindFunc(invalidateOnSchema)
	app.OnCollectionAfterUpdateSuccess().BindFunc(invalidateOnSchema)
	app.OnCollectionAfterDeleteSuccess().BindFunc(invalidateOnSchema)
}

// invalidate makes every answer cached so far stale.
func (c *publicCache) invalidate() {
	c.generation.Add(1)
}

// current is the generation an answer being built now belongs to. Read it
// before reading the database.
func (c *publicCache) current() uint64 {
	return c.generation.Load()
}

func (c *publicCache) answer(key string) (cachedAnswer, bool) {
	a, ok := c.answers.Get(key)
	if !ok || a.generation != c.current() || time.Now().After(a.expires) {
		return cachedAnswer{}, false
	}
	return a, true
}

func newCachedAnswer(generation uint64, ttl time.Duration, body []byte) cachedAnswer {
	sum := sha256.Sum256(body)
	return cachedAnswer{
		generation: generation,
		expires:    time.Now().Add(ttl),
		etag:       `"` + hex.EncodeToString(sum[:12]) + `"`,
		body:       body,
	}
}

// storeAnswer caches body as the answer of key built in generation, unless
// it is too large or already stale (a write landed while it was built).
func (c *publicCache) storeAnswer(key string, generation uint64, body []byte) cachedAnswer {
	a := newCachedAnswer(generation, c.ttl, body)
	if len(body) > maxCachedAnswerSize || generation != c.current() {
		return a
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers.Remove(key) // an update would not report the old size
	c.answers.Add(key, a)
	c.bytes += answerSize(key, a)
	for c.bytes > publicCacheBytes {
		c.answers.RemoveOldest()
	}
	return a
}

// answerSize is what an entry costs the byte budget: body and key.
func answerSize(key string, a cachedAnswer) int {
	return len(key) + len(a.body)
}

func (c *publicCache) total(key string) (int, bool) {
	t, ok := c.totals.Get(key)
	if !ok || t.generation != c.current() || time.Now().After(t.expires) {
		return 0, false
	}
	return t.n, true
}

func (c *publicCache) storeTotal(key string, generation uint64, n int) {
	c.totals.Add(key, cachedTotal{generation: generation, expires: time.Now().Add(c.ttl), n: n})
}

// writeCachedAnswer sends a cached answer, or 304 with no body when the
// client already holds it (If-None-Match).
func writeCachedAnswer(e *core.RequestEvent, a cachedAnswer, cacheControl string) error {
	h := e.Response.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", cacheControl)
	if etagMatches(e.Request.Header.Get("If-None-Match"), a.etag) {
		return e.NoContent(http.StatusNotModified)
	}
	return e.Blob(http.StatusOK, "application/json", a.body)
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
