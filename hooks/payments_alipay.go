package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/alipay"
)

// alipayNotifyLimit bounds a notification body; real ones are about 2 KB.
const alipayNotifyLimit = 64 << 10

// alipayPayments is the Alipay provider: page pay, its asynchronous
// notification, the buyer's return and the trade query.
type alipayPayments struct {
	config Config
}

func (a *alipayPayments) name() string { return providerAlipay }

func (a *alipayPayments) check() error {
	_, err := a.config.Alipay.client()
	return err
}

func (a *alipayPayments) set() bool { return a.config.Alipay.set() }

func (a *alipayPayments) takes(currency string) bool { return currency == "CNY" }

func (a *alipayPayments) priceError(currency string, cents int64) error {
	if !a.takes(currency) {
		return errors.New("Alipay takes payments in CNY only; choose stripe")
	}
	return nil
}

// payUrl is an Alipay page-pay URL, signed afresh each time: Alipay knows
// the trade by its number, so any of them pays the same trade.
func (a *alipayPayments) payUrl(_ context.Context, _ core.App, order *core.Record, base string) (string, error) {
	client, err := a.config.Alipay.client()
	if err != nil {
		return "", err
	}
	return client.PagePayURL(alipay.PagePay{
		OutTradeNo:  order.GetString("outTradeNo"),
		TotalAmount: alipay.FormatAmount(orderCents(order)),
		Subject:     order.GetString("subject"),
		NotifyURL:   base + "/api/blog/payments/alipay/notify",
		ReturnURL:   base + "/api/blog/payments/alipay/return",
		TimeExpire:  order.GetDateTime("expires").Time(),
	})
}

func (a *alipayPayments) query(ctx context.Context, app core.App, order *core.Record, now time.Time) (string, error) {
	client, err := a.config.Alipay.client()
	if err != nil {
		return "", err
	}
	return queryAlipayOrder(ctx, app, client, order, "query", "", now)
}

