package imports_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tags"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is a database with the customer objects, a workspace and its
// admin, and an import service on them.
type env struct {
	t     testing.TB
	ctx   context.Context
	d     *db.DB
	rec   *records.Engine
	cust  *customers.Service
	auth  *auth.Service
	imp   *imports.Service
	admin *auth.Principal
	now   time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	d := dbtest.Open(t)
	e := &env{t: t, ctx: context.Background(), d: d, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.rec = records.New(d, clock)
	e.rec.Register(tags.Object)
	e.cust = &customers.Service{DB: d, Records: e.rec, Now: clock}
	e.cust.Register(e.rec)
	(&activities.Service{DB: d, Records: e.rec, Now: clock}).Register(e.rec)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.auth = auth.NewService(d, clock, log)
	e.auth.Argon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	e.auth.Objects = func() []string { return []string{"tags", "accounts", "contacts", "activities"} }
	_, u, err := e.auth.Setup(e.ctx, auth.SetupInput{Workspace: "Acme", Email: "admin@acme.test", Password: "password1", Name: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	if e.admin, err = e.auth.Principal(e.ctx, u.WorkspaceID, u.ID); err != nil {
		t.Fatal(err)
	}
	e.imp = e.service()
	return e
}

// service returns a new import service on the env's database: a second
// one stands for another process.
func (e *env) service() *imports.Service {
	return &imports.Service{DB: e.d, Records: e.rec, Customers: e.cust, Principal: e.auth.Principal, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return e.now }, Dir: e.t.TempDir(), ChunkSize: 3}
}

// upload uploads a file of testdata (or a path) as a draft batch.
func (e *env) upload(object, path string) *imports.Batch {
	e.t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join("testdata", path)
	}
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	b, err := e.imp.Upload(e.ctx, e.admin, object, filepath.Base(path), f)
	if err != nil {
		e.t.Fatalf("upload %s: %v", path, err)
	}
	return b
}

// run starts a batch with opts and runs it to its end.
func (e *env) run(b *imports.Batch, opts imports.Options) *imports.Batch {
	e.t.Helper()
	if _, err := e.imp.Start(e.ctx, e.admin, b.ID, opts); err != nil {
		e.t.Fatalf("start: %v", err)
	}
	if _, err := e.imp.RunPending(e.ctx); err != nil {
		e.t.Fatalf("run: %v", err)
	}
	got, err := e.imp.Get(e.ctx, e.admin, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *env) issues(b *imports.Batch) []imports.Issue {
	e.t.Helper()
	is, err := e.imp.Issues(e.ctx, e.admin, b.ID, "", 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return is
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRow(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// contacts returns the live contacts by name.
func (e *env) contacts() map[string]*records.Record {
	e.t.Helper()
	out := map[string]*records.Record{}
	q := records.ListQuery{Limit: 500}
	for {
		pg, err := e.rec.List(e.ctx, e.admin, "contacts", q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range pg.Records {
			out[r.Values["name"].(string)] = r
		}
		if pg.NextCursor == "" {
			return out
		}
		q.Cursor = pg.NextCursor
	}
}

func names(m map[string]*records.Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tables counts the rows of every table an import writes to, for
// comparing before and after.
func (e *env) tables() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, t := range []string{"contacts", "accounts", "activities", "tags", "record_changes", "search_docs", "search_vocab", "match_keys", "match_key_sets",
		"account_contacts", "contact_tags", "account_tags", "activity_links"} {
		out[t] = e.count("SELECT COUNT(*) FROM " + t)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func str(v any) string { s, _ := v.(string); return s }

func emails(r *records.Record) []string {
	var out []string
	items, _ := r.Values["emails"].([]records.EmailItem)
	for _, it := range items {
		out = append(out, it.Address)
	}
	return out
}

func hasIssue(is []imports.Issue, row int64, kind, column, reason string) bool {
	for _, x := range is {
		if x.Row == row && x.Kind == kind && (column == "" || x.Column == column) && strings.Contains(x.Reason, reason) {
			return true
		}
	}
	return false
}
