// Package privacy answers a person's rights over the data held about
// them: an export of everything about one contact (a zip of JSON and
// their files), and the erasure of a contact — their personal values
// cleared and anonymised in history, search and duplicate keys, files
// and e-mail addresses in logged e-mails, in one transaction, the
// erasure itself logged.
package privacy

import (
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/files"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// ErasedEmail replaces an erased person's e-mail address where it
// cannot simply be cleared (the sender of a logged e-mail): a valid
// address under a reserved domain that can never reach anyone.
const ErasedEmail = "erased@erased.invalid"

// Service exports and erases the personal data of contacts.
type Service struct {
	DB         *db.DB
	Records    *records.Engine
	Customers  *customers.Service
	Activities *activities.Service
	Files      *files.Service
	Log        *slog.Logger
	Now        func() time.Time
}

// personalCustomTypes are the custom field types whose values, on a
// person's record, are taken to be about that person: free text,
// addresses and numbers to reach them, dates (a birthday, an
// anniversary). Choices, numbers, money and links stay: alone they do
// not say who someone was, and reports count on them.
var personalCustomTypes = map[records.FieldType]bool{
	records.Text: true, records.LongText: true, records.Email: true, records.Phone: true,
	records.URL: true, records.Date: true, records.DateTime: true,
}

// Personal reports whether a field of a contact holds personal data an
// erasure clears: a standard field marked Personal, a custom field of a
// personal type, or a name that is no field any more (a deleted custom
// field still present in old history).
func Personal(f *records.Field) bool {
	return f == nil || f.Personal || (f.Custom && personalCustomTypes[f.Type])
}

// clearPersonal is the erasure of a contact's own values.
func clearPersonal(_ string, f *records.Field, v any) any {
	if Personal(f) {
		return nil
	}
	return v
}

// scrubber returns the erasure of an activity: every occurrence of one
// of addrs becomes ErasedEmail; in a recipients list (email_to) the
// whole recipient goes, display name included.
func scrubber(addrs []string) records.EraseFunc {
	var res []*regexp.Regexp
	for _, a := range addrs {
		res = append(res, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(a)))
	}
	hit := func(s string) bool {
		for _, re := range res {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	}
	text := func(s string) string {
		for _, re := range res {
			s = re.ReplaceAllLiteralString(s, ErasedEmail)
		}
		return s
	}
	recipients := func(s string) string {
		if !hit(s) {
			return s
		}
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' })
		out := make([]string, 0, len(parts))
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if hit(p) {
				p = ErasedEmail
			}
			if p != "" && !(p == ErasedEmail && slices.Contains(out, ErasedEmail)) {
				out = append(out, p)
			}
		}
		return strings.Join(out, ", ")
	}
	var walk func(name string, v any) any
	walk = func(name string, v any) any {
		switch x := v.(type) {
		case string:
			if name == "email_to" {
				return recipients(x)
			}
			return text(x)
		case []records.EmailItem:
			var out []records.EmailItem
			for _, it := range x {
				if hit(it.Address) {
					it.Address, it.Label = ErasedEmail, ""
				}
				if i := slices.IndexFunc(out, func(x records.EmailItem) bool { return x.Address == it.Address }); i >= 0 {
					out[i].Primary = out[i].Primary || it.Primary
					continue
				}
				out = append(out, it)
			}
			return out
		case []any:
			out := make([]any, 0, len(x))
			for _, it := range x {
				out = append(out, walk(name, it))
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, it := range x {
				out[k] = walk(k, it)
			}
			return out
		}
		return v
	}
	return func(name string, _ *records.Field, v any) any { return walk(name, v) }
}

// addresses returns the e-mail addresses among values an erasure took
// out of a contact: its e-mail lists, canonical or from history.
func addresses(removed map[string][]any, into map[string]bool) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, "@") {
				into[strings.ToLower(strings.TrimSpace(x))] = true
			}
		case []records.EmailItem:
			for _, it := range x {
				walk(it.Address)
			}
		case []any:
			for _, it := range x {
				walk(it)
			}
		case map[string]any:
			walk(x["address"])
		}
	}
	for _, name := range []string{"emails", "email"} {
		for _, v := range removed[name] {
			walk(v)
		}
	}
	delete(into, "")
}

// phoneNumbers returns the phone numbers among values an erasure took
// out of a contact: its phone lists, canonical or from history, each
// number as entered and in E.164.
func phoneNumbers(removed map[string][]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) != "" {
				out = append(out, x)
			}
		case []records.PhoneItem:
			for _, it := range x {
				walk(it.Number)
				walk(it.Text)
			}
		case []any:
			for _, it := range x {
				walk(it)
			}
		case map[string]any:
			walk(x["number"])
			walk(x["text"])
		}
	}
	for _, name := range []string{"phones", "phone", "mobile"} {
		for _, v := range removed[name] {
			walk(v)
		}
	}
	return out
}

// nameWords returns the words of the names an erasure took out, as the
// typo-correction vocabulary holds them.
func nameWords(removed map[string][]any) []string {
	var d search.Doc
	for _, name := range []string{"given_name", "middle_name", "family_name", "name"} {
		for _, v := range removed[name] {
			if s, ok := v.(string); ok {
				d.Add(s, search.WeightName)
			}
		}
	}
	return d.Vocab()
}

// checkErase says whether p may erase contacts at all: erasing cannot be
// undone, so it takes both the right to change contacts and the right
// to delete them (as a merge does).
func checkErase(p *auth.Principal) error {
	if !p.Can("contacts", auth.ActUpdate) || !p.Can("contacts", auth.ActDelete) {
		return errs.E(errs.Forbidden, "Erasing a person needs the right to change and to delete contacts.")
	}
	return nil
}

// CanErase reports whether p may erase contacts (the UI shows the
// action only then).
func CanErase(p *auth.Principal) bool { return checkErase(p) == nil }
