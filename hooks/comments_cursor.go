package hooks

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/content"
)

// commentsCursor is the position after the last comment of a page of the
// threads route: keyset pagination on (created, id), the order comments
// are sent in, so a page deep in a discussion costs the same index seek
// as the first, and comments written between two pages are neither sent
// twice nor skipped. It carries the post and thread it pages ("" for the
// top-level comments) and where it stands: for the threads the number of
// the page it points to, for a thread's replies how many replies come
// before it (the first of them come with their top-level comment, up to
// a share that is no page of the replies route), from which the page is
// told by the perPage it is used with.
//
// When a thread's top-level comment came with none of its replies (the
// answer held its share already), the cursor of the rest starts at the
// beginning of the thread: no created, no id.
type commentsCursor struct {
	Post    string `json:"p"`
	Thread  string `json:"t,omitempty"`
	Created string `json:"c,omitempty"`
	Id      string `json:"i,omitempty"`
	Page    int    `json:"n,omitempty"`
	Before  int    `json:"b,omitempty"`
}

// fromStart tells a cursor pointing before a thread's first reply.
func (c commentsCursor) fromStart() bool {
	return c.Created == "" && c.Id == ""
}

func encodeCommentsCursor(key []byte, c commentsCursor) string {
	payload, _ := json.Marshal(c)
	return sealCursor(key, payload)
}

// decodeCommentsCursor verifies and reads a cursor made by
// encodeCommentsCursor.
func decodeCommentsCursor(key []byte, raw string) (commentsCursor, error) {
	var c commentsCursor
	payload, err := openCursor(key, raw)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errBadCursor
	}
	if !content.LooksLikeRecordId(c.Post) ||
		(c.Thread == "" && c.Page < 2) ||
		(c.Thread != "" && (!content.LooksLikeRecordId(c.Thread) || c.Page != 0 || c.Before < 0)) {
		return c, errBadCursor
	}
	if c.fromStart() {
		if c.Thread == "" {
			return c, errBadCursor // only a thread's replies start over
		}
		return c, nil
	}
	if _, err := types.ParseDateTime(c.Created); err != nil || c.Created == "" || !content.LooksLikeRecordId(c.Id) {
		return c, errBadCursor
	}
	return c, nil
}

// commentsCursorKey signs the cursors of the threads route (see
// cursorKey): a listing's cursor is worth nothing here, nor one of these
// there.
func commentsCursorKey(app core.App) ([]byte, error) {
	return derivedCursorKey(app, "blogbase comments cursor")
}
