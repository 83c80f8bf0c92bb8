package hooks

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// bindBusyAnswers turns a write that found the database locked for
// longer than the busy timeout (10 s: another process holding the write
// lock, say) into 503 with Retry-After, whatever route it came through:
// the client may retry, and nothing was written. PocketBase's own routes
// would answer a 500 or a misleading 400 ("Failed to create record").
func bindBusyAnswers(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "blogBusyAnswers",
			Priority: apis.DefaultPanicRecoverMiddlewarePriority + 1,
			Func: func(e *core.RequestEvent) error {
				err := e.Next()
				if err != nil && databaseBusy(err) {
					e.Response.Header().Set("Retry-After", "1")
					return router.NewApiError(http.StatusServiceUnavailable, "The database is busy; try again in a moment.", nil)
				}
				return err
			},
		})
		return se.Next()
	})
}

// databaseBusy tells whether err comes from SQLite's lock (SQLITE_BUSY or
// SQLITE_LOCKED), also when PocketBase wrapped it in an API error.
func databaseBusy(err error) bool {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		inner, ok := apiErr.RawData().(error)
		if !ok {
			return false
		}
		err = inner
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "database is locked")
}
