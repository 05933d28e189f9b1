package records

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

var (
	decimalRe  = regexp.MustCompile(`^-?[0-9]{1,20}(\.[0-9]{1,10})?$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	phoneRe    = regexp.MustCompile(`^\+?[0-9 ()./\-]{3,40}([ ]?(x|ext\.?)[ ]?[0-9]{1,8})?$`)
)

// maxLen returns the maximum length in characters of a text-like field.
func (f *Field) maxLen() int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	switch f.Type {
	case LongText:
		return 100_000
	case URL:
		return 2048
	case Email:
		return 254
	case Phone:
		return 40
	}
	return 500
}

// Normalize checks v against the field's type and returns its canonical
// value, or a message saying what is wrong. A nil result means empty.
// Strings are accepted for every type, so HTML forms and CSV cells go
// through the same rules as JSON.
func (f *Field) Normalize(v any) (any, string) {
	if v == nil {
		return nil, ""
	}
	if s, ok := v.(string); ok {
		if !utf8.ValidString(s) {
			return nil, "must be valid UTF-8 text"
		}
		if strings.ContainsRune(s, 0) {
			return nil, "must not contain NUL characters"
		}
		if f.Type != LongText {
			s = strings.TrimSpace(s)
		}
		if s == "" && !f.Type.listType() {
			return nil, ""
		}
		v = s
	}
	switch f.Type {
	case Text, LongText:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if n := utf8.RuneCountInString(s); n > f.maxLen() {
			return nil, fmt.Sprintf("must be at most %d characters", f.maxLen())
		}
		if f.Pattern != nil && !f.Pattern.MatchString(s) {
			return nil, f.PatternMessage
		}
		return s, ""
	case Email:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if len(s) > f.maxLen() {
			return nil, fmt.Sprintf("must be at most %d characters", f.maxLen())
		}
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
			return nil, "must be an e-mail address like name@example.com"
		}
		at := strings.LastIndexByte(s, '@')
		return s[:at] + strings.ToLower(s[at:]), ""
	case Phone:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		digits := 0
		for _, c := range s {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if !phoneRe.MatchString(s) || digits < 3 || digits > 20 {
			return nil, "must be a phone number like +34 912 345 678"
		}
		return s, ""
	case URL:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if len(s) > f.maxLen() {
			return nil, fmt.Sprintf("must be at most %d characters", f.maxLen())
		}
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(u.Host, " <>\"") {
			return nil, "must be a web address like https://example.com"
		}
		return u.String(), ""
	case Integer:
		n, ok := toInt(v)
		if !ok {
			return nil, "must be a whole number"
		}
		return n, ""
	case Decimal, Percent:
		d, ok := toDecimal(v)
		if !ok {
			return nil, "must be a decimal number like 12.50"
		}
		return d, ""
	case Money:
		var m MoneyValue
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if k != "amount" && k != "currency" {
					return nil, fmt.Sprintf("has an unknown member %q (want amount and currency)", k)
				}
			}
			a, ok := toDecimal(x["amount"])
			if !ok {
				return nil, "amount must be a decimal number like 12.50"
			}
			c, _ := x["currency"].(string)
			c = strings.ToUpper(strings.TrimSpace(c))
			if !currencyRe.MatchString(c) {
				return nil, "currency must be an ISO 4217 code like EUR"
			}
			m = MoneyValue{Amount: a, Currency: c}
		case MoneyValue:
			m = x
		case string:
			// "12.50 EUR" in forms and CSV files.
			parts := strings.Fields(x)
			if len(parts) != 2 {
				return nil, `must be an amount and a currency like "12.50 EUR"`
			}
			a, ok := toDecimal(parts[0])
			c := strings.ToUpper(parts[1])
			if !ok || !currencyRe.MatchString(c) {
				return nil, `must be an amount and a currency like "12.50 EUR"`
			}
			m = MoneyValue{Amount: a, Currency: c}
		default:
			return nil, `must be an object like {"amount":"12.50","currency":"EUR"}`
		}
		return m, ""
	case Date:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a date like 2026-01-31"
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil || t.Year() < 1 {
			return nil, "must be a date like 2026-01-31"
		}
		return s, ""
	case DateTime:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a time like 2026-01-31T09:30:00Z"
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			return nil, "must be a time like 2026-01-31T09:30:00Z"
		}
		return t.UTC().Format(time.RFC3339), ""
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			switch strings.ToLower(x) {
			case "true", "1", "yes", "on":
				return true, ""
			case "false", "0", "no", "off":
				return false, ""
			}
		}
		return nil, "must be true or false"
	case Select:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if _, ok := f.Option(s); !ok {
			return nil, "must be one of: " + f.optionList()
		}
		return s, ""
	case MultiSelect:
		var in []any
		switch x := v.(type) {
		case []any:
			in = x
		case []string:
			for _, s := range x {
				in = append(in, s)
			}
		case string:
			if x == "" {
				return nil, ""
			}
			for _, s := range strings.Split(x, ",") {
				in = append(in, strings.TrimSpace(s))
			}
		default:
			return nil, "must be an array of strings"
		}
		out := make([]string, 0, len(in))
		seen := map[string]bool{}
		for _, e := range in {
			s, ok := e.(string)
			if !ok {
				return nil, "must be an array of strings"
			}
			if _, ok := f.Option(s); !ok {
				return nil, fmt.Sprintf("has %q, which is not one of: %s", s, f.optionList())
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	case EmailList:
		return normalizeEmails(v)
	case PhoneList:
		return normalizePhones(v, f.region, f.phones)
	case RefList:
		return normalizeRefs(v)
	case Reference, User:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a record id"
		}
		u, err := uuid.Parse(s)
		if err != nil || len(s) != 36 {
			return nil, "must be a record id (a UUID)"
		}
		return u.String(), ""
	}
	return nil, "has an unsupported type"
}

func (f *Field) optionList() string {
	vs := make([]string, len(f.Options))
	for i, o := range f.Options {
		vs[i] = o.Value
	}
	return strings.Join(vs, ", ")
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return int64(x), true
		}
	}
	return 0, false
}

// toDecimal returns the canonical text of an exact decimal: no leading
// zeros, no exponent, trailing zeros of the fraction kept as given.
func toDecimal(v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	default:
		return "", false
	}
	if strings.ContainsAny(s, "eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", false
		}
		s = r.FloatString(10)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if !decimalRe.MatchString(s) {
		return "", false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasFrac {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

// Equal reports whether two canonical values are the same.
func Equal(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
