package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
)

// SalesConfig says how big a workspace the sales benchmark generates
// (rapport demo) and how hard it pushes.
type SalesConfig struct {
	Config
	Accounts, Contacts, Activities  int
	Leads, Deals, Orders, Contracts int
	Seed                            int64
}

// The sales figures' targets, from the sales issue.
const (
	TargetBoardP95    = 100 * time.Millisecond
	TargetForecastP95 = 200 * time.Millisecond
	TargetQuotePDFP95 = 100 * time.Millisecond
)

// boardWindow is how far back a board's won and lost columns reach
// (sales.ClosedWindow).
const boardWindow = 90 * 24 * time.Hour

// RunSales generates a workspace with rapport demo — the scale
// by default: 100,000 deals, of which about 11,000 are open in the
// default pipeline, 200,000 orders and invoices, about a million line
// items — on SQLite and on PostgreSQL, and measures the pipeline board
// (page and API), the forecast page and quote PDFs, each beside the bare
// server and, for the board and the forecast, beside the SQL behind them
// run alone on the same database.
func RunSales(ctx context.Context, cfg SalesConfig) (*Report, error) {
	return runBoth(ctx, cfg.Config, "sales", func(r *runner, in *instance, bare Summary) error {
		return r.sales(ctx, cfg, in, bare)
	})
}

// salesElapsed reads the sales part of rapport demo's summary line.
var salesElapsed = regexp.MustCompile(`\(sales objects ([0-9.a-zµ]+), indexes and statistics ([0-9.a-zµ]+)\)`)

