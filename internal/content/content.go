// Package content turns what authors write into what blogbase stores and
// shows: safe body HTML, plain-text summaries and URL slugs. It is plain Go
// so that the record hooks and the seeder share the exact same rules.
package content

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/gosimple/slug"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// bodyPolicy is the allow-list every post body passes through before it is
// stored: what a blog post needs (headings, paragraphs, lists, links,
// images, code, quotes, tables) and nothing that can run script or restyle
// the page. Spelled out rather than bluemonday's UGCPolicy, which also lets
// through id attributes (DOM clobbering in the page that shows the body).
// Links are marked nofollow because bodies are user content.
var bodyPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs() // http, https, mailto and relative URLs only

	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()

	p.AllowElements(
		"p", "br", "hr", "div", "span", "section", "article", "aside", "details", "summary",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark",
		"abbr", "dfn", "kbd", "samp", "var", "time",
		"ul", "ol", "li", "dl", "dt", "dd",
		"blockquote", "q", "cite", "pre", "code", "figure", "figcaption",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
	)
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("src", "alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("td", "th")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+#-]{1,32}$`)).OnElements("code", "pre")

	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// SanitizeBody returns the stored form of a post body.
func SanitizeBody(body string) string {
	return bodyPolicy.Sanitize(body)
}

// SummaryRunes is the longest summary Summarize makes, ellipsis excluded.
const SummaryRunes = 200

// Summarize returns the plain-text opening of a body, at most SummaryRunes
// characters with whitespace collapsed, cut at a word boundary when one is
// near. It reads the body only as far as the summary needs.
func Summarize(body string) string {
	var text strings.Builder
	runes, pendingSpace, truncated := 0, false, false
	write := func(s string) {
		for _, r := range s {
			if unicode.IsSpace(r) {
				pendingSpace = runes > 0
				continue
			}
			if runes == SummaryRunes {
				truncated = true
				return
			}
			if pendingSpace {
				text.WriteByte(' ')
				runes++
				pendingSpace = false
				if runes == SummaryRunes {
					truncated = true
					return
				}
			}
			text.WriteRune(r)
			runes++
		}
	}

	walkText(body, func(s string) bool {
		write(s)
		return !truncated
	})
	if !truncated {
		return strings.TrimSpace(text.String())
	}

	cut := text.String()
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// PlainText is the text a reader sees of a body, whitespace collapsed:
// what the search index holds of it and its excerpts are cut from.
func PlainText(body string) string {
	return PlainTextPrefix(body, len(body))
}

// PlainTextPrefix is PlainText read only until it holds max bytes (or a
// character more): excerpts need the opening of a body, which may be a
// megabyte long.
func PlainTextPrefix(body string, max int) string {
	var text strings.Builder
	text.Grow(min(len(body), max+256))
	space := false
	walkText(body, func(s string) bool {
		for _, r := range s {
			if text.Len() >= max {
				return false
			}
			if unicode.IsSpace(r) {
				space = text.Len() > 0
				continue
			}
			if space {
				text.WriteByte(' ')
				space = false
			}
			text.WriteRune(r)
		}
		return true
	})
	return text.String()
}

// walkText calls write with the text of body as a reader sees it, in
// order, and a space where a block starts or ends, until write returns
// false. Entities are decoded; scripts, styles and the like are left out.
func walkText(body string, write func(string) bool) {
	tokens := html.NewTokenizer(strings.NewReader(body))
	hidden := 0 // depth inside elements whose text is not shown
	for {
		more := true
		switch tokens.Next() {
		case html.ErrorToken:
			return
		case html.TextToken:
			if hidden == 0 {
				more = write(string(tokens.Text())) // entities already decoded
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := tokens.TagName()
			if hiddenText[string(name)] {
				hidden++
			}
			if blockElements[string(name)] {
				more = write(" ") // keeps the words of adjacent blocks apart
			}
		case html.EndTagToken:
			name, _ := tokens.TagName()
			if hiddenText[string(name)] && hidden > 0 {
				hidden--
			}
			if blockElements[string(name)] {
				more = write(" ")
			}
		}
		if !more {
			return
		}
	}
}

// blockElements separate words: text on either side of them reads as two
// words even when no whitespace is written between (unlike <b> or <a>).
var blockElements = map[string]bool{
	"p": true, "div": true, "br": true, "hr": true, "li": true, "ul": true, "ol": true,
	"dl": true, "dt": true, "dd": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "blockquote": true, "pre": true, "figure": true,
	"figcaption": true, "table": true, "caption": true, "tr": true, "td": true, "th": true,
	"section": true, "article": true, "aside": true, "details": true, "summary": true,
	"img": true,
}

// hiddenText are the elements whose content a reader never sees as text.
var hiddenText = map[string]bool{
	"script": true, "style": true, "template": true, "noscript": true,
	"iframe": true, "textarea": true, "title": true, "svg": true, "math": true,
}

// MaxSlugBase is the longest slug Slug makes, before any "-N" suffix.
const MaxSlugBase = 80

var slugSeparators = regexp.MustCompile(`[-_]+`)

// Slug turns a title into a URL slug of lowercase letters and digits
// joined by single hyphens; titles in any script are transliterated
// ("你好 世界" → "ni-hao-shi-jie").
func Slug(title string) string {
	s := SlugBase(strings.Trim(slugSeparators.ReplaceAllString(slug.Make(title), "-"), "-"))
	if s == "" {
		s = "post"
	}
	return s
}

// SlugBase shortens a slug to at most MaxSlugBase characters, at a word
// boundary when one is not too far back, so that "-N" suffixes fit the
// slug field.
func SlugBase(s string) string {
	if len(s) <= MaxSlugBase {
		return s
	}
	s = s[:MaxSlugBase]
	if i := strings.LastIndexByte(s, '-'); i > MaxSlugBase/2 {
		s = s[:i]
	}
	return strings.Trim(s, "-_")
}

// SlugCandidate is the n-th slug tried for base: base itself, then base-2,
// base-3, …
func SlugCandidate(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

var recordIdShape = regexp.MustCompile(`^[a-z0-9]{15}$`)

// LooksLikeRecordId tells whether s has the shape of a PocketBase record
// id. Such a slug could shadow another post's id in lookups by id or slug.
func LooksLikeRecordId(s string) bool {
	return recordIdShape.MatchString(s)
}

// FirstFreeSlug returns the first of base, base-2, base-3, … that is not
// taken and cannot be mistaken for a record id.
func FirstFreeSlug(base string, taken func(slug string) bool) string {
	for n := 1; ; n++ {
		candidate := SlugCandidate(base, n)
		if !taken(candidate) && !LooksLikeRecordId(candidate) {
			return candidate
		}
	}
}

// DerivedSummary is the summary the server gives a post whose author wrote
// none: the opening of its body when the post is free, and nothing when it
// is paid, because the summary is public and a paid body is not.
func DerivedSummary(body string, price float64) string {
	if price > 0 {
		return ""
	}
	return Summarize(body)
}
