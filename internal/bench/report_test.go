package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testReport(v float64) *Report {
	return &Report{Date: "2026-01-02T03:04:05Z", Machine: Machine{NProc: 2, GOMAXPROCS: 2, Go: "go1.26", OS: "linux", Arch: "amd64", Rapport: "test"},
		Settings: Settings{Concurrency: 16, DurationS: 10, Rounds: 3, ColdRuns: 5},
		Figures: []Figure{
			{Name: "binary size", Value: ptr(v), Unit: "MiB", Floor: ptr(5), FloorUnit: "MiB", FloorName: FloorBare},
			{Name: "PostgreSQL POST /api/v1/tags: throughput", Unit: "req/s", Floor: ptr(30000), FloorUnit: "req/s", FloorName: FloorBare, Notes: "skipped"},
		}}
}

func TestWriteMarkdownKeepsProse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	if err := testReport(20).WriteMarkdown(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	edited := strings.Replace(string(b), "# Performance", "# Performance\n\nA sentence someone added.", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := testReport(30).WriteMarkdown(path); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	s := string(b)
	for _, want := range []string{"A sentence someone added.", "| binary size | 30.0 | 5.0 | MiB | 6.00× |", "| skipped |", "## How each figure is measured"} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(s, "| 20.0 |") || strings.Count(s, mdBegin) != 1 {
		t.Errorf("the old section was not replaced:\n%s", s)
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		v, top float64
		want   string
	}{
		{10, 10, "████"},
		{5, 10, "██"},
		{1, 10, "▍"}, // 3.2 eighths rounds to 3
		{0, 10, "▏"},
	}
	for _, tt := range tests {
		if got := bar(tt.v, tt.top, 4); got != tt.want {
			t.Errorf("bar(%v, %v) = %q, want %q", tt.v, tt.top, got, tt.want)
		}
	}
}
