package imports_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/records"
)

// writeCSV writes a CSV file for a test and returns its path.
func writeCSV(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDryRunWritesNothing: a dry run validates every row, reports what
// it would create, update and refuse, and which rows duplicate what —
// and no table of records, history, search or links changes.
func TestDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	old, err := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Old", "family_name": "Timer", "emails": "old@timer.example", "job_title": "Clerk"})
	if err != nil {
		t.Fatal(err)
	}
	before := e.tables()
	path := writeCSV(t,
		"First Name,Last Name,Email,Title,Company,Tags",
		"Old,Timer,old@timer.example,Boss,Timer Inc,vip",     // 1 updates Old Timer
		"New,Person,new@person.example,Dev,Timer Inc,vip",    // 2 creates, account and tag too
		"Bad,Mail,bad-mail,Dev,,",                            // 3 refused
		"Newer,Person,newer@person.example,Dev,Other Co,new", // 4 creates (next chunk)
		"New,Person,NEW@person.example,Lead,,",               // 5 the same as row 2: upsert updates it
		"Jon,Doe,jon@doe.example,,,",                         // 6 creates
		"John,Doe,jon@doe.example,,,",                        // 7 key e-mail as row 6
	)
	b := e.upload("contacts", path)
	got := e.run(b, imports.Options{DryRun: ptr(true), Mode: ptr(imports.ModeUpsert), Key: ptr("email"), CreateAccounts: ptr(true)})
	if got.Status != imports.StatusDone || !got.DryRun {
		t.Fatalf("dry run %s %s", got.Status, got.Error)
	}
	if after := e.tables(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a dry run wrote:\nbefore %v\nafter  %v", before, after)
	}
	if r, _ := e.rec.Get(e.ctx, e.admin, "contacts", old.ID, records.GetOptions{}); str(r.Values["job_title"]) != "Clerk" {
		t.Fatal("a dry run changed a record")
	}
	if got.Rows.Created != 3 || got.Rows.Updated != 3 || got.Rows.Rejected != 1 || got.Rows.AccountsCreated != 2 || got.Rows.TagsCreated != 2 {
		t.Fatalf("dry-run counts %+v %v", got.Rows, e.issues(got))
	}
	if !hasIssue(e.issues(got), 3, imports.IssueError, "Email", "e-mail") {
		t.Fatalf("report %v", e.issues(got))
	}
	would, err := e.imp.Touched(e.ctx, e.admin, b.ID, "would_update", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(would) != 1 || would[0].Row != 1 || would[0].RecordID != old.ID {
		t.Fatalf("would update %+v", would)
	}
	// The same batch for real: the dry run's report goes, the counts match.
	real := e.run(b, imports.Options{DryRun: ptr(false)})
	if real.Rows.Created != 3 || real.Rows.Updated != 3 || real.Rows.Rejected != 1 || real.Rows.AccountsCreated != 2 || real.Rows.TagsCreated != 2 {
		t.Fatalf("real run counts %+v %v", real.Rows, e.issues(real))
	}
	if n := e.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL"); n != 4 {
		t.Fatalf("%d contacts", n)
	}
	if r, _ := e.rec.Get(e.ctx, e.admin, "contacts", old.ID, records.GetOptions{}); str(r.Values["job_title"]) != "Boss" {
		t.Fatal("the real run did not update the record")
	}
}

