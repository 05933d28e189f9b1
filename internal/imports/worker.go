package imports

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Workers take batches that are queued, and batches whose worker is gone
// (its lease ran out, or it was a process on this machine that is no
// longer running): so a server resumes at start what was running when
// the previous process died, and several servers on one PostgreSQL
// share the work without two ever writing the same batch (a chunk
// commits only while its worker still holds the batch).

// Work runs the workers until ctx ends; a batch in hand stops after its
// current chunk and is released for the next start to resume.
func (s *Service) Work(ctx context.Context) {
	s.init()
	n := s.Workers
	if n <= 0 {
		n = DefaultWorkers
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				for ctx.Err() == nil {
					ran, err := s.runOne(ctx)
					if err != nil && ctx.Err() == nil {
						s.Log.Error("import worker", "err", err)
					}
					if !ran {
						break
					}
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				case <-s.wake:
				}
			}
		}()
	}
	wg.Wait()
}

// RunPending runs batches until none is left to take, and returns how
// many it ran. Tests call it to run imports deterministically.
func (s *Service) RunPending(ctx context.Context) (int, error) {
	s.init()
	n := 0
	for {
		ran, err := s.runOne(ctx)
		if err != nil {
			return n, err
		}
		if !ran {
			return n, nil
		}
		n++
	}
}

func (s *Service) runOne(ctx context.Context) (bool, error) {
	b, err := s.claim(ctx, "")
	if err != nil || b == nil {
		return false, err
	}
	return true, s.process(ctx, b, nil)
}

