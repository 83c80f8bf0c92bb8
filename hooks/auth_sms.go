package hooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/sms"
)

const (
	smsCodesCollection  = "smsCodes"
	smsOutboxCollection = "smsOutbox"

	smsCodeLifetime  = 5 * time.Minute
	smsResendAfter   = 60 * time.Second
	smsMaxWrongTries = 5
	smsMaxAttempts   = 8 // sends of one message before it is given up

	// codes one phone may be sent per hour and per day, whatever the IPs
	// asking: with 5 tries a code, they bound guesses per phone to 25 an
	// hour and 50 a day
	smsPhoneHourlyCap = 5
	smsPhoneDailyCap  = 10
)

// smsSecrets derives the keys that hash codes and encrypt queued messages
// from the superusers' token secret: random, persistent and already secret
// in every installation; a label per use keeps the keys apart.
func smsSecrets(app core.App) (hashKey []byte, encryptionKey string, err error) {
	superusers, err := app.FindCachedCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return nil, "", err
	}
	h := sha256.Sum256([]byte("blogbase sms code\x00" + superusers.AuthToken.Secret))
	e := sha256.Sum256([]byte("blogbase sms outbox\x00" + superusers.AuthToken.Secret))
	return h[:], hex.EncodeToString(e[:])[:32], nil
}

func codeHash(key []byte, phone, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(phone + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// smsCodes is phone sign-in: the code and sign-in routes, and the outbox
// sender that texts the codes.
type smsCodes struct {
	config SMSConfig
	kick   chan struct{} // wakes the sender when a code is queued
}

func newSmsCodes(config SMSConfig) *smsCodes {
	return &smsCodes{config: config, kick: make(chan struct{}, 1)}
}

// provider is the configured way of sending texts. A missing or unknown
// setting is reported by name, for a 503.
func (s *smsCodes) provider(app core.App) (sms.Provider, error) {
	switch s.config.Provider {
	case "", "log":
		return sms.LogProvider{Logger: app.Logger(), Out: os.Stderr}, nil
	case "webhook":
		if s.config.WebhookURL == "" {
			return nil, errors.New("SMS sign-in is not configured: BLOG_SMS_WEBHOOK_URL is not set")
		}
		return sms.WebhookProvider{URL: s.config.WebhookURL, Secret: s.config.WebhookSecret}, nil
	default:
		return nil, fmt.Errorf("SMS sign-in is not configured: BLOG_SMS_PROVIDER must be log or webhook, not %q", s.config.Provider)
	}
}

// now is the time as the code rules see it.
func (s *smsCodes) now() time.Time {
	if s.config.clock != nil {
		return s.config.clock().UTC()
	}
	return time.Now().UTC()
}

// ipHourlyCap is the codes one IP may ask for per hour.
func (s *smsCodes) ipHourlyCap() int {
	if s.config.IPHourly > 0 {
		return s.config.IPHourly
	}
	return defaultSmsIPHourly
}

// bind starts the outbox sender with the server, and warns when codes are
// only logged outside development.
func (s *smsCodes) bind(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if provider, _ := s.provider(se.App); provider != nil && !se.App.IsDev() {
			if _, logged := provider.(sms.LogProvider); logged {
				se.App.Logger().Warn("BLOG_SMS_PROVIDER is log: sign-in codes are written to the log, not sent")
			}
		}

		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.sendOutbox(ctx, se.App)
		}()
		se.App.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
			// the sender finishes before the databases close under it
			stop()
			<-done
			return e.Next()
		})
		return se.Next()
	})
}

// phoneForm is what both phone routes are sent: a phone number, in any
// common form.
type phoneForm struct {
	Phone string `json:"phone" form:"phone"`
}

func (f *phoneForm) rawPhone() string { return f.Phone }

// readPhoneForm reads a phone route's form and normalizes its phone
// number, or answers 400.
func readPhoneForm(e *core.RequestEvent, form interface{ rawPhone() string }) (string, error) {
	if err := bindForm(e, form); err != nil {
		return "", err
	}
	phone, err := sms.NormalizePhone(form.rawPhone())
	if err != nil {
		return "", e.BadRequestError("Invalid phone number.", validation.Errors{
			"phone": validation.NewError("validation_invalid_phone", "Must be a valid phone number."),
		})
	}
	return phone, nil
}

