package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/match"
)

// ImportsConfig says how large a file the import benchmark generates.
type ImportsConfig struct {
	Config
	Rows   int
	PGRows int // rows of the PostgreSQL figures (the first of the file); Rows when 0
	Seed   int64
	Chunk  int // rows per transaction of the import and of the floor
}

// The import figures' targets, from the import issue.
const (
	TargetImportSQLite   = 50000.0 // rows/s
	TargetImportPostgres = 30000.0 // rows/s
	TargetImportRSS      = 300.0   // MiB
)

// RunImports generates a contacts CSV (names in English, Spanish and
// Chinese, e-mails, phones in mixed formats, account names, tags) and
// imports it with `rapport import` on SQLite and on PostgreSQL, end to
// end, sampling the process's peak memory. The floor, in the same run,
// inserts the very rows the import wrote into the same tables of a copy
// of the database as it was before the import, with one prepared
// single-row INSERT per table, in transactions of the same number of
// rows, in the order the import wrote them.
func RunImports(ctx context.Context, cfg ImportsConfig) (*Report, error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 2000
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("rapport binary: %w (build it with make build)", err)
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-imports-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r := &runner{cfg: cfg.Config, tmp: tmp}
	r.rep = &Report{Section: "imports", Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(ctx, cfg.Bin)}
	csvPath := filepath.Join(tmp, "contacts.csv")
	r.logf("generating %d contacts into %s", cfg.Rows, csvPath)
	size, err := ContactsCSV(csvPath, cfg.Rows, cfg.Seed)
	if err != nil {
		return nil, err
	}
	r.logf("%.1f MiB of CSV", float64(size)/mib)

	sq := &instance{label: "SQLite", dataDir: filepath.Join(tmp, "sqlite")}
	floor := &instance{label: "SQLite floor", dataDir: filepath.Join(tmp, "sqlite-floor")}
	if err := r.importFigures(ctx, cfg, csvPath, sq, floor, nil); err != nil {
		return nil, err
	}
	os.RemoveAll(sq.dataDir)
	os.RemoveAll(floor.dataDir)
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
	dbURL, err := cl.CreateDatabase(ctx, "rapport_imports")
	if err != nil {
		return nil, err
	}
	pg := &instance{label: "PostgreSQL", dataDir: filepath.Join(tmp, "pgdata"), dbURL: dbURL}
	pgFloor := &instance{label: "PostgreSQL floor", dataDir: filepath.Join(tmp, "pgdata-floor")}
	if cfg.PGRows > 0 && cfg.PGRows < cfg.Rows {
		// The same generator and seed: the first PGRows rows of the file.
		cfg.Rows = cfg.PGRows
		csvPath = filepath.Join(tmp, "contacts-pg.csv")
		if _, err := ContactsCSV(csvPath, cfg.Rows, cfg.Seed); err != nil {
			return nil, err
		}
	}
	if err := r.importFigures(ctx, cfg, csvPath, pg, pgFloor, cl); err != nil {
		return nil, err
	}
	return r.rep, nil
}

var summaryRe = regexp.MustCompile(`rows: (\d+) read, (\d+) created, (\d+) updated, (\d+) unchanged, (\d+) skipped, (\d+) rejected`)

