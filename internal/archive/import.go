package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Import restores the workspace archived in r (size bytes, as from an
// *os.File) into an empty server: one that holds no workspace. It
// refuses an archive of another schema version, and one whose content
// disagrees with its manifest.
//
// Every row goes in through one transaction, tables in the order of
// their foreign keys, and the derived search tables are rebuilt in it
// (Options.Reindex); files are written to their places before it
// commits and removed again if anything fails, so an import either
// restores the whole workspace or leaves the server as it was. A
// process killed half-way leaves at most orphan files, which the next
// attempt overwrites.
//
// The archive may come from either dialect: values are converted to the
// types of this database's columns.
func Import(ctx context.Context, d *db.DB, r io.ReaderAt, size int64, opts Options) (*Manifest, error) {
	if opts.Reindex == nil {
		return nil, errors.New("archive: Options.Reindex is required")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, damaged(err, "The file is not a readable zip archive: it may be incomplete (a download cut short) or not a Rapport workspace archive.")
	}
	m, entries, err := readManifest(zr)
	if err != nil {
		return nil, err
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	// SQLite checks the foreign keys at commit: the tables go in in an
	// order that satisfies them anyway, and this spares the statement
	// journal of the large inserts.
	if err := tx.DeferForeignKeys(ctx); err != nil {
		return nil, err
	}
	v, err := tx.MigrationVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if v != m.SchemaVersion {
		return nil, versionError(m.SchemaVersion, v)
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM workspaces").Scan(&n); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if n > 0 {
		return nil, &errs.Error{Code: errs.Conflict, Err: ErrNotEmpty,
			Message: fmt.Sprintf("This server already holds %d workspace(s). A workspace archive is restored into an empty server only: start one on a new database (a new --data directory or an empty PostgreSQL database).", n)}
	}
	tables, err := d.Catalog(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	plans, err := plan(tables)
	if err != nil {
		return nil, err
	}
	byName := map[string]*tablePlan{}
	for _, p := range plans {
		byName[p.Name] = p
	}
	archived := map[string]*Table{}
	for i := range m.Tables {
		t := &m.Tables[i]
		p := byName[t.Name]
		if p == nil {
			return nil, damaged(nil, fmt.Sprintf("The archive holds table %s, which this server does not restore.", t.Name))
		}
		for _, c := range t.Columns {
			if _, ok := p.Column(c.Name); !ok {
				return nil, damaged(nil, fmt.Sprintf("The archive holds column %s.%s, which this server does not have.", t.Name, c.Name))
			}
		}
		if entries[t.File] == nil {
			return nil, damaged(nil, fmt.Sprintf("The archive lacks %s, which its manifest lists.", t.File))
		}
		archived[t.Name] = t
	}
	im := &importer{tx: tx, m: m, entries: entries, opts: opts}
	defer func() {
		if !im.committed {
			im.removeFiles()
		}
	}()
	// The tables are empty (the server holds no workspace): their
	// secondary indexes are built once the rows are in, one sort each,
	// rather than row by row in random order (a quarter faster in all).
	// Unique indexes stay: foreign keys may rest on them.
	var names []string
	for _, p := range plans {
		if archived[p.Name] != nil {
			names = append(names, p.Name)
		}
	}
	all, err := tx.SecondaryIndexes(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	var ixs []db.Index
	for _, ix := range all {
		if !strings.HasPrefix(strings.ToUpper(ix.Def), "CREATE UNIQUE") {
			ixs = append(ixs, ix)
		}
	}
	if err := tx.DropIndexes(ctx, ixs); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for _, p := range plans {
		if t := archived[p.Name]; t != nil {
			if err := im.table(ctx, p, t); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range plans {
		if t := archived[p.Name]; t != nil && len(p.later) > 0 {
			if err := im.laterColumns(ctx, p, t); err != nil {
				return nil, err
			}
		}
		if err := tx.SyncSequences(ctx, &p.Table); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	if err := tx.CreateIndexes(ctx, ixs); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := opts.Reindex(ctx, tx, m.Workspace.ID); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := im.attachments(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import: commit: %w", err)
	}
	im.committed = true
	return m, nil
}

// ReadManifest returns the manifest of the archive in r, checking that
// the file is a readable archive of a format this version reads.
func ReadManifest(r io.ReaderAt, size int64) (*Manifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, damaged(err, "The file is not a readable zip archive: it may be incomplete (a download cut short) or not a Rapport workspace archive.")
	}
	m, _, err := readManifest(zr)
	return m, err
}

func readManifest(zr *zip.Reader) (*Manifest, map[string]*zip.File, error) {
	entries := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	mf := entries[manifestName]
	if mf == nil {
		return nil, nil, damaged(nil, "The file is a zip archive but not a Rapport workspace archive: it has no manifest.json.")
	}
	rc, err := mf.Open()
	if err != nil {
		return nil, nil, damaged(err, "The archive's manifest cannot be read.")
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&m); err != nil {
		return nil, nil, damaged(err, "The archive's manifest cannot be read.")
	}
	if m.Format != Format {
		return nil, nil, damaged(nil, fmt.Sprintf("The file is not a Rapport workspace archive (its manifest says format %q).", m.Format))
	}
	if m.FormatVersion < 1 || m.FormatVersion > FormatVersion {
		return nil, nil, &errs.Error{Code: errs.Invalid, Err: ErrVersion,
			Message: fmt.Sprintf("The archive is of format version %d, which this Rapport does not read (it reads up to %d): upgrade Rapport.", m.FormatVersion, FormatVersion)}
	}
	if !validID(m.Workspace.ID) {
		return nil, nil, damaged(nil, "The archive's manifest names no valid workspace id.")
	}
	return &m, entries, nil
}

func versionError(archive, server int64) error {
	msg := fmt.Sprintf("The archive was written by a newer Rapport (database schema %d; this server is at %d): upgrade this server's Rapport, then import again.", archive, server)
	if archive < server {
		msg = fmt.Sprintf("The archive was written by an older Rapport (database schema %d; this server is at %d): import it with the Rapport version that wrote it, then upgrade, or export it again from an upgraded server.", archive, server)
	}
	return &errs.Error{Code: errs.Invalid, Message: msg, Err: ErrVersion}
}

func damaged(err error, msg string) error {
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrDamaged, err)
	} else {
		err = ErrDamaged
	}
	return &errs.Error{Code: errs.Invalid, Message: msg, Err: err}
}

func validID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == strings.ToLower(s)
}

// importer is the state of one import.
type importer struct {
	tx      *db.Tx
	m       *Manifest
	entries map[string]*zip.File
	opts    Options
	// written are the files put in place, removed again unless the
	// import commits.
	written   []string
	committed bool
}

func (im *importer) removeFiles() {
	for _, p := range im.written {
		os.Remove(p)
	}
}

// rowReader decodes the rows of one archived table.
type rowReader struct {
	t    *Table
	rc   io.ReadCloser
	dec  *json.Decoder
	line int64
}

func (im *importer) open(t *Table) (*rowReader, error) {
	rc, err := im.entries[t.File].Open()
	if err != nil {
		return nil, damaged(err, fmt.Sprintf("The archive's %s cannot be read.", t.File))
	}
	return &rowReader{t: t, rc: rc, dec: json.NewDecoder(rc)}, nil
}

// next returns the next row's values in the order of the table's
// columns, or io.EOF after the last row.
func (rr *rowReader) next() ([]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := rr.dec.Decode(&obj); err != nil {
		if errors.Is(err, io.EOF) {
			if rr.line != rr.t.Rows {
				return nil, damaged(nil, fmt.Sprintf("The archive's %s holds %d rows, its manifest says %d.", rr.t.File, rr.line, rr.t.Rows))
			}
			return nil, io.EOF
		}
		return nil, damaged(err, fmt.Sprintf("The archive's %s is damaged after row %d.", rr.t.File, rr.line))
	}
	rr.line++
	vals := make([]json.RawMessage, len(rr.t.Columns))
	for i, c := range rr.t.Columns {
		vals[i] = obj[c.Name]
		delete(obj, c.Name)
	}
	for k := range obj {
		return nil, damaged(nil, fmt.Sprintf("Row %d of the archive's %s has column %q, which its manifest does not list.", rr.line, rr.t.File, k))
	}
	return vals, nil
}

// table inserts the rows of one table, with multi-row statements.
func (im *importer) table(ctx context.Context, p *tablePlan, t *Table) error {
	rr, err := im.open(t)
	if err != nil {
		return err
	}
	defer rr.rc.Close()
	cols := make([]string, len(t.Columns))
	dst := make([]*db.Column, len(t.Columns))
	wsCol, idCol, pathCol, uploadedCol := -1, -1, -1, -1
	for i, c := range t.Columns {
		cols[i] = db.QuoteIdent(c.Name)
		dst[i], _ = p.Column(c.Name)
		switch c.Name {
		case workspaceIDColumn:
			wsCol = i
		case "id":
			idCol = i
		case "file_path":
			pathCol = i
		case "uploaded":
			uploadedCol = i
		}
	}
	if p.Name == workspacesTable {
		wsCol = idCol
	}
	later := map[int]bool{}
	for i, c := range t.Columns {
		for _, l := range p.later {
			if c.Name == l {
				later[i] = true
			}
		}
	}
	per := max(1, min(500, 30000/len(cols)))
	head := im.tx.BulkInsert() + db.QuoteIdent(p.Name) + " (" + strings.Join(cols, ", ") + ") VALUES "
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	args := make([]any, 0, per*len(cols))
	first := int64(1)
	flush := func(rows int) error {
		if rows == 0 {
			return nil
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
		exec := im.tx.Exec
		if rows == per {
			exec = im.tx.ExecPrepared
		}
		if _, err := exec(ctx, q, args...); err != nil {
			return fmt.Errorf("import %s, rows %d to %d: %w", p.Name, first, rr.line, err)
		}
		args, first = args[:0], rr.line+1
		return nil
	}
	pending := 0
	for {
		raw, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for i, rv := range raw {
			if later[i] {
				args = append(args, nil)
				continue
			}
			v, err := convert(rv, t.Columns[i].Kind, dst[i])
			if err != nil {
				return damaged(err, fmt.Sprintf("Row %d of the archive's %s has a bad value in %s.", rr.line, t.File, t.Columns[i].Name))
			}
			args = append(args, v)
		}
		vals := args[len(args)-len(cols):]
		if wsCol >= 0 && fmt.Sprint(vals[wsCol]) != im.m.Workspace.ID {
			return damaged(nil, fmt.Sprintf("Row %d of the archive's %s belongs to another workspace than its manifest names.", rr.line, t.File))
		}
		if p.Name == "imports" && pathCol >= 0 && idCol >= 0 && uploadedCol >= 0 {
			if vals[pathCol], err = im.importFile(vals[idCol], vals[uploadedCol], vals[pathCol]); err != nil {
				return err
			}
		}
		pending++
		if pending == per {
			if err := flush(pending); err != nil {
				return err
			}
			pending = 0
		}
	}
	return flush(pending)
}

// laterColumns fills in the columns that reference the table's own rows,
// now that every row is in: a second read of the table's file.
func (im *importer) laterColumns(ctx context.Context, p *tablePlan, t *Table) error {
	rr, err := im.open(t)
	if err != nil {
		return err
	}
	defer rr.rc.Close()
	pk := p.PrimaryKey()
	idx := map[string]int{}
	for i, c := range t.Columns {
		idx[c.Name] = i
	}
	var sets, conds []string
	var setCols, keyCols []int
	for _, c := range p.later {
		sets = append(sets, db.QuoteIdent(c)+" = ?")
		setCols = append(setCols, idx[c])
	}
	for _, c := range pk {
		i, ok := idx[c]
		if !ok {
			return damaged(nil, fmt.Sprintf("The archive's %s lacks the key column %s.", t.File, c))
		}
		conds = append(conds, db.QuoteIdent(c)+" = ?")
		keyCols = append(keyCols, i)
	}
	q := "UPDATE " + db.QuoteIdent(p.Name) + " SET " + strings.Join(sets, ", ") + " WHERE " + strings.Join(conds, " AND ")
	for {
		raw, err := rr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var args []any
		set := false
		for _, i := range setCols {
			col, _ := p.Column(t.Columns[i].Name)
			v, err := convert(raw[i], t.Columns[i].Kind, col)
			if err != nil {
				return damaged(err, fmt.Sprintf("Row %d of the archive's %s has a bad value in %s.", rr.line, t.File, t.Columns[i].Name))
			}
			set = set || v != nil
			args = append(args, v)
		}
		if !set {
			continue
		}
		for _, i := range keyCols {
			col, _ := p.Column(t.Columns[i].Name)
			v, err := convert(raw[i], t.Columns[i].Kind, col)
			if err != nil {
				return damaged(err, fmt.Sprintf("Row %d of the archive's %s has a bad value in %s.", rr.line, t.File, t.Columns[i].Name))
			}
			args = append(args, v)
		}
		if _, err := im.tx.ExecPrepared(ctx, q, args...); err != nil {
			return fmt.Errorf("import %s, row %d: %w", p.Name, rr.line, err)
		}
	}
}

// convert turns an archived value of kind src into a value for column
// dst of this database.
func convert(raw json.RawMessage, src db.Kind, dst *db.Column) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if src == db.KindBytes {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, err
			}
			if dst.Kind == db.KindBytes {
				return b, nil
			}
			return string(b), nil
		}
		switch dst.Kind {
		case db.KindBytes:
			return []byte(s), nil
		case db.KindInteger:
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		case db.KindBool:
			if b, err := strconv.ParseBool(s); err == nil {
				return b, nil
			}
		case db.KindUUID, db.KindTime, db.KindDate:
			// SQLite may hold an empty string where PostgreSQL needs
			// NULL: both mean none to the application.
			if s == "" && !dst.NotNull {
				return nil, nil
			}
		}
		return s, nil
	case 't', 'f':
		b := raw[0] == 't'
		if string(raw) != strconv.FormatBool(b) {
			return nil, fmt.Errorf("invalid value %s", raw)
		}
		if dst.Kind == db.KindInteger {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return b, nil
	case '{', '[':
		return nil, fmt.Errorf("unexpected JSON document (JSON columns are archived as strings)")
	}
	// A number.
	text := string(raw)
	switch dst.Kind {
	case db.KindText, db.KindJSON:
		return text, nil
	case db.KindBool:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, err
		}
		return f != 0, nil
	case db.KindReal:
		return strconv.ParseFloat(text, 64)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	return strconv.ParseFloat(text, 64)
}

// importFile puts an archived import's uploaded file in its place and
// returns the import's file path on this server: empty when the archive
// holds no file for it (purged before the export).
func (im *importer) importFile(id, uploaded, path any) (any, error) {
	if up, _ := uploaded.(bool); !up && uploaded != int64(1) {
		return path, nil // the command line's own file, named as it was
	}
	name, _ := id.(string)
	f := im.entries[importFilesDir+name]
	if f == nil || !validID(name) {
		return "", nil
	}
	dest := filepath.Join(im.opts.ImportFilesDir, im.m.Workspace.ID, name)
	if _, _, err := im.restore(f, dest); err != nil {
		return nil, err
	}
	return dest, nil
}

// attachments writes the content of every attachment of the workspace
// to its place, checking it against the size and SHA-256 its row holds.
func (im *importer) attachments(ctx context.Context) error {
	missing := map[string]bool{}
	for _, id := range im.m.Files.Missing {
		missing[id] = true
	}
	rows, err := im.tx.Query(ctx, "SELECT id, size, sha256 FROM attachments WHERE workspace_id = ?", im.m.Workspace.ID)
	if err != nil {
		return fmt.Errorf("import attachments: %w", err)
	}
	type att struct {
		id, sum string
		size    int64
	}
	var list []att
	for rows.Next() {
		var id any
		var a att
		if err := rows.Scan(&id, &a.size, &a.sum); err != nil {
			rows.Close()
			return fmt.Errorf("import attachments: %w", err)
		}
		a.id = db.IDText(id)
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import attachments: %w", err)
	}
	for _, a := range list {
		if missing[a.id] {
			continue
		}
		f := im.entries[attachmentsDir+a.id]
		if f == nil || !validID(a.id) {
			return damaged(nil, fmt.Sprintf("The archive lacks the file of attachment %s.", a.id))
		}
		n, sum, err := im.restore(f, filepath.Join(im.opts.FilesDir, im.m.Workspace.ID, a.id))
		if err != nil {
			return err
		}
		if n != a.size || sum != a.sum {
			return damaged(nil, fmt.Sprintf("The file of attachment %s differs from what its row says (%d bytes, SHA-256 %s; the file has %d bytes, %s).", a.id, a.size, a.sum, n, sum))
		}
	}
	return nil
}

// restore copies an archive entry to dest through a temporary file in
// the same directory, and returns its size and SHA-256.
func (im *importer) restore(f *zip.File, dest string) (int64, string, error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	rc, err := f.Open()
	if err != nil {
		return 0, "", damaged(err, fmt.Sprintf("The archive's %s cannot be read.", f.Name))
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(dir, ".restore-*")
	if err != nil {
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	src := &readErrs{r: rc}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		if src.err != nil {
			// A CRC mismatch, a corrupt deflate stream, an entry cut short.
			return 0, "", damaged(err, fmt.Sprintf("The archive's %s is damaged.", f.Name))
		}
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return 0, "", fmt.Errorf("import files: %w", err)
	}
	im.written = append(im.written, dest)
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// readErrs remembers the error of its reader, so that a copy's failure
// is told apart: the archive's (damage) or the disk's.
type readErrs struct {
	r   io.Reader
	err error
}

func (r *readErrs) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