func (r *runner) sales(ctx context.Context, cfg SalesConfig, in *instance, bare Summary) error {
	label := in.label
	load := loadAvg()
	out, gen, err := r.demo(ctx, in, cfg.Seed, 3*time.Hour,
		"--accounts", fmt.Sprint(cfg.Accounts), "--contacts", fmt.Sprint(cfg.Contacts), "--activities", fmt.Sprint(cfg.Activities),
		"--leads", fmt.Sprint(cfg.Leads), "--deals", fmt.Sprint(cfg.Deals), "--orders", fmt.Sprint(cfg.Orders), "--contracts", fmt.Sprint(cfg.Contracts))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s demo data: %d accounts, %d contacts, %d activities, %d leads, %d deals, %d orders and invoices", label,
		cfg.Accounts, cfg.Contacts, cfg.Activities, cfg.Leads, cfg.Deals, cfg.Orders)
	r.add(Figure{Key: "sales." + in.db() + ".demo", Name: name + ", whole load", Value: ptr(gen.Seconds()), Unit: "s",
		Notes: fmt.Sprintf("load average %s before; %s", load, out)})
	if m := salesElapsed.FindStringSubmatch(out); m != nil {
		if d, err := time.ParseDuration(m[1]); err == nil {
			r.add(Figure{Name: fmt.Sprintf("%s demo data: the sales objects alone (pipelines, catalogue, %d leads, %d deals with quotes, %d contracts, %d orders with shipments, invoices and payments)", label, cfg.Leads, cfg.Deals, cfg.Contracts, cfg.Orders),
				Value: ptr(d.Seconds()), Unit: "s", Notes: "rows written with history, search terms, stage history and lines; then " + m[2] + " for every table's deferred indexes and statistics (counted in the whole load)"})
		}
	}
	p, base, err := r.serve(ctx, in, "sales")
	if err != nil {
		return err
	}
	defer p.Stop()
	var pls struct {
		Data []struct {
			ID     string
			Stages []struct {
				IsWon  bool `json:"is_won"`
				IsLost bool `json:"is_lost"`
			}
		}
	}
	if err := getJSON(ctx, r.client, base+"/api/v1/pipelines", in.token, &pls); err != nil || len(pls.Data) == 0 {
		return fmt.Errorf("%s: pipelines: %v", label, err)
	}
	pid := pls.Data[0].ID
	var board struct {
		Count   int
		Columns []struct {
			Count int
			Stage struct {
				IsWon  bool `json:"is_won"`
				IsLost bool `json:"is_lost"`
			}
		}
	}
	slow := &http.Client{Timeout: 5 * time.Minute, Transport: r.client.Transport}
	if err := getJSON(ctx, slow, base+"/api/v1/pipelines/"+pid+"/board", in.token, &board); err != nil {
		return fmt.Errorf("%s: board: %w", label, err)
	}
	open := 0
	for _, c := range board.Columns {
		if !c.Stage.IsWon && !c.Stage.IsLost {
			open += c.Count
		}
	}
	var quotes struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := getJSON(ctx, r.client, base+"/api/v1/quotes?limit=100&fields=id", in.token, &quotes); err != nil || len(quotes.Data) == 0 {
		return fmt.Errorf("%s: sample quotes: %v", label, err)
	}
	var qids []string
	for _, q := range quotes.Data {
		qids = append(qids, q.ID)
	}
	cookie, err := signIn(ctx, r.client, base)
	if err != nil {
		return fmt.Errorf("%s: sign in: %w", label, err)
	}
	// The SQL floors first: the board's and the forecast's queries alone.
	f, err := openSalesFloor(ctx, filepath.Join(in.dataDir, "rapport.db"), in.dbURL)
	if err != nil {
		return fmt.Errorf("%s: SQL floor: %w", label, err)
	}
	defer f.Close()
	now := time.Now()
	r.logf("%s: the board's SQL alone", label)
	boardSQL := r.measure(ctx, f.boardOp(pid, now))
	r.logf("%s: the forecast's SQL alone", label)
	forecastSQL := r.measure(ctx, f.forecastOp(now))
	sqlNote := func(s Summary) string {
		return fmt.Sprintf("; the SQL alone: p50 %.2f ms, %.1f queries/s, %d errors", ms(s.P50), s.Rate, s.Errors)
	}
	boardName := fmt.Sprintf("the default pipeline's board, %d open deals and %d closed in the last 90 days", open, board.Count-open)
	targets := []struct {
		key    string
		name   string
		target HTTPTarget
		goal   time.Duration
		floor  *Summary // nil: the bare server
		note   string
	}{
		{"board_page", boardName + ", page, server render (GET /deals)",
			HTTPTarget{Method: "GET", Want: 200, Cookie: cookie, URL: func(int, int) string { return base + "/deals" }}, TargetBoardP95, nil, ""},
		{"board_api", boardName + ", API (GET /api/v1/pipelines/{id}/board)",
			HTTPTarget{Method: "GET", Want: 200, Token: in.token, URL: func(int, int) string { return base + "/api/v1/pipelines/" + pid + "/board" }}, TargetBoardP95,
			&boardSQL, "; floor: the board's SQL alone — per stage and currency the count and sum of the deals a board shows, then the first 51 cards of each stage by close date" + sqlNote(boardSQL)},
		{"forecast_page", "forecast page, 12 months by owner, server render (GET /forecast?periods=12)",
			HTTPTarget{Method: "GET", Want: 200, Cookie: cookie, URL: func(int, int) string { return base + "/forecast?periods=12" }}, TargetForecastP95, nil, ""},
		{"forecast_api", "forecast API, 12 months by owner (GET /api/v1/forecast?periods=12)",
			HTTPTarget{Method: "GET", Want: 200, Token: in.token, URL: func(int, int) string { return base + "/api/v1/forecast?periods=12" }}, TargetForecastP95,
			&forecastSQL, "; floor: the forecast's SQL alone — the 12 months' deals counted and summed per owner, month, status and currency" + sqlNote(forecastSQL)},
		{"quote_pdf", fmt.Sprintf("quote PDF, %d quotes in turn, in their customers' languages (GET /api/v1/quotes/{id}/pdf)", len(qids)),
			HTTPTarget{Method: "GET", Want: 200, Token: in.token, URL: func(w, n int) string { return base + "/api/v1/quotes/" + qids[(w*7+n)%len(qids)] + "/pdf" }}, TargetQuotePDFP95, nil, ""},
	}
	for _, t := range targets {
		r.logf("%s: %s", label, t.name)
		load := loadAvg()
		s := r.measure(ctx, t.target.Op(r.client))
		note := fmt.Sprintf("target p95 ≤ %v; %.1f req/s with %d clients, p50 %.2f ms, p99 %.2f ms, %d errors; load average %s before", t.goal, s.Rate, r.cfg.Concurrency, ms(s.P50), ms(s.P99), s.Errors, load)
		if s.Errors > 0 {
			note += "; first error: " + s.FirstError
		}
		fig := Figure{Key: "sales." + in.db() + "." + t.key + ".p95", Name: label + " " + t.name + ": p95 latency", Value: ptr(ms(s.P95)), Unit: "ms", Floor: ptr(ms(bare.P95)), FloorUnit: "ms", FloorName: FloorBare, Notes: note + t.note}
		if t.floor != nil {
			fig.Floor, fig.FloorName = ptr(ms(t.floor.P95)), FloorSQL
		}
		r.add(fig)
	}
	return nil
}

// loadAvg is /proc/loadavg's three averages, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// salesFloor runs the SQL behind the board and the forecast straight
// through database/sql on the benchmark's database.
type salesFloor struct {
	db          *sql.DB
	pg          bool
	workspaceID string
}

