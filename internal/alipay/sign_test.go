package alipay_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"testing"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func TestSigningContent(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		skip   []string
		want   string
	}{
		{
			name:   "sorted by key, byte order",
			params: url.Values{"b": {"2"}, "a": {"1"}, "B": {"0"}, "a_b": {"3"}, "ab": {"4"}},
			want:   "B=0&a=1&a_b=3&ab=4&b=2",
		},
		{
			name:   "empty values skipped",
			params: url.Values{"a": {""}, "b": {"x"}, "c": {}},
			want:   "b=x",
		},
		{
			name:   "sign always skipped, sign_type kept",
			params: url.Values{"sign": {"abc"}, "sign_type": {"RSA2"}, "x": {"1"}},
			want:   "sign_type=RSA2&x=1",
		},
		{
			name:   "skip list",
			params: url.Values{"sign": {"abc"}, "sign_type": {"RSA2"}, "x": {"1"}, "y": {"2"}},
			skip:   []string{"sign_type", "y"},
			want:   "x=1",
		},
		{
			name:   "raw values",
			params: url.Values{"subject": {"Q&A 博客 a+b=c%20"}, "biz_content": {`{"k":"v"}`}},
			want:   `biz_content={"k":"v"}&subject=Q&A 博客 a+b=c%20`,
		},
		{
			name:   "first of repeated values",
			params: url.Values{"a": {"1", "2"}},
			want:   "a=1",
		},
		{
			name: "nothing",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := alipay.SigningContent(tt.params, tt.skip...); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSignVerifyRSA2(t *testing.T) {
	p := alipaytest.New(t)
	const content = "a=1&b=博客&c=x y"
	sig, err := alipay.SignRSA2(p.Key, content)
	if err != nil {
		t.Fatal(err)
	}
	if err := alipay.VerifyRSA2(&p.Key.PublicKey, content, sig); err != nil {
		t.Fatalf("round trip: %v", err)
	}

	raw, _ := base64.StdEncoding.DecodeString(sig)
	raw[len(raw)/2] ^= 1
	flipped := base64.StdEncoding.EncodeToString(raw)

	tests := []struct {
		name      string
		content   string
		signature string
		useAppKey bool
	}{
		{"tampered content", "a=1&b=博客&c=x z", sig, false},
		{"tampered signature", content, flipped, false},
		{"wrong key", content, sig, true},
		{"bad base64", content, "!!" + sig[2:], false},
		{"url-safe base64", content, "-_-_", false},
		{"empty signature", content, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := &p.Key.PublicKey
			if tt.useAppKey {
				key = &p.AppKey.PublicKey
			}
			err := alipay.VerifyRSA2(key, tt.content, tt.signature)
			if !errors.Is(err, alipay.ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}

	t.Run("no key", func(t *testing.T) {
		err := alipay.VerifyRSA2(nil, content, sig)
		if err == nil || errors.Is(err, alipay.ErrBadSignature) {
			t.Fatalf("err = %v, want a configuration error", err)
		}
		if _, err := alipay.SignRSA2(nil, content); err == nil {
			t.Fatal("SignRSA2 with no key: no error")
		}
	})
}
