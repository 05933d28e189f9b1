package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// LoadOptions say where generated records go.
type LoadOptions struct {
	Workspace string   // an existing workspace
	Owners    []string // users the records are spread over (at least one)
	// Progress, when set, is called after each chunk with the stage
	// ("accounts", "contacts", "activities", "catalogue", "leads",
	// "deals", "contracts", "orders", then "keys" and "indexes" into an
	// empty database), records done and total.
	Progress func(stage string, done, total int)
}

// Stats count what Load wrote.
type Stats struct {
	Accounts, Contacts, Activities int
	// The sales objects; DealActivities are activities linked to deals,
	// beside Activities.
	Leads, Deals, DealActivities, Quotes, Contracts, Orders, Invoices, Shipments, Payments, LineItems int
	Rows                                                                                              int // every row, links, history and search keys included
	Elapsed                                                                                           time.Duration
	// SalesElapsed is the part of Elapsed the sales objects took, before
	// the indexes; IndexElapsed the part that built the deferred indexes
	// of every table and gathered statistics at the end.
	SalesElapsed, IndexElapsed time.Duration
}

// idKinds number the kinds of generated ids; a document's lines have a
// kind per document, so that their ids follow from the document's.
var idKinds = map[string]int{"accounts": 1, "contacts": 2, "activities": 3, "leads": 4, "deals": 5, "pipelines": 6, "pipeline_stages": 7,
	"deal_stage_history": 8, "products": 9, "price_books": 10, "price_book_entries": 11, "quotes": 12, "quote_lines": 13, "orders": 14,
	"order_lines": 15, "shipments": 16, "shipment_lines": 17, "invoices": 18, "invoice_lines": 19, "payments": 20, "contracts": 21,
	"exchange_rates": 22, "sales_quotas": 23, "tags": 24, "teams": 25, "account_relationships": 26, "deal_activities": 27, "lead_score_rules": 28}

// ID returns the deterministic id of generated record i of a kind in a
// workspace, so reruns and links need no look-ups.
func ID(ws, kind string, i int) string {
	h := fnv.New32a()
	h.Write([]byte(ws))
	k, ok := idKinds[kind]
	if !ok {
		panic("demo: no id kind " + kind)
	}
	return fmt.Sprintf("%08x-%04x-7000-8000-%012x", h.Sum32(), k, i)
}

// table collects rows of one table for a multi-row INSERT.
type table struct {
	name     string
	cols     []string
	suffix   string // e.g. ON CONFLICT DO NOTHING
	rows     []any
	nrows    int
	perBatch int
	sortBy   []int // columns whose order the rows are written in
}

func newTable(name, suffix string, cols ...string) *table {
	// SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
	return &table{name: name, cols: cols, suffix: suffix, perBatch: 30000 / len(cols)}
}

func (t *table) add(vals ...any) {
	t.rows = append(t.rows, vals...)
	t.nrows++
}

// sorted orders the rows by the sortBy columns, so that consecutive
// inserts land on neighbouring index pages.
func (t *table) sorted() {
	if len(t.sortBy) == 0 || t.nrows < 2 {
		return
	}
	w := len(t.cols)
	keys := make([]string, t.nrows)
	for i := range keys {
		var sb strings.Builder
		for _, c := range t.sortBy {
			if v, ok := t.rows[i*w+c].(string); ok {
				sb.WriteString(v)
			}
			sb.WriteByte(0)
		}
		keys[i] = sb.String()
	}
	idx := make([]int, t.nrows)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]any, 0, len(t.rows))
	for _, i := range idx {
		out = append(out, t.rows[i*w:(i+1)*w]...)
	}
	t.rows = out
}

func (t *table) flush(ctx context.Context, tx *db.Tx) (int, error) {
	n := t.nrows
	w := len(t.cols)
	sqlite := tx.Dialect() == db.SQLite
	for start := 0; start < t.nrows; start += t.perBatch {
		end := min(start+t.perBatch, t.nrows)
		verb := "INSERT INTO "
		suffix := t.suffix
		if sqlite {
			// OR ROLLBACK: a conflict ends the whole load transaction, so
			// SQLite keeps no statement journal for these large inserts.
			verb, suffix = "INSERT OR ROLLBACK INTO ", ""
			if t.suffix != "" {
				verb = "INSERT OR IGNORE INTO "
			}
		}
		head := verb + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES "
		args := t.rows[start*w : end*w]
		var q string
		if sqlite {
			q, args = sharedText(head, suffix, w, end-start, args)
		} else {
			q = head + plainValues(w, end-start) + " " + suffix
		}
		if _, err := tx.ExecPrepared(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("load %s: %w", t.name, err)
		}
	}
	t.rows, t.nrows = t.rows[:0], 0
	return n, nil
}

