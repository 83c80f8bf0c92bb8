package migrations

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// A published post can no longer be dated in the future (it kept the post
// at the top of the listing until then); the hooks refuse such dates from
// now on, and the published posts that already carry one take the date
// they were created instead.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(
			"UPDATE {{posts}} SET [[published]] = [[created]] WHERE [[status]] = 'published' AND [[published]] > {:now}",
		).Bind(dbx.Params{"now": types.NowDateTime().String()}).Execute()
		return err
	}, nil)
}
