package hooks_test

import (
	"blogbase/hooks"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"
)

const (
	passwordLogin = "/api/collections/users/auth-with-password"
	aliceLogin    = `{"identity":"alice@example.com","password":"password-123"}`
)

// TestAuthTokens checks that every auth response carries a token of its
// own, so that signing one session out leaves the others alone.
func TestAuthTokens(t *testing.T) {
	t.Parallel()

	// tokens the BeforeTestFuncs obtain, and the header they fill in
	// before the scenario's request is built
	var first, second string
	headers := map[string]string{}
	twoLoginsThen := func(signOut bool, use func() string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			mux, err := e.Router.BuildMux()
			if err != nil {
				t.Fatal(err)
			}
			first, second = sameSecondLogins(t, mux)
			if signOut {
				expectCode(t, send(t, mux, http.MethodPost, "/api/blog/auth/logout", "", first), 204)
			}
			headers["Authorization"] = use()
		}
	}
	login := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		first = loginAlice(t, mux)
		headers["Authorization"] = first
	}
	impersonated := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		rec := send(t, mux, http.MethodPost, "/api/collections/users/impersonate/"+fx.aliceId, `{"duration":60}`, fx.superuserToken)
		expectCode(t, rec, 200)
		first = responseToken(t, rec.Result())
		headers["Authorization"] = first
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "user signing in twice",
			Method:          http.MethodPost,
			URL:             passwordLogin,
			Body:            strings.NewReader(aliceLogin),
			BeforeTestFunc:  login,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectApart(t, first, responseToken(t, res))
			},
		},
		{
			Name:            "user's other login of the same second after signing one out",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         headers,
			BeforeTestFunc:  twoLoginsThen(true, func() string { return second }),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"alice"`},
		},
		{
			Name:            "user's signed-out login",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         headers,
			BeforeTestFunc:  twoLoginsThen(true, func() string { return first }),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "user refreshing a fresh token",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-refresh",
			Headers:         headers,
			BeforeTestFunc:  login,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				refreshed := responseToken(t, res)
				expectApart(t, first, refreshed)
				if claims := tokenClaims(t, refreshed); claims["refreshable"] != true {
					t.Fatalf("the refreshed token is not refreshable: %v", claims)
				}
				for _, token := range []string{first, refreshed} {
					if _, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth); err != nil {
						t.Fatalf("a token stopped working: %v", err)
					}
				}
			},
		},
		{
			Name:            "superuser impersonating a user for a minute",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/impersonate/" + fx.aliceId,
			Body:            strings.NewReader(`{"duration":60}`),
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				token := responseToken(t, res)
				claims := tokenClaims(t, token)
				exp, _ := claims.GetExpirationTime()
				if claims["refreshable"] != false || exp == nil || time.Until(exp.Time) > time.Minute {
					t.Fatalf("the impersonation token is no longer static: %v", claims)
				}
				if claims["jti"] == nil {
					t.Fatalf("the impersonation token has no id of its own: %v", claims)
				}
				if _, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth); err != nil {
					t.Fatalf("the impersonation token does not work: %v", err)
				}
			},
		},
		{
			Name:            "impersonated user refreshing the static token",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-refresh",
			Headers:         headers,
			BeforeTestFunc:  impersonated,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if token := responseToken(t, res); token != first {
					t.Fatal("refreshing a static token handed out another session")
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestAuthTokensOfPhoneLogins checks that a phone sign-in, which answers
// through PocketBase's auth response, gets a token of its own too.
func TestAuthTokensOfPhoneLogins(t *testing.T) {
	t.Parallel()
	codes := make(chan string, 4)
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Code string `json:"code"`
		}
		json.NewDecoder(r.Body).Decode(&m)
		codes <- m.Code
	}))
	defer gateway.Close()
	app := newTestAppWith(t, configWith(func(c *hooks.Config) {
		c.SMS = hooks.SMSConfig{Provider: "webhook", WebhookURL: gateway.URL}
	}))
	defer app.Cleanup()
	h := serve(t, app)

	phoneLogin := func() string {
		expectCode(t, send(t, h, http.MethodPost, "/api/blog/sms/code", `{"phone":"13812345678"}`, ""), 202)
		var code string
		select {
		case code = <-codes:
		case <-time.After(10 * time.Second):
			t.Fatal("no text reached the gateway")
		}
		rec := send(t, h, http.MethodPost, "/api/blog/auth/phone", `{"phone":"13812345678","code":"`+code+`"}`, "")
		expectCode(t, rec, 200)
		return responseToken(t, rec.Result())
	}
	expectApart(t, loginAlice(t, h), phoneLogin())
}

// loginAlice signs alice in with her password and returns the token.
func loginAlice(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := send(t, h, http.MethodPost, passwordLogin, aliceLogin, "")
	expectCode(t, rec, 200)
	return responseToken(t, rec.Result())
}

// sameSecondLogins signs alice in twice within one second, when tokens
// without an id of their own would be identical.
func sameSecondLogins(t testing.TB, h http.Handler) (string, string) {
	t.Helper()
	for range 9 { // 18 logins, under the 20 a minute the *:auth rule allows
		// at once, so that a slow machine still gets them into one second
		var second string
		done := make(chan struct{})
		go func() {
			defer close(done)
			req := httptest.NewRequest(http.MethodPost, passwordLogin, strings.NewReader(aliceLogin))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var answer struct {
				Token string `json:"token"`
			}
			json.Unmarshal(rec.Body.Bytes(), &answer)
			second = answer.Token
		}()
		first := loginAlice(t, h)
		<-done
		if second == "" {
			t.Fatal("the second login failed")
		}
		expA, _ := tokenClaims(t, first).GetExpirationTime()
		expB, _ := tokenClaims(t, second).GetExpirationTime()
		if expA != nil && expB != nil && expA.Equal(expB.Time) {
			return first, second
		}
	}
	t.Fatal("no two logins fell within one second")
	return "", ""
}

// responseToken reads the token of an auth response.
func responseToken(t testing.TB, res *http.Response) string {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	var auth struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &auth); err != nil || auth.Token == "" {
		t.Fatalf("no token in %s", body)
	}
	return auth.Token
}

// tokenClaims reads the claims of a token without verifying it.
func tokenClaims(t testing.TB, token string) jwt.MapClaims {
	t.Helper()
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// expectApart fails unless two tokens differ and each carries an id of
// its own (jti), so that one can be signed out alone.
func expectApart(t testing.TB, a, b string) {
	t.Helper()
	if a == b {
		t.Fatal("two sessions got the same token")
	}
	idA, _ := tokenClaims(t, a)["jti"].(string)
	idB, _ := tokenClaims(t, b)["jti"].(string)
	if idA == "" || idB == "" || idA == idB {
		t.Fatalf("token ids %q and %q are not distinct", idA, idB)
	}
}
