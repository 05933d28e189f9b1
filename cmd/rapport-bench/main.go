// Command rapport-bench measures Rapport's headline figures beside their
// floors and writes them to docs/performance.json and docs/performance.md.
// make bench runs it with -all after make build: every section (the API,
// customers, imports, sales) at a small scale, one combined table, and
// docs/performance-all.json. With -bare-server ADDR it is instead the
// floor server itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rapport-crm/rapport/internal/bench"
	"github.com/rapport-crm/rapport/internal/bench/bare"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rapport-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	dur := seconds(10 * time.Second)
	var (
		bin      = flag.String("bin", "bin/rapport", "the rapport binary to measure")
		conc     = flag.Int("c", 16, "concurrent keep-alive clients")
		rounds   = flag.Int("rounds", 3, "interleaved rounds per load figure; the report gives their medians")
		cold     = flag.Int("cold-runs", 5, "cold starts of each kind")
		outJSON  = flag.String("out-json", "docs/performance.json", "write the report as JSON here (empty: don't)")
		outMD    = flag.String("out-md", "docs/performance.md", "write the report's section of this markdown file (empty: don't)")
		skipPG   = flag.Bool("skip-postgres", false, "skip the PostgreSQL figures")
		bareAddr = flag.String("bare-server", "", "serve as the bare floor server on this loopback address, and nothing else")
		all      = flag.Bool("all", false, "measure every section in turn — the API figures, then -customers, -imports and -sales at a small scale (the scale flags below default to make bench's) — print one table of the headline figures and write -out-all-json and the combined section of -out-md (make bench)")
		outAll   = flag.String("out-all-json", "docs/performance-all.json", "with -all: write the combined report here, carrying forward the history of the one there (empty: don't)")
		custs    = flag.Bool("customers", false, "measure the customer figures on a generated workspace instead (make bench-customers)")
		accounts = flag.Int("accounts", 200_000, "with -customers or -exports: accounts to generate (with -exports: -contacts/5 by default)")
		contacts = flag.Int("contacts", 1_000_000, "with -customers or -exports: contacts to generate")
		acts     = flag.Int("activities", 5_000_000, "with -customers: activities to generate")
		seed     = flag.Int64("seed", 1, "with -customers, -sales, -imports or -exports: the demo data's seed")
		imps     = flag.Bool("imports", false, "measure the import figures on a generated contacts CSV instead (make bench-imports)")
		rows     = flag.Int("rows", 1_000_000, "with -imports: contacts in the CSV")
		pgRows   = flag.Int("pg-rows", 0, "with -imports: contacts for the PostgreSQL figures, the first of the same file (default: -rows)")
		chunk    = flag.Int("chunk", 2000, "with -imports: rows per transaction")
		exps     = flag.Bool("exports", false, "measure the export figures instead: rapport export of the -contacts of a generated workspace to CSV, -rounds times, each beside the export's query alone (make bench-exports)")
		floorDir = flag.String("floor-only", "", "measure the import floors again on what an interrupted -imports run left in this directory")
		sales    = flag.Bool("sales", false, "measure the sales figures (board, forecast, quote PDF) on a generated workspace instead (make bench-sales); -accounts, -contacts and -activities default to 20,000, 100,000 and 0 with it")
		leads    = flag.Int("leads", 50_000, "with -sales: leads to generate")
		deals    = flag.Int("deals", 100_000, "with -sales: deals to generate")
		ords     = flag.Int("orders", 200_000, "with -sales: orders (each with its invoice) to generate")
		ctrs     = flag.Int("contracts", 10_000, "with -sales: contracts to generate")
	)
	flag.Var(&dur, "d", "load time per figure, split over -rounds: seconds (5) or a duration (5s)")
	urls := flag.String("urls", "", "measure only: GET each URL of this file (one per line) in turn with -c clients for -d, and print the latency")
	cookie := flag.String("cookie", "", "with -urls: the Cookie header to send (a signed-in session)")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *all {
		// make bench's scale: every section in a few minutes on a shared
		// two-core machine; the section targets measure at full scale.
		for name, v := range map[string]struct {
			p *int
			n int
		}{"accounts": {accounts, 4_000}, "contacts": {contacts, 20_000}, "activities": {acts, 100_000}, "rows": {rows, 20_000},
			"leads": {leads, 5_000}, "deals": {deals, 10_000}, "orders": {ords, 20_000}, "contracts": {ctrs, 1_000}} {
			if !set[name] {
				*v.p = v.n
			}
		}
	}
	if *sales {
		for name, v := range map[string]struct {
			p *int
			n int
		}{"accounts": {accounts, 20_000}, "contacts": {contacts, 100_000}, "activities": {acts, 0}} {
			if !set[name] {
				*v.p = v.n
			}
		}
	}
	if *exps && !set["accounts"] {
		*accounts = max(1, *contacts/5)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *bareAddr != "" {
		return bare.Serve(ctx, *bareAddr)
	}
	if *floorDir != "" {
		return bench.FloorOnly(ctx, *floorDir, *chunk, os.Stdout)
	}
	if *urls != "" {
		return measureURLs(ctx, *urls, *cookie, *conc, time.Duration(dur), *rounds)
	}

	cfg := bench.Config{Bin: *bin, Concurrency: *conc, Duration: time.Duration(dur), Rounds: *rounds, ColdRuns: *cold,
		SkipPostgres: *skipPG, Progress: os.Stderr}
	tmp, err := os.MkdirTemp("", "rapport-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfg.BareBin, err = bench.BuildBare(ctx, tmp); err == nil {
		cfg.BareSize = true
	} else {
		// Without a Go toolchain the floor is this binary's bare mode: a
		// fair floor for speed, not for size or memory.
		fmt.Fprintf(os.Stderr, "rapport-bench: %v; using rapport-bench -bare-server as the floor\n", err)
		if cfg.BareBin, err = os.Executable(); err != nil {
			return err
		}
		cfg.BareNote = "the bare server could not be built, so rapport-bench -bare-server served as the floor"
	}
	if *all {
		return runAll(ctx, cfg, *outJSON, *outMD, *outAll, bench.AllConfig{
			Customers: bench.CustomersConfig{Config: withConcurrency(cfg, 4), Accounts: *accounts, Contacts: *contacts, Activities: *acts, Seed: *seed},
			Imports:   bench.ImportsConfig{Config: cfg, Rows: *rows, PGRows: *pgRows, Seed: *seed, Chunk: *chunk},
			Sales: bench.SalesConfig{Config: withConcurrency(cfg, 1), Accounts: max(1, *accounts/2), Contacts: max(1, *contacts/2),
				Leads: *leads, Deals: *deals, Orders: *ords, Contracts: *ctrs, Seed: *seed},
		})
	}
	var rep *bench.Report
	if *exps {
		if *outJSON == "docs/performance.json" {
			*outJSON = "docs/performance-exports.json"
		}
		rep, err = bench.RunExports(ctx, bench.ExportsConfig{Config: cfg, Accounts: *accounts, Contacts: *contacts, Seed: *seed})
	} else if *imps {
		if *outJSON == "docs/performance.json" {
			*outJSON = "docs/performance-imports.json"
		}
		rep, err = bench.RunImports(ctx, bench.ImportsConfig{Config: cfg, Rows: *rows, PGRows: *pgRows, Seed: *seed, Chunk: *chunk})
	} else if *sales {
		if *outJSON == "docs/performance.json" {
			*outJSON = "docs/performance-sales.json"
		}
		rep, err = bench.RunSales(ctx, bench.SalesConfig{Config: cfg, Accounts: *accounts, Contacts: *contacts, Activities: *acts,
			Leads: *leads, Deals: *deals, Orders: *ords, Contracts: *ctrs, Seed: *seed})
	} else if *custs {
		if *outJSON == "docs/performance.json" {
			*outJSON = "docs/performance-customers.json"
		}
		rep, err = bench.RunCustomers(ctx, bench.CustomersConfig{Config: cfg, Accounts: *accounts, Contacts: *contacts, Activities: *acts, Seed: *seed})
	} else {
		rep, err = bench.Run(ctx, cfg)
	}
	if err != nil {
		return err
	}
	fmt.Println()
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	if *outJSON != "" {
		if err := rep.WriteJSON(*outJSON); err != nil {
			return err
		}
	}
	if *outMD != "" {
		if err := rep.WriteMarkdown(*outMD); err != nil {
			return err
		}
	}
	return nil
}

