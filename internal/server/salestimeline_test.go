package server_test

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// salesEvents reads a record's timeline of sales documents as
// "object action field value" lines, oldest first.
func salesEvents(t *testing.T, c *servertest.Client, object, id string) []string {
	t.Helper()
	var out struct {
		Data []struct {
			Kind  string `json:"kind"`
			Event struct {
				Object, Action, Field, Value, Number string
			} `json:"event"`
		}
	}
	c.Must(t, 200, "GET", "/api/v1/"+object+"/"+id+"/timeline?type=sales&limit=200", nil).JSON(t, &out)
	var lines []string
	for _, e := range out.Data {
		if e.Kind != "sales" || e.Event.Number == "" {
			t.Fatalf("entry %+v", e)
		}
		var parts []string
		for _, p := range []string{e.Event.Object, e.Event.Action, e.Event.Field, e.Event.Value} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	slices.Reverse(lines)
	return lines
}

// TestSalesTimeline: the sales documents of an account appear on its
// timeline when they are made and each time their status changes — by
// a person (a quote sent and accepted, an invoice issued, a contract
// activated) or because of other records (an order shipped and
// delivered, an invoice paid, a quote expired by the clock); the
// contact the quote was made for sees the same chain, without the
// account's contracts; the page shows them in the reader's language.
func TestSalesTimeline(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Timeline Traders"}).ID()
	con := c.Create(t, "contacts", map[string]any{"given_name": "Tina", "family_name": "Timeline", "account_id": acc}).ID()
	step := func() { e.Clock.Advance(time.Minute) }
	q := c.Create(t, "quotes", map[string]any{"name": "Racks", "account_id": acc, "contact_id": con, "currency": "EUR"}).ID()
	c.Create(t, "line_items", map[string]any{"quote_id": q, "name": "Rack", "quantity": "2", "unit_price": eur("100")})
	step()
	c.Must(t, 200, "PATCH", "/api/v1/quotes/"+q, map[string]any{"status": "sent"})
	step()
	ord := c.Must(t, 201, "POST", "/api/v1/quotes/"+q+"/accept", nil).Record(t).ID()
	var lines struct{ Data []servertest.Record }
	c.Must(t, 200, "GET", "/api/v1/line_items?filter[order_id][eq]="+ord, nil).JSON(t, &lines)
	line := lines.Data[0].ID()
	step()
	sh1 := c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/ship", map[string]any{"shipped_on": "2026-01-10", "items": []any{map[string]any{"line_item_id": line, "quantity": "1"}}}).Record(t).ID()
	step()
	sh2 := c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/ship", map[string]any{"shipped_on": "2026-01-11", "items": []any{map[string]any{"line_item_id": line, "quantity": "1"}}}).Record(t).ID()
	step()
	c.Must(t, 200, "PATCH", "/api/v1/shipments/"+sh1, map[string]any{"delivered_on": "2026-01-12"})
	step()
	c.Must(t, 200, "PATCH", "/api/v1/shipments/"+sh2, map[string]any{"delivered_on": "2026-01-13"})
	step()
	inv := c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/invoice", nil).Record(t).ID()
	step()
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv, map[string]any{"status": "issued"})
	step()
	c.Create(t, "payments", map[string]any{"invoice_id": inv, "amount": eur("100"), "method": "card"})
	step()
	c.Create(t, "payments", map[string]any{"invoice_id": inv, "amount": eur("100"), "method": "card"})
	step()
	ct := c.Create(t, "contracts", map[string]any{"name": "Support", "account_id": acc, "start_date": "2026-01-01"}).ID()
	step()
	c.Must(t, 200, "PATCH", "/api/v1/contracts/"+ct, map[string]any{"status": "active"})
	step()
	// A sent quote whose validity passes expires by the job.
	old := c.Create(t, "quotes", map[string]any{"name": "Old offer", "account_id": acc, "currency": "EUR", "valid_until": e.Clock.Now().AddDate(0, 0, -1).Format("2006-01-02")}).ID()
	c.Must(t, 200, "PATCH", "/api/v1/quotes/"+old, map[string]any{"status": "sent"})
	step()
	e.RunJob(t, "expire_quotes")

	got := salesEvents(t, c, "accounts", acc)
	want := []string{
		"quotes created draft", "quotes changed status sent", "quotes changed status accepted", "orders created open",
		"shipments created shipped", "orders changed fulfilment partial", "shipments created shipped", "orders changed fulfilment shipped",
		"shipments changed status delivered", "shipments changed status delivered", "orders changed fulfilment delivered",
		"invoices created draft", "invoices changed status issued", "payments created", "invoices changed status partially_paid",
		"payments created", "invoices changed status paid", "contracts created draft", "contracts changed status active",
		"quotes created draft", "quotes changed status sent", "quotes changed status expired",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("the account's timeline lacks %q", w)
		}
	}
	// Order, where the clock tells them apart.
	idx := func(s string) int { return slices.Index(got, s) }
	if !(idx("quotes changed status accepted") < idx("orders changed fulfilment partial") && idx("orders changed fulfilment partial") < idx("orders changed fulfilment delivered") &&
		idx("orders changed fulfilment delivered") < idx("invoices changed status paid") && idx("invoices changed status paid") < idx("quotes changed status expired")) {
		t.Errorf("out of order:\n%s", strings.Join(got, "\n"))
	}
	// The contact sees the chain of the quote made for them, not the
	// account's contract or other quote.
	cgot := salesEvents(t, c, "contacts", con)
	for _, w := range []string{"quotes changed status accepted", "orders changed fulfilment delivered", "shipments changed status delivered", "invoices changed status paid", "payments created"} {
		if !slices.Contains(cgot, w) {
			t.Errorf("the contact's timeline lacks %q:\n%s", w, strings.Join(cgot, "\n"))
		}
	}
	for _, l := range cgot {
		if strings.HasPrefix(l, "contracts") || strings.HasSuffix(l, "expired") {
			t.Errorf("the contact's timeline has %q", l)
		}
	}
	// The status a payment brought is history of the invoice, marked as
	// the system's.
	h := c.History(t, "invoices", inv)
	if last := h[len(h)-1]; last.Field != "status" || last.NewValue != "paid" || last.Origin != "system" || last.ChangedBy != c.UserID {
		t.Errorf("the invoice's last history entry: %+v", last)
	}
	// Someone who may not read invoices does not see them.
	read := map[string]any{"read": true, "scope": "all"}
	mkt := e.WS.User(t, e.WS.Role(t, "Accounts and orders", map[string]any{"accounts": read, "contacts": read, "quotes": read, "orders": read, "shipments": read}))
	var mgot struct {
		Data []struct{ Event struct{ Object string } }
	}
	mkt.Must(t, 200, "GET", "/api/v1/accounts/"+acc+"/timeline?type=sales", nil).JSON(t, &mgot)
	seen := map[string]bool{}
	for _, x := range mgot.Data {
		seen[x.Event.Object] = true
	}
	if !seen["orders"] || seen["invoices"] || seen["payments"] || seen["contracts"] {
		t.Fatalf("a role that reads orders but not invoices sees %v on the timeline", seen)
	}

	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	for lang, words := range map[string][]string{
		"en": {"Fulfilment now Delivered", "Status now Paid", "Status now Expired", "Made · Draft"},
		"es": {"Envío: ahora Entregado", "Estado: ahora Pagada"},
		"zh": {"履约状态变为已送达", "状态变为已付清"},
	} {
		b.Must(t, 200, "PATCH", "/api/v1/me", map[string]any{"language": lang})
		for _, object := range []string{"accounts", "contacts"} {
			id := map[string]string{"accounts": acc, "contacts": con}[object]
			page := html.UnescapeString(string(b.Must(t, 200, "GET", fmt.Sprintf("/o/%s/%s?type=sales", object, id), nil).Body))
			for _, w := range words {
				if object == "contacts" && strings.Contains(w, "Expired") {
					continue
				}
				if !strings.Contains(page, w) {
					t.Errorf("%s %s page lacks %q", lang, object, w)
				}
			}
		}
	}
}
