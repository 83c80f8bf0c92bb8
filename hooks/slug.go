package hooks

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gosimple/slug"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const maxSlugBase = 80

// recordIdShape matches what PocketBase record ids look like. A slug of that
// shape could shadow another post's id in /api/blog/posts/{idOrSlug}.
var recordIdShape = regexp.MustCompile(`^[a-z0-9]{15}$`)

// slugFromTitle turns a title into a URL slug; titles in any script are
// transliterated ("你好 世界" → "ni-hao-shi-jie").
func slugFromTitle(title string) string {
	s := slug.Make(title)
	if len(s) > maxSlugBase {
		s = s[:maxSlugBase]
		if i := strings.LastIndexByte(s, '-'); i > maxSlugBase/2 {
			s = s[:i]
		}
		s = strings.Trim(s, "-_")
	}
	if s == "" {
		s = "post"
	}
	return s
}

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

	candidate := base
	for n := 2; ; n++ {
		if _, ok := used[candidate]; !ok && !recordIdShape.MatchString(candidate) {
			return candidate, nil
		}
		candidate = base + "-" + strconv.Itoa(n)
	}
}
