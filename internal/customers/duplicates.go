package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// Reasons two records look like the same customer.
const (
	ReasonSameEmail   = "same_email"
	ReasonSamePhone   = "same_phone"
	ReasonSameDomain  = "same_domain"
	ReasonSameName    = "same_name"
	ReasonSimilarName = "similar_name"
	ReasonSameAccount = "same_account"
)

// Threshold is the lowest score reported as a likely duplicate.
const Threshold = 0.6

// Candidate is a record that may duplicate another.
type Candidate struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Subtitle string   `json:"subtitle,omitempty"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// Group is a set of records that are likely one customer.
type Group struct {
	Score   float64     `json:"score"`
	Reasons []string    `json:"reasons"`
	Records []Candidate `json:"records"`
}

// light is what scoring needs of a record.
type light struct {
	id, owner, title, subtitle string
	name                       string // display name (contacts) or company key (accounts)
	emails, phones             []string
	domain, account            string
}

func lightOf(object string, r *records.Record) *light {
	l := &light{id: r.ID, owner: r.OwnerID, domain: str(r, "domain"), account: str(r, "account_id")}
	emails, _ := r.Values["emails"].([]records.EmailItem)
	for _, e := range emails {
		l.emails = append(l.emails, match.EmailKey(e.Address))
	}
	phones, _ := r.Values["phones"].([]records.PhoneItem)
	for _, p := range phones {
		l.phones = append(l.phones, p.Number)
	}
	if object == "contacts" {
		l.name = match.DisplayName(str(r, "given_name"), str(r, "middle_name"), str(r, "family_name"))
		l.title, l.subtitle = str(r, "name"), str(r, "email")
	} else {
		l.name = str(r, "name")
		l.title, l.subtitle = str(r, "name"), str(r, "domain")
	}
	return l
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if x != "" && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// score says how likely a and b are one customer, and why.
func score(object string, a, b *light) (float64, []string) {
	var s float64
	var reasons []string
	var sim float64
	if object == "contacts" {
		sim = match.NameSimilarity(a.name, b.name)
	} else {
		ka, kb := match.CompanyKey(a.name), match.CompanyKey(b.name)
		if ka != "" && ka == kb {
			sim = 1
		} else {
			sim = match.NameSimilarity(ka, kb)
		}
	}
	up := func(v float64) {
		if v > s {
			s = v
		}
	}
	if overlaps(a.emails, b.emails) {
		reasons = append(reasons, ReasonSameEmail)
		up(0.9 + 0.1*sim)
	}
	if object == "accounts" && a.domain != "" && a.domain == b.domain {
		reasons = append(reasons, ReasonSameDomain)
		up(0.85 + 0.15*sim)
	}
	if overlaps(a.phones, b.phones) {
		reasons = append(reasons, ReasonSamePhone)
		up(0.6 + 0.35*sim)
	}
	if sim >= 0.85 {
		base := 0.6 + 0.25*(sim-0.85)/0.15
		if a.account != "" && a.account == b.account {
			reasons = append(reasons, ReasonSameAccount)
			base += 0.05
		}
		if sim >= 0.999 {
			reasons = append(reasons, ReasonSameName)
		} else {
			reasons = append(reasons, ReasonSimilarName)
		}
		up(base)
	}
	if s > 1 {
		s = 1
	}
	return float64(int(s*1000+0.5)) / 1000, reasons
}

func (s *Service) checkObject(object string) error {
	if object != "contacts" && object != "accounts" {
		return errs.ErrNotFound
	}
	return nil
}

// Check returns the records that in, a record being created or edited
// (excludeID), would likely duplicate, best first.
func (s *Service) Check(ctx context.Context, p *auth.Principal, object string, in records.Input, excludeID string) ([]Candidate, error) {
	if err := s.checkObject(object); err != nil {
		return nil, err
	}
	if !p.Can(object, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", object)
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, mustObject(s.Records, object))
	if err != nil {
		return nil, err
	}
	var fe []errs.FieldError
	for k := range in {
		if !slices.ContainsFunc(fields, func(f records.Field) bool { return f.Name == k }) {
			fe = append(fe, errs.FieldError{Location: "body." + k, Message: "is not a field of " + object})
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	draft, err := s.draft(ctx, p, object, in)
	if err != nil {
		return nil, err
	}
	var keys []search.Key
	if object == "contacts" {
		keys = ContactKeys(draft)
	} else {
		keys = AccountKeys(draft)
	}
	if len(keys) == 0 {
		return []Candidate{}, nil
	}
	var conds []string
	args := []any{p.WorkspaceID, object}
	for _, k := range keys {
		conds = append(conds, "(kind = ? AND key = ?)")
		args = append(args, k.Kind, k.Value)
	}
	rows, err := s.DB.Query(ctx, "SELECT DISTINCT record_id FROM match_keys WHERE workspace_id = ? AND object = ? AND ("+strings.Join(conds, " OR ")+") LIMIT 200", args...)
	if err != nil {
		return nil, fmt.Errorf("check duplicates: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("check duplicates: %w", err)
		}
		if sid := idText(id); sid != excludeID {
			ids = append(ids, sid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lights, err := s.loadLights(ctx, p, object, ids)
	if err != nil {
		return nil, err
	}
	me := lightOf(object, draft)
	out := []Candidate{}
	for _, l := range lights {
		sc, reasons := score(object, me, l)
		if sc >= Threshold {
			out = append(out, Candidate{ID: l.id, Title: l.title, Subtitle: l.subtitle, Score: sc, Reasons: reasons})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// draft normalises the matching fields of an input as a create would.
func (s *Service) draft(ctx context.Context, p *auth.Principal, object string, in records.Input) (*records.Record, error) {
	o, err := s.Records.Object(object)
	if err != nil {
		return nil, err
	}
	r := &records.Record{Object: object, Values: map[string]any{}}
	var fe []errs.FieldError
	names := []string{"given_name", "middle_name", "family_name", "emails", "phones", "account_id"}
	if object == "accounts" {
		names = []string{"name", "domain", "website", "phones"}
	}
	region := ""
	for _, n := range names {
		v, ok := in[n]
		if !ok {
			continue
		}
		f, _ := o.Field(n)
		ff := *f
		if f.Type == records.PhoneList {
			if region == "" {
				_ = s.DB.QueryRow(ctx, "SELECT region FROM workspaces WHERE id = ?", p.WorkspaceID).Scan(&region)
			}
			ff = records.WithRegion(ff, region)
		}
		c, msg := ff.Normalize(v)
		if msg != "" {
			fe = append(fe, errs.FieldError{Location: "body." + n, Message: msg})
			continue
		}
		if c != nil {
			r.Values[n] = c
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	if object == "accounts" {
		dom := match.Domain(str(r, "domain"))
		if dom == "" {
			dom = match.Domain(str(r, "website"))
		}
		setOrClear(r, "domain", dom)
	}
	return r, nil
}

// loadLights reads what scoring needs of the live records of ids the
// caller reaches.
func (s *Service) loadLights(ctx context.Context, p *auth.Principal, object string, ids []string) ([]*light, error) {
	return s.loadLightsQ(ctx, s.DB, p, object, ids)
}

// loadLightsQ is loadLights reading through q.
func (s *Service) loadLightsQ(ctx context.Context, q db.Querier, p *auth.Principal, object string, ids []string) ([]*light, error) {
	var out []*light
	cols := "id, owner_id, given_name, middle_name, family_name, name, email, emails, phones, account_id"
	if object == "accounts" {
		cols = "id, owner_id, name, domain, phones"
	}
	scope, sargs := records.ScopeSQL(p, object)
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{p.WorkspaceID}
		for _, id := range chunk {
			args = append(args, id)
		}
		sq := "SELECT " + cols + " FROM " + object + " WHERE workspace_id = ? AND deleted_at IS NULL AND id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",") + ")"
		if scope != "" {
			sq += " AND " + scope
			args = append(args, sargs...)
		}
		rows, err := q.Query(ctx, sq, args...)
		if err != nil {
			return nil, fmt.Errorf("load duplicates: %w", err)
		}
		for rows.Next() {
			l, err := scanLight(object, rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanLight(object string, sc scanner) (*light, error) {
	var id, owner, account any
	var given, middle, family, name, email, domain *string
	var emails, phones any
	var err error
	if object == "contacts" {
		err = sc.Scan(&id, &owner, &given, &middle, &family, &name, &email, &emails, &phones, &account)
	} else {
		err = sc.Scan(&id, &owner, &name, &domain, &phones)
	}
	if err != nil {
		return nil, fmt.Errorf("load duplicates: %w", err)
	}
	d := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	l := &light{id: idText(id), owner: idText(owner), account: idText(account), domain: d(domain)}
	var ph []records.PhoneItem
	if b := jsonBytes(phones); len(b) > 0 {
		_ = json.Unmarshal(b, &ph)
	}
	for _, p := range ph {
		l.phones = append(l.phones, p.Number)
	}
	if object == "contacts" {
		var em []records.EmailItem
		if b := jsonBytes(emails); len(b) > 0 {
			_ = json.Unmarshal(b, &em)
		}
		for _, e := range em {
			l.emails = append(l.emails, match.EmailKey(e.Address))
		}
		l.name = match.DisplayName(d(given), d(middle), d(family))
		l.title, l.subtitle = d(name), d(email)
	} else {
		l.name, l.title, l.subtitle = d(name), d(name), d(domain)
	}
	return l, nil
}

func jsonBytes(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case []byte:
		return x
	}
	return nil
}

func idText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	}
	return fmt.Sprint(v)
}

// ScanResult is the outcome of a duplicate scan.
type ScanResult struct {
	Groups  []Group `json:"groups"`
	Total   int     `json:"total"`   // groups found, before the limit
	Skipped int     `json:"skipped"` // keys shared by too many records to compare them all
}

// maxBlock bounds how many records sharing one key are compared with
// each other; a key shared by more (a very common name) is skipped
// (and counted) rather than compared pair by pair.
const (
	maxBlock     = 100
	maxNameBlock = 25
)

// Scan finds groups of likely duplicates among the records the caller
// reaches, best first.
func (s *Service) Scan(ctx context.Context, p *auth.Principal, object string, limit int) (*ScanResult, error) {
	if err := s.checkObject(object); err != nil {
		return nil, err
	}
	if !p.Can(object, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", object)
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return nil, errs.Field("query.limit", "must be between 1 and 1000")
	}
	rows, err := s.DB.Query(ctx, `SELECT m.kind, m.key, m.record_id FROM match_keys m
