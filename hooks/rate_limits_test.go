package hooks_test

import (
	"net/http"
	"strconv"
	"testing"
)

// TestRateLimits checks the limiter rules the settings migration turns on:
// each route answers 429 once one IP goes past its allowance, while a
// superuser is never limited.
func TestRateLimits(t *testing.T) {
	// not parallel: each case's requests must fall within the limiter's
	// window, however slow the machine is with the other tests running

	cases := []struct {
		name, method, path, body string
		allowed                  int
	}{
		{"password logins", http.MethodPost, "/api/collections/users/auth-with-password", `{"identity":"alice","password":"wrong-password"}`, 20},
		{"sign-ups", http.MethodPost, "/api/collections/users/records", `{}`, 20},
		{"SMS codes", http.MethodPost, "/api/blog/sms/code", `{"phone":"12"}`, 5},
		{"phone sign-ins", http.MethodPost, "/api/blog/auth/phone", `{"phone":"12","code":"1"}`, 10},
		{"phone bindings", http.MethodPost, "/api/blog/me/phone", `{"phone":"12","code":"1"}`, 10},
		{"purchases", http.MethodPost, "/api/blog/posts/" + fx.alicePaid + "/purchase", `{"provider":"paypal"}`, 30},
		{"payment callbacks", http.MethodPost, "/api/blog/payments/alipay/notify", ``, 120},
	}
	for _, c := range cases {
		app := newTestApp(t)
		h := serve(t, app)
		for i := 1; i <= c.allowed; i++ {
			if rec := send(t, h, c.method, c.path, c.body, ""); rec.Code == http.StatusTooManyRequests {
				t.Fatalf("%s: limited at request %d of %d allowed", c.name, i, c.allowed)
			}
		}
		if rec := send(t, h, c.method, c.path, c.body, ""); rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s: request %d answered %d, want 429", c.name, c.allowed+1, rec.Code)
		}
		if rec := send(t, h, c.method, c.path, c.body, fx.superuserToken); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("%s: a superuser was limited", c.name)
		}
		app.Cleanup()
	}

	// public reads are not limited
	app := newTestApp(t)
	defer app.Cleanup()
	h := serve(t, app)
	for i := 0; i < 200; i++ {
		if rec := send(t, h, http.MethodGet, "/api/blog/posts?page="+strconv.Itoa(i%3+1), "", ""); rec.Code != 200 {
			t.Fatalf("listing request %d answered %d", i, rec.Code)
		}
	}
}
