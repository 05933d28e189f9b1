package server_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// dealLines lists a deal's live line items as c sees them.
func dealLines(t *testing.T, c *servertest.Client, deal string) []servertest.Record {
	t.Helper()
	return c.List(t, "/api/v1/line_items?filter[deal_id][eq]="+deal+"&sort=position").Data
}

func moneyAmount(t *testing.T, r servertest.Record, field string) string {
	t.Helper()
	m, ok := r[field].(map[string]any)
	if !ok {
		t.Fatalf("%s is %v", field, r[field])
	}
	return m["amount"].(string) + " " + m["currency"].(string)
}

// TestDealLines: a deal's products are line items like a quote's — made
// from the catalogue or by hand, changed and removed through the line
// items API — and the deal's amount follows their grand total with a
// history entry the system makes, until amount_from_lines is turned off;
// lines in another currency than the deal's are refused naming the
// field, with nothing written.
func TestDealLines(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Cervecería Norte"}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "KEG-50", "name": "Barril 50 L", "unit": "uds", "tax_rate": "21", "list_price": eur("120")}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Summer kegs", "account_id": acc, "amount": eur("1000")})
	if deal["amount_from_lines"] != true {
		t.Fatalf("a new deal's amount_from_lines: %v", deal["amount_from_lines"])
	}
	id := deal.ID()

	// From the catalogue: name, unit, price and tax come from the product.
	keg := c.Create(t, "line_items", map[string]any{"deal_id": id, "product_id": prod, "quantity": "2"})
	if keg["name"] != "Barril 50 L" || keg["unit"] != "uds" || moneyAmount(t, keg, "line_total") != "290.40 EUR" || keg["owner_id"] != c.UserID {
		t.Fatalf("the catalogue line: %v", keg)
	}
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "290.40 EUR" {
		t.Fatalf("the deal's amount after one line: %s", got)
	}
	h := c.History(t, "deals", id)
	last := h[len(h)-1]
	if last.Field != "amount" || last.Origin != "system" || last.ChangedBy != c.UserID {
		t.Fatalf("the amount's history entry: %+v", last)
	}
	// By hand, with a discount: 59.97 − 6.00 = 53.97, tax 11.33.
	tap := c.Create(t, "line_items", map[string]any{"deal_id": id, "name": "Grifo de barra", "quantity": "3", "unit_price": eur("19.99"), "discount_percent": "10", "tax_rate": "21"})
	if moneyAmount(t, tap, "line_total") != "65.30 EUR" {
		t.Fatalf("the hand-made line: %v", tap)
	}
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "355.70 EUR" {
		t.Fatalf("the deal's amount after two lines: %s", got)
	}
	// Changed: one keg (145.20).
	c.Must(t, 200, "PATCH", "/api/v1/line_items/"+keg.ID(), map[string]any{"quantity": "1"})
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "210.50 EUR" {
		t.Fatalf("the deal's amount after a change: %s", got)
	}
	if ls := dealLines(t, c, id); len(ls) != 2 || ls[0].ID() != keg.ID() || ls[1].ID() != tap.ID() {
		t.Fatalf("the deal's lines: %v", ls)
	}

	// Another currency, nothing written: a line, a discount, the deal's
	// amount; nor an amount by hand while it follows the lines.
	before := c.Get(t, "deals", id)
	for _, tc := range []struct {
		name, method, path, field string
		body                      map[string]any
	}{
		{"line price", "POST", "/api/v1/line_items", "body.unit_price", map[string]any{"deal_id": id, "name": "Dollars", "quantity": "1", "unit_price": map[string]any{"amount": "5", "currency": "USD"}}},
		{"line discount", "POST", "/api/v1/line_items", "body.discount_amount", map[string]any{"deal_id": id, "name": "Dollars", "quantity": "1", "unit_price": eur("5"), "discount_amount": map[string]any{"amount": "1", "currency": "USD"}}},
		{"changed line", "PATCH", "/api/v1/line_items/" + tap.ID(), "body.unit_price", map[string]any{"unit_price": map[string]any{"amount": "5", "currency": "USD"}}},
		{"deal amount", "PATCH", "/api/v1/deals/" + id, "body.amount", map[string]any{"amount": map[string]any{"amount": "210.50", "currency": "USD"}}},
		{"amount by hand", "PATCH", "/api/v1/deals/" + id, "body.amount", map[string]any{"amount": eur("999")}},
		{"no such deal", "POST", "/api/v1/line_items", "body.deal_id", map[string]any{"deal_id": "not-a-deal", "name": "X", "quantity": "1", "unit_price": eur("1")}},
		{"two parents", "POST", "/api/v1/line_items", "body.quote_id", map[string]any{"deal_id": id, "quote_id": c.Create(t, "quotes", map[string]any{"name": "Q", "account_id": acc, "currency": "EUR"}).ID(), "name": "X", "quantity": "1", "unit_price": eur("1")}},
	} {
		p := c.Must(t, 422, tc.method, tc.path, tc.body).Problem(t)
		if !p.Names(tc.field) {
			t.Errorf("%s: refused naming %v, want %s", tc.name, p.Locations(), tc.field)
		}
	}
	if after := c.Get(t, "deals", id); after.Version() != before.Version() || moneyAmount(t, after, "amount") != "210.50 EUR" {
		t.Fatalf("a refused write changed the deal: %v", after)
	}
	if ls := dealLines(t, c, id); len(ls) != 2 || moneyAmount(t, c.Get(t, "line_items", tap.ID()), "unit_price") != "19.99 EUR" {
		t.Fatalf("a refused write changed the lines: %v", ls)
	}
	// The same amount written differently is no change.
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+id, map[string]any{"amount": eur("210.5"), "next_step": "Call back"})

	// Off: the amount is the owner's to set, and stays as lines change.
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+id, map[string]any{"amount_from_lines": false, "amount": eur("5000")})
	c.Create(t, "line_items", map[string]any{"deal_id": id, "name": "Setup", "quantity": "1", "unit_price": eur("100")})
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "5000 EUR" {
		t.Fatalf("an amount set by hand after a line: %s", got)
	}
	// On again: the lines' total at once.
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+id, map[string]any{"amount_from_lines": true})
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "310.50 EUR" {
		t.Fatalf("the amount when following the lines again: %s", got)
	}
	// Removed lines leave the total; the last one leaves zero.
	c.Must(t, 204, "DELETE", "/api/v1/line_items/"+tap.ID(), nil)
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "245.20 EUR" {
		t.Fatalf("the amount after a removal: %s", got)
	}
	// A trashed line comes back.
	c.Must(t, 200, "POST", "/api/v1/line_items/"+tap.ID()+"/restore", nil)
	if got := moneyAmount(t, c.Get(t, "deals", id), "amount"); got != "310.50 EUR" {
		t.Fatalf("the amount after a restore: %s", got)
	}

	// A deal without an amount takes the workspace's currency for its
	// lines; its amount then follows them.
	bare := c.Create(t, "deals", map[string]any{"name": "No amount yet", "account_id": acc}).ID()
	var ws struct{ Currency string }
	c.Must(t, 200, "GET", "/api/v1/workspace", nil).JSON(t, &ws)
	if ws.Currency == "" {
		t.Fatal("no workspace currency")
	}
	c.Create(t, "line_items", map[string]any{"deal_id": bare, "name": "Item", "quantity": "2", "unit_price": map[string]any{"amount": "10", "currency": ws.Currency}})
	if got := moneyAmount(t, c.Get(t, "deals", bare), "amount"); got != "20.00 "+ws.Currency {
		t.Fatalf("the amount of a deal that had none: %s", got)
	}
}

