package match

import "unicode/utf8"

// stackRunes is the string length (in runes) up to which the distance
// functions work in stack buffers without allocating.
const stackRunes = 64

// JaroWinkler returns the Jaro-Winkler similarity of a and b compared rune by
// rune: 1 for equal strings (including two empty ones), 0 when one is empty
// or nothing matches. The Winkler bonus uses a scaling factor of 0.1 for a
// common prefix of up to 4 runes, with no boost threshold.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	var bufA, bufB [stackRunes]rune
	return jaroWinkler(appendRunes(bufA[:0], a), appendRunes(bufB[:0], b))
}

func appendRunes(dst []rune, s string) []rune {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = append(dst, r)
		i += n
	}
	return dst
}

func jaroWinkler(a, b []rune) float64 {
	j := jaro(a, b)
	l := 0
	for l < 4 && l < len(a) && l < len(b) && a[l] == b[l] {
		l++
	}
	return j + float64(l)*0.1*(1-j)
}

func jaro(a, b []rune) float64 {
	la, lb := len(a), len(b)
	if la == 0 && lb == 0 {
		return 1
	}
	if la == 0 || lb == 0 {
		return 0
	}
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	var fa, fb [stackRunes]bool
	ma, mb := fa[:0], fb[:0]
	if la <= stackRunes {
		ma = fa[:la]
	} else {
		ma = make([]bool, la)
	}
	if lb <= stackRunes {
		mb = fb[:lb]
	} else {
		mb = make([]bool, lb)
	}
	m := 0
	for i, r := range a {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && b[j] == r {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, k := 0, 0
	for i, r := range a {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if r != b[k] {
			t++
		}
		k++
	}
	fm := float64(m)
	return (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
}

// Levenshtein returns the edit distance (insertions, deletions and
// substitutions) between a and b counted in runes. It stops early: when the
// distance exceeds max it returns max+1. A negative max means no limit.
func Levenshtein(a, b string, max int) int {
	if a == b {
		return 0
	}
	var bufA, bufB [stackRunes]rune
	ra, rb := appendRunes(bufA[:0], a), appendRunes(bufB[:0], b)
	// Common prefix and suffix do not change the distance.
	for len(ra) > 0 && len(rb) > 0 && ra[0] == rb[0] {
		ra, rb = ra[1:], rb[1:]
	}
	for len(ra) > 0 && len(rb) > 0 && ra[len(ra)-1] == rb[len(rb)-1] {
		ra, rb = ra[:len(ra)-1], rb[:len(rb)-1]
	}
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if max < 0 {
		max = len(rb) // the distance never exceeds the longer length
	}
	if len(rb)-len(ra) > max {
		return max + 1
	}
	if len(ra) == 0 {
		return len(rb)
	}
	// One row of the DP matrix over the shorter string.
	var rowBuf [stackRunes + 1]int
	var row []int
	if len(ra) < len(rowBuf) {
		row = rowBuf[:len(ra)+1]
	} else {
		row = make([]int, len(ra)+1)
	}
	for i := range row {
		row[i] = i
	}
	for j, rj := range rb {
		diag := row[0]
		row[0] = j + 1
		rowMin := row[0]
		for i, ri := range ra {
			cost := 1
			if ri == rj {
				cost = 0
			}
			v := min(row[i+1]+1, row[i]+1, diag+cost)
			diag = row[i+1]
			row[i+1] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
	}
	if d := row[len(ra)]; d <= max {
		return d
	}
	return max + 1
}
