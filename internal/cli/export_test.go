package cli_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportCommand: rapport export to standard output (a header row
// first) and to a file, with filters; bad arguments are clear errors;
// and an exported file imports back by id without a duplicate.
func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	base := dbArgs(t)
	if _, _, err := run(t, ctx, append([]string{"setup", "--workspace", "Acme", "--email", "admin@acme.test", "--password", "secret123"}, base...)...); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "c.csv")
	os.WriteFile(file, []byte("Email,First Name,Last Name,City,Company\nana@x.example,Ana,López,Madrid,Globex\nbob@x.example,Bob,Smith,Paris,Initech\nnot-an-email,Eve,Hacker,Madrid,\n"), 0o644)
	if _, _, err := run(t, ctx, append([]string{"import", "contacts", file, "--create-accounts", "--quiet"}, base...)...); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, ctx, append([]string{"export", "contacts", "--filter", "city=Madrid", "--sort", "given_name"}, base...)...)
	if err != nil || !strings.Contains(errOut, "exported 1 contacts to standard output") {
		t.Fatalf("export: %v %q", err, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "id" {
		t.Fatalf("export CSV %q %v", out, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if recs[1][col["given_name"]] != "Ana" || recs[1][col["account_name"]] != "Globex" || recs[1][col["owner_email"]] != "admin@acme.test" {
		t.Fatalf("export row %v", recs[1])
	}

	// To a file, in another format, with an operator.
	vcf := filepath.Join(t.TempDir(), "people.vcf")
	if _, errOut, err := run(t, ctx, append([]string{"export", "contacts", "--format", "vcf", "--filter", "family_name[contains]=m", "--out", vcf}, base...)...); err != nil ||
		!strings.Contains(errOut, "exported 1 contacts to "+vcf) {
		t.Fatalf("vcf export: %v %q", err, errOut)
	}
	if b, _ := os.ReadFile(vcf); !strings.Contains(string(b), "FN:Bob Smith") || strings.Count(string(b), "BEGIN:VCARD") != 1 {
		t.Fatalf("vcf file %q", b)
	}

	// The whole list exports and imports back by id: nothing new.
	all := filepath.Join(t.TempDir(), "all.csv")
	if _, _, err := run(t, ctx, append([]string{"export", "contacts", "--out", all}, base...)...); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, ctx, append([]string{"import", "contacts", all, "--mode", "upsert", "--key", "id", "--quiet"}, base...)...)
	if err != nil || !strings.Contains(out, "0 created") || strings.Contains(out, "1 rejected") {
		t.Fatalf("re-import of the export: %q %v", out, err)
	}
	d := openArgs(t, base)
	if n := count(t, d, "SELECT COUNT(*) FROM contacts"); n != 2 {
		t.Fatalf("%d contacts after the round trip, want 2 (the third row was rejected by the first import)", n)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "widgets"}, `no object "widgets"`},
		{[]string{"export", "contacts", "--format", "pdf"}, "format must be one of"},
		{[]string{"export", "accounts", "--format", "ics"}, "ics holds activities only"},
		{[]string{"export", "contacts", "--filter", "nonsense"}, "FIELD=VALUE"},
		{[]string{"export", "contacts", "--filter", "nope=1"}, "nope"},
		{[]string{"export", "contacts", "--view", "Missing"}, `no saved view "Missing"`},
	} {
		_, _, err := run(t, ctx, append(tc.args, base...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}
