// Package hooks is the blog extension of PocketBase: collection
// invariants as record hooks and the /api/blog routes.
package hooks

import "github.com/pocketbase/pocketbase/core"

// Register binds every blog hook and route to app. It is the only entry
// point, so that tests can run the exact same extension on a test app.
func Register(app core.App) {
	bindPosts(app)
	bindPostContents(app)
	bindPostsApi(app)
}
