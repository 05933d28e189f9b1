package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Defaults of the service's settings.
const (
	DefaultMaxSize   = 1 << 30 // 1 GiB
	DefaultChunkSize = 2000
	DefaultLease     = 2 * time.Minute
	DefaultWorkers   = 2
)

// Service runs imports.
type Service struct {
	DB        *db.DB
	Records   *records.Engine
	Customers *customers.Service
	// Principal rebuilds a user's principal (their current role) for a
	// batch run in the background.
	Principal func(ctx context.Context, ws, userID string) (*auth.Principal, error)
	Log       *slog.Logger
	Now       func() time.Time
	// Dir is where uploaded files are kept, one directory per workspace.
	Dir string
	// MaxSize is the largest file an import takes (DefaultMaxSize when 0).
	MaxSize int64
	// ChunkSize is how many rows one transaction holds (DefaultChunkSize
	// when 0).
	ChunkSize int
	// Lease is how long a worker holds a batch without committing a chunk
	// before another may take it over (DefaultLease when 0).
	Lease time.Duration
	// Workers is how many batches run at once in this process
	// (DefaultWorkers when 0).
	Workers int
	// Labels translates field labels (for proposing mappings from
	// translated headers); nil leaves labels out.
	Labels func(lang, key string, args ...any) string

	once   sync.Once
	worker string
	wake   chan struct{}
	// rowHook, when set (by tests), is called before each row is
	// imported: a panic there stands for a process killed mid-chunk.
	rowHook func(row int64)
}

func (s *Service) init() {
	s.once.Do(func() {
		host, _ := os.Hostname()
		s.worker = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
		s.wake = make(chan struct{}, 1)
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
	})
}

func (s *Service) maxSize() int64 {
	if s.MaxSize > 0 {
		return s.MaxSize
	}
	return DefaultMaxSize
}

func (s *Service) chunkSize() int {
	if s.ChunkSize > 0 {
		return s.ChunkSize
	}
	return DefaultChunkSize
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

func (s *Service) notify() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func validUUID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// object checks that object exists and that the caller may import into
// it at all.
func (s *Service) object(p *auth.Principal, object string) (*records.Object, error) {
	o, err := s.Records.Object(object)
	if err != nil || o.Section == "settings" && object != "tags" {
		return nil, errs.Field("body.object", "names no object you can import into")
	}
	if !p.Can(o.Name, auth.ActCreate) && !p.Can(o.Name, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not create or change %s.", o.Name)
	}
	return o, nil
}

// visible reports whether the caller may see a batch: their own, or any
// of the workspace for an admin.
func visible(p *auth.Principal, b *Batch) bool { return p.IsAdmin || b.OwnerID == p.UserID }

// Get returns a batch the caller may see, with its rate and time left.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Batch, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	s.rate(b)
	return b, nil
}

// rate fills a batch's rows per second and time left from its current
// (or last) run.
func (s *Service) rate(b *Batch) {
	b.SecondsLeft = -1
	if b.runStarted.IsZero() {
		return
	}
	end := s.Now()
	if b.FinishedAt != nil && !b.Active() {
		end = *b.FinishedAt
	}
	el := end.Sub(b.runStarted).Seconds()
	n := b.Rows.Done - b.runRowsStart
	if b.Status == StatusUndoing {
		return
	}
	if el > 0 && n > 0 {
		b.RowsPerSecond = float64(n) / el
		if b.Rows.Total > 0 && b.Active() {
			b.SecondsLeft = float64(b.Rows.Total-b.Rows.Done) / b.RowsPerSecond
		}
	}
	if !b.Active() {
		b.SecondsLeft = 0
	}
}

// List returns the caller's batches (an admin's: the workspace's),
// newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal, limit int) ([]*Batch, error) {
	s.init()
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := "SELECT " + batchCols + " FROM imports WHERE workspace_id = ?"
	args := []any{p.WorkspaceID}
	if !p.IsAdmin {
		q += " AND owner_id = ?"
		args = append(args, p.UserID)
	}
	rows, err := s.DB.Query(ctx, q+fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	out := []*Batch{}
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		s.rate(b)
		out = append(out, b)
	}
	return out, db.MapError(rows.Err())
}

