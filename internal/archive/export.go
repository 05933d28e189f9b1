package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Export writes workspace workspaceID to w as a zip archive: every row
// of its tables as one consistent snapshot (a read transaction that
// writes going on meanwhile do not disturb), then its files, then the
// manifest. Memory stays constant whatever the workspace's size: rows
// and files stream from the database and the disk into w.
//
// Password hashes (argon2id, with their parameters) and two-factor
// secrets travel, so users sign in on the new server as before; the
// archive must therefore be kept as carefully as the database itself.
// Sessions and API tokens do not travel (see Excluded).
//
// When Export fails half-way, what reached w is not a readable archive
// (a zip's directory is written last), so it cannot be mistaken for one.
func Export(ctx context.Context, d *db.DB, workspaceID string, w io.Writer, opts Options) (*Manifest, error) {
	tx, err := d.BeginSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	m := &Manifest{Format: Format, FormatVersion: FormatVersion, Dialect: string(d.Dialect), RapportVersion: opts.Version,
		CreatedAt: opts.now().UTC().Truncate(time.Second), Excluded: Excluded}
	if m.SchemaVersion, err = tx.MigrationVersion(ctx); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m.Workspace.ID = workspaceID
	if err := tx.QueryRow(ctx, "SELECT name FROM workspaces WHERE id = ?", workspaceID).Scan(&m.Workspace.Name); err != nil {
		if errs.Is(db.MapError(err), errs.NotFound) {
			return nil, errs.E(errs.NotFound, "There is no workspace %s.", workspaceID)
		}
		return nil, fmt.Errorf("export: workspace: %w", err)
	}
	tables, err := d.Catalog(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	plans, err := plan(tables)
	if err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	for _, p := range plans {
		t, err := exportTable(ctx, tx, zw, p, workspaceID, m.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", p.Name, err)
		}
		m.Tables = append(m.Tables, *t)
	}
	if err := exportFiles(ctx, tx, zw, m, opts); err != nil {
		return nil, err
	}
	mw, err := zw.CreateHeader(&zip.FileHeader{Name: manifestName, Method: zip.Deflate, Modified: m.CreatedAt})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("export: manifest: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

// exportTable writes one table's rows of the workspace as JSON Lines.
func exportTable(ctx context.Context, tx *db.Tx, zw *zip.Writer, p *tablePlan, ws string, at time.Time) (*Table, error) {
	t := &Table{Name: p.Name, File: tablesDir + p.Name + ".jsonl"}
	cols := make([]string, len(p.Columns))
	keys := make([][]byte, len(p.Columns))
	for i, c := range p.Columns {
		cols[i] = db.QuoteIdent(c.Name)
		t.Columns = append(t.Columns, Column{Name: c.Name, Kind: c.Kind})
		k := appendString(nil, c.Name)
		keys[i] = append(k, ':')
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: t.File, Method: zip.Deflate, Modified: at})
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+db.QuoteIdent(p.Name)+" WHERE "+p.scope, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var line []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		line = append(line[:0], '{')
		for i, c := range p.Columns {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, keys[i]...)
			if line, err = appendValue(line, c, vals[i]); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
		line = append(line, '}', '\n')
		if _, err := fw.Write(line); err != nil {
			return nil, err
		}
		t.Rows++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// appendValue appends v, a value scanned from column c, as JSON.
func appendValue(b []byte, c db.Column, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v cannot be written as JSON", x)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case time.Time:
		if c.Kind == db.KindDate {
			return appendString(b, x.Format(time.DateOnly)), nil
		}
		return appendString(b, db.T(x)), nil
	case [16]byte:
		return appendString(b, uuid.UUID(x).String()), nil
	case string:
		return appendText(b, c, []byte(x))
	case []byte:
		if c.Kind == db.KindBytes {
			return appendString(b, base64.StdEncoding.EncodeToString(x)), nil
		}
		return appendText(b, c, x)
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// appendText appends text as a JSON string; the text of a JSON column is
// compacted first (PostgreSQL writes jsonb with spaces).
func appendText(b []byte, c db.Column, text []byte) ([]byte, error) {
	if c.Kind == db.KindJSON {
		var buf bytes.Buffer
		if err := json.Compact(&buf, text); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		text = buf.Bytes()
	}
	return appendString(b, string(text)), nil
}

// appendString appends s as a JSON string, without the HTML escaping of
// encoding/json (the archive is not a web page); invalid UTF-8 becomes
// U+FFFD as encoding/json would make it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// stored are content types already compressed, stored without deflate.
var stored = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "application/zip": true,
	"application/gzip": true, "application/x-gzip": true, "application/pdf": true, "video/mp4": true, "audio/mpeg": true}

// exportFiles writes the attachments of the workspace and its uploaded
// import files still on disk.
func exportFiles(ctx context.Context, tx *db.Tx, zw *zip.Writer, m *Manifest, opts Options) error {
	ws := m.Workspace.ID
	rows, err := tx.Query(ctx, "SELECT id, content_type FROM attachments WHERE workspace_id = ? ORDER BY id", ws)
	if err != nil {
		return fmt.Errorf("export attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id any
		var ct string
		if err := rows.Scan(&id, &ct); err != nil {
			return fmt.Errorf("export attachments: %w", err)
		}
		name := db.IDText(id)
		method := zip.Deflate
		if stored[ct] {
			method = zip.Store
		}
		n, err := addFile(zw, filepath.Join(opts.FilesDir, ws, name), attachmentsDir+name, method, m.CreatedAt)
		if errors.Is(err, fs.ErrNotExist) {
			// Lost before the export (or deleted since its snapshot): the
			// row travels, and the manifest says its content did not.
			m.Files.Missing = append(m.Files.Missing, name)
			continue
		}
		if err != nil {
			return fmt.Errorf("export attachment %s: %w", name, err)
		}
		m.Files.Attachments++
		m.Files.Bytes += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export attachments: %w", err)
	}
	rows.Close()
	// An upload's file is kept while its import may still run (a draft,
	// a dry run, a stopped import); a file the command line imported is
	// the user's own and stays where it is.
	rows, err = tx.Query(ctx, "SELECT id, file_path FROM imports WHERE workspace_id = ? AND uploaded = ? AND file_path <> '' ORDER BY id", ws, true)
	if err != nil {
		return fmt.Errorf("export import files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id any
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			return fmt.Errorf("export import files: %w", err)
		}
		name := db.IDText(id)
		n, err := addFile(zw, path, importFilesDir+name, zip.Deflate, m.CreatedAt)
		if errors.Is(err, fs.ErrNotExist) {
			continue // purged: the import then has no file on either side
		}
		if err != nil {
			return fmt.Errorf("export import file %s: %w", name, err)
		}
		m.Files.ImportFiles++
		m.Files.Bytes += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export import files: %w", err)
	}
	return nil
}

// addFile copies the file at path into the archive as name. It opens the
// file before it adds the entry, so a missing file adds nothing.
func addFile(zw *zip.Writer, path, name string, method uint16, at time.Time) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: at})
	if err != nil {
		return 0, err
	}
	return io.Copy(w, f)
}
