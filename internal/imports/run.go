package imports

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// errLostLease stops a run whose batch another worker took over.
var errLostLease = errors.New("import: another worker holds this batch now")

// errRetryCareful says a chunk's multi-row insert failed on a constraint;
// the chunk is redone row by row.
var errRetryCareful = errors.New("import: chunk redone row by row")

// maxDryKeys bounds the keys a dry run remembers across chunks (to find
// duplicates and key matches with rows of earlier chunks, which were
// rolled back): about 50 MB at most. Past it, a dry run compares rows
// with those of earlier chunks no more (the real run still does, in the
// database).
const maxDryKeys = 2_000_000

// perKey is how many records may share one duplicate key before the key
// is too common to compare them (the scan's limit for names).
const perKey = 25

// job is one run of a batch in this process.
type job struct {
	s      *Service
	b      *Batch
	p      *auth.Principal
	o      *records.Object
	w      *records.Writer
	aw     *records.Writer // the accounts rows create (j.w when importing accounts); nil until one is
	pl     *plan
	origin string
	dry    bool

	users      map[string]string // lowercased e-mail → user id
	accounts   map[string]*ref   // "n:" + lowercased name, "d:" + domain
	tags       map[string]*ref   // lowercased name
	fresh      []freshRef        // cache entries made by the current attempt
	attempt    int
	dryCounted map[string]bool
	dryKeys    map[uint64]int64 // dry run: duplicate keys of rows created by earlier chunks → row
	dryRowKeys map[uint64]int64 // dry run: key values of rows created by earlier chunks → row
	seed       maphash.Seed
	progress   func(*Batch)

	written   int64 // rows this run committed
	analyzeAt int64 // PostgreSQL: written at which the tables are analysed next
}

type ref struct {
	id      string
	attempt int // 0: in the database; else made by that attempt, not yet committed
}

type freshRef struct {
	cache map[string]*ref
	key   string
}

func (j *job) valid(r *ref) bool { return r != nil && (r.attempt == 0 || r.attempt == j.attempt) }

func (j *job) remember(cache map[string]*ref, key, id string, created bool) {
	r := &ref{id: id}
	if created {
		r.attempt = j.attempt
		j.fresh = append(j.fresh, freshRef{cache, key})
	}
	if len(cache) < 200_000 || created {
		cache[key] = r
	}
}

// settle keeps (committed) or forgets (rolled back) the cache entries the
// attempt made, from mark on.
func (j *job) settle(mark int, committed bool) {
	for _, f := range j.fresh[mark:] {
		if r := f.cache[f.key]; r != nil && r.attempt == j.attempt {
			if committed {
				r.attempt = 0
			} else {
				delete(f.cache, f.key)
			}
		}
	}
	j.fresh = j.fresh[:mark]
}

func (j *job) hash(s string) uint64 { return maphash.String(j.seed, s) }

// touched is a record a row created or updated.
type touched struct {
	row        int64
	object, id string
	action     string
}

// chunk is the state of one chunk's transaction.
type chunk struct {
	tx         *db.Tx
	careful    bool
	counts     Counts
	issues     []Issue
	recs       []touched
	hits       map[string][]string     // key value → records holding it
	dbDups     [][]customers.Candidate // per prepared row
	drafts     []*records.Record       // per prepared row (nil: none)
	keyIDs     map[string]string       // key value → record created by this chunk
	staged     map[string]bool         // records created by this chunk not yet flushed
	created    []createdRec            // records created by this chunk, for duplicates within it
	index      map[search.Key][]int    // duplicate key → indexes into created
	spTaken    bool
	rowUpdates bool            // the current row updates a record (what it creates is written at once)
	noAccount  map[string]bool // "n:"/"d:" keys the chunk's batched look-up found no account for
}

type createdRec struct {
	row int64
	rec *records.Record
}

// newJob prepares a run of b.
func (s *Service) newJob(ctx context.Context, b *Batch, p *auth.Principal) (*job, []string, error) {
	o, err := s.Records.Object(b.Object)
	if err != nil {
		return nil, nil, err
	}
	j := &job{s: s, b: b, p: p, o: o, origin: "import:" + b.ID, dry: b.DryRun, users: map[string]string{}, accounts: map[string]*ref{}, tags: map[string]*ref{},
		dryCounted: map[string]bool{}, seed: maphash.MakeSeed()}
	if j.dry {
		j.dryKeys, j.dryRowKeys = map[uint64]int64{}, map[uint64]int64{}
	}
	j.w, err = s.Records.NewWriter(ctx, s.DB, p, o.Name, j.origin)
	if err != nil {
		return nil, nil, err
	}
	loc := time.UTC
	var tz string
	if err := s.DB.QueryRow(ctx, "SELECT timezone FROM workspaces WHERE id = ?", b.WorkspaceID).Scan(&tz); err == nil {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	rows, err := s.DB.Query(ctx, "SELECT id, email FROM users WHERE workspace_id = ?", b.WorkspaceID)
	if err != nil {
		return nil, nil, fmt.Errorf("import users: %w", err)
	}
	for rows.Next() {
		var id any
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return nil, nil, err
		}
		j.users[strings.ToLower(email)] = db.IDText(id)
		j.w.Known("users", db.IDText(id))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	src, _, err := openSource(b, filepath.Dir(b.path))
	if err != nil {
		return nil, nil, err
	}
	header := src.Header()
	src.Close()
	j.pl = newPlan(o.Name, header, b.Mapping, j.w.Fields(), b.Key, j.w.Region(), loc)
	return j, header, nil
}

// run imports the batch's rows after its checkpoint, chunk by chunk,
// until the end of the file, a cancel, or ctx's end.
func (j *job) run(ctx context.Context) error {
	s, b := j.s, j.b
	if b.Rows.Total == 0 {
		n, err := j.count(ctx)
		if err != nil {
			return err
		}
		b.Rows.Total = n
		if _, err := s.DB.Exec(ctx, "UPDATE imports SET rows_total = ?, updated_at = ? WHERE id = ? AND locked_by = ?", n, db.T(s.Now()), b.ID, s.worker); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	src, _, err := openSource(b, filepath.Dir(b.path))
	if err != nil {
		return err
	}
	defer src.Close()
	size := s.chunkSize()
	buf := make([]row, 0, size)
	for {
		buf = buf[:0]
		eof := false
		for len(buf) < size {
			r, err := src.Next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return err
			}
			if r.Num <= b.Checkpoint {
				continue
			}
			buf = append(buf, r)
		}
		if len(buf) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			// A chunk in hand finishes even when the process is stopping;
			// the next one is not begun.
			cctx := context.WithoutCancel(ctx)
			err := j.chunk(cctx, buf, false)
			if errors.Is(err, errRetryCareful) {
				err = j.chunk(cctx, buf, true)
			}
			if err != nil {
				return err
			}
			if err := j.analyze(ctx); err != nil {
				return err
			}
			cancel, err := j.refresh(ctx)
			if err != nil {
				return err
			}
			if j.progress != nil {
				s.rate(b)
				j.progress(b)
			}
			if cancel {
				return errCancelled
			}
		}
		if eof {
			return nil
		}
	}
}

