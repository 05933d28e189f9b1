package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CustomersConfig says how big a workspace the customer benchmark
// generates (rapport demo) and how hard it pushes.
type CustomersConfig struct {
	Config
	Accounts, Contacts, Activities int
	Seed                           int64
}

// The customer figures' targets, from the customers issue.
const (
	TargetListP95   = 15 * time.Millisecond
	TargetSearchP95 = 50 * time.Millisecond
	Target360P95    = 50 * time.Millisecond
	TargetScan      = 60 * time.Second
	TargetIdleRSS   = 150.0 // MiB
)

// RunCustomers generates a workspace with rapport demo on SQLite and on
// PostgreSQL and measures what the customer pages and API cost on it: a
// filtered, sorted list's first page, search, the 360 page, a duplicate
// scan, the generation itself and idle memory after the load — each
// beside its floor (the bare server, or the SQL alone).
func RunCustomers(ctx context.Context, cfg CustomersConfig) (*Report, error) {
	return runBoth(ctx, cfg.Config, "customers", func(r *runner, in *instance, bare Summary) error {
		return r.customers(ctx, cfg, in, bare)
	})
}

// serve creates an API token for the demo workspace of in, then starts
// rapport serve on it; it answers the process and its base URL.
func (r *runner) serve(ctx context.Context, in *instance, section string) (*Process, string, error) {
	tok := append([]string{"token", "create"}, in.args()...)
	tok = append(tok, "--workspace", Workspace, "--email", Email, "--name", "bench")
	tout, err := runCommand(ctx, 2*time.Minute, nil, r.cfg.Bin, tok...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", in.label, err)
	}
	in.token = strings.TrimSpace(tout)
	addr, err := FreeAddr()
	if err != nil {
		return nil, "", err
	}
	p, _, err := StartTimed(ctx, "rapport "+in.label, addr, r.serverLog("rapport-"+section+"-"+in.label), r.cfg.Bin, in.serveArgs(addr)...)
	if err != nil {
		return nil, "", err
	}
	return p, "http://" + addr, nil
}

// demo runs rapport demo on in's database, in the benchmark's workspace
// and with its seed, generating what the flags in counts say, and
// returns its summary line and how long it took.
func (r *runner) demo(ctx context.Context, in *instance, seed int64, timeout time.Duration, counts ...string) (string, time.Duration, error) {
	r.logf("%s: rapport demo %s", in.label, strings.Join(counts, " "))
	args := append([]string{"demo"}, in.args()...)
	args = append(args, "--workspace", Workspace, "--email", Email, "--password", Password, "--seed", fmt.Sprint(seed), "--progress=false")
	t0 := time.Now()
	out, err := runCommand(ctx, timeout, nil, r.cfg.Bin, append(args, counts...)...)
	if err != nil {
		return "", 0, fmt.Errorf("%s demo: %w", in.label, err)
	}
	took := time.Since(t0)
	out, _, _ = strings.Cut(strings.TrimSpace(out), "\n") // the summary line, not the sign-in hint
	r.logf("%s: %s", in.label, out)
	return out, took, nil
}

// runBoth measures the bare server, then a section's figures on SQLite
// and, unless skipped or not installed, on a throwaway PostgreSQL
// cluster, each in a temporary directory removed afterwards.
func runBoth(ctx context.Context, cfg Config, section string, figures func(r *runner, in *instance, bare Summary) error) (*Report, error) {
	return runDatabases(ctx, cfg, section, true, figures)
}

// runDatabases is runBoth, with the bare server measured only when
// withBare is set (figures gets a zero Summary otherwise).
func runDatabases(ctx context.Context, cfg Config, section string, withBare bool, figures func(r *runner, in *instance, bare Summary) error) (*Report, error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("rapport binary: %w (build it with make build)", err)
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-"+section+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r := &runner{cfg: cfg, tmp: tmp, client: NewClient(cfg.Concurrency)}
	defer r.client.CloseIdleConnections()
	r.rep = &Report{Section: section, Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(ctx, cfg.Bin),
		Settings: Settings{Concurrency: cfg.Concurrency, DurationS: cfg.Duration.Seconds(), Rounds: cfg.Rounds}}
	var bareSum Summary
	if withBare {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		bare, _, err := StartTimed(ctx, "bare server", addr, r.serverLog("bare-"+section), cfg.BareBin, "-bare-server", addr)
		if err != nil {
			return nil, err
		}
		defer bare.Stop()
		bareURL := "http://" + addr + "/json"
		bareOp := HTTPTarget{Method: "GET", Want: http.StatusOK, URL: func(int, int) string { return bareURL }}.Op(r.client)
		r.logf("bare server: measuring the floor")
		bareSum = r.measure(ctx, bareOp)
	}

	sq := &instance{label: "SQLite", dataDir: filepath.Join(tmp, "sqlite")}
	if err := figures(r, sq, bareSum); err != nil {
		return nil, err
	}
	if cfg.SkipPostgres {
		r.logf("PostgreSQL skipped (-skip-postgres)")
		return r.rep, nil
	}
	r.logf("PostgreSQL: starting a throwaway cluster")
	cl, err := StartCluster(ctx)
	if errors.Is(err, ErrNoPostgres) {
		r.logf("PostgreSQL skipped: %v", err)
		return r.rep, nil
	}
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	dbURL, err := cl.CreateDatabase(ctx, "rapport_"+section)
	if err != nil {
		return nil, err
	}
	pg := &instance{label: "PostgreSQL", dataDir: filepath.Join(tmp, "pgdata"), dbURL: dbURL}
	if err := figures(r, pg, bareSum); err != nil {
		return nil, err
	}
	return r.rep, nil
}

