package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Input is the set of fields a client sends: canonical or textual values
// by field name. A nil value clears the field.
type Input map[string]any

// NewID returns a new UUIDv7 string.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Create validates in and inserts a new record owned by the caller unless
// in names another owner. The record and its history row are written in
// one transaction.
func (e *Engine) Create(ctx context.Context, p *auth.Principal, object string, in Input) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create %s.", o.Name)
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := e.CreateTx(ctx, tx, p, o, in)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.Name, err)
	}
	return r, nil
}

// CreateTx is Create inside the caller's transaction, for modules that
// write several records at once (lead conversion, imports).
func (e *Engine) CreateTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, in Input) (*Record, error) {
	return e.CreateTxOrigin(ctx, tx, p, o, in, "")
}

// CreateTxOrigin is CreateTx with the history row marked as made by
// origin ("import:<id>").
func (e *Engine) CreateTxOrigin(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, in Input, origin string) (*Record, error) {
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	r, err := e.prepareCreate(ctx, tx, p, o, fields, in, nil)
	if err != nil {
		return nil, err
	}
	cols, args := e.insertRow(p, fields, r)
	q := "INSERT INTO " + o.Table + " (" + strings.Join(cols, ", ") + ") VALUES (" + placeholders(len(cols)) + ")"
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return nil, uniqueError(o, fields, fmt.Errorf("create %s: %w", o.Name, err))
	}
	for i := range fields {
		if f := &fields[i]; f.Type == RefList && r.Values[f.Name] != nil {
			if err := saveLinks(ctx, tx, f, p.WorkspaceID, r.ID, nil, r.Values[f.Name]); err != nil {
				return nil, err
			}
		}
	}
	snap := snapshot(fields, r.Values)
	if err := writeChange(ctx, tx, p, o.Name, r.ID, uuid.Must(uuid.NewV7()).String(), "create", "", nil, snap, r.CreatedAt, origin); err != nil {
		return nil, err
	}
	if o.Hooks.AfterCreate != nil {
		if err := o.Hooks.AfterCreate(ctx, tx, p, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// prepareCreate builds a new record from in: validated against fields
// and passed through the object's BeforeCreate hook, ready to insert.
func (e *Engine) prepareCreate(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, fields []Field, in Input, vc *valCache) (*Record, error) {
	now := e.Now().UTC().Truncate(time.Microsecond)
	r := &Record{Object: o.Name, ID: NewID(), Version: 1, OwnerID: p.UserID, CreatedAt: now, CreatedBy: p.UserID, UpdatedAt: now, UpdatedBy: p.UserID, Values: map[string]any{}}
	if err := e.apply(ctx, tx, p, o, fields, nil, r, in, vc); err != nil {
		return nil, err
	}
	if o.Hooks.BeforeCreate != nil {
		if err := o.Hooks.BeforeCreate(ctx, tx, p, r); err != nil {
			return nil, err
		}
	}
	r.setSystemValues()
	r.fields = fields
	return r, nil
}

// insertRow returns the columns and arguments that insert r.
func (e *Engine) insertRow(p *auth.Principal, fields []Field, r *Record) ([]string, []any) {
	cols := []string{"id", "workspace_id", "owner_id", "created_at", "created_by", "updated_at", "updated_by", "version", "custom"}
	args := []any{r.ID, p.WorkspaceID, nullID(r.OwnerID), db.T(r.CreatedAt), nullID(r.CreatedBy), db.T(r.UpdatedAt), nullID(r.UpdatedBy), r.Version, customJSON(fields, r.Values)}
	for i := range fields {
		f := &fields[i]
		if !f.stored() {
			continue
		}
		cols = append(cols, f.columns()...)
		args = append(args, columnArgs(e.DB.Dialect, f, r.Values[f.Name])...)
	}
	return cols, args
}

// Update applies in to the record id. When ifMatch is not empty it must
// equal the record's current ETag, or nothing is written and the answer
// is precondition_failed.
func (e *Engine) Update(ctx context.Context, p *auth.Principal, object, id, ifMatch string, in Input) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActUpdate) {
		if p.Can(o.Name, auth.ActRead) {
			return nil, errs.E(errs.Forbidden, "You may not change %s.", o.Name)
		}
		return nil, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := e.UpdateTx(ctx, tx, p, o, id, ifMatch, in)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update %s: %w", o.Name, err)
	}
	return r, nil
}

