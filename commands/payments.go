package commands

import (
	"fmt"
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// newPaymentsCommand is `blogbase payments`, the operations on orders.
func newPaymentsCommand(app core.App, reconcile Reconciler) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "payments",
		Short: "Payment operations",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "reconcile",
		Short: "Asks the payment providers about pending orders older than 10 minutes",
		Long: "Asks Alipay (alipay.trade.query) and Stripe (the checkout session) about every order\n" +
			"still pending 10 minutes after it was opened: paid ones are credited, closed or\n" +
			"expired ones closed. The server does the same every 5 minutes; this runs it now.\n" +
			"Exits 1 when a provider could not be asked.",
		Run: func(cmd *cobra.Command, args []string) {
			// a wrong --dir (or none, away from the data) would report an
			// empty, freshly made database as all settled
			var err error
			if !app.HasTable("posts") {
				err = fmt.Errorf("no blogbase database in %s; point --dir at the server's data directory", app.DataDir())
			}
			if err == nil {
				err = app.RunAllMigrations()
			}
			if err == nil {
				var report string
				report, err = reconcile(cmd.Context())
				fmt.Fprintln(cmd.OutOrStdout(), report)
			}
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
				os.Exit(1)
			}
		},
	})
	return cmd
}