// Upload stores an uploaded file (streamed to disk, never held in
// memory, at most MaxSize bytes) and makes a draft batch of it for
// object. name is the file's name as the client gave it.
func (s *Service) Upload(ctx context.Context, p *auth.Principal, object, name string, r io.Reader) (*Batch, error) {
	s.init()
	o, err := s.object(p, object)
	if err != nil {
		return nil, err
	}
	name = cleanName(name)
	id := records.NewID()
	dir := filepath.Join(s.Dir, p.WorkspaceID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store import file: %w", err)
	}
	path := filepath.Join(dir, id)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store import file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, s.maxSize()+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(s.maxSize())
		}
		return nil, fmt.Errorf("store import file: %w", err)
	}
	if n > s.maxSize() {
		os.Remove(path)
		return nil, tooLarge(s.maxSize())
	}
	b, err := s.newBatch(ctx, p, o, id, name, path, n, true)
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return b, nil
}

func tooLarge(max int64) error {
	return &errs.Error{Code: errs.TooLarge, Message: fmt.Sprintf("The file is larger than the limit of %d MiB.", max>>20),
		Fields: []errs.FieldError{{Location: "body.file", Message: fmt.Sprintf("must be at most %d bytes", max)}}}
}

func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "upload"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

// newBatch sniffs the file and records a draft batch with the mapping
// proposed from its header.
func (s *Service) newBatch(ctx context.Context, p *auth.Principal, o *records.Object, id, name, path string, size int64, uploaded bool) (*Batch, error) {
	format, err := sniff(path, name)
	if err != nil {
		return nil, err
	}
	b := &Batch{ID: id, WorkspaceID: p.WorkspaceID, OwnerID: p.UserID, Object: o.Name, FileName: name, path: path, FileSize: size, uploaded: uploaded,
		Format: format, Mode: ModeCreate, DupPolicy: DupCreate, Status: StatusDraft, Mapping: []Column{}}
	if o.Name == "contacts" || o.Name == "accounts" {
		b.DupPolicy = DupSkip
	}
	// A contact's company that is not an account yet becomes one, unless
	// the import says otherwise: what moving from another system wants.
	b.CreateAccounts = o.Name == "contacts"
	if format == FormatVCard && o.Name != "contacts" {
		return nil, errs.Field("body.object", "a vCard file holds contacts; import it into contacts")
	}
	if format == FormatICal && o.Name != "activities" {
		return nil, errs.Field("body.object", "an iCalendar file holds meetings; import it into activities")
	}
	// Open it once: a file that cannot be read is refused now, and the
	// mapping is proposed from its header.
	src, info, err := openSource(b, filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	header := src.Header()
	_, err = src.Next()
	src.Close()
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF {
		return nil, fileError(dataio.ErrHeaderOnly)
	}
	b.Encoding, b.Delimiter, b.Sheet = info.Encoding, info.Delimiter, info.Sheet
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	b.Mapping = proposeMapping(o.Name, b.Format, header, targets(o.Name, fields), s.label)
	b.CreatedAt = s.Now()
	if err := s.insert(ctx, s.DB, b); err != nil {
		return nil, err
	}
	return s.load(ctx, s.DB, p.WorkspaceID, id)
}

func (s *Service) label(lang, key string) string {
	if s.Labels == nil {
		return ""
	}
	return s.Labels(lang, key)
}

// CreateFromPath makes a batch of a local file (the command line): the
// file stays where it is. The batch is claimed by this process at once
// (status running), so a server sharing the database does not take it.
func (s *Service) CreateFromPath(ctx context.Context, p *auth.Principal, object, path string, opts Options) (*Batch, error) {
	s.init()
	o, err := s.object(p, object)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Size() > s.maxSize() {
		return nil, tooLarge(s.maxSize())
	}
	b, err := s.newBatch(ctx, p, o, records.NewID(), filepath.Base(abs), abs, st.Size(), false)
	if err != nil {
		return nil, err
	}
	started, err := s.start(ctx, p, b, opts, true)
	if err != nil {
		s.DB.Exec(ctx, "DELETE FROM imports WHERE id = ? AND status = ?", b.ID, StatusDraft)
		return nil, err
	}
	return started, nil
}

// Start checks a draft batch's options (or a finished dry run's, to run
// it for real) and queues it for a worker.
func (s *Service) Start(ctx context.Context, p *auth.Principal, id string, opts Options) (*Batch, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	b, err = s.start(ctx, p, b, opts, false)
	if err != nil {
		return nil, err
	}
	s.notify()
	return b, nil
}

func (s *Service) start(ctx context.Context, p *auth.Principal, b *Batch, opts Options, claim bool) (*Batch, error) {
	switch {
	case b.Status == StatusDraft:
	case b.DryRun && (b.Status == StatusDone || b.Status == StatusFailed || b.Status == StatusCancelled):
		// A dry run's report is replaced by the next run's.
	default:
		return nil, errs.E(errs.Conflict, "This import has already run (status %s); upload the file again to import it again.", b.Status)
	}
	o, err := s.object(p, b.Object)
	if err != nil {
		return nil, err
	}
	if opts.Template != nil && *opts.Template != "" {
		t, err := s.findTemplate(ctx, p, b.Object, *opts.Template)
		if err != nil {
			return nil, err
		}
		t.applyTo(&opts)
	}
	fe := opts.apply(b, "body.")
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	if b.Key != "" && !hasKey(keyTargets(o.Name, fields), b.Key) {
		fe = append(fe, errs.FieldError{Location: "body.key", Message: "must be one of: " + strings.Join(keyTargets(o.Name, fields), ", ")})
	}
	if len(fe) == 0 {
		src, _, err := openSource(b, filepath.Dir(b.path))
		if err != nil {
			return nil, err
		}
		header := src.Header()
		src.Close()
		fe = append(fe, checkMapping(o.Name, b.Mapping, header, targets(o.Name, fields), b.Mode)...)
		if b.Key == "id" && !mapsTo(b.Mapping, TargetID) {
			fe = append(fe, errs.FieldError{Location: "body.key", Message: "is id, but no column is mapped to id"})
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	need := []auth.Action{auth.ActCreate}
	switch b.Mode {
	case ModeUpdate:
		need = []auth.Action{auth.ActUpdate}
	case ModeUpsert:
		need = append(need, auth.ActUpdate)
	}
	if b.DupPolicy == DupUpdate && b.Mode != ModeUpdate {
		need = append(need, auth.ActUpdate)
	}
	for _, a := range need {
		if !p.Can(o.Name, a) {
			return nil, errs.E(errs.Forbidden, "You may not %s %s.", a, o.Name)
		}
	}
	now := s.Now()
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := s.saveOptions(ctx, tx, b); err != nil {
		return nil, err
	}
	// A new run starts from the first row: a dry run's report and
	// counters go.
	if _, err := tx.Exec(ctx, "DELETE FROM import_issues WHERE import_id = ?", b.ID); err != nil {
		return nil, fmt.Errorf("start import: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM import_records WHERE import_id = ?", b.ID); err != nil {
		return nil, fmt.Errorf("start import: %w", err)
	}
	status, lockedBy, lockedUntil, runStarted := StatusQueued, "", any(nil), any(nil)
	if claim {
		status, lockedBy, lockedUntil, runStarted = StatusRunning, s.worker, db.T(now.Add(s.lease())), db.T(now)
	}
	_, err = tx.Exec(ctx, `UPDATE imports SET status = ?, error = '', rows_total = 0, rows_done = 0, rows_created = 0, rows_updated = 0, rows_unchanged = 0,
rows_skipped = 0, rows_rejected = 0, duplicates = 0, accounts_created = 0, tags_created = 0, checkpoint = 0, cancel_requested = ?, locked_by = ?,
locked_until = ?, run_started_at = ?, run_rows_start = 0, started_at = ?, finished_at = NULL, updated_at = ? WHERE id = ?`,
		status, false, lockedBy, lockedUntil, runStarted, db.T(now), db.T(now), b.ID)
	if err != nil {
		return nil, fmt.Errorf("start import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("start import: %w", err)
	}
	return s.load(ctx, s.DB, b.WorkspaceID, b.ID)
}

func mapsTo(m []Column, target string) bool {
	for _, c := range m {
		if c.Field == target {
			return true
		}
	}
	return false
}

// Cancel stops a batch: a draft or queued one at once, a running one
// after the chunk in hand (what was committed stays, and can be undone).
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id string) (*Batch, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	now := db.T(s.Now())
	switch b.Status {
	case StatusDraft, StatusQueued:
		_, err = s.DB.Exec(ctx, "UPDATE imports SET status = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = ?", StatusCancelled, now, now, b.ID, b.Status)
	case StatusRunning:
		_, err = s.DB.Exec(ctx, "UPDATE imports SET cancel_requested = ?, updated_at = ? WHERE id = ?", true, now, b.ID)
	default:
		return nil, errs.E(errs.Conflict, "This import is %s; only a draft, queued or running import can be cancelled.", b.Status)
	}
	if err != nil {
		return nil, fmt.Errorf("cancel import: %w", err)
	}
	return s.Get(ctx, p, id)
}

// Undo queues the undo of a whole import: what it created goes to the
// trash, what it changed is restored from history.
func (s *Service) Undo(ctx context.Context, p *auth.Principal, id string) (*Batch, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	if !b.Undoable() {
		return nil, errs.E(errs.Conflict, "Only a finished, cancelled or failed import that wrote records can be undone (this one is %s%s).", b.Status, map[bool]string{true: ", a dry run"}[b.DryRun])
	}
	if !p.Can(b.Object, auth.ActDelete) {
		return nil, errs.E(errs.Forbidden, "You may not delete %s, which undo needs.", b.Object)
	}
	now := db.T(s.Now())
	res, err := s.DB.Exec(ctx, "UPDATE imports SET status = ?, undo_by = ?, undo_checkpoint = 0, locked_by = '', locked_until = NULL, run_started_at = ?, finished_at = NULL, updated_at = ? WHERE id = ? AND status = ?",
		StatusUndoing, p.UserID, now, now, b.ID, b.Status)
	if err != nil {
		return nil, fmt.Errorf("undo import: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errs.E(errs.Conflict, "The import changed meanwhile; try again.")
	}
	s.notify()
	return s.Get(ctx, p, id)
}

// Issues returns a page of a batch's report, in row order; kind, when
// set, keeps one kind.
func (s *Service) Issues(ctx context.Context, p *auth.Principal, id, kind string, limit int) ([]Issue, error) {
	b, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []Issue
	err = s.issues(ctx, b.ID, kind, limit, func(is Issue) error {
		out = append(out, is)
		return nil
	})
	if out == nil {
		out = []Issue{}
	}
	return out, err
}

func (s *Service) issues(ctx context.Context, id, kind string, limit int, fn func(Issue) error) error {
	q := "SELECT row_num, line, kind, column_name, value, reason, record_id FROM import_issues WHERE import_id = ?"
	args := []any{id}
	if kind != "" {
		q += " AND kind = ?"
		args = append(args, kind)
	}
	q += " ORDER BY row_num, id"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("import report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var is Issue
		if err := rows.Scan(&is.Row, &is.Line, &is.Kind, &is.Column, &is.Value, &is.Reason, &is.RecordID); err != nil {
			return fmt.Errorf("import report: %w", err)
		}
		if err := fn(is); err != nil {
			return err
		}
	}
	return db.MapError(rows.Err())
}

// WouldUpdate is a record a dry run would update, and the row.
type WouldUpdate struct {
	Row      int64  `json:"row"`
	RecordID string `json:"record_id"`
	Object   string `json:"object"`
}

// Touched returns the records a batch created or updated (action
// "created", "updated"), or a dry run would update ("would_update").
func (s *Service) Touched(ctx context.Context, p *auth.Principal, id, action string, limit int) ([]WouldUpdate, error) {
	b, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.DB.Query(ctx, fmt.Sprintf("SELECT row_num, object, record_id FROM import_records WHERE import_id = ? AND action = ? ORDER BY row_num LIMIT %d", limit), b.ID, action)
	if err != nil {
		return nil, fmt.Errorf("import records: %w", err)
	}
	defer rows.Close()
	out := []WouldUpdate{}
	for rows.Next() {
		var w WouldUpdate
		var rid any
		if err := rows.Scan(&w.Row, &w.Object, &rid); err != nil {
			return nil, fmt.Errorf("import records: %w", err)
		}
		w.RecordID = db.IDText(rid)
		out = append(out, w)
	}
	return out, db.MapError(rows.Err())
}

// removeFile deletes an uploaded file (never a file the command line
// imported in place).
func removeFile(b *Batch) {
	if b.uploaded && b.path != "" {
		os.Remove(b.path)
	}
}
