package hooks_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

func TestFeedsOfTags(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	tb := tagTheBlog(t, app)
	update(t, app, "posts", fx.alicePaid, func(r *core.Record) { r.Set("summary", "What the essay argues, in short.") })
	// 25 posts tagged Go in all: the feed holds the 20 latest
	newest := time.Now().AddDate(-2, 0, 0)
	for i := range 12 {
		addPost(t, app, fx.bobId, "Much older "+string(rune('A'+i)), newest.Add(-time.Duration(i)*time.Hour), withTags(tb.golang))
	}
	h := serve(t, app)

	t.Run("guest reading a tag's feed", func(t *testing.T) {
		rec := getPage(t, h, "/tags/go/rss.xml", http.StatusOK)
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=5" || rec.Header().Get("ETag") == "" {
			t.Errorf("Cache-Control %q, ETag %q", cc, rec.Header().Get("ETag"))
		}
		getPage(t, h, "/tags/go/rss.xml", http.StatusNotModified, "If-None-Match", rec.Header().Get("ETag"))

		feed := readFeed(t, h, "/tags/go/rss.xml")
		link, self := feed.channelLink()
		if feed.Channel.Title != "blogbase — Go" || link != blogURL+"/tags/go" || self != blogURL+"/tags/go/rss.xml" ||
			feed.Channel.Description != "Posts tagged “Go” on blogbase." || feed.Channel.Language != "en" {
			t.Errorf("channel %q (%q), link %q, self %q", feed.Channel.Title, feed.Channel.Description, link, self)
		}
		var tagged []string
		err := app.DB().NewQuery(`SELECT p.id FROM posts p, json_each(p.tags) j
			WHERE j.value = {:tag} AND p.status = 'published' ORDER BY p.published DESC LIMIT 20`).
			Bind(dbx.Params{"tag": tb.golang.Id}).Column(&tagged)
		if err != nil {
			t.Fatal(err)
		}
		if len(tagged) != 20 || !slices.Equal(feed.guids(), tagged) {
			t.Errorf("items %v, want the 20 latest published posts tagged Go %v", feed.guids(), tagged)
		}
		items := map[string]rssEntry{}
		for _, item := range feed.Channel.Items {
			items[item.GUID] = item
			if !slices.Contains(item.Categories, "Go") {
				t.Errorf("item %q filed under %q", item.Title, item.Categories)
			}
		}
		if _, ok := items[fx.aliceDraft]; ok {
			t.Error("the draft is in the feed")
		}
		if _, ok := items[tb.rustPost.Id]; ok {
			t.Error("a post of another tag is in the feed")
		}
		bob, paid := items[fx.bobPublished], items[fx.alicePaid]
		if bob.Content == nil || *bob.Content != "<p>bob public body</p>" || bob.Creator != "bob name" {
			t.Errorf("bob's free post: %+v", bob)
		}
		if paid.Content != nil || paid.Description != "What the essay argues, in short." {
			t.Errorf("the paid post: %+v (content %v)", paid, paid.Content)
		}
	})

	t.Run("guest reading a Chinese tag's feed", func(t *testing.T) {
		for _, path := range []string{"/tags/数据库/rss.xml", databasePath + "/rss.xml"} {
			feed := readFeed(t, h, path)
			link, self := feed.channelLink()
			if feed.Channel.Title != "blogbase — 数据库" || link != blogURL+databasePath || self != blogURL+databasePath+"/rss.xml" {
				t.Errorf("%s: channel %q, link %q, self %q", path, feed.Channel.Title, link, self)
			}
			if !slices.Equal(feed.guids(), []string{fx.bobPublished}) {
				t.Errorf("%s: items %v", path, feed.guids())
			}
		}
	})

	t.Run("every feed files its posts under their tags", func(t *testing.T) {
		want := map[string][]string{
			fx.bobPublished:   {"Go", "数据库"},
			fx.alicePublished: {"<b>x</b>", "Go"},
			fx.alicePaid:      {"Go"},
			tb.rustPost.Id:    {"Rust"},
		}
		for _, path := range []string{"/rss.xml", "/authors/alice/rss.xml", "/authors/bob/rss.xml", "/tags/go/rss.xml", "/tags/rust/rss.xml"} {
			seen := 0
			for _, item := range readFeed(t, h, path).Channel.Items {
				if categories, ok := want[item.GUID]; ok {
					seen++
					if !slices.Equal(item.Categories, categories) {
						t.Errorf("%s: %q filed under %q, want %q", path, item.Title, item.Categories, categories)
					}
				}
			}
			if seen == 0 {
				t.Errorf("%s holds none of the posts looked for", path)
			}
		}
		body := getPage(t, h, "/authors/alice/rss.xml", http.StatusOK).Body.String()
		if want := "<category>&lt;b&gt;x&lt;/b&gt;</category><category>Go</category>"; !strings.Contains(body, want) {
			t.Errorf("the categories are not escaped text: want %s", want)
		}
	})

	t.Run("a post without tags has no category", func(t *testing.T) {
		plain := addPost(t, app, fx.bobId, "Bob without tags", time.Now(), nil)
		for _, item := range readFeed(t, h, "/rss.xml").Channel.Items {
			if item.GUID == plain.Id && len(item.Categories) != 0 {
				t.Errorf("filed under %q", item.Categories)
			}
		}
	})
}
