package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// storedCurrency checks the currency stored on the record of collection
// whose field is value.
func storedCurrency(collection, field, value, want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		record, err := app.FindFirstRecordByData(collection, field, value)
		if err != nil {
			t.Fatal(err)
		}
		if got := record.GetString("currency"); got != want {
			t.Fatalf("%s stored currency %q, want %q", collection, got, want)
		}
	}
}

// pricedInUSD is the test app with the site's currency set to USD.
func pricedInUSD(t testing.TB) *tests.TestApp {
	app := newTestApp(t)
	site := siteRecord(t, app)
	site.Set("currency", "USD")
	if err := app.Save(site); err != nil {
		t.Fatal(err)
	}
	return app
}

// TestCurrencyCodesAreUpperCased checks that a currency code written in
// lower case (or with spaces around) is stored upper-cased on every write
// path of posts and orders, and that a code no provider could charge is
// still refused.
func TestCurrencyCodesAreUpperCased(t *testing.T) {
	t.Parallel()

	posts := "/api/collections/posts/records"
	scenarios := []tests.ApiScenario{
		{
			Name:            "user creating a post through the route in usd",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Priced in dollars","body":"<p>x</p>","price":5,"currency":"usd"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"currency":"USD"`},
			AfterTestFunc:   storedCurrency("posts", "title", "Priced in dollars", "USD"),
		},
		{
			Name:            "author changing a post's currency through the route",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"currency":" eur "}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"EUR"`},
			AfterTestFunc:   storedCurrency("posts", "id", fx.alicePaid, "EUR"),
		},
		{
			Name:            "user creating a post through the collections API in gbp",
			Method:          http.MethodPost,
			URL:             posts,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Priced in pounds","author":"` + fx.aliceId + `","currency":"gbp"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"GBP"`},
			AfterTestFunc:   storedCurrency("posts", "title", "Priced in pounds", "GBP"),
		},
		{
			Name:            "author changing a post's currency through the collections API",
			Method:          http.MethodPatch,
			URL:             posts + "/" + fx.alicePublished,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"currency":"jpy"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"JPY"`},
			AfterTestFunc:   storedCurrency("posts", "id", fx.alicePublished, "JPY"),
		},
		{
			Name:    "user creating a post in a batch in cny",
			Method:  http.MethodPost,
			URL:     "/api/batch",
			Headers: auth(fx.aliceToken),
			Body: strings.NewReader(`{"requests":[{"method":"POST","url":"/api/collections/posts/records",` +
				`"body":{"title":"Batched in yuan","author":"` + fx.aliceId + `","currency":"cny"}}]}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"CNY"`},
			AfterTestFunc:   storedCurrency("posts", "title", "Batched in yuan", "CNY"),
		},
		{
			Name:            "user naming no currency at all",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.bobToken),
			Body:            strings.NewReader(`{"title":"Priced by default","body":"<p>x</p>","currency":"  "}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"currency":"CNY"`},
		},
		{
			Name:            "user naming a code that is no currency, in lower case",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Priced in nothing","body":"<p>x</p>","currency":"abc"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":"validation_currency_unknown"`},
			AfterTestFunc:   assertPostCount(4),
		},
		{
			Name:            "author naming the test currency through the collections API",
			Method:          http.MethodPatch,
			URL:             posts + "/" + fx.alicePublished,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"currency":"xts"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":"validation_currency_unknown"`},
			AfterTestFunc:   storedCurrency("posts", "id", fx.alicePublished, "CNY"),
		},
		{
			Name:    "superuser writing an order in usd by hand",
			Method:  http.MethodPost,
			URL:     "/api/collections/orders/records",
			Headers: auth(fx.superuserToken),
			Body: strings.NewReader(`{"buyer":"` + fx.bobId + `","post":"` + fx.alicePaid + `","amount":9.9,` +
				`"currency":"usd","provider":"stripe"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"USD"`},
			AfterTestFunc:   storedCurrency("orders", "provider", "stripe", "USD"),
		},
	}
	for _, scenario := range scenarios {
		scenario.TestAppFactory = newTestApp
		scenario.Test(t)
	}
}

// TestPostsTakeTheSiteCurrency checks that a post whose author names no
// currency is priced in the site's, whichever path made it, and that a
// named one wins.
func TestPostsTakeTheSiteCurrency(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:            "user creating a post through the route",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"In the site's currency","body":"<p>x</p>","price":3}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"currency":"USD"`},
			AfterTestFunc:   storedCurrency("posts", "title", "In the site's currency", "USD"),
		},
		{
			Name:            "user creating a post through the collections API",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Collected in the site's currency","author":"` + fx.aliceId + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"USD"`},
		},
		{
			Name:            "superuser creating a post in the dashboard",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"title":"Dashboard post","author":"` + fx.bobId + `","currency":""}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"USD"`},
		},
		{
			Name:            "user naming a currency of their own",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"In yuan","body":"<p>x</p>","currency":"cny"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"currency":"CNY"`},
		},
		{
			Name:            "author editing an older post keeps its currency",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Headers:         auth(fx.aliceToken),
			Body:            strings.NewReader(`{"title":"Alice paid essay, edited"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"CNY"`},
		},
	}
	for _, scenario := range scenarios {
		scenario.TestAppFactory = pricedInUSD
		scenario.Test(t)
	}

	// Go code and the dashboard's records, without a request
	app := pricedInUSD(t)
	defer app.Cleanup()
	post := addPost(t, app, fx.bobId, "Saved by Go code", time.Time{}, nil)
	if got := post.GetString("currency"); got != "USD" {
		t.Errorf("a post saved by Go code is priced in %q, want USD", got)
	}
	post = addPost(t, app, fx.bobId, "Saved by Go code in euros", time.Time{}, func(r *core.Record) { r.Set("currency", "eur") })
	if got := post.GetString("currency"); got != "EUR" {
		t.Errorf("a post saved by Go code in eur is priced in %q, want EUR", got)
	}
}