// withConcurrency is cfg with c clients: each section keeps the
// concurrency of its own make target (customers 4, sales 1, the API -c).
func withConcurrency(cfg bench.Config, c int) bench.Config {
	cfg.Concurrency = c
	return cfg
}

// runAll runs every section, prints the headline table and writes the
// API section as make bench always has (outJSON, its part of outMD) and
// the combined report (outAll, the combined part of outMD). The scale
// flags of the sections say what all.Customers, Imports and Sales hold.
func runAll(ctx context.Context, cfg bench.Config, outJSON, outMD, outAll string, all bench.AllConfig) error {
	all.HTTP, all.Progress = cfg, os.Stderr
	c, i, s := all.Customers, all.Imports, all.Sales
	all.Scale = map[string]string{
		"http":      fmt.Sprintf("%d tags, %d clients, %v per figure in %d rounds, %d cold starts", bench.TagCount, cfg.Concurrency, cfg.Duration, cfg.Rounds, cfg.ColdRuns),
		"customers": fmt.Sprintf("%d accounts, %d contacts, %d activities; %d clients", c.Accounts, c.Contacts, c.Activities, c.Concurrency),
		"imports":   fmt.Sprintf("%d contacts from CSV, chunks of %d", i.Rows, i.Chunk),
		"sales":     fmt.Sprintf("%d accounts, %d contacts, %d leads, %d deals, %d orders and invoices, %d contracts; %d client", s.Accounts, s.Contacts, s.Leads, s.Deals, s.Orders, s.Contracts, s.Concurrency),
	}
	var prev *bench.Combined
	if outAll != "" {
		var err error
		if prev, err = bench.ReadCombined(outAll); err != nil {
			return err
		}
	}
	comb, runErr := bench.RunAll(ctx, all, prev)
	fmt.Println()
	if err := comb.WriteTable(os.Stdout); err != nil {
		return err
	}
	for _, rep := range comb.Sections {
		if rep.Section != "" {
			continue // the section targets' own files hold their full-scale figures
		}
		if outJSON != "" {
			if err := rep.WriteJSON(outJSON); err != nil {
				return err
			}
		}
		if outMD != "" {
			if err := rep.WriteMarkdown(outMD); err != nil {
				return err
			}
		}
	}
	if outAll != "" {
		if err := comb.WriteJSON(outAll); err != nil {
			return err
		}
	}
	if outMD != "" {
		if err := comb.WriteMarkdown(outMD); err != nil {
			return err
		}
	}
	return runErr
}

