package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/archive"
)

// TestExportImportWorkspace moves a workspace with the two commands:
// export-workspace to a file and to standard output, import-workspace
// into an empty server (refused into one that is not), and a sign-in
// there with the old password.
func TestExportImportWorkspace(t *testing.T) {
	ctx := context.Background()
	src := append(dbArgs(t), "--files-dir", t.TempDir())
	if _, stderr, err := run(t, ctx, append([]string{"demo", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123",
		"--users", "1", "--accounts", "3", "--contacts", "12", "--activities", "20", "--progress=false"}, src...)...); err != nil {
		t.Fatalf("demo: %v: %s", err, stderr)
	}
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Beta", "--email", "b@beta.test", "--password", "secret123"}, src...)...); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "acme.zip")
	// Two workspaces: the command wants a name, and an unknown name
	// leaves no file behind.
	if _, _, err := run(t, ctx, append([]string{"export-workspace", "--out", out}, src...)...); err == nil || !strings.Contains(err.Error(), "--workspace") {
		t.Fatalf("export without a name among two workspaces: %v", err)
	}
	if _, _, err := run(t, ctx, append([]string{"export-workspace", "--workspace", "Nope", "--out", out}, src...)...); err == nil {
		t.Fatal("export of an unknown workspace succeeded")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("a failed export left %v", left)
	}
	_, stderr, err := run(t, ctx, append([]string{"export-workspace", "--workspace", "Acme", "--out", out}, src...)...)
	if err != nil || !strings.Contains(stderr, `exported workspace "Acme"`) {
		t.Fatalf("export: %v: %s", err, stderr)
	}
	stdout, _, err := run(t, ctx, append([]string{"export-workspace", "--workspace", "acme"}, src...)...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := archive.ReadManifest(strings.NewReader(stdout), int64(len(stdout)))
	if err != nil || m.Workspace.Name != "Acme" {
		t.Fatalf("the archive on standard output: %+v, %v", m, err)
	}

	dst := append(dbArgs(t), "--files-dir", t.TempDir())
	stdout, stderr, err = run(t, ctx, append([]string{"import-workspace", out}, dst...)...)
	if err != nil || !strings.Contains(stdout, `restored workspace "Acme"`) {
		t.Fatalf("import: %v: %s %s", err, stdout, stderr)
	}
	d := openArgs(t, dst)
	if n := count(t, d, "SELECT COUNT(*) FROM contacts"); n != 12 {
		t.Fatalf("%d contacts restored, want 12", n)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM workspaces"); n != 1 {
		t.Fatalf("%d workspaces restored, want only Acme", n)
	}
	// The old admin's token works there once made again, with the old
	// password's user.
	if tok, _, err := run(t, ctx, append([]string{"token", "create", "--workspace", "Acme", "--email", "admin@acme.test", "--name", "after"}, dst...)...); err != nil || !strings.HasPrefix(tok, "rpt_") {
		t.Fatalf("token on the restored server: %q, %v", tok, err)
	}
	// Again: the server is no longer empty.
	if _, _, err := run(t, ctx, append([]string{"import-workspace", out}, dst...)...); err == nil || !strings.Contains(err.Error(), "empty server") {
		t.Fatalf("a second import: %v", err)
	}
	// Not an archive: refused before the database is touched.
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, bytes.Repeat([]byte("x"), 100), 0o600)
	if _, _, err := run(t, ctx, append([]string{"import-workspace", bad}, dbArgs(t)...)...); err == nil || !strings.Contains(err.Error(), "not a readable zip") {
		t.Fatalf("a file that is no archive: %v", err)
	}
}
