package hooks_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// TestQueryGuard checks that nobody but a superuser can probe drafts, paid
// bodies or hidden emails through back-relation filters or email sorts.
func TestQueryGuard(t *testing.T) {
	t.Parallel()

	refused := func(name, target, token string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:               name,
			Method:             http.MethodGet,
			URL:                target,
			Headers:            auth(token),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`},
			NotExpectedContent: []string{`"items"`},
		}
	}

	draftProbe := `id="` + fx.aliceId + `" && posts_via_author.title !~ "secret"`
	bodyProbe := `id="` + fx.aliceId + `" && posts_via_author.postContents_via_post.body !~ "paid body"`

	scenarios := []tests.ApiScenario{
		refused("guest probing draft titles from users", "/api/collections/users/records?filter="+urlQuery(draftProbe), ""),
		refused("other user probing paid bodies from users", "/api/collections/users/records?filter="+urlQuery(bodyProbe), fx.bobToken),
		refused("guest probing drafts from posts", "/api/collections/posts/records?filter="+urlQuery(`author.posts_via_author.status != "draft"`), ""),
		refused("guest sorting by a back-relation", "/api/collections/users/records?sort=posts_via_author.title", ""),
		refused("guest sorting users by email", "/api/collections/users/records?sort=-email", ""),
		refused("other user sorting posts by their authors' email", "/api/collections/posts/records?sort=title,author.email", fx.bobToken),
		refused("guest sorting by a lowered email", "/api/collections/users/records?sort=email:lower", ""),
		refused("guest sorting posts by a lowered author email", "/api/collections/posts/records?sort=-author.email:lower", ""),
		refused("guest hiding a back-relation in a function", "/api/collections/users/records?filter="+urlQuery(`strftime('%Y', posts_via_author.created) != "x"`), ""),
		{
			Name:            "guest with _via_ inside a quoted value",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records?filter=" + urlQuery(`title ~ "x_via_y"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "superuser filtering through a back-relation",
			Method:          http.MethodGet,
			URL:             "/api/collections/users/records?filter=" + urlQuery(draftProbe),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "guest with plain filters and sorts",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records?sort=-published,title&filter=" + urlQuery(`author.username = "alice"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":2`},
		},
	}

	// realtime subscriptions carry their filter in options
	for _, c := range []struct{ name, subscription string }{
		{"guest subscribing with a back-relation filter", `users/*?options=` + url.QueryEscape(`{"query":{"filter":"posts_via_author.title ~ \"secret\""}}`)},
		{"guest subscribing with JSON escapes and another option", `users/*?options=` + url.QueryEscape(`{"query":{"filter":"posts\u005fvia\u005fauthor.title !~ \"x\"","n":1}}`)},
		{"guest subscribing behind a broken parameter", `users/*?x=%zz&options=` + strings.ReplaceAll(url.QueryEscape(`{"query":{"filter":"posts_via_author.title ~ \"x\""}}`), "_", "%5F")},
		{"guest subscribing with a back-relation sort", `users/*?options=` + url.QueryEscape(`{"query":{"sort":"-posts_via_author.created"}}`)},
	} {
		client := subscriptions.NewDefaultClient()
		scenarios = append(scenarios, tests.ApiScenario{
			Name:   c.name,
			Method: http.MethodPost,
			URL:    "/api/realtime",
			Body:   strings.NewReader(`{"clientId":"` + client.Id() + `","subscriptions":[` + quoteJSON(c.subscription) + `]}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				app.SubscriptionsBroker().Register(client)
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if subs := client.Subscriptions(); len(subs) != 0 {
					t.Fatalf("the refused subscription was kept: %v", subs)
				}
			},
		})
	}
	allowed := subscriptions.NewDefaultClient()
	scenarios = append(scenarios, tests.ApiScenario{
		Name:   "guest subscribing with a plain filter",
		Method: http.MethodPost,
		URL:    "/api/realtime",
		Body: strings.NewReader(`{"clientId":"` + allowed.Id() + `","subscriptions":[` +
			quoteJSON(`posts/*?options=`+url.QueryEscape(`{"query":{"filter":"status = \"published\""}}`)) + `]}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			app.SubscriptionsBroker().Register(allowed)
		},
		ExpectedStatus: 204,
	})

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func quoteJSON(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
