// Package hooks is the blog extension of PocketBase: collection
// invariants as record hooks and the /api/blog routes.
package hooks

import (
	"os"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// publicCacheTTL is the longest a cached public answer lives, whatever
// happens; invalidation normally ends it much sooner.
const publicCacheTTL = 30 * time.Second

// defaultListingMaxAge is the Cache-Control max-age, in seconds, of the
// public reads when BLOG_LISTING_MAX_AGE is not set.
const defaultListingMaxAge = 5

// Register binds every blog hook and route to app. It is the only entry
// point, so that tests can run the exact same extension on a test app.
func Register(app core.App) {
	cache := newPublicCache(publicCacheTTL)

	bindUsers(app)
	bindImageNames(app)
	bindPosts(app)
	bindPostContents(app)
	bindComments(app, cache)
	bindCommentsLimit(app)
	bindPublicCache(app, cache)
	bindExternalWrites(app, cache)
	bindQueryGuard(app)
	bindPostsApi(app, cache, listingMaxAge(app))
	bindCommentsApi(app)
	bindSessions(app)
	bindAuthTokens(app)
	bindMe(app)
	bindSms(app)
	bindPayments(app)
	bindBodyLimits(app)
	bindBusyAnswers(app)
}

// listingMaxAge reads BLOG_LISTING_MAX_AGE: how many seconds browsers and
// CDNs may reuse a public answer before revalidating it.
func listingMaxAge(app core.App) int {
	raw := os.Getenv("BLOG_LISTING_MAX_AGE")
	if raw == "" {
		return defaultListingMaxAge
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		app.Logger().Warn("BLOG_LISTING_MAX_AGE must be a whole number of seconds; using the default",
			"value", raw, "default", defaultListingMaxAge)
		return defaultListingMaxAge
	}
	return n
}

// inTransaction runs fn with e.App switched to a transaction, so that the
// record's own write (e.Next, inside fn) and whatever fn adds to it commit
// or roll back together. Inside a transaction already, it joins it.
func inTransaction(e *core.RecordEvent, fn func(tx core.App) error) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return fn(tx)
	})
}

// authUserId is the id of the signed-in user making the request, or ""
// for a guest or a superuser.
func authUserId(e *core.RequestEvent) string {
	if e.Auth == nil || e.Auth.Collection().Name != usersCollection {
		return ""
	}
	return e.Auth.Id
}
