package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/archive"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// openSQLite returns a fresh, migrated SQLite database, whatever
// RAPPORT_TEST_DB says.
func openSQLite(t *testing.T) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// openPostgres returns a fresh, migrated PostgreSQL database (skipping
// the test when PostgreSQL is not installed).
func openPostgres(t *testing.T) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{URL: dbtest.URL(t), MaxConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

func openDialect(t *testing.T, d db.Dialect) *db.DB {
	if d == db.Postgres {
		return openPostgres(t)
	}
	return openSQLite(t)
}

// fixture is a populated workspace: demo data plus at least one row in
// every table an archive holds, and a second workspace that must not
// travel with it.
type fixture struct {
	env     *servertest.Env
	ws      *servertest.Workspace
	sales   *servertest.Client
	contact servertest.Record // Ana Zubiri, with a custom value, history, a tag and an attachment
	file    []byte            // the attachment's content
	fileID  string
	deal    string // a deal with two lines whose amount follows them
}

const salesEmail = "sales.person@acme.test"

func populate(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	e := servertest.NewOn(t, d, nil)
	ws := e.AddWorkspace("Acme")
	f := &fixture{env: e, ws: ws}
	c := ws.Admin
	// A small deterministic dataset.
	g := demo.New(demo.Config{Seed: 7, Accounts: 8, Contacts: 30, Activities: 60, Now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).Unix()})
	if _, err := demo.Load(ctx, d, g, demo.LoadOptions{Workspace: ws.ID, Owners: []string{c.UserID}}); err != nil {
		t.Fatalf("demo: %v", err)
	}
	f.sales = ws.UserWithEmail(t, salesEmail, "sales")
	north := ws.Team(t, "North", f.sales)
	tier := ws.CustomField(t, "contacts", "tier", "select", map[string]any{"options": []map[string]any{{"value": "gold", "labels": map[string]string{"en": "Gold"}}, {"value": "silver", "labels": map[string]string{"en": "Silver"}}}})
	since := ws.CustomField(t, "contacts", "member_since", "date", nil)
	vip := ws.CustomField(t, "contacts", "vip", "boolean", nil)
	tag := c.CreateTag(t, "Key account", map[string]any{"color": "#ff0000"})
	parent := c.Create(t, "accounts", map[string]any{"name": "Zubiri Holding", "website": "zubiri.example"})
	acc := c.Create(t, "accounts", map[string]any{"name": "Zubiri Ibérica", "website": "zubiri.es", "tag_ids": []string{tag.ID()}})
	c.Must(t, 200, "PATCH", "/api/v1/accounts/"+acc.ID(), map[string]any{"parent_id": parent.ID()}, "If-Match", `*`)
	c.Must(t, 201, "POST", "/api/v1/accounts/"+acc.ID()+"/relationships", map[string]any{"type": "subsidiary_of", "other_id": parent.ID(), "note": "since 2020"})
	ana := c.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "Zubiri", "emails": "ana@zubiri.es", "phones": "+34 612 34 56 78",
		"account_id": acc.ID(), tier: "silver", since: "2019-03-04", vip: true, "tag_ids": []string{tag.ID()}, "email_consent": "opt_in"})
	ana = servertest.Record(patch(t, c, "contacts", ana, map[string]any{tier: "gold", "job_title": "Directora \"compras\"\n<b>&</b>"}))
	boss := c.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "张", "job_title": "采购经理"})
	c.Must(t, 201, "POST", "/api/v1/contacts/"+ana.ID()+"/relationships", map[string]any{"type": "reports_to", "other_id": boss.ID()})
	gone := c.Create(t, "contacts", map[string]any{"given_name": "Trashed", "family_name": "Person"})
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+gone.ID(), nil)
	f.contact = ana
	// A task with a reminder due: firing it writes a notification.
	c.Create(t, "activities", map[string]any{"type": "task", "subject": "Call Ana back", "contact_ids": []string{ana.ID()}, "assignee_id": f.sales.UserID,
		"due_at": e.Clock.Now().Add(time.Hour).Format(time.RFC3339), "remind_at": e.Clock.Now().Add(-time.Minute).Format(time.RFC3339)})
	e.RunJob(t, "fire_reminders")
	// Sales: a rate, lead rules, a lead (assigned round-robin) whose call
	// follows it into the account, contact and deal it converts into, a
	// quota.
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2025-01-01", "rate": "1.08"})
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "engagement", "field": "call", "points": 5})
	c.Must(t, 201, "POST", "/api/v1/lead_assignment_rules", map[string]any{"team_id": north})
	lead := c.Create(t, "leads", map[string]any{"given_name": "Luis", "family_name": "Lead", "company": "Lead Works", "email": "luis@leadworks.example"})
	c.Create(t, "activities", map[string]any{"type": "call", "subject": "Intro call", "lead_ids": []string{lead.ID()}})
	c.Must(t, 200, "POST", "/api/v1/leads/"+lead.ID()+"/convert", map[string]any{"deal": map[string]any{"amount": "5000.50", "currency": "EUR", "close_date": "2025-09-30"}})
	c.Must(t, 200, "PUT", "/api/v1/quotas", map[string]any{"user_id": f.sales.UserID, "month": "2025-09", "amount": "20000"})
	// The sales chain: a product in a price book, a quote with its lines
	// accepted into an order, a partial shipment, the order's invoice
	// partly paid, a contract.
	eur := func(a string) map[string]any { return map[string]any{"amount": a, "currency": "EUR"} }
	buyer := c.Create(t, "accounts", map[string]any{"name": "Chain Buyer SL"}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "K-50", "name": "Barril 50 L", "unit": "uds", "tax_rate": "21", "list_price": eur("120")}).ID()
	book := c.Create(t, "price_books", map[string]any{"name": "Partners EUR", "currency": "EUR"}).ID()
	c.Create(t, "price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("110")})
	q := c.Create(t, "quotes", map[string]any{"name": "Barrels", "account_id": buyer, "currency": "EUR", "price_book_id": book}).ID()
	c.Create(t, "line_items", map[string]any{"quote_id": q, "product_id": prod, "quantity": "3"})
	var ord struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/quotes/"+q+"/accept", nil).JSON(t, &ord)
	var lines struct{ Data []struct{ ID string } }
	c.Must(t, 200, "GET", "/api/v1/line_items?filter[order_id][eq]="+ord.ID, nil).JSON(t, &lines)
	if len(lines.Data) != 1 {
		t.Fatalf("the order's lines: %+v", lines)
	}
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID+"/ship", map[string]any{"carrier": "DHL", "tracking_number": "JD0001", "shipped_on": "2025-06-02",
		"items": []map[string]any{{"line_item_id": lines.Data[0].ID, "quantity": "1"}}})
	var inv struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID+"/invoice", nil).JSON(t, &inv)
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID, map[string]any{"status": "issued"})
	c.Must(t, 201, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID, "amount": eur("100"), "method": "bank_transfer"})
	c.Create(t, "contracts", map[string]any{"name": "Support 2025", "account_id": buyer, "start_date": "2025-01-01", "end_date": "2025-12-31",
		"value": eur("3650"), "status": "active"})
	// A deal with products (its amount follows them) and the quote made
	// from it with a copy of its lines.
	deal := c.Create(t, "deals", map[string]any{"name": "Summer barrels", "account_id": buyer, "amount": eur("1")}).ID()
	f.deal = deal
	c.Create(t, "line_items", map[string]any{"deal_id": deal, "product_id": prod, "quantity": "4", "discount_percent": "5"})
	c.Create(t, "line_items", map[string]any{"deal_id": deal, "name": "Tap fitting", "quantity": "1", "unit_price": eur("35.50")})
	c.Must(t, 201, "POST", "/api/v1/deals/"+deal+"/quote", nil)
	c.Must(t, 201, "POST", "/api/v1/views", map[string]any{"object": "contacts", "name": "Gold", "query": "filter[" + tier + "][eq]=gold", "shared": true})
	// An attachment whose bytes are not text.
	f.file = make([]byte, 3000)
	for i := range f.file {
		f.file[i] = byte(i * 7)
	}
	f.fileID = attach(t, c, "contacts", ana.ID(), "notes ñ.bin", f.file)
	// A finished import (import, its records and issues), a queued one
	// whose uploaded file is kept for it, and a template.
	var b struct{ ID string }
	upload(t, c, map[string]string{"object": "contacts", "start": "true"}, "people.csv",
		"First Name,Last Name,Email\nBea,Uriarte,bea@uriarte.example\nBad,Row,not-an-email\n").JSON(t, &b)
	if _, err := e.Server.Imports.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	upload(t, c, map[string]string{"object": "contacts"}, "draft.csv", "First Name,Last Name\nCarla,Draft\n")
	p, err := e.Server.Auth.Principal(ctx, ws.ID, c.UserID)
	if err != nil {
		t.Fatal(err)
	}
	obj, name := "contacts", "Our CRM layout"
	if _, err := e.Server.Imports.SaveTemplate(ctx, p, "", importsTemplate(obj, name)); err != nil {
		t.Fatal(err)
	}
	// Another workspace on the same server, which must not travel.
	other := e.AddWorkspace("Other")
	other.Admin.Create(t, "contacts", map[string]any{"given_name": "Olga", "family_name": "Other"})
	attach(t, other.Admin, "contacts", other.Admin.Create(t, "contacts", map[string]any{"given_name": "Oscar"}).ID(), "o.txt", []byte("other's file"))
	return f
}

