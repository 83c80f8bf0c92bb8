package hooks

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A post's `content` is a relation to its body record, for the dashboard:
// it shows a relation as a chip that opens the related record, so an
// admin goes from a post to its body in one click. The server keeps it:
// the body record is made with its post and never moves (see
// saveSanitizedContent), so the relation only ever names that record,
// whatever a client, the dashboard's Duplicate or Go code sent. A sent
// value is replaced rather than refused, as commentsCount is: the
// dashboard sends the whole record back on every save. Reading the body
// through it (?expand=content, realtime) obeys postContents' view rule.

// linkNewPostContent points a post just saved, in tx, at its new body
// record. The post's row is written directly: the post was validated and
// saved a moment ago, and a second save would run its hooks again.
func linkNewPostContent(tx core.App, post *core.Record, contentId string) error {
	_, err := tx.DB().Update(postsCollection, dbx.Params{"content": contentId},
		dbx.HashExp{"id": post.Id}).Execute()
	if err != nil {
		return err
	}
	post.Set("content", contentId)
	return nil
}

// keepPostContent sets a changed post's content back to its body record,
// read in tx: none (only a post whose body was removed behind the hooks'
// back, by the sqlite3 shell) leaves it empty.
func keepPostContent(tx core.App, post *core.Record) error {
	var contentId string
	err := tx.DB().Select("id").From(postContentsCollection).
		Where(dbx.HashExp{"post": post.Id}).Row(&contentId)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	post.Set("content", contentId)
	return nil
}