// requestCode is POST /api/blog/sms/code {phone}: 202 whether or not
// the phone belongs to anyone, the text sent in the background.
func (s *smsCodes) requestCode(e *core.RequestEvent) error {
	if _, err := s.provider(e.App); err != nil {
		return e.Error(http.StatusServiceUnavailable, err.Error(), nil)
	}
	phone, err := readPhoneForm(e, &phoneForm{})
	if err != nil {
		return err
	}
	hashKey, encryptionKey, err := smsSecrets(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}

	now := s.now()
	var retryAfter time.Duration
	err = e.App.RunInTransaction(func(tx core.App) error {
		var sentAt types.DateTime
		err := tx.DB().Select("sentAt").From(smsCodesCollection).Where(dbx.HashExp{"phone": phone}).Row(&sentAt)
		if err == nil && now.Sub(sentAt.Time()) < smsResendAfter {
			retryAfter = smsResendAfter - now.Sub(sentAt.Time())
			return nil
		}

		sentSince := func(where dbx.HashExp, window time.Duration) (int, error) {
			since, _ := types.ParseDateTime(now.Add(-window))
			var n int
			err := tx.DB().Select("COUNT(*)").From(smsOutboxCollection).Where(where).
				AndWhere(dbx.NewExp("[[created]] > {:since}", dbx.Params{"since": since.String()})).
				Row(&n)
			return n, err
		}
		for _, c := range []struct {
			where  dbx.HashExp
			window time.Duration
			cap    int
		}{
			{dbx.HashExp{"ip": e.RealIP()}, time.Hour, s.ipHourlyCap()},
			{dbx.HashExp{"phone": phone}, time.Hour, smsPhoneHourlyCap},
			{dbx.HashExp{"phone": phone}, 24 * time.Hour, smsPhoneDailyCap},
		} {
			n, err := sentSince(c.where, c.window)
			if err != nil {
				return err
			}
			if n >= c.cap {
				retryAfter = c.window
				return nil
			}
		}

		// a text still queued for an older code of this phone is moot now
		if _, err := tx.DB().Update(smsOutboxCollection,
			dbx.Params{"status": "failed", "payload": "", "lastError": "replaced by a newer code"},
			dbx.HashExp{"phone": phone, "status": "pending"}).Execute(); err != nil {
			return err
		}

		code, err := newSmsCode()
		if err != nil {
			return err
		}
		codes, err := tx.FindCachedCollectionByNameOrId(smsCodesCollection)
		if err != nil {
			return err
		}
		record, err := tx.FindFirstRecordByData(smsCodesCollection, "phone", phone)
		if err != nil {
			record = core.NewRecord(codes)
			record.Set("phone", phone)
		}
		record.Set("codeHash", codeHash(hashKey, phone, code))
		record.Set("expires", now.Add(smsCodeLifetime))
		record.Set("sentAt", now)
		record.Set("failedTries", 0)
		if err := tx.Save(record); err != nil {
			return err
		}

		payload, _ := json.Marshal(sms.Message{
			Phone: phone, Code: code,
			Text: "Your blogbase sign-in code is " + code + ". It expires in 5 minutes.",
		})
		sealed, err := security.Encrypt(payload, encryptionKey)
		if err != nil {
			return err
		}
		outbox, err := tx.FindCachedCollectionByNameOrId(smsOutboxCollection)
		if err != nil {
			return err
		}
		message := core.NewRecord(outbox)
		message.Set("phone", phone)
		message.Set("ip", e.RealIP())
		message.Set("payload", sealed)
		message.Set("status", "pending")
		message.Set("nextAttempt", now)
		return tx.Save(message)
	})
	if err != nil {
		return e.InternalServerError("Failed to send the code.", err)
	}
	if retryAfter > 0 {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())+1))
		return e.TooManyRequestsError("Wait before asking for another code.", nil)
	}

	select { // wake the sender; it also polls, so a missed kick only waits
	case s.kick <- struct{}{}:
	default:
	}
	return e.JSON(http.StatusAccepted, map[string]any{})
}

func newSmsCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// authWithPhone is POST /api/blog/auth/phone {phone, code, name?, password?}:
// signs in the user with that phone, or signs one up, and answers like
// authWithPassword ({token, record}).
func (s *smsCodes) authWithPhone(e *core.RequestEvent) error {
	form := struct {
		phoneForm
		Code     string `json:"code" form:"code"`
		Name     string `json:"name" form:"name"`
		Password string `json:"password" form:"password"`
	}{}
	phone, err := readPhoneForm(e, &form)
	if err != nil {
		return err
	}
	hashKey, _, err := smsSecrets(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}

	var user *core.Record
	var outcome error
	err = e.App.RunInTransaction(func(tx core.App) error {
		refused, err := s.useCode(tx, hashKey, phone, form.Code)
		if err != nil || refused != nil {
			outcome = refused
			return err
		}

		user, err = tx.FindFirstRecordByData(usersCollection, "phone", phone)
		if err == nil {
			return nil
		}
		user, err = newPhoneUser(tx, phone, form.Name, form.Password)
		return err
	})
	if err != nil {
		return saveFailed(e, "Failed to sign in.", err)
	}
	if outcome != nil {
		return outcome
	}
	return apis.RecordAuthResponse(e, user, "phone", nil)
}

