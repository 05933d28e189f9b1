// Package db opens SQLite or PostgreSQL and hides their differences:
// placeholders, time values, error mapping and migrations. Dialect
// differences live here and nowhere else.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Dialect names the database engine.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// IDList is the aggregate that joins the ids expr names in a group as
// text, comma-separated, in no particular order; NULL for none.
func (d Dialect) IDList(expr string) string {
	if d == Postgres {
		return "string_agg(" + expr + "::text, ',')"
	}
	return "group_concat(" + expr + ", ',')"
}

// DB is a database handle. On SQLite it holds one writer connection and a
// pool of readers (WAL lets them run beside the writer); on PostgreSQL
// both are the same pool.
type DB struct {
	Dialect Dialect
	W       *sql.DB // writes and transactions
	R       *sql.DB // reads outside transactions
	Path    string  // SQLite file path, empty on PostgreSQL
	URL     string  // PostgreSQL URL, empty on SQLite
}

// Options says which database to open.
type Options struct {
	// URL is a postgres:// URL. When empty, SQLite is opened under DataDir.
	URL string
	// DataDir holds rapport.db for SQLite.
	DataDir string
	// MaxConns bounds the PostgreSQL pool (default 20).
	MaxConns int
	// MmapReads, for SQLite, lets each reader map up to this many bytes
	// of the database file instead of copying each page it reads with a
	// system call: a long scan (an export) reads the file once, and the
	// copies were a fifth of its time. The pages mapped are the
	// operating system's file cache, shared and reclaimable, but they
	// count in the process's resident size, so the server does not map
	// (its memory figures stay its own). SQLite caps it at 2 GB here.
	MmapReads int64
}

// Open opens the database named by opts. It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL != "" && (strings.HasPrefix(opts.URL, "postgres://") || strings.HasPrefix(opts.URL, "postgresql://")) {
		return openPostgres(ctx, opts)
	}
	if opts.URL != "" {
		return nil, fmt.Errorf("open database: unsupported --db URL (want postgres://…): %q", redact(opts.URL))
	}
	return openSQLite(ctx, opts.DataDir, opts.MmapReads)
}

func openSQLite(ctx context.Context, dir string, mmapReads int64) (*DB, error) {
	if dir == "" {
		dir = "rapport-data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "rapport.db")
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	// Page caches: 32 MB for the one writer, 16 MB for each reader; the
	// operating system's file cache holds the rest of a large database.
	wq, rq := cloneValues(q), cloneValues(q)
	wq.Add("_pragma", "cache_size(-32000)")
	rq.Add("_pragma", "cache_size(-16000)")
	rq.Add("_pragma", "query_only(1)")
	if mmapReads > 0 {
		rq.Add("_pragma", "mmap_size("+strconv.FormatInt(mmapReads, 10)+")")
	}
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	d := &DB{Dialect: SQLite, W: w, R: r, Path: path}
	if err := w.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return d, nil
}

func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	p, err := sql.Open("pgx", opts.URL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 20
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect postgres %s: %w", redact(opts.URL), err)
	}
	return &DB{Dialect: Postgres, W: p, R: p, URL: opts.URL}, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// redact hides the password of a database URL so it can be logged.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Redacted returns a description of the database safe for logs.
func (d *DB) Redacted() string {
	if d.Dialect == SQLite {
		return "sqlite:" + d.Path
	}
	return redact(d.URL)
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Rebind turns ? placeholders into $1, $2 … on PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Exec runs a write statement on the writer.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := d.W.ExecContext(ctx, d.Rebind(q), args...)
	return res, MapError(err)
}

// Query runs a read on the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := d.R.QueryContext(ctx, d.Rebind(q), args...)
	return rows, MapError(err)
}

// QueryRow runs a single-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.R.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Tx is a transaction whose methods take ? placeholders.
type Tx struct {
	tx    *sql.Tx
	d     *DB
	stmts map[string]*sql.Stmt
	// savepoints counts the savepoints open (taken with Savepoint).
	savepoints int
}

// Savepoint opens a savepoint named name: RollbackTo takes back what was
// written since, Release keeps it. A statement that fails inside a
// savepoint only dooms what the savepoint holds (on PostgreSQL the
// transaction is usable again after RollbackTo).
func (t *Tx) Savepoint(ctx context.Context, name string) error {
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", MapError(err))
	}
	t.savepoints++
	return nil
}

// Release ends a savepoint, keeping what was written in it.
func (t *Tx) Release(ctx context.Context, name string) error {
	if _, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", MapError(err))
	}
	t.savepoints--
	return nil
}

