package sales

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

var (
	strS   = api.Schema{"type": "string"}
	strs   = api.Schema{"type": "array", "items": strS}
	intS   = api.Schema{"type": "integer"}
	boolS  = api.Schema{"type": "boolean"}
	moneyS = api.Schema{"type": "string", "description": "an exact decimal in the workspace currency"}
)

func obj(props api.Schema, required ...string) api.Schema {
	s := api.Schema{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func listOf(item api.Schema) api.Schema {
	return api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": item}}}
}

var stageSchema = api.Schema{"type": "object", "properties": api.Schema{"id": strS, "pipeline_id": strS, "name": strS, "position": intS,
	"probability": api.Schema{"type": "integer", "minimum": 0, "maximum": 100}, "is_won": boolS, "is_lost": boolS,
	"required_fields": api.Schema{"type": "array", "items": strS, "description": "deal fields that must hold a value for a deal to enter the stage"}}}

var pipelineSchema = api.Schema{"type": "object", "properties": api.Schema{"id": strS, "name": strS, "position": intS, "is_default": boolS,
	"stages": api.Schema{"type": "array", "items": stageSchema}, "created_at": strS, "updated_at": strS}}

var pipelineIn = obj(api.Schema{"name": api.Schema{"type": "string", "maxLength": 100}, "is_default": boolS,
	"stages": api.Schema{"type": "array", "minItems": 1, "maxItems": 30, "description": "the stages in order; an id keeps an existing stage, stages left out are removed",
		"items": obj(api.Schema{"id": strS, "name": api.Schema{"type": "string", "maxLength": 100}, "probability": api.Schema{"type": "integer", "minimum": 0, "maximum": 100},
			"is_won": boolS, "is_lost": boolS, "required_fields": strs}, "name")}})

var cardSchema = api.Schema{"type": "object", "properties": api.Schema{"id": strS, "name": strS, "account_id": strS, "account_name": strS,
	"amount": api.Schema{"type": "object", "properties": api.Schema{"amount": strS, "currency": strS}}, "close_date": strS, "probability": intS,
	"owner_id": strS, "owner_name": strS, "next_step": strS, "etag": strS, "overdue": boolS}}

var boardSchema = api.Schema{"type": "object", "properties": api.Schema{"pipeline": pipelineSchema, "currency": strS, "total": moneyS, "weighted": moneyS, "count": intS,
	"columns": api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"stage": stageSchema, "count": intS, "total": moneyS, "weighted": moneyS,
		"unconverted": api.Schema{"type": "object", "additionalProperties": strS, "description": "amounts left out of the total for want of an exchange rate, per currency"},
		"cards":       api.Schema{"type": "array", "items": cardSchema}, "more": boolS}}}}}

var figuresSchema = api.Schema{"type": "object", "properties": api.Schema{"period": strS, "closed_won": moneyS, "commit": moneyS, "best_case": moneyS,
	"pipeline": moneyS, "weighted": moneyS, "quota": moneyS, "attainment": api.Schema{"type": "string", "description": "closed won over quota, percent"},
	"open_deals": intS, "won_deals": intS}}

