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
	var byStatus []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	err = e.App.DB().Select("status", "COUNT(*) AS n").From(postsCollection).
		Where(dbx.HashExp{"author": record.Id}).GroupBy("status").All(&byStatus)
	if err != nil {
		return e.InternalServerError("", err)
	}
	for _, row := range byStatus {
		stats.Posts += row.N
		switch row.Status {
		case statusDraft:
			stats.Drafts = row.N
		case statusScheduled:
			stats.Scheduled = row.N
		}
	}
	err = e.App.DB().Select("COUNT(*)").From(commentsCollection).
		Where(dbx.HashExp{"author": record.Id}).Row(&stats.Comments)
	if err != nil {
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
