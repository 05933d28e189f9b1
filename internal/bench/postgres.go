package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
)

// ErrNoPostgres says PostgreSQL's server programs are not installed.
var ErrNoPostgres = errors.New("initdb and pg_ctl not found: PostgreSQL is not installed")

// Cluster is a throwaway PostgreSQL cluster on a loopback port, started
// the way internal/db/dbtest starts one for tests: initdb, then pg_ctl,
// as the postgres system user when running as root. Durability is off
// (fsync, synchronous_commit, full_page_writes), as in the tests; the
// report says so.
type Cluster struct {
	URL   string // postgres://postgres@127.0.0.1:PORT/postgres
	dir   string
	pgCtl string
	runAs *syscall.Credential
}

// StartCluster creates and starts a cluster. It returns ErrNoPostgres
// when PostgreSQL is not installed. Stop it with Stop.
func StartCluster(ctx context.Context) (*Cluster, error) {
	initdb, pgCtl := findPGBin("initdb"), findPGBin("pg_ctl")
	if initdb == "" || pgCtl == "" {
		return nil, ErrNoPostgres
	}
	dir, err := os.MkdirTemp("", "rapport-bench-pg-")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	c := &Cluster{dir: dir, pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("postgres: running as root needs a postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			c.Stop()
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(ctx, initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		c.Stop()
		return nil, fmt.Errorf("postgres: initdb: %v: %s", err, out)
	}
	var addr string
	for attempt := 0; attempt < 5; attempt++ {
		if addr, err = FreeAddr(); err != nil {
			break
		}
		_, port, _ := net.SplitHostPort(addr)
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB", port, dir)
		var out []byte
		out, err = c.run(ctx, pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			break
		}
		err = fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	c.URL = "postgres://postgres@" + addr + "/postgres?sslmode=disable"
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.exec(ctx, "SELECT 1")
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			c.Stop()
			return nil, fmt.Errorf("postgres did not answer: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CreateDatabase creates an empty database and returns its URL.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := c.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Stop shuts the cluster down and removes its files.
func (c *Cluster) Stop() {
	if c == nil || c.dir == "" {
		return
	}
	if c.URL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		_, _ = c.run(ctx, c.pgCtl, "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop")
		cancel()
	}
	_ = os.RemoveAll(c.dir)
	c.dir = ""
}

func (c *Cluster) exec(ctx context.Context, query string) error {
	db, err := sql.Open("pgx", c.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, query)
	return err
}

func (c *Cluster) run(ctx context.Context, bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

func findPGBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}
