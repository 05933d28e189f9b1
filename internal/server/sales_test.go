package server_test

import (
	"fmt"
	"testing"

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
