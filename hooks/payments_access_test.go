package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// paidBodyText is in alice's paid body (see the fixture).
const paidBodyText = "alice paid body"

// TestPaidBodyAccess checks who reads the body of alice's paid post,
// through every read path, once bob has paid for it: bob (the buyer),
// alice (the author) and superusers do; guests and carol, who holds a
// pending and a closed order for it, do not, nor does anyone through the
// paid order of a deleted user.
func TestPaidBodyAccess(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	carol, carolToken := newCarol(t, app)
	setStatus := func(o *core.Record, status string) {
		o.Set("status", status)
		if err := app.Save(o); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0), "paid")
	newOrder(t, app, carol.Id, fx.alicePaid, "alipay", 0)
	setStatus(newOrder(t, app, carol.Id, fx.alicePaid, "stripe", 0), "closed")
	// a paid order whose buyer was deleted keeps an empty buyer
	setStatus(newOrder(t, app, "", fx.alicePaid, "alipay", 0), "paid")
	h := serve(t, app)

	actors := []struct {
		name, token string
		reads       bool
	}{
		{"guest", "", false},
		{"carol (pending and closed orders)", carolToken, false},
		{"bob (paid)", fx.bobToken, true},
		{"alice (author)", fx.aliceToken, true},
		{"superuser", fx.superuserToken, true},
	}
	paths := []struct {
		name, target string
		// readable tells from the answer whether the body came through;
		// nil means: the body text appears in it
		readable func(code int, body string) bool
	}{
		{"blog route", "/api/blog/posts/" + fx.alicePaid, func(code int, body string) bool {
			if code != 200 {
				return false
			}
			locked := strings.Contains(body, `"locked":true`)
			if locked == strings.Contains(body, paidBodyText) {
				panic("locked and body disagree: " + body)
			}
			return !locked
		}},
		{"collections view", "/api/collections/postContents/records/" + fx.alicePaidContent, nil},
		{"collections list by post", "/api/collections/postContents/records?filter=" + urlQuery(`post="`+fx.alicePaid+`"`), nil},
		{"filter on the body", "/api/collections/postContents/records?filter=" + urlQuery(`body~"alice paid"`), nil},
		{"expand from the post", "/api/collections/posts/records/" + fx.alicePaid + "?expand=postContents_via_post", nil},
		{"expand through the listing", "/api/collections/posts/records?expand=postContents_via_post&perPage=100", nil},
		{"expand through orders", "/api/collections/orders/records?expand=" + urlQuery("post.postContents_via_post"), nil},
		{"expand through comments", "/api/collections/comments/records/" + fx.commentOnPaid + "?expand=" + urlQuery("post.postContents_via_post"), nil},
	}

	checked := 0
	for _, a := range actors {
		for _, p := range paths {
			rec := send(t, h, http.MethodGet, p.target, "", a.token)
			if rec.Code >= 500 {
				t.Fatalf("%s, %s: %d %s", a.name, p.name, rec.Code, rec.Body)
			}
			var got bool
			if p.readable != nil {
				got = p.readable(rec.Code, rec.Body.String())
			} else {
				got = strings.Contains(rec.Body.String(), paidBodyText)
			}
			// nobody reads through orders or comments what they cannot
			// read directly; guests and carol may not read at all
			if got && !a.reads {
				t.Errorf("%s read the paid body through %s: %s", a.name, p.name, rec.Body)
			}
			// the direct paths must work for those who may read
			direct := !strings.HasPrefix(p.name, "expand through") && p.name != "filter on the body"
			if a.reads && direct && !got {
				t.Errorf("%s could not read the paid body through %s: %d %s", a.name, p.name, rec.Code, rec.Body)
			}
			checked++
		}
	}

	// a buyer may read, not write
	batch := `{"requests":[{"method":"PATCH","url":"/api/collections/postContents/records/` + fx.alicePaidContent + `","body":{"body":"<p>mine now</p>"}}]}`
	if rec := send(t, h, http.MethodPost, "/api/batch", batch, fx.bobToken); rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("bob's batch edit of the paid body: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+fx.alicePaidContent, `{"body":"x"}`, fx.bobToken); rec.Code != 404 && rec.Code != 403 {
		t.Fatalf("bob's edit of the paid body: %d %s", rec.Code, rec.Body)
	}
	t.Logf("%d actor × path cases checked", checked)
}

