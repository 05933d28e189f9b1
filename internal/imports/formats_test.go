package imports_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/xuri/excelize/v2"
)

// TestEncodingsAndLayouts: Spanish headers in Windows-1252 with
// semicolons, Chinese headers in GB18030 with whole names to split, an
// Outlook export in UTF-16 with tabs, vCards 3.0 and 4.0.
func TestEncodingsAndLayouts(t *testing.T) {
	e := newEnv(t)
	if _, err := e.d.Exec(e.ctx, "UPDATE workspaces SET region = 'ES'"); err != nil {
		t.Fatal(err)
	}
	e.imp = e.service() // the region is read per run; a fresh service is not needed but shows it

	es := e.upload("contacts", "contactos_es_win1252.csv")
	if es.Encoding != "windows-1252" || es.Delimiter != ";" {
		t.Fatalf("Spanish file read as %s %q", es.Encoding, es.Delimiter)
	}
	mapped := map[string]string{}
	for _, c := range es.Mapping {
		mapped[c.Column] = c.Field
	}
	if mapped["Nombre"] != "given_name" || mapped["Apellidos"] != "family_name" || mapped["Correo electrónico"] != "emails" || mapped["Teléfono móvil"] != "phones" ||
		mapped["Empresa"] != "account" || mapped["Ciudad"] != "city" || mapped["Etiquetas"] != "tags" {
		t.Fatalf("Spanish mapping %v", mapped)
	}
	got := e.run(es, imports.Options{CreateAccounts: ptr(true)})
	if got.Status != imports.StatusDone || got.Rows.Created != 3 || got.Rows.Rejected != 0 {
		t.Fatalf("Spanish import: %s %+v %v", got.Status, got.Rows, e.issues(got))
	}
	cs := e.contacts()
	jose := cs["José Núñez García"]
	if jose == nil || str(jose.Values["city"]) != "Málaga" || str(jose.Values["phone"]) != "+34612345678" {
		t.Fatalf("José: %v", names(cs))
	}

	// National numbers are read in the workspace's region.
	if _, err := e.d.Exec(e.ctx, "UPDATE workspaces SET region = 'CN'"); err != nil {
		t.Fatal(err)
	}
	zh := e.upload("contacts", "contacts_zh_gb18030.csv")
	if zh.Encoding != "gb18030" {
		t.Fatalf("Chinese file read as %s", zh.Encoding)
	}
	got = e.run(zh, imports.Options{CreateAccounts: ptr(true)})
	if got.Rows.Created != 3 || got.Rows.Rejected != 0 {
		t.Fatalf("Chinese import %+v %v", got.Rows, e.issues(got))
	}
	cs = e.contacts()
	for name, parts := range map[string][2]string{"张伟": {"伟", "张"}, "欧阳娜娜": {"娜娜", "欧阳"}, "王芳": {"芳", "王"}} {
		c := cs[name]
		if c == nil || str(c.Values["given_name"]) != parts[0] || str(c.Values["family_name"]) != parts[1] {
			t.Fatalf("%s split wrong or missing: %v", name, names(cs))
		}
	}
	if str(cs["张伟"].Values["phone"]) != "+8613800138000" {
		t.Fatalf("张伟's phone %v", cs["张伟"].Values["phones"])
	}

	ol := e.upload("contacts", "outlook_utf16.csv")
	if ol.Encoding != "utf-16le" || ol.Delimiter != "\t" {
		t.Fatalf("Outlook file read as %s %q", ol.Encoding, ol.Delimiter)
	}
	got = e.run(ol, imports.Options{CreateAccounts: ptr(true)})
	if got.Rows.Created != 2 {
		t.Fatalf("Outlook import %+v %v", got.Rows, e.issues(got))
	}
	if c := e.contacts()["Hans Müller"]; c == nil || str(c.Values["city"]) != "München" {
		t.Fatal("Hans Müller with his city")
	}

	vc := e.upload("contacts", "contacts.vcf")
	if vc.Format != imports.FormatVCard {
		t.Fatalf("vCard read as %s", vc.Format)
	}
	got = e.run(vc, imports.Options{CreateAccounts: ptr(true), Mode: ptr(imports.ModeUpsert), Key: ptr("external_id")})
	if got.Rows.Created != 2 || got.Rows.Rejected != 0 {
		t.Fatalf("vCard import %+v %v", got.Rows, e.issues(got))
	}
	is := e.issues(got)
	if !hasIssue(is, 2, imports.IssueWarning, "birthday", "no year") {
		t.Fatalf("a birthday without a year is a warning: %+v", is)
	}
	cs = e.contacts()
	if ada := cs["Ada Lovelace"]; ada == nil || str(ada.Values["external_id"]) != "urn:uuid:ada-0001" || str(ada.Values["job_title"]) != "Mathematician" {
		t.Fatalf("Ada: %v", names(cs))
	}
	if li := cs["李雷"]; li == nil || str(li.Values["phone"]) != "+8613800002222" {
		t.Fatalf("李雷: %v", names(cs))
	}
	// The same vCard file again with the same key: nothing new.
	again := e.run(e.upload("contacts", "contacts.vcf"), imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("external_id"), CreateAccounts: ptr(true)})
	if again.Rows.Created != 0 || again.Rows.Unchanged != 2 {
		t.Fatalf("re-import of the vCards %+v %v", again.Rows, e.issues(again))
	}
}

