package hooks

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

const commentsCollection = "comments"

// bindComments keeps the comment invariants on every write path: a reply
// stays on its parent's post and in its parent's thread, a comment never
// moves to another post, parent, thread or author, and
// posts.commentsCount moves in the same transaction as every comment that
// comes or goes.
func bindComments(app core.App) {
	// a signed-in user may leave author out: it is them (the create rule
	// refuses anybody else's id)
	app.OnRecordCreateRequest(commentsCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil && e.Auth.Collection().Name == usersCollection && e.Record.GetString("author") == "" {
			e.Record.Set("author", e.Auth.Id)
		}
		return e.Next()
	})

	app.OnRecordCreate(commentsCollection).BindFunc(saveCountedComment)
	app.OnRecordUpdate(commentsCollection).BindFunc(updateComment)
	app.OnRecordDelete(commentsCollection).BindFunc(deleteCountedComment)
	app.OnRecordValidate(commentsCollection).BindFunc(validateComment)

}

// saveCountedComment inserts a comment, with its thread, and counts it on
// its post in one transaction.
func saveCountedComment(e *core.RecordEvent) error {
	e.Record.Set("body", commentText(e.Record.GetString("body")))

	return inTransaction(e, func(tx core.App) error {
		thread, err := threadOf(tx, e.Record.GetString("parent"))
		if err != nil {
			return err
		}
		e.Record.Set("thread", thread)
		if err := e.Next(); err != nil {
			return err
		}
		return countComments(tx, e.Record.GetString("post"), +1)
	})
}

// deleteCountedComment deletes a comment (its replies follow by cascade,
// each through this hook) and uncounts it in the same transaction.
func deleteCountedComment(e *core.RecordEvent) error {
	return inTransaction(e, func(tx core.App) error {
		// a cascade can reach a reply twice (with its thread, then from a
		// stale list of the author's or post's comments): the second time
		// it is gone already, and neither counts nor broadcasts again
		var exists int
		err := tx.DB().Select("COUNT(*)").From(commentsCollection).
			Where(dbx.HashExp{"id": e.Record.Id}).Row(&exists)
		if err != nil {
			return err
		}
		if exists == 0 {
			return nil // already gone with its thread: no second delete event
		}
		if err := e.Next(); err != nil {
			return err
		}
		return countComments(tx, e.Record.GetString("post"), -1)
	})
}

// threadOf is the thread of a reply to parent: the top-level comment its
// chain of parents leads to, read from the parent in one step. A
// top-level comment (no parent) has none, nor has a reply to a missing
// parent, which validateComment refuses.
func threadOf(tx core.App, parent string) (string, error) {
	if parent == "" {
		return "", nil
	}
	var parentThread string
	err := tx.DB().Select("thread").From(commentsCollection).
		Where(dbx.HashExp{"id": parent}).Row(&parentThread)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", err
	case parentThread == "":
		return parent, nil // a reply to a top-level comment
	}
	return parentThread, nil
}

// countComments moves a post's commentsCount by delta in the transaction
// that added or removed the comment. Writes are serialized (one writer
// connection, BEGIN IMMEDIATE), and every comment insert and delete,
// cascades included, passes through these hooks, so the count stays exact
// at a constant cost, where a recount would grow with the discussion. It is
// SQL on purpose: a record save of the post would run the post hooks, which
// keep the stored count.
func countComments(tx core.App, postId string, delta int) error {
	_, err := tx.DB().NewQuery(
		"UPDATE {{posts}} SET [[commentsCount]] = [[commentsCount]] + {:delta} WHERE [[id]] = {:post}",
	).Bind(dbx.Params{"post": postId, "delta": delta}).Execute()
	return err
}

// commentText is a comment's body as stored: trimmed, and empty (so
// refused as blank) when nothing in it shows.
func commentText(body string) string {
	body = strings.TrimSpace(body)
	if !content.HasVisibleText(body) {
		return ""
	}
	return body
}

// updateComment lets the author edit the body only: post, parent and
// author are compared with the stored row, in the write's transaction,
// and the thread, the server's, is kept.
func updateComment(e *core.RecordEvent) error {
	e.Record.Set("body", commentText(e.Record.GetString("body")))

	return inTransaction(e, func(tx core.App) error {
		var stored struct {
			Post   string `db:"post"`
			Parent string `db:"parent"`
			Author string `db:"author"`
			Thread string `db:"thread"`
		}
		if err := readStoredRow(tx, e.Record, &stored); err != nil {
			return err
		}
		e.Record.Set("thread", stored.Thread)
		errs := validation.Errors{}
		for field, was := range map[string]string{"post": stored.Post, "parent": stored.Parent, "author": stored.Author} {
			if e.Record.GetString(field) != was {
				errs[field] = validation.NewError("validation_comment_immutable", "Only the body of a comment can be changed.")
			}
		}
		if len(errs) > 0 {
			return errs
		}
		return e.Next()
	})
}

// validateComment adds to the field validations that a reply's parent is a
// comment of the same post (a reply to a reply stays in its thread).
func validateComment(e *core.RecordEvent) error {
	return validateRecord(e, func(errs fieldErrors) error {
		parentId := e.Record.GetString("parent")
		if parentId == "" || errs.has("parent") {
			return nil
		}
		var parentPost string
		err := e.App.DB().Select("post").From(commentsCollection).
			Where(dbx.HashExp{"id": parentId}).Row(&parentPost)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			errs.add("parent", validation.NewError("validation_missing_parent", "The comment replied to does not exist."))
		case err != nil:
			return err
		case parentId == e.Record.Id:
			errs.add("parent", validation.NewError("validation_parent_self", "A comment cannot reply to itself."))
		case parentPost != e.Record.GetString("post"):
			errs.add("parent", validation.NewError("validation_parent_other_post", "A reply must be on the same post as the comment it answers."))
		}
		return nil
	})
}
