package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies every pending migration of the database's dialect,
// each in its own transaction. It is safe to run from several processes
// at once on PostgreSQL (goose takes an advisory lock).
func (d *DB) Migrate(ctx context.Context) error { return d.migrate(ctx, 0) }

// migrate applies the migrations up to version to (every one when 0).
func (d *DB) migrate(ctx context.Context, to int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := newPGLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.W, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	before, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var applied []*goose.MigrationResult
	if to > 0 {
		applied, err = p.UpTo(ctx, to)
	} else {
		applied, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if before > 0 {
		// An upgrade may add indexes to tables that hold data. SQLite's
		// planner takes an index without statistics for a very selective
		// one (ten rows a key), so until ANALYZE a list of a million
		// contacts sorted by name read every row through the new index
		// and sorted them (1 s a page instead of 20 ms). The tables given
		// new indexes are analysed (sampled) at once.
		var tables []string
		for _, r := range applied {
			if r.Source == nil || r.Source.Path == "" {
				continue
			}
			b, err := fs.ReadFile(sub, path.Base(r.Source.Path))
			if err != nil {
				continue
			}
			for _, m := range indexOnRe.FindAllStringSubmatch(string(b), -1) {
				if !slices.Contains(tables, m[1]) {
					tables = append(tables, m[1])
				}
			}
		}
		if err := d.Analyze(ctx, tables...); err != nil {
			return err
		}
	}
	return nil
}

// indexOnRe finds the table of each CREATE INDEX of a migration.
var indexOnRe = regexp.MustCompile(`(?i)CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+(\w+)`)

// Analyze gathers the planner's statistics of tables (sampled on SQLite,
// as Optimize does).
func (d *DB) Analyze(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		return nil
	}
	if d.Dialect == SQLite {
		if _, err := d.W.ExecContext(ctx, "PRAGMA analysis_limit = 10000"); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	for _, t := range tables {
		if _, err := d.W.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// MigrationVersion returns the newest applied migration.
func (d *DB) MigrationVersion(ctx context.Context) (int64, error) {
	var v int64
	err := d.R.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id),0) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v, err
}

// MigrationVersion returns the newest migration applied, as the
// transaction sees it.
func (t *Tx) MigrationVersion(ctx context.Context) (int64, error) {
	var v int64
	err := t.QueryRow(ctx, "SELECT COALESCE(MAX(version_id),0) FROM goose_db_version WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", MapError(err))
	}
	return v, nil
}

func newPGLocker() (lock.SessionLocker, error) {
	l, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return l, nil
}
