package imports

import (
	"context"
	"fmt"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// undoChunk is how many of an import's rows one undo transaction takes
// back.
const undoChunk = 500

// undo takes a batch back, chunk by chunk with its own checkpoint (so a
// killed undo resumes too): the records the import created go to the
// trash, and the fields it changed get the values they had before (a
// field edited again since keeps the later edit, reported in the
// batch's report). Records already in the trash are left alone.
func (s *Service) undo(ctx context.Context, b *Batch, progress func(*Batch)) error {
	p, err := s.Principal(ctx, b.WorkspaceID, b.undoBy)
	if err != nil {
		return fmt.Errorf("the user who asked for the undo cannot act any more: %w", err)
	}
	origin := "import:" + b.ID
	for {
		type item struct {
			row            int64
			object, id, ac string
		}
		rows, err := s.DB.Query(ctx, fmt.Sprintf(`SELECT row_num, object, record_id, action FROM import_records WHERE import_id = ? AND row_num > ? AND action IN ('created', 'updated')
AND row_num <= (SELECT MAX(row_num) FROM (SELECT row_num FROM import_records WHERE import_id = ? AND row_num > ? ORDER BY row_num LIMIT %d) x)
ORDER BY row_num, object, record_id`, undoChunk), b.ID, b.undoPoint, b.ID, b.undoPoint)
		if err != nil {
			return fmt.Errorf("undo import: %w", err)
		}
		var items []item
		for rows.Next() {
			var it item
			var id any
			if err := rows.Scan(&it.row, &it.object, &id, &it.ac); err != nil {
				rows.Close()
				return fmt.Errorf("undo import: %w", err)
			}
			it.id = db.IDText(id)
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("undo import: %w", err)
		}
		if len(items) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		tx, err := s.DB.Begin(ctx)
		if err != nil {
			return err
		}
		var issues [][]any
		for _, it := range items {
			o, err := s.Records.Object(it.object)
			if err != nil {
				tx.Rollback()
				return err
			}
			if it.ac == "created" {
				err = s.Records.DeleteTxOrigin(ctx, tx, p, o, it.id, "undo:"+origin)
			} else {
				var res *records.UndoResult
				res, err = s.Records.UndoOriginTx(ctx, tx, p, o, it.id, origin)
				if err == nil && len(res.Kept) > 0 {
					issues = append(issues, []any{b.ID, it.row, 0, IssueWarning, "", "", fmt.Sprintf("undo kept later edits of %v", res.Kept), it.id})
				}
			}
			if errs.Is(err, errs.NotFound) {
				err = nil // already in the trash (or merged away)
			}
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("undo %s %s: %w", it.object, it.id, err)
			}
		}
		if err := records.InsertRows(ctx, tx, "import_issues", []string{"import_id", "row_num", "line", "kind", "column_name", "value", "reason", "record_id"}, issues, ""); err != nil {
			tx.Rollback()
			return fmt.Errorf("undo import: %w", err)
		}
		last := items[len(items)-1].row
		res, err := tx.Exec(ctx, "UPDATE imports SET undo_checkpoint = ?, locked_until = ?, updated_at = ? WHERE id = ? AND locked_by = ?", last, db.T(s.Now().Add(s.lease())), db.T(s.Now()), b.ID, s.worker)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("undo import: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			tx.Rollback()
			return errLostLease
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("undo import: %w", err)
		}
		b.undoPoint = last
		if progress != nil {
			progress(b)
		}
	}
}
