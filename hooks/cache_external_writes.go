package hooks

import (
	"context"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/database"
)

// externalWritesPoll is how often the server looks for commits made by
// other processes or connections.
const externalWritesPoll = 100 * time.Millisecond

// bindExternalWrites invalidates the public cache within
// externalWritesPoll of a commit that bypassed this process's record hooks:
// a `blogbase seed` next to the live server, the sqlite3 shell, raw SQL.
// SQLite's data_version, read on a connection of its own, changes whenever
// any other connection commits; the server's own writes are seen this way
// too, and cost only a second, harmless invalidation.
func bindExternalWrites(app core.App, cache *publicCache) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		db, err := database.Connect(filepath.Join(se.App.DataDir(), "data.db"))
		if err != nil {
			return err
		}
		db.DB().SetMaxOpenConns(1) // data_version is per connection: keep the one

		// the starting point, read before serving, so that no commit made
		// after the server started can go unnoticed
		var last int64
		if err := db.NewQuery("PRAGMA data_version").Row(&last); err != nil {
			db.Close()
			return err
		}

		ctx, stop := context.WithCancel(context.Background())
		go func() {
			defer db.Close()
			ticker := time.NewTicker(externalWritesPoll)
			defer ticker.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
				}
				var version int64
				if err := db.NewQuery("PRAGMA data_version").WithContext(ctx).Row(&version); err != nil {
					continue
				}
				if version != last {
					cache.invalidate()
					last = version
				}
			}
		}()

		se.App.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
			stop()
			return e.Next()
		})
		return se.Next()
	})
}
