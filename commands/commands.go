// Package commands holds blogbase's own command line, next to
// PocketBase's serve, superuser and migrate.
package commands

import (
	"context"

	"github.com/pocketbase/pocketbase"
)

// Reconciler settles pending orders with the payment providers and
// describes what it did (the hooks package's ReconcilePayments, passed in
// so that this package does not depend on the hooks).
type Reconciler func(ctx context.Context) (report string, err error)

// Register adds blogbase's commands to app's root command.
func Register(app *pocketbase.PocketBase, reconcile Reconciler) {
	app.RootCmd.AddCommand(newSeedCommand(app))
	app.RootCmd.AddCommand(newPaymentsCommand(app, reconcile))
	app.RootCmd.AddCommand(newSearchCommand(app))
}