var errCancelled = errors.New("import cancelled")

// count reads the file once to know how many rows it has, keeping the
// lease alive meanwhile.
func (j *job) count(ctx context.Context) (int64, error) {
	src, _, err := openSource(j.b, filepath.Dir(j.b.path))
	if err != nil {
		return 0, err
	}
	defer src.Close()
	var n int64
	last := time.Now()
	for {
		r, err := src.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n = r.Num
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			if err := j.s.heartbeat(ctx, j.b.ID); err != nil {
				return 0, err
			}
		}
	}
}

// refresh reloads the batch's counters after a chunk and says whether a
// cancel was asked for.
func (j *job) refresh(ctx context.Context) (bool, error) {
	nb, err := j.s.loadAny(ctx, j.s.DB, j.b.ID)
	if err != nil {
		return false, err
	}
	nb.path = j.b.path
	*j.b = *nb
	return nb.cancel, nil
}

// chunk imports rows in one transaction together with the batch's
// checkpoint. In careful mode every row is written at once inside its own
// savepoint, so a row the database refuses is reported and the others
// go in.
func (j *job) chunk(ctx context.Context, rows []row, careful bool) error {
	s := j.s
	j.attempt++
	mark := len(j.fresh)
	committed := false
	defer func() { j.settle(mark, committed) }()
	prep := make([]*prepared, len(rows))
	for i, r := range rows {
		prep[i] = j.pl.prepare(r)
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	defer j.w.Reset()
	defer func() {
		if j.aw != nil {
			j.aw.Reset()
		}
	}()
	if !careful {
		// A foreign key the chunk breaks fails its commit, and the chunk is
		// done again row by row.
		if err := tx.DeferForeignKeys(ctx); err != nil {
			return err
		}
	}
	c := &chunk{tx: tx, careful: careful, keyIDs: map[string]string{}, staged: map[string]bool{}, index: map[search.Key][]int{}}
	if err := j.lookups(ctx, c, prep); err != nil {
		return err
	}
	for i, pr := range prep {
		if s.rowHook != nil {
			s.rowHook(pr.row.Num)
		}
		if err := j.row(ctx, c, i, pr); err != nil {
			return err
		}
	}
	if err := j.flush(ctx, c); err != nil {
		return err
	}
	last := rows[len(rows)-1].Num
	if j.dry {
		// Everything the chunk wrote goes; its report stays.
		tx.Rollback()
		j.w.Reset()
		tx, err = s.DB.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, cr := range c.created {
			for _, k := range customers.Keys(j.o.Name, cr.rec) {
				if strongKind(k.Kind) && len(j.dryKeys) < maxDryKeys {
					if _, ok := j.dryKeys[j.hash(k.Kind+"\x00"+k.Value)]; !ok {
						j.dryKeys[j.hash(k.Kind+"\x00"+k.Value)] = cr.row
					}
				}
			}
		}
		for k, id := range c.keyIDs {
			for _, cr := range c.created {
				if cr.rec.ID == id && len(j.dryRowKeys) < maxDryKeys {
					j.dryRowKeys[j.hash(k)] = cr.row
				}
			}
		}
	}
	if err := j.save(ctx, tx, c, last); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if dataError(err) && !careful {
			return errRetryCareful
		}
		return fmt.Errorf("import: commit: %w", err)
	}
	committed = !j.dry
	if committed {
		j.written += int64(len(rows))
	}
	return nil
}

// analysedTables are the tables an import writes many rows to besides
// the object's own.
var analysedTables = []string{"match_keys", "match_key_sets", "search_docs", "record_changes", "import_records", "accounts", "account_contacts", "contact_tags"}

