package migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The triggers keeping _blogPublishedCounts (see its migration) again,
// with the same effect and no temporary tables: an IN list on the key and
// a compound subquery each made SQLite build and drop a temporary b-tree
// on every run of a trigger, which a bulk insert (the seed) paid for on
// every published post. One statement per row of the counts instead.
func init() {
	m.Register(func(app core.App) error {
		return replaceTriggers(app, []string{
			`CREATE TRIGGER _blogPublishedCounts_insert AFTER INSERT ON {{posts}}
			WHEN NEW.status = 'published'
			BEGIN
				INSERT INTO _blogPublishedCounts (scope, n) SELECT '', 0
					WHERE NOT EXISTS (SELECT 1 FROM _blogPublishedCounts WHERE scope = '');
				INSERT INTO _blogPublishedCounts (scope, n) SELECT 'author:' || NEW.author, 0
					WHERE NOT EXISTS (SELECT 1 FROM _blogPublishedCounts WHERE scope = 'author:' || NEW.author);
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE scope = '';
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE scope = 'author:' || NEW.author;
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
				INSERT INTO _blogPublishedCounts (scope, n) SELECT '', 0
					WHERE NEW.status = 'published' AND NOT EXISTS (SELECT 1 FROM _blogPublishedCounts WHERE scope = '');
				INSERT INTO _blogPublishedCounts (scope, n) SELECT 'author:' || NEW.author, 0
					WHERE NEW.status = 'published' AND NOT EXISTS (SELECT 1 FROM _blogPublishedCounts WHERE scope = 'author:' || NEW.author);
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE NEW.status = 'published' AND scope = '';
				UPDATE _blogPublishedCounts SET n = n + 1 WHERE NEW.status = 'published' AND scope = 'author:' || NEW.author;
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
