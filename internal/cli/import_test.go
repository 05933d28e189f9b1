package cli_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/cli"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

// openArgs opens the database dbArgs points at.
func openArgs(t *testing.T, args []string) *db.DB {
	t.Helper()
	var opts db.Options
	if args[0] == "--db" {
		opts.URL = args[1]
	} else {
		opts.DataDir = args[1]
	}
	d, err := db.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func count(t *testing.T, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// peopleFile writes n contacts with unique names and e-mails, phones in
// several formats, accounts and tags. (Names must differ: two contacts
// with the same name are likely duplicates, which the import skips.)
func peopleFile(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "First Name,Last Name,Email,Phone,Company,Tags")
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := []byte{byte('A' + rnd.IntN(26))}
		for range 6 {
			b = append(b, byte('a'+rnd.IntN(26)))
		}
		return string(b)
	}
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+1 415 %03d %04d", 200+i/10000, i%10000)
		if i%2 == 1 {
			phone = fmt.Sprintf("(415) %03d-%04d", 200+i/10000, i%10000)
		}
		fmt.Fprintf(w, "%s,%s,p%06d@example.com,%s,Company %d,tag%d\n", word(), word(), i, phone, i%50, i%5)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestImportCommand: the summary, the exit codes and the report.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	base := dbArgs(t)
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123"}, base...)...); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "c.csv")
	os.WriteFile(file, []byte("Email,First Name,Company\nok@x.example,Ok,Co\nbad-email,Bad,Co\nok2@x.example,Okay,Co\n"), 0o644)
	// A dry run writes nothing and says so.
	out, _, err := run(t, ctx, append([]string{"import", "contacts", file, "--dry-run", "--create-accounts", "--quiet"}, base...)...)
	if err != nil || !strings.Contains(out, "dry run (nothing written)") || !strings.Contains(out, "rows: 3 read, 2 created, 0 updated, 0 unchanged, 0 skipped, 1 rejected") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	d := openArgs(t, base)
	if n := count(t, d, "SELECT COUNT(*) FROM contacts"); n != 0 {
		t.Fatalf("the dry run wrote %d contacts", n)
	}
	// It ran, with a rejected row: exit 0, the errors on stderr.
	out, errOut, err := run(t, ctx, append([]string{"import", "contacts", file, "--create-accounts", "--quiet"}, base...)...)
	if cli.ExitCode(err) != 0 || !strings.Contains(out, "2 created") || !strings.Contains(errOut, `row 2 (line 3) column "Email" ("bad-email")`) {
		t.Fatalf("import: %q %q %v", out, errOut, err)
	}
	// --fail-on-error makes rejected rows a non-zero exit (2); the report
	// file has them.
	report := filepath.Join(t.TempDir(), "report.csv")
	out, _, err = run(t, ctx, append([]string{"import", "contacts", file, "--mode", "upsert", "--key", "email", "--fail-on-error", "--report", report, "--quiet"}, base...)...)
	if cli.ExitCode(err) != cli.ExitRejected || !strings.Contains(out, "0 created, 0 updated, 2 unchanged") {
		t.Fatalf("--fail-on-error: %q %v (exit %d)", out, err, cli.ExitCode(err))
	}
	rep, _ := os.ReadFile(report)
	if !strings.Contains(string(rep), "2,3,error,Email,bad-email,") {
		t.Fatalf("report %q", rep)
	}
	// Could not run at all: exit 1 with a clear message.
	empty := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "contacts", empty}, "file is empty"},
		{[]string{"import", "contacts", filepath.Join(t.TempDir(), "missing.csv")}, "no such file"},
		{[]string{"import", "unicorns", file}, "object"},
		{[]string{"import", "contacts", file, "--mode", "upsert"}, "key"},
		{[]string{"import", "contacts", file, "--map", "nope"}, "template"},
		{[]string{"import", "contacts", file, "--workspace", "Nope"}, "no workspace"},
		{[]string{"import", "contacts", file, "--as", "who@x.example"}, "no user"},
		{[]string{"import", "--resume", "01900000-0000-7000-8000-000000000000"}, "not found"},
		{[]string{"import", "contacts"}, "give OBJECT and FILE"},
	} {
		_, _, err := run(t, ctx, append(tc.args, base...)...)
		if cli.ExitCode(err) != cli.ExitFailed || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
			t.Errorf("%v: %v (exit %d), want %q", tc.args, err, cli.ExitCode(err), tc.want)
		}
	}
}

