package hooks

import (
	"bytes"
	"embed"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The pages' templates, one per page plus the layout they share, built
// into the binary. Escaping is html/template's: every value lands as text
// or an attribute, and the structured data and the app's initial data are
// JSON inside their <script> elements, where html/template writes "<" as
// \u003c. The markup a page inserts as it is: a post's body, sanitized
// when it was saved (template.HTML, in post.html), and a search result's
// highlights, checked to hold nothing but text and <mark> (markedHTML).
//
//go:embed pages/*.html
var pageFiles embed.FS

// pageTemplates are the parsed pages, by name (home, author, tag, post,
// search, not_found, app).
var pageTemplates = parsePageTemplates("home", "author", "tag", "post", "search", "not_found", "app")

func parsePageTemplates(names ...string) map[string]*template.Template {
	funcs := template.FuncMap{
		"price":      formatPrice,
		"postsCount": postsCount,
		// Open Graph writes locales as ll_CC
		"ogLocale": func(language string) string { return strings.ReplaceAll(language, "-", "_") },
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(pageFiles, "pages/layout.html", "pages/partials.html", "pages/"+name+".html"))
	}
	return pages
}

// page is what the layout and a page's template are given.
type page struct {
	Site siteSettings
	Head pageHead

	// Data is the page's data as the web app reads it on start (the
	// "blog-data" element), so that it shows the page without asking the
	// server again: {"site":…, "page":{"kind":…, …}}.
	Data any

	Listing *listingView
	Author  *authorView
	Tag     *tagView
	Post    *postPage
	Search  *searchView
}

// pageHead is what a page tells search engines, feed readers and link
// previews in its <head>.
type pageHead struct {
	Title       string // the whole <title>
	Description string
	Canonical   string // absolute; "" for pages that are not indexed
	NoIndex     bool
	OGType      string // website, article or profile
	OGTitle     string
	Image       *pageImage // og:image, when the page has one
	Published   string     // article:published_time (RFC 3339)
	Modified    string     // article:modified_time
	Tags        []string   // article:tag, one per tag of a post
	Prev, Next  string     // absolute URLs of the neighbouring listing pages
	Feed        *feedLink
	JSONLD      any
}

// pageImage is the picture a link preview shows of a page.
type pageImage struct {
	URL           string // absolute
	Width, Height int    // 0 when not known
	// Large asks for the large preview card, for a wide picture (a
	// cover) rather than a small square one (an avatar)
	Large bool
}

// feedLink is a page's <link rel="alternate"> to its RSS feed.
type feedLink struct {
	Title string
	URL   string
}

// listingView is a page of posts: the home page or an author's.
type listingView struct {
	Heading    string
	Level      string // h2, or h3 under an author's heading
	Posts      []postCard
	ShowAuthor bool
	Prev, Next string // relative URLs of the neighbouring pages
	Page       int
	TotalPages int
}

// postCard is a post as a listing shows it.
type postCard struct {
	Title      string
	URL        string
	AuthorName string
	AuthorURL  string
	Published  string // RFC 3339, for <time datetime>
	Date       string // as read
	Price      float64
	Currency   string
	Summary    string
	Cover      string    // root-relative address of the cover's card thumbnail, or ""
	Tags       []tagChip // in the post's order

	// a search result's title and excerpt with its matches marked
	// (markedHTML), shown instead of Title and Summary; empty elsewhere
	MarkedTitle   template.HTML
	MarkedExcerpt template.HTML
}

// tagChip is a tag as a post's card and page show it: a link to the
// tag's page.
type tagChip struct {
	Name string
	URL  string // root-relative
}

// authorView is an author's profile above their posts.
type authorView struct {
	Name     string
	Username string
	Bio      string
	Avatar   string // absolute URL, or ""
}

// tagView is a tag above its posts.
type tagView struct {
	Name  string
	Count int    // its published posts
	Feed  string // root-relative address of its feed
}

// postPage is a post as its page shows it.
type postPage struct {
	postCard
	CoverImage string // root-relative address of the cover's wide thumbnail, or ""
	Mine       bool
	Body       template.HTML // sanitized when saved; empty when locked
	Locked     bool
}

// renderPage executes the named page's template into an answer body.
func renderPage(name string, p *page) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := pageTemplates[name].Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// siteOrigin is the public address all absolute links are built on:
// BLOG_PUBLIC_URL, or else the Application URL of PocketBase's settings
// (editable in the dashboard), without a trailing slash. Never the
// request's Host: pages are cached and shared by everyone, and a forged
// Host must not become anybody's canonical link.
func siteOrigin(app core.App, publicURL string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	return strings.TrimRight(app.Settings().Meta.AppURL, "/")
}

// postPath is the path of a post's page.
func postPath(slug string) string { return "/posts/" + url.PathEscape(slug) }

// authorPath is the path of an author's page.
func authorPath(username string) string { return "/authors/" + url.PathEscape(username) }

// tagPath is the path of a tag's page: a slug is Unicode ("数据库"), its
// link percent-encoded, as the web app writes it too.
func tagPath(slug string) string { return "/tags/" + url.PathEscape(slug) }

