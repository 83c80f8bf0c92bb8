package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Names the app and turns on the batch API, so that clients can write a
// post and its body in one request; the hooks keep every invariant there too.
func init() {
	m.Register(func(app core.App) error {
		settings := app.Settings()
		settings.Meta.AppName = "blogbase"
		settings.Batch.Enabled = true
		settings.Batch.MaxRequests = 50
		settings.Batch.Timeout = 3
		return app.Save(settings)
	}, func(app core.App) error {
		settings := app.Settings()
		settings.Batch.Enabled = false
		return app.Save(settings)
	})
}
