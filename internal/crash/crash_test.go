package crash_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/cli"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

// TestMain doubles as the rapport command: the test starts its own
// binary with RAPPORT_CRASH_CHILD=1 to run `rapport serve` and `rapport
// import` as processes it can kill, without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("RAPPORT_CRASH_CHILD") == "1" {
		if err := cli.New("crash-test", os.Stdout, os.Stderr).Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "rapport:", err)
			os.Exit(cli.ExitCode(err))
		}
		os.Exit(0)
	}
	dbtest.Main(m)
}

// child returns a command running rapport with args.
func child(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "RAPPORT_CRASH_CHILD=1", "RAPPORT_LOG_LEVEL=warn")
	return cmd
}

func runChild(t *testing.T, args ...string) string {
	t.Helper()
	out, err := child(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("rapport %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// crashRuns is how many times the server or the importer is killed:
// RAPPORT_CRASH_RUNS (make crash sets 50), else a handful for CI.
func crashRuns() int {
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_CRASH_RUNS")); err == nil && n > 0 {
		return n
	}
	return 4
}

// crashSeed is RAPPORT_CRASH_SEED, to replay a failed run, else the time.
func crashSeed() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("RAPPORT_CRASH_SEED"), 10, 64); err == nil {
		return n
	}
	return uint64(time.Now().UnixNano())
}

// ack is a write the server acknowledged.
type ack struct {
	id, name, title string
	version         int64
}

// TestCrash kills -9 the server at random moments while clients write
// through the API, and the importer at random moments of an import, again
// and again. After each kill the database passes its integrity check,
// every acknowledged write is there as it was acknowledged, and nothing
// is half written (a record's version matches the change sets of its
// history; an import's rows, undo records and checkpoint agree); an
// interrupted import resumes to the end without a row twice. The kill
// moments come from a seeded RNG; the seed is printed on failure and
// RAPPORT_CRASH_SEED replays it.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	seed := crashSeed()
	runs := crashRuns()
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with RAPPORT_CRASH_SEED=%d RAPPORT_CRASH_RUNS=%d", seed, runs)
		}
	})
	t.Logf("seed %d, %d kills", seed, runs)

	var base []string
	var opts db.Options
	dataDir := t.TempDir()
	if dbtest.Dialect() == db.Postgres {
		u := dbtest.URL(t)
		base = []string{"--db", u, "--files-dir", filepath.Join(dataDir, "files")}
		opts.URL = u
	} else {
		base = []string{"--data", dataDir}
		opts.DataDir = dataDir
	}
	runChild(t, append([]string{"setup", "--workspace", "Crash", "--email", "admin@crash.test", "--password", "crash-password"}, base...)...)
	token := strings.TrimSpace(runChild(t, append([]string{"token", "create", "--workspace", "Crash", "--email", "admin@crash.test", "--name", "crash"}, base...)...))

	var creates []ack           // every create acknowledged
	updates := map[string]ack{} // the last update acknowledged per record
	for run := range runs {
		start := time.Now()
		if run%2 == 0 {
			delay := time.Duration(50+rng.IntN(900)) * time.Millisecond
			c, u := crashServer(t, base, token, run, delay)
			creates = append(creates, c...)
			for id, a := range u {
				updates[id] = a
			}
			t.Logf("run %d: server killed after %v; %d creates and %d updates acknowledged", run, delay, len(c), len(u))
		} else {
			// An import of the file takes about a second: kill within it.
			delay := time.Duration(20+rng.IntN(700)) * time.Millisecond
			crashImport(t, base, opts, run, delay)
		}
		check(t, opts, dataDir, creates, updates, seed, run)
		t.Logf("run %d took %v", run, time.Since(start).Round(time.Millisecond))
	}
	if dbtest.Dialect() == db.Postgres {
		amcheck(t, opts.URL)
	}
}

