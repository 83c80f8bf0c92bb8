package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// comments.thread names the top-level comment a reply belongs to, however
// deep it is ("" for a top-level comment). The server sets it; with its
// index, a thread's first replies and its size are read without walking
// the whole discussion below it.
func init() {
	m.Register(func(app core.App) error {
		comments, err := app.FindCollectionByNameOrId("comments")
		if err != nil {
			return err
		}
		comments.Fields.Add(&core.TextField{Name: "thread", Max: 15, Pattern: `^[a-z0-9]*$`})
		comments.AddIndex("idx_comments_thread_created", false, "thread, created, id", "thread != ''")
		if err := app.Save(comments); err != nil {
			return err
		}

		// the replies written so far: every reply takes the thread of the
		// top-level comment its chain of parents leads to
		_, err = app.DB().NewQuery(`
			WITH RECURSIVE chain(id, thread) AS (
				SELECT id, id FROM comments WHERE parent = ''
				UNION ALL
				SELECT c.id, chain.thread FROM comments c JOIN chain ON c.parent = chain.id
			)
			UPDATE comments SET thread = chain.thread
			FROM chain WHERE chain.id = comments.id AND comments.parent != ''`).Execute()
		return err
	}, func(app core.App) error {
		comments, err := app.FindCollectionByNameOrId("comments")
		if err != nil {
			return err
		}
		comments.RemoveIndex("idx_comments_thread_created")
		comments.Fields.RemoveByName("thread")
		return app.Save(comments)
	})
}