// TestPaidBodyRealtime: once paid, the buyer hears changes of the body;
// carol (pending order) and guests do not.
func TestPaidBodyRealtime(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	if _, err := apis.NewRouter(app); err != nil { // binds the realtime broadcasts
		t.Fatal(err)
	}
	carol, _ := newCarol(t, app)
	paid := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	paid.Set("status", "paid")
	if err := app.Save(paid); err != nil {
		t.Fatal(err)
	}
	newOrder(t, app, carol.Id, fx.alicePaid, "alipay", 0)
	bob, err := app.FindRecordById("users", fx.bobId)
	if err != nil {
		t.Fatal(err)
	}

	listeners := map[string]*core.Record{"guest": nil, "carol": carol, "bob": bob}
	var mu sync.Mutex
	heard := map[string][]string{}
	var wg sync.WaitGroup
	for name, record := range listeners {
		client := subscriptions.NewDefaultClient()
		if record != nil {
			client.Set(apis.RealtimeClientAuthKey, record)
		}
		client.Subscribe("postContents/"+fx.alicePaidContent, "postContents/*")
		app.SubscriptionsBroker().Register(client)
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := time.After(time.Second)
			for {
				select {
				case msg := <-client.Channel():
					mu.Lock()
					heard[name] = append(heard[name], string(msg.Data))
					mu.Unlock()
				case <-timeout:
					return
				}
			}
		}()
	}

	content, err := app.FindRecordById("postContents", fx.alicePaidContent)
	if err != nil {
		t.Fatal(err)
	}
	content.Set("body", "<p>alice paid body, second edition</p>")
	if err := app.Save(content); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if !containsAny(heard["bob"], "second edition") {
		t.Errorf("the buyer missed the change: %v", heard["bob"])
	}
	for _, name := range []string{"guest", "carol"} {
		if containsAny(heard[name], "second edition") {
			t.Errorf("%s heard the paid body: %v", name, heard[name])
		}
	}
}

