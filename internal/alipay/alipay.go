// Package alipay is a small client for the three parts of Alipay's open
// platform API that blogbase uses: creating a desktop-website payment
// (alipay.trade.page.pay), verifying the asynchronous notification and the
// return-URL query that follow it, and asking about a trade
// (alipay.trade.query).
//
// It is hand-written because there is no Go Alipay SDK the project can
// depend on, and it is deliberately small: the calls above are RSA2
// signatures over sorted form parameters plus a little JSON, which a few
// hundred lines of standard library code cover and a reviewer can audit in
// one sitting. Refunds, certificate-mode keys, other products and the
// rest of the platform are left out; add them here when they are needed,
// not before.
package alipay

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// ProductionGateway is the endpoint of Alipay's open platform.
const ProductionGateway = "https://openapi.alipay.com/gateway.do"

// chinaTime is Beijing time, the zone of every timestamp Alipay reads or
// writes. It is a fixed zone rather than time.LoadLocation("Asia/Shanghai")
// because containers often ship without tzdata, and China has kept UTC+8
// without daylight saving since 1991.
var chinaTime = time.FixedZone("CST", 8*3600)

// timeLayout is Alipay's "yyyy-MM-dd HH:mm:ss".
const timeLayout = "2006-01-02 15:04:05"

// defaultHTTPClient is shared so that connections to the gateway are
// reused between calls.
var defaultHTTPClient = &http.Client{Timeout: 10 * time.Second}

// Client talks to one Alipay app.
type Client struct {
	AppID      string
	PrivateKey *rsa.PrivateKey // the app's key: signs our requests
	PublicKey  *rsa.PublicKey  // Alipay's public key: verifies notifications, returns and responses
	Gateway    string          // "" means ProductionGateway
	HTTPClient *http.Client    // nil means a client with a 10 s timeout
}

func (c *Client) gateway() string {
	if c.Gateway == "" {
		return ProductionGateway
	}
	return c.Gateway
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient == nil {
		return defaultHTTPClient
	}
	return c.HTTPClient
}

// signedRequest returns the parameters of a call to method: the common
// request parameters, biz marshalled as biz_content, the non-empty extra
// parameters, and the RSA2 signature over all of them. For requests
// Alipay signs sign_type too; only notifications leave it out.
func (c *Client) signedRequest(method string, biz any, extra map[string]string) (url.Values, error) {
	if c.AppID == "" {
		return nil, errors.New("alipay: the client has no AppID")
	}
	if c.PrivateKey == nil {
		return nil, errors.New("alipay: the client has no PrivateKey to sign requests with")
	}
	bizContent, err := marshalJSON(biz)
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: biz_content: %w", method, err)
	}

	params := url.Values{}
	params.Set("app_id", c.AppID)
	params.Set("method", method)
	params.Set("format", "JSON")
	params.Set("charset", "utf-8")
	params.Set("sign_type", "RSA2")
	params.Set("timestamp", time.Now().In(chinaTime).Format(timeLayout))
	params.Set("version", "1.0")
	params.Set("biz_content", bizContent)
	for k, v := range extra {
		if v != "" {
			params.Set(k, v)
		}
	}

	sign, err := SignRSA2(c.PrivateKey, SigningContent(params))
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: %w", method, err)
	}
	params.Set("sign", sign)
	return params, nil
}

// marshalJSON is json.Marshal without HTML escaping: a subject such as
// "Q&A" reaches the buyer's pay page as written rather than as "Q\u0026A".
func marshalJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// Error is a failure Alipay reported: a business error in a signed
// response, or an error_response from the gateway itself (bad app id,
// bad arguments), which may be unsigned. Callers can tell one reason
// from another with errors.As and SubCode.
type Error struct {
	Method  string // e.g. "alipay.trade.query"
	Code    string // e.g. "40004"
	Msg     string // e.g. "Business Failed"
	SubCode string // e.g. "ACQ.SYSTEM_ERROR"
	SubMsg  string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("alipay: %s: code %s (%s)", e.Method, e.Code, e.Msg)
	if e.SubCode != "" || e.SubMsg != "" {
		s += fmt.Sprintf(", sub_code %s: %s", e.SubCode, e.SubMsg)
	}
	return s
}
