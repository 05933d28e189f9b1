package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/cli"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// dbArgs points a command at a fresh database of the dialect under test.
func dbArgs(t *testing.T) []string {
	t.Helper()
	if dbtest.Dialect() == db.Postgres {
		return []string{"--db", dbtest.URL(t)}
	}
	return []string{"--data", t.TempDir()}
}

func run(t *testing.T, ctx context.Context, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	c := cli.New("test-version", &out, &errb)
	c.SetArgs(args)
	err := c.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func TestSetupTokenAndServe(t *testing.T) {
	ctx := context.Background()
	base := dbArgs(t)
	out, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123"}, base...)...)
	if err != nil || !strings.Contains(out, `created workspace "Acme"`) {
		t.Fatalf("setup: %q, %v", out, err)
	}
	// A second workspace on the same server; a duplicate name is refused.
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Beta", "--email", "b@beta.test", "--password", "secret123"}, base...)...); err != nil {
		t.Fatalf("second workspace: %v", err)
	}
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "acme", "--email", "c@acme.test", "--password", "secret123"}, base...)...); err == nil || !strings.Contains(err.Error(), "workspace") {
		t.Fatalf("duplicate workspace: %v", err)
	}
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Short", "--email", "s@x.test", "--password", "short"}, base...)...); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password should be refused naming the field, got %v", err)
	}
	tok, _, err := run(t, ctx, append([]string{"token", "create", "--workspace", "Acme", "--email", "admin@acme.test", "--name", "ci"}, base...)...)
	if err != nil || !regexp.MustCompile(`^rpt_[A-Za-z0-9_-]{40,}\n$`).MatchString(tok) {
		t.Fatalf("token create printed %q, %v", tok, err)
	}
	token := strings.TrimSpace(tok)

	// serve: find the bound address in the log, use it, then stop it.
	pr, pw := io.Pipe()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		c := cli.New("test-version", io.Discard, pw)
		c.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0"}, base...))
		done <- c.ExecuteContext(sctx)
		pw.Close()
	}()
	addrCh := make(chan string, 1)
	logs := make(chan string, 1000)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`addr=http://(\S+)`)
		for sc.Scan() {
			line := sc.Text()
			select {
			case logs <- line:
			default:
			}
			if m := re.FindStringSubmatch(line); m != nil && strings.Contains(line, "rapport listening") {
				addrCh <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("serve exited early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start within 30 s")
	}
	get := func(path string, auth bool) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	if st, body, h := get("/healthz", false); st != 200 || body != "ok\n" || h.Get("X-Request-Id") == "" {
		t.Fatalf("/healthz: %d %q request id %q", st, body, h.Get("X-Request-Id"))
	}
	if st, _, _ := get("/readyz", false); st != 200 {
		t.Fatalf("/readyz: %d", st)
	}
	if st, body, _ := get("/api/v1/me", true); st != 200 || !strings.Contains(body, "admin@acme.test") {
		t.Fatalf("/api/v1/me with the CLI token: %d %s", st, body)
	}
	st, metrics, _ := get("/metrics", false)
	for _, want := range []string{`rapport_http_requests_total{route="GET /api/v1/me",status="200"} 1`, "rapport_http_request_duration_seconds_bucket", "go_sql_open_connections", "rapport_jobs_total"} {
		if st != 200 || !strings.Contains(metrics, want) {
			t.Fatalf("/metrics lacks %q", want)
		}
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after a graceful stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
	// The log reader may still hold the last lines when serve returns;
	// it ends when the pipe closes, after serve has written everything.
	<-scanned
	var sawStop bool
	for len(logs) > 0 {
		l := <-logs
		sawStop = sawStop || strings.Contains(l, "msg=stopped")
		if strings.Contains(l, token) {
			t.Fatal("a log line contains the API token")
		}
	}
	if !sawStop {
		t.Fatal("no 'stopped' log line after shutdown")
	}
}

func TestVersionAndMigrate(t *testing.T) {
	out, _, err := run(t, context.Background(), "version")
	if err != nil || out != "rapport test-version\n" {
		t.Fatalf("version: %q %v", out, err)
	}
	_, errOut, err := run(t, context.Background(), append([]string{"migrate"}, dbArgs(t)...)...)
	if err != nil || !regexp.MustCompile(`at migration [1-9]`).MatchString(errOut) {
		t.Fatalf("migrate: %q %v", errOut, err)
	}
	if _, _, err := run(t, context.Background(), "serve", "--db", "mysql://nope"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("a bad --db should say what it wants, got %v", err)
	}
}
