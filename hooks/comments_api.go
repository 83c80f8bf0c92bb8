package hooks

import (
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// The replies sent with a page of threads: the oldest maxRepliesShown of
// each thread, until the page holds maxRepliesPerPage; repliesCount tells
// how many each thread has in all, and the rest are read through the
// collections API by their thread. An answer stays under a megabyte or so
// however long the discussions below it are.
const (
	maxRepliesShown   = 100
	maxRepliesPerPage = 1000
)

// commentsPage is the body of GET /api/blog/posts/{id}/comments.
type commentsPage struct {
	Page       int              `json:"page"`
	PerPage    int              `json:"perPage"`
	TotalItems int              `json:"totalItems"`
	TotalPages int              `json:"totalPages"`
	Items      []map[string]any `json:"items"`
}

// threadedComments answers a page of a post's top-level comments, oldest
// first, each with its first replies (and replies to replies) oldest first
// in "replies" (see maxRepliesShown) and their number in "repliesCount",
// every comment with expand.author.
//
// What a guest sees is the same for every guest and comes from the public
// cache, per post and page: a post page open in many browsers costs one
// build per change of its comments, not one per reader.
func (api *postsApi) threadedComments(e *core.RequestEvent) error {
	e.Response.Header().Add("Vary", "Authorization") // Add: CORS has put Origin there
	errs := validation.Errors{}
	page, perPage := parsePaging(e.Request.URL.Query(), errs)
	if len(errs) > 0 {
		return e.BadRequestError("Invalid comments query.", errs)
	}
	postId := e.Request.PathValue("id")

	if e.Auth != nil {
		post, err := e.App.FindRecordById(postsCollection, postId)
		if err != nil {
			return e.NotFoundError("", nil)
		}
		if err := requirePostVisible(e, post); err != nil {
			return err
		}
		result, _, err := loadThreads(e.App, post, page, perPage)
		if err != nil {
			return e.InternalServerError("Failed to load the comments.", err)
		}
		e.Response.Header().Set("Cache-Control", "private, no-cache")
		return e.JSON(http.StatusOK, result)
	}

	key := threadsKeyPrefix + postId + "|" + strconv.Itoa(page) + "|" + strconv.Itoa(perPage)
	answer, err := api.cached(key, func() (any, []string, error) {
		post, err := e.App.FindRecordById(postsCollection, postId)
		if err != nil {
			return nil, nil, errPostNotFound
		}
		visible, err := e.App.CanAccessRecord(post, guestRequestInfo(), post.Collection().ViewRule)
		if err != nil || !visible {
			return nil, nil, errPostNotFound
		}
		return loadThreads(e.App, post, page, perPage)
	})
	if err != nil {
		return saveFailed(e, "Failed to load the comments.", err)
	}
	return writeCachedAnswer(e, answer, "public, no-cache")
}

// loadThreads reads a page of post's threads (see threadedComments) and
// names its dependencies in the public cache: the post, its comments and
// their authors.
func loadThreads(app core.App, post *core.Record, page, perPage int) (*commentsPage, []string, error) {
	topLevel := dbx.HashExp{"post": post.Id, "parent": ""}
	result := &commentsPage{Page: page, PerPage: perPage, Items: []map[string]any{}}
	if err := app.DB().Select("COUNT(*)").From(commentsCollection).Where(topLevel).Row(&result.TotalItems); err != nil {
		return nil, nil, err
	}
	result.TotalPages = int(math.Ceil(float64(result.TotalItems) / float64(perPage)))

	var threads []*core.Record
	err := app.RecordQuery(commentsCollection).AndWhere(topLevel).
		OrderBy("created ASC", "id ASC").
		Limit(int64(perPage)).Offset(int64(page-1) * int64(perPage)).
		All(&threads)
	if err != nil {
		return nil, nil, err
	}

	replies, repliesCount, err := firstRepliesOf(app, threads)
	if err != nil {
		return nil, nil, err
	}

	shown := slices.Clone(threads)
	for _, r := range replies {
		shown = append(shown, r...)
	}
	authors, err := publicAuthorsOf(app, shown)
	if err != nil {
		return nil, nil, err
	}
	deps := []string{depPost(post.Id), depComments(post.Id)}
	for id := range authors {
		deps = append(deps, depAuthor(id))
	}
	withAuthor := func(c *core.Record) map[string]any {
		item := c.PublicExport()
		item["expand"] = map[string]any{"author": authors[c.GetString("author")]}
		return item
	}

	for _, thread := range threads {
		item := withAuthor(thread)
		list := []map[string]any{}
		for _, reply := range replies[thread.Id] {
			list = append(list, withAuthor(reply))
		}
		item["replies"] = list
		item["repliesCount"] = repliesCount[thread.Id]
		result.Items = append(result.Items, item)
	}
	return result, deps, nil
}

// firstRepliesOf reads, for each top-level comment, how many replies its
// thread has, however deep, and its first replies, oldest first, within
// maxRepliesShown a thread and maxRepliesPerPage in all, threads in page
// order. Both come from the comments.thread index: the cost follows what
// is sent, not the size of the discussion.
func firstRepliesOf(app core.App, threads []*core.Record) (map[string][]*core.Record, map[string]int, error) {
	replies := map[string][]*core.Record{}
	counts := map[string]int{}
	if len(threads) == 0 {
		return replies, counts, nil
	}

	ids := make([]any, len(threads))
	for i, t := range threads {
		ids[i] = t.Id
	}
	var sizes []struct {
		Thread string `db:"thread"`
		N      int    `db:"n"`
	}
	// "thread != ''" lets SQLite use the partial index
	err := app.DB().Select("thread", "COUNT(*) AS n").From(commentsCollection).
		Where(dbx.In("thread", ids...)).AndWhere(dbx.NewExp("[[thread]] != ''")).
		GroupBy("thread").All(&sizes)
	if err != nil {
		return nil, nil, err
	}

	for _, size := range sizes {
		counts[size.Thread] = size.N
	}

	budget := maxRepliesPerPage
	for _, thread := range threads {
		if counts[thread.Id] == 0 || budget == 0 {
			continue
		}
		var first []*core.Record
		err := app.RecordQuery(commentsCollection).
			AndWhere(dbx.HashExp{"thread": thread.Id}).AndWhere(dbx.NewExp("[[thread]] != ''")).
			OrderBy("created ASC", "id ASC").
			Limit(int64(min(maxRepliesShown, budget))).
			All(&first)
		if err != nil {
			return nil, nil, err
		}
		replies[thread.Id] = first
		budget -= len(first)
	}
	return replies, counts, nil
}