func (r *runner) importFigures(ctx context.Context, cfg ImportsConfig, csvPath string, in, floor *instance, cl *Cluster) error {
	label := in.label
	setup := append([]string{"setup"}, in.args()...)
	setup = append(setup, "--workspace", Workspace, "--email", Email, "--password", Password)
	if _, err := runCommand(ctx, 5*time.Minute, nil, r.cfg.Bin, setup...); err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	// The floor's database: the import's as it is now, before the import.
	if cl == nil {
		if err := copySQLite(in.dataDir, floor.dataDir); err != nil {
			return err
		}
		if err := copySQLite(in.dataDir, floor.dataDir+".orig"); err != nil {
			return err
		}
		defer os.RemoveAll(floor.dataDir + ".orig")
	} else {
		for _, name := range []string{"rapport_floor", "rapport_floor_orig"} {
			if err := cl.exec(ctx, "CREATE DATABASE "+name+" TEMPLATE rapport_imports"); err != nil {
				return fmt.Errorf("%s: copy the database: %w", label, err)
			}
		}
		u := strings.Replace(in.dbURL, "/rapport_imports", "/rapport_floor", 1)
		floor.dbURL = u
	}
	r.logf("%s: rapport import contacts (%d rows)", label, cfg.Rows)
	args := append([]string{"import", "contacts", csvPath, "--create-accounts", "--duplicates", "create", "--quiet", "--chunk", strconv.Itoa(cfg.Chunk)}, in.args()...)
	res, err := runMeasured(ctx, r.cfg.Bin, args...)
	if err != nil {
		return fmt.Errorf("%s import: %w", label, err)
	}
	m := summaryRe.FindStringSubmatch(res.stdout)
	if m == nil {
		return fmt.Errorf("%s import printed no summary: %s", label, res.stdout)
	}
	read, _ := strconv.Atoi(m[1])
	created, _ := strconv.Atoi(m[2])
	rejected, _ := strconv.Atoi(m[6])
	if read != cfg.Rows {
		return fmt.Errorf("%s import read %d rows of %d: %s", label, read, cfg.Rows, res.stdout)
	}
	rate := float64(cfg.Rows) / res.wall.Seconds()
	r.logf("%s: %d rows in %s: %.0f rows/s, peak RSS %.0f MiB", label, cfg.Rows, res.wall.Round(time.Millisecond), rate, float64(res.peak)/mib)

	r.logf("%s: the floor, the same rows by plain prepared INSERTs", label)
	fl, err := importFloor(ctx, in, floor, cfg.Chunk, false)
	if err != nil {
		return fmt.Errorf("%s floor: %w", label, err)
	}
	floorRate := float64(cfg.Rows) / fl.took.Seconds()
	r.logf("%s floor: %d table rows in %s: %.0f contacts/s", label, fl.rows, fl.took.Round(time.Millisecond), floorRate)
	// A stricter floor: the same rows by multi-row INSERTs, the fastest
	// way plain SQL has, into a second copy.
	if err := emptyFloor(ctx, floor, cl, in); err != nil {
		return err
	}
	r.logf("%s: the stricter floor, the same rows by multi-row INSERTs", label)
	fm, err := importFloor(ctx, in, floor, cfg.Chunk, true)
	if err != nil {
		return fmt.Errorf("%s multi-row floor: %w", label, err)
	}
	multiRate := float64(cfg.Rows) / fm.took.Seconds()
	r.logf("%s multi-row floor: %d table rows in %s: %.0f contacts/s", label, fm.rows, fm.took.Round(time.Millisecond), multiRate)
	target := TargetImportSQLite
	if cl != nil {
		target = TargetImportPostgres
	}
	r.logf("%s: the bound, the imported contacts alone copied inside the database", label)
	bound, took, err := contactsAlone(ctx, in, floor)
	if err != nil {
		return fmt.Errorf("%s contacts alone: %w", label, err)
	}
	r.logf("%s bound: %d contacts in %s", label, bound, took.Round(time.Millisecond))
	r.add(Figure{Key: "imports." + in.db() + ".rate", Name: fmt.Sprintf("%s import of %d contacts from CSV, end to end", label, cfg.Rows), Value: ptr(rate), Unit: "rows/s",
		Floor: ptr(floorRate), FloorUnit: "rows/s", FloorName: "prepared INSERTs of the same rows",
		Notes: fmt.Sprintf("target ≥ %.0f rows/s; %s for %d rows (%d created, %d rejected; accounts and tags created too), %d table rows written (%.1f per contact: the record, history, search terms, duplicate keys, memberships, tags, undo records); floor %s; chunks of %d rows; user %s, sys %s",
			target, res.wall.Round(time.Millisecond), cfg.Rows, created, rejected, fl.rows, float64(fl.rows)/float64(cfg.Rows), fl.took.Round(time.Millisecond), cfg.Chunk,
			res.user.Round(time.Millisecond), res.sys.Round(time.Millisecond))})
	r.add(Figure{Key: "imports." + in.db() + ".rate.multirow", Name: fmt.Sprintf("%s import of %d contacts from CSV, end to end, beside multi-row INSERTs", label, cfg.Rows), Value: ptr(rate), Unit: "rows/s",
		Floor: ptr(multiRate), FloorUnit: "rows/s", FloorName: "multi-row INSERTs of the same rows",
		Notes: fmt.Sprintf("the same import beside a stricter floor: the same %d table rows by multi-row INSERT statements of up to 500 rows (as the import writes them), prepared once per transaction, in %s", fm.rows, fm.took.Round(time.Millisecond))})
	r.add(Figure{Key: "imports." + in.db() + ".peak_rss", Name: fmt.Sprintf("%s import of %d contacts: peak RSS of the rapport import process", label, cfg.Rows), Value: ptr(float64(res.peak) / mib), Unit: "MiB",
		Notes: fmt.Sprintf("target ≤ %.0f MiB; VmHWM read from /proc every 100 ms", TargetImportRSS)})
	r.add(Figure{Key: "imports." + in.db() + ".contacts_alone", Name: fmt.Sprintf("%s: the %d imported contacts alone, copied inside the database into the contacts table", label, bound),
		Value: ptr(float64(bound) / took.Seconds()), Unit: "rows/s",
		Notes: fmt.Sprintf("for information, a bound on any importer with this schema: INSERT … SELECT * of the imported contacts into the contacts table (its indexes, nothing else: no accounts, history, search, duplicate keys, tags or undo records; no parsing; no driver) of the database as it was before the import, in one transaction; %s; the import's target is ≥ %.0f rows/s", took.Round(time.Millisecond), target)})
	return nil
}

