package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Bulk actions on a selection of records.
const (
	BatchAssignOwner = "assign_owner"
	BatchAddTags     = "add_tags"
	BatchRemoveTags  = "remove_tags"
	BatchDelete      = "delete"
)

// MaxBatch is the largest selection one bulk action takes.
const MaxBatch = 500

// BatchInput is a bulk action: what to do to which records.
type BatchInput struct {
	IDs     []string `json:"ids"`
	Action  string   `json:"action"`
	OwnerID string   `json:"owner_id,omitempty"`
	TagIDs  []string `json:"tag_ids,omitempty"`
}

// BatchResult says how many records a bulk action changed.
type BatchResult struct {
	Changed int `json:"changed"`
}

// tagField is the field bulk tag actions change.
const tagField = "tag_ids"

// Batch applies one action to every selected record in one transaction:
// either all of them change, with a history entry each, or none does. A
// record the caller may not change fails the whole action, naming it.
func (e *Engine) Batch(ctx context.Context, p *auth.Principal, object string, in BatchInput) (*BatchResult, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	act := auth.ActUpdate
	if in.Action == BatchDelete {
		act = auth.ActDelete
	}
	if !p.Can(o.Name, act) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", o.Name)
	}
	var fe []errs.FieldError
	switch {
	case len(in.IDs) == 0:
		fe = append(fe, errs.FieldError{Location: "body.ids", Message: "must list at least one record"})
	case len(in.IDs) > MaxBatch:
		fe = append(fe, errs.FieldError{Location: "body.ids", Message: fmt.Sprintf("must list at most %d records", MaxBatch)})
	}
	seen := map[string]bool{}
	for i, id := range in.IDs {
		if !validID(id) {
			fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.ids[%d]", i), Message: "must be a record id"})
		}
		seen[id] = true
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	switch in.Action {
	case BatchAssignOwner:
		if in.OwnerID == "" {
			fe = append(fe, errs.FieldError{Location: "body.owner_id", Message: "is required to assign an owner"})
		}
	case BatchAddTags, BatchRemoveTags:
		if f, ok := fieldByName(fields, tagField); !ok || f.Type != RefList {
			fe = append(fe, errs.FieldError{Location: "body.action", Message: o.Name + " have no tags"})
		}
		if len(in.TagIDs) == 0 || len(in.TagIDs) > 50 {
			fe = append(fe, errs.FieldError{Location: "body.tag_ids", Message: "must list 1 to 50 tags"})
		}
		for i, id := range in.TagIDs {
			if !validID(id) {
				fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.tag_ids[%d]", i), Message: "must be a tag id"})
			}
		}
	case BatchDelete:
	default:
		fe = append(fe, errs.FieldError{Location: "body.action", Message: "must be assign_owner, add_tags, remove_tags or delete"})
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res := &BatchResult{}
	for i, id := range in.IDs {
		if !seen[id] {
			continue // listed twice
		}
		delete(seen, id)
		loc := fmt.Sprintf("body.ids[%d]", i)
		var err error
		switch in.Action {
		case BatchDelete:
			err = e.trashTx(ctx, tx, p, o, id, "", true, "")
		case BatchAssignOwner:
			_, err = e.updateTx(ctx, tx, p, o, id, "", Input{"owner_id": in.OwnerID}, "bulk", nil)
		default:
			var r *Record
			if r, err = e.load(ctx, tx, o, fields, p.WorkspaceID, id, true); err == nil {
				if r.DeletedAt != nil || !p.Reaches(o.Name, r.OwnerID) {
					err = errs.ErrNotFound
				} else {
					tags, _ := r.Values[tagField].([]string)
					next := editTags(tags, in.TagIDs, in.Action == BatchAddTags)
					if slices.Equal(next, tags) {
						continue // nothing to change, no history entry
					}
					_, err = e.updateTx(ctx, tx, p, o, id, "", Input{tagField: next}, "bulk", nil)
				}
			}
		}
		if err != nil {
			return nil, batchError(loc, err)
		}
		res.Changed++
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("bulk %s: %w", o.Name, err)
	}
	return res, nil
}

// editTags adds or removes tags from a sorted list of tag ids.
func editTags(have, change []string, add bool) []string {
	out := slices.Clone(have)
	for _, t := range change {
		i, found := slices.BinarySearch(out, t)
		switch {
		case add && !found:
			out = slices.Insert(out, i, t)
		case !add && found:
			out = slices.Delete(out, i, i+1)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// batchError names the record a bulk action failed on.
func batchError(loc string, err error) error {
	var e *errs.Error
	switch {
	case errs.Is(err, errs.NotFound):
		return errs.Field(loc, "names no record you can change")
	case errors.As(err, &e) && len(e.Fields) > 0:
		for i := range e.Fields {
			if !strings.HasPrefix(e.Fields[i].Location, "body.owner_id") && !strings.HasPrefix(e.Fields[i].Location, "body."+tagField) {
				e.Fields[i].Message = loc + ": " + e.Fields[i].Message
			}
		}
		return e
	}
	return err
}

// Count is how many records a list query matches.
type Count struct {
	Value int64 `json:"value"`
	// Kind is "exact"; "at_least" when counting stopped at CountLimit
	// (Value is then CountLimit); "estimate" when the value is the
	// database's estimate; "unknown" when counting took too long.
	Kind string `json:"kind"`
}

// Counting limits: exact up to CountLimit records, and never longer
// than countBudget.
const (
	CountLimit  = 10000
	countBudget = 300 * time.Millisecond
)

// Count counts the records a list query matches (its sort and cursor are
// ignored): exactly up to CountLimit; past it, PostgreSQL's planner
// estimate, or on SQLite "at least CountLimit". Lists stay fast on large
// tables because no count reads more than CountLimit index entries.
func (e *Engine) Count(ctx context.Context, p *auth.Principal, object string, q ListQuery, trashed bool) (Count, error) {
	o, err := e.Object(object)
	if err != nil {
		return Count{}, err
	}
	if !p.Can(o.Name, auth.ActRead) {
		return Count{}, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return Count{}, err
	}
	where, args, fe := e.whereSQL(p, o, fields, q, trashed)
	if len(fe) > 0 {
		return Count{}, errs.Fields(fe)
	}
	cond := strings.Join(where, " AND ")
	cctx, cancel := context.WithTimeout(ctx, countBudget)
	defer cancel()
	var n int64
	err = e.DB.QueryRow(cctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+o.Table+" WHERE "+cond+fmt.Sprintf(" LIMIT %d) x", CountLimit+1), args...).Scan(&n)
	if err != nil {
		if ctx.Err() == nil && cctx.Err() != nil {
			return Count{Kind: "unknown"}, nil
		}
		return Count{}, fmt.Errorf("count %s: %w", o.Name, err)
	}
	if n <= CountLimit {
		return Count{Value: n, Kind: "exact"}, nil
	}
	if e.DB.Dialect == db.Postgres {
		if est, err := e.estimate(cctx, "SELECT 1 FROM "+o.Table+" WHERE "+cond, args); err == nil && est > CountLimit {
			return Count{Value: est, Kind: "estimate"}, nil
		}
	}
	return Count{Value: CountLimit, Kind: "at_least"}, nil
}

// estimate asks PostgreSQL's planner how many rows a query returns.
func (e *Engine) estimate(ctx context.Context, query string, args []any) (int64, error) {
	rows, err := e.DB.Query(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var first string
	if rows.Next() {
		if err := rows.Scan(&first); err != nil {
			return 0, err
		}
	}
	// "Seq Scan on contacts  (cost=0.00..123.00 rows=4567 width=4)"
	i := strings.Index(first, " rows=")
	if i < 0 {
		return 0, fmt.Errorf("no estimate in %q", first)
	}
	var n int64
	if _, err := fmt.Sscanf(first[i+len(" rows="):], "%d", &n); err != nil {
		return 0, err
	}
	return n, rows.Err()
}
