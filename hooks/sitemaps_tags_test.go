package hooks_test

import (
	"encoding/xml"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

func TestSitemapsListTags(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	tb := tagTheBlog(t, app)
	h := serve(t, app)

	files := readSitemapIndex(t, h)
	if want := []string{"/sitemaps/pages-1.xml", "/sitemaps/posts-1.xml", "/sitemaps/tags-1.xml"}; !slices.Equal(files, want) {
		t.Fatalf("the index lists %v, want %v", files, want)
	}
	lastmods := sitemapLastmods(t, h)
	want := publicPages(t, app)
	for _, u := range []string{blogURL + "/tags/go", blogURL + databasePath, blogURL + "/tags/rust", blogURL + "/tags/" + tb.markup.GetString("slug")} {
		if !want[u] {
			t.Fatalf("the fixture changed: %s is no public page", u)
		}
	}
	for u := range want {
		if _, ok := lastmods[u]; !ok {
			t.Errorf("the sitemaps miss %s", u)
		}
	}
	for u := range lastmods {
		if !want[u] {
			t.Errorf("the sitemaps list %s, which is no public page", u)
		}
	}
	if _, ok := lastmods[blogURL+"/tags/"+tb.draftOnly.GetString("slug")]; ok {
		t.Error("the sitemaps list a tag only a draft carries")
	}

	// a tag's page changes when a post carrying it is published: its
	// latest publication dates it
	latest := func(tag *core.Record) time.Time {
		var stored string
		err := app.DB().NewQuery(`SELECT MAX(p.published) FROM posts p, json_each(p.tags) j
			WHERE j.value = {:tag} AND p.status = 'published'`).Bind(dbx.Params{"tag": tag.Id}).Row(&stored)
		if err != nil {
			t.Fatal(err)
		}
		d, err := types.ParseDateTime(stored)
		if err != nil {
			t.Fatal(err)
		}
		return d.Time()
	}
	for path, tag := range map[string]*core.Record{"/tags/go": tb.golang, "/tags/rust": tb.rust, databasePath: tb.database} {
		got, err := time.Parse(time.RFC3339, lastmods[blogURL+path])
		if err != nil || !got.Equal(latest(tag)) {
			t.Errorf("%s: lastmod %q (%v), want %v", path, lastmods[blogURL+path], err, latest(tag))
		}
	}

	// the index dates the tags' file by its latest
	var index sitemapIndexDoc
	if err := xml.Unmarshal(getPage(t, h, "/sitemap.xml", http.StatusOK).Body.Bytes(), &index); err != nil {
		t.Fatal(err)
	}
	newest := slices.MaxFunc([]time.Time{latest(tb.golang), latest(tb.rust), latest(tb.database), latest(tb.markup)}, time.Time.Compare)
	for _, s := range index.Sitemaps {
		if s.Loc != blogURL+"/sitemaps/tags-1.xml" {
			continue
		}
		if got, err := time.Parse(time.RFC3339, s.Lastmod); err != nil || !got.Equal(newest) {
			t.Errorf("the tags' file: lastmod %q (%v), want %v", s.Lastmod, err, newest)
		}
	}
}
