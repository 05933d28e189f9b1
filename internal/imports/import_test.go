package imports_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/records"
)

// TestMessyCSV imports a UTF-8 file with a byte order mark, CRLF line
// ends, a quoted note over two lines, two e-mail and two phone columns,
// a bad e-mail, a bad phone, a duplicate row, a short row, a long row,
// an unknown owner — and checks each row's fate.
func TestMessyCSV(t *testing.T) {
	e := newEnv(t)
	b := e.upload("contacts", "contacts_bom_crlf.csv")
	if b.Format != imports.FormatCSV || b.Encoding != "utf-8" || b.Delimiter != "," {
		t.Fatalf("read as %s %s %q", b.Format, b.Encoding, b.Delimiter)
	}
	want := map[string]string{"First Name": "given_name", "Last Name": "family_name", "E-mail Address": "emails", "E-mail 2 Address": "emails",
		"Mobile Phone": "phones", "Business Phone": "phones", "Company": "account", "Job Title": "job_title", "City": "city", "Tags": "tags",
		"Owner Email": "owner_email", "Notes": "description"}
	for _, c := range b.Mapping {
		if want[c.Column] != c.Field {
			t.Errorf("column %q proposed %q, want %q", c.Column, c.Field, want[c.Column])
		}
	}
	got := e.run(b, imports.Options{CreateAccounts: ptr(true), DupPolicy: ptr(imports.DupSkip)})
	if got.Status != imports.StatusDone {
		t.Fatalf("status %s: %s", got.Status, got.Error)
	}
	is := e.issues(got)
	for _, x := range is {
		t.Logf("issue %+v", x)
	}
	// Rows: 1 Ana, 2 Bob, 3 Carla (bad e-mail), 4 Dan (bad phone),
	// 5 Ana again (duplicate), 6 Eve (short row), 7 Frank (extra cells),
	// 8 Grace (unknown owner).
	if got.Rows.Total != 8 || got.Rows.Done != 8 || got.Rows.Created != 4 || got.Rows.Rejected != 3 || got.Rows.Skipped != 1 || got.Rows.Duplicates != 1 {
		t.Fatalf("counts %+v", got.Rows)
	}
	if !hasIssue(is, 3, imports.IssueError, "E-mail Address", "e-mail") || !hasIssue(is, 4, imports.IssueError, "Mobile Phone", "phone") ||
		!hasIssue(is, 5, imports.IssueDuplicate, "", "same_email") || !hasIssue(is, 8, imports.IssueError, "Owner Email", "no user") {
		t.Fatalf("report %+v", is)
	}
	cs := e.contacts()
	ana := cs["Ana López"]
	if ana == nil {
		t.Fatalf("contacts %v", names(cs))
	}
	if em := emails(ana); len(em) != 2 || em[0] != "ana.lopez@globex.example" {
		t.Fatalf("Ana's e-mails %v", em)
	}
	phones := ana.Values["phones"].([]records.PhoneItem)
	if len(phones) != 2 || phones[0].Number != "+34612345678" || phones[0].Label != "mobile" || phones[1].Number != "+14155550100" || phones[1].Label != "work" {
		t.Fatalf("Ana's phones %+v", phones)
	}
	if str(ana.Values["description"]) != "Met at the fair.\r\nCall back in May." && str(ana.Values["description"]) != "Met at the fair.\nCall back in May." {
		t.Fatalf("multi-line note %q", ana.Values["description"])
	}
	if tags, _ := ana.Values["tag_ids"].([]string); len(tags) != 2 {
		t.Fatalf("Ana's tags %v", ana.Values["tag_ids"])
	}
	if cs["Bob Smith"].OwnerID != e.admin.UserID {
		t.Fatal("owner by e-mail")
	}
	if cs["Eve Adams"] == nil || cs["Frank Miller"] == nil {
		t.Fatalf("short and long rows: %v", names(cs))
	}
	// Accounts created once each; both Globex contacts share one.
	if n := e.count("SELECT COUNT(*) FROM accounts"); n != 3 || got.Rows.AccountsCreated != 3 {
		t.Fatalf("accounts %d, counted %d", n, got.Rows.AccountsCreated)
	}
	// Every record went through the engine: history marked with the
	// import, search terms and duplicate keys.
	if n := e.count("SELECT COUNT(*) FROM record_changes WHERE origin = ?", "import:"+b.ID); n != 4+3+2 {
		t.Fatalf("history rows with the import's origin: %d", n)
	}
	if n := e.count("SELECT COUNT(DISTINCT record_id) FROM match_keys WHERE object = 'contacts'"); n != 4 {
		t.Fatalf("contacts with duplicate keys: %d", n)
	}
	if n := e.count("SELECT COUNT(DISTINCT record_id) FROM search_docs WHERE object = 'contacts'"); n != 4 {
		t.Fatalf("contacts in search: %d", n)
	}
}

