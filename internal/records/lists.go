package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/match"
)

// Field types that hold several values. They belong to standard fields
// only (custom fields cannot use them): a contact's e-mail addresses and
// phone numbers, and the records an activity is linked to.
const (
	// EmailList is a list of e-mail addresses, one of them primary,
	// stored as a JSON array in one column.
	EmailList FieldType = "emails"
	// PhoneList is a list of phone numbers, each kept both as typed and
	// in E.164 form (normalised with the workspace's region), one primary.
	PhoneList FieldType = "phones"
	// RefList is a set of ids of records of the field's Target object,
	// stored as rows of a link table with real foreign keys (Field.Link).
	RefList FieldType = "references"
)

// Known reports whether t is a field type a standard field may have.
func (t FieldType) Known() bool {
	return t.Valid() || t == EmailList || t == PhoneList || t == RefList
}

// listType reports whether t holds several values.
func (t FieldType) listType() bool {
	return t == EmailList || t == PhoneList || t == RefList || t == MultiSelect
}

// Link says where a RefList field's values live: rows of Table with the
// record's id in From and a target id in To (both with the workspace
// id, so foreign keys can check both). Where, if set, is an extra
// condition every row satisfies (e.g. "contact_id IS NOT NULL").
type Link struct {
	Table string
	From  string
	To    string
}

// EmailItem is one e-mail address of a list.
type EmailItem struct {
	Address string `json:"address"`
	Label   string `json:"label,omitempty"`
	Primary bool   `json:"primary"`
}

// PhoneItem is one phone number of a list: Number in E.164 form, Text as
// the user typed it.
type PhoneItem struct {
	Number  string `json:"number"`
	Text    string `json:"text"`
	Label   string `json:"label,omitempty"`
	Primary bool   `json:"primary"`
}

// maxListItems bounds e-mail and phone lists.
const maxListItems = 20

// PrimaryEmail returns the primary address of an e-mail list value.
func PrimaryEmail(v any) string {
	items, _ := v.([]EmailItem)
	for _, it := range items {
		if it.Primary {
			return it.Address
		}
	}
	return ""
}

// PrimaryPhone returns the primary E.164 number of a phone list value.
func PrimaryPhone(v any) string {
	items, _ := v.([]PhoneItem)
	for _, it := range items {
		if it.Primary {
			return it.Number
		}
	}
	return ""
}

// listEntries splits the accepted input forms of a list into entries:
// text with one entry per line (or separated by ";" or ","), an array of
// strings, or an array of objects.
func listEntries(v any) ([]any, string) {
	switch x := v.(type) {
	case string:
		var out []any
		for _, line := range strings.FieldsFunc(x, func(r rune) bool { return r == '\n' || r == ';' || r == ',' || r == '\r' }) {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		return out, ""
	case []any:
		return x, ""
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, ""
	case []EmailItem:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = map[string]any{"address": it.Address, "label": it.Label, "primary": it.Primary}
		}
		return out, ""
	case []PhoneItem:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = map[string]any{"number": it.Number, "text": it.Text, "label": it.Label, "primary": it.Primary}
		}
		return out, ""
	}
	return nil, "must be an array"
}

// labelled splits "work: text" into its label and text.
func labelled(s string) (label, text string) {
	if l, t, ok := strings.Cut(s, ":"); ok && len(l) <= 20 && !strings.ContainsAny(l, "@+0123456789") {
		return strings.ToLower(strings.TrimSpace(l)), strings.TrimSpace(t)
	}
	return "", strings.TrimSpace(s)
}

type listItem struct {
	value, label string
	text         string // phones: as typed
	number       string // phones: E.164 given by the client or history
	primary      bool
}