func importsTemplate(object, name string) imports.TemplateInput {
	mapping := []imports.Column{{Column: "First Name", Field: "given_name"}, {Column: "Last Name", Field: "family_name"}}
	return imports.TemplateInput{Object: &object, Name: &name, Mapping: &mapping}
}

func patch(t *testing.T, c *servertest.Client, object string, r servertest.Record, fields map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	c.Must(t, 200, "PATCH", "/api/v1/"+object+"/"+r.ID(), fields, "If-Match", `*`).JSON(t, &out)
	return out
}

func attach(t *testing.T, c *servertest.Client, object, id, name string, content []byte) string {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	var out struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/"+object+"/"+id+"/attachments", b.Bytes(), "Content-Type", mw.FormDataContentType()).JSON(t, &out)
	return out.ID
}

func upload(t *testing.T, c *servertest.Client, fields map[string]string, name, content string) *servertest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	return c.Must(t, 201, "POST", "/api/v1/imports", b.Bytes(), "Content-Type", mw.FormDataContentType())
}

// export writes the fixture's workspace to an archive.
func export(t *testing.T, f *fixture) []byte {
	t.Helper()
	var buf bytes.Buffer
	m, err := archive.Export(context.Background(), f.env.Server.DB, f.ws.ID, &buf, f.env.Server.ArchiveOptions())
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if m.Workspace.Name != "Acme" || m.Files.Attachments != 1 || m.Files.ImportFiles != 1 || len(m.Files.Missing) != 0 {
		t.Fatalf("manifest: workspace %+v, files %+v", m.Workspace, m.Files)
	}
	return buf.Bytes()
}