// plainValues is n rows of w bare parameters: "(?,?),(?,?)".
func plainValues(w, n int) string {
	return strings.TrimSuffix(strings.Repeat("("+strings.TrimSuffix(strings.Repeat("?,", w), ",")+"),", n), ",")
}

// sharedText returns the statement that inserts n rows of w columns on
// SQLite and its arguments, with each column that holds the same text in
// every row (the workspace id, the object's name) bound once, as ?1,
// ?2…, and named by number in each row. The other columns of the first
// row are numbered too, so that the bare ? of the next rows follow them.
// Binding copies each text argument into SQLite's memory, and a load
// binds tens of millions of them: a million contacts' matching keys alone
// are 60 million arguments, 24 million of them the same two texts.
func sharedText(head, suffix string, w, n int, rows []any) (string, []any) {
	num := make([]int, w) // by column, its parameter when bound once, else 0
	shared := 0
	for c := range w {
		s, ok := rows[c].(string)
		same := ok && n > 1
		for r := 1; same && r < n; r++ {
			v, ok := rows[r*w+c].(string)
			same = ok && v == s
		}
		if same {
			shared++
			num[c] = shared
		}
	}
	if shared == 0 {
		return head + plainValues(w, n) + " " + suffix, rows
	}
	key := fmt.Sprint(head, suffix, n, num)
	sharedTexts.Lock()
	q, ok := sharedTexts.m[key]
	sharedTexts.Unlock()
	if !ok {
		var b strings.Builder
		b.WriteString(head)
		next := shared
		for r := range n {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range w {
				if c > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('?')
				// Past the first row a bare ? takes the number after the
				// largest so far: SQLite looks each ?NNN up in a list of
				// those named, so naming them all made preparing a
				// statement quadratic.
				switch {
				case num[c] > 0:
					b.WriteString(strconv.Itoa(num[c]))
				case r == 0:
					next++
					b.WriteString(strconv.Itoa(next))
				}
			}
			b.WriteByte(')')
		}
		b.WriteString(" " + suffix)
		q = b.String()
		sharedTexts.Lock()
		if len(sharedTexts.m) > 256 {
			clear(sharedTexts.m)
		}
		sharedTexts.m[key] = q
		sharedTexts.Unlock()
	}
	args := make([]any, shared, shared+n*(w-shared))
	for c := range w {
		if num[c] > 0 {
			args[num[c]-1] = rows[c]
		}
	}
	for r := range n {
		for c := range w {
			if num[c] == 0 {
				args = append(args, rows[r*w+c])
			}
		}
	}
	return q, args
}

// sharedTexts caches the statements sharedText writes, by shape.
var sharedTexts = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// chunk is the rows of a range of records, built off the writer.
type chunk struct {
	tables []*table
	lo, n  int
	counts map[string]int // records of other kinds the chunk holds (a deal's quote, its lines)
}

const chunkSize = 5000

