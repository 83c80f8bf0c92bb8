// Package alipaytest plays Alipay's side of the API that package alipay
// talks to: a key pair of its own, signed notifications, and a gateway
// answering alipay.trade.query from trades that tests set. It lets tests
// (and a development server) exercise payments end to end, signatures
// included, without a network or an Alipay account.
package alipaytest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"blogbase/internal/alipay"
)

// Platform is a fake Alipay for one app.
type Platform struct {
	Key      *rsa.PrivateKey // Alipay's private key: signs notifications and responses
	AppKey   *rsa.PrivateKey // the merchant app's key: the Client signs requests with it
	AppID    string
	SellerID string // the merchant's Alipay user id, as notifications carry it
	Server   *httptest.Server

	mu      sync.Mutex
	trades  map[string]trade // by out_trade_no
	fail    int
	queries int
}

type trade struct {
	tradeNo     string
	status      string
	totalAmount string
}

// Generating RSA keys takes a noticeable fraction of a second, so every
// Platform in a process shares one pair. Nothing may modify them.
var (
	keysOnce    sync.Once
	platformKey *rsa.PrivateKey
	appKey      *rsa.PrivateKey
	keysErr     error
)

func keys() (platform, app *rsa.PrivateKey, err error) {
	keysOnce.Do(func() {
		if platformKey, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
			return
		}
		appKey, keysErr = rsa.GenerateKey(rand.Reader, 2048)
	})
	return platformKey, appKey, keysErr
}

// chinaTime is the zone Alipay writes its times in (see package alipay).
var chinaTime = time.FixedZone("CST", 8*3600)

const timeLayout = "2006-01-02 15:04:05"

// New starts a Platform whose gateway is closed when the test ends.
func New(t testing.TB) *Platform {
	t.Helper()
	key, app, err := keys()
	if err != nil {
		t.Fatalf("alipaytest: generating keys: %v", err)
	}
	p := &Platform{
		Key:      key,
		AppKey:   app,
		AppID:    "2021000000000001",
		SellerID: "2088000000000001",
		trades:   map[string]trade{},
	}
	p.Server = httptest.NewServer(p)
	t.Cleanup(p.Server.Close)
	return p
}

// Client returns a Client wired to this platform.
func (p *Platform) Client() *alipay.Client {
	return &alipay.Client{
		AppID:      p.AppID,
		PrivateKey: p.AppKey,
		PublicKey:  &p.Key.PublicKey,
		Gateway:    p.Server.URL,
		HTTPClient: p.Server.Client(),
	}
}

// SetTrade makes the gateway know the order outTradeNo, as it does once
// the buyer has opened the pay page, or replaces what it knows.
func (p *Platform) SetTrade(outTradeNo, tradeNo, status, totalAmount string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trades[outTradeNo] = trade{tradeNo: tradeNo, status: status, totalAmount: totalAmount}
}

// RemoveTrade forgets the order: queries then answer 40004
// ACQ.TRADE_NOT_EXIST.
func (p *Platform) RemoveTrade(outTradeNo string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.trades, outTradeNo)
}

// FailQueries makes the next n trade queries answer HTTP 502.
func (p *Platform) FailQueries(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = n
}

// Queries reports how many alipay.trade.query calls reached the gateway,
// failed ones included.
func (p *Platform) Queries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queries
}

// SignedNotification returns the form of an asynchronous notification
// about a trade, signed the way Alipay signs it. Times are now; the
// payment time is only present for a paid trade and the close time only
// for a closed one, as with Alipay.
func (p *Platform) SignedNotification(outTradeNo, tradeNo, status, totalAmount string) url.Values {
	now := time.Now().In(chinaTime).Format(timeLayout)
	v := url.Values{}
	v.Set("notify_time", now)
	v.Set("notify_type", "trade_status_sync")
	v.Set("notify_id", randomHex(16))
	v.Set("app_id", p.AppID)
	v.Set("charset", "utf-8")
	v.Set("version", "1.0")
	v.Set("trade_no", tradeNo)
	v.Set("out_trade_no", outTradeNo)
	v.Set("trade_status", status)
	v.Set("total_amount", totalAmount)
	v.Set("gmt_create", now)
	switch status {
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		v.Set("buyer_pay_amount", totalAmount)
		v.Set("gmt_payment", now)
	case "TRADE_CLOSED":
		v.Set("gmt_close", now)
	}
	v.Set("subject", "blogbase 订单")
	v.Set("seller_id", p.SellerID)
	return p.Sign(v)
}

// Sign returns a copy of params with sign_type=RSA2 and Alipay's
// signature in sign, computed as for notifications and returns: over
// every parameter but sign and sign_type. Tests change the copy
// afterwards to check that tampering is caught.
func (p *Platform) Sign(params url.Values) url.Values {
	out := make(url.Values, len(params)+2)
	for k, vs := range params {
		out[k] = slices.Clone(vs)
	}
	out.Del("sign")
	out.Set("sign_type", "RSA2")
	sign, err := alipay.SignRSA2(p.Key, alipay.SigningContent(out, "sign_type"))
	if err != nil {
		panic("alipaytest: signing: " + err.Error()) // cannot happen with a valid key
	}
	out.Set("sign", sign)
	return out
}

// PEM encodes a key as tests write key files: PKCS#8 for an
// *rsa.PrivateKey, PKIX for an *rsa.PublicKey. Any other type panics.
func PEM(key any) []byte {
	var (
		der []byte
		typ string
		err error
	)
	switch k := key.(type) {
	case *rsa.PrivateKey:
		der, err = x509.MarshalPKCS8PrivateKey(k)
		typ = "PRIVATE KEY"
	case *rsa.PublicKey:
		der, err = x509.MarshalPKIXPublicKey(k)
		typ = "PUBLIC KEY"
	default:
		panic(fmt.Sprintf("alipaytest.PEM: unsupported key type %T", key))
	}
	if err != nil {
		panic("alipaytest.PEM: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
