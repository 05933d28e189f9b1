// Package files keeps attachments: files on any record, stored in a
// directory (the data directory by default, a configurable one for
// PostgreSQL deployments), their type sniffed from the content, served
// only to users who can read the record.
package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// DefaultMaxSize is the largest attachment accepted unless configured.
const DefaultMaxSize = 25 << 20

// Service stores and serves attachments.
type Service struct {
	DB      *db.DB
	Records *records.Engine
	Dir     string
	MaxSize int64
	Now     func() time.Time
}

// Attachment describes one stored file.
type Attachment struct {
	ID          string    `json:"id"`
	Object      string    `json:"object"`
	RecordID    string    `json:"record_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by,omitempty"`
}

func (s *Service) path(ws, id string) string { return filepath.Join(s.Dir, ws, id) }

// List returns the attachments of a record the caller can read.
func (s *Service) List(ctx context.Context, p *auth.Principal, object, id string) ([]Attachment, error) {
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, object, record_id, name, content_type, size, sha256, created_at, created_by FROM attachments
WHERE workspace_id = ? AND object = ? AND record_id = ? AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 500`, p.WorkspaceID, object, id)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scan(sc scanner) (*Attachment, error) {
	var a Attachment
	var id, rec, by any
	var at db.Time
	if err := sc.Scan(&id, &a.Object, &rec, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &at, &by); err != nil {
		return nil, db.MapError(err)
	}
	a.ID, a.RecordID, a.CreatedBy, a.CreatedAt = text(id), text(rec), text(by), at.Time
	return &a, nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	}
	return ""
}

// cleanName keeps a file name safe to show and to send back in a
// Content-Disposition header.
func cleanName(name string) (string, string) {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "", "is required"
	}
	if !utf8.ValidString(name) {
		return "", "must be valid UTF-8"
	}
	if utf8.RuneCountInString(name) > 255 {
		return "", "must be at most 255 characters"
	}
	return name, ""
}

// Upload stores body as an attachment of a record the caller may
// change. The file is written to a temporary file, hashed and sized as
// it streams, and only then moved into place and recorded; a file over
// the limit leaves nothing behind.
func (s *Service) Upload(ctx context.Context, p *auth.Principal, object, id, name string, body io.Reader) (*Attachment, error) {
	if !p.Can(object, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", object)
	}
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return nil, err
	}
	name, msg := cleanName(name)
	if msg != "" {
		return nil, errs.Field("body.file", "file name "+msg)
	}
	dir := filepath.Join(s.Dir, p.WorkspaceID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("attachments dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 512)
	n, _ := io.ReadFull(body, head)
	head = head[:n]
	limit := s.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	size, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(io.MultiReader(strings.NewReader(string(head)), body), limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.E(errs.TooLarge, "The file is larger than %d bytes.", limit)
		}
		return nil, errs.E(errs.BadRequest, "The file could not be read.")
	}
	if size > limit {
		return nil, errs.E(errs.TooLarge, "The file is larger than %d bytes.", limit)
	}
	if size == 0 {
		return nil, errs.Field("body.file", "is empty")
	}
	ct := http.DetectContentType(head)
	if ct == "application/octet-stream" || strings.HasPrefix(ct, "text/plain") {
		// The content says little: trust a known extension.
		if byExt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); byExt != "" && !strings.HasPrefix(byExt, "text/html") {
			ct = byExt
		}
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	a := &Attachment{ID: records.NewID(), Object: object, RecordID: id, Name: name, ContentType: ct, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), CreatedAt: s.Now().UTC(), CreatedBy: p.UserID}
	if err := os.Rename(tmp.Name(), s.path(p.WorkspaceID, a.ID)); err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO attachments (id, workspace_id, object, record_id, name, content_type, size, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, p.WorkspaceID, object, id, a.Name, a.ContentType, a.Size, a.SHA256, db.T(a.CreatedAt), p.UserID); err != nil {
		os.Remove(s.path(p.WorkspaceID, a.ID))
		return nil, fmt.Errorf("attachment: %w", db.MapError(err))
	}
	return a, nil
}

// get loads an attachment and checks the caller can read its record.
func (s *Service) get(ctx context.Context, p *auth.Principal, id string) (*Attachment, error) {
	if len(id) != 36 {
		return nil, errs.ErrNotFound
	}
	a, err := scan(s.DB.QueryRow(ctx, `SELECT id, object, record_id, name, content_type, size, sha256, created_at, created_by FROM attachments
WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, p.WorkspaceID, id))
	if err != nil {
		return nil, err
	}
	if _, err := s.Records.Get(ctx, p, a.Object, a.RecordID, records.GetOptions{}); err != nil {
		if errs.Is(err, errs.Forbidden) {
			return nil, errs.ErrNotFound
		}
		return nil, err
	}
	return a, nil
}

