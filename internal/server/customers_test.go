package server_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

func str(v any) string { s, _ := v.(string); return s }

// TestContactsAndAccounts: the customer objects' own rules — e-mails and
// phones as lists with one primary, phones stored in E.164 from what was
// typed in the workspace's region, names in the right order for Chinese,
// a contact at several accounts, relationships seen from both sides and
// the account hierarchy with counts rolled up.
func TestContactsAndAccounts(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	parent := c.Create(t, "accounts", map[string]any{"name": "Globex Holdings", "website": "https://www.globex.example/about", "relationship": "customer"})
	if parent["domain"] != "globex.example" {
		t.Fatalf("domain from the website: %v", parent["domain"])
	}
	acc := c.Create(t, "accounts", map[string]any{"name": "Globex Iberia", "parent_id": parent.ID(), "phones": []any{"+34 912 345 678"}})
	if acc["phone"] != "+34912345678" {
		t.Fatalf("account primary phone %v", acc["phone"])
	}
	// A loop in the hierarchy is refused, naming the field.
	r := c.Do(t, "PATCH", "/api/v1/accounts/"+parent.ID(), map[string]any{"parent_id": acc.ID()})
	if r.Status != 422 || !r.Problem(t).Names("body.parent_id") {
		t.Fatalf("hierarchy loop: %d %s", r.Status, r.Body)
	}
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "López",
		"emails":     []any{"ana@globex.example", map[string]any{"address": "Ana.Lopez@Gmail.com", "label": "personal"}},
		"phones":     []any{map[string]any{"text": "(415) 555-0100", "label": "work"}, "mobile: +1 415 555 0199"},
		"account_id": acc.ID(), "time_zone": "Europe/Madrid", "email_consent": "opt_in"})
	if ct["name"] != "Ana López" || ct["email"] != "ana@globex.example" || ct["phone"] != "+14155550100" {
		t.Fatalf("computed fields: name %v email %v phone %v", ct["name"], ct["email"], ct["phone"])
	}
	phones := ct["phones"].([]any)
	first := phones[0].(map[string]any)
	if first["number"] != "+14155550100" || first["text"] != "(415) 555-0100" || first["primary"] != true || phones[1].(map[string]any)["label"] != "mobile" {
		t.Fatalf("phones %v", phones)
	}
	if ct["email_consent_at"] == nil {
		t.Fatal("consent time not recorded")
	}
	// Filters on list fields: an address in any position, a phone in E.164.
	if ids := c.List(t, "/api/v1/contacts?filter[emails][eq]=ana.lopez@gmail.com").IDs(); !slices.Equal(ids, []string{ct.ID()}) {
		t.Fatalf("filter by second e-mail: %v", ids)
	}
	if ids := c.List(t, "/api/v1/contacts?filter[phones][eq]=%2B14155550199").IDs(); !slices.Equal(ids, []string{ct.ID()}) {
		t.Fatalf("filter by phone: %v", ids)
	}
	zh := c.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "张", "emails": "zhang.wei@globex.example"})
	if zh["name"] != "张伟" {
		t.Fatalf("Chinese name order: %v", zh["name"])
	}
	// Bad list items are named.
	for _, tc := range []struct {
		body map[string]any
		loc  string
	}{
		{map[string]any{"given_name": "X", "emails": []any{"ok@x.example", "not-an-address"}}, "body.emails"},
		{map[string]any{"given_name": "X", "phones": []any{"call me maybe"}}, "body.phones"},
		{map[string]any{"given_name": "X", "emails": []any{map[string]any{"address": "a@x.example", "primary": true}, map[string]any{"address": "b@x.example", "primary": true}}}, "body.emails"},
		{map[string]any{"given_name": "X", "time_zone": "Mars/Olympus"}, "body.time_zone"},
		{map[string]any{"job_title": "nameless"}, "body.given_name"},
		{map[string]any{"given_name": "X", "account_id": missingID}, "body.account_id"},
	} {
		r := c.Do(t, "POST", "/api/v1/contacts", tc.body)
		if r.Status != 422 || !r.Problem(t).Names(tc.loc) {
			t.Errorf("%v: %d, want 422 naming %s: %s", tc.body, r.Status, tc.loc, r.Body)
		}
	}
	// A second account with a role; the primary one is listed first.
	other := c.Create(t, "accounts", map[string]any{"name": "Initech"})
	c.Must(t, 204, "POST", "/api/v1/contacts/"+ct.ID()+"/accounts", map[string]any{"account_id": other.ID(), "role": "billing"})
	var mem struct {
		Data []struct {
			AccountID string `json:"account_id"`
			Role      string
			Primary   bool
		}
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/"+ct.ID()+"/accounts", nil).JSON(t, &mem)
	if len(mem.Data) != 2 || mem.Data[0].AccountID != acc.ID() || !mem.Data[0].Primary || mem.Data[1].Role != "billing" {
		t.Fatalf("memberships %+v", mem.Data)
	}
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+ct.ID()+"/accounts/"+other.ID(), nil)
	// Relationships: entered once, read from both sides.
	c.Must(t, 201, "POST", "/api/v1/contacts/"+zh.ID()+"/relationships", map[string]any{"type": "reports_to", "other_id": ct.ID()})
	r = c.Do(t, "POST", "/api/v1/contacts/"+ct.ID()+"/relationships", map[string]any{"type": "manages", "other_id": zh.ID()})
	if r.Status != 409 {
		t.Fatalf("the same relationship from the other side: %d", r.Status)
	}
	var rels struct {
		Data []struct {
			Type    string
			OtherID string `json:"other_id"`
			Inverse bool
		}
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/"+ct.ID()+"/relationships", nil).JSON(t, &rels)
	if len(rels.Data) != 1 || rels.Data[0].Type != "manages" || rels.Data[0].OtherID != zh.ID() || !rels.Data[0].Inverse {
		t.Fatalf("inverse relationship %+v", rels.Data)
	}
	// The hierarchy rolls counts up to the parent.
	c.Create(t, "activities", map[string]any{"type": "note", "subject": "Kick-off", "account_ids": []any{acc.ID()}})
	var tree struct {
		ID              string
		TotalContacts   int `json:"total_contacts"`
		TotalActivities int `json:"total_activities"`
		Children        []struct {
			ID       string
			Contacts int
		}
	}
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc.ID()+"/tree", nil).JSON(t, &tree)
	if tree.ID != parent.ID() || tree.TotalContacts != 1 || tree.TotalActivities != 1 || len(tree.Children) != 1 || tree.Children[0].Contacts != 1 {
		t.Fatalf("tree %+v", tree)
	}
}

