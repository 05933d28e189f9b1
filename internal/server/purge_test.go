package server_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestPurgeDealWithQuotes: purging a deal from the trash keeps its
// quotes, which are customer documents with numbers, no longer naming
// the deal (a new version, so a new ETag), their lines and orders
// untouched; the deal's own lines go with it. Purging a quote takes its
// lines and leaves the order made from it, no longer naming the quote.
// Before migration 0010 both purges failed on a foreign key, and the
// job with them.
func TestPurgeDealWithQuotes(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Purge Buyer"}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Going away", "account_id": acc, "amount": eur("1")}).ID()
	dealLine := c.Create(t, "line_items", map[string]any{"deal_id": deal, "name": "Deal item", "quantity": "1", "unit_price": eur("40")}).ID()
	quote := func(name string) servertest.Record {
		t.Helper()
		q := c.Create(t, "quotes", map[string]any{"name": name, "account_id": acc, "deal_id": deal, "currency": "EUR"}).ID()
		c.Create(t, "line_items", map[string]any{"quote_id": q, "name": name + " item", "quantity": "2", "unit_price": eur("10")})
		return c.Get(t, "quotes", q)
	}
	open, accepted, trashed := quote("Open"), quote("Accepted"), quote("Trashed")
	ord := c.Must(t, 201, "POST", "/api/v1/quotes/"+accepted.ID()+"/accept", nil).Record(t)
	accepted = c.Get(t, "quotes", accepted.ID())
	c.Must(t, 204, "DELETE", "/api/v1/quotes/"+trashed.ID(), nil)
	c.Must(t, 204, "DELETE", "/api/v1/deals/"+deal, nil)
	// A deal younger in the trash than the retention stays, with its link.
	e.Clock.Advance(20 * 24 * time.Hour)
	e.RunJob(t, "purge_trash")
	if got := c.Get(t, "quotes", open.ID()); got["deal_id"] != deal {
		t.Fatalf("a quote lost its deal before the deal was purged: %v", got["deal_id"])
	}

	e.Clock.Advance(11 * 24 * time.Hour)
	e.RunJob(t, "purge_trash")
	c.Must(t, 404, "POST", "/api/v1/deals/"+deal+"/restore", nil)
	c.Must(t, 404, "GET", "/api/v1/line_items/"+dealLine, nil)
	if tr := c.List(t, "/api/v1/line_items/trash").Data; len(tr) != 0 {
		t.Fatalf("lines left in the trash: %v", tr)
	}
	for _, q := range []servertest.Record{open, accepted} {
		got := c.Get(t, "quotes", q.ID())
		if got["deal_id"] != nil || got["number"] != q["number"] || got["status"] != q["status"] || got.Version() <= q.Version() {
			t.Fatalf("quote %s after its deal was purged: %v (was %v)", q["name"], got, q)
		}
		if ls := c.List(t, "/api/v1/line_items?filter[quote_id][eq]="+q.ID()).Data; len(ls) != 1 || moneyAmount(t, ls[0], "line_total") != "20.00 EUR" {
			t.Fatalf("quote %s's lines after its deal was purged: %v", q["name"], ls)
		}
	}
	if got := c.Get(t, "orders", ord.ID()); got["quote_id"] != accepted.ID() || moneyAmount(t, got, "grand_total") != "20.00 EUR" {
		t.Fatalf("the order after the deal was purged: %v", got)
	}
	if n := len(c.List(t, "/api/v1/quotes?filter[deal_id][eq]="+deal).Data); n != 0 {
		t.Fatalf("%d quotes still name the purged deal", n)
	}
	// The quote in the trash went with its lines; purged before the
	// deal or not, it blocked nothing.
	c.Must(t, 404, "POST", "/api/v1/quotes/"+trashed.ID()+"/restore", nil)
	if ls := c.List(t, "/api/v1/line_items?filter[quote_id][eq]="+trashed.ID()).Data; len(ls) != 0 {
		t.Fatalf("the purged quote's lines are still there: %v", ls)
	}

	// Purging the accepted quote leaves its order, with its own lines.
	c.Must(t, 204, "DELETE", "/api/v1/quotes/"+accepted.ID(), nil)
	ordBefore := c.Get(t, "orders", ord.ID())
	e.Clock.Advance(31 * 24 * time.Hour)
	e.RunJob(t, "purge_trash")
	c.Must(t, 404, "GET", "/api/v1/quotes/"+accepted.ID(), nil)
	got := c.Get(t, "orders", ord.ID())
	if got["quote_id"] != nil || got["number"] != ordBefore["number"] || got.Version() <= ordBefore.Version() {
		t.Fatalf("the order after its quote was purged: %v", got)
	}
	if ls := c.List(t, "/api/v1/line_items?filter[order_id][eq]="+ord.ID()).Data; len(ls) != 1 {
		t.Fatalf("the order's lines after its quote was purged: %v", ls)
	}
	c.Get(t, "quotes", open.ID())
}
