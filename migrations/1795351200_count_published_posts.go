package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The listing's totals (all published posts, and each author's) are kept
// in _blogPublishedCounts by triggers on posts, in the transaction of
// every write that moves a post into or out of the published set,
// whichever path made it: the API, the dashboard, a seed, the sqlite3
// shell. Reading a total is then one lookup by key, where a COUNT over
// the published posts grew with the blog (about 10 ms at 100,000 posts).
//
// The table is not a collection: it is the server's bookkeeping, not
// content, and nobody edits it.
func init() {
	m.Register(func(app core.App) error {
		for _, sql := range []string{
			`CREATE TABLE {{_blogPublishedCounts}} (
				[[scope]] TEXT PRIMARY KEY NOT NULL, -- '' for the whole blog, 'author:<id>' for one author
				[[n]]     INTEGER NOT NULL DEFAULT 0
			) WITHOUT ROWID`,

			// the rows are made with NOT EXISTS rather than INSERT OR
			// IGNORE: a statement's own conflict clause (INSERT OR REPLACE
			// in the shell) overrides those of the triggers it fires
			`CREATE TRIGGER _blogPublishedCounts_insert AFTER INSERT ON {{posts}}
			WHEN NEW.status = 'published'
			BEGIN
				INSERT INTO _blogPublishedCounts (scope, n)
					SELECT s, 0 FROM (SELECT '' AS s UNION ALL SELECT 'author:' || NEW.author)
					WHERE s NOT IN (SELECT scope FROM _blogPublishedCounts);
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE scope IN ('', 'author:' || NEW.author);
			END`,

			`CREATE TRIGGER _blogPublishedCounts_delete AFTER DELETE ON {{posts}}
			WHEN OLD.status = 'published'
			BEGIN
				UPDATE _blogPublishedCounts SET n = n - 1 WHERE scope IN ('', 'author:' || OLD.author);
			END`,

			`CREATE TRIGGER _blogPublishedCounts_update AFTER UPDATE OF status, author ON {{posts}}
			WHEN (OLD.status = 'published' OR NEW.status = 'published')
				AND (OLD.status IS NOT NEW.status OR OLD.author IS NOT NEW.author)
			BEGIN
				UPDATE _blogPublishedCounts SET n = n - 1
					WHERE OLD.status = 'published' AND scope IN ('', 'author:' || OLD.author);
				INSERT INTO _blogPublishedCounts (scope, n)
					SELECT s, 0 FROM (SELECT '' AS s UNION ALL SELECT 'author:' || NEW.author)
					WHERE NEW.status = 'published' AND s NOT IN (SELECT scope FROM _blogPublishedCounts);
				UPDATE _blogPublishedCounts SET n = n + 1
					WHERE NEW.status = 'published' AND scope IN ('', 'author:' || NEW.author);
			END`,

			// an author who is gone has no listing to count
			`CREATE TRIGGER _blogPublishedCounts_author_delete AFTER DELETE ON {{users}}
			BEGIN
				DELETE FROM _blogPublishedCounts WHERE scope = 'author:' || OLD.id;
			END`,

			`INSERT INTO {{_blogPublishedCounts}} (scope, n)
				SELECT '', COUNT(*) FROM {{posts}} WHERE status = 'published'`,
			`INSERT INTO {{_blogPublishedCounts}} (scope, n)
				SELECT 'author:' || author, COUNT(*) FROM {{posts}} WHERE status = 'published' GROUP BY author`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, sql := range []string{
			`DROP TRIGGER IF EXISTS _blogPublishedCounts_insert`,
			`DROP TRIGGER IF EXISTS _blogPublishedCounts_delete`,
			`DROP TRIGGER IF EXISTS _blogPublishedCounts_update`,
			`DROP TRIGGER IF EXISTS _blogPublishedCounts_author_delete`,
			`DROP TABLE IF EXISTS {{_blogPublishedCounts}}`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