JOIN (SELECT kind, key FROM match_keys WHERE workspace_id = ? AND object = ? GROUP BY kind, key HAVING COUNT(*) > 1) g ON g.kind = m.kind AND g.key = m.key
WHERE m.workspace_id = ? AND m.object = ? ORDER BY m.kind, m.key`, p.WorkspaceID, object, p.WorkspaceID, object)
	if err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	type pair struct{ a, b string }
	pairs := map[pair]bool{}
	res := &ScanResult{}
	var curKind, curKey string
	var block []string
	flush := func() {
		max := maxBlock
		if curKind == "block" || curKind == "name" {
			max = maxNameBlock
		}
		if len(block) > max {
			res.Skipped++
		} else {
			for i := range block {
				for j := i + 1; j < len(block); j++ {
					a, b := block[i], block[j]
					if a > b {
						a, b = b, a
					}
					pairs[pair{a, b}] = true
				}
			}
		}
		block = block[:0]
	}
	for rows.Next() {
		var kind, key string
		var id any
		if err := rows.Scan(&kind, &key, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan duplicates: %w", err)
		}
		if kind != curKind || key != curKey {
			flush()
			curKind, curKey = kind, key
		}
		block = append(block, idText(id))
	}
	flush()
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	idset := map[string]bool{}
	for pr := range pairs {
		idset[pr.a], idset[pr.b] = true, true
	}
	ids := make([]string, 0, len(idset))
	for id := range idset {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	lights, err := s.loadLights(ctx, p, object, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*light, len(lights))
	for _, l := range lights {
		byID[l.id] = l
	}
	// Union-find over the pairs that score as duplicates.
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		for parent[x] != "" && parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	type scored struct {
		score   float64
		reasons []string
	}
	best := map[string]*scored{}
	for pr := range pairs {
		a, b := byID[pr.a], byID[pr.b]
		if a == nil || b == nil {
			continue
		}
		sc, reasons := score(object, a, b)
		if sc < Threshold {
			continue
		}
		for _, x := range []string{pr.a, pr.b} {
			if parent[x] == "" {
				parent[x] = x
			}
		}
		ra, rb := find(pr.a), find(pr.b)
		if ra != rb {
			parent[rb] = ra
		}
		for _, x := range []string{pr.a, pr.b} {
			bs := best[x]
			if bs == nil {
				bs = &scored{}
				best[x] = bs
			}
			if sc > bs.score {
				bs.score = sc
			}
			for _, r := range reasons {
				if !slices.Contains(bs.reasons, r) {
					bs.reasons = append(bs.reasons, r)
				}
			}
		}
	}
	groups := map[string]*Group{}
	for x := range parent {
		root := find(x)
		g := groups[root]
		if g == nil {
			g = &Group{}
			groups[root] = g
		}
		l, bs := byID[x], best[x]
		g.Records = append(g.Records, Candidate{ID: l.id, Title: l.title, Subtitle: l.subtitle, Score: bs.score, Reasons: bs.reasons})
		if bs.score > g.Score {
			g.Score = bs.score
		}
		for _, r := range bs.reasons {
			if !slices.Contains(g.Reasons, r) {
				g.Reasons = append(g.Reasons, r)
			}
		}
	}
	for _, g := range groups {
		sort.Slice(g.Records, func(i, j int) bool { return g.Records[i].ID < g.Records[j].ID })
		sort.Strings(g.Reasons)
		res.Groups = append(res.Groups, *g)
	}
	sort.SliceStable(res.Groups, func(i, j int) bool {
		if res.Groups[i].Score != res.Groups[j].Score {
			return res.Groups[i].Score > res.Groups[j].Score
		}
		return res.Groups[i].Records[0].ID < res.Groups[j].Records[0].ID
	})
	res.Total = len(res.Groups)
	if len(res.Groups) > limit {
		res.Groups = res.Groups[:limit]
	}
	if res.Groups == nil {
		res.Groups = []Group{}
	}
	return res, nil
}

var _ = db.T

func mustObject(e *records.Engine, name string) *records.Object {
	o, err := e.Object(name)
	if err != nil {
		panic("customers: object not registered: " + name)
	}
	return o
}