// analyze refreshes PostgreSQL's statistics of the tables the import
// fills, after its first chunk and then each time it has doubled what it
// wrote. Autovacuum analyses a table only a minute or more after it grew
// by a tenth; until then the planner believes the tables hold what they
// held before the import (often nothing), and the look-ups of the next
// chunks — duplicate keys above all — scan every key of a kind instead of
// seeking the chunk's values: 100 ms a query at 20,000 rows, growing
// with the import. SQLite plans these queries from its indexes alone.
func (j *job) analyze(ctx context.Context) error {
	if j.s.DB.Dialect != db.Postgres || j.dry || j.written < j.analyzeAt {
		return nil
	}
	j.analyzeAt = max(2*j.written, 1)
	tables := []string{j.o.Table}
	for _, t := range analysedTables {
		if t != j.o.Table {
			tables = append(tables, t)
		}
	}
	if err := j.s.DB.Analyze(ctx, tables...); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func strongKind(k string) bool { return k == "email" || k == "phone" || k == "name" || k == "domain" }

// dataError reports whether err is the database refusing data (a
// constraint), as opposed to the database failing.
func dataError(err error) bool {
	return errs.Is(err, errs.Conflict) || errs.Is(err, errs.Invalid)
}

// save writes the chunk's report, what it touched, its counters and the
// checkpoint, in the chunk's transaction, if this worker still holds the
// batch.
func (j *job) save(ctx context.Context, tx *db.Tx, c *chunk, last int64) error {
	b, s := j.b, j.s
	issues := make([][]any, len(c.issues))
	for i, is := range c.issues {
		issues[i] = []any{b.ID, is.Row, is.Line, is.Kind, is.Column, is.Value, is.Reason, is.RecordID}
	}
	if err := records.InsertRows(ctx, tx, "import_issues", []string{"import_id", "row_num", "line", "kind", "column_name", "value", "reason", "record_id"}, issues, ""); err != nil {
		return fmt.Errorf("import report: %w", err)
	}
	var recs [][]any
	for _, t := range c.recs {
		if j.dry && t.action != "would_update" {
			continue
		}
		recs = append(recs, []any{b.ID, t.row, t.object, t.id, t.action})
	}
	suffix := ""
	if j.dry {
		suffix = "ON CONFLICT DO NOTHING"
	}
	if err := records.InsertRows(ctx, tx, "import_records", []string{"import_id", "row_num", "object", "record_id", "action"}, recs, suffix); err != nil {
		return fmt.Errorf("import records: %w", err)
	}
	n := c.counts
	now := s.Now()
	res, err := tx.Exec(ctx, `UPDATE imports SET checkpoint = ?, rows_done = ?, rows_created = rows_created + ?, rows_updated = rows_updated + ?,
rows_unchanged = rows_unchanged + ?, rows_skipped = rows_skipped + ?, rows_rejected = rows_rejected + ?, duplicates = duplicates + ?,
accounts_created = accounts_created + ?, tags_created = tags_created + ?, locked_until = ?, updated_at = ? WHERE id = ? AND locked_by = ?`,
		last, last, n.Created, n.Updated, n.Unchanged, n.Skipped, n.Rejected, n.Duplicates, n.AccountsCreated, n.TagsCreated,
		db.T(now.Add(s.lease())), db.T(now), b.ID, s.worker)
	if err != nil {
		return fmt.Errorf("import checkpoint: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return errLostLease
	}
	return nil
}

// lookups finds, for the whole chunk at once, the records the rows' keys
// name and the records the rows likely duplicate in the database.
func (j *job) lookups(ctx context.Context, c *chunk, prep []*prepared) error {
	c.drafts = make([]*records.Record, len(prep))
	if err := j.accountLookups(ctx, c, prep); err != nil {
		return err
	}
	if j.b.Mode != ModeCreate {
		set := map[string]bool{}
		var vals []string
		for _, pr := range prep {
			if !pr.reject && pr.key != "" && !set[pr.key] {
				set[pr.key] = true
				vals = append(vals, pr.key)
			}
		}
		var err error
		switch {
		case len(vals) == 0:
			c.hits = map[string][]string{}
		case j.b.Key == "email" || j.b.Key == "phone" || j.b.Key == "domain":
			c.hits, err = j.s.Customers.LookupKeys(ctx, c.tx, j.b.WorkspaceID, j.o.Name, j.b.Key, vals)
		default:
			c.hits, err = j.s.Records.Lookup(ctx, c.tx, j.p, j.o.Name, j.b.Key, vals)
		}
		if err != nil {
			return err
		}
	}
	if !customers.HasDuplicates(j.o.Name) {
		c.dbDups = make([][]customers.Candidate, len(prep))
		return nil
	}
	var drafts []*records.Record
	var at []int
	for i, pr := range prep {
		if pr.reject || (pr.key != "" && len(c.hits[pr.key]) > 0) {
			continue
		}
		c.drafts[i] = j.draft(pr)
		drafts = append(drafts, c.drafts[i])
		at = append(at, i)
	}
	found, err := j.s.Customers.CheckMany(ctx, c.tx, j.p, j.o.Name, drafts, []string{"email", "phone", "name", "domain"}, perKey)
	if err != nil {
		return err
	}
	c.dbDups = make([][]customers.Candidate, len(prep))
	for k, i := range at {
		c.dbDups[i] = found[k]
	}
	return nil
}

// draft normalises what the duplicate checker compares of a row.
func (j *job) draft(pr *prepared) *records.Record {
	r := &records.Record{Object: j.o.Name, Values: map[string]any{}}
	names := []string{"given_name", "middle_name", "family_name", "emails", "phones"}
	if j.o.Name == "accounts" {
		names = []string{"name", "phones"}
	}
	for _, n := range names {
		v, ok := pr.in[n]
		if !ok {
			continue
		}
		if f, ok := j.w.Field(n); ok {
			if c, msg := f.Normalize(v); msg == "" && c != nil {
				r.Values[n] = c
			}
		}
	}
	if j.o.Name == "accounts" {
		d, _ := pr.in["domain"].(string)
		if d == "" {
			d, _ = pr.in["website"].(string)
		}
		if dom := match.Domain(d); dom != "" {
			r.Values["domain"] = dom
		}
	}
	return r
}

// dupHit is what a row duplicates: a record (id) or, in a dry run, a row
// of an earlier chunk whose record was rolled back.
type dupHit struct {
	id      string
	row     int64
	title   string
	score   float64
	reasons []string
}

func (d *dupHit) describe() string {
	var who string
	switch {
	case d.id != "" && d.title != "":
		who = fmt.Sprintf("%q (%s)", d.title, d.id)
	case d.id != "":
		who = d.id
	default:
		who = fmt.Sprintf("row %d", d.row)
	}
	if d.row > 0 && d.id != "" {
		who += fmt.Sprintf(", from row %d", d.row)
	}
	return fmt.Sprintf("likely the same as %s: %s", who, strings.Join(d.reasons, ", "))
}

// findDup returns the best likely duplicate of row i: in the database,
// among the records this chunk created, or (dry run) among the rows of
// earlier chunks.
func (j *job) findDup(c *chunk, i int, pr *prepared) *dupHit {
	d := c.drafts[i]
	if d == nil {
		return nil
	}
	var best *dupHit
	for _, cand := range c.dbDups[i] {
		if best == nil || cand.Score > best.score {
			best = &dupHit{id: cand.ID, title: cand.Title, score: cand.Score, reasons: cand.Reasons}
		}
	}
	seen := map[int]bool{}
	for _, k := range customers.Keys(j.o.Name, d) {
		idx := c.index[k]
		if len(idx) > perKey {
			continue
		}
		for _, x := range idx {
			if seen[x] {
				continue
			}
			seen[x] = true
			cr := c.created[x]
			sc, reasons := customers.Similar(j.o.Name, d, cr.rec)
			if sc >= customers.Threshold && (best == nil || sc > best.score) {
				best = &dupHit{id: cr.rec.ID, row: cr.row, title: cr.rec.Title(j.o), score: sc, reasons: reasons}
				if j.dry {
					best.id = ""
				}
			}
		}
	}
	if best == nil && j.dry {
		for _, k := range customers.Keys(j.o.Name, d) {
			if !strongKind(k.Kind) {
				continue
			}
			if r, ok := j.dryKeys[j.hash(k.Kind+"\x00"+k.Value)]; ok {
				best = &dupHit{row: r, reasons: []string{reasonOf(k.Kind)}}
				break
			}
		}
	}
	return best
}

func reasonOf(kind string) string {
	switch kind {
	case "email":
		return customers.ReasonSameEmail
	case "phone":
		return customers.ReasonSamePhone
	case "domain":
		return customers.ReasonSameDomain
	}
	return customers.ReasonSameName
}

// row imports one prepared row. It returns an error only for a failure
// that stops the chunk; what is wrong with the row is reported.
func (j *job) row(ctx context.Context, c *chunk, i int, pr *prepared) error {
	if pr.reject {
		c.counts.Rejected++
		c.issues = append(c.issues, pr.issues...)
		return nil
	}
	mode := j.b.Mode
	target, virtual := "", int64(0)
	var issues []Issue
	issues = append(issues, pr.issues...) // warnings
	keyCol := j.keyColumn(pr)
	if mode != ModeCreate {
		ids := c.hits[pr.key]
		switch {
		case pr.key == "":
			if mode == ModeUpdate {
				c.counts.Skipped++
				c.issues = append(c.issues, append(issues, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueSkipped, Column: keyCol, Reason: "has no value for the key " + j.b.Key})...)
				return nil
			}
		case len(ids) > 1:
			c.counts.Rejected++
			c.issues = append(c.issues, append(issues, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueError, Column: keyCol, Value: clip(pr.raw[j.keyTarget()]),
				Reason: fmt.Sprintf("matches %d records by %s; the key must identify one", len(ids), j.b.Key)})...)
			return nil
		case len(ids) == 1:
			target = ids[0]
		default:
			if id, ok := c.keyIDs[pr.key]; ok {
				target = id
			} else if r, ok := j.dryRowKeys[j.hash(pr.key)]; ok && j.dry {
				virtual = r
			}
		}
		if target == "" && virtual == 0 && mode == ModeUpdate {
			c.counts.Skipped++
			c.issues = append(c.issues, append(issues, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueSkipped, Column: keyCol, Value: clip(pr.raw[j.keyTarget()]),
				Reason: "no record has this " + j.b.Key})...)
			return nil
		}
	}
	var counts Counts
	if target == "" && virtual == 0 {
		if dup := j.findDup(c, i, pr); dup != nil {
			// Counted whatever becomes of the row (a row that then fails
			// is reported with its duplicate).
			c.counts.Duplicates++
			is := Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueDuplicate, RecordID: dup.id}
			switch j.b.DupPolicy {
			case DupSkip:
				is.Reason = "skipped: " + dup.describe()
				c.counts.Skipped++
				c.issues = append(c.issues, append(issues, is)...)
				return nil
			case DupUpdate:
				is.Reason = "updated it instead: " + dup.describe()
				target, virtual = dup.id, dup.row
				if target != "" {
					virtual = 0
				}
			default:
				is.Reason = "created anyway: " + dup.describe()
			}
			issues = append(issues, is)
		}
	}
	// A record this chunk staged must be in the database before the row
	// updates it (and before the row's savepoint, which must not take
	// other rows' records back).
	if target != "" && c.staged[target] && !c.careful {
		if err := j.flush(ctx, c); err != nil {
			return err
		}
		clear(c.staged)
	}
	// An update writes at once: the accounts earlier rows staged, which it
	// may name, must be in the database first (PostgreSQL checks the
	// reference at once), and those the row creates are written at once.
	if target != "" && !c.careful && j.aw != nil && j.aw != j.w && j.aw.Staged() > 0 {
		if err := j.aw.Flush(ctx, c.tx); err != nil {
			if dataError(err) {
				return errRetryCareful
			}
			return err
		}
	}
	// From here the row may write; what it writes at once is inside a
	// savepoint (taken on the first write) that takes it back if it fails.
	rowMark, accMark := len(j.fresh), 0
	if j.aw != nil {
		accMark = j.aw.Staged()
	}
	var recs []touched
	fail := func(more []Issue) error {
		if err := j.rollbackRow(ctx, c); err != nil {
			return err
		}
		if j.aw != nil {
			// Accounts the row staged go with it (the row's own record,
			// when importing accounts, was not staged).
			j.aw.Truncate(accMark)
		}
		j.settle(rowMark, false)
		c.counts.Rejected++
		c.issues = append(c.issues, append(issues, more...)...)
		return nil
	}
	c.rowUpdates = target != ""
	refIssues, err := j.resolve(ctx, c, pr, target != "" || virtual > 0, &counts, &recs)
	if err != nil {
		return err
	}
	for _, is := range refIssues {
		if is.Kind == IssueError {
			return fail(refIssues)
		}
	}
	issues = append(issues, refIssues...)
	switch {
	case virtual > 0:
		// A dry run: the record the row would update is one an earlier
		// chunk of this dry run would create.
		counts.Updated++
	case target != "":
		if err := j.savepoint(ctx, c); err != nil {
			return err
		}
		_, changed, err := j.w.Update(ctx, c.tx, target, pr.in)
		if err != nil {
			more, serr := j.issuesOf(pr, err, target)
			if serr != nil {
				return serr
			}
			return fail(more)
		}
		if changed {
			counts.Updated++
			action := "updated"
			if j.dry {
				action = "would_update"
			}
			recs = append(recs, touched{pr.row.Num, j.o.Name, target, action})
		} else {
			counts.Unchanged++
		}
	default:
		rec, err := j.w.Create(ctx, c.tx, pr.in)
		if err != nil {
			more, serr := j.issuesOf(pr, err, "")
			if serr != nil {
				return serr
			}
			return fail(more)
		}
		if c.careful {
			if err := j.savepoint(ctx, c); err != nil {
				return err
			}
			if err := j.w.Flush(ctx, c.tx); err != nil {
				j.w.Reset()
				more, serr := j.issuesOf(pr, err, "")
				if serr != nil {
					return serr
				}
				return fail(more)
			}
		} else {
			c.staged[rec.ID] = true
		}
		counts.Created++
		recs = append(recs, touched{pr.row.Num, j.o.Name, rec.ID, "created"})
		if j.o.Name == "accounts" {
			// Later rows may name it as their parent before it is flushed.
			j.w.Known("accounts", rec.ID)
			if n := str(rec.Values["name"]); n != "" {
				j.remember(j.accounts, "n:"+strings.ToLower(n), rec.ID, true)
			}
			if d := str(rec.Values["domain"]); d != "" {
				j.remember(j.accounts, "d:"+d, rec.ID, true)
			}
		}
		if pr.key != "" {
			c.keyIDs[pr.key] = rec.ID
		}
		if customers.HasDuplicates(j.o.Name) {
			c.created = append(c.created, createdRec{row: pr.row.Num, rec: rec})
			for _, k := range customers.Keys(j.o.Name, rec) {
				c.index[k] = append(c.index[k], len(c.created)-1)
			}
		}
	}
	if err := j.release(ctx, c); err != nil {
		return err
	}
	c.counts.add(counts)
	c.issues = append(c.issues, issues...)
	c.recs = append(c.recs, recs...)
	return nil
}