// RegisterAPI adds the pipeline, board, stage-history, lead conversion,
// scoring, assignment, forecast and quota operations. Leads and deals
// themselves are records: the engine serves their CRUD.
func (s *Service) RegisterAPI(a *api.API) {
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/pipelines", ID: "list_pipelines", Tag: "pipelines", Summary: "The pipelines with their stages, the default first",
		Response: listOf(pipelineSchema),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			pls, err := s.Pipelines(r.Context(), p)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": pls})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/pipelines", ID: "create_pipeline", Tag: "pipelines", Summary: "Add a pipeline with its stages (admins)", Status: 201,
		Body: pipelineIn, Response: pipelineSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in PipelineInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			pl, err := s.CreatePipeline(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, pl)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/pipelines/{id}", ID: "get_pipeline", Tag: "pipelines", Summary: "One pipeline with its stages", Response: pipelineSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			pl, err := s.Pipeline(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, pl)
			return nil
		}})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/pipelines/{id}", ID: "update_pipeline", Tag: "pipelines",
		Summary: "Rename a pipeline, make it the default or replace its stages (admins); a stage that holds deals cannot be removed", Body: pipelineIn, Response: pipelineSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in PipelineInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			pl, err := s.UpdatePipeline(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, pl)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/pipelines/{id}", ID: "delete_pipeline", Tag: "pipelines", Summary: "Remove an empty pipeline (admins)", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.DeletePipeline(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/pipelines/{id}/board", ID: "pipeline_board", Tag: "pipelines",
		Summary:     "The pipeline's kanban board: per stage the count and converted totals of its deals and the first cards by expected close date",
		Description: "Won and lost columns hold the deals closed in the last 90 days. Totals convert each amount with the rate of its deal's expected close date into the workspace currency.",
		Params: []api.Param{{Name: "owner_id", In: "query"}, {Name: "account_id", In: "query"}, {Name: "q", In: "query", Description: "words of the deal name"},
			{Name: "close_from", In: "query", Schema: api.Schema{"type": "string", "format": "date"}}, {Name: "close_to", In: "query", Schema: api.Schema{"type": "string", "format": "date"}},
			{Name: "limit", In: "query", Description: "cards per column", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 500, "default": CardsPerColumn}}},
		Response: boardSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			f, err := BoardFilterFrom(r)
			if err != nil {
				return err
			}
			b, err := s.Board(r.Context(), p, api.PathID(r, "id"), f)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, b)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/deals/{id}/move", ID: "move_deal", Tag: "deals", ETag: true,
		Summary:     "Move a deal to another stage (the board's drop), with values for the fields the stage requires",
		Description: "The stage's rules are checked: a missing required field is a 422 naming it (under body.values when the request gave it). Send If-Match with the card's ETag to refuse a move over someone else's change.",
		Body:        obj(api.Schema{"stage_id": strS, "values": api.Schema{"type": "object", "description": "deal fields to set with the move"}}, "stage_id"),
		Response:    api.Schema{"type": "object", "description": "the deal"},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			m, err := api.DecodeObject(w, r)
			if err != nil {
				return err
			}
			var in MoveInput
			for k, v := range m {
				switch k {
				case "stage_id":
					sv, ok := v.(string)
					if !ok {
						return errs.Field("body.stage_id", "must be a string")
					}
					in.StageID = sv
				case "values":
					mv, ok := v.(map[string]any)
					if !ok && v != nil {
						return errs.Field("body.values", "must be an object")
					}
					in.Values = mv
				default:
					return errs.Field("body."+k, "is not a member of a move (stage_id, values)")
				}
			}
			rec, err := s.Move(r.Context(), p, api.PathID(r, "id"), r.Header.Get("If-Match"), in)
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, "deals", rec)
		}})
	dcSchema := api.Schema{"type": "object", "properties": api.Schema{"contact_id": strS, "name": strS, "role": strS}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/deals/{id}/contacts", ID: "deal_contacts", Tag: "deals",
		Summary: "The deal's contacts (its contact_ids) with the role each plays", Response: listOf(dcSchema),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			dcs, err := s.DealContacts(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			if dcs == nil {
				dcs = []DealContact{}
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": dcs})
			return nil
		}})
	a.Handle(api.Op{Method: "PUT", Path: "/api/v1/deals/{id}/contacts/{contact_id}", ID: "set_deal_contact_role", Tag: "deals",
		Summary:  "Set the role a contact of the deal plays: decision_maker, influencer, user, billing, technical, other, or empty",
		Body:     obj(api.Schema{"role": api.Schema{"type": "string", "enum": []string{"", "decision_maker", "influencer", "user", "billing", "technical", "other"}}}, "role"),
		Response: dcSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Role string `json:"role"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			dc, err := s.SetContactRole(r.Context(), p, api.PathID(r, "id"), api.PathID(r, "contact_id"), in.Role)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, dc)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/deals/{id}/stage_history", ID: "deal_stage_history", Tag: "deals",
		Summary:  "When the deal entered each stage and how long it stayed (seconds; up to now for the current stage)",
		Response: listOf(api.Schema{"type": "object", "properties": api.Schema{"stage_id": strS, "stage_name": strS, "entered_at": strS, "left_at": strS, "entered_by": strS, "seconds": intS}}),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			h, err := s.StageHistory(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": h})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/leads/{id}/convert", ID: "convert_lead", Tag: "leads",
		Summary: "Convert a lead into an account, a contact and a deal in one step",
		Description: "Without account_id / contact_id the duplicate checker looks for the lead's company and person and links to the best match (new_account / new_contact force new records). " +
			"The lead's activities are linked to the account, contact and deal; the lead keeps its history and points at what it became.",
		Body: obj(api.Schema{"account_id": strS, "contact_id": strS, "new_account": boolS, "new_contact": boolS, "no_deal": boolS,
			"deal": obj(api.Schema{"name": strS, "amount": api.Schema{"type": "string"}, "currency": strS, "close_date": api.Schema{"type": "string", "format": "date"}, "stage_id": strS})}),
		Response: api.Schema{"type": "object", "properties": api.Schema{"account_id": strS, "account_created": boolS, "contact_id": strS, "contact_created": boolS, "deal_id": strS, "activities_moved": intS}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in ConvertInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			res, err := s.Convert(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, res)
			return nil
		}})
	ruleSchema := api.Schema{"type": "object", "properties": api.Schema{"id": strS, "kind": api.Schema{"type": "string", "enum": []string{"fit", "engagement"}}, "field": strS,
		"operator": api.Schema{"type": "string", "enum": []string{"eq", "neq", "contains", "filled", "empty", ""}}, "value": strS, "points": intS, "position": intS, "created_at": strS}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/lead_score_rules", ID: "list_lead_score_rules", Tag: "leads", Summary: "The lead scoring rules", Response: listOf(ruleSchema),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			rs, err := s.ScoreRules(r.Context(), p)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": rs})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/lead_score_rules", ID: "create_lead_score_rule", Tag: "leads", Status: 201,
		Summary:     "Add a scoring rule (admins); every lead is rescored",
		Description: "fit: points when the lead's field matches (eq, neq, contains, filled, empty); engagement: points per activity of a type (field: any, note, task, call, meeting, email) linked to the lead.",
		Body: obj(api.Schema{"kind": api.Schema{"type": "string", "enum": []string{"fit", "engagement"}}, "field": strS, "operator": strS, "value": strS,
			"points": api.Schema{"type": "integer", "minimum": -1000, "maximum": 1000}}, "kind", "points"),
		Response: ruleSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in ScoreRuleInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rule, err := s.CreateScoreRule(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, rule)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/lead_score_rules/{id}", ID: "delete_lead_score_rule", Tag: "leads", Status: 204, Summary: "Remove a scoring rule (admins); every lead is rescored",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.DeleteScoreRule(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	assignSchema := api.Schema{"type": "object", "properties": api.Schema{"id": strS, "field": strS, "value": strS, "user_id": strS, "team_id": strS, "position": intS, "created_at": strS}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/lead_assignment_rules", ID: "list_lead_assignment_rules", Tag: "leads", Summary: "The lead assignment rules, first match wins", Response: listOf(assignSchema),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			rs, err := s.AssignmentRules(r.Context(), p)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": rs})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/lead_assignment_rules", ID: "create_lead_assignment_rule", Tag: "leads", Status: 201,
		Summary:     "Add an assignment rule at the end (admins)",
		Description: "New leads that their creator leaves with themselves go to the owner the first matching rule names: a user, or round-robin among a team's active members. A rule without a field matches every lead.",
		Body:        obj(api.Schema{"field": api.Schema{"type": "string", "enum": []string{"", "country", "industry", "source", "campaign", "city"}}, "value": strS, "user_id": strS, "team_id": strS}),
		Response:    assignSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in AssignmentRuleInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rule, err := s.CreateAssignmentRule(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, rule)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/lead_assignment_rules/{id}", ID: "delete_lead_assignment_rule", Tag: "leads", Status: 204, Summary: "Remove an assignment rule (admins)",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.DeleteAssignmentRule(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/forecast", ID: "forecast", Tag: "forecast",
		Summary: "The forecast per month or quarter and per owner or team: closed won, commit, best case, pipeline, weighted pipeline, quota and attainment",
		Params: []api.Param{{Name: "period", In: "query", Schema: api.Schema{"type": "string", "enum": []string{"month", "quarter"}}},
			{Name: "from", In: "query", Description: "first period: 2026-01, or 2026-Q1 with period=quarter"},
			{Name: "periods", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 12, "default": 3}},
			{Name: "group_by", In: "query", Schema: api.Schema{"type": "string", "enum": []string{"owner", "team"}}},
			{Name: "pipeline_id", In: "query"}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"currency": strS, "period": strS, "group_by": strS, "periods": strs,
			"rows":   api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"id": strS, "name": strS, "periods": api.Schema{"type": "array", "items": figuresSchema}}}},
			"totals": api.Schema{"type": "array", "items": figuresSchema}, "unconverted": api.Schema{"type": "object", "additionalProperties": strS}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			q, err := ForecastQueryFrom(r)
			if err != nil {
				return err
			}
			f, err := s.Forecast(r.Context(), p, q)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, f)
			return nil
		}})
	quotaSchema := api.Schema{"type": "object", "properties": api.Schema{"id": strS, "user_id": strS, "month": strS, "amount": moneyS}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/quotas", ID: "list_quotas", Tag: "forecast", Summary: "Sales quotas per user and month (in the workspace currency)",
		Params:   []api.Param{{Name: "year", In: "query", Schema: api.Schema{"type": "string", "pattern": "^[0-9]{4}$"}}},
		Response: listOf(quotaSchema),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			y := vals.Get("year")
			if n, err := strconv.Atoi(y); y != "" && (err != nil || n < 1900 || n > 9999 || len(y) != 4) {
				return errs.Field("query.year", "must be a year like 2026")
			}
			qs, err := s.Quotas(r.Context(), p, y)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": qs})
			return nil
		}})
	a.Handle(api.Op{Method: "PUT", Path: "/api/v1/quotas", ID: "set_quota", Tag: "forecast", Summary: "Set a user's quota for a month (admins); amount 0 removes it",
		Body:     obj(api.Schema{"user_id": strS, "month": api.Schema{"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "amount": api.Schema{"type": "string"}}, "user_id", "month", "amount"),
		Response: quotaSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in QuotaInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			q, err := s.SetQuota(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, q)
			return nil
		}})
}

// BoardFilterFrom reads a board filter from a request's query.
func BoardFilterFrom(r *http.Request) (BoardFilter, error) {
	vals, err := api.Query(r)
	if err != nil {
		return BoardFilter{}, err
	}
	f := BoardFilter{OwnerID: vals.Get("owner_id"), AccountID: vals.Get("account_id"), Q: vals.Get("q"), CloseFrom: vals.Get("close_from"), CloseTo: vals.Get("close_to")}
	if l := vals.Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 {
			return f, errs.Field("query.limit", "must be between 1 and 500")
		}
	}
	return f, f.Validate()
}

// ForecastQueryFrom reads a forecast query from a request's query.
func ForecastQueryFrom(r *http.Request) (ForecastQuery, error) {
	vals, err := api.Query(r)
	if err != nil {
		return ForecastQuery{}, err
	}
	q := ForecastQuery{Period: vals.Get("period"), From: vals.Get("from"), GroupBy: vals.Get("group_by"), PipelineID: vals.Get("pipeline_id")}
	if n := vals.Get("periods"); n != "" {
		if q.Periods, err = strconv.Atoi(n); err != nil || q.Periods < 1 {
			return q, errs.Field("query.periods", "must be between 1 and 12")
		}
	}
	return q, nil
}

// writeRecord answers with a record as the engine's API does.
func (s *Service) writeRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal, object string, rec *records.Record) error {
	if rec.Object == "" {
		rec.Object = object
	}
	return s.Records.WriteRecord(w, r, p, rec, http.StatusOK)
}
