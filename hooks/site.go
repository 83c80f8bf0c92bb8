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
	// Currency is what new posts are priced in unless their author names
	// another.
	Currency string `db:"currency" json:"currency"`

	// What the server can do, for the web app to offer only what works:
	// whether a payment provider takes payments, and whether PocketBase
	// sends mail (set by the pages, see sitePages.site; not stored).
	Payments bool `db:"-" json:"payments"`
	Mail     bool `db:"-" json:"mail"`
}

// defaultSite stands in when the record cannot be read: a database the
// site migration has not reached, or one whose record was removed behind
// the hooks' back (the sqlite3 shell).
var defaultSite = siteSettings{Name: "blogbase", Language: "en", Currency: defaultCurrency}

// loadSite reads the site's settings. A page build reads them once, and
// the answer depends on depSite, so they cost nothing per request.
func loadSite(app core.App) (siteSettings, error) {
	site := defaultSite
	err := app.DB().Select("name", "description", "language", "currency").From(siteCollection).
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
	if site.Currency == "" {
		site.Currency = defaultCurrency // a record written behind the hooks' back
	}
	return site, nil
}

// bindSite keeps the site's settings one record, on every write path: a
// second one cannot be created, and the one there cannot be deleted (the
// pages would lose their name); it is edited in place. Its currency is
// upper-cased, CNY when left empty, and must be one a payment provider
// could charge, as a post's.
func bindSite(app core.App) {
	completeSite := func(e *core.RecordEvent) error {
		e.Record.Set("currency", normalizeCurrency(e.Record.GetString("currency")))
		if e.Record.GetString("currency") == "" {
			e.Record.Set("currency", defaultCurrency)
		}
		return e.Next()
	}
	app.OnRecordCreate(siteCollection).BindFunc(completeSite)
	app.OnRecordUpdate(siteCollection).BindFunc(completeSite)
	app.OnRecordValidate(siteCollection).BindFunc(func(e *core.RecordEvent) error {
		return validateRecord(e, func(errs fieldErrors) error {
			if !knownCurrency(e.Record.GetString("currency")) {
				errs.add("currency", errUnknownCurrency)
			}
			return nil
		})
	})

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
