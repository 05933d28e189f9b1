package sales

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// Stage is one step of a pipeline.
type Stage struct {
	ID             string   `json:"id"`
	PipelineID     string   `json:"pipeline_id"`
	Name           string   `json:"name"`
	Position       int      `json:"position"`
	Probability    int      `json:"probability"`
	IsWon          bool     `json:"is_won"`
	IsLost         bool     `json:"is_lost"`
	RequiredFields []string `json:"required_fields"`
}

// Status is the deal status a deal in the stage has.
func (st *Stage) Status() string {
	switch {
	case st.IsWon:
		return DealWon
	case st.IsLost:
		return DealLost
	}
	return DealOpen
}

// Pipeline is a sales process: ordered stages a deal moves through.
type Pipeline struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	IsDefault bool      `json:"is_default"`
	Stages    []*Stage  `json:"stages"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Stage returns the pipeline's stage with id.
func (pl *Pipeline) Stage(id string) (*Stage, bool) {
	for _, s := range pl.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// StageInput is one stage of a PipelineInput; a stage with the id of an
// existing stage updates it, one without is new.
type StageInput struct {
	ID             string   `json:"id,omitempty"`
	Name           string   `json:"name"`
	Probability    *int     `json:"probability"`
	IsWon          bool     `json:"is_won"`
	IsLost         bool     `json:"is_lost"`
	RequiredFields []string `json:"required_fields"`
}

// PipelineInput creates a pipeline or replaces one's name and stages.
// The stages come in their order; stages left out are removed (refused
// while deals are in them).
type PipelineInput struct {
	Name      *string       `json:"name"`
	IsDefault *bool         `json:"is_default"`
	Stages    *[]StageInput `json:"stages"`
}

// validate checks the input; dealFields are the names a stage may
// require.
func (in *PipelineInput) validate(creating bool, dealFields []string) error {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
		if n == "" || utf8.RuneCountInString(n) > 100 {
			add("name", "is required and must be at most 100 characters")
		}
	} else if creating {
		add("name", "is required")
	}
	if in.Stages == nil && creating {
		add("stages", "must list at least one stage")
	}
	if in.Stages != nil {
		st := *in.Stages
		if len(st) == 0 || len(st) > 30 {
			add("stages", "must list between 1 and 30 stages")
		}
		seen := map[string]bool{}
		open := 0
		for i := range st {
			s := &st[i]
			at := fmt.Sprintf("stages[%d].", i)
			s.Name = strings.TrimSpace(s.Name)
			if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
				add(at+"name", "is required and must be at most 100 characters")
			} else if seen[strings.ToLower(s.Name)] {
				add(at+"name", "is used by another stage of the pipeline")
			}
			seen[strings.ToLower(s.Name)] = true
			if s.ID != "" {
				if _, err := uuid.Parse(s.ID); err != nil {
					add(at+"id", "names no stage of this pipeline")
				}
			}
			if s.IsWon && s.IsLost {
				add(at+"is_lost", "a stage cannot be both won and lost")
			}
			if s.Probability == nil {
				p := 0
				switch {
				case s.IsWon:
					p = 100
				case !s.IsLost:
					p = min(90, 10*(i+1))
				}
				s.Probability = &p
			}
			if *s.Probability < 0 || *s.Probability > 100 {
				add(at+"probability", "must be between 0 and 100")
			}
			if !s.IsWon && !s.IsLost {
				open++
			}
			if s.RequiredFields == nil {
				s.RequiredFields = []string{}
			}
			for j, f := range s.RequiredFields {
				if !slices.Contains(dealFields, f) {
					add(fmt.Sprintf("%srequired_fields[%d]", at, j), "names no field of deals that a user can fill")
				}
			}
		}
		if len(st) > 0 && open == 0 {
			add("stages", "must include at least one open stage (neither won nor lost)")
		}
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// Service is the sales module: pipelines, deals, leads and the
// forecast.
type Service struct {
	DB      *db.DB
	Records *records.Engine
	Money   *money.Service
	// Customers finds the account and contact a lead converts into.
	Customers *customers.Service
	Now       func() time.Time
}

// dealFieldNames are the deal fields a stage may require: every
// writable standard field and the workspace's custom fields.
func (s *Service) dealFieldNames(ctx context.Context, q db.Querier, ws string) ([]string, error) {
	o, err := s.Records.Object("deals")
	if err != nil {
		return nil, err
	}
	fields, err := s.Records.Fields(ctx, q, ws, o)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range fields {
		if !f.ReadOnly && !f.System && f.Name != "stage_id" && f.Name != "owner_id" {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

// canReadDeals is what reading pipelines needs: they are the frame of
// the deals a user sees.
func canReadDeals(p *auth.Principal) error {
	if !p.Can("deals", auth.ActRead) {
		return errs.E(errs.Forbidden, "You may not read deals.")
	}
	return nil
}

func requireAdmin(p *auth.Principal) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change pipelines.")
	}
	return nil
}

// Pipelines returns the workspace's pipelines with their stages, the
// default first. A workspace without any gets the standard one.
func (s *Service) Pipelines(ctx context.Context, p *auth.Principal) ([]*Pipeline, error) {
	if err := canReadDeals(p); err != nil {
		return nil, err
	}
	pls, err := s.loadPipelines(ctx, s.DB, p.WorkspaceID)
	if err != nil || len(pls) > 0 {
		return pls, err
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := s.ensureDefault(ctx, tx, p.WorkspaceID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.loadPipelines(ctx, s.DB, p.WorkspaceID)
}

// Pipeline returns one pipeline.
func (s *Service) Pipeline(ctx context.Context, p *auth.Principal, id string) (*Pipeline, error) {
	pls, err := s.Pipelines(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, pl := range pls {
		if pl.ID == id {
			return pl, nil
		}
	}
	return nil, errs.ErrNotFound
}

func (s *Service) loadPipelines(ctx context.Context, q db.Querier, ws string) ([]*Pipeline, error) {
	rows, err := q.Query(ctx, "SELECT id, name, position, is_default, created_at, updated_at FROM pipelines WHERE workspace_id = ? ORDER BY is_default DESC, position, lower(name)", ws)
	if err != nil {
		return nil, fmt.Errorf("list pipelines: %w", err)
	}
	defer rows.Close()
	var out []*Pipeline
	by := map[string]*Pipeline{}
	for rows.Next() {
		var pl Pipeline
		var c, u db.Time
		if err := rows.Scan(&pl.ID, &pl.Name, &pl.Position, &pl.IsDefault, &c, &u); err != nil {
			return nil, fmt.Errorf("list pipelines: %w", err)
		}
		pl.CreatedAt, pl.UpdatedAt, pl.Stages = c.Time, u.Time, []*Stage{}
		out = append(out, &pl)
		by[pl.ID] = &pl
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	srows, err := q.Query(ctx, "SELECT id, pipeline_id, name, position, probability, is_won, is_lost, required_fields FROM pipeline_stages WHERE workspace_id = ? ORDER BY pipeline_id, position", ws)
	if err != nil {
		return nil, fmt.Errorf("list stages: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var st Stage
		var req string
		if err := srows.Scan(&st.ID, &st.PipelineID, &st.Name, &st.Position, &st.Probability, &st.IsWon, &st.IsLost, &req); err != nil {
			return nil, fmt.Errorf("list stages: %w", err)
		}
		st.RequiredFields = []string{}
		_ = json.Unmarshal([]byte(req), &st.RequiredFields)
		if pl := by[st.PipelineID]; pl != nil {
			pl.Stages = append(pl.Stages, &st)
		}
	}
	return out, srows.Err()
}

// stageByID reads one stage of the workspace inside tx.
func (s *Service) stageByID(ctx context.Context, q db.Querier, ws, id string) (*Stage, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errs.ErrNotFound
	}
	var st Stage
	var req string
	err := q.QueryRow(ctx, "SELECT id, pipeline_id, name, position, probability, is_won, is_lost, required_fields FROM pipeline_stages WHERE workspace_id = ? AND id = ?", ws, id).
		Scan(&st.ID, &st.PipelineID, &st.Name, &st.Position, &st.Probability, &st.IsWon, &st.IsLost, &req)
	if err != nil {
		return nil, db.MapError(err)
	}
	st.RequiredFields = []string{}
	_ = json.Unmarshal([]byte(req), &st.RequiredFields)
	return &st, nil
}

// defaultStage returns the first open stage of the default pipeline,
// creating the standard pipeline when the workspace has none.
func (s *Service) defaultStage(ctx context.Context, tx *db.Tx, ws string) (*Stage, error) {
	pid, err := s.ensureDefault(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	var id string
	if err := tx.QueryRow(ctx, "SELECT id FROM pipeline_stages WHERE workspace_id = ? AND pipeline_id = ? AND is_won = ? AND is_lost = ? ORDER BY position LIMIT 1", ws, pid, false, false).Scan(&id); err != nil {
		return nil, fmt.Errorf("default stage: %w", db.MapError(err))
	}
	return s.stageByID(ctx, tx, ws, id)
}

// standardStages are the stages of the pipeline a workspace starts with,
// named in its language.
var standardStages = []struct {
	names       map[string]string
	probability int
	won, lost   bool
	required    []string
}{
	{map[string]string{"en": "Qualification", "es": "Cualificación", "zh": "资格确认"}, 10, false, false, nil},
	{map[string]string{"en": "Needs analysis", "es": "Análisis de necesidades", "zh": "需求分析"}, 25, false, false, nil},
	{map[string]string{"en": "Proposal", "es": "Propuesta", "zh": "方案报价"}, 50, false, false, []string{"amount"}},
	{map[string]string{"en": "Negotiation", "es": "Negociación", "zh": "商务谈判"}, 75, false, false, []string{"amount", "close_date"}},
	{map[string]string{"en": "Closed won", "es": "Ganada", "zh": "赢单"}, 100, true, false, []string{"amount"}},
	{map[string]string{"en": "Closed lost", "es": "Perdida", "zh": "输单"}, 0, false, true, []string{"loss_reason"}},
}

// ensureDefault returns the id of the default pipeline, creating the
// standard one when the workspace has no pipeline.
func (s *Service) ensureDefault(ctx context.Context, tx *db.Tx, ws string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT id FROM pipelines WHERE workspace_id = ? ORDER BY is_default DESC, position LIMIT 1", ws).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errs.Is(db.MapError(err), errs.NotFound) {
		return "", fmt.Errorf("default pipeline: %w", err)
	}
	var lang string
	if err := tx.QueryRow(ctx, "SELECT language FROM workspaces WHERE id = ?", ws).Scan(&lang); err != nil {
		return "", fmt.Errorf("default pipeline: %w", err)
	}
	names := map[string]string{"en": "Sales", "es": "Ventas", "zh": "销售"}
	name := names[lang]
	if name == "" {
		name, lang = names["en"], "en"
	}
	now := db.T(s.Now())
	id = records.NewID()
	if _, err := tx.Exec(ctx, "INSERT INTO pipelines (id, workspace_id, name, position, is_default, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)", id, ws, name, true, now, now); err != nil {
		return "", fmt.Errorf("default pipeline: %w", db.MapError(err))
	}
	for i, st := range standardStages {
		req, _ := json.Marshal(append([]string{}, st.required...))
		if _, err := tx.Exec(ctx, "INSERT INTO pipeline_stages (id, workspace_id, pipeline_id, name, position, probability, is_won, is_lost, required_fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			records.NewID(), ws, id, st.names[lang], i, st.probability, st.won, st.lost, string(req), now); err != nil {
			return "", fmt.Errorf("default pipeline: %w", db.MapError(err))
		}
	}
	return id, nil
}

// CreatePipeline adds a pipeline (admins).
func (s *Service) CreatePipeline(ctx context.Context, p *auth.Principal, in PipelineInput) (*Pipeline, error) {
	if err := requireAdmin(p); err != nil {
		return nil, err
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := s.ensureDefault(ctx, tx, p.WorkspaceID); err != nil {
		return nil, err
	}
	names, err := s.dealFieldNames(ctx, tx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if err := in.validate(true, names); err != nil {
		return nil, err
	}
	id := records.NewID()
	now := db.T(s.Now())
	var pos int
	_ = tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM pipelines WHERE workspace_id = ?", p.WorkspaceID).Scan(&pos)
	if _, err := tx.Exec(ctx, "INSERT INTO pipelines (id, workspace_id, name, position, is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id, p.WorkspaceID, *in.Name, pos, false, now, now); err != nil {
		return nil, nameConflict(db.MapError(err))
	}
	if err := s.saveStages(ctx, tx, p.WorkspaceID, id, *in.Stages); err != nil {
		return nil, err
	}
	if in.IsDefault != nil && *in.IsDefault {
		if err := setDefault(ctx, tx, p.WorkspaceID, id); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Pipeline(ctx, p, id)
}

func nameConflict(err error) error {
	if errs.Is(err, errs.Conflict) {
		return &errs.Error{Code: errs.Conflict, Message: "Another pipeline has this name.", Fields: []errs.FieldError{{Location: "body.name", Message: "is used by another pipeline"}}, Err: err}
	}
	return err
}

func setDefault(ctx context.Context, tx *db.Tx, ws, id string) error {
	if _, err := tx.Exec(ctx, "UPDATE pipelines SET is_default = (id = ?) WHERE workspace_id = ?", id, ws); err != nil {
		return fmt.Errorf("default pipeline: %w", err)
	}
	return nil
}

// UpdatePipeline renames a pipeline, makes it the default or replaces
// its stages (admins). Removing a stage that still holds deals is
// refused; renaming one renames it on its deals.
func (s *Service) UpdatePipeline(ctx context.Context, p *auth.Principal, id string, in PipelineInput) (*Pipeline, error) {
	if err := requireAdmin(p); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, errs.ErrNotFound
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM pipelines WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&n); err != nil || n == 0 {
		return nil, errs.ErrNotFound
	}
	names, err := s.dealFieldNames(ctx, tx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if err := in.validate(false, names); err != nil {
		return nil, err
	}
	if in.Name != nil {
		if _, err := tx.Exec(ctx, "UPDATE pipelines SET name = ?, updated_at = ? WHERE workspace_id = ? AND id = ?", *in.Name, db.T(s.Now()), p.WorkspaceID, id); err != nil {
			return nil, nameConflict(db.MapError(err))
		}
	}
	if in.Stages != nil {
		if err := s.saveStages(ctx, tx, p.WorkspaceID, id, *in.Stages); err != nil {
			return nil, err
		}
	}
	if in.IsDefault != nil && *in.IsDefault {
		if err := setDefault(ctx, tx, p.WorkspaceID, id); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Pipeline(ctx, p, id)
}

// saveStages makes the pipeline's stages those of in, in that order.
func (s *Service) saveStages(ctx context.Context, tx *db.Tx, ws, pid string, in []StageInput) error {
	cur, err := tx.Query(ctx, "SELECT id, name FROM pipeline_stages WHERE workspace_id = ? AND pipeline_id = ?", ws, pid)
	if err != nil {
		return err
	}
	existing := map[string]string{}
	for cur.Next() {
		var id, name string
		if err := cur.Scan(&id, &name); err != nil {
			cur.Close()
			return err
		}
		existing[id] = name
	}
	cur.Close()
	if err := cur.Err(); err != nil {
		return err
	}
	keep := map[string]bool{}
	for i, st := range in {
		if st.ID == "" {
			continue
		}
		if _, ok := existing[st.ID]; !ok {
			return errs.Field(fmt.Sprintf("body.stages[%d].id", i), "names no stage of this pipeline")
		}
		keep[st.ID] = true
	}
	now := db.T(s.Now())
	for id := range existing {
		if keep[id] {
			continue
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM deals WHERE workspace_id = ? AND stage_id = ?", ws, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "The stage %q still holds %d deals (some may be in the trash): move them to another stage before removing it.", existing[id], n)
		}
		if _, err := tx.Exec(ctx, "UPDATE deal_stage_history SET stage_id = NULL WHERE workspace_id = ? AND stage_id = ?", ws, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM pipeline_stages WHERE workspace_id = ? AND id = ?", ws, id); err != nil {
			return fmt.Errorf("remove stage: %w", db.MapError(err))
		}
	}
	// Positions go out of the way first so the new order never collides.
	if _, err := tx.Exec(ctx, "UPDATE pipeline_stages SET position = position + 1000 WHERE workspace_id = ? AND pipeline_id = ?", ws, pid); err != nil {
		return err
	}
	for i, st := range in {
		req, _ := json.Marshal(st.RequiredFields)
		if st.ID == "" {
			if _, err := tx.Exec(ctx, "INSERT INTO pipeline_stages (id, workspace_id, pipeline_id, name, position, probability, is_won, is_lost, required_fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				records.NewID(), ws, pid, st.Name, i, *st.Probability, st.IsWon, st.IsLost, string(req), now); err != nil {
				return fmt.Errorf("add stage: %w", db.MapError(err))
			}
			continue
		}
		if _, err := tx.Exec(ctx, "UPDATE pipeline_stages SET name = ?, position = ?, probability = ?, is_won = ?, is_lost = ?, required_fields = ? WHERE workspace_id = ? AND id = ?",
			st.Name, i, *st.Probability, st.IsWon, st.IsLost, string(req), ws, st.ID); err != nil {
			return fmt.Errorf("update stage: %w", db.MapError(err))
		}
		if existing[st.ID] != st.Name {
			if _, err := tx.Exec(ctx, "UPDATE deals SET stage_name = ? WHERE workspace_id = ? AND stage_id = ?", st.Name, ws, st.ID); err != nil {
				return fmt.Errorf("rename stage on deals: %w", err)
			}
		}
	}
	return nil
}

// DeletePipeline removes a pipeline (admins); refused while it holds
// deals or when it is the only one.
func (s *Service) DeletePipeline(ctx context.Context, p *auth.Principal, id string) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var isDefault bool
	if err := tx.QueryRow(ctx, "SELECT is_default FROM pipelines WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&isDefault); err != nil {
		return db.MapError(err)
	}
	var deals, others int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM deals WHERE workspace_id = ? AND pipeline_id = ?", p.WorkspaceID, id).Scan(&deals); err != nil {
		return err
	}
	if deals > 0 {
		return errs.E(errs.Conflict, "The pipeline still holds %d deals (some may be in the trash): move them to another pipeline first.", deals)
	}
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM pipelines WHERE workspace_id = ? AND id <> ?", p.WorkspaceID, id).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return errs.E(errs.Conflict, "A workspace keeps at least one pipeline.")
	}
	if _, err := tx.Exec(ctx, "DELETE FROM pipelines WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id); err != nil {
		return fmt.Errorf("delete pipeline: %w", db.MapError(err))
	}
	if isDefault {
		if _, err := tx.Exec(ctx, "UPDATE pipelines SET is_default = ? WHERE workspace_id = ? AND id = (SELECT id FROM pipelines WHERE workspace_id = ? ORDER BY position LIMIT 1)", true, p.WorkspaceID, p.WorkspaceID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// StageName returns the name of a stage of the caller's workspace.
func (s *Service) StageName(ctx context.Context, p *auth.Principal, id string) (string, error) {
	st, err := s.stageByID(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return "", err
	}
	return st.Name, nil
}
