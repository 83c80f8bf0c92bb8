package hooks_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/internal/alipay"
)

// TestPurchaseRoute pins POST /api/blog/posts/{id}/purchase: who may buy
// what, order reuse, the provider choice and the configuration errors.
func TestPurchaseRoute(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)

	onlyOrders := func(n int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			if got := countRows(t, app, "orders", nil); got != n {
				t.Fatalf("%d orders, want %d", got, n)
			}
		}
	}
	purchase := func(provider string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			mux, err := e.Router.BuildMux()
			if err != nil {
				t.Fatal(err)
			}
			expectCode(t, send(t, mux, http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase",
				`{"provider":"`+provider+`"}`, fx.bobToken), 201)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			ExpectedStatus:  401,
			ExpectedContent: []string{`"status":401`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:            "superuser (not a reader account)",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:           "a reader buying with Alipay, the default",
			Method:         http.MethodPost,
			URL:            "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 201,
			ExpectedContent: []string{
				`"payUrl":"` + env.alipay.Server.URL + `?`, `alipay.trade.page.pay`,
				`"status":"pending"`, `"provider":"alipay"`, `"amount":9.9`, `"currency":"CNY"`, `"buyer":"` + fx.bobId + `"`,
			},
			NotExpectedContent: []string{`"payUrl":"` + env.alipay.Server.URL + `?"`},
			AfterTestFunc:      onlyOrders(1),
		},
		{
			Name:            "a second click reuses the pending order",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":"alipay"}`),
			Headers:         auth(fx.bobToken),
			BeforeTestFunc:  purchase("alipay"),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"status":"pending"`},
			AfterTestFunc:   onlyOrders(1),
		},
		{
			Name:            "an empty JSON body",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"payUrl"`},
		},
		{
			Name:            "with Stripe",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":"stripe"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"payUrl":"https://checkout.stripe.test/c/pay/cs_test_`, `"provider":"stripe"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var order struct {
					TradeNo string `db:"tradeNo"`
				}
				if err := app.DB().Select("tradeNo").From("orders").One(&order); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(order.TradeNo, "cs_test_") {
					t.Fatalf("tradeNo %q, want the session id", order.TradeNo)
				}
			},
		},
		{
			Name:            "a second Stripe click reuses the order and its session",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":"stripe"}`),
			Headers:         auth(fx.bobToken),
			BeforeTestFunc:  purchase("stripe"),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"payUrl":"https://checkout.stripe.test/c/pay/cs_test_`},
			AfterTestFunc:   onlyOrders(1),
		},
		{
			Name:            "the author",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:            "a free post",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePublished + "/purchase",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"message":"The post is free."`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:            "another's draft",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.aliceDraft + "/purchase",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:            "an unknown post",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/nosuchpost12345/purchase",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
		},
		{
			Name:            "an unknown provider",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":"paypal"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"provider":{"code":"validation_invalid_provider"`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:            "a provider that is not a string",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":["alipay"]}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"provider"`},
		},
		{
			Name:            "a body that is not JSON",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:            strings.NewReader(`{"provider":`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:    "already paid",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
				order.Set("status", "paid")
				if err := app.Save(order); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  409,
			ExpectedContent: []string{`"status":409`},
			AfterTestFunc:   onlyOrders(1),
		},
		{
			Name:    "Alipay for a price in dollars",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:    strings.NewReader(`{"provider":"alipay"}`),
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				post, _ := app.FindRecordById("posts", fx.alicePaid)
				post.Set("currency", "USD")
				if err := app.Save(post); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"provider":{"code":"validation_currency_unsupported"`},
			AfterTestFunc:   onlyOrders(0),
		},
		{
			Name:    "a dollar price goes to Stripe by default",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				post, _ := app.FindRecordById("posts", fx.alicePaid)
				post.Set("currency", "USD")
				if err := app.Save(post); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  201,
			ExpectedContent: []string{`"provider":"stripe"`, `"currency":"USD"`, `"tradeNo":"cs_test_`},
		},
		{
			Name:    "Stripe for a fractional yen price",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:    strings.NewReader(`{"provider":"stripe"}`),
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				post, _ := app.FindRecordById("posts", fx.alicePaid)
				post.Set("currency", "JPY")
				if err := app.Save(post); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"provider":{"code":"validation_currency_unsupported"`},
		},
		{
			Name:    "Stripe refusing the session",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:    strings.NewReader(`{"provider":"stripe"}`),
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				env.stripe.setRefusing("Amount must convert to at least 50 cents.")
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"message":"The payment provider refused the payment: Amount must convert to at least 50 cents."`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				env.stripe.setRefusing("")
			},
		},
		{
			Name:    "Stripe down",
			Method:  http.MethodPost,
			URL:     "/api/blog/posts/" + fx.alicePaid + "/purchase",
			Body:    strings.NewReader(`{"provider":"stripe"}`),
			Headers: auth(fx.bobToken),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				env.stripe.setFailing(true)
			},
			ExpectedStatus:  502,
			ExpectedContent: []string{`"status":502`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				env.stripe.setFailing(false)
				if n := countRows(t, app, "orders", dbx.HashExp{"status": "pending", "payUrl": ""}); n != 1 {
					t.Fatalf("%d pending orders without a pay URL, want 1 (kept for the next try)", n)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = env.factory()
		s.Test(t)
	}
}

// TestPurchaseNotConfigured: a provider without its settings answers 503
// naming the missing variable, and opens no order.
func TestPurchaseNotConfigured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		unset, provider, want string
	}{
		{"BLOG_ALIPAY_APP_ID", "alipay", "BLOG_ALIPAY_APP_ID"},
		{"BLOG_ALIPAY_PRIVATE_KEY", "alipay", "BLOG_ALIPAY_PRIVATE_KEY"},
		{"BLOG_ALIPAY_PUBLIC_KEY", "alipay", "BLOG_ALIPAY_PUBLIC_KEY"},
		{"BLOG_PUBLIC_URL", "alipay", "BLOG_PUBLIC_URL"},
		{"BLOG_STRIPE_SECRET_KEY", "stripe", "BLOG_STRIPE_SECRET_KEY"},
		{"BLOG_STRIPE_WEBHOOK_SECRET", "stripe", "BLOG_STRIPE_WEBHOOK_SECRET"},
	}
	for _, c := range cases {
		t.Run(c.unset, func(t *testing.T) {
			env := newPaymentsEnv(t)
			app := newTestAppWith(t, env.configChanged(map[string]string{c.unset: ""}))
			defer app.Cleanup()
			rec := send(t, serve(t, app), http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase",
				`{"provider":"`+c.provider+`"}`, fx.bobToken)
			if rec.Code != 503 || !strings.Contains(rec.Body.String(), c.want) {
				t.Fatalf("%d %s, want 503 naming %s", rec.Code, rec.Body, c.want)
			}
			if n := countRows(t, app, "orders", nil); n != 0 {
				t.Fatalf("%d orders", n)
			}
		})
	}

	t.Run("a key file that is not a key", func(t *testing.T) {
		env := newPaymentsEnv(t)
		app := newTestAppWith(t, env.configChanged(map[string]string{"BLOG_ALIPAY_PRIVATE_KEY": "payments_test.go"}))
		defer app.Cleanup()
		h := serve(t, app)
		rec := send(t, h, http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase", ``, fx.bobToken)
		// alipay is unusable, so the default is the configured stripe
		if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"provider":"stripe"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		rec = send(t, h, http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase", `{"provider":"alipay"}`, fx.bobToken)
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "BLOG_ALIPAY_PRIVATE_KEY does not hold") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// TestPagePayUrlIsSigned checks the pay URL a buyer is sent to verifies
// with the app's public key, and carries our notify and return URLs and
// the order's exact amount.
func TestPagePayUrlIsSigned(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	app := env.app(t)
	defer app.Cleanup()
	rec := send(t, serve(t, app), http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase", `{}`, fx.bobToken)
	expectCode(t, rec, 201)
	var answer struct {
		Order  struct{ Id, OutTradeNo string }
		PayUrl string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(answer.PayUrl)
	if err != nil {
		t.Fatal(err)
	}
	params := u.Query()
	// requests are signed over every parameter but sign, sign_type included
	if err := alipay.VerifyRSA2(&env.alipay.AppKey.PublicKey, alipay.SigningContent(params), params.Get("sign")); err != nil {
		t.Fatalf("pay URL signature: %v", err)
	}
	if params.Get("notify_url") != testPublicURL+"/api/blog/payments/alipay/notify" ||
		params.Get("return_url") != testPublicURL+"/api/blog/payments/alipay/return" {
		t.Fatalf("callback URLs %q %q", params.Get("notify_url"), params.Get("return_url"))
	}
	var biz map[string]string
	if err := json.Unmarshal([]byte(params.Get("biz_content")), &biz); err != nil {
		t.Fatal(err)
	}
	if biz["total_amount"] != "9.90" || biz["out_trade_no"] != answer.Order.OutTradeNo || biz["time_expire"] == "" {
		t.Fatalf("biz_content %v", biz)
	}
}

// TestPostCurrencyMustBeReal: a price is in a currency a provider can
// charge, on every write path.
func TestPostCurrencyMustBeReal(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name:            "blog route",
			Method:          http.MethodPost,
			URL:             "/api/blog/posts",
			Body:            strings.NewReader(`{"title":"Priced","body":"<p>x</p>","price":3,"currency":"XYZ"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":"validation_currency_unknown"`},
			AfterTestFunc:   assertPostCount(4), // the fixture's
		},
		{
			Name:            "collections API, the test code XTS",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + fx.alicePaid,
			Body:            strings.NewReader(`{"currency":"XTS"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"currency":{"code":"validation_currency_unknown"`},
		},
		{
			Name:            "a real one",
			Method:          http.MethodPatch,
			URL:             "/api/blog/posts/" + fx.alicePaid,
			Body:            strings.NewReader(`{"currency":"EUR"}`),
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"currency":"EUR"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestOrderFieldErrorsComeTogether: an order written by hand in the
// dashboard gets every field error in one answer, PocketBase's own checks
// (a required provider, the amount's range) and the blog's (whole cents,
// a real currency, a trade number that never changes) alike.
func TestOrderFieldErrorsComeTogether(t *testing.T) {
	t.Parallel()
	withOrder := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
		if _, err := app.DB().NewQuery("UPDATE orders SET id = 'ordertestorder1' WHERE id = {:id}").
			Bind(dbx.Params{"id": order.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name:   "a new order missing its provider, with fractions of a cent and no real currency",
			Method: http.MethodPost,
			URL:    "/api/collections/orders/records",
			Body:   strings.NewReader(`{"post":"` + fx.alicePaid + `","amount":1.001,"currency":"XTS","status":"pending"}`),
			ExpectedContent: []string{
				`"provider":{"code":"validation_required"`,
				`"amount":{"code":"validation_amount_cents"`,
				`"currency":{"code":"validation_currency_unknown"`,
			},
		},
		{
			Name:   "an amount out of range keeps PocketBase's error",
			Method: http.MethodPost,
			URL:    "/api/collections/orders/records",
			Body:   strings.NewReader(`{"amount":0.001,"currency":"CNY","provider":"alipay"}`),
			ExpectedContent: []string{
				`"amount":{"code":"validation_min_number_constraint"`,
			},
		},
		{
			Name:           "a changed trade number, with a bad currency",
			Method:         http.MethodPatch,
			URL:            "/api/collections/orders/records/ordertestorder1",
			Body:           strings.NewReader(`{"outTradeNo":"T_changed","currency":"XTS"}`),
			BeforeTestFunc: withOrder,
			ExpectedContent: []string{
				`"outTradeNo":{"code":"validation_out_trade_no_immutable"`,
				`"currency":{"code":"validation_currency_unknown"`,
			},
		},
	}
	for _, s := range scenarios {
		s.Headers = auth(fx.superuserToken)
		s.ExpectedStatus = 400
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestPurchaseWithAnEmptyProvider: a provider sent empty (JSON or form) is
// none named, and the post's currency picks it.
func TestPurchaseWithAnEmptyProvider(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	for _, c := range []struct{ body, contentType string }{
		{`{"provider":""}`, "application/json"},
		{`{"provider":null}`, "application/json"},
		{`provider=`, "application/x-www-form-urlencoded"},
	} {
		app := env.app(t)
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/posts/"+fx.alicePaid+"/purchase", c.body, fx.bobToken,
			"Content-Type", c.contentType)
		if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"provider":"alipay"`) {
			t.Errorf("%s: %d %s", c.body, rec.Code, rec.Body)
		}
		app.Cleanup()
	}
}