// seconds is a duration flag that also takes a bare number of seconds.
type seconds time.Duration

func (s *seconds) String() string { return time.Duration(*s).String() }

func (s *seconds) Set(v string) error {
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		*s = seconds(n * float64(time.Second))
	} else if d, err := time.ParseDuration(v); err == nil {
		*s = seconds(d)
	} else {
		return fmt.Errorf("want seconds (5) or a duration (5s), not %q", v)
	}
	if *s <= 0 {
		return fmt.Errorf("must be positive")
	}
	return nil
}

// measureURLs loads a running server with GETs of the URLs in file, for
// figures on a workspace loaded beforehand (rapport demo at full scale
// takes longer than a benchmark run should).
func measureURLs(ctx context.Context, file, cookie string, conc int, d time.Duration, rounds int) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var list []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			list = append(list, l)
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("%s: no URLs", file)
	}
	client := bench.NewClient(conc)
	op := bench.HTTPTarget{Method: "GET", Want: 200, Cookie: cookie, URL: func(w, n int) string { return list[(w*7919+n)%len(list)] }}.Op(client)
	bench.Load(ctx, bench.LoadOptions{Concurrency: conc, Duration: time.Second}, op) // warm-up
	for r := 1; r <= rounds; r++ {
		s := bench.Load(ctx, bench.LoadOptions{Concurrency: conc, Duration: d / time.Duration(rounds)}, op)
		fmt.Printf("round %d: %d requests, %d errors, %.0f req/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n", r, s.OK+s.Errors, s.Errors, s.Rate,
			float64(s.P50.Microseconds())/1000, float64(s.P95.Microseconds())/1000, float64(s.P99.Microseconds())/1000)
		if s.FirstError != "" {
			fmt.Printf("  first error: %s\n", s.FirstError)
		}
	}
	return nil
}
