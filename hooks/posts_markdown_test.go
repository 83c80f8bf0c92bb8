package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/internal/content"
)

// storedContent is the stored body and Markdown of a post.
func storedContent(t testing.TB, app core.App, postId string) (body, markdown string) {
	t.Helper()
	var row struct {
		Body     string `db:"body"`
		Markdown string `db:"markdown"`
	}
	err := app.DB().Select("body", "markdown").From("postContents").Where(dbx.HashExp{"post": postId}).One(&row)
	if err != nil {
		t.Fatal(err)
	}
	return row.Body, row.Markdown
}

// storedAs checks a post's stored body and Markdown after a write.
func storedAs(postId, body, markdown string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		gotBody, gotMarkdown := storedContent(t, app, postId)
		if gotBody != body || gotMarkdown != markdown {
			t.Fatalf("stored body %q markdown %q, want %q and %q", gotBody, gotMarkdown, body, markdown)
		}
	}
}

// withMarkdown stores a Markdown source for alice's published post,
// behind the hooks' back: its body stays "alice public body", so that a
// reader who is shown the source is told apart by its words.
func withMarkdown(t testing.TB, app *tests.TestApp) {
	_, err := app.DB().Update("postContents", dbx.Params{"markdown": "# Secret *draft* notes"},
		dbx.HashExp{"id": fx.alicePublishedContent}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}

// inJSON is s as it reads inside a JSON string of PocketBase's answers,
// which escape <, > and &.
func inJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func TestMarkdownIsRenderedOnEveryWritePath(t *testing.T) {
	t.Parallel()

	const source = "# Hello\n\nSome **bold** text and <script>alert(1)</script> a [link](javascript:alert(1)).\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n"
	rendered, err := content.RenderMarkdown(source)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rendered, "<strong>bold</strong>") || strings.Contains(rendered, "script") || strings.Contains(rendered, "javascript") {
		t.Fatalf("rendered %q", rendered)
	}
	body := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `"`, `\"`), "\n", `\n`) }
	contents := "/api/collections/postContents/records/"

	scenarios := []tests.ApiScenario{
		{
			Name:            "author creating a post in Markdown through the route",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"In Markdown","status":"published","markdown":"` + body(source) + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"status":"published"`, inJSON(`<h1>Hello</h1>`), inJSON(`<strong>bold</strong>`), inJSON(`<th>a</th>`), inJSON(`<td align="right">2</td>`), `"markdown":"# Hello`},
		},
		{
			Name:            "author changing the Markdown through the route",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"markdown":"` + body(source) + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{inJSON(`<strong>bold</strong>`), `"markdown":"# Hello`},
			AfterTestFunc:   storedAs(fx.alicePublished, rendered, source),
		},
		{
			Name:            "author writing Markdown through the collections API",
			Method:          http.MethodPatch,
			URL:             contents + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"markdown":"` + body(source) + `","body":"<p>ignored</p>"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{inJSON(`<strong>bold</strong>`), `"markdown":"# Hello`},
			AfterTestFunc:   storedAs(fx.alicePublished, rendered, source),
		},
		{
			Name:            "superuser writing Markdown through the batch API",
			Method:          http.MethodPost,
			URL:             "/api/batch",
			Body:            strings.NewReader(`{"requests":[{"method":"PATCH","url":"` + contents + fx.bobPublishedContent + `","body":{"markdown":"` + body(source) + `"}}]}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":200`, `"markdown":"# Hello`},
			AfterTestFunc:   storedAs(fx.bobPublished, rendered, source),
		},
		{
			Name:            "an HTML body (the dashboard's editor) drops the Markdown it replaces",
			Method:          http.MethodPatch,
			URL:             contents + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"markdown":"# Secret *draft* notes","body":"<p>by hand</p><img src=x onerror=alert(1)>"}`),
			Headers:         auth(fx.superuserToken),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { withMarkdown(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"markdown":""`},
			AfterTestFunc:   storedAs(fx.alicePublished, `<p>by hand</p><img src="x">`, ""),
		},
		{
			Name:            "an HTML body through the route drops the Markdown",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"body":"<p>html again</p>"}`),
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { withMarkdown(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"markdown":""`},
			AfterTestFunc:   storedAs(fx.alicePublished, `<p>html again</p>`, ""),
		},
		{
			Name:            "both Markdown and body through the route",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"body":"<p>a</p>","markdown":"b"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_markdown_or_body"`},
			AfterTestFunc:   storedAs(fx.alicePublished, "<p>alice public body</p>", ""),
		},
		{
			Name:            "Markdown over the limit",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"markdown":"` + strings.Repeat("a", content.MaxMarkdownLength+1) + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_max_text_constraint"`},
		},
		{
			Name:            "Markdown that is not a string",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"x","markdown":{"a":1}}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_invalid_type"`},
			AfterTestFunc:   assertPostCount(4),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestMarkdownIsShownOnlyToItsAuthor(t *testing.T) {
	t.Parallel()

	withSource := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { withMarkdown(t, app) }
	var scenarios []tests.ApiScenario
	for _, reader := range []struct {
		name, token string
		sees        bool
	}{
		{"guest", "", false},
		{"other user", fx.bobToken, false},
		{"author", fx.aliceToken, true},
		{"superuser", fx.superuserToken, true},
	} {
		headers := map[string]string{}
		if reader.token != "" {
			headers = auth(reader.token)
		}
		for _, read := range []struct{ what, url string }{
			{"the post route", "/api/blog/posts/" + fx.alicePublished},
			{"the content record", "/api/collections/postContents/records/" + fx.alicePublishedContent},
			{"the content list", "/api/collections/postContents/records?filter=" + "post%3D%27" + fx.alicePublished + "%27"},
			{"the post expanded", "/api/collections/posts/records/" + fx.alicePublished + "?expand=content"},
		} {
			s := tests.ApiScenario{
				Name:           reader.name + " reading " + read.what,
				Method:         http.MethodGet,
				URL:            read.url,
				Headers:        headers,
				BeforeTestFunc: withSource,
				ExpectedStatus: 200,
			}
			if reader.sees {
				s.ExpectedContent = []string{`"markdown":"# Secret *draft* notes"`}
			} else {
				s.ExpectedContent = []string{`alice public body`}
				s.NotExpectedContent = []string{`"markdown"`, "Secret"}
			}
			scenarios = append(scenarios, s)
		}
		if !reader.sees {
			// a filter on the hidden field finds nothing, whatever it guesses
			scenarios = append(scenarios, tests.ApiScenario{
				Name:               reader.name + " filtering by the Markdown",
				Method:             http.MethodGet,
				URL:                "/api/collections/postContents/records?filter=markdown~%27Secret%27",
				Headers:            headers,
				BeforeTestFunc:     withSource,
				ExpectedStatus:     400,
				NotExpectedContent: []string{"Secret"},
			}, tests.ApiScenario{
				Name:               reader.name + " filtering posts by their Markdown",
				Method:             http.MethodGet,
				URL:                "/api/collections/posts/records?filter=content.markdown~%27Secret%27",
				Headers:            headers,
				BeforeTestFunc:     withSource,
				ExpectedStatus:     400,
				NotExpectedContent: []string{"Secret"},
			})
		}
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestBlankBodiesAreRefusedOnEveryPath(t *testing.T) {
	t.Parallel()

	contents := "/api/collections/postContents/records/"
	var scenarios []tests.ApiScenario
	for _, blank := range []string{"", "   ", "<p></p>", "<br>", "<p>&nbsp;</p>", "<p>\u200b</p>", "<script>alert(1)</script>", "<div><span> </span></div>"} {
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name:            "route creating with body " + blank,
				Method:          http.MethodPost,
				URL:             "/api/blog/posts",
				Body:            strings.NewReader(`{"title":"Blank","status":"published","body":"` + blank + `"}`),
				Headers:         auth(fx.aliceToken),
				ExpectedStatus:  400,
				ExpectedContent: []string{`"body":{"code":"validation_required"`},
				AfterTestFunc:   assertPostCount(4),
			},
			tests.ApiScenario{
				Name:            "route creating with Markdown " + blank,
				Method:          http.MethodPost,
				URL:             "/api/blog/posts",
				Body:            strings.NewReader(`{"title":"Blank","markdown":"` + blank + `"}`),
				Headers:         auth(fx.aliceToken),
				ExpectedStatus:  400,
				ExpectedContent: []string{`"markdown":{"code":"validation_required"`},
				AfterTestFunc:   assertPostCount(4),
			},
			tests.ApiScenario{
				Name:            "route updating with body " + blank,
				Method:          http.MethodPatch,
				URL:             "/api/blog/posts/" + fx.alicePublished,
				Body:            strings.NewReader(`{"title":"Changed","body":"` + blank + `"}`),
				Headers:         auth(fx.aliceToken),
				ExpectedStatus:  400,
				ExpectedContent: []string{`"body":{"code":"validation_required"`},
				AfterTestFunc:   storedAs(fx.alicePublished, "<p>alice public body</p>", ""),
			},
			tests.ApiScenario{
				Name:            "collections API updating with body " + blank,
				Method:          http.MethodPatch,
				URL:             contents + fx.alicePublishedContent,
				Body:            strings.NewReader(`{"body":"` + blank + `"}`),
				Headers:         auth(fx.aliceToken),
				ExpectedStatus:  400,
				ExpectedContent: []string{`"body":{"code":"validation_required"`},
				AfterTestFunc:   storedAs(fx.alicePublished, "<p>alice public body</p>", ""),
			},
		)
	}
	for _, blank := range []string{"   ", `\n\n`, "<p></p>", `<br>\n<br>`, "&nbsp;", "<script>alert(1)</script>", "<!-- a note -->", "[](/x)"} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "collections API updating with Markdown " + blank,
			Method:          http.MethodPatch,
			URL:             contents + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"markdown":"` + blank + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_required"`},
			AfterTestFunc:   storedAs(fx.alicePublished, "<p>alice public body</p>", ""),
		})
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "superuser blanking a body in a batch",
			Method:          http.MethodPost,
			URL:             "/api/batch",
			Body:            strings.NewReader(`{"requests":[{"method":"PATCH","url":"` + contents + fx.bobPublishedContent + `","body":{"markdown":"<p></p>\n\n<br>"}}]}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_required"`},
			AfterTestFunc:   storedAs(fx.bobPublished, "<p>bob public body</p>", ""),
		},
		// a post is published with its body, never before it
		tests.ApiScenario{
			Name:            "collections API creating a published post",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            strings.NewReader(`{"title":"Empty","author":"` + fx.aliceId + `","status":"published"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":{"code":"validation_body_required"`},
			AfterTestFunc:   assertPostCount(4),
		},
		tests.ApiScenario{
			Name:            "dashboard creating a scheduled post",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            strings.NewReader(`{"title":"Empty","author":"` + fx.aliceId + `","status":"scheduled","published":"2099-01-01 00:00:00.000Z"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":{"code":"validation_body_required"`},
			AfterTestFunc:   assertPostCount(4),
		},
		tests.ApiScenario{
			Name:   "dashboard publishing a draft whose body is blank",
			Method: http.MethodPatch,
			URL:    "/api/collections/posts/records/" + fx.aliceDraft,
			Body:   strings.NewReader(`{"status":"published"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				// a body blanked behind the hooks' back (the sqlite3 shell)
				if _, err := app.DB().Update("postContents", dbx.Params{"body": "<p> </p>"}, dbx.HashExp{"post": fx.aliceDraft}).Execute(); err != nil {
					t.Fatal(err)
				}
			},
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":{"code":"validation_body_required"`},
		},
		tests.ApiScenario{
			Name:            "route publishing a new post with its body",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Full","status":"scheduled","published":"2099-01-01T00:00:00Z","markdown":"*x*"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"status":"scheduled"`, `"published":"2099-01-01 00:00:00.000Z"`, inJSON(`<em>x</em>`)},
		},
		tests.ApiScenario{
			Name:            "route publishing a new post dated in the past for the schedule",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Late","status":"scheduled","published":"2001-01-01T00:00:00Z","markdown":"*x*"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"published":{"code":"validation_scheduled_past"`},
			AfterTestFunc:   assertPostCount(4),
		},
	)
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}

	t.Run("Go code blanking a body", func(t *testing.T) {
		app := newTestApp(t)
		defer app.Cleanup()
		c, err := app.FindRecordById("postContents", fx.bobPublishedContent)
		if err != nil {
			t.Fatal(err)
		}
		c.Set("body", "<p><br></p>")
		if err := app.Save(c); err == nil {
			t.Fatal("a blank body was saved")
		}
	})
}

