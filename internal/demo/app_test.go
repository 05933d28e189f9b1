package demo

import (
	"context"
	"fmt"
	mathbig "math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestLoadedSalesInTheApp loads the sales objects into a running server's
// workspace and uses them through the API and the pages: the board and
// the forecast read them, a quote's PDF is made, the application's own
// recomputations (a payment, a shipment) agree with what was loaded, and
// an account's revenue is the sum of its invoices.
func TestLoadedSalesInTheApp(t *testing.T) {
	e := servertest.New(t)
	ctx := context.Background()
	ws, admin := e.WS.ID, e.WS.Admin
	g := New(Config{Seed: 3, Accounts: 30, Contacts: 200, Leads: 60, Deals: 300, Products: 20, Contracts: 5, Orders: 400, TagsAndTeams: true, Now: e.Clock.Now().Unix()})
	if _, err := Load(ctx, e.Server.DB, g, LoadOptions{Workspace: ws, Owners: []string{admin.UserID}}); err != nil {
		t.Fatal(err)
	}
	// The default pipeline's board: every open deal, and those closed in
	// the board's window.
	var pls struct {
		Data []struct {
			ID        string
			IsDefault bool `json:"is_default"`
		}
	}
	admin.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &pls)
	if len(pls.Data) != len(pipelineDefs) || pls.Data[0].ID != ID(ws, "pipelines", 0) || !pls.Data[0].IsDefault {
		t.Fatalf("pipelines %+v", pls.Data)
	}
	want := 0
	since := e.Clock.Now().Add(-90 * 24 * time.Hour).Unix()
	for i := range g.Config().Deals {
		if d := g.Deal(i); d.Pipeline == 0 && (d.Status == "open" || d.ClosedAt >= since) {
			want++
		}
	}
	var board struct {
		Count   int
		Total   string
		Columns []struct {
			Count int
			Cards []struct{ ID, Name string }
		}
	}
	admin.Must(t, 200, "GET", "/api/v1/pipelines/"+pls.Data[0].ID+"/board", nil).JSON(t, &board)
	if board.Count != want || want == 0 || board.Total == "" || len(board.Columns[0].Cards) == 0 {
		t.Errorf("board: %d deals (total %s), want %d", board.Count, board.Total, want)
	}
	admin.Must(t, 200, "GET", "/api/v1/forecast", nil)
	page := e.Browser()
	page.SignIn(t, "admin@acme.test", servertest.Password)
	for _, p := range []string{"/deals", "/forecast", "/o/deals/" + ID(ws, "deals", 0), "/o/orders/" + ID(ws, "orders", 0), "/o/accounts/" + ID(ws, "accounts", 0)} {
		if r := page.Do(t, "GET", p, nil); r.Status != 200 {
			t.Errorf("GET %s: %d", p, r.Status)
		}
	}
	// A quote's PDF, and the search box finds deals and leads.
	var accepted, issued, unshipped = -1, -1, -1
	for i := range g.Config().Orders {
		o := g.Order(i)
		switch {
		case o.QuoteIndex >= 0 && accepted < 0:
			accepted = o.QuoteIndex
		case o.Invoice.Status == orders.InvoiceIssued && issued < 0:
			issued = i
		case (o.Fulfilment == orders.Unfulfilled || o.Fulfilment == orders.Partial) && o.Status == orders.OrderOpen && unshipped < 0:
			unshipped = i
		}
	}
	if accepted < 0 || issued < 0 || unshipped < 0 {
		t.Fatalf("no accepted quote (%d), issued invoice (%d) or order to ship (%d)", accepted, issued, unshipped)
	}
	if r := admin.Must(t, 200, "GET", "/api/v1/quotes/"+ID(ws, "quotes", accepted)+"/pdf", nil); !strings.HasPrefix(string(r.Body), "%PDF") {
		t.Errorf("quote PDF starts %.20q", r.Body)
	}
	l := g.Lead(g.Config().Leads - 1)
	var found struct{ Data []struct{ Object, ID string } }
	admin.Must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape(l.Email), nil).JSON(t, &found)
	if !slices.ContainsFunc(found.Data, func(x struct{ Object, ID string }) bool { return x.ID == ID(ws, "leads", g.Config().Leads-1) }) {
		t.Errorf("search for lead %s: %+v", l.Email, found.Data)
	}
	// Every deal is found by its name among the deals.
	for _, i := range []int{0, g.Config().Deals / 2, g.Config().Deals - 1} {
		d := g.Deal(i)
		found.Data = nil
		admin.Must(t, 200, "GET", "/api/v1/search?objects=deals&limit=50&q="+url.QueryEscape(d.Name), nil).JSON(t, &found)
		if !slices.ContainsFunc(found.Data, func(x struct{ Object, ID string }) bool { return x.ID == ID(ws, "deals", i) }) {
			t.Errorf("search for deal %q: %d results without it", d.Name, len(found.Data))
		}
	}
	// Paying an issued invoice's balance: the application's sums of the
	// loaded payments make it paid.
	o := g.Order(issued)
	admin.Create(t, "payments", map[string]any{"invoice_id": ID(ws, "invoices", issued), "amount": map[string]any{"amount": o.Invoice.Balance, "currency": o.Currency}, "method": "card"})
	inv := admin.Get(t, "invoices", ID(ws, "invoices", issued))
	if inv["status"] != "paid" || fmt.Sprint(inv["balance"]) != fmt.Sprint(map[string]any{"amount": roundZero(o.Currency), "currency": o.Currency}) {
		t.Errorf("invoice after paying its balance: %v, balance %v", inv["status"], inv["balance"])
	}
	// Shipping what is left of an order makes it shipped.
	o = g.Order(unshipped)
	var items []map[string]any
	for j, ln := range o.Lines {
		q, _ := strconv.Atoi(ln.Quantity)
		if o.Shipped != nil {
			s, _ := strconv.Atoi(o.Shipped[j])
			q -= s
		}
		if q > 0 {
			items = append(items, map[string]any{"line_item_id": ID(ws, "order_lines", unshipped*8+j), "quantity": strconv.Itoa(q)})
		}
	}
	admin.Must(t, 201, "POST", "/api/v1/orders/"+ID(ws, "orders", unshipped)+"/ship", map[string]any{"carrier": "DHL", "items": items})
	if f := admin.Get(t, "orders", ID(ws, "orders", unshipped))["fulfilment"]; f != "shipped" {
		t.Errorf("order after shipping every line: %v", f)
	}
	// An account's revenue to date is the sum of its issued invoices.
	acc := g.Order(0).AccountIndex
	rev := map[string]*mathbig.Rat{}
	for i := range g.Config().Orders {
		if o := g.Order(i); o.AccountIndex == acc && i != issued {
			switch o.Invoice.Status {
			case orders.InvoiceIssued, orders.InvoicePartly, orders.InvoicePaid:
				if rev[o.Currency] == nil {
					rev[o.Currency] = new(mathbig.Rat)
				}
				x, _ := new(mathbig.Rat).SetString(o.Totals.Total)
				rev[o.Currency].Add(rev[o.Currency], x)
			}
		}
	}
	// and of its contract's quarters.
	if ci := g.contractOf(acc); ci >= 0 {
		for _, inv := range g.ContractInvoices(ci, g.ContractInvoiceBase(ci)) {
			cur := g.Contract(ci).Value.Currency
			if rev[cur] == nil {
				rev[cur] = new(mathbig.Rat)
			}
			x, _ := new(mathbig.Rat).SetString(inv.Totals.Total)
			rev[cur].Add(rev[cur], x)
		}
	}
	var facts struct {
		Revenue []struct{ Amount, Currency string }
	}
	admin.Must(t, 200, "GET", "/api/v1/accounts/"+ID(ws, "accounts", acc)+"/sales", nil).JSON(t, &facts)
	if len(facts.Revenue) != len(rev) {
		t.Fatalf("account revenue %+v, want %v", facts.Revenue, rev)
	}
	for _, a := range facts.Revenue {
		if x, _ := new(mathbig.Rat).SetString(a.Amount); rev[a.Currency] == nil || x.Cmp(rev[a.Currency]) != 0 {
			t.Errorf("account revenue %s %s, the invoices add up to %v", a.Amount, a.Currency, rev[a.Currency])
		}
	}
	// Activities on deals are linked to the deal, its account and contact.
	for i := range g.Config().Deals {
		d := g.Deal(i)
		if as := g.DealActivities(&d); len(as) > 0 {
			a := admin.Get(t, "activities", ID(ws, "deal_activities", i*4))
			if fmt.Sprint(a["deal_ids"]) != fmt.Sprint([]any{ID(ws, "deals", i)}) || fmt.Sprint(a["contact_ids"]) != fmt.Sprint([]any{ID(ws, "contacts", d.ContactIndex)}) {
				t.Errorf("deal %d's first activity links %v and %v", i, a["deal_ids"], a["contact_ids"])
			}
			break
		}
	}
	// The key accounts carry their tag; related accounts show the link.
	if tags, _ := admin.Get(t, "accounts", ID(ws, "accounts", 0))["tag_ids"].([]any); !slices.Contains(tags, any(ID(ws, "tags", tagKey))) {
		t.Errorf("account 0's tags: %v", tags)
	}
	for i := range g.Config().Accounts {
		a := g.Account(i)
		if _, to, ok := g.accountRelationship(i, &a); ok {
			var rels struct {
				Data []struct {
					OtherID string `json:"other_id"`
				}
			}
			admin.Must(t, 200, "GET", "/api/v1/accounts/"+ID(ws, "accounts", i)+"/relationships", nil).JSON(t, &rels)
			if len(rels.Data) == 0 || rels.Data[0].OtherID != ID(ws, "accounts", to) {
				t.Errorf("account %d's relationships: %+v", i, rels.Data)
			}
			break
		}
	}
	// A lead changed in the application keeps the score it was loaded
	// with: the application scores it the same under the loaded rules.
	rescored, revisedAgain, billed := false, false, false
	for i := range g.Config().Leads {
		l := admin.Get(t, "leads", ID(ws, "leads", i))
		if l["score"] == float64(0) {
			continue
		}
		rescored = true
		after := admin.Must(t, 200, "PATCH", "/api/v1/leads/"+l.ID(), map[string]any{"description": "Rescored"}).Record(t)
		if after["score"] != l["score"] || after["score_reasons"] != l["score_reasons"] {
			t.Errorf("lead %d: loaded with %v (%v), the application scores %v (%v)", i, l["score"], l["score_reasons"], after["score"], after["score_reasons"])
		}
		break
	}
	// A revised quote lists both revisions under its number; the second
	// is revised again by the application into the third.
	for i := range g.Config().Deals {
		first, ok := g.QuoteRevision(i)
		if !ok {
			continue
		}
		q, _ := g.Quote(i)
		revs := admin.List(t, "/api/v1/quotes?filter[number][eq]="+q.Number+"&sort=revision").Data
		if len(revs) != 2 || revs[0]["status"] != "superseded" || revs[1]["previous_id"] != revs[0].ID() || revs[0]["grand_total"].(map[string]any)["amount"] != first.Totals.Total {
			t.Errorf("quote %s's revisions: %v", q.Number, revs)
		}
		if q.Status == "draft" || q.Status == "sent" {
			var third struct{ Revision int }
			admin.Must(t, 201, "POST", "/api/v1/quotes/"+ID(ws, "quotes", i)+"/revise", nil).JSON(t, &third)
			if third.Revision != 3 {
				t.Errorf("quote %s revised by the application: revision %d", q.Number, third.Revision)
			}
			revisedAgain = true
			break
		}
	}
	// The application's next invoice of a contract period is numbered
	// after the loaded ones, the contracts' included.
	for ci := range g.Config().Contracts {
		c := g.Contract(ci)
		if c.Status != "active" && c.Status != "expired" {
			continue
		}
		var inv struct{ Number string }
		admin.Must(t, 201, "POST", "/api/v1/contracts/"+ID(ws, "contracts", ci)+"/invoice", map[string]any{"period_start": c.StartDate, "period_end": c.StartDate}).JSON(t, &inv)
		if want := fmt.Sprintf("INV-%05d", g.Config().Orders+g.ContractInvoiceBase(g.Config().Contracts)+1); inv.Number != want {
			t.Errorf("the next contract invoice is %s, want %s", inv.Number, want)
		}
		billed = true
		break
	}
	if !rescored || !revisedAgain || !billed {
		t.Errorf("no scored lead (%v), open revised quote (%v) or billable contract (%v) to try", rescored, revisedAgain, billed)
	}
	if logs := e.ErrorLogs(); len(logs) > 0 {
		t.Errorf("server errors: %v", logs)
	}
}

func roundZero(cur string) string {
	s, _ := orders.Round("0", cur)
	return s
}
