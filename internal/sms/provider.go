// Package sms sends sign-in codes by text message: phone number parsing and
// the providers that deliver a message. It knows nothing of PocketBase; the
// queue that retries failed sends lives with the hooks.
package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Message is one text to one phone.
type Message struct {
	Phone string `json:"phone"` // E.164
	Code  string `json:"code"`
	Text  string `json:"text"`
}

// Provider delivers messages. Send returns an error when the message may
// not have been delivered, so that the caller can retry it.
type Provider interface {
	Send(ctx context.Context, m Message) error
}

// LogProvider writes messages to a log instead of sending them: for
// development, where reading the code is the point. Out, when set, gets a
// line too (the terminal the server runs in).
type LogProvider struct {
	Logger *slog.Logger
	Out    io.Writer
}

// Send logs the message, code included.
func (p LogProvider) Send(_ context.Context, m Message) error {
	p.Logger.Info("SMS (log provider, not sent)", "phone", m.Phone, "code", m.Code, "text", m.Text)
	if p.Out != nil {
		fmt.Fprintf(p.Out, "SMS to %s (log provider, not sent): %s\n", m.Phone, m.Text)
	}
	return nil
}

// WebhookProvider POSTs each message as JSON to a URL (an SMS gateway of
// the operator's, or a relay), signed with an HMAC when a secret is set.
type WebhookProvider struct {
	URL    string
	Secret string
	Client *http.Client // nil: a client with a 10 s timeout
}

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
const SignatureHeader = "X-Blog-Signature"

// Sign returns the SignatureHeader value of body for secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send posts the message; any answer but 2xx is a failure to retry.
func (p WebhookProvider) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(p.Secret, body))
	}

	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("the SMS webhook answered %d", res.StatusCode)
	}
	return nil
}
