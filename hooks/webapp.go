package hooks

import (
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// webAppPolicy is the Content-Security-Policy of the pages and the web
// app's files: its own scripts, styles and API only; images from
// anywhere (post bodies link them). The pages' JSON-LD and initial data
// are data blocks, which run nothing and need no exception.
const webAppPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// appPaths are the web app's own pages, which only it fills in (signing
// in, one's profile, writing): the server answers them with the app's
// shell.
var appPaths = regexp.MustCompile(`^/(login|signup|profile|write|write/new|write/[^/]+)$`)

// bindSitePages serves the pages, feeds, sitemaps and robots.txt
// (sitePages), and behind every other route the web app's files from
// dir ("" for none), the app's shell for its own pages, and the
// not-found page for any other path (JSON under /api/).
func bindSitePages(app core.App, pages *sitePages, dir string) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			// the pages' successes are not request-logged, as the listing's
			skipLog := apis.SkipSuccessActivityLog()
			secured := withPagePolicy()
			e.Router.GET("/{$}", pages.home).Bind(secured, skipLog)
			e.Router.GET("/posts/{slug}", pages.post).Bind(secured, skipLog)
			e.Router.GET("/authors/{username}", pages.author).Bind(secured, skipLog)
			e.Router.GET("/authors/{username}/rss.xml", pages.authorFeed).Bind(secured, skipLog)
			e.Router.GET("/tags/{slug}", pages.tag).Bind(secured, skipLog)
			e.Router.GET("/tags/{slug}/rss.xml", pages.tagFeed).Bind(secured, skipLog)
			e.Router.GET("/search", pages.search).Bind(secured, skipLog)
			e.Router.GET("/rss.xml", pages.siteFeed).Bind(secured, skipLog)
			e.Router.GET("/sitemap.xml", pages.sitemapIndex).Bind(secured, skipLog)
			e.Router.GET("/sitemaps/{name}", pages.sitemap).Bind(secured, skipLog)
			e.Router.GET("/robots.txt", pages.robots).Bind(secured, skipLog)

			if e.Router.HasRoute(http.MethodGet, "/{path...}") {
				return e.Next() // the application's own fallback wins
			}
			var files fs.FS
			var serveFile func(*core.RequestEvent) error
			if dir != "" {
				files = os.DirFS(dir)
				serveFile = apis.Static(files, false)
			}
			e.Router.GET("/{path...}", func(re *core.RequestEvent) error {
				p := re.Request.URL.Path
				// an unknown API path is an API error, not a page
				if p == "/api" || strings.HasPrefix(p, "/api/") {
					return re.NotFoundError("", nil)
				}
				if files != nil && isFile(files, strings.TrimPrefix(path.Clean(p), "/")) {
					// the app's files keep their names across releases:
					// browsers revalidate them (a 304) rather than run an
					// old app.js with a new page
					re.Response.Header().Set("Cache-Control", "no-cache")
					return serveFile(re)
				}
				if appPaths.MatchString(p) {
					return pages.appPage(re)
				}
				return pages.notFound(re)
			}).Bind(secured, skipLog)
			return e.Next()
		},
		Priority: 999, // last, so that every other route wins over the fallback
	})
}

// withPagePolicy sets the Content-Security-Policy of everything served
// outside the API: the app inserts server-sanitized post bodies as HTML,
// and should anything slip through the sanitizer, the browser still runs
// no script and loads nothing but images from elsewhere.
func withPagePolicy() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Func: func(e *core.RequestEvent) error {
			e.Response.Header().Set("Content-Security-Policy", webAppPolicy)
			return e.Next()
		},
	}
}

// isFile tells whether name is a regular file in files.
func isFile(files fs.FS, name string) bool {
	if name == "" || name == "." {
		return false
	}
	info, err := fs.Stat(files, name)
	return err == nil && info.Mode().IsRegular()
}
