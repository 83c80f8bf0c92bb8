package alipay_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

// FuzzVerifyCallback: VerifyCallback and ParseNotification take any query
// string without panicking, every refusal is ErrBadSignature, and nothing
// verifies unless its signed content is exactly that of the one genuine
// notification. In the query, {{signed}} stands for that notification
// (signed afresh in every process); key and value are also set on a copy
// of it, which must not verify once its signed content differs.
func FuzzVerifyCallback(f *testing.F) {
	p := alipaytest.New(f)
	c := p.Client()
	valid := p.SignedNotification("order_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
	validContent := alipay.SigningContent(valid, "sign_type")
	if err := c.VerifyCallback(valid); err != nil {
		f.Fatal(err)
	}

	for _, s := range [][3]string{
		{"{{signed}}", "total_amount", "0.01"},
		{"{{signed}}", "total_amount", "9.90"},
		{"{{signed}}&total_amount=0.01", "trade_status", "TRADE_FINISHED"},
		{"total_amount=0.01&{{signed}}", "refund_fee", "9.90"},
		{"{{signed}}&sign=AAAA", "seller_id", ""},
		{"{{signed}}&extra=", "extra", ""},
		{"x{{signed}}", "sign", "AAAA"},
		{"{{signed}}", "sign", ""},
		{"{{signed}}", "sign", "%%%"},
		{"{{signed}}", "sign_type", "RSA"},
		{"{{signed}}", "sign_type", "rsa2"},
		{"{{signed}}", "", ""},
		{"{{signed}}", "out_trade_no", "order_1\x00"},
		{"{{signed}}", "app_id", "2021000000000001 "},
		{"sign_type=RSA2&sign=" + strings.Repeat("A", 344), "notify_id", "x"},
		{"sign_type=RSA2&sign=", "a", "b"},
		{"%zz&sign_type=RSA2", "=", "&"},
		{"a=1;b=2", "a;b", "1"},
		{"", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}

	f.Fuzz(func(t *testing.T, query, key, value string) {
		params, _ := url.ParseQuery(strings.ReplaceAll(query, "{{signed}}", valid.Encode()))
		_ = alipay.ParseNotification(params)
		err := c.VerifyCallback(params)
		if err == nil && alipay.SigningContent(params, "sign_type") != validContent {
			t.Fatalf("a forged query verifies: %q", query)
		}
		if err != nil && !errors.Is(err, alipay.ErrBadSignature) {
			t.Fatalf("VerifyCallback(%q) = %v, want ErrBadSignature", query, err)
		}

		tampered := make(url.Values, len(valid)+1)
		for k, vs := range valid {
			tampered[k] = slices.Clone(vs)
		}
		tampered.Set(key, value)
		_ = alipay.ParseNotification(tampered)
		err = c.VerifyCallback(tampered)
		if err == nil && alipay.SigningContent(tampered, "sign_type") != validContent {
			t.Fatalf("verifies with %s=%q", key, value)
		}
		if err != nil && !errors.Is(err, alipay.ErrBadSignature) {
			t.Fatalf("with %s=%q: %v, want ErrBadSignature", key, value, err)
		}
	})
}