// TestActivities: an activity links to several records through link
// rows; the timeline shows activities and field changes newest first;
// meetings export as iCalendar; tasks record when they were done;
// reminders become notifications once; My day lists the user's tasks.
func TestActivities(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Umbrella"})
	a := c.Create(t, "contacts", map[string]any{"given_name": "Alice", "family_name": "Ng", "account_id": acc.ID()})
	b := c.Create(t, "contacts", map[string]any{"given_name": "Bob", "family_name": "Ng", "account_id": acc.ID()})
	e.Clock.Advance(time.Minute)
	call := c.Create(t, "activities", map[string]any{"type": "call", "subject": "Renewal call", "direction": "outbound", "duration_seconds": 300,
		"account_ids": []any{acc.ID()}, "contact_ids": []any{a.ID(), b.ID()}})
	if ids, _ := call["contact_ids"].([]any); len(ids) != 2 {
		t.Fatalf("contact_ids %v", call["contact_ids"])
	}
	if r := c.Do(t, "POST", "/api/v1/activities", map[string]any{"type": "note", "subject": "x", "contact_ids": []any{missingID}}); r.Status != 422 || !r.Problem(t).Names("body.contact_ids") {
		t.Fatalf("link to a missing contact: %d", r.Status)
	}
	e.Clock.Advance(time.Minute)
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+a.ID(), map[string]any{"job_title": "CTO"})
	for _, id := range []string{a.ID(), b.ID()} {
		if ids := c.List(t, "/api/v1/activities?filter[contact_ids][eq]="+id).IDs(); !slices.Equal(ids, []string{call.ID()}) {
			t.Fatalf("activities of %s: %v", id, ids)
		}
	}
	var tl struct {
		Data []struct {
			Kind     string
			Activity map[string]any
			Change   map[string]any
		}
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/"+a.ID()+"/timeline", nil).JSON(t, &tl)
	if len(tl.Data) < 3 || tl.Data[0].Kind != "change" || tl.Data[0].Change["field"] != "job_title" || tl.Data[1].Kind != "activity" || tl.Data[1].Activity["subject"] != "Renewal call" {
		t.Fatalf("timeline %+v", tl.Data)
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/"+a.ID()+"/timeline?type=call", nil).JSON(t, &tl)
	if len(tl.Data) != 1 || tl.Data[0].Kind != "activity" {
		t.Fatalf("timeline of calls %+v", tl.Data)
	}
	if r := c.Do(t, "GET", "/api/v1/contacts/"+a.ID()+"/timeline?type=party", nil); r.Status != 422 {
		t.Fatalf("bad type filter: %d", r.Status)
	}
	// Unlinking one contact keeps the other link.
	c.Must(t, 200, "PATCH", "/api/v1/activities/"+call.ID(), map[string]any{"contact_ids": []any{b.ID()}})
	if ids := c.List(t, "/api/v1/activities?filter[contact_ids][eq]="+a.ID()).IDs(); len(ids) != 0 {
		t.Fatalf("after unlinking: %v", ids)
	}
	// A meeting: start required, .ics invitation.
	if r := c.Do(t, "POST", "/api/v1/activities", map[string]any{"type": "meeting", "subject": "Demo"}); r.Status != 422 || !r.Problem(t).Names("body.starts_at") {
		t.Fatalf("meeting without start: %d", r.Status)
	}
	start := e.Clock.Now().Add(2 * time.Hour).UTC()
	m := c.Create(t, "activities", map[string]any{"type": "meeting", "subject": "Demo; pricing, Q&A", "starts_at": start.Format(time.RFC3339), "location": "Room 1",
		"attendees": "alice@umbrella.example\nbob@umbrella.example", "contact_ids": []any{a.ID()}})
	if m["occurred_at"] != start.Format(time.RFC3339) {
		t.Fatalf("a meeting happens at its start: %v", m["occurred_at"])
	}
	ics := c.Must(t, 200, "GET", "/api/v1/activities/"+m.ID()+"/invitation.ics", nil)
	body := strings.ReplaceAll(string(ics.Body), "\r\n ", "") // unfold long lines
	for _, line := range strings.Split(string(ics.Body), "\r\n") {
		if len(line) > 75 {
			t.Fatalf("an invitation line is longer than 75 octets: %q", line)
		}
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "SUMMARY:Demo\\; pricing\\, Q&A\r\n", "DTSTART:" + start.Format("20060102T150405Z"), "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@umbrella.example", "END:VCALENDAR\r\n"} {
		if !strings.Contains(body, want) {
			t.Fatalf("invitation lacks %q:\n%s", want, body)
		}
	}
	if ct := ics.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("invitation type %q", ct)
	}
	c.Must(t, 404, "GET", "/api/v1/activities/"+call.ID()+"/invitation.ics", nil)
	// A task due now with a reminder in five minutes.
	due := e.Clock.Now().Add(time.Hour).UTC()
	task := c.Create(t, "activities", map[string]any{"type": "task", "subject": "Send the quote", "due_at": due.Format(time.RFC3339),
		"remind_at": e.Clock.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339), "contact_ids": []any{a.ID()}})
	if task["done"] != false || task["priority"] != "normal" || task["assignee_id"] == nil {
		t.Fatalf("task defaults: %v", task)
	}
	var day struct {
		DueToday []map[string]any `json:"due_today"`
		Overdue  []map[string]any
		Upcoming []map[string]any
	}
	c.Must(t, 200, "GET", "/api/v1/my-day", nil).JSON(t, &day)
	if n := len(day.DueToday) + len(day.Upcoming); n != 1 {
		t.Fatalf("my day: %+v", day)
	}
	e.RunJob(t, "fire_reminders")
	var notes struct {
		Data   []map[string]any
		Unread int
	}
	c.Must(t, 200, "GET", "/api/v1/notifications", nil).JSON(t, &notes)
	if notes.Unread != 0 {
		t.Fatalf("a reminder fired early: %+v", notes)
	}
	e.Clock.Advance(6 * time.Minute)
	e.RunJob(t, "fire_reminders")
	e.RunJob(t, "fire_reminders")
	c.Must(t, 200, "GET", "/api/v1/notifications", nil).JSON(t, &notes)
	if notes.Unread != 1 || len(notes.Data) != 1 || notes.Data[0]["title"] != "Send the quote" {
		t.Fatalf("reminder notifications: %+v", notes)
	}
	c.Must(t, 204, "POST", "/api/v1/notifications/"+str(notes.Data[0]["id"])+"/read", nil)
	done := c.Must(t, 200, "PATCH", "/api/v1/activities/"+task.ID(), map[string]any{"done": true}).Record(t)
	if done["done_at"] == nil {
		t.Fatal("done_at not set")
	}
	c.Must(t, 200, "GET", "/api/v1/my-day", nil).JSON(t, &day)
	if len(day.DueToday)+len(day.Upcoming)+len(day.Overdue) != 0 {
		t.Fatalf("a done task is still in my day: %+v", day)
	}
}