type measured struct {
	stdout, stderr string
	wall           time.Duration
	user, sys      time.Duration
	peak           int64 // bytes: VmHWM, the kernel's high-water mark of the resident size
	peakAnon       int64 // bytes: the largest RssAnon sampled (the process's own memory, no file pages); 0 when the process ended before the first sample
}

// runMeasured runs bin to its end, sampling its peak resident memory
// every 100 ms.
func runMeasured(ctx context.Context, bin string, args ...string) (*measured, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak, anon int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			wall := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
			}
			m := &measured{stdout: out.String(), stderr: errb.String(), wall: wall, peak: peak, peakAnon: anon}
			if st := cmd.ProcessState; st != nil {
				// Not the rusage's ru_maxrss: os/exec starts the child
				// with vfork, and at its exec Linux records the mm it
				// leaves — this process's — in the child's maxrss, so
				// that figure is never below this process's own peak
				// (a child /bin/true reports 402 MiB under a parent
				// holding 400). VmHWM, the child's own high-water mark,
				// sampled every 100 ms, misses at most the growth of
				// its last 100 ms.
				m.user, m.sys = st.UserTime(), st.SystemTime()
			}
			return m, nil
		case <-tick.C:
			if st, err := procStatus(cmd.Process.Pid); err == nil {
				peak = max(peak, st["VmHWM"])
				anon = max(anon, st["RssAnon"])
			}
		}
	}
}

// procStatus reads the "kB" lines of /proc/PID/status ("VmHWM:  1234
// kB"), in bytes, by name.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	return parseProcStatus(b), nil
}

func parseProcStatus(b []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(rest)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[key] = kb * 1024
		}
	}
	return out
}

// emptyFloor makes the floor's database again what the import's was
// before the import, for the second floor.
func emptyFloor(ctx context.Context, floor *instance, cl *Cluster, in *instance) error {
	if cl == nil {
		if err := os.RemoveAll(floor.dataDir); err != nil {
			return err
		}
		return copySQLite(floor.dataDir+".orig", floor.dataDir)
	}
	if err := cl.exec(ctx, "DROP DATABASE rapport_floor WITH (FORCE)"); err != nil {
		return err
	}
	return cl.exec(ctx, "CREATE DATABASE rapport_floor TEMPLATE rapport_floor_orig")
}

