package server_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

type stageJSON struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Probability    int      `json:"probability"`
	IsWon          bool     `json:"is_won"`
	IsLost         bool     `json:"is_lost"`
	RequiredFields []string `json:"required_fields"`
}

type pipelineJSON struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	IsDefault bool        `json:"is_default"`
	Stages    []stageJSON `json:"stages"`
}

func defaultPipeline(t *testing.T, c *servertest.Client) pipelineJSON {
	t.Helper()
	var out struct{ Data []pipelineJSON }
	c.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &out)
	if len(out.Data) == 0 || !out.Data[0].IsDefault || len(out.Data[0].Stages) != 6 {
		t.Fatalf("default pipeline %+v", out.Data)
	}
	return out.Data[0]
}

func stageNamed(t *testing.T, pl pipelineJSON, name string) stageJSON {
	t.Helper()
	for _, s := range pl.Stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stage %q in %+v", name, pl.Stages)
	return stageJSON{}
}

// TestStageRules: a deal starts in the default pipeline's first stage;
// entering a stage needs the fields it requires — through a move (the
// board's drop) and through a plain PATCH alike — with a 422 naming
// them; probability and status follow the stage; the stage history
// records each stay.
func TestStageRules(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	pl := defaultPipeline(t, c)
	proposal, lost, won := stageNamed(t, pl, "Proposal"), stageNamed(t, pl, "Closed lost"), stageNamed(t, pl, "Closed won")
	d := c.Create(t, "deals", map[string]any{"name": "Big deal"})
	if d["stage_id"] != pl.Stages[0].ID || d["pipeline_id"] != pl.ID || d["status"] != "open" || fmt.Sprint(d["probability"]) != "10" {
		t.Fatalf("new deal %v", d)
	}
	id := d.ID()
	// The drop without the amount the stage requires.
	r := c.Must(t, 422, "POST", "/api/v1/deals/"+id+"/move", map[string]any{"stage_id": proposal.ID})
	if p := r.Problem(t); !p.Names("body.amount") {
		t.Fatalf("move problem %+v", p)
	}
	// The same rule through the API.
	r = c.Must(t, 422, "PATCH", "/api/v1/deals/"+id, map[string]any{"stage_id": proposal.ID})
	if p := r.Problem(t); !p.Names("body.amount") {
		t.Fatalf("patch problem %+v", p)
	}
	if got := c.Get(t, "deals", id); got["stage_id"] != pl.Stages[0].ID {
		t.Fatalf("a refused move changed the stage: %v", got["stage_id"])
	}
	// Bad values given with the move are named under body.values.
	r = c.Must(t, 422, "POST", "/api/v1/deals/"+id+"/move", map[string]any{"stage_id": proposal.ID, "values": map[string]any{"amount": "lots"}})
	if p := r.Problem(t); !p.Names("body.values.amount") {
		t.Fatalf("bad value problem %+v", p)
	}
	c.Must(t, 422, "POST", "/api/v1/deals/"+id+"/move", map[string]any{"stage_id": missingID})
	var moved servertest.Record
	c.Must(t, 200, "POST", "/api/v1/deals/"+id+"/move", map[string]any{"stage_id": proposal.ID, "values": map[string]any{"amount": map[string]any{"amount": "1200.50", "currency": "USD"}}}).JSON(t, &moved)
	if moved["stage_name"] != "Proposal" || fmt.Sprint(moved["probability"]) != "50" {
		t.Fatalf("moved %v", moved)
	}
	// A stale ETag refuses the move.
	c.Must(t, 412, "POST", "/api/v1/deals/"+id+"/move", map[string]any{"stage_id": won.ID}, "If-Match", `"000000000000.1"`)
	// Lost needs a loss reason.
	r = c.Must(t, 422, "PATCH", "/api/v1/deals/"+id, map[string]any{"stage_id": lost.ID})
	if p := r.Problem(t); !p.Names("body.loss_reason") {
		t.Fatalf("lost problem %+v", p)
	}
	e.Clock.Advance(3600e9)
	var w servertest.Record
	c.Must(t, 200, "PATCH", "/api/v1/deals/"+id, map[string]any{"stage_id": won.ID}).JSON(t, &w)
	if w["status"] != "won" || w["closed_at"] == nil || w["close_date"] == nil || fmt.Sprint(w["probability"]) != "100" {
		t.Fatalf("won %v", w)
	}
	var hist struct {
		Data []struct {
			StageName string  `json:"stage_name"`
			LeftAt    *string `json:"left_at"`
			Seconds   int64   `json:"seconds"`
		}
	}
	c.Must(t, 200, "GET", "/api/v1/deals/"+id+"/stage_history", nil).JSON(t, &hist)
	if len(hist.Data) != 3 || hist.Data[0].StageName != "Qualification" || hist.Data[1].StageName != "Proposal" || hist.Data[2].StageName != "Closed won" {
		t.Fatalf("history %+v", hist.Data)
	}
	if hist.Data[1].LeftAt == nil || hist.Data[1].Seconds != 3600 || hist.Data[2].LeftAt != nil {
		t.Fatalf("time in stage %+v", hist.Data)
	}
	// Admins edit the stages: a stage with deals cannot go.
	var edited pipelineJSON
	stages := []map[string]any{}
	for _, s := range pl.Stages {
		if s.Name != "Closed won" {
			stages = append(stages, map[string]any{"id": s.ID, "name": s.Name, "probability": s.Probability, "is_won": s.IsWon, "is_lost": s.IsLost, "required_fields": s.RequiredFields})
		}
	}
	c.Must(t, 409, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"stages": stages})
	stages = append(stages, map[string]any{"id": won.ID, "name": "Won", "is_won": true})
	c.Must(t, 200, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"stages": stages}).JSON(t, &edited)
	if got := c.Get(t, "deals", id); got["stage_name"] != "Won" {
		t.Fatalf("renamed stage on the deal: %v", got["stage_name"])
	}
	c.Must(t, 422, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"stages": []map[string]any{{"name": "Only won", "is_won": true}}})
	c.Must(t, 422, "POST", "/api/v1/pipelines", map[string]any{"name": "Bad", "stages": []map[string]any{{"name": "A", "required_fields": []string{"nope"}}}})
	var np pipelineJSON
	c.Must(t, 201, "POST", "/api/v1/pipelines", map[string]any{"name": "Renewals", "stages": []map[string]any{{"name": "Due"}, {"name": "Renewed", "is_won": true}}}).JSON(t, &np)
	if len(np.Stages) != 2 || np.Stages[0].Probability != 10 || np.Stages[1].Probability != 100 {
		t.Fatalf("new pipeline %+v", np)
	}
	c.Must(t, 409, "POST", "/api/v1/pipelines", map[string]any{"name": "renewals", "stages": []map[string]any{{"name": "Due"}}})
	c.Must(t, 204, "DELETE", "/api/v1/pipelines/"+np.ID, nil)
	c.Must(t, 409, "DELETE", "/api/v1/pipelines/"+pl.ID, nil)
}

