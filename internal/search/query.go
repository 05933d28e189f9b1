package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
)

// Source says how to show hits of one object: its table and the columns
// holding a hit's title and subtitle.
type Source struct {
	Object   string
	Table    string
	Title    string
	Subtitle string
}

// Searcher answers searches across the registered sources.
type Searcher struct {
	DB      *db.DB
	Sources []Source
	// GroupCap bounds the index entries one word reads before the
	// search changes strategy (groupCap when zero; tests set it low).
	GroupCap int
}

// Hit is one record found.
type Hit struct {
	Object   string  `json:"object"`
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Subtitle string  `json:"subtitle,omitempty"`
	Score    float64 `json:"score"`
}

// Options narrow a search.
type Options struct {
	Objects []string // empty: every source the caller may read
	Limit   int
}

// maxUTF8 sorts after every UTF-8 encoded character: term >= p AND
// term < p+maxUTF8 is "term starts with p" on a byte-ordered column.
const maxUTF8 = "\xf4\x8f\xbf\xbf"

// group is one word of the query: the alternatives any of which
// satisfies it.
type group struct {
	prefix []string // terms starting with these
	exact  []string // or equal to these
}

// Search returns the records matching every word of q, best first,
// limited to the records the caller may read.
func (s *Searcher) Search(ctx context.Context, p *auth.Principal, q string, opts Options) ([]Hit, error) {
	q = strings.TrimSpace(q)
	if !utf8.ValidString(q) {
		return nil, errs.Field("query.q", "must be valid UTF-8 text")
	}
	if utf8.RuneCountInString(q) > 200 {
		return nil, errs.Field("query.q", "must be at most 200 characters")
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 20
	}
	if limit > 100 {
		return nil, errs.Field("query.limit", "must be between 1 and 100")
	}
	var sources []Source
	for _, src := range s.Sources {
		if len(opts.Objects) > 0 && !slices.Contains(opts.Objects, src.Object) {
			continue
		}
		if p.Can(src.Object, auth.ActRead) {
			sources = append(sources, src)
		}
	}
	for _, o := range opts.Objects {
		if !slices.ContainsFunc(s.Sources, func(src Source) bool { return src.Object == o }) {
			return nil, errs.Field("query.objects", "names an object search does not cover: "+o)
		}
	}
	if q == "" || len(sources) == 0 {
		return []Hit{}, nil
	}
	groups, err := s.groups(ctx, p.WorkspaceID, q, s.region(ctx, p.WorkspaceID))
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return []Hit{}, nil
	}
	objs := make([]any, len(sources))
	for i, src := range sources {
		objs[i] = src.Object
	}
	restricted := false
	for _, src := range sources {
		if cond, _ := records.ScopeSQL(p, src.Object); cond != "" {
			restricted = true
		}
	}
	scores, err := s.candidates(ctx, p.WorkspaceID, objs, groups)
	if err != nil {
		return nil, err
	}
	// The best candidates go on to the permission check and their titles:
	// a few more than asked for (some may be in the trash), many more when
	// the caller's scope may hide most of them.
	keep := 2*limit + 20
	if restricted {
		keep = 300
	}
	ranked := make([]string, 0, len(scores))
	for k := range scores {
		ranked = append(ranked, k)
	}
	sort.Slice(ranked, func(i, j int) bool {
		if scores[ranked[i]] != scores[ranked[j]] {
			return scores[ranked[i]] > scores[ranked[j]]
		}
		return ranked[i] < ranked[j]
	})
	if len(ranked) > keep {
		ranked = ranked[:keep]
	}
	byObject := map[string][]string{}
	for _, k := range ranked {
		obj, id, _ := strings.Cut(k, "/")
		byObject[obj] = append(byObject[obj], id)
	}
	hits := []Hit{}
	for _, src := range sources {
		ids := byObject[src.Object]
		if len(ids) == 0 {
			continue
		}
		found, err := s.visible(ctx, p, src, ids)
		if err != nil {
			return nil, err
		}
		for i := range found {
			found[i].Score = scores[src.Object+"/"+found[i].ID]
		}
		hits = append(hits, found...)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return strings.ToLower(hits[i].Title) < strings.ToLower(hits[j].Title)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// groupCap bounds the index entries one word of a query reads. A word
// that starts more entries than that (a short prefix, the commonest
// surname) is read in index order, whole-word matches first, so its
// exact hits are the ones kept.
const groupCap = 4000

// candidates scores the records matching every group ("object/id" →
// score) without sorting a whole word's entries in the database: the
// rarest group's entries are read (at most groupCap), and the other
// groups are looked up among those records only.
func (s *Searcher) candidates(ctx context.Context, ws string, objs []any, groups []group) (map[string]float64, error) {
	conds := make([]wordCond, len(groups))
	for i, g := range groups {
		var parts []string
		var args []any
		for _, pfx := range g.prefix {
			parts = append(parts, "(term >= ? AND term < ?)")
			args = append(args, pfx, pfx+maxUTF8)
		}
		if len(g.exact) > 0 {
			parts = append(parts, "term IN ("+marks(len(g.exact))+")")
			for _, x := range g.exact {
				args = append(args, x)
			}
		}
		best := ""
		if len(g.prefix) > 0 {
			best = g.prefix[0]
		} else {
			best = g.exact[0]
		}
		conds[i] = wordCond{"(" + strings.Join(parts, " OR ") + ")", args, best}
	}
	limit := s.GroupCap
	if limit <= 0 {
		limit = groupCap
	}
	base := "FROM search_terms WHERE workspace_id = ? AND object IN (" + marks(len(objs)) + ") AND "
	baseArgs := append([]any{ws}, objs...)
	// The rarest group drives.
	driver := 0
	if len(groups) > 1 {
		least := -1
		for i, c := range conds {
			var n int
			q := "SELECT COUNT(*) FROM (SELECT 1 " + base + c.sql + " LIMIT " + fmt.Sprint(limit+1) + ") x"
			if err := s.DB.QueryRow(ctx, q, append(append([]any{}, baseArgs...), c.args...)...).Scan(&n); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			if least < 0 || n < least {
				driver, least = i, n
			}
		}
		if least > limit {
			// Every word is common: intersect them all in the database.
			return s.intersect(ctx, base, baseArgs, conds)
		}
	}
	// A whole-word hit counts twice a prefix hit; a typo correction
	// counts half.
	weigh := func(term string, weight float64, best string) float64 {
		switch {
		case term == best:
			return weight * 4
		case strings.HasPrefix(term, best):
			return weight * 2
		}
		return weight
	}
	scores := map[string]float64{}
	dc := conds[driver]
	rows, err := s.DB.Query(ctx, "SELECT object, record_id, term, weight "+base+dc.sql+" LIMIT "+fmt.Sprint(limit), append(append([]any{}, baseArgs...), dc.args...)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ids := map[string][]any{} // object → record ids
	for rows.Next() {
		var obj, term string
		var id any
		var w float64
		if err := rows.Scan(&obj, &id, &term, &w); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
		k := obj + "/" + idText(id)
		if _, seen := scores[k]; !seen {
			ids[obj] = append(ids[obj], idText(id))
		}
		scores[k] = max(scores[k], weigh(term, w, dc.best))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for i, c := range conds {
		if i == driver || len(scores) == 0 {
			continue
		}
		got := map[string]float64{}
		for obj, list := range ids {
			for start := 0; start < len(list); start += 500 {
				chunk := list[start:min(start+500, len(list))]
				args := []any{ws, obj}
				args = append(args, chunk...)
				args = append(args, c.args...)
				rows, err := s.DB.Query(ctx, "SELECT record_id, term, weight FROM search_terms WHERE workspace_id = ? AND object = ? AND record_id IN ("+marks(len(chunk))+") AND "+c.sql, args...)
				if err != nil {
					return nil, fmt.Errorf("search: %w", err)
				}
				for rows.Next() {
					var id any
					var term string
					var w float64
					if err := rows.Scan(&id, &term, &w); err != nil {
						rows.Close()
						return nil, fmt.Errorf("search: %w", err)
					}
					k := obj + "/" + idText(id)
					got[k] = max(got[k], weigh(term, w, c.best))
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return nil, fmt.Errorf("search: %w", err)
				}
			}
		}
		// Only records matching every group stay.
		for k := range scores {
			if g, ok := got[k]; ok {
				scores[k] += g
			} else {
				delete(scores, k)
			}
		}
		for obj, list := range ids {
			ids[obj] = slices.DeleteFunc(list, func(id any) bool { _, ok := scores[obj+"/"+id.(string)]; return !ok })
		}
	}
	return scores, nil
}

// intersect scores the records matching every condition in one query,
// whatever the number of entries: exact, and slow for common words.
func (s *Searcher) intersect(ctx context.Context, base string, baseArgs []any, conds []wordCond) (map[string]float64, error) {
	var parts []string
	var args []any
	for _, c := range conds {
		parts = append(parts, "SELECT object, record_id, MAX(weight * CASE WHEN term = ? THEN 4 WHEN term >= ? AND term < ? THEN 2 ELSE 1 END) AS w "+base+c.sql+" GROUP BY object, record_id")
		args = append(args, c.best, c.best, c.best+maxUTF8)
		args = append(args, baseArgs...)
		args = append(args, c.args...)
	}
	q := "SELECT object, record_id, SUM(w) AS score FROM (" + strings.Join(parts, " UNION ALL ") + ") hits GROUP BY object, record_id HAVING COUNT(*) = " + fmt.Sprint(len(conds)) +
		" ORDER BY score DESC, record_id LIMIT 300"
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	scores := map[string]float64{}
	for rows.Next() {
		var obj string
		var id any
		var score float64
		if err := rows.Scan(&obj, &id, &score); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		scores[obj+"/"+idText(id)] = score
	}
	return scores, rows.Err()
}

// wordCond is one word of a query as SQL: a condition on term, its
// arguments, and the term a whole-word hit equals.
type wordCond struct {
	sql  string
	args []any
	best string
}

// visible keeps the live records of ids the caller reaches and reads
// their titles.
func (s *Searcher) visible(ctx context.Context, p *auth.Principal, src Source, ids []string) ([]Hit, error) {
	sub := "''"
	if src.Subtitle != "" {
		sub = src.Subtitle
	}
	where := "workspace_id = ? AND deleted_at IS NULL AND id IN (" + marks(len(ids)) + ")"
	args := []any{p.WorkspaceID}
	for _, id := range ids {
		args = append(args, id)
	}
	if cond, a := records.ScopeSQL(p, src.Object); cond != "" {
		where += " AND " + cond
		args = append(args, a...)
	}
	rows, err := s.DB.Query(ctx, "SELECT id, "+src.Title+", "+sub+" FROM "+src.Table+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", src.Object, err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var id any
		var title, subtitle *string
		if err := rows.Scan(&id, &title, &subtitle); err != nil {
			return nil, fmt.Errorf("search %s: %w", src.Object, err)
		}
		h := Hit{Object: src.Object, ID: idText(id)}
		if title != nil {
			h.Title = *title
		}
		if subtitle != nil {
			h.Subtitle = *subtitle
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// groups turns the query into word groups: a phone number is one group
// of digit strings; words are prefixes (whole pairs for Chinese), and a
// word that starts no indexed term is replaced by the indexed name
// words within one or two typos of it.
func (s *Searcher) groups(ctx context.Context, ws, q, region string) ([]group, error) {
	if digits := match.PhoneQuery(q, region); len(digits) > 0 {
		return []group{{prefix: digits}}, nil
	}
	terms := match.QueryTerms(q)
	if len(terms) > 8 {
		terms = terms[:8]
	}
	var out []group
	for _, t := range terms {
		if match.HasHan(t) || utf8.RuneCountInString(t) < 2 {
			out = append(out, group{exact: []string{t}})
			continue
		}
		g := group{prefix: []string{t}}
		if utf8.RuneCountInString(t) >= 4 && !strings.ContainsAny(t, "@0123456789") {
			var one int
			err := s.DB.QueryRow(ctx, "SELECT 1 FROM search_terms WHERE workspace_id = ? AND term >= ? AND term < ? LIMIT 1", ws, t, t+maxUTF8).Scan(&one)
			if errs.Is(db.MapError(err), errs.NotFound) {
				fixes, err := s.corrections(ctx, ws, t)
				if err != nil {
					return nil, err
				}
				if len(fixes) == 0 {
					return nil, nil // a word nothing matches: no hits
				}
				g = group{exact: fixes}
			} else if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// corrections returns the indexed name words within one typo of t (two
// for words of eight letters or more).
func (s *Searcher) corrections(ctx context.Context, ws, t string) ([]string, error) {
	n := utf8.RuneCountInString(t)
	maxDist := 1
	if n >= 8 {
		maxDist = 2
	}
	rows, err := s.DB.Query(ctx, "SELECT term FROM search_vocab WHERE workspace_id = ? AND length(term) BETWEEN ? AND ?", ws, n-maxDist, n+maxDist)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if match.Levenshtein(t, c, maxDist) <= maxDist {
			out = append(out, c)
			if len(out) == 50 {
				break
			}
		}
	}
	return out, rows.Err()
}

func (s *Searcher) region(ctx context.Context, ws string) string {
	var r string
	if err := s.DB.QueryRow(ctx, "SELECT region FROM workspaces WHERE id = ?", ws).Scan(&r); err != nil {
		return ""
	}
	return r
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func idText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	}
	return fmt.Sprint(v)
}