// contactsAlone copies the contacts the import wrote, inside the
// database, into the contacts table as it was before the import — with
// its indexes and nothing else — and times it: on SQLite into the
// pre-import copy (floor.dataDir + ".orig", with the import's database
// attached), on PostgreSQL into a new table made LIKE contacts
// INCLUDING ALL (its indexes, defaults and checks) in the import's
// database, dropped afterwards.
func contactsAlone(ctx context.Context, in, floor *instance) (int64, time.Duration, error) {
	var (
		d      *db.DB
		err    error
		insert = "INSERT INTO main.contacts SELECT * FROM imp.contacts"
	)
	if in.dbURL == "" {
		if d, err = db.Open(ctx, db.Options{DataDir: floor.dataDir + ".orig"}); err != nil {
			return 0, 0, err
		}
		defer d.Close()
		// The foreign keys stay as on any writer: the accounts the
		// contacts name are not in this copy, so they are not checked.
		if _, err := d.Exec(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return 0, 0, err
		}
		if _, err := d.Exec(ctx, "ATTACH DATABASE ? AS imp", filepath.Join(in.dataDir, "rapport.db")); err != nil {
			return 0, 0, err
		}
	} else {
		if d, err = db.Open(ctx, db.Options{URL: in.dbURL}); err != nil {
			return 0, 0, err
		}
		defer d.Close()
		if _, err := d.Exec(ctx, "CREATE TABLE bound_contacts (LIKE contacts INCLUDING ALL)"); err != nil {
			return 0, 0, err
		}
		defer d.Exec(context.WithoutCancel(ctx), "DROP TABLE bound_contacts")
		insert = "INSERT INTO bound_contacts SELECT * FROM contacts"
	}
	t0 := time.Now()
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	res, err := tx.Exec(ctx, insert)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	took := time.Since(t0)
	n, err := res.RowsAffected()
	return n, took, err
}

// copySQLite copies a closed SQLite data directory's database.
func copySQLite(from, to string) error {
	if err := os.MkdirAll(to, 0o750); err != nil {
		return err
	}
	for _, name := range []string{"rapport.db", "rapport.db-wal"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o640); err != nil {
			return err
		}
	}
	return nil
}

