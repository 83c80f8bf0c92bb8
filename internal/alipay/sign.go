package alipay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ErrBadSignature is returned, possibly wrapped, whenever a signature
// from Alipay (or from someone pretending to be Alipay) does not verify.
var ErrBadSignature = errors.New("alipay: bad signature")

// SigningContent is Alipay's canonical string of a set of parameters:
// sorted by key, "k=v" joined by "&", values raw rather than URL-encoded,
// empty values left out. "sign" is always left out, and so is every key
// in skip (notifications and returns leave out "sign_type" too).
//
// Alipay's parameters are single-valued; of a repeated key only the first
// value counts, as with url.Values.Get.
func SigningContent(params url.Values, skip ...string) string {
	keys := make([]string, 0, len(params))
	for k, vs := range params {
		if k == "sign" || len(vs) == 0 || vs[0] == "" || slices.Contains(skip, k) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k][0])
	}
	return b.String()
}

// SignRSA2 signs content the way Alipay's sign_type RSA2 means:
// SHA256withRSA, PKCS#1 v1.5 padding, standard base64.
func SignRSA2(key *rsa.PrivateKey, content string) (string, error) {
	if key == nil {
		return "", errors.New("alipay: no private key to sign with")
	}
	digest := sha256.Sum256([]byte(content))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("alipay: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyRSA2 checks an RSA2 signature over content. Any failure of the
// signature itself, undecodable base64 included, is ErrBadSignature; a
// missing key is a configuration error and is not.
func VerifyRSA2(key *rsa.PublicKey, content, signature string) error {
	if key == nil {
		return errors.New("alipay: no public key to verify with")
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: the signature is not base64", ErrBadSignature)
	}
	digest := sha256.Sum256([]byte(content))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return ErrBadSignature
	}
	return nil
}