// measure runs op for the configured duration (after a short warm-up)
// and returns the median-of-rounds summary.
func (r *runner) measure(ctx context.Context, op Op) Summary {
	per := r.cfg.Duration / time.Duration(r.cfg.Rounds)
	Load(ctx, LoadOptions{Concurrency: r.cfg.Concurrency, Duration: min(time.Second, per)}, op)
	var runs []Summary
	for range r.cfg.Rounds {
		_ = sleep(ctx, settle)
		runs = append(runs, Load(ctx, LoadOptions{Concurrency: r.cfg.Concurrency, Duration: per}, op))
	}
	a := aggregate(runs)
	return Summary{OK: a.ok, Errors: a.errors, FirstError: a.firstErr, Rate: a.rate,
		P50: time.Duration(a.p50 * float64(time.Millisecond)), P95: time.Duration(a.p95 * float64(time.Millisecond)), P99: time.Duration(a.p99 * float64(time.Millisecond))}
}

func (r *runner) customers(ctx context.Context, cfg CustomersConfig, in *instance, bare Summary) error {
	label := in.label
	out, gen, err := r.demo(ctx, in, cfg.Seed, 2*time.Hour,
		"--accounts", fmt.Sprint(cfg.Accounts), "--contacts", fmt.Sprint(cfg.Contacts), "--activities", fmt.Sprint(cfg.Activities),
		// The customer figures stay comparable from one version to the
		// next: no sales objects (make bench-sales measures those).
		"--leads", "0", "--deals", "0", "--orders", "0", "--contracts", "0")
	if err != nil {
		return err
	}
	records := cfg.Accounts + cfg.Contacts + cfg.Activities
	r.add(Figure{Key: "customers." + in.db() + ".demo", Name: fmt.Sprintf("%s demo data: %d accounts, %d contacts, %d activities", label, cfg.Accounts, cfg.Contacts, cfg.Activities),
		Value: ptr(gen.Seconds()), Unit: "s", Notes: fmt.Sprintf("%.0f records/s including history, search terms, duplicate keys and links; %s", float64(records)/gen.Seconds(), strings.TrimSpace(out))})
	p, base, err := r.serve(ctx, in, "customers")
	if err != nil {
		return err
	}
	defer p.Stop()
	// Sample contacts for the 360 page and search queries from their names.
	var page struct {
		Data []struct {
			ID         string `json:"id"`
			FamilyName string `json:"family_name"`
			GivenName  string `json:"given_name"`
			City       string `json:"city"`
		} `json:"data"`
	}
	if err := getJSON(ctx, r.client, base+"/api/v1/contacts?limit=200&sort=-created_at&fields=id,family_name,given_name,city", in.token, &page); err != nil {
		return fmt.Errorf("%s: sample contacts: %w", label, err)
	}
	if len(page.Data) == 0 {
		return fmt.Errorf("%s: the demo workspace has no contacts", label)
	}
	var ids, queries []string
	for i, c := range page.Data {
		ids = append(ids, c.ID)
		q := c.FamilyName
		switch i % 3 {
		case 1:
			q = c.GivenName + " " + c.FamilyName
		case 2:
			if rs := []rune(c.FamilyName); len(rs) > 3 {
				q = string(rs[:3]) // a prefix
			}
		}
		if q != "" {
			queries = append(queries, q)
		}
	}
	cookie, err := signIn(ctx, r.client, base)
	if err != nil {
		return fmt.Errorf("%s: sign in: %w", label, err)
	}
	listPath := "/api/v1/contacts?filter%5Blanguage%5D%5Beq%5D=es&sort=name&limit=50"
	targets := []struct {
		key    string
		name   string
		target HTTPTarget
		goal   time.Duration
	}{
		{"list", "contacts list, first page, one filter and a sort (GET " + listPath + ")",
			HTTPTarget{Method: "GET", Want: 200, Token: in.token, URL: func(int, int) string { return base + listPath }}, TargetListP95},
		{"search", "search (GET /api/v1/search?q=… over sampled names and prefixes)",
			HTTPTarget{Method: "GET", Want: 200, Token: in.token, URL: func(w, n int) string {
				return base + "/api/v1/search?q=" + url.QueryEscape(queries[(w*7919+n)%len(queries)])
			}}, TargetSearchP95},
		{"360", "contact 360 page, server render (GET /o/contacts/{id})",
			HTTPTarget{Method: "GET", Want: 200, Cookie: cookie, URL: func(w, n int) string { return base + "/o/contacts/" + ids[(w*31+n)%len(ids)] }}, Target360P95},
	}
	for _, t := range targets {
		r.logf("%s: %s", label, t.name)
		s := r.measure(ctx, t.target.Op(r.client))
		note := fmt.Sprintf("target p95 ≤ %v; %.0f req/s with %d clients, p50 %.2f ms, p99 %.2f ms, %d errors", t.goal, s.Rate, r.cfg.Concurrency, ms(s.P50), ms(s.P99), s.Errors)
		if s.Errors > 0 {
			note += "; first error: " + s.FirstError
		}
		r.add(Figure{Key: "customers." + in.db() + "." + t.key + ".p95", Name: label + " " + t.name + ": p95 latency", Value: ptr(ms(s.P95)), Unit: "ms", Floor: ptr(ms(bare.P95)), FloorUnit: "ms", FloorName: FloorBare, Notes: note})
	}
	if in.dbURL == "" {
		if f, err := r.listFloor(ctx, filepath.Join(in.dataDir, "rapport.db")); err == nil {
			r.add(f)
		} else {
			r.logf("SQLite list floor: %v", err)
		}
	}
	// The duplicate scan of every contact, timed end to end.
	r.logf("%s: duplicate scan of %d contacts", label, cfg.Contacts)
	t0 := time.Now()
	var scan struct {
		Total   int `json:"total"`
		Skipped int `json:"skipped"`
	}
	if err := getJSON(ctx, &http.Client{Timeout: 30 * time.Minute}, base+"/api/v1/contacts/duplicates?limit=100", in.token, &scan); err != nil {
		return fmt.Errorf("%s: duplicate scan: %w", label, err)
	}
	took := time.Since(t0)
	r.add(Figure{Key: "customers." + in.db() + ".duplicate_scan", Name: fmt.Sprintf("%s duplicate scan of %d contacts (GET /api/v1/contacts/duplicates)", label, cfg.Contacts), Value: ptr(took.Seconds()), Unit: "s",
		Notes: fmt.Sprintf("target ≤ %v; %d groups found, %d over-common keys skipped; %d contacts were planted as duplicates (about 2%%)", TargetScan, scan.Total, scan.Skipped, cfg.Contacts/50)})
	if err := sleep(ctx, IdleWait); err != nil {
		return err
	}
	if rss, err := RSS(p.Pid()); err == nil {
		r.add(Figure{Key: "customers." + in.db() + ".idle_rss", Name: label + " idle RSS after the load and the scan", Value: ptr(float64(rss) / mib), Unit: "MiB", Notes: fmt.Sprintf("target ≤ %.0f MiB", TargetIdleRSS)})
	}
	return nil
}