func parseListItems(v any, valueKey string) ([]listItem, string) {
	entries, msg := listEntries(v)
	if msg != "" {
		return nil, msg
	}
	if len(entries) > maxListItems {
		return nil, fmt.Sprintf("must have at most %d items", maxListItems)
	}
	items := make([]listItem, 0, len(entries))
	for i, e := range entries {
		var it listItem
		switch x := e.(type) {
		case string:
			it.label, it.value = labelled(x)
		case map[string]any:
			for k := range x {
				if k != valueKey && k != "label" && k != "primary" && !(valueKey == "text" && k == "number") {
					return nil, fmt.Sprintf("item %d has an unknown member %q", i+1, k)
				}
			}
			s, ok := x[valueKey].(string)
			if x[valueKey] != nil && !ok {
				return nil, fmt.Sprintf("item %d: %s must be a string", i+1, valueKey)
			}
			it.value = strings.TrimSpace(s)
			if n, ok := x["number"].(string); ok && valueKey == "text" {
				it.number = strings.TrimSpace(n)
				if it.value == "" {
					it.value = it.number
				}
			}
			if l, ok := x["label"].(string); ok {
				it.label = strings.ToLower(strings.TrimSpace(l))
			} else if x["label"] != nil {
				return nil, fmt.Sprintf("item %d: label must be a string", i+1)
			}
			if p, ok := x["primary"].(bool); ok {
				it.primary = p
			} else if x["primary"] != nil {
				return nil, fmt.Sprintf("item %d: primary must be true or false", i+1)
			}
		default:
			return nil, fmt.Sprintf("item %d must be a string or an object", i+1)
		}
		if len(it.label) > 40 {
			return nil, fmt.Sprintf("item %d: label must be at most 40 characters", i+1)
		}
		if it.value == "" {
			continue
		}
		items = append(items, it)
	}
	primaries := 0
	for _, it := range items {
		if it.primary {
			primaries++
		}
	}
	if primaries > 1 {
		return nil, "must have only one primary item"
	}
	if primaries == 0 && len(items) > 0 {
		items[0].primary = true
	}
	return items, ""
}

