package hooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/stripe/stripe-go/v85"

	"blogbase/internal/alipay"
)

// reconcileSchedule is how often the cron job asks the providers about
// pending orders older than reconcileAfter.
const reconcileSchedule = "*/5 * * * *"

// bindPayments registers the order invariants, the purchase route, the
// provider callbacks and the reconciliation job.
func bindPayments(app core.App) {
	bindOrders(app)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		warnPaymentSettings(se.App)

		g := se.Router.Group("/api/blog")
		g.POST("/posts/{id}/purchase", purchasePost).Bind(apis.RequireAuth(usersCollection))
		g.POST("/payments/alipay/notify", alipayNotify)
		g.GET("/payments/alipay/return", alipayReturn)
		g.POST("/payments/stripe/webhook", stripeWebhook)
		return se.Next()
	})

	app.Cron().MustAdd("blogReconcilePayments", reconcileSchedule, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		report, err := ReconcilePayments(ctx, app, time.Now())
		switch {
		case err != nil:
			app.Logger().Warn("Reconciling pending orders failed in part", "report", report.String(), "error", err)
		case report.Checked > 0:
			app.Logger().Info("Reconciled pending orders", "report", report.String())
		}
	})

	// refused messages nobody could verify are kept a while for a look,
	// not forever: anyone can send them
	app.Cron().MustAdd("blogPrunePaymentEvents", "41 * * * *", func() {
		before := types.NowDateTime().Add(-unverifiedEventsKept).String()
		_, err := app.DB().Delete(paymentEventsCollection, dbx.And(
			dbx.HashExp{"verified": false},
			dbx.NewExp("[[created]] < {:before}", dbx.Params{"before": before}),
		)).Execute()
		if err != nil {
			app.Logger().Warn("Failed to prune unverified payment events", "error", err)
		}
	})
}

// purchasePost is POST /api/blog/posts/{id}/purchase {provider?}: it
// opens (or reuses) the buyer's pending order for a paid post and answers
// 201 {"order", "payUrl"}.
func purchasePost(e *core.RequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", nil)
	}
	provider := ""
	switch raw := info.Body["provider"].(type) {
	case nil:
	case string:
		provider = raw
	default:
		provider = "?"
	}
	if provider != "" && provider != providerAlipay && provider != providerStripe {
		return e.BadRequestError("Unknown payment provider.", validation.Errors{
			"provider": validation.NewError("validation_invalid_provider", "Must be alipay or stripe."),
		})
	}

	post, err := findPostByIdOrSlug(e.App, e.Request.PathValue("id"), authUserId(e))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	if err := requirePostVisible(e, post); err != nil {
		return err
	}
	if post.GetString("author") == e.Auth.Id {
		return e.BadRequestError("You wrote this post; there is nothing to buy.", nil)
	}
	if post.GetString("status") != statusPublished {
		return e.BadRequestError("The post is not published.", nil)
	}
	if post.GetFloat("price") <= 0 {
		return e.BadRequestError("The post is free.", nil)
	}

	if provider == "" {
		provider = defaultProvider(post.GetString("currency"))
	}
	if err := checkProvider(provider); err != nil {
		return e.Error(http.StatusServiceUnavailable, err.Error(), nil)
	}
	cents := centsOf(post.GetFloat("price"))
	if err := checkCurrency(provider, post.GetString("currency"), cents); err != nil {
		return e.BadRequestError(err.Error(), validation.Errors{
			"provider": validation.NewError("validation_currency_unsupported", err.Error()),
		})
	}

	order, err := openOrder(e.App, e.Auth.Id, post, provider)
	if errors.Is(err, errAlreadyPaid) {
		return e.Error(http.StatusConflict, "You already bought this post.", nil)
	}
	if err != nil {
		return saveFailed(e, "Failed to open the order.", err)
	}

	payUrl, err := payUrlOf(e.Request.Context(), e.App, order)
	var refused *stripe.Error
	if errors.As(err, &refused) && refused.HTTPStatusCode >= 400 && refused.HTTPStatusCode < 500 &&
		refused.HTTPStatusCode != http.StatusUnauthorized && refused.HTTPStatusCode != http.StatusForbidden &&
		refused.HTTPStatusCode != http.StatusTooManyRequests {
		// a request Stripe will never take (an amount under its minimum,
		// say): retrying does not help
		return e.BadRequestError("The payment provider refused the payment: "+refused.Msg, nil)
	}
	if err != nil {
		e.App.Logger().Error("Failed to open a payment", "order", order.Id, "provider", provider, "error", err)
		return e.Error(http.StatusBadGateway, "The payment provider could not be reached; try again.", nil)
	}
	if provider == providerStripe {
		// the session id just went into tradeNo
		if fresh, err := e.App.FindRecordById(ordersCollection, order.Id); err == nil {
			order = fresh
		}
	}
	return e.JSON(http.StatusCreated, map[string]any{"order": order, "payUrl": payUrl})
}

