package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
	"golang.org/x/sync/singleflight"
)

// stripeWebhookLimit bounds a webhook body; checkout events are a few KB.
const stripeWebhookLimit = 512 << 10

// stripePayments is the Stripe provider: Checkout sessions, the webhook
// and session queries.
type stripePayments struct {
	config Config
}

func (s *stripePayments) name() string { return providerStripe }

func (s *stripePayments) check() error { return s.config.Stripe.check() }

func (s *stripePayments) takes(string) bool { return true }

func (s *stripePayments) priceError(currency string, cents int64) error {
	_, err := stripeMinorUnits(cents, currency)
	return err
}

func (s *stripePayments) payUrl(ctx context.Context, app core.App, order *core.Record, base string) (string, error) {
	u, err := stripeCheckoutUrl(ctx, app, s.config.Stripe, order, base)
	var refused *stripe.Error
	if errors.As(err, &refused) && refused.HTTPStatusCode >= 400 && refused.HTTPStatusCode < 500 &&
		refused.HTTPStatusCode != http.StatusUnauthorized && refused.HTTPStatusCode != http.StatusForbidden &&
		refused.HTTPStatusCode != http.StatusTooManyRequests {
		// a request Stripe will never take (an amount under its minimum,
		// say): retrying does not help
		return "", errPaymentRefused{refused.Msg}
	}
	return u, err
}

func (s *stripePayments) set() bool { return s.config.Stripe.set() }

func (s *stripePayments) query(ctx context.Context, app core.App, order *core.Record, now time.Time) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	return queryStripeOrder(ctx, app, s.config.Stripe, order, now)
}

// stripeSessions makes concurrent purchases of one order open one
// checkout session (across processes the idempotency key does).
var stripeSessions singleflight.Group

// newStripeClient is a stripe-go client on the configured API base, with
// our own timeout and without the library's log lines (failures are
// logged here, with the order).
func newStripeClient(s StripeConfig) *stripe.Client {
	config := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: 10 * time.Second},
		MaxNetworkRetries: stripe.Int64(1),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if s.APIBase != "" {
		config.URL = stripe.String(s.APIBase)
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, config)
	return stripe.NewClient(s.SecretKey, stripe.WithBackends(&stripe.Backends{
		API: backend, Connect: backend, Uploads: backend, MeterEvents: backend,
	}))
}

// stripeCheckoutUrl is the checkout page of a Stripe order, opened on the
// first purchase and reused after. The session carries the order id in
// client_reference_id and metadata.orderId and expires with the order; its
// id is kept in tradeNo for reconciliation.
func stripeCheckoutUrl(ctx context.Context, app core.App, settings StripeConfig, order *core.Record, base string) (string, error) {
	if u := order.GetString("payUrl"); u != "" {
		return u, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	u, err, _ := stripeSessions.Do(order.Id, func() (any, error) {
		if err := settings.check(); err != nil {
			return "", err
		}
		currency := order.GetString("currency")
		amount, err := stripeMinorUnits(orderCents(order), currency)
		if err != nil {
			return "", err
		}
		page := postPageUrl(base, order)
		params := &stripe.CheckoutSessionCreateParams{
			Mode:              stripe.String("payment"),
			ClientReferenceID: stripe.String(order.Id),
			Metadata:          map[string]string{"orderId": order.Id, "outTradeNo": order.GetString("outTradeNo")},
			LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
				Quantity: stripe.Int64(1),
				PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
					Currency:    stripe.String(strings.ToLower(currency)),
					UnitAmount:  stripe.Int64(amount),
					ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(order.GetString("subject"))},
				},
			}},
			PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
				Metadata: map[string]string{"orderId": order.Id},
			},
			SuccessURL: stripe.String(page),
			CancelURL:  stripe.String(page),
			ExpiresAt:  stripe.Int64(order.GetDateTime("expires").Time().Unix()),
		}
		// the same order always asks for the same session
		params.SetIdempotencyKey("blogbase-order-" + order.Id)
		session, err := newStripeClient(settings).V1CheckoutSessions.Create(ctx, params)
		if err != nil {
			return "", err
		}
		if session.URL == "" {
			return "", errors.New("stripe answered a checkout session without a URL")
		}
		_, err = app.DB().NewQuery(`UPDATE {{orders}} SET [[payUrl]] = {:url}, [[tradeNo]] = {:session}, [[updated]] = {:now}
			WHERE [[id]] = {:id} AND [[status]] = 'pending'`).Bind(dbx.Params{
			"url": session.URL, "session": session.ID, "id": order.Id, "now": types.NowDateTime().String(),
		}).Execute()
		return session.URL, err
	})
	if err != nil {
		return "", err
	}
	return u.(string), nil
}

