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
	return phonenumbers.Format(number, phonenumbers.E164), nil
}
