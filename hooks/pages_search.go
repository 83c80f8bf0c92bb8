package hooks

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/search"
)

// searchPageCacheControl keeps search results out of shared caches: they
// are built for each request (never from the public cache), and a
// browser asks again rather than show yesterday's results.
const searchPageCacheControl = "private, no-cache"

// maxShownQuery is how much of a query too long to search the page still
// shows in its box, for the reader to shorten: far more than a search
// takes, but bounded whatever the address holds.
const maxShownQuery = 10 * search.MaxQueryRunes

// searchView is the search page's form and results.
type searchView struct {
	Query  string // as typed, in the box
	Wanted string // the query searched (trimmed), "" when there is none
	Error  string // why the search did not run

	Results *listingView // nil when nothing was searched
	Later   bool         // the results follow earlier ones (a cursor)
	More    string       // the address of the next results, or ""
	Best    int          // how many matches a search ranks, when the results end there; else 0
}

// search is GET /search?q=… (and &cursor=… for the next results): the
// posts findPosts finds, as the web app shows them, for readers without
// JavaScript. An empty query is the form alone; a query too long to
// search, or a link to more results that no longer works, is the form
// with what went wrong (400). Results are built for each request, never
// kept in the public cache, and never indexed.
func (p *sitePages) search(e *core.RequestEvent) error {
	site, err := p.site(e.App)
	if err != nil {
		return e.InternalServerError("Failed to build the page.", err)
	}
	query := e.Request.URL.Query()
	raw := query.Get("q")
	typed := validText(raw)
	if utf8.RuneCountInString(typed) > maxShownQuery {
		typed = string([]rune(typed)[:maxShownQuery])
	}

	view := &searchView{Query: typed}
	data := map[string]any{"kind": "search", "q": typed}
	status := http.StatusOK
	title := "Search · " + site.Name

	q, err := search.ParseQuery(raw)
	switch {
	case errors.Is(err, search.ErrQueryEmpty):
		// the form alone
	case errors.Is(err, search.ErrQueryTooLong):
		view.Error = "Search for " + strconv.Itoa(search.MaxQueryRunes) + " characters or fewer."
		status = http.StatusBadRequest
	default:
		view.Wanted = q.Text
		title = "Search: " + q.Text + " · " + site.Name
		cursor := query.Get("cursor")
		found, errs, err := findPosts(e.App, raw, pagePerPage, cursor)
		if err != nil {
			return searchFailed(e, err)
		}
		if len(errs) > 0 {
			// the query is a search: only the cursor can be refused
			view.Error = "This link to more results no longer works: search again."
			status = http.StatusBadRequest
			break
		}
		view.Results, view.Later = searchResults(found), cursor != ""
		if found.NextCursor != nil {
			view.More = "/search?q=" + url.QueryEscape(q.Text) + "&cursor=" + url.QueryEscape(*found.NextCursor)
		} else if found.end == maxSearchResults {
			view.Best = maxSearchResults
			data["best"] = maxSearchResults
		}
		data["page"] = found
	}
	if view.Error != "" {
		data["error"] = view.Error
	}

	body, err := renderPage("search", &page{
		Site:   site,
		Head:   pageHead{Title: title, NoIndex: true},
		Search: view,
		Data:   pageData(site, data),
	})
	if err != nil {
		return e.InternalServerError("Failed to build the page.", err)
	}
	e.Response.Header().Set("Cache-Control", searchPageCacheControl)
	return e.Blob(status, htmlContentType, body)
}

// searchResults are the results of a search as listing cards, their
// titles and excerpts with the matches marked.
func searchResults(found *searchPage) *listingView {
	view := &listingView{Level: "h2", ShowAuthor: true}
	for _, item := range found.Items {
		card := cardOf(item)
		if marks, ok := item["highlight"].(map[string]string); ok {
			card.MarkedTitle = markedHTML(marks["title"])
			card.MarkedExcerpt = markedHTML(marks["text"])
		}
		view.Posts = append(view.Posts, card)
	}
	return view
}

// markedHTML is a highlight made by internal/search (its text
// HTML-escaped, every match in <mark>) as markup a page inserts as it
// is. It is checked again here: a highlight holding any other tag, or
// marks that do not open and close in turn, is shown as text.
func markedHTML(highlight string) template.HTML {
	highlight = validText(highlight)
	if !onlyMarks(highlight) {
		return template.HTML(template.HTMLEscapeString(highlight))
	}
	return template.HTML(highlight)
}

// onlyMarks tells whether every "<" of s opens or closes a <mark>, the
// marks never nested and all closed.
func onlyMarks(s string) bool {
	open := false
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return !open
		}
		s = s[i:]
		switch {
		case !open && strings.HasPrefix(s, "<mark>"):
			open, s = true, s[len("<mark>"):]
		case open && strings.HasPrefix(s, "</mark>"):
			open, s = false, s[len("</mark>"):]
		default:
			return false
		}
	}
}