type boardJSON struct {
	Currency string `json:"currency"`
	Total    string `json:"total"`
	Weighted string `json:"weighted"`
	Count    int    `json:"count"`
	Columns  []struct {
		Stage       stageJSON         `json:"stage"`
		Count       int               `json:"count"`
		Total       string            `json:"total"`
		Weighted    string            `json:"weighted"`
		Unconverted map[string]string `json:"unconverted"`
		More        bool              `json:"more"`
		Cards       []struct {
			ID     string
			Name   string
			Amount *struct{ Amount, Currency string }
		} `json:"cards"`
	} `json:"columns"`
}

// TestBoardConvertsWithDatedRates: column totals convert each deal with
// the rate of its own expected close date (two currencies, two dates
// each), keep amounts without a rate apart, and show only the first
// cards while counting all.
func TestBoardConvertsWithDatedRates(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	pl := defaultPipeline(t, c)
	c.Must(t, 200, "POST", "/api/v1/exchange_rates/import", map[string]any{"rates": []map[string]any{
		{"currency": "EUR", "date": "2026-01-01", "rate": "1.10"},
		{"currency": "EUR", "date": "2026-02-01", "rate": "1.20"},
		{"currency": "GBP", "date": "2026-01-01", "rate": "1.25"},
		{"currency": "GBP", "date": "2026-02-01", "rate": "1.30"},
	}})
	var conv struct{ Amount, Currency string }
	c.Must(t, 200, "GET", "/api/v1/exchange_rates/convert?amount=100&currency=EUR&date=2026-01-20", nil).JSON(t, &conv)
	if conv.Amount != "110.00" || conv.Currency != "USD" {
		t.Fatalf("convert %+v", conv)
	}
	c.Must(t, 422, "GET", "/api/v1/exchange_rates/convert?amount=100&currency=EUR&date=2025-12-31", nil)
	if p := c.Must(t, 422, "GET", "/api/v1/exchange_rates/convert?amount=x&currency=EU&date=soon", nil).Problem(t); !p.Names("query.amount") || !p.Names("query.currency") || !p.Names("query.date") {
		t.Fatalf("convert problem %+v", p)
	}
	first := pl.Stages[0].ID
	for _, d := range []struct{ amount, cur, date string }{
		{"100", "EUR", "2026-01-15"}, // 110
		{"100", "EUR", "2026-02-15"}, // 120
		{"200", "GBP", "2026-01-20"}, // 250
		{"200", "GBP", "2026-03-01"}, // 260
		{"50.25", "USD", "2025-06-01"},
		{"1000", "JPY", "2026-01-10"}, // no rate
	} {
		c.Create(t, "deals", map[string]any{"name": d.cur + " " + d.date, "stage_id": first, "amount": map[string]any{"amount": d.amount, "currency": d.cur}, "close_date": d.date})
	}
	c.Create(t, "deals", map[string]any{"name": "No amount", "stage_id": first})
	var b boardJSON
	c.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board?limit=3", nil).JSON(t, &b)
	col := b.Columns[0]
	if b.Currency != "USD" || col.Count != 7 || col.Total != "790.25" || col.Unconverted["JPY"] != "1000" || len(col.Cards) != 3 || !col.More {
		t.Fatalf("board %+v", b)
	}
	if col.Weighted != "79.03" { // 10 %
		t.Errorf("weighted %s", col.Weighted)
	}
	if col.Cards[0].Name != "USD 2025-06-01" || col.Cards[0].Amount.Amount != "50.25" {
		t.Errorf("first card %+v", col.Cards[0])
	}
	// Filters narrow the cards and the totals alike.
	c.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board?q=eur&close_from=2026-02-01", nil).JSON(t, &b)
	if b.Columns[0].Count != 1 || b.Columns[0].Total != "120.00" {
		t.Fatalf("filtered %+v", b.Columns[0])
	}
	c.Must(t, 422, "GET", "/api/v1/pipelines/"+pl.ID+"/board?close_from=soon", nil)
	c.Must(t, 404, "GET", "/api/v1/pipelines/"+missingID+"/board", nil)
}

