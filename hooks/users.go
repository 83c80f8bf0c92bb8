package hooks

import (
	"errors"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
	"blogbase/internal/sms"
)

// bindUsers keeps usernames unambiguous on every write path, and lets
// people log in with their phone number written as they write it.
func bindUsers(app core.App) {
	app.OnRecordValidate(usersCollection).BindFunc(validateUser)
	app.OnRecordAuthWithPasswordRequest(usersCollection).BindFunc(findUserByWrittenPhone)
}

// findUserByWrittenPhone is the last try of a password login whose
// identity matched no email, username or stored phone: read as a phone
// number ("13812345678", "+86 138 1234 5678"), it may match the stored
// E.164 form. Trying it last keeps an all-digit username first.
func findUserByWrittenPhone(e *core.RecordAuthWithPasswordRequestEvent) error {
	if e.Record == nil && (e.IdentityField == "" || e.IdentityField == "phone") {
		if phone, err := sms.NormalizePhone(e.Identity); err == nil {
			if user, err := e.App.FindFirstRecordByData(usersCollection, "phone", phone); err == nil {
				e.Record = user
			}
		}
	}
	return e.Next()
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
