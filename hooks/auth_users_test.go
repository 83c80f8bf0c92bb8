package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// TestUsersProfiles checks the public profile, the hidden phone and the
// three password identities.
func TestUsersProfiles(t *testing.T) {
	t.Parallel()

	records := "/api/collections/users/records"

	scenarios := []tests.ApiScenario{
		{
			Name:               "guest viewing a profile",
			Method:             http.MethodGet,
			URL:                records + "/" + fx.aliceId,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"username":"alice"`, `"name":"alice name"`, `"bio":""`, `"avatar":""`},
			NotExpectedContent: []string{"alice@example.com", "phone", "+86"},
		},
		{
			Name:               "guest listing profiles",
			Method:             http.MethodGet,
			URL:                records,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, `"username":"bob"`},
			NotExpectedContent: []string{"@example.com", "phone"},
		},
		{
			Name:               "user viewing own profile still has no phone there",
			Method:             http.MethodGet,
			URL:                records + "/" + fx.aliceId,
			Headers:            auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"email":"alice@example.com"`},
			NotExpectedContent: []string{"phone", "+86"},
		},
		{
			Name:            "superuser viewing a profile sees the phone",
			Method:          http.MethodGet,
			URL:             records + "/" + fx.aliceId,
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"phone":"+8613812345678"`},
		},
		{
			Name:               "guest filtering by phone",
			Method:             http.MethodGet,
			URL:                records + "?filter=" + urlQuery(`phone = "+8613812345678"`),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`},
			NotExpectedContent: []string{fx.aliceId},
		},
		{
			Name:               "other user filtering by email",
			Method:             http.MethodGet,
			URL:                records + "?filter=" + urlQuery(`email ~ "alice"`),
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{fx.aliceId},
		},
		{
			Name:            "user setting a phone without verifying it",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.bobId,
			Body:            strings.NewReader(`{"phone":"+8613900000000","bio":"hi"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"bio":"hi"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				bob, err := app.FindRecordById("users", fx.bobId)
				if err != nil {
					t.Fatal(err)
				}
				if bob.GetString("phone") != "" {
					t.Fatalf("an unverified phone was stored: %q", bob.GetString("phone"))
				}
			},
		},
		{
			Name:            "other user updating a profile",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.aliceId,
			Body:            strings.NewReader(`{"bio":"hacked"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other user deleting a profile",
			Method:          http.MethodDelete,
			URL:             records + "/" + fx.aliceId,
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:   "guest registering with an invalid profile",
			Method: http.MethodPost,
			URL:    records,
			Body: strings.NewReader(`{"email":"new@example.com","password":"password-123","passwordConfirm":"password-123",
				"username":"Bad Name","name":"` + strings.Repeat("n", 101) + `","bio":"` + strings.Repeat("b", 501) + `"}`),
			ExpectedStatus: 400,
			ExpectedContent: []string{
				`"username":{"code":"validation_invalid_format"`,
				`"name":{"code":"validation_max_text_constraint"`,
				`"bio":{"code":"validation_max_text_constraint"`,
			},
		},
		{
			Name:            "guest registering a username shaped like a record id",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"email":"new@example.com","password":"password-123","passwordConfirm":"password-123","username":"abcdefghij12345"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"validation_username_id_shape"`},
		},
		{
			Name:            "guest registering a username of digits only",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"email":"new@example.com","password":"password-123","passwordConfirm":"password-123","username":"13812345678"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"validation_username_digits"`},
		},
		{
			Name:            "user renaming themself to digits only",
			Method:          http.MethodPatch,
			URL:             records + "/" + fx.bobId,
			Body:            strings.NewReader(`{"username":"123"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"validation_username_digits"`},
		},
		{
			Name:            "guest registering without a username",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"email":"new@example.com","password":"password-123","passwordConfirm":"password-123"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"validation_required"`},
		},
		{
			Name:            "guest registering a taken username",
			Method:          http.MethodPost,
			URL:             records,
			Body:            strings.NewReader(`{"email":"new@example.com","password":"password-123","passwordConfirm":"password-123","username":"alice"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"validation_not_unique"`},
		},
		{
			Name:               "guest registering",
			Method:             http.MethodPost,
			URL:                records,
			Body:               strings.NewReader(`{"email":"carol@example.com","password":"password-123","passwordConfirm":"password-123","username":"carol_1","phone":"+8613700000000"}`),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"username":"carol_1"`},
			NotExpectedContent: []string{"+8613700000000"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				carol, err := app.FindFirstRecordByData("users", "username", "carol_1")
				if err != nil {
					t.Fatal(err)
				}
				if carol.GetString("phone") != "" {
					t.Fatalf("a phone sent at registration was stored: %q", carol.GetString("phone"))
				}
			},
		},
	}

	for _, identity := range []string{"alice", "alice@example.com", "+8613812345678", "13812345678", "+86 138-1234-5678"} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "logging in with " + identity,
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"` + identity + `","password":"password-123"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"username":"alice"`},
		})
	}
	// a user whose username is alice's phone number in digits, registered
	// before such usernames were refused
	digitsUser := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		saveDigitsUser(t, app)
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "logging in with a phone whose digits another took as a username",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"13812345678","password":"password-123"}`),
			BeforeTestFunc:  digitsUser,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"username":"alice"`},
		},
		tests.ApiScenario{
			Name:   "user whose username holds a phone's digits logging in",
			Method: http.MethodPost,
			URL:    "/api/collections/users/auth-with-password",
			Body:   strings.NewReader(`{"identity":"bob_13812345678","password":"bob-password"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				bob, err := app.FindRecordById("users", fx.bobId)
				if err != nil {
					t.Fatal(err)
				}
				bob.Set("username", "bob_13812345678")
				bob.SetPassword("bob-password")
				if err := app.Save(bob); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"username":"bob_13812345678"`},
		},
		tests.ApiScenario{
			Name:            "the digits user logging in by email",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"digits@example.com","password":"digits-password"}`),
			BeforeTestFunc:  digitsUser,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"username":"13812345678"`},
		},
	)
	scenarios = append(scenarios, tests.ApiScenario{
		Name:            "logging in with a wrong password",
		Method:          http.MethodPost,
		URL:             "/api/collections/users/auth-with-password",
		Body:            strings.NewReader(`{"identity":"alice","password":"wrong-password"}`),
		ExpectedStatus:  400,
		ExpectedContent: []string{`"status":400`},
	})

	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestDigitUsernamesRegisteredBefore checks that a user who registered a
// username of digits before such usernames were refused can still save
// the rest of their profile.
func TestDigitUsernamesRegisteredBefore(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	u := saveDigitsUser(t, app)
	u.Set("bio", "still me")
	if err := app.Save(u); err != nil {
		t.Fatalf("saving a bio: %v", err)
	}
	u.Set("username", "987")
	if err := app.Save(u); err == nil || !strings.Contains(err.Error(), "digits") {
		t.Fatalf("renaming to other digits: %v", err)
	}
}

// saveDigitsUser saves, past the users hooks, a user whose username is
// alice's phone number in digits, as one registered before such
// usernames were refused.
func saveDigitsUser(t testing.TB, app core.App) *core.Record {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(users)
	u.Set("username", "13812345678")
	u.SetEmail("digits@example.com")
	u.SetPassword("digits-password")
	if err := app.SaveNoValidate(u); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestReservedEmails: no account signs up or moves to an address at
// .invalid, which seeded demo accounts use; a seeded account still saves.
func TestReservedEmails(t *testing.T) {
	t.Parallel()
	seeded := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		if _, err := app.DB().NewQuery("UPDATE users SET email = 'alice@seed.invalid' WHERE id = {:id}").
			Bind(dbx.Params{"id": fx.aliceId}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "signing up at seed.invalid",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"Sneaky@SEED.Invalid","username":"sneaky","password":"sneaky-password","passwordConfirm":"sneaky-password"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"email":{"code":"validation_email_reserved"`},
		},
		{
			Name:            "signing up at a lookalike of .invalid (fullwidth letters, an invisible space)",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"sneaky@seed.\uff49\uff4e\uff56\uff41\uff4c\uff49\uff44\u200b","username":"sneaky","password":"sneaky-password","passwordConfirm":"sneaky-password"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"email":{"code":"validation_email_reserved"`},
		},
		{
			Name:            "asking to move one's email to .invalid",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/request-email-change",
			Headers:         auth(fx.bobToken),
			Body:            strings.NewReader(`{"newEmail":"bob@seed.invalid"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"newEmail":{"code":"validation_email_reserved"`},
		},
		{
			Name:            "a superuser moving a user to .invalid",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + fx.bobId,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"email":"bob@example.invalid"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"email":{"code":"validation_email_reserved"`},
		},
		{
			Name:            "a seeded account changing its name",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + fx.aliceId,
			Headers:         auth(fx.superuserToken),
			Body:            strings.NewReader(`{"name":"Alice Demo"}`),
			BeforeTestFunc:  seeded,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"Alice Demo"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