func (n *Counts) add(o Counts) {
	n.Created += o.Created
	n.Updated += o.Updated
	n.Unchanged += o.Unchanged
	n.Skipped += o.Skipped
	n.Rejected += o.Rejected
	n.Duplicates += o.Duplicates
	n.AccountsCreated += o.AccountsCreated
	n.TagsCreated += o.TagsCreated
}

func (j *job) keyTarget() string {
	switch j.b.Key {
	case "email":
		return "emails"
	case "phone":
		return "phones"
	case "id":
		return TargetID
	}
	return j.b.Key
}

func (j *job) keyColumn(pr *prepared) string {
	if c := pr.col[j.keyTarget()]; c != "" {
		return c
	}
	for _, m := range j.b.Mapping {
		if m.Field == j.keyTarget() {
			return m.Column
		}
	}
	return ""
}

// Savepoints: a row that writes at once (an update, an account or tag it
// creates, a careful insert) does so inside one, so that if the row fails
// only the row is undone.
const rowSavepoint = "import_row"

func (j *job) savepoint(ctx context.Context, c *chunk) error {
	if c.spTaken {
		return nil
	}
	if err := c.tx.Savepoint(ctx, rowSavepoint); err != nil {
		return err
	}
	c.spTaken = true
	return nil
}

func (j *job) release(ctx context.Context, c *chunk) error {
	if !c.spTaken {
		return nil
	}
	c.spTaken = false
	return c.tx.Release(ctx, rowSavepoint)
}