// TestSalesScope: a sales rep (own scope) sees only their deals on the
// board and in the forecast, cannot change pipelines, rates or quotas;
// another workspace sees none of it.
func TestSalesScope(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	rep := e.WS.User(t, "sales")
	ro := e.WS.User(t, "read_only")
	pl := defaultPipeline(t, c)
	c.Create(t, "deals", map[string]any{"name": "Admin deal", "amount": map[string]any{"amount": "100", "currency": "USD"}, "close_date": "2026-05-01"})
	rep.Create(t, "deals", map[string]any{"name": "Rep deal", "amount": map[string]any{"amount": "7", "currency": "USD"}, "close_date": "2026-05-01"})
	var b boardJSON
	rep.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board", nil).JSON(t, &b)
	if b.Count != 1 || b.Columns[0].Total != "7.00" || b.Columns[0].Cards[0].Name != "Rep deal" {
		t.Fatalf("rep board %+v", b)
	}
	c.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board", nil).JSON(t, &b)
	if b.Count != 2 {
		t.Fatalf("admin board %+v", b)
	}
	var f struct {
		Totals []struct{ Pipeline string }
	}
	rep.Must(t, 200, "GET", "/api/v1/forecast?from=2026-05&periods=1", nil).JSON(t, &f)
	if f.Totals[0].Pipeline != "7.00" {
		t.Fatalf("rep forecast %+v", f)
	}
	rep.Must(t, 403, "POST", "/api/v1/pipelines", map[string]any{"name": "Mine", "stages": []map[string]any{{"name": "A"}}})
	rep.Must(t, 403, "PATCH", "/api/v1/pipelines/"+pl.ID, map[string]any{"name": "Mine"})
	rep.Must(t, 403, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"})
	rep.Must(t, 403, "PUT", "/api/v1/quotas", map[string]any{"user_id": rep.UserID, "month": "2026-05", "amount": "1000"})
	rep.Must(t, 403, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "country", "operator": "eq", "value": "ES", "points": 5})
	rep.Must(t, 200, "GET", "/api/v1/exchange_rates", nil)
	ro.Must(t, 403, "POST", "/api/v1/deals", map[string]any{"name": "x"})
	ro.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board", nil)
	other := e.AddWorkspace("Other")
	other.Admin.Must(t, 404, "GET", "/api/v1/pipelines/"+pl.ID, nil)
	other.Admin.Must(t, 404, "GET", "/api/v1/pipelines/"+pl.ID+"/board", nil)
	var ob boardJSON
	opl := defaultPipeline(t, other.Admin)
	other.Admin.Must(t, 200, "GET", "/api/v1/pipelines/"+opl.ID+"/board", nil).JSON(t, &ob)
	if ob.Count != 0 {
		t.Fatalf("other workspace sees %d deals", ob.Count)
	}
	other.Admin.Must(t, 404, "PATCH", "/api/v1/deals/"+missingID, map[string]any{"stage_id": pl.Stages[1].ID})
}

