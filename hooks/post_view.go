package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// respondWithPost writes the shape every /api/blog/posts/{…} route answers
// with: the post as PocketBase serializes it, expand.author with the
// author's public fields, and the body when the viewer may read it, or
// "locked": true without it.
func respondWithPost(e *core.RequestEvent, status int, postId string) error {
	view, err := postViewFor(e, postId)
	if err != nil {
		return saveFailed(e, "Failed to load the post.", err)
	}
	return e.JSON(status, view)
}

func postViewFor(e *core.RequestEvent, postId string) (map[string]any, error) {
	post, err := e.App.FindRecordById(postsCollection, postId)
	if err != nil {
		return nil, err
	}
	author, err := e.App.FindRecordById(usersCollection, post.GetString("author"))
	if err != nil {
		return nil, err
	}
	content, err := e.App.FindFirstRecordByData(postContentsCollection, "post", post.Id)
	if err != nil {
		return nil, err
	}

	// whether the body is readable is the postContents view rule's call,
	// the same rule the collections API, expand and realtime apply
	info, err := e.RequestInfo()
	if err != nil {
		return nil, err
	}
	readable, err := e.App.CanAccessRecord(content, info, content.Collection().ViewRule)
	if err != nil {
		return nil, err
	}

	view := post.PublicExport()
	view["expand"] = map[string]any{"author": publicAuthor(author)}
	if readable {
		view["body"] = content.GetString("body")
		view["locked"] = false
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
