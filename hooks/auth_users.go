package hooks

import (
	"strings"
	"unicode"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/unicode/norm"

	"blogbase/internal/content"
	"blogbase/internal/sms"
)

// bindUsers keeps usernames unambiguous on every write path, and lets
// people log in with their phone number written as they write it.
func bindUsers(app core.App) {
	app.OnRecordValidate(usersCollection).BindFunc(validateUser)
	app.OnRecordAuthWithPasswordRequest(usersCollection).BindFunc(findUserByWrittenPhone)
	// refused before a confirmation mail goes to an address that cannot
	// receive it (the confirmation would be refused anyway, by validateUser)
	app.OnRecordRequestEmailChangeRequest(usersCollection).BindFunc(func(e *core.RecordRequestEmailChangeRequestEvent) error {
		if reservedEmail(e.NewEmail) {
			return e.BadRequestError("Failed to request email change.", validation.Errors{"newEmail": errReservedEmail})
		}
		return e.Next()
	})
}

// errReservedEmail refuses an address at .invalid (see reservedEmail).
var errReservedEmail = validation.NewError("validation_email_reserved",
	"Addresses at .invalid receive no mail and are kept for demo accounts.")

// findUserByWrittenPhone reads an identity shaped like a phone number
// ("13812345678", "+86 138 1234 5678") as a phone first, in its stored
// E.164 form: a username made of the same digits (registered before such
// usernames were refused) must not take the phone's owner's login.
func findUserByWrittenPhone(e *core.RecordAuthWithPasswordRequestEvent) error {
	if (e.IdentityField == "" || e.IdentityField == "phone") && writtenAsPhone(e.Identity) {
		if phone, err := sms.NormalizePhone(e.Identity); err == nil {
			if user, err := e.App.FindFirstRecordByData(usersCollection, "phone", phone); err == nil {
				e.Record = user
			}
		}
	}
	return e.Next()
}

// writtenAsPhone tells whether an identity is made of what people write
// phone numbers with: digits, "+", spaces, "-", ".", "(" and ")". The
// phone parser would also find a number inside "bob_13812345678" or read
// keypad letters, and such usernames must keep logging in their owners.
func writtenAsPhone(identity string) bool {
	return strings.ContainsFunc(identity, func(r rune) bool { return r >= '0' && r <= '9' }) &&
		!strings.ContainsFunc(identity, func(r rune) bool {
			return !(r >= '0' && r <= '9') && !strings.ContainsRune("+ -.()", r)
		})
}

// validateUser refuses new usernames shaped like record ids, since routes
// that take "a user id or username" (the listing's author) could not tell
// them apart, and usernames of digits only, which a password login would
// read as somebody's phone number. A user who already has one (registered
// before these rules) can still save everything else.
func validateUser(e *core.RecordEvent) error {
	return validateRecord(e, func(errs fieldErrors) error {
		username := e.Record.GetString("username")
		var refused error
		switch {
		case content.LooksLikeRecordId(username):
			refused = validation.NewError("validation_username_id_shape",
				"A username cannot look like a record id (15 letters and digits); add an underscore.")
		case strings.Trim(username, "0123456789") == "":
			refused = validation.NewError("validation_username_digits",
				"A username cannot be only digits, which read as a phone number; add a letter or an underscore.")
		}
		if refused != nil && !errs.has("username") && changedFromStored(e.App, e.Record, "username") {
			errs.add("username", refused)
		}
		if reservedEmail(e.Record.Email()) && !errs.has("email") && changedFromStored(e.App, e.Record, "email") {
			errs.add("email", errReservedEmail)
		}
		return nil
	})
}

// reservedEmail tells whether an address is at the .invalid top-level
// domain, which never receives mail (RFC 6761): `blogbase seed` gives its
// demo accounts such addresses and finds them by it, so no real account
// may have one. Seeded accounts are written without these hooks.
func reservedEmail(email string) bool {
	_, domain, _ := strings.Cut(email, "@")
	// read as people would: fullwidth letters as letters, invisible
	// characters as nothing
	domain = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, norm.NFKC.String(domain))
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	return domain == "invalid" || strings.HasSuffix(domain, ".invalid")
}

// changedFromStored tells whether record's text field differs from the
// stored row's (always, for a new record): a user who has a value from
// before a rule keeps saving everything else.
func changedFromStored(app core.App, record *core.Record, field string) bool {
	if record.IsNew() {
		return true
	}
	var stored struct {
		Username string `db:"username"`
		Email    string `db:"email"`
	}
	err := readStoredRow(app, record, &stored)
	was := map[string]string{"username": stored.Username, "email": stored.Email}[field]
	return err != nil || was != record.GetString(field)
}
