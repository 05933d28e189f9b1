package bench

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sectionsFor makes the reports of a run in which the API section and the
// customer section measured the given values, the imports section failed
// and PostgreSQL was skipped in the API section.
func sectionsFor(get, list, listSQL float64) []*Report {
	http := &Report{Figures: []Figure{
		{Name: "binary size", Value: ptr(30), Unit: "MiB"}, // no key: not a headline figure
		{Key: "api.sqlite.get.rate", Name: "SQLite GET /api/v1/tags/{id}: throughput", Value: ptr(get), Unit: "req/s", Floor: ptr(20000), FloorUnit: "req/s", FloorName: FloorBare},
		{Key: "api.postgres.get.rate", Name: "PostgreSQL GET /api/v1/tags/{id}: throughput", Unit: "req/s", Floor: ptr(20000), FloorUnit: "req/s", FloorName: FloorBare, Notes: "skipped (-skip-postgres)"},
	}}
	customers := &Report{Section: "customers", Figures: []Figure{
		{Key: "customers.sqlite.list.p95", Name: "SQLite contacts list (20000 contacts): p95 latency", Value: ptr(list), Unit: "ms", Floor: ptr(0.5), FloorUnit: "ms", FloorName: FloorBare},
		{Key: "customers.sqlite.list_sql.p95", Name: "SQLite contacts list query alone", Value: ptr(listSQL), Unit: "ms", FloorName: FloorSQL},
	}}
	return []*Report{http, customers}
}

func headlineByKey(t *testing.T, figs []Figure) map[string]Figure {
	t.Helper()
	by := map[string]Figure{}
	for _, f := range figs {
		if _, dup := by[f.Key]; dup || f.Key == "" {
			t.Fatalf("headline key %q empty or repeated", f.Key)
		}
		by[f.Key] = f
	}
	return by
}

func TestHeadline(t *testing.T) {
	failed := []string{"imports: rapport import exited 1"}
	figs := Headline(sectionsFor(5000, 8, 2), failed)
	if len(figs) != len(headlineRows()) {
		t.Fatalf("%d headline figures for %d rows", len(figs), len(headlineRows()))
	}
	for i, row := range headlineRows() {
		if figs[i].Key != row.Key || figs[i].Name != row.Name {
			t.Fatalf("headline %d is %q (%s), want %q in the rows' order", i, figs[i].Name, figs[i].Key, row.Name)
		}
	}
	by := headlineByKey(t, figs)

	get := by["api.sqlite.get.rate"]
	if r, ok := get.Ratio(); !ok || r != 0.25 || get.Unit != "req/s" || get.FloorName != FloorBare {
		t.Errorf("API read beside the bare server: %+v (ratio %v)", get, r)
	}
	if !strings.Contains(get.Notes, "SQLite GET /api/v1/tags/{id}: throughput") {
		t.Errorf("the headline figure does not say which figure it is: %q", get.Notes)
	}
	// The list's floor is another figure: the SQL alone, not the bare server.
	list := by["customers.sqlite.list.p95"]
	if list.Floor == nil || *list.Floor != 2 || list.FloorName != FloorSQL || list.FloorUnit != "ms" {
		t.Errorf("contacts list beside its SQL: %+v", list)
	}
	if r, _ := list.Ratio(); r != 4 {
		t.Errorf("contacts list ÷ its SQL = %v, want 4", r)
	}
	// Measured as skipped: no value, the section's reason kept.
	if pg := by["api.postgres.get.rate"]; pg.Value != nil || !strings.Contains(pg.Notes, "skipped (-skip-postgres)") {
		t.Errorf("skipped PostgreSQL figure: %+v", pg)
	}
	// Never measured: no value, and the note names the failed section.
	imp := by["imports.sqlite.rate"]
	if imp.Value != nil || !strings.Contains(imp.Notes, "imports: rapport import exited 1") {
		t.Errorf("figure of a failed section: %+v", imp)
	}
	if strings.Contains(Format(imp.Value, imp.Unit), "0") || formatRatio(imp) != "–" {
		t.Errorf("a missing figure prints as %q, ratio %q", Format(imp.Value, imp.Unit), formatRatio(imp))
	}
}

func TestCombineKeepsHistory(t *testing.T) {
	prev := &Combined{}
	for i := range HistoryRuns {
		prev.History = append(prev.History, HistoryRun{Date: "old", Rapport: string(rune('a' + i))})
	}
	c := &Combined{Date: "2026-11-24T00:00:00Z", Machine: Machine{Rapport: "v2", LoadAvgAtStart: "1.00 1.00 1.00"}, Sections: sectionsFor(6000, 8, 2)}
	c.combine(prev)
	if len(c.History) != HistoryRuns {
		t.Fatalf("%d runs kept, want %d", len(c.History), HistoryRuns)
	}
	if c.History[0].Rapport != "b" || c.History[HistoryRuns-2].Rapport != string(rune('a'+HistoryRuns-1)) {
		t.Errorf("the oldest run was not the one dropped: first %q", c.History[0].Rapport)
	}
	last := c.History[HistoryRuns-1]
	if last.Rapport != "v2" || last.Date != c.Date || last.LoadAvg != "1.00 1.00 1.00" {
		t.Errorf("this run: %+v", last)
	}
	p, ok := last.Figures["api.sqlite.get.rate"]
	if !ok || *p.Value != 6000 || *p.Floor != 20000 {
		t.Errorf("this run's API read: %+v", p)
	}
	if _, ok := last.Figures["api.postgres.get.rate"]; ok {
		t.Error("a figure without a value went into the history")
	}
	if len(prev.History) != HistoryRuns || prev.History[0].Rapport != "a" {
		t.Error("combine changed the previous report's history")
	}
	// Without a previous report the history starts with this run.
	first := &Combined{Sections: sectionsFor(1, 1, 1)}
	first.combine(nil)
	if len(first.History) != 1 {
		t.Errorf("%d runs in a first history", len(first.History))
	}
}