// stripeZeroDecimal and stripeThreeDecimal are the currencies whose minor
// unit is not a cent (https://docs.stripe.com/currencies).
var (
	stripeZeroDecimal  = " BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF "
	stripeThreeDecimal = " BHD JOD KWD OMR TND "
)

// stripeMinorUnits turns an amount in cents into Stripe's smallest unit of
// currency, refusing what that currency cannot express.
func stripeMinorUnits(cents int64, currency string) (int64, error) {
	code := " " + strings.ToUpper(currency) + " "
	switch {
	case strings.Contains(stripeZeroDecimal, code):
		if cents%100 != 0 {
			return 0, fmt.Errorf("%s has no decimals; the price must be a whole number", currency)
		}
		return cents / 100, nil
	case strings.Contains(stripeThreeDecimal, code):
		return cents * 10, nil
	}
	return cents, nil
}

// stripeSession is the part of a checkout session event blogbase reads.
// It is decoded from the raw event, so the fields read do not depend on
// the API version the account's webhook endpoint is pinned to.
type stripeSession struct {
	ID                string            `json:"id"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"payment_status"`
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"`
}

func (s stripeSession) paid() bool {
	return s.PaymentStatus == "paid" || s.PaymentStatus == "no_payment_required"
}

// webhook is POST /api/blog/payments/stripe/webhook. The body is
// verified against the Stripe-Signature header with the endpoint secret
// and Stripe's 5-minute tolerance, recorded in paymentEvents, deduplicated
// by event id, and a paid checkout session credits its order once.
func (s *stripePayments) webhook(e *core.RequestEvent) error {
	read := callbackPayload(e)
	payload := read.payload
	ev := paymentEvent{Provider: providerStripe, Kind: "webhook", Payload: string(payload), IP: e.RealIP()}
	answer := func(status int, outcome, message string) error {
		ev.Outcome, ev.Message = outcome, message
		if status >= 400 {
			e.App.Logger().Warn("Refused a Stripe webhook", "outcome", outcome, "message", message, "ip", ev.IP)
		}
		if err := recordPaymentEvent(e.App, ev); err != nil {
			return e.InternalServerError("Failed to record the event.", err)
		}
		if status >= 400 {
			return e.Error(status, message, nil)
		}
		return e.JSON(status, map[string]any{"received": true, "outcome": outcome})
	}

	switch {
	case read.err != nil:
		return answer(http.StatusBadRequest, "malformed", "The body could not be read.")
	case read.tooLarge:
		return answer(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The body exceeds %d bytes.", read.limit))
	}
	settings := s.config.Stripe
	if settings.WebhookSecret == "" {
		return answer(http.StatusServiceUnavailable, "not_configured", notSet("BLOG_STRIPE_WEBHOOK_SECRET").Error())
	}
	header := e.Request.Header.Get("Stripe-Signature")
	signedAt, ok := stripeSignedAt(header)
	if !ok {
		return answer(http.StatusBadRequest, "bad_signature", "The Stripe-Signature header carries more than one timestamp (t=).")
	}
	// the signature is what is checked; the event's API version may
	// differ from the library's since only stable fields are read
	event, err := webhook.ConstructEventWithOptions(payload, header,
		settings.WebhookSecret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return answer(http.StatusBadRequest, "bad_signature", "The Stripe-Signature header does not verify: "+err.Error())
	case err != nil:
		// signed by Stripe, yet not an event we can read
		ev.Verified = true
		return answer(http.StatusBadRequest, "malformed", "The event cannot be read: "+err.Error())
	case signedAt.After(time.Now().Add(webhook.DefaultTolerance)):
		// the library bounds a signature's age only; a clock far ahead
		// is as suspect as one far behind
		return answer(http.StatusBadRequest, "bad_signature", "The Stripe-Signature timestamp is more than 5 minutes ahead.")
	}
	ev.Verified = true
	ev.EventId = event.ID

	var seen int
	err = e.App.DB().Select("COUNT(*)").From(paymentEventsCollection).
		Where(dbx.HashExp{"provider": providerStripe, "eventId": event.ID, "verified": true}).
		AndWhere(dbx.NotIn("outcome", "error", "duplicate")).Row(&seen)
	if err != nil {
		return answer(http.StatusInternalServerError, "error", "Failed to read the payment events.")
	}
	if seen > 0 {
		return answer(http.StatusOK, "duplicate", "Event "+event.ID+" was handled before.")
	}

	switch event.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed", "checkout.session.expired":
	default:
		return answer(http.StatusOK, "ignored", "Event type "+string(event.Type)+".")
	}
	var session stripeSession
	if event.Data == nil || json.Unmarshal(event.Data.Raw, &session) != nil {
		return answer(http.StatusBadRequest, "malformed", "The event carries no checkout session.")
	}

	orderId, metaId := session.ClientReferenceID, session.Metadata["orderId"]
	switch {
	case orderId == "" && metaId == "":
		return answer(http.StatusOK, "ignored", "The session "+session.ID+" is not one of ours.")
	case orderId == "":
		orderId = metaId
	case metaId != "" && metaId != orderId:
		return answer(http.StatusBadRequest, "order_mismatch", "client_reference_id and metadata.orderId differ.")
	}
	order, err := e.App.FindRecordById(ordersCollection, orderId)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// ours, not the event's: Stripe sends it again later
		return answer(http.StatusInternalServerError, "error", err.Error())
	}
	if err != nil {
		return answer(http.StatusBadRequest, "unknown_order", "No order has id "+orderId+".")
	}
	ev.OrderId = order.Id
	if order.GetString("provider") != providerStripe {
		return answer(http.StatusBadRequest, "wrong_provider", "The order is paid through "+order.GetString("provider")+".")
	}

	settle := settleOrder{OrderId: order.Id, TradeNo: session.ID}
	switch {
	case event.Type == "checkout.session.async_payment_succeeded" ||
		(event.Type == "checkout.session.completed" && session.paid()):
		if msg := stripeAmountMismatch(order, session); msg != "" {
			return answer(http.StatusBadRequest, "amount_mismatch", msg)
		}
		settle.Paid = true
	case event.Type == "checkout.session.completed":
		return answer(http.StatusOK, "ignored", "The payment is still processing ("+session.PaymentStatus+").")
	}
	if _, err := applySettlement(e.App, settle, ev); err != nil {
		// Stripe sends it again later
		return e.InternalServerError("Failed to apply the event.", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"received": true})
}

