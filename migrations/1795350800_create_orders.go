package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Paid posts: an order per purchase attempt, the log of everything a
// payment provider sent, and the body of a paid post opened to the buyers
// holding a paid order for it.
//
// Orders outlive what they point at: deleting a post or a user empties the
// relation instead of deleting the order (money changed hands; the record
// stays for the books), so neither relation is required by the schema and
// the order keeps its own subject, amount and currency.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}

		orders := core.NewBaseCollection("orders")
		orders.Fields.Add(
			&core.RelationField{Name: "buyer", CollectionId: users.Id, MaxSelect: 1},
			&core.RelationField{Name: "post", CollectionId: posts.Id, MaxSelect: 1},
			&core.TextField{Name: "subject", Max: 256, Presentable: true},
			&core.NumberField{Name: "amount", Required: true, Min: types.Pointer(0.01), Max: types.Pointer(1_000_000.0)},
			&core.TextField{Name: "currency", Required: true, Max: 3, Pattern: `^[A-Z]{3}$`},
			&core.SelectField{Name: "provider", Required: true, MaxSelect: 1, Values: []string{"alipay", "stripe"}},
			&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"pending", "paid", "closed"}},
			&core.TextField{Name: "outTradeNo", Max: 64, Pattern: `^[0-9A-Za-z_]+$`},
			&core.TextField{Name: "tradeNo", Max: 255},
			&core.DateField{Name: "paidAt"},
			// when the provider stops accepting the payment; reconciliation
			// closes the order after it
			&core.DateField{Name: "expires"},
			// the provider page the buyer pays on, kept so that a Stripe
			// session is reused rather than opened twice; the buyer gets it
			// from the purchase route
			&core.TextField{Name: "payUrl", Hidden: true, Max: 4096},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		orders.AddIndex("idx_orders_outTradeNo", true, "outTradeNo", "")
		orders.AddIndex("idx_orders_buyer_post_status", false, "buyer, post, status", "")
		orders.AddIndex("idx_orders_post_status", false, "post, status", "")
		orders.AddIndex("idx_orders_status_created", false, "status, created", "")

		ordersRule := `@request.auth.id != "" && (buyer = @request.auth.id || post.author = @request.auth.id)`
		orders.ListRule = types.Pointer(ordersRule)
		orders.ViewRule = types.Pointer(ordersRule)
		// writes are the server's (purchase route, notifications) and
		// superusers'
		if err := app.Save(orders); err != nil {
			return err
		}

		events := core.NewBaseCollection("paymentEvents")
		events.Fields.Add(
			&core.SelectField{Name: "provider", Required: true, MaxSelect: 1, Values: []string{"alipay", "stripe"}},
			// notify, return, webhook or query: how it reached us
			&core.TextField{Name: "kind", Required: true, Max: 16},
			// the provider's id of the message (Alipay notify_id, Stripe
			// event id), for deduplication and support requests
			&core.TextField{Name: "eventId", Max: 255},
			&core.RelationField{Name: "order", CollectionId: orders.Id, MaxSelect: 1},
			&core.BoolField{Name: "verified"},
			&core.TextField{Name: "outcome", Required: true, Max: 32},
			&core.TextField{Name: "message", Max: 1000},
			&core.TextField{Name: "payload", Max: 1 << 20},
			&core.TextField{Name: "ip", Max: 64},
			&core.AutodateField{Name: "created", OnCreate: true},
		)
		events.AddIndex("idx_paymentEvents_provider_eventId", false, "provider, eventId", "")
		events.AddIndex("idx_paymentEvents_order", false, "`order`", "")
		events.AddIndex("idx_paymentEvents_created", false, "created", "")
		if err := app.Save(events); err != nil {
			return err
		}

		// A paid body opens to buyers holding a paid order for its post.
		// The order conditions go through one back-relation join, so they
		// hold for the same order row; a guest never matches the orders of
		// deleted users (their buyer is empty).
		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		readRule := `post.author = @request.auth.id || (post.status = "published" && (post.price = 0 || (` +
			`@request.auth.id != "" && @request.auth.collectionName = "users" && ` +
			`post.orders_via_post.buyer ?= @request.auth.id && post.orders_via_post.status ?= "paid")))`
		contents.ListRule = types.Pointer(readRule)
		contents.ViewRule = types.Pointer(readRule)
		if err := app.Save(contents); err != nil {
			return err
		}

		// purchases open provider sessions: limit them per IP. PocketBase
		// matches rules by path prefix only, so this one also covers
		// POST /api/blog/posts (writing posts), at a rate no author reaches.
		// Provider callbacks get a generous limit: whoever sends them
		// makes us verify a signature and write an event.
		settings := app.Settings()
		settings.RateLimits.Rules = append(settings.RateLimits.Rules,
			core.RateLimitRule{Label: "POST /api/blog/posts/", MaxRequests: 30, Duration: 60},
			core.RateLimitRule{Label: "/api/blog/payments/", MaxRequests: 120, Duration: 60},
		)
		return app.Save(settings)
	}, func(app core.App) error {
		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		readRule := `post.author = @request.auth.id || (post.status = "published" && post.price = 0)`
		contents.ListRule = types.Pointer(readRule)
		contents.ViewRule = types.Pointer(readRule)
		if err := app.Save(contents); err != nil {
			return err
		}
		for _, name := range []string{"paymentEvents", "orders"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		settings := app.Settings()
		rules := settings.RateLimits.Rules[:0]
		for _, r := range settings.RateLimits.Rules {
			if r.Label != "POST /api/blog/posts/" && r.Label != "/api/blog/payments/" {
				rules = append(rules, r)
			}
		}
		settings.RateLimits.Rules = rules
		return app.Save(settings)
	})
}
