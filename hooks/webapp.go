package hooks

import (
	"net/http"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// webAppPolicy is the Content-Security-Policy of the web app's pages and
// files: its own scripts, styles and API only; images from anywhere (post
// bodies link them).
const webAppPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// bindWebApp serves the web app in dir at / (its index.html for the
// paths it routes itself), after every other route; "" serves none.
func bindWebApp(app core.App, dir string) {
	if dir == "" {
		return
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			if e.Router.HasRoute(http.MethodGet, "/{path...}") {
				return e.Next()
			}
			webApp := apis.Static(os.DirFS(dir), true)
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
			return e.Next()
		},
		Priority: 999, // last, so that every other route wins over the static fallback
	})
}
