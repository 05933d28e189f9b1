package imports

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
)

// plan is a batch's mapping resolved against the file's header and the
// object's fields: for each column, its target.
type plan struct {
	object string
	header []string
	cols   []colPlan
	fields []records.Field
	key    string
	region string
	loc    *time.Location
	// selects maps a select field's options by every way of writing
	// them (value, labels) folded, to the value.
	selects map[string]map[string]string
}

type colPlan struct {
	index  int
	name   string // the column's header
	target string
	field  *records.Field // nil for special targets
	label  string         // e-mail or phone label the header suggests
}

func newPlan(object string, header []string, mapping []Column, fields []records.Field, key, region string, loc *time.Location) *plan {
	pl := &plan{object: object, header: header, fields: fields, key: key, region: region, loc: loc, selects: map[string]map[string]string{}}
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	for _, c := range mapping {
		i, ok := idx[c.Column]
		if !ok || c.Field == "" {
			continue
		}
		cp := colPlan{index: i, name: c.Column, target: c.Field}
		for j := range fields {
			if fields[j].Name == c.Field {
				cp.field = &fields[j]
			}
		}
		if cp.field != nil && (cp.field.Type == records.EmailList || cp.field.Type == records.PhoneList) {
			cp.label = labelFromHeader(c.Column)
		}
		pl.cols = append(pl.cols, cp)
	}
	for i := range fields {
		f := &fields[i]
		if f.Type != records.Select && f.Type != records.MultiSelect {
			continue
		}
		m := map[string]string{}
		for _, o := range f.Options {
			m[dataio.HeaderKey(o.Value)] = o.Value
			for _, l := range o.Labels {
				if k := dataio.HeaderKey(l); k != "" {
					if _, dup := m[k]; !dup {
						m[k] = o.Value
					}
				}
			}
		}
		pl.selects[f.Name] = m
	}
	return pl
}

// labelFromHeader guesses the label of the e-mails or phones in a column
// from its header: "Mobile Phone" holds mobile numbers, "Work Email"
// work addresses.
func labelFromHeader(h string) string {
	k := dataio.HeaderKey(h)
	for _, l := range []struct{ label, words string }{
		{"mobile", "mobile cell movil celular 手机 移动"},
		{"work", "work business office trabajo oficina empresa 办公 工作 公司"},
		{"home", "home casa 家"},
		{"personal", "personal 个人 私人"},
		{"fax", "fax 传真"},
		{"other", "other otro 其他"},
	} {
		for _, w := range strings.Fields(l.words) {
			if strings.Contains(k, dataio.HeaderKey(w)) {
				return l.label
			}
		}
	}
	return ""
}

// prepared is a row turned into a record's input, with what the
// importer still has to resolve (account, tags, owner) and what was
// wrong with it.
type prepared struct {
	row    row
	in     records.Input
	col    map[string]string // target → the column it came from (the first, for lists)
	raw    map[string]string // target → the raw text, for the report
	key    string            // the key value, normalised; "" when the row has none
	keyRaw string

	account, accountDomain, parent string
	tags                           []string
	owner                          string
	contactEmails, accountNames    []string

	issues []Issue
	reject bool
}

func (pr *prepared) fail(column, value, reason string) {
	pr.issues = append(pr.issues, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueError, Column: column, Value: clip(value), Reason: reason})
	pr.reject = true
}

func (pr *prepared) warn(column, value, reason string) {
	pr.issues = append(pr.issues, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueWarning, Column: column, Value: clip(value), Reason: reason})
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 200 {
		r := []rune(s)
		return string(r[:200]) + "…"
	}
	return s
}

