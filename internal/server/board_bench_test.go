package server_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// seedDeals writes n open deals spread over the default pipeline's open
// stages, in four currencies with close dates over two years, straight
// into the table (the benchmark measures reading them).
func seedDeals(tb testing.TB, e *servertest.Env, n int) (pipelineID string) {
	tb.Helper()
	ctx := context.Background()
	c := e.WS.Admin
	var out struct {
		Data []struct {
			ID     string
			Stages []struct {
				ID, Name      string
				IsWon, IsLost bool
			}
		}
	}
	c.Must(tb, 200, "GET", "/api/v1/pipelines", nil).JSON(tb, &out)
	pl := out.Data[0]
	var open []struct{ ID, Name string }
	for _, s := range pl.Stages {
		if !s.IsWon && !s.IsLost {
			open = append(open, struct{ ID, Name string }{s.ID, s.Name})
		}
	}
	for _, r := range []struct{ cur, day, rate string }{{"EUR", "2025-01-01", "1.08"}, {"EUR", "2026-01-01", "1.12"}, {"GBP", "2025-01-01", "1.25"}, {"JPY", "2025-01-01", "0.0067"}} {
		c.Must(tb, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": r.cur, "date": r.day, "rate": r.rate})
	}
	d := e.Server.DB
	tx, err := d.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	now := db.T(time.Now())
	curs := []string{"USD", "EUR", "GBP", "JPY"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		st := open[i%len(open)]
		cur := curs[i%len(curs)]
		amt := fmt.Sprintf("%d.%02d", 1000+(i*37)%90000, i%100)
		if cur == "JPY" {
			amt = fmt.Sprintf("%d", 100000+(i*371)%9000000)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deals (id, workspace_id, name, amount_amount, amount_currency, close_date, pipeline_id, stage_id, stage_name, probability, status, forecast_category, stage_entered_at, owner_id, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 'pipeline', ?, ?, ?, ?, ?, ?)`,
			records.NewID(), e.WS.ID, fmt.Sprintf("Deal %05d", i), amt, cur, start.AddDate(0, 0, i%730).Format("2006-01-02"), pl.ID, st.ID, st.Name, 10+(i%8)*10, now, c.UserID, now, c.UserID, now, c.UserID); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if err := d.Optimize(ctx, true); err != nil {
		tb.Fatal(err)
	}
	return pl.ID
}

// timed runs fn b.N times and reports the p50 and p95 in ms.
func timed(b *testing.B, fn func()) {
	b.Helper()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn()
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(ds[len(ds)/2]), "p50-ms")
	b.ReportMetric(ms(ds[min(len(ds)-1, len(ds)*95/100)]), "p95-ms")
}

// BenchmarkBoard measures a pipeline board over 10,000 open deals: the
// whole page rendered by the server (GET /deals, HTML), the board API
// (JSON), the service alone, and as the floor the plain SQL — one
// grouped count of the pipeline's deals per stage plus the first cards
// of one column — in the same run.
//
//	RAPPORT_TEST_DB=sqlite go test -run '^$' -bench BenchmarkBoard -benchtime 50x ./internal/server/
func BenchmarkBoard(b *testing.B) {
	e := servertest.New(b)
	pid := seedDeals(b, e, 10000)
	ctx := context.Background()
	page := e.Browser()
	page.SignIn(b, "admin@acme.test", servertest.Password)
	p, err := e.Server.Auth.Principal(ctx, e.WS.ID, e.WS.Admin.UserID)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("page", func(b *testing.B) {
		timed(b, func() {
			if r := page.Do(b, http.MethodGet, "/deals", nil); r.Status != 200 || len(r.Body) < 10000 {
				b.Fatalf("board page %d, %d bytes", r.Status, len(r.Body))
			}
		})
	})
	b.Run("api", func(b *testing.B) {
		timed(b, func() { e.WS.Admin.Must(b, 200, "GET", "/api/v1/pipelines/"+pid+"/board", nil) })
	})
	b.Run("service", func(b *testing.B) {
		timed(b, func() {
			bd, err := e.Server.Sales.Board(ctx, p, pid, sales.BoardFilter{})
			if err != nil || bd.Count != 10000 {
				b.Fatalf("board %v %v", bd, err)
			}
		})
	})
	b.Run("floor-sql", func(b *testing.B) {
		d := e.Server.DB
		timed(b, func() {
			rows, err := d.Query(ctx, "SELECT stage_id, COUNT(*) FROM deals WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL GROUP BY stage_id", e.WS.ID, pid)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
			rows, err = d.Query(ctx, "SELECT id, name, amount_amount, amount_currency, close_date FROM deals WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL ORDER BY close_date, id LIMIT 50", e.WS.ID, pid)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		})
	})
}

// BenchmarkForecast measures the forecast page over the same 10,000
// deals (a year by month, per owner), beside the plain SQL floor (one
// grouped sum of the year's deals per owner and month).
//
//	RAPPORT_TEST_DB=sqlite go test -run '^$' -bench BenchmarkForecast -benchtime 30x ./internal/server/
func BenchmarkForecast(b *testing.B) {
	e := servertest.New(b)
	seedDeals(b, e, 10000)
	ctx := context.Background()
	page := e.Browser()
	page.SignIn(b, "admin@acme.test", servertest.Password)
	b.Run("page", func(b *testing.B) {
		timed(b, func() {
			if r := page.Do(b, http.MethodGet, "/forecast?from=2025-01&periods=12", nil); r.Status != 200 {
				b.Fatalf("forecast page %d", r.Status)
			}
		})
	})
	b.Run("api", func(b *testing.B) {
		timed(b, func() { e.WS.Admin.Must(b, 200, "GET", "/api/v1/forecast?from=2025-01&periods=12", nil) })
	})
	b.Run("floor-sql", func(b *testing.B) {
		d := e.Server.DB
		timed(b, func() {
			rows, err := d.Query(ctx, "SELECT owner_id, substr(CAST(close_date AS TEXT), 1, 7), COUNT(*) FROM deals WHERE workspace_id = ? AND deleted_at IS NULL AND close_date >= ? AND close_date < ? GROUP BY 1, 2",
				e.WS.ID, "2025-01-01", "2026-01-01")
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		})
	})
}
