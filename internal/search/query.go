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
	var parts []string
	var args []any
	for _, g := range groups {
		var conds []string
		var gargs []any
		best := ""
		for _, pfx := range g.prefix {
			conds = append(conds, "(term >= ? AND term < ?)")
			gargs = append(gargs, pfx, pfx+maxUTF8)
			if best == "" {
				best = pfx
			}
		}
		if len(g.exact) > 0 {
			conds = append(conds, "term IN ("+marks(len(g.exact))+")")
			for _, x := range g.exact {
				gargs = append(gargs, x)
			}
		}
		// A whole-word hit counts twice a prefix hit; a typo correction
		// counts half.
		w := "MAX(weight * CASE WHEN term = ? THEN 4 WHEN term >= ? AND term < ? THEN 2 ELSE 1 END)"
		if best == "" {
			best = g.exact[0]
		}
		part := "SELECT object, record_id, " + w + " AS w FROM search_terms WHERE workspace_id = ? AND object IN (" + marks(len(objs)) + ") AND (" + strings.Join(conds, " OR ") + ") GROUP BY object, record_id"
		parts = append(parts, part)
		args = append(args, best, best, best+maxUTF8, p.WorkspaceID)
		args = append(args, objs...)
		args = append(args, gargs...)
	}
	candidates := 300
	if len(groups) == 1 {
		candidates = 300
	}
	query := "SELECT object, record_id, SUM(w) AS score FROM (" + strings.Join(parts, " UNION ALL ") + ") hits GROUP BY object, record_id HAVING COUNT(*) = " + fmt.Sprint(len(groups)) +
		" ORDER BY score DESC, record_id LIMIT " + fmt.Sprint(candidates)
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	byObject := map[string][]string{}
	scores := map[string]float64{}
	for rows.Next() {
		var obj string
		var id any
		var score float64
		if err := rows.Scan(&obj, &id, &score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
		sid := idText(id)
		byObject[obj] = append(byObject[obj], sid)
		scores[obj+"/"+sid] = score
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
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
