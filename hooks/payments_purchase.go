package hooks

import (
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// purchase is POST /api/blog/posts/{id}/purchase {provider?}: it opens
// (or reuses) the buyer's pending order for a paid post and answers 201
// {"order", "payUrl"}.
func (p *payments) purchase(e *core.RequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", nil)
	}
	// none named (absent, null or ""): the default for the post's currency
	var provider paymentProvider
	named := info.Body["provider"]
	switch name := named.(type) {
	case string:
		provider = p.provider(name)
	}
	if named != nil && named != "" && provider == nil {
		return e.BadRequestError("Unknown payment provider.", validation.Errors{
			"provider": validation.NewError("validation_invalid_provider", "Must be "+p.names()+"."),
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

	if provider == nil {
		provider = p.defaultProvider(post.GetString("currency"))
	}
	if err := p.ready(provider); err != nil {
		return e.Error(http.StatusServiceUnavailable, err.Error(), nil)
	}
	if err := provider.priceError(post.GetString("currency"), centsOf(post.GetFloat("price"))); err != nil {
		return e.BadRequestError(err.Error(), validation.Errors{
			"provider": validation.NewError("validation_currency_unsupported", err.Error()),
		})
	}

	order, err := openOrder(e.App, e.Auth.Id, post, provider.name())
	if errors.Is(err, errAlreadyPaid) {
		return e.Error(http.StatusConflict, "You already bought this post.", nil)
	}
	if err != nil {
		return saveFailed(e, "Failed to open the order.", err)
	}

	base, _ := p.config.publicBase()
	payUrl, err := provider.payUrl(e.Request.Context(), e.App, order, base)
	var refused errPaymentRefused
	if errors.As(err, &refused) {
		return e.BadRequestError(refused.Error(), nil)
	}
	if err != nil {
		e.App.Logger().Error("Failed to open a payment", "order", order.Id, "provider", provider.name(), "error", err)
		return e.Error(http.StatusBadGateway, "The payment provider could not be reached; try again.", nil)
	}
	// as stored: the provider may have kept what it opened (a Stripe
	// session's id in tradeNo)
	if fresh, err := e.App.FindRecordById(ordersCollection, order.Id); err == nil {
		order = fresh
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

// postPageUrl is the web app's page of a post, where buyers land after
// paying.
func postPageUrl(base string, order *core.Record) string {
	return base + "/posts/" + order.GetString("post") + "?order=" + order.Id
}
