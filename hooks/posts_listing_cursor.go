package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/content"
)

// listingCursor is the position after the last post of a listing page:
// keyset pagination on (published, id), so a page deep in the listing
// costs the same index seek as the first. It also carries the listing it
// belongs to (sort, author or tag) and the number of the page it points to.
type listingCursor struct {
	Published string `json:"p"`
	Id        string `json:"i"`
	Sort      string `json:"s"`
	Author    string `json:"a,omitempty"`
	Tag       string `json:"t,omitempty"`
	Page      int    `json:"n"`
}

var errBadCursor = errors.New("invalid cursor")

// maxCursorLength is longer than any cursor encodeCursor makes.
const maxCursorLength = 512

// encodeCursor makes the opaque nextCursor of a listing (sealCursor).
func encodeCursor(key []byte, c listingCursor) string {
	payload, _ := json.Marshal(c)
	return sealCursor(key, payload)
}

// decodeCursor verifies and reads a cursor made by encodeCursor.
func decodeCursor(key []byte, raw string) (listingCursor, error) {
	var c listingCursor
	payload, err := openCursor(key, raw)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errBadCursor
	}
	if _, err := types.ParseDateTime(c.Published); err != nil || c.Published == "" ||
		!content.LooksLikeRecordId(c.Id) || c.Page < 2 || !validListingSort(c.Sort) {
		return c, errBadCursor
	}
	return c, nil
}

// sealCursor makes an opaque cursor of payload: base64url JSON and an
// HMAC over it, so that a client cannot forge or alter a position.
func sealCursor(key, payload []byte) string {
	return base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(cursorMac(key, payload))
}

// openCursor verifies a cursor made by sealCursor with the same key and
// returns its payload.
func openCursor(key []byte, raw string) ([]byte, error) {
	encodedPayload, encodedMac, ok := strings.Cut(raw, ".")
	if !ok || len(raw) > maxCursorLength {
		return nil, errBadCursor
	}
	payload, err := base64.RawURLEncoding.DecodeString(encodedPayload)
	if err != nil {
		return nil, errBadCursor
	}
	mac, err := base64.RawURLEncoding.DecodeString(encodedMac)
	if err != nil || !hmac.Equal(mac, cursorMac(key, payload)) {
		return nil, errBadCursor
	}
	return payload, nil
}

func cursorMac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// cursorKey derives the signing key of the listing's cursors from the
// superusers' token secret: a random value every installation already
// keeps secret and persistent, so cursors survive restarts without a new
// secret to manage. The label keeps the derived key useless as a token
// key, and each kind of cursor useless in place of another.
func cursorKey(app core.App) ([]byte, error) {
	return derivedCursorKey(app, "blogbase listing cursor")
}

func derivedCursorKey(app core.App, label string) ([]byte, error) {
	superusers, err := app.FindCachedCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(label + "\x00" + superusers.AuthToken.Secret))
	return sum[:], nil
}
