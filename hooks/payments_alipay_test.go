package hooks_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const formType = "application/x-www-form-urlencoded"

// TestAlipayNotify pins POST /api/blog/payments/alipay/notify: what
// credits an order, what is refused, and that every notification is
// recorded with its outcome.
func TestAlipayNotify(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	bobsOrder := outTradeNoOf(fx.bobId, fx.alicePaid, "alipay")
	paid := env.alipay.SignedNotification(bobsOrder, "2026112222001", "TRADE_SUCCESS", "9.90")

	withOrder := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	}
	notifyTwice := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		withOrder(t, app, e)
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		rec := send(t, mux, http.MethodPost, "/api/blog/payments/alipay/notify", paid.Encode(), "", "Content-Type", formType)
		if rec.Code != 200 || rec.Body.String() != "success" {
			t.Fatalf("first notification: %d %s", rec.Code, rec.Body)
		}
	}
	expect := func(status string, outcomes ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			t.Helper()
			if got := orderStatus(t, app, mustOrderId(t, app, bobsOrder)); got != status {
				t.Fatalf("order %s, want %s", got, status)
			}
			if got := eventOutcomes(t, app); !slices.Equal(got, outcomes) {
				t.Fatalf("events %v, want %v", got, outcomes)
			}
		}
	}
	tamper := func(form url.Values, key, value string) string {
		c := url.Values{}
		for k, v := range form {
			c[k] = slices.Clone(v)
		}
		c.Set(key, value)
		return c.Encode()
	}
	signedWith := func(key, value string) string {
		c := url.Values{}
		for k, v := range paid {
			if k != "sign" && k != "sign_type" {
				c[k] = slices.Clone(v)
			}
		}
		c.Set(key, value)
		return env.alipay.Sign(c).Encode()
	}
	formHeaders := map[string]string{"Content-Type": formType}

	scenarios := []tests.ApiScenario{
		{
			Name:            "a paid trade",
			Body:            strings.NewReader(paid.Encode()),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expect("paid", "paid")(t, app, res)
				order, _ := app.FindFirstRecordByData("orders", "outTradeNo", bobsOrder)
				if order.GetString("tradeNo") != "2026112222001" || order.GetDateTime("paidAt").IsZero() {
					t.Fatalf("tradeNo %q paidAt %v", order.GetString("tradeNo"), order.GetDateTime("paidAt"))
				}
				if n := countRows(t, app, "paymentEvents", dbx.HashExp{"verified": true, "order": order.Id, "kind": "notify"}); n != 1 {
					t.Fatalf("%d verified events for the order", n)
				}
			},
		},
		{
			Name:            "a finished trade",
			Body:            strings.NewReader(signedWith("trade_status", "TRADE_FINISHED")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("paid", "paid"),
		},
		{
			Name:            "the same notification again",
			Body:            strings.NewReader(paid.Encode()),
			BeforeTestFunc:  notifyTwice,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("paid", "paid", "already_paid"),
		},
		{
			Name:            "an amount changed after signing",
			Body:            strings.NewReader(tamper(paid, "total_amount", "0.01")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expect("pending", "bad_signature")(t, app, res)
				if n := countRows(t, app, "paymentEvents", dbx.HashExp{"verified": false}); n != 1 {
					t.Fatal("the refused notification is not recorded as unverified")
				}
			},
		},
		{
			Name:            "no signature",
			Body:            strings.NewReader(tamper(paid, "sign", "")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "bad_signature"),
		},
		{
			Name:            "an RSA1 signature type",
			Body:            strings.NewReader(tamper(paid, "sign_type", "RSA")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "bad_signature"),
		},
		{
			Name:            "another app's notification",
			Body:            strings.NewReader(signedWith("app_id", "2021000000000000")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "wrong_app_id"),
		},
		{
			Name:            "a signed wrong amount",
			Body:            strings.NewReader(signedWith("total_amount", "0.99")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "amount_mismatch"),
		},
		{
			Name:            "an amount that is not one",
			Body:            strings.NewReader(signedWith("total_amount", "9.9e0")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "amount_mismatch"),
		},
		{
			Name:            "an unknown order",
			Body:            strings.NewReader(signedWith("out_trade_no", "T_nosuchorder")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "unknown_order"),
		},
		{
			Name:            "a body that is not a form",
			Body:            strings.NewReader("%zz&sign=%"),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "malformed"),
		},
		{
			Name:            "an empty body",
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "bad_signature"),
		},
		{
			Name:            "an oversized body",
			Body:            strings.NewReader(paid.Encode() + "&pad=" + strings.Repeat("x", 70<<10)),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  413,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "too_large"),
		},
		{
			Name:            "a closed trade",
			Body:            strings.NewReader(signedWith("trade_status", "TRADE_CLOSED")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("closed", "closed"),
		},
		{
			Name:            "a closed trade after payment (a refund) leaves the order paid",
			Body:            strings.NewReader(signedWith("trade_status", "TRADE_CLOSED")),
			BeforeTestFunc:  notifyTwice,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("paid", "paid", "ignored"),
		},
		{
			Name:            "signed parameters that are not a notification",
			Body:            strings.NewReader(signedWith("notify_type", "")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc:   expect("pending", "not_a_notification"),
		},
		{
			Name: "a paid order a superuser closed (refunded) stays closed",
			Body: strings.NewReader(signedWith("trade_status", "TRADE_FINISHED")),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				notifyTwice(t, app, e)
				order, _ := app.FindFirstRecordByData("orders", "outTradeNo", bobsOrder)
				order.Set("status", "closed")
				if err := app.Save(order); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("closed", "paid", "ignored"),
		},
		{
			Name:            "a forged body is kept in part",
			Body:            strings.NewReader(tamper(paid, "subject", strings.Repeat("x", 30<<10))),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  400,
			ExpectedContent: []string{"failure"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expect("pending", "bad_signature")(t, app, res)
				var kept int
				if err := app.DB().NewQuery("SELECT length(payload) FROM paymentEvents").Row(&kept); err != nil {
					t.Fatal(err)
				}
				if kept > 2048 {
					t.Fatalf("kept %d bytes of an unverified payload", kept)
				}
			},
		},
		{
			Name:            "a trade waiting for the buyer",
			Body:            strings.NewReader(signedWith("trade_status", "WAIT_BUYER_PAY")),
			BeforeTestFunc:  withOrder,
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("pending", "ignored"),
		},
		{
			Name: "a payment of an order closed before",
			Body: strings.NewReader(paid.Encode()),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
				order.Set("status", "closed")
				if err := app.Save(order); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{"success"},
			AfterTestFunc:   expect("paid", "paid"),
		},
	}
	for _, s := range scenarios {
		s.Method = http.MethodPost
		s.URL = "/api/blog/payments/alipay/notify"
		s.Headers = formHeaders
		s.TestAppFactory = env.factory()
		s.Test(t)
	}

	t.Run("a Stripe order", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "stripe", 0)
		form := env.alipay.SignedNotification(order.GetString("outTradeNo"), "1", "TRADE_SUCCESS", "9.90")
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/payments/alipay/notify", form.Encode(), "", "Content-Type", formType)
		if rec.Code != 400 || orderStatus(t, app, order.Id) != "pending" || !slices.Equal(eventOutcomes(t, app), []string{"wrong_provider"}) {
			t.Fatalf("%d %s %v", rec.Code, rec.Body, eventOutcomes(t, app))
		}
	})

	t.Run("not configured", func(t *testing.T) {
		app := newTestAppWith(t, env.configChanged(map[string]string{"BLOG_ALIPAY_PUBLIC_KEY": ""}))
		defer app.Cleanup()
		newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/payments/alipay/notify", paid.Encode(), "", "Content-Type", formType)
		if rec.Code != 503 || rec.Body.String() != "failure" || !slices.Equal(eventOutcomes(t, app), []string{"not_configured"}) {
			t.Fatalf("%d %s %v", rec.Code, rec.Body, eventOutcomes(t, app))
		}
	})
}