// Load writes the generator's accounts, contacts and activities, then
// its sales objects (load_sales.go), into the workspace, with everything
// the application writes for a record: history, search terms, duplicate
// keys, account memberships, activity links, deal contacts and stage
// history, document totals, fulfilment and balances. Records are built
// on every core; one writer inserts them in transactions of a few
// thousand.
func Load(ctx context.Context, d *db.DB, g *Generator, opt LoadOptions) (Stats, error) {
	start := time.Now()
	var st Stats
	if len(opt.Owners) == 0 {
		return st, fmt.Errorf("load: no owners")
	}
	c := g.Config()
	now := time.Unix(c.Now, 0).UTC()
	defer bulkMode(ctx, d)()
	// Into an empty database, secondary indexes are built once at the end
	// and the matching keys and vocabulary, which arrive in random key
	// order, are collected and written sorted at the end (keys.go; search
	// documents go straight in: their full-text index sorts its own
	// entries).
	var keys *keyCollector
	empty, err := d.TablesEmpty(ctx, "accounts", "contacts", "activities")
	if err != nil {
		return st, err
	}
	if empty {
		if err := d.DeferIndexes(ctx, bulkTables...); err != nil {
			return st, err
		}
		keys = newKeyCollector(opt.Workspace)
	}
	sc := &salesCtx{ws: opt.Workspace, owner: func(account int) string { return opt.Owners[account%len(opt.Owners)] }}
	var lang string
	if err := d.QueryRow(ctx, "SELECT language, currency FROM workspaces WHERE id = ?", opt.Workspace).Scan(&lang, &sc.base); err != nil {
		return st, fmt.Errorf("load: workspace: %w", err)
	}
	sc.lang = localeIdx(Locale(lang))
	if c.TagsAndTeams {
		rows, err := loadSetup(ctx, d, opt, now, sc.lang)
		if err != nil {
			return st, err
		}
		st.Rows += rows
	}
	stages := []struct {
		name  string
		total int
		build func(lo, hi int) *chunk
	}{
		{"accounts", c.Accounts, func(lo, hi int) *chunk { return buildAccounts(g, opt, now, lo, hi) }},
		{"contacts", c.Contacts, func(lo, hi int) *chunk { return buildContacts(g, opt, now, lo, hi) }},
		{"activities", c.Activities, func(lo, hi int) *chunk { return buildActivities(g, opt, lo, hi) }},
		{"catalogue", 0, nil},
		{"leads", c.Leads, func(lo, hi int) *chunk { return buildLeads(g, opt, sc, lo, hi) }},
		{"deals", c.Deals, func(lo, hi int) *chunk { return buildDeals(g, opt, sc, lo, hi) }},
		{"contracts", c.Contracts, func(lo, hi int) *chunk { return buildContracts(g, opt, sc, lo, hi) }},
		{"orders", c.Orders, func(lo, hi int) *chunk { return buildOrders(g, opt, sc, lo, hi) }},
	}
	counts := map[string]int{}
	var salesStart time.Time
	for _, sg := range stages {
		if sg.name == "catalogue" {
			salesStart = time.Now()
			rows, err := loadSalesSetup(ctx, d, g, opt, sc)
			if err != nil {
				return st, err
			}
			if rows > 0 && opt.Progress != nil {
				opt.Progress(sg.name, 1, 1)
			}
			st.Rows += rows
			continue
		}
		if sg.total == 0 {
			continue
		}
		n, rows, err := pipeline(ctx, d, keys, sg.total, sg.build, counts, func(done int) {
			if opt.Progress != nil {
				opt.Progress(sg.name, done, sg.total)
			}
		})
		if err != nil {
			return st, err
		}
		st.Rows += rows
		switch sg.name {
		case "accounts":
			st.Accounts = n
		case "contacts":
			st.Contacts = n
		case "activities":
			st.Activities = n
		case "leads":
			st.Leads = n
		case "deals":
			st.Deals = n
		case "contracts":
			st.Contracts = n
		case "orders":
			st.Orders, st.Invoices = n, n
		}
	}
	st.Quotes, st.Shipments, st.Payments, st.LineItems = counts["quotes"], counts["shipments"], counts["payments"], counts["line_items"]
	st.Invoices += counts["contract_invoices"] // the contracts' periods, beside the orders'
	st.DealActivities = counts["deal_activities"]
	st.SalesElapsed = time.Since(salesStart)
	indexStart := time.Now()
	if keys != nil {
		rows, err := keys.write(ctx, d, opt.Progress)
		if err != nil {
			return st, err
		}
		st.Rows += rows
		if d.Dialect == db.SQLite {
			// The index builds scan tables once and sort: they need no
			// large page cache, and SQLite's sorter keeps up to a cache's
			// worth of keys in memory per thread before it spills a run.
			d.W.ExecContext(ctx, "PRAGMA cache_size = -100000")
		}
		if err := d.BuildDeferredIndexes(ctx, func(done, total int) {
			if opt.Progress != nil {
				opt.Progress("indexes", done, total)
			}
		}); err != nil {
			return st, err
		}
	}
	// Fresh statistics, so the query planner knows the tables' new sizes.
	if err := d.Optimize(ctx, true); err != nil {
		return st, err
	}
	st.IndexElapsed = time.Since(indexStart)
	st.Elapsed = time.Since(start)
	return st, nil
}

