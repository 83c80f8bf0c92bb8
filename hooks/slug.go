package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// uniqueSlug returns base, or base-2, base-3, … whichever is the first not
// taken by another post. It must run in the transaction that saves the post
// so that a concurrent save cannot take the same slug in between.
func uniqueSlug(app core.App, base string, postId string) (string, error) {
	var taken []string
	err := app.DB().Select("slug").From(postsCollection).
		Where(dbx.Or(
			dbx.HashExp{"slug": base},
			// every "base-…" slug sorts between "base-" and "base." ('.' follows '-')
			dbx.And(dbx.NewExp("slug >= {:lo}", dbx.Params{"lo": base + "-"}),
				dbx.NewExp("slug < {:hi}", dbx.Params{"hi": base + "."})),
		)).
		AndWhere(dbx.Not(dbx.HashExp{"id": postId})).
		Column(&taken)
	if err != nil {
		return "", err
	}

	used := make(map[string]struct{}, len(taken))
	for _, s := range taken {
		used[s] = struct{}{}
	}
	return content.FirstFreeSlug(base, func(s string) bool {
		_, ok := used[s]
		return ok
	}), nil
}