func (j *job) rollbackRow(ctx context.Context, c *chunk) error {
	if !c.spTaken {
		return nil
	}
	c.spTaken = false
	return c.tx.RollbackTo(ctx, rowSavepoint)
}

// derived names the special target whose column a field's value came from.
var derived = map[string]string{"account_id": TargetAccount, "parent_id": TargetParent, "tag_ids": TargetTags, "owner_id": TargetOwnerEmail,
	"contact_ids": TargetContactEmails, "account_ids": TargetAccountNames}

// issuesOf turns the record engine's refusal of a row into report lines
// naming the column and value; an error that is not the application's
// is returned as a failure.
func (j *job) issuesOf(pr *prepared, err error, recordID string) ([]Issue, error) {
	e, ok := errs.As(err)
	if !ok || e.Code == errs.Internal {
		return nil, err
	}
	mk := func(field, msg string) Issue {
		is := Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueError, RecordID: recordID}
		t := field
		if d, ok := derived[field]; ok && pr.col[field] == "" {
			t = d
		}
		is.Column, is.Value = pr.col[t], clip(pr.raw[t])
		if is.Column == "" && field != "" {
			msg = field + " " + msg
		}
		is.Reason = msg
		return is
	}
	if errs.Is(err, errs.NotFound) {
		return []Issue{mk("", "names no record you may change")}, nil
	}
	if errs.Is(err, errs.Forbidden) {
		return []Issue{mk("", e.Message)}, nil
	}
	if len(e.Fields) == 0 {
		return []Issue{mk("", e.Message)}, nil
	}
	out := make([]Issue, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, mk(strings.TrimPrefix(f.Location, "body."), f.Message))
	}
	return out, nil
}

