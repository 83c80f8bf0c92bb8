package hooks

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"
)

// TestDuePostsReadTheIndex checks SQLite's plan for finding the posts due:
// one range of the published posts' index, which holds every column the
// query reads, in the order asked for; never a walk of every post, nor a
// sort.
func TestDuePostsReadTheIndex(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	query := duePosts(app, time.Now()).Build()
	var plan []struct {
		Detail string `db:"detail"`
	}
	if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + query.SQL()).Bind(query.Params()).All(&plan); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, step := range plan {
		steps = append(steps, step.Detail)
	}
	if len(steps) != 1 || !strings.HasPrefix(steps[0], "SEARCH posts USING COVERING INDEX idx_posts_status_published (status=? AND published<?)") {
		t.Fatalf("the due posts are found by %q", steps)
	}
}