// TestQuoteFromDealLines: POST /deals/{id}/quote makes a draft quote for
// the deal with a copy of its lines, whose totals are the deal's; the
// deal's page button does the same; a deal without an account needs one
// named.
func TestQuoteFromDealLines(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Quote Buyer SA"}).ID()
	con := c.Create(t, "contacts", map[string]any{"given_name": "Lucía", "family_name": "Quote", "account_id": acc}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "LIC-1", "name": "Licence", "tax_rate": "21", "list_price": eur("99.90")}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Licences 2026", "account_id": acc, "contact_ids": []string{con}, "amount": eur("1")}).ID()
	c.Create(t, "line_items", map[string]any{"deal_id": deal, "product_id": prod, "quantity": "7", "discount_percent": "5"})
	c.Create(t, "line_items", map[string]any{"deal_id": deal, "name": "Onboarding", "quantity": "1", "unit_price": eur("450"), "discount_amount": eur("50"), "tax_rate": "10"})
	d := c.Get(t, "deals", deal)

	r := c.Must(t, 201, "POST", "/api/v1/deals/"+deal+"/quote", nil)
	q := r.Record(t)
	if q["deal_id"] != deal || q["account_id"] != acc || q["contact_id"] != con || q["status"] != "draft" || q["currency"] != "EUR" || q["name"] != "Licences 2026" {
		t.Fatalf("the quote: %v", q)
	}
	if got, want := moneyAmount(t, q, "grand_total"), moneyAmount(t, d, "amount"); got != want {
		t.Fatalf("the quote's grand total %s, the deal's amount %s", got, want)
	}
	src, copied := dealLines(t, c, deal), c.List(t, "/api/v1/line_items?filter[quote_id][eq]="+q.ID()+"&sort=position").Data
	if len(copied) != len(src) {
		t.Fatalf("%d lines copied of %d", len(copied), len(src))
	}
	for i := range src {
		for _, f := range []string{"name", "product_id", "quantity", "discount_percent", "tax_rate", "position"} {
			if src[i][f] != copied[i][f] {
				t.Errorf("line %d %s: %v, the deal's %v", i, f, copied[i][f], src[i][f])
			}
		}
		for _, f := range []string{"unit_price", "discount_amount", "line_subtotal", "line_discount", "line_tax", "line_total"} {
			if src[i][f] != nil && moneyAmount(t, src[i], f) != moneyAmount(t, copied[i], f) {
				t.Errorf("line %d %s: %v, the deal's %v", i, f, copied[i][f], src[i][f])
			}
		}
		if copied[i]["deal_id"] != nil {
			t.Errorf("the quote's line %d keeps the deal: %v", i, copied[i])
		}
	}
	// The deal keeps its own lines; the quote's are its own to change.
	c.Must(t, 200, "PATCH", "/api/v1/line_items/"+copied[0].ID(), map[string]any{"quantity": "1"})
	if got := dealLines(t, c, deal); len(got) != 2 || got[0]["quantity"] != "7" {
		t.Fatalf("changing the quote's line changed the deal's: %v", got)
	}
	// Given fields win.
	r = c.Must(t, 201, "POST", "/api/v1/deals/"+deal+"/quote", map[string]any{"name": "Licences, take 2", "valid_until": "2031-01-31", "language": "es"})
	if q2 := r.Record(t); q2["name"] != "Licences, take 2" || q2["valid_until"] != "2031-01-31" || q2["language"] != "es" || q2["number"] == q["number"] {
		t.Fatalf("the second quote: %v", q2)
	}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"unknown field", map[string]any{"colour": "red"}, 422, "body.colour"},
		{"bad date", map[string]any{"valid_until": "someday"}, 422, "body.valid_until"},
		{"bad account", map[string]any{"account_id": deal}, 422, "body.account_id"},
		{"book in another currency", map[string]any{"price_book_id": c.Create(t, "price_books", map[string]any{"name": "USD list", "currency": "USD"}).ID()}, 422, "body.price_book_id"},
	} {
		p := c.Must(t, tc.status, "POST", "/api/v1/deals/"+deal+"/quote", tc.body).Problem(t)
		if !p.Names(tc.field) {
			t.Errorf("%s: refused naming %v, want %s", tc.name, p.Locations(), tc.field)
		}
	}
	if n := len(c.List(t, "/api/v1/quotes?filter[deal_id][eq]="+deal).Data); n != 2 {
		t.Fatalf("the deal has %d quotes after refusals, want 2", n)
	}
	// A deal without an account: name one.
	lone := c.Create(t, "deals", map[string]any{"name": "Walk-in", "amount": eur("10")}).ID()
	if p := c.Must(t, 422, "POST", "/api/v1/deals/"+lone+"/quote", nil).Problem(t); !p.Names("body.account_id") {
		t.Fatalf("a deal without an account: %v", p.Locations())
	}
	if q := c.Must(t, 201, "POST", "/api/v1/deals/"+lone+"/quote", map[string]any{"account_id": acc}).Record(t); q["account_id"] != acc || moneyAmount(t, q, "grand_total") != "0.00 EUR" {
		t.Fatalf("the quote of a deal without lines: %v", q)
	}
	c.Must(t, 404, "POST", "/api/v1/deals/"+missingID+"/quote", nil)
}

