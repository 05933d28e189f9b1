# Rapport: `make test` is the one test command (README, .ci/run).
GO      ?= go
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
TESTFLAGS ?= -race -count=1 -timeout 20m

.PHONY: test test-sqlite test-postgres vet build run assets bench bench-go bench-customers bench-imports bench-exports bench-sales bench-drag fuzz screenshots crash

# Both halves always run; the target fails if either failed.
test: vet
	@status=0; \
	echo "== SQLite =="; RAPPORT_TEST_DB=sqlite $(GO) test $(TESTFLAGS) ./... || status=1; \
	echo "== PostgreSQL =="; \
	if [ -z "$$RAPPORT_TEST_POSTGRES" ] && ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "*** POSTGRESQL NOT INSTALLED: every PostgreSQL test is SKIPPED (apt-get install postgresql, or set RAPPORT_TEST_POSTGRES) ***"; fi; \
	RAPPORT_TEST_DB=postgres $(GO) test $(TESTFLAGS) ./... || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED"; else echo "make test: both databases passed"; fi; \
	exit $$status

test-sqlite:
	RAPPORT_TEST_DB=sqlite $(GO) test $(TESTFLAGS) ./...

test-postgres:
	RAPPORT_TEST_DB=postgres $(GO) test $(TESTFLAGS) ./...

vet:
	$(GO) vet ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/rapport ./cmd/rapport

run:
	$(GO) run ./cmd/rapport serve

# Third-party browser files come from npm, pinned in web-assets/package.json,
# and are committed, so a plain go build needs no npm.
assets:
	@if [ -x ./scripts/assets.sh ]; then ./scripts/assets.sh; else echo "assets: scripts/assets.sh not written yet"; fi

# The one benchmark command: builds, then measures every section in turn
# on SQLite and PostgreSQL, each figure beside its floor — the API (read,
# list, create under 16 clients, cold start, idle memory), then at a small
# scale the customer pages on generated demo data (list, search, 360,
# duplicate scan), the CSV import beside plain INSERTs, and the sales
# pages (board, forecast, quote PDF) — prints one table of the headline
# figures and writes docs/performance-all.json (with the history of
# earlier runs), docs/performance.json (the API section) and their
# sections of docs/performance.md. About 15 minutes on two cores. The
# targets below measure one section at full scale; make bench-go runs the
# Go micro-benchmarks. Override with BENCH_ARGS, e.g. BENCH_ARGS='-d 5
# -contacts 50000 -skip-postgres'.
bench: build
	$(GO) run ./cmd/rapport-bench -all $(BENCH_ARGS)

# The Go micro-benchmarks of every package (go test -bench).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The customer figures on a generated workspace (1M contacts, 200k
# accounts, 5M activities by default; override with BENCH_ARGS, e.g.
# BENCH_ARGS='-contacts 100000 -accounts 20000 -activities 500000').
bench-customers: build
	$(GO) run ./cmd/rapport-bench -customers -c 4 $(BENCH_ARGS)

# The sales figures on a generated workspace at the sales issue's scale
# (100k deals, about 11k of them open in the default pipeline, 200k orders
# and invoices, about 1M line items, on 20k accounts and 100k contacts):
# the board page and API, the forecast page and quote PDFs beside the
# bare server, and the board's and forecast's SQL alone; one client, as
# the targets are the time of one page. Override with BENCH_ARGS, e.g.
# BENCH_ARGS='-deals 10000 -orders 20000 -skip-postgres'.
bench-sales: build
	$(GO) run ./cmd/rapport-bench -sales -c 1 $(BENCH_ARGS)

# Dragging on the deals board in headless Chromium (TestBoardDrag in
# internal/e2e/drag_test.go): 10,000 open deals in one pipeline, 20 real
# pointer drags between columns; prints the frame intervals and long
# tasks during the drags, the time for the card to follow the pointer
# and from the drop to the card in its column and the counts and totals
# updated. Without -race, so the server's share is the product's; SQLite
# then PostgreSQL, about a minute each. make test runs a short version
# (2,000 deals, 3 drags).
bench-drag:
	@status=0; for d in sqlite postgres; do echo "== $$d =="; uptime; \
	  RAPPORT_TEST_DB=$$d RAPPORT_BENCH_DRAG=1 $(GO) test -count=1 -timeout 15m -v -run '^TestBoardDrag$$' ./internal/e2e/ || status=1; done; \
	exit $$status

# The import figures: a generated 1M-row contacts CSV imported with
# rapport import on SQLite and PostgreSQL beside the floor (the same rows
# by plain prepared INSERTs); override with BENCH_ARGS='-rows 100000'.
bench-imports: build
	$(GO) run ./cmd/rapport-bench -imports $(BENCH_ARGS)

# The export figures: a generated workspace of 1M contacts (200k accounts)
# exported to CSV with rapport export on SQLite and PostgreSQL, three
# rounds, each beside the floor (the export's query alone through
# database/sql, on SQLite with the file mapped as the export maps it);
# rows/s and peak memory. Override with BENCH_ARGS, e.g.
# BENCH_ARGS='-contacts 100000 -rounds 5 -skip-postgres'.
bench-exports: build
	$(GO) run ./cmd/rapport-bench -exports $(BENCH_ARGS)

# The crash campaign: the server (during API writes) and rapport import
# killed -9 at random moments CRASH_RUNS times on each database, the
# database checked after every kill. make test runs 4 kills; replay a
# failure with CRASH_SEED=<the seed it printed>.
CRASH_RUNS ?= 50
crash:
	@status=0; for d in sqlite postgres; do echo "== $$d =="; \
	  RAPPORT_TEST_DB=$$d RAPPORT_CRASH_RUNS=$(CRASH_RUNS) RAPPORT_CRASH_SEED=$(CRASH_SEED) $(GO) test -count=1 -timeout 30m -v -run '^TestCrash$$' ./internal/crash/ || status=1; done; \
	exit $$status

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseListQuery$$' -fuzztime $(FUZZTIME) ./internal/records/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(FUZZTIME) ./internal/records/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalizePhone$$' -fuzztime $(FUZZTIME) ./internal/match/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalizeEmail$$' -fuzztime $(FUZZTIME) ./internal/match/
	$(GO) test -run '^$$' -fuzz '^FuzzTokens$$' -fuzztime $(FUZZTIME) ./internal/match/
	$(GO) test -run '^$$' -fuzz '^FuzzCSVReader$$' -fuzztime $(FUZZTIME) ./internal/dataio/
	$(GO) test -run '^$$' -fuzz '^FuzzReadVCards$$' -fuzztime $(FUZZTIME) ./internal/dataio/
	$(GO) test -run '^$$' -fuzz '^FuzzReadEvents$$' -fuzztime $(FUZZTIME) ./internal/dataio/
	$(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./internal/dataio/

# Browser tests save what a user sees into docs/screenshots.
screenshots:
	RAPPORT_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 ./internal/e2e/
