package hooks

import (
	"database/sql"
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

const (
	// maxTagSlugQuery bounds a ?tag= value: longer than any slug
	maxTagSlugQuery = 128

	defaultPerPage = 20
	maxPerPage     = 100
	maxPage        = 1_000_000 // far past any listing, and no offset overflow

	sortNewestFirst = "-published"
	sortOldestFirst = "published"
)

func validListingSort(s string) bool {
	return s == sortNewestFirst || s == sortOldestFirst
}

// listingQuery is the parsed query string of GET /api/blog/posts.
type listingQuery struct {
	page    int
	perPage int
	author  string // a user id or username, as sent
	tag     string // a tag's slug, as sent
	sort    string
	cursor  *listingCursor
}

// parseListingQuery reads and checks the listing parameters; a bad one is
// a field error named after the parameter.
func parseListingQuery(q url.Values, key []byte) (listingQuery, error) {
	lq := listingQuery{page: 1, perPage: defaultPerPage, sort: sortNewestFirst}
	errs := validation.Errors{}

	lq.page, lq.perPage = parsePaging(q, errs)
	if v := q.Get("sort"); v != "" {
		if !validListingSort(v) {
			errs["sort"] = validation.NewError("validation_invalid_sort", "Must be -published or published.")
		}
		lq.sort = v
	}
	if v := q.Get("author"); v != "" {
		if len(v) > 64 {
			errs["author"] = validation.NewError("validation_invalid_author", "Must be a user id or username.")
		}
		lq.author = v
	}

	if v := q.Get("tag"); v != "" {
		if len(v) > maxTagSlugQuery {
			errs["tag"] = validation.NewError("validation_invalid_tag", "Must be a tag's slug.")
		}
		if lq.author != "" {
			errs["tag"] = validation.NewError("validation_tag_with_author", "List by author or by tag, not both.")
		}
		lq.tag = v
	}

	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(key, v)
		switch {
		case err != nil:
			errs["cursor"] = validation.NewError("validation_invalid_cursor", "Use a nextCursor from an earlier answer.")
		case (q.Get("sort") != "" && c.Sort != lq.sort) || (q.Get("author") != "" && c.Author != lq.author) ||
			(q.Get("tag") != "" && c.Tag != lq.tag):
			errs["cursor"] = validation.NewError("validation_cursor_mismatch", "The cursor belongs to a listing with another sort, author or tag.")
		default:
			// the cursor knows its listing: page is ignored, sort, author and tag come with it
			lq.cursor = &c
			lq.page, lq.sort, lq.author, lq.tag = c.Page, c.Sort, c.Author, c.Tag
		}
	}

	if len(errs) > 0 {
		return lq, errs
	}
	return lq, nil
}

// parsePaging reads page (1 to maxPage, default 1) and perPage (at least 1,
// default 20, clamped to 100: however large a number is sent) from q,
// adding any error to errs.
func parsePaging(q url.Values, errs validation.Errors) (page, perPage int) {
	page, perPage = 1, defaultPerPage
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			errs["page"] = validation.NewError("validation_invalid_page", "Must be an integer from 1 to 1000000.")
		}
		page = n
	}
	if v := q.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
			n, err = maxPerPage, nil // a huge number is clamped like any other above 100
		}
		if err != nil || n < 1 {
			errs["perPage"] = validation.NewError("validation_invalid_per_page", "Must be a positive integer (above 100 counts as 100).")
		}
		perPage = min(n, maxPerPage)
	}
	return page, perPage
}

// listingCacheKey names a listing query in the public cache: numbers in
// their canonical form (page=007 is page 7) and every value bounded, so
// neither spellings nor huge parameters can multiply or bloat entries.
// ok is false for a query that cannot be valid.
func listingCacheKey(q url.Values) (key string, ok bool) {
	errs := validation.Errors{}
	page, perPage := parsePaging(q, errs)
	sort, author, tag, cursor := q.Get("sort"), q.Get("author"), q.Get("tag"), q.Get("cursor")
	if len(errs) > 0 || len(sort) > 16 || len(author) > 64 || len(tag) > maxTagSlugQuery || len(cursor) > maxCursorLength ||
		strings.Contains(author+tag, "|") {
		return "", false
	}
	if cursor != "" {
		page = 0 // a cursor knows its page
	}
	return listingKeyPrefix + strconv.Itoa(page) + "|" + strconv.Itoa(perPage) + "|" + sort + "|" + author + "|" + tag + "|" + cursor, true
}

// postsPage is the body of GET /api/blog/posts.
type postsPage struct {
	Page       int              `json:"page"`
	PerPage    int              `json:"perPage"`
	TotalItems int              `json:"totalItems"`
	TotalPages int              `json:"totalPages"`
	NextCursor *string          `json:"nextCursor"`
	Items      []map[string]any `json:"items"`
}

