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
	// The best candidates go on to the permission check and their titles
	// in batches: a few more than asked for (some may be in the trash),
	// many more when the caller's scope may hide most of them.
	batch := limit + 10
	if restricted {
		batch = 300
	}
	scores, err := s.candidates(ctx, p.WorkspaceID, objs, groups, 5*batch, limit)
	if err != nil {
		return nil, err
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
	hits := []Hit{}
	for start := 0; start < len(ranked) && len(hits) < limit; start += batch {
		byObject := map[string][]string{}
		for _, k := range ranked[start:min(start+batch, len(ranked))] {
			obj, id, _ := strings.Cut(k, "/")
			byObject[obj] = append(byObject[obj], id)
		}
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

// groupCap bounds the documents one search reads and ranks. A query
// matching more (the commonest surname at a million contacts) is read
// newest first, whole-word matches before prefix matches, so that its
// best hits are among those ranked.
const groupCap = 1000

// candidates scores the records matching every group ("object/id" →
// score), reading at most read documents per pass. The database's
// full-text index intersects the groups; the matching documents' terms
// are then scored here. When whole words alone match enough documents
// (a page of hits), prefix matches are not read: a prefix merges the
// index's lists of every word it starts.
func (s *Searcher) candidates(ctx context.Context, ws string, objs []any, groups []group, read, enough int) (map[string]float64, error) {
	// The documents read all match every word and differ only in where
	// and how well, so a few times a page is enough to rank.
	limit := min(groupCap, max(read, 200))
	if s.GroupCap > 0 {
		limit = s.GroupCap
	}
	passes := [][]group{groups}
	if exact, ok := wholeWords(groups); ok {
		passes = [][]group{exact, groups}
	}
	scores := map[string]float64{}
	for _, gs := range passes {
		if len(scores) >= enough {
			break
		}
		from, args, ok := matchSQL(s.DB.Dialect, ws, objs, gs)
		if !ok {
			continue
		}
		order := " ORDER BY search_fts.rowid DESC"
		if s.DB.Dialect == db.Postgres {
			order = "" // a sort would read every match; the heap's order will do
		}
		rows, err := s.DB.Query(ctx, "SELECT d.object, d.record_id, d.words, d.weights "+from+order+" LIMIT "+fmt.Sprint(limit), args...)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		for rows.Next() {
			var obj, words, weights string
			var id any
			if err := rows.Scan(&obj, &id, &words, &weights); err != nil {
				rows.Close()
				return nil, fmt.Errorf("search: %w", err)
			}
			if score := scoreDoc(words, weights, groups); score > 0 {
				scores[obj+"/"+db.IDText(id)] = score
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	return scores, nil
}

// wholeWords returns the groups with each prefix taken as a whole word,
// and whether that differs from the groups.
func wholeWords(groups []group) ([]group, bool) {
	out := make([]group, len(groups))
	changed := false
	for i, g := range groups {
		if len(g.prefix) == 0 {
			out[i] = g
			continue
		}
		changed = true
		out[i] = group{exact: append(append([]string{}, g.exact...), g.prefix...)}
	}
	return out, changed
}

// scoreDoc scores a document against the groups: per group, its best
// term (a whole-word hit counts twice a prefix hit, a typo correction
// half of one) times the term's weight; summed. A document missing a
// group scores 0.
func scoreDoc(words, weights string, groups []group) float64 {
	best := make([]float64, len(groups))
	decodeTerms(words, weights, func(term string, w int) {
		for i, g := range groups {
			if v := g.weigh(term, float64(w)); v > best[i] {
				best[i] = v
			}
		}
	})
	total := 0.0
	for _, b := range best {
		if b == 0 {
			return 0
		}
		total += b
	}
	return total
}

// weigh is what term, of weight w, scores for the group: 0 when it does
// not satisfy it.
func (g group) weigh(term string, w float64) float64 {
	first := ""
	if len(g.prefix) > 0 {
		first = g.prefix[0]
	} else if len(g.exact) > 0 {
		first = g.exact[0]
	}
	hit := slices.Contains(g.exact, term)
	for _, p := range g.prefix {
		hit = hit || strings.HasPrefix(term, p)
	}
	switch {
	case !hit:
		return 0
	case term == first:
		return w * 4
	case strings.HasPrefix(term, first):
		return w * 2
	}
	return w
}

// matchSQL returns the FROM and WHERE clauses selecting the search
// documents of workspace ws (of objs, when given) that match every
// group, aliased d, and their arguments; ok is false when no document
// can match (a group of terms no document can hold).
func matchSQL(dialect db.Dialect, ws string, objs []any, groups []group) (string, []any, bool) {
	var parts []string
	for _, g := range groups {
		var alts []string
		for _, p := range g.prefix {
			if indexable(p) {
				alts = append(alts, quoteTerm(dialect, p, true))
			}
		}
		for _, x := range g.exact {
			if indexable(x) {
				alts = append(alts, quoteTerm(dialect, x, false))
			}
		}
		if len(alts) == 0 {
			return "", nil, false
		}
		sep := " OR "
		if dialect == db.Postgres {
			sep = " | "
		}
		parts = append(parts, "("+strings.Join(alts, sep)+")")
	}
	var q string
	var args []any
	if dialect == db.Postgres {
		q = "FROM search_docs d WHERE d.workspace_id = ? AND d.doc @@ CAST(? AS tsquery)"
		args = []any{ws, strings.Join(parts, " & ")}
	} else {
		// The full-text index drives; each match finds its document by
		// rowid.
		q = "FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ? AND d.workspace_id = ?"
		args = []any{strings.Join(parts, " AND "), ws}
	}
	if len(objs) > 0 {
		q += " AND d.object IN (" + marks(len(objs)) + ")"
		args = append(args, objs...)
	}
	return q, args, true
}

// quoteTerm writes a term (a prefix when prefix is set) in the query
// language of the dialect's full-text index.
func quoteTerm(dialect db.Dialect, t string, prefix bool) string {
	if dialect == db.Postgres {
		t = "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "'"
		if prefix {
			t += ":*"
		}
		return t
	}
	t = `"` + t + `"` // indexable terms hold no double quote
	if prefix {
		t += "*"
	}
	return t
}

// holds reports whether some document of workspace ws (of objs, when
// given) matches every group.
func holds(ctx context.Context, q db.Querier, ws string, objs []any, groups []group) (bool, error) {
	from, args, ok := matchSQL(dialectOf(q), ws, objs, groups)
	if !ok {
		return false, nil
	}
	var one int
	err := q.QueryRow(ctx, "SELECT 1 "+from+" LIMIT 1", args...).Scan(&one)
	if errs.Is(db.MapError(err), errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// dialectOf returns the dialect of a database or transaction.
func dialectOf(q db.Querier) db.Dialect {
	switch x := q.(type) {
	case *db.Tx:
		return x.Dialect()
	case *db.DB:
		return x.Dialect
	}
	return db.SQLite
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
		h := Hit{Object: src.Object, ID: db.IDText(id)}
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
			// A whole word is one list of the index to look at; a prefix
			// merges the lists of every word it starts.
			found, err := holds(ctx, s.DB, ws, nil, []group{{exact: []string{t}}})
			if err == nil && !found {
				found, err = holds(ctx, s.DB, ws, nil, []group{{prefix: []string{t}}})
			}
			if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			if !found {
				fixes, err := s.corrections(ctx, ws, t)
				if err != nil {
					return nil, err
				}
				if len(fixes) == 0 {
					return nil, nil // a word nothing matches: no hits
				}
				g = group{exact: fixes}
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
