package hooks

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// The replies sent with a page of threads: the oldest maxRepliesShown of
// each thread, until the page holds maxRepliesPerPage; repliesCount tells
// how many each thread has in all, and the rest are read a page at a time
// from repliesCursor (or through the collections API by their thread). An
// answer stays under a megabyte or so however long the discussions below
// it are.
const (
	maxRepliesShown   = 100
	maxRepliesPerPage = 1000
)

// commentsPage is the body of GET /api/blog/posts/{id}/comments, a page
// of threads, and of GET /api/blog/posts/{id}/comments/{thread}/replies, a
// page of the replies of one thread. A page of threads also tells how many
// comments the post has in all, replies included (the post's
// commentsCount), so that a reader who has read only some threads can
// still say how large the discussion is.
type commentsPage struct {
	Page          int              `json:"page"`
	PerPage       int              `json:"perPage"`
	TotalItems    int              `json:"totalItems"`
	TotalPages    int              `json:"totalPages"`
	NextCursor    *string          `json:"nextCursor"`
	CommentsCount *int             `json:"commentsCount,omitempty"`
	Items         []map[string]any `json:"items"`
}

// threadedComments is GET /api/blog/posts/{id}/comments: a page of a
// post's top-level comments, oldest first, each with its first replies
// (and replies to replies) oldest first in "replies" (see
// maxRepliesShown), their number in "repliesCount" and the cursor of the
// rest in "repliesCursor" (null when all are sent), every comment with
// expand.author, and the post's commentsCount.
func (api *postsApi) threadedComments(e *core.RequestEvent) error {
	return api.comments(e, "")
}

// threadReplies is GET /api/blog/posts/{id}/comments/{thread}/replies: a
// page of the replies of one thread, replies to replies included, in the
// order they come with their top-level comment: the rest of a long thread
// from its repliesCursor, or any page of it by number.
func (api *postsApi) threadReplies(e *core.RequestEvent) error {
	thread := e.Request.PathValue("thread")
	if !content.LooksLikeRecordId(thread) {
		return e.NotFoundError(threadNotFoundMessage, nil)
	}
	return api.comments(e, thread)
}

const threadNotFoundMessage = "The thread is not a comment of this post."

