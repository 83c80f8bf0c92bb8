package hooks

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"
)

// feedItems is how many posts a feed holds: the latest.
const feedItems = 20

// siteFeed is GET /rss.xml: the latest published posts of the blog.
func (p *sitePages) siteFeed(e *core.RequestEvent) error {
	answer, err := p.cache.build(feedKeyPrefix+"site", func() ([]byte, []string, error) {
		return p.buildFeed(e.App, feedScope{})
	})
	return p.respondFeed(e, answer, err)
}

// authorFeed is GET /authors/{username}/rss.xml: an author's latest
// published posts.
func (p *sitePages) authorFeed(e *core.RequestEvent) error {
	username := e.Request.PathValue("username")
	if !validUsername(username) {
		return p.notFound(e)
	}
	answer, err := p.cache.build(feedKeyPrefix+"author|"+username, func() ([]byte, []string, error) {
		user, err := e.App.FindFirstRecordByData(usersCollection, "username", username)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, errPageNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		return p.buildFeed(e.App, feedScope{author: user})
	})
	return p.respondFeed(e, answer, err)
}

// tagFeed is GET /tags/{slug}/rss.xml: the latest published posts
// carrying a tag.
func (p *sitePages) tagFeed(e *core.RequestEvent) error {
	slug := e.Request.PathValue("slug")
	if !validTagSlug(slug) {
		return p.notFound(e)
	}
	answer, err := p.cache.build(feedKeyPrefix+"tag|"+slug, func() ([]byte, []string, error) {
		tag, err := findTagBySlug(e.App, slug)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, errPageNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		// as its page: none for a tag no published post carries
		if n, err := taggedCount(e.App, tag.Id); err != nil || n == 0 {
			return nil, nil, cmp.Or(err, errPageNotFound)
		}
		return p.buildFeed(e.App, feedScope{tag: tag})
	})
	return p.respondFeed(e, answer, err)
}

func (p *sitePages) respondFeed(e *core.RequestEvent, answer cachedAnswer, err error) error {
	if errors.Is(err, errPageNotFound) {
		return p.notFound(e)
	}
	if err != nil {
		return e.InternalServerError("Failed to build the feed.", err)
	}
	return writeXMLAnswer(e, answer, rssContentType, p.cacheControl)
}

// rss is an RSS 2.0 document, with the content module (a post's whole
// body), Dublin Core (its author's name), Media RSS (its cover) and
// Atom's self link, as feed readers expect them.
type rss struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	ContentNS string     `xml:"xmlns:content,attr"`
	DCNS      string     `xml:"xmlns:dc,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	MediaNS   string     `xml:"xmlns:media,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Self          rssLink   `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Creator     string   `xml:"dc:creator,omitempty"`
	Categories  []string `xml:"category"` // the post's tags, by name
	Description string   `xml:"description"`
	Content     string   `xml:"content:encoded,omitempty"`
	// the cover, as the link previews show it: <enclosure> would need
	// the thumbnail's length in bytes, unknown until it is made
	Cover *rssMedia `xml:"media:content,omitempty"`
}

// rssMedia is a Media RSS picture of an item.
type rssMedia struct {
	URL    string `xml:"url,attr"`
	Medium string `xml:"medium,attr"`
	Width  int    `xml:"width,attr"`
	Height int    `xml:"height,attr"`
}

// rssGUID names a post for good: its id, which outlives a new slug, so a
// renamed post is not news again.
type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// feedScope is whose posts a feed holds: the blog's (the zero scope),
// an author's or a tag's.
type feedScope struct {
	author *core.Record
	tag    *core.Record
}