// TestImportKill9 builds the real binary, kills a running import with
// SIGKILL in the middle, and checks that no record is half written and
// that --resume finishes the import without importing a row twice.
func TestImportKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "rapport")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/rapport")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	base := dbArgs(t)
	if out, err := exec.Command(bin, append([]string{"setup", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123"}, base...)...).CombinedOutput(); err != nil {
		t.Fatalf("setup: %v %s", err, out)
	}
	const rows = 40000
	file := peopleFile(t, rows)
	cmd := exec.Command(bin, append([]string{"import", "contacts", file, "--create-accounts", "--chunk", "500"}, base...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The import's id is on the first line of standard error.
	sc := bufio.NewScanner(stderr)
	sc.Split(bufio.ScanWords)
	var id string
	for sc.Scan() {
		if w := strings.TrimSuffix(sc.Text(), ":"); len(w) == 36 && strings.Count(w, "-") == 4 {
			id = w
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if id == "" {
		cmd.Process.Kill()
		t.Fatal("no import id on standard error")
	}
	d := openArgs(t, base)
	deadline := time.Now().Add(2 * time.Minute)
	var at int64
	for time.Now().Before(deadline) {
		at = count(t, d, "SELECT checkpoint FROM imports WHERE id = ?", id)
		if at >= 3000 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the import was not killed: %v", err)
	}
	killedAt := count(t, d, "SELECT checkpoint FROM imports WHERE id = ?", id)
	if killedAt < 3000 || killedAt >= rows {
		t.Fatalf("killed at row %d (of %d): not in the middle", killedAt, rows)
	}
	var status string
	d.QueryRow(ctx, "SELECT status FROM imports WHERE id = ?", id).Scan(&status)
	if status != "running" {
		t.Fatalf("status after kill -9: %s", status)
	}
	// Nothing half written: exactly the committed rows' records, each
	// with its history, search terms, duplicate keys and import record.
	contacts := count(t, d, "SELECT COUNT(*) FROM contacts")
	if created := count(t, d, "SELECT rows_created FROM imports WHERE id = ?", id); contacts != created || contacts != killedAt {
		t.Fatalf("%d contacts, %d counted as created, checkpoint %d", contacts, created, killedAt)
	}
	// (Each as one set built once: a correlated look-up per contact would
	// walk a table per row.)
	for what, q := range map[string]string{
		"history":     "SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM record_changes WHERE object = 'contacts' AND action = 'create')",
		"keys":        "SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM match_keys WHERE object = 'contacts')",
		"search":      "SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM search_docs WHERE object = 'contacts')",
		"undo record": "SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM import_records WHERE object = 'contacts')",
		"tags":        "SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT contact_id FROM contact_tags)",
	} {
		if n := count(t, d, q); n != 0 {
			t.Errorf("%d contacts without %s", n, what)
		}
	}
	// --resume goes on from the checkpoint to the end.
	out, err := exec.Command(bin, append([]string{"import", "--resume", id, "--quiet"}, base...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("rows: %d read, %d created", rows, rows)) {
		t.Fatalf("resume summary: %s", out)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM contacts"); n != rows {
		t.Fatalf("%d contacts after resume, want %d", n, rows)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM (SELECT email FROM contacts GROUP BY email HAVING COUNT(*) > 1) x"); n != 0 {
		t.Fatalf("%d e-mails imported twice", n)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM accounts"); n != 50 {
		t.Fatalf("%d accounts, want 50", n)
	}
	// The same file again, upserting on e-mail: nothing new.
	out, err = exec.Command(bin, append([]string{"import", "contacts", file, "--mode", "upsert", "--key", "email", "--quiet"}, base...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("%d read, 0 created, 0 updated, %d unchanged", rows, rows)) {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM contacts"); n != rows {
		t.Fatalf("%d contacts after re-running the file", n)
	}
	_ = dbtest.Dialect
}
