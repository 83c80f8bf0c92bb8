package hooks_test

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// rssFeed is an RSS 2.0 feed as a feed reader reads it: the content and
// Dublin Core elements by their namespaces, not their prefixes.
type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Description string `xml:"description"`
		Language    string `xml:"language"`
		// <link> and <atom:link rel="self">, told apart by namespace
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Items []rssEntry `xml:"item"`
	} `xml:"channel"`
}

type rssEntry struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        string   `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Creator     string   `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Categories  []string `xml:"category"`
	Description string   `xml:"description"`
	Content     *string  `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
}

// channelLink is the feed's <link> (the page it is the feed of), and
// self its atom:link rel="self".
func (f *rssFeed) channelLink() (link, self string) {
	for _, l := range f.Channel.Links {
		switch {
		case l.XMLName.Space == "" && l.Rel == "":
			link = l.Value
		case l.XMLName.Space == "http://www.w3.org/2005/Atom" && l.Rel == "self":
			self = l.Href
		}
	}
	return link, self
}

func (f *rssFeed) guids() []string {
	var ids []string
	for _, item := range f.Channel.Items {
		ids = append(ids, item.GUID)
	}
	return ids
}

// readFeed GETs a feed that must answer 200 as RSS, and parses it.
func readFeed(t testing.TB, h http.Handler, path string) *rssFeed {
	t.Helper()
	rec := getPage(t, h, path, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var feed rssFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatalf("GET %s: not XML: %v\n%s", path, err, rec.Body.String())
	}
	if feed.Version != "2.0" {
		t.Errorf("GET %s: RSS version %q", path, feed.Version)
	}
	return &feed
}

// publishedIds is the ids of the published posts (of author, unless ""),
// newest first, at most limit.
func publishedIds(t testing.TB, app core.App, author string, limit int) []string {
	t.Helper()
	filter := `status = "published"`
	if author != "" {
		filter += ` && author = {:author}`
	}
	records, err := app.FindRecordsByFilter("posts", filter, "-published", limit, 0, dbx.Params{"author": author})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = r.Id
	}
	return ids
}

func TestFeedsHoldTheLatestPublishedPosts(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()

	// 23 published posts, each an hour older than the one before, and a
	// draft newer than all of them
	newest := time.Now().AddDate(0, -1, 0)
	for i := range 20 {
		author := fx.aliceId
		if i%2 == 1 {
			author = fx.bobId
		}
		addPost(t, app, author, "Older post "+string(rune('A'+i)), newest.Add(-time.Duration(i)*time.Hour), nil)
	}
	draft := addPost(t, app, fx.bobId, "Bob's newer draft", time.Time{}, nil)
	setBody(t, app, draft.Id, "<p>bob draft body</p>")
	update(t, app, "posts", fx.alicePaid, func(r *core.Record) { r.Set("summary", "What the essay argues, in short.") })
	bobSlug := slugOf(t, app, fx.bobPublished)
	setBody(t, app, fx.alicePublished, `<p>alice public body, <a href="/posts/`+bobSlug+`">after bob's</a></p>`)
	h := serve(t, app)

	t.Run("guest reading the blog's feed", func(t *testing.T) {
		rec := getPage(t, h, "/rss.xml", http.StatusOK)
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=5" {
			t.Errorf("Cache-Control %q", cc)
		}
		feed := readFeed(t, h, "/rss.xml")
		link, self := feed.channelLink()
		if feed.Channel.Title != "blogbase" || link != blogURL+"/" || self != blogURL+"/rss.xml" || feed.Channel.Language != "en" {
			t.Errorf("channel %q, link %q, self %q, language %q", feed.Channel.Title, link, self, feed.Channel.Language)
		}
		if want := publishedIds(t, app, "", 20); !slices.Equal(feed.guids(), want) {
			t.Fatalf("items %v, want the 20 latest published %v", feed.guids(), want)
		}
		var previous time.Time
		for i, item := range feed.Channel.Items {
			published, err := time.Parse(time.RFC1123Z, item.PubDate)
			if err != nil || (i > 0 && published.After(previous)) {
				t.Errorf("item %d %q: pubDate %q (%v) after the item before it", i, item.Title, item.PubDate, err)
			}
			previous = published
			if !strings.HasPrefix(item.Link, blogURL+"/posts/") {
				t.Errorf("item %q links %q", item.Title, item.Link)
			}
			if item.GUID == draft.Id || strings.Contains(item.Title, "draft") || item.Content != nil && strings.Contains(*item.Content, "draft body") {
				t.Errorf("a draft in the feed: %+v", item)
			}
		}
	})

	t.Run("a free post's whole body, a paid post's summary", func(t *testing.T) {
		items := map[string]rssEntry{}
		for _, item := range readFeed(t, h, "/rss.xml").Channel.Items {
			items[item.GUID] = item
		}
		bob, free, paid := items[fx.bobPublished], items[fx.alicePublished], items[fx.alicePaid]
		if bob.Content == nil || *bob.Content != "<p>bob public body</p>" || bob.Title != "Bob in public" ||
			bob.Link != blogURL+"/posts/"+bobSlug || bob.Creator != "bob name" {
			t.Errorf("bob's free post: %+v (content %v)", bob, bob.Content)
		}
		// a link to the blog, read away from it, leads back to it
		if free.Content == nil || !strings.Contains(*free.Content, `href="`+blogURL+`/posts/`+bobSlug+`"`) ||
			strings.Contains(*free.Content, `href="/`) {
			t.Errorf("alice's free post: content %v", free.Content)
		}
		if paid.Content != nil || paid.Description != "What the essay argues, in short." || paid.Title != "Alice paid essay" {
			t.Errorf("the paid post: %+v (content %v)", paid, paid.Content)
		}
		if paid.Content != nil && strings.Contains(*paid.Content, "alice paid body") {
			t.Error("the paid body is in the feed")
		}
	})

	t.Run("guest reading an author's feed", func(t *testing.T) {
		feed := readFeed(t, h, "/authors/alice/rss.xml")
		link, self := feed.channelLink()
		if link != blogURL+"/authors/alice" || self != blogURL+"/authors/alice/rss.xml" || feed.Channel.Title != "alice name · blogbase" {
			t.Errorf("channel %q, link %q, self %q", feed.Channel.Title, link, self)
		}
		if want := publishedIds(t, app, fx.aliceId, 20); len(want) != 12 || !slices.Equal(feed.guids(), want) {
			t.Errorf("items %v, want alice's published posts %v", feed.guids(), want)
		}
		for _, item := range feed.Channel.Items {
			if item.Creator != "alice name" {
				t.Errorf("item %q by %q in alice's feed", item.Title, item.Creator)
			}
		}
		if bob := readFeed(t, h, "/authors/bob/rss.xml"); !slices.Equal(bob.guids(), publishedIds(t, app, fx.bobId, 20)) {
			t.Errorf("bob's feed holds %v", bob.guids())
		}
	})
}

func TestFeedAnswers(t *testing.T) {
	t.Parallel()
	notFoundPage := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "guest reading the blog's feed",
			Method:          http.MethodGet,
			URL:             "/rss.xml",
			ExpectedStatus:  200,
			ExpectedContent: []string{"<rss"},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:               "guest reading an unknown author's feed",
			Method:             http.MethodGet,
			URL:                "/authors/nobody/rss.xml",
			ExpectedStatus:     404,
			NotExpectedContent: []string{"<rss"},
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc:      notFoundPage,
		},
		{
			Name:               "guest reading the feed of a username nobody can have",
			Method:             http.MethodGet,
			URL:                "/authors/A%3Cb%3E/rss.xml",
			ExpectedStatus:     404,
			NotExpectedContent: []string{"<rss"},
			ExpectedEvents:     map[string]int{"*": 0},
			AfterTestFunc:      notFoundPage,
		},
	}
	for _, scenario := range scenarios {
		scenario.TestAppFactory = newTestApp
		scenario.Test(t)
	}
}