// listingPath is the path of page n of the listing at base ("/", an
// author's page or a tag's).
func listingPath(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "?page=" + strconv.Itoa(n)
}

// fileURL is the absolute URL of a file of a record, or "".
func fileURL(origin, collectionId, recordId, name string) string {
	if name == "" {
		return ""
	}
	return origin + "/api/files/" + url.PathEscape(collectionId) + "/" + url.PathEscape(recordId) + "/" + url.PathEscape(name)
}

// The thumbnails of a post's cover (the posts migration lists them):
// the listing cards', and the one link previews and the post's page show.
const (
	coverCardThumb    = "480x270"
	coverPreviewThumb = "1200x630"
)

// coverPreviewWidth and coverPreviewHeight are the size of coverPreviewThumb.
const (
	coverPreviewWidth  = 1200
	coverPreviewHeight = 630
)

// coverURL is the address of the thumbnail of size of a post's cover, on
// origin ("" for a root-relative one), or "" when the post has no cover.
// post is the post as PocketBase serializes it. A cover is a public file:
// the address needs no token.
func coverURL(origin string, post map[string]any, size string) string {
	str := func(k string) string { s, _ := post[k].(string); return s }
	u := fileURL(origin, str("collectionId"), str("id"), str("cover"))
	if u == "" {
		return ""
	}
	return u + "?thumb=" + size
}

// readableDate is a stored date as pages show it ("Dec 3, 2026"), the
// way the web app shows it in an English browser; rfc3339 is the same
// date for machines. Both are "" for no date.
func readableDate(stored string) (readable, rfc3339 string) {
	d, err := types.ParseDateTime(stored)
	if err != nil || d.IsZero() {
		return "", ""
	}
	t := d.Time().UTC()
	return t.Format("Jan 2, 2006"), t.Format(time.RFC3339)
}

// formatPrice is a price as pages show it: "CN¥9.90", "$5.00", "12.00 JPY".
func formatPrice(price float64, currency string) string {
	amount := strconv.FormatFloat(price, 'f', 2, 64)
	switch strings.ToUpper(currency) {
	case "CNY":
		return "CN¥" + amount
	case "USD":
		return "$" + amount
	case "EUR":
		return "€" + amount
	case "GBP":
		return "£" + amount
	}
	return amount + " " + currency
}

// shortDescription cuts text to at most limit characters, at a word
// boundary when one is near, for meta descriptions and previews.
func shortDescription(text string, limit int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	runes := []rune(text)[:limit-1]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*2/3 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// descriptionLength is how much of a summary or bio the meta description
// holds: about what search results show.
const descriptionLength = 160

// cardOf is the listing card of item, a post as the listing API
// serializes it (with expand.author and expand.tags).
func cardOf(item map[string]any) postCard {
	str := func(k string) string { s, _ := item[k].(string); return validText(s) }
	card := postCard{
		Title:    str("title"),
		URL:      postPath(str("slug")),
		Currency: str("currency"),
		Summary:  str("summary"),
		Cover:    coverURL("", item, coverCardThumb),
	}
	card.Price = cast.ToFloat64(item["price"])
	card.Date, card.Published = readableDate(cast.ToString(item["published"]))
	if expand, ok := item["expand"].(map[string]any); ok {
		card.Tags = tagChipsOf(expand["tags"])
		if author, ok := expand["author"].(map[string]any); ok && author != nil {
			username, _ := author["username"].(string)
			name, _ := author["name"].(string)
			name = validText(name)
			if name == "" {
				name = username
			}
			card.AuthorName, card.AuthorURL = name, authorPath(username)
		}
	}
	return card
}

// withoutKeys is a copy of a record's JSON without keys: a page's initial
// data leaves out what a comment moves (commentsCount: pages are never
// patched for a comment, and the app does not show it), and what the
// page holds as markup already (a post's body).
func withoutKeys(record map[string]any, keys ...string) map[string]any {
	copied := make(map[string]any, len(record))
	for k, v := range record {
		copied[k] = v
	}
	for _, k := range keys {
		delete(copied, k)
	}
	return copied
}

// validText is s with any byte that is not UTF-8 (a multipart form takes
// any bytes) replaced, as the JSON and XML of the same values have it:
// pages are sent as UTF-8.
func validText(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

// balancedHTML is a sanitized body with its elements balanced, as a
// browser would read it inside the element a page puts it in: a body
// that closes more than it opened, or leaves an element open, cannot
// close or swallow the page's own elements around it. One pass of the
// parser does not always reach a form the parser reads back unchanged
// (nested list items inside a table, say), so it runs until it does; a
// body that never settles is shown as text.
func balancedHTML(body string) string {
	for range 4 {
		balanced, ok := parseAndRender(body)
		if !ok {
			break
		}
		if balanced == body {
			return balanced
		}
		body = balanced
	}
	return "<p>" + html.EscapeString(body) + "</p>"
}

// parseAndRender reads body as the content of a <div> and writes it back.
func parseAndRender(body string) (string, bool) {
	container := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(body), container)
	if err != nil {
		return "", false
	}
	var out strings.Builder
	out.Grow(len(body))
	for _, n := range nodes {
		if err := html.Render(&out, n); err != nil {
			return "", false
		}
	}
	return out.String(), true
}
