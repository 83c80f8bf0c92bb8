package hooks

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"
)

// respondWithPost writes the shape every /api/blog/posts/{…} route answers
// with: the post as PocketBase serializes it, expand.author with the
// author's public fields, and the body when the viewer may read it, or
// "locked": true without it.
func respondWithPost(e *core.RequestEvent, status int, postId string) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the request.", nil)
	}
	view, err := postView(e.App, info, postId)
	if err != nil {
		return saveFailed(e, "Failed to load the post.", err)
	}
	return e.JSON(status, view)
}

// postView builds the post answer for the reader described by info.
func postView(app core.App, info *core.RequestInfo, postId string) (map[string]any, error) {
	post, err := app.FindRecordById(postsCollection, postId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errPostNotFound // deleted meanwhile
	}
	if err != nil {
		return nil, err
	}
	// an author removed behind the hooks' back (the sqlite3 shell) leaves
	// no byline, as in the listing, rather than a failed answer
	var byline map[string]any
	author, err := app.FindRecordById(usersCollection, post.GetString("author"))
	switch {
	case err == nil:
		byline = publicAuthor(author)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	content, err := app.FindFirstRecordByData(postContentsCollection, "post", post.Id)
	if err != nil {
		return nil, err
	}

	// whether the body is readable is the postContents view rule's call,
	// the same rule the collections API, expand and realtime apply
	readable, err := app.CanAccessRecord(content, info, content.Collection().ViewRule)
	if err != nil {
		return nil, err
	}

	tags, err := publicTagsOf(app, []*core.Record{post})
	if err != nil {
		return nil, err
	}
	view := post.PublicExport()
	view["expand"] = map[string]any{"author": byline, "tags": tagsOfPost(post, tags)}
	if readable {
		view["body"] = content.GetString("body")
		view["locked"] = false
		// the source, for the editor: only its author and superusers
		if info.Auth != nil && (info.Auth.IsSuperuser() || info.Auth.Id == post.GetString("author")) {
			view["markdown"] = content.GetString("markdown")
		}
	} else {
		view["locked"] = true
	}
	return view, nil
}

// publicAuthor is what any reader may know of an author: enough to show
// a byline and build the avatar URL, nothing else (no email, no phone).
func publicAuthor(author *core.Record) map[string]any {
	return map[string]any{
		"id":             author.Id,
		"collectionId":   author.Collection().Id,
		"collectionName": author.Collection().Name,
		"username":       author.GetString("username"),
		"name":           author.GetString("name"),
		"avatar":         author.GetString("avatar"),
	}
}
