package hooks

import (
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// tagsPage is the body of GET /api/blog/tags.
type tagsPage struct {
	Page       int            `json:"page"`
	PerPage    int            `json:"perPage"`
	TotalItems int            `json:"totalItems"`
	TotalPages int            `json:"totalPages"`
	Items      []tagWithCount `json:"items"`
}

type tagWithCount struct {
	Id         string `db:"id" json:"id"`
	Name       string `db:"name" json:"name"`
	Slug       string `db:"slug" json:"slug"`
	PostsCount int    `db:"n" json:"postsCount"`
}

// tags is GET /api/blog/tags: the tags that published posts carry, most
// used first (then by name), paged as the listing is. It is read from
// _blogTagCounts, kept by triggers, and served from the public cache.
func (api *postsApi) tags(e *core.RequestEvent) error {
	errs := validation.Errors{}
	n, perPage := parsePaging(e.Request.URL.Query(), errs)
	if len(errs) > 0 {
		return e.BadRequestError("Invalid listing query.", errs)
	}
	key := tagsKeyPrefix + strconv.Itoa(n) + "|" + strconv.Itoa(perPage)
	if answer, ok := api.cache.answer(key); ok {
		return writeCachedAnswer(e, answer, api.cacheControl)
	}
	answer, err := api.cached(key, func() (any, []string, error) {
		page, err := listUsedTags(e.App, n, perPage)
		if err != nil {
			return nil, nil, err
		}
		deps := []string{depTagCounts}
		for _, t := range page.Items {
			deps = append(deps, depTag(t.Id))
		}
		return page, deps, nil
	})
	if err != nil {
		return e.InternalServerError("Failed to list the tags.", err)
	}
	return writeCachedAnswer(e, answer, api.cacheControl)
}

// listUsedTags reads page n of the tags with published posts.
func listUsedTags(app core.App, n, perPage int) (*tagsPage, error) {
	page := &tagsPage{Page: n, PerPage: perPage, Items: []tagWithCount{}}
	err := app.DB().Select("COUNT(*)").From("_blogTagCounts").Where(dbx.NewExp("[[n]] > 0")).Row(&page.TotalItems)
	if err != nil {
		return nil, err
	}
	page.TotalPages = int(math.Ceil(float64(page.TotalItems) / float64(perPage)))
	err = app.DB().Select("t.id", "t.name", "t.slug", "c.n").
		From("_blogTagCounts c").
		InnerJoin(tagsCollection+" t", dbx.NewExp("[[t.id]] = [[c.tag]]")).
		Where(dbx.NewExp("[[c.n]] > 0")).
		OrderBy("c.n DESC", "t.key ASC", "t.id ASC").
		Limit(int64(perPage)).Offset(int64(n-1) * int64(perPage)).
		All(&page.Items)
	return page, err
}

// findTagBySlug is the tag a page or listing names by its slug.
func findTagBySlug(app core.App, slug string) (*core.Record, error) {
	return app.FindFirstRecordByData(tagsCollection, "slug", slug)
}

// taggedCount is how many published posts carry a tag (_blogTagCounts).
func taggedCount(app core.App, tagId string) (int, error) {
	var n int
	err := app.DB().Select("n").From("_blogTagCounts").Where(dbx.HashExp{"tag": tagId}).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return max(n, 0), err
}

// publicTagsOf loads the tags of posts in one query: what a reader sees
// of each (id, name, slug), by id.
func publicTagsOf(app core.App, posts []*core.Record) (map[string]map[string]any, error) {
	var ids []string
	for _, p := range posts {
		ids = append(ids, p.GetStringSlice("tags")...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	tags := map[string]map[string]any{}
	if len(ids) == 0 {
		return tags, nil
	}
	records, err := app.FindRecordsByIds(tagsCollection, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		tags[r.Id] = publicTag(r)
	}
	return tags, nil
}

// publicTag is a tag as posts show it.
func publicTag(tag *core.Record) map[string]any {
	return map[string]any{"id": tag.Id, "name": tag.GetString("name"), "slug": tag.GetString("slug")}
}

// tagsOfPost are post's tags in its order, those that still exist.
func tagsOfPost(post *core.Record, tags map[string]map[string]any) []map[string]any {
	shown := []map[string]any{}
	for _, id := range post.GetStringSlice("tags") {
		if t, ok := tags[id]; ok {
			shown = append(shown, t)
		}
	}
	return shown
}
