package hooks

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
	"blogbase/internal/search"
)

const (
	// maxSearchResults is how deep a search can be paged: the matches it
	// ranks (search.Window).
	maxSearchResults = search.Window

	// excerptRunes is about how long the text excerpt of a result is.
	excerptRunes = 160
)

// searchPage is the body of GET /api/blog/search.
type searchPage struct {
	PerPage    int              `json:"perPage"`
	NextCursor *string          `json:"nextCursor"`
	Items      []map[string]any `json:"items"`
}

// searchCursor is where the next page of a search starts: the query it
// belongs to and how many results came before.
type searchCursor struct {
	Query  string `json:"q"`
	Offset int    `json:"o"`
}

// searchPosts is GET /api/blog/search?q=…: the published posts matching q,
// best first (search.Find), each as the listing shows it with the
// excerpts of its title and text that hold the matches (highlight).
// Searched are titles, summaries, tags' names and free bodies: a paid
// body is never indexed, and its excerpt never read.
func searchPosts(e *core.RequestEvent) error {
	query := e.Request.URL.Query()
	errs := validation.Errors{}
	q, err := search.ParseQuery(query.Get("q"))
	switch {
	case errors.Is(err, search.ErrQueryEmpty):
		errs["q"] = validation.NewError("validation_required", "Type something to search for.")
	case errors.Is(err, search.ErrQueryTooLong):
		errs["q"] = validation.NewError("validation_length_too_long", "Must be at most 100 characters.")
	}
	_, perPage := parsePaging(url.Values{"perPage": query["perPage"]}, errs)

	key, err := derivedCursorKey(e.App, "blogbase search cursor")
	if err != nil {
		return e.InternalServerError("", err)
	}
	offset := 0
	if raw := query.Get("cursor"); raw != "" {
		var c searchCursor
		payload, err := openCursor(key, raw)
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
		return e.BadRequestError("Invalid search.", errs)
	}

	limit := min(perPage, maxSearchResults-offset)
	ids, err := search.Find(e.App.DB(), q, limit+1, offset)
	if err != nil {
		return e.InternalServerError("Failed to search.", err)
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

	posts, err := publishedPostsInOrder(e.App, ids)
	if err != nil {
		return e.InternalServerError("Failed to search.", err)
	}
	items, _, err := listingItems(e.App, posts)
	if err != nil {
		return e.InternalServerError("Failed to search.", err)
	}
	bodies, err := freeBodies(e.App, posts)
	if err != nil {
		return e.InternalServerError("Failed to search.", err)
	}
	for i, post := range posts {
		items[i]["highlight"] = highlight(q, post, bodies[post.Id])
	}
	page.Items = items
	return e.JSON(200, page)
}

// highlight is a result's excerpts: its title with every match marked,
// and the part of its body that matches, else its summary (marked where it
// matches).
func highlight(q search.Query, post *core.Record, body string) map[string]string {
	title, _ := q.Highlight(post.GetString("title"), 0)
	text, matched := "", false
	if body != "" {
		text, matched = q.Highlight(content.PlainText(body), excerptRunes)
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
