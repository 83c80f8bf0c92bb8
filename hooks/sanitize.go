package hooks

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// bodyPolicy is the allow-list every post body passes through before it is
// stored: what a blog post needs (headings, lists, links, images, code,
// quotes, tables) and nothing that can run script. bluemonday's UGC policy
// already drops event handlers, style and unsafe URL schemes; links are
// additionally marked nofollow because bodies are user content.
var bodyPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+#-]{1,32}$`)).OnElements("code", "pre")
	return p
}()

// textPolicy strips every tag, leaving the text a summary is made from.
var textPolicy = bluemonday.StrictPolicy()

// sanitizeBody returns the stored form of a post body.
func sanitizeBody(body string) string {
	return bodyPolicy.Sanitize(body)
}

const summaryRunes = 200

var spaces = regexp.MustCompile(`\s+`)

// summarizeBody returns the plain-text opening of a body, at most
// summaryRunes characters, cut at a word boundary when one is near.
func summarizeBody(body string) string {
	// a space per closing block tag keeps words of adjacent paragraphs apart
	text := textPolicy.Sanitize(strings.ReplaceAll(body, "</", " </"))
	text = strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(text), " "))
	if utf8.RuneCountInString(text) <= summaryRunes {
		return text
	}

	runes := []rune(text)[:summaryRunes]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}
