package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

// TestBackupRestoreCommands: rapport backup writes an archive of a set-up
// server; rapport restore brings it back into an empty target, where the
// workspace's admin exists; a second restore into the same target is
// refused with a message that says why.
func TestBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	src := dbArgs(t)
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123"}, src...)...); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	_, msg, err := run(t, ctx, append([]string{"backup", "--out", archive}, src...)...)
	if err != nil || !strings.Contains(msg, "backed up") {
		t.Fatalf("backup: %q, %v", msg, err)
	}
	dst := dbArgs(t)
	dst = append(dst, "--files-dir", t.TempDir())
	_, msg, err = run(t, ctx, append([]string{"restore", archive}, dst...)...)
	if err != nil || !strings.Contains(msg, "restored a "+string(dbtest.Dialect())+" backup") {
		t.Fatalf("restore: %q, %v", msg, err)
	}
	// The restored installation works: a token for the restored admin.
	if tok, _, err := run(t, ctx, append([]string{"token", "create", "--workspace", "Acme", "--email", "admin@acme.test", "--name", "after"}, dst...)...); err != nil || !strings.HasPrefix(tok, "rpt_") {
		t.Fatalf("token on the restored database: %q, %v", tok, err)
	}
	_, _, err = run(t, ctx, append([]string{"restore", archive}, dst...)...)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over a restored database: %v", err)
	}
	if _, _, err := run(t, ctx, append([]string{"backup"}, src...)...); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Fatalf("backup without --out: %v", err)
	}
	if dbtest.Dialect() == db.SQLite {
		if _, _, err := run(t, ctx, "backup", "--data", t.TempDir(), "--out", archive); err == nil || !strings.Contains(err.Error(), "no database") {
			t.Fatalf("backup of an empty directory: %v", err)
		}
	}
}
