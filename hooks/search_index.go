package hooks

import (
	"fmt"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/search"
)

// bindSearchIndex keeps the search index (internal/search) in step with
// the posts on every write path — the blog's routes, the collections and
// batch APIs, the dashboard, scheduled publishing, Go code — in the
// transaction of the write, so that a crash can never leave a post
// searchable that is not published, or a paid body searchable.
//
// What is indexed of a post: its title, summary and tags' names, and its
// body when it is free. A write of the post or its body reindexes it (a
// write changing nothing searchable costs a hash: search.Put), the rename
// of a tag every published post carrying it. Removing a tag takes it off
// its posts through their own updates.
func bindSearchIndex(app core.App) {
	indexRecordPost := func(post func(*core.Record) string) func(e *core.RecordEvent) error {
		return func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) error {
				if err := e.Next(); err != nil {
					return err
				}
				return search.IndexPosts(tx.DB(), post(e.Record))
			})
		}
	}
	postId := func(r *core.Record) string { return r.Id }
	bodyPost := func(r *core.Record) string { return r.GetString("post") }

	app.OnRecordCreate(postsCollection).BindFunc(indexRecordPost(postId))
	app.OnRecordUpdate(postsCollection).BindFunc(indexRecordPost(postId))
	app.OnRecordDelete(postsCollection).BindFunc(indexRecordPost(postId))
	app.OnRecordCreate(postContentsCollection).BindFunc(indexRecordPost(bodyPost))
	app.OnRecordUpdate(postContentsCollection).BindFunc(indexRecordPost(bodyPost))
	app.OnRecordDelete(postContentsCollection).BindFunc(indexRecordPost(bodyPost))

	app.OnRecordUpdate(tagsCollection).BindFunc(func(e *core.RecordEvent) error {
		return inTransaction(e, func(tx core.App) error {
			if err := e.Next(); err != nil {
				return err
			}
			if e.Record.GetString("name") == e.Record.Original().GetString("name") {
				return nil
			}
			posts, err := search.TaggedPosts(tx.DB(), e.Record.Id)
			if err != nil {
				return err
			}
			return search.IndexPosts(tx.DB(), posts...)
		})
	})

	// an index built by another version's splitting is rebuilt before
	// the first request
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		current, err := search.Current(se.App.DB())
		if err != nil {
			return err
		}
		if !current {
			fmt.Fprintln(os.Stderr, "Rebuilding the search index…")
			started := time.Now()
			n, err := rebuildSearchIndex(se.App)
			if err != nil {
				return fmt.Errorf("rebuilding the search index: %w", err)
			}
			se.App.Logger().Info("Rebuilt the search index", "posts", n, "took", time.Since(started).String())
		}
		return se.Next()
	})
}

// rebuildSearchIndex indexes every published post afresh, in one
// transaction.
func rebuildSearchIndex(app core.App) (n int, err error) {
	err = app.RunInTransaction(func(tx core.App) error {
		n, err = search.Rebuild(tx.DB())
		return err
	})
	return n, err
}