// buildFeed writes the feed of the latest published posts of scope
// (the blog's, an author's or a tag's): a free post with its whole body,
// a paid one with its summary only (the postContents view rule decides,
// as for the post's page), within feedBodiesBudget.
func (p *sitePages) buildFeed(app core.App, scope feedScope) ([]byte, []string, error) {
	site, err := loadSite(app)
	if err != nil {
		return nil, nil, err
	}
	origin := siteOrigin(app, p.publicURL)
	link, self, title, description := origin+"/", origin+"/rss.xml", site.Name, site.Description
	deps := []string{depSite}
	lq := listingQuery{page: 1, perPage: feedItems, sort: sortNewestFirst}
	switch {
	case scope.author != nil:
		author := scope.author
		lq.author = author.Id
		name := author.GetString("name")
		if name == "" {
			name = author.GetString("username")
		}
		path := authorPath(author.GetString("username"))
		link, self = origin+path, origin+path+"/rss.xml"
		title = name + " · " + site.Name
		description = author.GetString("bio")
		if description == "" {
			description = "Posts by " + name + " on " + site.Name + "."
		}
		deps = append(deps, depAuthor(author.Id), depUsernames)
	case scope.tag != nil:
		lq.tag = scope.tag.GetString("slug")
		name := scope.tag.GetString("name")
		path := tagPath(lq.tag)
		link, self = origin+path, origin+path+"/rss.xml"
		title = tagFeedTitle(site.Name, name)
		description = "Posts tagged “" + name + "” on " + site.Name + "."
		deps = append(deps, depTag(scope.tag.Id), depTagListing(scope.tag.Id))
	}
	if description == "" {
		description = site.Name
	}

	key, err := cursorKey(app)
	if err != nil {
		return nil, nil, err
	}
	posts, listingDeps, err := listPublishedPosts(app, lq, key)
	if err != nil {
		return nil, nil, err
	}
	deps = append(deps, listingDeps...)
	bodies, err := readableBodies(app, posts.Items)
	if err != nil {
		return nil, nil, err
	}

	doc := rss{
		Version:   "2.0",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		DCNS:      "http://purl.org/dc/elements/1.1/",
		AtomNS:    "http://www.w3.org/2005/Atom",
		MediaNS:   "http://search.yahoo.com/mrss/",
		Channel: rssChannel{
			Title:       title,
			Link:        link,
			Description: description,
			Language:    site.Language,
			Generator:   "blogbase",
			Self:        rssLink{Href: self, Rel: "self", Type: "application/rss+xml"},
			Items:       []rssItem{},
		},
	}
	bodiesLeft := feedBodiesBudget
	for i, item := range posts.Items {
		card := cardOf(item)
		id, _ := item["id"].(string)
		published, _ := types.ParseDateTime(cast.ToString(item["published"]))
		entry := rssItem{
			Title:       card.Title,
			Link:        origin + card.URL,
			GUID:        rssGUID{IsPermaLink: "false", Value: id},
			PubDate:     published.Time().UTC().Format(time.RFC1123Z),
			Creator:     card.AuthorName,
			Categories:  chipNames(card.Tags),
			Description: card.Summary,
		}
		if cover := coverURL(origin, item, coverPreviewThumb); cover != "" {
			entry.Cover = &rssMedia{URL: cover, Medium: "image", Width: coverPreviewWidth, Height: coverPreviewHeight}
		}
		if body, ok := bodies[id]; ok && len(body) <= bodiesLeft {
			entry.Content = absoluteLinks(balancedHTML(body), origin)
			bodiesLeft -= len(body)
		}
		if i == 0 {
			doc.Channel.LastBuildDate = entry.PubDate
		}
		doc.Channel.Items = append(doc.Channel.Items, entry)
	}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, nil, err
	}
	body, err := compressLarge(buf.Bytes())
	return body, deps, err
}

// feedBodiesBudget bounds the bodies one feed carries: the newest posts'
// bodies until this many bytes, then summaries and links only. A feed of
// twenty posts of a megabyte each would be rebuilt for every reader, and
// no reader wants it.
const feedBodiesBudget = 1 << 20

// readableBodies are the bodies a guest may read of the listed posts, by
// post id, as the postContents view rule in force decides.
func readableBodies(app core.App, items []map[string]any) (map[string]string, error) {
	ids := make([]any, 0, len(items))
	for _, item := range items {
		ids = append(ids, item["id"])
	}
	bodies := map[string]string{}
	if len(ids) == 0 {
		return bodies, nil
	}
	var contents []*core.Record
	err := app.RecordQuery(postContentsCollection).AndWhere(dbx.In("post", ids...)).All(&contents)
	if err != nil {
		return nil, err
	}
	guest := guestRequestInfo()
	for _, c := range contents {
		readable, err := app.CanAccessRecord(c, guest, c.Collection().ViewRule)
		if err != nil {
			return nil, err
		}
		if readable {
			bodies[c.GetString("post")] = c.GetString("body")
		}
	}
	return bodies, nil
}

// rootRelative finds the links and sources of a body that start at the
// server's root (an uploaded image, another post): "/x" but not "//x".
var rootRelative = regexp.MustCompile(`(\s(?:href|src)=")/([^/])`)

// absoluteLinks makes a body's root-relative links absolute on origin:
// a feed reader shows the body away from the blog.
func absoluteLinks(body, origin string) string {
	return rootRelative.ReplaceAllString(body, "${1}"+strings.ReplaceAll(origin, "$", "$$")+"/${2}")
}