// listPublishedPosts builds one listing page from the database: the
// published posts only, never their bodies, with their authors' public
// fields. It also returns the page's dependencies in the public cache:
// its listing, its posts and their authors.
func listPublishedPosts(app core.App, lq listingQuery, key []byte) (*postsPage, []string, error) {
	page := &postsPage{Page: lq.page, PerPage: lq.perPage, Items: []map[string]any{}}

	authorId := ""
	if lq.author != "" {
		var ids []string
		err := app.DB().Select("id").From(usersCollection).
			Where(dbx.Or(dbx.HashExp{"id": lq.author}, dbx.HashExp{"username": lq.author})).
			Limit(2).Column(&ids)
		if err != nil {
			return nil, nil, err
		}
		if len(ids) == 0 {
			return page, []string{depUsernames}, nil // no such author, no posts
		}
		authorId = ids[0]
		if slices.Contains(ids, lq.author) {
			authorId = lq.author // an id wins over a username that looks like one
		}
	}
	deps := []string{depListing(authorId)}
	if authorId != "" {
		deps = append(deps, depAuthor(authorId))
	}

	// a tag's listing reads _blogPostTags, its published posts in
	// publication order (see the tags migration)
	tagId := ""
	if lq.tag != "" {
		tag, err := findTagBySlug(app, lq.tag)
		if errors.Is(err, sql.ErrNoRows) {
			return page, []string{depTagSlugs}, nil // no such tag, no posts
		}
		if err != nil {
			return nil, nil, err
		}
		tagId = tag.Id
		deps = []string{depTagListing(tagId), depTag(tagId)}
	}

	total, err := publishedCount(app, authorId)
	if tagId != "" {
		total, err = taggedCount(app, tagId)
	}
	if err != nil {
		return nil, nil, err
	}
	page.TotalItems = total
	page.TotalPages = int(math.Ceil(float64(total) / float64(lq.perPage)))

	query := app.RecordQuery(postsCollection).Limit(int64(lq.perPage + 1))
	order := "posts.published, posts.id"
	if tagId != "" {
		query.InnerJoin("_blogPostTags pt", dbx.NewExp("[[pt.post]] = [[posts.id]]")).
			AndWhere(dbx.HashExp{"pt.tag": tagId})
		order = "pt.published, pt.post"
	}
	published := dbx.HashExp{"posts.status": statusPublished}
	if authorId != "" {
		published["posts.author"] = authorId
	}
	query.AndWhere(published)
	direction, after := "DESC", "<"
	if lq.sort == sortOldestFirst {
		direction, after = "ASC", ">"
	}
	column := strings.Split(order, ", ")
	query.OrderBy(column[0]+" "+direction, column[1]+" "+direction)
	if lq.cursor != nil {
		query.AndWhere(dbx.NewExp("("+order+") "+after+" ({:published}, {:id})",
			dbx.Params{"published": lq.cursor.Published, "id": lq.cursor.Id}))
	} else {
		query.Offset(int64(lq.page-1) * int64(lq.perPage))
	}

	var posts []*core.Record
	if err := query.All(&posts); err != nil {
		return nil, nil, err
	}
	if len(posts) > lq.perPage {
		posts = posts[:lq.perPage]
		last := posts[len(posts)-1]
		next := encodeCursor(key, listingCursor{
			Published: last.GetString("published"),
			Id:        last.Id,
			Sort:      lq.sort,
			Author:    lq.author,
			Tag:       lq.tag,
			Page:      lq.page + 1,
		})
		page.NextCursor = &next
	}

	items, itemDeps, err := listingItems(app, posts)
	if err != nil {
		return nil, nil, err
	}
	page.Items = items
	return page, append(deps, itemDeps...), nil
}

// listingItems are posts as the listing shows them: their public fields,
// with their authors' public fields and their tags (expand.author,
// expand.tags), loaded in one query each; and the dependencies of what
// they show.
func listingItems(app core.App, posts []*core.Record) ([]map[string]any, []string, error) {
	authors, err := publicAuthorsOf(app, posts)
	if err != nil {
		return nil, nil, err
	}
	tags, err := publicTagsOf(app, posts)
	if err != nil {
		return nil, nil, err
	}
	items := make([]map[string]any, 0, len(posts))
	deps := make([]string, 0, 2*len(posts))
	for _, post := range posts {
		item := post.PublicExport()
		item["expand"] = map[string]any{
			"author": authors[post.GetString("author")],
			"tags":   tagsOfPost(post, tags),
		}
		items = append(items, item)
		deps = append(deps, depPost(post.Id), depAuthor(post.GetString("author")))
		for _, id := range post.GetStringSlice("tags") {
			deps = append(deps, depTag(id))
		}
	}
	return items, deps, nil
}

// publishedCount is how many posts are published, by everyone (author "")
// or by one author: kept by triggers on posts in _blogPublishedCounts (see
// its migration), so it costs one lookup however large the blog.
func publishedCount(app core.App, author string) (int, error) {
	scope := ""
	if author != "" {
		scope = "author:" + author
	}
	var n int
	err := app.DB().Select("n").From("_blogPublishedCounts").Where(dbx.HashExp{"scope": scope}).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // nothing of theirs was ever published
	}
	return max(n, 0), err
}

// publicAuthorsOf loads the authors of posts in one query.
func publicAuthorsOf(app core.App, posts []*core.Record) (map[string]map[string]any, error) {
	ids := make([]string, 0, len(posts))
	for _, p := range posts {
		ids = append(ids, p.GetString("author"))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	authors := map[string]map[string]any{}
	if len(ids) == 0 {
		return authors, nil
	}
	records, err := app.FindRecordsByIds(usersCollection, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		authors[r.Id] = publicAuthor(r)
	}
	return authors, nil
}

// listingCacheControl lets browsers and CDNs reuse a listing for a few
// seconds and revalidate it with its ETag afterwards.
func listingCacheControl(maxAge int) string {
	return "public, max-age=" + strconv.Itoa(maxAge)
}
