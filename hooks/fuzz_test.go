package hooks_test

// Fuzz targets for the public HTTP surface: whatever a client or a
// payment provider's impostor sends, the answer is never a 500 (a panic
// in a handler becomes one through PocketBase's recovery), stored bodies
// stay sanitized and no order is moved by a message nobody signed.
//
// Each target builds one app for the whole run and sends every input as a
// real request through its handler. Fixture ids, keys and signing secrets
// are made afresh in every process (and `go test -fuzz` runs its inputs
// in worker processes), so inputs name them by placeholders, e.g.
// {{order}}, which each process replaces with its own values, and the
// payment targets can have an input signed in the process (resign).
//
// `go test ./hooks` runs the seeds below and those in testdata/fuzz;
// scripts/fuzz.sh runs the fuzzer itself.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/hooks"

	"github.com/stripe/stripe-go/v85/webhook"

	"blogbase/internal/alipay"
	"blogbase/internal/content/contenttest"
)

// newFuzzApp is the one app a fuzz target sends all its inputs to. Its
// rate limits are off: a fuzzer sends far more requests from one address
// than any client may. Its logs are not kept: a log table growing with
// every input would change the paths taken in SQLite (which is Go code,
// instrumented too) from one input to the next, and the fuzzer would take
// that for new coverage.
func newFuzzApp(f *testing.F, config hooks.Config) (*tests.TestApp, http.Handler) {
	f.Helper()
	app := newTestAppWith(f, config)
	f.Cleanup(app.Cleanup)
	app.Settings().RateLimits.Enabled = false
	app.Settings().Logs.MaxDays = 0
	if err := app.Save(app.Settings()); err != nil {
		f.Fatal(err)
	}
	return app, serve(f, app)
}

// expectStatus fails unless the answer's status is one of allowed; a 5xx
// is reported as such, with the body.
func expectStatus(t *testing.T, rec *httptest.ResponseRecorder, what string, allowed ...int) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: server error %d: %s", what, rec.Code, rec.Body)
	}
	if !slices.Contains(allowed, rec.Code) {
		t.Fatalf("%s: status %d, want one of %v: %s", what, rec.Code, allowed, rec.Body)
	}
}

