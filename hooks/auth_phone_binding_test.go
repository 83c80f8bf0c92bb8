package hooks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"blogbase/hooks"
	"blogbase/internal/sms"
)

// heldTexts is the URL of an SMS gateway that never answers: the outbox
// sender waits on its first text until the app stops, so texts keep their
// codes for hooks.TextedSmsCode, and the sender saves nothing while a
// scenario runs (its events would be counted with the scenario's).
var heldTexts = sync.OnceValue(func() string {
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	return gateway.URL // open until the test binary ends
})

// phoneBindingApp is a TestAppFactory whose texts wait at heldTexts.
func phoneBindingApp(t testing.TB) *tests.TestApp {
	return newTestAppWith(t, configWith(func(c *hooks.Config) {
		c.SMS = hooks.SMSConfig{Provider: "webhook", WebhookURL: heldTexts(), IPHourly: 100}
	}))
}

// textCode asks for a code for phone (as written) through POST
// /api/blog/sms/code, as its owner would, and returns the code texted.
func textCode(t testing.TB, app core.App, h http.Handler, phone string) string {
	t.Helper()
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/sms/code", `{"phone":"`+phone+`"}`, ""), 202)
	e164, err := sms.NormalizePhone(phone)
	if err != nil {
		t.Fatal(err)
	}
	code, err := hooks.TextedSmsCode(app, e164)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// otherCode is a code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// bindBody is POST /api/blog/me/phone's body.
func bindBody(phone, code string) string {
	return `{"phone":"` + phone + `","code":"` + code + `"}`
}

// codeBody is a request body sending a phone and a code that is known
// only once the scenario has begun (it is texted then): it is written
// when the request is read.
type codeBody struct {
	phone, code string
	text        io.Reader
}

func (b *codeBody) Read(p []byte) (int, error) {
	if b.text == nil {
		b.text = strings.NewReader(bindBody(b.phone, b.code))
	}
	return b.text.Read(p)
}

// withTextedCode completes s: a code is texted to phone when it begins,
// and its body sends phone (as written) with that code, or with the code
// then returns, then having first done what the scenario is about (tried
// wrong codes, used the code up).
func withTextedCode(s tests.ApiScenario, phone string, then func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string) tests.ApiScenario {
	body := &codeBody{phone: phone}
	s.Method = http.MethodPost
	s.URL = "/api/blog/me/phone"
	s.Body = body
	s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		h, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		body.code = textCode(t, app, h, phone)
		if then != nil {
			body.code = then(t, app, h, body.code)
		}
	}
	return s
}

// phoneOf reads a user's stored phone.
func phoneOf(t testing.TB, app core.App, userId string) string {
	t.Helper()
	user, err := app.FindRecordById("users", userId)
	if err != nil {
		t.Fatal(err)
	}
	return user.GetString("phone")
}

// expectPhones fails unless alice and bob have these phones.
func expectPhones(alice, bob string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if got := phoneOf(t, app, fx.aliceId); got != alice {
			t.Errorf("alice's phone is %q, want %q", got, alice)
		}
		if got := phoneOf(t, app, fx.bobId); got != bob {
			t.Errorf("bob's phone is %q, want %q", got, bob)
		}
	}
}

// bobBindsPhone is a BeforeTestFunc: bob binds +8613900000001 through the
// route, with a code texted to it.
func bobBindsPhone(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	h, err := e.Router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	code := textCode(t, app, h, "+8613900000001")
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody("+8613900000001", code), fx.bobToken), 200)
}

