package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The users collection becomes the blog's author profiles: a public
// username, name, bio and avatar, and a hidden phone number that can be
// used as a login identity.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}

		users.Fields.Add(&core.TextField{
			Name:     "username",
			Required: true,
			Min:      3,
			Max:      32,
			Pattern:  `^[a-z0-9_]+$`,
		})
		users.Fields.Add(&core.TextField{Name: "name", Max: 100})
		users.Fields.Add(&core.TextField{Name: "bio", Max: 500})
		users.Fields.Add(&core.FileField{
			Name:      "avatar",
			MaxSelect: 1,
			MaxSize:   5 << 20,
			// no SVG: an uploaded SVG can carry script
			MimeTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
			Thumbs:    []string{"100x100"},
		})
		users.Fields.Add(&core.TextField{
			Name:    "phone",
			Hidden:  true,
			Max:     16,
			Pattern: `^\+[1-9][0-9]{6,14}$`,
		})

		users.AddIndex("idx_users_username", true, "username", "")
		users.AddIndex("idx_users_phone", true, "phone", "phone != ''")
		users.PasswordAuth.IdentityFields = []string{"email", "username", "phone"}

		// profiles are public; the email only shows when emailVisibility is on
		users.ListRule = types.Pointer("")
		users.ViewRule = types.Pointer("")
		users.CreateRule = types.Pointer("")
		users.UpdateRule = types.Pointer("id = @request.auth.id")
		users.DeleteRule = types.Pointer("id = @request.auth.id")

		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}

		users.RemoveIndex("idx_users_username")
		users.RemoveIndex("idx_users_phone")
		users.Fields.RemoveByName("username")
		users.Fields.RemoveByName("bio")
		users.Fields.RemoveByName("phone")
		users.PasswordAuth.IdentityFields = []string{"email"}
		users.ListRule = types.Pointer("id = @request.auth.id")
		users.ViewRule = types.Pointer("id = @request.auth.id")

		return app.Save(users)
	})
}