// resolve turns the row's names and e-mails into ids: the owner, the
// account (found, or created when the batch says so), the parent
// account, tags (created when missing), linked contacts and accounts.
func (j *job) resolve(ctx context.Context, c *chunk, pr *prepared, update bool, counts *Counts, recs *[]touched) ([]Issue, error) {
	var out []Issue
	bad := func(target, reason string) {
		out = append(out, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueError, Column: pr.col[target], Value: clip(pr.raw[target]), Reason: reason})
	}
	warn := func(target, value, reason string) {
		out = append(out, Issue{Row: pr.row.Num, Line: pr.row.Line, Kind: IssueWarning, Column: pr.col[target], Value: clip(value), Reason: reason})
	}
	if pr.owner != "" {
		id, ok := j.users[pr.owner]
		if !ok {
			bad(TargetOwnerEmail, "names no user of this workspace")
		} else {
			pr.in["owner_id"] = id
		}
	}
	if pr.account != "" || pr.accountDomain != "" {
		target := TargetAccount
		if pr.account == "" {
			target = TargetAccountDomain
		}
		id, reason, err := j.account(ctx, c, pr, pr.account, pr.accountDomain, j.b.CreateAccounts, counts, recs)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			bad(target, reason)
		} else {
			pr.in["account_id"] = id
		}
	}
	if pr.parent != "" {
		id, reason, err := j.account(ctx, c, pr, pr.parent, "", j.b.CreateAccounts, counts, recs)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			bad(TargetParent, reason)
		} else {
			pr.in["parent_id"] = id
		}
	}
	if len(pr.tags) > 0 {
		var ids []string
		for _, name := range pr.tags {
			id, reason, err := j.tag(ctx, c, pr, name, counts, recs)
			if err != nil {
				return nil, err
			}
			if reason != "" {
				bad(TargetTags, reason)
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if update && len(ids) > 0 {
			// Tags add to the record's own; they do not replace them.
			have, err := j.links(ctx, c, "tag_ids", j.targetOf(c, pr))
			if err != nil {
				return nil, err
			}
			for _, h := range have {
				if !slices.Contains(ids, h) {
					ids = append(ids, h)
				}
			}
		}
		pr.in["tag_ids"] = ids
	}
	if j.o.Name == "activities" {
		emails := slices.Clone(pr.contactEmails)
		if len(emails) == 0 {
			if items, ok := pr.in["attendees"].(string); ok {
				emails = append(emails, strings.Split(items, ",")...)
			}
		}
		var ids []string
		var keys []string
		byKey := map[string]string{}
		for _, e := range emails {
			n, err := match.NormalizeEmail(e)
			if err != nil {
				if len(pr.contactEmails) > 0 {
					warn(TargetContactEmails, e, "is not an e-mail address; no contact linked")
				}
				continue
			}
			k := match.EmailKey(n)
			keys = append(keys, k)
			byKey[k] = e
		}
		if len(keys) > 0 {
			found, err := j.s.Customers.LookupKeys(ctx, c.tx, j.b.WorkspaceID, "contacts", "email", keys)
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				if len(found[k]) == 0 {
					if len(pr.contactEmails) > 0 {
						warn(TargetContactEmails, byKey[k], "no contact has this e-mail; not linked")
					}
					continue
				}
				for _, id := range found[k] {
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
			}
		}
		if len(ids) > 0 {
			pr.in["contact_ids"] = ids
		}
		var accIDs []string
		for _, name := range pr.accountNames {
			id, reason, err := j.account(ctx, c, pr, name, "", false, counts, recs)
			if err != nil {
				return nil, err
			}
			if reason != "" {
				warn(TargetAccountNames, name, "no account has this name; not linked")
				continue
			}
			if !slices.Contains(accIDs, id) {
				accIDs = append(accIDs, id)
			}
		}
		if len(accIDs) > 0 {
			pr.in["account_ids"] = accIDs
		}
		if pr.in["type"] == nil && j.b.Format == FormatICal {
			pr.in["type"] = "meeting"
		}
	}
	return out, nil
}

// targetOf is the id of the record a row updates (for reading its links).
func (j *job) targetOf(c *chunk, pr *prepared) string {
	if ids := c.hits[pr.key]; len(ids) == 1 {
		return ids[0]
	}
	return c.keyIDs[pr.key]
}

// links reads the ids a record's link field holds now.
func (j *job) links(ctx context.Context, c *chunk, field, id string) ([]string, error) {
	if id == "" {
		return nil, nil
	}
	for _, f := range j.w.Fields() {
		if f.Name != field || f.Link == nil {
			continue
		}
		rows, err := c.tx.Query(ctx, "SELECT "+f.Link.To+" FROM "+f.Link.Table+" WHERE workspace_id = ? AND "+f.Link.From+" = ? AND "+f.Link.To+" IS NOT NULL", j.b.WorkspaceID, id)
		if err != nil {
			return nil, fmt.Errorf("import: read %s: %w", field, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, db.IDText(v))
		}
		return out, rows.Err()
	}
	return nil, nil
}

// account finds an account by domain (first) or name; when none has
// them and create is true, it creates one. reason says why a row cannot
// have it.
func (j *job) account(ctx context.Context, c *chunk, pr *prepared, name, domain string, create bool, counts *Counts, recs *[]touched) (string, string, error) {
	name = strings.TrimSpace(name)
	dom := ""
	if domain != "" {
		if dom = match.Domain(domain); dom == "" {
			return "", "is not a domain like example.com", nil
		}
	}
	if dom != "" {
		if r := j.accounts["d:"+dom]; j.valid(r) {
			return r.id, "", nil
		}
		id, err := "", error(nil)
		if !c.noAccount["d:"+dom] {
			id, err = j.findAccount(ctx, c, "domain = ?", dom)
		}
		if err != nil {
			return "", "", err
		}
		if id != "" {
			j.remember(j.accounts, "d:"+dom, id, false)
			return id, "", nil
		}
	}
	nk := "n:" + strings.ToLower(name)
	if name != "" {
		if r := j.accounts[nk]; j.valid(r) {
			return r.id, "", nil
		}
		id, err := "", error(nil)
		if !c.noAccount[nk] {
			id, err = j.findAccount(ctx, c, "lower(name) = lower(?)", name)
		}
		if err != nil {
			return "", "", err
		}
		if id != "" {
			j.remember(j.accounts, nk, id, false)
			return id, "", nil
		}
	}
	if !create {
		return "", "names no account (turn on creating missing accounts to create it)", nil
	}
	if !j.p.Can("accounts", auth.ActCreate) {
		return "", "names no account, and you may not create accounts", nil
	}
	in := records.Input{"name": name}
	if name == "" {
		in["name"] = dom
	}
	if dom != "" {
		in["domain"] = dom
	}
	rec, err := j.createAccount(ctx, c, in)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			msg := e.Message
			if len(e.Fields) > 0 {
				msg = strings.TrimPrefix(e.Fields[0].Location, "body.") + " " + e.Fields[0].Message
			}
			return "", "the account could not be created: " + msg, nil
		}
		return "", "", err
	}
	j.w.Known("accounts", rec.ID)
	if name != "" {
		j.remember(j.accounts, nk, rec.ID, true)
	}
	if dom != "" {
		j.remember(j.accounts, "d:"+dom, rec.ID, true)
	}
	key := "account:" + nk + "|" + dom
	if !j.dry || !j.dryCounted[key] {
		counts.AccountsCreated++
		j.dryCounted[key] = j.dry
	}
	*recs = append(*recs, touched{pr.row.Num, "accounts", rec.ID, "created"})
	return rec.ID, "", nil
}

