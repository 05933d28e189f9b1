package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ExportsConfig says how large a workspace the export benchmark
// generates with rapport demo. Config.Rounds is how many times it
// exports it, each time just after the floor.
type ExportsConfig struct {
	Config
	Accounts, Contacts int // Accounts: Contacts/5 when 0, as in the workspace
	Seed               int64
}

// TargetExportRows is the CSV export's target, from the import and
// export issue: 1M contacts at this rate or better.
const TargetExportRows = 200000.0 // rows/s

// exportMmap is how much of the SQLite file rapport export lets each
// reader map (db.Options.MmapReads in internal/cli/exportcmd.go); the
// floor maps as much, so both read pages the same way.
const exportMmap = 2 << 30

// exportFloorSQL is the export's read alone: every column of the
// workspace's live contacts, in the export's order.
const exportFloorSQL = "SELECT * FROM contacts WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY created_at, id"

// RunExports generates a workspace with rapport demo (accounts and
// contacts, nothing else) on SQLite and on PostgreSQL, and exports its
// contacts to CSV with `rapport export contacts --out FILE` end to end,
// Rounds times, sampling the process's peak memory. Just before each
// export the floor reads the same contacts from the same database with
// exportFloorSQL through database/sql, every row scanned into Go values
// — on SQLite read-only with the file mapped as the exporter maps it —
// so that floor and export alternate and share the machine's moods.
func RunExports(ctx context.Context, cfg ExportsConfig) (*Report, error) {
	if cfg.Rounds < 1 || cfg.Contacts < 1 {
		return nil, errors.New("rounds and contacts must be positive")
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = max(1, cfg.Contacts/5)
	}
	rep, err := runDatabases(ctx, cfg.Config, "exports", false, func(r *runner, in *instance, _ Summary) error {
		return r.exports(ctx, cfg, in)
	})
	if rep != nil {
		rep.Settings = Settings{Rounds: cfg.Rounds} // no load, no cold starts
	}
	return rep, err
}

func (r *runner) exports(ctx context.Context, cfg ExportsConfig, in *instance) error {
	label := in.label
	load := loadAvg()
	out, gen, err := r.demo(ctx, in, cfg.Seed, 3*time.Hour, "--accounts", strconv.Itoa(cfg.Accounts), "--contacts", strconv.Itoa(cfg.Contacts),
		"--activities", "0", "--leads", "0", "--deals", "0", "--orders", "0", "--contracts", "0")
	if err != nil {
		return err
	}
	r.add(Figure{Key: "exports." + in.db() + ".demo", Name: fmt.Sprintf("%s demo data: %d accounts, %d contacts, for the export", label, cfg.Accounts, cfg.Contacts),
		Value: ptr(gen.Seconds()), Unit: "s", Notes: fmt.Sprintf("for information; load average %s before; %s", load, out)})

	f, err := openSalesFloor(ctx, filepath.Join(in.dataDir, "rapport.db"), in.dbURL, "mmap_size("+strconv.Itoa(exportMmap)+")")
	if err != nil {
		return fmt.Errorf("%s: SQL floor: %w", label, err)
	}
	defer f.Close()
	csvPath := filepath.Join(r.tmp, "contacts-"+in.db()+".csv")
	load = loadAvg()
	var floors, walls, cpus, hwms, anons []float64
	var size int64
	cols := 0
	for round := 1; round <= cfg.Rounds; round++ {
		if err := sleep(ctx, settle); err != nil {
			return err
		}
		t0 := time.Now()
		n, c, err := countRows(ctx, f.db, f.rebind(exportFloorSQL), f.workspaceID)
		took := time.Since(t0)
		if err != nil {
			return fmt.Errorf("%s floor: %w", label, err)
		}
		if n != cfg.Contacts {
			return fmt.Errorf("%s floor read %d contacts, want %d", label, n, cfg.Contacts)
		}
		cols = c
		if err := sleep(ctx, settle); err != nil {
			return err
		}
		res, sz, err := r.exportContacts(ctx, in, csvPath, cfg.Contacts)
		if err != nil {
			return err
		}
		size = sz
		floors, walls = append(floors, took.Seconds()), append(walls, res.wall.Seconds())
		cpus = append(cpus, (res.user + res.sys).Seconds())
		hwms = append(hwms, float64(res.peak)/mib)
		if res.peakAnon > 0 {
			anons = append(anons, float64(res.peakAnon)/mib)
		}
		r.logf("%s round %d of %d: floor %s (%.0f rows/s); rapport export %s (%.0f rows/s), CPU %s, VmHWM %.0f MiB, RssAnon %.0f MiB", label, round, cfg.Rounds,
			took.Round(time.Millisecond), float64(n)/took.Seconds(), res.wall.Round(time.Millisecond), float64(n)/res.wall.Seconds(),
			(res.user + res.sys).Round(time.Millisecond), float64(res.peak)/mib, float64(res.peakAnon)/mib)
	}
	n := float64(cfg.Contacts)
	name := fmt.Sprintf("%s export of %d contacts", label, cfg.Contacts)
	r.add(Figure{Key: "exports." + in.db() + ".csv.rate", Name: name + " to CSV (rapport export), end to end", Value: ptr(n / Median(walls)), Unit: "rows/s",
		Floor: ptr(n / Median(floors)), FloorUnit: "rows/s", FloorName: FloorSQL,
		Notes: fmt.Sprintf("target ≥ %.0f rows/s; rapport export %s s (median %s s), CPU user+sys %s s; floor %s s (median %s s), %d columns; rounds alternate floor, export; %.1f MiB of CSV (each contact with its account's name, tags and owner); load average %s before the rounds",
			TargetExportRows, joinSeconds(walls), seconds(Median(walls)), joinSeconds(cpus), joinSeconds(floors), seconds(Median(floors)), cols, float64(size)/mib, load)})
	hwmNote := "VmHWM, the kernel's high-water mark of the resident size (read from /proc every 100 ms and at exit), median of the rounds: " + joinMiB(hwms)
	if in.dbURL == "" {
		hwmNote += "; it counts the pages of the database file the export maps (up to 2 GiB: the file cache, shared and reclaimable), so RssAnon below is the process's own memory"
	}
	r.add(Figure{Key: "exports." + in.db() + ".csv.peak_rss", Name: name + ": peak RSS of the rapport export process", Value: ptr(Median(hwms)), Unit: "MiB", Notes: hwmNote})
	anon := Figure{Key: "exports." + in.db() + ".csv.peak_anon", Name: name + ": peak RssAnon of the rapport export process", Unit: "MiB",
		Notes: "the largest RssAnon (memory not backed by a file) sampled from /proc every 100 ms, median of the rounds: " + joinMiB(anons)}
	if len(anons) > 0 {
		anon.Value = ptr(Median(anons))
	}
	if len(anons) < len(hwms) {
		anon.Notes += fmt.Sprintf("; %d of %d exports ended before the first sample", len(hwms)-len(anons), len(hwms))
	}
	r.add(anon)
	return nil
}

