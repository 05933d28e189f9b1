package server_test

import (
	"html"
	"net/url"
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

	// The deal's page makes its quote in one step and opens it; a deal
	// without an account links to the quote form, to pick one.
	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	page := html.UnescapeString(string(b.Must(t, 200, "GET", "/o/deals/"+deal, nil).Body))
	if !strings.Contains(page, `id="new-quote"`) || !strings.Contains(page, `action="/sales/deals/`+deal+`/quote"`) {
		t.Fatal("the deal's page has no New quote button for the deal")
	}
	r := b.Must(t, 303, "POST", "/sales/deals/"+deal+"/quote", "", "Content-Type", "application/x-www-form-urlencoded")
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/o/quotes/") {
		t.Fatalf("New quote went to %q", loc)
	}
	made := c.Get(t, "quotes", strings.TrimPrefix(loc, "/o/quotes/"))
	if made["deal_id"] != deal || made["account_id"] != acc || made["status"] != "draft" || made["name"] != "Fleet renewal" {
		t.Fatalf("the quote New quote made: %v", made)
	}
	lone := c.Create(t, "deals", map[string]any{"name": "No account yet"}).ID()
	page = html.UnescapeString(string(b.Must(t, 200, "GET", "/o/deals/"+lone, nil).Body))
	want := "/o/quotes/new?deal_id=" + lone
	if !strings.Contains(page, `id="new-quote"`) || !strings.Contains(page, want) {
		t.Fatalf("the page of a deal without an account has no New quote link to %s", want)
	}
	form := string(b.Must(t, 200, "GET", want, nil).Body)
	for _, s := range []string{`value="` + lone + `"`, "No account yet"} {
		if !strings.Contains(form, s) {
			t.Fatalf("the new quote's form lacks %q", s)
		}
	}
}

