package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// posts holds a post's metadata only; its body lives in postContents so
// that listings never read bodies and the body can be paywalled on its own.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}

		posts := core.NewBaseCollection("posts")
		posts.Fields.Add(
			&core.TextField{Name: "title", Required: true, Max: 256, Presentable: true},
			&core.TextField{Name: "slug", Max: 100, Pattern: `^[a-z0-9]+(?:[-_][a-z0-9]+)*$`},
			&core.TextField{Name: "summary", Max: 500},
			&core.RelationField{
				Name:          "author",
				CollectionId:  users.Id,
				MaxSelect:     1,
				Required:      true,
				CascadeDelete: true,
			},
			&core.SelectField{Name: "status", Values: []string{"draft", "published"}, MaxSelect: 1},
			&core.DateField{Name: "published"},
			&core.NumberField{Name: "price", Min: types.Pointer(0.0), Max: types.Pointer(1_000_000.0)},
			&core.TextField{Name: "currency", Max: 3, Pattern: `^[A-Z]{3}$`},
			&core.NumberField{Name: "commentsCount", OnlyInt: true, Min: types.Pointer(0.0)},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)

		posts.AddIndex("idx_posts_slug", true, "slug", "")
		posts.AddIndex("idx_posts_status_published", false, "status, published, id", "")
		posts.AddIndex("idx_posts_author_status", false, "author, status, published, id", "")

		posts.ListRule = types.Pointer(`status = "published" || author = @request.auth.id`)
		posts.ViewRule = types.Pointer(`status = "published" || author = @request.auth.id`)
		posts.CreateRule = types.Pointer(`@request.auth.collectionName = "users" && author = @request.auth.id`)
		posts.UpdateRule = types.Pointer(`author = @request.auth.id`)
		posts.DeleteRule = types.Pointer(`author = @request.auth.id`)

		return app.Save(posts)
	}, func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		return app.Delete(posts)
	})
}
