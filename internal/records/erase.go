package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
)

// ActionErase is the history action of an erasure: who erased the
// record's personal values and when, never the values themselves.
const ActionErase = "erase"

// EraseFunc returns what a value of the field named name becomes when a
// record is erased: nil clears it, v itself keeps it. f is nil for a
// name that is no longer a field of the object (a deleted custom field
// still present in old history), which an erasure should clear. v is a
// canonical value when it comes from the record and decoded JSON
// (strings, numbers, []any, map[string]any) when it comes from history.
type EraseFunc func(name string, f *Field, v any) any

// EraseSpec says what an erasure does to one record.
type EraseSpec struct {
	// Value transforms every value of the record and of its history.
	// Link fields (RefList) and system fields are never passed to it.
	Value EraseFunc
	// Set are values the record takes after Value ran (a placeholder
	// for a required computed title); history never gets them.
	Set map[string]any
}

// EraseResult says what an erasure changed.
type EraseResult struct {
	// Fields are the names of the record's fields whose values changed.
	Fields []string `json:"fields_cleared"`
	// History counts the history entries whose values were anonymised.
	History int `json:"history_entries_anonymised"`
	// Removed holds, per field, the distinct values the erasure took out
	// of the record and its history, so the caller can find copies of
	// them elsewhere (an e-mail address in logged e-mails). Never shown.
	Removed map[string][]any `json:"-"`
	// Changed reports whether anything was written; an erasure of a
	// record that holds nothing more to erase writes nothing at all.
	Changed bool `json:"-"`
}

// EraseTx erases a record inside the caller's transaction: every value
// of the record and of every entry of its history goes through
// spec.Value, then spec.Set applies to the record, and one history
// entry of action erase records who did it and which fields changed
// (names only). The record keeps its id, links and non-personal values,
// so everything that refers to it stays valid.
//
// It checks no permission and reaches records in the trash and outside
// the caller's scope: an erasure must be complete, so the caller decides
// who may start one. It runs no hooks either; the caller removes what
// is derived from the old values (search terms, matching keys). When
// nothing is left to change it writes nothing, so erasing twice is the
// same as erasing once. A record of another workspace is not_found.
func (e *Engine) EraseTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id string, spec EraseSpec) (*EraseResult, error) {
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	old, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
	if err != nil {
		return nil, err
	}
	res := &EraseResult{Removed: map[string][]any{}}
	remember := func(name string, v any) {
		if v == nil {
			return
		}
		if !slices.ContainsFunc(res.Removed[name], func(x any) bool { return Equal(x, v) }) {
			res.Removed[name] = append(res.Removed[name], v)
		}
	}
	// The record's own values.
	values := make(map[string]any, len(old.Values))
	for k, v := range old.Values {
		values[k] = v
	}
	var changed []*Field
	for i := range fields {
		f := &fields[i]
		if f.System || f.Name == "owner_id" || f.Type == RefList {
			continue
		}
		v := old.Values[f.Name]
		nv := v
		if v != nil {
			if nv = spec.Value(f.Name, f, v); !Equal(nv, v) {
				remember(f.Name, v)
			}
		}
		if sv, ok := spec.Set[f.Name]; ok {
			nv = sv
		}
		if Equal(nv, v) {
			continue
		}
		if nv == nil {
			delete(values, f.Name)
		} else {
			values[f.Name] = nv
		}
		changed = append(changed, f)
	}
	// Its history.
	n, err := e.eraseHistory(ctx, tx, p.WorkspaceID, o.Name, old.ID, fields, spec.Value, remember)
	if err != nil {
		return nil, err
	}
	res.History = n
	if len(changed) == 0 && n == 0 {
		res.Fields = []string{}
		return res, nil
	}
	res.Changed = true
	now := e.Now().UTC().Truncate(time.Microsecond)
	if !now.After(old.UpdatedAt) {
		now = old.UpdatedAt.Add(time.Microsecond)
	}
	sets := []string{"updated_at = ?", "updated_by = ?", "version = version + 1", "custom = ?"}
	args := []any{db.T(now), nullID(p.UserID), customJSON(fields, values)}
	res.Fields = make([]string, 0, len(changed))
	for _, f := range changed {
		res.Fields = append(res.Fields, f.Name)
		if !f.stored() {
			continue
		}
		for j, c := range f.columns() {
			sets = append(sets, c+" = ?")
			args = append(args, columnArgs(e.DB.Dialect, f, values[f.Name])[j])
		}
	}
	args = append(args, p.WorkspaceID, old.ID)
	if _, err := tx.Exec(ctx, "UPDATE "+o.Table+" SET "+strings.Join(sets, ", ")+" WHERE workspace_id = ? AND id = ?", args...); err != nil {
		return nil, fmt.Errorf("erase %s %s: %w", o.Name, old.ID, db.MapError(err))
	}
	// Names and placeholders only: the entry must not bring back what
	// was erased.
	entry := map[string]any{"fields": res.Fields}
	set := map[string]any{}
	for k, v := range spec.Set {
		if slices.Contains(res.Fields, k) {
			set[k] = v
		}
	}
	if len(set) > 0 {
		entry["set"] = set
	}
	if err := writeChange(ctx, tx, p, o.Name, old.ID, uuid.Must(uuid.NewV7()).String(), ActionErase, "", nil, entry, now, ""); err != nil {
		return nil, err
	}
	return res, nil
}

