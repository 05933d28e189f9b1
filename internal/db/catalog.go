package db

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Kind is a column's type as both dialects can hold it. SQLite declares
// fewer types than PostgreSQL (a time is TEXT there, a boolean INTEGER),
// so the same column may have a different Kind on each: a reader
// converts by the Kind of the column it writes into.
type Kind string

// The kinds of column.
const (
	KindText    Kind = "text"
	KindInteger Kind = "integer"
	KindReal    Kind = "real"
	KindBool    Kind = "boolean"
	KindTime    Kind = "timestamp"
	KindDate    Kind = "date"
	KindUUID    Kind = "uuid"
	KindJSON    Kind = "json"
	KindBytes   Kind = "bytes"
)

// Column is one column of a table.
type Column struct {
	Name    string
	Type    string // as declared (SQLite) or named by the catalog (PostgreSQL)
	Kind    Kind
	NotNull bool
	// PK is the column's position in the primary key, from 1; 0 when it
	// is not part of it.
	PK int
	// Serial is true for a column a sequence numbers (PostgreSQL
	// BIGSERIAL); after rows are inserted with their own values the
	// sequence must be moved past them (SyncSequences).
	Serial bool
}

// ForeignKey is a reference from columns of a table to columns of
// another (or the same) table.
type ForeignKey struct {
	Columns    []string
	RefTable   string
	RefColumns []string
}

// Table is a table of the database with its columns (in their order)
// and foreign keys.
type Table struct {
	Name        string
	Columns     []Column
	ForeignKeys []ForeignKey
}

