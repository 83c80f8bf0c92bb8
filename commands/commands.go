// Package commands holds blogbase's own command line, next to
// PocketBase's serve, superuser and migrate.
package commands

import (
	"github.com/pocketbase/pocketbase"
)

// Register adds blogbase's commands to app's root command.
func Register(app *pocketbase.PocketBase) {
	app.RootCmd.AddCommand(newSeedCommand(app))
}
