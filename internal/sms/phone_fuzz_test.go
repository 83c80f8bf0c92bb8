package sms

import (
	"strings"
	"testing"
)

// FuzzNormalizePhone: whatever is typed into a phone field, NormalizePhone
// either refuses it or returns an E.164 number (a "+" and at most 15
// digits) that normalizes to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"13812345678", "138 1234 5678", "+86 138-1234-5678", "+8613812345678", "008613812345678",
		"+14155552671", "+1 (415) 555-2671", "+44 20 7946 0958", "+442079460958 ext. 12",
		"tel:+1-415-555-2671", "+800 1234 5678", "１３８１２３４５６７８", "+٨٦١٣٨١٢٣٤٥٦٧٨",
		"", "+", "++86", "12", "abc", "+86 123", "1381234567890123", strings.Repeat("1", 32),
		strings.Repeat("1", 33), "+999999999999999", "\x00\xff", "+86\u200b13812345678",
	} {
		f.Add(s)
	}
	// longer than E.164 allows, though libphonenumber knows it as German
	f.Add("+4942071111192098")

	f.Fuzz(func(t *testing.T, raw string) {
		phone, err := NormalizePhone(raw)
		if err != nil {
			if err != ErrInvalidPhone {
				t.Fatalf("NormalizePhone(%q) error %v, want ErrInvalidPhone", raw, err)
			}
			return
		}
		digits, ok := strings.CutPrefix(phone, "+")
		if !ok || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q, not an E.164 number", raw, phone)
		}
		if len(phone) > 16 {
			t.Fatalf("NormalizePhone(%q) = %q, more than 15 digits", raw, phone)
		}
		again, err := NormalizePhone(phone)
		if err != nil || again != phone {
			t.Fatalf("NormalizePhone(%q) = %q, but NormalizePhone(%q) = %q, %v", raw, phone, phone, again, err)
		}
	})
}
