package commands

import (
	"fmt"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"blogbase/internal/search"
)

// newSearchCommand is `blogbase search`, whose one subcommand rebuilds the
// search index: after rows were written behind the server's back (the
// sqlite3 shell, a restored table), which no hook indexed.
func newSearchCommand(app core.App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Manages the full-text search index of published posts",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "reindex",
		Short: "Rebuilds the search index from the posts, in one transaction",
		Long: "Rebuilds the search index of published posts (titles, summaries, tag names and\n" +
			"free bodies) from the database, in one transaction: searches keep answering from\n" +
			"the old index until the new one commits. A server running next to it keeps working.",
		Args: cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			started := time.Now()
			n, err := reindex(app)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
				os.Exit(1)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "indexed %d published posts in %.1fs\n", n, time.Since(started).Seconds())
		},
	})
	return cmd
}

// reindex rebuilds the search index of app's database.
func reindex(app core.App) (n int, err error) {
	// a wrong --dir (or none, away from the data) would report an empty,
	// freshly made database as indexed
	if !app.HasTable("posts") {
		return 0, fmt.Errorf("no blogbase database in %s; point --dir at the server's data directory", app.DataDir())
	}
	if err := app.RunAllMigrations(); err != nil {
		return 0, err
	}
	err = app.RunInTransaction(func(tx core.App) error {
		n, err = search.Rebuild(tx.DB())
		return err
	})
	return n, err
}
