package sales

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Register registers leads and deals on the engine with their rules.
func (s *Service) Register(e *records.Engine) {
	d := *Deals
	d.Hooks = records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.beforeDeal(ctx, tx, p, nil, r)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return s.beforeDeal(ctx, tx, p, old, r)
		},
		AfterCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.enterStage(ctx, tx, p, r)
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			if str(old, "stage_id") == str(r, "stage_id") {
				return nil
			}
			return s.enterStage(ctx, tx, p, r)
		},
	}
	searchHooks(&d.Hooks, "deals")
	e.Register(&d)
	l := *Leads
	l.Hooks = records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.beforeLead(ctx, tx, p, nil, r)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return s.beforeLead(ctx, tx, p, old, r)
		},
	}
	searchHooks(&l.Hooks, "leads")
	e.Register(&l)
	if a, err := e.Object("activities"); err == nil {
		s.chainActivityHooks(a)
	}
	// A merge of accounts or contacts moves their deals and leads to the
	// surviving record.
	if a, err := e.Object("accounts"); err == nil {
		a.Incoming = append(a.Incoming,
			records.Incoming{Table: "deals", Column: "account_id", Object: "deals", Field: "account_id"},
			records.Incoming{Table: "leads", Column: "account_id", Object: "leads", Field: "account_id"})
	}
	if c, err := e.Object("contacts"); err == nil {
		c.Incoming = append(c.Incoming,
			records.Incoming{Table: "deal_contacts", Column: "contact_id", Unique: []string{"deal_id"}},
			records.Incoming{Table: "leads", Column: "contact_id", Object: "leads", Field: "contact_id"})
	}
}

