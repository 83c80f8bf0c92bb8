package hooks_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

func TestPostViewRoute(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:           "guest viewing a published post by id",
			Method:         http.MethodGet,
			URL:            "/api/blog/posts/" + fx.alicePublished,
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"id":"` + fx.alicePublished + `"`,
				`"body":"\u003cp\u003ealice public body\u003c/p\u003e"`,
				`"locked":false`,
				`"expand":{"author":{`,
				`"username":"alice"`,
				`"name":"alice name"`,
			},
			// the author's private fields never leave the server
			NotExpectedContent: []string{"alice@example.com", "phone", "+86", "emailVisibility", "tokenKey", "password"},
			ExpectedEvents:     map[string]int{"*": 0},
		},
		{
			Name:            "guest viewing a published post by slug",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/alice-in-public",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + fx.alicePublished + `"`, `"slug":"alice-in-public"`},
		},
		{
			Name:            "guest viewing a draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user viewing a draft by slug",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/alice-secret-draft",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author viewing own draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"draft"`, `alice draft body`, `"locked":false`},
		},
		{
			Name:            "superuser viewing a draft",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`alice draft body`},
		},
		{
			Name:               "guest viewing a paid post",
			Method:             http.MethodGet,
			URL:                "/api/blog/posts/" + fx.alicePaid,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"locked":true`, `"price":9.9`, `"title":"Alice paid essay"`},
			NotExpectedContent: []string{`alice paid body`, `"body"`},
		},
		{
			Name:               "other user viewing a paid post",
			Method:             http.MethodGet,
			URL:                "/api/blog/posts/" + fx.alicePaid,
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"locked":true`},
			NotExpectedContent: []string{`alice paid body`},
		},
		{
			Name:            "author viewing own paid post",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"locked":false`, `alice paid body`},
		},
		{
			Name:            "superuser viewing a paid post",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`alice paid body`},
		},
		{
			Name:            "unknown post",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/no-such-post",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestPostViewFollowsEveryWrite warms the guest view cache of a post,
// writes through one path, and expects the next guest view to show it.
func TestPostViewFollowsEveryWrite(t *testing.T) {
	t.Parallel()

	view := "/api/blog/posts/" + fx.alicePublished
	scenarios := []tests.ApiScenario{
		{
			Name: "a raw SQL write from another connection is seen within a moment",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				updateFromOutside(t, app, "posts", dbx.Params{"title": "Behind our back"}, dbx.HashExp{"id": fx.alicePublished})
				eventually(t, h, view, "Behind our back")
			}),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Behind our back"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if cc := res.Header.Get("Cache-Control"); cc != "public, no-cache" || res.Header.Get("ETag") == "" ||
					!slices.Contains(res.Header.Values("Vary"), "Authorization") {
					t.Fatalf("guest view headers: Cache-Control %q, ETag %q, Vary %q", cc, res.Header.Get("ETag"), res.Header.Get("Vary"))
				}
			},
		},
		{
			Name: "author putting the post behind a price locks it for guests at once",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, view, `{"price":3}`, fx.aliceToken), 200)
			}),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"locked":true`},
			NotExpectedContent: []string{"alice public body"},
		},
		{
			Name: "author unpublishing through the collections API hides it at once",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/posts/records/"+fx.alicePublished, `{"status":"draft"}`, fx.aliceToken), 200)
			}),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "author rewriting the body through the collections API",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+fx.alicePublishedContent, `{"body":"<p>fresh words</p>"}`, fx.aliceToken), 200)
			}),
			ExpectedStatus:  200,
			ExpectedContent: []string{"fresh words"},
		},
		{
			Name: "author renaming themself through a batch",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPost, "/api/batch", `{"requests":[{"method":"PATCH","url":"/api/collections/users/records/`+fx.aliceId+`","body":{"name":"Batch Alice"}}]}`, fx.aliceToken), 200)
			}),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Batch Alice"`},
		},
		{
			Name: "Go code deleting the post",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				post, err := app.FindRecordById("posts", fx.alicePublished)
				if err != nil {
					t.Fatal(err)
				}
				if err := app.Delete(post); err != nil {
					t.Fatal(err)
				}
			}),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "superuser making bodies author-only in the collection rules locks it at once",
			BeforeTestFunc: warmThenWrite(view, func(t testing.TB, app *tests.TestApp, h http.Handler) {
				expectCode(t, send(t, h, http.MethodPatch, "/api/collections/postContents",
					`{"viewRule":"post.author = @request.auth.id","listRule":"post.author = @request.auth.id"}`, fx.superuserToken), 200)
			}),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"locked":true`},
			NotExpectedContent: []string{`"body"`},
		},
		{
			Name:            "a guest request with a malformed body still gets the post",
			Body:            strings.NewReader(`{`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Alice in public"`},
		},
		{
			Name:            "a signed-in reader's view is private",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Alice in public"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if cc := res.Header.Get("Cache-Control"); cc != "private, no-cache" {
					t.Fatalf("signed-in view Cache-Control %q", cc)
				}
			},
		},
	}

	for _, s := range scenarios {
		s.Method = http.MethodGet
		s.URL = view
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestPostCreateRoute(t *testing.T) {
	t.Parallel()

	postsBefore := 4

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Guest post"}`),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "superuser (has no author identity)",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Admin post"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:   "user publishing a post with an unsafe body",
			Method: http.MethodPost,
			URL:    "/api/blog/posts",
			Body: strings.NewReader(`{
				"title":"Hello, World!",
				"body":"<h2 onclick=\"steal()\">Intro</h2><p>First <script>alert(1)</script>para <a href=\"javascript:alert(1)\">bad</a> <a href=\"https://example.com\">good</a></p><p>Second para.</p>",
				"status":"published",
				"author":"` + fx.bobId + `",
				"commentsCount":99
			}`),
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 201,
			ExpectedContent: []string{
				`"author":"` + fx.aliceId + `"`,
				`"title":"Hello, World!"`,
				`"slug":"hello-world"`,
				`"status":"published"`,
				`"price":0`,
				`"currency":"CNY"`,
				`"commentsCount":0`,
				`"summary":"Intro First para bad good Second para."`,
				`"locked":false`,
				`"username":"alice"`,
				`\u003ca href=\"https://example.com\" rel=\"nofollow noopener\" target=\"_blank\"\u003egood\u003c/a\u003e`,
			},
			NotExpectedContent: []string{`"published":""`, "script", "javascript:", "onclick", "alice@example.com"},
			ExpectedEvents: map[string]int{
				"OnRecordCreate": 2, // the post and its content
				"OnRecordUpdate": 3, // the body, the summary derived from it, then the status (a post is published once its body is there)
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertSplitInvariant(t, app)
				post, err := app.FindFirstRecordByData("posts", "slug", "hello-world")
				if err != nil {
					t.Fatal(err)
				}
				content, err := app.FindFirstRecordByData("postContents", "post", post.Id)
				if err != nil {
					t.Fatal(err)
				}
				if body := content.GetString("body"); strings.Contains(body, "script") || strings.Contains(body, "onclick") {
					t.Fatalf("stored body is not sanitized: %s", body)
				}
			},
		},
		{
			Name:               "user publishing a paid post gets no summary from the paid body",
			Method:             http.MethodPost,
			URL:                "/api/blog/posts",
			Body:               strings.NewReader(`{"title":"Paid","body":"<p>the paid words</p>","status":"published","price":19.99,"currency":"USD"}`),
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     201,
			ExpectedContent:    []string{`"summary":""`, `"price":19.99`, `"currency":"USD"`, `the paid words`},
			NotExpectedContent: []string{`"summary":"the paid words"`},
		},
		{
			Name:            "user reusing a taken title gets a suffixed slug",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Alice in public","body":"again"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"slug":"alice-in-public-2"`, `"status":"draft"`, `"published":""`},
		},
		{
			Name:            "user sending an explicit slug that is taken",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Whatever","slug":"alice-in-public","body":"x"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending a slug shaped like a record id",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Whatever","slug":"abcdefghij12345"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_slug_id_shape"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:   "user sending invalid values",
			Method: http.MethodPost,
			URL:    "/api/blog/posts",
			Body: strings.NewReader(`{"title":"` + strings.Repeat("t", 257) + `","slug":"Not A Slug",
				"status":"secret","price":1.005,"currency":"yuan","summary":"` + strings.Repeat("s", 501) + `"}`),
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 400,
			ExpectedContent: []string{
				`"title":{"code":"validation_max_text_constraint"`,
				`"slug":{"code":"validation_invalid_format"`,
				`"status":{"code":"validation_invalid_value"`,
				`"price":{"code":"validation_price_decimals"`,
				`"currency":{"code":"validation_`,
				`"summary":{"code":"validation_max_text_constraint"`,
			},
			AfterTestFunc: assertPostCount(postsBefore),
		},
		{
			Name:            "user sending a negative price",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Cheap","price":-1}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"price":{"code":"validation_min_number_constraint"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user without a title",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"body":"<p>no title</p>"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"title":{"code":"validation_required"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user with an empty request body",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"title":{"code":"validation_required"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending a wrongly typed field",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Typed","price":"free"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"price":{"code":"validation_invalid_type","message":"Must be a number."}`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending malformed JSON",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"message":"Failed to read the submitted post data."`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending a JSON array",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`[{"title":"x"}]`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending plain text",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`title=x`),
			Headers:         map[string]string{"Authorization": fx.bobToken, "Content-Type": "text/plain"},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user without a body",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Empty","body":"  "}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_required"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user with a blank title",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"   ","body":"x"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"title":{"code":"validation_required"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user posting a form",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`title=2026&body=%3Cp%3Eform+body%3C%2Fp%3E&price=2.5&status=published`),
			Headers:         map[string]string{"Authorization": fx.bobToken, "Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  201,
			ExpectedContent: []string{`"title":"2026"`, `"price":2.5`, `"status":"published"`, `form body`},
		},
		{
			Name:            "user posting a form with a non-numeric price",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`title=x&body=y&price=cheap`),
			Headers:         map[string]string{"Authorization": fx.bobToken, "Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"price":{"code":"validation_invalid_type"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user whose body is only script",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"x","body":"<script>alert(1)</script>"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_required"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user posting a form with a price of 9.90",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`title=Priced&body=y&price=9.90`),
			Headers:         map[string]string{"Authorization": fx.bobToken, "Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  201,
			ExpectedContent: []string{`"price":9.9`},
		},
		{
			Name:            "user sending a price with a tiny fraction",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"x","body":"y","price":1.0000000001}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"price":{"code":"validation_price_decimals"`},
			AfterTestFunc:   assertPostCount(postsBefore),
		},
		{
			Name:            "user sending a body over 1 MiB leaves no post behind",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Huge","body":"` + strings.Repeat("a", 1<<20+1) + `"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_content_size_limit"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(postsBefore)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestPostUpdateRoute(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Defaced"}`),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "other user on a published post",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Defaced"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "other user on a draft",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Body:            strings.NewReader(`{"title":"Defaced"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "unknown post",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/missing",
			Body:            strings.NewReader(`{"title":"x"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:           "author publishing a draft with a new body",
			Method:         http.MethodPatch,
			URL:            "/api/blog/posts/" + fx.aliceDraft,
			Body:           strings.NewReader(`{"status":"published","body":"<p>Now <img src=\"/a.png\" onerror=\"x()\"> public</p>"}`),
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"status":"published"`,
				`"title":"Alice secret draft"`,
				`"summary":"Now public"`,
				`\u003cimg src=\"/a.png\"\u003e`,
			},
			NotExpectedContent: []string{`"published":""`, "onerror"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertSplitInvariant(t, app)
			},
		},
		{
			Name:            "author keeps an own summary when the body changes",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"summary":"My words","body":"<p>changed</p>"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"summary":"My words"`, `changed`},
		},
		{
			Name:            "author clearing the slug gets one from the title",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"title":"Renamed post","slug":""}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"renamed-post"`},
		},
		{
			Name:            "author with an invalid change writes nothing",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"body":"<p>lost</p>","slug":"bob-in-public"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"slug":{"code":"validation_not_unique"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				content, err := app.FindRecordById("postContents", fx.alicePublishedContent)
				if err != nil {
					t.Fatal(err)
				}
				if body := content.GetString("body"); body != "<p>alice public body</p>" {
					t.Fatalf("the body changed although the update failed: %q", body)
				}
			},
		},
		{
			Name:            "author patching with a form changes only the named field",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Body:            strings.NewReader(`title=Retitled+by+form`),
			Headers:         map[string]string{"Authorization": fx.aliceToken, "Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Retitled by form"`, `"price":9.9`, `"status":"published"`, `"slug":"alice-paid-essay"`, `alice paid body`},
		},
		{
			Name:            "author blanking the body",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"body":"<script>x</script>","title":"Kept?"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"body":{"code":"validation_required"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				post, err := app.FindRecordById("posts", fx.alicePublished)
				if err != nil || post.GetString("title") != "Alice in public" {
					t.Fatalf("a refused update changed the post: %v %q", err, post.GetString("title"))
				}
			},
		},
		{
			Name:            "author with a wrongly typed field",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Body:            strings.NewReader(`{"status":1}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":{"code":"validation_invalid_type"`},
		},
		{
			Name:            "superuser",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.bobPublished,
			Body:            strings.NewReader(`{"title":"Moderated","body":"<p>ok<script>x</script></p>"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Moderated"`, `"author":"` + fx.bobId + `"`, `\u003cp\u003eok\u003c/p\u003e`},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestPostDeleteRoute(t *testing.T) {
	t.Parallel()

	postGone := func(postId string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			if n := countRows(t, app, "posts", dbx.HashExp{"id": postId}); n != 0 {
				t.Fatalf("the post is still there")
			}
			if n := countRows(t, app, "postContents", dbx.HashExp{"post": postId}); n != 0 {
				t.Fatalf("the post's content is still there")
			}
			assertSplitInvariant(t, app)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodDelete,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "other user on a published post",
			Method:          http.MethodDelete,
			URL:             "/api/blog/posts/" + fx.alicePublished,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "other user on a draft",
			Method:          http.MethodDelete,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "unknown post",
			Method:          http.MethodDelete,
			URL:             "/api/blog/posts/missing",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:           "author",
			Method:         http.MethodDelete,
			URL:            "/api/blog/posts/" + fx.aliceDraft,
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 204,
			ExpectedEvents: map[string]int{"OnRecordDelete": 3}, // the post, then its content and comment by cascade
			AfterTestFunc:  postGone(fx.aliceDraft),
		},
		{
			Name:           "superuser",
			Method:         http.MethodDelete,
			URL:            "/api/blog/posts/" + fx.bobPublished,
			Headers:        auth(fx.superuserToken),
			ExpectedStatus: 204,
			AfterTestFunc:  postGone(fx.bobPublished),
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// assertPostCount checks that the number of posts is n, e.g. that a
// refused request created nothing.
func assertPostCount(n int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		t.Helper()
		if got := countRows(t, app, "posts", nil); got != n {
			t.Fatalf("expected %d posts, found %d", n, got)
		}
		if got := countRows(t, app, "postContents", nil); got != n {
			t.Fatalf("expected %d contents, found %d", n, got)
		}
	}
}
