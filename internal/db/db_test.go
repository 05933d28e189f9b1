package db_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/errs"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func insertWorkspace(t *testing.T, d *db.DB, name string) (string, error) {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	now := db.T(time.Now())
	_, err := d.Exec(context.Background(), "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, name, now, now)
	return id, err
}

func TestMigrateAndTimes(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if d.Dialect != dbtest.Dialect() {
		t.Fatalf("dialect %s, want %s", d.Dialect, dbtest.Dialect())
	}
	v, err := d.MigrationVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("migration version %d, %v", v, err)
	}
	want := time.Date(2026, 1, 31, 23, 59, 58, 123456000, time.UTC)
	id := uuid.Must(uuid.NewV7()).String()
	if _, err := d.Exec(ctx, "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, "Times", db.T(want), db.T(want)); err != nil {
		t.Fatal(err)
	}
	var got db.Time
	if err := d.QueryRow(ctx, "SELECT created_at FROM workspaces WHERE id = ?", id).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Fatalf("time round trip: got %v, want %v", got.Time, want)
	}
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM workspaces WHERE created_at > ? AND created_at < ?", db.T(want.Add(-time.Microsecond)), db.T(want.Add(time.Microsecond))).Scan(&n); err != nil || n != 1 {
		t.Fatalf("time comparison found %d rows, err %v", n, err)
	}
}

func TestMapError(t *testing.T) {
	d := dbtest.Open(t)
	if _, err := insertWorkspace(t, d, "Acme"); err != nil {
		t.Fatal(err)
	}
	_, err := insertWorkspace(t, d, "ACME")
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("duplicate name: got %v, want conflict", err)
	}
	now := db.T(time.Now())
	_, err = d.Exec(context.Background(), "INSERT INTO teams (id, workspace_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String(), "Ghost team", now, now)
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("missing workspace: got %v, want invalid", err)
	}
	err = d.QueryRow(context.Background(), "SELECT name FROM workspaces WHERE name = ?", "nobody").Scan(new(string))
	if !errs.Is(db.MapError(err), errs.NotFound) {
		t.Fatalf("no rows: got %v, want not_found", err)
	}
}

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	got := d.Rebind("SELECT ? , '?' FROM x WHERE a = ? AND b IN (?, ?)")
	want := "SELECT $1 , '?' FROM x WHERE a = $2 AND b IN ($3, $4)"
	if got != want {
		t.Fatalf("Rebind: %q, want %q", got, want)
	}
	if s := (&db.DB{Dialect: db.SQLite}).Rebind("a = ?"); s != "a = ?" {
		t.Fatalf("SQLite Rebind changed %q", s)
	}
}

// TestUpgradeAnalyzesNewIndexes: an upgrade that adds an index to a table
// holding data gathers the table's statistics, so SQLite's planner does
// not take the new index for a very selective one.
func TestUpgradeAnalyzesNewIndexes(t *testing.T) {
	if dbtest.Dialect() != db.SQLite {
		t.Skip("the statistics checked are SQLite's sqlite_stat1")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.MigrateTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	ws, err := insertWorkspace(t, d, "Upgrade")
	if err != nil {
		t.Fatal(err)
	}
	now := db.T(time.Now())
	for i := range 50 {
		if _, err := d.Exec(ctx, "INSERT INTO contacts (id, workspace_id, owner_id, created_at, created_by, updated_at, updated_by, version, name) VALUES (?, ?, NULL, ?, NULL, ?, NULL, 1, ?)",
			uuid.Must(uuid.NewV7()).String(), ws, now, now, "Person "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var stat string
	if err := d.QueryRow(ctx, "SELECT stat FROM sqlite_stat1 WHERE idx = 'contacts_external_id'").Scan(&stat); err != nil {
		t.Fatalf("the index added by the upgrade has no statistics: %v", err)
	}
	if !strings.HasPrefix(stat, "50 ") {
		t.Fatalf("contacts_external_id statistics %q, want them for the 50 rows", stat)
	}
}

// TestMmapReads: on SQLite, MmapReads maps the file for every reader
// (PRAGMA mmap_size answers it on each connection of the pool), and
// without it readers copy pages as before; the writer never maps.
func TestMmapReads(t *testing.T) {
	if dbtest.Dialect() != db.SQLite {
		t.Skip("SQLite only: PostgreSQL has its own buffers")
	}
	ctx := t.Context()
	dir := t.TempDir()
	for _, want := range []int64{0, 1 << 20} {
		d, err := db.Open(ctx, db.Options{DataDir: dir, MmapReads: want})
		if err != nil {
			t.Fatal(err)
		}
		// Hold several readers at once, so the check is not of one
		// connection only.
		var conns []*sql.Conn
		for range 3 {
			c, err := d.R.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var got int64
			if err := c.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&got); err != nil || got != want {
				t.Errorf("reader mmap_size %d (%v), want %d", got, err, want)
			}
		}
		var w int64
		if err := d.W.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&w); err != nil || w != 0 {
			t.Errorf("writer mmap_size %d (%v), want 0", w, err)
		}
		for _, c := range conns {
			c.Close()
		}
		d.Close()
	}
}