// TestOrdersRules: buyers and the post's author see orders, nobody else;
// nobody but superusers writes them through the collections or batch API;
// payment events are for superusers only.
func TestOrdersRules(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	carol, carolToken := newCarol(t, app)
	bobs := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	carols := newOrder(t, app, carol.Id, fx.alicePaid, "alipay", 0)
	h := serve(t, app)

	lists := []struct {
		name, token string
		want        []string
		hidden      []string
	}{
		{"guest", "", nil, []string{bobs.Id, carols.Id}},
		{"bob", fx.bobToken, []string{bobs.Id}, []string{carols.Id}},
		{"carol", carolToken, []string{carols.Id}, []string{bobs.Id}},
		{"alice (the post's author)", fx.aliceToken, []string{bobs.Id, carols.Id}, nil},
		{"superuser", fx.superuserToken, []string{bobs.Id, carols.Id}, nil},
	}
	for _, l := range lists {
		for _, target := range []string{
			"/api/collections/orders/records",
			"/api/collections/orders/records?filter=" + urlQuery(`buyer.username != ""`),
		} {
			rec := send(t, h, http.MethodGet, target, "", l.token)
			if rec.Code != 200 {
				t.Fatalf("%s listing orders: %d %s", l.name, rec.Code, rec.Body)
			}
			for _, id := range l.want {
				if !strings.Contains(rec.Body.String(), id) {
					t.Errorf("%s does not see order %s", l.name, id)
				}
			}
			for _, id := range l.hidden {
				if strings.Contains(rec.Body.String(), id) {
					t.Errorf("%s sees order %s", l.name, id)
				}
			}
			if l.token != fx.superuserToken && strings.Contains(rec.Body.String(), "payUrl") {
				t.Errorf("%s sees the hidden payUrl", l.name)
			}
		}
		rec := send(t, h, http.MethodGet, "/api/collections/orders/records/"+carols.Id, "", l.token)
		if want := strings.Contains(fmt.Sprint(l.want), carols.Id); (rec.Code == 200) != want {
			t.Errorf("%s viewing carol's order: %d", l.name, rec.Code)
		}
	}

	writes := []struct{ name, method, target, body, token string }{
		{"bob creating a paid order", http.MethodPost, "/api/collections/orders/records",
			`{"buyer":"` + fx.bobId + `","post":"` + fx.alicePaid + `","amount":9.9,"currency":"CNY","provider":"alipay","status":"paid"}`, fx.bobToken},
		{"carol paying her own order", http.MethodPatch, "/api/collections/orders/records/" + carols.Id, `{"status":"paid"}`, carolToken},
		{"alice marking an order of her post paid", http.MethodPatch, "/api/collections/orders/records/" + carols.Id, `{"status":"paid"}`, fx.aliceToken},
		{"carol deleting her order", http.MethodDelete, "/api/collections/orders/records/" + carols.Id, ``, carolToken},
		{"carol through the batch API", http.MethodPost, "/api/batch",
			`{"requests":[{"method":"PATCH","url":"/api/collections/orders/records/` + carols.Id + `","body":{"status":"paid"}}]}`, carolToken},
		{"bob writing a payment event", http.MethodPost, "/api/collections/paymentEvents/records",
			`{"provider":"alipay","kind":"notify","outcome":"paid","order":"` + bobs.Id + `"}`, fx.bobToken},
	}
	for _, w := range writes {
		rec := send(t, h, w.method, w.target, w.body, w.token)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%s: %d %s", w.name, rec.Code, rec.Body)
		}
	}
	if orderStatus(t, app, carols.Id) != "pending" || countRows(t, app, "orders", nil) != 2 || countRows(t, app, "paymentEvents", nil) != 0 {
		t.Fatal("a refused write changed something")
	}

	for _, token := range []string{"", fx.bobToken, fx.aliceToken} {
		rec := send(t, h, http.MethodGet, "/api/collections/paymentEvents/records", "", token)
		if rec.Code != 403 && !(rec.Code == 200 && strings.Contains(rec.Body.String(), `"totalItems":0`)) {
			t.Errorf("payment events listed for a non-superuser: %d %s", rec.Code, rec.Body)
		}
	}

	// superusers write orders from the dashboard: missing parts are filled
	rec := send(t, h, http.MethodPost, "/api/collections/orders/records",
		`{"buyer":"`+carol.Id+`","post":"`+fx.alicePaid+`","amount":9.9,"currency":"cny","provider":"alipay","status":"paid"}`, fx.superuserToken)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"currency":"CNY"`) || strings.Contains(rec.Body.String(), `"paidAt":""`) ||
		!strings.Contains(rec.Body.String(), `"subject":"Alice paid essay"`) || strings.Contains(rec.Body.String(), `"outTradeNo":""`) {
		t.Fatalf("superuser order: %d %s", rec.Code, rec.Body)
	}
	rec = send(t, h, http.MethodPatch, "/api/collections/orders/records/"+bobs.Id, `{"outTradeNo":"T_changed"}`, fx.superuserToken)
	if rec.Code != 400 {
		t.Fatalf("changing a trade number: %d %s", rec.Code, rec.Body)
	}
	rec = send(t, h, http.MethodPatch, "/api/collections/orders/records/"+bobs.Id, `{"amount":9.999}`, fx.superuserToken)
	if rec.Code != 400 {
		t.Fatalf("an amount in fractions of a cent: %d %s", rec.Code, rec.Body)
	}
}

// newCarol adds a third user, carol, and a token of hers.
func newCarol(t testing.TB, app core.App) (*core.Record, string) {
	t.Helper()
	carol, err := createUser(app, "carol", "carol@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	token, err := carol.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return carol, token
}

// TestOrdersOutliveTheirPostAndBuyer: deleting a post or a user keeps
// their orders, the relation emptied, and opens nothing to anyone.
func TestOrdersOutliveTheirPostAndBuyer(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	order := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	order.Set("status", "paid")
	if err := app.Save(order); err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	expectCode(t, send(t, h, http.MethodDelete, "/api/collections/users/records/"+fx.bobId, "", fx.bobToken), 204)
	kept, err := app.FindRecordById("orders", order.Id)
	if err != nil || kept.GetString("buyer") != "" || kept.GetString("status") != "paid" {
		t.Fatalf("after the buyer left: %v %v", kept, err)
	}
	// a paid order without a buyer opens the body to no guest
	if rec := send(t, h, http.MethodGet, "/api/blog/posts/"+fx.alicePaid, "", ""); !strings.Contains(rec.Body.String(), `"locked":true`) {
		t.Fatalf("guest view: %s", rec.Body)
	}

	expectCode(t, send(t, h, http.MethodDelete, "/api/blog/posts/"+fx.alicePaid, "", fx.aliceToken), 204)
	kept, err = app.FindRecordById("orders", order.Id)
	if err != nil || kept.GetString("post") != "" || kept.GetString("subject") != "Alice paid essay" {
		t.Fatalf("after the post went: %v %v", kept, err)
	}
}