// TestPhoneBinding pins POST /api/blog/me/phone: who may call it, what a
// code must be, and who sees the phone afterwards. The code rules are
// those of phone sign-in (auth_sms_test.go), shared by both routes.
func TestPhoneBinding(t *testing.T) {
	t.Parallel()

	const alicePhone, newPhone = "+8613812345678", "+8613900000001"
	// a user's write, with the used code's: the users' hooks run
	userSaved := map[string]int{
		"*":                          0,
		"OnRecordUpdate":             2,
		"OnRecordUpdateExecute":      2,
		"OnRecordAfterUpdateSuccess": 2,
		"OnRecordValidate":           2,
		"OnModelUpdate":              2,
		"OnModelUpdateExecute":       2,
		"OnModelAfterUpdateSuccess":  2,
		"OnModelValidate":            2,
	}
	// only the code's row is saved (used up, or a wrong try counted)
	codeUsedOnly := map[string]int{
		"*":                          0,
		"OnRecordUpdate":             1,
		"OnRecordUpdateExecute":      1,
		"OnRecordAfterUpdateSuccess": 1,
		"OnRecordValidate":           1,
		"OnModelUpdate":              1,
		"OnModelUpdateExecute":       1,
		"OnModelAfterUpdateSuccess":  1,
		"OnModelValidate":            1,
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPost,
			URL:             "/api/blog/me/phone",
			Body:            strings.NewReader(bindBody("13900000001", "123456")),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"status":401`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "superuser",
			Method:          http.MethodPost,
			URL:             "/api/blog/me/phone",
			Body:            strings.NewReader(bindBody("13900000001", "123456")),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:           "user sending nothing",
			Method:         http.MethodPost,
			URL:            "/api/blog/me/phone",
			Body:           strings.NewReader(`{}`),
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 400,
			ExpectedContent: []string{
				`"phone":{"code":"validation_required"`,
				`"code":{"code":"validation_required"`,
			},
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name:           "user sending an unreadable phone and a code that cannot be one",
			Method:         http.MethodPost,
			URL:            "/api/blog/me/phone",
			Body:           strings.NewReader(bindBody("call me", "12ab")),
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 400,
			ExpectedContent: []string{
				`"phone":{"code":"validation_invalid_phone"`,
				`"code":{"code":"validation_match_invalid"`,
			},
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name:            "user sending malformed JSON",
			Method:          http.MethodPost,
			URL:             "/api/blog/me/phone",
			Body:            strings.NewReader(`{"phone":`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "user sending a number for the phone",
			Method:          http.MethodPost,
			URL:             "/api/blog/me/phone",
			Body:            strings.NewReader(`{"phone":13800138000,"code":"123456"}`),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"phone":{"code":"validation_invalid_type","message":"Must be a string."}`},
			ExpectedEvents:  map[string]int{"*": 0},
		},
		{
			Name:            "user with a code for a phone that asked for none",
			Method:          http.MethodPost,
			URL:             "/api/blog/me/phone",
			Body:            strings.NewReader(bindBody("13900000001", "123456")),
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   expectPhones(alicePhone, ""),
		},
		withTextedCode(tests.ApiScenario{
			Name:               "user with a wrong code",
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"code":{"code":"validation_invalid_code"`},
			NotExpectedContent: []string{`"record"`},
			ExpectedEvents:     codeUsedOnly, // the wrong try is counted
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectPhones(alicePhone, "")(t, app, res)
				codes, err := app.FindFirstRecordByData("smsCodes", "phone", newPhone)
				if err != nil || codes.GetInt("failedTries") != 1 {
					t.Errorf("the wrong try was not counted: %v", err)
				}
			},
		}, "139 0000 0001", func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string {
			return otherCode(code)
		}),
		withTextedCode(tests.ApiScenario{
			Name:            "user with an expired code",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
			AfterTestFunc:   expectPhones(alicePhone, ""),
		}, "13900000001", func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string {
			codes, err := app.FindFirstRecordByData("smsCodes", "phone", newPhone)
			if err != nil {
				t.Fatal(err)
			}
			codes.Set("expires", time.Now().Add(-time.Second))
			if err := app.Save(codes); err != nil {
				t.Fatal(err)
			}
			return code
		}),
		withTextedCode(tests.ApiScenario{
			Name:            "user with the right code after five wrong ones",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  429,
			ExpectedContent: []string{`"status":429`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   expectPhones(alicePhone, ""),
		}, "13900000001", func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string {
			for range 5 {
				expectCode(t, send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody("13900000001", otherCode(code)), fx.bobToken), 400)
			}
			return code
		}),
		withTextedCode(tests.ApiScenario{
			Name:               "user binding another user's phone",
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     409,
			ExpectedContent:    []string{`"status":409`, `"phone":{"code":"validation_phone_taken"`},
			NotExpectedContent: []string{alicePhone, fx.aliceId},
			ExpectedEvents:     codeUsedOnly,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectPhones(alicePhone, "")(t, app, res)
				codes, err := app.FindFirstRecordByData("smsCodes", "phone", alicePhone)
				if err != nil || codes.GetDateTime("expires").Time().After(time.Now()) {
					t.Errorf("the code was not used up: %v", err)
				}
			},
		}, "+86 138 1234 5678", nil),
		withTextedCode(tests.ApiScenario{
			Name:           "user binding a phone",
			Headers:        auth(fx.bobToken),
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"record":{`, `"id":"` + fx.bobId + `"`,
				`"phone":"` + newPhone + `"`, `"email":"bob@example.com"`,
			},
			ExpectedEvents: userSaved,
			AfterTestFunc:  expectPhones(alicePhone, newPhone),
		}, "139 0000 0001", nil),
		withTextedCode(tests.ApiScenario{
			Name:            "owner changing their phone",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + fx.aliceId + `"`, `"phone":"` + newPhone + `"`},
			ExpectedEvents:  userSaved,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectPhones(newPhone, "")(t, app, res)
				// the old phone is free, and signs nobody in
				if _, err := app.FindFirstRecordByData("users", "phone", alicePhone); err == nil {
					t.Error("the old phone still belongs to a user")
				}
			},
		}, "13900000001", nil),
		withTextedCode(tests.ApiScenario{
			Name:            "owner binding the phone they have",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + fx.aliceId + `"`, `"phone":"` + alicePhone + `"`},
			ExpectedEvents:  codeUsedOnly,
			AfterTestFunc:   expectPhones(alicePhone, ""),
		}, "13812345678", nil),
		withTextedCode(tests.ApiScenario{
			Name:            "owner using a code twice",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
			ExpectedEvents:  map[string]int{"*": 0},
			AfterTestFunc:   expectPhones(alicePhone, newPhone),
		}, "13900000001", func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string {
			expectCode(t, send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody("13900000001", code), fx.bobToken), 200)
			return code
		}),
		withTextedCode(tests.ApiScenario{
			// the code is checked first: a used code says nothing of
			// whose phone it was sent to
			Name:            "other user using a code already used",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
			AfterTestFunc:   expectPhones(alicePhone, newPhone),
		}, "13900000001", func(t testing.TB, app *tests.TestApp, h http.Handler, code string) string {
			expectCode(t, send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody("13900000001", code), fx.bobToken), 200)
			return code
		}),

		// who sees a bound phone: its owner in /api/blog/me, superusers
		{
			Name:            "owner reading /api/blog/me after binding a phone",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.bobToken),
			BeforeTestFunc:  bobBindsPhone,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"phone":"` + newPhone + `"`},
		},
		{
			Name:               "owner viewing their record through the collections API",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + fx.bobId,
			Headers:            auth(fx.bobToken),
			BeforeTestFunc:     bobBindsPhone,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + fx.bobId + `"`},
			NotExpectedContent: []string{`"phone"`, newPhone},
		},
		{
			Name:               "other user viewing a user who bound a phone",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + fx.bobId,
			Headers:            auth(fx.aliceToken),
			BeforeTestFunc:     bobBindsPhone,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + fx.bobId + `"`},
			NotExpectedContent: []string{`"phone"`, newPhone},
		},
		{
			Name:               "guest listing users who bound a phone",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records",
			BeforeTestFunc:     bobBindsPhone,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + fx.bobId + `"`},
			NotExpectedContent: []string{`"phone"`, newPhone},
		},
		{
			// a hidden field is no filter's but a superuser's
			Name:               "other user filtering users by a bound phone",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records?filter=" + urlQuery(`phone="`+newPhone+`"`),
			Headers:            auth(fx.aliceToken),
			BeforeTestFunc:     bobBindsPhone,
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`},
			NotExpectedContent: []string{fx.bobId},
		},
		{
			Name:            "superuser viewing a user who bound a phone",
			Method:          http.MethodGet,
			URL:             "/api/collections/users/records/" + fx.bobId,
			Headers:         auth(fx.superuserToken),
			BeforeTestFunc:  bobBindsPhone,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"phone":"` + newPhone + `"`},
		},
		{
			// the bound phone is a password identity, as written
			Name:            "owner logging in with the bound phone",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"139 0000 0001","password":"password-123"}`),
			BeforeTestFunc:  bobBindsPhone,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"id":"` + fx.bobId + `"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = phoneBindingApp
		s.Test(t)
	}
}

// TestPhoneBindingRaces binds one phone from two places at once: whatever
// the order, one write wins, the other is refused with a 4xx, and the
// phone ends up with one user, the winner.
func TestPhoneBindingRaces(t *testing.T) {
	t.Parallel()
	app := phoneBindingApp(t)
	defer app.Cleanup()
	// the limiter would count these requests as one person's
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	carol, err := createUser(app, "carol", "carol@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	carolToken, err := carol.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	// race runs the writes at once and returns their answers
	race := func(writes ...func() *httptest.ResponseRecorder) []*httptest.ResponseRecorder {
		answers := make([]*httptest.ResponseRecorder, len(writes))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, write := range writes {
			wg.Go(func() {
				<-start
				answers[i] = write()
			})
		}
		close(start)
		wg.Wait()
		return answers
	}
	// holder is the id of the one user with phone
	holder := func(phone string) string {
		t.Helper()
		if n := countRows(t, app, "users", dbx.HashExp{"phone": phone}); n != 1 {
			t.Fatalf("%d users have %s", n, phone)
		}
		user, err := app.FindFirstRecordByData("users", "phone", phone)
		if err != nil {
			t.Fatal(err)
		}
		return user.Id
	}

	phones := []string{"+8613900000011", "+8613900000012", "+8613900000013"}
	for _, phone := range phones {
		// bob and carol both hold the phone's code (one phone, one code):
		// it binds it to one of them, and is then used up for the other
		code := textCode(t, app, h, phone)
		bind := func(token string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				return send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody(phone, code), token)
			}
		}
		answers := race(bind(fx.bobToken), bind(carolToken))
		won, lost := answers[0].Code, answers[1].Code
		winner := fx.bobId
		if won != 200 {
			won, lost, winner = lost, won, carol.Id
		}
		if won != 200 || lost != 400 {
			t.Fatalf("two binds of %s answered %d and %d, want 200 and 400", phone, answers[0].Code, answers[1].Code)
		}
		if got := holder(phone); got != winner {
			t.Fatalf("%s is %s's, but %s's bind won", phone, got, winner)
		}
	}

	// bob binds a phone while a superuser gives it to carol in the
	// dashboard: one of the two writes is refused
	for _, phone := range []string{"+8613900000021", "+8613900000022", "+8613900000023"} {
		code := textCode(t, app, h, phone)
		answers := race(
			func() *httptest.ResponseRecorder {
				return send(t, h, http.MethodPost, "/api/blog/me/phone", bindBody(phone, code), fx.bobToken)
			},
			func() *httptest.ResponseRecorder {
				return send(t, h, http.MethodPatch, "/api/collections/users/records/"+carol.Id, `{"phone":"`+phone+`"}`, fx.superuserToken)
			})
		bound, given := answers[0].Code, answers[1].Code
		switch {
		case bound == 200 && given == 400 && strings.Contains(answers[1].Body.String(), `"phone":{"code":"validation_not_unique"`):
			if got := holder(phone); got != fx.bobId {
				t.Fatalf("%s is %s's after bob's bind won", phone, got)
			}
		case bound == 409 && given == 200:
			if got := holder(phone); got != carol.Id {
				t.Fatalf("%s is %s's after the superuser's write won", phone, got)
			}
		default:
			t.Fatalf("bind answered %d (%s), the superuser's write %d (%s)", bound, answers[0].Body, given, answers[1].Body)
		}
	}
}
