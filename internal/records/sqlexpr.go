package records

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
)

// The SQL a field reads and compares with depends on the dialect and on
// whether it is a column or a member of the custom JSON document. These
// helpers keep that knowledge in one place.

// columns returns the table columns a standard field occupies.
func (f *Field) columns() []string {
	if f.Type == Money {
		return []string{f.Column + "_amount", f.Column + "_currency"}
	}
	return []string{f.Column}
}

func jsonPath(name string) string { return `'$."` + name + `"'` }

// valueExpr is the SQL expression of a field's comparable value: numbers
// as numbers, money by its amount, everything else as stored.
func valueExpr(d db.Dialect, f *Field) string {
	if !f.Custom {
		switch f.Type {
		case Money:
			if d == db.SQLite {
				return "CAST(" + f.Column + "_amount AS REAL)"
			}
			return f.Column + "_amount"
		case Decimal, Percent:
			if d == db.SQLite {
				return "CAST(" + f.Column + " AS REAL)"
			}
		}
		return f.Column
	}
	if d == db.SQLite {
		switch f.Type {
		case Money:
			return `CAST(json_extract(custom, '$."` + f.Name + `".amount') AS REAL)`
		case Decimal, Percent:
			return "CAST(json_extract(custom, " + jsonPath(f.Name) + ") AS REAL)"
		case MultiSelect:
			return "json_extract(custom, " + jsonPath(f.Name) + ")"
		}
		return "json_extract(custom, " + jsonPath(f.Name) + ")"
	}
	k := "'" + f.Name + "'"
	switch f.Type {
	case Money:
		return "((custom->" + k + "->>'amount')::numeric)"
	case Decimal, Percent:
		return "((custom->>" + k + ")::numeric)"
	case Integer:
		return "((custom->>" + k + ")::bigint)"
	case Boolean:
		return "((custom->>" + k + ")::boolean)"
	case MultiSelect:
		return "(custom->" + k + ")"
	}
	return "(custom->>" + k + ")"
}

// sqlArg converts a canonical value to a query argument comparable with
// valueExpr.
func sqlArg(d db.Dialect, f *Field, v any) any {
	switch x := v.(type) {
	case MoneyValue:
		return x.Amount
	case bool:
		if d == db.SQLite {
			if x {
				return 1
			}
			return 0
		}
		return x
	case string:
		switch f.Type {
		case DateTime:
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return x
			}
			if f.Custom {
				return t.UTC().Format(time.RFC3339)
			}
			return db.T(t)
		case Decimal, Percent:
			if d == db.SQLite {
				fv, _ := strconv.ParseFloat(x, 64)
				return fv
			}
		}
	}
	return v
}

// hasMember returns SQL true when the custom document holds a member
// named name (custom fields never store JSON null).
func hasMember(d db.Dialect, name string) string {
	if d == db.SQLite {
		return "json_type(custom, " + jsonPath(name) + ") IS NOT NULL"
	}
	return "(custom->'" + name + "') IS NOT NULL"
}

// ilike returns a case-insensitive substring match of expr.
func ilike(d db.Dialect, expr string) string {
	if d == db.Postgres {
		return expr + ` ILIKE ? ESCAPE '\'`
	}
	return expr + ` LIKE ? ESCAPE '\'`
}

func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// hasOption returns SQL testing that a multi-select holds the argument.
func hasOption(d db.Dialect, f *Field) string {
	if d == db.SQLite {
		src := f.Column
		if f.Custom {
			return "EXISTS (SELECT 1 FROM json_each(custom, " + jsonPath(f.Name) + ") WHERE value = ?)"
		}
		return "EXISTS (SELECT 1 FROM json_each(" + src + ") WHERE value = ?)"
	}
	return "(" + valueExpr(d, f) + " @> jsonb_build_array(?::text))"
}

// emptyExpr returns SQL true when the field has no value.
func emptyExpr(d db.Dialect, f *Field) string {
	e := valueExpr(d, f)
	switch f.Type {
	case MultiSelect:
		if d == db.SQLite {
			return "(" + e + " IS NULL OR json_array_length(" + e + ") = 0)"
		}
		return "(" + e + " IS NULL OR jsonb_array_length(" + e + ") = 0)"
	case Text, LongText, Email, Phone, URL, Select:
		return "(" + e + " IS NULL OR " + e + " = '')"
	}
	return "(" + e + " IS NULL)"
}

// scanValue converts what a driver returned for a standard column to the
// field's canonical value.
func scanValue(f *Field, raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	if b, ok := raw.([]byte); ok {
		raw = string(b)
	}
	switch f.Type {
	case Integer:
		switch x := raw.(type) {
		case int64:
			return x, nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		case float64:
			return int64(x), nil
		}
	case Decimal, Percent:
		switch x := raw.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	case Boolean:
		switch x := raw.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case Date:
		switch x := raw.(type) {
		case time.Time:
			return x.Format("2006-01-02"), nil
		case string:
			if len(x) >= 10 {
				return x[:10], nil
			}
		}
	case DateTime:
		var t db.Time
		if err := t.Scan(raw); err != nil {
			return nil, err
		}
		return FormatTime(t.Time), nil
	case EmailList, PhoneList:
		return scanList(f, raw)
	case MultiSelect:
		s, ok := raw.(string)
		if !ok {
			break
		}
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("scan %s: %w", f.Name, err)
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	default:
		switch x := raw.(type) {
		case string:
			return x, nil
		case [16]byte:
			return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16]), nil
		}
	}
	return nil, fmt.Errorf("scan %s: unexpected %T", f.Name, raw)
}

// FormatTime formats a system timestamp for the API: RFC 3339 in UTC
// with microseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

// columnArgs returns the arguments that store v in a standard field's
// columns.
func columnArgs(d db.Dialect, f *Field, v any) []any {
	if f.Type == Money {
		if m, ok := v.(MoneyValue); ok {
			return []any{m.Amount, m.Currency}
		}
		return []any{nil, nil}
	}
	if v == nil {
		return []any{nil}
	}
	switch f.Type {
	case MultiSelect, EmailList, PhoneList:
		b, _ := json.Marshal(v)
		return []any{string(b)}
	case DateTime:
		t, _ := time.Parse(time.RFC3339Nano, v.(string))
		return []any{db.T(t)}
	case Boolean:
		return []any{sqlArg(d, f, v)}
	}
	return []any{v}
}

// decodeCustom turns the stored custom JSON into canonical values for the
// given custom fields; members of deleted fields are dropped.
func decodeCustom(fields []Field, raw any) (map[string]any, error) {
	var s string
	switch x := raw.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return nil, fmt.Errorf("scan custom: unexpected %T", raw)
	}
	if s == "" || s == "{}" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("scan custom: %w", err)
	}
	out := make(map[string]any, len(m))
	for i := range fields {
		f := &fields[i]
		if !f.Custom {
			continue
		}
		v, ok := m[f.Name]
		if !ok || v == nil {
			continue
		}
		c, msg := f.Normalize(v)
		if msg != "" {
			// A value stored under an older definition (options changed):
			// keep it visible as stored rather than losing it.
			out[f.Name] = v
			continue
		}
		out[f.Name] = c
	}
	return out, nil
}

// FormatTimeSeconds formats a time as datetime fields hold it: RFC 3339
// in UTC to the second.
func FormatTimeSeconds(t time.Time) string { return t.UTC().Format(time.RFC3339) }
