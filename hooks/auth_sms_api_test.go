package hooks_test

import (
	"blogbase/hooks"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// TestSmsRoutes pins the answers of the phone sign-in routes to bad input;
// the flows themselves are in auth_sms_test.go and e2e/phone.test.mjs.
func TestSmsRoutes(t *testing.T) {
	t.Parallel()

	// withCode asks for a code for +8613812345678 first
	withCode := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		expectCode(t, send(t, mux, http.MethodPost, "/api/blog/sms/code", `{"phone":"13812345678"}`, ""), 202)
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest asking for a code",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"+86 138 1234 5678"}`),
			ExpectedStatus:  202,
			ExpectedContent: []string{`{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countRows(t, app, "smsOutbox", nil); n != 1 {
					t.Fatalf("%d queued texts", n)
				}
			},
		},
		{
			Name:            "a number longer than E.164 allows",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"+4942071111192098"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"phone":{"code":"validation_invalid_phone"`},
		},
		{
			Name:            "a code for a registered phone answers the same",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"13812345678"}`), // alice's
			ExpectedStatus:  202,
			ExpectedContent: []string{`{}`},
		},
		{
			Name:            "a second code within a minute",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"13812345678"}`),
			BeforeTestFunc:  withCode,
			ExpectedStatus:  429,
			ExpectedContent: []string{`"status":429`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if res.Header.Get("Retry-After") == "" {
					t.Fatal("no Retry-After")
				}
			},
		},
		{
			Name:            "not a phone number",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"call me"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"phone":{"code":"validation_invalid_phone"`},
		},
		{
			Name:            "no phone",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"phone":{"code":"validation_invalid_phone"`},
		},
		{
			Name:            "a wrongly typed phone",
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":13812345678}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
		},
		{
			Name:            "a wrong code",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/phone",
			Body:            strings.NewReader(`{"phone":"13812345678","code":"abc"}`),
			BeforeTestFunc:  withCode,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
		},
		{
			Name:            "a code for a phone that asked for none",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/phone",
			Body:            strings.NewReader(`{"phone":"13900000000","code":"123456"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"code":{"code":"validation_invalid_code"`},
		},
		{
			Name:            "phone sign-in with a bad phone",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/phone",
			Body:            strings.NewReader(`{"phone":"x","code":"123456"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"phone":{"code":"validation_invalid_phone"`},
		},
		{
			Name:            "phone sign-in with malformed JSON",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/phone",
			Body:            strings.NewReader(`{"phone":`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
		},
		{
			Name:            "superusers see the outbox, others do not",
			Method:          http.MethodGet,
			URL:             "/api/collections/smsOutbox/records",
			Headers:         auth(fx.aliceToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}

	t.Run("a webhook provider without its URL", func(t *testing.T) {
		t.Parallel()
		s := tests.ApiScenario{
			Method:          http.MethodPost,
			URL:             "/api/blog/sms/code",
			Body:            strings.NewReader(`{"phone":"13812345678"}`),
			ExpectedStatus:  503,
			ExpectedContent: []string{"BLOG_SMS_WEBHOOK_URL"},
			TestAppFactory: appFactory(configWith(func(c *hooks.Config) {
				c.SMS = hooks.SMSConfig{Provider: "webhook"}
			})),
		}
		s.Test(t)
	})
}
