package match

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidEmail is returned by NormalizeEmail. Its text is meant to follow a
// field name: "email is not a valid e-mail address".
var ErrInvalidEmail = errors.New("is not a valid e-mail address")

// maxEmailBytes is the longest address NormalizeEmail accepts (RFC 5321 path
// limit minus the angle brackets).
const maxEmailBytes = 254

// NormalizeEmail trims s, validates it as an e-mail address and returns it
// lowercased (domain and, as is CRM practice, local part). Valid means: valid
// UTF-8, exactly one '@', a non-empty local part without spaces, control
// characters or any of `"(),:;<>[\]`, a domain of at least two non-empty
// dot-separated labels made of letters, digits and '-', and at most 254 bytes
// after lowercasing. NormalizeEmail is idempotent on its output.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	// Lowercasing changes the byte length by at most a factor of 3.
	if s == "" || len(s) > 3*maxEmailBytes || !utf8.ValidString(s) {
		return "", ErrInvalidEmail
	}
	e := strings.ToLower(s)
	if len(e) > maxEmailBytes {
		return "", ErrInvalidEmail
	}
	at := strings.IndexByte(e, '@')
	if at <= 0 || strings.IndexByte(e[at+1:], '@') >= 0 {
		return "", ErrInvalidEmail
	}
	if !validLocalPart(e[:at]) || !validHost(e[at+1:]) {
		return "", ErrInvalidEmail
	}
	return e, nil
}

func validLocalPart(s string) bool {
	for _, r := range s {
		switch r {
		case '"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']':
			return false
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// validHost reports whether s is a plausible host name: two or more
// non-empty labels of letters, digits and '-'.
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels, size := 1, 0
	for _, r := range s {
		switch {
		case r == '.':
			if size == 0 {
				return false
			}
			labels, size = labels+1, 0
			continue
		case r == '-', 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return false
		}
		size++
	}
	return labels >= 2 && size > 0
}

// EmailKey is the duplicate-detection key of an address already normalised
// by NormalizeEmail: a "+tag" suffix of the local part is dropped for every
// domain, and for gmail.com and googlemail.com the dots of the local part are
// dropped and the domain becomes gmail.com. A string without '@' is returned
// unchanged.
func EmailKey(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" && strings.IndexByte(local, '.') >= 0 {
		if l := strings.ReplaceAll(local, ".", ""); l != "" {
			local = l
		}
	}
	if len(local)+1+len(domain) == len(email) && domain == email[at+1:] {
		return email // nothing changed: no allocation
	}
	return local + "@" + domain
}

// EmailDomain returns the lowercased domain of an address (the text after
// the last '@'), or "" if there is none.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[at+1:]))
}
