package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"time"
)

// AllConfig says what make bench runs: every section in turn, each with
// its own load settings, at a scale the caller chooses (make bench's is
// small enough for a shared two-core machine; the bench-customers,
// bench-imports and bench-sales targets measure at full scale).
type AllConfig struct {
	HTTP      Config // the headline API figures (Run)
	Customers CustomersConfig
	Imports   ImportsConfig
	Sales     SalesConfig
	Scale     map[string]string // what each section generated, for the report
	Progress  io.Writer
}

// Sections of a combined run, in the order they run.
var Sections = []string{"http", "customers", "imports", "sales"}

// Combined is what make bench writes to docs/performance-all.json: the
// headline figures drawn from every section, each beside its floor, the
// sections' full reports, and the headline figures of earlier runs, so
// that one version can be compared with the next.
type Combined struct {
	Date       string            `json:"date"`
	Machine    Machine           `json:"machine"`
	WallS      float64           `json:"wall_s"`
	LoadAvgEnd string            `json:"loadavg_at_end,omitempty"`
	Scale      map[string]string `json:"scale,omitempty"`
	Failed     []string          `json:"failed,omitempty"` // "section: error" for each section that failed
	Headline   []Figure          `json:"headline"`
	Sections   []*Report         `json:"sections"`
	History    []HistoryRun      `json:"history"` // oldest first, this run last, at most HistoryRuns
}

// HistoryRun is one run's headline figures, by key, as the history keeps them.
type HistoryRun struct {
	Date    string           `json:"date"`
	Rapport string           `json:"rapport_version"`
	LoadAvg string           `json:"loadavg_at_start,omitempty"`
	Figures map[string]Point `json:"figures"`
}

// Point is a figure and its floor in a run of the history.
type Point struct {
	Value *float64 `json:"value"`
	Floor *float64 `json:"floor"`
}

// HistoryRuns is how many runs docs/performance-all.json keeps.
const HistoryRuns = 12