// TestMeetingsFromICalendar: events become meetings linked to the
// contacts among their attendees; a re-import matches on the UID.
func TestMeetingsFromICalendar(t *testing.T) {
	e := newEnv(t)
	ana, err := e.rec.Create(e.ctx, e.admin, "contacts", records.Input{"given_name": "Ana", "emails": "ana.lopez@globex.example"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.upload("activities", "meetings.ics")
	if b.Format != imports.FormatICal {
		t.Fatalf("format %s", b.Format)
	}
	got := e.run(b, imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("external_id")})
	if got.Status != imports.StatusDone || got.Rows.Created != 2 {
		t.Fatalf("meetings %s %+v %v", got.Status, got.Rows, e.issues(got))
	}
	pg, err := e.rec.List(e.ctx, e.admin, "activities", records.ListQuery{Limit: 10, Sort: "starts_at"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Records) != 2 {
		t.Fatalf("%d activities", len(pg.Records))
	}
	m := pg.Records[0]
	if str(m.Values["type"]) != "meeting" || str(m.Values["subject"]) != "Quarterly review" || !strings.HasPrefix(str(m.Values["starts_at"]), "2026-03-10T09:00:00") {
		t.Fatalf("meeting %v", m.Values)
	}
	if ids, _ := m.Values["contact_ids"].([]string); len(ids) != 1 || ids[0] != ana.ID {
		t.Fatalf("linked contacts %v", m.Values["contact_ids"])
	}
	if k := pg.Records[1]; !strings.HasPrefix(str(k.Values["starts_at"]), "2026-03-11T14:00:00") {
		t.Fatalf("a TZID time in UTC: %v", k.Values["starts_at"])
	}
	again := e.run(e.upload("activities", "meetings.ics"), imports.Options{Mode: ptr(imports.ModeUpsert), Key: ptr("external_id")})
	if again.Rows.Created != 0 || e.count("SELECT COUNT(*) FROM activities") != 2 {
		t.Fatalf("re-import of the calendar %+v", again.Rows)
	}
}

// TestAccountsFromXLSX: a workbook's second sheet, with a parent account
// by name and a custom field.
func TestAccountsFromXLSX(t *testing.T) {
	e := newEnv(t)
	if _, err := e.rec.CreateCustomField(e.ctx, e.admin, records.CustomFieldInput{Object: ptr("accounts"), Name: ptr("tier"), Type: ptr(records.Select),
		Labels:  &map[string]string{"en": "Tier", "es": "Nivel", "zh": "等级"},
		Options: &[]records.Option{{Value: "gold", Labels: map[string]string{"en": "Gold", "es": "Oro", "zh": "金牌"}}, {Value: "silver", Labels: map[string]string{"en": "Silver"}}}}); err != nil {
		t.Fatal(err)
	}
	// Two sheets: build the workbook with the accounts second.
	path := writeWorkbook(t, map[string][][]string{
		"Notes":    {{"ignored"}, {"x"}},
		"Accounts": {{"Account Name", "Website", "Industry", "Nivel", "Parent Account", "Billing City"}, {"Globex Holdings", "https://globex.example", "Technology", "Oro", "", "Springfield"}, {"Globex Iberia", "globex.es", "technology", "silver", "Globex Holdings", "Madrid"}, {"Bad Tier", "", "", "platinum", "", ""}},
	}, []string{"Notes", "Accounts"})
	b := e.upload("accounts", path)
	if b.Format != imports.FormatXLSX || b.Sheet != "Notes" {
		t.Fatalf("workbook read as %s sheet %q", b.Format, b.Sheet)
	}
	pv, err := e.imp.Preview(e.ctx, e.admin, b.ID, imports.Options{Sheet: ptr("Accounts")})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Sheet != "Accounts" || len(pv.Sheets) != 2 || len(pv.Rows) != 3 {
		t.Fatalf("preview of the sheet: %+v", pv)
	}
	m := map[string]string{}
	for _, c := range pv.Mapping {
		m[c.Column] = c.Field
	}
	if m["Account Name"] != "name" || m["Website"] != "website" || m["Nivel"] != "cf_tier" || m["Parent Account"] != "parent" || m["Billing City"] != "billing_city" {
		t.Fatalf("mapping %v", m)
	}
	if len(pv.Stored) != 3 || pv.Stored[0].Action != "create" || pv.Stored[2].Action != "reject" || pv.Stored[0].Values["cf_tier"] != "gold" {
		t.Fatalf("stored preview %+v", pv.Stored)
	}
	got := e.run(b, imports.Options{Sheet: ptr("Accounts"), Mapping: &pv.Mapping})
	if got.Rows.Created != 2 || got.Rows.Rejected != 1 {
		t.Fatalf("accounts %+v %v", got.Rows, e.issues(got))
	}
	if !hasIssue(e.issues(got), 3, imports.IssueError, "Nivel", "must be one of") {
		t.Fatalf("report %+v", e.issues(got))
	}
	pg, _ := e.rec.List(e.ctx, e.admin, "accounts", records.ListQuery{Limit: 10})
	byName := map[string]*records.Record{}
	for _, r := range pg.Records {
		byName[str(r.Values["name"])] = r
	}
	ib := byName["Globex Iberia"]
	if ib == nil || str(ib.Values["parent_id"]) != byName["Globex Holdings"].ID || str(ib.Values["domain"]) != "globex.es" || ib.Values["cf_tier"] != "silver" {
		t.Fatalf("Globex Iberia %v", ib)
	}
}

func writeWorkbook(t *testing.T, sheets map[string][][]string, order []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.xlsx")
	f := excelize.NewFile()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			vals := make([]any, len(row))
			for k, v := range row {
				vals[k] = v
			}
			if err := f.SetSheetRow(name, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}
