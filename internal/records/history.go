package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Change is one entry of a record's history: a created record (with the
// values it started with), a changed field, a deletion, a restore, a
// merge or an erasure (which names the fields it cleared, never their
// values).
type Change struct {
	ID        string    `json:"id"`
	ChangeSet string    `json:"change_set"`
	Action    string    `json:"action"`
	Field     string    `json:"field,omitempty"`
	OldValue  any       `json:"old_value"`
	NewValue  any       `json:"new_value"`
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by,omitempty"`
	// Origin says what made the change when it was not a plain edit:
	// "revert", "merge", "import".
	Origin string `json:"origin,omitempty"`
}

// History returns the changes of one record, oldest first. The caller
// must be able to read the record; records in the trash keep theirs.
func (e *Engine) History(ctx context.Context, p *auth.Principal, object, id string) ([]Change, error) {
	r, err := e.Get(ctx, p, object, id, GetOptions{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	return e.changes(ctx, e.DB, p.WorkspaceID, r.Object, r.ID)
}

func decodeJSON(v any) any {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// AsOf returns the record as it was at t, rebuilt from its history: the
// values it was created with and every change made up to and including
// t. Its Version counts the writes up to t; DeletedAt is set when it was
// in the trash at t. A record that did not exist yet is not_found.
func (e *Engine) AsOf(ctx context.Context, p *auth.Principal, object, id string, t time.Time) (*Record, error) {
	cur, err := e.Get(ctx, p, object, id, GetOptions{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	o, _ := e.Object(object)
	changes, err := e.changes(ctx, e.DB, p.WorkspaceID, object, cur.ID)
	if err != nil {
		return nil, err
	}
	var (
		values  map[string]any
		version int64
		lastSet string
		deleted *time.Time
		updated time.Time
		updBy   string
	)
	for _, c := range changes {
		if c.ChangedAt.After(t) {
			break
		}
		if c.Action == "merge" || strings.HasPrefix(c.Origin, "merged_from:") {
			// Entries of records merged into this one, kept for the story,
			// are not this record's values.
			continue
		}
		if c.ChangeSet != lastSet {
			version++
			lastSet = c.ChangeSet
		}
		switch c.Action {
		case "create":
			values = map[string]any{}
			if m, ok := c.NewValue.(map[string]any); ok {
				for k, v := range m {
					values[k] = v
				}
			}
		case "update":
			if values == nil {
				values = map[string]any{}
			}
			if c.NewValue == nil {
				delete(values, c.Field)
			} else {
				values[c.Field] = c.NewValue
			}
		case "delete":
			at := c.ChangedAt
			deleted = &at
		case "restore":
			deleted = nil
		case ActionErase:
			// The erasure anonymised every earlier entry the way it changed
			// the record, so they already rebuild the erased values; what
			// it set in their place (a placeholder name) is here.
			if m, ok := c.NewValue.(map[string]any); ok && values != nil {
				set, _ := m["set"].(map[string]any)
				for k, v := range set {
					values[k] = v
				}
			}
		}
		updated, updBy = c.ChangedAt, c.ChangedBy
	}
	if values == nil {
		return nil, errs.E(errs.NotFound, "The record did not exist at %s.", t.UTC().Format(time.RFC3339))
	}
	r := *cur
	r.Version, r.DeletedAt, r.UpdatedAt, r.UpdatedBy = version, deleted, updated, updBy
	r.Values = make(map[string]any, len(values))
	for i := range cur.fields {
		f := &cur.fields[i]
		v, ok := values[f.Name]
		if !ok || v == nil || f.System {
			continue
		}
		if c, msg := f.Normalize(v); msg == "" && c != nil {
			r.Values[f.Name] = c
		} else {
			r.Values[f.Name] = v
		}
	}
	r.OwnerID, _ = r.Values["owner_id"].(string)
	r.setSystemValues()
	_ = o
	return &r, nil
}

// RevertInput says what a revert goes back to: the whole record as it
// was at AsOf, or the value one change replaced (ChangeID).
type RevertInput struct {
	AsOf     string `json:"as_of"`
	ChangeID string `json:"change_id"`
}

// Revert writes, as one new change marked "revert", the values the
// record had at in.AsOf, or the old value of the change in.ChangeID.
// Fields the system computes are recomputed, not copied.
func (e *Engine) Revert(ctx context.Context, p *auth.Principal, object, id, ifMatch string, in RevertInput) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", o.Name)
	}
	if (in.AsOf == "") == (in.ChangeID == "") {
		return nil, errs.Fields([]errs.FieldError{{Location: "body.as_of", Message: "give either as_of or change_id"}})
	}
	cur, err := e.Get(ctx, p, object, id, GetOptions{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	if cur.DeletedAt != nil {
		return nil, errs.E(errs.Conflict, "The record is in the trash; restore it first.")
	}
	input := Input{}
	if in.AsOf != "" {
		t, err := time.Parse(time.RFC3339Nano, in.AsOf)
		if err != nil {
			return nil, errs.Field("body.as_of", "must be a time like 2026-01-31T00:00:00Z")
		}
		past, err := e.AsOf(ctx, p, object, id, t)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Field("body.as_of", "is before the record was created")
			}
			return nil, err
		}
		for i := range cur.fields {
			f := &cur.fields[i]
			if f.ReadOnly || f.System {
				continue
			}
			if !Equal(past.Values[f.Name], cur.Values[f.Name]) {
				input[f.Name] = past.Values[f.Name]
			}
		}
		if _, ok := input["owner_id"]; ok && input["owner_id"] == nil {
			delete(input, "owner_id")
		}
	} else {
		if !validID(in.ChangeID) {
			return nil, errs.Field("body.change_id", "must be the id of a change of this record")
		}
		changes, err := e.changes(ctx, e.DB, p.WorkspaceID, object, cur.ID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(changes, func(c Change) bool { return c.ID == in.ChangeID })
		if i < 0 {
			return nil, errs.Field("body.change_id", "names no change of this record")
		}
		c := changes[i]
		f, ok := fieldByName(cur.fields, c.Field)
		if c.Action != "update" || !ok || f.ReadOnly || f.System {
			return nil, errs.Field("body.change_id", "names a change that cannot be undone on its own (only changes of a field you can edit)")
		}
		input[f.Name] = c.OldValue
	}
	if len(input) == 0 {
		return cur, nil
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := e.updateTx(ctx, tx, p, o, id, ifMatch, input, "revert", nil)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("revert %s: %w", o.Name, err)
	}
	return r, nil
}

// changes returns a record's history rows oldest first, without a
// permission check (callers have checked).
func (e *Engine) changes(ctx context.Context, q db.Querier, ws, object, id string) ([]Change, error) {
	rows, err := q.Query(ctx, `SELECT id, change_set, action, field, old_value, new_value, changed_at, changed_by, origin FROM record_changes
WHERE workspace_id = ? AND object = ? AND record_id = ? ORDER BY changed_at, id`, ws, object, id)
	if err != nil {
		return nil, fmt.Errorf("history %s %s: %w", object, id, err)
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var oldV, newV, by any
		var at db.Time
		if err := rows.Scan(&c.ID, &c.ChangeSet, &c.Action, &c.Field, &oldV, &newV, &at, &by, &c.Origin); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		c.ID = db.IDText(c.ID)
		c.ChangedAt, c.ChangedBy = at.Time, db.IDText(by)
		c.OldValue, c.NewValue = decodeJSON(oldV), decodeJSON(newV)
		out = append(out, c)
	}
	return out, db.MapError(rows.Err())
}

// UndoResult says what UndoOriginTx did to one record.
type UndoResult struct {
	// Restored lists the fields set back to their value before origin.
	Restored []string
	// Kept lists the fields changed again after origin changed them,
	// which undo leaves as they are rather than overwrite a later edit.
	Kept []string
}

// UndoOriginTx sets the fields that changes marked with origin (such as
// "import:<id>") made to a record back to the values they had before,
// inside the caller's transaction, as one new change marked
// "undo:"+origin. A field changed again since (its value is no longer
// the one origin left) is kept and reported. A record in the trash or
// outside the caller's scope is not_found.
func (e *Engine) UndoOriginTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, origin string) (*UndoResult, error) {
	if !p.Can(o.Name, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", o.Name)
	}
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	cur, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
	if err != nil {
		return nil, err
	}
	if cur.DeletedAt != nil || !p.Reaches(o.Name, cur.OwnerID) {
		return nil, errs.ErrNotFound
	}
	changes, err := e.changes(ctx, tx, p.WorkspaceID, o.Name, cur.ID)
	if err != nil {
		return nil, err
	}
	type span struct {
		before, after any
		seen          bool
	}
	// An undo that already ran (a resumed undo meets a record twice) has
	// nothing left to do.
	lastOrigin, lastUndo := -1, -1
	for i, c := range changes {
		switch c.Origin {
		case origin:
			lastOrigin = i
		case "undo:" + origin:
			lastUndo = i
		}
	}
	if lastUndo > lastOrigin {
		return &UndoResult{}, nil
	}
	spans := map[string]*span{}
	var order []string
	for _, c := range changes {
		if c.Action != "update" || c.Origin != origin {
			continue
		}
		sp := spans[c.Field]
		if sp == nil {
			sp = &span{before: c.OldValue}
			spans[c.Field] = sp
			order = append(order, c.Field)
		}
		sp.after, sp.seen = c.NewValue, true
	}
	res := &UndoResult{}
	input := Input{}
	for _, name := range order {
		f, ok := fieldByName(fields, name)
		if !ok || f.ReadOnly || (f.System && f.Name != "owner_id") {
			continue
		}
		sp := spans[name]
		// History holds values as JSON; compare in that form.
		if !Equal(decodeJSON(jsonText(cur.Values[name])), sp.after) {
			res.Kept = append(res.Kept, name)
			continue
		}
		input[name] = sp.before
		res.Restored = append(res.Restored, name)
	}
	if v, ok := input["owner_id"]; ok && v == nil {
		delete(input, "owner_id")
	}
	if len(input) == 0 {
		return res, nil
	}
	if _, err := e.updateTx(ctx, tx, p, o, id, "", input, "undo:"+origin, nil); err != nil {
		return nil, err
	}
	return res, nil
}

func jsonText(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// OriginSystem marks a history entry of a value the system set because
// of other records (an order's fulfilment after a shipment, an invoice's
// status after a payment, a quote expired by the clock).
const OriginSystem = "system"

// NoteChangeTx records in a record's history a change of one field the
// caller wrote itself, outside the engine's writes: a value that follows
// from other records. userID is who caused it ("" for a background
// job). It writes nothing when the value did not change.
func NoteChangeTx(ctx context.Context, tx *db.Tx, ws, userID, object, recordID, field string, oldV, newV any, at time.Time) error {
	if Equal(oldV, newV) {
		return nil
	}
	p := &auth.Principal{WorkspaceID: ws, UserID: userID}
	return writeChange(ctx, tx, p, object, recordID, NewID(), "update", field, oldV, newV, at.UTC().Truncate(time.Microsecond), OriginSystem)
}
