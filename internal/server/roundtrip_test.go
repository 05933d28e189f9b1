package server_test

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// contactFacts is what a contact must keep through export and import into
// another workspace: its values as a user reads them (references by name).
func contactFacts(t *testing.T, c *servertest.Client) []string {
	t.Helper()
	tags := map[string]string{}
	for _, tg := range c.List(t, "/api/v1/tags?limit=500").Data {
		tags[tg["id"].(string)], _ = tg["name"].(string)
	}
	accounts := map[string]string{}
	for _, a := range c.List(t, "/api/v1/accounts?limit=500").Data {
		accounts[a["id"].(string)], _ = a["name"].(string)
	}
	var out []string
	for _, r := range c.List(t, "/api/v1/contacts?limit=500").Data {
		var emails, phones, tagNames []string
		for _, e := range asList(r["emails"]) {
			emails = append(emails, e.(map[string]any)["address"].(string))
		}
		for _, p := range asList(r["phones"]) {
			phones = append(phones, p.(map[string]any)["number"].(string))
		}
		for _, id := range asList(r["tag_ids"]) {
			tagNames = append(tagNames, tags[id.(string)])
		}
		sort.Strings(emails)
		sort.Strings(phones)
		sort.Strings(tagNames)
		acc, _ := r["account_id"].(string)
		out = append(out, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v|%v|%v|%v", r["given_name"], r["family_name"], r["name"], emails, phones,
			r["city"], r["birthday"], r["job_title"], accounts[acc], tagNames))
	}
	sort.Strings(out)
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestExportImportRoundTrip: contacts exported as CSV, Excel and vCard, and
// meetings as iCalendar, import into an empty workspace as the same data
// (accounts and tags matched by name, created there). JSON Lines is an
// export format only.
func TestExportImportRoundTrip(t *testing.T) {
	e := servertest.New(t)
	src := e.WS.Admin
	globex := src.Create(t, "accounts", map[string]any{"name": "Globex", "domain": "globex.example"})
	huawei := src.Create(t, "accounts", map[string]any{"name": "深圳科技有限公司"})
	vip := src.CreateTag(t, "VIP")
	lead := src.CreateTag(t, "Lead")
	src.Create(t, "contacts", map[string]any{"given_name": "José", "family_name": "Pérez", "account_id": globex.ID(), "tag_ids": []string{vip.ID(), lead.ID()},
		"emails": []any{map[string]any{"address": "jose@globex.example"}, map[string]any{"address": "jose@home.example"}},
		"phones": []any{map[string]any{"text": "+34 612 34 56 78"}}, "job_title": "Director de ventas", "city": "Sevilla", "birthday": "1985-02-03"})
	src.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "张", "account_id": huawei.ID(),
		"emails": []any{map[string]any{"address": "zhang.wei@example.cn"}}, "phones": []any{map[string]any{"text": "+86 138 0013 8000"}}, "city": "深圳"})
	src.Create(t, "contacts", map[string]any{"given_name": "Ann", "family_name": "Lee", "emails": []any{map[string]any{"address": "=ann@x.example"}},
		"job_title": "-VP, \"Ops\"\nand more", "tag_ids": []string{lead.ID()}})
	want := contactFacts(t, src)
	if len(want) != 3 {
		t.Fatalf("source facts %v", want)
	}

	for _, format := range []string{"csv", "xlsx", "vcf"} {
		t.Run(format, func(t *testing.T) {
			file := src.Must(t, 200, "GET", "/api/v1/contacts/export?format="+format, nil).Body
			dst := e.AddWorkspace("Dest " + format).Admin
			fields := map[string]string{"object": "contacts", "create_accounts": "true", "duplicates": "create"}
			if format != "vcf" {
				// Ids and owners are the source workspace's: the names that
				// go with them (account_name, tag_names) carry the links.
				fields["mapping"] = roundTripMapping(t, file, format)
			}
			r := upload(t, dst, fields, "contacts."+format, string(file))
			if r.Status != 201 {
				t.Fatalf("upload: %d %s", r.Status, r.Body)
			}
			var b batchJSON
			r.JSON(t, &b)
			runImports(t, e)
			got := getBatch(t, dst, b.ID)
			if got.Status != "done" || got.Rows.Created != 3 || got.Rows.Rejected != 0 {
				t.Fatalf("import of the %s export: %+v", format, got)
			}
			have := contactFacts(t, dst)
			if !slices.Equal(have, want) {
				t.Fatalf("after the round trip through %s:\n got %q\nwant %q", format, have, want)
			}
		})
	}

	t.Run("ics", func(t *testing.T) {
		src.Create(t, "activities", map[string]any{"type": "meeting", "subject": "Revisión trimestral", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:30:00Z",
			"location": "Sevilla", "body": "Agenda:\n1. ventas", "attendees": []any{map[string]any{"address": "jose@globex.example"}}})
		file := src.Must(t, 200, "GET", "/api/v1/activities/export?format=ics", nil).Body
		dst := e.AddWorkspace("Dest ics").Admin
		r := upload(t, dst, map[string]string{"object": "activities"}, "meetings.ics", string(file))
		if r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		var b batchJSON
		r.JSON(t, &b)
		runImports(t, e)
		if got := getBatch(t, dst, b.ID); got.Status != "done" || got.Rows.Created != 1 {
			t.Fatalf("import of the ics export: %+v", got)
		}
		acts := dst.List(t, "/api/v1/activities").Data
		if len(acts) != 1 {
			t.Fatalf("activities %v", acts)
		}
		a := acts[0]
		if a["subject"] != "Revisión trimestral" || !strings.HasPrefix(fmt.Sprint(a["starts_at"]), "2026-12-01T09:00:00") || !strings.HasPrefix(fmt.Sprint(a["ends_at"]), "2026-12-01T10:30:00") ||
			a["location"] != "Sevilla" || a["body"] != "Agenda:\n1. ventas" || !strings.Contains(fmt.Sprint(a["attendees"]), "jose@globex.example") {
			t.Fatalf("meeting after the round trip: %v", a)
		}
	})
}

// roundTripMapping maps an exported file's columns for another workspace:
// every field by its own name, except the source's ids and users.
func roundTripMapping(t *testing.T, file []byte, format string) string {
	t.Helper()
	var header []string
	if format == "csv" {
		header = strings.Split(strings.SplitN(string(file), "\r\n", 2)[0], ",")
	} else {
		header = xlsxHeader(t, file)
	}
	var m []string
	for _, h := range header {
		target := h
		switch {
		case h == "account_name":
			target = "account"
		case h == "tag_names":
			target = "tags"
		case h == "id", h == "email", h == "phone", strings.HasSuffix(h, "_id"), strings.HasSuffix(h, "_ids"), strings.HasSuffix(h, "_by"),
			strings.HasSuffix(h, "_email"), strings.HasSuffix(h, "_at"), h == "version", h == "name":
			target = ""
		}
		m = append(m, fmt.Sprintf(`{"column":%q,"field":%q}`, h, target))
	}
	return "[" + strings.Join(m, ",") + "]"
}

func xlsxHeader(t *testing.T, file []byte) []string {
	t.Helper()
	xr, err := dataio.NewXLSXReader(bytes.NewReader(file), dataio.XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer xr.Close()
	return xr.Header()
}