// RunAll measures every section in turn — the API figures, the customer
// pages on generated demo data, the import, the sales pages — and returns
// them combined. A section that fails is recorded in Failed and the
// others still run; the error then names every failure. prev, the last
// combined report (nil if none), carries the history forward.
func RunAll(ctx context.Context, cfg AllConfig, prev *Combined) (*Combined, error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	start := time.Now()
	c := &Combined{Date: start.UTC().Format(time.RFC3339), Machine: machine(ctx, cfg.HTTP.Bin), Scale: cfg.Scale}
	var errs []error
	for _, name := range Sections {
		fmt.Fprintf(cfg.Progress, "rapport-bench: == %s == (%s since the start, load average %s)\n", name, time.Since(start).Round(time.Second), loadAvg())
		var rep *Report
		var err error
		switch name {
		case "http":
			rep, err = Run(ctx, cfg.HTTP)
		case "customers":
			rep, err = RunCustomers(ctx, cfg.Customers)
		case "imports":
			rep, err = RunImports(ctx, cfg.Imports)
		case "sales":
			rep, err = RunSales(ctx, cfg.Sales)
		}
		if err != nil {
			c.Failed = append(c.Failed, name+": "+err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		c.Sections = append(c.Sections, rep)
	}
	c.WallS = math.Round(time.Since(start).Seconds()*10) / 10
	c.LoadAvgEnd = loadAvg()
	c.combine(prev)
	return c, errors.Join(errs...)
}

// headlineRow is one row of the combined table: the figure with Key,
// named Name there; when FloorKey is set its floor is that figure's
// value instead (the SQL alone, measured as a figure of its own).
type headlineRow struct {
	Key, Name          string
	FloorKey, FloorFor string // FloorFor: the floor's name then
}

// headlineRows are the headline figures: API read, list and
// create throughput and latency; the list beside its SQL; search; import
// rows/s; memory; and the pages the customers and sales issues set
// targets for — on SQLite and PostgreSQL.
func headlineRows() []headlineRow {
	var rows []headlineRow
	dbs := []struct{ key, label string }{{"sqlite", "SQLite"}, {"postgres", "PostgreSQL"}}
	for _, op := range []struct{ key, label string }{
		{"get", "API read (GET /api/v1/tags/{id})"},
		{"list", "API list (GET /api/v1/tags?limit=50)"},
		{"create", "API create (POST /api/v1/tags)"},
	} {
		for _, db := range dbs {
			for _, st := range []struct{ key, label string }{{"rate", "throughput"}, {"p50", "p50"}, {"p95", "p95"}, {"p99", "p99"}} {
				rows = append(rows, headlineRow{Key: "api." + db.key + "." + op.key + "." + st.key, Name: db.label + " " + op.label + ": " + st.label})
			}
			if op.key == "list" && db.key == "sqlite" {
				rows = append(rows,
					headlineRow{Key: "api.sqlite.list.sql.rate", Name: "SQLite " + op.label + " beside its SQL alone: throughput"},
					headlineRow{Key: "api.sqlite.list.sql.p99", Name: "SQLite " + op.label + " beside its SQL alone: p99"})
			}
		}
	}
	for _, db := range dbs {
		rows = append(rows, headlineRow{Key: "customers." + db.key + ".search.p95", Name: db.label + " search on demo data: p95"})
	}
	rows = append(rows, headlineRow{Key: "customers.sqlite.list.p95", Name: "SQLite contacts list on demo data, filtered and sorted, beside its SQL alone: p95",
		FloorKey: "customers.sqlite.list_sql.p95", FloorFor: FloorSQL})
	rows = append(rows, headlineRow{Key: "customers.postgres.list.p95", Name: "PostgreSQL contacts list on demo data, filtered and sorted: p95"})
	for _, db := range dbs {
		rows = append(rows, headlineRow{Key: "customers." + db.key + ".360.p95", Name: db.label + " contact 360 page on demo data: p95"})
	}
	for _, db := range dbs {
		rows = append(rows, headlineRow{Key: "imports." + db.key + ".rate", Name: db.label + " import of contacts from CSV"})
	}
	for _, db := range dbs {
		rows = append(rows,
			headlineRow{Key: "sales." + db.key + ".board_api.p95", Name: db.label + " pipeline board API: p95"},
			headlineRow{Key: "sales." + db.key + ".forecast_api.p95", Name: db.label + " forecast API: p95"},
			headlineRow{Key: "sales." + db.key + ".quote_pdf.p95", Name: db.label + " quote PDF: p95"})
	}
	rows = append(rows,
		headlineRow{Key: "memory.idle_rss", Name: "idle RSS, SQLite, after 100 requests"},
		headlineRow{Key: "customers.sqlite.idle_rss", Name: "SQLite server RSS after the customer load"},
		headlineRow{Key: "customers.postgres.idle_rss", Name: "PostgreSQL server RSS after the customer load"},
		headlineRow{Key: "imports.sqlite.peak_rss", Name: "SQLite import: peak RSS"},
		headlineRow{Key: "imports.postgres.peak_rss", Name: "PostgreSQL import: peak RSS"},
		headlineRow{Key: "cold_start.existing", Name: "cold start to first 200, existing data dir (median)"},
	)
	return rows
}

// combine draws the headline from the sections and adds this run to the
// history carried from prev.
func (c *Combined) combine(prev *Combined) {
	c.Headline = Headline(c.Sections, c.Failed)
	run := HistoryRun{Date: c.Date, Rapport: c.Machine.Rapport, LoadAvg: c.Machine.LoadAvgAtStart, Figures: map[string]Point{}}
	for _, f := range c.Headline {
		if f.Value != nil {
			run.Figures[f.Key] = Point{Value: f.Value, Floor: f.Floor}
		}
	}
	if prev != nil {
		c.History = append(c.History, prev.History...)
	}
	c.History = append(c.History, run)
	if n := len(c.History); n > HistoryRuns {
		c.History = c.History[n-HistoryRuns:]
	}
}

// Headline picks the headline figures out of the sections' reports by
// key, renamed and in headlineRows' order. A figure no section measured
// stays in the table without a value, its note saying why (failed lists
// the sections that failed).
func Headline(sections []*Report, failed []string) []Figure {
	by := map[string]Figure{}
	for _, r := range sections {
		for _, f := range r.Figures {
			if f.Key != "" {
				by[f.Key] = f
			}
		}
	}
	missing := "not measured"
	if len(failed) > 0 {
		missing += " (failed: " + strings.Join(failed, "; ") + ")"
	}
	var out []Figure
	for _, row := range headlineRows() {
		f, ok := by[row.Key]
		if !ok {
			out = append(out, Figure{Key: row.Key, Name: row.Name, Notes: missing})
			continue
		}
		h := Figure{Key: row.Key, Name: row.Name, Value: f.Value, Unit: f.Unit, Floor: f.Floor, FloorUnit: f.FloorUnit, FloorName: f.FloorName, Notes: f.Name}
		if row.FloorKey != "" {
			h.Floor, h.FloorUnit, h.FloorName = nil, f.Unit, row.FloorFor
			if fl, ok := by[row.FloorKey]; ok && fl.Unit == f.Unit {
				h.Floor = fl.Value
				h.Notes += "; floor: " + fl.Name
			}
		}
		if h.Value == nil && f.Notes != "" {
			h.Notes += ": " + f.Notes
		}
		out = append(out, h)
	}
	return out
}

// ReadCombined reads a combined report written by WriteJSON; a missing
// file is (nil, nil), as there is nothing to compare with yet.
func ReadCombined(path string) (*Combined, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Combined
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// WriteJSON writes the combined report as indented JSON to path.
func (c *Combined) WriteJSON(path string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (c *Combined) header(b *strings.Builder) {
	m := c.Machine
	fmt.Fprintf(b, "Rapport %s — %s; the whole run took %s\n", m.Rapport, c.Date, (time.Duration(c.WallS * float64(time.Second))).Round(time.Second))
	fmt.Fprintf(b, "machine: nproc %d, GOMAXPROCS %d, %s, %s/%s", m.NProc, m.GOMAXPROCS, m.Go, m.OS, m.Arch)
	if m.CPU != "" {
		fmt.Fprintf(b, ", %s", m.CPU)
	}
	fmt.Fprintf(b, "; load average %s at the start, %s at the end\n", m.LoadAvgAtStart, c.LoadAvgEnd)
	for _, name := range Sections {
		if s := c.Scale[name]; s != "" {
			fmt.Fprintf(b, "%s: %s\n", name, s)
		}
	}
	for _, f := range c.Failed {
		fmt.Fprintf(b, "FAILED %s\n", f)
	}
}

// WriteTable prints the headline figures as one plain-text table.
func (c *Combined) WriteTable(w io.Writer) error {
	var b strings.Builder
	c.header(&b)
	b.WriteString("\n")
	writeRows(&b, c.Headline)
	b.WriteString("\nfloor: a bare net/http server (stdlib only, built with the same flags); (SQL) the same query alone through database/sql on the same database; for the import, the rows it wrote by plain prepared INSERTs.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Markers of the combined section of docs/performance.md.
const (
	mdAllBegin = "<!-- BEGIN rapport-bench all: generated by `make bench`; edits between these markers are overwritten -->"
	mdAllEnd   = "<!-- END rapport-bench all -->"
)

// WriteMarkdown puts the combined section — the headline table, its
// chart beside the floors, the chart of the runs so far and each
// section's table — into the markdown file at path, keeping the rest.
func (c *Combined) WriteMarkdown(path string) error {
	return writeMarkdownSection(path, mdAllBegin, mdAllEnd, c.markdown())
}

func (c *Combined) markdown() string {
	var b strings.Builder
	b.WriteString("```text\n")
	c.header(&b)
	b.WriteString("```\n\n")
	b.WriteString("| figure | rapport | floor | unit | rapport ÷ floor |\n|---|--:|--:|---|--:|\n")
	for _, f := range c.Headline {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(f.Name), Format(f.Value, f.Unit), floorCell(f), unitCell(f), formatRatio(f))
	}
	b.WriteString("\nFloor: a bare `net/http` server (standard library only, built with the same flags); *(SQL)* the same query alone through `database/sql` on the same database; for the import, the rows it wrote by plain prepared INSERTs. For throughput and rows/s, *rapport ÷ floor* is the share of the floor's rate Rapport reaches; for everything else it is how many times the floor Rapport costs.\n\n")
	b.WriteString("Each figure beside its floor, each bar scaled to the larger of its pair:\n\n```text\n")
	b.WriteString((&Report{Figures: c.Headline}).Chart(40))
	b.WriteString("```\n\n")
	fmt.Fprintf(&b, "From run to run (oldest first, at most %d; `docs/performance-all.json` keeps them): *rapport ÷ floor* where the figure has a floor, which is steadier on a shared machine than the figure, or else the figure; each figure's bars scaled to its largest.\n\n```text\n", HistoryRuns)
	b.WriteString(HistoryChart(c.History, c.Headline, 30))
	b.WriteString("```\n\n")
	for _, r := range c.Sections {
		name := r.Section
		if name == "" {
			name = "http"
		}
		var t strings.Builder
		_ = r.WriteTable(&t)
		fmt.Fprintf(&b, "<details><summary>Section %s: every figure</summary>\n\n```text\n%s```\n\n</details>\n\n", name, t.String())
	}
	return b.String()
}

// HistoryChart draws, for each headline figure, one bar per run of the
// history that measured it: its ratio to its floor when both are there,
// otherwise its value. A figure's bars are scaled to its largest.
func HistoryChart(history []HistoryRun, headline []Figure, width int) string {
	var b strings.Builder
	for _, f := range headline {
		type point struct {
			label string
			v     float64
			text  string
		}
		var pts []point
		top := 0.0
		for _, run := range history {
			p, ok := run.Figures[f.Key]
			if !ok || p.Value == nil {
				continue
			}
			v, text := *p.Value, Format(p.Value, f.Unit)+" "+f.Unit
			if p.Floor != nil && *p.Floor != 0 {
				r := *p.Value / *p.Floor
				v, text = r, fmt.Sprintf("%.2f× floor (%s %s)", r, Format(p.Value, f.Unit), f.Unit)
			}
			date, _, _ := strings.Cut(run.Date, "T")
			pts = append(pts, point{label: date + " " + run.Rapport, v: v, text: text})
			top = math.Max(top, v)
		}
		if len(pts) == 0 {
			continue
		}
		w := 0
		for _, p := range pts {
			w = max(w, len([]rune(p.label)))
		}
		fmt.Fprintf(&b, "%s\n", f.Name)
		for _, p := range pts {
			fmt.Fprintf(&b, "  %s%s %s %s\n", p.label, strings.Repeat(" ", w-len([]rune(p.label))), bar(p.v, top, width), p.text)
		}
	}
	return b.String()
}
