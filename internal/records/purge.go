package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// purgeBatch is how many records one purge transaction deletes when
// none of them fails.
const purgeBatch = 200

// maxPurgeFailures bounds the failures a PurgeResult lists; the counts
// go on.
const maxPurgeFailures = 100

// PurgeResult is what one purge of the trash did.
type PurgeResult struct {
	Purged int64 // records deleted for good (their parts aside)
	Kept   int64 // records refused because others still name them
	Failed int64 // records whose deletion failed; they stay in the trash
	// Failures are the first failed records, for the log.
	Failures []PurgeFailure
}

// PurgeFailure is a record the purge could not delete.
type PurgeFailure struct {
	Object      string
	WorkspaceID string
	ID          string
	Err         error
}

// PurgeTrash deletes for good, in every workspace, the records that have
// been in the trash since before cutoff. A record that others still name
// (KeptBy) stays, counted as kept; one whose deletion fails stays too,
// counted and listed as failed, and the purge goes on with the others.
// The error is for what stops the whole purge: the database unreachable
// or ctx ended.
//
// Objects are purged in the reverse of their registration, which puts
// parts and documents before what they name (payments before invoices,
// documents before accounts), so records trashed together are purged in
// the same run rather than kept by each other.
func (e *Engine) PurgeTrash(ctx context.Context, cutoff time.Time) (PurgeResult, error) {
	var res PurgeResult
	objects := e.Objects()
	slices.Reverse(objects)
	for _, o := range objects {
		if err := e.purgeObject(ctx, o, cutoff, &res); err != nil {
			return res, fmt.Errorf("purge %s: %w", o.Name, err)
		}
	}
	return res, nil
}

type trashed struct{ ws, id string }

func (e *Engine) purgeObject(ctx context.Context, o *Object, cutoff time.Time, res *PurgeResult) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := e.trashedBefore(ctx, o, cutoff, after)
		if err != nil || len(batch) == 0 {
			return err
		}
		after = batch[len(batch)-1].id
		purged, kept, err := e.purgeAll(ctx, o, batch)
		if err == nil {
			res.Purged += purged
			res.Kept += kept
			continue
		}
		// One record failed and took the batch's transaction with it:
		// each on its own, so only the failing ones stay.
		for _, t := range batch {
			purged, kept, err := e.purgeAll(ctx, o, []trashed{t})
			res.Purged += purged
			res.Kept += kept
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res.Failed++
				if len(res.Failures) < maxPurgeFailures {
					res.Failures = append(res.Failures, PurgeFailure{Object: o.Name, WorkspaceID: t.ws, ID: t.id, Err: err})
				}
			}
		}
	}
}

// trashedBefore returns the next records of o, by id after after, that
// went to the trash before cutoff.
func (e *Engine) trashedBefore(ctx context.Context, o *Object, cutoff time.Time, after string) ([]trashed, error) {
	q := "SELECT workspace_id, id FROM " + o.Table + " WHERE deleted_at IS NOT NULL AND deleted_at < ?"
	args := []any{db.T(cutoff)}
	if after != "" {
		q += " AND id > ?"
		args = append(args, after)
	}
	q += fmt.Sprintf(" ORDER BY id LIMIT %d", purgeBatch)
	rows, err := e.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []trashed
	for rows.Next() {
		var ws, id any
		if err := rows.Scan(&ws, &id); err != nil {
			return nil, err
		}
		out = append(out, trashed{db.IDText(ws), db.IDText(id)})
	}
	return out, rows.Err()
}

