package alipay_test

import (
	"errors"
	"net/url"
	"testing"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func TestVerifyCallback(t *testing.T) {
	p := alipaytest.New(t)
	c := p.Client()

	n := p.SignedNotification("order_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
	if err := c.VerifyCallback(n); err != nil {
		t.Fatalf("platform-signed notification: %v", err)
	}

	// The notification travels as a form: encoding and decoding it must
	// not matter.
	decoded, err := url.ParseQuery(n.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyCallback(decoded); err != nil {
		t.Fatalf("after a form round trip: %v", err)
	}

	got := alipay.ParseNotification(n)
	want := alipay.Notification{
		NotifyID:    n.Get("notify_id"),
		NotifyType:  "trade_status_sync",
		AppID:       p.AppID,
		OutTradeNo:  "order_1",
		TradeNo:     "2025010222001400001",
		TradeStatus: "TRADE_SUCCESS",
		TotalAmount: "9.90",
		SellerID:    p.SellerID,
	}
	if got != want || got.NotifyID == "" {
		t.Errorf("ParseNotification = %+v\nwant %+v", got, want)
	}

	// A return-URL query carries other parameters, signed the same way.
	ret := p.Sign(url.Values{
		"app_id":       {p.AppID},
		"method":       {"alipay.trade.page.pay.return"},
		"charset":      {"utf-8"},
		"version":      {"1.0"},
		"timestamp":    {"2025-01-02 11:04:05"},
		"out_trade_no": {"order_1"},
		"trade_no":     {"2025010222001400001"},
		"total_amount": {"9.90"},
		"seller_id":    {p.SellerID},
	})
	if err := c.VerifyCallback(ret); err != nil {
		t.Fatalf("return query: %v", err)
	}
}

func TestVerifyCallbackRefuses(t *testing.T) {
	p := alipaytest.New(t)

	tests := []struct {
		name   string
		change func(v url.Values)
	}{
		{"sign_type RSA", func(v url.Values) { v.Set("sign_type", "RSA") }},
		{"no sign_type", func(v url.Values) { v.Del("sign_type") }},
		{"no sign", func(v url.Values) { v.Del("sign") }},
		{"empty sign", func(v url.Values) { v.Set("sign", "") }},
		{"changed amount", func(v url.Values) { v.Set("total_amount", "0.01") }},
		{"changed status", func(v url.Values) { v.Set("trade_status", "TRADE_FINISHED") }},
		{"added parameter", func(v url.Values) { v.Set("refund_fee", "9.90") }},
		{"removed parameter", func(v url.Values) { v.Del("seller_id") }},
		{"repeated parameter", func(v url.Values) { v.Add("total_amount", "0.01") }},
		{"bad base64", func(v url.Values) { v.Set("sign", "%%%") }},
		{"signed with another key", func(v url.Values) {
			sig, err := alipay.SignRSA2(p.AppKey, alipay.SigningContent(v, "sign_type"))
			if err != nil {
				t.Fatal(err)
			}
			v.Set("sign", sig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := p.SignedNotification("order_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
			tt.change(n)
			err := p.Client().VerifyCallback(n)
			if !errors.Is(err, alipay.ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}

	t.Run("no public key", func(t *testing.T) {
		c := p.Client()
		c.PublicKey = nil
		n := p.SignedNotification("order_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
		if err := c.VerifyCallback(n); err == nil {
			t.Fatal("verified without a key")
		}
	})
}
