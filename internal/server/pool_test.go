package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestOneReadConnection: every page and API read renders with a single
// read connection. A handler that runs a query while an earlier query's
// rows still hold their connection needs two; under load, requests each
// holding one and waiting for another took the whole pool and waited
// for each other until they timed out (the 360 page's deal timeline did
// this). With one connection such a handler waits forever, so the test
// names it instead of depending on timing.
func TestOneReadConnection(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	acc := c.Create(t, "accounts", map[string]any{"name": "Pool Partners"}).ID()
	con := c.Create(t, "contacts", map[string]any{"given_name": "Polly", "family_name": "Pool", "account_id": acc}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Pool deal", "account_id": acc, "close_date": "2026-05-01"}).ID()
	c.Create(t, "activities", map[string]any{"type": "note", "subject": "Pool note", "account_ids": []string{acc}, "contact_ids": []string{con}})
	q := c.Create(t, "quotes", map[string]any{"name": "Pool quote", "account_id": acc, "contact_id": con, "deal_id": deal, "currency": "EUR"}).ID()

	e.Server.DB.R.SetMaxOpenConns(1)
	defer e.Server.DB.R.SetMaxOpenConns(0)
	pages := []string{"/o/accounts/" + acc, "/o/contacts/" + con, "/o/deals/" + deal, "/o/quotes/" + q,
		"/o/accounts", "/o/contacts", "/deals", "/forecast", "/search?q=pool", "/my-day"}
	api := []string{"/api/v1/accounts/" + acc + "/timeline", "/api/v1/contacts/" + con + "/timeline",
		"/api/v1/search?q=pool", "/api/v1/forecast", "/api/v1/deals?limit=5"}
	// (The duplicate scan reads two result sets at once by design, and
	// scans run one at a time so that it is the only handler to do so.)
	// A handler stuck waiting is cut off by the client's time-out, which
	// cancels its request and so its wait.
	for _, cl := range []*servertest.Client{c, b} {
		h := *cl.HTTP
		h.Timeout = 15 * time.Second
		cl.HTTP = &h
	}
	for _, p := range append(pages, api...) {
		cl := b
		if strings.HasPrefix(p, "/api/") {
			cl = c
		}
		r, err := cl.Send("GET", p, nil)
		switch {
		case err != nil:
			t.Errorf("GET %s with one read connection: %v (it waits for a second connection while holding the first)", p, err)
		case r.Status != 200:
			t.Errorf("GET %s with one read connection: %d", p, r.Status)
		}
	}
}
