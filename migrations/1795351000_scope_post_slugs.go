package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A post's slug is unique among published posts and among its author's
// own posts, no longer across every draft: a draft holding its slug
// against other authors told them it existed. The hooks keep the rule on
// every write path (suffixing a draft's slug when it is published, should
// another post have taken it); these indexes hold it in the database and
// serve the lookups by slug.
func init() {
	m.Register(func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.RemoveIndex("idx_posts_slug")
		posts.AddIndex("idx_posts_published_slug", true, "slug", "status = 'published'")
		posts.AddIndex("idx_posts_author_slug", true, "author, slug", "")
		return app.Save(posts)
	}, func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.RemoveIndex("idx_posts_published_slug")
		posts.RemoveIndex("idx_posts_author_slug")
		posts.AddIndex("idx_posts_slug", true, "slug", "")
		return app.Save(posts)
	})
}
