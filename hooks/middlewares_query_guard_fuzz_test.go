package hooks

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ganigeorgiev/fexpr"
)

// FuzzQueryGuard checks the guard on any filter: one over the bounds is
// refused without being parsed, and one it lets through is nested no
// deeper than the bound, as PocketBase's own parser reads it.
func FuzzQueryGuard(f *testing.F) {
	nested := func(depth int, inner string) string {
		return strings.Repeat("(", depth) + inner + strings.Repeat(")", depth)
	}
	f.Add(nested(20000, "x=1"))                                                  // the reported 40 KB filter
	f.Add(nested(1700, `title="x"`))                                             // deep, yet under PocketBase's 3,500 characters
	f.Add("// \"\n" + nested(100, "x=1"))                                        // a quote hidden in a comment
	f.Add(strings.Repeat(`("a)" = x && `, 70) + "x=1" + strings.Repeat(")", 70)) // parentheses in quotes
	f.Add(`posts_via_author.title ~ "x"`)
	f.Add(`title ~ "x_via_y" && (price = 0 || currency = "CNY")`)
	f.Add(`strftime('%Y', created) = "2026"`)

	f.Fuzz(func(t *testing.T, filter string) {
		before := outOfBoundsFilterParses.Load()
		errs := unsafeQuery(url.Values{"filter": {filter}}, "", false)
		over := len(filter) > maxQueryFilterLength || strings.Count(filter, "(") > maxQueryFilterGroups
		if over {
			if errs["filter"] == nil {
				t.Fatalf("a filter over the bounds was let through")
			}
			if outOfBoundsFilterParses.Load() != before {
				t.Fatalf("a filter over the bounds was parsed")
			}
			return
		}
		if errs["filter"] != nil {
			return // a back-relation
		}
		groups, err := fexpr.Parse(filter)
		if err == nil {
			if depth := groupDepth(groups); depth > maxQueryFilterGroups {
				t.Fatalf("a filter nested %d deep was let through", depth)
			}
		}
	})
}

// groupDepth is how deeply groups nest in a parsed filter.
func groupDepth(groups []fexpr.ExprGroup) int {
	deepest := 0
	for _, g := range groups {
		if inner, ok := g.Item.([]fexpr.ExprGroup); ok {
			deepest = max(deepest, 1+groupDepth(inner))
		}
	}
	return deepest
}