// chainActivityHooks rescores the leads an activity is linked to when
// the activity is written: engagement points follow the activities.
func (s *Service) chainActivityHooks(a *records.Object) {
	h := &a.Hooks
	rescore := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		return s.RescoreLeadsOf(ctx, tx, p.WorkspaceID, r.ID)
	}
	chain := func(prev func(context.Context, *db.Tx, *auth.Principal, *records.Record) error) func(context.Context, *db.Tx, *auth.Principal, *records.Record) error {
		return func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if prev != nil {
				if err := prev(ctx, tx, p, r); err != nil {
					return err
				}
			}
			return rescore(ctx, tx, p, r)
		}
	}
	h.AfterCreate, h.AfterDelete, h.AfterRestore = chain(h.AfterCreate), chain(h.AfterDelete), chain(h.AfterRestore)
	prevUpdate := h.AfterUpdate
	h.AfterUpdate = func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if prevUpdate != nil {
			if err := prevUpdate(ctx, tx, p, old, r); err != nil {
				return err
			}
		}
		// Unlinked leads lose the points too.
		ids, _ := old.Values["lead_ids"].([]string)
		for _, id := range ids {
			if err := s.rescoreLead(ctx, tx, p.WorkspaceID, id); err != nil {
				return err
			}
		}
		return rescore(ctx, tx, p, r)
	}
	if prevBatch := h.AfterCreateBatch; prevBatch != nil {
		h.AfterCreateBatch = func(ctx context.Context, tx *db.Tx, p *auth.Principal, rs []*records.Record) error {
			if err := prevBatch(ctx, tx, p, rs); err != nil {
				return err
			}
			for _, r := range rs {
				if err := rescore(ctx, tx, p, r); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

func str(r *records.Record, name string) string {
	if r == nil {
		return ""
	}
	s, _ := r.Values[name].(string)
	return s
}

// empty reports whether a field of r holds no value.
func empty(r *records.Record, name string) bool {
	switch v := r.Values[name].(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	case records.MoneyValue:
		return v.Amount == ""
	}
	return false
}

// beforeDeal applies the stage rules: the stage names the pipeline, the
// status and (unless the caller set it) the probability; entering a
// stage needs the fields the stage requires.
func (s *Service) beforeDeal(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
	var st *Stage
	var err error
	if id := str(r, "stage_id"); id == "" {
		if old != nil {
			return errs.Field("body.stage_id", "is required")
		}
		if st, err = s.defaultStage(ctx, tx, p.WorkspaceID); err != nil {
			return err
		}
	} else if st, err = s.stageByID(ctx, tx, p.WorkspaceID, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Field("body.stage_id", "names no pipeline stage of this workspace")
		}
		return err
	}
	if p, ok := r.Values["probability"].(int64); ok && (p < 0 || p > 100) {
		return errs.Field("body.probability", "must be between 0 and 100")
	}
	r.Values["stage_id"], r.Values["pipeline_id"], r.Values["stage_name"] = st.ID, st.PipelineID, st.Name
	if old == nil && r.Values["amount_from_lines"] == nil {
		// A new deal's amount follows its products once it has some.
		r.Values["amount_from_lines"] = true
	}
	changed := old == nil || str(old, "stage_id") != st.ID
	if !changed {
		return nil
	}
	var fe []errs.FieldError
	for _, f := range st.RequiredFields {
		if empty(r, f) {
			fe = append(fe, errs.FieldError{Location: "body." + f, Message: fmt.Sprintf("is required to enter the stage %q", st.Name)})
		}
	}
	if len(fe) > 0 {
		return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("The stage %q needs more information before a deal can enter it.", st.Name), Fields: fe}
	}
	now := s.Now().UTC()
	r.Values["stage_entered_at"] = now.Format(time.RFC3339)
	if old == nil && r.Values["probability"] == nil {
		r.Values["probability"] = int64(st.Probability)
	} else if old != nil && r.Values["probability"] == old.Values["probability"] {
		r.Values["probability"] = int64(st.Probability)
	}
	status := st.Status()
	prev := str(old, "status")
	r.Values["status"] = status
	switch {
	case status != DealOpen && prev != status:
		r.Values["closed_at"] = now.Format(time.RFC3339)
		if empty(r, "close_date") {
			r.Values["close_date"] = now.Format("2006-01-02")
		}
	case status == DealOpen:
		r.Values["closed_at"] = nil
	}
	if r.Values["forecast_category"] == nil {
		r.Values["forecast_category"] = CatPipeline
	}
	return nil
}

// enterStage closes the deal's open stage-history row and opens one for
// its new stage.
func (s *Service) enterStage(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	now := db.T(s.Now())
	if _, err := tx.Exec(ctx, "UPDATE deal_stage_history SET left_at = ? WHERE workspace_id = ? AND deal_id = ? AND left_at IS NULL", now, p.WorkspaceID, r.ID); err != nil {
		return fmt.Errorf("stage history: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO deal_stage_history (id, workspace_id, deal_id, stage_id, stage_name, entered_at, entered_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
		records.NewID(), p.WorkspaceID, r.ID, str(r, "stage_id"), str(r, "stage_name"), now, nullID(p.UserID)); err != nil {
		return fmt.Errorf("stage history: %w", err)
	}
	return nil
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// StageVisit is one stay of a deal in a stage.
type StageVisit struct {
	StageID   string     `json:"stage_id,omitempty"`
	StageName string     `json:"stage_name"`
	EnteredAt time.Time  `json:"entered_at"`
	LeftAt    *time.Time `json:"left_at,omitempty"`
	EnteredBy string     `json:"entered_by,omitempty"`
	// Seconds is how long the deal stayed, up to now for the current
	// stage.
	Seconds int64 `json:"seconds"`
}

// StageHistory returns when the deal entered each stage and how long it
// stayed, oldest first.
func (s *Service) StageHistory(ctx context.Context, p *auth.Principal, dealID string) ([]StageVisit, error) {
	if _, err := s.Records.Get(ctx, p, "deals", dealID, records.GetOptions{}); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, "SELECT stage_id, stage_name, entered_at, left_at, entered_by FROM deal_stage_history WHERE workspace_id = ? AND deal_id = ? ORDER BY entered_at, id", p.WorkspaceID, dealID)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	defer rows.Close()
	now := s.Now()
	out := []StageVisit{}
	for rows.Next() {
		var v StageVisit
		var sid, by any
		var in db.Time
		var left db.Time
		if err := rows.Scan(&sid, &v.StageName, &in, &left, &by); err != nil {
			return nil, fmt.Errorf("stage history: %w", err)
		}
		v.StageID, v.EnteredBy, v.EnteredAt = db.IDText(sid), db.IDText(by), in.Time
		end := now
		if !left.IsZero() {
			t := left.Time
			v.LeftAt, end = &t, t
		}
		v.Seconds = int64(end.Sub(v.EnteredAt) / time.Second)
		out = append(out, v)
	}
	return out, rows.Err()
}

// MoveInput moves a deal to another stage, with values for fields the
// stage requires.
type MoveInput struct {
	StageID string         `json:"stage_id"`
	Values  map[string]any `json:"values,omitempty"`
}

// Move moves a deal to a stage (the board's drop), checking the stage's
// rules; ifMatch, when set, must be the deal's ETag.
func (s *Service) Move(ctx context.Context, p *auth.Principal, id, ifMatch string, in MoveInput) (*records.Record, error) {
	if in.StageID == "" {
		return nil, errs.Field("body.stage_id", "is required")
	}
	upd := records.Input{}
	for k, v := range in.Values {
		if k == "stage_id" {
			continue
		}
		upd[k] = v
	}
	upd["stage_id"] = in.StageID
	r, err := s.Records.Update(ctx, p, "deals", id, ifMatch, upd)
	if e, ok := errs.As(err); ok {
		// Field errors of the values are under body.values.
		for i := range e.Fields {
			if name, cut := strings.CutPrefix(e.Fields[i].Location, "body."); cut && name != "stage_id" {
				if _, given := in.Values[name]; given {
					e.Fields[i].Location = "body.values." + name
				}
			}
		}
	}
	return r, err
}

// WinDealTx moves a deal to the won stage of its pipeline (the first, by
// position, when it has several) inside tx, as an update the caller
// makes: the stage's rules, the caller's permission and scope apply. It
// returns the won stage's name; a deal already won stays where it is. It
// returns not_found for a deal the caller cannot reach, forbidden when
// the caller may not change deals, conflict when the pipeline has no won
// stage and invalid when the deal lacks a field the stage requires.
func (s *Service) WinDealTx(ctx context.Context, tx *db.Tx, p *auth.Principal, dealID string) (string, error) {
	d, err := s.Records.GetTx(ctx, tx, p, "deals", dealID)
	if err != nil {
		return "", err
	}
	if str(d, "status") == DealWon {
		return str(d, "stage_name"), nil
	}
	var id, name string
	err = tx.QueryRow(ctx, "SELECT id, name FROM pipeline_stages WHERE workspace_id = ? AND pipeline_id = ? AND is_won = ? ORDER BY position LIMIT 1",
		p.WorkspaceID, str(d, "pipeline_id"), true).Scan(&id, &name)
	if err != nil {
		if errs.Is(db.MapError(err), errs.NotFound) {
			return "", errs.E(errs.Conflict, "The deal's pipeline has no won stage.")
		}
		return "", fmt.Errorf("won stage: %w", err)
	}
	o, err := s.Records.Object("deals")
	if err != nil {
		return "", err
	}
	if _, err := s.Records.UpdateTx(ctx, tx, p, o, dealID, "", records.Input{"stage_id": id}); err != nil {
		return "", err
	}
	return name, nil
}