// createAccount makes the account a row names. For a row that creates
// its record, outside careful mode, it is staged, and inserted with the chunk's other new accounts in a few
// multi-row statements, indexed in one pass (one by one, account
// creation took a fifth of an import of contacts from many companies);
// otherwise it is written at once inside the row's savepoint.
func (j *job) createAccount(ctx context.Context, c *chunk, in records.Input) (*records.Record, error) {
	if !c.careful && !c.rowUpdates {
		if j.aw == nil {
			if j.o.Name == "accounts" {
				j.aw = j.w
			} else {
				aw, err := j.s.Records.NewWriter(ctx, c.tx, j.p, "accounts", j.origin)
				if err != nil {
					return nil, err
				}
				for _, id := range j.users {
					aw.Known("users", id)
				}
				j.aw = aw
			}
		}
		return j.aw.Create(ctx, c.tx, in)
	}
	ao, err := j.s.Records.Object("accounts")
	if err != nil {
		return nil, err
	}
	if err := j.savepoint(ctx, c); err != nil {
		return nil, err
	}
	rec, err := j.s.Records.CreateTxOrigin(ctx, c.tx, j.p, ao, in, j.origin)
	if err != nil {
		if rerr := j.rollbackRow(ctx, c); rerr != nil {
			return nil, rerr
		}
	}
	return rec, err
}

// flush inserts what the chunk staged: the accounts rows created first,
// since the contacts' search entries read their names.
func (j *job) flush(ctx context.Context, c *chunk) error {
	ws := []*records.Writer{j.w}
	if j.aw != nil && j.aw != j.w {
		ws = []*records.Writer{j.aw, j.w}
	}
	for _, w := range ws {
		if err := w.Flush(ctx, c.tx); err != nil {
			if dataError(err) && !c.careful {
				return errRetryCareful
			}
			return err
		}
	}
	return nil
}

