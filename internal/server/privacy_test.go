package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// person is a contact with something in every place personal data
// lives: fields standard and custom, history, an account with a role, a
// relationship, a logged e-mail, consent, a tag and a file.
type person struct {
	contact, other, account, email, note servertest.Record
	file                                 map[string]any
	fileBody                             string
	created                              time.Time
}

const (
	oldAddress = "kasia.kowalczyk@oldmail.example"
	newAddress = "kasia@kowalczyk.example"
)

func newPerson(t *testing.T, e *servertest.Env) *person {
	t.Helper()
	c := e.WS.Admin
	w := e.WS
	nick := w.CustomField(t, "contacts", "nickname", "text", nil)
	tier := w.CustomField(t, "contacts", "tier", "select", map[string]any{"options": selectOptions})
	tag := c.CreateTag(t, "Newsletter")
	p := &person{}
	p.account = c.Create(t, "accounts", map[string]any{"name": "Wroclaw Widgets"})
	p.created = e.Clock.Now()
	p.contact = c.Create(t, "contacts", map[string]any{"given_name": "Katarzyna", "family_name": "Kowalczyk",
		"emails": oldAddress, "phones": "+48 601 234 567", "street": "ul. Rynek 1", "city": "Wrocław", "birthday": "1990-04-12",
		"job_title": "Procurement lead", "description": "Prefers calls after 4pm", "account_id": p.account.ID(), "tag_ids": []any{tag.ID()},
		"email_consent": "opt_in", "email_consent_source": "Trade fair 2025", nick: "Kasia", tier: "gold", "language": "en"})
	e.Clock.Advance(time.Minute)
	// A later change leaves the old address in the history.
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+p.contact.ID(), map[string]any{"emails": []any{newAddress}})
	c.Must(t, 204, "POST", "/api/v1/contacts/"+p.contact.ID()+"/accounts", map[string]any{"account_id": p.account.ID(), "role": "decision_maker", "primary": true})
	p.other = c.Create(t, "contacts", map[string]any{"given_name": "Piotr", "family_name": "Nowak", "emails": "piotr@nowak.example"})
	c.Must(t, 201, "POST", "/api/v1/contacts/"+p.contact.ID()+"/relationships", map[string]any{"type": "spouse_of", "other_id": p.other.ID(), "note": "married 2015"})
	p.email = c.Create(t, "activities", map[string]any{"type": "email", "subject": "Re: order for " + oldAddress, "body": "Write to " + newAddress + " from now on.",
		"email_from": newAddress, "email_to": "Kasia Kowalczyk <" + oldAddress + ">, sales@widgets.example", "contact_ids": []any{p.contact.ID()}})
	p.note = c.Create(t, "activities", map[string]any{"type": "note", "subject": "Met at the fair", "contact_ids": []any{p.contact.ID(), p.other.ID()}})
	p.fileBody = "ID card scan\x00\x01\x02 not really"
	p.file = attach(t, c, "contacts", p.contact.ID(), "id card.pdf", p.fileBody)
	p.contact = c.Get(t, "contacts", p.contact.ID())
	return p
}

// unzip reads a personal-data download.
func unzip(t *testing.T, r *servertest.Response) (map[string]any, map[string][]byte) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".zip") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		entries[f.Name] = b
	}
	var doc map[string]any
	if err := json.Unmarshal(entries["person.json"], &doc); err != nil {
		t.Fatalf("person.json: %v: %.300s", err, entries["person.json"])
	}
	return doc, entries
}