// openSalesFloor opens the PostgreSQL database at pgURL, or when that is
// empty the SQLite file at path, read-only, with the SQLite pragmas
// given after the floor's own.
func openSalesFloor(ctx context.Context, path, pgURL string, pragmas ...string) (*salesFloor, error) {
	f := &salesFloor{pg: pgURL != ""}
	var err error
	if f.pg {
		f.db, err = sql.Open("pgx", pgURL)
	} else {
		q := url.Values{}
		q.Set("mode", "ro")
		for _, p := range append([]string{"busy_timeout(10000)", "query_only(1)", "cache_size(-32000)"}, pragmas...) {
			q.Add("_pragma", p)
		}
		f.db, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	}
	if err != nil {
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	f.db.SetMaxOpenConns(n)
	f.db.SetMaxIdleConns(n)
	if err := f.db.QueryRowContext(ctx, f.rebind("SELECT id FROM workspaces WHERE name = ?"), Workspace).Scan(&f.workspaceID); err != nil {
		f.db.Close()
		return nil, fmt.Errorf("find workspace %q: %w", Workspace, err)
	}
	return f, nil
}

func (f *salesFloor) Close() error { return f.db.Close() }

// rebind turns ? placeholders into PostgreSQL's $n.
func (f *salesFloor) rebind(q string) string {
	if !f.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// timeArg is a time as the dialect compares it with a timestamp column.
func (f *salesFloor) timeArg(t time.Time) any {
	if f.pg {
		return t
	}
	return db.T(t)
}

// boardOp is the board's SQL without the application around it: the
// count and sum of the pipeline's open and recently closed deals per
// stage and currency along the board's totals indexes (the conversion
// left out), then the first cards of each stage along the board index.
func (f *salesFloor) boardOp(pipelineID string, now time.Time) Op {
	since := f.timeArg(now.Add(-boardWindow))
	totals, cards := f.boardSQL()
	return func(ctx context.Context, _, _ int) error {
		_, err := f.board(ctx, totals, cards, pipelineID, since)
		return err
	}
}

// boardSQL returns the board's two queries in the floor's dialect.
func (f *salesFloor) boardSQL() (totals, cards string) {
	sum := "SUM(CAST(amount_amount AS REAL))"
	if f.pg {
		sum = "SUM(amount_amount)"
	}
	part := "SELECT stage_id, amount_currency, COUNT(*), " + sum + " FROM deals WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL AND "
	totals = f.rebind(part + "status = 'open' AND CAST(? AS TEXT) IS NOT NULL GROUP BY 1, 2 UNION ALL " + part + "status <> 'open' AND closed_at >= ? GROUP BY 1, 2")
	cards = f.rebind("SELECT id, name, account_id, amount_amount, amount_currency, close_date, probability, owner_id, next_step, version FROM deals" +
		" WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL AND (status = 'open' OR closed_at >= ?) AND stage_id = ? AND close_date IS NOT NULL ORDER BY close_date, id LIMIT 51")
	return totals, cards
}

// board runs the board's queries and returns how many deals it counted.
func (f *salesFloor) board(ctx context.Context, totals, cards, pipelineID string, since any) (int, error) {
	rows, err := f.db.QueryContext(ctx, totals, f.workspaceID, pipelineID, "", f.workspaceID, pipelineID, since)
	if err != nil {
		return 0, err
	}
	var stages []any
	seen := map[string]bool{}
	count := 0
	for rows.Next() {
		var stage, cur, total any
		var n int
		if err := rows.Scan(&stage, &cur, &n, &total); err != nil {
			rows.Close()
			return 0, err
		}
		count += n
		if k := fmt.Sprint(stage); !seen[k] {
			seen[k] = true
			stages = append(stages, stage)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, st := range stages {
		if err := scanAll(ctx, f.db, cards, f.workspaceID, pipelineID, since, st); err != nil {
			return 0, err
		}
	}
	return count, nil
}

// forecastOp is the forecast's SQL alone: the year's deals grouped per
// owner, month and status, counted and summed (unconverted).
func (f *salesFloor) forecastOp(now time.Time) Op {
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	sum := "SUM(CAST(amount_amount AS REAL))"
	if f.pg {
		sum = "SUM(amount_amount)"
	}
	q := f.rebind("SELECT owner_id, substr(CAST(close_date AS TEXT), 1, 7), status, amount_currency, COUNT(*), " + sum +
		" FROM deals WHERE workspace_id = ? AND deleted_at IS NULL AND close_date >= ? AND close_date < ? GROUP BY 1, 2, 3, 4")
	return func(ctx context.Context, _, _ int) error {
		return scanAll(ctx, f.db, q, f.workspaceID, from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
}