// Open returns an attachment and its content for a caller who can read
// its record.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id string) (*Attachment, *os.File, error) {
	a, err := s.get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(s.path(p.WorkspaceID, a.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %s: %w", a.ID, err)
	}
	return a, f, nil
}

// Delete removes an attachment of a record the caller may change.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id string) error {
	a, err := s.get(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.Can(a.Object, auth.ActUpdate) {
		return errs.E(errs.Forbidden, "You may not change %s.", a.Object)
	}
	if _, err := s.DB.Exec(ctx, "DELETE FROM attachments WHERE workspace_id = ? AND id = ?", p.WorkspaceID, a.ID); err != nil {
		return fmt.Errorf("delete attachment: %w", err)
	}
	if err := os.Remove(s.path(p.WorkspaceID, a.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete attachment: %w", err)
	}
	return nil
}

// ForRecord returns every attachment of a record, oldest first, without
// a permission check: for callers that have checked the record (a
// personal-data export), and without the 500 limit of List.
func (s *Service) ForRecord(ctx context.Context, q db.Querier, ws, object, id string) ([]Attachment, error) {
	rows, err := q.Query(ctx, `SELECT id, object, record_id, name, content_type, size, sha256, created_at, created_by FROM attachments
WHERE workspace_id = ? AND object = ? AND record_id = ? AND deleted_at IS NULL ORDER BY created_at, id`, ws, object, id)
	if err != nil {
		return nil, fmt.Errorf("attachments of %s %s: %w", object, id, err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, db.MapError(rows.Err())
}

// OpenStored opens the stored content of attachment id of workspace ws,
// without a permission check (see ForRecord).
func (s *Service) OpenStored(ws, id string) (*os.File, error) {
	f, err := os.Open(s.path(ws, id))
	if err != nil {
		return nil, fmt.Errorf("open attachment %s: %w", id, err)
	}
	return f, nil
}

// DeleteForRecordTx deletes the attachment rows of a record inside the
// caller's transaction and returns their ids. The files stay until the
// caller, once the transaction has committed, passes the ids to
// RemoveStored: a rollback then loses nothing.
func (s *Service) DeleteForRecordTx(ctx context.Context, tx *db.Tx, ws, object, id string) ([]string, error) {
	rows, err := tx.Query(ctx, "SELECT id FROM attachments WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id)
	if err != nil {
		return nil, fmt.Errorf("delete attachments of %s %s: %w", object, id, err)
	}
	var ids []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("delete attachments of %s %s: %w", object, id, err)
		}
		ids = append(ids, text(v))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delete attachments of %s %s: %w", object, id, db.MapError(err))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM attachments WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id); err != nil {
		return nil, fmt.Errorf("delete attachments of %s %s: %w", object, id, db.MapError(err))
	}
	return ids, nil
}

// RemoveStored removes the stored files of attachments of workspace ws
// whose rows are gone. A file already missing is no error; the others
// are all tried, and the first failure returned.
func (s *Service) RemoveStored(ws string, ids []string) error {
	var first error
	for _, id := range ids {
		if err := os.Remove(s.path(ws, id)); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = fmt.Errorf("remove attachment %s: %w", id, err)
		}
	}
	return first
}
