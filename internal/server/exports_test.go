package server_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// readExportCSV parses an exported CSV into its header and rows by column
// name.
func readExportCSV(t *testing.T, body []byte) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("export CSV: %v %q", err, body)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return recs[0], out
}

// TestExport: a list with its filters as CSV (readable reference columns,
// formula injection neutralised), every page of a long list, the scope of
// the caller, the other formats, and bad requests.
func TestExport(t *testing.T) {
	e := servertest.New(t)
	e.Server.Exports.Batch = 300 // the long list below spans several batches
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Globex", "domain": "globex.example"})
	tag := c.CreateTag(t, "VIP")
	ana := c.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "López", "account_id": acc.ID(), "tag_ids": []string{tag.ID()},
		"emails": []any{map[string]any{"address": "ana@globex.example"}, map[string]any{"address": "ana.lopez@home.example"}},
		"phones": []any{map[string]any{"text": "+34 612 34 56 78"}}, "job_title": "=HYPERLINK(\"http://evil.example\",\"x\")", "city": "Madrid",
		"birthday": "1990-04-12"})
	c.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "张", "emails": []any{map[string]any{"address": "wei@example.cn"}}})

	r := c.Must(t, 200, "GET", "/api/v1/contacts/export?filter[city][eq]=Madrid", nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "contacts-") {
		t.Fatalf("headers %v", r.Header)
	}
	header, rows := readExportCSV(t, r.Body)
	for _, col := range []string{"id", "given_name", "emails", "account_id", "account_name", "tag_ids", "tag_names", "owner_id", "owner_email"} {
		if !slices.Contains(header, col) {
			t.Errorf("header lacks %s: %v", col, header)
		}
	}
	if len(rows) != 1 {
		t.Fatalf("filtered export: %d rows, want 1: %q", len(rows), r.Body)
	}
	got := rows[0]
	want := map[string]string{"id": ana.ID(), "given_name": "Ana", "family_name": "López", "emails": "ana@globex.example; ana.lopez@home.example",
		"phones": "'+34612345678", "account_id": acc.ID(), "account_name": "Globex", "tag_names": "VIP", "owner_email": c.Email,
		"job_title": "'=HYPERLINK(\"http://evil.example\",\"x\")", "birthday": "1990-04-12"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	// A list longer than a page comes out whole, once each, in order.
	var batch []any
	for i := range 1100 {
		batch = append(batch, map[string]any{"given_name": fmt.Sprintf("Bulk%04d", i), "family_name": "Person", "city": "Lyon"})
		if len(batch) == 550 {
			c.Must(t, 200, "POST", "/api/v1/contacts/bulk", map[string]any{"records": batch})
			batch = nil
		}
	}
	r = c.Must(t, 200, "GET", "/api/v1/contacts/export?filter[city][eq]=Lyon&sort=given_name", nil)
	_, rows = readExportCSV(t, r.Body)
	if len(rows) != 1100 {
		t.Fatalf("long export: %d rows, want 1100", len(rows))
	}
	for i, row := range rows {
		if row["given_name"] != fmt.Sprintf("Bulk%04d", i) {
			t.Fatalf("row %d is %q: not every record once, in order", i, row["given_name"])
		}
	}

	// A salesperson exports only what they reach.
	sales := e.WS.User(t, "sales")
	mine := sales.Create(t, "contacts", map[string]any{"given_name": "Own", "family_name": "Record"})
	_, rows = readExportCSV(t, sales.Must(t, 200, "GET", "/api/v1/contacts/export", nil).Body)
	if len(rows) != 1 || rows[0]["id"] != mine.ID() {
		t.Fatalf("sales export: %d rows %v, want only their own record", len(rows), rows)
	}
	other := e.AddWorkspace("Other")
	_, rows = readExportCSV(t, other.Admin.Must(t, 200, "GET", "/api/v1/contacts/export", nil).Body)
	if len(rows) != 0 {
		t.Fatalf("another workspace's export has %d rows", len(rows))
	}

	// JSON Lines: the API's record, one per line.
	r = c.Must(t, 200, "GET", "/api/v1/contacts/export?format=jsonl&filter[city][eq]=Madrid", nil)
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("jsonl line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 1 || lines[0]["id"] != ana.ID() || lines[0]["family_name"] != "López" || lines[0]["account_id"] != acc.ID() {
		t.Fatalf("jsonl %s", r.Body)
	}

	// vCard: read back by the importer's own reader.
	r = c.Must(t, 200, "GET", "/api/v1/contacts/export?format=vcf&q=Ana", nil)
	var cards []dataio.Card
	if err := dataio.ReadVCards(bytes.NewReader(r.Body), func(cd dataio.Card) error { cards = append(cards, cd); return nil }); err != nil {
		t.Fatalf("vcf: %v\n%s", err, r.Body)
	}
	if len(cards) != 1 || cards[0].GivenName != "Ana" || cards[0].Org != "Globex" || len(cards[0].Emails) != 2 || cards[0].Birthday != "1990-04-12" ||
		!slices.Contains(cards[0].Categories, "VIP") {
		t.Fatalf("vcard %+v\n%s", cards, r.Body)
	}

	// iCalendar: meetings (activities with a start); the others are left out.
	contact := ana.ID()
	c.Create(t, "activities", map[string]any{"type": "meeting", "subject": "Kick-off", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z",
		"location": "Madrid", "contact_ids": []string{contact}, "attendees": []any{map[string]any{"address": "ana@globex.example"}}})
	c.Create(t, "activities", map[string]any{"type": "note", "subject": "Just a note", "contact_ids": []string{contact}})
	r = c.Must(t, 200, "GET", "/api/v1/activities/export?format=ics", nil)
	var evs []dataio.Event
	if err := dataio.ReadEvents(bytes.NewReader(r.Body), func(ev dataio.Event) error { evs = append(evs, ev); return nil }); err != nil {
		t.Fatalf("ics: %v\n%s", err, r.Body)
	}
	if len(evs) != 1 || evs[0].Summary != "Kick-off" || evs[0].Start.Hour() != 9 || evs[0].End.Hour() != 10 || !slices.Contains(evs[0].Attendees, "ana@globex.example") {
		t.Fatalf("events %+v\n%s", evs, r.Body)
	}

	// Excel: a workbook whose first row is the header.
	r = c.Must(t, 200, "GET", "/api/v1/contacts/export?format=xlsx&filter[city][eq]=Madrid", nil)
	xr, err := dataio.NewXLSXReader(bytes.NewReader(r.Body), dataio.XLSXOptions{})
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	if !slices.Contains(xr.Header(), "account_name") {
		t.Fatalf("xlsx header %v", xr.Header())
	}
	row, err := xr.Next()
	if err != nil || !slices.Contains(row.Values, "Globex") {
		t.Fatalf("xlsx first row %v %v", row, err)
	}
	xr.Close()

	// A saved view exports with its filters.
	var view struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/views", map[string]any{"object": "contacts", "name": "Madrid", "query": "filter[city][eq]=Madrid"}).JSON(t, &view)
	_, rows = readExportCSV(t, c.Must(t, 200, "GET", "/api/v1/contacts/export?view="+view.ID, nil).Body)
	if len(rows) != 1 || rows[0]["id"] != ana.ID() {
		t.Fatalf("view export: %v", rows)
	}

	// Bad requests name the parameter and write nothing.
	for path, field := range map[string]string{
		"/api/v1/contacts/export?format=pdf":                        "query.format",
		"/api/v1/accounts/export?format=vcf":                        "query.format",
		"/api/v1/contacts/export?format=ics":                        "query.format",
		"/api/v1/contacts/export?limit=10":                          "query.limit",
		"/api/v1/contacts/export?view=" + url.QueryEscape(ana.ID()): "query.view",
		"/api/v1/contacts/export?filter[nope][eq]=1":                "query.filter[nope][eq]",
	} {
		r := c.Do(t, "GET", path, nil)
		if r.Status/100 != 4 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s %s", path, r.Status, r.Header.Get("Content-Type"), r.Body)
			continue
		}
		if p := r.Problem(t); !p.Names(field) {
			t.Errorf("%s: problem %+v does not name %s", path, p, field)
		}
	}
	e.Anonymous().Must(t, 401, "GET", "/api/v1/contacts/export", nil)
}

