package hooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"blogbase/internal/sms"
	_ "blogbase/migrations"
)

// smsServer is a fresh app with the blog extension sending texts as
// config says, served in-process.
func smsServer(t *testing.T, config SMSConfig) (*tests.TestApp, http.Handler) {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	c := DefaultConfig()
	c.SMS = config
	Register(app, c)
	app.OnServe().Unbind("__pbCronStart__") // as withoutCron in fixture_test.go
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		handler = mux
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return app, handler
}

func post(t *testing.T, h http.Handler, path, body, ip string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ip != "" {
		req.RemoteAddr = ip + ":1234"
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// lastCode reads the code of the newest queued text to phone, as the
// phone's owner would read the message.
func lastCode(t *testing.T, app core.App, phone string) string {
	t.Helper()
	_, key, err := smsSecrets(app)
	if err != nil {
		t.Fatal(err)
	}
	messages, err := app.FindRecordsByFilter(smsOutboxCollection, "phone = {:p}", "-created", 1, 0, map[string]any{"p": phone})
	if err != nil || len(messages) == 0 {
		t.Fatalf("no message to %s: %v", phone, err)
	}
	plain, err := security.Decrypt(messages[0].GetString("payload"), key)
	if err != nil {
		// already sent: the payload is wiped, so read the sender's log instead
		t.Fatalf("the queued message is gone: %v", err)
	}
	var m sms.Message
	if err := json.Unmarshal(plain, &m); err != nil {
		t.Fatal(err)
	}
	return m.Code
}

func TestSmsCodeSignsUpThenSignsIn(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	app, h := smsServer(t, SMSConfig{Provider: "webhook", WebhookURL: "http://127.0.0.1:1/unreachable", clock: clock.now})

	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"138 1234 5678"}`, "10.0.0.1"); rec.Code != 202 {
		t.Fatalf("code request: %d %s", rec.Code, rec.Body)
	}
	code := lastCode(t, app, "+8613812345678")
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	stored, err := app.FindFirstRecordByData(smsCodesCollection, "phone", "+8613812345678")
	if err != nil || strings.Contains(stored.GetString("codeHash"), code) || len(stored.GetString("codeHash")) != 64 {
		t.Fatalf("the code is not stored as a hash: %v %q", err, stored.GetString("codeHash"))
	}

	// a second request within a minute is refused with Retry-After
	again := post(t, h, "/api/blog/sms/code", `{"phone":"+8613812345678"}`, "10.0.0.1")
	if again.Code != 429 || again.Header().Get("Retry-After") == "" {
		t.Fatalf("resend within a minute: %d %q", again.Code, again.Header().Get("Retry-After"))
	}

	signUp := post(t, h, "/api/blog/auth/phone", `{"phone":"13812345678","code":"`+code+`","name":"Phone Person"}`, "10.0.0.1")
	if signUp.Code != 200 || !strings.Contains(signUp.Body.String(), `"token":"`) || !strings.Contains(signUp.Body.String(), `"name":"Phone Person"`) {
		t.Fatalf("sign up: %d %s", signUp.Code, signUp.Body)
	}
	if strings.Contains(signUp.Body.String(), "+86") {
		t.Fatalf("the phone leaked into the auth answer: %s", signUp.Body)
	}
	user, err := app.FindFirstRecordByData("users", "phone", "+8613812345678")
	if err != nil || !strings.HasPrefix(user.GetString("username"), "user_") {
		t.Fatalf("no user signed up: %v", err)
	}

	// the code is single use
	if reuse := post(t, h, "/api/blog/auth/phone", `{"phone":"13812345678","code":"`+code+`"}`, ""); reuse.Code != 400 {
		t.Fatalf("a used code answered %d", reuse.Code)
	}

	// a later code signs the same user in
	clock.moveBy(2 * time.Minute)
	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"13812345678"}`, "10.0.0.2"); rec.Code != 202 {
		t.Fatalf("second code: %d %s", rec.Code, rec.Body)
	}
	signIn := post(t, h, "/api/blog/auth/phone", `{"phone":"13812345678","code":"`+lastCode(t, app, "+8613812345678")+`"}`, "")
	if signIn.Code != 200 || !strings.Contains(signIn.Body.String(), `"id":"`+user.Id+`"`) {
		t.Fatalf("sign in: %d %s", signIn.Code, signIn.Body)
	}
}

func TestSmsCodeRules(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	app, h := smsServer(t, SMSConfig{Provider: "webhook", WebhookURL: "http://127.0.0.1:1/unreachable", IPHourly: 3, clock: clock.now})

	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"12"}`, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"phone":{`) {
		t.Fatalf("bad phone: %d %s", rec.Code, rec.Body)
	}
	if rec := post(t, h, "/api/blog/sms/code", `{"phone":`, ""); rec.Code != 400 {
		t.Fatalf("bad JSON: %d", rec.Code)
	}

	// the per-IP hourly cap
	for i, phone := range []string{"13800000001", "13800000002", "13800000003"} {
		if rec := post(t, h, "/api/blog/sms/code", `{"phone":"`+phone+`"}`, "10.9.9.9"); rec.Code != 202 {
			t.Fatalf("code %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"13800000004"}`, "10.9.9.9"); rec.Code != 429 {
		t.Fatalf("past the hourly cap: %d", rec.Code)
	}
	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"13800000004"}`, "10.9.9.8"); rec.Code != 202 {
		t.Fatalf("another IP: %d", rec.Code)
	}

	// five wrong tries kill the code, the right one included
	code := lastCode(t, app, "+8613800000001")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < smsMaxWrongTries; i++ {
		if rec := post(t, h, "/api/blog/auth/phone", `{"phone":"13800000001","code":"`+wrong+`"}`, ""); rec.Code != 400 {
			t.Fatalf("wrong try %d: %d", i+1, rec.Code)
		}
	}
	if rec := post(t, h, "/api/blog/auth/phone", `{"phone":"13800000001","code":"`+code+`"}`, ""); rec.Code != 429 {
		t.Fatalf("the right code after five wrong ones: %d", rec.Code)
	}

	// expiry after five minutes
	code2 := lastCode(t, app, "+8613800000002")
	clock.moveBy(6 * time.Minute)
	if rec := post(t, h, "/api/blog/auth/phone", `{"phone":"13800000002","code":"`+code2+`"}`, ""); rec.Code != 400 {
		t.Fatalf("an expired code: %d", rec.Code)
	}

	// an unknown phone answers like a wrong code
	if rec := post(t, h, "/api/blog/auth/phone", `{"phone":"13900000000","code":"123456"}`, ""); rec.Code != 400 {
		t.Fatalf("unknown phone: %d", rec.Code)
	}
}

func TestSmsNeedsItsConfiguration(t *testing.T) {
	t.Parallel()
	_, h := smsServer(t, SMSConfig{Provider: "webhook", WebhookURL: ""})
	rec := post(t, h, "/api/blog/sms/code", `{"phone":"13812345678"}`, "")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "BLOG_SMS_WEBHOOK_URL") {
		t.Fatalf("missing webhook URL: %d %s", rec.Code, rec.Body)
	}
}

// TestSmsOutboxRetriesAfterAFailure points the webhook provider at a local
// gateway that fails once: the text is retried, then marked sent and its
// code wiped from storage.
func TestSmsOutboxRetriesAfterAFailure(t *testing.T) {
	t.Parallel()
	calls := 0
	var got sms.Message
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusOK)
	}))
	defer gateway.Close()
	app, h := smsServer(t, SMSConfig{Provider: "webhook", WebhookURL: gateway.URL})

	if rec := post(t, h, "/api/blog/sms/code", `{"phone":"13812345678"}`, ""); rec.Code != 202 {
		t.Fatalf("code request: %d", rec.Code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		messages, err := app.FindAllRecords(smsOutboxCollection)
		if err != nil || len(messages) != 1 {
			t.Fatalf("outbox: %v %d", err, len(messages))
		}
		m := messages[0]
		if m.GetString("status") == "sent" {
			if m.GetInt("attempts") != 2 || m.GetString("payload") != "" || got.Phone != "+8613812345678" || len(got.Code) != 6 {
				t.Fatalf("sent after %d attempts, payload %q, gateway got %+v", m.GetInt("attempts"), m.GetString("payload"), got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never sent: status %s, attempts %d, error %q", m.GetString("status"), m.GetInt("attempts"), m.GetString("lastError"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSmsPhoneCaps asks for codes for one phone from ever new IPs, a
// minute apart: the phone's own hourly cap still stops them.
func TestSmsPhoneCaps(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	app, h := smsServer(t, SMSConfig{Provider: "webhook", WebhookURL: "http://127.0.0.1:1/unreachable", clock: clock.now})

	start := time.Now().UTC()
	for i := 0; i <= smsPhoneHourlyCap; i++ {
		at := start.Add(time.Duration(i) * 61 * time.Second)
		clock.set(at)
		rec := post(t, h, "/api/blog/sms/code", `{"phone":"13812345678"}`, "10.1.0."+strconv.Itoa(i+1))
		want := http.StatusAccepted
		if i == smsPhoneHourlyCap {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("code %d: %d, want %d (%s)", i+1, rec.Code, want, rec.Body)
		}
	}

	// only the newest text is still to be sent
	pending, err := app.FindRecordsByFilter(smsOutboxCollection, "status = 'pending'", "", 0, 0)
	if err != nil || len(pending) != 1 {
		t.Fatalf("%d texts pending, want 1: %v", len(pending), err)
	}
}

func TestSendErrorHidesTheURL(t *testing.T) {
	t.Parallel()
	_, err := http.Get("http://user:secret@127.0.0.1:1/?token=hidden")
	if err == nil {
		t.Skip("something listens on port 1")
	}
	if text := sendError(err); strings.Contains(text, "secret") || strings.Contains(text, "hidden") {
		t.Fatalf("the outbox would show %q", text)
	}
	if len(sendError(errors.New(strings.Repeat("x", 900)))) != 500 {
		t.Fatal("a long error is not cut")
	}
}

// testClock is a clock a test moves, for the SMS code rules.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
	at     time.Time // when set, the time stands still there
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() {
		return c.at
	}
	return time.Now().Add(c.offset)
}

// moveBy moves the clock ahead by d.
func (c *testClock) moveBy(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// set stops the clock at at.
func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}
