package hooks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ganigeorgiev/fexpr"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Query texts are bounded before anything parses them, for everyone,
// superusers included. PocketBase's filter parser rescans a group for
// every group around it, so its cost grows with the square of the nesting
// (a 100 KB filter of nested parentheses took half a minute and 4 GB), and
// its expand normalizer compares every path with every other one.
const (
	// maxQueryFilterLength is PocketBase's own limit, applied before
	// parsing rather than after.
	maxQueryFilterLength = search.MaxFilterLength
	// maxQueryFilterGroups bounds the opening parentheses of a filter.
	// Counting every "(" (quoted or not) bounds the nesting however the
	// parser reads quotes and comments; real filters use a handful.
	maxQueryFilterGroups = 64
	// maxQueryListLength bounds sort, expand and fields: eight sort
	// fields of 255 characters (PocketBase's limits) fit, as do any
	// expand and fields lists a client really needs.
	maxQueryListLength = 2048
)

// boundedQueryParams are the query parameters PocketBase parses as
// expressions or lists, with the length each may have.
var boundedQueryParams = []struct {
	name  string
	limit int
}{
	{search.FilterQueryParam, maxQueryFilterLength},
	{search.SortQueryParam, maxQueryListLength},
	{"expand", maxQueryListLength},
	{"fields", maxQueryListLength},
}

// parseFilter is the filter parser the guard reads filters with; only
// bounded filters reach it.
var parseFilter = fexpr.Parse

// bindQueryGuard checks the filter, sort, expand and fields texts of every
// request before PocketBase reads them: on the API routes and in realtime
// subscription options. Batch sub-requests skip the router's middlewares,
// but PocketBase caps their URLs at 2000 characters, within these bounds,
// and their record writes read no filter or sort.
//
// Everyone's texts must be within bounds (see boundedQueryParams). For
// everyone but superusers, it also refuses
//
//   - filters and sorts through back-relations (posts_via_author, …).
//     PocketBase applies a joined collection's list rule to client
//     filters, but not to multi-valued ("match all") conditions, so
//     `users?filter=posts_via_author.title !~ "x"` would test every post
//     of a user, drafts and paid bodies included;
//   - sorting by email, which would order users by a field the API hides
//     unless emailVisibility is on;
//   - filters and sorts on a post's body, however reached: a body holds
//     up to 1 MiB, and a LIKE pattern of 3,500 characters costs their
//     product on every row;
//   - expand paths through more than one back-relation: PocketBase
//     repeats the records shared down such a chain in every branch, so
//     the answer grows with the cube of the data
//     (posts?expand=comments_via_post.post.comments_via_post).
func bindQueryGuard(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "blogQueryGuard",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1, // knows the caller
			Func: func(e *core.RequestEvent) error {
				if !strings.HasPrefix(e.Request.URL.Path, "/api/") {
					return e.Next()
				}
				if err := guardRequestQuery(e); err != nil {
					return err
				}
				return e.Next()
			},
		})
		return se.Next()
	})

	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		superuser := e.HasSuperuserAuth()
		for topic, query := range subscriptionQueries(e.Subscriptions) {
			collection, _, _ := strings.Cut(topic, "/")
			if errs := unsafeQuery(query, collectionName(e.App, collection), superuser); len(errs) > 0 {
				return e.BadRequestError("The subscription's query options are not allowed.", errs)
			}
		}
		return e.Next()
	})
}

// collectionName is the name of the collection named or identified by
// nameOrId, or "" for none.
func collectionName(app core.App, nameOrId string) string {
	if nameOrId == "" {
		return ""
	}
	collection, err := app.FindCachedCollectionByNameOrId(nameOrId)
	if err != nil {
		return ""
	}
	return collection.Name
}

// guardRequestQuery answers 400 when the request's query texts are out of
// bounds or not allowed for the caller.
func guardRequestQuery(e *core.RequestEvent) error {
	if e.Request.URL.RawQuery == "" {
		return nil
	}
	superuser := e.HasSuperuserAuth()
	collection := ""
	if rest, ok := strings.CutPrefix(e.Request.URL.Path, "/api/collections/"); ok && !superuser {
		name, _, _ := strings.Cut(rest, "/")
		collection = collectionName(e.App, name)
	}
	if errs := unsafeQuery(e.Request.URL.Query(), collection, superuser); len(errs) > 0 {
		// the request log keeps which parameters were refused, not the
		// refused texts: each would weigh up to 3,000 characters there
		refused := url.Values{}
		for name := range errs {
			refused.Add("refused", name)
		}
		e.Request.URL.RawQuery = refused.Encode()
		return e.BadRequestError("The query parameters are not allowed.", errs)
	}
	return nil
}

