package hooks_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/stripe/stripe-go/v85/webhook"
)

// TestStripeWebhook pins POST /api/blog/payments/stripe/webhook: the
// signature, deduplication by event id, the once-only credit and the
// refusals, each recorded.
func TestStripeWebhook(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)

	// every case's app gets bob's pending Stripe order; the deliveries
	// are built for it
	type delivery struct {
		eventId, eventType string
		session            func(order *core.Record) map[string]any
		at                 time.Duration // age of the signature
		secret             string
		header             func(signed string) string // rewrites the signed header
		before             []string                   // event ids delivered first
	}
	type webhookCase struct {
		name     string
		delivery delivery
		code     int
		status   string
		outcomes []string
	}
	scenario := func(name string, d delivery, code int, status string, outcomes ...string) webhookCase {
		return webhookCase{name, d, code, status, outcomes}
	}
	run := func(t *testing.T, c webhookCase) {
		app := env.app(t)
		defer app.Cleanup()
		h := serve(t, app)
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "stripe", 0)
		d := c.delivery
		for _, id := range d.before {
			payload, header := stripeEvent(t, id, "checkout.session.completed", paidSession(order, 990), time.Now())
			expectCode(t, send(t, h, http.MethodPost, "/api/blog/payments/stripe/webhook", payload, "", "Stripe-Signature", header), 200)
		}
		payload, header := stripeEvent(t, d.eventId, d.eventType, d.session(order), time.Now().Add(-d.at))
		if d.secret != "" {
			header = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
				Payload: []byte(payload), Secret: d.secret, Timestamp: time.Now(),
			}).Header
		}
		if d.header != nil {
			header = d.header(header)
		}
		rec := send(t, h, http.MethodPost, "/api/blog/payments/stripe/webhook", payload, "", "Stripe-Signature", header)
		if rec.Code != c.code {
			t.Fatalf("answered %d %s, want %d", rec.Code, rec.Body, c.code)
		}
		if got := orderStatus(t, app, order.Id); got != c.status {
			t.Fatalf("order %s, want %s", got, c.status)
		}
		if got := eventOutcomes(t, app); !slices.Equal(got, c.outcomes) {
			t.Fatalf("events %v, want %v", got, c.outcomes)
		}
	}
	paid := func(o *core.Record) map[string]any { return paidSession(o, 990) }
	with := func(key string, value any) func(o *core.Record) map[string]any {
		return func(o *core.Record) map[string]any {
			s := paidSession(o, 990)
			s[key] = value
			return s
		}
	}
	// stripe-go verifies with the last t= of a header: an earlier one
	// must not be what the other checks read
	withTimestamp := func(at time.Time) func(signed string) string {
		return func(signed string) string { return "t=" + strconv.FormatInt(at.Unix(), 10) + "," + signed }
	}

	cases := []webhookCase{
		scenario("a paid checkout session", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid},
			200, "paid", "paid"),
		scenario("the same event again", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid, before: []string{"evt_1"}},
			200, "paid", "paid", "duplicate"),
		scenario("another event for a paid order", delivery{eventId: "evt_2", eventType: "checkout.session.completed", session: paid, before: []string{"evt_1"}},
			200, "paid", "paid", "already_paid"),
		scenario("a wrong secret", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid, secret: "whsec_other"},
			400, "pending", "bad_signature"),
		scenario("a signature older than 5 minutes", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid, at: 6 * time.Minute},
			400, "pending", "bad_signature"),
		scenario("a signature more than 5 minutes ahead", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid, at: -6 * time.Minute},
			400, "pending", "bad_signature"),
		scenario("two timestamps, the signed one ahead", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid,
			at: -4000 * time.Second, header: withTimestamp(time.Now())}, 400, "pending", "bad_signature"),
		scenario("two current timestamps", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: paid,
			header: withTimestamp(time.Now())}, 400, "pending", "bad_signature"),

		scenario("a wrong amount", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: with("amount_total", 1)},
			400, "pending", "amount_mismatch"),
		scenario("a wrong currency", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: with("currency", "usd")},
			400, "pending", "amount_mismatch"),
		scenario("an unknown order", delivery{eventId: "evt_1", eventType: "checkout.session.completed",
			session: func(o *core.Record) map[string]any {
				s := paidSession(o, 990)
				s["client_reference_id"], s["metadata"] = "nosuchorder1234", map[string]string{}
				return s
			}}, 400, "pending", "unknown_order"),
		scenario("references that disagree", delivery{eventId: "evt_1", eventType: "checkout.session.completed",
			session: with("metadata", map[string]string{"orderId": "another12345678"})}, 400, "pending", "order_mismatch"),
		scenario("a session that is not ours", delivery{eventId: "evt_1", eventType: "checkout.session.completed",
			session: func(o *core.Record) map[string]any {
				s := paidSession(o, 990)
				delete(s, "client_reference_id")
				delete(s, "metadata")
				return s
			}}, 200, "pending", "ignored"),
		scenario("another event type", delivery{eventId: "evt_1", eventType: "payment_intent.succeeded", session: paid},
			200, "pending", "ignored"),
		scenario("a session still processing", delivery{eventId: "evt_1", eventType: "checkout.session.completed", session: with("payment_status", "unpaid")},
			200, "pending", "ignored"),
		scenario("an asynchronous payment succeeding", delivery{eventId: "evt_1", eventType: "checkout.session.async_payment_succeeded", session: paid},
			200, "paid", "paid"),
		scenario("an expired session", delivery{eventId: "evt_1", eventType: "checkout.session.expired", session: with("status", "expired")},
			200, "closed", "closed"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, c) })
	}

	t.Run("a payment through another session keeps the order's session", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		order := newOrder(t, app, fx.bobId, fx.alicePaid, "stripe", 0)
		if _, err := app.DB().NewQuery("UPDATE orders SET tradeNo = 'cs_original' WHERE id = {:id}").
			Bind(map[string]any{"id": order.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		session := paidSession(order, 990)
		session["id"] = "cs_other"
		payload, header := stripeEvent(t, "evt_1", "checkout.session.completed", session, time.Now())
		expectCode(t, send(t, serve(t, app), http.MethodPost, "/api/blog/payments/stripe/webhook", payload, "", "Stripe-Signature", header), 200)
		kept, _ := app.FindRecordById("orders", order.Id)
		if kept.GetString("status") != "paid" || kept.GetString("tradeNo") != "cs_original" {
			t.Fatalf("%s %s", kept.GetString("status"), kept.GetString("tradeNo"))
		}
	})

	t.Run("a signed body that is not an event", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		body := `{"object":"event","id":"evt_1","data":42}`
		header := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: testWebhookSecret}).Header
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/payments/stripe/webhook", body, "", "Stripe-Signature", header)
		if rec.Code != 400 || !slices.Equal(eventOutcomes(t, app), []string{"malformed"}) {
			t.Fatalf("%d %s %v", rec.Code, rec.Body, eventOutcomes(t, app))
		}
	})

	t.Run("no signature header", func(t *testing.T) {
		app := env.app(t)
		defer app.Cleanup()
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/payments/stripe/webhook", `{"id":"evt_1","object":"event"}`, "")
		if rec.Code != 400 || !slices.Equal(eventOutcomes(t, app), []string{"bad_signature"}) {
			t.Fatalf("%d %s %v", rec.Code, rec.Body, eventOutcomes(t, app))
		}
	})

	t.Run("not configured", func(t *testing.T) {
		app := newTestAppWith(t, env.configChanged(map[string]string{"BLOG_STRIPE_WEBHOOK_SECRET": ""}))
		defer app.Cleanup()
		rec := send(t, serve(t, app), http.MethodPost, "/api/blog/payments/stripe/webhook", `{}`, "")
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "BLOG_STRIPE_WEBHOOK_SECRET") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}