// UpdateTx is Update inside the caller's transaction.
func (e *Engine) UpdateTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, ifMatch string, in Input) (*Record, error) {
	return e.updateTx(ctx, tx, p, o, id, ifMatch, in, "", nil)
}

// UpdateTxOrigin is UpdateTx with the history rows marked as made by
// origin ("merge", "import", "revert").
func (e *Engine) UpdateTxOrigin(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id string, in Input, origin string) (*Record, error) {
	return e.updateTx(ctx, tx, p, o, id, "", in, origin, nil)
}

func (e *Engine) updateTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, ifMatch string, in Input, origin string, vc *valCache) (*Record, error) {
	r, _, err := e.update(ctx, tx, p, o, id, ifMatch, in, origin, vc)
	return r, err
}

// update is updateTx that also says whether anything changed.
func (e *Engine) update(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, ifMatch string, in Input, origin string, vc *valCache) (*Record, bool, error) {
	var fields []Field
	if vc != nil {
		fields = vc.fields
	} else {
		var err error
		if fields, err = e.Fields(ctx, tx, p.WorkspaceID, o); err != nil {
			return nil, false, err
		}
	}
	old, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
	if err != nil {
		return nil, false, err
	}
	if old.DeletedAt != nil || !p.Reaches(o.Name, old.OwnerID) {
		return nil, false, errs.ErrNotFound
	}
	if ifMatch != "" && !etagMatches(ifMatch, old.ETag()) {
		return nil, false, errs.E(errs.PreconditionFailed, "The record was changed by someone else since you read it (ETag %s).", old.ETag())
	}
	r := *old
	r.Values = make(map[string]any, len(old.Values))
	for k, v := range old.Values {
		r.Values[k] = v
	}
	if err := e.apply(ctx, tx, p, o, fields, old, &r, in, vc); err != nil {
		return nil, false, err
	}
	if o.Hooks.BeforeUpdate != nil {
		if err := o.Hooks.BeforeUpdate(ctx, tx, p, old, &r); err != nil {
			return nil, false, err
		}
	}
	var changed []*Field
	for i := range fields {
		f := &fields[i]
		if f.System {
			continue
		}
		if !Equal(old.Values[f.Name], r.Values[f.Name]) {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return old, false, nil
	}
	now := e.Now().UTC().Truncate(time.Microsecond)
	if !now.After(old.UpdatedAt) {
		now = old.UpdatedAt.Add(time.Microsecond)
	}
	sets := []string{"owner_id = ?", "updated_at = ?", "updated_by = ?", "version = version + 1", "custom = ?"}
	args := []any{nullID(r.OwnerID), db.T(now), nullID(p.UserID), customJSON(fields, r.Values)}
	for _, f := range changed {
		if !f.stored() {
			continue
		}
		for j, c := range f.columns() {
			sets = append(sets, c+" = ?")
			args = append(args, columnArgs(e.DB.Dialect, f, r.Values[f.Name])[j])
		}
	}
	args = append(args, p.WorkspaceID, old.ID, old.Version)
	res, err := tx.Exec(ctx, "UPDATE "+o.Table+" SET "+strings.Join(sets, ", ")+" WHERE workspace_id = ? AND id = ? AND version = ?", args...)
	if err != nil {
		return nil, false, uniqueError(o, fields, fmt.Errorf("update %s: %w", o.Name, err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, false, errs.E(errs.PreconditionFailed, "The record was changed by someone else since you read it.")
	}
	for _, f := range changed {
		if f.Type == RefList {
			if err := saveLinks(ctx, tx, f, p.WorkspaceID, r.ID, old.Values[f.Name], r.Values[f.Name]); err != nil {
				return nil, false, err
			}
		}
	}
	r.Version = old.Version + 1
	r.UpdatedAt, r.UpdatedBy = now, p.UserID
	r.setSystemValues()
	set := uuid.Must(uuid.NewV7()).String()
	for _, f := range changed {
		if err := writeChange(ctx, tx, p, o.Name, r.ID, set, "update", f.Name, old.Values[f.Name], r.Values[f.Name], now, origin); err != nil {
			return nil, false, err
		}
	}
	if o.Hooks.AfterUpdate != nil {
		if err := o.Hooks.AfterUpdate(ctx, tx, p, old, &r); err != nil {
			return nil, false, err
		}
	}
	return &r, true, nil
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// Delete moves a record to the trash.
func (e *Engine) Delete(ctx context.Context, p *auth.Principal, object, id, ifMatch string) error {
	return e.trashOp(ctx, p, object, id, ifMatch, true)
}

// Restore brings a record back from the trash. ifMatch, when set, must
// be the ETag of the record as it is in the trash (precondition_failed
// otherwise), so a restore of a version someone changed since is refused.
func (e *Engine) Restore(ctx context.Context, p *auth.Principal, object, id, ifMatch string) (*Record, error) {
	if err := e.trashOp(ctx, p, object, id, ifMatch, false); err != nil {
		return nil, err
	}
	return e.Get(ctx, p, object, id, GetOptions{})
}

// trashObject returns the object for a move to or from the trash, or a
// purge: the delete permission covers all three.
func (e *Engine) trashObject(p *auth.Principal, object string) (*Object, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if err := mayTrash(p, o); err != nil {
		return nil, err
	}
	return o, nil
}

func mayTrash(p *auth.Principal, o *Object) error {
	if !p.Can(o.Name, auth.ActDelete) {
		return errs.E(errs.Forbidden, "You may not delete or restore %s.", o.Name)
	}
	return nil
}

func (e *Engine) trashOp(ctx context.Context, p *auth.Principal, object, id, ifMatch string, del bool) error {
	o, err := e.trashObject(p, object)
	if err != nil {
		return err
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := e.trashTx(ctx, tx, p, o, id, ifMatch, del, ""); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteTxOrigin moves a record to the trash inside the caller's
// transaction, the history entry marked as made by origin ("undo:import:<id>").
// It checks the delete permission and the caller's scope.
func (e *Engine) DeleteTxOrigin(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, origin string) error {
	if err := mayTrash(p, o); err != nil {
		return err
	}
	return e.trashTx(ctx, tx, p, o, id, "", true, origin)
}

// trashTx moves a record to the trash (del) or back, inside the caller's
// transaction; the caller has checked the delete permission.
func (e *Engine) trashTx(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, id, ifMatch string, del bool, origin string) error {
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	r, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
	if err != nil {
		return err
	}
	if !p.Reaches(o.Name, r.OwnerID) || (del && r.DeletedAt != nil) || (!del && r.DeletedAt == nil) {
		return errs.ErrNotFound
	}
	if ifMatch != "" && !etagMatches(ifMatch, r.ETag()) {
		return errs.E(errs.PreconditionFailed, "The record was changed by someone else since you read it (ETag %s).", r.ETag())
	}
	if !del && len(o.Incoming) > 0 {
		var into *string
		if err := tx.QueryRow(ctx, "SELECT merged_into FROM "+o.Table+" WHERE workspace_id = ? AND id = ?", p.WorkspaceID, r.ID).Scan(&into); err != nil {
			return fmt.Errorf("restore %s: %w", o.Name, err)
		}
		if into != nil && *into != "" {
			return errs.E(errs.Conflict, "This record was merged into %s; open that record instead.", *into)
		}
	}
	if del && o.Hooks.BeforeDelete != nil {
		if err := o.Hooks.BeforeDelete(ctx, tx, p, r); err != nil {
			return err
		}
	}
	now := e.Now().UTC().Truncate(time.Microsecond)
	action := "delete"
	if del {
		_, err = tx.Exec(ctx, "UPDATE "+o.Table+" SET deleted_at = ?, deleted_by = ?, version = version + 1 WHERE workspace_id = ? AND id = ?", db.T(now), nullID(p.UserID), p.WorkspaceID, r.ID)
	} else {
		action = "restore"
		_, err = tx.Exec(ctx, "UPDATE "+o.Table+" SET deleted_at = NULL, deleted_by = NULL, version = version + 1 WHERE workspace_id = ? AND id = ?", p.WorkspaceID, r.ID)
	}
	if err != nil {
		return uniqueError(o, fields, fmt.Errorf("%s %s: %w", action, o.Name, err))
	}
	if err := writeChange(ctx, tx, p, o.Name, r.ID, uuid.Must(uuid.NewV7()).String(), action, "", nil, nil, now, origin); err != nil {
		return err
	}
	if del && o.Hooks.AfterDelete != nil {
		if err := o.Hooks.AfterDelete(ctx, tx, p, r); err != nil {
			return err
		}
	}
	if !del && o.Hooks.AfterRestore != nil {
		if err := o.Hooks.AfterRestore(ctx, tx, p, r); err != nil {
			return err
		}
	}
	return nil
}

// apply validates in against fields and sets the values on r. old is nil
// on create. All field errors are collected and returned together.
//
// vc, when not nil, holds what is the same for many records written by
// one caller (a Writer): the workspace's region and the users and
// records already known to exist, so they are not looked up again.
func (e *Engine) apply(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, fields []Field, old, r *Record, in Input, vc *valCache) error {
	var fe []errs.FieldError
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		loc := "body." + k
		f, ok := fieldByName(fields, k)
		if !ok {
			if k == "id" || k == "version" || k == "deleted_at" || k == "deleted_by" {
				fe = append(fe, errs.FieldError{Location: loc, Message: "is read-only"})
			} else {
				fe = append(fe, errs.FieldError{Location: loc, Message: fmt.Sprintf("is not a field of %s", o.Name)})
			}
			continue
		}
		if f.ReadOnly {
			fe = append(fe, errs.FieldError{Location: loc, Message: "is read-only"})
			continue
		}
		if f.Type == PhoneList {
			ff := *f
			if vc != nil {
				ff.region, ff.phones = vc.region, vc.phones
			} else {
				ff.region = workspaceRegion(ctx, tx, p.WorkspaceID)
			}
			f = &ff
		}
		v, msg := f.Normalize(in[k])
		if msg != "" {
			fe = append(fe, errs.FieldError{Location: loc, Message: msg})
			continue
		}
		if f.Name == "owner_id" {
			owner, _ := v.(string)
			if owner == "" {
				if old == nil {
					owner = p.UserID
				} else {
					fe = append(fe, errs.FieldError{Location: loc, Message: "is required"})
					continue
				}
			}
			if !p.Reaches(o.Name, owner) {
				fe = append(fe, errs.FieldError{Location: loc, Message: "must be a user within your record scope"})
				continue
			}
			r.OwnerID = owner
			v = owner
		}
		if v == nil {
			delete(r.Values, f.Name)
		} else {
			r.Values[f.Name] = v
		}
	}
	for i := range fields {
		f := &fields[i]
		v, present := r.Values[f.Name]
		if f.Required && (!present || v == nil) {
			// On update only a field the client cleared is checked, so a
			// field made required later does not block unrelated edits.
			if (old == nil || keyIn(in, f.Name)) && !hasFieldError(fe, "body."+f.Name) {
				fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: "is required"})
			}
			continue
		}
		if !present || v == nil {
			continue
		}
		if old != nil && Equal(old.Values[f.Name], v) {
			continue
		}
		switch f.Type {
		case User:
			if id := v.(string); !vc.knows("users", id) {
				if msg := e.checkUser(ctx, tx, p.WorkspaceID, id); msg != "" {
					fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: msg})
				} else {
					vc.remember("users", id)
				}
			}
		case Reference:
			if id := v.(string); !vc.knows(f.Target, id) {
				if msg := e.checkReference(ctx, tx, p.WorkspaceID, f.Target, id); msg != "" {
					fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: msg})
				} else {
					vc.remember(f.Target, id)
				}
			}
		case RefList:
			var unknown []string
			for _, id := range v.([]string) {
				if !vc.knows(f.Target, id) {
					unknown = append(unknown, id)
				}
			}
			if len(unknown) > 0 {
				if msg := e.checkRefs(ctx, tx, p.WorkspaceID, f.Target, unknown); msg != "" {
					fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: msg})
				} else {
					for _, id := range unknown {
						vc.remember(f.Target, id)
					}
				}
			}
		}
		if f.Unique && !f.Custom {
			id := ""
			if old != nil {
				id = old.ID
			}
			var n int
			err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+o.Table+" WHERE workspace_id = ? AND lower("+f.Column+") = lower(?) AND deleted_at IS NULL AND id <> ?", p.WorkspaceID, v, nullSafeID(id)).Scan(&n)
			if err != nil {
				return fmt.Errorf("check unique %s.%s: %w", o.Name, f.Name, err)
			}
			if n > 0 {
				fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: "is already used by another record"})
			}
		}
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

