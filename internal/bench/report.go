package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
)

// Report is the outcome of a run, as written to docs/performance.json.
type Report struct {
	// Section names a report written beside the main one ("customers");
	// empty for the main report.
	Section  string   `json:"section,omitempty"`
	Date     string   `json:"date"`
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	Figures  []Figure `json:"figures"`
}

// Machine describes where the figures were measured.
type Machine struct {
	NProc          int    `json:"nproc"`
	GOMAXPROCS     int    `json:"gomaxprocs"`
	Go             string `json:"go"`
	OS             string `json:"os"`
	Arch           string `json:"arch"`
	CPU            string `json:"cpu,omitempty"`
	Kernel         string `json:"kernel,omitempty"`
	MemTotalMiB    int64  `json:"mem_total_mib,omitempty"`
	LoadAvgAtStart string `json:"loadavg_at_start,omitempty"`
	Rapport        string `json:"rapport_version"`
}

// Settings records how hard and how long the run pushed.
type Settings struct {
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"` // per load figure, over all rounds
	Rounds      int     `json:"rounds"`
	ColdRuns    int     `json:"cold_runs"`
}

// Figure is one headline number beside its floor: the same thing measured
// on something that does the least possible work.
type Figure struct {
	// Key names the figure the same way at any scale and in any version
	// ("api.sqlite.get.p95"), so that runs can be compared; empty for
	// figures no comparison needs.
	Key       string   `json:"key,omitempty"`
	Name      string   `json:"name"`
	Value     *float64 `json:"value"` // null when skipped
	Unit      string   `json:"unit"`
	Floor     *float64 `json:"floor"`
	FloorUnit string   `json:"floor_unit"`
	FloorName string   `json:"floor_name"` // what the floor is: "bare net/http", "SQL alone"
	Notes     string   `json:"notes,omitempty"`
}

// Floor names.
const (
	FloorBare = "bare net/http"
	FloorSQL  = "SQL alone"
)

// Ratio returns value ÷ floor, or false when either is missing.
func (f Figure) Ratio() (float64, bool) {
	if f.Value == nil || f.Floor == nil || *f.Floor == 0 {
		return 0, false
	}
	return *f.Value / *f.Floor, true
}

