package records

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// MergeInput names the record that survives, the records merged into it
// and, optionally, the value each field keeps.
type MergeInput struct {
	SurvivorID string         `json:"survivor_id"`
	MergedIDs  []string       `json:"merged_ids"`
	Values     map[string]any `json:"values"`
}

// Merge folds records into a survivor in one transaction: fields take
// the values given (by default the survivor's, else the first merged
// record's that has one; e-mail, phone and link lists are united), every
// reference to a merged record — activities, links, relationships,
// attachments, child records — moves to the survivor, the merged
// records' history entries move to the survivor marked with where they
// came from, and the merged records go to the trash pointing at the
// survivor. The merge is recorded in the history of every record.
func (e *Engine) Merge(ctx context.Context, p *auth.Principal, object string, in MergeInput) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActUpdate) || !p.Can(o.Name, auth.ActDelete) {
		return nil, errs.E(errs.Forbidden, "Merging %s needs the right to change and to delete them.", o.Name)
	}
	if !validID(in.SurvivorID) {
		return nil, errs.Field("body.survivor_id", "must be a record id")
	}
	if len(in.MergedIDs) == 0 || len(in.MergedIDs) > 20 {
		return nil, errs.Field("body.merged_ids", "must list 1 to 20 record ids")
	}
	for _, id := range in.MergedIDs {
		if !validID(id) {
			return nil, errs.Field("body.merged_ids", "must be record ids")
		}
		if id == in.SurvivorID {
			return nil, errs.Field("body.merged_ids", "must not include the survivor")
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(in.MergedIDs)))) != len(in.MergedIDs) {
		return nil, errs.Field("body.merged_ids", "must not repeat an id")
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	load := func(id, loc string) (*Record, error) {
		r, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
		if err != nil || r.DeletedAt != nil || !p.Reaches(o.Name, r.OwnerID) {
			if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			return nil, errs.Field(loc, "names no "+o.Name+" record you can change: "+id)
		}
		return r, nil
	}
	survivor, err := load(in.SurvivorID, "body.survivor_id")
	if err != nil {
		return nil, err
	}
	losers := make([]*Record, 0, len(in.MergedIDs))
	for _, id := range in.MergedIDs {
		r, err := load(id, "body.merged_ids")
		if err != nil {
			return nil, err
		}
		losers = append(losers, r)
	}
	input := Input{}
	var fe []errs.FieldError
	for k, v := range in.Values {
		f, ok := fieldByName(fields, k)
		if !ok || f.ReadOnly || f.System {
			fe = append(fe, errs.FieldError{Location: "body.values." + k, Message: "is not a field of " + o.Name + " you can set"})
			continue
		}
		if s, ok := v.(string); ok && f.Type == Reference && slices.Contains(in.MergedIDs, s) {
			fe = append(fe, errs.FieldError{Location: "body.values." + k, Message: "must not refer to a record being merged"})
			continue
		}
		input[k] = v
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	for i := range fields {
		f := &fields[i]
		if f.ReadOnly || f.System {
			continue
		}
		if _, chosen := in.Values[f.Name]; chosen {
			continue
		}
		switch f.Type {
		case EmailList, PhoneList, RefList, MultiSelect:
			if u := unite(f, survivor, losers); u != nil && !Equal(u, survivor.Values[f.Name]) {
				input[f.Name] = u
			}
		default:
			if survivor.Values[f.Name] != nil {
				continue
			}
			for _, l := range losers {
				if v := l.Values[f.Name]; v != nil {
					if s, ok := v.(string); ok && f.Type == Reference && (s == survivor.ID || slices.Contains(in.MergedIDs, s)) {
						continue
					}
					input[f.Name] = v
					break
				}
			}
		}
	}
	now := e.Now().UTC().Truncate(time.Microsecond)
	for _, l := range losers {
		if err := e.moveReferences(ctx, tx, p, o, l.ID, survivor.ID, now); err != nil {
			return nil, err
		}
	}
	var r *Record
	if len(input) > 0 {
		if r, err = e.updateTx(ctx, tx, p, o, survivor.ID, "", input, "merge", nil); err != nil {
			return nil, err
		}
	} else {
		r = survivor
	}
	set := uuid.Must(uuid.NewV7()).String()
	for _, l := range losers {
		if _, err := tx.Exec(ctx, "UPDATE "+o.Table+" SET deleted_at = ?, deleted_by = ?, merged_into = ?, version = version + 1 WHERE workspace_id = ? AND id = ?",
			db.T(now), nullID(p.UserID), survivor.ID, p.WorkspaceID, l.ID); err != nil {
			return nil, fmt.Errorf("merge %s: %w", o.Name, err)
		}
		if err := writeChange(ctx, tx, p, o.Name, l.ID, set, "delete", "", nil, map[string]any{"merged_into": survivor.ID}, now, "merge"); err != nil {
			return nil, err
		}
		if err := writeChange(ctx, tx, p, o.Name, survivor.ID, set, "merge", "", nil, map[string]any{"merged_id": l.ID, "values": snapshot(fields, l.Values)}, now, "merge"); err != nil {
			return nil, err
		}
		if o.Hooks.AfterDelete != nil {
			if err := o.Hooks.AfterDelete(ctx, tx, p, l); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("merge %s: %w", o.Name, err)
	}
	return e.Get(ctx, p, o.Name, r.ID, GetOptions{})
}

// unite returns the union of a list field over the survivor and the
// merged records, the survivor's items first (its primary stays
// primary).
func unite(f *Field, survivor *Record, losers []*Record) any {
	all := append([]*Record{survivor}, losers...)
	switch f.Type {
	case EmailList:
		var out []EmailItem
		for i, r := range all {
			items, _ := r.Values[f.Name].([]EmailItem)
			for _, it := range items {
				if !slices.ContainsFunc(out, func(x EmailItem) bool { return x.Address == it.Address }) {
					it.Primary = it.Primary && i == 0
					out = append(out, it)
				}
			}
		}
		fixPrimary(len(out), func(i int) *bool { return &out[i].Primary })
		if out == nil {
			return nil
		}
		return out
	case PhoneList:
		var out []PhoneItem
		for i, r := range all {
			items, _ := r.Values[f.Name].([]PhoneItem)
			for _, it := range items {
				if !slices.ContainsFunc(out, func(x PhoneItem) bool { return x.Number == it.Number }) {
					it.Primary = it.Primary && i == 0
					out = append(out, it)
				}
			}
		}
		fixPrimary(len(out), func(i int) *bool { return &out[i].Primary })
		if out == nil {
			return nil
		}
		return out
	default:
		var out []string
		for _, r := range all {
			items, _ := r.Values[f.Name].([]string)
			for _, it := range items {
				if !slices.Contains(out, it) {
					out = append(out, it)
				}
			}
		}
		if out == nil {
			return nil
		}
		if f.Type == RefList {
			slices.Sort(out)
		}
		return out
	}
}

func fixPrimary(n int, primary func(int) *bool) {
	for i := range n {
		if *primary(i) {
			return
		}
	}
	if n > 0 {
		*primary(0) = true
	}
}

// moveReferences points every reference to from at to.
func (e *Engine) moveReferences(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Object, from, to string, now time.Time) error {
	ws := p.WorkspaceID
	for _, in := range o.Incoming {
		if in.NotSelf != "" {
			if _, err := tx.Exec(ctx, "DELETE FROM "+in.Table+" WHERE workspace_id = ? AND "+in.Column+" = ? AND "+in.NotSelf+" = ?", ws, from, to); err != nil {
				return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, err)
			}
		}
		if len(in.Unique) > 0 {
			var same []string
			for _, c := range in.Unique {
				same = append(same, "t2."+c+" = "+in.Table+"."+c)
			}
			q := "DELETE FROM " + in.Table + " WHERE workspace_id = ? AND " + in.Column + " = ? AND EXISTS (SELECT 1 FROM " + in.Table + " t2 WHERE t2.workspace_id = " + in.Table + ".workspace_id AND t2." + in.Column + " = ? AND " + strings.Join(same, " AND ") + ")"
			if _, err := tx.Exec(ctx, q, ws, from, to); err != nil {
				return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, err)
			}
		}
		if in.Object != "" {
			rows, err := tx.Query(ctx, "SELECT id FROM "+in.Table+" WHERE workspace_id = ? AND "+in.Column+" = ?", ws, from)
			if err != nil {
				return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, err)
			}
			var ids []string
			for rows.Next() {
				var id any
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, err)
				}
				ids = append(ids, db.IDText(id))
			}
			rows.Close()
			set := uuid.Must(uuid.NewV7()).String()
			for _, id := range ids {
				if id == to {
					continue
				}
				if _, err := tx.Exec(ctx, "UPDATE "+in.Table+" SET "+in.Column+" = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE workspace_id = ? AND id = ?", to, db.T(now), nullID(p.UserID), ws, id); err != nil {
					return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, err)
				}
				if err := writeChange(ctx, tx, p, in.Object, id, set, "update", in.Field, from, to, now, "merge"); err != nil {
					return err
				}
			}
			continue
		}
		if _, err := tx.Exec(ctx, "UPDATE "+in.Table+" SET "+in.Column+" = ? WHERE workspace_id = ? AND "+in.Column+" = ?", to, ws, from); err != nil {
			return fmt.Errorf("merge %s.%s: %w", in.Table, in.Column, db.MapError(err))
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE attachments SET record_id = ? WHERE workspace_id = ? AND object = ? AND record_id = ?", to, ws, o.Name, from); err != nil {
		return fmt.Errorf("merge attachments: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE record_changes SET record_id = ?, origin = ? WHERE workspace_id = ? AND object = ? AND record_id = ?", to, "merged_from:"+from, ws, o.Name, from); err != nil {
		return fmt.Errorf("merge history: %w", err)
	}
	return nil
}