// restore imports an archive into a new, empty server on d.
func restore(t *testing.T, d *db.DB, data []byte) (*servertest.Env, *archive.Manifest, error) {
	t.Helper()
	e := servertest.NewOn(t, d, nil)
	m, err := archive.Import(context.Background(), d, bytes.NewReader(data), int64(len(data)), e.Server.ArchiveOptions())
	return e, m, err
}

// TestRoundTrip exports a populated workspace and restores it into an
// empty database of the same dialect and, on the PostgreSQL half, of the
// other one in both directions: every table equal row for row, every
// file byte for byte, and the restored server works.
func TestRoundTrip(t *testing.T) {
	type pair struct{ from, to db.Dialect }
	pairs := []pair{{dbtest.Dialect(), dbtest.Dialect()}}
	if dbtest.Dialect() == db.Postgres {
		pairs = append(pairs, pair{db.SQLite, db.Postgres}, pair{db.Postgres, db.SQLite})
	}
	for _, p := range pairs {
		t.Run(string(p.from)+"-to-"+string(p.to), func(t *testing.T) {
			src := openDialect(t, p.from)
			f := populate(t, src)
			data := export(t, f)
			dst := openDialect(t, p.to)
			indexes := indexNames(t, dst)
			e, m, err := restore(t, dst, data)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if got := indexNames(t, dst); !slices.Equal(got, indexes) {
				t.Fatalf("indexes after the import:\n%v\nbefore:\n%v", got, indexes)
			}
			if m.Dialect != string(p.from) {
				t.Fatalf("manifest dialect %s", m.Dialect)
			}
			checkEqual(t, src, dst, f.ws.ID)
			checkFiles(t, f, e)
			checkWorks(t, f, e)
		})
	}
}