// TestModesAndKeys: create only, update only, upsert on id, e-mail,
// phone, external id and a custom field.
func TestModesAndKeys(t *testing.T) {
	e := newEnv(t)
	if _, err := e.rec.CreateCustomField(e.ctx, e.admin, records.CustomFieldInput{Object: ptr("contacts"), Name: ptr("member_no"), Type: ptr(records.Integer),
		Labels: &map[string]string{"en": "Member number"}}); err != nil {
		t.Fatal(err)
	}
	a, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Ann", "emails": "ann@x.example", "phones": "+1 415 555 0101", "external_id": "CRM-1", "cf_member_no": 7})
	bb, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Ben", "emails": "ben@x.example"})
	cases := []struct {
		name    string
		mode    string
		key     string
		lines   []string
		created int64
		updated int64
		skipped int64
		check   func(t *testing.T)
	}{
		{"update by e-mail, missing one skipped", imports.ModeUpdate, "email", []string{"Email,Title", "ANN@x.example,Chief", "zed@x.example,Nobody"}, 0, 1, 1, func(t *testing.T) {
			if r, _ := e.rec.Get(e.ctx, e.admin, "contacts", a.ID, records.GetOptions{}); str(r.Values["job_title"]) != "Chief" {
				t.Fatalf("Ann's title %v", r.Values["job_title"])
			}
		}},
		{"upsert by phone in another format", imports.ModeUpsert, "phone", []string{"Phone,City,First Name", "(415) 555-0101,Boston,Ann", "+1 415 555 0199,Reno,Cy"}, 1, 1, 0, func(t *testing.T) {
			if r, _ := e.rec.Get(e.ctx, e.admin, "contacts", a.ID, records.GetOptions{}); str(r.Values["city"]) != "Boston" {
				t.Fatal("Ann not found by phone")
			}
		}},
		{"upsert by external id", imports.ModeUpsert, "external_id", []string{"External ID,Last Name,First Name", "crm-1,Archer,Ann", "CRM-2,Bloom,Bo"}, 1, 1, 0, nil},
		{"upsert by custom field", imports.ModeUpsert, "cf_member_no", []string{"Member number,Job Title,First Name", "7,Captain,Ann", "8,Mate,Di"}, 1, 1, 0, func(t *testing.T) {
			if r, _ := e.rec.Get(e.ctx, e.admin, "contacts", a.ID, records.GetOptions{}); str(r.Values["job_title"]) != "Captain" {
				t.Fatal("Ann not found by custom field")
			}
		}},
		{"update by id", imports.ModeUpdate, "id", []string{"ID,City", bb.ID + ",Lima", "01900000-0000-7000-8000-000000000000,Quito"}, 0, 1, 1, nil},
		{"create only ignores keys", imports.ModeCreate, "", []string{"First Name,Email", "Eli,eli@x.example"}, 1, 0, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.upload("contacts", writeCSV(t, tc.lines...))
			mapping := b.Mapping
			for i := range mapping {
				if mapping[i].Column == "ID" {
					mapping[i].Field = imports.TargetID
				}
			}
			opts := imports.Options{Mode: ptr(tc.mode), Mapping: &mapping, DupPolicy: ptr(imports.DupCreate)}
			if tc.key != "" {
				opts.Key = ptr(tc.key)
			}
			got := e.run(b, opts)
			if got.Rows.Created != tc.created || got.Rows.Updated != tc.updated || got.Rows.Skipped != tc.skipped || got.Rows.Rejected != 0 {
				t.Fatalf("counts %+v %v", got.Rows, e.issues(got))
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
	// A key that matches two records is refused, naming the column.
	e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Twin", "emails": "twin@x.example"})
	e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Twin Two", "emails": "twin@x.example"})
	got := e.run(e.upload("contacts", writeCSV(t, "Email,City", "twin@x.example,Oslo")), imports.Options{Mode: ptr(imports.ModeUpdate), Key: ptr("email")})
	if got.Rows.Rejected != 1 || !hasIssue(e.issues(got), 1, imports.IssueError, "Email", "matches 2 records") {
		t.Fatalf("ambiguous key %+v %v", got.Rows, e.issues(got))
	}
	// Bad options are refused naming the field, and nothing starts.
	b := e.upload("contacts", writeCSV(t, "First Name", "X"))
	for _, tc := range []struct {
		opts imports.Options
		loc  string
	}{
		{imports.Options{Mode: ptr("merge")}, "body.mode"},
		{imports.Options{Mode: ptr(imports.ModeUpsert)}, "body.key"},
		{imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("job_title_x")}, "body.key"},
		{imports.Options{DupPolicy: ptr("ignore")}, "body.duplicates"},
		{imports.Options{Mapping: &[]imports.Column{{Column: "Nope", Field: "given_name"}}}, "body.mapping[0].column"},
		{imports.Options{Mapping: &[]imports.Column{{Column: "First Name", Field: "shoe_size"}}}, "body.mapping[0].field"},
		{imports.Options{Mapping: &[]imports.Column{{Column: "First Name", Field: "city"}}}, "body.mapping"},
		{imports.Options{Delimiter: ptr("#")}, "body.delimiter"},
	} {
		_, err := e.imp.Start(e.ctx, e.admin, b.ID, tc.opts)
		fe, ok := errs.As(err)
		if !ok || fe.Code != errs.Invalid || len(fe.Fields) == 0 || fe.Fields[0].Location != tc.loc {
			t.Errorf("%+v: %v, want invalid naming %s", tc.opts, err, tc.loc)
		}
	}
	if got, _ := e.imp.Get(e.ctx, e.admin, b.ID); got.Status != imports.StatusDraft {
		t.Fatalf("a refused start left the batch %s", got.Status)
	}
}

// TestDuplicatePolicies: likely duplicates by the checker's rules — an
// e-mail in other case, a name without accents and with a phone in
// another format, a duplicate within the file — skipped, updated or
// created anyway as the batch says.
func TestDuplicatePolicies(t *testing.T) {
	lines := []string{
		"Nombre,Apellidos,Email,Teléfono,Cargo",
		"José,Núñez,,+34 612 34 56 78,Jefe",          // 1 same phone and name as the existing José
		"Maria,Lopez,MARIA@LOPEZ.example,,Directora", // 2 same e-mail as the existing María
		"Zoe,Kim,zoe@kim.example,,Analyst",           // 3 new
		"Zoë,Kim,zoe@kim.example,,Senior Analyst",    // 4 the same as row 3
		"Zhang,Wei,,,Engineer",                       // 5 new
	}
	for _, tc := range []struct {
		policy                                    string
		created, updated, skipped, dups, contacts int64
	}{
		{imports.DupSkip, 2, 0, 3, 3, 4},
		{imports.DupUpdate, 2, 3, 0, 3, 4},
		{imports.DupCreate, 5, 0, 0, 3, 7},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.d.Exec(e.ctx, "UPDATE workspaces SET region = 'ES'"); err != nil {
				t.Fatal(err)
			}
			jose, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Jose", "family_name": "Nunez", "phones": "612 345 678"})
			maria, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "María", "family_name": "López", "emails": "maria@lopez.example"})
			got := e.run(e.upload("contacts", writeCSV(t, lines...)), imports.Options{DupPolicy: ptr(tc.policy)})
			is := e.issues(got)
			if got.Rows.Created != tc.created || got.Rows.Updated != tc.updated || got.Rows.Skipped != tc.skipped || got.Rows.Duplicates != tc.dups {
				t.Fatalf("counts %+v %v", got.Rows, is)
			}
			if n := int64(e.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL")); n != tc.contacts {
				t.Fatalf("%d contacts", n)
			}
			if !hasIssue(is, 1, imports.IssueDuplicate, "", "same_phone") || !hasIssue(is, 2, imports.IssueDuplicate, "", "same_email") || !hasIssue(is, 4, imports.IssueDuplicate, "", "Zoe Kim") {
				t.Fatalf("report %+v", is)
			}
			if tc.policy == imports.DupUpdate {
				r, _ := e.rec.Get(e.ctx, e.admin, "contacts", jose.ID, records.GetOptions{})
				m, _ := e.rec.Get(e.ctx, e.admin, "contacts", maria.ID, records.GetOptions{})
				if str(r.Values["job_title"]) != "Jefe" || str(m.Values["job_title"]) != "Directora" {
					t.Fatalf("duplicates updated: %v %v", r.Values["job_title"], m.Values["job_title"])
				}
				// Row 4 updated the record row 3 created, with its own values.
				if c := e.contacts()["Zoë Kim"]; c == nil || str(c.Values["job_title"]) != "Senior Analyst" {
					t.Fatalf("row 4 should update row 3's record: %v", names(e.contacts()))
				}
			}
		})
	}
}