// Resume takes over a batch that is not running anywhere (failed,
// interrupted, or left by a process that died) for the caller, such as
// `rapport import --resume`; progress is called after each chunk.
func (s *Service) Resume(ctx context.Context, p *auth.Principal, id string, progress func(*Batch)) (*Batch, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	switch b.Status {
	case StatusQueued, StatusRunning, StatusFailed, StatusUndoing:
	default:
		return nil, errs.E(errs.Conflict, "Import %s is %s; there is nothing to resume.", id, b.Status)
	}
	cb, err := s.claim(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	if cb == nil {
		return nil, errs.E(errs.Conflict, "Import %s is being worked on by %s; wait for it, or for its lease to run out.", id, b.lockedBy)
	}
	err = s.process(ctx, cb, progress)
	nb, lerr := s.loadAny(context.WithoutCancel(ctx), s.DB, b.ID)
	if lerr != nil {
		return nil, lerr
	}
	s.rate(nb)
	return nb, err
}

// Run runs a batch this process already holds (CreateFromPath claims
// it), calling progress after each chunk.
func (s *Service) Run(ctx context.Context, id string, progress func(*Batch)) (*Batch, error) {
	s.init()
	b, err := s.loadAny(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if b.lockedBy != s.worker {
		return nil, fmt.Errorf("import %s is not held by this process", id)
	}
	err = s.process(ctx, b, progress)
	nb, lerr := s.loadAny(context.WithoutCancel(ctx), s.DB, id)
	if lerr != nil {
		return nil, lerr
	}
	s.rate(nb)
	return nb, err
}

// claim takes a batch for this worker: the one named (when id is set)
// or the oldest that is waiting or whose worker is gone. It returns nil
// when there is none.
func (s *Service) claim(ctx context.Context, id string) (*Batch, error) {
	now := s.Now()
	q := "SELECT id, status, locked_by, locked_until FROM imports WHERE "
	var args []any
	if id != "" {
		q += "id = ?"
		args = append(args, id)
	} else {
		q += "status IN ('queued', 'running', 'undoing') ORDER BY created_at LIMIT 20"
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("claim import: %w", err)
	}
	type cand struct {
		id, status, lockedBy string
		until                db.Time
	}
	var cands []cand
	for rows.Next() {
		var c cand
		var raw, until any
		if err := rows.Scan(&raw, &c.status, &c.lockedBy, &until); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim import: %w", err)
		}
		c.id = db.IDText(raw)
		_ = c.until.Scan(until)
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim import: %w", err)
	}
	for _, c := range cands {
		free := c.lockedBy == "" || c.until.IsZero() || c.until.Before(now) || s.holderGone(c.lockedBy)
		if id != "" && c.lockedBy == s.worker {
			free = true
		}
		if !free {
			continue
		}
		status := c.status
		if status == StatusQueued || status == StatusFailed {
			status = StatusRunning
		}
		res, err := s.DB.Exec(ctx, `UPDATE imports SET status = ?, error = '', locked_by = ?, locked_until = ?, run_started_at = ?, run_rows_start = rows_done,
started_at = COALESCE(started_at, ?), finished_at = NULL, updated_at = ? WHERE id = ? AND status = ? AND locked_by = ?`,
			status, s.worker, db.T(now.Add(s.lease())), db.T(now), db.T(now), db.T(now), c.id, c.status, c.lockedBy)
		if err != nil {
			return nil, fmt.Errorf("claim import: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return s.loadAny(ctx, s.DB, c.id)
		}
	}
	return nil, nil
}

// holderGone reports whether a lease holder ("host/pid/nonce") is a
// process of this machine that no longer runs.
func (s *Service) holderGone(holder string) bool {
	parts := strings.Split(holder, "/")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false // this process is alive; its other workers hold their leases
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

// heartbeat extends this worker's lease on a batch.
func (s *Service) heartbeat(ctx context.Context, id string) error {
	res, err := s.DB.Exec(ctx, "UPDATE imports SET locked_until = ?, updated_at = ? WHERE id = ? AND locked_by = ?", db.T(s.Now().Add(s.lease())), db.T(s.Now()), id, s.worker)
	if err != nil {
		return fmt.Errorf("import lease: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLostLease
	}
	return nil
}

// process runs a claimed batch (an import or an undo) to its end and
// records how it ended.
func (s *Service) process(ctx context.Context, b *Batch, progress func(*Batch)) error {
	var err error
	if b.Status == StatusUndoing {
		err = s.undo(ctx, b, progress)
	} else {
		err = s.importBatch(ctx, b, progress)
	}
	return s.finish(ctx, b, err)
}

func (s *Service) importBatch(ctx context.Context, b *Batch, progress func(*Batch)) error {
	p, err := s.Principal(ctx, b.WorkspaceID, b.OwnerID)
	if err != nil {
		return fmt.Errorf("the import's owner cannot act any more: %w", err)
	}
	j, _, err := s.newJob(ctx, b, p)
	if err != nil {
		return err
	}
	j.progress = progress
	return j.run(ctx)
}

// finish records how a run ended: done, cancelled, failed (with the
// reason), or, when the process is stopping, released for the next one.
func (s *Service) finish(ctx context.Context, b *Batch, err error) error {
	bg := context.WithoutCancel(ctx)
	now := db.T(s.Now())
	switch {
	case errors.Is(err, errLostLease):
		return err
	case err != nil && ctx.Err() != nil:
		// Shutting down: let the next start (or another server) resume it.
		_, uerr := s.DB.Exec(bg, "UPDATE imports SET locked_by = '', locked_until = NULL, updated_at = ? WHERE id = ? AND locked_by = ?", now, b.ID, s.worker)
		return errors.Join(err, uerr)
	case errors.Is(err, errCancelled):
		_, err = s.DB.Exec(bg, "UPDATE imports SET status = ?, locked_by = '', locked_until = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND locked_by = ?", StatusCancelled, now, now, b.ID, s.worker)
		return err
	case err != nil:
		msg := err.Error()
		if e, ok := errs.As(err); ok {
			msg = e.Message
			for _, f := range e.Fields {
				msg += " " + strings.TrimPrefix(f.Location, "body.") + " " + f.Message + "."
			}
		} else {
			s.Log.Error("import failed", "import", b.ID, "err", err)
		}
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		_, uerr := s.DB.Exec(bg, "UPDATE imports SET status = ?, error = ?, locked_by = '', locked_until = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND locked_by = ?", StatusFailed, msg, now, now, b.ID, s.worker)
		return errors.Join(err, uerr)
	}
	status := StatusDone
	if b.Status == StatusUndoing {
		status = StatusUndone
	}
	if _, err := s.DB.Exec(bg, "UPDATE imports SET status = ?, locked_by = '', locked_until = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND locked_by = ?", status, now, now, b.ID, s.worker); err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	if status == StatusDone && !b.DryRun {
		// The file is not needed any more: the rows are in, and undo works
		// from history.
		removeFile(b)
	}
	return nil
}

// PurgeFiles deletes the uploaded files of batches that will not run
// again: finished, undone, or drafts and stopped imports left alone for
// longer than age. It returns how many it deleted.
func (s *Service) PurgeFiles(ctx context.Context, age time.Duration) (int, error) {
	s.init()
	rows, err := s.DB.Query(ctx, `SELECT id, file_path FROM imports WHERE uploaded = ? AND file_path <> '' AND updated_at < ?
AND status IN ('draft', 'done', 'failed', 'cancelled', 'undone')`, true, db.T(s.Now().Add(-age)))
	if err != nil {
		return 0, fmt.Errorf("purge import files: %w", err)
	}
	type gone struct{ id, path string }
	var files []gone
	for rows.Next() {
		var id any
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			rows.Close()
			return 0, err
		}
		files = append(files, gone{db.IDText(id), path})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, fmt.Errorf("purge import files: %w", err)
		}
		if _, err := s.DB.Exec(ctx, "UPDATE imports SET file_path = '' WHERE id = ?", f.id); err != nil {
			return n, fmt.Errorf("purge import files: %w", err)
		}
		n++
	}
	return n, nil
}