// ContactsCSV writes n contacts made by the demo generator (names,
// companies and cities in English, Spanish and Chinese, about 2% planted
// duplicates) as a CSV file an export of another CRM could be: two
// e-mail columns, a phone and a mobile in mixed international formats,
// the company's name, a job title, a city and country, and tags. It
// returns the file's size.
func ContactsCSV(path string, n int, seed int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	g := demo.New(demo.Config{Seed: seed, Accounts: max(1, n/20), Contacts: n})
	fmt.Fprintln(w, "First Name,Middle Name,Last Name,E-mail Address,E-mail 2 Address,Business Phone,Mobile Phone,Company,Job Title,City,Country,Tags")
	tags := []string{"vip", "newsletter", "cliente", "proveedor", "重要客户", "partner", "evento 2025", "展会"}
	for i := 0; i < n; i++ {
		c := g.Contact(i)
		acc := g.Account(c.AccountIndex)
		t := tags[i%len(tags)]
		if i%3 == 0 {
			t += "; " + tags[(i/3)%len(tags)]
		}
		rec := []string{c.Given, c.Middle, c.Family, c.Email, c.Email2, mixedPhone(c.Phone, c.Address.Country, i), mixedPhone(c.Mobile, c.Address.Country, i+1),
			acc.Name, c.JobTitle, c.Address.City, c.Address.Country, t}
		for j, v := range rec {
			if j > 0 {
				w.WriteByte(',')
			}
			if strings.ContainsAny(v, ",\"\n\r") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			w.WriteString(v)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// mixedPhone writes a phone number typed in its country in one of
// several international forms (the workspace reads national forms in its
// own region only): "+34912345678", "+34 912 345 678", "0034 912345678",
// or, for US numbers, "(415) 555-0100".
func mixedPhone(text, country string, i int) string {
	if text == "" {
		return ""
	}
	e, err := match.NormalizePhone(text, country)
	if err != nil {
		return text
	}
	if country == "US" && i%4 == 3 {
		return text
	}
	switch i % 3 {
	case 0:
		return e
	case 1:
		// Country code, then groups of three digits.
		cc := 2
		if strings.HasPrefix(e, "+1") || strings.HasPrefix(e, "+7") {
			cc = 1
		}
		var b strings.Builder
		b.WriteString(e[:cc+1])
		rest := e[cc+1:]
		for len(rest) > 0 {
			k := min(3, len(rest))
			b.WriteString(" " + rest[:k])
			rest = rest[k:]
		}
		return b.String()
	default:
		return "00" + e[1:3] + " " + e[3:]
	}
}

type floorResult struct {
	rows int64
	took time.Duration
}

// importFloor inserts the rows the import wrote into the floor's copy of
// the database as it was before: table by table within each chunk of the
// import's rows, in row order, one prepared single-row INSERT per table,
// a transaction per chunk. Reading the rows out of the import's database
// is not timed.
func importFloor(ctx context.Context, in, floor *instance, chunk int, multi bool) (*floorResult, error) {
	src, err := db.Open(ctx, db.Options{URL: in.dbURL, DataDir: in.dataDir})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := db.Open(ctx, db.Options{URL: floor.dbURL, DataDir: floor.dataDir})
	if err != nil {
		return nil, err
	}
	defer dst.Close()

	var raw, wsRaw any
	if err := src.QueryRow(ctx, "SELECT id, workspace_id FROM imports ORDER BY created_at DESC LIMIT 1").Scan(&raw, &wsRaw); err != nil {
		return nil, fmt.Errorf("find the import: %w", err)
	}
	id := text(raw)
	cp := &copier{src: src, dst: dst, cols: map[string][]column{}, multi: multi, ws: text(wsRaw)}
	// The batch's own row, which import_records refer to: not timed.
	if err := cp.copyUntimed(ctx, "imports", "id = ?", id); err != nil {
		return nil, err
	}
	res := &floorResult{}
	var last int64
	for {
		type item struct{ object, id string }
		rows, err := src.Query(ctx, "SELECT row_num, object, record_id FROM import_records WHERE import_id = ? AND row_num > ? AND row_num <= ? ORDER BY row_num", id, last, last+int64(chunk))
		if err != nil {
			return nil, err
		}
		byObj := map[string][]any{}
		n := 0
		for rows.Next() {
			var rn int64
			var obj string
			var rid any
			if err := rows.Scan(&rn, &obj, &rid); err != nil {
				rows.Close()
				return nil, err
			}
			byObj[obj] = append(byObj[obj], text(rid))
			n++
		}
		rows.Close()
		var more int
		if err := src.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM import_records WHERE import_id = ? AND row_num > ? LIMIT 1) x", id, last+int64(chunk)).Scan(&more); err != nil {
			return nil, err
		}
		if n > 0 {
			batch, err := cp.gather(ctx, id, last, last+int64(chunk), byObj)
			if err != nil {
				return nil, err
			}
			took, k, err := cp.insert(ctx, batch)
			if err != nil {
				return nil, err
			}
			res.took += took
			res.rows += k
		}
		last += int64(chunk)
		if more == 0 {
			break
		}
	}
	// The vocabulary of name words, in chunks.
	vocab, err := cp.fetch(ctx, "search_vocab", "1 = 1")
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(vocab.rows); start += chunk * 2 {
		took, k, err := cp.insert(ctx, []tableRows{{table: "search_vocab", cols: vocab.cols, rows: vocab.rows[start:min(start+chunk*2, len(vocab.rows))]}})
		if err != nil {
			return nil, err
		}
		res.took += took
		res.rows += k
	}
	return res, nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	}
	return fmt.Sprint(v)
}

