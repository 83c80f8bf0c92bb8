package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// serverCollections are the collections the server keeps for itself:
// sessions signed out, sign-in codes and their texts, and what payment
// providers sent. Only superusers read them, and no client writes them.
var serverCollections = []string{"revokedTokens", "smsCodes", "smsOutbox", "paymentEvents"}

// The dashboard shows the blog's content apart from the server's own
// records, and takes an admin from a post to its body in one click.
//
// The server's collections become system collections. The dashboard lists
// them under "System", apart from posts and comments, and PocketBase then
// refuses to rename or delete them or to change their API rules (see
// core/collection_validate.go and onCollectionDeleteExecute): the hooks
// find them by name, and their rules (superusers only) are what keeps
// codes, tokens and payloads private. Fields and indexes can still be
// added, and records written, as before; an import with "delete missing"
// leaves them alone. PocketBase lets a collection be made a system one
// only when it is created, so the flag is saved without validation, and
// a later migration that must change their rules does the same.
//
// Posts gain `content`, a relation to their body record, which the
// server keeps (hooks/posts_body_link.go): set when the post and its body
// are created, never changed by what a client sends, filled here for the
// posts there are. The dashboard shows a relation as a chip whose link
// opens the related record, so a post's panel and the posts list lead to
// the body, and the body's `post` chip names its post by its presentable
// title. Reading the body through it (?expand=content, realtime) obeys
// postContents' view rule like any expand. Its index serves PocketBase's
// look-up of the posts pointing at a body it deletes with its post.
//
// The body itself becomes presentable, so that the chip shows the
// body's opening words rather than its id.
func init() {
	m.Register(func(app core.App) error {
		if err := markSystem(app, true); err != nil {
			return err
		}

		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		contents.Fields.GetByName("body").(*core.EditorField).Presentable = true
		if err := app.Save(contents); err != nil {
			return err
		}

		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		// after the summary: the dashboard's form reads title, slug,
		// summary, body
		at := len(posts.Fields)
		for i, f := range posts.Fields {
			if f.GetName() == "summary" {
				at = i + 1
			}
		}
		posts.Fields.AddAt(at, &core.RelationField{
			Name:         "content",
			CollectionId: contents.Id,
			MaxSelect:    1,
		})
		posts.AddIndex("idx_posts_content", false, "content", "")
		if err := app.Save(posts); err != nil {
			return err
		}

		// one statement, with no record hook: no post changes but this
		// column, and its updated date stays
		_, err = app.DB().NewQuery(`UPDATE {{posts}} SET [[content]] = COALESCE(
			(SELECT [[c.id]] FROM {{postContents}} c WHERE [[c.post]] = [[posts.id]]), '')`).Execute()
		return err
	}, func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.RemoveIndex("idx_posts_content")
		posts.Fields.RemoveByName("content")
		if err := app.Save(posts); err != nil {
			return err
		}

		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		contents.Fields.GetByName("body").(*core.EditorField).Presentable = false
		if err := app.Save(contents); err != nil {
			return err
		}

		return markSystem(app, false)
	})
}

// markSystem sets the system flag of the server's collections.
func markSystem(app core.App, system bool) error {
	for _, name := range serverCollections {
		collection, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		collection.System = system
		if err := app.SaveNoValidate(collection); err != nil {
			return err
		}
	}
	return nil
}