func normalizeEmails(v any) (any, string) {
	items, msg := parseListItems(v, "address")
	if msg != "" {
		return nil, msg
	}
	out := make([]EmailItem, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		addr, err := match.NormalizeEmail(it.value)
		if err != nil {
			return nil, fmt.Sprintf("item %d (%s) is not an e-mail address like name@example.com", i+1, clip(it.value))
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		out = append(out, EmailItem{Address: addr, Label: it.label, Primary: it.primary})
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, ""
}

// phoneMemo remembers what phone texts normalise to, for a Writer that
// reads the same numbers more than once (an import compares a row with
// its duplicates before it writes it). It is used by one goroutine.
type phoneMemo struct {
	region string
	seen   map[string]string // text → E.164, "" when not a number
}

const maxPhoneMemo = 20000

func (m *phoneMemo) normalize(text, region string) (string, error) {
	if m == nil || region != m.region {
		return match.NormalizePhone(text, region)
	}
	if n, ok := m.seen[text]; ok {
		if n == "" {
			return "", match.ErrInvalidPhone
		}
		return n, nil
	}
	n, err := match.NormalizePhone(text, region)
	if len(m.seen) >= maxPhoneMemo {
		clear(m.seen)
	}
	m.seen[text] = n
	return n, err
}

func normalizePhones(v any, region string, memo *phoneMemo) (any, string) {
	items, msg := parseListItems(v, "text")
	if msg != "" {
		return nil, msg
	}
	out := make([]PhoneItem, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		if len(it.value) > 64 {
			return nil, fmt.Sprintf("item %d must be at most 64 characters", i+1)
		}
		n, err := memo.normalize(it.value, region)
		if err != nil && it.number != "" {
			n, err = match.NormalizePhone(it.number, "")
		}
		if err != nil {
			return nil, fmt.Sprintf("item %d (%s) is not a phone number; write it like +34 912 345 678", i+1, clip(it.value))
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, PhoneItem{Number: n, Text: it.value, Label: it.label, Primary: it.primary})
	}
	if len(out) == 0 {
		return nil, ""
	}
	if !slices.ContainsFunc(out, func(p PhoneItem) bool { return p.Primary }) {
		out[0].Primary = true
	}
	return out, ""
}

func normalizeRefs(v any) (any, string) {
	entries, msg := listEntries(v)
	if msg != "" {
		return nil, "must be an array of record ids"
	}
	if len(entries) > 200 {
		return nil, "must have at most 200 ids"
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		s, ok := e.(string)
		if !ok {
			return nil, "must be an array of record ids"
		}
		s = strings.TrimSpace(s)
		u, err := uuid.Parse(s)
		if err != nil || len(s) != 36 {
			return nil, fmt.Sprintf("has %q, which is not a record id", clip(s))
		}
		if id := u.String(); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	slices.Sort(out)
	return out, ""
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// scanList decodes a stored e-mail or phone list.
func scanList(f *Field, raw any) (any, error) {
	var b []byte
	switch x := raw.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil, fmt.Errorf("scan %s: unexpected %T", f.Name, raw)
	}
	if len(b) == 0 || string(b) == "null" || string(b) == "[]" {
		return nil, nil
	}
	switch f.Type {
	case EmailList:
		var out []EmailItem
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("scan %s: %w", f.Name, err)
		}
		return out, nil
	default:
		var out []PhoneItem
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("scan %s: %w", f.Name, err)
		}
		return out, nil
	}
}

// listFilterSQL builds filters on list fields: eq and in match one item
// exactly (an address, an E.164 number, a linked id), contains searches
// the text, empty tests for no items.
func listFilterSQL(d db.Dialect, f *Field, flt Filter, ws string) (string, []any, string) {
	vals := []string{flt.Value}
	if flt.Op == OpIn {
		vals = splitList(flt.Value)
		if len(vals) == 0 || len(vals) > 500 {
			return "", nil, "must list 1 to 500 comma-separated values"
		}
	}
	if f.Type == RefList {
		l := f.Link
		switch flt.Op {
		case OpEmpty:
			cond := "EXISTS (SELECT 1 FROM " + l.Table + " WHERE workspace_id = ? AND " + l.From + " = id AND " + l.To + " IS NOT NULL)"
			switch strings.ToLower(flt.Value) {
			case "true", "1", "yes", "":
				return "NOT " + cond, []any{ws}, ""
			case "false", "0", "no":
				return cond, []any{ws}, ""
			}
			return "", nil, "must be true or false"
		case OpEq, OpIn, OpContains:
			args := []any{ws}
			for _, v := range vals {
				if !validID(v) {
					return "", nil, "must be record ids"
				}
				args = append(args, v)
			}
			return "id IN (SELECT " + l.From + " FROM " + l.Table + " WHERE workspace_id = ? AND " + l.To + " IN (" + placeholders(len(vals)) + "))", args, ""
		}
		return "", nil, "link fields take eq, in, contains or empty"
	}
	col := f.Column
	switch flt.Op {
	case OpEmpty:
		e := "(" + col + " IS NULL)"
		switch strings.ToLower(flt.Value) {
		case "true", "1", "yes", "":
			return e, nil, ""
		case "false", "0", "no":
			return "NOT " + e, nil, ""
		}
		return "", nil, "must be true or false"
	case OpContains:
		if len(flt.Value) > 500 {
			return "", nil, "must be at most 500 characters"
		}
		text := col
		if d == db.Postgres {
			text = col + "::text"
		}
		return ilike(d, text), []any{likePattern(flt.Value)}, ""
	case OpEq, OpIn:
		key, member := "address", "address"
		if f.Type == PhoneList {
			key, member = "number", "number"
		}
		var conds []string
		var args []any
		for _, v := range vals {
			var norm string
			var err error
			if f.Type == EmailList {
				norm, err = match.NormalizeEmail(v)
			} else {
				norm, err = match.NormalizePhone(v, "")
			}
			if err != nil {
				if f.Type == EmailList {
					return "", nil, "must be an e-mail address"
				}
				return "", nil, "must be a phone number in international form like +14155550100"
			}
			if d == db.SQLite {
				conds = append(conds, "EXISTS (SELECT 1 FROM json_each("+col+") WHERE json_extract(value, '$."+member+"') = ?)")
			} else {
				conds = append(conds, "("+col+" @> jsonb_build_array(jsonb_build_object('"+key+"', ?::text)))")
			}
			args = append(args, norm)
		}
		return "(" + strings.Join(conds, " OR ") + ")", args, ""
	}
	return "", nil, "list fields take eq, in, contains or empty"
}

// loadLinks fills the RefList fields of recs from their link tables.
func loadLinks(ctx context.Context, q db.Querier, fields []Field, ws string, recs []*Record) error {
	if len(recs) == 0 {
		return nil
	}
	byID := make(map[string]*Record, len(recs))
	args := []any{ws}
	for _, r := range recs {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	for i := range fields {
		f := &fields[i]
		if f.Type != RefList || f.Link == nil {
			continue
		}
		l := f.Link
		// No condition or order on the To column: the only index the
		// query can use is the one on From, whatever the statistics say
		// (a partial index on To would scan every link of the workspace).
		rows, err := q.Query(ctx, "SELECT "+l.From+", "+l.To+" FROM "+l.Table+" WHERE workspace_id = ? AND "+l.From+" IN ("+placeholders(len(recs))+")", args...)
		if err != nil {
			return fmt.Errorf("load %s: %w", f.Name, err)
		}
		for rows.Next() {
			var from, to any
			if err := rows.Scan(&from, &to); err != nil {
				rows.Close()
				return fmt.Errorf("load %s: %w", f.Name, err)
			}
			if r := byID[db.IDText(from)]; r != nil && to != nil {
				ids, _ := r.Values[f.Name].([]string)
				r.Values[f.Name] = append(ids, db.IDText(to))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load %s: %w", f.Name, err)
		}
		for _, r := range recs {
			if ids, ok := r.Values[f.Name].([]string); ok {
				slices.Sort(ids)
			}
		}
	}
	return nil
}

// saveLinks writes a RefList field's rows so they equal the record's
// value: removed ids are deleted, new ones inserted.
func saveLinks(ctx context.Context, tx *db.Tx, f *Field, ws, id string, old, now any) error {
	was, _ := old.([]string)
	is, _ := now.([]string)
	l := f.Link
	for _, t := range was {
		if !slices.Contains(is, t) {
			if _, err := tx.Exec(ctx, "DELETE FROM "+l.Table+" WHERE workspace_id = ? AND "+l.From+" = ? AND "+l.To+" = ?", ws, id, t); err != nil {
				return fmt.Errorf("unlink %s: %w", f.Name, err)
			}
		}
	}
	for _, t := range is {
		if !slices.Contains(was, t) {
			if _, err := tx.Exec(ctx, "INSERT INTO "+l.Table+" (workspace_id, "+l.From+", "+l.To+") VALUES (?, ?, ?)", ws, id, t); err != nil {
				return fmt.Errorf("link %s: %w", f.Name, db.MapError(err))
			}
		}
	}
	return nil
}

// checkRefs reports the first id of ids that is not a live record of
// target in the workspace.
func (e *Engine) checkRefs(ctx context.Context, tx *db.Tx, ws, target string, ids []string) string {
	o, err := e.Object(target)
	if err != nil {
		return "refers to an unknown object"
	}
	args := []any{ws}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.Query(ctx, "SELECT id FROM "+o.Table+" WHERE workspace_id = ? AND deleted_at IS NULL AND id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return "could not be checked"
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id any
		if rows.Scan(&id) == nil {
			found[db.IDText(id)] = true
		}
	}
	for _, id := range ids {
		if !found[id] {
			return "names no " + target + " record of this workspace: " + id
		}
	}
	return ""
}

// workspaceRegion returns the region phone numbers are read in.
func workspaceRegion(ctx context.Context, q db.Querier, ws string) string {
	var region string
	if err := q.QueryRow(ctx, "SELECT region FROM workspaces WHERE id = ?", ws).Scan(&region); err != nil {
		return ""
	}
	return region
}

// WithRegion returns f set to read phone numbers in region.
func WithRegion(f Field, region string) Field {
	f.region = region
	return f
}
