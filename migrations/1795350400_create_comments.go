package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// comments are the readers' discussion of a post: top-level comments and
// replies (parent), read by whoever can read the post, written by
// signed-in users as themselves on published posts.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}

		comments := core.NewBaseCollection("comments")
		comments.Fields.Add(
			&core.RelationField{Name: "post", CollectionId: posts.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.RelationField{Name: "author", CollectionId: users.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.TextField{Name: "body", Required: true, Max: 2000},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		if err := app.Save(comments); err != nil {
			return err
		}

		// parent points back into comments itself, so it needs the id
		// the first save gave the collection
		comments.Fields.Add(&core.RelationField{
			Name: "parent", CollectionId: comments.Id, MaxSelect: 1, CascadeDelete: true,
		})
		comments.AddIndex("idx_comments_post_parent_created", false, "post, parent, created", "")
		comments.AddIndex("idx_comments_parent", false, "parent", "")
		comments.AddIndex("idx_comments_author", false, "author", "")

		readable := `post.status = "published" || post.author = @request.auth.id`
		comments.ListRule = types.Pointer(readable)
		comments.ViewRule = types.Pointer(readable)
		// the author may be left out: the hooks then make it the caller
		comments.CreateRule = types.Pointer(`@request.auth.collectionName = "users" && ` +
			`(@request.body.author:isset = false || @request.body.author = "" || author = @request.auth.id) && post.status = "published"`)
		// editing needs the post still readable; deleting one's own words
		// does not
		comments.UpdateRule = types.Pointer(`author = @request.auth.id && (` + readable + `)`)
		comments.DeleteRule = types.Pointer(`author = @request.auth.id || post.author = @request.auth.id`)

		return app.Save(comments)
	}, func(app core.App) error {
		comments, err := app.FindCollectionByNameOrId("comments")
		if err != nil {
			return err
		}
		return app.Delete(comments)
	})
}
