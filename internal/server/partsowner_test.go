package server_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestQuoteLinesFollowOwner: a quote's lines take the quote's owner when
// it changes hands, in the trash too, so a Sales user (own scope) who
// gives a quote away no longer sees its lines, and sees them again —
// the trashed one restored under the right owner — when it comes back;
// bulk assignment does the same. An order's lines, shipments and
// shipment lines, an invoice's lines and payments, and a price book's
// prices follow their parent the same way.
func TestQuoteLinesFollowOwner(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	sales := e.WS.User(t, "sales")
	acc := c.Create(t, "accounts", map[string]any{"name": "Owner Buyer"}).ID()
	q := sales.Create(t, "quotes", map[string]any{"name": "Mine", "account_id": acc, "currency": "EUR"}).ID()
	kept := sales.Create(t, "line_items", map[string]any{"quote_id": q, "name": "Kept", "quantity": "1", "unit_price": eur("10")})
	gone := sales.Create(t, "line_items", map[string]any{"quote_id": q, "name": "Trashed", "quantity": "1", "unit_price": eur("5")})
	sales.Must(t, 204, "DELETE", "/api/v1/line_items/"+gone.ID(), nil)
	quoteLines := func(cl *servertest.Client) []servertest.Record {
		t.Helper()
		return cl.List(t, "/api/v1/line_items?filter[quote_id][eq]="+q).Data
	}
	if ls := quoteLines(sales); len(ls) != 1 || ls[0]["owner_id"] != sales.UserID {
		t.Fatalf("the Sales user's own lines: %v", ls)
	}

	// Given to the admin: the lines go with it, out of the Sales user's sight.
	c.Must(t, 200, "PATCH", "/api/v1/quotes/"+q, map[string]any{"owner_id": c.UserID})
	sales.Must(t, 404, "GET", "/api/v1/quotes/"+q, nil)
	sales.Must(t, 404, "GET", "/api/v1/line_items/"+kept.ID(), nil)
	if ls := quoteLines(sales); len(ls) != 0 {
		t.Fatalf("the Sales user still lists the given-away quote's lines: %v", ls)
	}
	if n := len(sales.List(t, "/api/v1/line_items/trash").Data); n != 0 {
		t.Fatalf("the Sales user still has %d of the quote's lines in their trash", n)
	}
	got := c.Get(t, "line_items", kept.ID())
	if got["owner_id"] != c.UserID || got.Version() <= kept.Version() {
		t.Fatalf("the line after the quote changed hands: owner %v, version %d (was %d)", got["owner_id"], got.Version(), kept.Version())
	}
	// The admin restores the trashed line: it is theirs, like the quote.
	c.Must(t, 200, "POST", "/api/v1/line_items/"+gone.ID()+"/restore", nil)
	if got := c.Get(t, "line_items", gone.ID()); got["owner_id"] != c.UserID {
		t.Fatalf("the restored line's owner: %v", got["owner_id"])
	}
	// Back to the Sales user by bulk assignment: both lines are theirs again.
	c.Must(t, 200, "POST", "/api/v1/quotes/batch", map[string]any{"action": "assign_owner", "ids": []string{q}, "owner_id": sales.UserID})
	if ls := quoteLines(sales); len(ls) != 2 || ls[0]["owner_id"] != sales.UserID || ls[1]["owner_id"] != sales.UserID {
		t.Fatalf("the Sales user's lines after the quote came back: %v", ls)
	}
	// A line they add now is theirs; the admin's edits leave it so.
	sales.Must(t, 200, "PATCH", "/api/v1/line_items/"+kept.ID(), map[string]any{"quantity": "3"})
	if got := sales.Get(t, "line_items", kept.ID()); got["owner_id"] != sales.UserID || moneyAmount(t, got, "line_total") != "30.00 EUR" {
		t.Fatalf("the line edited after the quote came back: %v", got)
	}

	// Orders, invoices and price books: their parts follow too.
	ord := c.Create(t, "orders", map[string]any{"account_id": acc, "currency": "EUR"}).ID()
	ol := c.Create(t, "line_items", map[string]any{"order_id": ord, "name": "Crate", "quantity": "2", "unit_price": eur("50")}).ID()
	var sh servertest.Record
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/ship", map[string]any{"shipped_on": "2026-03-02", "items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}}).JSON(t, &sh)
	var inv servertest.Record
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/invoice", nil).JSON(t, &inv)
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "issued"})
	pay := c.Create(t, "payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("10"), "method": "card"}).ID()
	book := c.Create(t, "price_books", map[string]any{"name": "Retail", "currency": "EUR"}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "CR-1", "name": "Crate"}).ID()
	entry := c.Create(t, "price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("50")}).ID()
	for _, o := range []struct{ object, id string }{{"orders", ord}, {"invoices", inv.ID()}, {"price_books", book}} {
		c.Must(t, 200, "PATCH", "/api/v1/"+o.object+"/"+o.id, map[string]any{"owner_id": sales.UserID})
	}
	var shLines struct{ Data []servertest.Record }
	c.Must(t, 200, "GET", "/api/v1/shipment_lines?filter[shipment_id][eq]="+sh.ID(), nil).JSON(t, &shLines)
	if len(shLines.Data) != 1 {
		t.Fatalf("the shipment's lines: %v", shLines.Data)
	}
	invLines := c.List(t, "/api/v1/line_items?filter[invoice_id][eq]="+inv.ID()).Data
	if len(invLines) != 1 {
		t.Fatalf("the invoice's lines: %v", invLines)
	}
	for _, part := range []struct{ object, id string }{
		{"line_items", ol}, {"shipments", sh.ID()}, {"shipment_lines", shLines.Data[0].ID()},
		{"line_items", invLines[0].ID()}, {"payments", pay}, {"price_book_entries", entry},
	} {
		if got := sales.Get(t, part.object, part.id); got["owner_id"] != sales.UserID {
			t.Fatalf("%s %s did not follow its parent to the Sales user: %v", part.object, part.id, got["owner_id"])
		}
	}
}
