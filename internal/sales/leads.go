package sales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// conversionKey marks the context of a lead conversion: only it may set
// a lead's converted status and the records it became.
type conversionKey struct{}

type conversion struct {
	accountID, contactID, dealID string
}

// beforeLead keeps a lead's name, status rules, score and assignment.
func (s *Service) beforeLead(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
	name := strings.TrimSpace(strings.Join(strings.Fields(str(r, "given_name")+" "+str(r, "family_name")), " "))
	if name == "" {
		name = str(r, "company")
	}
	if name == "" {
		name = str(r, "email")
	}
	if name == "" {
		return &errs.Error{Code: errs.Invalid, Message: "A lead needs a name, a company or an e-mail address.",
			Fields: []errs.FieldError{{Location: "body.family_name", Message: "a lead needs a name, a company or an e-mail address"}}}
	}
	r.Values["name"] = name
	conv, converting := ctx.Value(conversionKey{}).(*conversion)
	status := str(r, "status")
	if status == "" {
		status = LeadNew
		r.Values["status"] = status
	}
	switch {
	case converting:
		r.Values["status"] = LeadConverted
		r.Values["converted_at"] = s.Now().UTC().Format(time.RFC3339)
		r.Values["account_id"], r.Values["contact_id"], r.Values["deal_id"] = nilIfEmpty(conv.accountID), nilIfEmpty(conv.contactID), nilIfEmpty(conv.dealID)
	case old != nil && str(old, "status") == LeadConverted && status != LeadConverted:
		return errs.Field("body.status", "a converted lead stays converted")
	case status == LeadConverted && str(old, "status") != LeadConverted:
		return errs.Field("body.status", "is set by converting the lead (POST /api/v1/leads/{id}/convert)")
	case status == LeadDisqualified && empty(r, "disqualify_reason"):
		return errs.Field("body.disqualify_reason", "is required to disqualify a lead")
	case status != LeadDisqualified && !empty(r, "disqualify_reason"):
		r.Values["disqualify_reason"] = nil
	}
	if old == nil && r.OwnerID == p.UserID {
		owner, err := s.assign(ctx, tx, p.WorkspaceID, r)
		if err != nil {
			return err
		}
		if owner != "" {
			r.OwnerID = owner
		}
	}
	id := r.ID
	score, reasons, err := s.score(ctx, tx, p.WorkspaceID, r, id)
	if err != nil {
		return err
	}
	r.Values["score"] = int64(score)
	r.Values["score_reasons"] = nilIfEmpty(reasons)
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ScoreRule gives points to leads: fit rules look at a field of the
// lead, engagement rules count its activities of a type.
type ScoreRule struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`               // fit or engagement
	Field    string    `json:"field,omitempty"`    // fit: a lead field; engagement: an activity type or "any"
	Operator string    `json:"operator,omitempty"` // fit: eq, neq, contains, filled, empty
	Value    string    `json:"value,omitempty"`
	Points   int       `json:"points"`
	Position int       `json:"position"`
	Created  time.Time `json:"created_at"`
}

// ScoreRuleInput creates a scoring rule.
type ScoreRuleInput struct {
	Kind     string `json:"kind"`
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
	Points   int    `json:"points"`
}

var activityTypes = []string{"any", "note", "task", "call", "meeting", "email"}

// scoreFields are the lead fields a fit rule may test.
var scoreFields = []string{"company", "job_title", "email", "phone", "website", "industry", "country", "city", "source", "campaign", "status"}

func (in *ScoreRuleInput) validate() error {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	in.Field, in.Value = strings.TrimSpace(in.Field), strings.TrimSpace(in.Value)
	switch in.Kind {
	case "fit":
		if !slices.Contains(scoreFields, in.Field) {
			add("field", "must be one of "+strings.Join(scoreFields, ", "))
		}
		switch in.Operator {
		case "eq", "neq", "contains":
			if in.Value == "" || len(in.Value) > 200 {
				add("value", "is required and must be at most 200 characters")
			}
		case "filled", "empty":
			in.Value = ""
		default:
			add("operator", "must be eq, neq, contains, filled or empty")
		}
	case "engagement":
		if in.Field == "" {
			in.Field = "any"
		}
		if !slices.Contains(activityTypes, in.Field) {
			add("field", "must be an activity type: any, note, task, call, meeting or email")
		}
		in.Operator, in.Value = "", ""
	default:
		add("kind", "must be fit or engagement")
	}
	if in.Points < -1000 || in.Points > 1000 || in.Points == 0 {
		add("points", "must be between -1000 and 1000 and not 0")
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// ScoreRules lists the workspace's scoring rules.
func (s *Service) ScoreRules(ctx context.Context, p *auth.Principal) ([]ScoreRule, error) {
	if !p.Can("leads", auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read leads.")
	}
	return s.scoreRules(ctx, s.DB, p.WorkspaceID)
}

func (s *Service) scoreRules(ctx context.Context, q db.Querier, ws string) ([]ScoreRule, error) {
	rows, err := q.Query(ctx, "SELECT id, kind, field, operator, value, points, position, created_at FROM lead_score_rules WHERE workspace_id = ? ORDER BY position, created_at", ws)
	if err != nil {
		return nil, fmt.Errorf("score rules: %w", err)
	}
	defer rows.Close()
	out := []ScoreRule{}
	for rows.Next() {
		var r ScoreRule
		var id any
		var at db.Time
		if err := rows.Scan(&id, &r.Kind, &r.Field, &r.Operator, &r.Value, &r.Points, &r.Position, &at); err != nil {
			return nil, fmt.Errorf("score rules: %w", err)
		}
		r.ID, r.Created = db.IDText(id), at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateScoreRule adds a scoring rule (admins) and rescores the leads.
func (s *Service) CreateScoreRule(ctx context.Context, p *auth.Principal, in ScoreRuleInput) (*ScoreRule, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change lead scoring.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	id := records.NewID()
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(ctx, "INSERT INTO lead_score_rules (id, workspace_id, kind, field, operator, value, points, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM lead_score_rules WHERE workspace_id = ?), ?)",
		id, p.WorkspaceID, in.Kind, in.Field, in.Operator, in.Value, in.Points, p.WorkspaceID, db.T(s.Now())); err != nil {
		return nil, fmt.Errorf("create score rule: %w", db.MapError(err))
	}
	if err := s.rescoreAll(ctx, tx, p.WorkspaceID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	rules, err := s.scoreRules(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i], nil
		}
	}
	return nil, errs.ErrNotFound
}

// DeleteScoreRule removes a scoring rule (admins) and rescores the leads.
func (s *Service) DeleteScoreRule(ctx context.Context, p *auth.Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change lead scoring.")
	}
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.Exec(ctx, "DELETE FROM lead_score_rules WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	if err := s.rescoreAll(ctx, tx, p.WorkspaceID); err != nil {
		return err
	}
	return tx.Commit()
}

// rescoreAll recomputes the score of every live lead of the workspace
// (after the rules changed). The score is derived, so no history row.
func (s *Service) rescoreAll(ctx context.Context, tx *db.Tx, ws string) error {
	return s.Records.Scan(ctx, tx, ws, "leads", 500, func(rs []*records.Record) error {
		for _, r := range rs {
			if err := s.rescore(ctx, tx, ws, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) rescore(ctx context.Context, tx *db.Tx, ws string, r *records.Record) error {
	score, reasons, err := s.score(ctx, tx, ws, r, r.ID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE leads SET score = ?, score_reasons = ? WHERE workspace_id = ? AND id = ?", score, nilIfEmpty(reasons), ws, r.ID); err != nil {
		return fmt.Errorf("rescore lead: %w", err)
	}
	return nil
}

// RescoreLeadsOf recomputes the scores of the leads an activity is
// linked to (engagement points follow the activities).
func (s *Service) RescoreLeadsOf(ctx context.Context, tx *db.Tx, ws, activityID string) error {
	rows, err := tx.Query(ctx, "SELECT lead_id FROM activity_leads WHERE workspace_id = ? AND activity_id = ?", ws, activityID)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, db.IDText(id))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.rescoreLead(ctx, tx, ws, id); err != nil {
			return err
		}
	}
	return nil
}

// rescoreLead recomputes one lead's score.
func (s *Service) rescoreLead(ctx context.Context, tx *db.Tx, ws, id string) error {
	r, err := s.leadForScore(ctx, tx, ws, id)
	if err != nil {
		return err
	}
	return s.rescore(ctx, tx, ws, r)
}

// leadForScore reads the fields a score looks at.
func (s *Service) leadForScore(ctx context.Context, tx *db.Tx, ws, id string) (*records.Record, error) {
	cols := strings.Join(scoreFields, ", ")
	vals := make([]any, len(scoreFields))
	ptrs := make([]any, len(scoreFields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := tx.QueryRow(ctx, "SELECT "+cols+" FROM leads WHERE workspace_id = ? AND id = ?", ws, id).Scan(ptrs...); err != nil {
		return nil, db.MapError(err)
	}
	r := &records.Record{ID: id, Values: map[string]any{}}
	for i, f := range scoreFields {
		switch x := vals[i].(type) {
		case string:
			r.Values[f] = x
		case []byte:
			r.Values[f] = string(x)
		}
	}
	return r, nil
}

// score computes a lead's score and the reasons, one per line.
func (s *Service) score(ctx context.Context, q db.Querier, ws string, r *records.Record, id string) (int, string, error) {
	rules, err := s.scoreRules(ctx, q, ws)
	if err != nil || len(rules) == 0 {
		return 0, "", err
	}
	var counts map[string]int
	for _, rule := range rules {
		if rule.Kind == "engagement" {
			if counts, err = s.activityCounts(ctx, q, ws, id); err != nil {
				return 0, "", err
			}
			break
		}
	}
	total, reasons := ScoreLead(rules, r.Values, counts)
	return total, reasons, nil
}

// ScoreLead is the score rules give a lead whose field values are values
// and whose live activities number counts per type (and in all, "any"),
// with the reasons, one per line: what the application stores in a
// lead's score and score_reasons. The demo loader scores its leads with
// it.
func ScoreLead(rules []ScoreRule, values map[string]any, counts map[string]int) (int, string) {
	total := 0
	var lines []string
	for _, rule := range rules {
		switch rule.Kind {
		case "fit":
			v := strings.ToLower(fmt.Sprint(valueText(values[rule.Field])))
			want := strings.ToLower(rule.Value)
			hit := false
			switch rule.Operator {
			case "eq":
				hit = v == want
			case "neq":
				hit = v != want
			case "contains":
				hit = strings.Contains(v, want)
			case "filled":
				hit = v != ""
			case "empty":
				hit = v == ""
			}
			if hit {
				total += rule.Points
				lines = append(lines, fmt.Sprintf("%+d %s %s %s", rule.Points, rule.Field, rule.Operator, rule.Value))
			}
		case "engagement":
			n := counts[rule.Field]
			if n > 0 {
				total += rule.Points * n
				lines = append(lines, fmt.Sprintf("%+d %d × %s", rule.Points*n, n, rule.Field))
			}
		}
	}
	return total, strings.TrimSpace(strings.Join(lines, "\n"))
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	}
	return fmt.Sprint(v)
}

// activityCounts counts the live activities linked to a lead per type,
// and in all ("any").
func (s *Service) activityCounts(ctx context.Context, q db.Querier, ws, leadID string) (map[string]int, error) {
	out := map[string]int{}
	rows, err := q.Query(ctx, "SELECT a.type, COUNT(*) FROM activity_leads l JOIN activities a ON a.workspace_id = l.workspace_id AND a.id = l.activity_id WHERE l.workspace_id = ? AND l.lead_id = ? AND a.deleted_at IS NULL GROUP BY a.type", ws, leadID)
	if err != nil {
		return nil, fmt.Errorf("lead activities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] += n
		out["any"] += n
	}
	return out, rows.Err()
}

// AssignmentRule sends new leads whose field matches a value to a user,
// or round-robin to the members of a team. The first matching rule (by
// position) wins; a rule without a field matches every lead.
type AssignmentRule struct {
	ID       string    `json:"id"`
	Field    string    `json:"field,omitempty"`
	Value    string    `json:"value,omitempty"`
	UserID   string    `json:"user_id,omitempty"`
	TeamID   string    `json:"team_id,omitempty"`
	Position int       `json:"position"`
	Created  time.Time `json:"created_at"`
}

// AssignmentRuleInput creates an assignment rule.
type AssignmentRuleInput struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	UserID string `json:"user_id"`
	TeamID string `json:"team_id"`
}

var assignFields = []string{"country", "industry", "source", "campaign", "city"}

// AssignmentRules lists the workspace's lead assignment rules.
func (s *Service) AssignmentRules(ctx context.Context, p *auth.Principal) ([]AssignmentRule, error) {
	if !p.Can("leads", auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read leads.")
	}
	return s.assignmentRules(ctx, s.DB, p.WorkspaceID)
}

func (s *Service) assignmentRules(ctx context.Context, q db.Querier, ws string) ([]AssignmentRule, error) {
	rows, err := q.Query(ctx, "SELECT id, field, value, user_id, team_id, position, created_at FROM lead_assignment_rules WHERE workspace_id = ? ORDER BY position, created_at", ws)
	if err != nil {
		return nil, fmt.Errorf("assignment rules: %w", err)
	}
	defer rows.Close()
	out := []AssignmentRule{}
	for rows.Next() {
		var r AssignmentRule
		var id, uid, tid any
		var at db.Time
		if err := rows.Scan(&id, &r.Field, &r.Value, &uid, &tid, &r.Position, &at); err != nil {
			return nil, err
		}
		r.ID, r.UserID, r.TeamID, r.Created = db.IDText(id), db.IDText(uid), db.IDText(tid), at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateAssignmentRule adds a rule at the end (admins).
func (s *Service) CreateAssignmentRule(ctx context.Context, p *auth.Principal, in AssignmentRuleInput) (*AssignmentRule, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change lead assignment.")
	}
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	in.Field, in.Value = strings.TrimSpace(in.Field), strings.TrimSpace(in.Value)
	if in.Field != "" && !slices.Contains(assignFields, in.Field) {
		add("field", "must be empty (every lead) or one of "+strings.Join(assignFields, ", "))
	}
	if in.Field != "" && (in.Value == "" || len(in.Value) > 200) {
		add("value", "is required with a field and must be at most 200 characters")
	}
	if (in.UserID == "") == (in.TeamID == "") {
		add("user_id", "name either a user or a team (round-robin)")
	}
	if in.UserID != "" {
		var n int
		if _, err := uuid.Parse(in.UserID); err != nil || s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE workspace_id = ? AND id = ?", p.WorkspaceID, in.UserID).Scan(&n) != nil || n == 0 {
			add("user_id", "names no user of this workspace")
		}
	}
	if in.TeamID != "" {
		var n int
		if _, err := uuid.Parse(in.TeamID); err != nil || s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM teams WHERE workspace_id = ? AND id = ?", p.WorkspaceID, in.TeamID).Scan(&n) != nil || n == 0 {
			add("team_id", "names no team of this workspace")
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	id := records.NewID()
	if _, err := s.DB.Exec(ctx, "INSERT INTO lead_assignment_rules (id, workspace_id, field, value, user_id, team_id, position, created_at) VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM lead_assignment_rules WHERE workspace_id = ?), ?)",
		id, p.WorkspaceID, in.Field, in.Value, nullID(in.UserID), nullID(in.TeamID), p.WorkspaceID, db.T(s.Now())); err != nil {
		return nil, fmt.Errorf("create assignment rule: %w", db.MapError(err))
	}
	rules, err := s.assignmentRules(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i], nil
		}
	}
	return nil, errs.ErrNotFound
}

// DeleteAssignmentRule removes a rule (admins).
func (s *Service) DeleteAssignmentRule(ctx context.Context, p *auth.Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change lead assignment.")
	}
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	res, err := s.DB.Exec(ctx, "DELETE FROM lead_assignment_rules WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// assign returns the owner the first matching rule names for a new lead,
// or "" when none matches.
func (s *Service) assign(ctx context.Context, tx *db.Tx, ws string, r *records.Record) (string, error) {
	rules, err := s.assignmentRules(ctx, tx, ws)
	if err != nil {
		return "", err
	}
	for _, rule := range rules {
		if rule.Field != "" && !strings.EqualFold(valueText(r.Values[rule.Field]), rule.Value) {
			continue
		}
		if rule.UserID != "" {
			return rule.UserID, nil
		}
		u, err := s.roundRobin(ctx, tx, ws, rule.TeamID)
		if err != nil || u != "" {
			return u, err
		}
	}
	return "", nil
}

// roundRobin returns the team's next active member after the one who got
// the last lead, and remembers it.
func (s *Service) roundRobin(ctx context.Context, tx *db.Tx, ws, team string) (string, error) {
	rows, err := tx.Query(ctx, "SELECT u.id FROM team_members m JOIN users u ON u.workspace_id = m.workspace_id AND u.id = m.user_id WHERE m.workspace_id = ? AND m.team_id = ? AND u.active = ? ORDER BY u.id", ws, team, true)
	if err != nil {
		return "", fmt.Errorf("round-robin: %w", err)
	}
	var members []string
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", err
		}
		members = append(members, db.IDText(id))
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(members) == 0 {
		return "", err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO lead_round_robin (workspace_id, team_id, last_user_id) VALUES (?, ?, NULL) ON CONFLICT (workspace_id, team_id) DO NOTHING", ws, team); err != nil {
		return "", err
	}
	// Touching the row first locks it on PostgreSQL, so two leads
	// created at once go to two members.
	if _, err := tx.Exec(ctx, "UPDATE lead_round_robin SET last_user_id = last_user_id WHERE workspace_id = ? AND team_id = ?", ws, team); err != nil {
		return "", err
	}
	var last any
	if err := tx.QueryRow(ctx, "SELECT last_user_id FROM lead_round_robin WHERE workspace_id = ? AND team_id = ?", ws, team).Scan(&last); err != nil {
		return "", err
	}
	next := members[0]
	if i := slices.Index(members, db.IDText(last)); i >= 0 {
		next = members[(i+1)%len(members)]
	}
	if _, err := tx.Exec(ctx, "UPDATE lead_round_robin SET last_user_id = ? WHERE workspace_id = ? AND team_id = ?", next, ws, team); err != nil {
		return "", err
	}
	return next, nil
}

// ConvertInput says what a lead becomes. Without account_id or
// contact_id the duplicate checker looks for an existing account and
// contact and links to the best match; new_account / new_contact force
// new records.
type ConvertInput struct {
	AccountID  string     `json:"account_id,omitempty"`
	ContactID  string     `json:"contact_id,omitempty"`
	NewAccount bool       `json:"new_account,omitempty"`
	NewContact bool       `json:"new_contact,omitempty"`
	NoDeal     bool       `json:"no_deal,omitempty"`
	Deal       *DealDraft `json:"deal,omitempty"`
}

// DealDraft are the deal values a conversion starts with.
type DealDraft struct {
	Name      string  `json:"name,omitempty"`
	Amount    *string `json:"amount,omitempty"`
	Currency  string  `json:"currency,omitempty"`
	CloseDate string  `json:"close_date,omitempty"`
	StageID   string  `json:"stage_id,omitempty"`
}

// ConvertResult names the records a lead became and whether each was
// found (an existing record the duplicate checker matched) or created.
type ConvertResult struct {
	Lead           *records.Record `json:"-"`
	AccountID      string          `json:"account_id,omitempty"`
	AccountCreated bool            `json:"account_created"`
	ContactID      string          `json:"contact_id"`
	ContactCreated bool            `json:"contact_created"`
	DealID         string          `json:"deal_id,omitempty"`
	Activities     int             `json:"activities_moved"`
}

// Convert turns a lead into an account, a contact and a deal in one
// transaction, reusing the account and contact the duplicate checker
// finds, and links the lead's activities to the new records. The lead
// keeps its history, now pointing at what it became.
func (s *Service) Convert(ctx context.Context, p *auth.Principal, id string, in ConvertInput) (*ConvertResult, error) {
	dup := s.Customers
	lead, err := s.Records.Get(ctx, p, "leads", id, records.GetOptions{})
	if err != nil {
		return nil, err
	}
	if !p.Can("leads", auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change leads.")
	}
	switch str(lead, "status") {
	case LeadConverted:
		return nil, errs.E(errs.Conflict, "This lead was already converted.")
	case LeadDisqualified:
		return nil, errs.E(errs.Conflict, "A disqualified lead cannot be converted; change its status first.")
	}
	for _, need := range []struct{ object, act string }{{"contacts", "create"}, {"accounts", "create"}, {"deals", "create"}} {
		if need.object == "deals" && in.NoDeal {
			continue
		}
		if need.object == "accounts" && str(lead, "company") == "" && in.AccountID == "" {
			continue
		}
		if !p.Can(need.object, auth.ActCreate) && !(need.object == "accounts" && in.AccountID != "") {
			return nil, errs.E(errs.Forbidden, "You may not create %s.", need.object)
		}
	}
	res := &ConvertResult{}
	// Account: the one named, or a duplicate of the lead's company, or a
	// new one.
	company := str(lead, "company")
	accountIn := records.Input{"name": company}
	if w := str(lead, "website"); w != "" {
		accountIn["website"] = w
	}
	if in.AccountID != "" {
		if _, err := s.Records.Get(ctx, p, "accounts", in.AccountID, records.GetOptions{}); err != nil {
			return nil, errs.Field("body.account_id", "names no account you can see")
		}
		res.AccountID = in.AccountID
	} else if company != "" && !in.NewAccount && dup != nil {
		cands, err := dup.Check(ctx, p, "accounts", accountIn, "")
		if err != nil {
			return nil, err
		}
		if len(cands) > 0 {
			res.AccountID = cands[0].ID
		}
	}
	contactIn := records.Input{"given_name": nilIfEmpty(str(lead, "given_name")), "family_name": nilIfEmpty(str(lead, "family_name"))}
	if e := str(lead, "email"); e != "" {
		contactIn["emails"] = []string{e}
	}
	if ph := str(lead, "phone"); ph != "" {
		contactIn["phones"] = []string{ph}
	}
	if in.ContactID != "" {
		if _, err := s.Records.Get(ctx, p, "contacts", in.ContactID, records.GetOptions{}); err != nil {
			return nil, errs.Field("body.contact_id", "names no contact you can see")
		}
		res.ContactID = in.ContactID
	} else if !in.NewContact && dup != nil {
		probe := records.Input{}
		for k, v := range contactIn {
			if v != nil {
				probe[k] = v
			}
		}
		if res.AccountID != "" {
			probe["account_id"] = res.AccountID
		}
		cands, err := dup.Check(ctx, p, "contacts", probe, "")
		if err != nil {
			return nil, err
		}
		if len(cands) > 0 {
			res.ContactID = cands[0].ID
		}
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	origin := "convert:" + lead.ID
	accounts, _ := s.Records.Object("accounts")
	contacts, _ := s.Records.Object("contacts")
	deals, _ := s.Records.Object("deals")
	leads, _ := s.Records.Object("leads")
	owner := lead.OwnerID
	if res.AccountID == "" && company != "" {
		if ind := str(lead, "industry"); ind != "" {
			accountIn["industry"] = ind
		}
		if c := str(lead, "city"); c != "" {
			accountIn["billing_city"] = c
		}
		if c := str(lead, "country"); c != "" {
			accountIn["billing_country"] = c
		}
		accountIn["relationship"] = "prospect"
		if owner != "" {
			accountIn["owner_id"] = owner
		}
		a, err := s.Records.CreateTxOrigin(ctx, tx, p, accounts, accountIn, origin)
		if err != nil {
			return nil, prefixed(err, "account")
		}
		res.AccountID, res.AccountCreated = a.ID, true
	}
	if res.ContactID == "" {
		for k, v := range map[string]string{"job_title": "job_title", "city": "city", "country": "country"} {
			if x := str(lead, k); x != "" {
				contactIn[v] = x
			}
		}
		if contactIn["given_name"] == nil && contactIn["family_name"] == nil {
			contactIn["family_name"] = str(lead, "name")
		}
		if res.AccountID != "" {
			contactIn["account_id"] = res.AccountID
		}
		if owner != "" {
			contactIn["owner_id"] = owner
		}
		c, err := s.Records.CreateTxOrigin(ctx, tx, p, contacts, contactIn, origin)
		if err != nil {
			return nil, prefixed(err, "contact")
		}
		res.ContactID, res.ContactCreated = c.ID, true
	}
	if !in.NoDeal {
		d := in.Deal
		if d == nil {
			d = &DealDraft{}
		}
		name := strings.TrimSpace(d.Name)
		if name == "" {
			name = str(lead, "name")
			if company != "" {
				name = company
			}
		}
		dealIn := records.Input{"name": name, "contact_ids": []string{res.ContactID}}
		if res.AccountID != "" {
			dealIn["account_id"] = res.AccountID
		}
		if d.Amount != nil {
			cur := d.Currency
			if cur == "" {
				if s.Money != nil {
					cur, _ = s.Money.BaseCurrency(ctx, tx, p.WorkspaceID)
				}
			}
			dealIn["amount"] = map[string]any{"amount": *d.Amount, "currency": cur}
		}
		if d.CloseDate != "" {
			dealIn["close_date"] = d.CloseDate
		}
		if d.StageID != "" {
			dealIn["stage_id"] = d.StageID
		}
		if src := str(lead, "source"); src != "" {
			dealIn["source"] = src
		}
		if owner != "" {
			dealIn["owner_id"] = owner
		}
		dl, err := s.Records.CreateTxOrigin(ctx, tx, p, deals, dealIn, origin)
		if err != nil {
			return nil, prefixed(err, "deal")
		}
		// lead_id is read-only to clients: the conversion sets it.
		if _, err := tx.Exec(ctx, "UPDATE deals SET lead_id = ? WHERE workspace_id = ? AND id = ?", lead.ID, p.WorkspaceID, dl.ID); err != nil {
			return nil, err
		}
		res.DealID = dl.ID
	}
	n, err := s.moveActivities(ctx, tx, p.WorkspaceID, lead.ID, res)
	if err != nil {
		return nil, err
	}
	res.Activities = n
	cctx := context.WithValue(ctx, conversionKey{}, &conversion{accountID: res.AccountID, contactID: res.ContactID, dealID: res.DealID})
	if res.Lead, err = s.Records.UpdateTxOrigin(cctx, tx, p, leads, lead.ID, records.Input{}, origin); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("convert lead: %w", err)
	}
	return res, nil
}

// prefixed moves the field errors of a record the conversion creates
// under body.<what>.
func prefixed(err error, what string) error {
	if e, ok := errs.As(err); ok {
		for i := range e.Fields {
			e.Fields[i].Location = strings.Replace(e.Fields[i].Location, "body.", "body."+what+".", 1)
		}
	}
	return err
}

// moveActivities links the lead's activities to the account, contact
// and deal it became, keeping the link to the lead.
func (s *Service) moveActivities(ctx context.Context, tx *db.Tx, ws, leadID string, res *ConvertResult) (int, error) {
	rows, err := tx.Query(ctx, "SELECT a.id, a.occurred_at, a.type, a.done FROM activity_leads l JOIN activities a ON a.workspace_id = l.workspace_id AND a.id = l.activity_id WHERE l.workspace_id = ? AND l.lead_id = ?", ws, leadID)
	if err != nil {
		return 0, fmt.Errorf("lead activities: %w", err)
	}
	type act struct {
		id, typ  string
		occurred db.Time
		done     *bool
	}
	var acts []act
	for rows.Next() {
		var a act
		var id any
		if err := rows.Scan(&id, &a.occurred, &a.typ, &a.done); err != nil {
			rows.Close()
			return 0, err
		}
		a.id = db.IDText(id)
		acts = append(acts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, a := range acts {
		var open any
		if a.typ == "task" && (a.done == nil || !*a.done) {
			open = 1
		}
		for col, target := range map[string]string{"account_id": res.AccountID, "contact_id": res.ContactID} {
			if target == "" {
				continue
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM activity_links WHERE workspace_id = ? AND activity_id = ? AND "+col+" = ?", ws, a.id, target).Scan(&n); err != nil {
				return 0, err
			}
			if n > 0 {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO activity_links (workspace_id, activity_id, "+col+", occurred_at, open_task) VALUES (?, ?, ?, ?, ?)", ws, a.id, target, db.T(a.occurred.Time), open); err != nil {
				return 0, fmt.Errorf("link activity: %w", err)
			}
		}
		if res.DealID != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO activity_deals (workspace_id, activity_id, deal_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", ws, a.id, res.DealID); err != nil {
				return 0, fmt.Errorf("link activity: %w", err)
			}
		}
	}
	return len(acts), nil
}