// Column returns the column named name.
func (t *Table) Column(name string) (*Column, bool) {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// PrimaryKey returns the columns of the primary key in order.
func (t *Table) PrimaryKey() []string {
	var cols []Column
	for _, c := range t.Columns {
		if c.PK > 0 {
			cols = append(cols, c)
		}
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].PK < cols[j].PK })
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// Catalog describes every table of the database (of the current schema
// on PostgreSQL), sorted by name. It reads through q, so that inside a
// transaction it sees what the transaction sees.
func (d *DB) Catalog(ctx context.Context, q Querier) ([]Table, error) {
	var (
		tables []Table
		err    error
	)
	if d.Dialect == Postgres {
		tables, err = pgCatalog(ctx, q)
	} else {
		tables, err = sqliteCatalog(ctx, q)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	return tables, nil
}

func sqliteCatalog(ctx context.Context, q Querier) ([]Table, error) {
	// Virtual tables (the full-text index) and their shadow tables are
	// the database's own structures over a real table, not data.
	names, err := strs(ctx, q, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, err
	}
	tables := make([]Table, 0, len(names))
	for _, name := range names {
		t := Table{Name: name}
		rows, err := q.Query(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c Column
			if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &c.PK); err != nil {
				rows.Close()
				return nil, err
			}
			c.Kind = sqliteKind(c.Type)
			t.Columns = append(t.Columns, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = q.Query(ctx, `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, name)
		if err != nil {
			return nil, err
		}
		last := -1
		for rows.Next() {
			var (
				id       int
				ref, frm string
				to       sql.NullString
			)
			if err := rows.Scan(&id, &ref, &frm, &to); err != nil {
				rows.Close()
				return nil, err
			}
			if id != last {
				t.ForeignKeys = append(t.ForeignKeys, ForeignKey{RefTable: ref})
				last = id
			}
			fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns = append(fk.Columns, frm)
			// A reference without columns names the primary key, filled
			// in below.
			fk.RefColumns = append(fk.RefColumns, to.String)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	for ti := range tables {
		for fi := range tables[ti].ForeignKeys {
			fk := &tables[ti].ForeignKeys[fi]
			if fk.RefColumns[0] != "" {
				continue
			}
			for _, r := range tables {
				if r.Name == fk.RefTable {
					fk.RefColumns = r.PrimaryKey()
				}
			}
		}
	}
	return tables, nil
}

// sqliteKind follows SQLite's type affinity rules.
func sqliteKind(declared string) Kind {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return KindInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return KindText
	case t == "" || strings.Contains(t, "BLOB"):
		return KindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return KindReal
	}
	return KindText
}

func pgCatalog(ctx context.Context, q Querier) ([]Table, error) {
	rows, err := q.Query(ctx, `SELECT table_name, column_name, udt_name, is_nullable = 'NO', COALESCE(column_default, '') LIKE 'nextval(%'
FROM information_schema.columns c
WHERE table_schema = current_schema()
AND is_generated = 'NEVER' -- computed by the database from the other columns
AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')
ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Table{}
	var order []string
	for rows.Next() {
		var tname string
		var c Column
		if err := rows.Scan(&tname, &c.Name, &c.Type, &c.NotNull, &c.Serial); err != nil {
			rows.Close()
			return nil, err
		}
		c.Kind = pgKind(c.Type)
		t, ok := byName[tname]
		if !ok {
			t = &Table{Name: tname}
			byName[tname] = t
			order = append(order, tname)
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Primary keys and foreign keys, one row per column, in key order.
	rows, err = q.Query(ctx, `SELECT c.contype, c.conname, cl.relname, COALESCE(rf.relname, ''), a.attname, COALESCE(af.attname, '')
FROM pg_constraint c
JOIN pg_class cl ON cl.oid = c.conrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace
LEFT JOIN pg_class rf ON rf.oid = c.confrelid
CROSS JOIN LATERAL unnest(c.conkey, COALESCE(c.confkey, c.conkey)) WITH ORDINALITY AS k(attnum, fattnum, ord)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fattnum
WHERE c.contype IN ('p', 'f') AND n.nspname = current_schema()
ORDER BY cl.relname, c.contype, c.conname, k.ord`)
	if err != nil {
		return nil, err
	}
	lastCon := ""
	for rows.Next() {
		var typ, con, tname, ref, col, refCol string
		if err := rows.Scan(&typ, &con, &tname, &ref, &col, &refCol); err != nil {
			rows.Close()
			return nil, err
		}
		t, ok := byName[tname]
		if !ok {
			continue
		}
		switch typ {
		case "p":
			pos := 1
			for _, c := range t.Columns {
				if c.PK >= pos {
					pos = c.PK + 1
				}
			}
			if c, ok := t.Column(col); ok {
				c.PK = pos
			}
		case "f":
			key := tname + "." + con
			if key != lastCon {
				t.ForeignKeys = append(t.ForeignKeys, ForeignKey{RefTable: ref})
				lastCon = key
			}
			fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns = append(fk.Columns, col)
			fk.RefColumns = append(fk.RefColumns, refCol)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out, nil
}

func pgKind(udt string) Kind {
	switch udt {
	case "int2", "int4", "int8":
		return KindInteger
	case "float4", "float8", "numeric":
		return KindReal
	case "bool":
		return KindBool
	case "timestamptz", "timestamp":
		return KindTime
	case "date":
		return KindDate
	case "uuid":
		return KindUUID
	case "json", "jsonb":
		return KindJSON
	case "bytea":
		return KindBytes
	}
	return KindText
}

func strs(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// BeginSnapshot starts a read-only transaction that sees the database as
// it was when it began, however long it runs and whatever is written
// meanwhile: REPEATABLE READ on PostgreSQL; on SQLite a read transaction
// on a reader connection, which WAL keeps on its snapshot (taken at its
// first read). Callers defer Rollback.
func (d *DB) BeginSnapshot(ctx context.Context) (*Tx, error) {
	var opts *sql.TxOptions
	if d.Dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := d.R.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin snapshot: %w", MapError(err))
	}
	t := &Tx{tx: tx, d: d}
	if d.Dialect == SQLite {
		// Take the snapshot now, not at the caller's first read.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master").Scan(&n); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("begin snapshot: %w", MapError(err))
		}
	}
	return t, nil
}

// SyncSequences moves the sequences behind table's serial columns past
// the largest value the table holds, after rows were inserted with
// their own values. SQLite needs nothing: its INTEGER PRIMARY KEY takes
// the next value from the table itself.
func (t *Tx) SyncSequences(ctx context.Context, table *Table) error {
	if t.d.Dialect != Postgres {
		return nil
	}
	for _, c := range table.Columns {
		if !c.Serial {
			continue
		}
		q := "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(" + QuoteIdent(c.Name) + ") FROM " + QuoteIdent(table.Name) + "), 0) + 1, false)"
		if _, err := t.Exec(ctx, q, table.Name, c.Name); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", table.Name, c.Name, err)
		}
	}
	return nil
}

// QuoteIdent quotes a table or column name for both dialects.
func QuoteIdent(s string) string { return quoteIdent(s) }
