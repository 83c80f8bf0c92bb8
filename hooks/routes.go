package hooks

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// blogApi is what the /api/blog handlers share.
type blogApi struct {
	posts    *postsApi
	payments *payments
	sms      *smsCodes
}

// bindBlogApi registers every /api/blog route, with who may call it and
// how large a body it takes; the handlers live in their concern's files.
//
// Per-IP rate limits are PocketBase's own limiter, configured in the
// dashboard (Settings → Rate limits; the defaults come from the
// migrations *_enable_rate_limits.go and *_create_orders.go). It matches
// rules by label ("METHOD /path" or "/path", a trailing "/" matching the
// path and what is under it): "rate:" names the rule counting a route, and
// routes without one are not limited. Middlewares that apply to every
// route, PocketBase's included, are in middlewares_*.go.
func bindBlogApi(app core.App, api *blogApi) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/blog")
		// a small body for every route (reads take none, and some parse
		// what is sent), unless its row gives another limit, which
		// replaces this one
		g.Bind(bodyLimit(smallBodyLimit))

		// posts (posts_api.go; reads: posts_listing.go, posts_view.go),
		// public reads from the public cache, their successes not
		// request-logged
		g.GET("/posts", api.posts.list).Bind(apis.SkipSuccessActivityLog())
		g.GET("/posts/{idOrSlug}", api.posts.view).Bind(apis.SkipSuccessActivityLog())
		g.POST("/posts", postCreate).Bind(requireUser(), bodyLimit(postBodyLimit)) // rate: POST /api/blog/posts/
		g.PATCH("/posts/{id}", postUpdate).Bind(requireUserOrSuperuser(), bodyLimit(postBodyLimit))
		g.DELETE("/posts/{id}", postDelete).Bind(requireUserOrSuperuser(), bodyLimit(smallBodyLimit))
		g.POST("/preview", preview).Bind(requireUserOrSuperuser(), bodyLimit(postBodyLimit)) // rate: /api/blog/preview

		// finding posts: the tags in use (tags_api.go; a tag's posts are
		// the listing's ?tag=) and the full-text search (search_api.go,
		// its index: search_index.go)
		g.GET("/tags", api.posts.tags).Bind(apis.SkipSuccessActivityLog())
		g.GET("/search", searchPosts).Bind(apis.SkipSuccessActivityLog())

		// comments in threads, and the rest of a long thread
		// (comments_api.go); they are written through the collections
		// API, paced per user (comments_limit.go)
		g.GET("/posts/{id}/comments", api.posts.threadedComments).Bind(apis.SkipSuccessActivityLog())
		g.GET("/posts/{id}/comments/{thread}/replies", api.posts.threadReplies).Bind(apis.SkipSuccessActivityLog())

		// payments (payments_*.go); a callback's body is read, and a
		// refused one recorded, by its provider
		g.POST("/posts/{id}/purchase", api.payments.purchase).Bind(requireUser(), bodyLimit(smallBodyLimit))       // rate: POST /api/blog/posts/
		g.POST("/payments/alipay/notify", api.payments.alipay.notify).Bind(readCallbackBody(alipayNotifyLimit))    // rate: /api/blog/payments/
		g.GET("/payments/alipay/return", api.payments.alipay.paymentReturn)                                        // rate: /api/blog/payments/
		g.POST("/payments/stripe/webhook", api.payments.stripe.webhook).Bind(readCallbackBody(stripeWebhookLimit)) // rate: /api/blog/payments/

		// phone sign-in, sessions and one's own account (auth_*.go)
		g.POST("/sms/code", api.sms.requestCode).Bind(bodyLimit(smallBodyLimit))     // rate: /api/blog/sms/code
		g.POST("/auth/phone", api.sms.authWithPhone).Bind(bodyLimit(smallBodyLimit)) // rate: /api/blog/auth/phone
		g.POST("/auth/logout", logout).Bind(requireUser(), bodyLimit(smallBodyLimit))
		g.POST("/auth/logout-all", logoutAll).Bind(requireUser(), bodyLimit(smallBodyLimit))
		g.GET("/me", me).Bind(requireUser())
		g.POST("/me/phone", api.sms.setPhone).Bind(requireUser(), bodyLimit(smallBodyLimit)) // rate: /api/blog/me/phone

		return se.Next()
	})
}

// Request body limits of the blog's routes, far below PocketBase's 32 MB
// default: a post with its body (stored at most 1 MiB, more before
// sanitizing), and the small JSON forms of everything else.
const (
	postBodyLimit  = 4 << 20
	smallBodyLimit = 4 << 10
)

// bodyLimitId names the body limits of routes, so that a route's own
// replaces its group's.
const bodyLimitId = "blogBodyLimit"

// requireUser lets only signed-in users through (401 otherwise).
func requireUser() *hook.Handler[*core.RequestEvent] {
	return apis.RequireAuth(usersCollection)
}

// requireUserOrSuperuser lets signed-in users and superusers through; the
// handler checks that a user acts on their own records.
func requireUserOrSuperuser() *hook.Handler[*core.RequestEvent] {
	return apis.RequireAuth(usersCollection, core.CollectionNameSuperusers)
}

// bodyLimit refuses a request body over limit with 413 (limitBody).
func bodyLimit(limit int64) *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       bodyLimitId,
		Priority: apis.DefaultBodyLimitMiddlewarePriority + 1, // before auth: nothing is read for nothing
		Func: func(e *core.RequestEvent) error {
			if err := limitBody(e, limit); err != nil {
				return err
			}
			return e.Next()
		},
	}
}

// readCallbackBody reads a payment callback's body (callbackBody) where
// bodyLimit would refuse it unseen: the provider's handler records every
// callback, refused ones too.
func readCallbackBody(limit int64) *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       bodyLimitId, // in place of the group's bodyLimit
		Priority: apis.DefaultBodyLimitMiddlewarePriority + 1,
		Func:     callbackBody(limit),
	}
}
