package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportedCount(t *testing.T) {
	tests := []struct {
		stderr string
		want   int
		ok     bool
	}{
		{"exported 1000000 contacts to /tmp/x/contacts.csv\n", 1000000, true},
		{"a warning first\nexported 20000 contacts to c.csv\n", 20000, true},
		{"exported 12 contacts to standard output\n", 12, true},
		{"exported 5 accounts to a.csv\n", 0, false},
		{"", 0, false},
		{"not exported 3 contacts to x\n", 0, false},
	}
	for _, tt := range tests {
		got, err := exportedCount(tt.stderr)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("exportedCount(%q) = %d, %v; want %d, ok %v", tt.stderr, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	st := parseProcStatus([]byte("Name:\trapport\nVmHWM:\t  1037312 kB\nVmRSS:\t   900000 kB\nRssAnon:\t  180224 kB\nThreads:\t8\n"))
	want := map[string]int64{"VmHWM": 1037312 * 1024, "VmRSS": 900000 * 1024, "RssAnon": 180224 * 1024}
	if len(st) != len(want) {
		t.Errorf("parsed %v, want %v", st, want)
	}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s = %d, want %d", k, st[k], v)
		}
	}
}

// The exports section goes under its heading the first time, not at the
// end of the file, and is replaced in place the next time.
func TestExportsSectionPlacedUnderItsHeading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	doc := "# Performance\n\n## Import and export (work in progress)\n\n### Export of 1M contacts\n\nProse.\n\n## Demo data\n\nMore prose.\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := testReport(20)
	rep.Section = "exports"
	for _, v := range []float64{20, 30} {
		rep.Figures[0].Value = ptr(v)
		if err := rep.WriteMarkdown(path); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	s := string(b)
	prose, heading, begin := strings.Index(s, "Prose."), strings.Index(s, sectionHomes["exports"].heading), strings.Index(s, "<!-- BEGIN rapport-bench exports")
	end, demo := strings.Index(s, "<!-- END rapport-bench exports -->"), strings.Index(s, "## Demo data")
	if !(prose >= 0 && prose < heading && heading < begin && begin < end && end < demo) {
		t.Errorf("the section is not between the export prose and the next part:\n%s", s)
	}
	if strings.Count(s, "<!-- BEGIN rapport-bench exports") != 1 || strings.Count(s, sectionHomes["exports"].heading) != 1 || strings.Contains(s, "| 20.0 |") {
		t.Errorf("the second run did not replace the first:\n%s", s)
	}
	if !strings.HasSuffix(s, "More prose.\n") || !strings.Contains(s, "| binary size | 30.0 |") || !strings.Contains(s, "rounds, each the floor then the export") {
		t.Errorf("unexpected document:\n%s", s)
	}
}

// TestRunMeasuredPeakIsTheChild: the peak is the child's own, not this
// process's: a small child under a parent holding 256 MiB peaks at a
// few MiB (the rusage's maxrss of a child started by os/exec says 256).
func TestRunMeasuredPeakIsTheChild(t *testing.T) {
	held := make([]byte, 256<<20)
	for i := range held {
		held[i] = 1
	}
	m, err := runMeasured(t.Context(), "sleep", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	if m.peak <= 0 || m.peak > 64<<20 {
		t.Fatalf("peak %d MiB for a sleeping child", m.peak>>20)
	}
	if held[len(held)-1] != 1 {
		t.Fatal("lost the held memory")
	}
}