// comments answers a page of a readable post's threads (thread "") or of
// thread's replies. Pages go by page number or, from a cursor of an
// earlier answer (nextCursor, repliesCursor), by position.
//
// What a guest sees is the same for every guest and comes from the public
// cache, per post and query: a post page open in many browsers costs one
// build per change of its comments, not one per reader.
func (api *postsApi) comments(e *core.RequestEvent, thread string) error {
	e.Response.Header().Add("Vary", "Authorization") // Add: CORS has put Origin there
	postId := e.Request.PathValue("id")

	// A guest's hit needs no cursor check, as the listing's (postsApi.list):
	// only valid queries are ever cached, and every valid query has a key.
	cacheKey, cacheable := threadsCacheKey(e.Request.URL.Query(), postId, thread)
	if e.Auth == nil && cacheable {
		if answer, ok := api.cache.answer(cacheKey); ok {
			return writeCachedAnswer(e, answer, "public, no-cache")
		}
	}

	key, err := commentsCursorKey(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	cq, err := parseCommentsQuery(e.Request.URL.Query(), postId, thread, key)
	if err != nil {
		return e.BadRequestError("Invalid comments query.", err)
	}

	if e.Auth != nil {
		post, err := e.App.FindRecordById(postsCollection, postId)
		if err != nil {
			return e.NotFoundError("", nil)
		}
		if err := requirePostVisible(e, post); err != nil {
			return err
		}
		result, _, err := loadComments(e.App, post, cq, key)
		if err != nil {
			return saveFailed(e, "Failed to load the comments.", err)
		}
		e.Response.Header().Set("Cache-Control", "private, no-cache")
		return e.JSON(http.StatusOK, result)
	}

	answer, err := api.cached(cacheKey, func() (any, []string, error) {
		post, err := e.App.FindRecordById(postsCollection, postId)
		if err != nil {
			return nil, nil, errPostNotFound
		}
		visible, err := e.App.CanAccessRecord(post, guestRequestInfo(), post.Collection().ViewRule)
		if err != nil || !visible {
			return nil, nil, errPostNotFound
		}
		return loadComments(e.App, post, cq, key)
	})
	if err != nil {
		return saveFailed(e, "Failed to load the comments.", err)
	}
	return writeCachedAnswer(e, answer, "public, no-cache")
}

// commentsQuery is the parsed query string of the comments routes.
type commentsQuery struct {
	page    int
	perPage int
	thread  string // the top-level comment whose replies are asked for; "" for the threads
	cursor  *commentsCursor
	raw     string // the cursor as sent
}

// before is how many replies of the thread come before the page cq asks
// for.
func (cq commentsQuery) before() int {
	if cq.cursor != nil {
		return cq.cursor.Before
	}
	return (cq.page - 1) * cq.perPage
}

// parseCommentsQuery reads page and perPage as the listing does, and
// cursor, which must be one of the comments asked for, postId's threads
// or thread's replies; it knows its page, so page is then ignored.
func parseCommentsQuery(q url.Values, postId, thread string, key []byte) (commentsQuery, error) {
	errs := validation.Errors{}
	cq := commentsQuery{thread: thread, raw: q.Get("cursor")}
	cq.page, cq.perPage = parsePaging(q, errs)
	if cq.raw != "" {
		c, err := decodeCommentsCursor(key, cq.raw)
		switch {
		case err != nil:
			errs["cursor"] = validation.NewError("validation_invalid_cursor", "Use a nextCursor or repliesCursor from an earlier answer.")
		case c.Post != postId || c.Thread != thread:
			errs["cursor"] = validation.NewError("validation_cursor_mismatch", "The cursor belongs to the comments of another post or thread.")
		default:
			cq.cursor = &c
			cq.page = c.Page
			if c.Thread != "" {
				cq.page = c.Before/cq.perPage + 1
			}
		}
	}
	if len(errs) > 0 {
		return cq, errs
	}
	return cq, nil
}

// threadsCacheKey names a comments query in the public cache: numbers in
// their canonical form and the cursor bounded, as listingCacheKey does.
// ok is false for a query that cannot be valid.
func threadsCacheKey(q url.Values, postId, thread string) (key string, ok bool) {
	errs := validation.Errors{}
	page, perPage := parsePaging(q, errs)
	cursor := q.Get("cursor")
	if len(errs) > 0 || len(cursor) > maxCursorLength {
		return "", false
	}
	if cursor != "" {
		page = 0 // a cursor knows its page
	}
	return threadsKeyPrefix + postId + "|" + strconv.Itoa(page) + "|" + strconv.Itoa(perPage) +
		"|" + thread + "|" + cursor, true
}

// loadComments reads the page cq asks for, of threads or of one thread's
// replies, and names its dependencies in the public cache: the post, its
// comments and their authors.
func loadComments(app core.App, post *core.Record, cq commentsQuery, key []byte) (*commentsPage, []string, error) {
	if cq.thread != "" {
		return loadReplies(app, post, cq, key)
	}
	return loadThreads(app, post, cq, key)
}

// afterComment keeps, of comments sent oldest first, those after the
// position of c.
func afterComment(c *commentsCursor) dbx.Expression {
	return dbx.NewExp("([[created]], [[id]]) > ({:created}, {:id})", dbx.Params{"created": c.Created, "id": c.Id})
}

// pageOf reads a page of comments matching where, oldest first: from the
// cursor's position, or by page number. more tells whether any follow.
func pageOf(app core.App, where dbx.Expression, cq commentsQuery) (comments []*core.Record, more bool, err error) {
	query := app.RecordQuery(commentsCollection).AndWhere(where).
		OrderBy("created ASC", "id ASC").
		Limit(int64(cq.perPage) + 1)
	switch {
	case cq.cursor == nil:
		query.Offset(int64(cq.page-1) * int64(cq.perPage))
	case !cq.cursor.fromStart():
		query.AndWhere(afterComment(cq.cursor))
	}
	if err := query.All(&comments); err != nil {
		return nil, false, err
	}
	if len(comments) > cq.perPage {
		return comments[:cq.perPage], true, nil
	}
	return comments, false, nil
}

// loadThreads reads a page of post's threads (see threadedComments).
func loadThreads(app core.App, post *core.Record, cq commentsQuery, key []byte) (*commentsPage, []string, error) {
	topLevel := dbx.HashExp{"post": post.Id, "parent": ""}
	commentsCount := post.GetInt("commentsCount")
	result := &commentsPage{Page: cq.page, PerPage: cq.perPage, CommentsCount: &commentsCount, Items: []map[string]any{}}
	if err := app.DB().Select("COUNT(*)").From(commentsCollection).Where(topLevel).Row(&result.TotalItems); err != nil {
		return nil, nil, err
	}
	result.TotalPages = int(math.Ceil(float64(result.TotalItems) / float64(cq.perPage)))

	threads, more, err := pageOf(app, topLevel, cq)
	if err != nil {
		return nil, nil, err
	}
	if more {
		last := threads[len(threads)-1]
		next := encodeCommentsCursor(key, commentsCursor{
			Post: post.Id, Created: last.GetString("created"), Id: last.Id, Page: cq.page + 1,
		})
		result.NextCursor = &next
	}

	replies, repliesCount, err := firstRepliesOf(app, threads)
	if err != nil {
		return nil, nil, err
	}

	shown := slices.Clone(threads)
	for _, r := range replies {
		shown = append(shown, r...)
	}
	export, deps, err := commentExporter(app, post, shown)
	if err != nil {
		return nil, nil, err
	}

	for _, thread := range threads {
		item := export(thread)
		list := []map[string]any{}
		for _, reply := range replies[thread.Id] {
			list = append(list, export(reply))
		}
		item["replies"] = list
		item["repliesCount"] = repliesCount[thread.Id]
		item["repliesCursor"] = nil
		if sent := replies[thread.Id]; len(sent) < repliesCount[thread.Id] {
			rest := commentsCursor{Post: post.Id, Thread: thread.Id, Before: len(sent)}
			if len(sent) > 0 {
				rest.Created, rest.Id = sent[len(sent)-1].GetString("created"), sent[len(sent)-1].Id
			}
			item["repliesCursor"] = encodeCommentsCursor(key, rest)
		}
		result.Items = append(result.Items, item)
	}
	return result, deps, nil
}

// loadReplies reads a page of the replies of the thread cq asks for,
// replies to replies included, oldest first: the order they come in with
// their top-level comment, which sends the first of them.
func loadReplies(app core.App, post *core.Record, cq commentsQuery, key []byte) (*commentsPage, []string, error) {
	var threads int
	err := app.DB().Select("COUNT(*)").From(commentsCollection).
		Where(dbx.HashExp{"id": cq.thread, "post": post.Id, "parent": ""}).Row(&threads)
	if err != nil {
		return nil, nil, err
	}
	if threads == 0 {
		return nil, nil, apis.NewNotFoundError(threadNotFoundMessage, nil)
	}

	// "thread != ''" lets SQLite use the partial index
	inThread := dbx.And(dbx.HashExp{"thread": cq.thread}, dbx.NewExp("[[thread]] != ''"))
	result := &commentsPage{Page: cq.page, PerPage: cq.perPage, Items: []map[string]any{}}
	if err := app.DB().Select("COUNT(*)").From(commentsCollection).Where(inThread).Row(&result.TotalItems); err != nil {
		return nil, nil, err
	}
	result.TotalPages = int(math.Ceil(float64(result.TotalItems) / float64(cq.perPage)))

	replies, more, err := pageOf(app, inThread, cq)
	if err != nil {
		return nil, nil, err
	}
	if more {
		last := replies[len(replies)-1]
		next := encodeCommentsCursor(key, commentsCursor{
			Post: post.Id, Thread: cq.thread, Created: last.GetString("created"), Id: last.Id, Before: cq.before() + len(replies),
		})
		result.NextCursor = &next
	}

	export, deps, err := commentExporter(app, post, replies)
	if err != nil {
		return nil, nil, err
	}
	for _, reply := range replies {
		result.Items = append(result.Items, export(reply))
	}
	return result, deps, nil
}

// commentExporter loads the authors of comments in one query and returns
// how a comment is sent (its public fields with expand.author), and the
// dependencies of an answer showing them: the post, its comments and the
// authors.
func commentExporter(app core.App, post *core.Record, comments []*core.Record) (func(*core.Record) map[string]any, []string, error) {
	authors, err := publicAuthorsOf(app, comments)
	if err != nil {
		return nil, nil, err
	}
	deps := []string{depPost(post.Id), depComments(post.Id)}
	for id := range authors {
		deps = append(deps, depAuthor(id))
	}
	return func(c *core.Record) map[string]any {
		item := c.PublicExport()
		item["expand"] = map[string]any{"author": authors[c.GetString("author")]}
		return item
	}, deps, nil
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
