package hooks

import (
	"cmp"
	"database/sql"
	"errors"
	"strconv"

	"github.com/pocketbase/pocketbase/core"
)

// tag is GET /tags/{slug} (and ?page=N): a tag's published posts, newest
// first. The router hands the slug over unescaped, so /tags/数据库 and
// its percent-encoded spelling are the same page.
func (p *sitePages) tag(e *core.RequestEvent) error {
	slug := e.Request.PathValue("slug")
	n, ok := pageNumber(e)
	// a slug no tag can have is not looked up (nor made a cache key)
	if !ok || !validTagSlug(slug) {
		return p.notFound(e)
	}
	answer, err := p.cache.build(pageKeyPrefix+"tag|"+slug+"|"+strconv.Itoa(n), func() ([]byte, []string, error) {
		return p.buildTag(e.App, slug, n)
	})
	return p.respond(e, answer, err)
}

func (p *sitePages) buildTag(app core.App, slug string, n int) ([]byte, []string, error) {
	site, err := p.site(app)
	if err != nil {
		return nil, nil, err
	}
	tag, err := findTagBySlug(app, slug)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errPageNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	// a tag only drafts carry, or whose posts all went back to drafts, has
	// no page: a draft's topics are its author's until it is published
	if n, err := taggedCount(app, tag.Id); err != nil || n == 0 {
		return nil, nil, cmp.Or(err, errPageNotFound)
	}
	origin := siteOrigin(app, p.publicURL)
	base := tagPath(slug)
	listing, posts, deps, err := p.listing(app, listingScope{tag: tag}, base, n)
	if err != nil {
		return nil, nil, err
	}

	shown := &tagView{Name: validText(tag.GetString("name")), Count: posts.TotalItems, Feed: base + "/rss.xml"}
	description := shortDescription(postsCount(shown.Count)+" tagged “"+shown.Name+"” on "+site.Name+".", descriptionLength)
	title := "#" + shown.Name + " · " + site.Name
	if n > 1 {
		title = "#" + shown.Name + ", page " + strconv.Itoa(n) + " · " + site.Name
	}
	canonical := origin + listingPath(base, n)
	pg := &page{
		Site: site,
		Head: pageHead{
			Title:       title,
			Description: description,
			Canonical:   canonical,
			OGType:      "website",
			OGTitle:     "#" + shown.Name,
			Feed:        &feedLink{Title: tagFeedTitle(site.Name, shown.Name), URL: origin + shown.Feed},
			JSONLD: map[string]any{
				"@context":    "https://schema.org",
				"@type":       "CollectionPage",
				"name":        "#" + shown.Name,
				"description": description,
				"url":         canonical,
				"about":       map[string]any{"@type": "Thing", "name": shown.Name},
				"isPartOf":    map[string]any{"@type": "WebSite", "name": site.Name, "url": origin + "/"},
				"inLanguage":  site.Language,
			},
		},
		Tag:     shown,
		Listing: listing,
		Data:    pageData(site, map[string]any{"kind": "tag", "tag": publicTag(tag), "page": posts}),
	}
	pg.Head.Prev, pg.Head.Next = absolute(origin, listing.Prev), absolute(origin, listing.Next)
	body, err := renderPage("tag", pg)
	return body, append(deps, depSite, depTag(tag.Id), depTagListing(tag.Id)), err
}

// tagFeedTitle is the title of a tag's feed, and of the pages' links to it.
func tagFeedTitle(site, tag string) string {
	return site + " — " + tag
}

// postsCount is "1 post", "12 posts".
func postsCount(n int) string {
	if n == 1 {
		return "1 post"
	}
	return strconv.Itoa(n) + " posts"
}

// tagChipsOf reads the chips of a post from its expand.tags: the tags as
// the listing and the post's view give them ({id, name, slug}), or as
// JSON read back.
func tagChipsOf(tags any) []tagChip {
	var list []map[string]any
	switch tags := tags.(type) {
	case []map[string]any:
		list = tags
	case []any:
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok {
				list = append(list, m)
			}
		}
	}
	var chips []tagChip
	for _, t := range list {
		name, _ := t["name"].(string)
		slug, _ := t["slug"].(string)
		if name == "" || slug == "" {
			continue
		}
		chips = append(chips, tagChip{Name: validText(name), URL: tagPath(slug)})
	}
	return chips
}

// chipNames are the names of chips, for keywords, article:tag and feed
// categories.
func chipNames(chips []tagChip) []string {
	names := make([]string, 0, len(chips))
	for _, c := range chips {
		names = append(names, c.Name)
	}
	return names
}
