// Package bench measures Rapport's headline figures — binary size, cold
// start, idle memory, request throughput and latency on SQLite and
// PostgreSQL — each beside its floor, the same measurement of something
// that does the least possible work, on the same machine in the same run.
// cmd/rapport-bench is its command line; docs/performance.md explains the
// method. All traffic stays on 127.0.0.1 and every loop is bounded by
// time and by count.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config says what to measure and how hard.
type Config struct {
	Bin          string        // the rapport binary, built by make build
	BareBin      string        // the floor server; run as BareBin -bare-server ADDR
	BareNote     string        // how BareBin was made, for the report
	BareSize     bool          // whether BareBin's size is a fair floor for the binary size
	Concurrency  int           // keep-alive clients
	Duration     time.Duration // per load figure, over all rounds
	Rounds       int           // interleaved rounds per load figure
	ColdRuns     int           // cold starts of each kind
	SkipPostgres bool
	Progress     io.Writer // progress lines; the report is returned
}

// Limits of the fixed parts of a run.
const (
	WarmRequests = 100                    // before idle memory is read
	IdleWait     = 2 * time.Second        // idle time before memory is read
	settle       = 500 * time.Millisecond // between load runs, so one's aftermath (writes, GC) spills less into the next
)

// BuildBare builds the bare floor server from ./cmd/rapport-bench/bareserver
// into dir with the flags make build uses, and returns its path. It must
// run from the module's root, as make bench does.
func BuildBare(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "bareserver")
	if _, err := runCommand(ctx, 5*time.Minute, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/rapport-bench/bareserver"); err != nil {
		return "", fmt.Errorf("build the bare server: %w", err)
	}
	return out, nil
}

type runner struct {
	cfg     Config
	tmp     string
	client  *http.Client
	rep     *Report
	sqlite  *instance
	pg      *instance
	sqlPlan string
}

// Run measures every figure and returns the report. Temporary data
// directories, servers and the PostgreSQL cluster are gone when it
// returns.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Concurrency < 1 || cfg.Rounds < 1 || cfg.ColdRuns < 1 || cfg.Duration <= 0 {
		return nil, errors.New("concurrency, rounds, cold runs and duration must be positive")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("rapport binary: %w (build it with make build)", err)
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r := &runner{cfg: cfg, tmp: tmp, client: NewClient(cfg.Concurrency)}
	defer r.client.CloseIdleConnections()
	r.rep = &Report{
		Date:     time.Now().UTC().Format(time.RFC3339),
		Machine:  machine(ctx, cfg.Bin),
		Settings: Settings{Concurrency: cfg.Concurrency, DurationS: cfg.Duration.Seconds(), Rounds: cfg.Rounds, ColdRuns: cfg.ColdRuns},
	}
	if err := r.binarySize(); err != nil {
		return nil, err
	}
	if err := r.prepareSQLite(ctx); err != nil {
		return nil, err
	}
	if err := r.coldStarts(ctx); err != nil {
		return nil, err
	}
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	return r.rep, nil
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "rapport-bench: "+format+"\n", args...)
}

func (r *runner) add(f Figure) { r.rep.Figures = append(r.rep.Figures, f) }

// ptr returns v, rounded to 4 decimals (beyond any measurement's
// precision here), as a JSON number that may be null.
func ptr(v float64) *float64 {
	v = math.Round(v*1e4) / 1e4
	return &v
}

const mib = 1 << 20

func (r *runner) binarySize() error {
	st, err := os.Stat(r.cfg.Bin)
	if err != nil {
		return err
	}
	f := Figure{Key: "binary.size", Name: "binary size", Value: ptr(float64(st.Size()) / mib), Unit: "MiB", FloorUnit: "MiB", FloorName: FloorBare,
		Notes: fmt.Sprintf("%s: %d bytes", r.cfg.Bin, st.Size())}
	if r.cfg.BareSize {
		bst, err := os.Stat(r.cfg.BareBin)
		if err != nil {
			return err
		}
		f.Floor = ptr(float64(bst.Size()) / mib)
		f.Notes += fmt.Sprintf("; bare server: %d bytes", bst.Size())
	} else {
		f.Notes += "; no floor: " + r.cfg.BareNote
	}
	r.add(f)
	return nil
}

