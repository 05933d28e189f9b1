package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestSalesPages drives the sales pages as a browser would: the board,
// its no-JavaScript move (refused with the stage's missing field named,
// then allowed), the deal and lead pages, lead conversion, the forecast,
// and the admin pages for pipelines, lead rules, quotas and exchange
// rates, with field errors under the inputs; a sales rep is refused the
// admin pages.
func TestSalesPages(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	post := func(path string, v url.Values, status int) *servertest.Response {
		t.Helper()
		return b.Must(t, status, "POST", path, v.Encode(), "Content-Type", form)
	}
	pl := defaultPipeline(t, c)
	proposal := stageNamed(t, pl, "Proposal")
	deal := c.Create(t, "deals", map[string]any{"name": "Page deal", "close_date": "2026-05-01"})
	lead := c.Create(t, "leads", map[string]any{"given_name": "Grace", "family_name": "Hopper", "company": "Navy Labs", "email": "grace@navy.test"})
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "company", "operator": "filled", "points": 7})
	for _, p := range []string{"/deals", "/deals?q=page&owner_id=me&close_from=2026-01-01", "/deals?close_from=junk", "/forecast", "/forecast?period=quarter&group_by=team",
		"/forecast?period=nope", "/o/deals", "/o/leads", "/o/deals/new", "/o/deals/" + deal.ID(), "/o/deals/" + deal.ID() + "/edit", "/o/leads/" + lead.ID(),
		"/o/leads/" + lead.ID() + "/convert", "/settings/pipelines", "/settings/pipelines/" + pl.ID, "/settings/leads", "/settings/quotas", "/settings/exchange_rates"} {
		r := b.Must(t, 200, "GET", p, nil)
		if strings.Contains(string(r.Body), "Something went wrong") {
			t.Fatalf("%s failed to render", p)
		}
	}
	if body := string(b.Must(t, 200, "GET", "/o/leads/"+lead.ID(), nil).Body); !strings.Contains(body, "7 company filled") || !strings.Contains(body, `id="convert-lead"`) {
		t.Fatalf("the lead page shows no score reasons or no convert button: %v", c.Get(t, "leads", lead.ID())["score_reasons"])
	}
	// The board's menu move without JavaScript: refused, then allowed.
	r := post("/deals/"+deal.ID()+"/move", url.Values{"stage_id": {proposal.ID}, "back": {"/deals"}}, 303)
	if loc := r.Header.Get("Location"); loc != "/deals" {
		t.Fatalf("after a refused move: %s", loc)
	}
	if body := string(b.Must(t, 200, "GET", "/deals", nil).Body); !strings.Contains(body, "“Proposal” needs: Amount") {
		t.Fatal("the refused move's message does not name the stage and the field")
	}
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+deal.ID(), map[string]any{"amount": map[string]any{"amount": "10", "currency": "USD"}})
	post("/deals/"+deal.ID()+"/move", url.Values{"stage_id": {proposal.ID}, "back": {"/deals"}}, 303)
	if got := c.Get(t, "deals", deal.ID()); got["stage_id"] != proposal.ID {
		t.Fatalf("menu move left the deal in %v", got["stage_name"])
	}
	// On the board, the card's menu has its new stage selected, once,
	// and stage names are escaped in it.
	stages := append([]stageJSON{}, pl.Stages...)
	for i := range stages {
		if stages[i].ID == proposal.ID {
			stages[i].Name = "Proposal <b>&</b>"
		}
	}
	c.Must(t, 200, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"stages": stages})
	board := string(b.Must(t, 200, "GET", "/deals", nil).Body)
	card := board[strings.Index(board, `id="mv-`+deal.ID()+`"`):]
	card = card[:strings.Index(card, "</select>")]
	if !strings.Contains(card, `<option value="`+proposal.ID+`" selected>Proposal &lt;b&gt;&amp;&lt;/b&gt;</option>`) || strings.Count(card, "selected") != 1 {
		t.Fatalf("the card's menu after the move: %s", card)
	}
	c.Must(t, 200, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"stages": pl.Stages})
	// What the board's script reads after a move: the summary and the
	// columns' heads and feet, with the moved deal counted, no cards.
	heads := string(b.Must(t, 200, "GET", "/deals?part=heads", nil).Body)
	if !strings.Contains(heads, `id="board-summary"`) || !strings.Contains(heads, `<section data-stage="`+proposal.ID+`"><header class="board-col-head">`) ||
		!strings.Contains(heads, `id="col-`+proposal.ID+`"><span>Proposal</span> <span class="badge board-count">1</span>`) ||
		strings.Contains(heads, "deal-card") || strings.Contains(heads, "<html") {
		t.Fatalf("the board's heads: %s", heads)
	}
	// The deal form offers the stages as a select.
	if body := string(b.Must(t, 200, "GET", "/o/deals/"+deal.ID()+"/edit", nil).Body); !strings.Contains(body, `<option value="`+proposal.ID+`" selected>Proposal</option>`) {
		t.Fatal("the deal form has no stage select")
	}
	// Conversion through the page.
	r = post("/o/leads/"+lead.ID()+"/convert", url.Values{"account": {"auto"}, "contact": {"auto"}, "deal": {"1"}, "deal_name": {"Navy deal"}, "amount": {"250"}, "currency": {"USD"}}, 303)
	if !strings.HasPrefix(r.Header.Get("Location"), "/o/deals/") {
		t.Fatalf("after converting: %s", r.Header.Get("Location"))
	}
	post("/o/leads/"+lead.ID()+"/convert", url.Values{"deal": {"1"}}, 409)
	// Pipelines: create, then edit the stages; errors under the fields.
	post("/settings/pipelines", url.Values{"name": {""}}, 422)
	r = post("/settings/pipelines", url.Values{"name": {"Partners"}}, 303)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/settings/pipelines/") {
		t.Fatalf("after creating a pipeline: %s", loc)
	}
	form := url.Values{"name": {"Partners"}, "stage_name_0": {"Intro"}, "stage_probability_0": {"20"}, "stage_status_0": {"open"}, "stage_required_0": {"amount"},
		"stage_name_1": {"Signed"}, "stage_status_1": {"won"}, "stage_probability_1": {"100"}}
	post(loc, form, 303) // the new pipeline's stages hold no deals: replaced
	var pls struct{ Data []pipelineJSON }
	c.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &pls)
	var partners pipelineJSON
	for _, x := range pls.Data {
		if x.Name == "Partners" {
			partners = x
		}
	}
	form = url.Values{"name": {"Partner deals"}}
	for i, st := range partners.Stages {
		k := string(rune('0' + i))
		form.Set("stage_id_"+k, st.ID)
		form.Set("stage_name_"+k, st.Name)
		status := "open"
		if st.IsWon {
			status = "won"
		} else if st.IsLost {
			status = "lost"
		}
		form.Set("stage_status_"+k, status)
	}
	if len(partners.Stages) != 2 || partners.Stages[0].Name != "Intro" || partners.Stages[0].RequiredFields[0] != "amount" {
		t.Fatalf("stages after the form %+v", partners.Stages)
	}
	form.Set("stage_name_2", "Negotiating")
	form.Set("stage_probability_2", "150")
	r = post(loc, form, 422)
	if !strings.Contains(string(r.Body), "must be between 0 and 100") {
		t.Fatal("the probability error is not shown")
	}
	form.Set("stage_probability_2", "60")
	post(loc, form, 303)
	c.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &pls)
	for _, x := range pls.Data {
		if x.ID == partners.ID && (x.Name != "Partner deals" || len(x.Stages) != 3) {
			t.Fatalf("edited pipeline %+v", x)
		}
	}
	// Lead rules, quotas and rates.
	post("/settings/leads", url.Values{"form": {"score"}, "kind": {"fit"}, "field": {"country"}, "operator": {"eq"}, "value": {"ES"}, "points": {"10"}}, 303)
	r = post("/settings/leads", url.Values{"form": {"score"}, "kind": {"fit"}, "field": {"nope"}, "operator": {"eq"}, "value": {"x"}, "points": {"10"}}, 422)
	if !strings.Contains(string(r.Body), `id="f-field-error"`) {
		t.Fatal("the rule field error is not shown under the field")
	}
	post("/settings/leads", url.Values{"form": {"assign"}, "afield": {"country"}, "avalue": {"ES"}, "user_id": {c.UserID}}, 303)
	post("/settings/quotas", url.Values{"year": {"2026"}, "q_" + c.UserID + "_2026-03": {"5000"}}, 303)
	var qs struct{ Data []map[string]any }
	c.Must(t, 200, "GET", "/api/v1/quotas?year=2026", nil).JSON(t, &qs)
	if len(qs.Data) != 1 || qs.Data[0]["amount"] != "5000.00" {
		t.Fatalf("quotas after the form %+v", qs.Data)
	}
	post("/settings/exchange_rates", url.Values{"currency": {"EUR"}, "date": {"2026-01-01"}, "rate": {"1.1"}}, 303)
	r = post("/settings/exchange_rates", url.Values{"currency": {"USD"}, "date": {"2026-01-01"}, "rate": {"1"}}, 422)
	if !strings.Contains(string(r.Body), `id="f-currency-error"`) {
		t.Fatal("the rate currency error is not shown")
	}
	// A sales rep sees the board but not the admin pages.
	rep := e.WS.User(t, "sales")
	rb := e.Browser()
	rb.SignIn(t, rep.Email, servertest.Password)
	rb.Must(t, 200, "GET", "/deals", nil)
	rb.Must(t, 200, "GET", "/settings/exchange_rates", nil)
	for _, p := range []string{"/settings/pipelines", "/settings/leads", "/settings/quotas"} {
		rb.Must(t, 403, "GET", p, nil)
	}
}
