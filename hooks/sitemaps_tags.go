package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The tags' sitemaps list the page of every tag that published posts
// carry, read from _blogTagCounts (kept by triggers, see the tags
// migration) in the order of the tags' ids, each dated by its latest
// publication: the newest row of the tag in _blogPostTags, the end of an
// index range.
const (
	usedTagsFrom = `FROM {{_blogTagCounts}} c JOIN {{tags}} t ON t.id = c.tag WHERE c.n > 0`
	tagLastmod   = `(SELECT COALESCE(MAX(pt.published), '') FROM {{_blogPostTags}} pt WHERE pt.tag = c.tag)`
)

// usedTagsCount is how many tags published posts carry.
func usedTagsCount(app core.App) (int, error) {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) ` + usedTagsFrom).Row(&n)
	return n, err
}

// tagsSitemapDates are the latest publications of the tags of each tags
// sitemap, in order (none when no published post carries a tag).
func tagsSitemapDates(app core.App) ([]string, error) {
	var dates []string
	err := app.DB().NewQuery(`
		SELECT MAX(lastmod) FROM (
			SELECT (ROW_NUMBER() OVER (ORDER BY c.tag) - 1) / {:size} AS file, ` + tagLastmod + ` AS lastmod
			` + usedTagsFrom + `)
		GROUP BY file ORDER BY file`).
		Bind(dbx.Params{"size": sitemapURLs}).Column(&dates)
	return dates, err
}

// tagsSitemapEntries are the tags' pages of file n.
func tagsSitemapEntries(app core.App, n int) ([]sitemapEntry, error) {
	var rows []struct {
		Slug    string `db:"slug"`
		Lastmod string `db:"lastmod"`
	}
	err := app.DB().NewQuery(`
		SELECT t.slug AS slug, ` + tagLastmod + ` AS lastmod ` + usedTagsFrom + `
		ORDER BY c.tag
		LIMIT {:size} OFFSET {:offset}`).
		Bind(dbx.Params{"size": sitemapURLs, "offset": (n - 1) * sitemapURLs}).All(&rows)
	if err != nil {
		return nil, err
	}
	entries := make([]sitemapEntry, len(rows))
	for i, r := range rows {
		entries[i] = sitemapEntry{Path: tagPath(r.Slug), Lastmod: r.Lastmod}
	}
	return entries, nil
}
