package hooks

import (
	"database/sql"
	"errors"
	"net/http"
	"regexp"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/sms"
)

// smsCodeShape is what a texted code looks like (newSmsCode).
var smsCodeShape = regexp.MustCompile(`^[0-9]{6}$`)

// phoneBindingForm is what POST /api/blog/me/phone is sent.
type phoneBindingForm struct {
	Phone string `json:"phone" form:"phone"`
	Code  string `json:"code" form:"code"`
}

// validate returns the phone in E.164 and refuses a blank or unreadable
// phone and a code that cannot be one, both fields in one answer. A code
// of the wrong shape is refused here, before it would count as a wrong
// try of the phone's code.
func (f *phoneBindingForm) validate() (string, error) {
	errs := validation.Errors{}
	phone, err := sms.NormalizePhone(f.Phone)
	switch {
	case f.Phone == "":
		errs["phone"] = validation.ErrRequired
	case err != nil:
		errs["phone"] = validation.NewError("validation_invalid_phone", "Must be a valid phone number.")
	}
	errs["code"] = validation.Validate(f.Code, validation.Required,
		validation.Match(smsCodeShape).Error("Must be the 6 digits of the texted code."))
	return phone, errs.Filter()
}

// setPhone is POST /api/blog/me/phone {phone, code}: the signed-in user
// binds the phone a code was texted to (POST /api/blog/sms/code), or
// changes theirs to it, and gets their own record back as /api/blog/me
// shows it. The code is checked before anything is said about the phone,
// so that the answer tells nobody whose number is registered; it is used
// up even when the phone turns out to be another user's.
func (s *smsCodes) setPhone(e *core.RequestEvent) error {
	form := phoneBindingForm{}
	if err := bindForm(e, &form); err != nil {
		return err
	}
	phone, err := form.validate()
	if err != nil {
		return e.BadRequestError("Invalid phone number or code.", err)
	}
	hashKey, _, err := smsSecrets(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}

	phoneTaken := e.Error(http.StatusConflict, "The phone number belongs to another account.", validation.Errors{
		"phone": validation.NewError("validation_phone_taken", "The phone number belongs to another account."),
	})
	var user *core.Record
	var outcome error
	err = e.App.RunInTransaction(func(tx core.App) error {
		refused, err := s.useCode(tx, hashKey, phone, form.Code)
		if err != nil || refused != nil {
			outcome = refused
			return err
		}

		user, err = tx.FindRecordById(usersCollection, e.Auth.Id)
		if err != nil || user.GetString("phone") == phone {
			return err
		}
		// the look-up and the write share the transaction, which SQLite
		// runs alone: nobody takes the phone in between
		if _, err := tx.FindFirstRecordByData(usersCollection, "phone", phone); err == nil {
			outcome = phoneTaken
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// saved with the users' hooks, as every write of a user is
		user.Set("phone", phone)
		if err := tx.Save(user); err != nil {
			if phoneNotUnique(err) {
				outcome = phoneTaken
				return nil
			}
			return err
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return e.NotFoundError("", nil) // the user was deleted meanwhile
	}
	if err != nil {
		return saveFailed(e, "Failed to save the phone number.", err)
	}
	if outcome != nil {
		return outcome
	}

	showToOwner(user)
	return e.JSON(http.StatusOK, map[string]any{"record": user})
}

// phoneNotUnique tells whether a user's save was refused because another
// user has the phone (the unique index, as PocketBase reports it).
func phoneNotUnique(err error) bool {
	var fieldErrs validation.Errors
	if !errors.As(err, &fieldErrs) {
		return false
	}
	refused, ok := fieldErrs["phone"].(validation.Error)
	return ok && refused.Code() == "validation_not_unique"
}
