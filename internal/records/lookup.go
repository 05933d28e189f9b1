package records

import (
	"context"
	"fmt"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// KeyField reports whether field of o can identify records for Lookup:
// "id", or a standard or custom field holding one text or number
// (not a list, money, boolean or long text).
func KeyField(fields []Field, name string) bool {
	if name == "id" {
		return true
	}
	f, ok := fieldByName(fields, name)
	if !ok || f.System {
		return false
	}
	switch f.Type {
	case Text, Email, Phone, URL, Integer, Select, Date:
		return true
	}
	return false
}

// KeyValue returns the form of v that Lookup compares for the key field
// name: the field's canonical value as text, lowercased for text.
func KeyValue(fields []Field, name, v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	if name == "id" {
		if !validID(strings.ToLower(v)) {
			return "", "must be a record id (a UUID)"
		}
		return strings.ToLower(v), ""
	}
	f, ok := fieldByName(fields, name)
	if !ok {
		return "", "is not a field"
	}
	c, msg := f.Normalize(v)
	if msg != "" || c == nil {
		return "", msg
	}
	return strings.ToLower(fmt.Sprint(c)), ""
}

// Lookup returns, for each of values (as KeyValue gives them), the ids of
// the live records of object whose field name holds it, compared
// case-insensitively, read through q. Records outside the caller's
// scope are left out.
func (e *Engine) Lookup(ctx context.Context, q db.Querier, p *auth.Principal, object, name string, values []string) (map[string][]string, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	fields, err := e.Fields(ctx, q, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	if !KeyField(fields, name) {
		return nil, errs.Field("body.key", "names no field that can identify a record of "+object)
	}
	var expr string
	if name == "id" {
		expr = "id"
		if e.DB.Dialect == db.Postgres {
			expr = "id::text"
		}
	} else {
		f, _ := fieldByName(fields, name)
		expr = valueExpr(e.DB.Dialect, f)
		if e.DB.Dialect == db.Postgres && f.Custom {
			expr = "(custom->>'" + f.Name + "')"
		} else if e.DB.Dialect == db.Postgres && f.Type != Text && f.Type != Email && f.Type != Phone && f.Type != URL && f.Type != Select {
			expr = expr + "::text"
		}
		expr = "lower(" + expr + ")"
	}
	scope, sargs := ScopeSQL(p, object)
	out := map[string][]string{}
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := []any{p.WorkspaceID}
		for _, v := range chunk {
			args = append(args, v)
		}
		sq := "SELECT " + expr + ", id FROM " + o.Table + " WHERE workspace_id = ? AND deleted_at IS NULL AND " + expr + " IN (" + placeholders(len(chunk)) + ")"
		if scope != "" {
			sq += " AND " + scope
			args = append(args, sargs...)
		}
		rows, err := q.Query(ctx, sq, args...)
		if err != nil {
			return nil, fmt.Errorf("look up %s by %s: %w", object, name, err)
		}
		for rows.Next() {
			var k, id any
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up %s by %s: %w", object, name, err)
			}
			ks := fmt.Sprint(k)
			if b, ok := k.([]byte); ok {
				ks = string(b)
			}
			out[ks] = append(out[ks], db.IDText(id))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up %s by %s: %w", object, name, err)
		}
	}
	return out, nil
}
