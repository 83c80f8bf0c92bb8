package hooks

import (
	"database/sql"
	"errors"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// siteCollection holds the blog's own settings in one record, edited by
// superusers in the dashboard (see its migration).
const siteCollection = "site"

// siteSettings are what every page, feed and the web app's header show
// of the blog itself.
type siteSettings struct {
	Name        string `db:"name" json:"name"`
	Description string `db:"description" json:"description"`
	Language    string `db:"language" json:"language"`
}

// defaultSite stands in when the record cannot be read: a database the
// site migration has not reached, or one whose record was removed behind
// the hooks' back (the sqlite3 shell).
var defaultSite = siteSettings{Name: "blogbase", Language: "en"}

// loadSite reads the site's settings. A page build reads them once, and
// the answer depends on depSite, so they cost nothing per request.
func loadSite(app core.App) (siteSettings, error) {
	site := defaultSite
	err := app.DB().Select("name", "description", "language").From(siteCollection).
		OrderBy("created", "id").Limit(1).One(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return defaultSite, nil
	}
	if err != nil {
		if _, missing := app.FindCachedCollectionByNameOrId(siteCollection); missing != nil {
			return defaultSite, nil
		}
		return site, err
	}
	site.Name, site.Description = validText(site.Name), validText(site.Description)
	return site, nil
}

// bindSite keeps the site's settings one record, on every write path: a
// second one cannot be created, and the one there cannot be deleted (the
// pages would lose their name); it is edited in place.
func bindSite(app core.App) {
	app.OnRecordCreate(siteCollection).BindFunc(func(e *core.RecordEvent) error {
		var n int
		if err := e.App.DB().Select("COUNT(*)").From(siteCollection).Row(&n); err != nil {
			return err
		}
		if n > 0 {
			return validation.Errors{"name": validation.NewError("validation_site_exists",
				"The site has its settings already: edit that record.")}
		}
		return e.Next()
	})
	app.OnRecordDelete(siteCollection).BindFunc(func(e *core.RecordEvent) error {
		return apis.NewBadRequestError("The site's settings cannot be deleted; edit them instead.", nil)
	})
}
