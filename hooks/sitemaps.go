package hooks

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// sitemapURLs is how many URLs one sitemap holds: within the 50,000 the
// protocol allows, and small enough that a file, gzipped (about 260 KB),
// stays in the public cache (maxCachedAnswerSize) and builds in tens of
// milliseconds. 100,000 posts make ten post sitemaps.
const sitemapURLs = 10_000

// sitemapNS is the sitemaps.org 0.9 namespace.
const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// The kinds of sitemap files: the posts, oldest first (so that a new post
// changes the last file only); the pages that list them (the home page,
// then each author with a published post); and the pages of the tags
// that published posts carry.
const (
	postsSitemap = "posts"
	pagesSitemap = "pages"
	tagsSitemap  = "tags"
)

// sitemapDeps are what the posts' and pages' sitemaps are built from:
// the published set (depListing("")), edits of published posts and
// bodies (their dates), usernames (author URLs), the site's address.
var sitemapDeps = []string{depListing(""), depPublishedEdits, depUsernames, depSite}

// tagsSitemapDeps are what the tags' sitemaps are built from: which tags
// published posts carry and the dates of those posts (depTagCounts
// follows both), the tags' slugs, the site's address.
var tagsSitemapDeps = []string{depTagCounts, depTagSlugs, depSite}

// sitemapIndexDeps are what the index is built from: every file's
// number and latest date.
var sitemapIndexDeps = append(append([]string{}, sitemapDeps...), depTagCounts)

// sitemapIndex is GET /sitemap.xml: the index of the sitemap files, each
// with its latest <lastmod>.
func (p *sitePages) sitemapIndex(e *core.RequestEvent) error {
	answer, err := p.cache.build(sitemapKeyPrefix+"index", func() ([]byte, []string, error) {
		return p.buildSitemapIndex(e.App)
	})
	if err != nil {
		return e.InternalServerError("Failed to build the sitemap.", err)
	}
	return writeCachedAs(e, answer, xmlContentType, p.cacheControl)
}

// sitemap is GET /sitemaps/{name}: posts-N.xml, pages-N.xml or
// tags-N.xml, a large one stored and sent gzipped (a full one is a
// megabyte of text), or unzipped for a client that does not take gzip.
func (p *sitePages) sitemap(e *core.RequestEvent) error {
	kind, n, ok := parseSitemapName(e.Request.PathValue("name"))
	if !ok {
		return p.notFound(e)
	}
	answer, err := p.cache.build(sitemapKeyPrefix+kind+"|"+strconv.Itoa(n), func() ([]byte, []string, error) {
		return p.buildSitemap(e.App, kind, n)
	})
	if errors.Is(err, errPageNotFound) {
		return p.notFound(e)
	}
	if err != nil {
		return e.InternalServerError("Failed to build the sitemap.", err)
	}
	return writeXMLAnswer(e, answer, xmlContentType, p.cacheControl)
}

// parseSitemapName reads "posts-3.xml" as (posts, 3); any other spelling
// (posts-03.xml, posts-0.xml) names nothing.
func parseSitemapName(name string) (kind string, n int, ok bool) {
	base, found := strings.CutSuffix(name, ".xml")
	if !found {
		return "", 0, false
	}
	kind, number, found := strings.Cut(base, "-")
	if !found || (kind != postsSitemap && kind != pagesSitemap && kind != tagsSitemap) {
		return "", 0, false
	}
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 || n > maxSitemapFiles || strconv.Itoa(n) != number {
		return "", 0, false
	}
	return kind, n, true
}

// maxSitemapFiles bounds the number in a sitemap's name: far past any
// blog (a billion URLs), and no offset overflow.
const maxSitemapFiles = 100_000

func sitemapPath(kind string, n int) string {
	return "/sitemaps/" + kind + "-" + strconv.Itoa(n) + ".xml"
}