func (r *runner) serverLog(name string) string {
	return filepath.Join(r.tmp, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(name)+".log")
}

// startRapport starts rapport serve for in and creates its tags if it has
// none yet.
func (r *runner) startRapport(ctx context.Context, in *instance) (*Process, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	name := "rapport " + in.label
	p, _, err := StartTimed(ctx, name, addr, r.serverLog(name), r.cfg.Bin, in.serveArgs(addr)...)
	if err != nil {
		return nil, err
	}
	if in.tagIDs == nil {
		r.logf("%s: creating %d tags through the API", in.label, TagCount)
		if err := in.createTags(ctx, r.client, "http://"+addr); err != nil {
			p.Stop()
			return nil, err
		}
	}
	return p, nil
}

func (r *runner) prepareSQLite(ctx context.Context) error {
	in := &instance{label: "SQLite", dataDir: filepath.Join(r.tmp, "sqlite")}
	r.logf("SQLite: rapport setup and token create in %s", in.dataDir)
	if err := in.prepare(ctx, r.cfg.Bin); err != nil {
		return err
	}
	p, err := r.startRapport(ctx, in)
	if err != nil {
		return err
	}
	p.Stop()
	r.sqlite = in
	return nil
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// coldStarts times starts of the bare server, of rapport on an empty data
// directory and of rapport on the prepared one, interleaved and in a
// rotating order, and reads the idle memory of the two that served
// requests.
func (r *runner) coldStarts(ctx context.Context) error {
	var bareT, freshT, existT, bareRSS, rapRSS []float64
	bareGet := HTTPTarget{Method: "GET", Want: http.StatusOK}
	kinds := []string{"bare", "fresh", "existing"}
	for i := range r.cfg.ColdRuns {
		for k := range kinds {
			kind := kinds[(i+k)%len(kinds)]
			addr, err := FreeAddr()
			if err != nil {
				return err
			}
			switch kind {
			case "bare":
				p, d, err := StartTimed(ctx, "bare server", addr, r.serverLog("bare-cold"), r.cfg.BareBin, "-bare-server", addr)
				if err != nil {
					return err
				}
				bareT = append(bareT, ms(d))
				bareGet.URL = func(int, int) string { return "http://" + addr + "/json" }
				op := bareGet.Op(r.client)
				for n := range WarmRequests {
					if err = op(ctx, 0, n); err != nil {
						break
					}
				}
				rss, err := r.idleRSS(ctx, p, err)
				if err != nil {
					return err
				}
				bareRSS = append(bareRSS, rss)
			case "fresh":
				dir := filepath.Join(r.tmp, fmt.Sprintf("fresh-%d", i))
				if err := os.Mkdir(dir, 0o750); err != nil {
					return err
				}
				p, d, err := StartTimed(ctx, "rapport (empty data dir)", addr, r.serverLog("rapport-fresh"), r.cfg.Bin, "serve", "--addr", addr, "--data", dir)
				if err != nil {
					return err
				}
				p.Stop()
				freshT = append(freshT, ms(d))
				_ = os.RemoveAll(dir)
			case "existing":
				p, d, err := StartTimed(ctx, "rapport (existing data dir)", addr, r.serverLog("rapport-existing"), r.cfg.Bin, r.sqlite.serveArgs(addr)...)
				if err != nil {
					return err
				}
				existT = append(existT, ms(d))
				rss, err := r.idleRSS(ctx, p, r.sqlite.warm(ctx, r.client, "http://"+addr, WarmRequests))
				if err != nil {
					return err
				}
				rapRSS = append(rapRSS, rss)
			}
		}
		r.logf("cold start %d/%d: bare %.1f ms, empty data dir %.1f ms, existing data dir %.1f ms",
			i+1, r.cfg.ColdRuns, bareT[i], freshT[i], existT[i])
	}
	r.client.CloseIdleConnections()
	n := r.cfg.ColdRuns
	runs := func(xs []float64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprintf("%.1f", x)
		}
		return strings.Join(s, ", ")
	}
	r.add(Figure{Name: fmt.Sprintf("cold start to first 200, empty data dir (median of %d)", n), Value: ptr(Median(freshT)), Unit: "ms",
		Floor: ptr(Median(bareT)), FloorUnit: "ms", FloorName: FloorBare,
		Notes: "includes creating the SQLite database and running the migrations; runs: " + runs(freshT) + " ms; bare: " + runs(bareT) + " ms"})
	r.add(Figure{Name: fmt.Sprintf("cold start to first 200, empty data dir (min of %d)", n), Value: ptr(minOf(freshT)), Unit: "ms",
		Floor: ptr(minOf(bareT)), FloorUnit: "ms", FloorName: FloorBare})
	r.add(Figure{Key: "cold_start.existing", Name: fmt.Sprintf("cold start to first 200, existing data dir (median of %d)", n), Value: ptr(Median(existT)), Unit: "ms",
		Floor: ptr(Median(bareT)), FloorUnit: "ms", FloorName: FloorBare, Notes: "1,000 tags, migrations already applied; runs: " + runs(existT) + " ms"})
	r.add(Figure{Name: fmt.Sprintf("cold start to first 200, existing data dir (min of %d)", n), Value: ptr(minOf(existT)), Unit: "ms",
		Floor: ptr(minOf(bareT)), FloorUnit: "ms", FloorName: FloorBare})
	r.add(Figure{Key: "memory.idle_rss", Name: fmt.Sprintf("idle RSS after %d requests + %v idle (median of %d)", WarmRequests, IdleWait, n), Value: ptr(Median(rapRSS)), Unit: "MiB",
		Floor: ptr(Median(bareRSS)), FloorUnit: "MiB", FloorName: FloorBare,
		Notes: "SQLite, existing data dir; runs: " + runs(rapRSS) + " MiB; bare: " + runs(bareRSS) + " MiB"})
	return nil
}