// TestLeadConversion converts a lead without duplicates (new account,
// contact and deal) and one whose company and person already exist
// (linked, not created again); the lead's activities follow, the lead
// keeps its history and points at what it became.
func TestLeadConversion(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	lead := c.Create(t, "leads", map[string]any{"given_name": "Ada", "family_name": "Lovelace", "company": "Analytical Engines", "email": "ada@engines.test",
		"website": "https://engines.test", "industry": "technology", "country": "UK", "source": "web"})
	if lead["status"] != "new" || lead["name"] != "Ada Lovelace" {
		t.Fatalf("lead %v", lead)
	}
	act := c.Create(t, "activities", map[string]any{"type": "call", "subject": "First call", "lead_ids": []string{lead.ID()}})
	var res struct {
		AccountID      string `json:"account_id"`
		AccountCreated bool   `json:"account_created"`
		ContactID      string `json:"contact_id"`
		ContactCreated bool   `json:"contact_created"`
		DealID         string `json:"deal_id"`
		Moved          int    `json:"activities_moved"`
	}
	c.Must(t, 200, "POST", "/api/v1/leads/"+lead.ID()+"/convert", map[string]any{"deal": map[string]any{"amount": "5000", "close_date": "2026-06-30"}}).JSON(t, &res)
	if !res.AccountCreated || !res.ContactCreated || res.DealID == "" || res.Moved != 1 {
		t.Fatalf("conversion %+v", res)
	}
	acc, con, deal := c.Get(t, "accounts", res.AccountID), c.Get(t, "contacts", res.ContactID), c.Get(t, "deals", res.DealID)
	if acc["name"] != "Analytical Engines" || con["account_id"] != res.AccountID || con["email"] != "ada@engines.test" {
		t.Fatalf("account %v contact %v", acc, con)
	}
	if deal["account_id"] != res.AccountID || deal["lead_id"] != lead.ID() || fmt.Sprint(deal["contact_ids"]) != "["+res.ContactID+"]" {
		t.Fatalf("deal %v", deal)
	}
	converted := c.Get(t, "leads", lead.ID())
	if converted["status"] != "converted" || converted["deal_id"] != res.DealID || converted["contact_id"] != res.ContactID || converted["converted_at"] == nil {
		t.Fatalf("converted lead %v", converted)
	}
	if h := c.History(t, "leads", lead.ID()); len(h) < 2 {
		t.Fatalf("lead history %+v", h)
	}
	a := c.Get(t, "activities", act.ID())
	if fmt.Sprint(a["account_ids"]) != "["+res.AccountID+"]" || fmt.Sprint(a["contact_ids"]) != "["+res.ContactID+"]" || fmt.Sprint(a["deal_ids"]) != "["+res.DealID+"]" {
		t.Fatalf("activity links %v", a)
	}
	var tl struct{ Data []struct{ Kind string } }
	c.Must(t, 200, "GET", "/api/v1/contacts/"+res.ContactID+"/timeline?type=call", nil).JSON(t, &tl)
	if len(tl.Data) != 1 {
		t.Fatalf("contact timeline %+v", tl)
	}
	c.Must(t, 409, "POST", "/api/v1/leads/"+lead.ID()+"/convert", map[string]any{})
	c.Must(t, 422, "PATCH", "/api/v1/leads/"+lead.ID(), map[string]any{"status": "new"})

	// A second lead from the same company and person: the duplicate
	// checker finds both, nothing new is created but the deal.
	again := c.Create(t, "leads", map[string]any{"given_name": "Ada", "family_name": "Lovelace", "company": "Analytical Engines", "email": "ada@engines.test", "website": "https://engines.test"})
	c.Must(t, 200, "POST", "/api/v1/leads/"+again.ID()+"/convert", map[string]any{}).JSON(t, &res)
	if res.AccountCreated || res.ContactCreated || res.AccountID != acc.ID() || res.ContactID != con.ID() || res.DealID == "" {
		t.Fatalf("conversion with duplicates %+v", res)
	}
	n, _ := c.ListAll(t, "/api/v1/accounts")
	if len(n) != 1 {
		t.Fatalf("%d accounts after converting a duplicate", len(n))
	}
	// Forcing new records, and without a deal.
	third := c.Create(t, "leads", map[string]any{"given_name": "Ada", "family_name": "Lovelace", "company": "Analytical Engines"})
	res.DealID = ""
	c.Must(t, 200, "POST", "/api/v1/leads/"+third.ID()+"/convert", map[string]any{"new_account": true, "new_contact": true, "no_deal": true}).JSON(t, &res)
	if !res.AccountCreated || !res.ContactCreated || res.DealID != "" {
		t.Fatalf("forced conversion %+v", res)
	}
	// Disqualified leads need a reason and cannot be converted.
	dq := c.Create(t, "leads", map[string]any{"company": "Nope Ltd"})
	r := c.Must(t, 422, "PATCH", "/api/v1/leads/"+dq.ID(), map[string]any{"status": "disqualified"})
	if !r.Problem(t).Names("body.disqualify_reason") {
		t.Fatal("disqualifying without a reason")
	}
	c.Must(t, 200, "PATCH", "/api/v1/leads/"+dq.ID(), map[string]any{"status": "disqualified", "disqualify_reason": "no_budget"})
	c.Must(t, 409, "POST", "/api/v1/leads/"+dq.ID()+"/convert", map[string]any{})
	c.Must(t, 422, "POST", "/api/v1/leads", map[string]any{"status": "converted", "company": "Sneaky"})
	// A rep who may not see the lead cannot convert it.
	rep := e.WS.User(t, "sales")
	rep.Must(t, 404, "POST", "/api/v1/leads/"+again.ID()+"/convert", map[string]any{})
	ro := e.WS.User(t, "read_only")
	mine := c.Create(t, "leads", map[string]any{"company": "Readable"})
	ro.Must(t, 403, "POST", "/api/v1/leads/"+mine.ID()+"/convert", map[string]any{})
}