// RollbackTo takes back what was written since the savepoint and ends it.
func (t *Tx) RollbackTo(ctx context.Context, name string) error {
	if _, err := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", MapError(err))
	}
	return t.Release(ctx, name)
}

// BulkInsert returns how a multi-row INSERT begins when its failure is
// to end the whole transaction (outside any savepoint): on SQLite
// "INSERT OR ROLLBACK INTO", which spares the statement journal SQLite
// otherwise keeps to undo a large statement on its own; elsewhere
// "INSERT INTO" (a failed statement dooms a PostgreSQL transaction
// anyway). Inside a savepoint it is always "INSERT INTO".
func (t *Tx) BulkInsert() string {
	if t.d.Dialect == SQLite && t.savepoints == 0 {
		return "INSERT OR ROLLBACK INTO "
	}
	return "INSERT INTO "
}

// DeferForeignKeys makes SQLite check foreign keys at commit rather than
// after each statement, for a transaction of bulk inserts (which also
// spares the statement journal); a violation then fails the commit.
// PostgreSQL checks as its constraints say.
func (t *Tx) DeferForeignKeys(ctx context.Context) error {
	if t.d.Dialect != SQLite {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		return fmt.Errorf("defer foreign keys: %w", err)
	}
	return nil
}

// Begin starts a write transaction. Callers defer Rollback and Commit at
// the end, so the transaction's extent is visible at the call site.
func (d *DB) Begin(ctx context.Context) (*Tx, error) {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", MapError(err))
	}
	return &Tx{tx: tx, d: d}, nil
}

// Dialect returns the transaction's database dialect.
func (t *Tx) Dialect() Dialect { return t.d.Dialect }

// DB returns the handle the transaction belongs to.
func (t *Tx) DB() *DB { return t.d }

// Exec runs a statement inside the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, t.d.Rebind(q), args...)
	return res, MapError(err)
}

// Query runs a query inside the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, t.d.Rebind(q), args...)
	return rows, MapError(err)
}

// QueryRow runs a single-row query inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.d.Rebind(q), args...)
}

// ExecPrepared is Exec for a statement the transaction runs many times
// (the multi-row inserts of a bulk write): it is prepared on first use
// and reused until the transaction ends, so the database parses it once.
func (t *Tx) ExecPrepared(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, t.d.Rebind(q)); err != nil {
			return nil, MapError(err)
		}
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[q] = st
	}
	res, err := st.ExecContext(ctx, args...)
	return res, MapError(err)
}

func (t *Tx) closeStmts() {
	for _, st := range t.stmts {
		st.Close()
	}
	t.stmts = nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error {
	t.closeStmts()
	return MapError(t.tx.Commit())
}

// Rollback aborts the transaction; after Commit it is a no-op.
func (t *Tx) Rollback() error {
	t.closeStmts()
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// Querier is what both *DB and *Tx offer, for helpers that run either
// inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// TimeFormat is how times are written: UTC with a fixed six-digit
// fraction, so text comparison on SQLite orders like time does.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// T formats a time for a query argument; both dialects accept the text.
func T(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Time scans a timestamp column from either dialect.
type Time struct{ time.Time }

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("scan time: unsupported %T", v)
	}
	return nil
}

func (t *Time) parse(s string) error {
	for _, f := range []string{TimeFormat, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(f, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time: unparsable %q", s)
}

// Optimize refreshes the query planner's statistics. On SQLite it runs
// PRAGMA optimize with a bounded analysis (fast on large tables), which
// analyses only the tables whose size changed much since the last time;
// full analyses every table (after a bulk load). PostgreSQL's autovacuum
// keeps statistics on its own, so only full does anything there.
func (d *DB) Optimize(ctx context.Context, full bool) error {
	var stmts []string
	switch {
	case d.Dialect == SQLite && full:
		// Every table, each index sampled (10,000 rows): exact statistics
		// of a database of many gigabytes would take minutes to gather
		// and plan no better.
		//
		// After a bulk write the full-text index is many segments, and a
		// search looks into each: merged into one, a prefix of a common
		// name reads one list instead of dozens (seconds at a million
		// records).
		stmts = []string{"PRAGMA analysis_limit = 10000", "ANALYZE", "INSERT INTO search_fts (search_fts) VALUES ('optimize')"}
	case d.Dialect == SQLite:
		stmts = []string{"PRAGMA analysis_limit = 10000", "PRAGMA optimize = 0x10002"}
	case full:
		stmts = []string{"ANALYZE"}
	}
	for _, q := range stmts {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
	}
	return nil
}
