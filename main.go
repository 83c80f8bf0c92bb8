// Command blogbase is a multi-user blog backend built on PocketBase.
package main

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"blogbase/commands"
	"blogbase/hooks"
	"blogbase/internal/database"
	_ "blogbase/migrations"
)

func main() {
	baseDir := baseDir()
	app := pocketbase.NewWithConfig(pocketbase.Config{
		// SQL statement logging only when asked for with --dev, also under
		// `go run`: it floods the console and slows seeding to a crawl
		DefaultDev:       false,
		DefaultDataDir:   filepath.Join(baseDir, "pb_data"),
		DataMaxOpenConns: database.MaxOpenConns,
		DataMaxIdleConns: database.MaxIdleConns,
		DBConnect:        database.Connect,
	})

	config := hooks.ConfigFromEnv()
	app.RootCmd.PersistentFlags().StringVar(
		&config.PublicDir,
		"publicDir",
		filepath.Join(baseDir, "pb_public"),
		"the directory with the web app served at /",
	)
	app.RootCmd.ParseFlags(os.Args[1:])

	// Automigrate only while developing with `go run`, so that collection
	// changes made in the dashboard become Go migration files in ./migrations.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  goRun(),
	})

	hooks.Register(app, config)
	commands.Register(app, func(ctx context.Context) (string, error) {
		report, err := hooks.ReconcilePayments(ctx, app, config, time.Now())
		return report.String(), err
	})

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

// baseDir is where pb_data and pb_public are by default: the working
// directory under `go run`, else the executable's directory (as PocketBase
// finds pb_data).
func baseDir() string {
	if goRun() {
		return "."
	}
	return filepath.Dir(os.Args[0])
}

// goRun tells whether this binary was built by `go run`: in a
// go-build<digits> directory of the temp dir, or cached in the build
// cache as <2 hex digits>/<64 hex digits>-d/<name> (the cache itself may
// be anywhere, GOCACHE says). PocketBase's osutils.IsProbablyGoRun takes
// any binary under the temp dir for one, so a release unpacked in /tmp
// would look for its web app and data in the working directory.
func goRun() bool {
	parts := strings.Split(filepath.ToSlash(os.Args[0]), "/")
	for _, part := range parts {
		if digits, ok := strings.CutPrefix(part, "go-build"); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	n := len(parts)
	if n < 3 {
		return false
	}
	hash, cached := strings.CutSuffix(parts[n-2], "-d")
	return cached && len(parts[n-3]) == 2 && isHex(parts[n-3]) && len(hash) == 64 && isHex(hash)
}

func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}
