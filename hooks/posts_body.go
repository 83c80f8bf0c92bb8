package hooks

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/content"
)

// bindPostContents keeps a post's body safe and tied to its post on every
// write path, superuser and dashboard saves included.
func bindPostContents(app core.App) {
	app.OnRecordCreate(postContentsCollection).BindFunc(saveSanitizedContent)
	app.OnRecordUpdate(postContentsCollection).BindFunc(saveSanitizedContent)
	app.OnRecordDelete(postContentsCollection).BindFunc(deleteContentOnlyWithPost)
}

// saveSanitizedContent stores the body through the allow-list, rendered
// from its Markdown when the write changed that (see renderBody), and, in
// the same transaction, refreshes the post's summary when it was derived
// from the previous body. A body is never saved blank, and a content
// record stays on the post it was made for. The new Markdown is rendered
// before the transaction (renderAhead), so that no render holds the
// database's write lock.
func saveSanitizedContent(e *core.RecordEvent) error {
	if err := renderAhead(e.Record, e.Record.Original().GetString("markdown")); err != nil {
		return err
	}

	return inTransaction(e, func(tx core.App) error {
		var stored struct {
			Post     string `db:"post"`
			Body     string `db:"body"`
			Markdown string `db:"markdown"`
		}
		if !e.Record.IsNew() {
			if err := readStoredRow(tx, e.Record, &stored); err != nil {
				return err
			}
			if stored.Post != e.Record.GetString("post") {
				return validation.Errors{
					"post": validation.NewError("validation_post_immutable", "A post's content cannot be moved to another post."),
				}
			}
		}
		if err := renderBody(e.Record, stored.Markdown, stored.Body); err != nil {
			return err
		}
		// a new record is the empty body made with its post (see
		// createPostWithContent); every later write must leave one
		if !e.Record.IsNew() && content.IsBlank(e.Record.GetString("body")) {
			return blankBodyError(e.Record)
		}

		if err := e.Next(); err != nil {
			return err
		}
		return refreshDerivedSummary(tx, e.Record.GetString("post"), stored.Body, e.Record.GetString("body"))
	})
}

// refreshDerivedSummary rewrites a post's summary from its new body unless
// the author wrote a summary of their own. Either way a new body is a
// change of the post: its updated date moves (the sitemaps' <lastmod>
// and the feeds read it there).
func refreshDerivedSummary(tx core.App, postId, previousBody, body string) error {
	if previousBody == body {
		return nil
	}

	post, err := tx.FindRecordById(postsCollection, postId)
	if err != nil {
		return err
	}

	current := post.GetString("summary")
	next := derivedSummary(post, body)
	if !summaryIsDerived(current, previousBody) || next == current {
		return touchPost(tx, postId)
	}
	post.Set("summary", next)
	return tx.Save(post)
}

// touchPost moves a post's updated date to now, with no other change:
// the post's own hooks have nothing to check, and the body's hooks
// invalidate what shows the post.
func touchPost(tx core.App, postId string) error {
	_, err := tx.DB().Update(postsCollection,
		dbx.Params{"updated": types.NowDateTime().String()},
		dbx.HashExp{"id": postId}).Execute()
	return err
}

// derivedSummary is content.DerivedSummary for a post record.
func derivedSummary(post *core.Record, body string) string {
	return content.DerivedSummary(body, post.GetFloat("price"))
}

// summaryIsDerived tells whether a summary is empty or the one made from
// body, i.e. not written by the author.
func summaryIsDerived(summary, body string) bool {
	return summary == "" || summary == content.Summarize(body)
}

// deleteContentOnlyWithPost refuses to delete a content record whose post
// still exists. When the post itself is deleted, PocketBase removes the
// post row first and then cascades to its content in the same
// transaction, so the cascade passes this check.
func deleteContentOnlyWithPost(e *core.RecordEvent) error {
	_, err := e.App.FindRecordById(postsCollection, e.Record.GetString("post"))
	switch {
	case err == nil:
		return apis.NewBadRequestError("A post's content is deleted only together with its post.", nil)
	case errors.Is(err, sql.ErrNoRows):
		return e.Next()
	default:
		return err
	}
}