// TestLeadScoringAndAssignment: fit and engagement rules score leads
// with their reasons; assignment rules route new leads to a user or
// round-robin through a team.
func TestLeadScoringAndAssignment(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	a, b := e.WS.User(t, "sales"), e.WS.User(t, "sales")
	es := e.WS.User(t, "sales")
	team := e.WS.Team(t, "Inside sales", a, b)
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "industry", "operator": "eq", "value": "technology", "points": 20})
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "email", "operator": "filled", "points": 5})
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "engagement", "field": "call", "points": 10})
	c.Must(t, 422, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "password", "operator": "eq", "value": "x", "points": 1})
	c.Must(t, 201, "POST", "/api/v1/lead_assignment_rules", map[string]any{"field": "country", "value": "ES", "user_id": es.UserID})
	c.Must(t, 201, "POST", "/api/v1/lead_assignment_rules", map[string]any{"team_id": team})
	c.Must(t, 422, "POST", "/api/v1/lead_assignment_rules", map[string]any{"field": "country", "value": "ES"})

	l1 := c.Create(t, "leads", map[string]any{"company": "Uno", "industry": "technology", "email": "x@uno.test", "country": "es"})
	if fmt.Sprint(l1["score"]) != "25" || l1["owner_id"] != es.UserID {
		t.Fatalf("lead 1 %v", l1)
	}
	if reasons, _ := l1["score_reasons"].(string); reasons == "" {
		t.Fatal("no score reasons")
	}
	owners := []string{}
	for _, n := range []string{"Dos", "Tres", "Cuatro"} {
		l := c.Create(t, "leads", map[string]any{"company": n, "country": "FR"})
		owners = append(owners, l["owner_id"].(string))
	}
	if owners[0] == owners[1] || owners[0] != owners[2] || (owners[0] != a.UserID && owners[0] != b.UserID) {
		t.Fatalf("round-robin owners %v (team %s %s)", owners, a.UserID, b.UserID)
	}
	// A named owner is kept.
	kept := c.Create(t, "leads", map[string]any{"company": "Cinco", "country": "ES", "owner_id": b.UserID})
	if kept["owner_id"] != b.UserID {
		t.Fatalf("named owner replaced: %v", kept["owner_id"])
	}
	// Engagement: two calls linked to the lead.
	for i := 0; i < 2; i++ {
		c.Create(t, "activities", map[string]any{"type": "call", "subject": "Call", "lead_ids": []string{l1.ID()}})
	}
	if got := c.Get(t, "leads", l1.ID()); fmt.Sprint(got["score"]) != "45" {
		t.Fatalf("score after calls %v (%v)", got["score"], got["score_reasons"])
	}
	// Removing a rule rescores every lead.
	var rules struct{ Data []struct{ ID, Kind string } }
	c.Must(t, 200, "GET", "/api/v1/lead_score_rules", nil).JSON(t, &rules)
	for _, r := range rules.Data {
		if r.Kind == "engagement" {
			c.Must(t, 204, "DELETE", "/api/v1/lead_score_rules/"+r.ID, nil)
		}
	}
	if got := c.Get(t, "leads", l1.ID()); fmt.Sprint(got["score"]) != "25" {
		t.Fatalf("score after removing the rule %v", got["score"])
	}
}

// TestForecast: closed won, commit, best case, pipeline and weighted
// pipeline per month and quarter, per owner and team, with quotas and
// attainment, converting each deal with its own date's rate.
func TestForecast(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	rep := e.WS.User(t, "sales")
	team := e.WS.Team(t, "Field", rep)
	pl := defaultPipeline(t, c)
	won, lost := stageNamed(t, pl, "Closed won"), stageNamed(t, pl, "Closed lost")
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-01-01", "rate": "1.5"})
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-02-01", "rate": "2"})
	mk := func(owner, stage, amount, cur, date, cat string, prob int) {
		in := map[string]any{"name": "D", "owner_id": owner, "amount": map[string]any{"amount": amount, "currency": cur}, "close_date": date, "probability": prob, "forecast_category": cat}
		if stage != "" {
			in["stage_id"], in["loss_reason"] = stage, "price"
		}
		c.Create(t, "deals", in)
	}
	mk(rep.UserID, won.ID, "100", "EUR", "2026-01-10", "", 100) // 150 won Jan
	mk(rep.UserID, "", "200", "USD", "2026-01-20", "commit", 80)
	mk(rep.UserID, "", "100", "EUR", "2026-02-05", "best_case", 50) // 200
	mk(rep.UserID, "", "1000", "USD", "2026-02-05", "omitted", 50)
	mk(rep.UserID, lost.ID, "999", "USD", "2026-01-05", "", 0)
	mk(c.UserID, "", "300", "USD", "2026-01-15", "pipeline", 10)
	c.Must(t, 200, "PUT", "/api/v1/quotas", map[string]any{"user_id": rep.UserID, "month": "2026-01", "amount": "600"})
	c.Must(t, 422, "PUT", "/api/v1/quotas", map[string]any{"user_id": rep.UserID, "month": "2026-13", "amount": "-1"})
	type figs struct {
		Period, ClosedWon, Commit, BestCase, Pipeline, Weighted, Quota, Attainment string
	}
	type fc struct {
		Periods []string
		Rows    []struct {
			ID, Name string
			Periods  []map[string]any
		}
		Totals []map[string]any
	}
	var f fc
	c.Must(t, 200, "GET", "/api/v1/forecast?from=2026-01&periods=2", nil).JSON(t, &f)
	jan, feb := f.Totals[0], f.Totals[1]
	check := func(name string, got map[string]any, want map[string]string) {
		t.Helper()
		for k, v := range want {
			if fmt.Sprint(got[k]) != v {
				t.Errorf("%s %s = %v, want %s (%v)", name, k, got[k], v, got)
			}
		}
	}
	check("jan", jan, map[string]string{"closed_won": "150.00", "commit": "350.00", "best_case": "350.00", "pipeline": "500.00", "weighted": "190.00", "quota": "600.00", "attainment": "25.0"})
	check("feb", feb, map[string]string{"closed_won": "0.00", "commit": "0.00", "best_case": "200.00", "pipeline": "200.00", "weighted": "100.00"})
	if len(f.Rows) != 2 {
		t.Fatalf("rows %+v", f.Rows)
	}
	var q fc
	c.Must(t, 200, "GET", "/api/v1/forecast?period=quarter&from=2026-Q1&periods=1&group_by=team", nil).JSON(t, &q)
	if q.Periods[0] != "2026-Q1" || len(q.Rows) != 2 {
		t.Fatalf("quarter %+v", q)
	}
	for _, r := range q.Rows {
		if r.ID == team {
			check("team", r.Periods[0], map[string]string{"closed_won": "150.00", "best_case": "550.00", "quota": "600.00"})
		}
	}
	check("quarter", q.Totals[0], map[string]string{"pipeline": "700.00", "weighted": "290.00"})
	c.Must(t, 422, "GET", "/api/v1/forecast?period=week", nil)
	c.Must(t, 422, "GET", "/api/v1/forecast?from=2026-Q9&period=quarter", nil)
	var qs struct{ Data []map[string]any }
	rep.Must(t, 200, "GET", "/api/v1/quotas?year=2026", nil).JSON(t, &qs)
	if len(qs.Data) != 1 {
		t.Fatalf("quotas %+v", qs)
	}
}

