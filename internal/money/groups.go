package money

import (
	"database/sql"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Sum adds amounts exactly: SumSQL's sums and plain decimals with at
// most 12 places are added as integers (whole units and 10⁻¹² parts);
// what does not fit in them is added as a fraction.
type Sum struct {
	whole, frac int64
	rest        *big.Rat
}

// Add adds a sum as SumSQL yields it, or a plain decimal.
func (s *Sum) Add(v string) error {
	if w, f, ok := splitSum(v); ok {
		nw, okw := add64(s.whole, w)
		nf, okf := add64(s.frac, f)
		if okw && okf {
			s.whole, s.frac = nw, nf
			return nil
		}
	}
	r, ok := parseSum(v)
	if !ok {
		return fmt.Errorf("money sum: bad sum %q", v)
	}
	if s.rest == nil {
		s.rest = new(big.Rat)
	}
	s.rest.Add(s.rest, r)
	return nil
}

// Rat returns the exact sum.
func (s *Sum) Rat() *big.Rat {
	r := new(big.Rat).SetFrac(big.NewInt(s.frac), big.NewInt(1))
	r.Quo(r, fracScale)
	r.Add(r, new(big.Rat).SetInt64(s.whole))
	if s.rest != nil {
		r.Add(r, s.rest)
	}
	return r
}

// splitSum reads "whole:frac" (SumSQL on SQLite) or a decimal with at
// most 12 places into whole units and 10⁻¹² parts of the same sign.
func splitSum(v string) (whole, frac int64, ok bool) {
	if w, f, cut := strings.Cut(v, ":"); cut {
		wi, err1 := strconv.ParseInt(w, 10, 64)
		fi, err2 := strconv.ParseInt(f, 10, 64)
		return wi, fi, err1 == nil && err2 == nil
	}
	w, f, _ := strings.Cut(v, ".")
	if len(f) > 12 || w == "" || w == "-" || w == "+" {
		return 0, 0, false
	}
	wi, err := strconv.ParseInt(w, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if f == "" {
		return wi, 0, true
	}
	if f[0] == '-' || f[0] == '+' {
		return 0, 0, false
	}
	fi, err := strconv.ParseUint(f+strings.Repeat("0", 12-len(f)), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if strings.HasPrefix(w, "-") {
		return wi, -int64(fi), true
	}
	return wi, int64(fi), true
}

// add64 adds without overflowing: ok is false when it would.
func add64(a, b int64) (int64, bool) {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		return 0, false
	}
	return c, true
}

// Groups adds up a query's sums by key, currency and rate before any
// conversion: a query grouped by day returns thousands of groups, but
// days under one rate share it, so each key, currency and rate is
// converted once instead of each day.
type Groups[K comparable] struct {
	rates *RateTable
	sums  map[groupKey[K]]*groupSum
	order []groupKey[K]
}

type groupKey[K comparable] struct {
	key      K
	currency string
	span     int // the rate's index in rates.spans[currency]; -1 none
}

type groupSum struct {
	sum Sum
	n   int
}

// NewGroups returns empty groups converting with rates.
func NewGroups[K comparable](rates *RateTable) *Groups[K] {
	return &Groups[K]{rates: rates, sums: map[groupKey[K]]*groupSum{}}
}

// Add adds n rows summing sum in currency on day (YYYY-MM-DD) to key.
// Rows without an amount have an empty currency and sum: they count and
// add nothing.
func (g *Groups[K]) Add(key K, currency, day, sum string, n int) error {
	k := groupKey[K]{key: key, currency: currency, span: -1}
	if currency != "" {
		k.span = g.rates.span(currency, day)
	}
	s := g.sums[k]
	if s == nil {
		s = &groupSum{}
		g.sums[k] = s
		g.order = append(g.order, k)
	}
	s.n += n
	if sum == "" {
		return nil
	}
	return s.sum.Add(sum)
}

// Each calls fn for each key, currency and rate in the order they were
// first added, with their row count and exact amount, and the rate
// (invalid when none is known, and for rows without a currency).
func (g *Groups[K]) Each(fn func(key K, currency string, n int, amount *big.Rat, rate sql.NullString) error) error {
	for _, k := range g.order {
		s := g.sums[k]
		var rate sql.NullString
		if k.span >= 0 {
			rate = sql.NullString{String: g.rates.spans[k.currency][k.span].rate, Valid: true}
		}
		if err := fn(k.key, k.currency, s.n, s.sum.Rat(), rate); err != nil {
			return err
		}
	}
	return nil
}

// span returns the index of the rate of currency on day in t.spans, -1
// when none is known.
func (t *RateTable) span(currency, day string) int {
	spans := t.spans[currency]
	i := sort.Search(len(spans), func(i int) bool { return spans[i].from > day }) - 1
	if i < 0 || spans[i].until != "" && day >= spans[i].until {
		return -1
	}
	return i
}
