package sms

import (
	"errors"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region a number without a country code is read in:
// "13812345678" is a Chinese mobile number, +8613812345678.
const DefaultRegion = "CN"

// ErrInvalidPhone is returned for anything that is not a valid number.
var ErrInvalidPhone = errors.New("not a valid phone number")

// NormalizePhone parses a phone number as people write it (spaces, dashes,
// a national number) and returns it in E.164 form, e.g. +8613812345678.
func NormalizePhone(raw string) (string, error) {
	if len(raw) > 32 {
		return "", ErrInvalidPhone
	}
	number, err := phonenumbers.Parse(raw, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(number) {
		return "", ErrInvalidPhone
	}
	e164 := phonenumbers.Format(number, phonenumbers.E164)
	// E.164 allows 15 digits; the library's metadata accepts a few longer
	// national numbers (German ones of up to 14 digits after +49), which
	// no SMS gateway takes and the users' phone field does not hold
	if len(e164) > 16 {
		return "", ErrInvalidPhone
	}
	return e164, nil
}
