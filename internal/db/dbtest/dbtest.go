// Package dbtest gives tests a fresh, migrated database: SQLite in a temp
// directory by default, or PostgreSQL when RAPPORT_TEST_DB=postgres — a
// throwaway cluster started for the test process (initdb + pg_ctl on a
// free loopback port) unless RAPPORT_TEST_POSTGRES names a server.
//
// Every test package that uses dbtest calls Main from its TestMain, so the
// cluster is stopped when the package's tests end. Should the process die
// without reaching that point (a panic, a -timeout, a kill), a watchdog
// started beside the cluster stops it and removes its files.
package dbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
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

// Dialect returns the dialect tests run on, from RAPPORT_TEST_DB:
// "sqlite" (the default) or "postgres". It panics on any other value, so
// a misspelt variable cannot quietly run the SQLite half twice.
func Dialect() db.Dialect {
	d, err := envDialect()
	if err != nil {
		panic(err)
	}
	return d
}

func envDialect() (db.Dialect, error) {
	switch v := os.Getenv("RAPPORT_TEST_DB"); v {
	case "", "sqlite":
		return db.SQLite, nil
	case "postgres", "postgresql":
		return db.Postgres, nil
	default:
		return "", fmt.Errorf("dbtest: RAPPORT_TEST_DB=%q: want sqlite or postgres", v)
	}
}

// Open returns a fresh, empty, migrated database of the dialect under
// test, closed (and on PostgreSQL dropped) when the test ends.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	dialect, err := envDialect()
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	var opts db.Options
	if dialect == db.Postgres {
		opts.URL = URL(tb)
		opts.MaxConns = 10
	} else {
		opts.DataDir = tb.TempDir()
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("dbtest: open: %v", err)
	}
	// Registered after URL's drop, so it runs before it: the database is
	// closed, then dropped.
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		tb.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}

// URL creates a new, empty, unmigrated PostgreSQL database and returns its
// URL; the database is dropped when the test ends, even if connections to
// it are still open. Tests that start two server processes on one
// database use it. It works whatever RAPPORT_TEST_DB says.
func URL(tb testing.TB) string {
	tb.Helper()
	base := serverURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("dbtest: drop %s: %v", name, err)
			return
		}
		defer a.Close()
		if _, err := a.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("dbtest: server URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Main runs the package's tests, stops the throwaway cluster if one was
// started, and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) {
	if _, err := envDialect(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Stop shuts the throwaway cluster down and removes its files. Main calls
// it; a TestMain that cannot use Main calls it after m.Run.
func Stop() error {
	mu.Lock()
	defer mu.Unlock()
	if local == nil {
		return nil
	}
	err := local.stop()
	local = nil
	return err
}

// The cluster is per process: each test binary (go test runs one per
// package, several at once) has its own directory, port and server.
var (
	once     sync.Once
	mu       sync.Mutex // guards local against Stop racing a late start
	local    *cluster
	localURL string
	localErr error
)

var errNotInstalled = errors.New("initdb or pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin")

func serverURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("RAPPORT_TEST_POSTGRES"); u != "" {
		return u
	}
	once.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		local, localErr = startCluster()
		if local != nil {
			localURL = local.url
		}
	})
	switch {
	case errors.Is(localErr, errNotInstalled) && os.Getenv("CI") == "true":
		tb.Fatalf("\n\n*** POSTGRESQL NOT INSTALLED: CI needs the PostgreSQL half (%v). Install postgresql or set RAPPORT_TEST_POSTGRES. ***\n\n", localErr)
	case errors.Is(localErr, errNotInstalled):
		tb.Skipf("\n\n*** POSTGRESQL NOT INSTALLED: skipping PostgreSQL half (%v). Install postgresql or set RAPPORT_TEST_POSTGRES. ***\n\n", localErr)
	case localErr != nil:
		tb.Fatalf("dbtest: PostgreSQL cluster: %v", localErr)
	}
	return localURL
}