type column struct{ name, typ string }

type tableRows struct {
	table string
	cols  []column
	rows  [][]any
}

// copier moves rows between two Rapport databases of one dialect. On
// PostgreSQL every value travels as text and is cast back by the
// column's type, so no driver type is in the way.
type copier struct {
	src, dst *db.DB
	cols     map[string][]column
	multi    bool   // multi-row INSERTs, else one row per INSERT
	ws       string // the workspace the import wrote into
}

func (c *copier) columns(ctx context.Context, table string) ([]column, error) {
	if cs, ok := c.cols[table]; ok {
		return cs, nil
	}
	var q string
	if c.src.Dialect == db.Postgres {
		// Generated columns and identities are the database's to fill.
		q = "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? AND is_generated = 'NEVER' AND is_identity = 'NO' ORDER BY ordinal_position"
	} else {
		q = "SELECT name, type FROM pragma_table_info(?) ORDER BY cid"
	}
	rows, err := c.src.Query(ctx, q, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []column
	for rows.Next() {
		var col column
		if err := rows.Scan(&col.name, &col.typ); err != nil {
			return nil, err
		}
		cs = append(cs, col)
	}
	c.cols[table] = cs
	return cs, rows.Err()
}

func (c *copier) fetch(ctx context.Context, table, where string, args ...any) (*tableRows, error) {
	return c.fetchFrom(ctx, table, table, "", where, args...)
}

// fetchFrom reads rows of table from a FROM clause in which the table's
// columns are those of alias ("t." for a join).
func (c *copier) fetchFrom(ctx context.Context, table, from, alias, where string, args ...any) (*tableRows, error) {
	cs, err := c.columns(ctx, table)
	if err != nil {
		return nil, err
	}
	sel := make([]string, len(cs))
	for i, col := range cs {
		sel[i] = alias + col.name
		if c.src.Dialect == db.Postgres {
			sel[i] = alias + col.name + "::text"
		}
	}
	rows, err := c.src.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+from+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	out := &tableRows{table: table, cols: cs}
	for rows.Next() {
		vals := make([]any, len(cs))
		ptrs := make([]any, len(cs))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out.rows = append(out.rows, vals)
	}
	return out, rows.Err()
}

func (c *copier) copyUntimed(ctx context.Context, table, where string, args ...any) error {
	t, err := c.fetch(ctx, table, where, args...)
	if err != nil {
		return err
	}
	_, _, err = c.insert(ctx, []tableRows{*t})
	return err
}

func marks(ids []any) string { return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") }

// gather reads what one chunk of the import wrote, in the order the
// import writes it.
func (c *copier) gather(ctx context.Context, importID string, from, to int64, byObj map[string][]any) ([]tableRows, error) {
	var out []tableRows
	add := func(table, where string, args ...any) error {
		t, err := c.fetch(ctx, table, where, args...)
		if err != nil {
			return err
		}
		if len(t.rows) > 0 {
			out = append(out, *t)
		}
		return nil
	}
	for _, obj := range []string{"tags", "accounts", "contacts"} {
		ids := byObj[obj]
		if len(ids) == 0 {
			continue
		}
		for start := 0; start < len(ids); start += 500 {
			part := ids[start:min(start+500, len(ids))]
			if err := add(obj, "id IN ("+marks(part)+")", part...); err != nil {
				return nil, err
			}
		}
	}
	// By the workspace first, so each look-up runs on its index.
	for _, obj := range []string{"tags", "accounts", "contacts"} {
		ids := byObj[obj]
		for start := 0; start < len(ids); start += 500 {
			part := ids[start:min(start+500, len(ids))]
			byRecord := append([]any{c.ws, obj}, part...)
			byContact := append([]any{c.ws}, part...)
			if obj == "contacts" {
				if err := add("contact_tags", "workspace_id = ? AND contact_id IN ("+marks(part)+")", byContact...); err != nil {
					return nil, err
				}
			}
			if err := add("record_changes", "workspace_id = ? AND object = ? AND record_id IN ("+marks(part)+")", byRecord...); err != nil {
				return nil, err
			}
			if obj == "contacts" {
				if err := add("account_contacts", "workspace_id = ? AND contact_id IN ("+marks(part)+")", byContact...); err != nil {
					return nil, err
				}
			}
			if obj != "tags" {
				if err := add("search_docs", "workspace_id = ? AND object = ? AND record_id IN ("+marks(part)+")", byRecord...); err != nil {
					return nil, err
				}
				if err := add("match_keys", "workspace_id = ? AND object = ? AND record_id IN ("+marks(part)+")", byRecord...); err != nil {
					return nil, err
				}
				if err := add("match_key_sets", "workspace_id = ? AND object = ? AND record_id IN ("+marks(part)+")", byRecord...); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := add("import_records", "import_id = ? AND row_num > ? AND row_num <= ?", importID, from, to); err != nil {
		return nil, err
	}
	return out, nil
}

// insert writes rows with one prepared single-row INSERT per table, in
// one transaction, and returns the time it took.
func (c *copier) insert(ctx context.Context, tables []tableRows) (time.Duration, int64, error) {
	t0 := time.Now()
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	var n int64
	if c.multi {
		if err := tx.DeferForeignKeys(ctx); err != nil {
			return 0, 0, err
		}
	}
	for _, t := range tables {
		names := make([]string, len(t.cols))
		vals := make([]string, len(t.cols))
		for i, col := range t.cols {
			names[i] = col.name
			vals[i] = "?"
			if c.dst.Dialect == db.Postgres {
				vals[i] = "CAST(? AS " + col.typ + ")"
			}
		}
		row := "(" + strings.Join(vals, ", ") + ")"
		if !c.multi {
			q := "INSERT INTO " + t.table + " (" + strings.Join(names, ", ") + ") VALUES " + row
			for _, r := range t.rows {
				if _, err := tx.ExecPrepared(ctx, q, r...); err != nil {
					return 0, 0, fmt.Errorf("insert into %s: %w", t.table, err)
				}
				n++
			}
			continue
		}
		per := max(1, min(500, 30000/len(t.cols)))
		var args []any
		for start := 0; start < len(t.rows); start += per {
			end := min(start+per, len(t.rows))
			args = args[:0]
			for _, r := range t.rows[start:end] {
				args = append(args, r...)
			}
			q := tx.BulkInsert() + t.table + " (" + strings.Join(names, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", end-start), ",")
			if _, err := tx.ExecPrepared(ctx, q, args...); err != nil {
				return 0, 0, fmt.Errorf("insert into %s: %w", t.table, err)
			}
			n += int64(end - start)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return time.Since(t0), n, nil
}

// FloorOnly measures both floors again on what an interrupted import
// benchmark left in dir (its SQLite import and the copy of the database
// from before it), printing the figures: a tool to check the floor, not
// a report.
func FloorOnly(ctx context.Context, dir string, chunk int, w io.Writer) error {
	in := &instance{label: "SQLite", dataDir: filepath.Join(dir, "sqlite")}
	floor := &instance{label: "SQLite floor", dataDir: filepath.Join(dir, "sqlite-floor")}
	var rows int64
	src, err := db.Open(ctx, db.Options{DataDir: in.dataDir})
	if err != nil {
		return err
	}
	err = src.QueryRow(ctx, "SELECT rows_done FROM imports ORDER BY created_at DESC LIMIT 1").Scan(&rows)
	src.Close()
	if err != nil {
		return err
	}
	for _, multi := range []bool{false, true} {
		if err := emptyFloor(ctx, floor, nil, in); err != nil {
			return err
		}
		fl, err := importFloor(ctx, in, floor, chunk, multi)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "multi-row %v: %d table rows in %s: %.0f contacts/s\n", multi, fl.rows, fl.took.Round(time.Millisecond), float64(rows)/fl.took.Seconds())
	}
	return nil
}
