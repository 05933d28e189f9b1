package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// upload sends a multipart import: the fields first, then the file.
func upload(t *testing.T, c *servertest.Client, fields map[string]string, name, content string, headers ...string) *servertest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, k := range []string{"object", "start", "mode", "key", "duplicates", "create_accounts", "dry_run", "mapping", "template", "encoding", "delimiter", "sheet", "bogus"} {
		if v, ok := fields[k]; ok {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
	}
	mw.Close()
	return c.Do(t, "POST", "/api/v1/imports", b.Bytes(), append([]string{"Content-Type", mw.FormDataContentType()}, headers...)...)
}

type batchJSON struct {
	ID         string
	Status     string
	Error      string
	Format     string
	Encoding   string
	Delimiter  string
	DryRun     bool `json:"dry_run"`
	Checkpoint int64
	Mapping    []struct{ Column, Field string }
	Rows       struct {
		Total, Done, Created, Updated, Unchanged, Skipped, Rejected, Duplicates int64
		AccountsCreated                                                         int64 `json:"accounts_created"`
	}
	RowsPerSecond float64 `json:"rows_per_second"`
	SecondsLeft   float64 `json:"seconds_left"`
	Issues        []struct {
		Row           int64
		Kind, Column  string
		Value, Reason string
		RecordID      string `json:"record_id"`
	}
	WouldUpdate []struct {
		Row      int64
		RecordID string `json:"record_id"`
	} `json:"would_update"`
}

func runImports(t *testing.T, e *servertest.Env) {
	t.Helper()
	if _, err := e.Server.Imports.RunPending(context.Background()); err != nil {
		t.Fatalf("run imports: %v", err)
	}
}

func getBatch(t *testing.T, c *servertest.Client, id string) batchJSON {
	t.Helper()
	var b batchJSON
	c.Must(t, 200, "GET", "/api/v1/imports/"+id, nil).JSON(t, &b)
	return b
}

const peopleCSV = "First Name,Last Name,Email,Phone,Company\n" +
	"Ana,López,ana@globex.example,+34 612 34 56 78,Globex\n" +
	"Bob,Smith,bob@initech.example,+1 415 555 0123,Initech\n" +
	"Bad,Row,not-an-email,,\n"

