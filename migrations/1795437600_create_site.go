package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// site holds the blog's own settings, one record that superusers edit in
// the dashboard: the name, description and language the pages, feeds,
// structured data and the web app's header show. Anyone may read them
// (every page shows them); only superusers write them, and the hooks keep
// the record single.
func init() {
	m.Register(func(app core.App) error {
		site := core.NewBaseCollection("site")
		site.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 100},
			&core.TextField{Name: "description", Max: 300},
			// a BCP 47 language tag: en, zh-CN, pt-BR, zh-Hant-TW
			&core.TextField{Name: "language", Required: true, Max: 35, Pattern: `^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		site.ListRule = types.Pointer("")
		site.ViewRule = types.Pointer("")
		if err := app.Save(site); err != nil {
			return err
		}

		settings := core.NewRecord(site)
		settings.Set("name", "blogbase")
		settings.Set("description", "Posts by the authors of this blog.")
		settings.Set("language", "en")
		return app.Save(settings)
	}, func(app core.App) error {
		site, err := app.FindCollectionByNameOrId("site")
		if err != nil {
			return err
		}
		return app.Delete(site)
	})
}