// listFloor times the SQL the contacts list runs, alone.
func (r *runner) listFloor(ctx context.Context, path string) (Figure, error) {
	f, err := openSQLFloor(ctx, path, Workspace)
	if err != nil {
		return Figure{}, err
	}
	defer f.Close()
	const q = "SELECT id, owner_id, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by, version, custom, given_name, middle_name, family_name, name, emails, email, phones, phone, job_title, account_id, street, city, region, postal_code, country, language, time_zone, birthday, email_consent, email_consent_at, email_consent_source, phone_consent, phone_consent_at, phone_consent_source, description, lower(name)" +
		" FROM contacts WHERE workspace_id = ? AND deleted_at IS NULL AND language = ? ORDER BY lower(name) ASC, id ASC LIMIT 51"
	op := func(ctx context.Context, _, _ int) error { return scanAll(ctx, f.db, q, f.workspaceID, "es") }
	s := r.measure(ctx, op)
	return Figure{Key: "customers.sqlite.list_sql.p95", Name: "SQLite contacts list query alone (database/sql, same file)", Value: ptr(ms(s.P95)), Unit: "ms", FloorName: FloorSQL,
		Notes: fmt.Sprintf("p95 of the list's SQL with its filter and sort; %.0f queries/s, %d errors", s.Rate, s.Errors)}, nil
}

func scanAll(ctx context.Context, db *sql.DB, q string, args ...any) error {
	_, _, err := countRows(ctx, db, q, args...)
	return err
}

// countRows runs q and scans every row into one reused slice of values,
// and returns how many rows and columns it read.
func countRows(ctx context.Context, db *sql.DB, q string, args ...any) (n, cols int, err error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return 0, 0, err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, len(names), err
		}
		n++
	}
	return n, len(names), rows.Err()
}

func getJSON(ctx context.Context, c *http.Client, u, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d %.300s", u, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// signIn opens a browser session and returns its cookie header.
func signIn(ctx context.Context, c *http.Client, base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": Email, "password": Password})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/session", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Name == "rapport_session" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("no session cookie (status %d)", resp.StatusCode)
}
