package migrations

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A post can be scheduled: written now, published by the server at its
// publication date. Until then it is seen as a draft is, by its author
// only (the rules show published posts to everyone, any other status to
// the author alone), and the published posts' index finds the ones due.
func init() {
	m.Register(func(app core.App) error {
		return setPostStatuses(app, "draft", "published", "scheduled")
	}, func(app core.App) error {
		// a post still waiting for its date goes back to the drafts
		if _, err := app.DB().NewQuery("UPDATE {{posts}} SET [[status]] = 'draft' WHERE [[status]] = 'scheduled'").Execute(); err != nil {
			return err
		}
		return setPostStatuses(app, "draft", "published")
	})
}

func setPostStatuses(app core.App, values ...string) error {
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		return err
	}
	status, ok := posts.Fields.GetByName("status").(*core.SelectField)
	if !ok {
		return errors.New("posts.status is not a select field")
	}
	status.Values = values
	return app.Save(posts)
}
