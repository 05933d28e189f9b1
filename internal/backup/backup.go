// Package backup writes a whole Rapport installation — the database and
// the files directory (attachments, uploaded import files) — to one
// archive while the server keeps running, and restores such an archive
// into an empty data directory or an empty PostgreSQL database.
//
// The database is copied first, as one consistent snapshot: on SQLite
// with VACUUM INTO (a read transaction, which WAL lets run beside the
// writer without blocking it), on PostgreSQL with pg_dump (one
// repeatable-read snapshot). The files directory is copied after it.
// Attachments are written to disk before their row is committed and
// their row is removed before their file, so every file the database
// snapshot names is on disk when the directory is copied; a file uploaded
// after the snapshot may be in the archive without its row, which is
// harmless.
//
// Unlike export-workspace (one workspace, portable between SQLite and
// PostgreSQL), a backup is the whole installation, on the same kind of
// database it came from.
package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
)

// Format is the archive format this package writes and reads.
const Format = 1

// Names inside the archive.
const (
	manifestName = "manifest.json"
	sqliteName   = "database/rapport.db"
	pgName       = "database/postgres.dump"
	filesPrefix  = "files/"
)

// Manifest describes an archive; it is its first entry.
type Manifest struct {
	Format    int       `json:"format"`
	Dialect   string    `json:"dialect"`
	Version   string    `json:"version"`   // the rapport version that wrote it
	Migration int64     `json:"migration"` // newest migration applied to the database
	CreatedAt time.Time `json:"created_at"`
	// Files and Bytes count the files-directory entries (filled after a
	// backup or a restore; the manifest in the archive, written before
	// the files are read, leaves them zero).
	Files int64 `json:"files,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
}

// Options configures a backup.
type Options struct {
	// FilesDir is the files directory (attachments, imports); skipped
	// when empty or missing.
	FilesDir string
	// Version is written to the manifest.
	Version string
	// Now stamps the manifest; time.Now when nil.
	Now func() time.Time
	// TempDir holds the SQLite copy while it is archived; the database's
	// own directory when empty (VACUUM INTO needs room for a whole copy,
	// and the database's disk is the one sized for it).
	TempDir string
}

// Backup writes the database d and the files directory to w as a gzipped
// tar archive and returns its manifest.
func Backup(ctx context.Context, d *db.DB, w io.Writer, opts Options) (*Manifest, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	mig, err := d.MigrationVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m := &Manifest{Format: Format, Dialect: string(d.Dialect), Version: opts.Version, Migration: mig, CreatedAt: now().UTC()}
	bw := bufio.NewWriterSize(w, 1<<20)
	gz, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := writeEntry(tw, manifestName, int64(len(mj)), m.CreatedAt, strings.NewReader(string(mj))); err != nil {
		return nil, err
	}
	switch d.Dialect {
	case db.SQLite:
		err = backupSQLite(ctx, d, tw, opts.TempDir, m.CreatedAt)
	case db.Postgres:
		err = backupPostgres(ctx, d, tw, m.CreatedAt)
	default:
		err = fmt.Errorf("unknown dialect %q", d.Dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if opts.FilesDir != "" {
		if m.Files, m.Bytes, err = backupFiles(ctx, tw, opts.FilesDir); err != nil {
			return nil, fmt.Errorf("backup files: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

func writeEntry(tw *tar.Writer, name string, size int64, mod time.Time, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: size, ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	return nil
}

// backupSQLite copies the database with VACUUM INTO on a connection of
// its own (the server's readers are query_only), checks the copy's
// integrity and archives it.
func backupSQLite(ctx context.Context, d *db.DB, tw *tar.Writer, tmpDir string, mod time.Time) error {
	if tmpDir == "" {
		tmpDir = filepath.Dir(d.Path)
	}
	dir, err := os.MkdirTemp(tmpDir, ".backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	copyPath := filepath.Join(dir, "rapport.db")
	src, err := sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", copyPath); err != nil {
		return fmt.Errorf("vacuum into: %w", err)
	}
	if err := CheckSQLite(ctx, copyPath); err != nil {
		return err
	}
	f, err := os.Open(copyPath)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return writeEntry(tw, sqliteName, st.Size(), mod, f)
}

// CheckSQLite runs SQLite's integrity check and foreign-key check on the
// database file at path.
func CheckSQLite(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("integrity check: %w", err)
		}
		msgs = append(msgs, s)
	}
	rows.Close()
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(msgs, "; "))
	}
	fk, err := c.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer fk.Close()
	if fk.Next() {
		return fmt.Errorf("foreign key check of %s failed: a row refers to a missing row", path)
	}
	return fk.Err()
}

// backupPostgres streams pg_dump's custom format into a temporary file
// (a tar entry needs its size up front) and archives it.
func backupPostgres(ctx context.Context, d *db.DB, tw *tar.Writer, mod time.Time) error {
	bin, err := PGBin("pg_dump")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "rapport-pgdump-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	conn, env, err := pgConn(d.URL)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges", "--dbname", conn)
	cmd.Env = env
	cmd.Stdout = f
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return writeEntry(tw, pgName, st.Size(), mod, f)
}

// backupFiles archives every regular file under dir except uploads in
// progress (.upload-* temporaries).
func backupFiles(ctx context.Context, tw *tar.Writer, dir string) (n, total int64, err error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	var paths []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return n, total, err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return n, total, err
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the walk: its row was removed first
		}
		if err != nil {
			return n, total, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return n, total, err
		}
		// Files are written whole and renamed into place, never changed:
		// the size read now is the size copied.
		err = writeEntry(tw, filesPrefix+filepath.ToSlash(rel), st.Size(), st.ModTime(), io.LimitReader(f, st.Size()))
		f.Close()
		if err != nil {
			return n, total, err
		}
		n++
		total += st.Size()
	}
	return n, total, nil
}

// Target is where Restore writes: DataDir for SQLite (rapport.db goes
// there), or a PostgreSQL URL; and the files directory.
type Target struct {
	DataDir  string
	DBURL    string
	FilesDir string
}

// ErrNotEmpty is returned (wrapped) when the restore target already holds
// data.
var ErrNotEmpty = errors.New("restore target is not empty")

// Restore reads an archive Backup wrote and restores it into t, which
// must be empty: on SQLite no rapport.db in DataDir, on PostgreSQL no
// table in the database's schema, and no file in FilesDir. It checks the
// restored database's integrity. A failed restore leaves the target as
// empty as it found it.
func Restore(ctx context.Context, r io.Reader, t Target) (m *Manifest, err error) {
	if err := checkEmptyDir(t.FilesDir, "files directory"); err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("restore: not a rapport backup (gzip: %w)", err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName {
		return nil, errors.New("restore: not a rapport backup (no manifest.json first)")
	}
	m = &Manifest{}
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(m); err != nil {
		return nil, fmt.Errorf("restore: manifest: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("restore: archive format %d, this rapport reads format %d", m.Format, Format)
	}
	want := db.SQLite
	if t.DBURL != "" {
		want = db.Postgres
	}
	if db.Dialect(m.Dialect) != want {
		return nil, fmt.Errorf("restore: the backup is of a %s database and the target is %s; move data between databases with export-workspace and import-workspace", m.Dialect, want)
	}
	var (
		finish  func() error // makes the database visible once all is read
		cleanup []func()
	)
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()
	if want == db.SQLite {
		final := filepath.Join(t.DataDir, "rapport.db")
		if err := checkNoSQLite(t.DataDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(t.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		tmp := filepath.Join(t.DataDir, ".restore-rapport.db")
		cleanup = append(cleanup, func() { os.Remove(tmp) })
		finish = func() error {
			if err := CheckSQLite(ctx, tmp); err != nil {
				return err
			}
			return os.Rename(tmp, final)
		}
		h, err = tr.Next()
		if err != nil || h.Name != sqliteName {
			return nil, errors.New("restore: the archive holds no SQLite database after its manifest")
		}
		if err := writeFile(tmp, tr); err != nil {
			return nil, fmt.Errorf("restore database: %w", err)
		}
	} else {
		if err := checkEmptyPostgres(ctx, t.DBURL); err != nil {
			return nil, err
		}
		h, err = tr.Next()
		if err != nil || h.Name != pgName {
			return nil, errors.New("restore: the archive holds no PostgreSQL dump after its manifest")
		}
		if err := pgRestore(ctx, t.DBURL, tr); err != nil {
			return nil, err
		}
		// pg_restore ran in one transaction: it either restored all, or
		// nothing. Once it has, a later failure (of the files) empties the
		// database again so the restore can be retried.
		cleanup = append(cleanup, func() { _ = dropSchema(context.WithoutCancel(ctx), t.DBURL) })
		finish = func() error { return nil }
	}
	if t.FilesDir != "" {
		cleanup = append(cleanup, func() { clearDir(t.FilesDir) })
	}
	for {
		h, err = tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("restore: archive: %w", err)
		}
		rel, ok := strings.CutPrefix(h.Name, filesPrefix)
		if !ok || h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("restore: unexpected archive entry %q", h.Name)
		}
		if t.FilesDir == "" {
			return nil, errors.New("restore: the archive holds files and no files directory was given")
		}
		clean := filepath.Clean(filepath.FromSlash(rel))
		if clean == "." || filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("restore: unsafe file name %q in the archive", h.Name)
		}
		p := filepath.Join(t.FilesDir, clean)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return nil, fmt.Errorf("restore files: %w", err)
		}
		if err := writeFile(p, tr); err != nil {
			return nil, fmt.Errorf("restore files: %w", err)
		}
		m.Files++
		m.Bytes += h.Size
	}
	if err := finish(); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

func writeFile(p string, r io.Reader) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func checkEmptyDir(dir, what string) error {
	if dir == "" {
		return nil
	}
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: %s %s: %w", what, dir, err)
	}
	if len(es) > 0 {
		return fmt.Errorf("%w: the %s %s holds %d entries; restore into an empty one (move it aside first)", ErrNotEmpty, what, dir, len(es))
	}
	return nil
}

// checkNoSQLite refuses a data directory that already holds a database
// (or anything but an empty files directory).
func checkNoSQLite(dir string) error {
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: data directory %s: %w", dir, err)
	}
	for _, e := range es {
		if e.IsDir() && e.Name() == "files" {
			continue // checked on its own
		}
		return fmt.Errorf("%w: the data directory %s already holds %s; restore into an empty directory (move it aside first)", ErrNotEmpty, dir, e.Name())
	}
	return nil
}

func clearDir(dir string) {
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func checkEmptyPostgres(ctx context.Context, u string) error {
	c, err := sql.Open("pgx", u)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		return fmt.Errorf("restore: connect to the target database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: the target database already holds %d tables; restore into an empty database (createdb a new one)", ErrNotEmpty, n)
	}
	return nil
}

func dropSchema(ctx context.Context, u string) error {
	c, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var s string
		if rows.Scan(&s) == nil {
			names = append(names, db.QuoteIdent(s))
		}
	}
	rows.Close()
	if len(names) == 0 {
		return nil
	}
	_, err = c.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(names, ", ")+" CASCADE")
	return err
}

func pgRestore(ctx context.Context, u string, r io.Reader) error {
	bin, err := PGBin("pg_restore")
	if err != nil {
		return err
	}
	conn, env, err := pgConn(u)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname", conn)
	cmd.Env = env
	cmd.Stdin = r
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}

// pgConn returns the URL without its password, and an environment that
// passes the password in PGPASSWORD instead, so it never shows in the
// process list.
func pgConn(raw string) (string, []string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, errors.New("the PostgreSQL URL does not parse")
	}
	env := os.Environ()
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	return u.String(), env, nil
}

// PGBin finds a PostgreSQL client program: in RAPPORT_PG_BIN when set,
// else in the newest /usr/lib/postgresql/*/bin (Debian), else beside
// initdb or pg_ctl on PATH, else on PATH. pg_dump must be at least the
// server's version, so the newest wins; Debian's /usr/bin/pg_dump is a
// wrapper that may pick another version, so it comes last.
func PGBin(name string) (string, error) {
	if dir := os.Getenv("RAPPORT_PG_BIN"); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s not in RAPPORT_PG_BIN=%s", name, dir)
		}
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	best, bestVersion := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestVersion {
			best, bestVersion = m, v
		}
	}
	if best != "" {
		return best, nil
	}
	for _, beside := range []string{"initdb", "pg_ctl"} {
		if p, err := exec.LookPath(beside); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				c := filepath.Join(filepath.Dir(real), name)
				if _, err := os.Stat(c); err == nil {
					return c, nil
				}
			}
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found (install the PostgreSQL client, or set RAPPORT_PG_BIN to its bin directory)", name)
}