// Format writes v in unit with a sensible precision.
func Format(v *float64, unit string) string {
	if v == nil {
		return "skipped"
	}
	x := *v
	switch unit {
	case "ms":
		switch {
		case x < 1:
			return fmt.Sprintf("%.3f", x)
		case x < 10:
			return fmt.Sprintf("%.2f", x)
		case x < 100:
			return fmt.Sprintf("%.1f", x)
		}
		return fmt.Sprintf("%.0f", x)
	case "MiB":
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

func formatRatio(f Figure) string {
	r, ok := f.Ratio()
	if !ok {
		return "–"
	}
	if r < 10 {
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.1f×", r)
}

func floorCell(f Figure) string {
	s := Format(f.Floor, f.FloorUnit)
	if f.FloorName == FloorSQL {
		s += " (SQL)"
	}
	return s
}

func unitCell(f Figure) string {
	if f.FloorUnit != "" && f.FloorUnit != f.Unit {
		return f.Unit + " / " + f.FloorUnit
	}
	return f.Unit
}

// WriteTable prints the report as a plain-text table.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Rapport %s — %s\n", m.Rapport, r.Date)
	fmt.Fprintf(&b, "machine: nproc %d, GOMAXPROCS %d, %s, %s/%s", m.NProc, m.GOMAXPROCS, m.Go, m.OS, m.Arch)
	if m.CPU != "" {
		fmt.Fprintf(&b, ", %s", m.CPU)
	}
	if m.MemTotalMiB > 0 {
		fmt.Fprintf(&b, ", %d MiB RAM", m.MemTotalMiB)
	}
	if m.LoadAvgAtStart != "" {
		fmt.Fprintf(&b, ", load average at start %s", m.LoadAvgAtStart)
	}
	s := r.Settings
	switch r.Section {
	case "imports":
		b.WriteString("\n\n")
	case "exports":
		fmt.Fprintf(&b, "\n%d rounds, each the floor then the export; rates from the median times\n\n", s.Rounds)
	default:
		fmt.Fprintf(&b, "\nload: %d keep-alive clients, %.0f s per figure in %d interleaved rounds (medians of rounds); cold starts: %d runs each\n\n",
			s.Concurrency, s.DurationS, s.Rounds, s.ColdRuns)
	}
	writeRows(&b, r.Figures)
	switch r.Section {
	case "exports":
		b.WriteString("\nfloor: (SQL) the export's query alone — every column of the workspace's live contacts in creation order — through database/sql on the same database, every row scanned into Go values; SQLite read-only, the file mapped as rapport export maps it.\n")
	case "imports":
		b.WriteString("\nfloor: the rows the import wrote, inserted into the same tables of a copy of the database as it was before, by one prepared single-row INSERT per table (or multi-row INSERTs), a transaction per chunk.\n")
	case "sales":
		b.WriteString("\nfloor: a bare net/http server (stdlib only, built with the same flags), or (SQL) the board's or the forecast's SQL alone through database/sql on the same database.\n")
	default:
		b.WriteString("\nfloor: a bare net/http server (stdlib only, built with the same flags), or (SQL) the list query alone through database/sql on the same SQLite file.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRows writes figures as a plain-text table with a header, each
// beside its floor.
func writeRows(b *strings.Builder, figures []Figure) {
	rows := [][]string{{"figure", "rapport", "floor", "unit", "÷ floor"}}
	for _, f := range figures {
		rows = append(rows, []string{f.Name, Format(f.Value, f.Unit), floorCell(f), unitCell(f), formatRatio(f)})
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for ri, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			switch {
			case i == 0 || i == 3:
				b.WriteString(c + pad)
			default:
				b.WriteString(pad + c)
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			total := 2 * (len(width) - 1)
			for _, x := range width {
				total += x
			}
			b.WriteString(strings.Repeat("-", total) + "\n")
		}
	}
}

// WriteJSON writes the report as indented JSON to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// The generated part of docs/performance.md lies between these markers;
// the prose around it is kept when the benchmark runs again.
const (
	mdBegin = "<!-- BEGIN rapport-bench: generated by `make bench`; edits between these markers are overwritten -->"
	mdEnd   = "<!-- END rapport-bench -->"
)

// WriteMarkdown puts the report's section into the markdown file at path:
// between the markers if they are there, otherwise appended, or in a new
// file with an introduction.
func (r *Report) WriteMarkdown(path string) error {
	begin, end := mdBegin, mdEnd
	if r.Section != "" {
		begin = "<!-- BEGIN rapport-bench " + r.Section + ": generated by `make bench-" + r.Section + "`; edits between these markers are overwritten -->"
		end = "<!-- END rapport-bench " + r.Section + " -->"
	}
	if home, ok := sectionHomes[r.Section]; ok {
		if done, err := placeMarkdownSection(path, home.under, home.heading, begin, end, r.markdown()); done || err != nil {
			return err
		}
	}
	return writeMarkdownSection(path, begin, end, r.markdown())
}

// sectionHomes says where in docs/performance.md a section goes the
// first time, before it has markers there: at the end of the part under
// the heading that starts with under, after a heading of its own.
var sectionHomes = map[string]struct{ under, heading string }{
	"exports": {"## Import and export", "### Export of contacts to CSV, both databases, beside its floor (`make bench-exports`)"},
}

// placeMarkdownSection puts a section that is not in the markdown file
// at path yet at the end of the part under the heading under, after its
// own heading. It reports false, having written nothing, when the file
// or that heading is missing or the section is there already.
func placeMarkdownSection(path, under, heading, begin, end, body string) (bool, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s := string(old)
	i := strings.Index(s, "\n"+under)
	if i < 0 || strings.Contains(s, begin) {
		return false, nil
	}
	i++
	j := len(s)
	if k := strings.Index(s[i+len(under):], "\n## "); k >= 0 {
		j = i + len(under) + k + 1
	}
	section := heading + "\n\n" + begin + "\n\n" + body + "\n" + end + "\n"
	if j < len(s) {
		section += "\n"
	}
	s = strings.TrimRight(s[:j], "\n") + "\n\n" + section + s[j:]
	return true, os.WriteFile(path, []byte(s), 0o644)
}

// writeMarkdownSection puts body between the markers begin and end of
// the markdown file at path, keeping everything outside them; without
// the markers it appends them, and without the file it starts one with
// the introduction and the method.
func writeMarkdownSection(path, begin, end, body string) error {
	section := begin + "\n\n" + body + "\n" + end + "\n"
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.WriteFile(path, []byte(mdIntro+"\n"+section+mdMethod), 0o644)
	case err != nil:
		return err
	}
	s := string(old)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i >= 0 && j > i {
		s = s[:i] + section + strings.TrimPrefix(s[j+len(end):], "\n")
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + section
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func (r *Report) markdown() string {
	var b strings.Builder
	m, s := r.Machine, r.Settings
	fmt.Fprintf(&b, "Measured %s with Rapport `%s` on %d CPUs (GOMAXPROCS %d), %s, %s/%s", r.Date, m.Rapport, m.NProc, m.GOMAXPROCS, m.Go, m.OS, m.Arch)
	if m.CPU != "" {
		fmt.Fprintf(&b, ", %s", m.CPU)
	}
	if m.LoadAvgAtStart != "" {
		fmt.Fprintf(&b, "; load average at start %s", m.LoadAvgAtStart)
	}
	switch r.Section {
	case "imports":
		b.WriteString(".\n\n")
	case "exports":
		fmt.Fprintf(&b, ". %d rounds, each the floor then the export; rates from the median times.\n\n", s.Rounds)
	default:
		fmt.Fprintf(&b, ". Load: %d keep-alive clients, %.0f s per figure in %d interleaved rounds; cold starts %d runs each.\n\n",
			s.Concurrency, s.DurationS, s.Rounds, s.ColdRuns)
	}
	b.WriteString("| figure | rapport | floor | unit | rapport ÷ floor |\n|---|--:|--:|---|--:|\n")
	for _, f := range r.Figures {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(f.Name), Format(f.Value, f.Unit), floorCell(f), unitCell(f), formatRatio(f))
	}
	switch r.Section {
	case "exports":
		b.WriteString("\nFloor: *(SQL)* the export's query alone — `" + exportFloorSQL + "`, every column of the workspace's live contacts in the export's order — through `database/sql` on the same database, every row scanned into one reused `[]any`; on SQLite read-only (`modernc.org/sqlite`) with the file mapped (`mmap_size`) as `rapport export` maps it. Floor and export alternate, round by round. ")
	case "imports":
		b.WriteString("\nFloor: the rows the import wrote (records, history, search terms, duplicate keys, links, undo records), inserted into the same tables of a copy of the database as it was before the import with one prepared single-row INSERT per table, a transaction per chunk, in the import's order; reading them is not timed. ")
	case "sales":
		b.WriteString("\nFloor: a bare `net/http` server (standard library only, built with the same flags), or *(SQL)* the board's or the forecast's SQL alone through `database/sql` on the same database (SQLite file or PostgreSQL), without the currency conversion. ")
	default:
		b.WriteString("\nFloor: a bare `net/http` server (standard library only, built with the same flags), or *(SQL)* the list query alone through `database/sql` on the same SQLite file. ")
	}
	b.WriteString("For throughput, *rapport ÷ floor* is the share of the floor's rate that Rapport reaches; for everything else it is how many times the floor Rapport costs.\n\n")
	b.WriteString("Each bar is scaled to the larger of its pair.\n\n```text\n")
	b.WriteString(r.Chart(40))
	b.WriteString("```\n\n")
	var notes []string
	for _, f := range r.Figures {
		if f.Notes != "" {
			notes = append(notes, "- **"+mdEscape(f.Name)+"**: "+mdEscape(f.Notes))
		}
	}
	if len(notes) > 0 {
		b.WriteString("Notes:\n\n" + strings.Join(notes, "\n") + "\n\n")
	}
	var t strings.Builder
	_ = r.WriteTable(&t)
	b.WriteString("<details><summary>The table as <code>make bench</code> printed it</summary>\n\n```text\n" + t.String() + "```\n\n</details>\n")
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Chart draws each figure and its floor as a pair of Unicode bars, width
// characters at most, each pair scaled to its larger value.
func (r *Report) Chart(width int) string {
	var b strings.Builder
	for _, f := range r.Figures {
		if f.Value == nil || f.Floor == nil {
			continue
		}
		top := math.Max(*f.Value, *f.Floor)
		fmt.Fprintf(&b, "%s\n", f.Name)
		fmt.Fprintf(&b, "  rapport %s %s %s\n", bar(*f.Value, top, width), Format(f.Value, f.Unit), f.Unit)
		label := "floor  "
		if f.FloorName == FloorSQL {
			label = "SQL    "
		}
		fmt.Fprintf(&b, "  %s %s %s %s\n", label, bar(*f.Floor, top, width), Format(f.Floor, f.FloorUnit), f.FloorUnit)
	}
	return b.String()
}

// bar is v/top of width characters, in eighths of a block.
func bar(v, top float64, width int) string {
	if top <= 0 || v <= 0 {
		return "▏"
	}
	eighths := int(math.Round(v / top * float64(width*8)))
	eighths = max(eighths, 1)
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	return strings.Repeat("█", eighths/8) + partial[eighths%8]
}

const mdIntro = `# Performance

Rapport's headline figures, each measured beside its **floor** — the same
measurement of something that does the least possible work — on the same
machine in the same run. A figure alone says little on a shared, noisy
machine; the ratio to its floor says how much Rapport itself costs.

Run ` + "`make bench`" + ` to measure again (flags: ` + "`go run ./cmd/rapport-bench -h`" + `). It
rewrites the sections between the markers below, ` + "`docs/performance.json`" + ` and
` + "`docs/performance-all.json`" + `.
`

const mdMethod = `
## How each figure is measured

- **Binary size**: ` + "`bin/rapport`" + ` as ` + "`make build`" + ` makes it (` + "`-trimpath -s -w`" + `,
  ` + "`CGO_ENABLED=0`" + `). Floor: the bare server, ` + "`cmd/rapport-bench/bareserver`" + `, built with
  the same flags — the Go runtime and ` + "`net/http`" + ` alone.
- **Cold start**: from just before the process is started to the first 200
  from ` + "`/healthz`" + `, polled every millisecond: ` + "`rapport serve`" + ` on a fresh empty data
  directory (which includes creating the SQLite database and running every
  migration), and on the benchmark's existing data directory. Runs of the
  two and of the bare server are interleaved; median and minimum of each.
- **Idle RSS**: ` + "`VmRSS`" + ` from ` + "`/proc/PID/status`" + ` after the existing-data start,
  100 requests (tag reads and list pages) and 2 s idle; median of the runs.
  Floor: the bare server after 100 requests and 2 s idle.
- **Throughput and latency**: C keep-alive clients in the benchmark's own
  process, on the same machine (so client and server share the CPUs),
  each sending its next request as soon as the last is answered. Every
  latency is recorded and the percentiles are exact (nearest rank). Each
  figure gets D seconds split into rounds that rotate across all targets,
  so a noisy moment touches every target rather than one; the report
  gives the median of the rounds. The servers run with their defaults
  (Rapport logs every request at info level, to a file).
  - Each database has a workspace *Bench* with 1,000 tags, created through
    the API, read with a bearer token made by ` + "`rapport token create`" + `.
    Creates go to a second workspace, *Bench Writes*, so the list being
    measured stays the first page of 1,000 tags however many creates run.
  - Floor: the bare server returning a small JSON body; for the list on
    SQLite also the list query alone — the same SQL Rapport runs, through
    ` + "`database/sql`" + ` and ` + "`modernc.org/sqlite`" + `, read-only, with Rapport's
    reader-pool size, every row scanned.
  - PostgreSQL is a throwaway local cluster started like the test suite's,
    with durability off (` + "`fsync=off`, `synchronous_commit=off`" + `), so
    creates there are faster than a production server's would be.
`
