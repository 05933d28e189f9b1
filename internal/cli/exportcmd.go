package cli

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/server"
)

// filterArgRe reads --filter FIELD=VALUE and FIELD[OP]=VALUE.
var filterArgRe = regexp.MustCompile(`^([a-z0-9_]{1,64})(?:\[([a-z]{1,10})\])?=(.*)$`)

func exportCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var (
		ws, as, format, out, sort, q, view string
		filters                            []string
		cpuprof                            string
	)
	c := &cobra.Command{
		Use:   "export OBJECT",
		Short: "Export the records of contacts, accounts, activities or any other object as CSV, Excel, vCard, iCalendar or JSON Lines",
		Long: `export writes every record of OBJECT that the filters select — as the
acting user sees them, within their scope — to --out, or to standard output.
CSV starts with a header row of field names; each reference is followed by a
readable column (account_name, tag_names, owner_email). Cells a spreadsheet
would run as a formula are neutralised. Memory stays constant for any number
of records; with --out the file appears complete or not at all.

Filters: --filter FIELD=VALUE (equals) or --filter 'FIELD[OP]=VALUE' with OP
one of eq, ne, lt, lte, gt, gte, contains, in, empty; repeat for several.`,
		Example: `  rapport export contacts > contacts.csv
  rapport export contacts --format xlsx --filter city=Madrid --out madrid.xlsx
  rapport export contacts --format vcf --filter 'tag_ids[contains]=…' --out vip.vcf
  rapport export activities --format ics --filter type=meeting --out meetings.ics
  rapport export accounts --format jsonl --filter 'created_at[gte]=2026-01-01'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			object := args[0]
			vals := url.Values{}
			for _, f := range filters {
				m := filterArgRe.FindStringSubmatch(f)
				if m == nil {
					return fmt.Errorf("--filter %q: write FIELD=VALUE or FIELD[OP]=VALUE, such as city=Madrid or 'created_at[gte]=2026-01-01'", f)
				}
				op := m[2]
				if op == "" {
					op = string(records.OpEq)
				}
				vals.Add("filter["+m[1]+"]["+op+"]", m[3])
			}
			if format != "" {
				vals.Set("format", format)
			}
			if sort != "" {
				vals.Set("sort", sort)
			}
			if q != "" {
				vals.Set("q", q)
			}
			// A one-shot scan of the whole list: map the file rather
			// than copy it page by page (db.Options.MmapReads).
			ecfg := *cfg
			ecfg.MmapReads = 2 << 30
			ecfg.NoPages = true
			s, d, err := openServer(ctx, &ecfg, io.Discard)
			if err != nil {
				return err
			}
			defer d.Close()
			if _, err := s.Records.Object(object); err != nil {
				return fmt.Errorf("no object %q: %s", object, strings.Join(objectNames(s), ", "))
			}
			p, err := actingUser(ctx, s.Auth, ws, as)
			if err != nil {
				return err
			}
			if cpuprof != "" {
				stopProf, err := startCPUProfile(cpuprof)
				if err != nil {
					return err
				}
				defer stopProf()
			}
			if view != "" {
				views, err := s.Records.ListViews(ctx, p, object)
				if err != nil {
					return err
				}
				for _, v := range views {
					if v.Name == view || v.ID == view {
						vals.Set("view", v.ID)
					}
				}
				if vals.Get("view") == "" {
					return fmt.Errorf("no saved view %q of %s", view, object)
				}
			}
			f, lq, err := s.Exports.ParseRequest(ctx, p, object, vals)
			if err != nil {
				return describe(err)
			}
			w := stdout
			var tmp *os.File
			if out != "" {
				if tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*"); err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				defer tmp.Close()
				w = tmp
			}
			res, err := s.Exports.Write(ctx, p, object, lq, f, w)
			if err != nil {
				return describe(err)
			}
			if tmp != nil {
				if err := tmp.Sync(); err != nil {
					return err
				}
				if err := tmp.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp.Name(), out); err != nil {
					return err
				}
			}
			where := "standard output"
			if out != "" {
				where = out
			}
			msg := fmt.Sprintf("exported %d %s to %s", res.Records, object, where)
			if res.Skipped > 0 {
				msg += fmt.Sprintf(" (%d without a start left out of the calendar)", res.Skipped)
			}
			fmt.Fprintln(stderr, msg)
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&ws, "workspace", "", "the workspace's name (needed when there are several)")
	fl.StringVar(&as, "as", "", "the e-mail of the user to export as, within their permissions (default: the workspace's admin, when it has one)")
	fl.StringVar(&format, "format", "csv", "csv, xlsx, jsonl, vcf (contacts) or ics (activities)")
	fl.StringVar(&out, "out", "", "the file to write (default: standard output)")
	fl.StringArrayVar(&filters, "filter", nil, "FIELD=VALUE or FIELD[OP]=VALUE; repeat for several")
	fl.StringVar(&sort, "sort", "", "a field name, - in front for descending")
	fl.StringVar(&q, "q", "", "text to find in the records' titles")
	fl.StringVar(&view, "view", "", "a saved view of the acting user, by name or id")
	fl.StringVar(&cpuprof, "cpuprofile", "", "write a CPU profile of the export to this file")
	_ = fl.MarkHidden("cpuprofile")
	return c
}

func objectNames(s *server.Server) []string {
	var out []string
	for _, o := range s.Records.Objects() {
		out = append(out, o.Name)
	}
	return out
}
