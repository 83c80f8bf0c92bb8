package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The public cache's keys begin with the kind of answer they hold.
const (
	listingKeyPrefix = "list|"     // a page of GET /api/blog/posts
	viewKeyPrefix    = "view|"     // a guest's GET /api/blog/posts/{idOrSlug}
	threadsKeyPrefix = "comments|" // a guest's GET /api/blog/posts/{id}/comments (and …/{thread}/replies)
	tagsKeyPrefix    = "tags|"     // a page of GET /api/blog/tags
)

var errNotPatchable = errors.New("this answer is rebuilt, not patched")

// patchCommentsCount writes post's commentsCount, as now stored, into the
// cached listing pages and view that show it (publicCache.patch): the
// answers that depend on depCount(post). The pages and feeds do not show
// the count and do not depend on it: a comment leaves them, and their
// builds in flight, alone.
//
// Comments on one post are patched one at a time, from reading the count
// to writing it in, so that of two landing together the later patch
// writes the later count; other posts' go on meanwhile.
func patchCommentsCount(app core.App, cache *publicCache, post string) {
	lock := &commentCountLocks[fnv32(post)%uint32(len(commentCountLocks))]
	lock.Lock()
	defer lock.Unlock()

	count := -1
	if cache.holds(depCount(post)) {
		var n int
		err := app.DB().Select("commentsCount").From(postsCollection).Where(dbx.HashExp{"id": post}).Row(&n)
		if err == nil {
			count = n
		}
	}
	cache.patch(depCount(post), func(key string, body []byte) ([]byte, error) {
		if count < 0 || !(strings.HasPrefix(key, listingKeyPrefix) || strings.HasPrefix(key, viewKeyPrefix)) {
			return nil, errNotPatchable
		}
		return spliceCommentsCount(body, post, count)
	})
}

// spliceCommentsCount rewrites, in the JSON of a listing page or a post
// view, the commentsCount of post id, in place: the bytes a build would
// write, at the cost of a search and a copy, where decoding and encoding
// a page of a hundred posts for every comment would cost a millisecond.
//
// A post's fields are written in key order, so its commentsCount is the
// last one before its "id" (its author's expanded id comes after
// commentsCount too, and no other field of the two is named so); text
// values hold their quotes escaped, so neither key can be forged by a
// title or a body.
func spliceCommentsCount(body []byte, id string, count int) ([]byte, error) {
	quoted, _ := json.Marshal(id)
	at := bytes.Index(body, append([]byte(`"id":`), quoted...))
	if at < 0 {
		return nil, errNotPatchable
	}
	key := []byte(`"commentsCount":`)
	start := bytes.LastIndex(body[:at], key)
	if start < 0 {
		return nil, errNotPatchable
	}
	start += len(key)
	end := start
	for end < len(body) && (body[end] == '-' || body[end] >= '0' && body[end] <= '9') {
		end++
	}
	if end == start {
		return nil, errNotPatchable
	}
	patched := make([]byte, 0, len(body)+8)
	patched = append(patched, body[:start]...)
	patched = strconv.AppendInt(patched, int64(count), 10)
	return append(patched, body[end:]...), nil
}

// commentCountLocks serialize the count patches of each post (by a hash
// of its id).
var commentCountLocks [64]sync.Mutex

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
