package hooks

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// bindQueryGuard refuses, for everyone but superusers, the client filter
// and sort expressions through which PocketBase's rules can be side-stepped
// in this schema:
//
//   - back-relations (posts_via_author, …). PocketBase applies a joined
//     collection's list rule to client filters, but not to multi-valued
//     ("match all") conditions, so `users?filter=posts_via_author.title !~ "x"`
//     would test every post of a user, drafts and paid bodies included.
//   - sorting by email, which would order users by a field the API hides
//     unless emailVisibility is on.
//
// It covers the collections API and realtime subscription options.
func bindQueryGuard(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "blogQueryGuard",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1, // knows the caller
			Func: func(e *core.RequestEvent) error {
				if !strings.HasPrefix(e.Request.URL.Path, "/api/collections/") || e.HasSuperuserAuth() {
					return e.Next()
				}
				q := e.Request.URL.Query()
				if problem := unsafeQuery(q.Get("filter"), q.Get("sort")); problem != "" {
					return e.BadRequestError(problem, nil)
				}
				return e.Next()
			},
		})
		return se.Next()
	})

	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		for _, subscription := range e.Subscriptions {
			filter, sort := subscriptionQuery(subscription)
			if problem := unsafeQuery(filter, sort); problem != "" {
				return e.BadRequestError(problem, nil)
			}
		}
		return e.Next()
	})
}

// unsafeQuery says why a filter or sort is refused, or "" when it is not.
func unsafeQuery(filter, sort string) string {
	if strings.Contains(filter, "_via_") || strings.Contains(sort, "_via_") {
		return "Filtering or sorting through a back-relation (…_via_…) is not allowed."
	}
	for _, key := range strings.Split(sort, ",") {
		key = strings.TrimLeft(strings.TrimSpace(key), "+-")
		if key == "email" || strings.HasSuffix(key, ".email") {
			return "Sorting by email is not allowed."
		}
	}
	return ""
}

// subscriptionQuery reads the filter and sort of a realtime subscription,
// which the JS SDK sends as "topic?options=<url-encoded JSON>".
func subscriptionQuery(subscription string) (filter, sort string) {
	_, rawQuery, ok := strings.Cut(subscription, "?")
	if !ok {
		return "", ""
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		// not parsable here, so not parsable by PocketBase either; refuse
		// anything that still looks like a back-relation
		return rawQuery, ""
	}
	var options struct {
		Query map[string]string `json:"query"`
	}
	if err := json.Unmarshal([]byte(values.Get("options")), &options); err != nil {
		return values.Get("options"), ""
	}
	return options.Query["filter"], options.Query["sort"]
}