// TestDealsOnTimeline: the stages an account's deals went through are
// on the account's (and the deal contacts') timeline, in the caller's
// deal scope.
func TestDealsOnTimeline(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	pl := defaultPipeline(t, c)
	acc := c.Create(t, "accounts", map[string]any{"name": "Timeline Co"})
	con := c.Create(t, "contacts", map[string]any{"given_name": "Tim", "family_name": "Line", "account_id": acc.ID()})
	d := c.Create(t, "deals", map[string]any{"name": "Timeline deal", "account_id": acc.ID(), "contact_ids": []string{con.ID()}, "amount": map[string]any{"amount": "99", "currency": "USD"}})
	e.Clock.Advance(60e9)
	c.Must(t, 200, "POST", "/api/v1/deals/"+d.ID()+"/move", map[string]any{"stage_id": stageNamed(t, pl, "Proposal").ID})
	var tl struct {
		Data []struct {
			Kind  string
			Event struct {
				DealName  string `json:"deal_name"`
				StageName string `json:"stage_name"`
				First     bool
			}
		}
	}
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc.ID()+"/timeline?type=deal", nil).JSON(t, &tl)
	if len(tl.Data) != 2 || tl.Data[0].Event.StageName != "Proposal" || tl.Data[1].Event.StageName != "Qualification" || !tl.Data[1].Event.First || tl.Data[0].Kind != "deal" {
		t.Fatalf("account timeline %+v", tl.Data)
	}
	c.Must(t, 200, "GET", "/api/v1/contacts/"+con.ID()+"/timeline?type=deal", nil).JSON(t, &tl)
	if len(tl.Data) != 2 {
		t.Fatalf("contact timeline %+v", tl.Data)
	}
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc.ID()+"/timeline", nil).JSON(t, &tl)
	if len(tl.Data) < 3 {
		t.Fatalf("whole timeline %+v", tl.Data)
	}
	// A rep who may read the account (own scope on it through a custom
	// role) but not the admin's deals sees no deal entries.
	role := e.WS.Role(t, "Accounts only", map[string]any{"accounts": map[string]any{"read": true, "scope": "all"}, "deals": map[string]any{"read": true, "scope": "own"}})
	rep := e.WS.User(t, role)
	rep.Must(t, 200, "GET", "/api/v1/accounts/"+acc.ID()+"/timeline?type=deal", nil).JSON(t, &tl)
	if len(tl.Data) != 0 {
		t.Fatalf("a rep sees another's deals on the timeline: %+v", tl.Data)
	}
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	body := string(b.Must(t, 200, "GET", "/o/accounts/"+acc.ID(), nil).Body)
	if !strings.Contains(body, "Timeline deal") || !strings.Contains(body, "Entered Proposal") {
		t.Fatal("the account's 360 page does not show the deal's stages")
	}
	if !strings.Contains(body, `id="account-deals"`) || !strings.Contains(body, "$99.00") {
		t.Fatal("the account's 360 page has no deals card with the open total")
	}
}