// TestAlipayNotifyConcurrentDuplicates sends one paid notification 100
// times at once: the order moves once, every copy is recorded and
// answered "success".
func TestAlipayNotifyConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	app := env.app(t)
	defer app.Cleanup()
	order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	body := env.alipay.SignedNotification(order.GetString("outTradeNo"), "2026112222001", "TRADE_SUCCESS", "9.90").Encode()
	h := serve(t, app)

	const copies = 100
	var wg sync.WaitGroup
	answers := make(chan string, copies)
	for range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := send(t, h, http.MethodPost, "/api/blog/payments/alipay/notify", body, "", "Content-Type", formType)
			answers <- rec.Body.String()
		}()
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if a != "success" {
			t.Fatalf("answered %q", a)
		}
	}

	outcomes := eventOutcomes(t, app)
	paidCount := 0
	for _, o := range outcomes {
		switch o {
		case "paid":
			paidCount++
		case "already_paid":
		default:
			t.Fatalf("outcome %q", o)
		}
	}
	if len(outcomes) != copies || paidCount != 1 {
		t.Fatalf("%d events, %d transitions; want %d and 1", len(outcomes), paidCount, copies)
	}
	if orderStatus(t, app, order.Id) != "paid" {
		t.Fatal("order not paid")
	}
}