func TestPreviewRoute(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"*x*"}`),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "user previewing Markdown",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"# T\n\n~~old~~ <img src=x onerror=alert(1)> https://example.com"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`{"body":"\u003ch1\u003eT\u003c/h1\u003e\n\u003cp\u003e\u003cdel\u003eold\u003c/del\u003e \u003cimg src=\"x\"\u003e \u003ca href=\"https://example.com\" rel=\"nofollow noopener\" target=\"_blank\"\u003ehttps://example.com\u003c/a\u003e\u003c/p\u003e\n"}`},
		},
		{
			Name:            "superuser previewing HTML",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"body":"<p onclick=x()>hi</p><script>1</script>"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`{"body":"\u003cp\u003ehi\u003c/p\u003e"}`},
		},
		{
			Name:            "both",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"a","body":"b"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"validation_markdown_or_body"`},
		},
		{
			Name:            "neither",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_required"`},
		},
		{
			Name:            "not a string",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":["a"]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_invalid_type"`},
		},
		{
			Name:            "too long",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"` + strings.Repeat("#", content.MaxMarkdownLength+1) + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_max_text_constraint"`},
		},
		{
			Name:            "nested deeper than allowed, line by line",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"` + strings.Repeat(strings.Repeat("- ", content.MaxNesting)+`x\n`+strings.Repeat(" ", 2*content.MaxNesting), 2) + `y"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"markdown":{"code":"validation_markdown_too_deep"`},
		},
		{
			Name:            "deeply nested",
			Method:          http.MethodPost,
			URL:             "/api/blog/preview",
			Body:            strings.NewReader(`{"markdown":"` + strings.Repeat("> ", 100000) + `x"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`x\u003c/p\u003e`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