// openOrder finds the buyer's pending order for the post with the same
// provider and price and enough time left to pay, or creates one. It
// refuses a post the buyer already paid for. The check and the creation
// share a transaction, so two clicks make one order.
func openOrder(app core.App, buyerId string, post *core.Record, provider string) (*core.Record, error) {
	var order *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var paid int
		err := tx.DB().Select("COUNT(*)").From(ordersCollection).
			Where(dbx.HashExp{"buyer": buyerId, "post": post.Id, "status": orderPaid}).Row(&paid)
		if err != nil {
			return err
		}
		if paid > 0 {
			return errAlreadyPaid
		}

		// an order about to expire is not handed out again: the buyer
		// needs the time to pay, and a Stripe session must be open at
		// least 30 minutes
		payableUntil := types.NowDateTime().Add(orderLifetime / 3)
		pending, err := tx.FindRecordsByFilter(ordersCollection,
			`buyer = {:buyer} && post = {:post} && status = "pending" && provider = {:provider} && `+
				`amount = {:amount} && currency = {:currency} && expires > {:until}`,
			"-created", 1, 0, dbx.Params{
				"buyer": buyerId, "post": post.Id, "provider": provider,
				"amount": post.GetFloat("price"), "currency": post.GetString("currency"),
				"until": payableUntil.String(),
			})
		if err != nil {
			return err
		}
		if len(pending) == 1 {
			order = pending[0]
			return nil
		}

		collection, err := tx.FindCachedCollectionByNameOrId(ordersCollection)
		if err != nil {
			return err
		}
		order = core.NewRecord(collection)
		order.Set("buyer", buyerId)
		order.Set("post", post.Id)
		order.Set("subject", truncateRunes(post.GetString("title"), 256))
		order.Set("amount", post.GetFloat("price"))
		order.Set("currency", post.GetString("currency"))
		order.Set("provider", provider)
		order.Set("status", orderPending)
		order.Set("expires", types.NowDateTime().Add(orderLifetime))
		return tx.Save(order)
	})
	return order, err
}

// payUrlOf is where the buyer pays for order: an Alipay page-pay URL,
// signed afresh each time (Alipay knows the trade by its number, so any
// of them pays the same trade), or the order's Stripe checkout session,
// opened once.
func payUrlOf(ctx context.Context, app core.App, order *core.Record) (string, error) {
	base, err := publicURL()
	if err != nil {
		return "", err
	}
	switch order.GetString("provider") {
	case providerAlipay:
		client, err := alipayClient()
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
	case providerStripe:
		return stripeCheckoutUrl(ctx, app, order, base)
	}
	return "", errors.New("unknown provider " + order.GetString("provider"))
}

// postPageUrl is the web app's page of a post, where buyers land after
// paying.
func postPageUrl(base string, order *core.Record) string {
	return base + "/posts/" + order.GetString("post") + "?order=" + order.Id
}

// readPayload reads a provider's request body up to limit bytes; tooLarge
// tells that there was more.
func readPayload(e *core.RequestEvent, limit int64) (payload []byte, tooLarge bool, err error) {
	payload, err = io.ReadAll(io.LimitReader(e.Request.Body, limit+1))
	if int64(len(payload)) > limit {
		return payload[:limit], true, err
	}
	return payload, false, err
}
