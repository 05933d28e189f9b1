package imports

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

const batchCols = `id, workspace_id, owner_id, object, file_name, file_path, file_size, uploaded, format, encoding, delimiter, sheet, mapping, mode, key_field,
dup_policy, create_accounts, dry_run, status, error, rows_total, rows_done, rows_created, rows_updated, rows_unchanged, rows_skipped, rows_rejected,
duplicates, accounts_created, tags_created, checkpoint, undo_checkpoint, cancel_requested, locked_by, run_started_at, run_rows_start, created_at,
started_at, finished_at, undo_by`

type scanner interface{ Scan(dest ...any) error }

func scanBatch(sc scanner) (*Batch, error) {
	var b Batch
	var id, ws, owner, undoBy any
	var mapping string
	var runStarted, created, started, finished db.Time
	err := sc.Scan(&id, &ws, &owner, &b.Object, &b.FileName, &b.path, &b.FileSize, &b.uploaded, &b.Format, &b.Encoding, &b.Delimiter, &b.Sheet, &mapping,
		&b.Mode, &b.Key, &b.DupPolicy, &b.CreateAccounts, &b.DryRun, &b.Status, &b.Error, &b.Rows.Total, &b.Rows.Done, &b.Rows.Created, &b.Rows.Updated,
		&b.Rows.Unchanged, &b.Rows.Skipped, &b.Rows.Rejected, &b.Rows.Duplicates, &b.Rows.AccountsCreated, &b.Rows.TagsCreated, &b.Checkpoint, &b.undoPoint,
		&b.cancel, &b.lockedBy, &runStarted, &b.runRowsStart, &created, &started, &finished, &undoBy)
	if err != nil {
		return nil, db.MapError(err)
	}
	b.ID, b.WorkspaceID, b.OwnerID, b.undoBy = db.IDText(id), db.IDText(ws), db.IDText(owner), db.IDText(undoBy)
	if err := json.Unmarshal([]byte(mapping), &b.Mapping); err != nil {
		return nil, fmt.Errorf("scan import mapping: %w", err)
	}
	if b.Mapping == nil {
		b.Mapping = []Column{}
	}
	b.runStarted = runStarted.Time
	b.CreatedAt = created.Time
	if !started.IsZero() {
		t := started.Time
		b.StartedAt = &t
	}
	if !finished.IsZero() {
		t := finished.Time
		b.FinishedAt = &t
	}
	return &b, nil
}

func nullTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return db.T(*t)
}

// load reads a batch by id within a workspace.
func (s *Service) load(ctx context.Context, q db.Querier, ws, id string) (*Batch, error) {
	if !validUUID(id) {
		return nil, errs.ErrNotFound
	}
	b, err := scanBatch(q.QueryRow(ctx, "SELECT "+batchCols+" FROM imports WHERE workspace_id = ? AND id = ?", ws, id))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.ErrNotFound
		}
		return nil, fmt.Errorf("load import %s: %w", id, err)
	}
	return b, nil
}

// loadAny reads a batch by id whatever its workspace (for workers).
func (s *Service) loadAny(ctx context.Context, q db.Querier, id string) (*Batch, error) {
	b, err := scanBatch(q.QueryRow(ctx, "SELECT "+batchCols+" FROM imports WHERE id = ?", id))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.ErrNotFound
		}
		return nil, fmt.Errorf("load import %s: %w", id, err)
	}
	return b, nil
}

func (s *Service) insert(ctx context.Context, q db.Querier, b *Batch) error {
	m, _ := json.Marshal(b.Mapping)
	now := db.T(s.Now())
	_, err := q.Exec(ctx, `INSERT INTO imports (id, workspace_id, owner_id, object, file_name, file_path, file_size, uploaded, format, encoding, delimiter, sheet,
mapping, mode, key_field, dup_policy, create_accounts, dry_run, status, locked_by, locked_until, run_started_at, created_at, started_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.WorkspaceID, b.OwnerID, b.Object, b.FileName, b.path, b.FileSize, b.uploaded, b.Format, b.Encoding, b.Delimiter, b.Sheet,
		string(m), b.Mode, b.Key, b.DupPolicy, b.CreateAccounts, b.DryRun, b.Status, b.lockedBy, s.leaseEnd(b.lockedBy), nullTime(&b.runStarted), now, nullTime(b.StartedAt), now)
	if err != nil {
		return fmt.Errorf("create import: %w", err)
	}
	return nil
}

func (s *Service) leaseEnd(lockedBy string) any {
	if lockedBy == "" {
		return nil
	}
	return db.T(s.Now().Add(s.lease()))
}

// saveOptions writes a batch's options (before it starts).
func (s *Service) saveOptions(ctx context.Context, q db.Querier, b *Batch) error {
	m, _ := json.Marshal(b.Mapping)
	_, err := q.Exec(ctx, `UPDATE imports SET encoding = ?, delimiter = ?, sheet = ?, mapping = ?, mode = ?, key_field = ?, dup_policy = ?, create_accounts = ?,
dry_run = ?, updated_at = ? WHERE id = ?`, b.Encoding, b.Delimiter, b.Sheet, string(m), b.Mode, b.Key, b.DupPolicy, b.CreateAccounts, b.DryRun, db.T(s.Now()), b.ID)
	if err != nil {
		return fmt.Errorf("save import options: %w", err)
	}
	return nil
}
