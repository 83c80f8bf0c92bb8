package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// TestPostContentsCollectionRules drives the postContents API rules (the
// paywall boundary) through the collections API for every actor.
func TestPostContentsCollectionRules(t *testing.T) {
	t.Parallel()

	records := "/api/collections/postContents/records"
	bodyIs := func(contentId, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			c, err := app.FindRecordById("postContents", contentId)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.GetString("body"); got != want {
				t.Fatalf("stored body %q, want %q", got, want)
			}
		}
	}

	scenarios := []tests.ApiScenario{
		// list and view
		{
			Name:               "guest listing reads free published bodies only",
			Method:             http.MethodGet,
			URL:                records,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, "alice public body", "bob public body"},
			NotExpectedContent: []string{"alice paid body", "alice draft body"},
		},
		{
			Name:               "other user listing",
			Method:             http.MethodGet,
			URL:                records,
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`},
			NotExpectedContent: []string{"alice paid body", "alice draft body"},
		},
		{
			Name:            "author listing reads own draft and paid bodies",
			Method:          http.MethodGet,
			URL:             records,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`, "alice paid body", "alice draft body"},
		},
		{
			Name:            "superuser listing",
			Method:          http.MethodGet,
			URL:             records,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`},
		},
		{
			Name:            "guest viewing a paid body",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.alicePaidContent,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user viewing a draft body",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceDraftContent,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "author viewing own paid body",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.alicePaidContent,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{"alice paid body"},
		},
		{
			Name:               "guest expanding a draft from a body filter",
			Method:             http.MethodGet,
			URL:                records + "?expand=post&filter=" + urlQuery(`post.title ~ "secret"`),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{"Alice secret draft"},
		},

		// create: only the server makes content records
		{
			Name:            "author creating a second content for own post",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"post":"` + fx.alicePublished + `","body":"second"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "superuser creating a second content for a post",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"post":"` + fx.alicePublished + `","body":"second"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"post":{"code":"validation_not_unique"`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "superuser creating a content without a post",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"post":"missing","body":"orphan"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"post":{`},
			AfterTestFunc:   assertPostCount(4),
		},

		// update
		{
			Name:            "guest updating",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"body":"defaced"}`),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   bodyIs(fx.alicePublishedContent, "<p>alice public body</p>"),
		},
		{
			Name:            "other user updating a readable body",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"body":"defaced"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   bodyIs(fx.alicePublishedContent, "<p>alice public body</p>"),
		},
		{
			Name:               "author updating own body with script",
			Method:             http.MethodPatch,
			URL:                records + "/" + fx.alicePublishedContent,
			Body:               strings.NewReader(`{"body":"<p>new <b onclick=\"x()\">bold</b><script>alert(1)</script> <a href=\"javascript:void(0)\">link</a></p>"}`),
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			NotExpectedContent: []string{"script", "onclick", "javascript"},
			ExpectedContent:    []string{`new \u003cb\u003ebold\u003c/b\u003e`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				bodyIs(fx.alicePublishedContent, "<p>new <b>bold</b> link</p>")(t, app, res)
				post, err := app.FindRecordById("posts", fx.alicePublished)
				if err != nil {
					t.Fatal(err)
				}
				if got := post.GetString("summary"); got != "new bold link" {
					t.Fatalf("summary did not follow the body: %q", got)
				}
			},
		},
		{
			Name:            "author moving own body to another post",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.alicePublishedContent,
			Body:            strings.NewReader(`{"post":"` + fx.aliceDraft + `"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"post":{"code":"validation_post_immutable"`},
		},
		{
			Name:            "superuser saving an unsafe body",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.bobPublishedContent,
			Body:            strings.NewReader(`{"body":"<img src=x onerror=alert(1)><iframe src=\"https://evil.example\"></iframe>ok"}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			AfterTestFunc:   bodyIs(fx.bobPublishedContent, `<img src="x">ok`),
			ExpectedContent: []string{`ok`},
		},

		// delete: only together with the post
		{
			Name:            "author deleting own body",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.alicePublishedContent,
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "superuser deleting a body alone",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.alicePublishedContent,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				assertPostCount(4)(t, app, res)
				assertSplitInvariant(t, app)
			},
		},
	}

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
