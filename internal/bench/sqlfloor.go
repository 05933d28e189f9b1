package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // SQLite driver "sqlite"
)

// ListSQL is the query Rapport runs for GET /api/v1/tags?limit=50 on
// SQLite (records.Engine.list for the tag object with its default sort,
// for a user who may read every tag): the record columns, the tag fields
// and the sort key, case-insensitive by name, one row past the page to
// know whether there is a next one. TestListSQLIsWhatRapportRuns fails
// when the engine's query changes and this one does not.
const ListSQL = "SELECT id, owner_id, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by, version, custom, name, color, description, lower(name)" +
	" FROM tags WHERE workspace_id = ? AND deleted_at IS NULL" +
	" ORDER BY lower(name) ASC, id ASC LIMIT 51"

// sqlFloor runs ListSQL straight through database/sql against a
// Rapport SQLite file, opened read-only with a pool the size of
// Rapport's reader pool.
type sqlFloor struct {
	db          *sql.DB
	workspaceID string
	plan        string // EXPLAIN QUERY PLAN, for the report
}

func openSQLFloor(ctx context.Context, path, workspace string) (*sqlFloor, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	for _, p := range []string{"busy_timeout(10000)", "query_only(1)", "cache_size(-32000)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2) // as internal/db sizes its reader pool
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	f := &sqlFloor{db: db}
	if err := db.QueryRowContext(ctx, "SELECT id FROM workspaces WHERE name = ?", workspace).Scan(&f.workspaceID); err != nil {
		db.Close()
		return nil, fmt.Errorf("find workspace %q in %s: %w", workspace, path, err)
	}
	if f.plan, err = explain(ctx, db, f.workspaceID); err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

// explain returns SQLite's plan for ListSQL, its steps joined by "; ".
func explain(ctx context.Context, db *sql.DB, workspaceID string) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+ListSQL, workspaceID)
	if err != nil {
		return "", fmt.Errorf("explain the list query: %w", err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", fmt.Errorf("explain the list query: %w", err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; "), rows.Err()
}

// op runs the list query once and reads every row into Go values, as
// Rapport does before it writes JSON.
func (f *sqlFloor) op(ctx context.Context, _, _ int) error {
	rows, err := f.db.QueryContext(ctx, ListSQL, f.workspaceID)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, 14)
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 51 {
		return fmt.Errorf("list query returned %d rows, want 51", n)
	}
	return nil
}

func (f *sqlFloor) Close() error { return f.db.Close() }
