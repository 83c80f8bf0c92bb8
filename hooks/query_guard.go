package hooks

import (
	"strings"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
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
		filters, sorts := subscriptionQueries(e.Subscriptions)
		for i := range filters {
			if problem := unsafeQuery(filters[i], sorts[i]); problem != "" {
				return e.BadRequestError(problem, nil)
			}
		}
		return e.Next()
	})
}

// unsafeQuery says why a filter or sort is refused, or "" when it is not.
// It reads them the way PocketBase does (fexpr for filters, its sort
// parser), so quoting, escapes and modifiers such as :lower change nothing.
func unsafeQuery(filter, sort string) string {
	for _, identifier := range filterIdentifiers(filter) {
		if strings.Contains(identifier, "_via_") {
			return "Filtering through a back-relation (…_via_…) is not allowed."
		}
	}
	for _, field := range search.ParseSortFromString(sort) {
		if strings.Contains(field.Name, "_via_") {
			return "Sorting by a back-relation (…_via_…) is not allowed."
		}
		if strings.HasPrefix(field.Name, "@request.") {
			continue // the caller's own data
		}
		path := strings.Split(field.Name, ".")
		last, _, _ := strings.Cut(path[len(path)-1], ":")
		if last == "email" {
			return "Sorting by email is not allowed."
		}
	}
	return ""
}

// filterIdentifiers lists every field path a filter names, inside groups
// and function arguments too. A filter PocketBase cannot parse names none:
// PocketBase refuses it anyway.
func filterIdentifiers(filter string) []string {
	if strings.TrimSpace(filter) == "" {
		return nil
	}
	groups, err := fexpr.Parse(filter)
	if err != nil {
		return nil
	}
	var identifiers []string
	var fromToken func(t fexpr.Token)
	fromToken = func(t fexpr.Token) {
		switch t.Type {
		case fexpr.TokenIdentifier:
			identifiers = append(identifiers, t.Literal)
		case fexpr.TokenFunction:
			if args, ok := t.Meta.([]fexpr.Token); ok {
				for _, arg := range args {
					fromToken(arg)
				}
			}
		}
	}
	var fromGroups func(groups []fexpr.ExprGroup)
	fromGroups = func(groups []fexpr.ExprGroup) {
		for _, g := range groups {
			switch item := g.Item.(type) {
			case fexpr.Expr:
				fromToken(item.Left)
				fromToken(item.Right)
			case []fexpr.ExprGroup:
				fromGroups(item)
			}
		}
	}
	fromGroups(groups)
	return identifiers
}

// subscriptionQueries reads the filter and sort of each realtime
// subscription with PocketBase's own parser of "topic?options=…".
func subscriptionQueries(topics []string) (filters, sorts []string) {
	parsed := subscriptions.NewDefaultClient() // a throwaway, for its parser
	parsed.Subscribe(topics...)
	for _, options := range parsed.Subscriptions() {
		filters = append(filters, options.Query["filter"])
		sorts = append(sorts, options.Query["sort"])
	}
	return filters, sorts
}