// idleRSS waits IdleWait after the warm-up, reads p's resident memory in
// MiB and stops p. warmErr is the warm-up's outcome.
func (r *runner) idleRSS(ctx context.Context, p *Process, warmErr error) (float64, error) {
	defer p.Stop()
	if warmErr != nil {
		return 0, warmErr
	}
	r.client.CloseIdleConnections() // idle means no open client connections either
	if err := sleep(ctx, IdleWait); err != nil {
		return 0, err
	}
	b, err := RSS(p.Pid())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.Name, err)
	}
	return float64(b) / mib, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func minOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

// loadTarget is one thing a load round measures.
type loadTarget struct {
	key   string // bare, sqlite-get, …, sql
	label string
	op    Op
	runs  []Summary
}

func (r *runner) load(ctx context.Context) error {
	var targets []*loadTarget
	stops := []func(){}
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()

	addr, err := FreeAddr()
	if err != nil {
		return err
	}
	bare, _, err := StartTimed(ctx, "bare server", addr, r.serverLog("bare-load"), r.cfg.BareBin, "-bare-server", addr)
	if err != nil {
		return err
	}
	stops = append(stops, bare.Stop)
	bareURL := "http://" + addr + "/json"
	targets = append(targets, &loadTarget{key: "bare", label: "bare net/http GET /json",
		op: HTTPTarget{Method: "GET", Want: http.StatusOK, URL: func(int, int) string { return bareURL }}.Op(r.client)})

	sq, err := r.startRapport(ctx, r.sqlite)
	if err != nil {
		return err
	}
	stops = append(stops, sq.Stop)
	floor, err := openSQLFloor(ctx, filepath.Join(r.sqlite.dataDir, "rapport.db"), Workspace)
	if err != nil {
		return err
	}
	stops = append(stops, func() { floor.Close() })
	r.sqlPlan = floor.plan
	sqliteRound, pgRound := new(int), new(int)
	for _, t := range r.sqlite.targets("http://"+sq.Addr, sqliteRound) {
		targets = append(targets, &loadTarget{key: "sqlite-" + t.key, label: "SQLite " + t.label, op: t.t.Op(r.client)})
		if t.key == "list" {
			// Right after the list it is the floor of, so that both run
			// in the same conditions (not, say, one always after creates).
			targets = append(targets, &loadTarget{key: "sql", label: "list SQL alone (SQLite)", op: floor.op})
		}
	}

	pgSkip := ""
	if r.cfg.SkipPostgres {
		pgSkip = "skipped (-skip-postgres)"
	} else {
		pg, stop, err := r.startPostgres(ctx)
		switch {
		case errors.Is(err, ErrNoPostgres):
			pgSkip = "skipped: " + err.Error()
			r.logf("PostgreSQL %s", pgSkip)
		case err != nil:
			return err
		default:
			stops = append(stops, stop)
			targets = append(targets, r.pgTargets(pg, pgRound)...)
		}
	}

	per := r.cfg.Duration / time.Duration(r.cfg.Rounds)
	warm := min(time.Second, per)
	r.logf("warming up each of %d targets for %v", len(targets), warm)
	*sqliteRound, *pgRound = -1, -1
	for _, t := range targets {
		if s := Load(ctx, LoadOptions{Concurrency: r.cfg.Concurrency, Duration: warm}, t.op); s.Errors > 0 {
			return fmt.Errorf("warm-up of %s: %d errors, first: %s", t.label, s.Errors, s.FirstError)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	for round := range r.cfg.Rounds {
		*sqliteRound, *pgRound = round, round
		// Rotate the order so no target always follows the same one.
		for k := range targets {
			t := targets[(round+k)%len(targets)]
			if err := sleep(ctx, settle); err != nil {
				return err
			}
			s := Load(ctx, LoadOptions{Concurrency: r.cfg.Concurrency, Duration: per}, t.op)
			t.runs = append(t.runs, s)
			r.logf("round %d/%d %-42s %8.0f/s  p50 %7.3f ms  p99 %7.3f ms  errors %d",
				round+1, r.cfg.Rounds, t.label, s.Rate, ms(s.P50), ms(s.P99), s.Errors)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	r.loadFigures(targets, pgSkip)
	return nil
}

// startPostgres starts a throwaway cluster and rapport on it, set up like
// the SQLite instance.
func (r *runner) startPostgres(ctx context.Context) (*Process, func(), error) {
	r.logf("PostgreSQL: starting a throwaway cluster")
	cl, err := StartCluster(ctx)
	if err != nil {
		return nil, nil, err
	}
	url, err := cl.CreateDatabase(ctx, "rapport_bench")
	if err != nil {
		cl.Stop()
		return nil, nil, err
	}
	in := &instance{label: "PostgreSQL", dataDir: filepath.Join(r.tmp, "pgdata"), dbURL: url}
	r.logf("PostgreSQL: rapport setup and token create")
	if err := in.prepare(ctx, r.cfg.Bin); err != nil {
		cl.Stop()
		return nil, nil, err
	}
	p, err := r.startRapport(ctx, in)
	if err != nil {
		cl.Stop()
		return nil, nil, err
	}
	r.pg = in
	return p, func() { p.Stop(); cl.Stop() }, nil
}

func (r *runner) pgTargets(p *Process, round *int) []*loadTarget {
	var out []*loadTarget
	for _, t := range r.pg.targets("http://"+p.Addr, round) {
		out = append(out, &loadTarget{key: "pg-" + t.key, label: "PostgreSQL " + t.label, op: t.t.Op(r.client)})
	}
	return out
}

// agg is the median over rounds of each statistic.
type agg struct {
	rate, p50, p95, p99 float64 // per second, ms
	rateLo, rateHi      float64
	ok, errors          int
	firstErr            string
}

func aggregate(runs []Summary) agg {
	var rate, p50, p95, p99 []float64
	a := agg{}
	for _, s := range runs {
		rate = append(rate, s.Rate)
		p50 = append(p50, ms(s.P50))
		p95 = append(p95, ms(s.P95))
		p99 = append(p99, ms(s.P99))
		a.ok += s.OK
		a.errors += s.Errors
		if a.firstErr == "" {
			a.firstErr = s.FirstError
		}
	}
	a.rate, a.p50, a.p95, a.p99 = Median(rate), Median(p50), Median(p95), Median(p99)
	a.rateLo, a.rateHi = minOf(rate), maxOf(rate)
	return a
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// notes says how many calls (noun) the figure rests on and how far the
// rounds spread.
func (a agg) notes(noun, unit string) string {
	s := fmt.Sprintf("%d %s; rounds %.0f–%.0f %s", a.ok, noun, a.rateLo, a.rateHi, unit)
	if a.errors > 0 {
		s += fmt.Sprintf("; %d errors, first: %s", a.errors, a.firstErr)
	}
	return s
}

func (r *runner) loadFigures(targets []*loadTarget, pgSkip string) {
	by := map[string]agg{}
	for _, t := range targets {
		by[t.key] = aggregate(t.runs)
	}
	bare := by["bare"]
	bareNote := "bare: " + bare.notes("requests", "req/s")
	for _, db := range []struct{ key, label string }{{"sqlite", "SQLite"}, {"pg", "PostgreSQL"}} {
		for _, op := range []struct{ key, label, what string }{
			{"get", "GET /api/v1/tags/{id}", "reads cycle through the 1,000 tags"},
			{"list", "GET /api/v1/tags?limit=50", "the first page of 1,000 tags"},
			{"create", "POST /api/v1/tags", "unique names, into the second workspace"},
		} {
			name := db.label + " " + op.label
			a, ok := by[db.key+"-"+op.key]
			val := func(v float64) *float64 {
				if !ok || a.ok == 0 {
					return nil
				}
				return ptr(v)
			}
			note := ""
			switch {
			case !ok:
				note = pgSkip
			case a.ok == 0:
				note = "every request failed: " + a.firstErr
			default:
				note = op.what + "; " + a.notes("requests", "req/s") + "; " + bareNote
			}
			key := "api." + map[string]string{"sqlite": "sqlite", "pg": "postgres"}[db.key] + "." + op.key
			r.add(Figure{Key: key + ".rate", Name: name + ": throughput", Value: val(a.rate), Unit: "req/s", Floor: ptr(bare.rate), FloorUnit: "req/s", FloorName: FloorBare, Notes: note})
			r.add(Figure{Key: key + ".p50", Name: name + ": p50 latency", Value: val(a.p50), Unit: "ms", Floor: ptr(bare.p50), FloorUnit: "ms", FloorName: FloorBare})
			r.add(Figure{Key: key + ".p95", Name: name + ": p95 latency", Value: val(a.p95), Unit: "ms", Floor: ptr(bare.p95), FloorUnit: "ms", FloorName: FloorBare})
			r.add(Figure{Key: key + ".p99", Name: name + ": p99 latency", Value: val(a.p99), Unit: "ms", Floor: ptr(bare.p99), FloorUnit: "ms", FloorName: FloorBare})
			if db.key == "sqlite" && op.key == "list" {
				q := by["sql"]
				note := "the list query alone (" + r.sqlPlan + "): " + q.notes("queries", "queries/s")
				r.add(Figure{Key: key + ".sql.rate", Name: name + " vs SQL alone: throughput", Value: val(a.rate), Unit: "req/s", Floor: ptr(q.rate), FloorUnit: "queries/s", FloorName: FloorSQL, Notes: note})
				r.add(Figure{Key: key + ".sql.p50", Name: name + " vs SQL alone: p50 latency", Value: val(a.p50), Unit: "ms", Floor: ptr(q.p50), FloorUnit: "ms", FloorName: FloorSQL})
				r.add(Figure{Key: key + ".sql.p99", Name: name + " vs SQL alone: p99 latency", Value: val(a.p99), Unit: "ms", Floor: ptr(q.p99), FloorUnit: "ms", FloorName: FloorSQL})
			}
		}
	}
}

// machine describes this machine from runtime and /proc.
func machine(ctx context.Context, bin string) Machine {
	m := Machine{NProc: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if out, err := runCommand(ctx, 30*time.Second, nil, bin, "version"); err == nil {
		m.Rapport = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "rapport "))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemTotalMiB = kb / 1024
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvgAtStart = strings.Join(f[:3], " ")
		}
	}
	return m
}