// FuzzListingQuery sends GET /api/blog/posts with arbitrary page, perPage,
// author, sort and cursor values: the answer is a listing (200, or 304
// when revalidated) or a 400, never anything else. In any value
// {{next}} stands for a real nextCursor, {{alice}} for alice's id, and a
// cursor "{{signed}}JSON" for that JSON payload signed with the real
// cursor key, so that the fuzzer reaches what a cursor holds, past its MAC.
func FuzzListingQuery(f *testing.F) {
	app, h := newFuzzApp(f, hooks.DefaultConfig())

	first := send(f, h, http.MethodGet, "/api/blog/posts?perPage=1", "", "")
	var firstPage struct {
		NextCursor *string `json:"nextCursor"`
	}
	if err := json.Unmarshal(first.Body.Bytes(), &firstPage); err != nil || firstPage.NextCursor == nil {
		f.Fatalf("first page without a cursor: %d %s", first.Code, first.Body)
	}
	next := *firstPage.NextCursor

	// the cursor key as the server derives it; checked on the real cursor
	// so that a change there fails here rather than quietly leaving every
	// signed input at the MAC check
	superusers, err := app.FindCachedCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		f.Fatal(err)
	}
	key := sha256.Sum256([]byte("blogbase listing cursor\x00" + superusers.AuthToken.Secret))
	signCursor := func(payload string) string {
		m := hmac.New(sha256.New, key[:])
		m.Write([]byte(payload))
		return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
			base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	realPayload, _, _ := strings.Cut(next, ".")
	if decoded, err := base64.RawURLEncoding.DecodeString(realPayload); err != nil || signCursor(string(decoded)) != next {
		f.Fatalf("the cursor key derivation changed: %s", next)
	}

	expand := strings.NewReplacer("{{next}}", next, "{{alice}}", fx.aliceId, "{{bob}}", fx.bobId)
	seeds := [][5]string{
		{"", "", "", "", ""},
		{"1", "20", "", "-published", ""},
		{"2", "1", "alice", "published", ""},
		{"007", "+1", "{{alice}}", "", ""},
		{"", "1", "", "", "{{next}}"},
		{"5", "1", "", "-published", "{{next}}"},
		{"", "", "{{alice}}", "", "{{next}}"},
		{"", "", "", "published", "{{next}}"},
		{"", "", "", "", "{{next}}x"},
		{"", "", "", "", "x{{next}}"},
		{"", "", "", "", "{{next}}.{{next}}"},
		{"", "", "", "", "eyJwIjoiIiwiaSI6IiIsInMiOiIiLCJuIjoyfQ.AAAAAAAAAAAAAAAAAAAAAA"},
		{"", "", "", "", `{{signed}}{"p":"2000-01-01 00:00:00.000Z","i":"aaaaaaaaaaaaaaa","s":"-published","n":2}`},
		{"", "1", "", "", `{{signed}}{"p":"2999-12-31 23:59:59.999Z","i":"zzzzzzzzzzzzzzz","s":"-published","a":"bob","n":9223372036854775807}`},
		{"", "", "", "", `{{signed}}{"p":"not a date","i":"x","s":"up","n":-1}`},
		{"", "", "", "", `{{signed}}{"p":"2000-01-01","i":"aaaaaaaaaaaaaaa","s":"published","n":2.5}`},
		{"", "", "", "", `{{signed}}null`},
		{"99999999999999999999", "99999999999999999999", "", "", ""},
		{"-1", "-1", "", "", ""},
		{"0", "0", "", "", ""},
		{"1000000", "100", "", "", ""},
		{"1000001", "101", "", "", ""},
		{"0x10", "1e3", "", "", ""},
		{"１", "٣", "作者", "－published", "ü.ü"},
		{"1", "1", strings.Repeat("a", 65), strings.Repeat("-", 17), strings.Repeat("A", 600)},
		{"1", "1", "' OR 1=1 --", "published; DROP TABLE posts", "%00"},
		{"\x00", "\xff", "\xed\xa0\x80", "\n", "."},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}

	f.Fuzz(func(t *testing.T, page, perPage, author, sort, cursor string) {
		cursor = expand.Replace(cursor)
		if payload, ok := strings.CutPrefix(cursor, "{{signed}}"); ok {
			cursor = signCursor(payload)
		}
		query := "page=" + url.QueryEscape(expand.Replace(page)) +
			"&perPage=" + url.QueryEscape(expand.Replace(perPage)) +
			"&author=" + url.QueryEscape(expand.Replace(author)) +
			"&sort=" + url.QueryEscape(expand.Replace(sort)) +
			"&cursor=" + url.QueryEscape(cursor)
		target := "/api/blog/posts?" + query

		rec := send(t, h, http.MethodGet, target, "", "")
		expectStatus(t, rec, target, http.StatusOK, http.StatusBadRequest)
		if rec.Code != http.StatusOK {
			return
		}
		var listed struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &listed); err != nil || listed.Items == nil {
			t.Fatalf("%s: not a listing: %v: %s", target, err, rec.Body)
		}
		if etag := rec.Header().Get("ETag"); etag != "" {
			again := send(t, h, http.MethodGet, target, "", "", "If-None-Match", etag)
			expectStatus(t, again, target+" revalidated", http.StatusOK, http.StatusNotModified)
		}
	})
}

