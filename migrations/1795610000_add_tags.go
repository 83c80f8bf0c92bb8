package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Tags: a post carries up to ten, chosen by name. A tag's name is shown
// as written the first time ("Go", "数据库"); key is that name folded
// (case, width and surrounding or repeated spaces ignored), unique, so
// that "go " names the same tag as "Go"; slug names its page. The hooks
// (hooks/tags_record.go) fill key and slug on every write path; key is
// hidden, the server's lookup column.
//
// Everyone reads the tags published posts carry (published); a tag
// only drafts carry shows to superusers alone. Signed-in users create tags
// (the blog's routes create the new names an author gives, the
// collections API may too); only superusers rename or delete one, since a
// tag is shared by every author using it.
//
// Which published posts carry which tag is kept by triggers on posts in
// _blogPostTags, with how many in _blogTagCounts, in the transaction of
// every write whatever its path, as _blogPublishedCounts is: a tag's
// listing is then an index range in publication order, and its total
// one lookup, at any size of blog.
func init() {
	m.Register(func(app core.App) error {
		tags := core.NewBaseCollection("tags")
		tags.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 50},
			&core.TextField{Name: "slug", Required: true, Max: 100},
			// NFKC may write one character as up to 18 (ﷺ): the key of
			// any 50-character name fits
			&core.TextField{Name: "key", Required: true, Max: 1000, Hidden: true},
			// whether a published post carries it, kept by the triggers
			// below (and by the hooks against what clients send)
			&core.BoolField{Name: "published"},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		tags.AddIndex("idx_tags_slug", true, "slug", "")
		tags.AddIndex("idx_tags_key", true, "key", "")
		// a tag only drafts carry is its authors' until a post with it is
		// published: its name would tell what an unpublished post is about
		tags.ListRule = types.Pointer("published = true")
		tags.ViewRule = types.Pointer("published = true")
		tags.CreateRule = types.Pointer(`@request.auth.collectionName = "users"`)
		if err := app.Save(tags); err != nil {
			return err
		}

		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.Fields.Add(&core.RelationField{Name: "tags", CollectionId: tags.Id, MaxSelect: 10})
		if err := app.Save(posts); err != nil {
			return err
		}

		// a post's tags, as rows: a relation column holds a JSON array,
		// anything else in it (a shell's typo) counts as none, and an id
		// given twice once (OR IGNORE: the primary key). Not DISTINCT nor
		// a subquery: those build a temporary table on every run of the
		// trigger, which a bulk insert (the seed) pays for on every row.
		const newTags = `SELECT value, NEW.published, NEW.id FROM json_each(
			CASE WHEN json_valid(NEW.tags) THEN NEW.tags ELSE '[]' END) WHERE type = 'text' AND value != ''`
		for _, sql := range []string{
			`CREATE TABLE {{_blogPostTags}} (
				[[tag]]       TEXT NOT NULL,
				[[published]] TEXT NOT NULL,
				[[post]]      TEXT NOT NULL,
				PRIMARY KEY (tag, published, post)
			) WITHOUT ROWID`,
			`CREATE INDEX _blogPostTags_post ON {{_blogPostTags}} (post)`,
			`CREATE TABLE {{_blogTagCounts}} (
				[[tag]] TEXT PRIMARY KEY NOT NULL,
				[[n]]   INTEGER NOT NULL DEFAULT 0
			) WITHOUT ROWID`,

			`CREATE TRIGGER _blogPostTags_insert AFTER INSERT ON {{posts}}
			WHEN NEW.status = 'published'
			BEGIN
				INSERT OR IGNORE INTO _blogPostTags (tag, published, post) ` + newTags + `;
			END`,
			`CREATE TRIGGER _blogPostTags_delete AFTER DELETE ON {{posts}}
			WHEN OLD.status = 'published'
			BEGIN
				DELETE FROM _blogPostTags WHERE post = OLD.id;
			END`,
			`CREATE TRIGGER _blogPostTags_update AFTER UPDATE OF status, published, tags ON {{posts}}
			WHEN (OLD.status = 'published' OR NEW.status = 'published')
				AND (OLD.status IS NOT NEW.status OR OLD.published IS NOT NEW.published OR OLD.tags IS NOT NEW.tags)
			BEGIN
				DELETE FROM _blogPostTags WHERE post = OLD.id;
				INSERT OR IGNORE INTO _blogPostTags (tag, published, post) ` + newTags + ` AND NEW.status = 'published';
			END`,
			// a tag removed behind PocketBase's back (which takes it off
			// its posts first) leaves no listing
			`CREATE TRIGGER _blogPostTags_tag_delete AFTER DELETE ON {{tags}}
			BEGIN
				DELETE FROM _blogPostTags WHERE tag = OLD.id;
			END`,

			// the totals follow the rows: counted up where there is a
			// row, else a row made, one statement each way. (Not INSERT OR
			// IGNORE nor an upsert: the conflict clause of the statement
			// firing the trigger, INSERT OR REPLACE in the shell, would
			// override theirs. Not INSERT … WHERE NOT EXISTS either: an
			// INSERT reading its own table builds a temporary copy first.)
			`CREATE TRIGGER _blogTagCounts_insert AFTER INSERT ON {{_blogPostTags}}
			BEGIN
				UPDATE _blogTagCounts SET n = n + 1 WHERE tag = NEW.tag;
				INSERT INTO _blogTagCounts (tag, n) SELECT NEW.tag, 1 WHERE changes() = 0;
			END`,
			`CREATE TRIGGER _blogTagCounts_delete AFTER DELETE ON {{_blogPostTags}}
			BEGIN
				UPDATE _blogTagCounts SET n = n - 1 WHERE tag = OLD.tag;
				DELETE FROM _blogTagCounts WHERE tag = OLD.tag AND n <= 0;
			END`,
			// and the tag is published while a published post carries
			// it, which the collection's rules read: written when its
			// total appears or goes, not at every count
			`CREATE TRIGGER _blogTagCounts_shown_insert AFTER INSERT ON {{_blogTagCounts}}
			BEGIN
				UPDATE {{tags}} SET [[published]] = TRUE WHERE id = NEW.tag;
			END`,
			`CREATE TRIGGER _blogTagCounts_shown_delete AFTER DELETE ON {{_blogTagCounts}}
			BEGIN
				UPDATE {{tags}} SET [[published]] = FALSE WHERE id = OLD.tag;
			END`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, sql := range []string{
			`DROP TRIGGER IF EXISTS _blogPostTags_insert`,
			`DROP TRIGGER IF EXISTS _blogPostTags_delete`,
			`DROP TRIGGER IF EXISTS _blogPostTags_update`,
			`DROP TRIGGER IF EXISTS _blogPostTags_tag_delete`,
			`DROP TRIGGER IF EXISTS _blogTagCounts_insert`,
			`DROP TRIGGER IF EXISTS _blogTagCounts_delete`,
			`DROP TRIGGER IF EXISTS _blogTagCounts_shown_insert`,
			`DROP TRIGGER IF EXISTS _blogTagCounts_shown_delete`,
			`DROP TABLE IF EXISTS {{_blogTagCounts}}`,
			`DROP TABLE IF EXISTS {{_blogPostTags}}`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.Fields.RemoveByName("tags")
		if err := app.Save(posts); err != nil {
			return err
		}
		tags, err := app.FindCollectionByNameOrId("tags")
		if err != nil {
			return err
		}
		return app.Delete(tags)
	})
}