// accountLookups finds, on PostgreSQL, in a few statements the accounts
// the chunk's rows name (by name or domain) that the job does not know yet, and remembers
// the names and domains no account has, so that a row looks up its
// account in the database only when this finds nothing to say (one
// statement per new company made a PostgreSQL import wait on thousands
// of round trips).
func (j *job) accountLookups(ctx context.Context, c *chunk, prep []*prepared) error {
	c.noAccount = map[string]bool{}
	if c.tx.Dialect() != db.Postgres {
		// In process, SQLite answers each row's look-up by the index at
		// once; its planner took the joined list for a scan (6 s of a
		// 10,000-row import instead of nothing).
		return nil
	}
	var names, doms []string
	seen := map[string]bool{}
	for _, pr := range prep {
		if pr.reject {
			continue
		}
		for _, n := range []string{pr.account, pr.parent} {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			k := "n:" + strings.ToLower(n)
			if !seen[k] && !j.valid(j.accounts[k]) {
				seen[k] = true
				names = append(names, n)
			}
		}
		if pr.accountDomain != "" {
			if d := match.Domain(pr.accountDomain); d != "" && !seen["d:"+d] && !j.valid(j.accounts["d:"+d]) {
				seen["d:"+d] = true
				doms = append(doms, d)
			}
		}
	}
	// Names compare as findAccount compares them (lower() of both sides,
	// which on SQLite folds ASCII letters only); the cache is keyed by
	// the name in Go's lower case. The values are joined rather than
	// listed in an IN of expressions, which PostgreSQL, its statistics
	// not yet aware of the accounts an import has just made, compared
	// with every account of the workspace (a third of a second a chunk).
	for _, q := range []struct {
		prefix, col, on string
		vals            []string
		key             func(string) string
	}{
		{"n:", "name", "lower(a.name) = lower(v.column1)", names, strings.ToLower},
		{"d:", "domain", "a.domain = v.column1", doms, func(s string) string { return s }},
	} {
		best := map[string]string{}
		for start := 0; start < len(q.vals); start += 500 {
			part := q.vals[start:min(start+500, len(q.vals))]
			args := make([]any, 0, len(part)+1)
			for _, v := range part {
				args = append(args, v)
			}
			args = append(args, j.b.WorkspaceID)
			rows, err := c.tx.Query(ctx, "SELECT a.id, a."+q.col+" FROM accounts a JOIN (VALUES "+strings.TrimSuffix(strings.Repeat("(?),", len(part)), ",")+") v ON "+q.on+
				" WHERE a.workspace_id = ? AND a.deleted_at IS NULL", args...)
			if err != nil {
				return fmt.Errorf("import: find accounts: %w", err)
			}
			for rows.Next() {
				var id any
				var v string
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return fmt.Errorf("import: find accounts: %w", err)
				}
				// The oldest account of a name (ids are time-ordered), as
				// findAccount chooses.
				k := q.key(v)
				if s := db.IDText(id); best[k] == "" || s < best[k] {
					best[k] = s
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("import: find accounts: %w", err)
			}
		}
		for _, v := range q.vals {
			k := q.prefix + q.key(v)
			if id := best[q.key(v)]; id != "" {
				j.remember(j.accounts, k, id, false)
			} else {
				c.noAccount[k] = true
			}
		}
	}
	return nil
}

func (j *job) findAccount(ctx context.Context, c *chunk, cond string, arg string) (string, error) {
	// The oldest (ids are time-ordered) of the accounts with the name or
	// domain, chosen here: asked to order or take the minimum, SQLite walks
	// every account in id order instead of using the domain's index.
	rows, err := c.tx.Query(ctx, "SELECT id FROM accounts WHERE workspace_id = ? AND deleted_at IS NULL AND "+cond+" LIMIT 100", j.b.WorkspaceID, arg)
	if err != nil {
		return "", fmt.Errorf("import: find account: %w", err)
	}
	defer rows.Close()
	best := ""
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("import: find account: %w", err)
		}
		if s := db.IDText(id); best == "" || s < best {
			best = s
		}
	}
	return best, rows.Err()
}

// tag finds a tag by name, creating it when missing.
func (j *job) tag(ctx context.Context, c *chunk, pr *prepared, name string, counts *Counts, recs *[]touched) (string, string, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if r := j.tags[key]; j.valid(r) {
		return r.id, "", nil
	}
	var id any
	err := c.tx.QueryRow(ctx, "SELECT id FROM tags WHERE workspace_id = ? AND deleted_at IS NULL AND lower(name) = lower(?)", j.b.WorkspaceID, name).Scan(&id)
	if err == nil {
		j.remember(j.tags, key, db.IDText(id), false)
		j.w.Known("tags", db.IDText(id))
		return db.IDText(id), "", nil
	}
	if !errs.Is(db.MapError(err), errs.NotFound) {
		return "", "", fmt.Errorf("import: find tag: %w", err)
	}
	if !j.p.Can("tags", auth.ActCreate) {
		return "", fmt.Sprintf("names no tag %q, and you may not create tags", name), nil
	}
	to, err := j.s.Records.Object("tags")
	if err != nil {
		return "", "", err
	}
	if err := j.savepoint(ctx, c); err != nil {
		return "", "", err
	}
	rec, err := j.s.Records.CreateTxOrigin(ctx, c.tx, j.p, to, records.Input{"name": name}, j.origin)
	if err != nil {
		if rerr := j.rollbackRow(ctx, c); rerr != nil {
			return "", "", rerr
		}
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			msg := e.Message
			if len(e.Fields) > 0 {
				msg = e.Fields[0].Message
			}
			return "", fmt.Sprintf("tag %q could not be created: %s", name, msg), nil
		}
		return "", "", err
	}
	j.w.Known("tags", rec.ID)
	j.remember(j.tags, key, rec.ID, true)
	if !j.dry || !j.dryCounted["tag:"+key] {
		counts.TagsCreated++
		j.dryCounted["tag:"+key] = j.dry
	}
	*recs = append(*recs, touched{pr.row.Num, "tags", rec.ID, "created"})
	return rec.ID, "", nil
}

func str(v any) string { s, _ := v.(string); return s }