// TestHistoryAsOfAndRevert: a record read as it was at a time, put back
// to that time, and one change undone; each revert is itself a change.
func TestHistoryAsOfAndRevert(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	before := e.Clock.Now().Add(-time.Second)
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Maria", "family_name": "Garcia", "job_title": "Buyer", "emails": "maria@acme.example"})
	e.Clock.Advance(time.Hour)
	t1 := e.Clock.Now()
	e.Clock.Advance(time.Hour)
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+ct.ID(), map[string]any{"job_title": "Head of purchasing", "family_name": "García", "emails": []any{"maria@acme.example", "mg@home.example"}})
	e.Clock.Advance(time.Hour)
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+ct.ID(), map[string]any{"city": "Sevilla"})
	past := c.Must(t, 200, "GET", "/api/v1/contacts/"+ct.ID()+"?as_of="+url.QueryEscape(t1.Format(time.RFC3339)), nil).Record(t)
	if past["job_title"] != "Buyer" || past["family_name"] != "Garcia" || past["city"] != nil || len(past["emails"].([]any)) != 1 || past["name"] != "Maria Garcia" {
		t.Fatalf("as of t1: %v", past)
	}
	c.Must(t, 404, "GET", "/api/v1/contacts/"+ct.ID()+"?as_of="+url.QueryEscape(before.Format(time.RFC3339)), nil)
	if r := c.Do(t, "GET", "/api/v1/contacts/"+ct.ID()+"?as_of=yesterday", nil); r.Status != 422 || !r.Problem(t).Names("query.as_of") {
		t.Fatalf("bad as_of: %d", r.Status)
	}
	// Undo only the city.
	var cityChange string
	for _, h := range c.History(t, "contacts", ct.ID()) {
		if h.Field == "city" {
			cityChange = h.ID
		}
	}
	now := c.Must(t, 200, "POST", "/api/v1/contacts/"+ct.ID()+"/revert", map[string]any{"change_id": cityChange}).Record(t)
	if now["city"] != nil || now["job_title"] != "Head of purchasing" {
		t.Fatalf("after undoing the city: %v", now)
	}
	// The whole record back to t1.
	e.Clock.Advance(time.Minute)
	now = c.Must(t, 200, "POST", "/api/v1/contacts/"+ct.ID()+"/revert", map[string]any{"as_of": t1.Format(time.RFC3339)}).Record(t)
	if now["job_title"] != "Buyer" || now["family_name"] != "Garcia" || now["name"] != "Maria Garcia" || len(now["emails"].([]any)) != 1 {
		t.Fatalf("after revert to t1: %v", now)
	}
	var reverts int
	var hist struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+ct.ID()+"/history", nil).JSON(t, &hist)
	for _, h := range hist.Data {
		if h["origin"] == "revert" {
			reverts++
		}
	}
	if reverts < 4 {
		t.Fatalf("reverts are not in history: %d rows marked revert", reverts)
	}
	// Bad reverts name the field and change nothing.
	for _, body := range []map[string]any{{}, {"as_of": "soon"}, {"change_id": missingID}, {"as_of": t1.Format(time.RFC3339), "change_id": cityChange}} {
		r := c.Do(t, "POST", "/api/v1/contacts/"+ct.ID()+"/revert", body)
		if r.Status != 422 {
			t.Errorf("revert %v: %d", body, r.Status)
		}
	}
	if got := c.Get(t, "contacts", ct.ID()); got.Version() != now.Version() {
		t.Fatalf("a refused revert wrote: version %d, was %d", got.Version(), now.Version())
	}
}