// TestAlipayReturn pins the return route: verified parameters, an active
// query for a pending order, then a redirect to the post.
func TestAlipayReturn(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	bobsOrder := outTradeNoOf(fx.bobId, fx.alicePaid, "alipay")
	returnQuery := env.alipay.Sign(url.Values{
		"app_id": {env.alipay.AppID}, "method": {"alipay.trade.page.pay.return"}, "charset": {"utf-8"},
		"out_trade_no": {bobsOrder}, "trade_no": {"2026112222001"}, "total_amount": {"9.90"},
		"seller_id": {env.alipay.SellerID}, "timestamp": {"2026-11-22 20:00:00"}, "version": {"1.0"},
	}).Encode()

	cases := []struct {
		name       string
		query      string
		trade      string // what the gateway says: "" none, else a trade status
		failing    bool
		wantCode   int
		wantStatus string
	}{
		{"the gateway says paid", returnQuery, "TRADE_SUCCESS", false, 303, "paid"},
		{"the gateway says waiting", returnQuery, "WAIT_BUYER_PAY", false, 303, "pending"},
		{"the gateway knows no trade yet", returnQuery, "", false, 303, "pending"},
		{"the gateway is down", returnQuery, "TRADE_SUCCESS", true, 303, "pending"},
		{"a tampered return", strings.Replace(returnQuery, "total_amount=9.90", "total_amount=0.01", 1), "TRADE_SUCCESS", false, 400, "pending"},
		{"an unsigned return", "out_trade_no=" + bobsOrder, "TRADE_SUCCESS", false, 400, "pending"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := env.app(t)
			defer app.Cleanup()
			order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
			env.alipay.RemoveTrade(bobsOrder)
			if c.trade != "" {
				env.alipay.SetTrade(bobsOrder, "2026112222001", c.trade, "9.90")
			}
			if c.failing {
				env.alipay.FailQueries(10)
				defer env.alipay.FailQueries(0)
			}
			rec := send(t, serve(t, app), http.MethodGet, "/api/blog/payments/alipay/return?"+c.query, "", "")
			if rec.Code != c.wantCode {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if c.wantCode == 303 {
				want := testPublicURL + "/posts/" + fx.alicePaid + "?order=" + order.Id
				if got := rec.Header().Get("Location"); got != want {
					t.Fatalf("redirected to %q, want %q", got, want)
				}
			}
			if got := orderStatus(t, app, order.Id); got != c.wantStatus {
				t.Fatalf("order %s, want %s", got, c.wantStatus)
			}
		})
	}

	t.Run("a paid order is not queried again", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
		order.Set("status", "paid")
		if err := app.Save(order); err != nil {
			t.Fatal(err)
		}
		before := env.alipay.Queries()
		rec := send(t, serve(t, app), http.MethodGet, "/api/blog/payments/alipay/return?"+returnQuery, "", "")
		if rec.Code != 303 || env.alipay.Queries() != before {
			t.Fatalf("%d, %d queries", rec.Code, env.alipay.Queries()-before)
		}
	})

	t.Run("an unknown order", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		rec := send(t, serve(t, app), http.MethodGet, "/api/blog/payments/alipay/return?"+returnQuery, "", "")
		if rec.Code != 404 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// mustOrderId finds the id of the order with our trade number.
func mustOrderId(t testing.TB, app core.App, outTradeNo string) string {
	t.Helper()
	order, err := app.FindFirstRecordByData("orders", "outTradeNo", outTradeNo)
	if err != nil {
		t.Fatalf("order %s: %v", outTradeNo, err)
	}
	return order.Id
}

// TestDuplicatePayment: a buyer who pays two orders for one post (Alipay
// and Stripe pages both left open) has both credited, the second flagged
// for a refund; a third pending order is closed.
func TestDuplicatePayment(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	app := env.app(t)
	defer app.Cleanup()
	h := serve(t, app)
	viaAlipay := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	viaStripe := newOrder(t, app, fx.bobId, fx.alicePaid, "stripe", 0)

	form := env.alipay.SignedNotification(viaAlipay.GetString("outTradeNo"), "2026112222001", "TRADE_SUCCESS", "9.90")
	rec := send(t, h, http.MethodPost, "/api/blog/payments/alipay/notify", form.Encode(), "", "Content-Type", formType)
	if rec.Body.String() != "success" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if orderStatus(t, app, viaStripe.Id) != "closed" {
		t.Fatal("the other pending order was left open")
	}

	payload, header := stripeEvent(t, "evt_late", "checkout.session.completed", paidSession(viaStripe, 990), time.Now())
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/payments/stripe/webhook", payload, "", "Stripe-Signature", header), 200)
	if orderStatus(t, app, viaStripe.Id) != "paid" {
		t.Fatal("a real payment was not credited")
	}
	if got := eventOutcomes(t, app); !slices.Equal(got, []string{"paid", "duplicate_payment"}) {
		t.Fatalf("events %v", got)
	}
}