// eraseHistory passes the values of every history entry of one record
// through fn and rewrites the entries whose values changed. It returns
// how many it rewrote; remember gets every value taken out.
func (e *Engine) eraseHistory(ctx context.Context, tx *db.Tx, ws, object, id string, fields []Field, fn EraseFunc, remember func(string, any)) (int, error) {
	rows, err := tx.Query(ctx, "SELECT id, action, field, old_value, new_value FROM record_changes WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id)
	if err != nil {
		return 0, fmt.Errorf("erase history %s %s: %w", object, id, err)
	}
	type rewrite struct {
		id       string
		old, new any
	}
	var todo []rewrite
	for rows.Next() {
		var cid, oldRaw, newRaw any
		var action, field string
		if err := rows.Scan(&cid, &action, &field, &oldRaw, &newRaw); err != nil {
			rows.Close()
			return 0, fmt.Errorf("erase history %s %s: %w", object, id, err)
		}
		oldV, newV := exactJSON(oldRaw), exactJSON(newRaw)
		// One field's value: its name says which field it is.
		one := func(name string, v any) any {
			if v == nil || skipErase(fields, name) {
				return v
			}
			f, _ := fieldByName(fields, name)
			nv := fn(name, f, v)
			if !Equal(nv, v) {
				remember(name, v)
			}
			return nv
		}
		// A snapshot of values by field name; cleared members go.
		snap := func(v any) any {
			m, ok := v.(map[string]any)
			if !ok {
				return v
			}
			out := make(map[string]any, len(m))
			for k, x := range m {
				if nx := one(k, x); nx != nil {
					out[k] = nx
				}
			}
			return out
		}
		var o2, n2 any = oldV, newV
		switch action {
		case "update":
			if field != "" {
				o2, n2 = one(field, oldV), one(field, newV)
			}
		case "create":
			n2 = snap(newV)
		case "merge":
			// {"merged_id": …, "values": {the merged record's values}}
			if m, ok := newV.(map[string]any); ok {
				out := make(map[string]any, len(m))
				for k, x := range m {
					out[k] = x
				}
				if vals, ok := m["values"]; ok {
					out["values"] = snap(vals)
				}
				n2 = out
			}
		}
		if !Equal(o2, oldV) || !Equal(n2, newV) {
			todo = append(todo, rewrite{id: db.IDText(cid), old: o2, new: n2})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("erase history %s %s: %w", object, id, db.MapError(err))
	}
	enc := func(v any) any {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	for _, r := range todo {
		if _, err := tx.Exec(ctx, "UPDATE record_changes SET old_value = ?, new_value = ? WHERE workspace_id = ? AND id = ?", enc(r.old), enc(r.new), ws, r.id); err != nil {
			return 0, fmt.Errorf("erase history %s %s: %w", object, id, db.MapError(err))
		}
	}
	return len(todo), nil
}

// skipErase reports whether a history value of the field named name is
// out of an erasure's reach: system fields and links say who and what,
// not who the person is.
func skipErase(fields []Field, name string) bool {
	if f, ok := fieldByName(fields, name); ok {
		return f.System || f.Name == "owner_id" || f.Type == RefList
	}
	_, system := SystemField(name)
	return system
}

// exactJSON decodes a stored JSON value keeping numbers exact, so that
// rewriting an entry changes nothing but what an erasure took out.
func exactJSON(v any) any {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return nil
	}
	return out
}

// MergedInto returns the ids of the records merged into id (and, in
// turn, into those), which hold values of the same customer in the
// trash.
func (e *Engine) MergedInto(ctx context.Context, q db.Querier, ws string, o *Object, id string) ([]string, error) {
	if len(o.Incoming) == 0 {
		return nil, nil
	}
	seen := map[string]bool{id: true}
	var out []string
	queue := []string{id}
	for len(queue) > 0 && len(seen) < 1000 {
		cur := queue[0]
		queue = queue[1:]
		rows, err := q.Query(ctx, "SELECT id FROM "+o.Table+" WHERE workspace_id = ? AND merged_into = ?", ws, cur)
		if err != nil {
			return nil, fmt.Errorf("merged records of %s: %w", cur, err)
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("merged records of %s: %w", cur, err)
			}
			if s := db.IDText(v); !seen[s] {
				seen[s] = true
				out = append(out, s)
				queue = append(queue, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("merged records of %s: %w", cur, db.MapError(err))
		}
	}
	return out, nil
}
