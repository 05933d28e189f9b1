package match

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/width"
)

// ErrInvalidPhone is returned by NormalizePhone. Its text is meant to follow
// a field name: "phone is not a valid phone number".
var ErrInvalidPhone = errors.New("is not a valid phone number")

// maxPhoneBytes is the longest text NormalizePhone accepts.
const maxPhoneBytes = 64

// NormalizePhone parses the text a user typed ("(415) 555-0100",
// "+34 612 34 56 78", "0086 138 0013 8000", "138-0013-8000",
// "415.555.0100 ext 12") and returns it in E.164 form ("+14155550100"); an
// extension is dropped. region is the default region, an ISO 3166 alpha-2
// code such as "US", "ES" or "CN"; with "" (or an unknown code) the number
// must start with + or 00. A leading 00 is also accepted as the international
// prefix when the region's own prefix differs (e.g. "0044..." in the US).
//
// The number must be possible (right length for its country), not valid, so
// fictional numbers like 555-0100 pass; numbers that are only dialable
// locally (a US number without area code) are rejected. Text longer than 64
// bytes is rejected. NormalizePhone never panics and is idempotent on its
// output, which always matches ^\+[1-9][0-9]{6,14}$.
func NormalizePhone(text, region string) (e164 string, err error) {
	if len(text) > maxPhoneBytes {
		return "", ErrInvalidPhone
	}
	// Belt and braces: the input is untrusted and the parser is third-party.
	defer func() {
		if recover() != nil {
			e164, err = "", ErrInvalidPhone
		}
	}()
	text = strings.TrimSpace(text)
	if text == "" {
		return "", ErrInvalidPhone
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		region = ""
	}
	num, ok := parsePhone(text, region)
	if !ok && strings.HasPrefix(text, "00") {
		num, ok = parsePhone("+"+text[2:], region)
	}
	if !ok {
		return "", ErrInvalidPhone
	}
	// Re-parsing E.164 output can strip a national prefix the first parse
	// kept; iterate to a fixed point so the result is idempotent.
	out := phonenumbers.Format(num, phonenumbers.E164)
	for range 3 {
		if !isE164(out) {
			return "", ErrInvalidPhone
		}
		num, ok = parsePhone(out, "")
		if !ok {
			return "", ErrInvalidPhone
		}
		next := phonenumbers.Format(num, phonenumbers.E164)
		if next == out {
			return out, nil
		}
		out = next
	}
	return "", ErrInvalidPhone
}

func parsePhone(text, region string) (*phonenumbers.PhoneNumber, bool) {
	num, err := phonenumbers.Parse(text, region)
	if err != nil || num == nil {
		return nil, false
	}
	return num, phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE
}

// isE164 reports whether s matches ^\+[1-9][0-9]{6,14}$.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PhoneKeys returns the digit strings under which an E.164 number is indexed
// for search and duplicate detection: the digits without "+"
// ("14155550100") and, when the country code is known, the national
// significant number ("4155550100"). It returns nil for "" or a string
// without digits. Non-digits are ignored.
func PhoneKeys(e164 string) []string {
	digits := digitsOf(strings.TrimPrefix(strings.TrimSpace(e164), "+"))
	if digits == "" {
		return nil
	}
	keys := make([]string, 1, 2)
	keys[0] = digits
	// Country calling codes are prefix-free and 1 to 3 digits long.
	cc := 0
	for l := 1; l <= 3 && l < len(digits); l++ {
		cc = cc*10 + int(digits[l-1]-'0')
		if cc == 0 {
			break
		}
		if phonenumbers.GetRegionCodeForCountryCode(cc) != phonenumbers.UNKNOWN_REGION {
			keys = append(keys, digits[l:])
			break
		}
	}
	return keys
}

// PhoneQuery returns the digit strings to look up for a search query that
// looks like a phone number, or nil when it does not. It looks like one when,
// after width folding, it holds at least 5 digits and nothing but digits,
// spaces and "+-()." characters. The keys are the E.164 digits when q
// normalises with region, and always the raw digits with a leading "00" or
// "0" removed (duplicates dropped).
func PhoneQuery(q, region string) []string {
	q = strings.TrimSpace(q)
	for i := 0; i < len(q); i++ {
		if q[i] >= utf8.RuneSelf {
			q = strings.TrimSpace(width.Fold.String(q)) // "１３８" -> "138"
			break
		}
	}
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case '0' <= c && c <= '9':
			n++
		case c == ' ', c == '\t', c == '+', c == '-', c == '(', c == ')', c == '.':
		default:
			return nil
		}
	}
	if n < 5 {
		return nil
	}
	keys := make([]string, 0, 2)
	if e, err := NormalizePhone(q, region); err == nil {
		keys = append(keys, e[1:])
	}
	raw := digitsOf(q)
	if strings.HasPrefix(raw, "00") {
		raw = raw[2:]
	} else if strings.HasPrefix(raw, "0") {
		raw = raw[1:]
	}
	if raw != "" && (len(keys) == 0 || keys[0] != raw) {
		keys = append(keys, raw)
	}
	return keys
}

// digitsOf returns the ASCII digits of s, s itself when it has nothing else.
func digitsOf(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
