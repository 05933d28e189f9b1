package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db"
)

func filesDir(cfg *config.Config) string {
	if cfg.FilesDir != "" {
		return cfg.FilesDir
	}
	return filepath.Join(cfg.DataDir, "files")
}

func backupCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup",
		Short: "Write the whole installation (database and files) to one archive, while the server runs",
		Long: `backup writes the database and the files directory (attachments,
uploaded import files) to one gzipped tar archive, as a consistent copy
taken while the server keeps serving and writing:

  SQLite      VACUUM INTO on a read snapshot (writers are not blocked),
              checked with PRAGMA integrity_check before it is archived
  PostgreSQL  pg_dump (custom format, one snapshot); the PostgreSQL client
              programs are looked for in /usr/lib/postgresql/*/bin, beside
              initdb, or in RAPPORT_PG_BIN

The database is copied first, then the files. rapport restore brings the
archive back into an empty data directory or an empty database of the
same kind. The archive holds password hashes, sessions and API tokens:
keep it as safe as the database itself.`,
		Example: `  rapport backup --out rapport-2026-01-31.tar.gz
  rapport backup --db postgres://rapport@db/rapport --files-dir /srv/rapport/files --out nightly.tar.gz
  rapport backup --out - | ssh backup-host 'cat > rapport.tar.gz'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if out == "" {
				return errors.New("--out is required (a file, or - for standard output)")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if cfg.DBURL == "" {
				if _, err := os.Stat(filepath.Join(cfg.DataDir, "rapport.db")); errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("no database to back up: %s holds no rapport.db (set --data or --db)", cfg.DataDir)
				}
			}
			// Opened without migrating: a backup copies the database as it is.
			d, err := db.Open(ctx, db.Options{URL: cfg.DBURL, DataDir: cfg.DataDir, MaxConns: 2})
			if err != nil {
				return err
			}
			defer d.Close()
			w := stdout
			if out != "-" {
				// A temporary file beside the target, renamed at the end: a
				// backup that fails leaves no file that looks whole.
				f, err := os.CreateTemp(filepath.Dir(out), ".backup-*.tar.gz")
				if err != nil {
					return fmt.Errorf("backup: %w", err)
				}
				defer func() {
					f.Close()
					if err != nil {
						os.Remove(f.Name())
					}
				}()
				w = f
				defer func() {
					if err != nil {
						return
					}
					if err = f.Sync(); err == nil {
						if err = f.Close(); err == nil {
							err = os.Rename(f.Name(), out)
						}
					}
				}()
			}
			m, err := backup.Backup(ctx, d, w, backup.Options{FilesDir: filesDir(cfg), Version: cfg.Version})
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "backed up %s (migration %d) and %d files (%d bytes)", d.Redacted(), m.Migration, m.Files, m.Bytes)
			if out != "-" {
				fmt.Fprintf(stderr, " to %s", out)
			}
			fmt.Fprintln(stderr)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "", "archive to write (- for standard output)")
	return c
}

func restoreCmd(cfg *config.Config, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup into an empty data directory or an empty PostgreSQL database",
		Long: `restore reads an archive rapport backup wrote (FILE, or - for standard
input) and restores the database and the files into the target --data
(SQLite) or --db (PostgreSQL) and --files-dir names.

The target must be empty — no rapport.db in the data directory, no table
in the PostgreSQL database, no file in the files directory — and restore
refuses anything else rather than mix two installations. A backup of
SQLite restores into SQLite and one of PostgreSQL into PostgreSQL; to move
between them, use export-workspace and import-workspace. The restored
SQLite database is checked with PRAGMA integrity_check; PostgreSQL is
restored in one transaction, so a failed restore leaves the database empty.
Stop the server before restoring, and start it on the restored data after.`,
		Example: `  rapport restore --data ./restored rapport-2026-01-31.tar.gz
  createdb rapport_restored && rapport restore --db postgres://rapport@db/rapport_restored --files-dir /srv/rapport/files nightly.tar.gz`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var r io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("restore: %w", err)
				}
				defer f.Close()
				r = f
			}
			m, err := backup.Restore(ctx, r, backup.Target{DataDir: cfg.DataDir, DBURL: cfg.DBURL, FilesDir: filesDir(cfg)})
			if err != nil {
				return err
			}
			target := filepath.Join(cfg.DataDir, "rapport.db")
			if cfg.DBURL != "" {
				d, err := db.Open(ctx, db.Options{URL: cfg.DBURL, MaxConns: 1})
				if err != nil {
					return err
				}
				target = d.Redacted()
				d.Close()
			}
			fmt.Fprintf(stderr, "restored a %s backup of %s (rapport %s, migration %d) into %s with %d files (%d bytes)\n",
				m.Dialect, m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.Version, m.Migration, target, m.Files, m.Bytes)
			return nil
		},
	}
}