// TestPersonalDataExport: the zip holds person.json with the record,
// custom fields, history, accounts with roles, relationships,
// activities, consent and tags, and the attached files byte for byte;
// whoever can read the contact may export it, nobody else.
func TestPersonalDataExport(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	p := newPerson(t, e)
	path := "/api/v1/contacts/" + p.contact.ID() + "/personal-data"
	doc, entries := unzip(t, c.Must(t, 200, "GET", path, nil))
	ct, _ := doc["contact"].(map[string]any)
	if ct["id"] != p.contact.ID() || ct["given_name"] != "Katarzyna" || ct["cf_nickname"] != "Kasia" || ct["cf_tier"] != "gold" || ct["birthday"] != "1990-04-12" {
		t.Fatalf("contact in person.json: %v", ct)
	}
	if doc["format"] != "rapport.personal-data.v1" || doc["exported_by"] != c.UserID {
		t.Errorf("format %v, exported_by %v", doc["format"], doc["exported_by"])
	}
	// The full history: the creation and the change of address.
	hist, _ := json.Marshal(doc["history"])
	if !strings.Contains(string(hist), oldAddress) || !strings.Contains(string(hist), `"action":"create"`) || !strings.Contains(string(hist), `"field":"emails"`) {
		t.Errorf("history in person.json: %.600s", hist)
	}
	accs, _ := doc["accounts"].([]any)
	if len(accs) != 1 || accs[0].(map[string]any)["role"] != "decision_maker" || accs[0].(map[string]any)["title"] != "Wroclaw Widgets" {
		t.Errorf("accounts %v", accs)
	}
	rels, _ := doc["relationships"].([]any)
	if len(rels) != 1 || rels[0].(map[string]any)["other_id"] != p.other.ID() || rels[0].(map[string]any)["note"] != "married 2015" {
		t.Errorf("relationships %v", rels)
	}
	acts, _ := doc["activities"].([]any)
	var actIDs []string
	for _, a := range acts {
		actIDs = append(actIDs, str(a.(map[string]any)["id"]))
	}
	if len(acts) != 2 || !slices.Contains(actIDs, p.email.ID()) || !slices.Contains(actIDs, p.note.ID()) {
		t.Errorf("activities %v", actIDs)
	}
	consent, _ := doc["consent"].(map[string]any)
	if em, _ := consent["email"].(map[string]any); em["status"] != "opt_in" || em["source"] != "Trade fair 2025" || em["at"] == "" {
		t.Errorf("consent %v", consent)
	}
	if tags, _ := doc["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "Newsletter" {
		t.Errorf("tags %v", doc["tags"])
	}
	atts, _ := doc["attachments"].([]any)
	if len(atts) != 1 {
		t.Fatalf("attachments %v", atts)
	}
	att := atts[0].(map[string]any)
	name := "attachments/" + str(p.file["id"]) + "-id card.pdf"
	if att["file"] != name || att["name"] != "id card.pdf" {
		t.Errorf("attachment entry %v", att)
	}
	if got, ok := entries[name]; !ok || string(got) != p.fileBody {
		t.Errorf("zip entry %s: %q (present %v); entries %v", name, got, ok, slices.Collect(func(yield func(string) bool) {
			for k := range entries {
				if !yield(k) {
					return
				}
			}
		}))
	}
	if len(entries) != 2 {
		t.Errorf("%d zip entries, want person.json and one file", len(entries))
	}

	// Who may export: anyone who can read the contact.
	ro := e.WS.User(t, "read_only")
	if doc, _ := unzip(t, ro.Must(t, 200, "GET", path, nil)); doc["contact"].(map[string]any)["id"] != p.contact.ID() {
		t.Error("the read-only user's export lacks the contact")
	}
	sales := e.WS.User(t, "sales") // own records only
	beta := e.AddWorkspace("Beta")
	e.Run(t, []servertest.Scenario{
		{Name: "another workspace", As: beta.Admin, Method: "GET", Path: path, Status: 404, Code: "not_found"},
		{Name: "outside the scope", As: sales, Method: "GET", Path: path, Status: 404, Code: "not_found"},
		{Name: "unknown id", Method: "GET", Path: "/api/v1/contacts/" + missingID + "/personal-data", Status: 404},
		{Name: "not an id", Method: "GET", Path: "/api/v1/contacts/nope/personal-data", Status: 404},
		{Name: "an account is no person", Method: "GET", Path: "/api/v1/contacts/" + p.account.ID() + "/personal-data", Status: 404},
	})
	// In the trash it is not found, like the record itself.
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+p.contact.ID(), nil)
	c.Must(t, 404, "GET", path, nil)
}

