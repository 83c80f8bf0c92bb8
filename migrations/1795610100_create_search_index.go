package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"blogbase/internal/search"
)

// The search index of published posts: an FTS5 table over text the
// server has already split into words and, for Chinese, Japanese and
// Korean, into overlapping pairs of characters (internal/search), so its
// tokenizer only splits on spaces. It holds no copy of the text
// (contentless, with deletes): excerpts are cut from the posts themselves.
// It keeps the 3- and 4-character prefixes of every word indexed too: a
// search for "pay" then reads one list rather than merging the lists of
// every word starting so (see search.ParseQuery).
// FTS5 rows are numbered; _blogSearchDocs numbers the posts, with their
// publication dates (results of equal rank come newest first) and a hash
// of what was indexed, so that a write changing nothing searchable leaves
// the index alone.
//
// The hooks (hooks/search_index.go) write both in the transaction of
// every write of a post, its body or a tag, and the seed writes them with
// its rows; this migration indexes the posts published before it.
// _blogSearchState records which way of splitting text built the index: a
// server whose splitting differs rebuilds it at start, as `blogbase
// search reindex` does.
func init() {
	m.Register(func(app core.App) error {
		for _, sql := range []string{
			`CREATE TABLE {{_blogSearchDocs}} (
				[[id]]   INTEGER PRIMARY KEY,
				[[post]]      TEXT NOT NULL UNIQUE,
				[[published]] TEXT NOT NULL DEFAULT '',
				[[hash]]      TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE VIRTUAL TABLE {{_blogSearch}} USING fts5(
				title, summary, tags, body,
				content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '3 4'
			)`,
			// pending changes are written out as a new segment of the
			// index at 16 MB rather than FTS5's 1 MB: a bulk write (the
			// seed, a rebuild) then leaves a few large segments, not a
			// hundred small ones merged and merged again as it goes;
			// single posts never come near it
			`INSERT INTO {{_blogSearch}} ({{_blogSearch}}, [[rank]]) VALUES ('hashsize', 16777216)`,
			`CREATE TABLE {{_blogSearchState}} (
				[[key]]   TEXT PRIMARY KEY NOT NULL,
				[[value]] TEXT NOT NULL
			) WITHOUT ROWID`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		// the posts published before there was an index
		_, err := search.Rebuild(app.DB())
		return err
	}, func(app core.App) error {
		for _, sql := range []string{
			`DROP TABLE IF EXISTS {{_blogSearch}}`,
			`DROP TABLE IF EXISTS {{_blogSearchDocs}}`,
			`DROP TABLE IF EXISTS {{_blogSearchState}}`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