// TestDuplicates: likely duplicates are found through typos, accents,
// case, name order and phone formats, on create (check) and in a scan;
// unrelated people are not.
func TestDuplicates(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Acme Corporation", "website": "acme.example"})
	jon := c.Create(t, "contacts", map[string]any{"given_name": "Jonathan", "family_name": "Smith", "account_id": acc.ID(), "emails": "jon@acme.example"})
	jose := c.Create(t, "contacts", map[string]any{"given_name": "José", "family_name": "Pérez", "phones": "+1 415-555-0182"})
	zhang := c.Create(t, "contacts", map[string]any{"given_name": "Wei", "family_name": "Zhang", "emails": "zw@huawei.example"})
	c.Create(t, "contacts", map[string]any{"given_name": "Jane", "family_name": "Doe", "emails": "jane@doe.example"})
	check := func(object string, body map[string]any) []map[string]any {
		t.Helper()
		var out struct{ Data []map[string]any }
		c.Must(t, 200, "POST", "/api/v1/"+object+"/duplicates/check", body).JSON(t, &out)
		return out.Data
	}
	cases := []struct {
		name   string
		body   map[string]any
		want   string
		reason string
	}{
		{"typo in the given name, same account", map[string]any{"given_name": "Jonathon", "family_name": "Smith", "account_id": acc.ID()}, jon.ID(), "similar_name"},
		{"e-mail in capitals", map[string]any{"given_name": "J.", "family_name": "S.", "emails": "JON@ACME.EXAMPLE"}, jon.ID(), "same_email"},
		{"accents dropped", map[string]any{"given_name": "Jose", "family_name": "Perez"}, jose.ID(), "same_name"},
		{"phone in another format", map[string]any{"given_name": "Pepe", "family_name": "P.", "phones": "(415) 555-0182"}, jose.ID(), "same_phone"},
		{"name order swapped", map[string]any{"given_name": "Zhang", "family_name": "Wei"}, zhang.ID(), "same_name"},
	}
	for _, tc := range cases {
		got := check("contacts", tc.body)
		if len(got) == 0 || got[0]["id"] != tc.want {
			t.Errorf("%s: candidates %v, want %s first", tc.name, got, tc.want)
			continue
		}
		reasons := fmt.Sprint(got[0]["reasons"])
		if !strings.Contains(reasons, tc.reason) {
			t.Errorf("%s: reasons %s, want %s", tc.name, reasons, tc.reason)
		}
		if s, err := strconv.ParseFloat(fmt.Sprint(got[0]["score"]), 64); err != nil || s < 0.6 || s > 1 {
			t.Errorf("%s: score %v", tc.name, got[0]["score"])
		}
	}
	if got := check("contacts", map[string]any{"given_name": "Robert", "family_name": "Brown", "emails": "rb@elsewhere.example"}); len(got) != 0 {
		t.Errorf("an unrelated person matched: %v", got)
	}
	// Editing a record does not find itself.
	if got := check("contacts", map[string]any{"given_name": "Jonathan", "family_name": "Smith"}); len(got) != 1 {
		t.Errorf("the original is not found by its own name: %v", got)
	}
	var self struct{ Data []any }
	c.Must(t, 200, "POST", "/api/v1/contacts/duplicates/check?exclude_id="+jon.ID(), map[string]any{"given_name": "Jonathan", "family_name": "Smith"}).JSON(t, &self)
	if len(self.Data) != 0 {
		t.Errorf("a record being edited matched itself: %v", self.Data)
	}
	if got := check("accounts", map[string]any{"name": "ACME Corp.", "website": "https://www.acme.example"}); len(got) != 1 || got[0]["id"] != acc.ID() {
		t.Errorf("account by domain and legal form: %v", got)
	}
	// The scan groups the planted duplicates.
	dupJon := c.Create(t, "contacts", map[string]any{"given_name": "Jonathon", "family_name": "Smith", "account_id": acc.ID()})
	dupJose := c.Create(t, "contacts", map[string]any{"given_name": "Jose", "family_name": "Perez", "phones": "(415) 555-0182"})
	dupZhang := c.Create(t, "contacts", map[string]any{"given_name": "Zhang", "family_name": "Wei"})
	var scan struct {
		Groups []struct {
			Score   float64
			Reasons []string
			Records []struct{ ID string }
		}
		Total int
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/duplicates", nil).JSON(t, &scan)
	want := map[string]bool{jon.ID() + dupJon.ID(): true, jose.ID() + dupJose.ID(): true, zhang.ID() + dupZhang.ID(): true}
	for _, g := range scan.Groups {
		var ids []string
		for _, r := range g.Records {
			ids = append(ids, r.ID)
		}
		if len(ids) != 2 {
			t.Errorf("group of %d: %v", len(ids), g)
			continue
		}
		if !want[ids[0]+ids[1]] && !want[ids[1]+ids[0]] {
			t.Errorf("unexpected group %v", ids)
		}
		delete(want, ids[0]+ids[1])
		delete(want, ids[1]+ids[0])
	}
	if len(want) != 0 || scan.Total != 3 {
		t.Fatalf("scan missed %d groups (total %d): %+v", len(want), scan.Total, scan.Groups)
	}

	// Two clear pairs whose names look alike stay two groups: a chain of
	// look-alikes does not merge groups.
	e2 := servertest.New(t)
	c2 := e2.WS.Admin
	a1 := c2.Create(t, "contacts", map[string]any{"given_name": "Juan", "family_name": "Pérez", "emails": "juan@uno.example"})
	a2 := c2.Create(t, "contacts", map[string]any{"given_name": "Juan", "family_name": "Perez", "emails": "JUAN@uno.example"})
	b1 := c2.Create(t, "contacts", map[string]any{"given_name": "Juana", "family_name": "Pérez", "emails": "juana@dos.example"})
	b2 := c2.Create(t, "contacts", map[string]any{"given_name": "Juana", "family_name": "Peres", "emails": "juana@dos.example"})
	c2.Must(t, 200, "GET", "/api/v1/contacts/duplicates", nil).JSON(t, &scan)
	groups := map[string]string{}
	for gi, g := range scan.Groups {
		for _, r := range g.Records {
			groups[r.ID] = fmt.Sprint(gi)
		}
	}
	if scan.Total != 2 || groups[a1.ID()] == "" || groups[a1.ID()] != groups[a2.ID()] || groups[b1.ID()] != groups[b2.ID()] || groups[a1.ID()] == groups[b1.ID()] {
		t.Fatalf("want {Juan Pérez ×2} and {Juana Pérez ×2}, got %+v", scan.Groups)
	}
	for _, g := range scan.Groups {
		if g.Score < 0.9 || !slices.Contains(g.Reasons, "same_email") {
			t.Errorf("group %+v: want the e-mail match scored ≥ 0.9", g)
		}
	}
}

// TestMerge: merging moves every activity, link, relationship,
// attachment and history entry to the survivor, keeps the chosen values
// and unites the lists; the others go to the trash pointing at the
// survivor and cannot be restored on their own.
func TestMerge(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Hooli"})
	keep := c.Create(t, "contacts", map[string]any{"given_name": "Gavin", "family_name": "Belson", "emails": "gavin@hooli.example", "job_title": "CEO"})
	dup := c.Create(t, "contacts", map[string]any{"given_name": "Gavin", "family_name": "Belsen", "emails": "gb@personal.example", "phones": "+1 650 555 0100", "account_id": acc.ID(), "city": "Palo Alto"})
	peer := c.Create(t, "contacts", map[string]any{"given_name": "Peter", "family_name": "Gregory"})
	c.Must(t, 201, "POST", "/api/v1/contacts/"+dup.ID()+"/relationships", map[string]any{"type": "colleague_of", "other_id": peer.ID()})
	c.Must(t, 201, "POST", "/api/v1/contacts/"+dup.ID()+"/relationships", map[string]any{"type": "friend_of", "other_id": keep.ID()})
	act := c.Create(t, "activities", map[string]any{"type": "call", "subject": "Board call", "contact_ids": []any{dup.ID()}})
	both := c.Create(t, "activities", map[string]any{"type": "note", "subject": "Both", "contact_ids": []any{dup.ID(), keep.ID()}})
	attach(t, c, "contacts", dup.ID(), "notes.txt", "merge me")
	c.Must(t, 200, "PATCH", "/api/v1/contacts/"+dup.ID(), map[string]any{"job_title": "Chairman"})
	// Bad merges name the field and change nothing.
	for _, body := range []map[string]any{
		{"survivor_id": keep.ID()},
		{"survivor_id": keep.ID(), "merged_ids": []any{keep.ID()}},
		{"survivor_id": keep.ID(), "merged_ids": []any{missingID}},
		{"survivor_id": keep.ID(), "merged_ids": []any{dup.ID()}, "values": map[string]any{"no_such": 1}},
	} {
		if r := c.Do(t, "POST", "/api/v1/contacts/merge", body); r.Status != 422 {
			t.Errorf("merge %v: %d %s", body, r.Status, r.Body)
		}
	}
	merged := c.Must(t, 200, "POST", "/api/v1/contacts/merge", map[string]any{"survivor_id": keep.ID(), "merged_ids": []any{dup.ID()},
		"values": map[string]any{"job_title": "Chairman"}}).Record(t)
	if merged["job_title"] != "Chairman" || merged["city"] != "Palo Alto" || merged["account_id"] != acc.ID() || merged["family_name"] != "Belson" {
		t.Fatalf("merged values: %v", merged)
	}
	if emails := merged["emails"].([]any); len(emails) != 2 || emails[0].(map[string]any)["address"] != "gavin@hooli.example" {
		t.Fatalf("merged e-mails: %v", emails)
	}
	for _, id := range []string{act.ID(), both.ID()} {
		got := c.Get(t, "activities", id)
		if ids := fmt.Sprint(got["contact_ids"]); ids != "["+keep.ID()+"]" {
			t.Fatalf("activity %s links %s", id, ids)
		}
	}
	var rels struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+keep.ID()+"/relationships", nil).JSON(t, &rels)
	if len(rels.Data) != 1 || rels.Data[0]["other_id"] != peer.ID() {
		t.Fatalf("relationships after merge: %v", rels.Data)
	}
	var atts struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+keep.ID()+"/attachments", nil).JSON(t, &atts)
	if len(atts.Data) != 1 || atts.Data[0]["name"] != "notes.txt" {
		t.Fatalf("attachments after merge: %v", atts.Data)
	}
	hist := c.History(t, "contacts", keep.ID())
	var fromDup, mergeRow bool
	for _, h := range hist {
		if h.Field == "job_title" && h.NewValue == "Chairman" && h.OldValue == "CEO" {
			mergeRow = true
		}
		if h.Action == "create" && h.ID != "" {
			fromDup = fromDup || fmt.Sprint(h.NewValue) != "" && strings.Contains(fmt.Sprint(h.NewValue), "Belsen")
		}
	}
	if !fromDup || !mergeRow {
		t.Fatalf("history after merge lacks the merged record's entries or the merge (%v, %v): %+v", fromDup, mergeRow, hist)
	}
	c.Must(t, 404, "GET", "/api/v1/contacts/"+dup.ID(), nil)
	trash := c.List(t, "/api/v1/contacts/trash")
	if !slices.Contains(trash.IDs(), dup.ID()) {
		t.Fatal("the merged record is not in the trash")
	}
	if r := c.Do(t, "POST", "/api/v1/contacts/"+dup.ID()+"/restore", nil); r.Status != 409 {
		t.Fatalf("restoring a merged record: %d", r.Status)
	}
	// The survivor's as-of view ignores the merged record's past.
	if got := c.Get(t, "contacts", keep.ID()); got["name"] != "Gavin Belson" {
		t.Fatalf("survivor name %v", got["name"])
	}
}

