package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// TestLogout signs one token out and checks it is refused everywhere while
// the user's other session goes on.
func TestLogout(t *testing.T) {
	t.Parallel()

	// loggedOutThen signs alice's first token out, then the scenario's
	// request runs with whatever token it names
	loggedOutThen := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		expectCode(t, send(t, mux, http.MethodPost, "/api/blog/auth/logout", "", fx.aliceToken), 204)
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "guest signing out",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/logout",
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "signed-out token on a protected route",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "signed-out token refreshing itself",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-refresh",
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "signed-out token with a Bearer prefix",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         map[string]string{"Authorization": "Bearer " + fx.aliceToken},
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "a respelled token is the same token",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(respelled(fx.aliceToken)),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"alice"`},
		},
		{
			Name:            "signed-out token respelled in its signature's spare bits",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(respelled(fx.aliceToken)),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "signed-out token on a public route is a guest",
			Method:          http.MethodGet,
			URL:             "/api/blog/posts/" + fx.aliceDraft,
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "signed-out token signing out again",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/logout",
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "the user's other session still works",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.aliceToken2),
			BeforeTestFunc:  loggedOutThen,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"alice"`},
		},
		{
			Name:           "signing out stores only a hash until the token expires",
			Method:         http.MethodPost,
			URL:            "/api/blog/auth/logout",
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				rows, err := app.FindAllRecords("revokedTokens")
				if err != nil || len(rows) != 1 {
					t.Fatalf("revoked tokens: %v %d", err, len(rows))
				}
				if rows[0].GetString("hash") == fx.aliceToken || len(rows[0].GetString("hash")) != 64 ||
					rows[0].GetDateTime("expires").IsZero() {
					t.Fatalf("stored %q expiring %v", rows[0].GetString("hash"), rows[0].GetDateTime("expires"))
				}
			},
		},
		{
			Name:            "other users cannot read the revoked tokens",
			Method:          http.MethodGet,
			URL:             "/api/collections/revokedTokens/records",
			Headers:         auth(fx.bobToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

func TestLogoutAll(t *testing.T) {
	t.Parallel()

	allOut := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		expectCode(t, send(t, mux, http.MethodPost, "/api/blog/auth/logout-all", "", fx.aliceToken2), 204)
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodPost,
			URL:             "/api/blog/auth/logout-all",
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "every token of the user is refused",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.aliceToken),
			BeforeTestFunc:  allOut,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "the token that asked is refused too",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-refresh",
			Headers:         auth(fx.aliceToken2),
			BeforeTestFunc:  allOut,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "other users are not affected",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.bobToken),
			BeforeTestFunc:  allOut,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"bob"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestLogoutReachesOpenRealtimeConnections subscribes with a token, signs
// it out, and expects the connection to have lost its identity (and
// another connection of the same user to keep it).
func TestLogoutReachesOpenRealtimeConnections(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	subscribed := func(token string) subscriptions.Client {
		c := subscriptions.NewDefaultClient()
		app.SubscriptionsBroker().Register(c)
		rec := send(t, h, http.MethodPost, "/api/realtime",
			`{"clientId":"`+c.Id()+`","subscriptions":["posts/*"]}`, token)
		if rec.Code != 204 {
			t.Fatalf("subscribe: %d %s", rec.Code, rec.Body)
		}
		if c.Get(apis.RealtimeClientAuthKey) == nil {
			t.Fatal("the subscription did not take the token's identity")
		}
		return c
	}
	first := subscribed(fx.aliceToken)
	second := subscribed(fx.aliceToken2)

	expectCode(t, send(t, h, http.MethodPost, "/api/blog/auth/logout", "", fx.aliceToken), 204)

	if first.Get(apis.RealtimeClientAuthKey) != nil {
		t.Fatal("a connection subscribed with the signed-out token kept its identity")
	}
	if second.Get(apis.RealtimeClientAuthKey) == nil {
		t.Fatal("the user's other connection lost its identity")
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name:            "guest",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			ExpectedStatus:  401,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:           "user sees own phone, email and counts",
			Method:         http.MethodGet,
			URL:            "/api/blog/me",
			Headers:        auth(fx.aliceToken),
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"phone":"+8613812345678"`, `"email":"alice@example.com"`, `"username":"alice"`,
				`"stats":{"posts":3,"drafts":1,"scheduled":0,"comments":3}`,
			},
			NotExpectedContent: []string{"tokenKey", "password"},
		},
		{
			Name:               "another user sees only their own",
			Method:             http.MethodGet,
			URL:                "/api/blog/me",
			Headers:            auth(fx.bobToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"username":"bob"`, `"stats":{"posts":1,"drafts":0,"scheduled":0,"comments":3}`},
			NotExpectedContent: []string{"alice", "+86"},
		},
		{
			Name:            "superuser (no user record of their own)",
			Method:          http.MethodGet,
			URL:             "/api/blog/me",
			Headers:         auth(fx.superuserToken),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// respelled changes the last base64 character of a token's signature to
// another that decodes to the same bytes (the spare low bits), a spelling
// PocketBase still accepts.
func respelled(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	// a 32-byte signature is 43 characters: the last carries 4 bits and 2 spare
	return token[:len(token)-1] + string(alphabet[last^1])
}