// crashServer starts the server, lets four clients create and update
// contacts, kills the server after delay, and returns what was
// acknowledged.
func crashServer(t *testing.T, base []string, token string, run int, delay time.Duration) ([]ack, map[string]ack) {
	t.Helper()
	addr := freeAddr(t)
	cmd := child(append([]string{"serve", "--addr", addr}, base...)...)
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("run %d: the server did not start: %s", run, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var (
		mu      sync.Mutex
		creates []ack
		updates = map[string]ack{}
		wg      sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	send := func(method, path, etag string, body any) (int, http.Header, map[string]any, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, url+path, strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if etag != "" {
			req.Header.Set("If-Match", etag)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, nil, nil, err // cut off mid-answer: not acknowledged
		}
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			return 0, nil, nil, err
		}
		return res.StatusCode, res.Header, out, nil
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				name := fmt.Sprintf("R%dW%dN%d", run, w, n)
				status, h, rec, err := send("POST", "/api/v1/contacts", "", map[string]any{"given_name": name, "family_name": "Crash"})
				if err != nil {
					return
				}
				if status != 201 {
					t.Errorf("run %d: create answered %d: %v", run, status, rec)
					return
				}
				a := ack{id: rec["id"].(string), name: name, version: 1}
				mu.Lock()
				creates = append(creates, a)
				mu.Unlock()
				etag := h.Get("ETag")
				for k := range 3 {
					title := fmt.Sprintf("%s-t%d", name, k)
					status, h, rec, err := send("PATCH", "/api/v1/contacts/"+a.id, etag, map[string]any{"job_title": title})
					if err != nil {
						return
					}
					if status != 200 {
						t.Errorf("run %d: update answered %d: %v", run, status, rec)
						return
					}
					v, _ := rec["version"].(float64)
					mu.Lock()
					updates[a.id] = ack{id: a.id, name: name, title: title, version: int64(v)}
					mu.Unlock()
					etag = h.Get("ETag")
				}
			}
		}()
	}
	time.Sleep(delay) // the random moment of the kill, not a wait for a result
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("run %d: the server was not killed: %v\n%s", run, err, logs.String())
	}
	wg.Wait()
	return creates, updates
}

// crashImport imports a file of contacts with the rapport import command,
// kills it after delay, checks that exactly the committed chunks are in,
// then resumes it to the end.
func crashImport(t *testing.T, base []string, opts db.Options, run int, delay time.Duration) {
	t.Helper()
	const rows = 1000
	domain := fmt.Sprintf("run%d.example", run)
	file := filepath.Join(t.TempDir(), "people.csv")
	var b strings.Builder
	b.WriteString("Email,First Name,Last Name\n")
	for i := range rows {
		fmt.Fprintf(&b, "p%d@%s,Imported%d,Run%d\n", i, domain, i, run)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := child(append([]string{"import", "contacts", file, "--workspace", "Crash", "--duplicates", "create", "--chunk", "50", "--quiet"}, base...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ids := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Split(bufio.ScanWords)
		sent := false
		for sc.Scan() {
			if w := strings.TrimSuffix(sc.Text(), ":"); !sent && len(w) == 36 && strings.Count(w, "-") == 4 {
				ids <- w
				sent = true
			}
		}
		if !sent {
			close(ids)
		}
	}()
	var id string
	select {
	case id = <-ids:
	case <-time.After(60 * time.Second):
	}
	if id == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("run %d: no import id on standard error", run)
	}
	time.Sleep(delay) // the random moment of the kill
	_ = cmd.Process.Kill()
	err := cmd.Wait()
	killed := false
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
		killed = true
	} else if err != nil {
		t.Fatalf("run %d: the import failed on its own: %v", run, err)
	}
	d := open(t, opts)
	defer d.Close()
	var checkpoint, created, records, contacts int64
	var status string
	ctx := context.Background()
	if err := d.QueryRow(ctx, "SELECT status, checkpoint, rows_created FROM imports WHERE id = ?", id).Scan(&status, &checkpoint, &created); err != nil {
		t.Fatalf("run %d: import %s: %v", run, id, err)
	}
	d.QueryRow(ctx, "SELECT COUNT(*) FROM import_records WHERE import_id = ?", id).Scan(&records)
	d.QueryRow(ctx, "SELECT COUNT(*) FROM contacts WHERE email LIKE ?", "%@"+domain).Scan(&contacts)
	t.Logf("run %d: import killed %v after %v at row %d of %d (%s)", run, killed, delay, checkpoint, rows, status)
	if contacts != checkpoint || created != checkpoint || records != checkpoint || checkpoint%50 != 0 && checkpoint != rows {
		t.Fatalf("run %d: half written: checkpoint %d, %d contacts, %d counted created, %d undo records", run, checkpoint, contacts, created, records)
	}
	if checkpoint < rows {
		if status != "running" {
			t.Fatalf("run %d: killed mid-import with status %s", run, status)
		}
		out := runChild(t, append([]string{"import", "--resume", id, "--quiet"}, base...)...)
		if !strings.Contains(out, fmt.Sprintf("rows: %d read, %d created", rows, rows)) {
			t.Fatalf("run %d: resume: %s", run, out)
		}
	}
	var n, dup int64
	d.QueryRow(ctx, "SELECT COUNT(*) FROM contacts WHERE email LIKE ?", "%@"+domain).Scan(&n)
	d.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT email FROM contacts WHERE email LIKE ? GROUP BY email HAVING COUNT(*) > 1) x", "%@"+domain).Scan(&dup)
	if n != rows || dup != 0 {
		t.Fatalf("run %d: after resuming: %d contacts (want %d), %d e-mails twice", run, n, rows, dup)
	}
}