func attach(t *testing.T, c *servertest.Client, object, id, name, content string) map[string]any {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	var out map[string]any
	c.Must(t, 201, "POST", "/api/v1/"+object+"/"+id+"/attachments", b.Bytes(), "Content-Type", mw.FormDataContentType()).JSON(t, &out)
	return out
}

// TestAttachments: files on a record, typed from their content, served
// only to users who can read the record.
func TestAttachments(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Fay", "family_name": "Files"})
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 64)
	a := attach(t, c, "contacts", ct.ID(), "photo.bin", png)
	if a["content_type"] != "image/png" || a["size"] != float64(len(png)) && fmt.Sprint(a["size"]) != fmt.Sprint(len(png)) {
		t.Fatalf("attachment %v", a)
	}
	got := c.Must(t, 200, "GET", "/api/v1/attachments/"+str(a["id"]), nil)
	if string(got.Body) != png || got.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d bytes, headers %v", len(got.Body), got.Header)
	}
	html := attach(t, c, "contacts", ct.ID(), "page.html", "<html><script>alert(1)</script></html>")
	d := c.Must(t, 200, "GET", "/api/v1/attachments/"+str(html["id"]), nil)
	if !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(d.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("HTML is served inline: %v", d.Header)
	}
	// Another salesperson with own-record scope cannot reach it.
	sales := e.WS.User(t, "sales")
	sales.Must(t, 404, "GET", "/api/v1/attachments/"+str(a["id"]), nil)
	sales.Must(t, 404, "GET", "/api/v1/contacts/"+ct.ID()+"/attachments", nil)
	// Not multipart, no file, empty file.
	if r := c.Do(t, "POST", "/api/v1/contacts/"+ct.ID()+"/attachments", map[string]any{"file": "x"}); r.Status != 415 {
		t.Fatalf("JSON upload: %d", r.Status)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("other", "x")
	mw.Close()
	if r := c.Do(t, "POST", "/api/v1/contacts/"+ct.ID()+"/attachments", b.Bytes(), "Content-Type", mw.FormDataContentType()); r.Status != 422 {
		t.Fatalf("no file part: %d", r.Status)
	}
	c.Must(t, 204, "DELETE", "/api/v1/attachments/"+str(a["id"]), nil)
	c.Must(t, 404, "GET", "/api/v1/attachments/"+str(a["id"]), nil)
}

