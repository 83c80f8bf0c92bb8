package hooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"blogbase/internal/content"
	"blogbase/internal/search"
)

const (
	// maxSearchResults is how deep a search can be paged: the matches it
	// ranks (search.Window).
	maxSearchResults = search.Window

	// excerptRunes is about how long the text excerpt of a result is.
	excerptRunes = 160

	// excerptScanBytes is how much of a body's text is searched for an
	// excerpt: a body may hold a megabyte of text, and one read whole for
	// each result of each search let a few such posts slow every search
	// down to seconds. A match further on shows the summary instead.
	excerptScanBytes = 64 << 10

	// searchQueueWait is how long a search waits for its turn before it
	// is answered 429.
	searchQueueWait = 3 * time.Second
)

// searchPage is the body of GET /api/blog/search, and what the search
// page shows.
type searchPage struct {
	PerPage    int              `json:"perPage"`
	NextCursor *string          `json:"nextCursor"`
	Items      []map[string]any `json:"items"`

	// end is the rank after this page's last result: maxSearchResults
	// when the search went as deep as it ranks
	end int
}

// searching holds a place for each search under way (findPosts).
var searching = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

// searchCursor is where the next page of a search starts: the query it
// belongs to and how many results came before.
type searchCursor struct {
	Query  string `json:"q"`
	Offset int    `json:"o"`
}

// searchPosts is GET /api/blog/search?q=…: a page of findPosts.
func searchPosts(e *core.RequestEvent) error {
	query := e.Request.URL.Query()
	// a perPage that is not a number from 1 is read as one below 1,
	// which findPosts answers as parsePaging does
	_, perPage := parsePaging(url.Values{"perPage": query["perPage"]}, validation.Errors{})
	page, errs, err := findPosts(e.App, query.Get("q"), perPage, query.Get("cursor"))
	if err != nil {
		return searchFailed(e, err)
	}
	if len(errs) > 0 {
		return e.BadRequestError("Invalid search.", errs)
	}
	return e.JSON(200, page)
}

// searchFailed answers a search that could not be made: too many at
// once (429), or the database's failure.
func searchFailed(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		if apiErr.Status == http.StatusTooManyRequests {
			e.Response.Header().Set("Retry-After", "1")
		}
		return apiErr
	}
	return e.InternalServerError("Failed to search.", err)
}

// findPosts is a page of perPage results of the search rawQuery, from
// cursor (a nextCursor of an earlier page, or "" for the first): the
// published posts matching it, best first (search.Find), each as the
// listing shows it with the excerpts of its title and text that hold the
// matches (highlight). Searched are titles, summaries, tags' names and
// free bodies: a paid body is never indexed, and its excerpt never read.
// A query, cursor or perPage that cannot be searched is answered with
// the errors of its fields, and nothing searched.
func findPosts(app core.App, rawQuery string, perPage int, cursor string) (*searchPage, validation.Errors, error) {
	errs := validation.Errors{}
	q, err := search.ParseQuery(rawQuery)
	switch {
	case errors.Is(err, search.ErrQueryEmpty):
		errs["q"] = validation.NewError("validation_required", "Type something to search for.")
	case errors.Is(err, search.ErrQueryTooLong):
		errs["q"] = validation.NewError("validation_length_too_long", "Must be at most 100 characters.")
	}
	if perPage < 1 {
		parsePaging(url.Values{"perPage": {strconv.Itoa(perPage)}}, errs)
	}
	perPage = min(perPage, maxPerPage)

	key, err := derivedCursorKey(app, "blogbase search cursor")
	if err != nil {
		return nil, nil, err
	}
	offset := 0
	if cursor != "" {
		var c searchCursor
		payload, err := openCursor(key, cursor)
		switch {
		case err != nil || json.Unmarshal(payload, &c) != nil || c.Offset < 1 || c.Offset >= maxSearchResults:
			errs["cursor"] = validation.NewError("validation_invalid_cursor", "Use a nextCursor from an earlier answer.")
		case c.Query != q.Text:
			errs["cursor"] = validation.NewError("validation_cursor_mismatch", "The cursor belongs to another search.")
		default:
			offset = c.Offset
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}

	// searches run a few at once: a burst queues here rather than share
	// the processors, and the database's connections, between more
	// searches than can run, slowing every other route down with them
	select {
	case searching <- struct{}{}:
		defer func() { <-searching }()
	case <-time.After(searchQueueWait):
		return nil, nil, apis.NewTooManyRequestsError("Too many searches at once; try again in a moment.", nil)
	}

	limit := min(perPage, maxSearchResults-offset)
	ids, err := search.Find(app.DB(), q, limit+1, offset)
	if err != nil {
		return nil, nil, err
	}
	page := &searchPage{PerPage: perPage, Items: []map[string]any{}}
	if len(ids) > limit {
		ids = ids[:limit]
		if next := offset + limit; next < maxSearchResults {
			payload, _ := json.Marshal(searchCursor{Query: q.Text, Offset: next})
			cursor := sealCursor(key, payload)
			page.NextCursor = &cursor
		}
	}
	page.end = offset + len(ids)

	posts, err := publishedPostsInOrder(app, ids)
	if err != nil {
		return nil, nil, err
	}
	items, _, err := listingItems(app, posts)
	if err != nil {
		return nil, nil, err
	}
	bodies, err := freeBodies(app, posts)
	if err != nil {
		return nil, nil, err
	}
	for i, post := range posts {
		items[i]["highlight"] = highlight(q, post, bodies[post.Id])
	}
	page.Items = items
	return page, nil, nil
}

// highlight is a result's excerpts: its title with every match marked,
// and the part of its body that matches, else its summary (marked where it
// matches).
func highlight(q search.Query, post *core.Record, body string) map[string]string {
	title, _ := q.Highlight(post.GetString("title"), 0)
	text, matched := "", false
	if body != "" {
		text, matched = q.Highlight(content.PlainTextPrefix(body, excerptScanBytes), excerptRunes)
	}
	if !matched {
		text, _ = q.Highlight(post.GetString("summary"), excerptRunes)
	}
	return map[string]string{"title": title, "text": text}
}

// publishedPostsInOrder loads the posts with these ids that are published,
// in the order of ids.
func publishedPostsInOrder(app core.App, ids []string) ([]*core.Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	records, err := app.FindRecordsByIds(postsCollection, ids)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(records, func(a, b *core.Record) int {
		return slices.Index(ids, a.Id) - slices.Index(ids, b.Id)
	})
	return slices.DeleteFunc(records, func(r *core.Record) bool {
		return r.GetString("status") != statusPublished
	}), nil
}

// freeBodies reads the bodies of the free posts among posts, by post id;
// a paid post's body is not read.
func freeBodies(app core.App, posts []*core.Record) (map[string]string, error) {
	var free []any
	for _, p := range posts {
		if p.GetFloat("price") <= 0 {
			free = append(free, p.Id)
		}
	}
	bodies := map[string]string{}
	if len(free) == 0 {
		return bodies, nil
	}
	var rows []struct {
		Post string `db:"post"`
		Body string `db:"body"`
	}
	err := app.DB().Select("post", "body").From(postContentsCollection).Where(dbx.In("post", free...)).All(&rows)
	for _, r := range rows {
		bodies[r.Post] = r.Body
	}
	return bodies, err
}
