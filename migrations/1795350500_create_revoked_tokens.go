package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// revokedTokens remembers the auth tokens signed out one by one (POST
// /api/blog/auth/logout) until they would have expired anyway: only a hash
// of each, never the token. Superusers only.
func init() {
	m.Register(func(app core.App) error {
		revoked := core.NewBaseCollection("revokedTokens")
		revoked.Fields.Add(
			&core.TextField{Name: "hash", Required: true, Max: 64, Pattern: `^[0-9a-f]{64}$`},
			&core.DateField{Name: "expires", Required: true},
			&core.AutodateField{Name: "created", OnCreate: true},
		)
		revoked.AddIndex("idx_revokedTokens_hash", true, "hash", "")
		revoked.AddIndex("idx_revokedTokens_expires", false, "expires", "")
		return app.Save(revoked)
	}, func(app core.App) error {
		revoked, err := app.FindCollectionByNameOrId("revokedTokens")
		if err != nil {
			return err
		}
		return app.Delete(revoked)
	})
}
