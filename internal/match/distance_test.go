package match

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want float64
	}{
		{"", "", 1},
		{"abc", "", 0},
		{"", "abc", 0},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"MARTHA", "MARHTA", 0.961},
		{"DWAYNE", "DUANE", 0.840},
		{"DIXON", "DICKSONX", 0.813},
		{"CRATE", "TRACE", 0.733},
		{"jonathan", "jonathon", 0.95},
		{"catherine", "katherine", 0.926},
		{"张伟", "张玮", 0.7},
		{"josé", "jose", 0.883},
	}
	for _, tt := range tests {
		got := JaroWinkler(tt.a, tt.b)
		if math.Abs(got-tt.want) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
		}
	}
	// Long strings (beyond the stack buffers) work too.
	long := string(make([]byte, 200))
	if got := JaroWinkler(long, long+"x"); got <= 0.9 || got > 1 {
		t.Errorf("JaroWinkler(long) = %v", got)
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"", "", 0, 0},
		{"abc", "abc", 0, 0},
		{"", "abc", 5, 3},
		{"abc", "", 5, 3},
		{"kitten", "sitting", 10, 3},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3},
		{"kitten", "sitting", 1, 2},
		{"kitten", "sitting", -1, 3},
		{"flaw", "lawn", 5, 2},
		{"josé", "jose", 5, 1}, // runes, not bytes
		{"张伟", "张玮", 5, 1},
		{"abcdef", "a", 2, 3},
		{"abc", "abcdefgh", 100, 5},
	}
	for _, tt := range tests {
		if got := Levenshtein(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("Levenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

// levenshteinRef is the textbook full-matrix algorithm.
func levenshteinRef(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
		}
	}
	return d[len(ra)][len(rb)]
}

func TestLevenshteinAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcé张")
	gen := func() string {
		n := rng.IntN(80)
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	for range 2000 {
		a, b := gen(), gen()
		want := levenshteinRef(a, b)
		maxd := rng.IntN(90) - 5
		got := Levenshtein(a, b, maxd)
		switch {
		case maxd < 0 && got != want,
			maxd >= 0 && want <= maxd && got != want,
			maxd >= 0 && want > maxd && got != maxd+1:
			t.Fatalf("Levenshtein(%q, %q, %d) = %d, reference %d", a, b, maxd, got, want)
		}
		if jw := JaroWinkler(a, b); jw < 0 || jw > 1 || math.IsNaN(jw) {
			t.Fatalf("JaroWinkler(%q, %q) = %v", a, b, jw)
		}
	}
}
