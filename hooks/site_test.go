package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"blogbase/hooks"
)

// TestSiteCurrency edits the site's currency as a superuser does in the
// dashboard: upper-cased, CNY when cleared, refused when no provider
// could charge it, and the superusers' only.
func TestSiteCurrency(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	site := siteRecord(t, app)
	app.Cleanup()
	if got := site.GetString("currency"); got != "CNY" {
		t.Fatalf("the site's currency is %q, want CNY", got)
	}

	url := "/api/collections/site/records/" + site.Id
	currency := func(want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			if got := siteRecord(t, app).GetString("currency"); got != want {
				t.Fatalf("the site's currency is %q, want %q", got, want)
			}
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest reading the site's currency",
			Method:          http.MethodGet,
			URL:             url,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"CNY"`},
		},
		{
			Name:            "superuser setting it in lower case",
			Method:          http.MethodPatch,
			URL:             url,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"currency":"usd"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"USD"`},
			AfterTestFunc:   currency("USD"),
		},
		{
			Name:            "superuser clearing it",
			Method:          http.MethodPatch,
			URL:             url,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"currency":""}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"CNY"`},
			AfterTestFunc:   currency("CNY"),
		},
		{
			Name:            "superuser naming no currency (XXX)",
			Method:          http.MethodPatch,
			URL:             url,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"currency":"xxx"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":"validation_currency_unknown"`},
			AfterTestFunc:   currency("CNY"),
		},
		{
			Name:            "superuser naming a word",
			Method:          http.MethodPatch,
			URL:             url,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"currency":"dollars"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":`},
			AfterTestFunc:   currency("CNY"),
		},
		{
			Name:            "user setting it",
			Method:          http.MethodPatch,
			URL:             url,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"currency":"USD"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			AfterTestFunc:   currency("CNY"),
		},
		{
			Name:            "guest setting it",
			Method:          http.MethodPatch,
			URL:             url,
			Body:            strings.NewReader(`{"currency":"USD"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			AfterTestFunc:   currency("CNY"),
		},
	}
	for _, scenario := range scenarios {
		scenario.TestAppFactory = newTestApp
		scenario.Test(t)
	}
}

// TestPagesBootData reads the site's settings the pages hand to the web
// app (#blog-data): the currency new posts are priced in, and whether
// payments and mail work, on every kind of page, following the settings
// as they change.
func TestPagesBootData(t *testing.T) {
	t.Parallel()
	paths := []string{"/", "/posts/alice-in-public", "/authors/alice", "/write", "/login"}
	boot := func(t *testing.T, h http.Handler, path string) map[string]any {
		t.Helper()
		var p *crawledPage
		if path == "/no-such-page" {
			p = crawl(t, getPage(t, h, path, http.StatusNotFound).Body.Bytes())
		} else {
			p = crawlPage(t, h, path)
		}
		site, _ := jsonPath(p.data, "site").(map[string]any)
		if site == nil {
			t.Fatalf("%s: no site in blog-data %v", path, p.data)
		}
		return site
	}
	expect := func(t *testing.T, h http.Handler, currency string, payments, mail bool) {
		t.Helper()
		for _, path := range append(paths, "/no-such-page") {
			site := boot(t, h, path)
			if site["currency"] != currency || site["payments"] != payments || site["mail"] != mail {
				t.Errorf("%s: site %v, want currency %s, payments %v, mail %v", path, site, currency, payments, mail)
			}
		}
	}

	t.Run("nothing configured", func(t *testing.T) {
		t.Parallel()
		app := newTestApp(t)
		defer app.Cleanup()
		expect(t, serve(t, app), "CNY", false, false)
	})

	t.Run("a payment provider half set up", func(t *testing.T) {
		t.Parallel()
		app := newTestAppWith(t, configWith(func(c *hooks.Config) {
			c.PublicURL = "https://blog.example.com"
			c.Stripe.SecretKey = "sk_test_x" // no webhook secret: no payment could be credited
		}))
		defer app.Cleanup()
		expect(t, serve(t, app), "CNY", false, false)
	})

	t.Run("a payment provider set up", func(t *testing.T) {
		t.Parallel()
		app := newTestAppWith(t, configWith(func(c *hooks.Config) {
			c.PublicURL = "https://blog.example.com"
			c.Stripe.SecretKey = "sk_test_x"
			c.Stripe.WebhookSecret = "whsec_x"
		}))
		defer app.Cleanup()
		expect(t, serve(t, app), "CNY", true, false)
	})

	t.Run("the site's currency and the mail settings changed", func(t *testing.T) {
		t.Parallel()
		app := newTestApp(t)
		defer app.Cleanup()
		h := serve(t, app)
		expect(t, h, "CNY", false, false) // cached now

		rec := send(t, h, http.MethodPatch, "/api/collections/site/records/"+siteRecord(t, app).Id,
			`{"currency":"eur"}`, fx.superuserToken)
		expectCode(t, rec, http.StatusOK)
		expect(t, h, "EUR", false, false)

		rec = send(t, h, http.MethodPatch, "/api/settings",
			`{"smtp":{"enabled":true,"host":"smtp.example.com","port":587}}`, fx.superuserToken)
		expectCode(t, rec, http.StatusOK)
		expect(t, h, "EUR", false, true)

		rec = send(t, h, http.MethodPatch, "/api/settings", `{"smtp":{"enabled":false}}`, fx.superuserToken)
		expectCode(t, rec, http.StatusOK)
		expect(t, h, "EUR", false, false)
	})
}
