package bench

import (
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 to 100) of sorted, which must
// be in ascending order, by the nearest-rank method: the smallest recorded
// value that at least p percent of the values do not exceed. It is exact
// (a recorded value, never an interpolation) and 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	// p*n/100 rather than p/100*n: 95*100/100 is exactly 95, while
	// 0.95*100 is not, and the ceiling would step past it.
	rank := int(p * float64(n) / 100)
	if float64(rank) < p*float64(n)/100 {
		rank++
	}
	return sorted[max(rank, 1)-1]
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none. xs is not changed.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Summary describes one load run.
type Summary struct {
	OK         int           // requests that succeeded; their latencies are the percentiles
	Errors     int           // requests that failed or got an unexpected status
	FirstError string        // the first failure, for the report
	Elapsed    time.Duration // from the first request to the last answer
	Rate       float64       // successful requests per second
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
}

// Summarize sorts lat (in place) and describes the run.
func Summarize(lat []time.Duration, errors int, firstErr string, elapsed time.Duration) Summary {
	slices.Sort(lat)
	s := Summary{OK: len(lat), Errors: errors, FirstError: firstErr, Elapsed: elapsed,
		P50: Percentile(lat, 50), P95: Percentile(lat, 95), P99: Percentile(lat, 99), Max: Percentile(lat, 100)}
	if elapsed > 0 {
		s.Rate = float64(len(lat)) / elapsed.Seconds()
	}
	return s
}