// changesText returns every old and new value of the history of one
// record, as stored.
func changesText(t *testing.T, e *servertest.Env, recordID string) string {
	t.Helper()
	rows, err := e.Server.DB.Query(context.Background(), "SELECT COALESCE(CAST(old_value AS TEXT), ''), COALESCE(CAST(new_value AS TEXT), '') FROM record_changes WHERE record_id = ?", recordID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	n := 0
	for rows.Next() {
		var o, nv string
		if err := rows.Scan(&o, &nv); err != nil {
			t.Fatal(err)
		}
		b.WriteString(o + "\n" + nv + "\n")
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("record %s has no history at all", recordID)
	}
	// Ids (the owner's, say) are random and may hold any digits; a
	// check for a phone number's digits must not trip on them.
	return uuidPattern.ReplaceAllString(b.String(), "<id>")
}

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestPersonalDataErase: erasing clears the person everywhere — record,
// history, search, duplicate keys, files, relationships, addresses in
// logged e-mails — keeps the record and its links, logs the erasure
// without values, and changes nothing the second time.
func TestPersonalDataErase(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	p := newPerson(t, e)
	id := p.contact.ID()
	// A duplicate merged into the contact earlier holds the same person.
	dup := c.Create(t, "contacts", map[string]any{"given_name": "Kasia", "family_name": "Kowalczyk", "emails": "kk@private.example"})
	c.Must(t, 200, "POST", "/api/v1/contacts/merge", map[string]any{"survivor_id": id, "merged_ids": []any{dup.ID()}})
	path := "/api/v1/contacts/" + id + "/erase"
	find := func(q string) []string {
		t.Helper()
		var out struct{ Data []struct{ ID string } }
		c.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil).JSON(t, &out)
		var ids []string
		for _, h := range out.Data {
			ids = append(ids, h.ID)
		}
		return ids
	}
	dupCheck := func(addr string) int {
		t.Helper()
		var out struct{ Data []struct{ ID string } }
		c.Must(t, 200, "POST", "/api/v1/contacts/duplicates/check", map[string]any{"given_name": "Somebody", "emails": []any{addr}}).JSON(t, &out)
		return len(out.Data)
	}
	if ids := find("Kowalczyk"); !slices.Contains(ids, id) {
		t.Fatalf("before: search finds %v", ids)
	}
	if dupCheck(newAddress) == 0 {
		t.Fatal("before: the duplicate check does not find the address")
	}

	ro := e.WS.User(t, "read_only")
	marketing := e.WS.User(t, "marketing") // may change contacts, not delete them
	sales := e.WS.User(t, "sales")
	beta := e.AddWorkspace("Beta")
	confirm := map[string]any{"confirm": id}
	e.Run(t, []servertest.Scenario{
		{Name: "no body", Method: "POST", Path: path, Status: 400, ErrorAt: []string{"body"}},
		{Name: "no confirm", Method: "POST", Path: path, Body: map[string]any{}, Status: 400, ErrorAt: []string{"body.confirm"}},
		{Name: "empty confirm", Method: "POST", Path: path, Body: map[string]any{"confirm": " "}, Status: 400, ErrorAt: []string{"body.confirm"}},
		{Name: "wrong confirm", Method: "POST", Path: path, Body: map[string]any{"confirm": p.other.ID()}, Status: 400, ErrorAt: []string{"body.confirm"}},
		{Name: "the name is no confirmation", Method: "POST", Path: path, Body: map[string]any{"confirm": "Katarzyna Kowalczyk"}, Status: 400, ErrorAt: []string{"body.confirm"}},
		{Name: "confirm not a string", Method: "POST", Path: path, Body: map[string]any{"confirm": 12}, Status: 422, ErrorAt: []string{"body.confirm"}},
		{Name: "unknown member", Method: "POST", Path: path, Body: map[string]any{"confirm": id, "also": 1}, Status: 422, ErrorAt: []string{"body.also"}},
		{Name: "unknown id", Method: "POST", Path: "/api/v1/contacts/" + missingID + "/erase", Body: map[string]any{"confirm": missingID}, Status: 404},
		{Name: "not an id", Method: "POST", Path: "/api/v1/contacts/x/erase", Body: map[string]any{"confirm": "x"}, Status: 404},
		{Name: "read-only", As: ro, Method: "POST", Path: path, Body: confirm, Status: 403, Code: "forbidden"},
		{Name: "no right to delete", As: marketing, Method: "POST", Path: path, Body: confirm, Status: 403, Code: "forbidden"},
		{Name: "outside the scope", As: sales, Method: "POST", Path: path, Body: confirm, Status: 404},
		{Name: "another workspace", As: beta.Admin, Method: "POST", Path: path, Body: confirm, Status: 404},
	})
	if got := c.Get(t, "contacts", id); got["given_name"] != "Katarzyna" {
		t.Fatalf("a refused erasure changed the record: %v", got)
	}

	var sum struct {
		ID                   string   `json:"id"`
		FieldsCleared        []string `json:"fields_cleared"`
		HistoryAnonymised    int      `json:"history_entries_anonymised"`
		AttachmentsDeleted   int      `json:"attachments_deleted"`
		ActivitiesAnonymised int      `json:"activities_anonymised"`
		RelationshipsRemoved int      `json:"relationships_removed"`
		MergedRecordsErased  int      `json:"merged_records_erased"`
		AlreadyErased        bool     `json:"already_erased"`
	}
	e.Clock.Advance(time.Minute)
	c.Must(t, 200, "POST", path, confirm).JSON(t, &sum)
	for _, f := range []string{"given_name", "family_name", "name", "emails", "email", "phones", "street", "city", "birthday", "job_title", "description", "email_consent_source", "cf_nickname"} {
		if !slices.Contains(sum.FieldsCleared, f) {
			t.Errorf("fields_cleared %v lacks %s", sum.FieldsCleared, f)
		}
	}
	if sum.ID != id || sum.HistoryAnonymised < 2 || sum.AttachmentsDeleted != 1 || sum.ActivitiesAnonymised != 1 || sum.RelationshipsRemoved != 1 ||
		sum.MergedRecordsErased != 1 || sum.AlreadyErased {
		t.Fatalf("summary %+v", sum)
	}

	// The record stays, with its links and what says nothing about who
	// the person was.
	got := c.Get(t, "contacts", id)
	if got["name"] != "Erased person" || got["account_id"] != p.account.ID() || got["cf_tier"] != "gold" || got["email_consent"] != "opt_in" || got["language"] != "en" {
		t.Fatalf("erased record keeps %v", got)
	}
	for _, f := range []string{"given_name", "family_name", "emails", "email", "phones", "phone", "street", "city", "birthday", "job_title", "description", "email_consent_source", "cf_nickname"} {
		if got[f] != nil {
			t.Errorf("%s is still %v", f, got[f])
		}
	}
	if tags := got["tag_ids"].([]any); len(tags) != 1 {
		t.Errorf("tags %v", tags)
	}
	// No value of the person is left in the history, and the erasure is
	// logged: who and when, no values.
	text := changesText(t, e, id)
	for _, s := range []string{oldAddress, newAddress, "Kowalczyk", "Katarzyna", "Kasia", "601 234 567", "48601234567", "Rynek", "1990-04-12", "Prefers calls", "Trade fair", "kk@private.example"} {
		if strings.Contains(text, s) {
			t.Errorf("the history still holds %q", s)
		}
	}
	hist := c.History(t, "contacts", id)
	last := hist[len(hist)-1]
	if last.Action != "erase" || last.ChangedBy != c.UserID || last.OldValue != nil {
		t.Fatalf("last history entry %+v", last)
	}
	if b, _ := json.Marshal(last.NewValue); !strings.Contains(string(b), "given_name") || strings.Contains(string(b), "Katarzyna") {
		t.Errorf("erase entry %s", b)
	}
	// As of before the erasure the record shows nothing of the person.
	asOf := c.Must(t, 200, "GET", "/api/v1/contacts/"+id+"?as_of="+url.QueryEscape(p.created.Add(30*time.Second).Format(time.RFC3339)), nil)
	if strings.Contains(string(asOf.Body), "Kowalczyk") || strings.Contains(string(asOf.Body), oldAddress) {
		t.Errorf("as_of shows %s", asOf.Body)
	}
	// The record merged into it no longer holds the person either.
	var dupName string
	if err := e.Server.DB.QueryRow(context.Background(), "SELECT name FROM contacts WHERE id = ?", dup.ID()).Scan(&dupName); err != nil || dupName != "Erased person" {
		t.Errorf("merged record name %q (%v)", dupName, err)
	}
	// Search and the duplicate checker find no one.
	for _, q := range []string{"Kowalczyk", "Katarzyna", newAddress, "601234567", "Erased person"} {
		if ids := find(q); slices.Contains(ids, id) {
			t.Errorf("search %q still finds the person", q)
		}
	}
	for _, a := range []string{newAddress, oldAddress} {
		if n := dupCheck(a); n != 0 {
			t.Errorf("the duplicate check finds %d for %s", n, a)
		}
	}
	var vocab int
	if err := e.Server.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM search_vocab WHERE term IN ('kowalczyk', 'katarzyna')").Scan(&vocab); err != nil || vocab != 0 {
		t.Errorf("the typo vocabulary keeps %d of the names (%v)", vocab, err)
	}
	// The file is gone: row and bytes.
	c.Must(t, 404, "GET", "/api/v1/attachments/"+str(p.file["id"]), nil)
	var list struct{ Data []any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+id+"/attachments", nil).JSON(t, &list)
	if len(list.Data) != 0 {
		t.Errorf("attachments left: %v", list.Data)
	}
	if _, err := os.Stat(filepath.Join(e.Server.Files.Dir, e.WS.ID, str(p.file["id"]))); !os.IsNotExist(err) {
		t.Errorf("the attachment's file is still on disk: %v", err)
	}
	// Relationships are gone from both sides; the other person stays.
	var rels struct{ Data []any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+p.other.ID()+"/relationships", nil).JSON(t, &rels)
	if len(rels.Data) != 0 {
		t.Errorf("relationships left: %v", rels.Data)
	}
	if o := c.Get(t, "contacts", p.other.ID()); o["name"] != "Piotr Nowak" {
		t.Errorf("the other contact changed: %v", o)
	}
	// The logged e-mail keeps its story without the address.
	em := c.Get(t, "activities", p.email.ID())
	if em["email_from"] != "erased@erased.invalid" || em["email_to"] != "erased@erased.invalid, sales@widgets.example" ||
		strings.Contains(str(em["subject"]), oldAddress) || strings.Contains(str(em["body"]), newAddress) {
		t.Errorf("logged e-mail after erasure: from %v to %v subject %v body %v", em["email_from"], em["email_to"], em["subject"], em["body"])
	}
	if ids := em["contact_ids"].([]any); len(ids) != 1 || ids[0] != id {
		t.Errorf("the e-mail's link to the contact: %v", ids)
	}
	for _, s := range []string{oldAddress, newAddress, "Kasia Kowalczyk"} {
		if strings.Contains(changesText(t, e, p.email.ID()), s) {
			t.Errorf("the e-mail's history still holds %q", s)
		}
	}
	// As of now, history rebuilds the records as they are after the
	// erasure: the placeholder name, the e-mail's scrubbed text.
	now := url.QueryEscape(e.Clock.Now().Add(time.Second).Format(time.RFC3339))
	if a := c.Must(t, 200, "GET", "/api/v1/activities/"+p.email.ID()+"?as_of="+now, nil).Record(t); a["subject"] != em["subject"] || a["email_to"] != em["email_to"] || a["email_from"] != em["email_from"] {
		t.Errorf("the e-mail as of now: %v", a)
	}
	if r := c.Must(t, 200, "GET", "/api/v1/contacts/"+id+"?as_of="+now, nil).Record(t); r["name"] != "Erased person" || r["given_name"] != nil || r["account_id"] != p.account.ID() {
		t.Errorf("the contact as of now: %v", r)
	}
	if h := c.History(t, "activities", p.email.ID()); h[len(h)-1].Action != "erase" {
		t.Errorf("the e-mail's history does not log the erasure: %+v", h[len(h)-1])
	}
	if n := c.Get(t, "activities", p.note.ID()); n["subject"] != "Met at the fair" || len(c.History(t, "activities", p.note.ID())) != 1 {
		t.Errorf("an activity without the address changed: %v", n)
	}

	// Erasing again changes nothing.
	before := len(c.History(t, "contacts", id))
	version := c.Get(t, "contacts", id).Version()
	c.Must(t, 200, "POST", path, confirm).JSON(t, &sum)
	if !sum.AlreadyErased || len(sum.FieldsCleared) != 0 || sum.HistoryAnonymised != 0 || sum.AttachmentsDeleted != 0 || sum.ActivitiesAnonymised != 0 {
		t.Errorf("second erasure %+v", sum)
	}
	if len(c.History(t, "contacts", id)) != before || c.Get(t, "contacts", id).Version() != version {
		t.Error("the second erasure wrote something")
	}
	// The erased record can still be edited; it keeps its placeholder
	// and stays out of search and duplicate checks.
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+id, map[string]any{"language": "es"})
	if got := c.Get(t, "contacts", id); got["name"] != "Erased person" {
		t.Errorf("after an edit the name is %v", got["name"])
	}
	if ids := find("Erased person"); slices.Contains(ids, id) {
		t.Error("search finds the placeholder after an edit")
	}
	// A contact in the trash can be erased too.
	tr := c.Create(t, "contacts", map[string]any{"given_name": "Trash", "family_name": "Panda", "emails": "panda@trash.example"})
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+tr.ID(), nil)
	c.Must(t, 200, "POST", "/api/v1/contacts/"+tr.ID()+"/erase", map[string]any{"confirm": tr.ID()})
	if strings.Contains(changesText(t, e, tr.ID()), "panda@trash.example") {
		t.Error("erasing a contact in the trash left its address in history")
	}
}

