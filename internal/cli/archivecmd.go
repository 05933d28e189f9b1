package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/archive"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/server"
)

func exportWorkspaceCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var wsName, out string
	c := &cobra.Command{
		Use:   "export-workspace",
		Short: "Write a whole workspace (records, history, users, settings, files) to one archive",
		Long: `export-workspace writes every row of a workspace (accounts, contacts,
activities, tags, custom fields and their values, field history, users
with their password hashes, roles, teams, saved views, notifications,
imports) and every attached file to one zip archive, as one consistent
snapshot taken while the server keeps running.

rapport import-workspace reads the archive back into an empty server, on
SQLite or PostgreSQL: the way to move a workspace between machines or from
SQLite to PostgreSQL. Sessions and API tokens are not in it.

The archive holds password hashes and two-factor secrets: keep it as
safe as the database itself.`,
		Example: `  rapport export-workspace --out acme.zip
  rapport export-workspace --workspace "Acme" > acme.zip
  rapport export-workspace --data ./rapport-data --out acme.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, d, err := openServer(ctx, cfg, stderr)
			if err != nil {
				return err
			}
			defer d.Close()
			ws, err := pickWorkspace(ctx, s.Auth, wsName)
			if err != nil {
				return err
			}
			w := stdout
			if out != "" && out != "-" {
				// A temporary file beside the target, renamed at the end:
				// an export that fails leaves no file that looks whole.
				var f *os.File
				if f, err = os.CreateTemp(filepath.Dir(out), ".export-*.zip"); err != nil {
					return fmt.Errorf("export: %w", err)
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
			m, err := archive.Export(ctx, d, ws.ID, w, s.ArchiveOptions())
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(stderr, "exported "+describeManifest(m))
			if len(m.Files.Missing) > 0 {
				fmt.Fprintf(stderr, "warning: %d attachment files were not on disk and are not in the archive (their records are): %v\n", len(m.Files.Missing), m.Files.Missing)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&wsName, "workspace", "", "the workspace's name (needed when there are several)")
	f.StringVarP(&out, "out", "o", "", "write the archive to this file (default: standard output)")
	return c
}

func importWorkspaceCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "import-workspace FILE",
		Short: "Restore a workspace archive (from export-workspace) into an empty server",
		Long: `import-workspace restores an archive written by export-workspace (or
downloaded from Settings → Workspace) into this server's database and
files directory, which must hold no workspace yet. The archive may come
from SQLite or PostgreSQL, whichever this server uses.

Everything goes in in one transaction, then the search index is rebuilt:
the import restores the whole workspace or nothing. Users sign in with
their old passwords; API tokens must be made again.

The archive must come from the same Rapport schema version as this
server. FILE may be - for standard input.`,
		Example: `  rapport import-workspace acme.zip --data ./new-data
  rapport import-workspace acme.zip --db postgres://rapport@localhost/rapport`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			f, size, cleanup, err := openArchive(args[0])
			if err != nil {
				return err
			}
			defer cleanup()
			// Refuse a file that is no archive before touching the
			// database.
			if _, err := archive.ReadManifest(f, size); err != nil {
				return describe(err)
			}
			d, err := openDB(ctx, cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			s, err := server.New(*cfg, d, log, nil)
			if err != nil {
				return err
			}
			m, err := archive.Import(ctx, d, f, size, s.ArchiveOptions())
			if err != nil {
				return describe(err)
			}
			// Fresh statistics for the query planner after a bulk load.
			if err := d.Optimize(ctx, true); err != nil {
				log.Warn("refresh planner statistics", "err", err)
			}
			fmt.Fprintf(stdout, "restored %s from a %s database\n", describeManifest(m), m.Dialect)
			fmt.Fprintln(stdout, "users sign in with their passwords as before; API tokens must be created again")
			return nil
		},
	}
	return c
}

// openArchive opens the archive at path, or copies standard input to a
// temporary file when path is "-" (reading a zip needs random access).
func openArchive(path string) (*os.File, int64, func(), error) {
	if path == "-" {
		tmp, err := os.CreateTemp("", "rapport-archive-*.zip")
		if err != nil {
			return nil, 0, nil, err
		}
		cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
		n, err := io.Copy(tmp, os.Stdin)
		if err != nil {
			cleanup()
			return nil, 0, nil, fmt.Errorf("read standard input: %w", err)
		}
		return tmp, n, cleanup, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return f, st.Size(), func() { f.Close() }, nil
}

func describeManifest(m *archive.Manifest) string {
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	return fmt.Sprintf("workspace %q: %d rows in %d tables, %d attachments and %d import files (%d bytes)",
		m.Workspace.Name, rows, len(m.Tables), m.Files.Attachments, m.Files.ImportFiles, m.Files.Bytes)
}