// bulkTables are the tables a load writes; their secondary indexes are
// built after a load into an empty database.
var bulkTables = []string{"accounts", "contacts", "account_contacts", "activities", "activity_links", "record_changes", "search_docs", "match_keys", "match_key_sets",
	"account_tags", "contact_tags", "account_relationships", "leads", "deals", "deal_contacts", "activity_deals", "deal_stage_history", "quotes", "line_items", "contracts", "orders", "shipments", "shipment_lines", "invoices", "payments"}

func pipeline(ctx context.Context, d *db.DB, keys *keyCollector, total int, build func(lo, hi int) *chunk, counts map[string]int, progress func(int)) (int, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan [2]int)
	out := make(chan *chunk, 4)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				select {
				case out <- withLo(build(j[0], j[1]), j[0], keys):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for lo := 0; lo < total; lo += chunkSize {
			select {
			case jobs <- [2]int{lo, min(lo+chunkSize, total)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	done, rows := 0, 0
	var tx *db.Tx
	inTx := 0
	write := func(ch *chunk) error {
		if tx == nil {
			var err error
			if tx, err = d.Begin(ctx); err != nil {
				return err
			}
			if d.Dialect == db.SQLite {
				// Foreign keys are checked at commit, not per statement,
				// which also spares the statement journal.
				if _, err := tx.Exec(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
					return err
				}
			}
		}
		for _, t := range ch.tables {
			n, err := t.flush(ctx, tx)
			if err != nil {
				tx.Rollback()
				tx = nil
				return err
			}
			rows += n
		}
		done += ch.n
		for k, n := range ch.counts {
			counts[k] += n
		}
		if inTx += ch.n; inTx >= txRecords || done == total {
			err := tx.Commit()
			tx, inTx = nil, 0
			if err != nil {
				return fmt.Errorf("load: %w", err)
			}
			progress(done)
		}
		return nil
	}
	// Chunks are built in parallel and written in order, so a record
	// always follows the ones it refers to (a parent account).
	pending := map[int]*chunk{}
	next := 0
	for got := range out {
		pending[got.lo] = got
		for ch := pending[next]; ch != nil; ch = pending[next] {
			delete(pending, next)
			next += ch.n
			if err := write(ch); err != nil {
				return done, rows, err
			}
		}
	}
	if tx != nil {
		tx.Rollback()
	}
	return done, rows, ctx.Err()
}

func withLo(c *chunk, lo int, keys *keyCollector) *chunk {
	if keys != nil {
		keys.take(c)
	}
	for _, t := range c.tables {
		t.sorted()
	}
	c.lo = lo
	return c
}

// txRecords is how many records one load transaction holds: large
// enough that commits cost little, small enough that progress moves.
const txRecords = 20000

// bulkMode makes a SQLite load faster for its duration: a large page
// cache so that index pages stay in memory, statement journals in memory,
// no fsync at each commit (a crash during a demo load loses the demo,
// nothing else; the database file stays consistent), helper threads for
// the sorts that build the deferred indexes, and a full-text index that
// keeps each transaction's documents in one segment and merges none
// until the end (Optimize merges them all into one in a single pass;
// merging along the way was a tenth of the load's time). It returns the
// function that restores the usual settings and checkpoints the WAL.
func bulkMode(ctx context.Context, d *db.DB) func() {
	if d.Dialect != db.SQLite {
		return func() {}
	}
	// The page cache is sized in memory taken, not in pages: the pure-Go
	// SQLite's allocator gives each 4 KiB page with its header (4.2 KiB)
	// an 8 KiB slot, so "-500000" (about 120,000 pages) takes 1 GB.
	for _, p := range []string{"PRAGMA cache_size = -500000", "PRAGMA synchronous = OFF", "PRAGMA temp_store = FILE", "PRAGMA temp.cache_size = -200000",
		"PRAGMA threads = " + strconv.Itoa(min(4, max(1, runtime.GOMAXPROCS(0)))),
		"INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)", "INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 64)",
		"INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 67108864)"} {
		d.W.ExecContext(ctx, p)
	}
	return func() {
		// FTS5's defaults: merge four segments of a level, sixteen at
		// most, flush pending terms at 1 MB.
		for _, p := range []string{"INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)", "INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 16)",
			"INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 1048576)",
			"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA cache_size = -32000", "PRAGMA synchronous = NORMAL", "PRAGMA temp_store = MEMORY", "PRAGMA threads = 0", "PRAGMA shrink_memory"} {
			d.W.ExecContext(context.Background(), p)
		}
	}
}

var recordCols = []string{"id", "workspace_id", "owner_id", "created_at", "created_by", "updated_at", "updated_by", "version", "custom"}

func historyTable() *table {
	return newTable("record_changes", "", "id", "workspace_id", "object", "record_id", "change_set", "action", "field", "old_value", "new_value", "changed_at", "changed_by", "origin")
}

func addHistory(t *table, ws, object, id, owner string, at time.Time, values map[string]any) {
	snap := map[string]any{}
	for k, v := range values {
		if v != nil && k != "name" && k != "email" && k != "phone" {
			snap[k] = v
		}
	}
	snap["owner_id"] = owner
	b, _ := json.Marshal(snap)
	hid := id[:24] + "c" + id[25:] // the history row's id: the record's with a marker
	t.add(hid, ws, object, id, hid, "create", "", nil, string(b), db.T(at), owner, "demo")
}

// indexTables are the search documents, typo vocabulary and matching
// keys of a chunk's records.
type indexTables struct{ terms, vocab, keys, sets *table }

func newIndexTables() indexTables {
	x := indexTables{
		terms: newTable("search_docs", "", search.DocColumns...),
		vocab: newTable("search_vocab", "ON CONFLICT DO NOTHING", "workspace_id", "term"),
		keys:  newTable("match_keys", "", "workspace_id", "object", "kind", "key", "record_id"),
		sets:  newTable("match_key_sets", "", search.KeySetColumns...),
	}
	x.vocab.sortBy = []int{1}
	x.keys.sortBy = []int{2, 3}
	return x
}

func (x indexTables) all() []*table { return []*table{x.terms, x.vocab, x.keys, x.sets} }

// add indexes one record.
func (x indexTables) add(ws, object, id string, doc *search.Doc, ks []search.Key) {
	if row := search.DocRow(ws, object, id, doc); row != nil {
		x.terms.add(row...)
	}
	for _, v := range doc.Vocab() {
		x.vocab.add(ws, v)
	}
	row, keys := search.KeySetRow(ws, object, id, ks)
	if row == nil {
		return
	}
	x.sets.add(row...)
	for _, k := range keys {
		x.keys.add(ws, object, k.Kind, k.Value, id)
	}
}

// phoneItems makes the phones field of a record from the numbers as typed
// and their E.164 forms (what match.NormalizePhone gives: see
// phoneSpec.typed), skipping empty and repeated numbers.
func phoneItems(texts, e164s []string) []records.PhoneItem {
	var out []records.PhoneItem
	for i, t := range texts {
		n := e164s[i]
		if t == "" || n == "" {
			continue
		}
		dup := false
		for _, p := range out {
			dup = dup || p.Number == n
		}
		if dup {
			continue
		}
		label := "work"
		if i == 1 {
			label = "mobile"
		}
		out = append(out, records.PhoneItem{Number: n, Text: t, Label: label, Primary: len(out) == 0})
	}
	return out
}

func jsonOrNil(v any) any {
	switch x := v.(type) {
	case []records.PhoneItem:
		if len(x) == 0 {
			return nil
		}
	case []records.EmailItem:
		if len(x) == 0 {
			return nil
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nz(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// createdAt spreads creation times over the three years before now.
func createdAt(now time.Time, i, total int) time.Time {
	if total <= 1 {
		return now.Add(-time.Hour)
	}
	span := 3 * 365 * 24 * time.Hour
	return now.Add(-span + time.Duration(int64(span)/int64(total)*int64(i))).Truncate(time.Second)
}

func buildAccounts(g *Generator, opt LoadOptions, now time.Time, lo, hi int) *chunk {
	ws := opt.Workspace
	c := g.Config()
	acc := newTable("accounts", "", append(append([]string{}, recordCols...), "name", "domain", "industry", "size", "relationship", "status", "parent_id", "phones", "phone", "website",
		"billing_street", "billing_city", "billing_region", "billing_postal_code", "billing_country",
		"shipping_street", "shipping_city", "shipping_region", "shipping_postal_code", "shipping_country")...)
	hist := historyTable()
	ix := newIndexTables()
	tags := newTable("account_tags", "", "workspace_id", "account_id", "tag_id")
	rels := newTable("account_relationships", "", "id", "workspace_id", "from_id", "to_id", "type", "note", "created_at", "created_by")
	for i := lo; i < hi; i++ {
		a := g.Account(i)
		id := ID(ws, "accounts", i)
		owner := opt.Owners[i%len(opt.Owners)]
		at := createdAt(now, i, c.Accounts)
		phones := phoneItems([]string{a.Phone}, []string{a.PhoneE164})
		var parent any
		if a.ParentIndex >= 0 {
			parent = ID(ws, "accounts", a.ParentIndex)
		}
		dom := match.Domain(a.Domain)
		acc.add(id, ws, owner, db.T(at), owner, db.T(at), owner, 1, "{}", a.Name, nz(dom), a.Industry, a.Size, a.Relationship, a.Status, parent,
			jsonOrNil(phones), nz(records.PrimaryPhone(phones)), nz(a.Website),
			a.Billing.Street, a.Billing.City, a.Billing.Region, a.Billing.PostalCode, a.Billing.Country,
			a.Shipping.Street, a.Shipping.City, a.Shipping.Region, a.Shipping.PostalCode, a.Shipping.Country)
		r := &records.Record{ID: id, Values: map[string]any{"name": a.Name, "domain": dom, "phones": phones, "billing_city": a.Billing.City, "shipping_city": a.Shipping.City,
			"industry": a.Industry, "size": a.Size, "relationship": a.Relationship, "status": a.Status, "website": a.Website}}
		if parent != nil {
			r.Values["parent_id"] = parent
		}
		if tg := g.accountTags(i, &a); len(tg) > 0 {
			ids := make([]string, len(tg))
			for k, t := range tg {
				ids[k] = ID(ws, "tags", t)
				tags.add(ws, id, ids[k])
			}
			r.Values["tag_ids"] = ids
		}
		if typ, to, ok := g.accountRelationship(i, &a); ok {
			rels.add(ID(ws, "account_relationships", i), ws, id, ID(ws, "accounts", to), typ, "", db.T(at), owner)
		}
		addHistory(hist, ws, "accounts", id, owner, at, r.Values)
		ix.add(ws, "accounts", id, customers.AccountDoc(r), customers.AccountKeys(r))
	}
	return &chunk{tables: append([]*table{acc, tags, rels, hist}, ix.all()...), n: hi - lo}
}

func buildContacts(g *Generator, opt LoadOptions, now time.Time, lo, hi int) *chunk {
	ws := opt.Workspace
	c := g.Config()
	con := newTable("contacts", "", append(append([]string{}, recordCols...), "given_name", "middle_name", "family_name", "name", "emails", "email", "phones", "phone", "job_title", "account_id",
		"street", "city", "region", "postal_code", "country", "language", "time_zone", "birthday", "email_consent")...)
	members := newTable("account_contacts", "", "workspace_id", "account_id", "contact_id", "role", "is_primary", "created_at")
	members.sortBy = []int{1}
	hist := historyTable()
	ix := newIndexTables()
	tags := newTable("contact_tags", "", "workspace_id", "contact_id", "tag_id")
	for i := lo; i < hi; i++ {
		p := g.Contact(i)
		id := ID(ws, "contacts", i)
		owner := opt.Owners[i%len(opt.Owners)]
		at := createdAt(now, i, c.Contacts)
		var emails []records.EmailItem
		for j, e := range []string{p.Email, p.Email2} {
			if addr, err := match.NormalizeEmail(e); err == nil && e != "" {
				label := "work"
				if j == 1 {
					label = "personal"
				}
				emails = append(emails, records.EmailItem{Address: addr, Label: label, Primary: len(emails) == 0})
			}
		}
		phones := phoneItems([]string{p.Phone, p.Mobile}, []string{p.PhoneE164, p.MobileE164})
		name := match.DisplayName(p.Given, p.Middle, p.Family)
		accID := ID(ws, "accounts", p.AccountIndex)
		consent := any(nil)
		if p.EmailOptIn {
			consent = "opt_in"
		}
		var bday any
		if p.Birthday != "" {
			bday = p.Birthday
		}
		con.add(id, ws, owner, db.T(at), owner, db.T(at), owner, 1, "{}", nz(p.Given), nz(p.Middle), nz(p.Family), name, jsonOrNil(emails), nz(records.PrimaryEmail(emails)),
			jsonOrNil(phones), nz(records.PrimaryPhone(phones)), nz(p.JobTitle), accID,
			nz(p.Address.Street), nz(p.Address.City), nz(p.Address.Region), nz(p.Address.PostalCode), nz(p.Address.Country), nz(p.Language), nz(p.TimeZone), bday, consent)
		members.add(ws, accID, id, p.Role, true, db.T(at))
		r := &records.Record{ID: id, Values: map[string]any{"given_name": p.Given, "middle_name": p.Middle, "family_name": p.Family, "name": name,
			"emails": emails, "phones": phones, "job_title": p.JobTitle, "account_id": accID, "city": p.Address.City, "language": p.Language}}
		if tg := g.contactTags(i, &p); len(tg) > 0 {
			ids := make([]string, len(tg))
			for k, t := range tg {
				ids[k] = ID(ws, "tags", t)
				tags.add(ws, id, ids[k])
			}
			r.Values["tag_ids"] = ids
		}
		addHistory(hist, ws, "contacts", id, owner, at, r.Values)
		acc := g.Account(p.AccountIndex)
		ix.add(ws, "contacts", id, customers.ContactDoc(r, acc.Name), customers.ContactKeys(r))
	}
	return &chunk{tables: append([]*table{con, members, tags, hist}, ix.all()...), n: hi - lo}
}

func activityTables() (act, links *table) {
	act = newTable("activities", "", append(append([]string{}, recordCols...), "type", "subject", "body", "occurred_at", "due_at", "priority", "assignee_id", "done", "done_at",
		"direction", "duration_seconds", "outcome", "starts_at", "ends_at")...)
	links = newTable("activity_links", "", "workspace_id", "activity_id", "account_id", "contact_id", "occurred_at", "open_task")
	links.sortBy = []int{2, 3}
	return act, links
}

func buildActivities(g *Generator, opt LoadOptions, lo, hi int) *chunk {
	ws := opt.Workspace
	act, links := activityTables()
	hist := historyTable()
	for i := lo; i < hi; i++ {
		a := g.Activity(i)
		id := ID(ws, "activities", i)
		contact := g.Contact(a.ContactIndex)
		owner := opt.Owners[a.ContactIndex%len(opt.Owners)]
		at := time.Unix(a.At, 0).UTC()
		var due, prio, assignee, done, doneAt, dir, dur, outcome, start, end any
		switch a.Type {
		case "task":
			due, prio, assignee, done = db.T(at), a.Priority, owner, a.Done
			if a.Done {
				doneAt = db.T(at.Add(time.Hour))
			}
		case "call":
			dir, dur, outcome = a.Direction, a.DurationSec, a.Outcome
		case "meeting":
			start, end = db.T(at), db.T(at.Add(time.Duration(max(a.DurationSec, 1800))*time.Second))
		}
		act.add(id, ws, owner, db.T(at), owner, db.T(at), owner, 1, "{}", string(a.Type), a.Subject, nz(a.Body), db.T(at), due, prio, assignee, done, doneAt, dir, dur, outcome, start, end)
		accID, conID := ID(ws, "accounts", contact.AccountIndex), ID(ws, "contacts", a.ContactIndex)
		var open any
		if a.Type == "task" && !a.Done {
			open = 1
		}
		links.add(ws, id, accID, nil, db.T(at), open)
		links.add(ws, id, nil, conID, db.T(at), open)
		addHistory(hist, ws, "activities", id, owner, at, map[string]any{"type": string(a.Type), "subject": a.Subject, "occurred_at": at.Format(time.RFC3339),
			"account_ids": []string{accID}, "contact_ids": []string{conID}})
	}
	return &chunk{tables: []*table{act, links, hist}, n: hi - lo}
}