// useCode checks code against the code last texted to phone, inside tx,
// and uses it up when it is right: refused is the answer for a wrong,
// expired or used code (400) and for a code killed by smsMaxWrongTries
// wrong ones (429); a wrong try is counted in tx, which the caller
// commits. Every route that takes a texted code checks it here.
func (s *smsCodes) useCode(tx core.App, hashKey []byte, phone, code string) (refused error, err error) {
	wrongCode := apis.NewBadRequestError("Invalid or expired code.", validation.Errors{
		"code": validation.NewError("validation_invalid_code", "Invalid or expired code."),
	})
	record, err := tx.FindFirstRecordByData(smsCodesCollection, "phone", phone)
	if err != nil || s.now().After(record.GetDateTime("expires").Time()) {
		return wrongCode, nil
	}
	if record.GetInt("failedTries") >= smsMaxWrongTries {
		return apis.NewTooManyRequestsError("Too many wrong codes: ask for a new one.", nil), nil
	}
	if !hmac.Equal([]byte(codeHash(hashKey, phone, code)), []byte(record.GetString("codeHash"))) {
		record.Set("failedTries", record.GetInt("failedTries")+1)
		return wrongCode, tx.Save(record)
	}
	// single use: the code dies, the row stays to keep the 60 s between sends
	record.Set("codeHash", security.RandomStringWithAlphabet(64, "0123456789abcdef"))
	record.Set("expires", s.now())
	return nil, tx.Save(record)
}

// newPhoneUser signs up the owner of a verified phone, with a generated
// username (user_ and ten random characters, never the shape of an id).
func newPhoneUser(tx core.App, phone, name, password string) (*core.Record, error) {
	users, err := tx.FindCachedCollectionByNameOrId(usersCollection)
	if err != nil {
		return nil, err
	}
	user := core.NewRecord(users)
	user.Set("username", "user_"+security.RandomStringWithAlphabet(10, "abcdefghijklmnopqrstuvwxyz0123456789"))
	user.Set("phone", phone)
	user.Set("name", name)
	if password == "" {
		password = security.RandomString(30) // sign in by code until one is set
	}
	user.SetPassword(password)
	user.SetVerified(true)
	return user, tx.Save(user)
}

// sendOutbox delivers queued texts, oldest first, until ctx ends: on a
// kick, and every second for retries and for messages left by a restart.
// A failed send is retried with exponential backoff up to smsMaxAttempts.
func (s *smsCodes) sendOutbox(ctx context.Context, app core.App) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-ticker.C:
		}
		if err := s.sendDue(ctx, app); err != nil && ctx.Err() == nil {
			app.Logger().Warn("SMS outbox", "error", err)
		}
	}
}

func (s *smsCodes) sendDue(ctx context.Context, app core.App) error {
	due, err := app.FindRecordsByFilter(smsOutboxCollection,
		"status = 'pending' && nextAttempt <= {:now}", "nextAttempt", 20, 0,
		dbx.Params{"now": types.NowDateTime().String()})
	if err != nil || len(due) == 0 {
		return err
	}
	provider, err := s.provider(app)
	if err != nil {
		return err // texts wait, queued, until the provider is configured
	}
	_, encryptionKey, err := smsSecrets(app)
	if err != nil {
		return err
	}
	for _, message := range due {
		var m sms.Message
		plain, err := security.Decrypt(message.GetString("payload"), encryptionKey)
		if err == nil {
			err = json.Unmarshal(plain, &m)
		}
		if err == nil {
			sendCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err = provider.Send(sendCtx, m)
			cancel()
		}

		attempts := message.GetInt("attempts") + 1
		outcome := map[string]any{"attempts": attempts}
		switch {
		case err == nil:
			outcome["status"] = "sent"
			outcome["payload"] = "" // the code leaves the server's storage
			outcome["lastError"] = ""
		case attempts >= smsMaxAttempts:
			outcome["status"] = "failed"
			outcome["payload"] = ""
			outcome["lastError"] = sendError(err)
		default:
			outcome["lastError"] = sendError(err)
			outcome["nextAttempt"] = time.Now().UTC().Add(time.Duration(1<<attempts) * time.Second)
		}
		if saveErr := saveSendOutcome(app, message.Id, outcome); saveErr != nil {
			// one message that cannot be saved must not hold up the others
			app.Logger().Error("SMS outbox: saving a send's outcome failed", "id", message.Id, "error", saveErr)
		}
	}
	return nil
}

// saveSendOutcome records what a send did, unless the text stopped being
// pending while it was being sent (a newer code replaced it): that text
// stays given up, and is never tried again.
func saveSendOutcome(app core.App, id string, outcome map[string]any) error {
	return app.RunInTransaction(func(tx core.App) error {
		message, err := tx.FindRecordById(smsOutboxCollection, id)
		if err != nil {
			return err
		}
		if message.GetString("status") != "pending" {
			return nil
		}
		for field, value := range outcome {
			message.Set(field, value)
		}
		return tx.Save(message)
	})
}

// sendError is what the outbox shows of a failed send: without the
// request URL (it may carry a gateway's credentials), at most 500 bytes.
func sendError(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	text := err.Error()
	if len(text) > 500 {
		text = text[:500]
	}
	return text
}
