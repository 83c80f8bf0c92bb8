package hooks

import (
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// Slugs are unique among published posts, and among each author's own
// posts; a draft does not hold its slug against other authors. Were
// drafts to hold theirs, the suffix of a new post ("draft-x-2") or the
// refusal of an explicit slug would tell anybody that someone's unseen
// draft is called "Draft X". A draft whose slug was published by another
// meanwhile gets a suffix when it is published, unless that publishing
// write names the slug itself, which is then refused as taken.

// completeSlug gives post its slug: one made unique from the title when
// it has none, the one the write named (refused when taken), or, for a
// published post keeping the slug it had (stored), the first free one of
// that slug's suffixed forms. It runs in the transaction that saves the
// post, so that no concurrent save takes the same slug in between.
func completeSlug(tx core.App, post *core.Record, stored string) error {
	slug := post.GetString("slug")
	switch {
	case slug == "":
		free, err := uniqueSlug(tx, content.Slug(post.GetString("title")), post)
		post.Set("slug", free)
		return err
	case slug != stored: // named by this write
		taken, err := slugTaken(tx, post, slug)
		if err != nil {
			return err
		}
		if taken {
			return validation.Errors{"slug": validation.NewError("validation_not_unique", "Value must be unique")}
		}
	case post.GetString("status") == statusPublished:
		taken, err := slugTaken(tx, post, slug)
		if err != nil || !taken {
			return err
		}
		free, err := uniqueSlug(tx, slugBase(slug, post.GetString("title")), post)
		post.Set("slug", free)
		return err
	}
	return nil
}

// slugBase is what a taken slug is suffixed from: the title's slug when
// slug is that or one of its suffixed forms ("my-plan-2" gives way to
// "my-plan-3", not "my-plan-2-2"), else slug itself, shortened to leave
// room for the suffix.
func slugBase(slug, title string) string {
	base := content.Slug(title)
	if suffix, ok := strings.CutPrefix(slug, base+"-"); slug == base || ok && suffix != "" && strings.Trim(suffix, "0123456789") == "" {
		return base
	}
	return content.SlugBase(slug)
}

// slugsVisibleTo are the posts whose slugs post cannot share: every
// published post and every post of its author, itself excepted.
func slugsVisibleTo(post *core.Record) dbx.Expression {
	return dbx.And(
		dbx.Or(dbx.HashExp{"status": statusPublished}, dbx.HashExp{"author": post.GetString("author")}),
		dbx.Not(dbx.HashExp{"id": post.Id}),
	)
}

// slugTaken tells whether slug is held by a post that post cannot share
// it with.
func slugTaken(tx core.App, post *core.Record, slug string) (bool, error) {
	var n int
	err := tx.DB().Select("COUNT(*)").From(postsCollection).
		Where(dbx.HashExp{"slug": slug}).AndWhere(slugsVisibleTo(post)).
		Row(&n)
	return n > 0, err
}

// uniqueSlug returns base, or base-2, base-3, … whichever is the first not
// taken by a post that post cannot share it with.
func uniqueSlug(tx core.App, base string, post *core.Record) (string, error) {
	// base and every "base-…" slug sort from base to "base." ('.'
	// follows '-'): one range in the published slugs' index and one in
	// the author's, named, since without statistics SQLite would rather
	// walk every published post by status
	var taken []string
	err := tx.DB().NewQuery(`
		SELECT slug FROM {{posts}} INDEXED BY idx_posts_published_slug
			WHERE status = 'published' AND slug >= {:lo} AND slug < {:hi} AND id != {:id}
		UNION
		SELECT slug FROM {{posts}} INDEXED BY idx_posts_author_slug
			WHERE author = {:author} AND slug >= {:lo} AND slug < {:hi} AND id != {:id}`).
		Bind(dbx.Params{"lo": base, "hi": base + ".", "id": post.Id, "author": post.GetString("author")}).
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

// findPostByIdOrSlug finds a post by its id, or by its slug as viewerId
// (a user id, "" for anyone else) knows it: their own post of that slug,
// else the published one. Slugs never have the shape of a record id (see
// validatePost), so the two keys cannot clash.
func findPostByIdOrSlug(app core.App, idOrSlug string, viewerId string) (*core.Record, error) {
	if post, err := app.FindRecordById(postsCollection, idOrSlug); err == nil {
		return post, nil
	}
	post := &core.Record{}
	if viewerId != "" {
		err := app.RecordQuery(postsCollection).
			AndWhere(dbx.HashExp{"author": viewerId, "slug": idOrSlug}).
			Limit(1).One(post)
		if err == nil {
			return post, nil
		}
	}
	err := app.RecordQuery(postsCollection).
		AndWhere(dbx.HashExp{"status": statusPublished, "slug": idOrSlug}).
		Limit(1).One(post)
	return post, err
}