// check runs the integrity check and looks for every acknowledged write.
func check(t *testing.T, opts db.Options, dataDir string, creates []ack, updates map[string]ack, seed uint64, run int) {
	t.Helper()
	ctx := context.Background()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("run %d (seed %d): %s", run, seed, fmt.Sprintf(format, args...))
	}
	if opts.URL == "" {
		// Opened read-write: the first connection after a crash recovers
		// the write-ahead log.
		if err := integrity(filepath.Join(dataDir, "rapport.db")); err != nil {
			fail("%v", err)
		}
	}
	d := open(t, opts)
	defer d.Close()
	rows, err := d.Query(ctx, "SELECT id, given_name, COALESCE(job_title, ''), version FROM contacts")
	if err != nil {
		fail("%v", err)
	}
	type row struct {
		name, title string
		version     int64
	}
	have := map[string]row{}
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.name, &r.title, &r.version); err != nil {
			fail("%v", err)
		}
		have[id] = r
	}
	rows.Close()
	for _, a := range creates {
		r, ok := have[a.id]
		if !ok || r.name != a.name {
			fail("acknowledged contact %s (%s) is %+v, present %v", a.id, a.name, r, ok)
		}
	}
	for _, a := range updates {
		r := have[a.id]
		if r.version < a.version || (r.version == a.version && r.title != a.title) {
			fail("acknowledged update of %s to %q (version %d) lost: now %q version %d", a.id, a.title, a.version, r.title, r.version)
		}
	}
	// Nothing half written: a contact's version is the number of change
	// sets in its history (the write and its history commit together).
	var bad int64
	// (One aggregate joined once: a correlated count per contact would
	// walk the history table per row.)
	err = d.QueryRow(ctx, `SELECT COUNT(*) FROM contacts c LEFT JOIN (SELECT record_id, COUNT(DISTINCT change_set) AS n FROM record_changes WHERE object = 'contacts' GROUP BY record_id) h ON h.record_id = c.id WHERE c.version <> COALESCE(h.n, 0)`).Scan(&bad)
	if err != nil || bad != 0 {
		fail("%d contacts whose version disagrees with their history (%v)", bad, err)
	}
}

func integrity(path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	if err := c.Ping(); err != nil {
		c.Close()
		return err
	}
	c.Close()
	return backup.CheckSQLite(context.Background(), path)
}

// amcheck runs pg_amcheck (heap and B-tree checks) on the database.
func amcheck(t *testing.T, url string) {
	t.Helper()
	bin, err := backup.PGBin("pg_amcheck")
	if err != nil {
		t.Logf("pg_amcheck not found: %v", err)
		return
	}
	out, err := exec.Command(bin, "--install-missing", "--heapallindexed", url).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_amcheck: %v\n%s", err, out)
	}
}

func open(t *testing.T, opts db.Options) *db.DB {
	t.Helper()
	opts.MaxConns = 2
	d, err := db.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
