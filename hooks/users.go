package hooks

import (
	"errors"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// bindUsers keeps usernames unambiguous on every write path.
func bindUsers(app core.App) {
	app.OnRecordValidate(usersCollection).BindFunc(validateUser)
}

// validateUser refuses new usernames shaped like record ids: routes that
// take "a user id or username" (the listing's author) could not tell them
// apart. A user who already has one (registered before this rule) can
// still save everything else.
func validateUser(e *core.RecordEvent) error {
	errs := validation.Errors{}
	if err := e.Next(); err != nil && !errors.As(err, &errs) {
		return err
	}
	username := e.Record.GetString("username")
	if _, ok := errs["username"]; !ok && content.LooksLikeRecordId(username) && usernameChanged(e.App, e.Record) {
		errs["username"] = validation.NewError("validation_username_id_shape",
			"A username cannot look like a record id (15 letters and digits); add an underscore.")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// usernameChanged tells whether record's username differs from the stored
// one (always, for a new record).
func usernameChanged(app core.App, record *core.Record) bool {
	if record.IsNew() {
		return true
	}
	var stored string
	err := app.DB().Select("username").From(usersCollection).
		Where(dbx.HashExp{"id": record.LastSavedPK()}).Row(&stored)
	return err != nil || stored != record.GetString("username")
}