func TestCombinedFiles(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "performance-all.json")
	if c, err := ReadCombined(jsonPath); c != nil || err != nil {
		t.Fatalf("no file yet: %v, %v", c, err)
	}
	c := &Combined{Date: "2026-11-24T00:00:00Z", Machine: Machine{Rapport: "v1", LoadAvgAtStart: "0.5 0.5 0.5"}, WallS: 600,
		Scale: map[string]string{"imports": "20000 contacts"}, Failed: []string{"imports: boom"}, Sections: sectionsFor(5000, 8, 2)}
	c.combine(nil)
	if err := c.WriteJSON(jsonPath); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCombined(jsonPath)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("read back %+v, %v\nwrote %+v", back, err, c)
	}

	mdPath := filepath.Join(dir, "performance.md")
	if err := testReport(20).WriteMarkdown(mdPath); err != nil { // the API section, as before
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(mdPath); err != nil {
		t.Fatal(err)
	}
	next := &Combined{Date: "2026-11-25T00:00:00Z", Machine: Machine{Rapport: "v2"}, Sections: sectionsFor(10000, 8, 2)}
	next.combine(back)
	if err := next.WriteMarkdown(mdPath); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(mdPath)
	s := string(b)
	for _, want := range []string{
		"| binary size | 20.0 | 5.0 | MiB | 4.00× |",                      // the API section is still there
		"| SQLite API read (GET /api/v1/tags/{id}): throughput | 10000 |", // the new headline
		"| SQLite contacts list on demo data, filtered and sorted, beside its SQL alone: p95 | 8.00 | 2.00 (SQL) | ms | 4.00× |",
		"2026-11-24 v1", "2026-11-25 v2", // both runs in the history chart
		"0.50× floor (10000 req/s)", "0.25× floor (5000 req/s)",
		"Section customers: every figure",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Count(s, mdAllBegin) != 1 || strings.Count(s, mdAllEnd) != 1 || strings.Count(s, mdBegin) != 1 {
		t.Errorf("the combined section was not replaced in place:\n%s", s)
	}
	if strings.Contains(s, "| SQLite API read (GET /api/v1/tags/{id}): throughput | 5000 |") {
		t.Error("the first run's table is still there")
	}

	var table strings.Builder
	if err := next.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "SQLite import of contacts from CSV") || !strings.Contains(table.String(), "skipped") {
		t.Errorf("table:\n%s", table.String())
	}
}

func TestHistoryChart(t *testing.T) {
	head := []Figure{
		{Key: "a", Name: "with a floor", Unit: "req/s"},
		{Key: "b", Name: "without a floor", Unit: "MiB"},
		{Key: "c", Name: "never measured", Unit: "ms"},
	}
	hist := []HistoryRun{
		{Date: "2026-01-01T00:00:00Z", Rapport: "v1", Figures: map[string]Point{"a": {Value: ptr(100), Floor: ptr(400)}, "b": {Value: ptr(50)}}},
		{Date: "2026-02-01T00:00:00Z", Rapport: "v2", Figures: map[string]Point{"a": {Value: ptr(200), Floor: ptr(400)}}},
	}
	got := HistoryChart(hist, head, 8)
	want := "with a floor\n" +
		"  2026-01-01 v1 ████ 0.25× floor (100 req/s)\n" +
		"  2026-02-01 v2 ████████ 0.50× floor (200 req/s)\n" +
		"without a floor\n" +
		"  2026-01-01 v1 ████████ 50.0 MiB\n"
	if got != want {
		t.Errorf("chart:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunAllGoesOnAfterAFailure: a section that fails does not stop the
// others; each failure is recorded and the headline still has every row.
func TestRunAllGoesOnAfterAFailure(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-rapport")
	cfg := Config{Bin: missing, Concurrency: 1, Duration: 1, Rounds: 1, ColdRuns: 1}
	c, err := RunAll(context.Background(), AllConfig{HTTP: cfg, Customers: CustomersConfig{Config: cfg}, Imports: ImportsConfig{Config: cfg}, Sales: SalesConfig{Config: cfg}}, nil)
	if err == nil {
		t.Fatal("no error with no rapport binary")
	}
	if len(c.Failed) != len(Sections) || len(c.Sections) != 0 {
		t.Fatalf("failed %q, sections %d", c.Failed, len(c.Sections))
	}
	for i, name := range Sections {
		if !strings.HasPrefix(c.Failed[i], name+": ") || !strings.Contains(c.Failed[i], "rapport binary") {
			t.Errorf("failure %d: %q", i, c.Failed[i])
		}
	}
	if len(c.Headline) != len(headlineRows()) || c.Headline[0].Value != nil || len(c.History) != 1 {
		t.Errorf("headline %d rows, history %d runs", len(c.Headline), len(c.History))
	}
}
