package hooks

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The public cache's keys begin with the kind of answer they hold.
const (
	listingKeyPrefix = "list|"     // a page of GET /api/blog/posts
	viewKeyPrefix    = "view|"     // a guest's GET /api/blog/posts/{idOrSlug}
	threadsKeyPrefix = "comments|" // a guest's GET /api/blog/posts/{id}/comments
)

var errNotPatchable = errors.New("this answer is rebuilt, not patched")

// patchCommentsCount is the publicCache.patch fix for a comment that came
// or went on post: the listing pages and the view that show the post get
// its commentsCount as now stored (read once, under the cache's lock, so
// that of two comments landing together the later patch writes the later
// count); any other answer is rebuilt. The JSON written is what a build
// would write: the same fields in the same order, the other values as
// they were.
func patchCommentsCount(app core.App, post string) func(key string, body []byte) ([]byte, error) {
	count := json.RawMessage(nil)
	return func(key string, body []byte) ([]byte, error) {
		if count == nil {
			var n int
			err := app.DB().Select("commentsCount").From(postsCollection).Where(dbx.HashExp{"id": post}).Row(&n)
			if err != nil {
				return nil, err
			}
			count = json.RawMessage(strconv.Itoa(n))
		}
		switch {
		case strings.HasPrefix(key, listingKeyPrefix):
			var page listedPage
			if err := json.Unmarshal(body, &page); err != nil {
				return nil, err
			}
			id, _ := json.Marshal(post)
			for _, item := range page.Items {
				if string(item["id"]) == string(id) {
					item["commentsCount"] = count
				}
			}
			return json.Marshal(page)
		case strings.HasPrefix(key, viewKeyPrefix):
			var view map[string]json.RawMessage
			if err := json.Unmarshal(body, &view); err != nil {
				return nil, err
			}
			view["commentsCount"] = count
			return json.Marshal(view) // a map: keys sorted, as PocketBase's export was
		}
		return nil, errNotPatchable
	}
}

// listedPage is postsPage as it reads back from its JSON, the items kept
// as they were written: field for field the same, so that a patched page
// writes what a build would.
type listedPage struct {
	Page       int                          `json:"page"`
	PerPage    int                          `json:"perPage"`
	TotalItems int                          `json:"totalItems"`
	TotalPages int                          `json:"totalPages"`
	NextCursor *string                      `json:"nextCursor"`
	Items      []map[string]json.RawMessage `json:"items"`
}
