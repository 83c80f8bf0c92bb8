// Package hooks is the blog extension of PocketBase: collection
// invariants as record hooks and the /api/blog routes.
package hooks

import (
	"fmt"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// publicCacheTTL is the longest a cached public answer lives, whatever
// happens; invalidation normally ends it much sooner.
const publicCacheTTL = 30 * time.Second

// Register binds every blog hook and route to app, configured by config.
// It is the only entry point, so that tests run the exact same extension
// on a test app, with a configuration of their own.
func Register(app core.App, config Config) {
	cache := newPublicCache(publicCacheTTL)
	feed := newCommentsFeed()
	api := &blogApi{
		posts:    newPostsApi(cache, config.ListingMaxAge),
		payments: newPayments(config),
		sms:      newSmsCodes(config.SMS),
	}

	// what loading the configuration replaced with a default
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		for _, warning := range config.warnings {
			fmt.Fprintln(os.Stderr, "Warning:", warning)
			se.App.Logger().Warn(warning)
		}
		api.payments.warnUnusable(se.App, os.Stderr)
		return se.Next()
	})

	// the invariants of each collection, on every write path
	bindUsers(app)
	bindImageNames(app)
	bindPosts(app, config.now)
	bindPostContents(app)
	bindMarkdown(app)
	bindPostImages(app)
	bindTags(app)
	bindSearchIndex(app)
	bindComments(app)
	bindCommentsLimit(app, config.CommentsPerMinute)
	bindOrders(app)

	// the public cache and what invalidates it
	bindPublicCache(app, cache)
	bindExternalWrites(app, cache.invalidateAll, feed.forget)

	// the middlewares of every route, realtime subscriptions included
	bindQueryGuard(app)
	bindBodyLimits(app)
	bindBusyAnswers(app)

	// sessions, sign-in and jobs
	bindSessions(app)
	bindAuthTokens(app)
	api.sms.bind(app)
	api.payments.bindReconcile(app)
	bindScheduledPublishing(app, config.now)
	bindPaymentEvents(app)

	// realtime: lighter clients, then live comments, after the hooks that
	// check subscribe requests
	bindRealtimeClients(app)
	feed.bind(app)

	// the site's settings, kept one record
	bindSite(app)

	// the /api/blog routes; the pages, feeds and sitemaps, with the web
	// app behind every route
	bindBlogApi(app, api)
	bindSitePages(app, newSitePages(cache, config, api.payments), config.PublicDir)
}

// authUserId is the id of the signed-in user making the request, or ""
// for a guest or a superuser.
func authUserId(e *core.RequestEvent) string {
	if e.Auth == nil || e.Auth.Collection().Name != usersCollection {
		return ""
	}
	return e.Auth.Id
}