// exportContacts runs `rapport export contacts --out path` on in,
// measured, checks that it says it exported want contacts to a file
// that is not empty, and removes the file. It returns the run and the
// file's size.
func (r *runner) exportContacts(ctx context.Context, in *instance, path string, want int) (*measured, int64, error) {
	args := append([]string{"export", "contacts"}, in.args()...)
	args = append(args, "--workspace", Workspace, "--out", path)
	res, err := runMeasured(ctx, r.cfg.Bin, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s export: %w", in.label, err)
	}
	defer os.Remove(path)
	// CSV cells may hold line breaks, so the lines of the file are no
	// count of its rows; the command's own count is.
	n, err := exportedCount(res.stderr)
	if err != nil {
		return nil, 0, fmt.Errorf("%s export: %w", in.label, err)
	}
	if n != want {
		return nil, 0, fmt.Errorf("%s export: exported %d contacts, want %d", in.label, n, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%s export: %w", in.label, err)
	}
	if st.Size() == 0 {
		return nil, 0, fmt.Errorf("%s export: %s is empty", in.label, path)
	}
	return res, st.Size(), nil
}

var exportedRe = regexp.MustCompile(`(?m)^exported (\d+) contacts to `)

// exportedCount reads how many contacts rapport export says it wrote
// ("exported 1000000 contacts to FILE", on standard error).
func exportedCount(stderr string) (int, error) {
	m := exportedRe.FindStringSubmatch(stderr)
	if m == nil {
		return 0, fmt.Errorf("no count of exported contacts in its output: %q", strings.TrimSpace(stderr))
	}
	return strconv.Atoi(m[1])
}

// joinSeconds writes seconds as "7.80 / 0.231 / 12.34".
func joinSeconds(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = seconds(x)
	}
	return strings.Join(s, " / ")
}

// seconds writes a time in seconds to the millisecond under 1 s, to the
// hundredth above.
func seconds(x float64) string {
	if x < 1 {
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// joinMiB writes MiB as "243 / 250 MiB".
func joinMiB(xs []float64) string {
	if len(xs) == 0 {
		return "none"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(s, " / ") + " MiB"
}