// TestUndoRestoresExactly: an import that creates records, accounts and
// tags and updates others is undone: what it created is in the trash,
// what it changed has its old values (history shows the undo), and a
// field edited after the import keeps the later edit.
func TestUndoRestoresExactly(t *testing.T) {
	e := newEnv(t)
	keep, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Keep", "family_name": "Me", "emails": "keep@me.example", "job_title": "Clerk", "city": "Lyon"})
	edited, _ := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Edit", "family_name": "Later", "emails": "edit@later.example", "job_title": "Clerk", "city": "Nice"})
	snapshot := func(id string) map[string]any {
		r, err := e.rec.Get(e.ctx, e.admin, "contacts", id, records.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for k, v := range r.Values {
			if k != "updated_at" && k != "updated_by" {
				out[k] = v
			}
		}
		return out
	}
	keepBefore := snapshot(keep.ID)
	live := func(table string) int { return e.count("SELECT COUNT(*) FROM " + table + " WHERE deleted_at IS NULL") }
	beforeAccounts, beforeTags := live("accounts"), live("tags")
	e.now = e.now.Add(time.Hour)
	b := e.run(e.upload("contacts", writeCSV(t,
		"Email,Title,City,Company,Tags,First Name",
		"keep@me.example,Boss,Paris,Keep Co,imported,Keep",
		"edit@later.example,Boss,Rome,,,Edit",
		"new1@x.example,Dev,Oslo,New Co,imported,New",
		"new2@x.example,Dev,Bern,New Co,,Newer",
	)), imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("email"), CreateAccounts: ptr(true)})
	if b.Rows.Created != 2 || b.Rows.Updated != 2 || b.Rows.AccountsCreated != 2 || b.Rows.TagsCreated != 1 {
		t.Fatalf("import %+v %v", b.Rows, e.issues(b))
	}
	// Someone edits a field the import set, after the import.
	e.now = e.now.Add(time.Hour)
	if _, err := e.rec.Update(e.ctx, e.admin, "contacts", edited.ID, "", records.Input{"city": "Milan"}); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	if _, err := e.imp.Undo(e.ctx, e.admin, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.imp.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := e.imp.Get(e.ctx, e.admin, b.ID)
	if got.Status != imports.StatusUndone {
		t.Fatalf("status %s %s", got.Status, got.Error)
	}
	if after := snapshot(keep.ID); fmt.Sprint(after) != fmt.Sprint(keepBefore) {
		t.Fatalf("undo did not restore exactly:\nbefore %v\nafter  %v", keepBefore, after)
	}
	ed := snapshot(edited.ID)
	if ed["job_title"] != "Clerk" || ed["city"] != "Milan" {
		t.Fatalf("edited record after undo: title %v city %v", ed["job_title"], ed["city"])
	}
	if !hasIssue(e.issues(got), 2, imports.IssueWarning, "", "kept later edits") {
		t.Fatalf("report %v", e.issues(got))
	}
	if n := live("contacts"); n != 2 {
		t.Fatalf("%d live contacts after undo", n)
	}
	if live("accounts") != beforeAccounts || live("tags") != beforeTags {
		t.Fatal("accounts or tags the import created are still live")
	}
	if n := e.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NOT NULL"); n != 2 {
		t.Fatalf("%d contacts in the trash", n)
	}
	// The undo is in history, as such.
	h, _ := e.rec.History(e.ctx, e.admin, "contacts", keep.ID)
	if last := h[len(h)-1]; last.Origin != "undo:import:"+b.ID {
		t.Fatalf("last change %+v", last)
	}
	// Undone twice is refused.
	if _, err := e.imp.Undo(e.ctx, e.admin, b.ID); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second undo: %v", err)
	}
}

