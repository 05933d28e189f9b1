package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100) // 1ms … 100ms
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	thousand := make([]time.Duration, 1000) // 1µs … 1000µs
	for i := range thousand {
		thousand[i] = time.Duration(i+1) * time.Microsecond
	}
	ms := time.Millisecond
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7 * ms}, 99, 7 * ms},
		{"p0 is the minimum", hundred, 0, 1 * ms},
		{"p50 of 100", hundred, 50, 50 * ms},
		{"p95 of 100 is exact, not one past", hundred, 95, 95 * ms},
		{"p99 of 100", hundred, 99, 99 * ms},
		{"p100 is the maximum", hundred, 100, 100 * ms},
		{"above 100 clamps", hundred, 120, 100 * ms},
		{"below 0 clamps", hundred, -5, 1 * ms},
		{"p99.9 of 1000", thousand, 99.9, 999 * time.Microsecond},
		{"between ranks rounds up", hundred, 50.5, 51 * ms},
		{"p50 of two is the lower", []time.Duration{1 * ms, 2 * ms}, 50, 1 * ms},
		{"p51 of two is the upper", []time.Duration{1 * ms, 2 * ms}, 51, 2 * ms},
		{"tiny p is the minimum", hundred, 0.001, 1 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.xs...)
		if got := Median(in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.xs[i] {
				t.Fatalf("Median changed its input: %v", in)
			}
		}
	}
}

func TestSummarizeSortsAndRates(t *testing.T) {
	lat := []time.Duration{3 * time.Millisecond, 1 * time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	s := Summarize(lat, 1, "boom", 2*time.Second)
	if s.OK != 4 || s.Errors != 1 || s.Rate != 2 {
		t.Errorf("OK=%d Errors=%d Rate=%v, want 4, 1, 2", s.OK, s.Errors, s.Rate)
	}
	if s.P50 != 2*time.Millisecond || s.Max != 4*time.Millisecond {
		t.Errorf("P50=%v Max=%v, want 2ms, 4ms", s.P50, s.Max)
	}
}