// cluster is a PostgreSQL server in a temp directory: data/ holds the
// cluster, log its server log, and the directory itself its Unix socket.
type cluster struct {
	dir   string
	pgCtl string
	cred  *syscall.Credential // the postgres user when we run as root
	url   string
	watch *exec.Cmd
	alive *os.File // write end of the watchdog's stdin; closing it releases the watchdog
}

// watchdogScript waits for EOF on stdin, which comes when the test process
// closes its end or dies in any way, then stops the server and removes the
// directory. $0 is pg_ctl, $1 the cluster directory.
const watchdogScript = `cat >/dev/null
if [ -f "$1/data/postmaster.pid" ]; then "$0" -D "$1/data" -m immediate -w -t 30 stop >/dev/null 2>&1; fi
rm -rf "$1"`

// startCluster runs initdb and pg_ctl start. As root it runs them as the
// postgres system user, since PostgreSQL refuses to run as root. On error
// it returns the partly built cluster too, so Stop can clean it up.
func startCluster() (*cluster, error) {
	initdb := findBin("initdb")
	if initdb == "" {
		return nil, errNotInstalled
	}
	// pg_ctl must be of initdb's version; take it from the same directory.
	pgCtl := filepath.Join(filepath.Dir(initdb), "pg_ctl")
	if _, err := os.Stat(pgCtl); err != nil {
		if pgCtl = findBin("pg_ctl"); pgCtl == "" {
			return nil, errNotInstalled
		}
	}
	c := &cluster{pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// The socket path must stay under the 107-byte limit, so a long TMPDIR
	// gives way to /tmp.
	base := os.TempDir()
	if len(base) > 60 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "rapport-pg-")
	if err != nil {
		return nil, fmt.Errorf("cluster directory: %w", err)
	}
	c.dir = dir
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return c, fmt.Errorf("cluster directory: %w", err)
		}
	}
	if err := c.startWatchdog(); err != nil {
		return c, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return c, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// Another process may take the free port before the server binds it;
	// the server then fails to start and we try another.
	var port int
	for attempt := 0; ; attempt++ {
		if port, err = freePort(); err != nil {
			return c, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB", port, dir)
		out, err := c.run(pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			break
		}
		if attempt == 4 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return c, fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		}
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ping(c.url)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("postgres did not answer on %s: %w", c.url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startWatchdog starts a shell, in its own process group so a Ctrl-C at
// the terminal does not kill it, that cleans the cluster up once this
// process is gone. Its stdin is a pipe whose write end only this process
// holds (Go opens files close-on-exec, so no child inherits it).
func (c *cluster) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("watchdog: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, c.pgCtl, c.dir)
	cmd.Dir = c.dir
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("watchdog: %w", err)
	}
	c.watch, c.alive = cmd, w
	return nil
}

// stop stops the server now, so errors can be reported, then releases the
// watchdog, which finds nothing left to do, and waits for it.
func (c *cluster) stop() error {
	var errs []error
	data := filepath.Join(c.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		if out, err := c.run(c.pgCtl, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop"); err != nil {
			errs = append(errs, fmt.Errorf("pg_ctl stop: %v: %s", err, out))
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	if c.watch != nil {
		c.alive.Close()
		if err := c.watch.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("watchdog: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dbtest: stop PostgreSQL in %s: %w", c.dir, err)
	}
	return nil
}

// run runs a PostgreSQL program, as the postgres user when we are root,
// in the cluster directory (the postgres user may not read the package
// directory go test starts us in).
func (c *cluster) run(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return bytes.TrimSpace(out), err
}

// findBin looks on PATH, then in Debian's versioned directories, newest
// version first.
func findBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	best, bestVersion := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestVersion {
			best, bestVersion = m, v
		}
	}
	return best
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func ping(u string) error {
	c, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.PingContext(ctx)
}