// TestDealLinesScope: a Sales user (own scope) adds lines to their own
// deals only — another's deal is refused naming deal_id and nothing is
// written, and its quote is not theirs to make; Read-only adds none; the
// lines follow the deal to a new owner.
func TestDealLinesScope(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	sales := e.WS.User(t, "sales")
	ro := e.WS.User(t, "read_only")
	acc := c.Create(t, "accounts", map[string]any{"name": "Scope Buyer"}).ID()
	adminDeal := c.Create(t, "deals", map[string]any{"name": "The admin's", "account_id": acc, "amount": eur("700")}).ID()
	c.Create(t, "line_items", map[string]any{"deal_id": adminDeal, "name": "Admin item", "quantity": "1", "unit_price": eur("700")})
	line := map[string]any{"deal_id": adminDeal, "name": "Sneaky", "quantity": "1", "unit_price": eur("1")}
	if p := sales.Must(t, 422, "POST", "/api/v1/line_items", line).Problem(t); !p.Names("body.deal_id") {
		t.Fatalf("a line on another's deal: %v", p.Locations())
	}
	sales.Must(t, 404, "POST", "/api/v1/deals/"+adminDeal+"/quote", nil)
	ro.Must(t, 403, "POST", "/api/v1/line_items", line)
	ro.Must(t, 403, "POST", "/api/v1/deals/"+adminDeal+"/quote", nil)
	if ls := dealLines(t, c, adminDeal); len(ls) != 1 || ls[0]["name"] != "Admin item" {
		t.Fatalf("the admin's deal's lines: %v", ls)
	}
	if n := len(c.List(t, "/api/v1/quotes").Data); n != 0 {
		t.Fatalf("%d quotes made by refused calls", n)
	}
	// Their own deal: lines, a quote, which they see.
	own := sales.Create(t, "deals", map[string]any{"name": "Mine", "account_id": acc, "amount": eur("5")}).ID()
	l := sales.Create(t, "line_items", map[string]any{"deal_id": own, "name": "Mine", "quantity": "2", "unit_price": eur("10")})
	if l["owner_id"] != sales.UserID || len(dealLines(t, sales, own)) != 1 {
		t.Fatalf("the Sales user's line: %v", l)
	}
	sales.Must(t, 201, "POST", "/api/v1/deals/"+own+"/quote", nil)
	// Given to the admin, the deal takes its lines along.
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+own, map[string]any{"owner_id": c.UserID})
	sales.Must(t, 404, "GET", "/api/v1/line_items/"+l.ID(), nil)
	if got := c.Get(t, "line_items", l.ID()); got["owner_id"] != c.UserID {
		t.Fatalf("the line's owner after the deal changed hands: %v", got["owner_id"])
	}
	// Another workspace's deal is no deal here.
	theirs := e.AddWorkspace("Elsewhere").Admin.Create(t, "deals", map[string]any{"name": "Not yours", "amount": eur("1")}).ID()
	if p := c.Must(t, 422, "POST", "/api/v1/line_items", map[string]any{"deal_id": theirs, "name": "X", "quantity": "1", "unit_price": eur("1")}).Problem(t); !p.Names("body.deal_id") {
		t.Fatalf("another workspace's deal: %v", p.Locations())
	}
	c.Must(t, 404, "POST", "/api/v1/deals/"+theirs+"/quote", nil)
}