// composeSeeds are the bodies FuzzComposePost and FuzzComposePostRaw start
// from: the classic ways of smuggling script past a sanitizer.
var composeSeeds = []string{
	"<p>Hello, <b>world</b></p>",
	"<script>alert(1)</script><p>after</p>",
	"<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt&#58;alert(1)">x</a>`,
	`<a href=" &#x6a;avascript:alert(1)">x</a>`,
	"<a href=\"java\tscript:alert(1)\">x</a>",
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">`,
	`<svg><script>alert(1)</script></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<p style="background:url(javascript:alert(1))" onclick="x()">p</p>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<!--<script>-->alert(1)`,
	`<div id="x" class="y" data-x="1" title="t" lang="en" dir="rtl">d</div>`,
	`<code class="language-go">x := 1</code>`,
	"\x00<p>\xff\xfe</p>",
	"",
}

// FuzzComposePost creates posts through POST /api/blog/posts as alice from
// arbitrary title, body, summary, slug and price (sent as the JSON value it
// spells when it is one, else as a string): the answer is a 201 or a 400,
// and a created post has exactly one content record whose body is safe.
func FuzzComposePost(f *testing.F) {
	app, h := newFuzzApp(f, hooks.DefaultConfig())

	for i, body := range composeSeeds {
		prices := []string{"0", "9.9", `"9.90"`, "-1", "1e309", "1000000.01", "null", `{"a":1}`, "0.001", "abc"}
		f.Add("Seed title", body, "", "", prices[i%len(prices)])
	}
	f.Add("", "<p>x</p>", "", "", "0")
	f.Add("  ", "   ", "  ", "", "0")
	f.Add(strings.Repeat("長", 300), "<p>x</p>", strings.Repeat("s", 501), "", "0")
	f.Add("T", "<p>x</p>", "", "Has Capitals", "0")
	f.Add("T", "<p>x</p>", "", "abcdefghijklmno", "0") // shaped like a record id
	f.Add("T", "<p>x</p>", "", strings.Repeat("a-", 60), "0")
	f.Add("你好 世界", "<p>x</p>", "<b>summary</b>", "", "9.9")

	f.Fuzz(func(t *testing.T, title, body, summary, slug, price string) {
		form := map[string]any{"title": title, "body": body, "summary": summary, "slug": slug, "status": "published"}
		if json.Valid([]byte(price)) {
			form["price"] = json.RawMessage(price)
		} else {
			form["price"] = price
		}
		payload, err := json.Marshal(form)
		if err != nil {
			t.Fatal(err)
		}
		rec := send(t, h, http.MethodPost, "/api/blog/posts", string(payload), fx.aliceToken)
		expectStatus(t, rec, "POST "+string(payload), http.StatusCreated, http.StatusBadRequest)
		checkCreatedPost(t, app, rec)
	})
}

// FuzzComposePostRaw is FuzzComposePost with the request body itself
// fuzzed, sent as JSON or, when form is set, as a form.
func FuzzComposePostRaw(f *testing.F) {
	app, h := newFuzzApp(f, hooks.DefaultConfig())

	for _, body := range composeSeeds {
		payload, _ := json.Marshal(map[string]any{"title": "Seed", "body": body, "status": "published"})
		f.Add(payload, false)
	}
	f.Add([]byte("title=Seed&status=published&price=9.9&body=%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Cp%3Eok%3C%2Fp%3E"), true)
	f.Add([]byte("title=1&body=2&price=true&summary=3"), true)
	f.Add([]byte(`{"title":1,"body":true,"price":"9.9"}`), false)
	f.Add([]byte(`{"title":"a","body":"<p>x</p>","title":"b"}`), false)
	f.Add([]byte(`{"title":"a","body":"<p>x</p>","author":"someone else","id":"aaaaaaaaaaaaaaa"}`), false)
	f.Add([]byte(`[1,2,3]`), false)
	f.Add([]byte(`{"title":"a","body":{"x":["<script>"]}}`), false)
	f.Add([]byte(`{"title":"a","body":"<p>x</p>","price":1e400}`), false)
	f.Add([]byte(`{`), false)
	f.Add([]byte("\xff\xfe\x00"), false)
	f.Add([]byte(""), true)

	f.Fuzz(func(t *testing.T, payload []byte, form bool) {
		contentType := "application/json"
		if form {
			contentType = "application/x-www-form-urlencoded"
		}
		rec := send(t, h, http.MethodPost, "/api/blog/posts", string(payload), fx.aliceToken, "Content-Type", contentType)
		expectStatus(t, rec, "POST "+contentType+" "+string(payload), http.StatusCreated, http.StatusBadRequest)
		checkCreatedPost(t, app, rec)
	})
}

