package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/stripe/stripe-go/v85/webhook"

	"blogbase/hooks"
	"blogbase/internal/alipay/alipaytest"
)

const (
	testPublicURL     = "http://blog.test"
	testStripeKey     = "sk_test_blogbase"
	testWebhookSecret = "whsec_blogbase_test"
)

// paymentsEnv is a configured payments setup: an Alipay platform and a
// Stripe API played by local HTTP servers, and the BLOG_* variables
// pointing at them (key files written in a temp dir), loaded as the
// server loads them.
type paymentsEnv struct {
	alipay *alipaytest.Platform
	stripe *fakeStripe
	vars   map[string]string
	config hooks.Config
}

// configChanged is the env's configuration loaded with the variables
// changed as given ("" unsets one).
func (env *paymentsEnv) configChanged(vars map[string]string) hooks.Config {
	return hooks.LoadConfig(func(name string) string {
		if value, ok := vars[name]; ok {
			return value
		}
		return env.vars[name]
	})
}

// app is a test app configured with the env.
func (env *paymentsEnv) app(t testing.TB) *tests.TestApp {
	return newTestAppWith(t, env.config)
}

// factory is a TestAppFactory configured with the env.
func (env *paymentsEnv) factory() func(testing.TB) *tests.TestApp {
	return appFactory(env.config)
}

