package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The index of a post's top-level comments also holds their ids: the
// threads route pages them by (created, id), so that a page's place is
// one seek in the index and its order needs no sort, as the replies of a
// thread already are (idx_comments_thread_created).
func init() {
	m.Register(func(app core.App) error {
		return replaceTopLevelIndex(app, "post, parent, created, id")
	}, func(app core.App) error {
		return replaceTopLevelIndex(app, "post, parent, created")
	})
}

func replaceTopLevelIndex(app core.App, columns string) error {
	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		return err
	}
	comments.RemoveIndex("idx_comments_post_parent_created")
	comments.AddIndex("idx_comments_post_parent_created", false, columns, "")
	return app.Save(comments)
}