// notify is POST /api/blog/payments/alipay/notify, Alipay's
// asynchronous notification. Every one is recorded in paymentEvents, with
// its outcome, before the answer; only a verified notification of our app
// for an existing order and its exact amount moves the order, once.
// Alipay retries until it reads "success", so "success" also answers a
// notification already handled, and "failure" (400) one we refuse.
func (a *alipayPayments) notify(e *core.RequestEvent) error {
	read := callbackPayload(e)
	ev := paymentEvent{Provider: providerAlipay, Kind: "notify", Payload: string(read.payload), IP: e.RealIP()}
	refuse := func(status int, outcome, message string) error {
		ev.Outcome, ev.Message = outcome, message
		e.App.Logger().Warn("Refused an Alipay notification", "outcome", outcome, "message", message, "ip", ev.IP)
		if err := recordPaymentEvent(e.App, ev); err != nil {
			status = http.StatusInternalServerError
		}
		return e.String(status, "failure")
	}

	switch {
	case read.err != nil:
		return refuse(http.StatusBadRequest, "malformed", "The body could not be read.")
	case read.tooLarge:
		return refuse(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The body exceeds %d bytes.", read.limit))
	}
	params, err := url.ParseQuery(string(read.payload))
	if err != nil {
		return refuse(http.StatusBadRequest, "malformed", "The body is not a form.")
	}
	n := alipay.ParseNotification(params)
	ev.EventId = n.NotifyID

	client, err := a.config.Alipay.verifier()
	if err != nil {
		return refuse(http.StatusServiceUnavailable, "not_configured", err.Error())
	}
	if err := client.VerifyCallback(params); err != nil {
		return refuse(http.StatusBadRequest, "bad_signature", err.Error())
	}
	ev.Verified = true
	if n.AppID != client.AppID {
		return refuse(http.StatusBadRequest, "wrong_app_id", "app_id "+n.AppID+" is not ours.")
	}
	if n.NotifyType != "trade_status_sync" {
		// signed by Alipay, but not a notification (a buyer replaying
		// the parameters of their return URL, say)
		return refuse(http.StatusBadRequest, "not_a_notification", "notify_type "+n.NotifyType+".")
	}
	order, err := findOrderByOutTradeNo(e.App, n.OutTradeNo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// ours, not the notification's: Alipay sends it again later
		return refuse(http.StatusInternalServerError, "error", err.Error())
	}
	if err != nil {
		return refuse(http.StatusBadRequest, "unknown_order", "No order has out_trade_no "+n.OutTradeNo+".")
	}
	ev.OrderId = order.Id
	if order.GetString("provider") != providerAlipay {
		return refuse(http.StatusBadRequest, "wrong_provider", "The order is paid through "+order.GetString("provider")+".")
	}
	if cents, err := alipay.ParseAmount(n.TotalAmount); err != nil || cents != orderCents(order) {
		return refuse(http.StatusBadRequest, "amount_mismatch", fmt.Sprintf("total_amount %q, the order is %s.",
			n.TotalAmount, alipay.FormatAmount(orderCents(order))))
	}

	var settle settleOrder
	switch n.TradeStatus {
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		settle = settleOrder{OrderId: order.Id, Paid: true, TradeNo: n.TradeNo}
	case "TRADE_CLOSED":
		// unpaid and closed, or fully refunded: a paid order stays paid
		settle = settleOrder{OrderId: order.Id, TradeNo: n.TradeNo}
	default:
		ev.Outcome, ev.Message = "ignored", "trade_status "+n.TradeStatus
		if err := recordPaymentEvent(e.App, ev); err != nil {
			return e.String(http.StatusInternalServerError, "failure")
		}
		return e.String(http.StatusOK, "success")
	}
	if _, err := applySettlement(e.App, settle, ev); err != nil {
		// not the notification's fault: Alipay sends it again later
		e.App.Logger().Error("Failed to apply an Alipay notification", "order", order.Id, "error", err)
		return e.String(http.StatusInternalServerError, "failure")
	}
	return e.String(http.StatusOK, "success")
}

// paymentReturn is GET /api/blog/payments/alipay/return, where Alipay sends
// the buyer's browser after paying, often before the notification. The
// parameters are verified, but only Alipay's answer to our own trade query
// credits a still pending order; then the browser goes to the post.
func (a *alipayPayments) paymentReturn(e *core.RequestEvent) error {
	client, err := a.config.Alipay.client()
	if err != nil {
		return e.Error(http.StatusServiceUnavailable, err.Error(), nil)
	}
	params := e.Request.URL.Query()
	n := alipay.ParseNotification(params)
	refused := func(reason string) {
		e.App.Logger().Warn("Refused an Alipay return", "reason", reason, "outTradeNo", n.OutTradeNo, "ip", e.RealIP())
	}
	if err := client.VerifyCallback(params); err != nil {
		refused(err.Error())
		return e.BadRequestError("The payment return could not be verified.", nil)
	}
	if n.AppID != client.AppID {
		refused("app_id " + n.AppID)
		return e.BadRequestError("The payment return is not for this site.", nil)
	}
	order, err := findOrderByOutTradeNo(e.App, n.OutTradeNo)
	if err != nil || order.GetString("provider") != providerAlipay {
		refused("unknown order")
		return e.NotFoundError("The order was not found.", nil)
	}

	if order.GetString("status") == orderPending {
		ctx, cancel := context.WithTimeout(e.Request.Context(), 8*time.Second)
		defer cancel()
		if _, err := queryAlipayOrder(ctx, e.App, client, order, "return", e.RealIP(), time.Now()); err != nil {
			// the notification or reconciliation will settle it; the
			// buyer's page shows the order pending meanwhile
			e.App.Logger().Warn("Alipay trade query on return failed", "order", order.Id, "error", err)
		}
	}

	base, _ := a.config.publicBase()
	return e.Redirect(http.StatusSeeOther, postPageUrl(base, order))
}

// queryAlipayOrder asks Alipay about a pending order and applies the
// answer: paid credits it (once), closed or never opened past its expiry
// closes it. It returns the outcome: paid, already_paid, closed, ignored
// or pending (nothing to do yet, nothing recorded).
func queryAlipayOrder(ctx context.Context, app core.App, client *alipay.Client, order *core.Record, kind, ip string, now time.Time) (string, error) {
	trade, err := client.QueryTrade(ctx, order.GetString("outTradeNo"))
	if err != nil {
		return "", err
	}
	answer, _ := json.Marshal(trade)
	ev := paymentEvent{Provider: providerAlipay, Kind: kind, EventId: trade.TradeNo, Verified: true, Payload: string(answer), IP: ip}

	expired := now.After(order.GetDateTime("expires").Time().Add(expiryGrace))
	var settle settleOrder
	switch {
	case trade.Paid():
		if cents, err := alipay.ParseAmount(trade.TotalAmount); err != nil || cents != orderCents(order) {
			ev.OrderId, ev.Outcome = order.Id, "amount_mismatch"
			ev.Message = fmt.Sprintf("total_amount %q, the order is %s.", trade.TotalAmount, alipay.FormatAmount(orderCents(order)))
			_ = recordPaymentEvent(app, ev)
			return "", fmt.Errorf("order %s: %s", order.Id, ev.Message)
		}
		settle = settleOrder{OrderId: order.Id, Paid: true, TradeNo: trade.TradeNo}
	case trade.Exists && trade.TradeStatus == "TRADE_CLOSED":
		settle = settleOrder{OrderId: order.Id, TradeNo: trade.TradeNo}
	case !trade.Exists && expired:
		ev.Message = "The buyer never opened the payment page."
		settle = settleOrder{OrderId: order.Id}
	default:
		return orderPending, nil
	}
	ev, err = applySettlement(app, settle, ev)
	return ev.Outcome, err
}

// findOrderByOutTradeNo finds the order of one of our trade numbers.
func findOrderByOutTradeNo(app core.App, outTradeNo string) (*core.Record, error) {
	if outTradeNo == "" {
		return nil, sql.ErrNoRows
	}
	return app.FindFirstRecordByData(ordersCollection, "outTradeNo", outTradeNo)
}
