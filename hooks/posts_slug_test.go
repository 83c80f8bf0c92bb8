package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// TestDraftSlugsStayPrivate checks that nothing about another author's
// draft can be learned through slugs: a draft holds its slug against its
// own author's posts only, and published posts hold theirs against
// everyone. Alice's draft "Alice secret draft" has the slug
// alice-secret-draft.
func TestDraftSlugsStayPrivate(t *testing.T) {
	t.Parallel()

	const draftSlug = "alice-secret-draft"
	// bob publishes a post with the slug of alice's draft
	bobTakesTheSlug := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		post, _, err := createPost(app, fx.bobId, "Alice secret draft", "published", 0, "<p>bob's take</p>")
		if err != nil || post.GetString("slug") != draftSlug {
			t.Fatalf("bob's post: %v, slug %q", err, post.GetString("slug"))
		}
	}
	blogPost := func(body string) *strings.Reader { return strings.NewReader(body) }

	scenarios := []tests.ApiScenario{
		{
			Name:            "other user titling a post like another's draft",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            blogPost(`{"title":"Alice secret draft","author":"` + fx.bobId + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"` + draftSlug + `"`},
		},
		{
			Name:            "other user publishing with the slug of another's draft",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            blogPost(`{"title":"Mine","slug":"` + draftSlug + `","body":"<p>x</p>","status":"published"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"slug":"` + draftSlug + `"`, `"status":"published"`},
		},
		{
			Name:            "other user naming a draft with the slug of another's published post",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            blogPost(`{"title":"Mine","slug":"alice-in-public","body":"<p>x</p>"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
		},
		{
			Name:            "author titling a post like own draft",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            blogPost(`{"title":"Alice secret draft","body":"<p>x</p>"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"slug":"` + draftSlug + `-2"`},
		},
		{
			Name:            "author naming a post with the slug of own draft",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            blogPost(`{"title":"Again","slug":"` + draftSlug + `","body":"<p>x</p>"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
		},
		{
			Name:            "guest reading the slug another published over a draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + draftSlug,
			BeforeTestFunc:  bobTakesTheSlug,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"summary":"bob's take"`, `"username":"bob"`},
		},
		{
			Name:            "author reading own draft by its slug another published",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + draftSlug,
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  bobTakesTheSlug,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + fx.aliceDraft + `"`, `"status":"draft"`},
		},
		{
			Name:            "author publishing a draft whose slug another published meanwhile",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Body:            blogPost(`{"status":"published"}`),
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  bobTakesTheSlug,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"` + draftSlug + `-2"`, `"status":"published"`},
		},
		{
			Name:    "author publishing a draft naming the slug another published",
			Method:  http.MethodPatch,
			URL:     "/api/blog/posts/" + fx.aliceDraft,
			Body:    blogPost(`{"status":"published","slug":"` + draftSlug + `-x"}`),
			Headers: auth(fx.aliceToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				post, _, err := createPost(app, fx.bobId, "Alice secret draft x", "published", 0, "<p>bob's take</p>")
				if err != nil || post.GetString("slug") != draftSlug+"-x" {
					t.Fatalf("bob's post: %v, slug %q", err, post.GetString("slug"))
				}
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
		},
		{
			Name:    "author publishing a suffixed draft whose slug another published",
			Method:  http.MethodPatch,
			URL:     "/api/blog/posts/" + fx.aliceDraft,
			Body:    blogPost(`{"status":"published"}`),
			Headers: auth(fx.aliceToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				// alice's draft is the second of her posts of that title;
				// bob has published both forms
				draft, err := app.FindRecordById("posts", fx.aliceDraft)
				if err != nil {
					t.Fatal(err)
				}
				draft.Set("slug", draftSlug+"-2")
				if err := app.Save(draft); err != nil {
					t.Fatal(err)
				}
				for range 2 {
					if _, _, err := createPost(app, fx.bobId, "Alice secret draft", "published", 0, "<p>bob's take</p>"); err != nil {
						t.Fatal(err)
					}
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"` + draftSlug + `-3"`, `"status":"published"`},
		},
		{
			Name:    "author publishing a draft of a 100-character slug another published",
			Method:  http.MethodPatch,
			URL:     "/api/blog/posts/" + fx.aliceDraft,
			Body:    blogPost(`{"status":"published"}`),
			Headers: auth(fx.aliceToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				long := strings.Repeat("word-", 19) + "words"
				for _, id := range []string{fx.aliceDraft, fx.bobPublished} {
					post, err := app.FindRecordById("posts", id)
					if err != nil {
						t.Fatal(err)
					}
					post.Set("slug", long)
					if err := app.Save(post); err != nil {
						t.Fatal(err)
					}
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"` + strings.Repeat("word-", 15) + `word"`, `"status":"published"`},
		},
		{
			Name:            "author editing a draft whose slug another published",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + fx.aliceDraft,
			Body:            blogPost(`{"title":"Still private"}`),
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  bobTakesTheSlug,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"` + draftSlug + `"`, `"status":"draft"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
