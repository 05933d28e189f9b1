package records

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/errs"
)

// Op is a filter operator.
type Op string

// The filter operators.
const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpLt       Op = "lt"
	OpLte      Op = "lte"
	OpGt       Op = "gt"
	OpGte      Op = "gte"
	OpContains Op = "contains"
	OpIn       Op = "in"
	OpEmpty    Op = "empty"
)

// Ops lists the operators in the order the UI offers them.
var Ops = []Op{OpEq, OpNe, OpLt, OpLte, OpGt, OpGte, OpContains, OpIn, OpEmpty}

// Filter is one condition of a list query.
type Filter struct {
	Field string `json:"field"`
	Op    Op     `json:"op"`
	Value string `json:"value"`
}

// ListQuery is a parsed list request.
type ListQuery struct {
	Filters []Filter
	Sort    string // field name, "-" prefix for descending; empty for the object's default
	Limit   int
	Cursor  string
	Fields  []string // field selection; empty for all
	Search  string   // substring on the title field
}

// Limits of a list page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

var filterKeyRe = regexp.MustCompile(`^filter\[([a-z0-9_]{1,64})\](?:\[([a-z]{1,10})\])?$`)

// ParseListQuery reads filter[field][op]=value, sort, limit, cursor,
// fields and q from URL values. Unknown parameters are rejected so a typo
// never silently returns everything.
func ParseListQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Limit: DefaultLimit}
	var fe []errs.FieldError
	for key, vals := range v {
		switch key {
		case "sort":
			q.Sort = vals[0]
			continue
		case "limit":
			n, err := strconv.Atoi(vals[0])
			if err != nil || n < 1 || n > MaxLimit {
				fe = append(fe, errs.FieldError{Location: "query.limit", Message: fmt.Sprintf("must be a whole number from 1 to %d", MaxLimit)})
			} else {
				q.Limit = n
			}
			continue
		case "cursor":
			q.Cursor = vals[0]
			continue
		case "fields":
			for _, f := range strings.Split(vals[0], ",") {
				if f = strings.TrimSpace(f); f != "" {
					q.Fields = append(q.Fields, f)
				}
			}
			continue
		case "q":
			q.Search = vals[0]
			continue
		case "as_of", "lang":
			continue
		}
		m := filterKeyRe.FindStringSubmatch(key)
		if m == nil {
			fe = append(fe, errs.FieldError{Location: "query." + truncate(key, 80), Message: "is not a known parameter (use filter[field][op], sort, limit, cursor, fields or q)"})
			continue
		}
		op := Op(m[2])
		if op == "" {
			op = OpEq
		}
		valid := false
		for _, o := range Ops {
			valid = valid || o == op
		}
		if !valid {
			fe = append(fe, errs.FieldError{Location: "query." + key, Message: "has an unknown operator (use eq, ne, lt, lte, gt, gte, contains, in or empty)"})
			continue
		}
		for _, val := range vals {
			q.Filters = append(q.Filters, Filter{Field: m[1], Op: op, Value: val})
		}
	}
	if len(fe) > 0 {
		return q, errs.Fields(fe)
	}
	return q, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// cursor is the position after the last row of a page: the sort value of
// that row and its id. It is opaque to clients.
type cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	Null  bool   `json:"n,omitempty"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor of the list sorted by sort on field f. A
// cursor is opaque but travels through clients, so everything in it is
// checked before it reaches SQL: a forged one is refused like a broken
// one rather than failing in the driver or quietly skipping rows.
func decodeCursor(s, sort string, f *Field) (cursor, error) {
	bad := errs.Field("query.cursor", "is not a cursor from this list (start again without it)")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 4096 {
		return cursor{}, bad
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var c cursor
	if err := dec.Decode(&c); err != nil || !validID(c.ID) || c.Sort != sort || (c.Value == nil) != c.Null || !cursorValueOK(f, c.Value) {
		return cursor{}, bad
	}
	return c, nil
}

// cursorValueOK reports whether v can be a sort value of field f as list
// writes it into a cursor: numbers for numeric and boolean fields (and
// numeric text, as PostgreSQL returns numeric), times and dates in their
// text forms, ids for references, and NUL-free text otherwise.
func cursorValueOK(f *Field, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case json.Number:
		switch f.Type {
		case Integer, Decimal, Percent, Money, Boolean:
			_, err := x.Float64()
			return err == nil
		}
		return false
	case string:
		if strings.ContainsRune(x, 0) {
			return false
		}
		switch f.Type {
		case Integer, Boolean, MultiSelect:
			return false
		case Decimal, Percent, Money:
			_, err := strconv.ParseFloat(x, 64)
			return err == nil
		case DateTime:
			_, err := time.Parse(time.RFC3339Nano, x)
			return err == nil
		case Date:
			if len(x) < 10 {
				return false
			}
			_, err := time.Parse("2006-01-02", x[:10])
			return err == nil
		case Reference, User:
			return validID(x)
		}
		return true
	}
	return false
}