// TestDealLinesPage: the deal's page shows its products card with the
// lines and totals, and adds (from the catalogue or by hand, with a
// comma for decimals), changes and removes lines through its forms; a
// refused line says why on the page and writes nothing; Read-only sees
// the lines but no forms.
func TestDealLinesPage(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Page Buyer"}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "P-1", "name": "Widget", "tax_rate": "21", "list_price": eur("10")}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Widgets", "account_id": acc, "amount": eur("1")}).ID()
	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	form := func(path string, v url.Values) string {
		t.Helper()
		r := b.Must(t, 303, "POST", path, v.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		return html.UnescapeString(string(b.Must(t, 200, "GET", strings.Split(r.Header.Get("Location"), "#")[0], nil).Body))
	}
	page := html.UnescapeString(string(b.Must(t, 200, "GET", "/o/deals/"+deal, nil).Body))
	for _, s := range []string{`id="lines"`, "Products", `action="/sales/deals/` + deal + `/lines"`, "No lines yet.", "Widget", "follows the grand total"} {
		if !strings.Contains(page, s) {
			t.Fatalf("the deal's page lacks %q", s)
		}
	}
	form("/sales/deals/"+deal+"/lines", url.Values{"product_id": {prod}, "quantity": {"3"}})
	page = form("/sales/deals/"+deal+"/lines", url.Values{"name": {"Fitting"}, "quantity": {"1"}, "unit_price": {"12,50"}, "discount_percent": {""}, "tax_rate": {"10"}})
	// 30.00 + 6.30 tax; 12.50 + 1.25 tax: 50.05.
	if got := moneyAmount(t, c.Get(t, "deals", deal), "amount"); got != "50.05 EUR" {
		t.Fatalf("the deal's amount after the page's lines: %s", got)
	}
	for _, s := range []string{"Widget", "Fitting", "€50.05", "Subtotal"} {
		if !strings.Contains(page, s) {
			t.Fatalf("the deal's page after adding lines lacks %q", s)
		}
	}
	ls := dealLines(t, c, deal)
	if len(ls) != 2 || !strings.Contains(page, `id="edit-`+ls[1].ID()+`"`) {
		t.Fatalf("lines %v, or no edit form for them", ls)
	}
	// Changed: two fittings at 10, no tax.
	etag := c.Must(t, 200, "GET", "/api/v1/line_items/"+ls[1].ID(), nil).Header.Get("ETag")
	form("/sales/lines/"+ls[1].ID(), url.Values{"_etag": {etag}, "name": {"Fitting"}, "quantity": {"2"}, "unit_price": {"10"}, "discount_percent": {""}, "tax_rate": {""}, "description": {"On site"}})
	if got := c.Get(t, "line_items", ls[1].ID()); got["quantity"] != "2" || got["tax_rate"] != nil || got["description"] != "On site" || moneyAmount(t, got, "line_total") != "20.00 EUR" {
		t.Fatalf("the changed line: %v", got)
	}
	// A stale edit is refused, and says so.
	page = form("/sales/lines/"+ls[1].ID(), url.Values{"_etag": {etag}, "name": {"Fitting"}, "quantity": {"9"}, "unit_price": {"10"}})
	if got := c.Get(t, "line_items", ls[1].ID()); got["quantity"] != "2" || !strings.Contains(page, "flash-error") {
		t.Fatalf("a stale edit: %v", got["quantity"])
	}
	// Refused: no price for a line by hand.
	page = form("/sales/deals/"+deal+"/lines", url.Values{"name": {"Free?"}, "quantity": {"1"}})
	if !strings.Contains(page, "flash-error") || len(dealLines(t, c, deal)) != 2 {
		t.Fatal("a line without a price was not refused on the page")
	}
	// Removed.
	form("/sales/lines/"+ls[0].ID()+"/delete", url.Values{})
	if got := moneyAmount(t, c.Get(t, "deals", deal), "amount"); got != "20.00 EUR" {
		t.Fatalf("the deal's amount after a removal on the page: %s", got)
	}
	// Read-only: the lines, no forms.
	ro := e.WS.User(t, "read_only")
	rb := e.Browser()
	rb.SignIn(t, ro.Email, servertest.Password)
	page = html.UnescapeString(string(rb.Must(t, 200, "GET", "/o/deals/"+deal, nil).Body))
	if !strings.Contains(page, "Fitting") || strings.Contains(page, `id="add-line"`) || strings.Contains(page, "/sales/lines/") || strings.Contains(page, `id="new-quote"`) {
		t.Fatal("Read-only's deal page: lines missing or forms shown")
	}
	// A hand-made post is refused with a message, and writes nothing.
	r := rb.Must(t, 303, "POST", "/sales/deals/"+deal+"/lines", url.Values{"name": {"X"}, "quantity": {"1"}, "unit_price": {"1"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	page = html.UnescapeString(string(rb.Must(t, 200, "GET", strings.Split(r.Header.Get("Location"), "#")[0], nil).Body))
	if !strings.Contains(page, "flash-error") || len(dealLines(t, c, deal)) != 1 {
		t.Fatal("Read-only's line was not refused")
	}
}