// checkCreatedPost checks a created post (nothing for another answer): one
// content record, holding a safe body, which the answer shows. It then
// deletes the post, so that the app stays small however long the run.
func checkCreatedPost(t *testing.T, app core.App, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusCreated {
		return
	}
	var created struct {
		Id   string `json:"id"`
		Body string `json:"body"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.Id == "" {
		t.Fatalf("201 without a post: %v: %s", err, rec.Body)
	}
	post, err := app.FindRecordById("posts", created.Id)
	if err != nil {
		t.Fatalf("created post %s not found: %v", created.Id, err)
	}
	defer func() {
		if err := app.Delete(post); err != nil {
			t.Fatalf("deleting post %s: %v", post.Id, err)
		}
	}()

	if n := countRows(t, app, "postContents", dbx.HashExp{"post": post.Id}); n != 1 {
		t.Fatalf("post %s has %d content records, want 1", post.Id, n)
	}
	var stored string
	if err := app.DB().Select("body").From("postContents").Where(dbx.HashExp{"post": post.Id}).Row(&stored); err != nil {
		t.Fatal(err)
	}
	// JSON shows each byte of invalid UTF-8 as U+FFFD
	var shown string
	if err := json.Unmarshal([]byte(mustMarshal(t, stored)), &shown); err != nil || shown != created.Body {
		t.Fatalf("the answer shows another body than the stored one:\n%q\n%q", created.Body, stored)
	}
	if problem := contenttest.UnsafeHTML(stored); problem != "" {
		t.Fatalf("stored body %q: %s", stored, problem)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// alipayNotifySeeds are notification forms; {{order}}, {{app}} and
// {{seller}} stand for the process's order, app id and seller id.
var alipayNotifySeeds = []string{
	"notify_type=trade_status_sync&notify_id=n1&app_id={{app}}&out_trade_no={{order}}&trade_no=2026112222001&trade_status=TRADE_SUCCESS&total_amount=9.90&seller_id={{seller}}",
	"notify_type=trade_status_sync&notify_id=n2&app_id={{app}}&out_trade_no={{order}}&trade_no=2026112222001&trade_status=TRADE_CLOSED&total_amount=9.90",
	"notify_type=trade_status_sync&notify_id=n3&app_id={{app}}&out_trade_no={{order}}&trade_status=WAIT_BUYER_PAY&total_amount=9.90",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no={{order}}&trade_status=TRADE_SUCCESS&total_amount=0.01",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no={{order}}&trade_status=TRADE_SUCCESS&total_amount=9.9000",
	"notify_type=trade_status_sync&app_id=2021000000000002&out_trade_no={{order}}&trade_status=TRADE_SUCCESS&total_amount=9.90",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no=T_nope&trade_status=TRADE_SUCCESS&total_amount=9.90",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no=&trade_status=TRADE_FINISHED&total_amount=9.90",
	"method=alipay.trade.page.pay.return&app_id={{app}}&out_trade_no={{order}}&total_amount=9.90",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no={{order}}&trade_status=TRADE_SUCCESS&total_amount=9.90&total_amount=0.01",
	"notify_type=trade_status_sync&app_id={{app}}&out_trade_no={{order}}%27%20OR%201%3D1&trade_status=TRADE_SUCCESS&total_amount=9.90",
}

// FuzzAlipayNotify sends arbitrary forms to POST
// /api/blog/payments/alipay/notify, signed by the process's fake Alipay
// when resign is set: the answer is "success" (200) or "failure" (400,
// 413), never a 500; only a verified notification for this order with its
// exact amount moves the order, and only as its trade_status says. In the
// form, {{big}} stands for 64 KiB: inputs stay small enough to minimize.
func FuzzAlipayNotify(f *testing.F) {
	env := newPaymentsEnv(f)
	app, h := newFuzzApp(f, env.config)
	order := newOrder(f, app, fx.bobId, fx.alicePaid, "alipay", 0)
	outTradeNo := order.GetString("outTradeNo")
	verifier := env.alipay.Client()
	expand := strings.NewReplacer("{{order}}", outTradeNo, "{{app}}", env.alipay.AppID, "{{seller}}", env.alipay.SellerID,
		"{{big}}", strings.Repeat("x", 64<<10))

	// signed in this process: valid in `go test`, stale in fuzz workers
	valid := env.alipay.SignedNotification(outTradeNo, "2026112222001", "TRADE_SUCCESS", "9.90")
	f.Add(valid.Encode(), false)
	tampered := url.Values{}
	for k, v := range valid {
		tampered[k] = slices.Clone(v)
	}
	tampered.Set("total_amount", "0.01")
	f.Add(tampered.Encode(), false)
	tampered.Set("total_amount", "9.90")
	tampered.Set("sign", tampered.Get("sign")[:40])
	f.Add(tampered.Encode(), false)
	f.Add(valid.Encode()+"&out_trade_no=other", false)
	f.Add(valid.Encode()+"&sign=AAAA", false)
	f.Add(strings.Replace(valid.Encode(), "sign_type=RSA2", "sign_type=RSA", 1), false)

	for _, seed := range alipayNotifySeeds {
		f.Add(seed, true)
		f.Add(seed+"&sign_type=RSA2&sign=AAAA", false)
	}
	f.Add("", false)
	f.Add("%", false)
	f.Add("a=1;b=2", false)
	f.Add("sign=&sign_type=", false)
	f.Add("sign_type=RSA2&sign=%%%", false)
	f.Add("notify_id={{big}}", false)
	f.Add("notify_type=trade_status_sync&app_id={{app}}&out_trade_no={{order}}&trade_status=TRADE_SUCCESS&total_amount=9.90&subject={{big}}", true)
	f.Add("\x00\xff=\xfe", true)
	f.Add(`{"notify_type":"trade_status_sync"}`, false)

	f.Fuzz(func(t *testing.T, form string, resign bool) {
		form = expand.Replace(form)
		if resign {
			if params, err := url.ParseQuery(form); err == nil {
				form = env.alipay.Sign(params).Encode()
			}
		}
		rec := send(t, h, http.MethodPost, "/api/blog/payments/alipay/notify", form, "", "Content-Type", "application/x-www-form-urlencoded")
		expectStatus(t, rec, "notification "+form, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable)
		if answer := rec.Body.String(); answer != "success" && answer != "failure" {
			t.Fatalf("answered %q to %s", answer, form)
		}

		params, parseErr := url.ParseQuery(form)
		verified := parseErr == nil && len(form) <= 64<<10 && verifier.VerifyCallback(params) == nil
		if rec.Code == http.StatusOK && !verified {
			t.Fatalf("success for a notification that does not verify: %s", form)
		}
		n := alipay.ParseNotification(params)
		cents, amountErr := alipay.ParseAmount(n.TotalAmount)
		ours := verified && n.AppID == env.alipay.AppID && n.NotifyType == "trade_status_sync" &&
			n.OutTradeNo == outTradeNo && amountErr == nil && cents == 990

		defer resetPayments(t, app, order.Id)
		switch status := orderStatus(t, app, order.Id); status {
		case "pending":
		case "paid":
			if !ours || (n.TradeStatus != "TRADE_SUCCESS" && n.TradeStatus != "TRADE_FINISHED") {
				t.Fatalf("order paid by %s", form)
			}
		case "closed":
			if !ours || n.TradeStatus != "TRADE_CLOSED" {
				t.Fatalf("order closed by %s", form)
			}
		default:
			t.Fatalf("order %s after %s", status, form)
		}
	})
}

// resetPayments puts the order back to pending and forgets the payment
// events, for the next input to find the app as the first did.
func resetPayments(t *testing.T, app core.App, orderId string) {
	t.Helper()
	_, err := app.DB().NewQuery("UPDATE orders SET status = 'pending', paidAt = '', tradeNo = '' WHERE id = {:id}").
		Bind(dbx.Params{"id": orderId}).Execute()
	if err == nil {
		_, err = app.DB().NewQuery("DELETE FROM paymentEvents").Execute()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzStripeWebhook sends arbitrary bodies and Stripe-Signature headers to
// POST /api/blog/payments/stripe/webhook; with resign set, the body is
// signed with the webhook secret instead. The answer is 200, 400 or 413,
// never a 500; only a verified event about this order moves it, and a
// payment only for its exact amount. In the body {{order}} stands for the
// process's order id, {{big}} for 512 KiB of spaces and {{deep}} for
// 20,000 "[".
func FuzzStripeWebhook(f *testing.F) {
	env := newPaymentsEnv(f)
	app, h := newFuzzApp(f, env.config)
	order := newOrder(f, app, fx.bobId, fx.alicePaid, "stripe", 0)
	expand := strings.NewReplacer("{{order}}", order.Id,
		"{{big}}", strings.Repeat(" ", 512<<10), "{{deep}}", strings.Repeat("[", 20_000))

	// signed in this process: valid in `go test`, stale in fuzz workers
	payload, header := stripeEvent(f, "evt_seed_paid", "checkout.session.completed", paidSession(order, 990), time.Now())
	f.Add(payload, header, false)
	f.Add(strings.Replace(payload, "990", "1", 1), header, false)
	f.Add(payload, strings.Replace(header, "v1=", "v1=0", 1), false)
	f.Add(payload, header+",v1=00", false)
	old, oldHeader := stripeEvent(f, "evt_seed_old", "checkout.session.completed", paidSession(order, 990), time.Now().Add(-time.Hour))
	f.Add(old, oldHeader, false)
	future, futureHeader := stripeEvent(f, "evt_seed_future", "checkout.session.completed", paidSession(order, 990), time.Now().Add(time.Hour))
	f.Add(future, futureHeader, false)
	f.Add(payload, webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: []byte(payload), Secret: "whsec_other", Timestamp: time.Now(),
	}).Header, false)

	session := func(ref, meta string, amount int64, currency, paymentStatus string) string {
		s, _ := json.Marshal(map[string]any{
			"id": "cs_test_fuzz", "object": "checkout.session", "client_reference_id": ref,
			"metadata": map[string]string{"orderId": meta}, "status": "complete",
			"payment_status": paymentStatus, "amount_total": amount, "currency": currency,
		})
		return string(s)
	}
	event := func(id, eventType, object string) string {
		return `{"id":"` + id + `","object":"event","type":"` + eventType + `","api_version":"2020-08-27","created":1700000000,"data":{"object":` + object + `}}`
	}
	for i, e := range []string{
		event("evt_1", "checkout.session.completed", session("{{order}}", "{{order}}", 990, "cny", "paid")),
		event("evt_2", "checkout.session.completed", session("{{order}}", "", 990, "cny", "unpaid")),
		event("evt_3", "checkout.session.async_payment_succeeded", session("", "{{order}}", 990, "CNY", "paid")),
		event("evt_4", "checkout.session.async_payment_failed", session("{{order}}", "", 990, "cny", "unpaid")),
		event("evt_5", "checkout.session.expired", session("{{order}}", "", 990, "cny", "unpaid")),
		event("evt_6", "checkout.session.completed", session("{{order}}", "", 1, "cny", "paid")),
		event("evt_7", "checkout.session.completed", session("{{order}}", "", 990, "usd", "paid")),
		event("evt_8", "checkout.session.completed", session("{{order}}", "other", 990, "cny", "paid")),
		event("evt_9", "checkout.session.completed", session("nosuchorder0000", "", 990, "cny", "paid")),
		event("evt_10", "checkout.session.completed", session("", "", 990, "cny", "paid")),
		event("evt_11", "payment_intent.succeeded", `{"id":"pi_1"}`),
		event("evt_12", "checkout.session.completed", `"not an object"`),
		event("evt_13", "checkout.session.completed", `{"amount_total":"990","client_reference_id":["{{order}}"]}`),
		`{"id":"evt_14","object":"event","type":"checkout.session.completed"}`,
		`{"id":"evt_15","type":"checkout.session.completed","data":null}`,
		`{}`, `null`, `[]`, `{`, ``,
	} {
		f.Add(e, "", true)
		if i%4 == 0 {
			f.Add(e, "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd", false)
		}
	}
	f.Add("", "", false)
	f.Add("garbage", "garbage", false)
	f.Add("{}", "t=,v1=", false)
	f.Add("{}", "t=99999999999999999999,v1=00", false)
	f.Add("{}", "t=-1,v0=00,v1=", false)
	f.Add("{}", strings.Repeat("v1=00,", 100), false)
	f.Add("{{deep}}", "", true)
	f.Add(`{"id":"evt_big","type":"checkout.session.completed"}{{big}}`, "", true)

	f.Fuzz(func(t *testing.T, body, signature string, resign bool) {
		body = expand.Replace(body)
		if resign {
			signature = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
				Payload: []byte(body), Secret: testWebhookSecret, Timestamp: time.Now(),
			}).Header
		}
		rec := send(t, h, http.MethodPost, "/api/blog/payments/stripe/webhook", body, "", "Stripe-Signature", signature)
		expectStatus(t, rec, "webhook "+signature+" "+body, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable)

		verified := len(body) <= 512<<10 && webhook.ValidatePayload([]byte(body), signature, testWebhookSecret) == nil
		if rec.Code == http.StatusOK && !verified {
			t.Fatalf("200 for an event that does not verify: %s %s", signature, body)
		}

		defer resetPayments(t, app, order.Id)
		status := orderStatus(t, app, order.Id)
		if status == "pending" {
			return
		}
		var event struct {
			Type string `json:"type"`
			Data struct {
				Object json.RawMessage `json:"object"`
			} `json:"data"`
		}
		var s struct {
			ClientReferenceID string            `json:"client_reference_id"`
			Metadata          map[string]string `json:"metadata"`
			AmountTotal       int64             `json:"amount_total"`
			Currency          string            `json:"currency"`
		}
		decoded := json.Unmarshal([]byte(body), &event) == nil && json.Unmarshal(event.Data.Object, &s) == nil
		ref := s.ClientReferenceID
		if ref == "" {
			ref = s.Metadata["orderId"]
		}
		ours := verified && decoded && ref == order.Id
		switch status {
		case "paid":
			if !ours || (event.Type != "checkout.session.completed" && event.Type != "checkout.session.async_payment_succeeded") ||
				s.AmountTotal != 990 || !strings.EqualFold(s.Currency, "cny") {
				t.Fatalf("order paid by %s %s", signature, body)
			}
		case "closed":
			if !ours || (event.Type != "checkout.session.async_payment_failed" && event.Type != "checkout.session.expired") {
				t.Fatalf("order closed by %s %s", signature, body)
			}
		default:
			t.Fatalf("order %s after %s %s", status, signature, body)
		}
	})
}