// TestSearch: prefixes, a typo, missing accents, Chinese two-character
// words, e-mail and phone in any format, ranked across objects, within
// the caller's scope.
func TestSearch(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Telefónica Móviles", "website": "telefonica.example"})
	jose := c.Create(t, "contacts", map[string]any{"given_name": "José", "family_name": "Núñez", "account_id": acc.ID(), "emails": "jose.nunez@telefonica.example", "phones": "+34 612 34 56 78"})
	zhang := c.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "张", "job_title": "采购经理"})
	cath := c.Create(t, "contacts", map[string]any{"given_name": "Catherine", "family_name": "Zeta"})
	sales := e.WS.User(t, "sales")
	mine := sales.Create(t, "contacts", map[string]any{"given_name": "Josefina", "family_name": "Nuñez"})
	find := func(cl *servertest.Client, q string) []string {
		t.Helper()
		var out struct{ Data []struct{ ID, Object string } }
		cl.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil).JSON(t, &out)
		var ids []string
		for _, h := range out.Data {
			ids = append(ids, h.ID)
		}
		return ids
	}
	// The default cap, and a cap that some words' matches exceed: the
	// whole-word matches are read first, then the prefix matches.
	for _, cap := range []int{0, 2} {
		e.Server.Search.GroupCap = cap
		for _, tc := range []struct {
			q    string
			want string
		}{
			{"jose nunez", jose.ID()},
			{"NÚÑEZ José", jose.ID()},
			{"jos nun", jose.ID()},
			{"telefonica", acc.ID()},
			{"jose.nunez@telefonica.example", jose.ID()},
			{"612345678", jose.ID()},
			{"+34 612-34-56-78", jose.ID()},
			{"0034 612 34 56 78", jose.ID()},
			{"张伟", zhang.ID()},
			{"采购", zhang.ID()},
			{"Katherine", cath.ID()},
			{"catherin", cath.ID()},
		} {
			if ids := find(c, tc.q); len(ids) == 0 || !slices.Contains(ids, tc.want) {
				t.Errorf("cap %d: search %q: %v, want %s", cap, tc.q, ids, tc.want)
			}
		}
		if ids := find(c, "jose nunez"); ids[0] != jose.ID() {
			t.Errorf("cap %d: best hit first: %v", cap, ids)
		}
		// Both Núñez, and only them, whichever word drives.
		if ids := find(c, "nunez jos"); len(ids) != 2 || !slices.Contains(ids, jose.ID()) || !slices.Contains(ids, mine.ID()) {
			t.Errorf("cap %d: search \"nunez jos\": %v", cap, ids)
		}
	}
	e.Server.Search.GroupCap = 0
	if ids := find(c, "zzzzqqq"); len(ids) != 0 {
		t.Errorf("nonsense found %v", ids)
	}
	// Own scope: the salesperson finds their own Nuñez, not the admin's.
	if ids := find(sales, "nunez"); !slices.Equal(ids, []string{mine.ID()}) {
		t.Errorf("sales search: %v, want only %s", ids, mine.ID())
	}
	// Trashed records are not found; restored ones are again.
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+cath.ID(), nil)
	if ids := find(c, "catherine"); len(ids) != 0 {
		t.Errorf("a trashed contact was found: %v", ids)
	}
	c.Must(t, 200, "POST", "/api/v1/contacts/"+cath.ID()+"/restore", nil)
	if ids := find(c, "catherine"); !slices.Equal(ids, []string{cath.ID()}) {
		t.Errorf("a restored contact was not found: %v", ids)
	}
	for _, q := range []string{"q=" + strings.Repeat("x", 300), "q=a&limit=1000", "q=a&objects=planets"} {
		if r := c.Do(t, "GET", "/api/v1/search?"+q, nil); r.Status != 422 {
			t.Errorf("%s: %d", q[:20], r.Status)
		}
	}
}