// prepare turns one row into a record's input. It does not touch the
// database: references by name or e-mail are resolved later.
func (pl *plan) prepare(r row) *prepared {
	pr := &prepared{row: r, in: records.Input{}, col: map[string]string{}, raw: map[string]string{}}
	if r.Err != nil {
		pr.fail("", "", fmt.Sprintf("the row could not be read: %v (the limit is %d columns)", r.Err, dataio.DefaultMaxColumns))
		return pr
	}
	var emails, phones []any
	lists := map[string][]any{}
	var fullName string
	attendees := false // emails holds a calendar's attendees
	for _, c := range pl.cols {
		// A cell an export guarded against formula injection ("'=…",
		// "'+34…") comes back as it was.
		v := dataio.StripFormulaGuard(strings.TrimSpace(r.Values[c.index]))
		if v == "" {
			continue
		}
		if strings.ContainsRune(v, utf8.RuneError) {
			pr.fail(c.name, v, "has characters that are not valid in the file's encoding; choose the file's encoding (utf-8, utf-16, gb18030 or windows-1252)")
			continue
		}
		if _, seen := pr.col[c.target]; !seen {
			pr.col[c.target] = c.name
			pr.raw[c.target] = v
		} else {
			pr.raw[c.target] += ", " + v
		}
		switch c.target {
		case TargetFullName:
			fullName = v
			continue
		case TargetAccount:
			pr.account = v
			continue
		case TargetAccountDomain:
			pr.accountDomain = v
			continue
		case TargetParent:
			pr.parent = v
			continue
		case TargetTags:
			pr.tags = append(pr.tags, dataio.SplitList(v)...)
			continue
		case TargetOwnerEmail:
			pr.owner = strings.ToLower(v)
			continue
		case TargetContactEmails:
			pr.contactEmails = append(pr.contactEmails, dataio.SplitList(v)...)
			if pl.object == "activities" && c.name == "attendees" {
				// A calendar's attendees are the meeting's attendees too,
				// whether or not a contact has their address.
				for _, e := range dataio.SplitList(v) {
					emails = append(emails, map[string]any{"address": e})
				}
				attendees = true
			}
			continue
		case TargetAccountNames:
			pr.accountNames = append(pr.accountNames, dataio.SplitList(v)...)
			continue
		case TargetID:
			pr.keyRaw = v
			continue
		}
		f := c.field
		if f == nil {
			continue
		}
		switch f.Type {
		case records.EmailList:
			for _, e := range dataio.SplitList(v) {
				item := map[string]any{"address": e}
				if c.label != "" {
					item["label"] = c.label
				}
				emails = append(emails, item)
			}
		case records.PhoneList:
			for _, e := range dataio.SplitList(v) {
				item := map[string]any{"text": e}
				if c.label != "" {
					item["label"] = c.label
				}
				phones = append(phones, item)
			}
		case records.RefList:
			for _, e := range dataio.SplitList(v) {
				lists[f.Name] = append(lists[f.Name], e)
			}
		case records.MultiSelect:
			for _, e := range dataio.SplitList(v) {
				lists[f.Name] = append(lists[f.Name], pl.option(f.Name, e))
			}
		case records.Select:
			pr.in[f.Name] = pl.option(f.Name, v)
		case records.Date:
			d, ok := parseDate(v)
			if !ok && strings.HasPrefix(v, "--") {
				pr.warn(c.name, v, "has no year; a date needs one, so it was left out")
				continue
			}
			if !ok {
				d = v // the engine says what is wrong
			}
			pr.in[f.Name] = d
		case records.DateTime:
			if t, ok := parseTime(v, pl.loc); ok {
				pr.in[f.Name] = t
			} else {
				pr.in[f.Name] = v
			}
		case records.Boolean:
			pr.in[f.Name] = boolWord(v)
		default:
			pr.in[f.Name] = v
		}
	}
	if len(emails) > 0 {
		if attendees {
			pr.in["attendees"] = emails
		} else {
			pr.in["emails"] = emails
		}
	}
	if len(phones) > 0 {
		pr.in["phones"] = phones
	}
	for k, v := range lists {
		pr.in[k] = v
	}
	if fullName != "" && pr.in["given_name"] == nil && pr.in["family_name"] == nil && pr.in["middle_name"] == nil {
		g, m, f := match.SplitFullName(fullName)
		for k, v := range map[string]string{"given_name": g, "middle_name": m, "family_name": f} {
			if v != "" {
				pr.in[k] = v
				pr.col[k] = pr.col[TargetFullName]
				pr.raw[k] = fullName
			}
		}
	}
	pr.key = pl.keyValue(pr)
	return pr
}

// option returns the value of a select field's option written as v (its
// value or a label in any language, case and accents ignored), or v
// itself for the engine to refuse.
func (pl *plan) option(field, v string) string {
	if m := pl.selects[field]; m != nil {
		if o, ok := m[dataio.HeaderKey(v)]; ok {
			return o
		}
	}
	return v
}

// keyValue returns the row's value of the batch's key, normalised as the
// look-up compares it; "" when the row has none.
func (pl *plan) keyValue(pr *prepared) string {
	switch pl.key {
	case "":
		return ""
	case "id":
		v, _ := records.KeyValue(pl.fields, "id", pr.keyRaw)
		if v == "" && pr.keyRaw != "" {
			pr.fail(pr.col[TargetID], pr.keyRaw, "must be a record id (a UUID)")
		}
		return v
	case "email":
		items, _ := pr.in["emails"].([]any)
		for _, it := range items {
			addr, _ := it.(map[string]any)["address"].(string)
			if n, err := match.NormalizeEmail(addr); err == nil {
				return match.EmailKey(n)
			}
		}
		return ""
	case "phone":
		items, _ := pr.in["phones"].([]any)
		for _, it := range items {
			t, _ := it.(map[string]any)["text"].(string)
			if n, err := match.NormalizePhone(t, pl.region); err == nil {
				return n
			}
		}
		return ""
	case "domain":
		d, _ := pr.in["domain"].(string)
		if d == "" {
			w, _ := pr.in["website"].(string)
			return match.Domain(w)
		}
		return match.Domain(d)
	}
	raw, _ := pr.in[pl.key].(string)
	v, _ := records.KeyValue(pl.fields, pl.key, raw)
	return v
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006.01.02", "20060102", "2006-1-2", "2006/1/2", "2006年1月2日"}

// parseDate reads the unambiguous ways of writing a date (year first),
// and the date of a time.
func parseDate(v string) (string, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Format("2006-01-02"), true
	}
	if len(v) > 10 {
		if t, err := time.Parse("2006-01-02", v[:10]); err == nil && (v[10] == ' ' || v[10] == 'T') {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006/01/02 15:04:05", "2006/01/02 15:04", "2006-01-02"}

// parseTime reads a time: RFC 3339, or a local time in loc (the
// workspace's time zone).
func parseTime(v string, loc *time.Location) (string, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC().Format(time.RFC3339), true
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC().Format(time.RFC3339), true
		}
	}
	return "", false
}

// boolWord reads yes and no in the three languages; anything else goes
// to the engine as written.
func boolWord(v string) string {
	switch strings.ToLower(v) {
	case "sí", "si", "verdadero", "是", "真", "x", "✓", "y":
		return "true"
	case "falso", "否", "假", "n":
		return "false"
	}
	return v
}
