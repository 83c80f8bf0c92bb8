package hooks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/hooks"
)

// TestReconcilePayments runs reconciliation over pending orders in every
// state a provider may report, and with a provider down.
func TestReconcilePayments(t *testing.T) {
	t.Parallel()
	env := newPaymentsEnv(t)
	app := env.app(t)
	defer app.Cleanup()

	users := map[string]string{}
	for _, name := range []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7"} {
		u, err := createUser(app, name+"x", name+"@example.com", "")
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u.Id
	}
	order := func(user, provider string, age time.Duration) *core.Record {
		return newOrder(t, app, users[user], fx.alicePaid, provider, age)
	}
	withSession := func(o *core.Record, status, paymentStatus string) {
		env.stripe.mu.Lock()
		id := "cs_test_" + o.Id
		env.stripe.sessions[id] = map[string]any{
			"id": id, "object": "checkout.session", "status": status, "payment_status": paymentStatus,
			"amount_total": 990, "currency": "cny", "client_reference_id": o.Id,
		}
		env.stripe.mu.Unlock()
		// by SQL: o in memory still has the creation time newOrder moved
		if _, err := app.DB().NewQuery("UPDATE orders SET tradeNo = {:s} WHERE id = {:id}").
			Bind(map[string]any{"s": id, "id": o.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}

	alipayPaid := order("u1", "alipay", 11*time.Minute)
	env.alipay.SetTrade(alipayPaid.GetString("outTradeNo"), "2026112200001", "TRADE_SUCCESS", "9.90")
	alipayWaiting := order("u2", "alipay", 11*time.Minute)
	env.alipay.SetTrade(alipayWaiting.GetString("outTradeNo"), "2026112200002", "WAIT_BUYER_PAY", "9.90")
	alipayNeverOpened := order("u3", "alipay", 11*time.Minute)
	alipayExpired := order("u4", "alipay", 3*time.Hour)
	young := order("u5", "alipay", 2*time.Minute)
	env.alipay.SetTrade(young.GetString("outTradeNo"), "2026112200005", "TRADE_SUCCESS", "9.90")
	stripePaid := order("u6", "stripe", 11*time.Minute)
	withSession(stripePaid, "complete", "paid")
	stripeAbandoned := order("u7", "stripe", 3*time.Hour)
	withSession(stripeAbandoned, "open", "unpaid")

	report, err := hooks.ReconcilePayments(context.Background(), app, env.config, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := hooks.ReconcileReport{Checked: 6, Paid: 2, Closed: 2, Pending: 2}
	if report != want {
		t.Fatalf("report %s, want %s", report, want)
	}
	for o, status := range map[*core.Record]string{
		alipayPaid: "paid", alipayWaiting: "pending", alipayNeverOpened: "pending", alipayExpired: "closed",
		young: "pending", stripePaid: "paid", stripeAbandoned: "closed",
	} {
		if got := orderStatus(t, app, o.Id); got != status {
			t.Errorf("order of %s: %s, want %s", o.GetString("buyer"), got, status)
		}
	}
	if env.stripe.sessions["cs_test_"+stripeAbandoned.Id]["status"] != "expired" {
		t.Error("the abandoned Stripe session was not expired before its order was closed")
	}
	paidAt := func(id string) string {
		r, _ := app.FindRecordById("orders", id)
		return r.GetString("paidAt")
	}
	firstPaidAt := paidAt(alipayPaid.Id)

	// a second run finds the rest unchanged and credits nothing twice
	report, err = hooks.ReconcilePayments(context.Background(), app, env.config, time.Now())
	if err != nil || report != (hooks.ReconcileReport{Checked: 2, Pending: 2}) {
		t.Fatalf("second run: %s, %v", report, err)
	}
	if paidAt(alipayPaid.Id) != firstPaidAt {
		t.Fatal("paidAt moved")
	}

	// Alipay down: counted as failed, reported, nothing changed
	env.alipay.FailQueries(100)
	defer env.alipay.FailQueries(0)
	report, err = hooks.ReconcilePayments(context.Background(), app, env.config, time.Now())
	if err == nil || report.Failed != 2 || orderStatus(t, app, alipayWaiting.Id) != "pending" {
		t.Fatalf("with the gateway down: %s, %v", report, err)
	}
	env.alipay.FailQueries(0)

	// a paid trade for another amount is not credited and is recorded
	env.alipay.SetTrade(alipayWaiting.GetString("outTradeNo"), "2026112200002", "TRADE_SUCCESS", "0.99")
	report, err = hooks.ReconcilePayments(context.Background(), app, env.config, time.Now())
	if err == nil || !strings.Contains(err.Error(), "total_amount") || orderStatus(t, app, alipayWaiting.Id) != "pending" {
		t.Fatalf("amount mismatch: %s, %v", report, err)
	}
	if n := countRows(t, app, "paymentEvents", nil); n == 0 {
		t.Fatal("no payment events recorded")
	}

	// Alipay not configured: reported by name
	_, err = hooks.ReconcilePayments(context.Background(), app, env.configChanged(map[string]string{"BLOG_ALIPAY_APP_ID": ""}), time.Now())
	if err == nil || !strings.Contains(err.Error(), "BLOG_ALIPAY_APP_ID") {
		t.Fatalf("not configured: %v", err)
	}
}