// TestExportPage: the list's Export menu links to the list as filtered,
// and the link downloads it.
func TestExportPage(t *testing.T) {
	e := servertest.New(t)
	b := e.Browser()
	b.SignIn(t, e.WS.Admin.Email, servertest.Password)
	e.WS.Admin.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "López", "city": "Madrid"})
	e.WS.Admin.Create(t, "contacts", map[string]any{"given_name": "Bob", "family_name": "Smith", "city": "Paris"})
	page := string(b.Must(t, 200, "GET", "/o/contacts?filter[city][eq]=Madrid", nil).Body)
	i := strings.Index(page, `data-testid="export-menu"`)
	if i < 0 {
		t.Fatalf("no export menu on the list")
	}
	j := strings.Index(page[i:], `href="/o/contacts/export?`)
	if j < 0 {
		t.Fatalf("no export link")
	}
	href := page[i+j+len(`href="`):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	if !strings.Contains(href, "filter%5Bcity%5D%5Beq%5D=Madrid") || !strings.Contains(href, "format=csv") {
		t.Fatalf("export link %q does not carry the list's filter", href)
	}
	_, rows := readExportCSV(t, b.Must(t, 200, "GET", href, nil).Body)
	if len(rows) != 1 || rows[0]["given_name"] != "Ana" {
		t.Fatalf("page export rows %v", rows)
	}
	for _, f := range []string{"format=vcf", "format=xlsx", "format=jsonl"} {
		if !strings.Contains(page, f) {
			t.Errorf("contacts export menu lacks %s", f)
		}
	}
	if strings.Contains(page, "format=ics") {
		t.Errorf("contacts export menu offers iCalendar")
	}
}
