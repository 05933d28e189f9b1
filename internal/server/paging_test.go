package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestPagingWithTies: 23 tags whose sort values repeat (three distinct
// ranks, a case-insensitive text with ties, and empty values) are paged
// five at a time both ways; the pages must add up to exactly the full
// order — value, then id — with no record twice and none missing.
func TestPagingWithTies(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	w.CustomField(t, "tags", "rank", "integer", nil)
	w.CustomField(t, "tags", "kind", "text", nil)
	w.CustomField(t, "tags", "score", "decimal", nil)
	type row struct {
		id    string
		rank  *int64
		kind  string // "" when empty
		score string
	}
	var rows []row
	kinds := []string{"Beta", "alpha", "BETA", "beta", "Alpha", ""}
	for i := 0; i < 23; i++ {
		body := map[string]any{"name": fmt.Sprintf("tag %02d", 22-i)} // names against creation order
		r := row{kind: kinds[i%len(kinds)]}
		if i%5 != 4 {
			v := int64(i % 3)
			r.rank = &v
			body["cf_rank"] = v
			r.score = []string{"1.5", "1.50", "10", "2"}[i%4]
			body["cf_score"] = r.score
		}
		if r.kind != "" {
			body["cf_kind"] = r.kind
		}
		r.id = c.CreateTag(t, "", body).ID()
		rows = append(rows, r)
	}
	// The expected ascending orders, computed here from the values: empty
	// last, then by id. Descending is the exact reverse.
	order := func(less func(a, b row) int, empty func(r row) bool) []string {
		s := slices.Clone(rows)
		sort.Slice(s, func(i, j int) bool {
			a, b := s[i], s[j]
			if empty(a) != empty(b) {
				return empty(b)
			}
			if !empty(a) {
				if d := less(a, b); d != 0 {
					return d < 0
				}
			}
			return a.id < b.id
		})
		ids := make([]string, len(s))
		for i, r := range s {
			ids[i] = r.id
		}
		return ids
	}
	cmp := func(x, y float64) int {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	num := func(s string) float64 { var f float64; fmt.Sscan(s, &f); return f }
	sorts := []struct {
		field string
		asc   []string
	}{
		{"cf_rank", order(func(a, b row) int { return cmp(float64(*a.rank), float64(*b.rank)) }, func(r row) bool { return r.rank == nil })},
		{"cf_kind", order(func(a, b row) int { return strings.Compare(strings.ToLower(a.kind), strings.ToLower(b.kind)) }, func(r row) bool { return r.kind == "" })},
		{"cf_score", order(func(a, b row) int { return cmp(num(a.score), num(b.score)) }, func(r row) bool { return r.score == "" })},
	}
	for _, s := range sorts {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(s.asc)
			key := s.field
			if desc {
				slices.Reverse(want)
				key = "-" + key
			}
			t.Run(key, func(t *testing.T) {
				got, pages := c.ListAll(t, "/api/v1/tags?sort="+key+"&limit=5")
				if pages != 5 {
					t.Errorf("%d pages for 23 records at 5 a page", pages)
				}
				seen := map[string]bool{}
				for _, id := range got {
					if seen[id] {
						t.Fatalf("%s is on two pages", id)
					}
					seen[id] = true
				}
				if !slices.Equal(got, want) {
					t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
				}
				if whole := c.List(t, "/api/v1/tags?limit=23&sort="+key); !slices.Equal(whole.IDs(), want) || whole.NextCursor != "" {
					t.Fatalf("one page of 23 differs or has a next cursor %q", whole.NextCursor)
				}
			})
		}
	}

	t.Run("filtered", func(t *testing.T) {
		var want []string
		for _, id := range sorts[0].asc {
			for _, r := range rows {
				if r.id == id && r.rank != nil && *r.rank >= 1 {
					want = append(want, id)
				}
			}
		}
		got, _ := c.ListAll(t, "/api/v1/tags?filter[cf_rank][gte]=1&sort=cf_rank&limit=4")
		if !slices.Equal(got, want) {
			t.Fatalf("filtered pages gave %d records, want %d", len(got), len(want))
		}
	})

	t.Run("standard fields", func(t *testing.T) {
		for _, key := range []string{"name", "-name", "created_at", "-created_at", "updated_at", "-updated_at", "color", "-color", "owner_id"} {
			got, _ := c.ListAll(t, "/api/v1/tags?limit=4&sort="+key)
			all := c.List(t, "/api/v1/tags?limit=500&sort="+key).IDs()
			if !slices.Equal(got, all) || len(all) != 23 {
				t.Fatalf("sort=%s: pages of 4 gave %d records, one page %d", key, len(got), len(all))
			}
		}
		// name sorts case-insensitively, in the order the names say.
		names := []string{}
		for _, r := range c.List(t, "/api/v1/tags?limit=3&sort=-name").Data {
			names = append(names, r["name"].(string))
		}
		if !slices.Equal(names, []string{"tag 22", "tag 21", "tag 20"}) {
			t.Fatalf("sort=-name starts %v", names)
		}
	})

	// A cursor only continues the list it came from.
	first := c.List(t, "/api/v1/tags?sort=cf_rank&limit=5")
	forge := func(m map[string]any) string {
		b, _ := json.Marshal(m)
		return url.QueryEscape(base64.RawURLEncoding.EncodeToString(b))
	}
	someID := rows[0].id
	e.Run(t, []servertest.Scenario{
		{Name: "cursor of another sort", Method: "GET", Path: "/api/v1/tags?sort=-cf_rank&limit=5&cursor=" + url.QueryEscape(first.NextCursor), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor not base64", Method: "GET", Path: "/api/v1/tags?cursor=%25%25%25", Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor of garbage", Method: "GET", Path: "/api/v1/tags?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("garbage")), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor without id", Method: "GET", Path: "/api/v1/tags?sort=name&cursor=" + forge(map[string]any{"s": "name", "v": "a"}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with a bad id", Method: "GET", Path: "/api/v1/tags?sort=name&cursor=" + forge(map[string]any{"s": "name", "v": "a", "i": "not-an-id"}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with an object value", Method: "GET", Path: "/api/v1/tags?sort=name&cursor=" + forge(map[string]any{"s": "name", "v": map[string]any{"x": 1}, "i": someID}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with an array value", Method: "GET", Path: "/api/v1/tags?sort=cf_rank&cursor=" + forge(map[string]any{"s": "cf_rank", "v": []int{1}, "i": someID}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with text for a number", Method: "GET", Path: "/api/v1/tags?sort=cf_rank&cursor=" + forge(map[string]any{"s": "cf_rank", "v": "abc", "i": someID}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with text for a time", Method: "GET", Path: "/api/v1/tags?sort=created_at&cursor=" + forge(map[string]any{"s": "created_at", "v": "abc", "i": someID}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor with a NUL", Method: "GET", Path: "/api/v1/tags?sort=name&cursor=" + forge(map[string]any{"s": "name", "v": "a\x00b", "i": someID}), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "cursor too long", Method: "GET", Path: "/api/v1/tags?cursor=" + strings.Repeat("A", 10000), Status: 422, ErrorAt: []string{"query.cursor"}},
		{Name: "limit 0", Method: "GET", Path: "/api/v1/tags?limit=0", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "limit 501", Method: "GET", Path: "/api/v1/tags?limit=501", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "limit -1", Method: "GET", Path: "/api/v1/tags?limit=-1", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "limit abc", Method: "GET", Path: "/api/v1/tags?limit=abc", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "limit 1.5", Method: "GET", Path: "/api/v1/tags?limit=1.5", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "limit 500", Method: "GET", Path: "/api/v1/tags?limit=500", Status: 200},
		{Name: "unknown filter field", Method: "GET", Path: "/api/v1/tags?filter[nope][eq]=1", Status: 422, ErrorAt: []string{"query.filter[nope][eq]"}},
		{Name: "unknown filter field, default op", Method: "GET", Path: "/api/v1/tags?filter[nope]=1", Status: 422, ErrorAt: []string{"query.filter[nope][eq]"}},
		{Name: "unknown operator", Method: "GET", Path: "/api/v1/tags?filter[name][like]=a", Status: 422, ErrorAt: []string{"query.filter[name][like]"}},
		{Name: "unknown parameter", Method: "GET", Path: "/api/v1/tags?sortt=name", Status: 422, ErrorAt: []string{"query.sortt"}},
		{Name: "unknown sort", Method: "GET", Path: "/api/v1/tags?sort=-nope", Status: 422, ErrorAt: []string{"query.sort"}},
		{Name: "unknown field selected", Method: "GET", Path: "/api/v1/tags?fields=name,nope", Status: 422, ErrorAt: []string{"query.fields"}},
		{Name: "unknown field selected on one", Method: "GET", Path: "/api/v1/tags/" + someID + "?fields=nope", Status: 422, ErrorAt: []string{"query.fields"}},
		{Name: "several errors at once", Method: "GET", Path: "/api/v1/tags?limit=0&filter[nope][eq]=1", Status: 422, ErrorAt: []string{"query.limit"}},
		{Name: "field selection", Method: "GET", Path: "/api/v1/tags?fields=name&limit=1&sort=name", Status: 200, Contains: []string{`"name":"tag 00"`}, NotContains: []string{"cf_rank", "created_at"}},
	})
}
