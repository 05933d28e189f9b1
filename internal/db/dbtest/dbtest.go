// Package dbtest gives tests a fresh, migrated database: SQLite in a temp
// directory by default, or PostgreSQL when RAPPORT_TEST_DB=postgres — a
// throwaway cluster started for the test process (initdb + pg_ctl on a
// free loopback port) unless RAPPORT_TEST_POSTGRES names a server.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
)

// Dialect returns the dialect tests run on.
func Dialect() db.Dialect {
	if os.Getenv("RAPPORT_TEST_DB") == "postgres" {
		return db.Postgres
	}
	return db.SQLite
}

// Open returns a fresh migrated database, closed (and on PostgreSQL
// dropped) when the test ends.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	ctx := context.Background()
	var opts db.Options
	if Dialect() == db.Postgres {
		opts.URL = URL(tb)
		opts.MaxConns = 10
	} else {
		opts.DataDir = tb.TempDir()
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("dbtest: open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		tb.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}

// URL creates a new empty PostgreSQL database and returns its URL; the
// database is dropped when the test ends. Tests that start two server
// processes on one database use it.
func URL(tb testing.TB) string {
	tb.Helper()
	base := serverURL(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		if _, err := a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	return u.String()
}

var (
	once       sync.Once
	clusterURL string
	clusterErr error
	clusterDir string
	pgCtl      string
	runAs      *syscall.Credential
)

func serverURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("RAPPORT_TEST_POSTGRES"); u != "" {
		return u
	}
	once.Do(func() { clusterURL, clusterErr = startCluster() })
	if clusterErr != nil {
		if errNotInstalled == clusterErr && os.Getenv("CI") != "true" {
			tb.Skip("POSTGRESQL NOT INSTALLED: skipping the PostgreSQL half (install postgresql, or set RAPPORT_TEST_POSTGRES)")
		}
		tb.Fatalf("dbtest: PostgreSQL cluster: %v", clusterErr)
	}
	return clusterURL
}

var errNotInstalled = fmt.Errorf("initdb not found: PostgreSQL is not installed")

func findBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startCluster runs initdb and pg_ctl start. As root it runs them as the
// postgres system user, since PostgreSQL refuses to run as root.
func startCluster() (string, error) {
	initdb := findBin("initdb")
	pgCtl = findBin("pg_ctl")
	if initdb == "" || pgCtl == "" {
		return "", errNotInstalled
	}
	dir, err := os.MkdirTemp("", "rapport-pg-")
	if err != nil {
		return "", err
	}
	clusterDir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root needs a postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	var port int
	for attempt := 0; attempt < 5; attempt++ {
		if port, err = freePort(); err != nil {
			return "", err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB", port, dir)
		var out []byte
		out, err = run(pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			break
		}
		err = fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	// Wait until it accepts connections over TCP.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := sql.Open("pgx", u)
		if err == nil {
			err = c.Ping()
			c.Close()
		}
		if err == nil {
			return u, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("postgres did not answer: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func run(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	if runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runAs}
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// Main runs the package's tests and then stops the cluster, if one was
// started. Every test package that uses dbtest calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop shuts the throwaway cluster down and removes its files.
func Stop() {
	if clusterDir == "" {
		return
	}
	if clusterURL != "" {
		_, _ = run(pgCtl, "-D", filepath.Join(clusterDir, "data"), "-m", "immediate", "-w", "stop")
	}
	_ = os.RemoveAll(clusterDir)
	clusterDir = ""
}