// TestDealContactRoles: a deal's contacts carry the role each plays.
func TestDealContactRoles(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	a := c.Create(t, "contacts", map[string]any{"given_name": "Ann", "family_name": "Buyer"})
	b := c.Create(t, "contacts", map[string]any{"given_name": "Bob", "family_name": "User"})
	d := c.Create(t, "deals", map[string]any{"name": "Roles", "contact_ids": []string{a.ID(), b.ID()}})
	c.Must(t, 200, "PUT", "/api/v1/deals/"+d.ID()+"/contacts/"+a.ID(), map[string]any{"role": "decision_maker"})
	c.Must(t, 422, "PUT", "/api/v1/deals/"+d.ID()+"/contacts/"+b.ID(), map[string]any{"role": "boss"})
	other := c.Create(t, "contacts", map[string]any{"given_name": "Not", "family_name": "Linked"})
	c.Must(t, 404, "PUT", "/api/v1/deals/"+d.ID()+"/contacts/"+other.ID(), map[string]any{"role": "user"})
	var out struct {
		Data []struct {
			ContactID string `json:"contact_id"`
			Name      string
			Role      string
		}
	}
	c.Must(t, 200, "GET", "/api/v1/deals/"+d.ID()+"/contacts", nil).JSON(t, &out)
	if len(out.Data) != 2 || out.Data[0].ContactID != a.ID() || out.Data[0].Role != "decision_maker" || out.Data[0].Name != "Ann Buyer" {
		t.Fatalf("deal contacts %+v", out.Data)
	}
	rep := e.WS.User(t, "sales")
	rep.Must(t, 404, "GET", "/api/v1/deals/"+d.ID()+"/contacts", nil)
	rep.Must(t, 404, "PUT", "/api/v1/deals/"+d.ID()+"/contacts/"+a.ID(), map[string]any{"role": "user"})
	br := e.Browser()
	br.SignIn(t, "admin@acme.test", servertest.Password)
	br.Must(t, 303, "POST", "/deals/"+d.ID()+"/contacts/"+b.ID(), "role=technical", "Content-Type", form)
	if body := string(br.Must(t, 200, "GET", "/o/deals/"+d.ID(), nil).Body); !strings.Contains(body, `id="deal-contacts"`) {
		t.Fatal("the deal page does not list its contacts with roles")
	}
	c.Must(t, 200, "GET", "/api/v1/deals/"+d.ID()+"/contacts", nil).JSON(t, &out)
	if out.Data[0].Role != "decision_maker" || out.Data[1].Role != "technical" {
		t.Fatalf("roles after the form %+v", out.Data)
	}
}

// TestSearchFindsLeadsAndDeals: the search box finds leads and deals, in
// the caller's scope, and forgets a deal sent to the trash.
func TestSearchFindsLeadsAndDeals(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	d := c.Create(t, "deals", map[string]any{"name": "Zeppelin fleet renewal"})
	c.Create(t, "leads", map[string]any{"given_name": "Hugo", "family_name": "Eckener", "company": "Zeppelin Reederei"})
	var out struct {
		Data []struct{ Object, ID, Title string }
	}
	c.Must(t, 200, "GET", "/api/v1/search?q=zeppelin", nil).JSON(t, &out)
	found := map[string]bool{}
	for _, h := range out.Data {
		found[h.Object] = true
	}
	if !found["deals"] || !found["leads"] {
		t.Fatalf("search hits %+v", out.Data)
	}
	rep := e.WS.User(t, "sales")
	rep.Must(t, 200, "GET", "/api/v1/search?q=zeppelin", nil).JSON(t, &out)
	if len(out.Data) != 0 {
		t.Fatalf("a rep finds others' records: %+v", out.Data)
	}
	c.Must(t, 204, "DELETE", "/api/v1/deals/"+d.ID(), nil)
	c.Must(t, 200, "GET", "/api/v1/search?q=fleet", nil).JSON(t, &out)
	if len(out.Data) != 0 {
		t.Fatalf("a trashed deal is still found: %+v", out.Data)
	}
}

// TestImportLeads: leads come in by import like any record, scored and
// assigned by the rules as they are created.
func TestImportLeads(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	c.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "source", "operator": "eq", "value": "event", "points": 15})
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("object", "leads")
	mw.WriteField("start", "true")
	fw, _ := mw.CreateFormFile("file", "leads.csv")
	fw.Write([]byte("First name,Last name,Company,Email,Lead Source\nMarie,Curie,Radium Institute,marie@radium.example,event\nPierre,Curie,,pierre@radium.example,web\n"))
	mw.Close()
	c.Must(t, 201, "POST", "/api/v1/imports", b.Bytes(), "Content-Type", mw.FormDataContentType())
	if _, err := e.Server.Imports.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data []map[string]any
	}
	c.Must(t, 200, "GET", "/api/v1/leads?sort=name", nil).JSON(t, &out)
	if len(out.Data) != 2 {
		t.Fatalf("imported leads %+v", out.Data)
	}
	for _, l := range out.Data {
		want := map[string]string{"Marie Curie": "15", "Pierre Curie": "0"}[fmt.Sprint(l["name"])]
		if fmt.Sprint(l["score"]) != want || l["status"] != "new" {
			t.Errorf("imported lead %v: score %v status %v", l["name"], l["score"], l["status"])
		}
	}
}

