package exports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/exports"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestWriteMatchesRecordPath: on a generated workspace — custom fields of
// every type, tags, several e-mails and phones, accounts (one trashed, one
// whose name is a formula), several owners, Chinese and Spanish text,
// cells a spreadsheet would run — Write gives, byte for byte, the file the
// record-by-record path gives, in CSV and JSON Lines, for callers of every
// reach and for lists with filters, sorts and searches.
func TestWriteMatchesRecordPath(t *testing.T) {
	ctx := context.Background()
	e := servertest.New(t)
	x := e.Server.Exports
	x.Batch = 97 // many batches, the last one short
	ws := e.WS
	admin := ws.Admin

	cfText := ws.CustomField(t, "contacts", "nickname", "text", nil)
	cfInt := ws.CustomField(t, "contacts", "visits", "integer", nil)
	cfDec := ws.CustomField(t, "contacts", "score", "decimal", nil)
	cfMoney := ws.CustomField(t, "contacts", "budget", "money", nil)
	cfDate := ws.CustomField(t, "contacts", "met_on", "date", nil)
	cfTime := ws.CustomField(t, "contacts", "called_at", "datetime", nil)
	cfBool := ws.CustomField(t, "contacts", "vip", "boolean", nil)
	opts := []map[string]any{{"value": "red", "labels": map[string]string{"en": "Red"}}, {"value": "blue", "labels": map[string]string{"en": "Blue"}}}
	cfSel := ws.CustomField(t, "contacts", "colour", "select", map[string]any{"options": opts})
	cfMulti := ws.CustomField(t, "contacts", "colours", "multi_select", map[string]any{"options": opts})
	cfRef := ws.CustomField(t, "contacts", "partner_id", "reference", map[string]any{"target": "accounts"})
	cfUser := ws.CustomField(t, "contacts", "buddy_id", "user", nil)

	sales := ws.User(t, "sales")
	manager := ws.User(t, "manager")
	owners := []string{admin.UserID, sales.UserID, manager.UserID}

	accountNames := []string{"Globex", "=HYPERLINK(\"http://evil.example\",\"x\")", "北京科技有限公司", "Construcciones Peña, S.L.", "", "+Plus \"Quoted\"", "  Spaced"}
	var accounts []string
	for i := range 40 {
		n := accountNames[i%len(accountNames)]
		if n == "" {
			n = fmt.Sprintf("Acct %d", i)
		}
		c := admin
		if i%3 == 1 {
			c = sales
		}
		accounts = append(accounts, c.Create(t, "accounts", map[string]any{"name": n}).ID())
	}
	var tags []string
	for _, n := range []string{"VIP", "重要", "-negative", "Cliente preferente", "a,b;c"} {
		tags = append(tags, admin.CreateTag(t, n).ID())
	}

	given := []string{"Ana", "伟", "José", "Zoë", "=cmd|' /C calc'!A0", "@SUM(A1)", "Bob", "María José", "\tTab", "Émile"}
	family := []string{"López", "张", "Núñez", "O'Brien", "Smith", "王", "-Minus", "García", "\"Quote\"", "Ångström"}
	titles := []string{"", "CEO", "=1+1", "+34 612 34 56 78", "-2", "@here", "\rCarriage", "＝FULLWIDTH", "Director de ventas, España", "销售经理", "line one\nline two", "<script>&amp;</script>", `\.`, " leading space"}
	var batch []any
	flush := func() {
		if len(batch) > 0 {
			admin.Must(t, 200, "POST", "/api/v1/contacts/bulk", map[string]any{"records": batch})
			batch = nil
		}
	}
	for i := range 700 {
		rec := map[string]any{
			"given_name":  given[i%len(given)],
			"family_name": family[(i/3)%len(family)],
			"job_title":   titles[i%len(titles)],
			"owner_id":    owners[i%len(owners)],
		}
		if i%11 != 0 {
			rec["account_id"] = accounts[i%len(accounts)]
		}
		switch i % 4 {
		case 1:
			rec["emails"] = []any{map[string]any{"address": fmt.Sprintf("p%d@example.com", i)}}
		case 2:
			rec["emails"] = []any{map[string]any{"address": fmt.Sprintf("p%d@example.es", i), "label": "work"},
				map[string]any{"address": fmt.Sprintf("p%d.home@example.cn", i), "label": "home", "primary": true}}
		case 3:
			rec["emails"] = []any{map[string]any{"address": fmt.Sprintf("a%d@x.example", i)}, map[string]any{"address": fmt.Sprintf("b%d@x.example", i)},
				map[string]any{"address": fmt.Sprintf("c%d@x.example", i), "label": "other"}}
		}
		switch i % 3 {
		case 1:
			rec["phones"] = []any{map[string]any{"text": fmt.Sprintf("+34 612 %03d %03d", i%1000, (i*7)%1000), "label": "mobile"}}
		case 2:
			rec["phones"] = []any{map[string]any{"text": fmt.Sprintf("+1 415 555 %04d", i%10000)}, map[string]any{"text": fmt.Sprintf("+86 10 %04d %04d", i%10000, (i*3)%10000), "label": "work"}}
		}
		if i%2 == 0 {
			rec["tag_ids"] = []string{tags[i%len(tags)]}
		} else if i%5 == 0 {
			rec["tag_ids"] = []string{tags[0], tags[1], tags[(i/5)%len(tags)]}
		}
		if i%6 == 0 {
			rec["city"] = "Madrid"
			rec["street"] = "Calle Mayor, 1\n3º izquierda"
			rec["description"] = "Notas: \"cliente\" importante; llamar antes de las 10:00.\r\nSegunda línea, con ñ."
			rec["birthday"] = fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28)
			rec["email_consent"] = "opt_in"
			rec["email_consent_at"] = "2026-03-04T05:06:07Z"
			rec["language"] = "es"
		} else if i%6 == 1 {
			rec["city"] = "上海"
			rec["description"] = "重要客户，请尽快联系。"
			rec["language"] = "zh"
		}
		if i%7 != 0 {
			rec[cfText] = titles[(i+3)%len(titles)] + " 绰号"
			rec[cfInt] = i - 300
			rec[cfDec] = fmt.Sprintf("%d.%02d", i, i%100)
			rec[cfMoney] = map[string]any{"amount": fmt.Sprintf("-%d.50", i), "currency": "EUR"}
			rec[cfDate] = "2026-11-23"
			rec[cfTime] = "2026-11-23T10:11:12Z"
			rec[cfBool] = i%2 == 0
			rec[cfSel] = "red"
			rec[cfMulti] = []string{"blue", "red"}
			rec[cfRef] = accounts[(i*7)%len(accounts)]
			rec[cfUser] = owners[(i+1)%len(owners)]
		}
		batch = append(batch, rec)
		if len(batch) == 250 {
			flush()
		}
	}
	flush()
	admin.Must(t, 204, "DELETE", "/api/v1/accounts/"+accounts[5], nil) // referred to, but trashed: no title
	// Values the API would not store as they are, written directly: text
	// holding the marks a packed SQLite row uses (such a row is read
	// again column by column), a value that is only a mark, and empty
	// text that is not NULL.
	for k, set := range []struct{ col, val string }{
		{"job_title", "mark\x1fin\x1evalue"}, {"job_title", "\x1e"}, {"description", "\x1f"}, {"city", ""},
		{"street", "\x1e\x1e"}, {"job_title", ""}, {"custom", "{}"},
	} {
		if _, err := e.Server.DB.Exec(ctx, "UPDATE contacts SET "+set.col+" = ? WHERE id = (SELECT id FROM contacts WHERE workspace_id = ? ORDER BY created_at, id LIMIT 1 OFFSET ?)", set.val, ws.ID, 3+k*5); err != nil {
			t.Fatal(err)
		}
	}

	// Callers of every reach: the admin, an own-scope salesperson, a role
	// that reads every contact but only its own accounts, and one that
	// reads contacts but no accounts or tags.
	ownAccounts := ws.Role(t, "Own accounts", map[string]any{
		"contacts": map[string]any{"read": true, "scope": "all"},
		"accounts": map[string]any{"read": true, "scope": "own"},
		"tags":     map[string]any{"read": true, "scope": "all"},
	})
	noAccounts := ws.Role(t, "No accounts", map[string]any{
		"contacts": map[string]any{"read": true, "scope": "all"},
	})
	callers := map[string]string{
		"admin":        admin.UserID,
		"sales":        sales.UserID,
		"own accounts": ws.User(t, ownAccounts).UserID,
		"no accounts":  ws.User(t, noAccounts).UserID,
	}
	queries := []string{
		"",
		"sort=given_name",
		"sort=-family_name",
		"filter[city][eq]=Madrid",
		"q=Ana",
		"filter[tag_ids][contains]=" + tags[1],
		"filter[" + cfInt + "][gte]=0&sort=" + cfText,
	}
	formats := []exports.Format{exports.CSV, exports.JSONL}

	// Another workspace's contacts never appear.
	other := e.AddWorkspace("Other")
	other.Admin.Create(t, "contacts", map[string]any{"given_name": "Outsider"})

	for who, userID := range callers {
		p, err := e.Server.Auth.Principal(ctx, ws.ID, userID)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range queries {
			for _, f := range formats {
				t.Run(fmt.Sprintf("%s/%s/%s", who, f, raw), func(t *testing.T) {
					got, want := exportBoth(t, x, p, raw, f)
					if !bytes.Equal(got, want) {
						t.Fatalf("Write differs from the record path at byte %d:\n got %q\nwant %q", firstDiff(got, want), around(got, firstDiff(got, want)), around(want, firstDiff(got, want)))
					}
					// Again with every account title read in one pass
					// after the first few read by id.
					x.TitlesAtOnce = 3
					got, _ = exportBoth(t, x, p, raw, f)
					x.TitlesAtOnce = 0
					if !bytes.Equal(got, want) {
						t.Fatalf("with titles read at once, Write differs from the record path at byte %d:\n got %q\nwant %q", firstDiff(got, want), around(got, firstDiff(got, want)), around(want, firstDiff(got, want)))
					}
					// And with the tags looked up record by record
					// rather than read ahead.
					x.Records.LinksAhead = -1
					got, _ = exportBoth(t, x, p, raw, f)
					x.Records.LinksAhead = 0
					if !bytes.Equal(got, want) {
						t.Fatalf("with links looked up by record, Write differs from the record path at byte %d:\n got %q\nwant %q", firstDiff(got, want), around(got, firstDiff(got, want)), around(want, firstDiff(got, want)))
					}
				})
			}
		}
	}

	// The comparison is not between two empty files: the admin's CSV has
	// every contact, neutralised formulas, titles and e-mails, Chinese and
	// Spanish text.
	p, _ := e.Server.Auth.Principal(ctx, ws.ID, admin.UserID)
	out, _ := exportBoth(t, x, p, "", exports.CSV)
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 701 {
		t.Fatalf("admin CSV: %d rows, %v", len(recs), err)
	}
	for _, s := range []string{`'=HYPERLINK(""http://evil.example"",""x"")`, "'=cmd|", "'@SUM", "'＝FULLWIDTH", "北京科技有限公司", "Construcciones Peña", "重要",
		"admin@acme.test", "p2.home@example.cn", "'+34612", "-300", "'-1.50 EUR", "blue; red", "Outsider"} {
		if strings.Contains(string(out), s) != (s != "Outsider") {
			t.Errorf("admin CSV: contains %q is %v", s, !(s != "Outsider"))
		}
	}
	sp, _ := e.Server.Auth.Principal(ctx, ws.ID, sales.UserID)
	out, _ = exportBoth(t, x, sp, "", exports.JSONL)
	if n := bytes.Count(out, []byte("\n")); n == 0 || n >= 700 {
		t.Errorf("own-scope JSON Lines: %d lines, want some of the 700", n)
	}
}

// exportBoth exports the list raw selects in format f as p, through Write
// and through the record path.
func exportBoth(t *testing.T, x *exports.Exporter, p *auth.Principal, raw string, f exports.Format) (got, want []byte) {
	t.Helper()
	vals, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	vals.Set("format", string(f))
	format, q, err := x.ParseRequest(context.Background(), p, "contacts", vals)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var a, b bytes.Buffer
	ra, err := x.Write(context.Background(), p, "contacts", q, format, &a)
	if err != nil {
		t.Fatalf("Write %s: %v", raw, err)
	}
	rb, err := exports.WriteRecords(x, context.Background(), p, "contacts", q, format, &b)
	if err != nil {
		t.Fatalf("record path %s: %v", raw, err)
	}
	if ra != rb {
		t.Errorf("results %+v and %+v differ", ra, rb)
	}
	return a.Bytes(), b.Bytes()
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(b []byte, i int) []byte {
	return b[max(0, i-120):min(len(b), i+120)]
}