// TestStagedAccounts: the accounts rows create are staged and inserted
// with the chunk; a row refused after naming a new company leaves no
// account behind, rows of the same and of later chunks share one account
// per company, and new accounts are found by search and the duplicate
// checker like any other.
func TestStagedAccounts(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "companies.csv")
	csv := "First Name,Last Name,E-mail Address,Company,Owner Email\n" +
		"Ana,Ruiz,ana@wayne.example,Wayne Enterprises,\n" +
		"Heidi,Klum,heidi@stark.example,Stark Industries,nobody@acme.test\n" + // refused: unknown owner
		"Bruno,Díaz,bruno@wayne.example,wayne enterprises,\n" +
		"Li,Wei,li@cyberdyne.example,Cyberdyne 赛博,\n" +
		"Carl,Sagan,carl@cyberdyne.example,Cyberdyne 赛博,\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	// Three rows a chunk (the test service's): Li and Carl are in the
	// second chunk, whose first row creates Cyberdyne.
	b := e.upload("contacts", path)
	got := e.run(b, imports.Options{CreateAccounts: ptr(true)})
	if got.Status != imports.StatusDone || got.Rows.Created != 4 || got.Rows.Rejected != 1 || got.Rows.AccountsCreated != 2 {
		t.Fatalf("status %s, counts %+v", got.Status, got.Rows)
	}
	if n := e.count("SELECT COUNT(*) FROM accounts"); n != 2 {
		t.Fatalf("%d accounts, want Wayne Enterprises and Cyberdyne only", n)
	}
	if n := e.count("SELECT COUNT(*) FROM accounts WHERE name = 'Stark Industries'"); n != 0 {
		t.Fatal("the refused row's account was created")
	}
	if n := e.count("SELECT COUNT(DISTINCT account_id) FROM contacts"); n != 2 {
		t.Fatalf("contacts spread over %d accounts", n)
	}
	if n := e.count("SELECT COUNT(*) FROM account_contacts"); n != 4 {
		t.Fatalf("%d account memberships", n)
	}
	if n := e.count("SELECT COUNT(DISTINCT record_id) FROM search_docs WHERE object = 'accounts'"); n != 2 {
		t.Fatalf("accounts in search: %d", n)
	}
	if n := e.count("SELECT COUNT(*) FROM search_docs t JOIN contacts c ON c.id = t.record_id WHERE t.object = 'contacts' AND ' ' || t.words || ' ' LIKE '% cyberdyne %'"); n != 2 {
		t.Fatalf("contacts found by their new account's name: %d", n)
	}
	if n := e.count("SELECT COUNT(*) FROM record_changes WHERE object = 'accounts' AND origin = ?", "import:"+b.ID); n != 2 {
		t.Fatalf("history of the new accounts: %d", n)
	}
}

// TestExistingAccounts: the accounts a chunk's rows name are looked up
// together, and found as they were one by one: by name whatever its
// case, by domain, the oldest of two of a name; a company no account has
// is created once for all its spellings.
func TestExistingAccounts(t *testing.T) {
	e := newEnv(t)
	mk := func(in records.Input) string {
		r, err := e.rec.Create(e.ctx, e.admin, "accounts", in)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	wayne := mk(records.Input{"name": "Wayne Enterprises"})
	mk(records.Input{"name": "wayne enterprises"}) // a younger namesake
	energie := mk(records.Input{"name": "Énergie SA"})
	acme := mk(records.Input{"name": "Acme Corp", "domain": "acme.example"})
	path := filepath.Join(t.TempDir(), "existing.csv")
	csv := "First Name,Last Name,Company,Company Domain\n" +
		"Ana,Ruiz,WAYNE ENTERPRISES,\n" +
		"Cai,Lun,Énergie SA,\n" +
		"Bea,Soto,énergie sa,\n" + // the same name to the import once Cai found it
		"Dan,Ho,,acme.example\n" +
		"Eva,Gil,Nueva Empresa,\n" +
		"Fer,Paz,nueva empresa,\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	b := e.upload("contacts", path)
	got := e.run(b, imports.Options{CreateAccounts: ptr(true)})
	if got.Status != imports.StatusDone || got.Rows.Created != 6 {
		t.Fatalf("status %s, counts %+v", got.Status, got.Rows)
	}
	cs := e.contacts()
	for name, want := range map[string]string{"Ana Ruiz": wayne, "Cai Lun": energie, "Bea Soto": energie, "Dan Ho": acme} {
		if c := cs[name]; c == nil || str(c.Values["account_id"]) != want {
			t.Fatalf("%s's account: %v, want %s", name, c, want)
		}
	}
	if cs["Eva Gil"] == nil || str(cs["Eva Gil"].Values["account_id"]) != str(cs["Fer Paz"].Values["account_id"]) {
		t.Fatal("two spellings of a new company made two accounts")
	}
	if n := e.count("SELECT COUNT(*) FROM accounts"); n != 5 || got.Rows.AccountsCreated != 1 {
		t.Fatalf("%d accounts, %d created: want Nueva Empresa only", n, got.Rows.AccountsCreated)
	}
}