// unsafeQuery checks the bounded parameters of query (every value of
// each, since a repeated parameter may be read by its first or its last
// value) sent about collection (its name, "" when none) and returns an
// error per refused parameter.
func unsafeQuery(query url.Values, collection string, superuser bool) validation.Errors {
	errs := validation.Errors{}
	for _, p := range boundedQueryParams {
		for _, value := range query[p.name] {
			if err := oversizedQueryText(p.name, value, p.limit); err != nil {
				errs[p.name] = err
				break
			}
		}
	}
	if len(errs) > 0 || superuser {
		return errs // nothing out of bounds is ever parsed
	}

	for _, filter := range query[search.FilterQueryParam] {
		for _, identifier := range filterIdentifiers(filter) {
			switch {
			case strings.Contains(identifier, "_via_"):
				errs[search.FilterQueryParam] = validation.NewError("validation_back_relation_filter",
					"Filtering through a back-relation (…_via_…) is not allowed.")
			case namesPostBody(collection, identifier):
				errs[search.FilterQueryParam] = validation.NewError("validation_body_filter",
					"Filtering by a post's body is not allowed.")
			}
		}
	}
	for _, sort := range query[search.SortQueryParam] {
		if err := unsafeSort(sort, collection); err != nil {
			errs[search.SortQueryParam] = err
		}
	}
	for _, expand := range query["expand"] {
		for _, path := range strings.Split(expand, ",") {
			if strings.Count(path, "_via_") > 1 {
				errs["expand"] = validation.NewError("validation_back_relation_chain",
					"An expand path may follow at most one back-relation (…_via_…).")
			}
		}
	}
	return errs
}

// namesPostBody tells whether a filter or sort identifier sent about
// collection is the body of a post: postContents' own body field, one
// reached through @collection.postContents, or through a post's content
// relation (posts: content.body; comments: post.content.body).
func namesPostBody(collection, identifier string) bool {
	identifier, _, _ = strings.Cut(identifier, ":") // a modifier such as :lower
	if collection == postContentsCollection && identifier == "body" {
		return true
	}
	if identifier == "content.body" || strings.HasSuffix(identifier, ".content.body") {
		return true
	}
	joined, ok := strings.CutPrefix(identifier, "@collection."+postContentsCollection)
	return ok && strings.HasSuffix(joined, ".body")
}

// oversizedQueryText refuses a parameter value over its length, or a
// filter that opens more parentheses than maxQueryFilterGroups.
func oversizedQueryText(name, value string, limit int) error {
	if len(value) > limit {
		return validation.NewError("validation_query_too_long",
			fmt.Sprintf("The %s parameter must be at most %d characters long.", name, limit))
	}
	if name == search.FilterQueryParam && strings.Count(value, "(") > maxQueryFilterGroups {
		return validation.NewError("validation_filter_too_many_groups",
			fmt.Sprintf("A filter may open at most %d parentheses (groups and function calls, quoted ones included).", maxQueryFilterGroups))
	}
	return nil
}

// unsafeSort refuses sorting by a back-relation, by an email address or by
// a post's body.
func unsafeSort(sort, collection string) error {
	for _, field := range search.ParseSortFromString(sort) {
		if strings.Contains(field.Name, "_via_") {
			return validation.NewError("validation_back_relation_sort", "Sorting by a back-relation (…_via_…) is not allowed.")
		}
		if namesPostBody(collection, field.Name) {
			return validation.NewError("validation_body_sort", "Sorting by a post's body is not allowed.")
		}
		if strings.HasPrefix(field.Name, "@request.") {
			continue // the caller's own data
		}
		path := strings.Split(field.Name, ".")
		last, _, _ := strings.Cut(path[len(path)-1], ":")
		if last == "email" {
			return validation.NewError("validation_email_sort", "Sorting by email is not allowed.")
		}
	}
	return nil
}

// filterIdentifiers lists every field path a filter names, inside groups
// and function arguments too. It reads the filter the way PocketBase does
// (fexpr), so quoting, escapes and modifiers such as :lower change
// nothing. A filter PocketBase cannot parse names none: PocketBase
// refuses it anyway.
func filterIdentifiers(filter string) []string {
	if strings.TrimSpace(filter) == "" {
		return nil
	}
	groups, err := parseFilter(filter)
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

// subscriptionQueries reads the query options of each realtime
// subscription, by topic, with PocketBase's own parser of
// "topic?options=…".
func subscriptionQueries(topics []string) map[string]url.Values {
	parsed := subscriptions.NewDefaultClient() // a throwaway, for its parser
	parsed.Subscribe(topics...)
	queries := map[string]url.Values{}
	for topic, options := range parsed.Subscriptions() {
		query := url.Values{}
		for name, value := range options.Query {
			query.Set(name, value)
		}
		queries[topic] = query
	}
	return queries
}
