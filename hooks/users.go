package hooks

import (
	"errors"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// bindUsers keeps usernames unambiguous on every write path.
func bindUsers(app core.App) {
	app.OnRecordValidate(usersCollection).BindFunc(validateUser)
}

// validateUser refuses usernames shaped like record ids: routes that take
// "a user id or username" (the listing's author) could not tell them apart.
func validateUser(e *core.RecordEvent) error {
	errs := validation.Errors{}
	if err := e.Next(); err != nil && !errors.As(err, &errs) {
		return err
	}
	if _, ok := errs["username"]; !ok && content.LooksLikeRecordId(e.Record.GetString("username")) {
		errs["username"] = validation.NewError("validation_username_id_shape",
			"A username cannot look like a record id (15 letters and digits); add an underscore.")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