// TestBoardClosedColumns: the won and lost columns show the latest
// closed deals first (open columns stay soonest first), and a deal
// without an expected close date is converted with the rate of the day
// it was made.
func TestBoardClosedColumns(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	pl := defaultPipeline(t, c)
	var won stageJSON
	for _, s := range pl.Stages {
		if s.IsWon {
			won = s
		}
	}
	today := e.Clock.Now().UTC()
	c.Must(t, 200, "POST", "/api/v1/exchange_rates/import", map[string]any{"rates": []map[string]any{
		{"currency": "EUR", "date": today.AddDate(0, 0, -400).Format("2006-01-02"), "rate": "2"},
	}})
	for i, name := range []string{"Older", "Newer", "Newest"} {
		c.Create(t, "deals", map[string]any{"name": name, "stage_id": won.ID, "amount": map[string]any{"amount": "10", "currency": "USD"},
			"close_date": today.AddDate(0, 0, i-5).Format("2006-01-02")})
	}
	first := pl.Stages[0].ID
	c.Create(t, "deals", map[string]any{"name": "Later", "stage_id": first, "close_date": today.AddDate(0, 1, 0).Format("2006-01-02")})
	c.Create(t, "deals", map[string]any{"name": "Sooner", "stage_id": first, "close_date": today.AddDate(0, 0, 3).Format("2006-01-02")})
	c.Create(t, "deals", map[string]any{"name": "Undated", "stage_id": first, "amount": map[string]any{"amount": "5", "currency": "EUR"}})
	var b boardJSON
	c.Must(t, 200, "GET", "/api/v1/pipelines/"+pl.ID+"/board", nil).JSON(t, &b)
	names := func(stage string) []string {
		for _, col := range b.Columns {
			if col.Stage.ID == stage {
				var out []string
				for _, card := range col.Cards {
					out = append(out, card.Name)
				}
				return out
			}
		}
		return nil
	}
	if got := names(won.ID); !slices.Equal(got, []string{"Newest", "Newer", "Older"}) {
		t.Errorf("won column %v, want the latest first", got)
	}
	if got := names(first); !slices.Equal(got, []string{"Sooner", "Later", "Undated"}) {
		t.Errorf("first column %v, want the soonest first, undated last", got)
	}
	if b.Columns[0].Total != "10.00" { // 5 EUR at 2
		t.Errorf("first column total %s, want 10.00", b.Columns[0].Total)
	}
}

// TestBoardHeadsMatchBoard: the heads the board's script reads after a
// move (no cards) give the same counts, totals, weighted totals, amounts
// without a rate and "more" flags as the whole board, at every card
// limit, with open deals, recently closed ones and some closed too long
// ago to show.
func TestBoardHeadsMatchBoard(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	pl := defaultPipeline(t, c)
	today := e.Clock.Now().UTC()
	c.Must(t, 200, "POST", "/api/v1/exchange_rates/import", map[string]any{"rates": []map[string]any{
		{"currency": "EUR", "date": today.AddDate(-2, 0, 0).Format("2006-01-02"), "rate": "1.1"},
	}})
	for i := range 14 {
		st := pl.Stages[i%len(pl.Stages)]
		in := map[string]any{"name": fmt.Sprintf("Deal %d", i), "stage_id": st.ID}
		free := len(st.RequiredFields) == 0
		if i%3 != 0 || !free {
			in["amount"] = map[string]any{"amount": fmt.Sprintf("%d.5", 10+i), "currency": []string{"USD", "EUR", "JPY"}[i%3]}
		}
		if slices.Contains(st.RequiredFields, "loss_reason") {
			in["loss_reason"] = "price"
		}
		if i%4 != 0 || !free {
			in["close_date"] = today.AddDate(0, 0, i*7-40).Format("2006-01-02")
		}
		c.Create(t, "deals", in)
	}
	ctx := t.Context()
	p, err := e.Server.Auth.Principal(ctx, e.WS.ID, c.UserID)
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 2, 3, 50} {
		f := sales.BoardFilter{Limit: limit}
		full, err := e.Server.Sales.Board(ctx, p, pl.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		heads, err := e.Server.Sales.BoardHeads(ctx, p, pl.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if heads.Count != full.Count || heads.Total != full.Total || heads.Weighted != full.Weighted || full.Count == 0 {
			t.Fatalf("limit %d: heads %d %s %s, board %d %s %s", limit, heads.Count, heads.Total, heads.Weighted, full.Count, full.Total, full.Weighted)
		}
		more := 0
		for i, fc := range full.Columns {
			hc := heads.Columns[i]
			if len(hc.Cards) != 0 || hc.Count != fc.Count || hc.Total != fc.Total || hc.Weighted != fc.Weighted || hc.More != fc.More || fmt.Sprint(hc.Unconverted) != fmt.Sprint(fc.Unconverted) {
				t.Errorf("limit %d, %s: heads %+v, board %+v", limit, fc.Stage.Name, *hc, *fc)
			}
			if fc.More {
				more++
			}
		}
		if (limit == 1 && more == 0) || (limit == 50 && more != 0) {
			t.Errorf("limit %d: %d columns with more", limit, more)
		}
	}
}
