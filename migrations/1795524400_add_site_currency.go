package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The site's currency (ISO 4217) is what a new post is priced in unless
// its author names another, and what the editor offers first. It is CNY,
// the currency posts had by default until now; the hooks upper-case it
// and refuse a code no payment provider could charge, as for posts.
func init() {
	m.Register(func(app core.App) error {
		site, err := app.FindCollectionByNameOrId("site")
		if err != nil {
			return err
		}
		at := len(site.Fields)
		for i, f := range site.Fields {
			if f.GetName() == "language" {
				at = i + 1
			}
		}
		site.Fields.AddAt(at, &core.TextField{Name: "currency", Max: 3, Pattern: `^[A-Z]{3}$`})
		if err := app.Save(site); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("UPDATE {{site}} SET [[currency]] = 'CNY' WHERE [[currency]] = ''").Execute()
		return err
	}, func(app core.App) error {
		site, err := app.FindCollectionByNameOrId("site")
		if err != nil {
			return err
		}
		site.Fields.RemoveByName("currency")
		return app.Save(site)
	})
}
