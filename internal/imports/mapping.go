package imports

import (
	"fmt"
	"strings"

	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Target is something a column can be mapped to.
type Target struct {
	Name string `json:"name"`
	// Field is true for a field of the object, false for a special target
	// the importer resolves (full_name, account, tags, owner_email, …).
	Field bool `json:"field"`
	// Multi is true when several columns may map to it (their values are
	// added up: e-mails, phones, tags).
	Multi bool `json:"multi"`
	// LabelKey is the i18n key of a standard target's label; Labels hold
	// a custom field's labels.
	LabelKey string            `json:"-"`
	Labels   map[string]string `json:"-"`
	Custom   bool              `json:"custom,omitempty"`
}

// specials are the special targets of each object.
var specials = map[string][]Target{
	"contacts": {
		{Name: TargetFullName, LabelKey: "imports.target.full_name"},
		{Name: TargetAccount, LabelKey: "imports.target.account"},
		{Name: TargetAccountDomain, LabelKey: "imports.target.account_domain"},
		{Name: TargetTags, LabelKey: "imports.target.tags", Multi: true},
		{Name: TargetOwnerEmail, LabelKey: "imports.target.owner_email"},
		{Name: TargetID, LabelKey: "imports.target.id"},
	},
	"accounts": {
		{Name: TargetParent, LabelKey: "imports.target.parent"},
		{Name: TargetTags, LabelKey: "imports.target.tags", Multi: true},
		{Name: TargetOwnerEmail, LabelKey: "imports.target.owner_email"},
		{Name: TargetID, LabelKey: "imports.target.id"},
	},
	"activities": {
		{Name: TargetContactEmails, LabelKey: "imports.target.contact_emails", Multi: true},
		{Name: TargetAccountNames, LabelKey: "imports.target.account_names", Multi: true},
		{Name: TargetOwnerEmail, LabelKey: "imports.target.owner_email"},
		{Name: TargetID, LabelKey: "imports.target.id"},
	},
}

// defaultSpecials are the special targets of objects added later.
var defaultSpecials = []Target{
	{Name: TargetOwnerEmail, LabelKey: "imports.target.owner_email"},
	{Name: TargetID, LabelKey: "imports.target.id"},
}

// targets lists what columns of object may map to: its writable fields
// (custom ones included) and its special targets.
func targets(object string, fields []records.Field) []Target {
	var out []Target
	for _, f := range fields {
		if f.ReadOnly || (f.System && f.Name != "owner_id") {
			continue
		}
		t := Target{Name: f.Name, Field: true, LabelKey: f.LabelKey, Labels: f.Labels, Custom: f.Custom}
		switch f.Type {
		case records.EmailList, records.PhoneList, records.RefList, records.MultiSelect:
			t.Multi = true
		}
		out = append(out, t)
	}
	sp, ok := specials[object]
	if !ok {
		sp = defaultSpecials
	}
	return append(out, sp...)
}

func findTarget(ts []Target, name string) (Target, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

// canonical maps dataio's canonical header fields to this object's
// targets where the names differ.
var canonical = map[string]map[string]string{
	"contacts": {},
	"accounts": {"parent": TargetParent},
}

// proposeMapping maps each header of a file to a target of object: the
// header dictionaries of dataio (English, Spanish, Chinese, Google,
// Outlook and CRM layouts) first, then the fields' own names and labels
// in every language (which finds custom fields and the fields of objects
// dataio does not know).
func proposeMapping(object, format string, header []string, ts []Target, labels func(lang, key string) string) []Column {
	out := make([]Column, len(header))
	taken := map[string]bool{}
	var known []string
	switch {
	case format == FormatVCard:
		known = header // vCard columns are already canonical contact fields
	case format == FormatICal && object == "activities":
		known = make([]string, len(header))
		for i, h := range header {
			known[i] = map[string]string{"uid": "external_id", "summary": "subject", "description": "body", "location": "location",
				"start": "starts_at", "end": "ends_at", "attendees": TargetContactEmails}[h]
		}
	case object == "contacts" || object == "accounts" || object == "leads":
		known = dataio.MapHeaders(object, header)
	default:
		known = make([]string, len(header))
	}
	for i, h := range header {
		out[i].Column = h
		f := known[i]
		if m, ok := canonical[object][f]; ok {
			f = m
		}
		if f != "" {
			if t, ok := findTarget(ts, f); ok && (t.Multi || !taken[f]) {
				out[i].Field = f
				taken[f] = true
			}
		}
	}
	// Then the fields' own names and labels.
	byKey := map[string]string{}
	for _, t := range ts {
		byKey[dataio.HeaderKey(t.Name)] = t.Name
		for _, lang := range []string{"en", "es", "zh"} {
			if t.Labels != nil {
				if l := t.Labels[lang]; l != "" {
					byKey[dataio.HeaderKey(l)] = t.Name
				}
			}
			if t.LabelKey != "" && labels != nil {
				if l := labels(lang, t.LabelKey); l != "" && l != t.LabelKey {
					if _, dup := byKey[dataio.HeaderKey(l)]; !dup {
						byKey[dataio.HeaderKey(l)] = t.Name
					}
				}
			}
		}
	}
	for i, h := range header {
		if out[i].Field != "" {
			continue
		}
		name, ok := byKey[dataio.HeaderKey(h)]
		if !ok {
			continue
		}
		t, _ := findTarget(ts, name)
		if t.Multi || !taken[name] {
			out[i].Field = name
			taken[name] = true
		}
	}
	return out
}

// checkMapping checks a mapping against the file's header and the
// object's targets: every column named must exist, every target must be
// known, a single-valued target may take one column only, and what the
// object needs to make a record must be mapped.
func checkMapping(object string, mapping []Column, header []string, ts []Target, mode string) []errs.FieldError {
	var fe []errs.FieldError
	cols := map[string]bool{}
	for _, h := range header {
		cols[h] = true
	}
	used := map[string]int{}
	mapped := map[string]bool{}
	for i, c := range mapping {
		loc := fmt.Sprintf("body.mapping[%d]", i)
		if !cols[c.Column] {
			fe = append(fe, errs.FieldError{Location: loc + ".column", Message: fmt.Sprintf("names no column of the file: %q", c.Column)})
			continue
		}
		if c.Field == "" {
			continue
		}
		t, ok := findTarget(ts, c.Field)
		if !ok {
			fe = append(fe, errs.FieldError{Location: loc + ".field", Message: fmt.Sprintf("is not a field of %s nor a known import target: %q", object, c.Field)})
			continue
		}
		used[c.Field]++
		if used[c.Field] > 1 && !t.Multi {
			fe = append(fe, errs.FieldError{Location: loc + ".field", Message: fmt.Sprintf("%q is mapped from more than one column; it takes one", c.Field)})
		}
		mapped[c.Field] = true
	}
	if len(mapped) == 0 {
		fe = append(fe, errs.FieldError{Location: "body.mapping", Message: "maps no column to a field"})
		return fe
	}
	if mode == ModeUpdate {
		return fe // an update needs no more than the key and what changes
	}
	switch object {
	case "contacts":
		if !mapped["given_name"] && !mapped["family_name"] && !mapped["middle_name"] && !mapped[TargetFullName] && !mapped["emails"] {
			fe = append(fe, errs.FieldError{Location: "body.mapping", Message: "must map a name (given_name, family_name or full_name) or emails: a contact needs one"})
		}
	case "accounts":
		if !mapped["name"] {
			fe = append(fe, errs.FieldError{Location: "body.mapping", Message: "must map the account's name"})
		}
	}
	return fe
}

// keyTargets are the keys an import may match records on.
func keyTargets(object string, fields []records.Field) []string {
	keys := []string{"id"}
	for _, f := range fields {
		if f.Name == "external_id" {
			keys = append(keys, "external_id")
		}
	}
	switch object {
	case "contacts":
		keys = append(keys, "email", "phone")
	case "accounts":
		keys = append(keys, "domain", "phone", "name")
	}
	for _, f := range fields {
		if f.Custom && records.KeyField(fields, f.Name) {
			keys = append(keys, f.Name)
		}
	}
	for _, f := range fields {
		if !f.Custom && f.Unique && f.Name != "external_id" && records.KeyField(fields, f.Name) {
			keys = append(keys, f.Name)
		}
	}
	return keys
}

func hasKey(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// labelOf returns a target's label in lang.
func (t Target) labelOf(lang string, tr func(lang, key string, args ...any) string) string {
	if t.Custom {
		if l := t.Labels[lang]; l != "" {
			return l
		}
		if l := t.Labels["en"]; l != "" {
			return l
		}
		return t.Name
	}
	if t.LabelKey != "" && tr != nil {
		return tr(lang, t.LabelKey)
	}
	return strings.ReplaceAll(t.Name, "_", " ")
}

// Label returns the target's label in lang, translated with tr.
func (t Target) Label(lang string, tr func(lang, key string, args ...any) string) string {
	return t.labelOf(lang, tr)
}