func newPaymentsEnv(t testing.TB) *paymentsEnv {
	t.Helper()
	platform := alipaytest.New(t)
	dir := t.TempDir()
	privatePath := filepath.Join(dir, "app_private.pem")
	publicPath := filepath.Join(dir, "alipay_public.pem")
	if err := os.WriteFile(privatePath, alipaytest.PEM(platform.AppKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(publicPath, alipaytest.PEM(&platform.Key.PublicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	stripe := newFakeStripe(t)

	env := &paymentsEnv{alipay: platform, stripe: stripe, vars: map[string]string{
		"BLOG_PUBLIC_URL":            testPublicURL,
		"BLOG_ALIPAY_APP_ID":         platform.AppID,
		"BLOG_ALIPAY_PRIVATE_KEY":    privatePath,
		"BLOG_ALIPAY_PUBLIC_KEY":     publicPath,
		"BLOG_ALIPAY_GATEWAY":        platform.Server.URL,
		"BLOG_STRIPE_SECRET_KEY":     testStripeKey,
		"BLOG_STRIPE_WEBHOOK_SECRET": testWebhookSecret,
		"BLOG_STRIPE_API_BASE":       stripe.server.URL,
	}}
	env.config = env.configChanged(nil)
	return env
}

// fakeStripe plays the part of Stripe's API that checkout uses: creating,
// reading and expiring checkout sessions, idempotency keys honoured.
type fakeStripe struct {
	server *httptest.Server

	mu          sync.Mutex
	sessions    map[string]map[string]any
	idempotency map[string]string
	creates     int
	fail        bool
	refuse      string // when set, session creation answers 400 with it
}

func newFakeStripe(t testing.TB) *fakeStripe {
	f := &fakeStripe{sessions: map[string]map[string]any{}, idempotency: map[string]string{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testStripeKey {
		stripeError(w, http.StatusUnauthorized, "Invalid API Key provided")
		return
	}
	if f.fail {
		stripeError(w, http.StatusInternalServerError, "unavailable")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1/checkout/sessions")
	switch {
	case r.Method == http.MethodPost && path == "":
		if err := r.ParseForm(); err != nil {
			stripeError(w, http.StatusBadRequest, "bad form")
			return
		}
		if f.refuse != "" {
			stripeError(w, http.StatusBadRequest, f.refuse)
			return
		}
		if id, ok := f.idempotency[r.Header.Get("Idempotency-Key")]; ok {
			writeJSON(w, f.sessions[id])
			return
		}
		f.creates++
		id := fmt.Sprintf("cs_test_%d", f.creates)
		var amount int64
		fmt.Sscan(r.PostForm.Get("line_items[0][price_data][unit_amount]"), &amount)
		var expires int64
		fmt.Sscan(r.PostForm.Get("expires_at"), &expires)
		f.sessions[id] = map[string]any{
			"id": id, "object": "checkout.session", "url": "https://checkout.stripe.test/c/pay/" + id,
			"status": "open", "payment_status": "unpaid", "mode": r.PostForm.Get("mode"),
			"amount_total": amount, "currency": r.PostForm.Get("line_items[0][price_data][currency]"),
			"client_reference_id": r.PostForm.Get("client_reference_id"),
			"metadata":            map[string]string{"orderId": r.PostForm.Get("metadata[orderId]")},
			"success_url":         r.PostForm.Get("success_url"), "expires_at": expires,
		}
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			f.idempotency[key] = id
		}
		writeJSON(w, f.sessions[id])
	case r.Method == http.MethodGet && f.sessions[strings.TrimPrefix(path, "/")] != nil:
		writeJSON(w, f.sessions[strings.TrimPrefix(path, "/")])
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/expire"):
		s := f.sessions[strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/expire")]
		if s == nil || s["status"] != "open" {
			stripeError(w, http.StatusBadRequest, "session is not open")
			return
		}
		s["status"] = "expired"
		writeJSON(w, s)
	default:
		stripeError(w, http.StatusNotFound, "No such checkout session")
	}
}

// setSession changes a session as Stripe would once the buyer acts.
func (f *fakeStripe) setSession(id, status, paymentStatus string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[id]["status"] = status
	f.sessions[id]["payment_status"] = paymentStatus
}

func (f *fakeStripe) createCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates
}

func (f *fakeStripe) setRefusing(message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = message
}

func (f *fakeStripe) setFailing(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func stripeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": "invalid_request_error", "message": message}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// stripeEvent is a webhook delivery as Stripe signs it: the JSON event
// and its Stripe-Signature header, made at the given time.
func stripeEvent(t testing.TB, id, eventType string, session map[string]any, at time.Time) (string, string) {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": eventType, "api_version": "2020-08-27",
		"created": at.Unix(), "data": map[string]any{"object": session},
	})
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: testWebhookSecret, Timestamp: at})
	return string(payload), signed.Header
}

// paidSession is the checkout session of order as Stripe sends it once
// paid.
func paidSession(order *core.Record, amount int64) map[string]any {
	return map[string]any{
		"id": "cs_test_paid_" + order.Id, "object": "checkout.session",
		"client_reference_id": order.Id, "metadata": map[string]string{"orderId": order.Id},
		"status": "complete", "payment_status": "paid", "amount_total": amount, "currency": "cny",
	}
}

// newOrder adds a pending order of buyer for post, created age ago.
func newOrder(t testing.TB, app core.App, buyerId, postId, provider string, age time.Duration) *core.Record {
	t.Helper()
	post, err := app.FindRecordById("posts", postId)
	if err != nil {
		t.Fatal(err)
	}
	collection, err := app.FindCollectionByNameOrId("orders")
	if err != nil {
		t.Fatal(err)
	}
	order := core.NewRecord(collection)
	order.Set("buyer", buyerId)
	order.Set("post", postId)
	order.Set("amount", post.GetFloat("price"))
	order.Set("currency", post.GetString("currency"))
	order.Set("provider", provider)
	order.Set("status", "pending")
	order.Set("outTradeNo", outTradeNoOf(buyerId, postId, provider))
	order.Set("expires", types.NowDateTime().Add(2*time.Hour-age))
	if err := app.Save(order); err != nil {
		t.Fatal(err)
	}
	if age > 0 {
		created := types.NowDateTime().Add(-age).String()
		if _, err := app.DB().NewQuery("UPDATE orders SET created = {:c} WHERE id = {:id}").
			Bind(map[string]any{"c": created, "id": order.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	return order
}

// outTradeNoOf is the trade number newOrder gives the order of buyer for
// post, known before the order exists so that scenarios can sign for it.
func outTradeNoOf(buyerId, postId, provider string) string {
	return "T_" + buyerId + "_" + postId + "_" + provider
}

// orderStatus reads an order's status from the database.
func orderStatus(t testing.TB, app core.App, id string) string {
	t.Helper()
	order, err := app.FindRecordById("orders", id)
	if err != nil {
		t.Fatal(err)
	}
	return order.GetString("status")
}

// eventOutcomes lists the outcomes of the payment events, oldest first.
func eventOutcomes(t testing.TB, app core.App) []string {
	t.Helper()
	var outcomes []string
	if err := app.DB().Select("outcome").From("paymentEvents").OrderBy("rowid").Column(&outcomes); err != nil {
		t.Fatal(err)
	}
	return outcomes
}
