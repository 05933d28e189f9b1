package server_test

import (
	"html"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestQuoteFromDeal: a quote names the deal it is made for; its revision
// keeps the deal; another workspace's deal is refused naming the field;
// the deal's page offers a new quote whose form comes filled with the
// deal and its account.
func TestQuoteFromDeal(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Deal Buyer SA"}).ID()
	deal := c.Create(t, "deals", map[string]any{"name": "Fleet renewal", "account_id": acc, "amount": map[string]any{"amount": "1200", "currency": "EUR"}}).ID()
	q := c.Create(t, "quotes", map[string]any{"name": "Fleet renewal quote", "account_id": acc, "deal_id": deal, "currency": "EUR"})
	if q["deal_id"] != deal {
		t.Fatalf("the quote's deal: %v", q["deal_id"])
	}
	var rev servertest.Record
	c.Must(t, 201, "POST", "/api/v1/quotes/"+q.ID()+"/revise", nil).JSON(t, &rev)
	if rev["deal_id"] != deal {
		t.Fatalf("the revision's deal: %v", rev["deal_id"])
	}
	var list struct{ Data []servertest.Record }
	c.Must(t, 200, "GET", "/api/v1/quotes?filter[deal_id][eq]="+deal, nil).JSON(t, &list)
	if len(list.Data) != 2 {
		t.Fatalf("quotes of the deal: %d", len(list.Data))
	}

	other := e.AddWorkspace("Elsewhere").Admin
	theirs := other.Create(t, "deals", map[string]any{"name": "Not yours"}).ID()
	if p := c.Must(t, 422, "POST", "/api/v1/quotes", map[string]any{"name": "Sneaky", "account_id": acc, "deal_id": theirs, "currency": "EUR"}).Problem(t); !p.Names("body.deal_id") {
		t.Fatalf("another workspace's deal: %v", p.Locations())
	}

	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	page := html.UnescapeString(string(b.Must(t, 200, "GET", "/o/deals/"+deal, nil).Body))
	want := "/o/quotes/new?account_id=" + acc + "&deal_id=" + deal
	if !strings.Contains(page, `id="new-quote"`) || !strings.Contains(page, want) {
		t.Fatalf("the deal's page has no new-quote link to %s", want)
	}
	form := string(b.Must(t, 200, "GET", want, nil).Body)
	for _, s := range []string{`value="` + deal + `"`, `value="` + acc + `"`, "Fleet renewal", "Deal Buyer SA"} {
		if !strings.Contains(form, s) {
			t.Fatalf("the new quote's form lacks %q", s)
		}
	}
}
