package hooks

import (
	"database/sql"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// sitePages serves what readers, search engines, feed readers and link
// previews fetch without JavaScript: the server-rendered pages
// (pages.go, a tag's: pages_tags.go), the RSS feeds (feeds.go), the
// sitemaps and robots.txt (sitemaps.go, the tags': sitemaps_tags.go).
// Like the listing, they are public answers served from the public
// cache, with the dependencies they were built from, so that no write
// that returned leaves one stale.
type sitePages struct {
	cache        *publicCache
	cacheControl string // of feeds and sitemaps, as the listing's
	publicURL    string // BLOG_PUBLIC_URL
	publicDir    string // the web app's files; a robots.txt there wins
	payments     bool   // a payment provider can take payments
}

func newSitePages(cache *publicCache, config Config, payments *payments) *sitePages {
	publicURL, _ := config.publicBase() // "" when unset or unusable (warned at start)
	return &sitePages{
		cache:        cache,
		cacheControl: listingCacheControl(config.ListingMaxAge),
		publicURL:    publicURL,
		publicDir:    config.PublicDir,
		payments:     payments.available(),
	}
}

// site is the site's settings as the pages show them and hand to the web
// app: the record's, and whether payments and mail work. The
// configuration is read once, at start; PocketBase's mail settings
// change at run time, and their reload invalidates depSite, as every
// write of the site's record does.
func (p *sitePages) site(app core.App) (siteSettings, error) {
	site, err := loadSite(app)
	site.Payments = p.payments
	site.Mail = app.Settings().SMTP.Enabled
	return site, err
}

// pagePerPage is how many posts a listing page shows, as the web app
// pages them.
const pagePerPage = 10

// The public cache's keys of pages, feeds and sitemaps.
const (
	pageKeyPrefix    = "page|"
	feedKeyPrefix    = "feed|"
	sitemapKeyPrefix = "sitemap|"
)

// The content types of what sitePages answers.
const (
	htmlContentType = "text/html; charset=utf-8"
	rssContentType  = "application/rss+xml; charset=utf-8"
	xmlContentType  = "application/xml; charset=utf-8"
)

// pageCacheControl has browsers revalidate a page on every visit (a 304
// when it did not change): the web app starts from the data a page
// holds, so an author who just saved must not get yesterday's copy.
const pageCacheControl = "public, no-cache"

// errPageNotFound is a page that does not exist for a guest: an unknown
// post, author, tag or page number, a draft.
var errPageNotFound = errors.New("page not found")

// home is GET / (and /?page=N): the latest published posts.
func (p *sitePages) home(e *core.RequestEvent) error {
	n, ok := pageNumber(e)
	if !ok {
		return p.notFound(e)
	}
	answer, err := p.cache.build(pageKeyPrefix+"home|"+strconv.Itoa(n), func() ([]byte, []string, error) {
		return p.buildHome(e.App, n)
	})
	return p.respond(e, answer, err)
}

func (p *sitePages) buildHome(app core.App, n int) ([]byte, []string, error) {
	site, err := p.site(app)
	if err != nil {
		return nil, nil, err
	}
	origin := siteOrigin(app, p.publicURL)
	listing, posts, deps, err := p.listing(app, listingScope{}, "/", n)
	if err != nil {
		return nil, nil, err
	}
	listing.Heading = "Latest posts"

	title := site.Name
	if n > 1 {
		title = "Page " + strconv.Itoa(n) + " · " + site.Name
	}
	pg := &page{
		Site: site,
		Head: pageHead{
			Title:       title,
			Description: site.Description,
			Canonical:   origin + listingPath("/", n),
			OGType:      "website",
			OGTitle:     title,
			Feed:        &feedLink{Title: site.Name, URL: origin + "/rss.xml"},
			JSONLD: map[string]any{
				"@context":    "https://schema.org",
				"@type":       "WebSite",
				"name":        site.Name,
				"description": site.Description,
				"url":         origin + "/",
				"inLanguage":  site.Language,
			},
		},
		Listing: listing,
		Data:    pageData(site, map[string]any{"kind": "listing", "page": posts}),
	}
	pg.Head.Prev, pg.Head.Next = absolute(origin, listing.Prev), absolute(origin, listing.Next)
	body, err := renderPage("home", pg)
	return body, append(deps, depSite), err
}

// author is GET /authors/{username} (and ?page=N): an author's profile
// and published posts.
func (p *sitePages) author(e *core.RequestEvent) error {
	username := e.Request.PathValue("username")
	n, ok := pageNumber(e)
	if !ok || !validUsername(username) {
		return p.notFound(e)
	}
	answer, err := p.cache.build(pageKeyPrefix+"author|"+username+"|"+strconv.Itoa(n), func() ([]byte, []string, error) {
		return p.buildAuthor(e.App, username, n)
	})
	return p.respond(e, answer, err)
}

func (p *sitePages) buildAuthor(app core.App, username string, n int) ([]byte, []string, error) {
	site, err := p.site(app)
	if err != nil {
		return nil, nil, err
	}
	user, err := app.FindFirstRecordByData(usersCollection, "username", username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errPageNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	origin := siteOrigin(app, p.publicURL)
	base := authorPath(username)
	listing, posts, deps, err := p.listing(app, listingScope{author: user.Id}, base, n)
	if err != nil {
		return nil, nil, err
	}
	listing.Level, listing.ShowAuthor = "h3", false

	profile := &authorView{
		Name:     validText(user.GetString("name")),
		Username: username,
		Bio:      validText(user.GetString("bio")),
		Avatar:   fileURL(origin, user.Collection().Id, user.Id, user.GetString("avatar")),
	}
	if profile.Name == "" {
		profile.Name = username
	}
	description := profile.Bio
	if description == "" {
		description = "Posts by " + profile.Name + " on " + site.Name + "."
	}
	description = shortDescription(description, descriptionLength)
	title := profile.Name + " (@" + username + ") · " + site.Name
	if n > 1 {
		title = profile.Name + " (@" + username + "), page " + strconv.Itoa(n) + " · " + site.Name
	}
	person := map[string]any{
		"@type":         "Person",
		"name":          profile.Name,
		"alternateName": "@" + username,
		"url":           origin + base,
	}
	if profile.Bio != "" {
		person["description"] = profile.Bio
	}
	if profile.Avatar != "" {
		person["image"] = profile.Avatar
	}
	byline := publicAuthor(user)
	byline["bio"] = profile.Bio

	pg := &page{
		Site: site,
		Head: pageHead{
			Title:       title,
			Description: description,
			Canonical:   origin + listingPath(base, n),
			OGType:      "profile",
			OGTitle:     profile.Name,
			Feed:        &feedLink{Title: profile.Name + " · " + site.Name, URL: origin + base + "/rss.xml"},
			JSONLD: map[string]any{
				"@context":   "https://schema.org",
				"@type":      "ProfilePage",
				"url":        origin + listingPath(base, n),
				"mainEntity": person,
			},
		},
		Author:  profile,
		Listing: listing,
		Data:    pageData(site, map[string]any{"kind": "author", "author": byline, "page": posts}),
	}
	if profile.Avatar != "" {
		pg.Head.Image = &pageImage{URL: profile.Avatar}
	}
	pg.Head.Prev, pg.Head.Next = absolute(origin, listing.Prev), absolute(origin, listing.Next)
	body, err := renderPage("author", pg)
	return body, append(deps, depSite, depAuthor(user.Id), depUsernames), err
}

// post is GET /posts/{slug}: a published post, its whole body when it is
// free, its summary and price when it is paid. A post's id finds it too
// (the canonical link names its slug).
func (p *sitePages) post(e *core.RequestEvent) error {
	slug := e.Request.PathValue("slug")
	if slug == "" || len(slug) > 256 {
		return p.notFound(e)
	}
	answer, err := p.cache.build(pageKeyPrefix+"post|"+slug, func() ([]byte, []string, error) {
		return p.buildPost(e.App, slug)
	})
	return p.respond(e, answer, err)
}

func (p *sitePages) buildPost(app core.App, slug string) ([]byte, []string, error) {
	site, err := p.site(app)
	if err != nil {
		return nil, nil, err
	}
	guest := guestRequestInfo()
	post, err := findPostByIdOrSlug(app, slug, "")
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errPageNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	visible, err := app.CanAccessRecord(post, guest, post.Collection().ViewRule)
	if err != nil {
		return nil, nil, err
	}
	if !visible {
		return nil, nil, errPageNotFound
	}
	view, err := postView(app, guest, post.Id)
	if errors.Is(err, errPostNotFound) {
		return nil, nil, errPageNotFound
	}
	if err != nil {
		return nil, nil, err
	}

	origin := siteOrigin(app, p.publicURL)
	card := cardOf(view)
	shown := &postPage{postCard: card, CoverImage: coverURL("", view, coverPreviewThumb)}
	shown.Locked, _ = view["locked"].(bool)
	if body, ok := view["body"].(string); ok && !shown.Locked {
		shown.Body = template.HTML(balancedHTML(body)) // sanitized on every write path
	}
	// a post imported with an old date was "modified" when it was saved
	_, modified := readableDate(max(post.GetString("updated"), post.GetString("published")))
	canonical := origin + card.URL
	description := shortDescription(card.Summary, descriptionLength)
	if description == "" {
		// no summary (a paid post's is never made from its body): what a
		// link preview can still say of it
		description = "A post on " + site.Name + "."
		if card.AuthorName != "" {
			description = "A post by " + card.AuthorName + " on " + site.Name + "."
		}
		if shown.Locked {
			description += " Reading it costs " + formatPrice(card.Price, card.Currency) + "."
		}
		description = shortDescription(description, descriptionLength)
	}

	posting := map[string]any{
		"@context":            "https://schema.org",
		"@type":               "BlogPosting",
		"headline":            card.Title,
		"description":         description,
		"url":                 canonical,
		"mainEntityOfPage":    map[string]any{"@type": "WebPage", "@id": canonical},
		"datePublished":       card.Published,
		"dateModified":        modified,
		"inLanguage":          site.Language,
		"isAccessibleForFree": !shown.Locked,
		"publisher":           map[string]any{"@type": "Organization", "name": site.Name, "url": origin + "/"},
	}
	var preview *pageImage
	if shown.CoverImage != "" {
		preview = &pageImage{
			URL:    coverURL(origin, view, coverPreviewThumb),
			Width:  coverPreviewWidth,
			Height: coverPreviewHeight,
			Large:  true,
		}
		posting["image"] = map[string]any{
			"@type":  "ImageObject",
			"url":    preview.URL,
			"width":  preview.Width,
			"height": preview.Height,
		}
	}
	if card.AuthorURL != "" {
		posting["author"] = map[string]any{"@type": "Person", "name": card.AuthorName, "url": origin + card.AuthorURL}
	}
	names := chipNames(card.Tags)
	if len(names) > 0 {
		posting["keywords"] = strings.Join(names, ", ")
	}

	pg := &page{
		Site: site,
		Head: pageHead{
			Title:       card.Title + " · " + site.Name,
			Description: description,
			Canonical:   canonical,
			OGType:      "article",
			OGTitle:     card.Title,
			Image:       preview,
			Published:   card.Published,
			Modified:    modified,
			Tags:        names,
			Feed:        &feedLink{Title: site.Name, URL: origin + "/rss.xml"},
			JSONLD:      posting,
		},
		Post: shown,
		// the body is in the page once, as markup: the app reads it there
		Data: pageData(site, map[string]any{"kind": "post", "post": withoutKeys(view, "commentsCount", "body")}),
	}
	body, err := renderPage("post", pg)
	deps := []string{depPost(post.Id), depAuthor(post.GetString("author")), depSite}
	for _, id := range post.GetStringSlice("tags") {
		deps = append(deps, depTag(id)) // a tag renamed, or removed
	}
	return body, deps, err
}

// appPage answers the web app's own pages (signing in, writing): the
// app's shell, which the app fills in; nothing there for search engines.
func (p *sitePages) appPage(e *core.RequestEvent) error {
	answer, err := p.cache.build(pageKeyPrefix+"app", func() ([]byte, []string, error) {
		site, err := p.site(e.App)
		if err != nil {
			return nil, nil, err
		}
		body, err := renderPage("app", &page{
			Site: site,
			Head: pageHead{Title: site.Name, NoIndex: true},
			Data: pageData(site, map[string]any{"kind": "app"}),
		})
		return body, []string{depSite}, err
	})
	return p.respond(e, answer, err)
}

// notFound answers 404 with the not-found page: the app's shell too, so
// that a signed-in author opening their draft's address still gets it
// from the app, which asks the API as them.
func (p *sitePages) notFound(e *core.RequestEvent) error {
	site, err := p.site(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	body, err := renderPage("not_found", &page{
		Site: site,
		Head: pageHead{Title: "Not found · " + site.Name, NoIndex: true},
		Data: pageData(site, map[string]any{"kind": "notFound"}),
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-cache")
	return e.Blob(http.StatusNotFound, htmlContentType, body)
}

// respond sends a page built by the cache, or the not-found page.
func (p *sitePages) respond(e *core.RequestEvent, answer cachedAnswer, err error) error {
	if errors.Is(err, errPageNotFound) {
		return p.notFound(e)
	}
	if err != nil {
		return e.InternalServerError("Failed to build the page.", err)
	}
	return writeCachedAs(e, answer, htmlContentType, pageCacheControl)
}

// listingScope is whose published posts a listing page shows: the
// whole blog's (the zero scope), one author's or one tag's.
type listingScope struct {
	author string       // a user's id
	tag    *core.Record // a tag
}

// listing reads page n of the published posts of scope: the view a page
// shows, the listing's JSON for the app, and the dependencies. A page
// number past the last is errPageNotFound; page 1 of an empty listing is
// a page.
func (p *sitePages) listing(app core.App, scope listingScope, base string, n int) (*listingView, *postsPage, []string, error) {
	key, err := cursorKey(app)
	if err != nil {
		return nil, nil, nil, err
	}
	// a page past the last is answered from the kept total, before an
	// offset query that would walk every post to find nothing
	lq := listingQuery{page: n, perPage: pagePerPage, sort: sortNewestFirst, author: scope.author}
	var total int
	if scope.tag != nil {
		lq.tag = scope.tag.GetString("slug")
		total, err = taggedCount(app, scope.tag.Id)
	} else {
		total, err = publishedCount(app, scope.author)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if n > 1 && (n-1)*pagePerPage >= total {
		return nil, nil, nil, errPageNotFound
	}
	posts, deps, err := listPublishedPosts(app, lq, key)
	if err != nil {
		return nil, nil, nil, err
	}
	if n > 1 && n > posts.TotalPages {
		return nil, nil, nil, errPageNotFound
	}
	view := &listingView{Level: "h2", ShowAuthor: true, Page: n, TotalPages: posts.TotalPages}
	for i, item := range posts.Items {
		view.Posts = append(view.Posts, cardOf(item))
		posts.Items[i] = withoutKeys(item, "commentsCount")
	}
	if n > 1 {
		view.Prev = listingPath(base, n-1)
	}
	if n < posts.TotalPages {
		view.Next = listingPath(base, n+1)
	}
	return view, posts, deps, nil
}

// pageNumber reads ?page=N: 1 when absent; ok is false for anything but
// a number from 1 to maxPage, which no page has.
func pageNumber(e *core.RequestEvent) (int, bool) {
	v := e.Request.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage || strconv.Itoa(n) != v {
		return 0, false
	}
	return n, true
}

// pageData is a page's data for the web app.
func pageData(site siteSettings, data map[string]any) map[string]any {
	return map[string]any{"site": site, "page": data}
}

// absolute is path on origin, or "" for no path.
func absolute(origin, path string) string {
	if path == "" {
		return ""
	}
	return origin + path
}

// validUsername tells whether s can be a username at all, before asking
// the database.
func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
