package hooks

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// bindPublicCache invalidates, after every committed write that can change
// a public answer and whatever path made it, the dependencies the write
// changed (see publicCache), before the write's response is sent:
//
//   - a post: the post; and the listings (all authors', its author's) when
//     it enters or leaves the published set or moves in it (its
//     publication date), which is also when their totals change;
//   - a body: its post; a published post or body edited: depPublishedEdits
//     (the sitemaps' dates);
//   - a comment coming or going: its post (commentsCount) and its post's
//     comments; a comment edited: its post's comments;
//   - an author's byline (username, name, avatar) or bio, or the author's
//     removal: that author; a new or renamed username: depUsernames;
//   - the site's settings, PocketBase's settings (the Application URL):
//     depSite, on which every page and feed depends;
//   - a collection (fields and rules shape every answer): everything.
//
// Nothing else invalidates anything: orders, payment events, SMS codes,
// revoked tokens, logs, and the users' passwords, token keys or emails
// show in no public answer.
func bindPublicCache(app core.App, cache *publicCache) {
	app.OnRecordCreate(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		deps := []string{depPost(e.Record.Id)}
		if e.Record.GetString("status") == statusPublished {
			deps = append(deps, depListing(""), depListing(e.Record.GetString("author")))
			deps = append(deps, taggedDeps(e.Record.GetStringSlice("tags"))...)
		}
		afterCommit(e.App, func() { cache.invalidate(deps...) })
		return nil
	})

	app.OnRecordUpdate(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		var stored struct {
			Status    string `db:"status"`
			Published string `db:"published"`
			Author    string `db:"author"`
			Tags      string `db:"tags"`
		}
		storedErr := readStoredRow(e.App, e.Record, &stored)
		if err := e.Next(); err != nil {
			return err
		}
		post := e.Record
		deps := []string{depPost(post.Id)}
		published := post.GetString("status") == statusPublished
		wasPublished := stored.Status == statusPublished
		if storedErr != nil || published != wasPublished ||
			(published && (stored.Published != post.GetString("published") || stored.Author != post.GetString("author"))) {
			deps = append(deps, depListing(""), depListing(stored.Author), depListing(post.GetString("author")))
		}
		if published || wasPublished {
			deps = append(deps, depPublishedEdits)
		}
		// a tag's listing changes when a post enters or leaves it, or
		// moves in it: the tags it had and has
		storedTags := relationIds(stored.Tags)
		if storedErr != nil || published != wasPublished || (published &&
			(stored.Published != post.GetString("published") || !slices.Equal(storedTags, post.GetStringSlice("tags")))) {
			if wasPublished {
				deps = append(deps, taggedDeps(storedTags)...)
			}
			if published {
				deps = append(deps, taggedDeps(post.GetStringSlice("tags"))...)
			}
		}
		afterCommit(e.App, func() { cache.invalidate(deps...) })
		return nil
	})

	app.OnRecordDelete(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		var stored struct {
			Status string `db:"status"`
			Author string `db:"author"`
			Tags   string `db:"tags"`
		}
		storedErr := readStoredRow(e.App, e.Record, &stored)
		if err := e.Next(); err != nil {
			return err
		}
		deps := []string{depPost(e.Record.Id), depComments(e.Record.Id)}
		if storedErr != nil || stored.Status == statusPublished {
			deps = append(deps, depListing(""), depListing(stored.Author), depListing(e.Record.GetString("author")))
			deps = append(deps, taggedDeps(relationIds(stored.Tags))...)
			deps = append(deps, taggedDeps(e.Record.GetStringSlice("tags"))...)
		}
		afterCommit(e.App, func() { cache.invalidate(deps...) })
		return nil
	})

	invalidatePost := func(e *core.RecordEvent) error {
		cache.invalidate(depPost(e.Record.GetString("post")), depPublishedEdits)
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(postContentsCollection).BindFunc(invalidatePost)
	app.OnRecordAfterUpdateSuccess(postContentsCollection).BindFunc(invalidatePost)
	app.OnRecordAfterDeleteSuccess(postContentsCollection).BindFunc(invalidatePost)

	// a comment coming or going moves its post's commentsCount: the pages
	// and the view that show the post get the new count written in
	// (patchCommentsCount), its threads are rebuilt
	countedComment := func(e *core.RecordEvent) error {
		post := e.Record.GetString("post")
		patchCommentsCount(app, cache, post)
		cache.invalidate(depComments(post))
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(commentsCollection).BindFunc(countedComment)
	app.OnRecordAfterDeleteSuccess(commentsCollection).BindFunc(countedComment)
	app.OnRecordAfterUpdateSuccess(commentsCollection).BindFunc(func(e *core.RecordEvent) error {
		cache.invalidate(depComments(e.Record.GetString("post")))
		return e.Next()
	})

	bindAuthorInvalidation(app, cache)

	// a tag's name and slug show on the posts carrying it; a new or
	// renamed slug may name a page that was not there
	invalidateTag := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		deps := []string{depTag(e.Record.Id), depTagSlugs, depTagCounts, depTagListing(e.Record.Id)}
		afterCommit(e.App, func() { cache.invalidate(deps...) })
		return nil
	}
	app.OnRecordCreate(tagsCollection).BindFunc(invalidateTag)
	app.OnRecordUpdate(tagsCollection).BindFunc(invalidateTag)
	app.OnRecordDelete(tagsCollection).BindFunc(invalidateTag)

	// the site's settings and address show on every page and feed
	invalidateSite := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		afterCommit(e.App, func() { cache.invalidate(depSite) })
		return nil
	}
	app.OnRecordCreate(siteCollection).BindFunc(invalidateSite)
	app.OnRecordUpdate(siteCollection).BindFunc(invalidateSite)
	app.OnRecordDelete(siteCollection).BindFunc(invalidateSite)
	// the Application URL (when BLOG_PUBLIC_URL is not set) and whether
	// mail is on, once the new settings are loaded: a page built from the
	// old ones meanwhile is then not kept
	app.OnSettingsReload().BindFunc(func(e *core.SettingsReloadEvent) error {
		err := e.Next()
		cache.invalidate(depSite)
		return err
	})

	invalidateOnSchema := func(e *core.CollectionEvent) error {
		cache.invalidateAll()
		return e.Next()
	}
	app.OnCollectionAfterCreateSuccess().BindFunc(invalidateOnSchema)
	app.OnCollectionAfterUpdateSuccess().BindFunc(invalidateOnSchema)
	app.OnCollectionAfterDeleteSuccess().BindFunc(invalidateOnSchema)
}

