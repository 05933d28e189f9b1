package dbtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
)

// crashEnv makes the test binary act as TestClusterCleanedUpAfterCrash's
// helper: start a cluster, report it, and die without cleaning up.
const crashEnv = "RAPPORT_DBTEST_CRASH_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) == "1" {
		crashHelper()
	}
	Main(m)
}

func TestDialectFromEnv(t *testing.T) {
	tests := []struct {
		env     string
		want    db.Dialect
		wantErr bool
	}{
		{"", db.SQLite, false},
		{"sqlite", db.SQLite, false},
		{"postgres", db.Postgres, false},
		{"postgresql", db.Postgres, false},
		{"Postgres", "", true},
		{"mysql", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("RAPPORT_TEST_DB", tt.env)
			got, err := envDialect()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("RAPPORT_TEST_DB=%q: got %q, %v; want %q, error %v", tt.env, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func countWorkspaces(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM workspaces").Scan(&n); err != nil {
		t.Fatalf("count workspaces: %v", err)
	}
	return n
}

func TestOpenIsFreshAndMigrated(t *testing.T) {
	ctx := context.Background()
	d := Open(t)
	if d.Dialect != Dialect() {
		t.Fatalf("dialect %s, want %s", d.Dialect, Dialect())
	}
	if v, err := d.MigrationVersion(ctx); err != nil || v < 1 {
		t.Fatalf("migration version %d, %v; want at least 1", v, err)
	}
	if n := countWorkspaces(t, d); n != 0 {
		t.Fatalf("a fresh database holds %d workspaces", n)
	}
	now := db.T(time.Now())
	if _, err := d.Exec(ctx, "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
		uuid.Must(uuid.NewV7()).String(), "Acme", now, now); err != nil {
		t.Fatal(err)
	}
	if n := countWorkspaces(t, d); n != 1 {
		t.Fatalf("after one insert: %d workspaces", n)
	}
	if n := countWorkspaces(t, Open(t)); n != 0 {
		t.Fatalf("a second Open sees %d workspaces of the first", n)
	}
}

func TestOpenCleansUp(t *testing.T) {
	var d *db.DB
	t.Run("open", func(t *testing.T) { d = Open(t) })
	if err := d.Ping(context.Background()); err == nil {
		t.Fatal("the database still answers after its test ended")
	}
	switch d.Dialect {
	case db.SQLite:
		if _, err := os.Stat(d.Path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s still there after the test: %v", d.Path, err)
		}
	case db.Postgres:
		if exists := databaseExists(t, d.URL); exists {
			t.Fatalf("database of %s not dropped", d.URL)
		}
	}
}

// databaseExists asks the server of rawURL whether its database exists.
func databaseExists(t *testing.T, rawURL string) bool {
	t.Helper()
	name := rawURL[strings.LastIndex(rawURL, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	admin, err := sql.Open("pgx", serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestURL(t *testing.T) {
	if Dialect() != db.Postgres {
		t.Skip("URL serves the PostgreSQL half")
	}
	ctx := context.Background()
	var u1 string
	t.Run("create", func(t *testing.T) {
		u1 = URL(t)
		if u2 := URL(t); u1 == u2 {
			t.Fatalf("two calls returned the same database %s", u1)
		}
		if !databaseExists(t, u1) {
			t.Fatalf("no database behind %s", u1)
		}
		d, err := db.Open(ctx, db.Options{URL: u1})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var table sql.NullString
		if err := d.QueryRow(ctx, "SELECT to_regclass('goose_db_version')::text").Scan(&table); err != nil {
			t.Fatal(err)
		}
		if table.Valid {
			t.Fatal("URL's database is already migrated; callers migrate it themselves")
		}
		// A connection left open must not stop the drop.
		if err := d.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if databaseExists(t, u1) {
		t.Fatalf("%s not dropped", u1)
	}
}

// TestClusterCleanedUpAfterCrash kills a test process that started a
// cluster and checks that its watchdog stops the server and removes the
// directory: a -timeout or a panic must not leave PostgreSQL running.
func TestClusterCleanedUpAfterCrash(t *testing.T) {
	if Dialect() != db.Postgres {
		t.Skip("the throwaway cluster serves the PostgreSQL half")
	}
	if os.Getenv("RAPPORT_TEST_POSTGRES") != "" {
		t.Skip("RAPPORT_TEST_POSTGRES names a server; no cluster is started")
	}
	serverURL(t) // our own cluster, for its pg_ctl and user
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper: %v, want killed; stdout %q, stderr %s", err, out, stderr.Bytes())
	}
	var dir string
	var pid int
	if _, err := fmt.Sscanf(string(out), "%s %d", &dir, &pid); err != nil {
		t.Fatalf("helper said %q: %v", out, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			_ = (&cluster{dir: dir, pgCtl: local.pgCtl, cred: local.cred}).stop()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, statErr := os.Stat(dir)
		gone := errors.Is(statErr, os.ErrNotExist)
		if gone && !processAlive(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after the crash: directory %s removed %v, postmaster %d running %v", dir, gone, pid, processAlive(pid))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// crashHelper starts a cluster, prints its directory and postmaster pid,
// and kills its own process, so no deferred or Main cleanup can run.
func crashHelper() {
	c, err := startCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash helper:", err)
		os.Exit(3)
	}
	pidFile, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash helper:", err)
		os.Exit(3)
	}
	pid, _, _ := strings.Cut(string(pidFile), "\n")
	fmt.Printf("%s %s\n", c.dir, pid)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// processAlive reports whether pid runs; a zombie waiting for init to
// reap it counts as gone.
func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
