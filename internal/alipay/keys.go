package alipay

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"unicode"
)

// ParsePrivateKey reads the app's RSA private key as openssl or Alipay's
// key tool writes it: a PEM block, "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE
// KEY" (PKCS#8), or the bare base64 DER body without PEM armour, which is
// how Alipay's console and key tool show keys. A bare body is tried as
// PKCS#8 first (what the key tool produces), then as PKCS#1.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	der, pemType, err := keyDER(data, "private key")
	if err != nil {
		return nil, err
	}

	switch pemType {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("alipay: private key: PKCS#1: %w", err)
		}
		return key, nil
	case "PRIVATE KEY":
		return parsePKCS8RSA(der)
	case "":
		if key, err := parsePKCS8RSA(der); err == nil {
			return key, nil
		} else if !errors.Is(err, errNotPKCS8) {
			return nil, err // PKCS#8, but not RSA: say so rather than "not PKCS#1"
		}
		if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
			return key, nil
		}
		return nil, errors.New("alipay: private key: the base64 body is neither a PKCS#8 nor a PKCS#1 RSA key")
	default:
		return nil, fmt.Errorf("alipay: private key: unexpected PEM block %q, want \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"", pemType)
	}
}

var errNotPKCS8 = errors.New("not PKCS#8")

func parsePKCS8RSA(der []byte) (*rsa.PrivateKey, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("alipay: private key: %w: %v", errNotPKCS8, err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("alipay: private key is a %T, Alipay's RSA2 needs an RSA key", key)
	}
	return rsaKey, nil
}

// ParsePublicKey reads Alipay's RSA public key: a PEM block, "PUBLIC KEY"
// (PKIX) or "RSA PUBLIC KEY" (PKCS#1), or the bare base64 DER body as
// Alipay's console shows it, tried as PKIX first, then as PKCS#1.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	der, pemType, err := keyDER(data, "public key")
	if err != nil {
		return nil, err
	}

	switch pemType {
	case "PUBLIC KEY":
		return parsePKIXRSA(der)
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("alipay: public key: PKCS#1: %w", err)
		}
		return key, nil
	case "":
		if key, err := parsePKIXRSA(der); err == nil {
			return key, nil
		} else if !errors.Is(err, errNotPKIX) {
			return nil, err
		}
		if key, err := x509.ParsePKCS1PublicKey(der); err == nil {
			return key, nil
		}
		return nil, errors.New("alipay: public key: the base64 body is neither a PKIX nor a PKCS#1 RSA key")
	case "CERTIFICATE":
		return nil, errors.New("alipay: public key: got a certificate; certificate-mode keys are not supported, use Alipay's public key")
	default:
		return nil, fmt.Errorf("alipay: public key: unexpected PEM block %q, want \"PUBLIC KEY\" or \"RSA PUBLIC KEY\"", pemType)
	}
}

var errNotPKIX = errors.New("not PKIX")

func parsePKIXRSA(der []byte) (*rsa.PublicKey, error) {
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("alipay: public key: %w: %v", errNotPKIX, err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("alipay: public key is a %T, Alipay's RSA2 needs an RSA key", key)
	}
	return rsaKey, nil
}

var utf8BOM = []byte("\xef\xbb\xbf")

// keyDER returns the DER bytes of a key and its PEM block type, "" when
// the key came as bare base64. Keys are pasted from web consoles and
// saved by Windows editors, so surrounding space, line breaks inside the
// base64 and a byte order mark are all tolerated.
func keyDER(data []byte, what string) (der []byte, pemType string, err error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
	if len(data) == 0 {
		return nil, "", fmt.Errorf("alipay: %s is empty", what)
	}

	if bytes.Contains(data, []byte("-----BEGIN")) {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, "", fmt.Errorf("alipay: %s: malformed PEM", what)
		}
		if _, ok := block.Headers["Proc-Type"]; ok {
			return nil, "", fmt.Errorf("alipay: %s: encrypted PEM is not supported", what)
		}
		return block.Bytes, block.Type, nil
	}

	body := bytes.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, data)
	der, err = base64.StdEncoding.DecodeString(string(body))
	if err != nil {
		return nil, "", fmt.Errorf("alipay: %s is neither PEM nor base64 DER: %w", what, err)
	}
	return der, "", nil
}
