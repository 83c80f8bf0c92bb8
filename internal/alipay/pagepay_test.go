package alipay_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func validPagePay() alipay.PagePay {
	return alipay.PagePay{
		OutTradeNo:  "order_20250102_0001",
		TotalAmount: "9.90",
		Subject:     "Q&A 会员 <一个月>",
		NotifyURL:   "https://blog.example.com/api/alipay/notify",
		ReturnURL:   "https://blog.example.com/pay/return?x=1",
	}
}

func TestPagePayURL(t *testing.T) {
	p := alipaytest.New(t)
	c := p.Client()
	c.Gateway = alipay.ProductionGateway

	pay := validPagePay()
	pay.TimeExpire = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	before := time.Now()
	raw, err := c.PagePayURL(pay)
	if err != nil {
		t.Fatal(err)
	}

	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != alipay.ProductionGateway {
		t.Errorf("gateway = %q", got)
	}
	q := u.Query()

	want := map[string]string{
		"app_id":     p.AppID,
		"method":     "alipay.trade.page.pay",
		"format":     "JSON",
		"charset":    "utf-8",
		"sign_type":  "RSA2",
		"version":    "1.0",
		"notify_url": pay.NotifyURL,
		"return_url": pay.ReturnURL,
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for k, vs := range q {
		if len(vs) != 1 {
			t.Errorf("%s sent %d times", k, len(vs))
		}
	}

	ts, err := time.ParseInLocation("2006-01-02 15:04:05", q.Get("timestamp"), time.FixedZone("", 8*3600))
	if err != nil {
		t.Fatalf("timestamp %q: %v", q.Get("timestamp"), err)
	}
	if ts.Before(before.Truncate(time.Second)) || ts.After(time.Now()) {
		t.Errorf("timestamp %q is not now in UTC+8 (now is %s UTC)", q.Get("timestamp"), time.Now().UTC().Format(time.DateTime))
	}

	var biz map[string]string
	if err := json.Unmarshal([]byte(q.Get("biz_content")), &biz); err != nil {
		t.Fatalf("biz_content %q: %v", q.Get("biz_content"), err)
	}
	wantBiz := map[string]string{
		"out_trade_no": pay.OutTradeNo,
		"product_code": "FAST_INSTANT_TRADE_PAY",
		"total_amount": "9.90",
		"subject":      pay.Subject,
		"time_expire":  "2025-01-02 11:04:05",
	}
	if len(biz) != len(wantBiz) {
		t.Errorf("biz_content = %v, want %v", biz, wantBiz)
	}
	for k, v := range wantBiz {
		if biz[k] != v {
			t.Errorf("biz_content %s = %q, want %q", k, biz[k], v)
		}
	}
	if strings.Contains(q.Get("biz_content"), `\u0026`) {
		t.Errorf("biz_content is HTML-escaped: %s", q.Get("biz_content"))
	}

	// Requests are signed over everything but sign, sign_type included.
	if err := alipay.VerifyRSA2(&p.AppKey.PublicKey, alipay.SigningContent(q), q.Get("sign")); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := alipay.VerifyRSA2(&p.AppKey.PublicKey, alipay.SigningContent(q, "sign_type"), q.Get("sign")); err == nil {
		t.Error("signature verifies without sign_type: it must cover it")
	}
}

func TestPagePayURLOptionalFields(t *testing.T) {
	p := alipaytest.New(t)
	c := p.Client()
	c.Gateway = "https://openapi-sandbox.dl.alipaydev.com/gateway.do?charset=utf-8"

	pay := validPagePay()
	pay.NotifyURL, pay.ReturnURL = "", ""
	pay.TotalAmount = "09.9"
	pay.Subject = strings.Repeat("文", 300)
	raw, err := c.PagePayURL(pay)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, c.Gateway+"&") {
		t.Errorf("URL %q does not extend the gateway's query", raw)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	for _, k := range []string{"notify_url", "return_url"} {
		if _, ok := q[k]; ok {
			t.Errorf("%s sent though empty", k)
		}
	}
	var biz map[string]string
	if err := json.Unmarshal([]byte(q.Get("biz_content")), &biz); err != nil {
		t.Fatal(err)
	}
	if _, ok := biz["time_expire"]; ok {
		t.Error("time_expire sent though zero")
	}
	if biz["total_amount"] != "9.90" {
		t.Errorf("total_amount = %q, want the canonical 9.90", biz["total_amount"])
	}
	if n := utf8.RuneCountInString(biz["subject"]); n != 256 {
		t.Errorf("subject is %d characters, want 256", n)
	}
}

func TestPagePayURLRefuses(t *testing.T) {
	p := alipaytest.New(t)
	tests := []struct {
		name   string
		change func(*alipay.PagePay, *alipay.Client)
	}{
		{"too many decimals", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "9.999" }},
		{"negative", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "-1" }},
		{"zero", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "0.00" }},
		{"exponent", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "1e3" }},
		{"empty amount", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "" }},
		{"over the ceiling", func(pp *alipay.PagePay, _ *alipay.Client) { pp.TotalAmount = "100000000.01" }},
		{"no out_trade_no", func(pp *alipay.PagePay, _ *alipay.Client) { pp.OutTradeNo = "" }},
		{"long out_trade_no", func(pp *alipay.PagePay, _ *alipay.Client) { pp.OutTradeNo = strings.Repeat("x", 65) }},
		{"no subject", func(pp *alipay.PagePay, _ *alipay.Client) { pp.Subject = " " }},
		{"no app id", func(_ *alipay.PagePay, c *alipay.Client) { c.AppID = "" }},
		{"no private key", func(_ *alipay.PagePay, c *alipay.Client) { c.PrivateKey = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pay, c := validPagePay(), p.Client()
			tt.change(&pay, c)
			if u, err := c.PagePayURL(pay); err == nil {
				t.Fatalf("accepted: %s", u)
			}
		})
	}

	t.Run("limits are inclusive", func(t *testing.T) {
		for _, amount := range []string{"0.01", "100000000.00"} {
			pay := validPagePay()
			pay.TotalAmount = amount
			pay.OutTradeNo = strings.Repeat("x", 64)
			if _, err := p.Client().PagePayURL(pay); err != nil {
				t.Errorf("%s: %v", amount, err)
			}
		}
	})
}
