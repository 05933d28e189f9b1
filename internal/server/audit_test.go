package server_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

type auditPage struct {
	Data []struct {
		ID, Event, Email, IP, Detail string
		UserAgent                    string `json:"user_agent"`
		UserIDJSON                   string `json:"user_id"`
	}
	Next string `json:"next_cursor"`
}

func auditEvents(t *testing.T, c *servertest.Client, query string) auditPage {
	t.Helper()
	var p auditPage
	c.Must(t, 200, "GET", "/api/v1/audit"+query, nil).JSON(t, &p)
	return p
}

// TestAuditLog: sign-ins, failed sign-ins, sign-outs, an API token's
// first use of a day and permission denials reach the audit log with the
// user, address, user agent and time; admins read it (filtered, paged,
// as CSV), nobody else does, no workspace sees another's, and no
// password or token secret is ever in it.
func TestAuditLog(t *testing.T) {
	e := servertest.New(t)
	admin := e.WS.Admin
	const wrong = "hunter2-not-the-password"
	ua := []string{"User-Agent", "AuditTest/1.0 (secret-free)"}

	// The admin's token was used to set the workspace up: one token_used.
	first := auditEvents(t, admin, "?event=token_used")
	if len(first.Data) != 1 || first.Data[0].UserIDJSON != admin.UserID || !strings.Contains(first.Data[0].Detail, "servertest") || first.Data[0].IP != "127.0.0.1" {
		t.Fatalf("token use: %+v", first.Data)
	}
	// More use the same day adds nothing; the next day's first use does.
	admin.Must(t, 200, "GET", "/api/v1/me", nil)
	if n := len(auditEvents(t, admin, "?event=token_used").Data); n != 1 {
		t.Fatalf("%d token_used events after more use the same day", n)
	}

	b := e.Browser()
	r := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": "admin@acme.test", "password": wrong}, ua...)
	if r.Status != 401 {
		t.Fatalf("wrong password: %d", r.Status)
	}
	b.Do(t, "POST", "/api/v1/session", map[string]any{"email": "nobody@acme.test", "password": wrong}, ua...)
	b.Must(t, 200, "POST", "/api/v1/session", map[string]any{"email": "admin@acme.test", "password": servertest.Password}, ua...)
	b.Must(t, 204, "DELETE", "/api/v1/session", nil, ua...)

	ro := e.WS.User(t, "read_only")
	ro.Do(t, "POST", "/api/v1/contacts", map[string]any{"given_name": "Nope"}, ua...)
	ro.Do(t, "GET", "/api/v1/audit", nil, ua...) // not an admin: refused, and that is logged too

	all := auditEvents(t, admin, "?limit=500")
	byEvent := map[string]int{}
	for _, ev := range all.Data {
		byEvent[ev.Event]++
	}
	if byEvent["token_used"] != 2 || byEvent["sign_in_failed"] != 1 || byEvent["sign_in"] != 1 || byEvent["sign_out"] != 1 || byEvent["permission_denied"] != 2 {
		t.Fatalf("events %v", byEvent)
	}
	for _, ev := range all.Data {
		switch ev.Event {
		case "sign_in_failed":
			if ev.Email != "admin@acme.test" || ev.Detail != "wrong password" || ev.UserAgent != ua[1] || ev.IP != "127.0.0.1" {
				t.Errorf("failed sign-in: %+v", ev)
			}
		case "sign_in", "sign_out":
			if ev.UserIDJSON != admin.UserID || ev.UserAgent != ua[1] {
				t.Errorf("%s: %+v", ev.Event, ev)
			}
		case "permission_denied":
			if ev.UserIDJSON != ro.UserID || !(ev.Detail == "POST /api/v1/contacts" || ev.Detail == "GET /api/v1/audit") {
				t.Errorf("denial: %+v", ev)
			}
		}
	}
	raw, _ := json.Marshal(all)
	if strings.Contains(string(raw), wrong) || strings.Contains(string(raw), admin.Token) || strings.Contains(string(raw), admin.Token[:12]) {
		t.Fatal("a secret reached the audit log")
	}

	t.Run("filters and pages", func(t *testing.T) {
		if p := auditEvents(t, admin, "?event=permission_denied&user_id="+ro.UserID); len(p.Data) != 2 {
			t.Fatalf("filtered: %+v", p.Data)
		}
		if p := auditEvents(t, admin, "?user_id="+admin.UserID+"&event=sign_in"); len(p.Data) != 1 {
			t.Fatalf("by user: %+v", p.Data)
		}
		if p := auditEvents(t, admin, "?ip=10.9.9.9"); len(p.Data) != 0 {
			t.Fatalf("by another address: %+v", p.Data)
		}
		if p := auditEvents(t, admin, "?until=2000-01-01"); len(p.Data) != 0 {
			t.Fatalf("until 2000: %d", len(p.Data))
		}
		var seen []string
		cursor := ""
		for range 20 {
			p := auditEvents(t, admin, "?limit=2&cursor="+cursor)
			for _, ev := range p.Data {
				seen = append(seen, ev.ID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if len(seen) != len(all.Data) {
			t.Fatalf("paging saw %d events, the list has %d", len(seen), len(all.Data))
		}
		for i := range seen {
			if seen[i] != all.Data[i].ID {
				t.Fatalf("paging order differs at %d", i)
			}
		}
		e.Run(t, []servertest.Scenario{
			{Name: "unknown event", Method: "GET", Path: "/api/v1/audit?event=coffee", Status: 422, ErrorAt: []string{"query.event"}},
			{Name: "bad user", Method: "GET", Path: "/api/v1/audit?user_id=me", Status: 422, ErrorAt: []string{"query.user_id"}},
			{Name: "bad since", Method: "GET", Path: "/api/v1/audit?since=yesterday", Status: 422, ErrorAt: []string{"query.since"}},
			{Name: "until before since", Method: "GET", Path: "/api/v1/audit?since=2026-02-01&until=2026-01-01", Status: 422, ErrorAt: []string{"query.until"}},
			{Name: "huge limit", Method: "GET", Path: "/api/v1/audit?limit=100000", Status: 422, ErrorAt: []string{"query.limit"}},
			{Name: "negative limit", Method: "GET", Path: "/api/v1/audit?limit=-1", Status: 422, ErrorAt: []string{"query.limit"}},
			{Name: "broken cursor", Method: "GET", Path: "/api/v1/audit?cursor=%7B%7D", Status: 422, ErrorAt: []string{"query.cursor"}},
			{Name: "CSV: bad event", Method: "GET", Path: "/api/v1/audit/export?event=x", Status: 422, ErrorAt: []string{"query.event"}},
		})
	})

	t.Run("CSV", func(t *testing.T) {
		r := admin.Must(t, 200, "GET", "/api/v1/audit/export?event=sign_in_failed", nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("headers %v", r.Header)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil || len(rows) != 2 || rows[0][0] != "time" || rows[1][1] != "sign_in_failed" || rows[1][3] != "admin@acme.test" {
			t.Fatalf("CSV %q, %v", rows, err)
		}
		if strings.Contains(string(r.Body), wrong) {
			t.Fatal("a password reached the CSV")
		}
	})

	t.Run("admins only, own workspace only", func(t *testing.T) {
		for _, role := range []string{"read_only", "sales", "manager"} {
			u := e.WS.User(t, role)
			u.Must(t, 403, "GET", "/api/v1/audit", nil)
			u.Must(t, 403, "GET", "/api/v1/audit/export", nil)
		}
		e.Anonymous().Must(t, 401, "GET", "/api/v1/audit", nil)
		other := e.AddWorkspace("Other")
		p := auditEvents(t, other.Admin, "?limit=500")
		for _, ev := range p.Data {
			if ev.UserIDJSON == admin.UserID || ev.UserIDJSON == ro.UserID || ev.Email == "admin@acme.test" {
				t.Fatalf("another workspace's event leaked: %+v", ev)
			}
		}
	})

	t.Run("page", func(t *testing.T) {
		b := e.Browser()
		b.SignIn(t, "admin@acme.test", servertest.Password)
		r := b.Must(t, 200, "GET", "/settings/audit?event=sign_in_failed", nil)
		body := string(r.Body)
		if !strings.Contains(body, "audit-table") || !strings.Contains(body, "wrong password") || strings.Contains(body, "Signed out</span>") {
			t.Fatalf("the page does not show the filtered log: %.2000s", body)
		}
		csvr := b.Must(t, 200, "GET", "/settings/audit/export?event=sign_in", nil)
		if !strings.HasPrefix(csvr.Header.Get("Content-Type"), "text/csv") {
			t.Fatal("the page's CSV link does not answer CSV")
		}
		// A bad filter shows the page with a message, not an error page.
		if r := b.Must(t, 200, "GET", "/settings/audit?since=nonsense", nil); !strings.Contains(string(r.Body), "aria-invalid") {
			t.Fatal("a bad date is not marked")
		}
		sales := e.WS.User(t, "sales")
		sb := e.Browser()
		sb.SignIn(t, sales.Email, servertest.Password)
		sb.Must(t, 403, "GET", "/settings/audit", nil)
	})

	// Last: moving the clock a day also ends the browser sessions above.
	t.Run("a token's next-day use", func(t *testing.T) {
		e.Clock.Advance(24 * time.Hour)
		if n := len(auditEvents(t, admin, "?event=token_used&user_id="+admin.UserID).Data); n != 2 {
			t.Fatalf("%d of the admin token's token_used events the next day, want 2", n)
		}
	})
}

// TestAuditBehindProxy: behind a trusted proxy the log records the
// client's address from X-Forwarded-For and the answer carries HSTS when
// the proxy says the request was HTTPS; the same headers from an
// untrusted peer are ignored.
func TestAuditBehindProxy(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		name := "untrusted"
		if trusted {
			name = "trusted"
		}
		t.Run(name, func(t *testing.T) {
			e := servertest.NewConfigured(t, dbtest.Open(t), nil, func(c *config.Config) {
				if trusted {
					c.TrustedProxies = "127.0.0.1, ::1"
				} else {
					c.TrustedProxies = "10.0.0.0/8"
				}
			})
			ws := e.AddWorkspace("Acme")
			b := e.Browser()
			r := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": "admin@acme.test", "password": "wrong-password"},
				"X-Forwarded-For", "203.0.113.50, 127.0.0.1", "X-Forwarded-Proto", "https")
			if r.Status != 401 {
				t.Fatalf("status %d", r.Status)
			}
			hsts := r.Header.Get("Strict-Transport-Security")
			p := auditEvents(t, ws.Admin, "?event=sign_in_failed")
			if len(p.Data) != 1 {
				t.Fatalf("events %+v", p.Data)
			}
			if trusted && (p.Data[0].IP != "203.0.113.50" || !strings.Contains(hsts, "max-age=")) {
				t.Fatalf("through a trusted proxy: ip %s, HSTS %q", p.Data[0].IP, hsts)
			}
			if !trusted && (p.Data[0].IP != "127.0.0.1" || hsts != "") {
				t.Fatalf("from an untrusted peer: ip %s, HSTS %q", p.Data[0].IP, hsts)
			}
		})
	}
}

// TestAuditRetention: the daily job drops events older than the
// retention and keeps the rest.
func TestAuditRetention(t *testing.T) {
	e := servertest.New(t)
	e.WS.Admin.Must(t, 200, "GET", "/api/v1/me", nil)
	before := len(auditEvents(t, e.WS.Admin, "").Data)
	if before == 0 {
		t.Fatal("no events to prune")
	}
	e.Clock.Advance(401 * 24 * time.Hour)
	e.RunJob(t, "prune_audit")
	// Reading the log uses the token: a new day's first use, nothing else.
	if p := auditEvents(t, e.WS.Admin, ""); len(p.Data) != 1 || p.Data[0].Event != "token_used" {
		t.Fatalf("after pruning: %+v", p.Data)
	}
}