// stripeSignedAt is the timestamp a Stripe-Signature header is verified
// with, read as stripe-go reads it: the value of a "t=" pair (an
// unreadable one is the library's to refuse). stripe-go keeps the last of
// several, so a header with more than one is not ok: our checks could be
// shown a time that was never signed.
func stripeSignedAt(header string) (signedAt time.Time, ok bool) {
	found := false
	for _, pair := range strings.Split(header, ",") {
		value, isTime := strings.CutPrefix(pair, "t=")
		if !isTime {
			continue
		}
		if found {
			return time.Time{}, false
		}
		found = true
		if t, err := strconv.ParseInt(value, 10, 64); err == nil {
			signedAt = time.Unix(t, 0)
		}
	}
	return signedAt, true
}

// stripeAmountMismatch describes how a paid session differs from its
// order's amount, or is "" when it does not.
func stripeAmountMismatch(order *core.Record, session stripeSession) string {
	want, _ := stripeMinorUnits(orderCents(order), order.GetString("currency"))
	if session.AmountTotal == want && strings.EqualFold(session.Currency, order.GetString("currency")) {
		return ""
	}
	return fmt.Sprintf("The session charged %s, the order is %s.",
		formatMinorUnits(session.AmountTotal, session.Currency), formatMinorUnits(want, order.GetString("currency")))
}

