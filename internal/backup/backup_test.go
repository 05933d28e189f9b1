package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestBackupWhileWriting: clients keep creating contacts through the API
// while a backup is taken; the restored database holds every contact
// acknowledged before the backup began, each exactly as the source holds
// it, passes its integrity check, and carries the attachments. A second
// backup taken at rest restores to a database equal to the source, table
// by table, row by row. A restore into a target that holds data is
// refused and changes nothing.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	e := servertest.New(t)
	src := e.Server.DB
	admin := e.WS.Admin
	acct := admin.Create(t, "accounts", map[string]any{"name": "Backed Up Inc"})
	p, err := e.Server.Auth.Principal(ctx, e.WS.ID, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	att, err := e.Server.Files.Upload(ctx, p, "accounts", acct.ID(), "contract.txt", strings.NewReader("signed on the dotted line"))
	if err != nil {
		t.Fatal(err)
	}

	// Writers: each creates contacts until told to stop, remembering the
	// ones the server acknowledged.
	var (
		mu      sync.Mutex
		acked   []string
		stop    atomic.Bool
		wg      sync.WaitGroup
		failure atomic.Value
		started = make(chan struct{})
		once    sync.Once
	)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				r, err := admin.Send("POST", "/api/v1/contacts", map[string]any{"given_name": fmt.Sprintf("Writer %d", w), "family_name": fmt.Sprintf("Contact %d", i), "account_id": acct.ID()})
				if err != nil || r.Status != 201 {
					failure.Store(fmt.Sprintf("create: %v %s", err, body(r)))
					return
				}
				var rec struct{ ID string }
				if err := json.Unmarshal(r.Body, &rec); err != nil || rec.ID == "" {
					failure.Store(fmt.Sprintf("create answered %s", r.Body))
					return
				}
				mu.Lock()
				acked = append(acked, rec.ID)
				if len(acked) >= 30 {
					once.Do(func() { close(started) })
				}
				mu.Unlock()
			}
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	select {
	case <-started:
	case <-allDone:
		t.Fatalf("the writers stopped: %v", failure.Load())
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	var archive bytes.Buffer
	m, err := backup.Backup(ctx, src, &archive, backup.Options{FilesDir: e.Server.Files.Dir, Version: "test"})
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if f := failure.Load(); f != nil {
		t.Fatal(f)
	}
	if m.Files != 1 || m.Dialect != string(src.Dialect) || m.Migration == 0 {
		t.Fatalf("manifest %+v", m)
	}
	t.Logf("%d contacts acknowledged before the backup, %d during it; archive %d bytes", len(before), during, archive.Len())

	restored, target := restore(t, archive.Bytes(), src.Dialect)
	for _, id := range before {
		if got, want := row(t, restored, "contacts", id), row(t, src, "contacts", id); got != want {
			t.Fatalf("contact %s acknowledged before the backup: restored %q, source %q", id, got, want)
		}
	}
	// Nothing half-written: every restored contact is whole (as the source
	// holds it) and has its creation in the history.
	var n int
	if err := restored.QueryRow(ctx, `SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM record_changes h WHERE h.record_id = c.id)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d restored contacts have no history: a write was half copied", n)
	}
	checkIntegrity(t, restored, target)
	var sha string
	if err := restored.QueryRow(ctx, "SELECT sha256 FROM attachments WHERE id = ?", att.ID).Scan(&sha); err != nil || sha != att.SHA256 {
		t.Fatalf("attachment row: %q %v", sha, err)
	}
	if got := readFile(t, filepath.Join(target.FilesDir, e.WS.ID, att.ID)); got != "signed on the dotted line" {
		t.Fatalf("restored attachment holds %q", got)
	}

	t.Run("at rest equals the source", func(t *testing.T) {
		var quiet bytes.Buffer
		if _, err := backup.Backup(ctx, src, &quiet, backup.Options{FilesDir: e.Server.Files.Dir}); err != nil {
			t.Fatal(err)
		}
		again, _ := restore(t, quiet.Bytes(), src.Dialect)
		want, got := dump(t, src), dump(t, again)
		if len(want) < 10 {
			t.Fatalf("the source dump has only %d tables", len(want))
		}
		for name, rows := range want {
			if got[name] != rows {
				t.Errorf("table %s differs after restore:\nsource   %.300s\nrestored %.300s", name, rows, got[name])
			}
		}
		if len(got) != len(want) {
			t.Errorf("restored %d tables, source has %d", len(got), len(want))
		}
	})

	t.Run("refuses a target that holds data", func(t *testing.T) {
		// Both the files directory and the database hold data; then only
		// the database does.
		dbOnly := target
		dbOnly.FilesDir = t.TempDir()
		for _, tg := range []backup.Target{target, dbOnly} {
			_, err := backup.Restore(ctx, bytes.NewReader(archive.Bytes()), tg)
			if !errors.Is(err, backup.ErrNotEmpty) {
				t.Fatalf("restore over data: %v, want ErrNotEmpty", err)
			}
			t.Log(err)
		}
		if got := row(t, restored, "contacts", before[0]); got == "" {
			t.Fatal("the refused restore changed the target")
		}
	})

	t.Run("refuses another database kind and garbage", func(t *testing.T) {
		other := backup.Target{DataDir: t.TempDir(), FilesDir: t.TempDir()}
		if src.Dialect == db.SQLite {
			other = backup.Target{DBURL: "postgres://nobody@127.0.0.1:1/none", FilesDir: t.TempDir()}
		}
		if _, err := backup.Restore(ctx, bytes.NewReader(archive.Bytes()), other); err == nil || !strings.Contains(err.Error(), "export-workspace") {
			t.Fatalf("cross-database restore: %v", err)
		}
		if _, err := backup.Restore(ctx, strings.NewReader("not an archive"), backup.Target{DataDir: t.TempDir()}); err == nil {
			t.Fatal("garbage restored")
		}
	})
}

// restore restores archive into a fresh target of dialect and opens it.
func restore(t *testing.T, archive []byte, dialect db.Dialect) (*db.DB, backup.Target) {
	t.Helper()
	ctx := context.Background()
	target := backup.Target{FilesDir: filepath.Join(t.TempDir(), "files")}
	var opts db.Options
	if dialect == db.Postgres {
		target.DBURL = dbtest.URL(t)
		opts.URL = target.DBURL
	} else {
		target.DataDir = t.TempDir()
		opts.DataDir = target.DataDir
	}
	if _, err := backup.Restore(ctx, bytes.NewReader(archive), target); err != nil {
		t.Fatalf("restore: %v", err)
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// Already at the newest migration: Migrate has nothing to do.
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d, target
}

func checkIntegrity(t *testing.T, d *db.DB, target backup.Target) {
	t.Helper()
	if d.Dialect == db.SQLite {
		if err := backup.CheckSQLite(context.Background(), filepath.Join(target.DataDir, "rapport.db")); err != nil {
			t.Fatal(err)
		}
		return
	}
	// PostgreSQL checked every constraint as pg_restore loaded the rows;
	// check that they are all there and valid.
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND c.contype = 'f' AND NOT c.convalidated`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d foreign keys not validated (%v)", n, err)
	}
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND c.contype = 'f'`).Scan(&n); err != nil || n < 5 {
		t.Fatalf("only %d foreign keys restored (%v)", n, err)
	}
}

// row returns a record's row as text, "" when it is missing.
func row(t *testing.T, d *db.DB, table, id string) string {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT * FROM "+table+" WHERE id = ?", id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := scanAll(t, rows)
	return out
}

// dump returns every table's rows as text, in primary-key order.
func dump(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	tables, err := d.Catalog(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		if strings.HasPrefix(tb.Name, "goose_") {
			continue // applied-at times differ by nothing but are not data
		}
		order := strings.Join(tb.PrimaryKey(), ", ")
		if order == "" {
			order = "1"
		}
		rows, err := d.Query(ctx, "SELECT * FROM "+db.QuoteIdent(tb.Name)+" ORDER BY "+order)
		if err != nil {
			t.Fatal(err)
		}
		out[tb.Name] = scanAll(t, rows)
		rows.Close()
	}
	return out
}

func scanAll(t *testing.T, rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(...any) error
	Err() error
}) string {
	t.Helper()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v|", cols[i], v)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func body(r *servertest.Response) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}
