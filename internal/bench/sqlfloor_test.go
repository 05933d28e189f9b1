package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tags"
)

// TestListSQLIsWhatRapportRuns lists tags through the record engine on a
// reader pool that records its queries, so the floor cannot drift from
// the query it is the floor of. It also runs the floor once.
func TestListSQLIsWhatRapportRuns(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(d, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ws, u, err := svc.Setup(ctx, auth.SetupInput{Workspace: Workspace, Email: Email, Password: Password, Currency: "USD", Language: "en", Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Principal(ctx, ws.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := records.New(d, time.Now)
	e.Register(tags.Object)
	for i := range 51 {
		if _, err := e.Create(ctx, p, "tags", map[string]any{"name": "tag-" + string(rune('a'+i%26)) + string(rune('a'+i/26))}); err != nil {
			t.Fatal(err)
		}
	}

	spy := &spyDriver{inner: d.R.Driver()}
	d.R.Close()
	d.R = sql.OpenDB(spyConnector{dsn: "file:" + d.Path + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)", d: spy})
	if _, err := e.List(ctx, p, "tags", records.ListQuery{Limit: records.DefaultLimit}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(spy.seen(), ListSQL) {
		t.Fatalf("the engine did not run ListSQL; it ran:\n%q", spy.seen())
	}

	f, err := openSQLFloor(ctx, d.Path, Workspace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.op(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
}

// spyDriver records the SQL of every query run through it.
type spyDriver struct {
	inner   driver.Driver
	mu      sync.Mutex
	queries []string
}

func (d *spyDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &spyConn{Conn: c, d: d}, nil
}

func (d *spyDriver) record(q string) {
	d.mu.Lock()
	d.queries = append(d.queries, q)
	d.mu.Unlock()
}

func (d *spyDriver) seen() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.queries)
}

type spyConnector struct {
	dsn string
	d   *spyDriver
}

func (c spyConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c spyConnector) Driver() driver.Driver                        { return c.d }

type spyConn struct {
	driver.Conn
	d *spyDriver
}

func (c *spyConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.d.record(q)
	if qc, ok := c.Conn.(driver.QueryerContext); ok {
		return qc.QueryContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (c *spyConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.d.record(q)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, q)
	}
	return c.Prepare(q)
}
