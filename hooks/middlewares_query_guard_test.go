package hooks_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"blogbase/hooks"
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
		refused("guest filtering bodies", "/api/collections/postContents/records?filter="+urlQuery(`body ~ "%aaaa%b"`), ""),
		refused("user filtering bodies lowered", "/api/collections/postContents/records?filter="+urlQuery(`post != "" && body:lower ~ "x"`), fx.bobToken),
		refused("guest sorting bodies", "/api/collections/postContents/records?sort=-body", ""),
		refused("guest filtering posts by bodies of any post", "/api/collections/posts/records?filter="+urlQuery(`@collection.postContents.body ~ "x"`), ""),
		refused("guest expanding through two back-relations", "/api/collections/posts/records/"+fx.bobPublished+"?expand="+urlQuery("comments_via_post.post.comments_via_post"), ""),
		refused("user expanding own posts twice over", "/api/collections/users/records/"+fx.aliceId+"?expand="+urlQuery("author,posts_via_author.author.posts_via_author"), fx.aliceToken),
		{
			Name:            "guest with _via_ inside a quoted value",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records?filter=" + urlQuery(`title ~ "x_via_y"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "guest expanding one back-relation",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records/" + fx.bobPublished + "?expand=" + urlQuery("comments_via_post.author"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"comments_via_post":[`, `"username":"alice"`},
		},
		{
			Name:            "guest filtering comments by their text",
			Method:          http.MethodGet,
			URL:             "/api/collections/comments/records?filter=" + urlQuery(`body ~ "thread"`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":2`},
		},
		{
			Name:            "superuser filtering bodies",
			Method:          http.MethodGet,
			URL:             "/api/collections/postContents/records?filter=" + urlQuery(`body ~ "alice"`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`},
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
		{"guest subscribing to bodies by their text", `postContents/*?options=` + url.QueryEscape(`{"query":{"filter":"body ~ \"%aaaa%b\""}}`)},
		{"guest subscribing with a chain of back-relations", `users/*?options=` + url.QueryEscape(`{"query":{"expand":"posts_via_author.author.posts_via_author"}}`)},
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

// nestedFilter is a filter of depth levels of parentheses around title="x":
// PocketBase's parser costs grow with the square of depth.
func nestedFilter(depth int) string {
	return strings.Repeat("(", depth) + `title="x"` + strings.Repeat(")", depth)
}

// TestQueryGuardBoundsEveryQueryText checks that filter, sort, expand and
// fields texts over their bounds are refused before anything parses them,
// whoever asks and by whichever path they come (collections API, batch
// sub-requests, realtime subscription options).
func TestQueryGuardBoundsEveryQueryText(t *testing.T) {
	// not parallel: it counts the parses made while it runs

	refused := func(name, target, token, param, code string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:               name,
			Method:             http.MethodGet,
			URL:                target,
			Headers:            auth(token),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"` + param + `":{"code":"` + code + `"`},
			NotExpectedContent: []string{`"items"`},
		}
	}
	list := "/api/collections/posts/records"
	deep := urlQuery(nestedFilter(20000))   // 40 KB, the reported attack
	deeper := urlQuery(nestedFilter(50000)) // 100 KB
	within := urlQuery(nestedFilter(1700))  // under 3500 characters, 1,700 levels
	long := strings.Repeat("author,", 1000)

	scenarios := []tests.ApiScenario{
		refused("guest listing with a 40 KB nested filter", list+"?filter="+deep, "", "filter", "validation_query_too_long"),
		refused("guest listing with a 100 KB nested filter", list+"?filter="+deeper, "", "filter", "validation_query_too_long"),
		refused("superuser listing with a 100 KB nested filter", list+"?filter="+deeper, fx.superuserToken, "filter", "validation_query_too_long"),
		refused("guest listing with 1,700 levels in 3,400 characters", list+"?filter="+within, "", "filter", "validation_filter_too_many_groups"),
		refused("superuser listing with 1,700 levels in 3,400 characters", list+"?filter="+within, fx.superuserToken, "filter", "validation_filter_too_many_groups"),
		refused("user with a nested filter behind a harmless one", list+"?filter=title%3D%22x%22&filter="+within, fx.bobToken, "filter", "validation_filter_too_many_groups"),
		refused("guest hiding nesting after a comment and a quote", list+"?filter="+urlQuery("// \"\n"+nestedFilter(100)), "", "filter", "validation_filter_too_many_groups"),
		refused("guest viewing with a 7 KB expand", "/api/collections/posts/records/"+fx.bobPublished+"?expand="+long, "", "expand", "validation_query_too_long"),
		refused("guest listing with a 7 KB sort", list+"?sort="+long, "", "sort", "validation_query_too_long"),
		refused("guest listing with 7 KB of fields", list+"?fields="+long, "", "fields", "validation_query_too_long"),
		refused("superuser listing logs with a nested filter", "/api/logs?filter="+within, fx.superuserToken, "filter", "validation_filter_too_many_groups"),
		{
			Name:            "guest listing with a few groups",
			Method:          http.MethodGet,
			URL:             list + "?filter=" + urlQuery(`(title ~ "(a" || (title ~ "b)" && price = 0)) && `+nestedFilter(20)),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "guest expanding the author",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records/" + fx.bobPublished + "?expand=author&fields=id,expand.author.username",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"bob"`},
		},
		{
			Name:   "user whose batch sub-request carries a 7 KB expand",
			Method: http.MethodPost,
			URL:    "/api/batch",
			Body: strings.NewReader(`{"requests":[
				{"method":"POST","url":"/api/collections/comments/records","body":{"post":"` + fx.bobPublished + `","body":"first"}},
				{"method":"POST","url":"/api/collections/comments/records?expand=` + long + `","body":{"post":"` + fx.bobPublished + `","body":"second"}}
			]}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"url":{"code":"validation_length_too_long"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countRows(t, app, "comments", dbx.HashExp{"body": "first"}); n != 0 {
					t.Fatalf("the batch wrote %d comments", n)
				}
			},
		},
	}

	client := subscriptions.NewDefaultClient()
	// the JS SDK leaves parentheses unescaped (encodeURIComponent): 1,100
	// levels fit in PocketBase's 2,500 characters a topic
	deepSubscription := `comments/*?options=` + strings.NewReplacer(`{`, `%7B`, `}`, `%7D`, `"`, `%22`, `=`, `%3D`, `:`, `%3A`).
		Replace(`{"query":{"filter":"`+strings.ReplaceAll(nestedFilter(1100), `"`, `\"`)+`"}}`)
	scenarios = append(scenarios, tests.ApiScenario{
		Name:   "guest subscribing with 1,100 levels of nesting",
		Method: http.MethodPost,
		URL:    "/api/realtime",
		Body:   strings.NewReader(`{"clientId":"` + client.Id() + `","subscriptions":[` + quoteJSON(deepSubscription) + `]}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			app.SubscriptionsBroker().Register(client)
		},
		ExpectedStatus:  400,
		ExpectedContent: []string{`validation_filter_too_many_groups`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			if subs := client.Subscriptions(); len(subs) != 0 {
				t.Fatalf("the refused subscription was kept: %v", subs)
			}
		},
	})

	before := hooks.OutOfBoundsFilterParses()
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
	if parsed := hooks.OutOfBoundsFilterParses() - before; parsed != 0 {
		t.Fatalf("%d filters over the bounds were parsed", parsed)
	}
}
