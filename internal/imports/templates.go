package imports

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Template is a saved mapping with its options, to reuse for files of
// the same layout.
type Template struct {
	ID             string    `json:"id"`
	Object         string    `json:"object"`
	Name           string    `json:"name"`
	Mapping        []Column  `json:"mapping"`
	Mode           string    `json:"mode,omitempty"`
	Key            string    `json:"key,omitempty"`
	DupPolicy      string    `json:"duplicates,omitempty"`
	CreateAccounts bool      `json:"create_accounts"`
	CreatedBy      string    `json:"created_by,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// TemplateInput creates or changes a template; nil fields keep their
// value on change.
type TemplateInput struct {
	Object         *string   `json:"object"`
	Name           *string   `json:"name"`
	Mapping        *[]Column `json:"mapping"`
	Mode           *string   `json:"mode"`
	Key            *string   `json:"key"`
	DupPolicy      *string   `json:"duplicates"`
	CreateAccounts *bool     `json:"create_accounts"`
}

// applyTo fills the options a start did not set from the template.
func (t *Template) applyTo(o *Options) {
	if o.Mapping == nil {
		m := t.Mapping
		o.Mapping = &m
	}
	if o.Mode == nil && t.Mode != "" {
		o.Mode = &t.Mode
	}
	if o.Key == nil && t.Key != "" {
		o.Key = &t.Key
	}
	if o.DupPolicy == nil && t.DupPolicy != "" {
		o.DupPolicy = &t.DupPolicy
	}
	if o.CreateAccounts == nil {
		v := t.CreateAccounts
		o.CreateAccounts = &v
	}
}

const templateCols = "id, object, name, mapping, mode, key_field, dup_policy, create_accounts, created_by, created_at, updated_at"

func scanTemplate(sc scanner) (*Template, error) {
	var t Template
	var id, by any
	var mapping string
	var created, updated db.Time
	if err := sc.Scan(&id, &t.Object, &t.Name, &mapping, &t.Mode, &t.Key, &t.DupPolicy, &t.CreateAccounts, &by, &created, &updated); err != nil {
		return nil, db.MapError(err)
	}
	t.ID, t.CreatedBy, t.CreatedAt, t.UpdatedAt = db.IDText(id), db.IDText(by), created.Time, updated.Time
	if err := json.Unmarshal([]byte(mapping), &t.Mapping); err != nil {
		return nil, fmt.Errorf("scan import template: %w", err)
	}
	if t.Mapping == nil {
		t.Mapping = []Column{}
	}
	return &t, nil
}

// Templates lists the workspace's templates, of object when not empty.
func (s *Service) Templates(ctx context.Context, p *auth.Principal, object string) ([]*Template, error) {
	q := "SELECT " + templateCols + " FROM import_templates WHERE workspace_id = ?"
	args := []any{p.WorkspaceID}
	if object != "" {
		q += " AND object = ?"
		args = append(args, object)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY object, lower(name)", args...)
	if err != nil {
		return nil, fmt.Errorf("list import templates: %w", err)
	}
	defer rows.Close()
	out := []*Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, db.MapError(rows.Err())
}

// GetTemplate returns one template of the workspace.
func (s *Service) GetTemplate(ctx context.Context, p *auth.Principal, id string) (*Template, error) {
	if !validUUID(id) {
		return nil, errs.ErrNotFound
	}
	t, err := scanTemplate(s.DB.QueryRow(ctx, "SELECT "+templateCols+" FROM import_templates WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.ErrNotFound
		}
		return nil, err
	}
	return t, nil
}

// findTemplate finds a template of object by id or by name.
func (s *Service) findTemplate(ctx context.Context, p *auth.Principal, object, ref string) (*Template, error) {
	var t *Template
	var err error
	if validUUID(ref) {
		t, err = s.GetTemplate(ctx, p, ref)
	} else {
		t, err = scanTemplate(s.DB.QueryRow(ctx, "SELECT "+templateCols+" FROM import_templates WHERE workspace_id = ? AND object = ? AND lower(name) = lower(?)", p.WorkspaceID, object, strings.TrimSpace(ref)))
	}
	if err != nil || t.Object != object {
		if err == nil || errs.Is(err, errs.NotFound) {
			return nil, errs.Field("body.template", fmt.Sprintf("names no import template of %s", object))
		}
		return nil, err
	}
	return t, nil
}

func (s *Service) validateTemplate(ctx context.Context, p *auth.Principal, t *Template) error {
	var fe []errs.FieldError
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
		fe = append(fe, errs.FieldError{Location: "body.name", Message: "must be 1 to 100 characters"})
	}
	o, err := s.Records.Object(t.Object)
	if err != nil {
		return errs.Field("body.object", "names no object")
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	ts := targets(o.Name, fields)
	if len(t.Mapping) > 2000 {
		fe = append(fe, errs.FieldError{Location: "body.mapping", Message: "must have at most 2000 columns"})
	}
	for i, c := range t.Mapping {
		if strings.TrimSpace(c.Column) == "" {
			fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.mapping[%d].column", i), Message: "is required"})
		}
		if c.Field != "" {
			if _, ok := findTarget(ts, c.Field); !ok {
				fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.mapping[%d].field", i), Message: fmt.Sprintf("is not a field of %s nor a known import target: %q", o.Name, c.Field)})
			}
		}
	}
	if t.Mode != "" && t.Mode != ModeCreate && t.Mode != ModeUpdate && t.Mode != ModeUpsert {
		fe = append(fe, errs.FieldError{Location: "body.mode", Message: "must be create, update or upsert"})
	}
	if t.DupPolicy != "" && t.DupPolicy != DupSkip && t.DupPolicy != DupUpdate && t.DupPolicy != DupCreate {
		fe = append(fe, errs.FieldError{Location: "body.duplicates", Message: "must be skip, update or create"})
	}
	if t.Key != "" && !hasKey(keyTargets(o.Name, fields), t.Key) {
		fe = append(fe, errs.FieldError{Location: "body.key", Message: "must be one of: " + strings.Join(keyTargets(o.Name, fields), ", ")})
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// SaveTemplate creates a template (id "") or changes one.
func (s *Service) SaveTemplate(ctx context.Context, p *auth.Principal, id string, in TemplateInput) (*Template, error) {
	s.init()
	var t *Template
	if id == "" {
		t = &Template{Mapping: []Column{}}
		if in.Object == nil {
			return nil, errs.Field("body.object", "is required")
		}
		if in.Name == nil {
			return nil, errs.Field("body.name", "is required")
		}
		t.Object = *in.Object
	} else {
		var err error
		if t, err = s.GetTemplate(ctx, p, id); err != nil {
			return nil, err
		}
		if in.Object != nil && *in.Object != t.Object {
			return nil, errs.Field("body.object", "cannot change")
		}
	}
	if _, err := s.object(p, t.Object); err != nil {
		if errs.Is(err, errs.Invalid) {
			return nil, err
		}
		return nil, err
	}
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Mapping != nil {
		t.Mapping = *in.Mapping
	}
	if in.Mode != nil {
		t.Mode = *in.Mode
	}
	if in.Key != nil {
		t.Key = *in.Key
	}
	if in.DupPolicy != nil {
		t.DupPolicy = *in.DupPolicy
	}
	if in.CreateAccounts != nil {
		t.CreateAccounts = *in.CreateAccounts
	}
	if err := s.validateTemplate(ctx, p, t); err != nil {
		return nil, err
	}
	m, _ := json.Marshal(t.Mapping)
	now := db.T(s.Now())
	var err error
	if id == "" {
		t.ID = records.NewID()
		_, err = s.DB.Exec(ctx, "INSERT INTO import_templates (id, workspace_id, object, name, mapping, mode, key_field, dup_policy, create_accounts, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			t.ID, p.WorkspaceID, t.Object, t.Name, string(m), t.Mode, t.Key, t.DupPolicy, t.CreateAccounts, p.UserID, now, now)
	} else {
		_, err = s.DB.Exec(ctx, "UPDATE import_templates SET name = ?, mapping = ?, mode = ?, key_field = ?, dup_policy = ?, create_accounts = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
			t.Name, string(m), t.Mode, t.Key, t.DupPolicy, t.CreateAccounts, now, p.WorkspaceID, t.ID)
	}
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, &errs.Error{Code: errs.Conflict, Message: "A template with this name already exists.", Fields: []errs.FieldError{{Location: "body.name", Message: "is already used by another template of " + t.Object}}, Err: err}
		}
		return nil, fmt.Errorf("save import template: %w", err)
	}
	return s.GetTemplate(ctx, p, t.ID)
}

// DeleteTemplate removes a template.
func (s *Service) DeleteTemplate(ctx context.Context, p *auth.Principal, id string) error {
	t, err := s.GetTemplate(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.IsAdmin && t.CreatedBy != p.UserID {
		return errs.E(errs.Forbidden, "Only its author or an admin may delete a template.")
	}
	if _, err := s.DB.Exec(ctx, "DELETE FROM import_templates WHERE workspace_id = ? AND id = ?", p.WorkspaceID, t.ID); err != nil {
		return fmt.Errorf("delete import template: %w", err)
	}
	return nil
}