// indexNames lists the indexes of every table of d: the import drops
// some for speed and must build every one again.
func indexNames(t *testing.T, d *db.DB) []string {
	t.Helper()
	ctx := context.Background()
	tables, err := d.Catalog(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	ixs, err := d.SecondaryIndexes(ctx, names...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ix := range ixs {
		out = append(out, ix.Def)
	}
	sort.Strings(out)
	return out
}

// tableRows returns every row of every archived table of workspace ws,
// each row normalised to a string, sorted.
func tableRows(t *testing.T, d *db.DB, ws string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	tables, err := d.Catalog(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	names, scopes, err := archive.PlanForTest(tables)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		if !slices.Contains(names, tb.Name) {
			continue
		}
		var cols []string
		for _, c := range tb.Columns {
			cols = append(cols, db.QuoteIdent(c.Name))
		}
		rows, err := d.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+db.QuoteIdent(tb.Name)+" WHERE "+scopes[tb.Name], ws)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		list := []string{}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for i, c := range tb.Columns {
				v := norm(vals[i])
				if tb.Name == "imports" && c.Name == "file_path" {
					// A path differs from machine to machine: compare
					// whether it names a file (checkFiles checks which).
					_, err := os.Stat(v)
					v = fmt.Sprintf("(file exists: %v)", v != "" && err == nil)
				}
				parts = append(parts, c.Name+"="+v)
			}
			list = append(list, strings.Join(parts, "\x1f"))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(list)
		out[tb.Name] = list
	}
	return out
}

// norm writes a value of either dialect in one form: booleans as 1/0,
// times in UTC with microseconds, JSON documents with sorted keys.
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 && x.Location() == time.UTC {
			// A DATE from PostgreSQL; SQLite holds YYYY-MM-DD.
			return x.Format(time.DateOnly)
		}
		return db.T(x)
	case [16]byte:
		return uuid.UUID(x).String()
	case []byte:
		return normText(string(x))
	case string:
		return normText(x)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func normText(s string) string {
	if tm, err := time.Parse(time.RFC3339Nano, s); err == nil && len(s) >= 20 {
		return db.T(tm)
	}
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") || strings.HasPrefix(s, `"`) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return s
}

func checkEqual(t *testing.T, src, dst *db.DB, ws string) {
	t.Helper()
	want, got := tableRows(t, src, ws), tableRows(t, dst, ws)
	if len(want) != len(got) {
		t.Errorf("%d tables archived from the source, %d in the target", len(want), len(got))
	}
	for name, rows := range want {
		if len(rows) == 0 {
			t.Errorf("the fixture leaves %s empty: fill it, so that the test compares something", name)
		}
		g := got[name]
		if len(g) != len(rows) {
			t.Errorf("%s: %d rows in the source, %d restored", name, len(rows), len(g))
			continue
		}
		for i := range rows {
			if rows[i] != g[i] {
				t.Errorf("%s: row differs\n source: %s\n target: %s", name, strings.ReplaceAll(rows[i], "\x1f", " | "), strings.ReplaceAll(g[i], "\x1f", " | "))
				break
			}
		}
	}
	// Nothing of the other workspace came along.
	ctx := context.Background()
	var n int
	if err := dst.QueryRow(ctx, "SELECT COUNT(*) FROM workspaces").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d workspaces restored (%v), want 1", n, err)
	}
	for _, tb := range []string{"sessions", "api_tokens", "jobs"} {
		if err := dst.QueryRow(ctx, "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows in the target (%v); it must not travel", tb, n, err)
		}
	}
}

func checkFiles(t *testing.T, f *fixture, e *servertest.Env) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(e.Server.Files.Dir, f.ws.ID, f.fileID))
	if err != nil || !bytes.Equal(got, f.file) {
		t.Fatalf("attachment restored as %d bytes (%v), want the %d bytes uploaded", len(got), err, len(f.file))
	}
	// The queued import's file is in this server's directory, its row
	// says so, and the import runs here.
	ctx := context.Background()
	var id, path string
	if err := e.Server.DB.QueryRow(ctx, "SELECT id, file_path FROM imports WHERE workspace_id = ? AND status = 'queued'", f.ws.ID).Scan(&id, &path); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(e.Server.Imports.Dir, f.ws.ID, id); path != want {
		t.Fatalf("queued import's file_path %q, want %q", path, want)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "First Name,Last Name\nCarla,Draft\n" {
		t.Fatalf("queued import's file: %q, %v", b, err)
	}
	if _, err := e.Server.Imports.RunPending(ctx); err != nil {
		t.Fatalf("the moved import: %v", err)
	}
	var n int
	if err := e.Server.DB.QueryRow(ctx, "SELECT COUNT(*) FROM contacts WHERE workspace_id = ? AND name = 'Carla Draft'", f.ws.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the moved import wrote %d contacts (%v)", n, err)
	}
}

// checkWorks uses the restored server: sign in with the old password,
// search, read a record with its custom values and history, download
// the attachment, and write.
func checkWorks(t *testing.T, f *fixture, e *servertest.Env) {
	t.Helper()
	b := e.Browser()
	b.SignIn(t, salesEmail, servertest.Password)
	admin := e.Browser()
	admin.SignIn(t, "admin@acme.test", servertest.Password)
	var hits struct{ Data []struct{ ID string } }
	admin.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape("zubiri ana"), nil).JSON(t, &hits)
	if len(hits.Data) == 0 || hits.Data[0].ID != f.contact.ID() {
		t.Fatalf("search for the contact found %+v", hits.Data)
	}
	admin.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape("张"), nil).JSON(t, &hits)
	if len(hits.Data) == 0 {
		t.Fatal("search for a Chinese name found nothing")
	}
	got := admin.Get(t, "contacts", f.contact.ID())
	for k, v := range f.contact {
		if k == "account_name" || k == "owner_name" {
			continue
		}
		if !equalJSON(got[k], v) {
			t.Errorf("restored contact: %s = %v, want %v", k, got[k], v)
		}
	}
	if h := admin.History(t, "contacts", f.contact.ID()); len(h) < 2 {
		t.Errorf("history of the contact: %d entries", len(h))
	}
	r := admin.Must(t, 200, "GET", "/api/v1/attachments/"+f.fileID, nil)
	if !bytes.Equal(r.Body, f.file) {
		t.Error("the downloaded attachment differs")
	}
	// The restored server takes writes: ids and sequences do not collide.
	admin.Create(t, "contacts", map[string]any{"given_name": "New", "family_name": "After Restore"})
	// The deal's lines came along, and its amount still follows them:
	// 4 × 120 − 5 % = 456.00 + 21 % tax = 551.76, and 35.50 by hand.
	if n := len(admin.List(t, "/api/v1/line_items?filter[deal_id][eq]="+f.deal).Data); n != 2 {
		t.Errorf("the restored deal has %d lines, want 2", n)
	}
	admin.Create(t, "line_items", map[string]any{"deal_id": f.deal, "name": "After restore", "quantity": "1", "unit_price": map[string]any{"amount": "10", "currency": "EUR"}})
	if d := admin.Get(t, "deals", f.deal); !equalJSON(d["amount"], map[string]any{"amount": "597.26", "currency": "EUR"}) {
		t.Errorf("the restored deal's amount after a new line: %v", d["amount"])
	}
	var dups struct{ Total int }
	admin.Must(t, 200, "GET", "/api/v1/contacts/duplicates", nil).JSON(t, &dups)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestEveryTableArchivedOrExcluded fails when a table neither belongs to
// a workspace (and so is archived) nor is excluded with its reason, and
// when an exclusion names a table that no longer exists.
func TestEveryTableArchivedOrExcluded(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	tables, err := d.Catalog(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	names, _, err := archive.PlanForTest(tables)
	if err != nil {
		t.Fatal(err)
	}
	for ex := range archive.Excluded {
		if !slices.ContainsFunc(tables, func(tb db.Table) bool { return tb.Name == ex }) {
			t.Errorf("archive.Excluded names %s, which the database does not have", ex)
		}
	}
	for _, must := range []string{"workspaces", "users", "roles", "teams", "team_members", "custom_fields", "record_changes", "accounts", "contacts", "activities", "activity_links", "attachments", "import_records"} {
		if !slices.Contains(names, must) {
			t.Errorf("%s is not archived", must)
		}
	}
	if names[0] != "workspaces" {
		t.Errorf("insert order starts with %s", names[0])
	}
	// A new table of a later module: with a workspace it is archived by
	// itself; without one, planning fails and names it.
	idType := "TEXT"
	if d.Dialect == db.Postgres {
		idType = "UUID"
	}
	if _, err := d.Exec(ctx, "CREATE TABLE widgets (id TEXT PRIMARY KEY, workspace_id "+idType+" NOT NULL REFERENCES workspaces(id), name TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "CREATE TABLE gadgets (id TEXT PRIMARY KEY, name TEXT)"); err != nil {
		t.Fatal(err)
	}
	tables, err = d.Catalog(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = archive.PlanForTest(tables)
	if err == nil || !strings.Contains(err.Error(), "gadgets") || strings.Contains(err.Error(), "widgets") {
		t.Fatalf("planning with an unscoped table: %v", err)
	}
	var without []db.Table
	for _, tb := range tables {
		if tb.Name != "gadgets" {
			without = append(without, tb)
		}
	}
	if names, _, err = archive.PlanForTest(without); err != nil || !slices.Contains(names, "widgets") {
		t.Fatalf("a new table with workspace_id: archived %v, %v", slices.Contains(names, "widgets"), err)
	}
}

// TestSchemasAgree: both dialects have the same tables and columns, so
// an archive of one restores into the other.
func TestSchemasAgree(t *testing.T) {
	if dbtest.Dialect() != db.Postgres {
		t.Skip("compares SQLite with PostgreSQL on the PostgreSQL half")
	}
	ctx := context.Background()
	cols := func(d *db.DB) map[string][]string {
		tables, err := d.Catalog(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, tb := range tables {
			for _, c := range tb.Columns {
				out[tb.Name] = append(out[tb.Name], c.Name)
			}
			sort.Strings(out[tb.Name])
		}
		return out
	}
	s, p := cols(openSQLite(t)), cols(openPostgres(t))
	for name, c := range s {
		if !slices.Equal(c, p[name]) {
			t.Errorf("%s: SQLite columns %v, PostgreSQL %v", name, c, p[name])
		}
	}
	if len(s) != len(p) {
		t.Errorf("%d tables on SQLite, %d on PostgreSQL", len(s), len(p))
	}
}

// TestImportRefusals: an import that cannot be whole writes nothing.
func TestImportRefusals(t *testing.T) {
	ctx := context.Background()
	f := populate(t, dbtest.Open(t))
	data := export(t, f)

	// The target server is not empty.
	busy := servertest.New(t)
	_, err := archive.Import(ctx, busy.Server.DB, bytes.NewReader(data), int64(len(data)), busy.Server.ArchiveOptions())
	if !errors.Is(err, archive.ErrNotEmpty) || !strings.Contains(err.Error(), "empty server") {
		t.Fatalf("into a server with a workspace: %v", err)
	}

	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	offset := func(name string) int64 {
		for _, zf := range zr.File {
			if zf.Name == name {
				o, err := zf.DataOffset()
				if err != nil {
					t.Fatal(err)
				}
				return o + int64(zf.CompressedSize64)/2
			}
		}
		t.Fatalf("no %s in the archive", name)
		return 0
	}
	flip := func(at int64) []byte {
		b := bytes.Clone(data)
		b[at] ^= 0x55
		return b
	}
	manifest := func(edit func(m map[string]any)) []byte {
		return rewrite(t, data, func(name string, b []byte) []byte {
			if name != "manifest.json" {
				return b
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			out, _ := json.Marshal(m)
			return out
		})
	}
	var rowsOfContacts float64
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty file", nil, archive.ErrDamaged, "not a readable zip"},
		{"not a zip", []byte("name,email\nana,ana@x\n"), archive.ErrDamaged, "not a readable zip"},
		{"truncated", data[:len(data)*2/3], archive.ErrDamaged, "incomplete"},
		{"zip of something else", zipOf(t, map[string]string{"hello.txt": "hi"}), archive.ErrDamaged, "no manifest"},
		{"damaged rows", flip(offset("tables/contacts.jsonl")), archive.ErrDamaged, "contacts"},
		// Found at the very end, after every table is in: the rows go too.
		{"damaged attachment", flip(offset("attachments/" + f.fileID)), archive.ErrDamaged, f.fileID},
		{"newer schema", manifest(func(m map[string]any) { m["schema_version"] = m["schema_version"].(float64) + 1 }), archive.ErrVersion, "newer Rapport"},
		{"older schema", manifest(func(m map[string]any) { m["schema_version"] = m["schema_version"].(float64) - 1 }), archive.ErrVersion, "older Rapport"},
		{"newer format", manifest(func(m map[string]any) { m["format_version"] = 99 }), archive.ErrVersion, "format version 99"},
		{"row count disagrees", manifest(func(m map[string]any) {
			for _, tb := range m["tables"].([]any) {
				if tm := tb.(map[string]any); tm["name"] == "contacts" {
					rowsOfContacts = tm["rows"].(float64)
					tm["rows"] = rowsOfContacts + 1
				}
			}
		}), archive.ErrDamaged, "manifest says"},
		{"unknown table", manifest(func(m map[string]any) {
			m["tables"] = append(m["tables"].([]any), map[string]any{"name": "gadgets", "file": "tables/gadgets.jsonl", "rows": 0, "columns": []any{}})
		}), archive.ErrDamaged, "gadgets"},
		{"row of another workspace", rewrite(t, data, func(name string, b []byte) []byte {
			if name == "tables/tags.jsonl" {
				return bytes.ReplaceAll(b, []byte(f.ws.ID), []byte(uuid.NewString()))
			}
			return b
		}), archive.ErrDamaged, "another workspace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dbtest.Open(t)
			e, _, err := restore(t, d, tc.data)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
			for _, tb := range []string{"workspaces", "users", "contacts", "record_changes", "attachments", "imports", "search_docs"} {
				var n int
				if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil || n != 0 {
					t.Errorf("after a refused import, %s holds %d rows (%v)", tb, n, err)
				}
			}
			left := 0
			filepath.WalkDir(e.Server.Files.Dir, func(path string, de os.DirEntry, err error) error {
				if err == nil && !de.IsDir() {
					left++
					t.Errorf("after a refused import, a file is left: %s", path)
				}
				return nil
			})
			// The same archive, undamaged, then goes in.
			if _, err := archive.Import(ctx, d, bytes.NewReader(data), int64(len(data)), e.Server.ArchiveOptions()); err != nil {
				t.Fatalf("the sound archive after a refused one: %v", err)
			}
		})
	}
}

// rewrite returns a copy of an archive with each entry's content passed
// through edit.
func rewrite(t *testing.T, data []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(edit(zf.Name, b))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for name, content := range files {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	zw.Close()
	return out.Bytes()
}

// TestExportMissingFile: an attachment whose file is lost is reported in
// the manifest, its row still travels, and the archive restores.
func TestExportMissingFile(t *testing.T) {
	f := populate(t, dbtest.Open(t))
	if err := os.Remove(filepath.Join(f.env.Server.Files.Dir, f.ws.ID, f.fileID)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m, err := archive.Export(context.Background(), f.env.Server.DB, f.ws.ID, &buf, f.env.Server.ArchiveOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Files.Missing, []string{f.fileID}) || m.Files.Attachments != 0 {
		t.Fatalf("files %+v", m.Files)
	}
	e, _, err := restore(t, dbtest.Open(t), buf.Bytes())
	if err != nil {
		t.Fatalf("an archive with a missing file: %v", err)
	}
	var n int
	if err := e.Server.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM attachments").Scan(&n); err != nil || n != 1 {
		t.Fatalf("attachment rows %d, %v", n, err)
	}
}

// hookWriter calls hook before its first write: by then the export has
// taken its snapshot.
type hookWriter struct {
	w    io.Writer
	hook func()
}

func (h *hookWriter) Write(p []byte) (int, error) {
	if h.hook != nil {
		h.hook()
		h.hook = nil
	}
	return h.w.Write(p)
}

// TestExportIsASnapshot: what is written while an export runs is not in
// it, so the archive is consistent however long it takes.
func TestExportIsASnapshot(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	c.Create(t, "contacts", map[string]any{"given_name": "Before"})
	var buf bytes.Buffer
	w := &hookWriter{w: &buf, hook: func() { c.Create(t, "contacts", map[string]any{"given_name": "During"}) }}
	m, err := archive.Export(context.Background(), e.Server.DB, e.WS.ID, w, e.Server.ArchiveOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range m.Tables {
		if tb.Name == "contacts" && tb.Rows != 1 {
			t.Fatalf("the archive holds %d contacts, want only the one before the export", tb.Rows)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == "tables/contacts.jsonl" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte("During")) || !bytes.Contains(b, []byte("Before")) {
				t.Fatalf("contacts.jsonl: %s", b)
			}
		}
	}
}
