package hooks

import (
	"context"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// externalWritesPoll is how often the server looks for commits made by
// other processes.
const externalWritesPoll = 100 * time.Millisecond

// bindExternalWrites calls each of forget (dropping every public answer,
// and what the comments feed remembers) within externalWritesPoll of a
// commit that bypassed this process's record hooks: a `blogbase seed` next
// to the live server, the sqlite3 shell. What such a commit changed is
// unknown, so everything goes.
//
// SQLite's data_version changes when a connection other than the one
// asking commits. Asked on PocketBase's single writer connection, through
// which every write of this process goes, it changes for other processes'
// commits only: the server's own writes, already invalidated precisely by
// the hooks, flush nothing.
func bindExternalWrites(app core.App, forget ...func()) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		writer := se.App.NonconcurrentDB()
		dataVersion := func(ctx context.Context) (int64, error) {
			var version int64
			err := writer.NewQuery("PRAGMA data_version").WithContext(ctx).Row(&version)
			return version, err
		}

		// the starting point, read before serving, so that no commit made
		// after the server started can go unnoticed
		last, err := dataVersion(context.Background())
		if err != nil {
			return err
		}

		ctx, stop := context.WithCancel(context.Background())
		go func() {
			ticker := time.NewTicker(externalWritesPoll)
			defer ticker.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
				}
				version, err := dataVersion(ctx)
				if err != nil {
					continue
				}
				if version != last {
					for _, f := range forget {
						f()
					}
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
