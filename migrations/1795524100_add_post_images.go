package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// imageMimeTypes are the images a post may show, detected from the
// content by PocketBase (a file's name proves nothing). No SVG: an
// uploaded SVG can carry script.
var imageMimeTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// postImageMaxSize bounds a cover and an image of a body alike.
const postImageMaxSize = 10 << 20

// Images of posts: a cover per post, public like the listing cards and
// link previews that show it, and the images an author uploads for
// bodies, which are protected files.
//
// An image of a body belongs to its owner, who alone (with superusers)
// lists, views, replaces and deletes it through the API. Once attached to
// a post its file is for whoever may read that post's body: the view rule
// lets file requests through for attached images, and the hooks
// (hooks/files_post_images.go) decide each one with the postContents view
// rule in force, so that a paid body's images open to its buyers exactly
// as the body does.
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

		images := core.NewBaseCollection("postImages")
		images.Fields.Add(
			&core.RelationField{Name: "owner", CollectionId: users.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			// the post whose body shows it; empty while it is only uploaded
			&core.RelationField{Name: "post", CollectionId: posts.Id, MaxSelect: 1, CascadeDelete: true},
			&core.FileField{
				Name:      "file",
				Required:  true,
				MaxSelect: 1,
				MaxSize:   postImageMaxSize,
				MimeTypes: imageMimeTypes,
				Protected: true,
				Thumbs:    []string{"800x0"}, // a body's width, for editors and previews
			},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		images.AddIndex("idx_postImages_owner_created", false, "owner, created", "")
		images.AddIndex("idx_postImages_post", false, "post", "")

		own := `owner = @request.auth.id`
		images.ListRule = types.Pointer(own)
		images.ViewRule = types.Pointer(own + ` || (@request.context = "protectedFile" && post != "")`)
		// a user uploads as themself (owner may be left out: the hooks
		// fill it in); superusers name any owner
		images.CreateRule = types.Pointer(`@request.auth.collectionName = "users" && ` +
			`(@request.body.owner:isset = false || @request.body.owner = "" || owner = @request.auth.id)`)
		images.UpdateRule = types.Pointer(own)
		images.DeleteRule = types.Pointer(own)
		if err := app.Save(images); err != nil {
			return err
		}

		posts.Fields.Add(&core.FileField{
			Name:      "cover",
			MaxSelect: 1,
			MaxSize:   postImageMaxSize,
			MimeTypes: imageMimeTypes,
			// listing cards (16:9) and link previews (Open Graph's 1.91:1)
			Thumbs: []string{"480x270", "1200x630"},
		})
		return app.Save(posts)
	}, func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.Fields.RemoveByName("cover")
		if err := app.Save(posts); err != nil {
			return err
		}
		images, err := app.FindCollectionByNameOrId("postImages")
		if err != nil {
			return err
		}
		return app.Delete(images)
	})
}
