package customers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// This file is the duplicate checker for many records at once, as an
// import needs it: the same keys (ContactKeys, AccountKeys) and the same
// score as Check and Scan, looked up for a whole chunk of records with a
// few queries.

// HasDuplicates reports whether object is one the duplicate checker knows.
func HasDuplicates(object string) bool { return object == "contacts" || object == "accounts" }

// Keys returns the duplicate-matching keys of a record of object, as the
// record's hooks store them in match_keys.
func Keys(object string, r *records.Record) []search.Key {
	if object == "accounts" {
		return AccountKeys(r)
	}
	return ContactKeys(r)
}

// Similar scores how likely two records of object are one customer, and
// why, with the checker's rules; the pair is a likely duplicate when the
// score is at least Threshold.
func Similar(object string, a, b *records.Record) (float64, []string) {
	return score(object, lightOf(object, a), lightOf(object, b))
}

// CheckMany finds, for each of drafts (records being imported, with
// normalised values and no id yet), the live records of object in the
// database they likely duplicate, best first, with Check's rules. Only
// keys of the given kinds are looked up ("email", "phone", "name",
// "domain", "block"); nil means all. Candidates of one key shared by more
// than perKey records are not compared (a very common name says nothing),
// as the scan does. The reads go through q, so a transaction sees its own
// writes.
func (s *Service) CheckMany(ctx context.Context, q db.Querier, p *auth.Principal, object string, drafts []*records.Record, kinds []string, perKey int) ([][]Candidate, error) {
	out := make([][]Candidate, len(drafts))
	if !HasDuplicates(object) || len(drafts) == 0 {
		return out, nil
	}
	want := func(k string) bool {
		if kinds == nil {
			return true
		}
		for _, x := range kinds {
			if x == k {
				return true
			}
		}
		return false
	}
	draftKeys := make([][]search.Key, len(drafts))
	byKind := map[string]map[string]bool{}
	for i, d := range drafts {
		for _, k := range Keys(object, d) {
			if !want(k.Kind) || k.Value == "" || len(k.Value) > 200 {
				continue
			}
			draftKeys[i] = append(draftKeys[i], k)
			if byKind[k.Kind] == nil {
				byKind[k.Kind] = map[string]bool{}
			}
			byKind[k.Kind][k.Value] = true
		}
	}
	holders := map[search.Key][]string{}
	for kind, set := range byKind {
		vals := make([]string, 0, len(set))
		for v := range set {
			vals = append(vals, v)
		}
		found, err := lookupKeys(ctx, q, p.WorkspaceID, object, kind, vals)
		if err != nil {
			return nil, err
		}
		for v, ids := range found {
			holders[search.Key{Kind: kind, Value: v}] = ids
		}
	}
	need := map[string]bool{}
	cands := make([][]string, len(drafts))
	for i := range drafts {
		seen := map[string]bool{}
		for _, k := range draftKeys[i] {
			ids := holders[k]
			if perKey > 0 && len(ids) > perKey {
				continue
			}
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					cands[i] = append(cands[i], id)
					need[id] = true
				}
			}
		}
	}
	if len(need) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	lights, err := s.loadLightsQ(ctx, q, p, object, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*light, len(lights))
	for _, l := range lights {
		byID[l.id] = l
	}
	for i, d := range drafts {
		me := lightOf(object, d)
		for _, id := range cands[i] {
			l := byID[id]
			if l == nil {
				continue // outside the caller's scope
			}
			sc, reasons := score(object, me, l)
			if sc >= Threshold {
				out[i] = append(out[i], Candidate{ID: l.id, Title: l.title, Subtitle: l.subtitle, Score: sc, Reasons: reasons})
			}
		}
		sort.SliceStable(out[i], func(a, b int) bool { return out[i][a].Score > out[i][b].Score })
	}
	return out, nil
}

// LookupKeys returns, for each of values, the live records of object
// holding the matching key of kind ("email" as match.EmailKey gives it,
// "phone" in E.164, "domain"), read through q.
func (s *Service) LookupKeys(ctx context.Context, q db.Querier, ws, object, kind string, values []string) (map[string][]string, error) {
	return lookupKeys(ctx, q, ws, object, kind, values)
}

func lookupKeys(ctx context.Context, q db.Querier, ws, object, kind string, values []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := []any{ws, object, kind}
		for _, v := range chunk {
			args = append(args, v)
		}
		rows, err := q.Query(ctx, "SELECT key, record_id FROM match_keys WHERE workspace_id = ? AND object = ? AND kind = ? AND key IN ("+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("look up %s keys: %w", kind, err)
		}
		for rows.Next() {
			var key string
			var id any
			if err := rows.Scan(&key, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up %s keys: %w", kind, err)
			}
			out[key] = append(out[key], db.IDText(id))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up %s keys: %w", kind, err)
		}
	}
	return out, nil
}