// TestPrivacyPages: the contact's page offers the download to whoever
// reads it and the erasure to whoever may erase; the confirmation page
// refuses anything but the person's name or the word, checked on the
// server, in the page's language too; after erasing the record shows the
// placeholder, a message and the erasure in its history.
func TestPrivacyPages(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Zofia", "family_name": "Wiśniewska", "emails": "zofia@example.org"})
	attach(t, c, "contacts", ct.ID(), "cv.txt", "curriculum")
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	page := string(b.Must(t, 200, "GET", "/o/contacts/"+ct.ID(), nil).Body)
	for _, want := range []string{`id="privacy"`, `id="privacy-download"`, `href="/o/contacts/` + ct.ID() + `/erase"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the contact's page lacks %s", want)
		}
	}
	doc, entries := unzip(t, b.Must(t, 200, "GET", "/o/contacts/"+ct.ID()+"/personal-data", nil))
	if doc["contact"].(map[string]any)["family_name"] != "Wiśniewska" || len(entries) != 2 {
		t.Fatalf("download from the page: %v, %d entries", doc["contact"], len(entries))
	}
	// A read-only user downloads but is not offered the erasure, nor
	// let in by typing its address.
	ro := e.WS.User(t, "read_only")
	rb := e.Browser()
	rb.SignIn(t, ro.Email, servertest.Password)
	page = string(rb.Must(t, 200, "GET", "/o/contacts/"+ct.ID(), nil).Body)
	if !strings.Contains(page, `id="privacy-download"`) || strings.Contains(page, `id="privacy-erase"`) {
		t.Error("the read-only user's page offers the wrong privacy actions")
	}
	rb.Must(t, 403, "GET", "/o/contacts/"+ct.ID()+"/erase", nil)
	rb.Must(t, 403, "POST", "/o/contacts/"+ct.ID()+"/erase", url.Values{"confirm": {"ERASE"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	b.Must(t, 404, "GET", "/o/contacts/"+missingID+"/erase", nil)

	form := func(cl *servertest.Client, id, typed string, headers ...string) *servertest.Response {
		return cl.Do(t, "POST", "/o/contacts/"+id+"/erase", url.Values{"confirm": {typed}}.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
	}
	confirmPage := string(b.Must(t, 200, "GET", "/o/contacts/"+ct.ID()+"/erase", nil).Body)
	if !strings.Contains(confirmPage, "Zofia Wiśniewska") || !strings.Contains(confirmPage, `name="confirm"`) {
		t.Fatal("the confirmation page does not name the person or ask for the confirmation")
	}
	for _, typed := range []string{"", "Zofia", "yes", "ERASED"} {
		if r := form(b, ct.ID(), typed); r.Status != 422 || !strings.Contains(string(r.Body), `id="f-confirm-error"`) {
			t.Errorf("confirmation %q: %d", typed, r.Status)
		}
	}
	if got := c.Get(t, "contacts", ct.ID()); got["given_name"] != "Zofia" {
		t.Fatal("a refused confirmation erased the person")
	}
	if r := form(b, ct.ID(), "  zofia wiśniewska "); r.Status != 303 || r.Header.Get("Location") != "/o/contacts/"+ct.ID() {
		t.Fatalf("erase with the name: %d %s", r.Status, r.Header.Get("Location"))
	}
	page = string(b.Must(t, 200, "GET", "/o/contacts/"+ct.ID(), nil).Body)
	if !strings.Contains(page, `<h1 class="page-title">Erased person</h1>`) || !strings.Contains(page, "personal data was erased") ||
		!strings.Contains(page, "Personal data erased") || strings.Contains(page, "Zofia") || strings.Contains(page, "cv.txt") {
		t.Errorf("the page after erasing: %s", page)
	}
	// Again: nothing left, and it says so.
	if r := form(b, ct.ID(), "erase"); r.Status != 303 {
		t.Fatalf("second erase: %d", r.Status)
	}
	if page = string(b.Must(t, 200, "GET", "/o/contacts/"+ct.ID(), nil).Body); !strings.Contains(page, "nothing left to erase") {
		t.Error("the second erasure's message is missing")
	}
	// In Spanish the word is BORRAR; a contact in the trash offers the
	// erasure on its page too.
	es := c.Create(t, "contacts", map[string]any{"given_name": "Lucía", "family_name": "Gómez"})
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+es.ID(), nil)
	if page := string(b.Must(t, 200, "GET", "/o/contacts/"+es.ID(), nil).Body); !strings.Contains(page, `id="privacy-erase"`) {
		t.Error("a contact in the trash does not offer the erasure")
	}
	if page := string(b.Must(t, 200, "GET", "/o/contacts/"+es.ID()+"/erase", nil, "Accept-Language", "es").Body); !strings.Contains(page, "BORRAR") || !strings.Contains(page, "Borrar definitivamente") {
		t.Error("the confirmation page is not in Spanish")
	}
	if r := form(b, es.ID(), "borrar", "Accept-Language", "es"); r.Status != 303 {
		t.Fatalf("erase with BORRAR: %d", r.Status)
	}
	var name string
	if err := e.Server.DB.QueryRow(context.Background(), "SELECT name FROM contacts WHERE id = ?", es.ID()).Scan(&name); err != nil || name != "Erased person" {
		t.Errorf("the trashed contact's name is %q (%v)", name, err)
	}
}

// TestEraseCoversLeads: erasing a person also anonymises the leads that
// hold them — one with their address in another case, one with their
// number written without the country code, one that had their address
// before it was changed — in the record and its history, takes them out
// of search, and scrubs the address from the activities logged on those
// leads; a lead of someone else keeps everything.
func TestEraseCoversLeads(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	const addr, number = "marta.ruiz@ruiz.example", "+34 612 345 678"
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Marta", "family_name": "Ruiz", "emails": addr, "phones": number})
	byEmail := c.Create(t, "leads", map[string]any{"given_name": "Marta", "family_name": "Ruiz", "email": "Marta.Ruiz@RUIZ.example", "company": "Hermanos Torres SL", "job_title": "Gerente"})
	byPhone := c.Create(t, "leads", map[string]any{"given_name": "M.", "family_name": "Ruiz", "phone": "612 34 56 78", "company": "Hermanos Torres SL"})
	past := c.Create(t, "leads", map[string]any{"given_name": "Marta", "family_name": "Ruiz Old", "email": addr})
	c.Must(t, 200, "PATCH", "/api/v1/leads/"+past.ID(), map[string]any{"email": "marta@newjob.example"})
	other := c.Create(t, "leads", map[string]any{"given_name": "Pablo", "family_name": "Ruiz", "email": "pablo@ruiz.example", "phone": "+34 600 111 222", "company": "Hermanos Torres SL"})
	act := c.Create(t, "activities", map[string]any{"type": "email", "subject": "Catalogue", "email_to": "Marta <" + addr + ">", "body": "Sent to " + addr, "lead_ids": []any{byEmail.ID()}})
	c.Must(t, 200, "PATCH", "/api/v1/leads/"+other.ID(), map[string]any{"job_title": "Comprador"})

	var sum struct {
		LeadsAnonymised      int  `json:"leads_anonymised"`
		ActivitiesAnonymised int  `json:"activities_anonymised"`
		AlreadyErased        bool `json:"already_erased"`
	}
	c.Must(t, 200, "POST", "/api/v1/contacts/"+ct.ID()+"/erase", map[string]any{"confirm": ct.ID()}).JSON(t, &sum)
	if sum.LeadsAnonymised != 3 || sum.ActivitiesAnonymised != 1 || sum.AlreadyErased {
		t.Fatalf("summary %+v", sum)
	}
	for _, l := range []servertest.Record{byEmail, byPhone, past} {
		got := c.Get(t, "leads", l.ID())
		if got["name"] != "Erased person" || (l.ID() != past.ID() && got["company"] != "Hermanos Torres SL") {
			t.Errorf("lead %s after the erasure: %v", l.ID(), got)
		}
		for _, f := range []string{"given_name", "family_name", "email", "phone", "job_title"} {
			if got[f] != nil {
				t.Errorf("lead %s keeps %s = %v", l.ID(), f, got[f])
			}
		}
		text := changesText(t, e, l.ID())
		for _, s := range []string{"Marta", "Ruiz", "ruiz.example", "RUIZ.example", "612345678", "612 34 56 78", "612 345 678", "newjob", "Gerente"} {
			if strings.Contains(text, s) {
				t.Errorf("lead %s's history still holds %q", l.ID(), s)
			}
		}
	}
	if got := c.Get(t, "leads", other.ID()); got["email"] != "pablo@ruiz.example" || got["phone"] != "+34 600 111 222" || got["family_name"] != "Ruiz" || got["job_title"] != "Comprador" {
		t.Fatalf("someone else's lead changed: %v", got)
	}
	if a := c.Get(t, "activities", act.ID()); strings.Contains(fmt.Sprint(a), addr) {
		t.Fatalf("the lead's activity keeps the address: %v", a)
	}
	if text := changesText(t, e, act.ID()); strings.Contains(text, addr) {
		t.Fatal("the lead's activity's history keeps the address")
	}
	var found struct{ Data []struct{ ID string } }
	c.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape("Marta"), nil).JSON(t, &found)
	for _, h := range found.Data {
		if h.ID == byEmail.ID() || h.ID == past.ID() {
			t.Fatalf("search still finds the erased lead %s", h.ID)
		}
	}
	// Erasing again finds nothing more to do.
	c.Must(t, 200, "POST", "/api/v1/contacts/"+ct.ID()+"/erase", map[string]any{"confirm": ct.ID()}).JSON(t, &sum)
	if !sum.AlreadyErased || sum.LeadsAnonymised != 0 {
		t.Fatalf("second erasure %+v", sum)
	}
}