func (p *sitePages) buildSitemapIndex(app core.App) ([]byte, []string, error) {
	origin := siteOrigin(app, p.publicURL)

	// the posts' files, each with its latest change, read from the
	// published posts' index (which holds their dates)
	lastmods, err := postsSitemapDates(app)
	if err != nil {
		return nil, nil, err
	}

	// the pages' files: the home page and the authors
	authors, err := publishedAuthorsCount(app)
	if err != nil {
		return nil, nil, err
	}
	latest, err := latestPublication(app, "")
	if err != nil {
		return nil, nil, err
	}

	// the tags' files, each with its latest publication
	tagDates, err := tagsSitemapDates(app)
	if err != nil {
		return nil, nil, err
	}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString(`<sitemapindex xmlns="` + sitemapNS + `">` + "\n")
	ref := func(path, lastmod string) {
		buf.WriteString("<sitemap><loc>")
		xml.EscapeText(&buf, []byte(origin+path))
		buf.WriteString("</loc>")
		if lastmod != "" {
			buf.WriteString("<lastmod>" + w3cDate(lastmod) + "</lastmod>")
		}
		buf.WriteString("</sitemap>\n")
	}
	for n := 1; n <= max(1, (authors+1+sitemapURLs-1)/sitemapURLs); n++ {
		ref(sitemapPath(pagesSitemap, n), latest)
	}
	for i, lastmod := range lastmods {
		ref(sitemapPath(postsSitemap, i+1), lastmod)
	}
	for i, lastmod := range tagDates {
		ref(sitemapPath(tagsSitemap, i+1), lastmod)
	}
	buf.WriteString("</sitemapindex>\n")
	return buf.Bytes(), sitemapIndexDeps, nil
}