// TestResumeAfterCrash: a worker dies in the middle of a chunk (a panic
// stands for kill -9): the chunk's rows are not in the database, the
// checkpoint says where the last committed chunk ended, another process
// takes the batch over when the lease runs out and finishes it, and no
// row is imported twice.
func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t)
	lines := []string{"First Name,Email,Company"}
	for i := 1; i <= 10; i++ {
		lines = append(lines, fmt.Sprintf("P%02d,p%02d@x.example,Co %d", i, i, i%3))
	}
	b := e.upload("contacts", writeCSV(t, lines...))
	if _, err := e.imp.Start(e.ctx, e.admin, b.ID, imports.Options{CreateAccounts: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	imports.SetRowHook(e.imp, func(row int64) {
		if row == 8 {
			panic("killed")
		}
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the worker did not die")
			}
		}()
		e.imp.RunPending(e.ctx)
	}()
	mid, _ := e.imp.Get(e.ctx, e.admin, b.ID)
	if mid.Status != imports.StatusRunning || mid.Checkpoint != 6 || mid.Rows.Created != 6 {
		t.Fatalf("after the crash: %s checkpoint %d %+v", mid.Status, mid.Checkpoint, mid.Rows)
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 6 {
		t.Fatalf("%d contacts after the crash: a chunk was half written", n)
	}
	// No half-written record: every contact has its history and keys.
	if n := e.count("SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM record_changes h WHERE h.record_id = c.id) OR NOT EXISTS (SELECT 1 FROM match_keys k WHERE k.record_id = c.id)"); n != 0 {
		t.Fatalf("%d contacts without history or keys", n)
	}
	// Another process: the lease is still held, so nothing to take...
	other := e.service()
	if n, err := other.RunPending(e.ctx); err != nil || n != 0 {
		t.Fatalf("took a leased batch: %d %v", n, err)
	}
	// ...until it runs out.
	e.now = e.now.Add(imports.DefaultLease + time.Second)
	if n, err := other.RunPending(e.ctx); err != nil || n != 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	got, _ := e.imp.Get(e.ctx, e.admin, b.ID)
	if got.Status != imports.StatusDone || got.Rows.Created != 10 || got.Rows.Done != 10 {
		t.Fatalf("after resume: %s %+v %s", got.Status, got.Rows, got.Error)
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 10 {
		t.Fatalf("%d contacts after resume", n)
	}
	if n := e.count("SELECT COUNT(*) FROM accounts"); n != 3 {
		t.Fatalf("%d accounts after resume (an account created twice?)", n)
	}
	// Re-running the same file with the same key creates nothing.
	imports.SetRowHook(e.imp, nil)
	again := e.run(e.upload("contacts", writeCSV(t, lines...)), imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("email"), CreateAccounts: ptr(true)})
	if again.Rows.Created != 0 || again.Rows.Unchanged != 10 || e.count("SELECT COUNT(*) FROM contacts") != 10 {
		t.Fatalf("re-run %+v", again.Rows)
	}
}

// TestBadFiles: each bad file gets a clear error naming the file, and no
// batch.
func TestBadFiles(t *testing.T) {
	e := newEnv(t)
	wide := filepath.Join(t.TempDir(), "wide.csv")
	cols := make([]string, 10000)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	os.WriteFile(wide, []byte(strings.Join(cols, ",")+"\n"+strings.Join(cols, ",")+"\n"), 0o644)
	huge := filepath.Join(t.TempDir(), "huge.csv")
	f, _ := os.Create(huge)
	f.WriteString("First Name,Email\nA,a@x.example\n")
	f.Truncate(2 << 30) // 2 GiB, sparse
	f.Close()
	for _, tc := range []struct {
		file, want string
		code       errs.Code
	}{
		{"empty.csv", "is empty", errs.Invalid},
		{"binary.png", "binary", errs.Invalid},
		{"header_only.csv", "no data rows", errs.Invalid},
		{wide, "more than 1000 columns", errs.Invalid},
	} {
		path := tc.file
		if !filepath.IsAbs(path) {
			path = filepath.Join("testdata", path)
		}
		fh, _ := os.Open(path)
		_, err := e.imp.Upload(e.ctx, e.admin, "contacts", filepath.Base(path), fh)
		fh.Close()
		fe, ok := errs.As(err)
		if !ok || fe.Code != tc.code || len(fe.Fields) == 0 || fe.Fields[0].Location != "body.file" || !strings.Contains(fe.Fields[0].Message, tc.want) {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
	// The 2 GiB file is refused by its size, before anything is read.
	small := e.service()
	small.MaxSize = 1 << 20
	start := time.Now()
	_, err := small.CreateFromPath(e.ctx, e.admin, "contacts", huge, imports.Options{})
	if fe, ok := errs.As(err); !ok || fe.Code != errs.TooLarge {
		t.Fatalf("2 GiB file: %v", err)
	}
	fh, _ := os.Open(huge)
	_, err = small.Upload(e.ctx, e.admin, "contacts", "huge.csv", fh)
	fh.Close()
	if fe, ok := errs.As(err); !ok || fe.Code != errs.TooLarge {
		t.Fatalf("2 GiB upload: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("refusing a large file took %s", time.Since(start))
	}
	if n := e.count("SELECT COUNT(*) FROM imports"); n != 0 {
		t.Fatalf("%d batches made of bad files", n)
	}
	// A wrong encoding forced on a file: the rows say so.
	b := e.upload("contacts", "contacts_zh_gb18030.csv")
	pv, err := e.imp.Preview(e.ctx, e.admin, b.ID, imports.Options{Encoding: ptr("utf-8")})
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Warnings) != 1 || !strings.Contains(pv.Warnings[0], "not valid utf-8") {
		t.Fatalf("wrong encoding preview warnings: %v", pv.Warnings)
	}
	got := e.run(b, imports.Options{Encoding: ptr("utf-8"), Mapping: &[]imports.Column{{Column: pv.Header[0], Field: "given_name"}, {Column: pv.Header[1], Field: "emails"}}})
	if got.Rows.Rejected != 3 || !hasIssue(e.issues(got), 1, imports.IssueError, pv.Header[0], "encoding") {
		t.Fatalf("rows read in the wrong encoding: %+v %v", got.Rows, e.issues(got))
	}
}

// TestChunkRedoneRowByRow: when the database refuses a chunk's bulk
// insert for a rule the engine does not know (here a unique index added
// behind its back), the chunk is done again row by row: the refused rows
// are reported with the database's reason, the others imported, and no
// row is written twice.
func TestChunkRedoneRowByRow(t *testing.T) {
	e := newEnv(t)
	if _, err := e.d.Exec(e.ctx, "CREATE UNIQUE INDEX test_one_per_city ON contacts (workspace_id, city)"); err != nil {
		t.Fatal(err)
	}
	got := e.run(e.upload("contacts", writeCSV(t,
		"First Name,City",
		"Ann,Oslo", "Ben,Rome", "Cy,Oslo", // chunk 1: Cy breaks the index
		"Di,Lima", "Ed,Kyiv", "Flo,Cork", // chunk 2: fine
		"Gus,Rome", // chunk 3: breaks it against chunk 1
	)), imports.Options{DupPolicy: ptr(imports.DupCreate)})
	if got.Status != imports.StatusDone || got.Rows.Created != 5 || got.Rows.Rejected != 2 {
		t.Fatalf("%s %+v %v", got.Status, got.Rows, e.issues(got))
	}
	is := e.issues(got)
	if !hasIssue(is, 3, imports.IssueError, "", "already") || !hasIssue(is, 7, imports.IssueError, "", "already") {
		t.Fatalf("report %+v", is)
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 5 {
		t.Fatalf("%d contacts", n)
	}
	if n := e.count("SELECT COUNT(*) FROM record_changes WHERE object = 'contacts'"); n != 5 {
		t.Fatalf("%d history rows: a rolled-back row left its history", n)
	}
}

// TestAnalyseAsTablesGrow: on PostgreSQL an import refreshes the
// statistics of the tables it fills after its first chunk and each time
// it has doubled what it wrote (the planner otherwise plans its look-ups
// for the empty tables); a dry run, which keeps nothing, does not. On
// SQLite it never analyses.
func TestAnalyseAsTablesGrow(t *testing.T) {
	e := newEnv(t)
	analysed := func() int {
		if e.d.Dialect != db.Postgres {
			return e.count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
		}
		return e.count("SELECT COALESCE(SUM(analyze_count), 0) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'match_keys'")
	}
	lines := []string{"First Name,Last Name,E-mail Address"}
	for i := range 13 {
		lines = append(lines, fmt.Sprintf("Name%d,Family%d,p%d@example.com", i, i, i))
	}
	path := writeCSV(t, lines...)
	before := analysed()
	e.run(e.upload("contacts", path), imports.Options{DupPolicy: ptr(imports.DupCreate), DryRun: ptr(true)})
	if got := analysed(); got != before {
		t.Fatalf("a dry run analysed: %d → %d", before, got)
	}
	got := e.run(e.upload("contacts", path), imports.Options{DupPolicy: ptr(imports.DupCreate)})
	if got.Status != imports.StatusDone || got.Rows.Created != 13 {
		t.Fatalf("%s %+v %v", got.Status, got.Rows, e.issues(got))
	}
	want := before
	if e.d.Dialect == db.Postgres {
		want += 3 // chunks of 3 rows: after 3, 6 and 12 rows written
	}
	if n := analysed(); n != want {
		t.Fatalf("match_keys analysed %d times, want %d", n-before, want-before)
	}
}

// TestResumeAtStart: a batch left running by a process of this machine
// that is gone (its lease not yet run out) is taken up at once by the
// next process's workers, as a server does at start; one held by a live
// process is left alone.
func TestResumeAtStart(t *testing.T) {
	e := newEnv(t)
	b := e.upload("contacts", writeCSV(t, "First Name,Email", "Ann,ann@x.example", "Ben,ben@x.example"))
	if _, err := e.imp.Start(e.ctx, e.admin, b.ID, imports.Options{}); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	hold := func(holder string) {
		if _, err := e.d.Exec(e.ctx, "UPDATE imports SET status = 'running', locked_by = ?, locked_until = ? WHERE id = ?", holder, e.now.Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"), b.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A live holder (this very process, another service of it): left alone.
	hold(imports.Worker(e.service()))
	if n, err := e.imp.RunPending(e.ctx); err != nil || n != 0 {
		t.Fatalf("took a batch a live process holds: %d %v", n, err)
	}
	hold(fmt.Sprintf("%s/%d/deadbeef", host, dead.Process.Pid))
	if n, err := e.imp.RunPending(e.ctx); err != nil || n != 1 {
		t.Fatalf("did not take up the dead process's batch: %d %v", n, err)
	}
	got, _ := e.imp.Get(e.ctx, e.admin, b.ID)
	if got.Status != imports.StatusDone || got.Rows.Created != 2 {
		t.Fatalf("%s %+v", got.Status, got.Rows)
	}
	// Its file is gone once done: a preview says so, it does not fail.
	if _, err := e.imp.Preview(e.ctx, e.admin, b.ID, imports.Options{}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("preview of a done import: %v", err)
	}
}

// TestPurgeFiles: an uploaded file is deleted a while after its import
// last moved, unless the import is still to run.
func TestPurgeFiles(t *testing.T) {
	e := newEnv(t)
	draft := e.upload("contacts", writeCSV(t, "Email", "a@x.example"))
	queued := e.upload("contacts", writeCSV(t, "Email", "b@x.example"))
	if _, err := e.imp.Start(e.ctx, e.admin, queued.ID, imports.Options{}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.imp.PurgeFiles(e.ctx, 7*24*time.Hour); err != nil || n != 0 {
		t.Fatalf("purged fresh files: %d %v", n, err)
	}
	e.now = e.now.Add(8 * 24 * time.Hour)
	if n, err := e.imp.PurgeFiles(e.ctx, 7*24*time.Hour); err != nil || n != 1 {
		t.Fatalf("purged %d files, want the draft's: %v", n, err)
	}
	if _, err := e.imp.Preview(e.ctx, e.admin, draft.ID, imports.Options{}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("preview of a purged draft: %v", err)
	}
	if _, err := e.imp.Preview(e.ctx, e.admin, queued.ID, imports.Options{}); err != nil {
		t.Fatalf("the queued import lost its file: %v", err)
	}
}
