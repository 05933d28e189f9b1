package records

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

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

func decodeCursor(s, sort string) (cursor, error) {
	bad := errs.Field("query.cursor", "is not a cursor from this list (start again without it)")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 4096 {
		return cursor{}, bad
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var c cursor
	if err := dec.Decode(&c); err != nil || c.ID == "" || c.Sort != sort {
		return cursor{}, bad
	}
	return c, nil
}