// postsSitemapDates are the latest changes of the posts of each posts
// sitemap, in order: one walk of the published posts' index, which holds
// their dates, file by file from where the last one ended.
func postsSitemapDates(app core.App) ([]string, error) {
	var dates []string
	var after struct {
		Published string `db:"published"`
		Id        string `db:"id"`
	}
	for first := true; ; first = false {
		from := "status = 'published'"
		if !first {
			from += " AND (published, id) > ({:published}, {:id})"
		}
		params := dbx.Params{"size": sitemapURLs, "published": after.Published, "id": after.Id}
		var lastmod string
		err := app.DB().NewQuery(`SELECT COALESCE(MAX(changed), '') FROM (SELECT MAX(updated, published) AS changed
			FROM {{posts}} WHERE ` + from + ` ORDER BY published, id LIMIT {:size})`).Bind(params).Row(&lastmod)
		if err != nil || lastmod == "" {
			return dates, err
		}
		dates = append(dates, lastmod)
		// where the next file starts: the last post of this one
		err = app.DB().NewQuery(`SELECT published, id FROM {{posts}}
			WHERE ` + from + ` ORDER BY published, id LIMIT 1 OFFSET {:size} - 1`).Bind(params).One(&after)
		if errors.Is(err, sql.ErrNoRows) {
			return dates, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// sitemapEntry is one URL of a sitemap, with its last change as stored.
type sitemapEntry struct {
	Path    string `db:"path"`
	Lastmod string `db:"lastmod"`
}

func (p *sitePages) buildSitemap(app core.App, kind string, n int) ([]byte, []string, error) {
	// a file past the last is answered from the kept totals, before an
	// offset query that would walk every post to find nothing
	var urls int
	var err error
	switch kind {
	case postsSitemap:
		urls, err = publishedCount(app, "")
	case pagesSitemap:
		urls, err = publishedAuthorsCount(app)
		urls++ // the home page
	case tagsSitemap:
		urls, err = usedTagsCount(app)
	}
	if err != nil {
		return nil, nil, err
	}
	if (n-1)*sitemapURLs >= urls {
		return nil, nil, errPageNotFound
	}

	origin := siteOrigin(app, p.publicURL)
	var entries []sitemapEntry
	deps := sitemapDeps
	switch kind {
	case postsSitemap:
		entries, err = postsSitemapEntries(app, n)
	case pagesSitemap:
		entries, err = pagesSitemapEntries(app, n)
	case tagsSitemap:
		entries, err = tagsSitemapEntries(app, n)
		deps = tagsSitemapDeps
	}
	if err != nil {
		return nil, nil, err
	}
	if len(entries) == 0 {
		return nil, nil, errPageNotFound
	}

	var raw bytes.Buffer
	raw.Grow(len(entries) * 110)
	raw.WriteString(xml.Header)
	raw.WriteString(`<urlset xmlns="` + sitemapNS + `">` + "\n")
	for _, entry := range entries {
		raw.WriteString("<url><loc>")
		xml.EscapeText(&raw, []byte(origin+entry.Path))
		raw.WriteString("</loc>")
		if entry.Lastmod != "" {
			raw.WriteString("<lastmod>" + w3cDate(entry.Lastmod) + "</lastmod>")
		}
		raw.WriteString("</url>\n")
	}
	raw.WriteString("</urlset>\n")

	body, err := compressLarge(raw.Bytes())
	return body, deps, err
}

// largeAnswer is the size from which an XML answer (a sitemap, a feed of
// long posts) is kept gzipped: about a fifth of the memory, within
// maxCachedAnswerSize, sent as it is to the clients that take gzip
// (crawlers and feed readers do).
const largeAnswer = 256 << 10

// compressLarge gzips raw when it is a large answer (writeXMLAnswer tells
// the two apart by gzip's magic number, which XML cannot start with).
func compressLarge(raw []byte) ([]byte, error) {
	if len(raw) < largeAnswer {
		return raw, nil
	}
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestSpeed)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return zipped.Bytes(), nil
}

// writeXMLAnswer sends a cached XML answer, kept gzipped or not
// (compressLarge).
func writeXMLAnswer(e *core.RequestEvent, a cachedAnswer, contentType, cacheControl string) error {
	if bytes.HasPrefix(a.body, []byte{0x1f, 0x8b}) {
		return writeGzippedAnswer(e, a, contentType, cacheControl)
	}
	return writeCachedAs(e, a, contentType, cacheControl)
}

// postsSitemapEntries are the published posts of file n, oldest first,
// each dated by its latest change (a new body moves the post's updated
// date too), or its publication when that came later (a post imported
// with its date, or published after its last edit). The offset walks the index, not the rows.
func postsSitemapEntries(app core.App, n int) ([]sitemapEntry, error) {
	var rows []struct {
		Slug    string `db:"slug"`
		Lastmod string `db:"lastmod"`
	}
	err := app.DB().NewQuery(`
		SELECT slug, MAX(updated, published) AS lastmod FROM {{posts}}
		WHERE status = 'published'
		ORDER BY published, id
		LIMIT {:size} OFFSET {:offset}`).
		Bind(dbx.Params{"size": sitemapURLs, "offset": (n - 1) * sitemapURLs}).All(&rows)
	if err != nil {
		return nil, err
	}
	entries := make([]sitemapEntry, len(rows))
	for i, r := range rows {
		entries[i] = sitemapEntry{Path: postPath(r.Slug), Lastmod: r.Lastmod}
	}
	return entries, nil
}

// pagesSitemapEntries are the home page (first of file 1) and the pages
// of the authors who have a published post, each dated by their latest
// publication.
func pagesSitemapEntries(app core.App, n int) ([]sitemapEntry, error) {
	var entries []sitemapEntry
	offset, size := (n-1)*sitemapURLs-1, sitemapURLs // the home page takes a place in file 1
	if n == 1 {
		latest, err := latestPublication(app, "")
		if err != nil {
			return nil, err
		}
		entries = append(entries, sitemapEntry{Path: "/", Lastmod: latest})
		offset, size = 0, sitemapURLs-1
	}
	var rows []struct {
		Username string `db:"username"`
		Lastmod  string `db:"lastmod"`
	}
	err := app.DB().NewQuery(`
		SELECT u.username AS username,
			(SELECT MAX(p.published) FROM {{posts}} p WHERE p.author = u.id AND p.status = 'published') AS lastmod
		FROM {{_blogPublishedCounts}} c JOIN {{users}} u ON c.scope = 'author:' || u.id
		WHERE c.n > 0
		ORDER BY u.id
		LIMIT {:size} OFFSET {:offset}`).
		Bind(dbx.Params{"size": size, "offset": offset}).All(&rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		entries = append(entries, sitemapEntry{Path: authorPath(r.Username), Lastmod: r.Lastmod})
	}
	return entries, nil
}

// publishedAuthorsCount is how many authors have a published post.
func publishedAuthorsCount(app core.App) (int, error) {
	var n int
	err := app.DB().Select("COUNT(*)").From("_blogPublishedCounts").
		Where(dbx.NewExp("scope LIKE 'author:%' AND n > 0")).Row(&n)
	return n, err
}

// latestPublication is the publication date of the latest published
// post (of one author, or of all for ""), or "" when there is none.
func latestPublication(app core.App, author string) (string, error) {
	where := dbx.HashExp{"status": statusPublished}
	if author != "" {
		where["author"] = author
	}
	var latest string
	err := app.DB().Select("COALESCE(MAX(published), '')").From(postsCollection).Where(where).Row(&latest)
	return latest, err
}

// w3cDate is a stored date ("2026-12-03 10:00:00.000Z") in the W3C
// format sitemaps take ("2026-12-03T10:00:00.000Z").
func w3cDate(stored string) string {
	return strings.Replace(stored, " ", "T", 1)
}

// writeGzippedAnswer sends a cached answer whose body is gzipped: as it
// is to a client that takes gzip, unzipped to one that does not (under a
// weak ETag: the same content, other bytes).
func writeGzippedAnswer(e *core.RequestEvent, a cachedAnswer, contentType, cacheControl string) error {
	h := e.Response.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cache-Control", cacheControl)
	gzipped := acceptsGzip(e.Request.Header.Get("Accept-Encoding"))
	if gzipped {
		h.Set("ETag", a.etag)
	} else {
		h.Set("ETag", "W/"+a.etag)
	}
	if etagMatches(e.Request.Header.Get("If-None-Match"), a.etag) {
		return e.NoContent(http.StatusNotModified)
	}
	if gzipped {
		h.Set("Content-Encoding", "gzip")
		return e.Blob(http.StatusOK, contentType, a.body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.body))
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.Stream(http.StatusOK, contentType, zr)
}

// acceptsGzip tells whether an Accept-Encoding header takes gzip: named
// with a q above 0, or, when not named, "*" is.
func acceptsGzip(header string) bool {
	wildcard := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		refused := q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000"
		switch coding {
		case "gzip", "x-gzip":
			return !refused
		case "*":
			wildcard = !refused
		}
	}
	return wildcard
}

// robots is GET /robots.txt: everything may be crawled but the API (its
// files, the images pages show, aside), the dashboard, the writer's pages
// and search results (endless, and no page of their own); it names the
// sitemap. A robots.txt in the public directory wins.
func (p *sitePages) robots(e *core.RequestEvent) error {
	if p.publicDir != "" {
		if own, err := os.ReadFile(filepath.Join(p.publicDir, "robots.txt")); err == nil {
			return e.Blob(http.StatusOK, "text/plain; charset=utf-8", own)
		}
	}
	origin := siteOrigin(e.App, p.publicURL)
	body := "User-agent: *\n" +
		"Allow: /api/files/\n" +
		"Disallow: /api/\n" +
		"Disallow: /_/\n" +
		"Disallow: /write\n" +
		"Disallow: /search\n" +
		"\n" +
		"Sitemap: " + origin + "/sitemap.xml\n"
	e.Response.Header().Set("Cache-Control", p.cacheControl)
	return e.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(body))
}