func keyIn(in Input, k string) bool { _, ok := in[k]; return ok }

func hasFieldError(fe []errs.FieldError, loc string) bool {
	return slices.ContainsFunc(fe, func(e errs.FieldError) bool { return e.Location == loc })
}

func nullSafeID(id string) string {
	if id == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return id
}

func (e *Engine) checkUser(ctx context.Context, tx *db.Tx, ws, id string) string {
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE workspace_id = ? AND id = ?", ws, id).Scan(&n); err != nil || n == 0 {
		return "names no user of this workspace"
	}
	return ""
}

func (e *Engine) checkReference(ctx context.Context, tx *db.Tx, ws, target, id string) string {
	o, err := e.Object(target)
	if err != nil {
		return "refers to an unknown object"
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+o.Table+" WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL", ws, id).Scan(&n); err != nil || n == 0 {
		return "names no " + target + " record of this workspace"
	}
	return ""
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// uniqueError names the unique field behind a conflict from the database.
func uniqueError(o *Object, fields []Field, err error) error {
	if !errs.Is(err, errs.Conflict) {
		return err
	}
	for _, f := range fields {
		if f.Unique {
			return &errs.Error{Code: errs.Conflict, Message: "A record with the same value already exists.", Fields: []errs.FieldError{{Location: "body." + f.Name, Message: "is already used by another record"}}, Err: err}
		}
	}
	return err
}

// customJSON encodes the custom members of values.
func customJSON(fields []Field, values map[string]any) string {
	m := map[string]any{}
	for i := range fields {
		if fields[i].Custom {
			if v, ok := values[fields[i].Name]; ok && v != nil {
				m[fields[i].Name] = v
			}
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// snapshot returns the non-empty user-visible values of a record.
func snapshot(fields []Field, values map[string]any) map[string]any {
	m := map[string]any{}
	for i := range fields {
		f := &fields[i]
		if f.System && f.Name != "owner_id" {
			continue
		}
		if v, ok := values[f.Name]; ok && v != nil {
			m[f.Name] = v
		}
	}
	return m
}

// changeCols are the columns of a history row, in changeRow's order.
var changeCols = []string{"id", "workspace_id", "object", "record_id", "change_set", "action", "field", "old_value", "new_value", "changed_at", "changed_by", "origin"}

// changeRow returns the arguments of one history row.
func changeRow(p *auth.Principal, object, recordID, set, action, field string, oldV, newV any, at time.Time, origin string) []any {
	enc := func(v any) any {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	return []any{NewID(), p.WorkspaceID, object, recordID, set, action, field, enc(oldV), enc(newV), db.T(at), nullID(p.UserID), origin}
}

func writeChange(ctx context.Context, tx *db.Tx, p *auth.Principal, object, recordID, set, action, field string, oldV, newV any, at time.Time, origin string) error {
	_, err := tx.Exec(ctx, "INSERT INTO record_changes ("+strings.Join(changeCols, ", ")+") VALUES ("+placeholders(len(changeCols))+")",
		changeRow(p, object, recordID, set, action, field, oldV, newV, at, origin)...)
	if err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}
