package migrations_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

// migration is the registered migration of that file.
func migration(t *testing.T, file string) *core.Migration {
	t.Helper()
	for _, m := range core.AppMigrations.Items() {
		if m.File == file {
			return m
		}
	}
	t.Fatalf("no migration %s", file)
	return nil
}

// TestServerCollectionsAreSystem checks what marking the server's
// collections system does: PocketBase refuses to rename or delete them or
// to change their rules, and nothing else changes for them.
func TestServerCollectionsAreSystem(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"revokedTokens", "smsCodes", "smsOutbox", "paymentEvents"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		if !c.System {
			t.Errorf("%s is not a system collection", name)
		}

		renamed, _ := app.FindCollectionByNameOrId(name)
		renamed.Name = name + "Renamed"
		if err := app.Save(renamed); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("renaming %s: %v", name, err)
		}
		opened, _ := app.FindCollectionByNameOrId(name)
		opened.ListRule = types.Pointer("")
		if err := app.Save(opened); err == nil || !strings.Contains(err.Error(), "listRule") {
			t.Errorf("opening %s to anyone: %v", name, err)
		}
		if err := app.Delete(c); err == nil {
			t.Errorf("%s was deleted", name)
		}
		if _, err := app.FindCollectionByNameOrId(name); err != nil {
			t.Errorf("%s is gone: %v", name, err)
		}

		// a later migration may still add a field
		grown, _ := app.FindCollectionByNameOrId(name)
		grown.Fields.Add(&core.TextField{Name: "note"})
		if err := app.Save(grown); err != nil {
			t.Errorf("adding a field to %s: %v", name, err)
		}
	}
	for _, name := range []string{"posts", "postContents", "comments", "orders", "site"} {
		if c, _ := app.FindCollectionByNameOrId(name); c == nil || c.System {
			t.Errorf("%s is missing or a system collection", name)
		}
	}
}

// TestPostContentBackfill runs the migration on posts made before it:
// each names its body record, and nothing else of them changes.
func TestPostContentBackfill(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	arrange := migration(t, "1795524300_arrange_dashboard.go")
	if err := arrange.Down(app); err != nil {
		t.Fatal(err)
	}
	if c, _ := app.FindCollectionByNameOrId("smsCodes"); c.System {
		t.Fatal("reverted, smsCodes is still a system collection")
	}

	// posts as the hooks made them before: each with one body record (no
	// hooks are bound here, so the bodies are saved by hand), and one
	// whose body was removed behind the hooks' back
	users, _ := app.FindCollectionByNameOrId("users")
	author := core.NewRecord(users)
	author.Set("username", "writer")
	author.SetEmail("writer@example.com")
	author.SetPassword("password-123")
	if err := app.Save(author); err != nil {
		t.Fatal(err)
	}
	posts, _ := app.FindCollectionByNameOrId("posts")
	contents, _ := app.FindCollectionByNameOrId("postContents")
	bodies := map[string]string{}
	updated := map[string]string{}
	for _, title := range []string{"First", "Second", "Bodiless"} {
		post := core.NewRecord(posts)
		post.Set("author", author.Id)
		post.Set("title", title)
		post.Set("slug", strings.ToLower(title))
		if err := app.Save(post); err != nil {
			t.Fatal(err)
		}
		updated[post.Id] = post.GetString("updated")
		if title == "Bodiless" {
			bodies[post.Id] = ""
			continue
		}
		body := core.NewRecord(contents)
		body.Set("post", post.Id)
		body.Set("body", "<p>"+title+"</p>")
		if err := app.Save(body); err != nil {
			t.Fatal(err)
		}
		bodies[post.Id] = body.Id
	}

	if err := arrange.Up(app); err != nil {
		t.Fatal(err)
	}
	for postId, bodyId := range bodies {
		var row struct {
			Content string `db:"content"`
			Updated string `db:"updated"`
		}
		if err := app.DB().Select("content", "updated").From("posts").Where(dbx.HashExp{"id": postId}).One(&row); err != nil {
			t.Fatal(err)
		}
		if row.Content != bodyId || row.Updated != updated[postId] {
			t.Errorf("post %s: content %q (want %q), updated %s (was %s)", postId, row.Content, bodyId, row.Updated, updated[postId])
		}
	}
	if c, _ := app.FindCollectionByNameOrId("smsCodes"); !c.System {
		t.Error("smsCodes is not a system collection again")
	}
}
