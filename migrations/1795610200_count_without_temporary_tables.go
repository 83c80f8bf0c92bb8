package migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The triggers keeping _blogPublishedCounts (see its migration) again,
// with the same effect and no temporary tables: an IN list on the key, a
// compound subquery and an INSERT reading its own table (NOT EXISTS) each
// made SQLite build and drop a temporary b-tree on every run of a trigger,
// which a bulk insert (the seed) paid for on every published post. Now a
// count is moved by an UPDATE of its row, and its row made by an INSERT
// when that UPDATE found none (changes() is the last statement's, inside a
// trigger). Neither is an upsert nor OR IGNORE, which the conflict clause
// of a statement firing the trigger (INSERT OR REPLACE in the shell)
// would override.
func init() {
	m.Register(func(app core.App) error {
		return replaceTriggers(app, []string{
			`CREATE TRIGGER _blogPublishedCounts_insert AFTER INSERT ON {{posts}}
			WHEN NEW.status = 'published'
			BEGIN
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE scope = '';
				INSERT INTO _blogPublishedCounts (scope, n) SELECT '', 1 WHERE changes() = 0;
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE scope = 'author:' || NEW.author;
				INSERT INTO _blogPublishedCounts (scope, n) SELECT 'author:' || NEW.author, 1 WHERE changes() = 0;
			END`,

			`CREATE TRIGGER _blogPublishedCounts_delete AFTER DELETE ON {{posts}}
			WHEN OLD.status = 'published'
			BEGIN
				UPDATE _blogPublishedCounts SET n = n - 1 WHERE scope = '';
				UPDATE _blogPublishedCounts SET n = n - 1 WHERE scope = 'author:' || OLD.author;
			END`,

			`CREATE TRIGGER _blogPublishedCounts_update AFTER UPDATE OF status, author ON {{posts}}
			WHEN (OLD.status = 'published' OR NEW.status = 'published')
				AND (OLD.status IS NOT NEW.status OR OLD.author IS NOT NEW.author)
			BEGIN
				UPDATE _blogPublishedCounts SET n = n - 1 WHERE OLD.status = 'published' AND scope = '';
				UPDATE _blogPublishedCounts SET n = n - 1 WHERE OLD.status = 'published' AND scope = 'author:' || OLD.author;
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE NEW.status = 'published' AND scope = '';
				INSERT INTO _blogPublishedCounts (scope, n) SELECT '', 1 WHERE NEW.status = 'published' AND changes() = 0;
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE NEW.status = 'published' AND scope = 'author:' || NEW.author;
				INSERT INTO _blogPublishedCounts (scope, n) SELECT 'author:' || NEW.author, 1 WHERE NEW.status = 'published' AND changes() = 0;
			END`,
		})
	}, func(app core.App) error {
		return replaceTriggers(app, []string{
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
		})
	})
}

// replaceTriggers drops the triggers the statements create, by name, and
// creates them anew.
func replaceTriggers(app core.App, statements []string) error {
	for _, sql := range statements {
		name := strings.Fields(sql)[2]
		if _, err := app.DB().NewQuery("DROP TRIGGER IF EXISTS " + name).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
			return err
		}
	}
	return nil
}
