package alipay

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadAmount is returned, wrapped, by ParseAmount for anything that is
// not a plain yuan amount.
var ErrBadAmount = errors.New("alipay: bad amount")

// maxAmountDigits bounds the integer part so that any accepted amount
// fits in int64 fen with room to spare; Alipay's own ceiling is far lower.
const maxAmountDigits = 12

// FormatAmount renders minor units (fen) as Alipay's exact 2-decimal yuan
// string: 990 → "9.90", 5 → "0.05". Amounts are kept in fen everywhere
// else so that no float ever touches money.
func FormatAmount(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign = "-"
		u = -u // two's complement: right for math.MinInt64 too
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParseAmount is the strict inverse of FormatAmount: it accepts only
// digits with an optional one- or two-digit fraction (^[0-9]+(\.[0-9]{1,2})?$,
// at most 12 integer digits) and returns fen, "9.9" → 990. No sign, no
// exponent, no spaces, no "9." or ".9": amounts come from notifications and
// are compared with what was charged, so anything unusual is refused
// rather than guessed at. It never goes through float64.
func ParseAmount(s string) (int64, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if !isDigits(whole) || len(whole) > maxAmountDigits ||
		hasDot && (!isDigits(frac) || len(frac) > 2) {
		return 0, fmt.Errorf("%w %q: want yuan with at most two decimals, e.g. 9.90", ErrBadAmount, shorten(s))
	}

	var n int64
	for i := 0; i < len(whole); i++ {
		n = n*10 + int64(whole[i]-'0')
	}
	n *= 100
	if len(frac) > 0 {
		n += int64(frac[0]-'0') * 10
	}
	if len(frac) > 1 {
		n += int64(frac[1] - '0')
	}
	return n, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shorten keeps error messages (and the logs they end up in) small when
// the input is long and possibly hostile.
func shorten(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
