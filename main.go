// Command blogbase is a multi-user blog backend built on PocketBase.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/osutils"

	"blogbase/commands"
	"blogbase/hooks"
	"blogbase/internal/database"
	_ "blogbase/migrations"
)

func main() {
	app := pocketbase.NewWithConfig(pocketbase.Config{
		// SQL statement logging only when asked for with --dev, also under
		// `go run`: it floods the console and slows seeding to a crawl
		DefaultDev:       false,
		DataMaxOpenConns: database.MaxOpenConns,
		DataMaxIdleConns: database.MaxIdleConns,
		DBConnect:        database.Connect,
	})

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(
		&publicDir,
		"publicDir",
		defaultPublicDir(),
		"the directory with the web app served at /",
	)
	app.RootCmd.ParseFlags(os.Args[1:])

	// Automigrate only while developing with `go run`, so that collection
	// changes made in the dashboard become Go migration files in ./migrations.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  osutils.IsProbablyGoRun(),
	})

	hooks.Register(app)
	commands.Register(app, func(ctx context.Context) (string, error) {
		report, err := hooks.ReconcilePayments(ctx, app, time.Now())
		return report.String(), err
	})

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				webApp := apis.Static(os.DirFS(publicDir), true)
				e.Router.GET("/{path...}", func(re *core.RequestEvent) error {
					// an unknown API path is an API error, not the web app's index.html
					if strings.HasPrefix(re.Request.URL.Path, "/api/") {
						return re.NotFoundError("", nil)
					}
					// the app inserts server-sanitized post bodies as HTML:
					// should anything slip through the sanitizer, the browser
					// still runs no script and loads nothing but images from
					// elsewhere
					re.Response.Header().Set("Content-Security-Policy", webAppPolicy)
					// the app's files keep their names across releases:
					// browsers revalidate them (a 304) rather than run an old
					// app.js with a new index.html
					re.Response.Header().Set("Cache-Control", "no-cache")
					return webApp(re)
				}).Bind(apis.SkipSuccessActivityLog())
			}
			return e.Next()
		},
		Priority: 999, // last, so that every other route wins over the static fallback
	})

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

// webAppPolicy is the Content-Security-Policy of the web app's pages and
// files: its own scripts, styles and API only; images from anywhere (post
// bodies link them).
const webAppPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// defaultPublicDir is ./pb_public under `go run` and the pb_public
// directory next to the executable otherwise.
func defaultPublicDir() string {
	if osutils.IsProbablyGoRun() {
		return "./pb_public"
	}
	return filepath.Join(os.Args[0], "../pb_public")
}