// TestAcceptWinsDeal: accepting a quote made for a deal makes its order
// and moves the deal to its pipeline's won stage; when the stage's rules
// refuse (the won stage needs an amount the deal lacks) the order is
// made all the same, the deal stays where it was, and the answer — and
// the page's message — say why. Rejecting every quote of a deal does
// nothing to it.
func TestAcceptWinsDeal(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Winner SL"}).ID()
	quote := func(deal string) string {
		t.Helper()
		q := c.Create(t, "quotes", map[string]any{"name": "Offer", "account_id": acc, "deal_id": deal, "currency": "EUR"}).ID()
		c.Create(t, "line_items", map[string]any{"quote_id": q, "name": "Service", "quantity": "1", "unit_price": eur("500")})
		return q
	}
	type outcome struct {
		ID        string `json:"id"`
		Won       bool   `json:"won"`
		StageName string `json:"stage_name"`
		Reason    string `json:"reason"`
		Errors    []struct{ Location, Message string }
	}
	accept := func(q string) (servertest.Record, outcome) {
		t.Helper()
		var out struct {
			ID          string   `json:"id"`
			QuoteID     string   `json:"quote_id"`
			DealOutcome *outcome `json:"deal_outcome"`
		}
		r := c.Must(t, 201, "POST", "/api/v1/quotes/"+q+"/accept", nil)
		r.JSON(t, &out)
		if out.QuoteID != q || out.DealOutcome == nil {
			t.Fatalf("accepting %s answered %s", q, r.Body)
		}
		return r.Record(t), *out.DealOutcome
	}

	// Rejecting all of a deal's quotes leaves the deal alone.
	won := c.Create(t, "deals", map[string]any{"name": "Fleet", "account_id": acc, "amount": eur("1000")})
	q1, q2 := quote(won.ID()), quote(won.ID())
	for _, q := range []string{q1, q2} {
		c.Must(t, 200, "PATCH", "/api/v1/quotes/"+q, map[string]any{"status": "sent"})
		c.Must(t, 200, "PATCH", "/api/v1/quotes/"+q, map[string]any{"status": "rejected"})
	}
	if d := c.Get(t, "deals", won.ID()); d.Version() != won.Version() || d["status"] != "open" || d["stage_id"] != won["stage_id"] {
		t.Fatalf("rejecting the deal's quotes changed it: %v", d)
	}

	// Accepting one wins the deal.
	ord, out := accept(quote(won.ID()))
	if !out.Won || out.ID != won.ID() || out.StageName != "Closed won" || out.Reason != "" {
		t.Fatalf("outcome %+v", out)
	}
	if ord["number"] == nil || ord["status"] != "open" {
		t.Fatalf("the order: %v", ord)
	}
	if d := c.Get(t, "deals", won.ID()); d["status"] != "won" || d["stage_name"] != "Closed won" || d["closed_at"] == nil {
		t.Fatalf("the deal after its quote was accepted: %v", d)
	}
	var hist struct {
		Data []struct {
			StageName string `json:"stage_name"`
		}
	}
	c.Must(t, 200, "GET", "/api/v1/deals/"+won.ID()+"/stage_history", nil).JSON(t, &hist)
	if n := len(hist.Data); n != 2 || hist.Data[n-1].StageName != "Closed won" {
		t.Fatalf("stage history %+v", hist.Data)
	}

	// The won stage needs an amount: the deal stays, the order is made,
	// the answer says why.
	bare := c.Create(t, "deals", map[string]any{"name": "No amount", "account_id": acc})
	ord, out = accept(quote(bare.ID()))
	if out.Won || out.ID != bare.ID() || !strings.Contains(out.Reason, "Closed won") || len(out.Errors) != 1 || out.Errors[0].Location != "body.amount" {
		t.Fatalf("refused outcome %+v", out)
	}
	c.Get(t, "orders", ord.ID())
	if d := c.Get(t, "deals", bare.ID()); d.Version() != bare.Version() || d["status"] != "open" || d["stage_id"] != bare["stage_id"] {
		t.Fatalf("a refused move changed the deal: %v", d)
	}
	// The same through a plain PATCH of the status.
	q := quote(bare.ID())
	c.Must(t, 200, "PATCH", "/api/v1/quotes/"+q, map[string]any{"status": "accepted"})
	if got := c.Get(t, "quotes", q); got["order_id"] == nil {
		t.Fatalf("PATCH accepted made no order: %v", got)
	}
	if d := c.Get(t, "deals", bare.ID()); d["status"] != "open" {
		t.Fatalf("deal %v", d)
	}
	// A quote without a deal answers without deal_outcome.
	plain := c.Create(t, "quotes", map[string]any{"name": "Walk-in", "account_id": acc, "currency": "EUR"}).ID()
	c.Create(t, "line_items", map[string]any{"quote_id": plain, "name": "Item", "quantity": "1", "unit_price": eur("5")})
	if r := c.Must(t, 201, "POST", "/api/v1/quotes/"+plain+"/accept", nil); strings.Contains(string(r.Body), "deal_outcome") {
		t.Fatalf("a quote without a deal: %s", r.Body)
	}

	// The page says the same, in the reader's language.
	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	for _, tc := range []struct{ deal, lang, want string }{
		{bare.ID(), "en", "the deal did not move to its won stage"},
		{bare.ID(), "es", "la oportunidad no ha pasado a su etapa ganada"},
	} {
		b.Must(t, 200, "PATCH", "/api/v1/me", map[string]any{"language": tc.lang})
		q := quote(tc.deal)
		r := b.Must(t, 303, "POST", "/sales/quotes/"+q+"/accept", url.Values{"_etag": {c.Must(t, 200, "GET", "/api/v1/quotes/"+q, nil).Header.Get("ETag")}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		page := html.UnescapeString(string(b.Must(t, 200, "GET", r.Header.Get("Location"), nil).Body))
		if !strings.Contains(page, tc.want) || !strings.Contains(page, "amount") {
			t.Fatalf("%s: the order's page does not say why the deal did not move", tc.lang)
		}
	}
	other := c.Create(t, "deals", map[string]any{"name": "Page win", "account_id": acc, "amount": eur("10")}).ID()
	q = quote(other)
	r := b.Must(t, 303, "POST", "/sales/quotes/"+q+"/accept", url.Values{"_etag": {c.Must(t, 200, "GET", "/api/v1/quotes/"+q, nil).Header.Get("ETag")}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if page := html.UnescapeString(string(b.Must(t, 200, "GET", r.Header.Get("Location"), nil).Body)); !strings.Contains(page, "la oportunidad ha pasado a Closed won") {
		t.Fatal("the order's page does not say the deal was won")
	}
}