// taggedDeps are the listings of tags, and the tags' counts, that a post
// with these tags entering or leaving the published set changes.
func taggedDeps(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	deps := []string{depTagCounts}
	for _, id := range tags {
		deps = append(deps, depTagListing(id))
	}
	return deps
}

// relationIds reads a multiple relation column as stored: a JSON array of
// ids (anything else holds none).
func relationIds(stored string) []string {
	var ids []string
	if json.Unmarshal([]byte(stored), &ids) != nil {
		return nil
	}
	return ids
}

// bindAuthorInvalidation invalidates an author's byline when it changes,
// judged against the stored row: most updates of a user (password, token
// key, last login, email) show nowhere public.
func bindAuthorInvalidation(app core.App, cache *publicCache) {
	app.OnRecordAfterCreateSuccess(usersCollection).BindFunc(func(e *core.RecordEvent) error {
		cache.invalidate(depUsernames)
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess(usersCollection).BindFunc(func(e *core.RecordEvent) error {
		cache.invalidate(depAuthor(e.Record.Id), depUsernames)
		return e.Next()
	})
	app.OnRecordUpdate(usersCollection).BindFunc(func(e *core.RecordEvent) error {
		var stored struct {
			Username string `db:"username"`
			Name     string `db:"name"`
			Avatar   string `db:"avatar"`
			Bio      string `db:"bio"`
		}
		storedErr := readStoredRow(e.App, e.Record, &stored)
		if err := e.Next(); err != nil {
			return err
		}
		var deps []string
		if storedErr != nil || stored.Username != e.Record.GetString("username") {
			deps = append(deps, depAuthor(e.Record.Id), depUsernames)
		} else if stored.Name != e.Record.GetString("name") || stored.Avatar != e.Record.GetString("avatar") ||
			stored.Bio != e.Record.GetString("bio") {
			deps = append(deps, depAuthor(e.Record.Id))
		}
		if len(deps) > 0 {
			afterCommit(e.App, func() { cache.invalidate(deps...) })
		}
		return nil
	})
}

// afterCommit runs fn once the write being made through app has
// committed: when its transaction completes without error, or at once
// outside a transaction. A rolled back write changed nothing.
func afterCommit(app core.App, fn func()) {
	afterTransaction(app, func(err error) {
		if err == nil {
			fn()
		}
	})
}

// afterTransaction runs fn when the transaction app writes in ends, with
// its error (nil when it committed), or at once outside a transaction.
func afterTransaction(app core.App, fn func(error)) {
	if tx := app.TxInfo(); tx != nil {
		tx.OnComplete(func(txErr error) error {
			fn(txErr)
			return nil
		})
		return
	}
	fn(nil)
}