// TestCustomerScope: a salesperson who sees only their own records sees
// only those in lists, detail, timelines, duplicates, merge and files.
func TestCustomerScope(t *testing.T) {
	e := servertest.New(t)
	admin := e.WS.Admin
	sales := e.WS.User(t, "sales")
	theirs := admin.Create(t, "contacts", map[string]any{"given_name": "Secret", "family_name": "Person", "emails": "secret@x.example"})
	mine := sales.Create(t, "contacts", map[string]any{"given_name": "Secret", "family_name": "Persson", "emails": "mine@x.example"})
	if ids := sales.List(t, "/api/v1/contacts").IDs(); !slices.Equal(ids, []string{mine.ID()}) {
		t.Fatalf("sales list %v", ids)
	}
	sales.Must(t, 404, "GET", "/api/v1/contacts/"+theirs.ID(), nil)
	sales.Must(t, 404, "GET", "/api/v1/contacts/"+theirs.ID()+"/timeline", nil)
	sales.Must(t, 404, "GET", "/api/v1/contacts/"+theirs.ID()+"/history", nil)
	var check struct{ Data []map[string]any }
	sales.Must(t, 200, "POST", "/api/v1/contacts/duplicates/check", map[string]any{"given_name": "Secret", "family_name": "Person", "emails": "secret@x.example"}).JSON(t, &check)
	for _, cand := range check.Data {
		if cand["id"] == theirs.ID() {
			t.Fatalf("a duplicate outside the scope leaked: %v", cand)
		}
	}
	var scan struct{ Groups []any }
	sales.Must(t, 200, "GET", "/api/v1/contacts/duplicates", nil).JSON(t, &scan)
	if len(scan.Groups) != 0 {
		t.Fatalf("the scan showed records outside the scope: %v", scan.Groups)
	}
	if r := sales.Do(t, "POST", "/api/v1/contacts/merge", map[string]any{"survivor_id": mine.ID(), "merged_ids": []any{theirs.ID()}}); r.Status != 403 && r.Status != 422 {
		t.Fatalf("merging someone else's record: %d", r.Status)
	}
	admin.Must(t, 200, "GET", "/api/v1/contacts/"+theirs.ID(), nil)
	// An account hierarchy: the salesperson's account under the admin's.
	// Their tree shows the parent as a placeholder, without its name,
	// and counts only the contacts they may read.
	top := admin.Create(t, "accounts", map[string]any{"name": "Hidden Holding"})
	sub := sales.Create(t, "accounts", map[string]any{"name": "Visible Branch", "parent_id": top.ID()})
	admin.Create(t, "contacts", map[string]any{"given_name": "Not", "family_name": "Theirs", "account_id": sub.ID()})
	sales.Create(t, "contacts", map[string]any{"given_name": "Is", "family_name": "Theirs", "account_id": sub.ID()})
	var tree struct {
		Name          string
		Restricted    bool
		TotalContacts int `json:"total_contacts"`
		Children      []struct {
			Name     string
			Contacts int
		}
	}
	sales.Must(t, 200, "GET", "/api/v1/accounts/"+sub.ID()+"/tree", nil).JSON(t, &tree)
	if !tree.Restricted || tree.Name != "" || len(tree.Children) != 1 || tree.Children[0].Name != "Visible Branch" || tree.Children[0].Contacts != 1 || tree.TotalContacts != 1 {
		t.Fatalf("the salesperson's tree: %+v", tree)
	}
	tree.Restricted, tree.Name = false, ""
	admin.Must(t, 200, "GET", "/api/v1/accounts/"+sub.ID()+"/tree", nil).JSON(t, &tree)
	if tree.Restricted || tree.Name != "Hidden Holding" || tree.TotalContacts != 2 {
		t.Fatalf("the admin's tree: %+v", tree)
	}
	// The admin's scan sees both.
	admin.Must(t, 200, "GET", "/api/v1/contacts/duplicates", nil).JSON(t, &scan)
	if len(scan.Groups) != 1 {
		t.Fatalf("admin scan: %v", scan.Groups)
	}
}

