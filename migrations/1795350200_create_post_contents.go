package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// postContents holds the body of a post, exactly one per post. The server
// creates it together with its post and removes it only with its post, so
// clients may update it but never create or delete it. Its read rules
// here are those of free posts; 1795350800_create_orders.go opens paid
// bodies to their buyers (COLLECTIONS.md has every rule in force).
func init() {
	m.Register(func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}

		contents := core.NewBaseCollection("postContents")
		contents.Fields.Add(
			&core.RelationField{
				Name:          "post",
				CollectionId:  posts.Id,
				MaxSelect:     1,
				Required:      true,
				CascadeDelete: true,
			},
			&core.EditorField{Name: "body", MaxSize: 1 << 20},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		contents.AddIndex("idx_postContents_post", true, "post", "")

		// The body of a free published post is public; anything else only
		// its author reads.
		readRule := `post.author = @request.auth.id || (post.status = "published" && post.price = 0)`
		contents.ListRule = types.Pointer(readRule)
		contents.ViewRule = types.Pointer(readRule)
		contents.CreateRule = nil
		contents.UpdateRule = types.Pointer(`post.author = @request.auth.id`)
		contents.DeleteRule = nil

		return app.Save(contents)
	}, func(app core.App) error {
		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		return app.Delete(contents)
	})
}
