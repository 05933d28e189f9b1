package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/server"
)

// Exit codes of rapport import.
const (
	ExitOK       = 0 // the import ran (rejected rows, if any, are in the report)
	ExitFailed   = 1 // the import could not run, or stopped before the end
	ExitRejected = 2 // --fail-on-error, and some rows were rejected
)

// ExitError carries a command's exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the process exit code for a command's error: 0 for
// nil, the code of an *ExitError, 1 for anything else.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailed
}

func importCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var (
		ws, as, tpl, mode, key, dups, resume, report string
		encoding, delimiter, sheet                   string
		dryRun, failOnError, createAccounts, quiet   bool
		chunk                                        int
		cpuprof, memprof                             string
		opts                                         imports.Options
	)
	c := &cobra.Command{
		Use:   "import OBJECT FILE",
		Short: "Import a CSV, XLSX, vCard or iCalendar file into contacts, accounts, activities or any other object",
		Long: `import reads FILE into records of OBJECT (contacts, accounts, activities, …)
as the web importer does: columns mapped from the header (English, Spanish,
Chinese, Google, Outlook and CRM layouts) or by a saved template (--map),
every row validated, duplicates found, rows committed in chunks together
with the import's checkpoint. A progress bar goes to standard error, the
summary to standard output.

If the process is killed, nothing is half written: run
  rapport import --resume ID
to go on from the last committed row (a server sharing the database also
resumes it by itself once the lease of the dead process runs out).

Exit status: 0 when the import ran, even if rows were rejected (they are in
the report: --report FILE writes it as CSV); 2 with --fail-on-error when
rows were rejected; 1 when the import could not run or stopped early.`,
		Example: `  rapport import contacts people.csv --workspace Acme
  rapport import contacts people.csv --mode upsert --key email --dry-run
  rapport import accounts companies.xlsx --sheet Accounts --map "CRM export"
  rapport import activities calendar.ics --mode upsert --key external_id
  rapport import --resume 01934a6e-…`,
		Args: func(cmd *cobra.Command, args []string) error {
			if resume != "" {
				if len(args) != 0 && len(args) != 2 {
					return fmt.Errorf("with --resume, give no OBJECT FILE (or both, which are ignored)")
				}
				return nil
			}
			if len(args) != 2 {
				return fmt.Errorf("give OBJECT and FILE, such as: rapport import contacts people.csv")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			icfg := *cfg
			icfg.NoPages = true
			s, d, err := openServer(ctx, &icfg, io.Discard)
			if err != nil {
				return err
			}
			defer d.Close()
			if chunk > 0 {
				s.Imports.ChunkSize = chunk
			}
			if cpuprof != "" {
				stopProf, err := startCPUProfile(cpuprof)
				if err != nil {
					return err
				}
				defer stopProf()
			}
			if memprof != "" {
				defer writeHeapProfile(memprof)
			}
			if os.Getenv("GOGC") == "" {
				// An import's memory is bounded (300 MB for a million
				// rows). What stays live is small (56 MB at 100,000
				// rows, 19–22 MB of it the web pages this command no
				// longer builds); the peak is the heap the collector
				// lets grow past it.
				// Collecting at half the growth took the peak of 200,000
				// rows from 298 to 274 MB at the same speed (121 s and
				// 125 s).
				debug.SetGCPercent(50)
			}
			p, err := actingUser(ctx, s.Auth, ws, as)
			if err != nil {
				return err
			}
			bar := newProgress(stderr, quiet)
			var b *imports.Batch
			if resume != "" {
				b, err = s.Imports.Resume(ctx, p, resume, bar.update)
			} else {
				f := cmd.Flags()
				set := func(name string, dst **string, v *string) {
					if f.Changed(name) {
						*dst = v
					}
				}
				set("map", &opts.Template, &tpl)
				set("mode", &opts.Mode, &mode)
				set("key", &opts.Key, &key)
				set("duplicates", &opts.DupPolicy, &dups)
				set("encoding", &opts.Encoding, &encoding)
				set("delimiter", &opts.Delimiter, &delimiter)
				set("sheet", &opts.Sheet, &sheet)
				if f.Changed("create-accounts") {
					opts.CreateAccounts = &createAccounts
				}
				opts.DryRun = &dryRun
				b, err = s.Imports.CreateFromPath(ctx, p, args[0], args[1], opts)
				if err == nil {
					fmt.Fprintf(stderr, "import %s: %s into %s (%s)\n", b.ID, b.FileName, b.Object, describeRead(b))
					b, err = s.Imports.Run(ctx, b.ID, bar.update)
				}
			}
			bar.done()
			if b == nil {
				return describe(err)
			}
			printSummary(stdout, b)
			if report != "" && (b.Rows.Rejected > 0 || b.Rows.Duplicates > 0 || b.Rows.Skipped > 0) {
				if rerr := writeReport(ctx, s, p, b.ID, report); rerr != nil {
					fmt.Fprintf(stderr, "rapport: write the report: %v\n", rerr)
				} else {
					fmt.Fprintf(stdout, "report: %s\n", report)
				}
			} else if b.Rows.Rejected > 0 {
				printErrors(ctx, stderr, s, p, b)
			}
			switch {
			case err != nil && ctx.Err() != nil:
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("interrupted after row %d; go on with: rapport import --resume %s", b.Checkpoint, b.ID)}
			case err != nil:
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s stopped after row %d: %v; go on with: rapport import --resume %s", b.ID, b.Checkpoint, describe(err), b.ID)}
			case b.Status != imports.StatusDone && b.Status != imports.StatusUndone:
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s is %s: %s", b.ID, b.Status, b.Error)}
			case failOnError && b.Rows.Rejected > 0:
				return &ExitError{Code: ExitRejected, Err: fmt.Errorf("%d rows were rejected (--fail-on-error)", b.Rows.Rejected)}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&ws, "workspace", "", "the workspace's name (needed when there are several)")
	f.StringVar(&as, "as", "", "the e-mail of the user to import as (default: the workspace's admin, when it has one)")
	f.StringVar(&tpl, "map", "", "an import template (a saved mapping) by name or id")
	f.StringVar(&mode, "mode", imports.ModeCreate, "create, update or upsert")
	f.StringVar(&key, "key", "", "the field that identifies a record to update: id, email, phone, domain, external_id, name or a custom field")
	f.StringVar(&dups, "duplicates", "", "a row that likely duplicates a record: skip, update or create (default skip for contacts and accounts, else create)")
	f.BoolVar(&createAccounts, "create-accounts", true, "create the accounts rows name that do not exist (false: refuse those rows)")
	f.BoolVar(&dryRun, "dry-run", false, "validate and report everything, writing nothing")
	f.StringVar(&resume, "resume", "", "go on with an interrupted import, by its id")
	f.BoolVar(&failOnError, "fail-on-error", false, "exit with status 2 if any row was rejected")
	f.StringVar(&report, "report", "", "write the report (rejected, duplicate and skipped rows) as CSV to this file")
	f.StringVar(&encoding, "encoding", "", "the file's encoding: utf-8, utf-16, gb18030, windows-1252 (default: detected)")
	f.StringVar(&delimiter, "delimiter", "", `the CSV delimiter: "," ";" "|" or tab (default: detected)`)
	f.StringVar(&sheet, "sheet", "", "the XLSX sheet (default: the first)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	f.IntVar(&chunk, "chunk", 0, "rows per transaction (default 2000)")
	f.StringVar(&cpuprof, "cpuprofile", "", "write a CPU profile of the import to this file")
	f.StringVar(&memprof, "memprofile", "", "write a heap profile at the end of the import to this file")
	for _, h := range []string{"chunk", "cpuprofile", "memprofile"} {
		_ = f.MarkHidden(h)
	}
	return c
}

// actingUser finds whom the command acts as: the user --as names, else
// the workspace's only active admin.
func actingUser(ctx context.Context, a *auth.Service, wsName, email string) (*auth.Principal, error) {
	ws, err := pickWorkspace(ctx, a, wsName)
	if err != nil {
		return nil, err
	}
	var uid string
	if email != "" {
		u, err := a.FindUserByEmail(ctx, ws.Name, email)
		if err != nil {
			return nil, fmt.Errorf("no user %s in workspace %q", email, ws.Name)
		}
		uid = u.ID
	} else {
		admins, err := a.ActiveAdmins(ctx, ws.ID)
		if err != nil {
			return nil, err
		}
		if len(admins) != 1 {
			return nil, fmt.Errorf("workspace %q has %d admins: say whom to import as with --as EMAIL", ws.Name, len(admins))
		}
		uid = admins[0]
	}
	p, err := a.Principal(ctx, ws.ID, uid)
	if err != nil {
		return nil, fmt.Errorf("the user cannot act (deactivated?): %w", err)
	}
	return p, nil
}

// pickWorkspace finds the workspace named wsName, or the only one when
// wsName is empty.
func pickWorkspace(ctx context.Context, a *auth.Service, wsName string) (*auth.Workspace, error) {
	if wsName != "" {
		w, err := a.WorkspaceByName(ctx, wsName)
		if err != nil {
			return nil, fmt.Errorf("no workspace named %q", wsName)
		}
		return w, nil
	}
	all, err := a.Workspaces(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, fmt.Errorf("there is no workspace yet: run rapport setup first")
	case 1:
		return all[0], nil
	}
	names := make([]string, len(all))
	for i, w := range all {
		names[i] = w.Name
	}
	return nil, fmt.Errorf("there are several workspaces (%s): name one with --workspace", strings.Join(names, ", "))
}

func describeRead(b *imports.Batch) string {
	parts := []string{b.Format}
	if b.Encoding != "" {
		parts = append(parts, b.Encoding)
	}
	switch b.Delimiter {
	case "":
	case "\t":
		parts = append(parts, "tab-separated")
	default:
		parts = append(parts, fmt.Sprintf("%q-separated", b.Delimiter))
	}
	if b.Sheet != "" {
		parts = append(parts, "sheet "+b.Sheet)
	}
	if b.DryRun {
		parts = append(parts, "dry run")
	}
	return strings.Join(parts, ", ")
}

func printSummary(w io.Writer, b *imports.Batch) {
	what := "import"
	if b.DryRun {
		what = "dry run (nothing written)"
	}
	fmt.Fprintf(w, "%s %s: %s\n", what, b.ID, b.Status)
	n := b.Rows
	fmt.Fprintf(w, "rows: %d read, %d created, %d updated, %d unchanged, %d skipped, %d rejected\n", n.Done, n.Created, n.Updated, n.Unchanged, n.Skipped, n.Rejected)
	if n.Duplicates > 0 || n.AccountsCreated > 0 || n.TagsCreated > 0 {
		fmt.Fprintf(w, "likely duplicates: %d; accounts created: %d; tags created: %d\n", n.Duplicates, n.AccountsCreated, n.TagsCreated)
	}
	if b.StartedAt != nil && b.RowsPerSecond > 0 {
		fmt.Fprintf(w, "rate: %.0f rows/s\n", b.RowsPerSecond)
	}
}

// printErrors shows the first rejected rows on standard error.
func printErrors(ctx context.Context, w io.Writer, s *server.Server, p *auth.Principal, b *imports.Batch) {
	is, err := s.Imports.Issues(ctx, p, b.ID, imports.IssueError, 10)
	if err != nil {
		return
	}
	for _, x := range is {
		col := ""
		if x.Column != "" {
			col = fmt.Sprintf(" column %q", x.Column)
		}
		val := ""
		if x.Value != "" {
			val = fmt.Sprintf(" (%q)", x.Value)
		}
		fmt.Fprintf(w, "  row %d (line %d)%s%s: %s\n", x.Row, x.Line, col, val, x.Reason)
	}
	if int64(len(is)) < b.Rows.Rejected {
		fmt.Fprintf(w, "  … and more: --report FILE writes them all\n")
	}
}

func writeReport(ctx context.Context, s *server.Server, p *auth.Principal, id, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := s.Imports.Report(ctx, p, id, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progress draws a progress bar on standard error, at most a few times
// a second.
type progress struct {
	w     io.Writer
	off   bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, quiet bool) *progress { return &progress{w: w, off: quiet} }

func (p *progress) update(b *imports.Batch) {
	if p.off || time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	frac := 0.0
	if b.Rows.Total > 0 {
		frac = float64(b.Rows.Done) / float64(b.Rows.Total)
	}
	if b.Status == imports.StatusUndoing {
		frac = 0
	}
	full := int(frac * width)
	bar := strings.Repeat("█", full) + strings.Repeat("░", width-full)
	left := ""
	if b.SecondsLeft >= 0 && b.RowsPerSecond > 0 {
		left = " · " + (time.Duration(b.SecondsLeft) * time.Second).String() + " left"
	}
	fmt.Fprintf(p.w, "\r%s %3.0f%% %d/%d rows · %.0f rows/s%s · %d rejected   ", bar, frac*100, b.Rows.Done, b.Rows.Total, b.RowsPerSecond, left, b.Rows.Rejected)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