// purgeAll deletes the records in one transaction: all of them but the
// kept ones, or none when one fails.
func (e *Engine) purgeAll(ctx context.Context, o *Object, ts []trashed) (purged, kept int64, err error) {
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	for _, t := range ts {
		ok, err := e.purgeTx(ctx, tx, o, t.ws, t.id)
		var refused *errs.Error
		switch {
		case err == nil && ok:
			purged++
		case err == nil:
			// gone since it was listed: restored, or purged by another server
		case errors.As(err, &refused) && refused.Code == errs.Conflict && errors.Is(err, errKept):
			kept++
		default:
			return 0, 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return purged, kept, nil
}

// errKept marks the conflict of a record that others keep.
var errKept = errors.New("kept by records that name it")

// purgeTx deletes one record in the trash for good, inside the caller's
// transaction; the database's triggers clear the links to it and delete
// its parts. It reports whether it deleted a record, and returns a
// conflict naming why when others keep it (KeptBy).
func (e *Engine) purgeTx(ctx context.Context, tx *db.Tx, o *Object, ws, id string) (bool, error) {
	if k := o.KeptBy; k != nil {
		n := 0
		for _, r := range k.Refs {
			var c int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+r.Table+" WHERE workspace_id = ? AND "+r.Column+" = ?", ws, id).Scan(&c); err != nil {
				return false, fmt.Errorf("count %s.%s: %w", r.Table, r.Column, err)
			}
			n += c
		}
		if n > 0 {
			return false, &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(k.Message, n), Err: errKept}
		}
	}
	res, err := tx.Exec(ctx, "DELETE FROM "+o.Table+" WHERE workspace_id = ? AND id = ? AND deleted_at IS NOT NULL", ws, id)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	return true, e.clearCustomRefs(ctx, tx, o, ws, id)
}

// clearCustomRefs empties the reference custom fields that named the
// purged record id of o, in every object of the workspace, with a new
// version, as the triggers do for the built-in links: a custom field has
// no foreign key to do it.
func (e *Engine) clearCustomRefs(ctx context.Context, tx *db.Tx, o *Object, ws, id string) error {
	rows, err := tx.Query(ctx, "SELECT object, name FROM custom_fields WHERE workspace_id = ? AND type = ? AND target = ?", ws, string(Reference), o.Name)
	if err != nil {
		return fmt.Errorf("reference fields to %s: %w", o.Name, err)
	}
	type ref struct{ object, name string }
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.object, &r.name); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range refs {
		from, err := e.Object(r.object)
		if err != nil {
			continue // a field of an object no longer registered
		}
		// The name was checked when the field was made: lower-case
		// letters, digits and underscores.
		set, where := "json_remove(custom, "+jsonPath(r.name)+")", "json_extract(custom, "+jsonPath(r.name)+") = ?"
		if e.DB.Dialect == db.Postgres {
			set, where = "custom - '"+r.name+"'", "custom->>'"+r.name+"' = ?"
		}
		if _, err := tx.Exec(ctx, "UPDATE "+from.Table+" SET custom = "+set+", version = version + 1 WHERE workspace_id = ? AND "+where, ws, id); err != nil {
			return fmt.Errorf("clear %s.%s: %w", r.object, r.name, err)
		}
	}
	return nil
}

// Purge deletes one record of object in the trash for good, at once. It
// needs the delete permission and the record within the caller's scope.
// ifMatch, when set, must be the ETag of the record as the trash lists
// it. It returns not_found when the record is not in the trash, conflict
// naming why when records that must go on naming it still do (KeptBy),
// and invalid when a foreign key the purge does not know refuses it.
func (e *Engine) Purge(ctx context.Context, p *auth.Principal, object, id, ifMatch string) error {
	o, err := e.trashObject(p, object)
	if err != nil {
		return err
	}
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	fields, err := e.Fields(ctx, tx, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	r, err := e.load(ctx, tx, o, fields, p.WorkspaceID, id, true)
	if err != nil {
		return err
	}
	if !p.Reaches(o.Name, r.OwnerID) || r.DeletedAt == nil {
		return errs.ErrNotFound
	}
	if ifMatch != "" && !etagMatches(ifMatch, r.ETag()) {
		return errs.E(errs.PreconditionFailed, "The record was changed by someone else since you read it (ETag %s).", r.ETag())
	}
	if _, err := e.purgeTx(ctx, tx, o, p.WorkspaceID, r.ID); err != nil {
		return fmt.Errorf("purge %s %s: %w", o.Name, r.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if e.OnPurge != nil {
		e.OnPurge(ctx, p, o.Name, r.ID)
	}
	return nil
}
