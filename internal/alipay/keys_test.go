package alipay_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// wrapped is base64 the way consoles show long keys: lines of 64, CRLF.
func wrapped(der []byte) []byte {
	s := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\r\n")
		s = s[64:]
	}
	b.WriteString(s + "\r\n")
	return []byte(b.String())
}

func TestParsePrivateKey(t *testing.T) {
	key := alipaytest.New(t).AppKey
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecSEC1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" means the key parses and equals key
	}{
		{"PKCS#1 PEM", pemBlock("RSA PRIVATE KEY", pkcs1), ""},
		{"PKCS#8 PEM", alipaytest.PEM(key), ""},
		{"PKCS#8 PEM with CRLF and BOM", []byte("\xef\xbb\xbf" + strings.ReplaceAll(string(alipaytest.PEM(key)), "\n", "\r\n")), ""},
		{"bare PKCS#8", []byte(base64.StdEncoding.EncodeToString(pkcs8)), ""},
		{"bare PKCS#8 wrapped", wrapped(pkcs8), ""},
		{"bare PKCS#1", []byte(" " + base64.StdEncoding.EncodeToString(pkcs1) + "\n"), ""},
		{"EC PKCS#8 PEM", pemBlock("PRIVATE KEY", ecPKCS8), "RSA"},
		{"EC bare PKCS#8", []byte(base64.StdEncoding.EncodeToString(ecPKCS8)), "RSA"},
		{"EC PEM", pemBlock("EC PRIVATE KEY", ecSEC1), "unexpected PEM block"},
		{"public key PEM", pemBlock("PUBLIC KEY", pub), "unexpected PEM block"},
		{"PKCS#8 labelled PKCS#1", pemBlock("RSA PRIVATE KEY", pkcs8), "PKCS#1"},
		{"empty", []byte(" \n"), "empty"},
		{"garbage", []byte("not a key, at all!"), "neither PEM nor base64"},
		{"base64 garbage", []byte(base64.StdEncoding.EncodeToString([]byte("hello, world"))), "neither a PKCS#8 nor a PKCS#1"},
		{"broken PEM", []byte("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n"), "malformed PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alipay.ParsePrivateKey(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Fatal("parsed a different key")
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	key := &alipaytest.New(t).Key.PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(key)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKIX, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"PKIX PEM", alipaytest.PEM(key), ""},
		{"PKCS#1 PEM", pemBlock("RSA PUBLIC KEY", pkcs1), ""},
		{"bare PKIX", []byte(base64.StdEncoding.EncodeToString(pkix)), ""},
		{"bare PKIX wrapped", wrapped(pkix), ""},
		{"bare PKCS#1", []byte(base64.StdEncoding.EncodeToString(pkcs1)), ""},
		{"EC PKIX PEM", pemBlock("PUBLIC KEY", ecPKIX), "RSA"},
		{"EC bare PKIX", []byte(base64.StdEncoding.EncodeToString(ecPKIX)), "RSA"},
		{"certificate", pemBlock("CERTIFICATE", pkix), "certificate"},
		{"private key PEM", alipaytest.PEM(alipaytest.New(t).Key), "unexpected PEM block"},
		{"empty", nil, "empty"},
		{"garbage", []byte("-- nope --"), "neither PEM nor base64"},
		{"base64 garbage", []byte("aGVsbG8="), "neither a PKIX nor a PKCS#1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alipay.ParsePublicKey(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Fatal("parsed a different key")
			}
		})
	}
}
