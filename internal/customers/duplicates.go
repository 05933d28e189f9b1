package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
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
	name                       string // display name (contacts) or company name (accounts)
	key                        string // the name as compared: folded (contacts) or company key (accounts)
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
	l.setKey(object)
	return l
}

func (l *light) setKey(object string) {
	if object == "contacts" {
		l.key = match.Fold(l.name)
	} else {
		l.key = match.CompanyKey(l.name)
	}
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if x != "" && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// reasonOrder lists the reasons in the order they are reported.
var reasonOrder = []string{ReasonSameEmail, ReasonSameDomain, ReasonSamePhone, ReasonSameAccount, ReasonSameName, ReasonSimilarName}

// reasonSet is a set of reasons, one bit each in reasonOrder's order.
type reasonSet uint8

func (rs reasonSet) list() []string {
	var out []string
	for i, r := range reasonOrder {
		if rs&(1<<i) != 0 {
			out = append(out, r)
		}
	}
	return out
}

const (
	bitEmail reasonSet = 1 << iota
	bitDomain
	bitPhone
	bitAccount
	bitSameName
	bitSimilarName
)

// score says how likely a and b are one customer, and why.
func score(object string, a, b *light) (float64, []string) {
	s, rs := scoreSet(object, a, b)
	return s, rs.list()
}

func scoreSet(object string, a, b *light) (float64, reasonSet) {
	var s float64
	var reasons reasonSet
	var sim float64
	if object == "contacts" {
		sim = match.FoldedNameSimilarity(a.key, b.key)
	} else if a.key != "" && a.key == b.key {
		sim = 1
	} else {
		sim = match.NameSimilarity(a.key, b.key)
	}
	up := func(v float64) {
		if v > s {
			s = v
		}
	}
	if overlaps(a.emails, b.emails) {
		reasons |= bitEmail
		up(0.9 + 0.1*sim)
	}
	if object == "accounts" && a.domain != "" && a.domain == b.domain {
		reasons |= bitDomain
		up(0.85 + 0.15*sim)
	}
	if overlaps(a.phones, b.phones) {
		reasons |= bitPhone
		up(0.6 + 0.35*sim)
	}
	if sim >= 0.85 {
		base := 0.6 + 0.25*(sim-0.85)/0.15
		if a.account != "" && a.account == b.account {
			reasons |= bitAccount
			base += 0.05
		}
		if sim >= 0.999 {
			reasons |= bitSameName
		} else {
			reasons |= bitSimilarName
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
		if sid := db.IDText(id); sid != excludeID {
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
	l := &light{id: db.IDText(id), owner: db.IDText(owner), account: db.IDText(account), domain: d(domain)}
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
	l.setKey(object)
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

// scoredPair is two records (numbers in a scan) that score as duplicates.
type scoredPair struct {
	a, b  int32
	score float64
	why   reasonSet
}

// maxGroup bounds a group of duplicates: past it, a record that looks
// like one of the group's is left for a later scan, after a merge.
const maxGroup = 20

// Scan finds groups of likely duplicates among the records the caller
// reaches, best first.
//
// It reads what scoring needs of every reachable record once, then the
// matching keys that more than one record shares, in key order: records
// sharing a key are compared pair by pair, and the pairs that score as
// duplicates grow groups, best pairs first. A pair sharing several keys
// is scored again for each; scoring is deterministic and grouping takes
// a pair twice as once, so that costs time, not correctness, and spares
// a set of every pair.
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
	// A scan reads two result sets at once, on two connections, and
	// keeps both cores busy for its length; scans asked for at the same
	// time run one after the other. So no more than one request ever
	// holds a read connection while waiting for another, and requests
	// cannot take the whole pool and wait for each other.
	s.scanOnce.Do(func() { s.scanSlot = make(chan struct{}, 1) })
	select {
	case s.scanSlot <- struct{}{}:
		defer func() { <-s.scanSlot }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res, err := s.scan(ctx, p, object, limit)
	// A scan touches every record: hand the memory back to the system
	// now it is over (its work is out of scope), so an idle server stays
	// small.
	debug.FreeOSMemory()
	return res, err
}

func (s *Service) scan(ctx context.Context, p *auth.Principal, object string, limit int) (*ScanResult, error) {
	// The records load while the database finds the shared keys.
	type loaded struct {
		lights []*light
		num    map[string]int32
		err    error
	}
	lc := make(chan loaded, 1)
	go func() {
		lights, err := s.allLights(ctx, p, object)
		num := make(map[string]int32, len(lights))
		for i, l := range lights {
			num[l.id] = int32(i)
		}
		lc <- loaded{lights, num, err}
	}()
	// Only keys shared by more than one record; the window keeps the
	// rest in the database.
	rows, err := s.DB.Query(ctx, `SELECT kind, key, record_id FROM (
SELECT kind, key, record_id, COUNT(*) OVER (PARTITION BY kind, key) AS n FROM match_keys WHERE workspace_id = ? AND object = ?) k
WHERE n > 1 ORDER BY kind, key`, p.WorkspaceID, object)
	ld := <-lc
	if err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	defer rows.Close()
	if ld.err != nil {
		return nil, ld.err
	}
	lights, num := ld.lights, ld.num
	// Blocks of records sharing a key are scored pair by pair on every
	// core. A pair sharing several keys is scored once per key; grouping
	// takes repeated pairs in its stride.
	blocks := make(chan [][]int32, 4)
	found := make(chan []scoredPair)
	workers := max(1, runtime.GOMAXPROCS(0))
	for range workers {
		go func() {
			var out []scoredPair
			for batch := range blocks {
				for _, block := range batch {
					for i, a := range block {
						for _, b := range block[i+1:] {
							if sc, rs := scoreSet(object, lights[a], lights[b]); sc >= Threshold {
								out = append(out, scoredPair{min(a, b), max(a, b), sc, rs})
							}
						}
					}
				}
			}
			found <- out
		}()
	}
	res := &ScanResult{}
	var curKind, curKey string
	var block []int32
	var batch [][]int32
	flush := func() {
		limit := maxBlock
		if curKind == "block" || curKind == "name" {
			limit = maxNameBlock
		}
		switch {
		case len(block) > limit:
			res.Skipped++
		case len(block) > 1:
			batch = append(batch, block)
			if len(batch) == 256 {
				blocks <- batch
				batch = nil
			}
		}
		block = nil
	}
	var readErr error
	for rows.Next() {
		var kind, key string
		var id any
		if err := rows.Scan(&kind, &key, &id); err != nil {
			readErr = err
			break
		}
		if kind != curKind || key != curKey {
			flush()
			curKind, curKey = kind, key
		}
		if x, ok := num[db.IDText(id)]; ok {
			block = append(block, x)
		}
	}
	flush()
	if len(batch) > 0 {
		blocks <- batch
	}
	close(blocks)
	var pairs []scoredPair
	for range workers {
		pairs = append(pairs, <-found...)
	}
	if readErr == nil {
		readErr = rows.Err()
	}
	if readErr != nil {
		return nil, fmt.Errorf("scan duplicates: %w", readErr)
	}
	// Groups grow from the best pairs down: a record joins the group of
	// the record it matches best, and two groups never merge, so a chain
	// of look-alikes (A like B, B like C, …) cannot run through a whole
	// workspace of common names.
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].score != pairs[j].score {
			return pairs[i].score > pairs[j].score
		}
		if pairs[i].a != pairs[j].a {
			return pairs[i].a < pairs[j].a
		}
		return pairs[i].b < pairs[j].b
	})
	const none = -1
	groupOf := make([]int32, len(lights))
	for i := range groupOf {
		groupOf[i] = none
	}
	var size []int32
	for _, pr := range pairs {
		ga, gb := groupOf[pr.a], groupOf[pr.b]
		switch {
		case ga == none && gb == none:
			groupOf[pr.a], groupOf[pr.b] = int32(len(size)), int32(len(size))
			size = append(size, 2)
		case ga == none && size[gb] < maxGroup:
			groupOf[pr.a] = gb
			size[gb]++
		case gb == none && size[ga] < maxGroup:
			groupOf[pr.b] = ga
			size[ga]++
		}
	}
	best := make([]float64, len(lights))
	why := make([]reasonSet, len(lights))
	for _, pr := range pairs {
		if g := groupOf[pr.a]; g != none && g == groupOf[pr.b] {
			for _, x := range [2]int32{pr.a, pr.b} {
				best[x] = max(best[x], pr.score)
				why[x] |= pr.why
			}
		}
	}
	groups := map[int32]*Group{}
	var roots []int32
	for x := range lights {
		root := groupOf[x]
		if root == none {
			continue
		}
		g := groups[root]
		if g == nil {
			g = &Group{}
			groups[root] = g
			roots = append(roots, root)
		}
		l := lights[x]
		rs := why[x].list()
		g.Records = append(g.Records, Candidate{ID: l.id, Title: l.title, Subtitle: l.subtitle, Score: best[x], Reasons: rs})
		g.Score = max(g.Score, best[x])
		for _, r := range rs {
			if !slices.Contains(g.Reasons, r) {
				g.Reasons = append(g.Reasons, r)
			}
		}
	}
	for _, root := range roots {
		g := groups[root]
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
		// A copy: the whole list must not stay reachable through it.
		res.Groups = slices.Clone(res.Groups[:limit])
	}
	if res.Groups == nil {
		res.Groups = []Group{}
	}
	return res, nil
}

// allLights reads what scoring needs of every live record of object the
// caller reaches, in one pass.
func (s *Service) allLights(ctx context.Context, p *auth.Principal, object string) ([]*light, error) {
	cols := "id, owner_id, given_name, middle_name, family_name, name, email, emails, phones, account_id"
	if object == "accounts" {
		cols = "id, owner_id, name, domain, phones"
	}
	q := "SELECT " + cols + " FROM " + object + " WHERE workspace_id = ? AND deleted_at IS NULL"
	args := []any{p.WorkspaceID}
	if scope, sargs := records.ScopeSQL(p, object); scope != "" {
		q += " AND " + scope
		args = append(args, sargs...)
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	defer rows.Close()
	var out []*light
	for rows.Next() {
		l, err := scanLight(object, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	return out, nil
}

var _ = db.T

func mustObject(e *records.Engine, name string) *records.Object {
	o, err := e.Object(name)
	if err != nil {
		panic("customers: object not registered: " + name)
	}
	return o
}