// TestBulkAndCount: bulk actions change every chosen record or none,
// each with its history entry; counts are exact below the limit and
// respect the scope.
func TestBulkAndCount(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	sales := e.WS.User(t, "sales")
	var ids []string
	for i := range 5 {
		ids = append(ids, c.Create(t, "contacts", map[string]any{"given_name": fmt.Sprintf("Bulk%d", i), "family_name": "Person"}).ID())
	}
	theirs := sales.Create(t, "contacts", map[string]any{"given_name": "Own", "family_name": "Record"}).ID()
	vip := c.Create(t, "tags", map[string]any{"name": "VIP"}).ID()

	var cnt struct {
		Value int64
		Kind  string
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/count?filter[family_name][eq]=Person", nil).JSON(t, &cnt)
	if cnt.Value != 5 || cnt.Kind != "exact" {
		t.Fatalf("count %+v", cnt)
	}
	sales.Must(t, 200, "GET", "/api/v1/contacts/count", nil).JSON(t, &cnt)
	if cnt.Value != 1 {
		t.Fatalf("sales count %+v, want only their own record", cnt)
	}
	if r := c.Do(t, "GET", "/api/v1/contacts/count?filter[planet][eq]=mars", nil); r.Status != 422 || !r.Problem(t).Names("query.filter[planet][eq]") {
		t.Fatalf("count with a bad filter: %d %s", r.Status, r.Body)
	}

	// Assign owner, add and remove a tag.
	var res struct{ Changed int }
	c.Must(t, 200, "POST", "/api/v1/contacts/batch", map[string]any{"ids": ids[:3], "action": "assign_owner", "owner_id": sales.UserID}).JSON(t, &res)
	if res.Changed != 3 {
		t.Fatalf("assign owner changed %d", res.Changed)
	}
	sales.Must(t, 200, "GET", "/api/v1/contacts/count", nil).JSON(t, &cnt)
	if cnt.Value != 4 {
		t.Fatalf("after assigning 3 to sales they count %d", cnt.Value)
	}
	c.Must(t, 200, "POST", "/api/v1/contacts/batch", map[string]any{"ids": ids, "action": "add_tags", "tag_ids": []string{vip}}).JSON(t, &res)
	if got := c.List(t, "/api/v1/contacts?filter[tag_ids][eq]="+vip+"&limit=50").IDs(); len(got) != 5 {
		t.Fatalf("tagged %v", got)
	}
	// Adding again changes nothing and writes no history.
	c.Must(t, 200, "POST", "/api/v1/contacts/batch", map[string]any{"ids": ids, "action": "add_tags", "tag_ids": []string{vip}}).JSON(t, &res)
	if res.Changed != 0 {
		t.Fatalf("adding a tag twice changed %d", res.Changed)
	}
	c.Must(t, 200, "POST", "/api/v1/contacts/batch", map[string]any{"ids": ids[:2], "action": "remove_tags", "tag_ids": []string{vip}}).JSON(t, &res)
	if got := c.List(t, "/api/v1/contacts?filter[tag_ids][eq]="+vip).IDs(); len(got) != 3 {
		t.Fatalf("after removing from 2: %v", got)
	}
	var hist struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+ids[0]+"/history", nil).JSON(t, &hist)
	origins := 0
	for _, h := range hist.Data {
		if h["origin"] == "bulk" {
			origins++
		}
	}
	if origins == 0 {
		t.Fatalf("bulk changes are not in the history: %v", hist.Data)
	}

	// All or nothing: one record outside the salesperson's scope fails the
	// whole action, naming it, and nothing changes.
	r := sales.Do(t, "POST", "/api/v1/contacts/batch", map[string]any{"ids": []string{theirs, ids[4]}, "action": "delete"})
	if r.Status != 422 || !r.Problem(t).Names("body.ids[1]") {
		t.Fatalf("sales deleting a record they cannot reach: %d %s", r.Status, r.Body)
	}
	sales.Must(t, 200, "GET", "/api/v1/contacts/"+theirs, nil)
	// Bad input is named.
	for _, tc := range []struct {
		body map[string]any
		loc  string
	}{
		{map[string]any{"ids": []string{}, "action": "delete"}, "body.ids"},
		{map[string]any{"ids": []string{"nope"}, "action": "delete"}, "body.ids[0]"},
		{map[string]any{"ids": ids, "action": "explode"}, "body.action"},
		{map[string]any{"ids": ids, "action": "assign_owner"}, "body.owner_id"},
		{map[string]any{"ids": ids, "action": "add_tags"}, "body.tag_ids"},
		{map[string]any{"ids": ids, "action": "assign_owner", "owner_id": missingID}, "body.owner_id"},
	} {
		if r := c.Do(t, "POST", "/api/v1/contacts/batch", tc.body); r.Status != 422 || !r.Problem(t).Names(tc.loc) {
			t.Errorf("%v: %d, want 422 naming %s: %s", tc.body, r.Status, tc.loc, r.Body)
		}
	}
	// Delete moves to the trash; restore brings each back.
	c.Must(t, 200, "POST", "/api/v1/contacts/batch", map[string]any{"ids": ids[3:], "action": "delete"}).JSON(t, &res)
	c.Must(t, 200, "GET", "/api/v1/contacts/count?filter[family_name][eq]=Person", nil).JSON(t, &cnt)
	if res.Changed != 2 || cnt.Value != 3 {
		t.Fatalf("after deleting 2: changed %d, count %d", res.Changed, cnt.Value)
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/count?trash=true", nil).JSON(t, &cnt)
	if cnt.Value != 2 {
		t.Fatalf("trash count %d", cnt.Value)
	}
}

// TestTrashKeepsLinks: a contact moved to the trash and restored comes
// back with its accounts and its timeline; a trashed activity leaves the
// timeline and the open tasks, and comes back with its restore.
func TestTrashKeepsLinks(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Initech"})
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Peter", "family_name": "Gibbons", "account_id": acc.ID()})
	note := c.Create(t, "activities", map[string]any{"type": "note", "subject": "TPS reports", "contact_ids": []string{ct.ID()}, "account_ids": []string{acc.ID()}})
	task := c.Create(t, "activities", map[string]any{"type": "task", "subject": "Fix the printer", "due_at": "2030-01-02T10:00:00Z", "contact_ids": []string{ct.ID()}})
	timeline := func(path string) []string {
		var tl struct{ Data []map[string]any }
		c.Must(t, 200, "GET", path+"/timeline?type=note,task", nil).JSON(t, &tl)
		var out []string
		for _, en := range tl.Data {
			if a, ok := en["activity"].(map[string]any); ok {
				out = append(out, str(a["id"]))
			}
		}
		slices.Sort(out)
		return out
	}
	both := []string{note.ID(), task.ID()}
	slices.Sort(both)
	if got := timeline("/api/v1/contacts/" + ct.ID()); !slices.Equal(got, both) {
		t.Fatalf("timeline %v, want %v", got, both)
	}
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+ct.ID(), nil)
	c.Must(t, 404, "GET", "/api/v1/contacts/"+ct.ID(), nil)
	c.Must(t, 200, "POST", "/api/v1/contacts/"+ct.ID()+"/restore", nil)
	if got := timeline("/api/v1/contacts/" + ct.ID()); !slices.Equal(got, both) {
		t.Fatalf("timeline after restore %v, want %v", got, both)
	}
	var members struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc.ID()+"/contacts", nil).JSON(t, &members)
	if len(members.Data) != 1 || members.Data[0]["contact_id"] != ct.ID() {
		t.Fatalf("account members after restore: %v", members.Data)
	}
	// A trashed task leaves the timeline and the account page's open tasks.
	c.Must(t, 204, "DELETE", "/api/v1/activities/"+task.ID(), nil)
	if got := timeline("/api/v1/contacts/" + ct.ID()); !slices.Equal(got, []string{note.ID()}) {
		t.Fatalf("timeline with the task in the trash: %v", got)
	}
	c.Must(t, 200, "POST", "/api/v1/activities/"+task.ID()+"/restore", nil)
	if got := timeline("/api/v1/contacts/" + ct.ID()); !slices.Equal(got, both) {
		t.Fatalf("timeline after restoring the task: %v", got)
	}
	if got := timeline("/api/v1/accounts/" + acc.ID()); !slices.Equal(got, []string{note.ID()}) {
		t.Fatalf("account timeline: %v", got)
	}
}

// TestReferencePicker: a reference input carries the chosen record's id
// and title whatever the size of the workspace, instead of a select of
// the first records (which lost a choice outside them on saving).
func TestReferencePicker(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	other := c.Create(t, "accounts", map[string]any{"name": "Other Account"})
	acc := c.Create(t, "accounts", map[string]any{"name": "Chosen <Account>"})
	tag := c.CreateTag(t, "vip")
	ct := c.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "Ruiz", "account_id": acc.ID(), "tag_ids": []string{tag.ID()}})
	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	body := string(b.Must(t, 200, "GET", "/o/contacts/"+ct.ID()+"/edit", nil).Body)
	for _, want := range []string{
		`<input type="hidden" name="account_id" value="` + acc.ID() + `" data-picker-value>`,
		`value="Chosen &lt;Account&gt;" data-picker-text="Chosen &lt;Account&gt;"`,
		`data-picker="accounts" data-picker-search`,
		`<input type="hidden" name="tag_ids" value="` + tag.ID() + `">`,
		`data-picker="tags" data-picker-title="name" data-picker-multiple`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("edit form lacks %s", want)
		}
	}
	if strings.Contains(body, other.ID()) {
		t.Errorf("the edit form lists other accounts")
	}
	// The relationship form on the 360 page picks the same way.
	page := string(b.Must(t, 200, "GET", "/o/accounts/"+acc.ID(), nil).Body)
	if !strings.Contains(page, `id="rel-other"`) || strings.Contains(page, other.ID()) {
		t.Errorf("360 relationship form: picker %v, lists other accounts %v", strings.Contains(page, `id="rel-other"`), strings.Contains(page, other.ID()))
	}
}