// TestImportAPI: upload with options in one request, the batch's
// progress, its report as JSON and CSV, a dry run of another file that
// would update a record, undo, the list, and templates.
func TestImportAPI(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	r := upload(t, c, map[string]string{"object": "contacts", "create_accounts": "true"}, "people.csv", peopleCSV)
	if r.Status != 201 || r.Header.Get("Location") == "" {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var b batchJSON
	r.JSON(t, &b)
	if b.Status != "queued" || b.Format != "csv" || len(b.Mapping) != 5 || b.Mapping[2].Field != "emails" {
		t.Fatalf("created batch %+v", b)
	}
	runImports(t, e)
	got := getBatch(t, c, b.ID)
	if got.Status != "done" || got.Rows.Total != 3 || got.Rows.Created != 2 || got.Rows.Rejected != 1 || got.Rows.AccountsCreated != 2 {
		t.Fatalf("after the run %+v", got)
	}
	if len(got.Issues) != 1 || got.Issues[0].Row != 3 || got.Issues[0].Column != "Email" || got.Issues[0].Value != "not-an-email" || got.SecondsLeft != 0 {
		t.Fatalf("first errors %+v", got)
	}
	// The report as CSV opens in a spreadsheet (BOM) and reads back.
	rep := c.Must(t, 200, "GET", "/api/v1/imports/"+b.ID+"/errors.csv", nil)
	if ct := rep.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(rep.Header.Get("Content-Disposition"), "people-report.csv") {
		t.Fatalf("report headers %v", rep.Header)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rep.Body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "row" || recs[1][0] != "3" || recs[1][3] != "Email" || !strings.Contains(recs[1][5], "e-mail") {
		t.Fatalf("report CSV %q %v", rep.Body, err)
	}
	// The records are there, searchable, with history saying the import.
	var list struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/contacts?filter[emails][eq]=ana@globex.example", nil).JSON(t, &list)
	if len(list.Data) != 1 || list.Data[0]["name"] != "Ana López" {
		t.Fatalf("imported contact %v", list.Data)
	}
	anaID := list.Data[0]["id"].(string)
	hist := c.History(t, "contacts", anaID)
	if len(hist) != 1 || hist[0].Origin != "import:"+b.ID {
		t.Fatalf("history %+v", hist)
	}
	// A draft, previewed, then a dry run that would update Ana by e-mail.
	r = upload(t, c, map[string]string{"object": "contacts", "start": "false"}, "update.csv", "Email,Job Title\nana@globex.example,CTO\nnew@x.example,Dev\n")
	var d batchJSON
	r.JSON(t, &d)
	if d.Status != "draft" {
		t.Fatalf("draft %+v", d)
	}
	var pv struct {
		Header  []string
		Samples [][]string
		Mapping []struct{ Column, Field string }
		Keys    []string
		Stored  []struct {
			Action string
			Values map[string]any
		}
	}
	c.Must(t, 200, "GET", "/api/v1/imports/"+d.ID+"/preview", nil).JSON(t, &pv)
	if len(pv.Header) != 2 || pv.Samples[0][0] != "ana@globex.example" || pv.Mapping[1].Field != "job_title" || len(pv.Stored) != 2 {
		t.Fatalf("preview %+v", pv)
	}
	c.Must(t, 200, "POST", "/api/v1/imports/"+d.ID+"/preview", map[string]any{"mode": "upsert", "key": "email"}).JSON(t, &pv)
	if pv.Stored[0].Action != "update" || pv.Stored[1].Action != "create" {
		t.Fatalf("preview with upsert %+v", pv.Stored)
	}
	c.Must(t, 202, "POST", "/api/v1/imports/"+d.ID+"/start", map[string]any{"mode": "upsert", "key": "email", "dry_run": true})
	runImports(t, e)
	dry := getBatch(t, c, d.ID)
	if dry.Status != "done" || !dry.DryRun || dry.Rows.Updated != 1 || dry.Rows.Created != 1 || len(dry.WouldUpdate) != 1 || dry.WouldUpdate[0].RecordID != anaID {
		t.Fatalf("dry run %+v", dry)
	}
	if ana := c.Get(t, "contacts", anaID); ana["job_title"] != nil {
		t.Fatal("the dry run wrote")
	}
	// Now for real, then undo.
	c.Must(t, 202, "POST", "/api/v1/imports/"+d.ID+"/start", map[string]any{"dry_run": false})
	runImports(t, e)
	if ana := c.Get(t, "contacts", anaID); ana["job_title"] != "CTO" {
		t.Fatalf("the import did not update: %v", ana["job_title"])
	}
	c.Must(t, 202, "POST", "/api/v1/imports/"+d.ID+"/undo", nil)
	runImports(t, e)
	if u := getBatch(t, c, d.ID); u.Status != "undone" {
		t.Fatalf("after undo %+v", u)
	}
	if ana := c.Get(t, "contacts", anaID); ana["job_title"] != nil {
		t.Fatalf("undo did not restore: %v", ana["job_title"])
	}
	c.Must(t, 404, "GET", "/api/v1/contacts/"+must(t, c, "/api/v1/imports/"+d.ID+"/records?action=created"), nil)
	var all struct{ Data []batchJSON }
	c.Must(t, 200, "GET", "/api/v1/imports", nil).JSON(t, &all)
	if len(all.Data) != 2 || all.Data[0].ID != d.ID {
		t.Fatalf("list %+v", all.Data)
	}
	// Templates: save, use by name, rename, delete.
	var tpl struct{ ID, Name string }
	c.Must(t, 201, "POST", "/api/v1/import-templates", map[string]any{"object": "contacts", "name": "CRM export",
		"mapping": []map[string]string{{"column": "Correo", "field": "emails"}, {"column": "Nombre", "field": "full_name"}}, "mode": "upsert", "key": "email"}).JSON(t, &tpl)
	r = upload(t, c, map[string]string{"object": "contacts", "template": "crm export"}, "es.csv", "Nombre,Correo\nLuis Gómez,luis@x.example\nana?,ana@globex.example\n")
	var tb batchJSON
	r.JSON(t, &tb)
	runImports(t, e)
	tb = getBatch(t, c, tb.ID)
	if tb.Rows.Created != 1 || tb.Rows.Updated != 1 {
		t.Fatalf("import with a template %+v", tb)
	}
	c.Must(t, 409, "POST", "/api/v1/import-templates", map[string]any{"object": "contacts", "name": "CRM EXPORT", "mapping": []any{}})
	c.Must(t, 200, "PATCH", "/api/v1/import-templates/"+tpl.ID, map[string]any{"name": "Old CRM"})
	var tl struct{ Data []struct{ Name string } }
	c.Must(t, 200, "GET", "/api/v1/import-templates?object=contacts", nil).JSON(t, &tl)
	if len(tl.Data) != 1 || tl.Data[0].Name != "Old CRM" {
		t.Fatalf("templates %+v", tl.Data)
	}
	c.Must(t, 204, "DELETE", "/api/v1/import-templates/"+tpl.ID, nil)
	c.Must(t, 404, "GET", "/api/v1/import-templates/"+tpl.ID, nil)
}

func must(t *testing.T, c *servertest.Client, path string) string {
	t.Helper()
	var out struct {
		Data []struct {
			RecordID string `json:"record_id"`
		}
	}
	c.Must(t, 200, "GET", path, nil).JSON(t, &out)
	if len(out.Data) == 0 {
		t.Fatalf("%s: nothing", path)
	}
	return out.Data[0].RecordID
}

// TestImportAPIBadInput: every bad request is a 4xx problem naming what
// is wrong, and none leaves a batch behind.
func TestImportAPIBadInput(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	e.Server.Imports.MaxSize = 4096
	for _, tc := range []struct {
		name    string
		fields  map[string]string
		file    string
		content string
		status  int
		loc     string
		headers []string
	}{
		{"no file", map[string]string{"object": "contacts"}, "", "", 422, "body.file", nil},
		{"no object", map[string]string{}, "a.csv", peopleCSV, 422, "body.object", nil},
		{"unknown object", map[string]string{"object": "unicorns"}, "a.csv", peopleCSV, 422, "body.object", nil},
		{"empty file", map[string]string{"object": "contacts"}, "a.csv", "", 422, "body.file", nil},
		{"binary file", map[string]string{"object": "contacts"}, "a.png", "\x89PNG\r\n\x1a\n\x00\x00\x00", 422, "body.file", nil},
		{"header only", map[string]string{"object": "contacts"}, "a.csv", "Email,Name\n", 422, "body.file", nil},
		{"too large", map[string]string{"object": "contacts"}, "a.csv", "Email\n" + strings.Repeat("x@y.example\n", 1000), 413, "body.file", nil},
		{"vcard into accounts", map[string]string{"object": "accounts"}, "a.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:X\nEND:VCARD\n", 422, "body.object", nil},
		{"bad mapping JSON", map[string]string{"object": "contacts", "mapping": "[{"}, "a.csv", peopleCSV, 422, "body.mapping", nil},
		{"mapping to nothing", map[string]string{"object": "contacts", "mapping": `[{"column":"Email","field":"shoe"}]`}, "a.csv", peopleCSV, 422, "body.mapping[0].field", nil},
		{"unknown column", map[string]string{"object": "contacts", "mapping": `[{"column":"Fax","field":"phones"}]`}, "a.csv", peopleCSV, 422, "body.mapping[0].column", nil},
		{"bad mode", map[string]string{"object": "contacts", "mode": "merge"}, "a.csv", peopleCSV, 422, "body.mode", nil},
		{"upsert without key", map[string]string{"object": "contacts", "mode": "upsert"}, "a.csv", peopleCSV, 422, "body.key", nil},
		{"bad key", map[string]string{"object": "contacts", "mode": "upsert", "key": "job_title_x"}, "a.csv", peopleCSV, 422, "body.key", nil},
		{"bad boolean", map[string]string{"object": "contacts", "dry_run": "maybe"}, "a.csv", peopleCSV, 422, "body.dry_run", nil},
		{"bad encoding", map[string]string{"object": "contacts", "encoding": "ebcdic"}, "a.csv", peopleCSV, 422, "body.encoding", nil},
		{"unknown field", map[string]string{"object": "contacts", "bogus": "1"}, "a.csv", peopleCSV, 422, "body.bogus", nil},
		{"unknown template", map[string]string{"object": "contacts", "template": "nope"}, "a.csv", peopleCSV, 422, "body.template", nil},
		{"idempotency key", map[string]string{"object": "contacts"}, "a.csv", peopleCSV, 422, "header.Idempotency-Key", []string{"Idempotency-Key", "k1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(t, c, tc.fields, tc.file, tc.content, tc.headers...)
			if r.Status != tc.status || !r.Problem(t).Names(tc.loc) {
				t.Fatalf("%d %s, want %d naming %s", r.Status, r.Body, tc.status, tc.loc)
			}
		})
	}
	if r := c.Do(t, "POST", "/api/v1/imports", map[string]any{"object": "contacts"}); r.Status != 415 {
		t.Fatalf("JSON body: %d", r.Status)
	}
	var n int
	e.Server.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM imports").Scan(&n)
	if n != 0 {
		t.Fatalf("%d batches left by refused uploads", n)
	}
	// A batch's operations, refused.
	r := upload(t, c, map[string]string{"object": "contacts", "start": "false"}, "a.csv", peopleCSV)
	var b batchJSON
	r.JSON(t, &b)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		loc          string
	}{
		{"POST", "/start", map[string]any{"mode": "sideways"}, 422, "body.mode"},
		{"POST", "/start", map[string]any{"mapping": "x"}, 422, "body.mapping"},
		{"POST", "/start", map[string]any{"whatever": 1}, 422, "body.whatever"},
		{"POST", "/undo", nil, 409, ""},
		{"GET", "/issues?kind=odd", nil, 422, "query.kind"},
		{"GET", "/issues?limit=0", nil, 422, "query.limit"},
		{"GET", "/records?action=deleted", nil, 422, "query.action"},
		{"GET", "/preview?delimiter=%23", nil, 422, "query.delimiter"},
		{"GET", "/preview?sheet=x", nil, 200, ""},
	} {
		r := c.Do(t, tc.method, "/api/v1/imports/"+b.ID+tc.path, tc.body)
		if r.Status != tc.status || (tc.loc != "" && !r.Problem(t).Names(tc.loc)) {
			t.Errorf("%s %s %v: %d %s", tc.method, tc.path, tc.body, r.Status, r.Body)
		}
	}
	c.Must(t, 200, "POST", "/api/v1/imports/"+b.ID+"/cancel", nil)
	c.Must(t, 409, "POST", "/api/v1/imports/"+b.ID+"/start", map[string]any{})
	c.Must(t, 404, "GET", "/api/v1/imports/"+missingID, nil)
	c.Must(t, 404, "GET", "/api/v1/imports/not-an-id", nil)
}

// TestImportAccess: an import needs create or update permission on its
// object; users see their own imports, admins every import of the
// workspace, and no one another workspace's.
func TestImportAccess(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	ro := e.WS.User(t, "read_only")
	if r := upload(t, ro, map[string]string{"object": "contacts"}, "a.csv", peopleCSV); r.Status != 403 {
		t.Fatalf("read-only upload: %d", r.Status)
	}
	sales := e.WS.User(t, "sales")
	r := upload(t, sales, map[string]string{"object": "contacts", "create_accounts": "true"}, "a.csv", peopleCSV)
	if r.Status != 201 {
		t.Fatalf("sales upload: %d %s", r.Status, r.Body)
	}
	var b batchJSON
	r.JSON(t, &b)
	runImports(t, e)
	// The records belong to the salesperson, in their scope.
	if got := getBatch(t, sales, b.ID); got.Rows.Created != 2 {
		t.Fatalf("sales import %+v", got)
	}
	other := e.WS.User(t, "sales")
	other.Must(t, 404, "GET", "/api/v1/imports/"+b.ID, nil)
	other.Must(t, 404, "GET", "/api/v1/imports/"+b.ID+"/errors.csv", nil)
	other.Must(t, 404, "POST", "/api/v1/imports/"+b.ID+"/undo", nil)
	var l struct{ Data []batchJSON }
	other.Must(t, 200, "GET", "/api/v1/imports", nil).JSON(t, &l)
	if len(l.Data) != 0 {
		t.Fatalf("another user's list %+v", l.Data)
	}
	c.Must(t, 200, "GET", "/api/v1/imports/"+b.ID, nil)
	w2 := e.AddWorkspace("Other Co")
	w2.Admin.Must(t, 404, "GET", "/api/v1/imports/"+b.ID, nil)
	w2.Admin.Must(t, 404, "GET", "/api/v1/imports/"+b.ID+"/preview", nil)
	// Marketing may create contacts but not delete them: undo, which
	// trashes what the import created, is refused.
	mk := e.WS.User(t, "marketing")
	r = upload(t, mk, map[string]string{"object": "contacts"}, "m.csv", "Email\nm1@x.example\n")
	var mb batchJSON
	r.JSON(t, &mb)
	runImports(t, e)
	if r := mk.Do(t, "POST", "/api/v1/imports/"+mb.ID+"/undo", nil); r.Status != 403 {
		t.Fatalf("undo without delete permission: %d %s", r.Status, r.Body)
	}
	// Sales may not create tags: a row naming a new one is refused.
	r = upload(t, sales, map[string]string{"object": "contacts"}, "t.csv", "Email,Tags\nt1@x.example,brand-new\n")
	var tb batchJSON
	r.JSON(t, &tb)
	runImports(t, e)
	if got := getBatch(t, sales, tb.ID); got.Rows.Rejected != 1 || len(got.Issues) != 1 || !strings.Contains(got.Issues[0].Reason, "may not create tags") {
		t.Fatalf("a tag sales may not create: %+v", got)
	}
	_ = fmt.Sprint
	_ = json.Marshal
}

// TestBulkAPI: JSON create and upsert of many records in one request,
// all or nothing.
func TestBulkAPI(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	var res struct {
		Data []struct {
			Index  int
			ID     string
			Action string
		}
		Created, Updated, Unchanged int
	}
	c.Must(t, 200, "POST", "/api/v1/contacts/bulk", map[string]any{"records": []any{
		map[string]any{"given_name": "Ann", "emails": "ann@x.example"},
		map[string]any{"given_name": "Ben", "emails": []any{"ben@x.example"}, "phones": "+1 415 555 0101"},
	}}).JSON(t, &res)
	if res.Created != 2 || len(res.Data) != 2 || res.Data[1].Action != "created" {
		t.Fatalf("bulk create %+v", res)
	}
	ben := c.Get(t, "contacts", res.Data[1].ID)
	if ben["phone"] != "+14155550101" || len(c.History(t, "contacts", ben.ID())) != 1 {
		t.Fatalf("Ben %v", ben)
	}
	// Upsert on e-mail: Ann updated, Cy created, Cy again updates Cy.
	c.Must(t, 200, "POST", "/api/v1/contacts/bulk", map[string]any{"mode": "upsert", "key": "email", "records": []any{
		map[string]any{"emails": "ANN@x.example", "job_title": "CTO"},
		map[string]any{"given_name": "Cy", "emails": "cy@x.example"},
		map[string]any{"emails": "cy@x.example", "city": "Reno"},
		map[string]any{"emails": "ben@x.example", "given_name": "Ben"},
	}}).JSON(t, &res)
	if res.Created != 1 || res.Updated != 2 || res.Unchanged != 1 {
		t.Fatalf("bulk upsert %+v", res)
	}
	if got := c.Get(t, "contacts", res.Data[1].ID); got["city"] != "Reno" {
		t.Fatalf("Cy %v", got)
	}
	// One bad record refuses all: nothing written, every error named.
	before := len(c.List(t, "/api/v1/contacts?limit=100").IDs())
	r := c.Do(t, "POST", "/api/v1/contacts/bulk", map[string]any{"records": []any{
		map[string]any{"given_name": "Dee", "emails": "dee@x.example"},
		map[string]any{"given_name": "Eve", "emails": "not-an-email"},
		map[string]any{"job_title": "nameless"},
	}})
	p := r.Problem(t)
	if r.Status != 422 || !p.Names("body.records[1].emails") || !p.Names("body.records[2].given_name") {
		t.Fatalf("a bad record: %d %s", r.Status, r.Body)
	}
	if after := len(c.List(t, "/api/v1/contacts?limit=100").IDs()); after != before {
		t.Fatalf("a refused bulk wrote: %d → %d contacts", before, after)
	}
	many := make([]any, 1001)
	for i := range many {
		many[i] = map[string]any{"given_name": "X"}
	}
	for _, tc := range []struct {
		body any
		loc  string
	}{
		{map[string]any{"records": many}, "body.records"},
		{map[string]any{"records": []any{}}, "body.records"},
		{map[string]any{"records": []any{"x"}}, "body.records[0]"},
		{map[string]any{"mode": "merge", "records": []any{map[string]any{"given_name": "X"}}}, "body.mode"},
		{map[string]any{"mode": "upsert", "key": "shoe", "records": []any{map[string]any{"given_name": "X"}}}, "body.key"},
		{map[string]any{"mode": "upsert", "key": "id", "records": []any{map[string]any{"given_name": "X"}}}, "body.records[0].id"},
	} {
		if r := c.Do(t, "POST", "/api/v1/contacts/bulk", tc.body); r.Status != 422 || !r.Problem(t).Names(tc.loc) {
			t.Errorf("%.80v: %d %.300s", tc.body, r.Status, r.Body)
		}
	}
	ro := e.WS.User(t, "read_only")
	ro.Must(t, 403, "POST", "/api/v1/contacts/bulk", map[string]any{"records": []any{map[string]any{"given_name": "X"}}})
}
