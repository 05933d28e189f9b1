package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Bulk loads into empty tables go fastest when the tables' secondary
// indexes are built once, after the rows are in (one sort per index),
// instead of being updated row by row in random order. DeferIndexes drops
// them and records their definitions in deferred_indexes in the same
// transaction; BuildDeferredIndexes creates them again. Open calls
// BuildDeferredIndexes at every start, so a load killed half-way never
// leaves a database without its indexes.

// Index is a secondary index: its name and its CREATE statement.
type Index struct {
	Name, Table, Def string
}

// SecondaryIndexes returns the indexes of tables that no constraint owns
// (primary keys and UNIQUE constraints stay).
func (d *DB) SecondaryIndexes(ctx context.Context, tables ...string) ([]Index, error) {
	return d.secondaryIndexes(ctx, d.W, tables)
}

// SecondaryIndexes is DB.SecondaryIndexes inside the transaction.
func (t *Tx) SecondaryIndexes(ctx context.Context, tables ...string) ([]Index, error) {
	return t.d.secondaryIndexes(ctx, t.tx, tables)
}

func (d *DB) secondaryIndexes(ctx context.Context, src interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, tables []string) ([]Index, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(tables)), ",")
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	query := "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (" + in + ") ORDER BY name"
	if d.Dialect == Postgres {
		query = `SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename IN (` + in + `)
AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = i.schemaname))
ORDER BY i.indexname`
	}
	rows, err := src.QueryContext(ctx, d.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", MapError(err))
	}
	defer rows.Close()
	var out []Index
	for rows.Next() {
		var ix Index
		if err := rows.Scan(&ix.Name, &ix.Table, &ix.Def); err != nil {
			return nil, fmt.Errorf("list indexes: %w", err)
		}
		out = append(out, ix)
	}
	return out, rows.Err()
}

// DropIndexes drops indexes inside the transaction; CreateIndexes makes
// them again before it commits. Both dialects change their schema
// transactionally, so a load that fails or is killed in between leaves
// the indexes as they were.
func (t *Tx) DropIndexes(ctx context.Context, ixs []Index) error {
	for _, ix := range ixs {
		if _, err := t.Exec(ctx, "DROP INDEX "+quoteIdent(ix.Name)); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.Name, err)
		}
	}
	return nil
}

// CreateIndexes creates indexes (as SecondaryIndexes described them)
// inside the transaction.
func (t *Tx) CreateIndexes(ctx context.Context, ixs []Index) error {
	if t.d.Dialect == Postgres && len(ixs) > 0 {
		// A sort in memory instead of on disk for the large tables.
		if _, err := t.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return fmt.Errorf("create indexes: %w", err)
		}
	}
	for _, ix := range ixs {
		if _, err := t.Exec(ctx, ix.Def); err != nil {
			return fmt.Errorf("create index %s: %w", ix.Name, err)
		}
	}
	return nil
}

// DeferIndexes drops the secondary indexes of tables, remembering them so
// that BuildDeferredIndexes (or the next Open) creates them again.
func (d *DB) DeferIndexes(ctx context.Context, tables ...string) error {
	ixs, err := d.SecondaryIndexes(ctx, tables...)
	if err != nil {
		return err
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, ix := range ixs {
		if _, err := tx.Exec(ctx, "INSERT INTO deferred_indexes (name, table_name, definition) VALUES (?, ?, ?)", ix.Name, ix.Table, ix.Def); err != nil {
			return fmt.Errorf("defer index %s: %w", ix.Name, err)
		}
		if _, err := tx.Exec(ctx, "DROP INDEX "+quoteIdent(ix.Name)); err != nil {
			return fmt.Errorf("defer index %s: %w", ix.Name, err)
		}
	}
	return tx.Commit()
}

// BuildDeferredIndexes creates every index DeferIndexes dropped. Each
// index is built and forgotten in one transaction, so an interruption
// leaves the rest for the next call.
func (d *DB) BuildDeferredIndexes(ctx context.Context, progress func(done, total int)) error {
	rows, err := d.W.QueryContext(ctx, "SELECT name, definition FROM deferred_indexes ORDER BY name")
	if err != nil {
		return fmt.Errorf("deferred indexes: %w", MapError(err))
	}
	var ixs []Index
	for rows.Next() {
		var ix Index
		if err := rows.Scan(&ix.Name, &ix.Def); err != nil {
			rows.Close()
			return fmt.Errorf("deferred indexes: %w", err)
		}
		ixs = append(ixs, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("deferred indexes: %w", err)
	}
	for i, ix := range ixs {
		if progress != nil {
			progress(i, len(ixs))
		}
		if err := d.buildIndex(ctx, ix); err != nil {
			return err
		}
	}
	if progress != nil && len(ixs) > 0 {
		progress(len(ixs), len(ixs))
	}
	return nil
}

func (d *DB) buildIndex(ctx context.Context, ix Index) error {
	tx, err := d.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.Dialect == Postgres {
		// A sort in memory instead of on disk for the large tables.
		if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return fmt.Errorf("build index %s: %w", ix.Name, err)
		}
	}
	// Forget it first: when another process has built it meanwhile there
	// is nothing left to forget, and nothing to build.
	res, err := tx.Exec(ctx, "DELETE FROM deferred_indexes WHERE name = ?", ix.Name)
	if err != nil {
		return fmt.Errorf("build index %s: %w", ix.Name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, ix.Def); err != nil {
		return fmt.Errorf("build index %s: %w", ix.Name, err)
	}
	return tx.Commit()
}

// TablesEmpty reports whether none of tables has a row.
func (d *DB) TablesEmpty(ctx context.Context, tables ...string) (bool, error) {
	for _, t := range tables {
		var one int
		err := d.W.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+quoteIdent(t)+" LIMIT 1) x").Scan(&one)
		if err != nil {
			return false, fmt.Errorf("count %s: %w", t, MapError(err))
		}
		if one > 0 {
			return false, nil
		}
	}
	return true, nil
}

// CreateStaging creates an unindexed table with the columns of like, for
// rows that are inserted in any order and copied into like sorted. On
// SQLite it is a temporary table of the writer's connection; on
// PostgreSQL an unlogged table (the caller drops it).
func (t *Tx) CreateStaging(ctx context.Context, name, like string) error {
	q := "CREATE TEMP TABLE " + quoteIdent(name) + " AS SELECT * FROM " + quoteIdent(like) + " WHERE 1 = 0"
	if t.d.Dialect == Postgres {
		q = "CREATE UNLOGGED TABLE " + quoteIdent(name) + " AS SELECT * FROM " + quoteIdent(like) + " WHERE 1 = 0"
	}
	if _, err := t.Exec(ctx, q); err != nil {
		return fmt.Errorf("staging table %s: %w", name, err)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
