package hooks

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

type meStats struct {
	Posts     int `json:"posts"`
	Drafts    int `json:"drafts"`
	Scheduled int `json:"scheduled"`
	Comments  int `json:"comments"`
}

// me is GET /api/blog/me: the caller's own record, with the fields only its owner sees
// (email, phone), and how many posts (drafts and scheduled ones
// included), drafts, scheduled posts and comments they have.
func me(e *core.RequestEvent) error {
	record, err := e.App.FindRecordById(usersCollection, e.Auth.Id)
	if err != nil {
		return e.NotFoundError("", nil)
	}
	showToOwner(record)

	stats := meStats{}
	count := func(table string, where dbx.HashExp, into *int) error {
		return e.App.DB().Select("COUNT(*)").From(table).Where(where).Row(into)
	}
	if err := count(postsCollection, dbx.HashExp{"author": record.Id}, &stats.Posts); err != nil {
		return e.InternalServerError("", err)
	}
	if err := count(postsCollection, dbx.HashExp{"author": record.Id, "status": statusDraft}, &stats.Drafts); err != nil {
		return e.InternalServerError("", err)
	}
	if err := count(postsCollection, dbx.HashExp{"author": record.Id, "status": statusScheduled}, &stats.Scheduled); err != nil {
		return e.InternalServerError("", err)
	}
	if err := count(commentsCollection, dbx.HashExp{"author": record.Id}, &stats.Comments); err != nil {
		return e.InternalServerError("", err)
	}

	return e.JSON(http.StatusOK, map[string]any{"record": record, "stats": stats})
}

// showToOwner makes a user's record serialize with what only its owner
// (and superusers) may see: the email, whatever its visibility, and the
// phone.
func showToOwner(record *core.Record) {
	record.Unhide("phone")
	record.IgnoreEmailVisibility(true)
}
