package alipaytest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func TestGatewayRefusesOtherRequests(t *testing.T) {
	p := alipaytest.New(t)
	client := p.Server.Client()

	res, err := client.Get(p.Server.URL + "?method=alipay.trade.query")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", res.StatusCode)
	}

	res, err = client.Post(p.Server.URL, "application/json", strings.NewReader(`{"method":"alipay.trade.query"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON POST: %d, want 415", res.StatusCode)
	}

	res, err = client.PostForm(p.Server.URL, url.Values{"method": {"alipay.trade.refund"}})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]map[string]string
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || body["error_response"]["sub_code"] != "isv.invalid-method" {
		t.Errorf("other method: %v, %v", body, err)
	}

	if n := p.Queries(); n != 0 {
		t.Errorf("Queries() = %d after no trade queries", n)
	}
}

func TestFailQueriesCounts(t *testing.T) {
	p := alipaytest.New(t)
	p.SetTrade("o1", "t1", "TRADE_SUCCESS", "1.00")
	c := p.Client()
	p.FailQueries(2)
	for i, wantErr := range []bool{true, true, false} {
		_, err := c.QueryTrade(t.Context(), "o1")
		if (err != nil) != wantErr {
			t.Errorf("query %d: err = %v", i, err)
		}
	}
	if n := p.Queries(); n != 3 {
		t.Errorf("Queries() = %d, want 3", n)
	}
}

func TestSignedNotification(t *testing.T) {
	p := alipaytest.New(t)
	n := p.SignedNotification("o1", "t1", "TRADE_SUCCESS", "9.90")
	for _, k := range []string{"notify_time", "notify_type", "notify_id", "app_id", "charset", "version",
		"sign_type", "sign", "trade_no", "out_trade_no", "trade_status", "total_amount",
		"buyer_pay_amount", "gmt_payment", "subject", "seller_id"} {
		if n.Get(k) == "" {
			t.Errorf("no %s", k)
		}
	}
	if err := alipay.VerifyRSA2(&p.Key.PublicKey, alipay.SigningContent(n, "sign_type"), n.Get("sign")); err != nil {
		t.Errorf("signature: %v", err)
	}
	if other := p.SignedNotification("o1", "t1", "TRADE_SUCCESS", "9.90"); other.Get("notify_id") == n.Get("notify_id") {
		t.Error("notify_id repeats")
	}
	if w := p.SignedNotification("o1", "t1", "WAIT_BUYER_PAY", "9.90"); w.Get("gmt_payment") != "" {
		t.Error("an unpaid trade has a payment time")
	}
}

func TestSignCopies(t *testing.T) {
	p := alipaytest.New(t)
	in := url.Values{"a": {"1"}, "sign": {"old"}}
	out := p.Sign(in)
	if in.Get("sign") != "old" || in.Get("sign_type") != "" {
		t.Errorf("Sign changed its input: %v", in)
	}
	if out.Get("sign") == "old" || out.Get("sign_type") != "RSA2" {
		t.Errorf("Sign = %v", out)
	}
}

func TestPEM(t *testing.T) {
	p := alipaytest.New(t)
	priv, err := alipay.ParsePrivateKey(alipaytest.PEM(p.AppKey))
	if err != nil || !priv.Equal(p.AppKey) {
		t.Errorf("private: %v", err)
	}
	pub, err := alipay.ParsePublicKey(alipaytest.PEM(&p.Key.PublicKey))
	if err != nil || !pub.Equal(&p.Key.PublicKey) {
		t.Errorf("public: %v", err)
	}
	if !strings.HasPrefix(string(alipaytest.PEM(p.AppKey)), "-----BEGIN PRIVATE KEY-----") {
		t.Error("private key is not PKCS#8 PEM")
	}
}
