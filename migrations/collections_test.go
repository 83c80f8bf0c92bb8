package migrations_test

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	_ "blogbase/migrations"
)

var update = flag.Bool("update", false, "rewrite COLLECTIONS.md from the migrations")

// TestCollectionsSnapshotIsCurrent keeps COLLECTIONS.md, the collections
// and API rules in force after every migration, in one readable file:
// it fails when a migration changes them and the file was not rewritten
// (go test ./migrations -run Snapshot -update).
func TestCollectionsSnapshotIsCurrent(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	collections, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	var triggers []struct {
		Name  string `db:"name"`
		Table string `db:"tbl_name"`
	}
	err = app.DB().NewQuery("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").All(&triggers)
	if err != nil {
		t.Fatal(err)
	}
	byTable := map[string][]string{}
	for _, tr := range triggers {
		byTable[tr.Table] = append(byTable[tr.Table], tr.Name)
	}
	got := renderCollections(collections, byTable)

	if *update {
		if err := os.WriteFile("COLLECTIONS.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("COLLECTIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Fatal("COLLECTIONS.md is not what the migrations make; run: go test ./migrations -run Snapshot -update")
	}
}

// renderCollections writes the blog's collections (PocketBase's own
// system collections left out) as Markdown: each one's API rules, fields,
// indexes and the SQLite triggers on its table (by name; the migrations
// that make them say what they keep).
func renderCollections(collections []*core.Collection, triggers map[string][]string) string {
	names := map[string]string{}
	for _, c := range collections {
		names[c.Id] = c.Name
	}
	slices.SortFunc(collections, func(a, b *core.Collection) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	b.WriteString("# Collections and the rules in force\n\n" +
		"Written by `go test ./migrations -run Snapshot -update` from the schema the\n" +
		"migrations make, and checked by that test: what a client may do with each\n" +
		"collection, whichever migration set it. Rules are PocketBase filters\n" +
		"(https://pocketbase.io/docs/api-rules-and-filters/); \"superusers only\" is a\n" +
		"locked rule, \"anyone\" an empty one. The record hooks in `hooks/` add the\n" +
		"invariants rules cannot express.\n")
	for _, c := range collections {
		if strings.HasPrefix(c.Name, "_") {
			continue
		}
		kind := c.Type
		if c.System {
			kind += ", system" // shown apart in the dashboard; name and rules fixed
		}
		fmt.Fprintf(&b, "\n## %s (%s)\n\n| rule | who |\n|---|---|\n", c.Name, kind)
		rules := []struct {
			name string
			rule *string
		}{
			{"list", c.ListRule}, {"view", c.ViewRule}, {"create", c.CreateRule},
			{"update", c.UpdateRule}, {"delete", c.DeleteRule},
		}
		if c.IsAuth() {
			rules = append(rules, struct {
				name string
				rule *string
			}{"auth", c.AuthRule}, struct {
				name string
				rule *string
			}{"manage", c.ManageRule})
		}
		for _, r := range rules {
			fmt.Fprintf(&b, "| %s | %s |\n", r.name, describeRule(r.rule))
		}
		b.WriteString("\nFields:\n\n")
		for _, f := range c.Fields {
			if f.GetSystem() && f.GetName() != "email" && f.GetName() != "password" {
				continue
			}
			fmt.Fprintf(&b, "- `%s` %s%s\n", f.GetName(), f.Type(), fieldNotes(f, names))
		}
		if len(c.Indexes) > 0 {
			b.WriteString("\nIndexes:\n\n```sql\n")
			for _, index := range c.Indexes {
				b.WriteString(strings.ReplaceAll(index, "`", "") + ";\n")
			}
			b.WriteString("```\n")
		}
		if names := triggers[c.Name]; len(names) > 0 {
			b.WriteString("\nTriggers: `" + strings.Join(names, "`, `") + "`\n")
		}
	}
	return b.String()
}

func describeRule(rule *string) string {
	switch {
	case rule == nil:
		return "superusers only"
	case *rule == "":
		return "anyone"
	}
	return "`" + strings.ReplaceAll(*rule, "|", "\\|") + "`"
}

// fieldNotes says what of a field's options matters to a reader: required,
// hidden, presentable (what the dashboard shows of a related record),
// where a relation points and what a select allows.
func fieldNotes(f core.Field, collectionNames map[string]string) string {
	var notes []string
	switch field := f.(type) {
	case *core.RelationField:
		notes = append(notes, "→ "+collectionNames[field.CollectionId])
		if field.CascadeDelete {
			notes = append(notes, "cascade delete")
		}
	case *core.SelectField:
		notes = append(notes, strings.Join(field.Values, " / "))
	}
	// every field type with a Required option has it under that name
	if required := reflect.ValueOf(f).Elem().FieldByName("Required"); required.IsValid() && required.Bool() {
		notes = append(notes, "required")
	}
	if f.GetHidden() {
		notes = append(notes, "hidden")
	}
	// every field type with a Presentable option has it under that name
	if presentable := reflect.ValueOf(f).Elem().FieldByName("Presentable"); presentable.IsValid() && presentable.Bool() {
		notes = append(notes, "presentable")
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}