// formatMinorUnits writes an amount in Stripe's smallest unit of currency
// as people read it: 990, "cny" → "9.90 CNY".
func formatMinorUnits(amount int64, currency string) string {
	code := strings.ToUpper(currency)
	decimals := 2
	switch {
	case strings.Contains(stripeZeroDecimal, " "+code+" "):
		decimals = 0
	case strings.Contains(stripeThreeDecimal, " "+code+" "):
		decimals = 3
	}
	value := strconv.FormatInt(amount, 10)
	if decimals > 0 {
		value = fmt.Sprintf("%0*d", decimals+1, amount)
		value = value[:len(value)-decimals] + "." + value[len(value)-decimals:]
	}
	return value + " " + code
}

// queryStripeOrder asks Stripe about a pending order's checkout session and
// applies the answer, as queryAlipayOrder does. A session still open past
// the order's expiry is expired first, so that it cannot be paid after the
// order is closed.
func queryStripeOrder(ctx context.Context, app core.App, settings StripeConfig, order *core.Record, now time.Time) (string, error) {
	ev := paymentEvent{Provider: providerStripe, Kind: "query", Verified: true}
	expired := now.After(order.GetDateTime("expires").Time().Add(expiryGrace))
	sessionId := order.GetString("tradeNo")
	if sessionId == "" {
		if !expired {
			return orderPending, nil
		}
		ev.Message = "No checkout session was opened."
		ev, err := applySettlement(app, settleOrder{OrderId: order.Id}, ev)
		return ev.Outcome, err
	}

	client := newStripeClient(settings)
	session, err := client.V1CheckoutSessions.Retrieve(ctx, sessionId, nil)
	if err != nil {
		return "", err
	}
	if session.Status == stripe.CheckoutSessionStatusOpen && expired {
		if session, err = client.V1CheckoutSessions.Expire(ctx, sessionId, nil); err != nil {
			return "", err
		}
	}
	raw, _ := json.Marshal(map[string]any{
		"id": session.ID, "status": session.Status, "payment_status": session.PaymentStatus,
		"amount_total": session.AmountTotal, "currency": session.Currency,
	})
	ev.EventId, ev.Payload = session.ID, string(raw)
	view := stripeSession{ID: session.ID, Status: string(session.Status), PaymentStatus: string(session.PaymentStatus),
		AmountTotal: session.AmountTotal, Currency: string(session.Currency)}

	settle := settleOrder{OrderId: order.Id, TradeNo: session.ID}
	switch {
	case view.Status == "complete" && view.paid():
		if msg := stripeAmountMismatch(order, view); msg != "" {
			ev.OrderId, ev.Outcome, ev.Message = order.Id, "amount_mismatch", msg
			_ = recordPaymentEvent(app, ev)
			return "", fmt.Errorf("order %s: %s", order.Id, msg)
		}
		settle.Paid = true
	case view.Status == "expired":
	default:
		return orderPending, nil
	}
	ev, err = applySettlement(app, settle, ev)
	return ev.Outcome, err
}
