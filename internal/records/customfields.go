package records

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// CustomPrefix starts the API name of every custom field, so a standard
// field added in a later version never collides with one.
const CustomPrefix = "cf_"

var customNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// CustomField is the definition of a custom field as the API shows it.
type CustomField struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"`
	Name      string            `json:"name"`
	Type      FieldType         `json:"type"`
	Labels    map[string]string `json:"labels"`
	Required  bool              `json:"required"`
	Options   []Option          `json:"options"`
	Target    string            `json:"target,omitempty"`
	Position  int               `json:"position"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// CustomFieldInput creates or changes a custom field. On update only
// labels, required, options and position may change; pointer fields left
// nil keep their value.
type CustomFieldInput struct {
	Object   *string            `json:"object"`
	Name     *string            `json:"name"`
	Type     *FieldType         `json:"type"`
	Labels   *map[string]string `json:"labels"`
	Required *bool              `json:"required"`
	Options  *[]Option          `json:"options"`
	Target   *string            `json:"target"`
	Position *int               `json:"position"`
}

func (e *Engine) customFields(ctx context.Context, q db.Querier, ws, object string) ([]Field, error) {
	defs, err := e.listCustom(ctx, q, ws, object)
	if err != nil {
		return nil, err
	}
	out := make([]Field, len(defs))
	for i, d := range defs {
		out[i] = d.field()
	}
	return out, nil
}

func (d *CustomField) field() Field {
	return Field{Name: d.Name, Type: d.Type, Labels: d.Labels, Required: d.Required, Options: d.Options, Target: d.Target, Custom: true, ID: d.ID, Position: d.Position}
}

func (e *Engine) listCustom(ctx context.Context, q db.Querier, ws, object string) ([]CustomField, error) {
	query := "SELECT id, object, name, type, label_en, label_es, label_zh, required, options, target, position, created_at, updated_at FROM custom_fields WHERE workspace_id = ?"
	args := []any{ws}
	if object != "" {
		query += " AND object = ?"
		args = append(args, object)
	}
	rows, err := q.Query(ctx, query+" ORDER BY object, position, name", args...)
	if err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	defer rows.Close()
	var out []CustomField
	for rows.Next() {
		d, err := scanCustom(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, db.MapError(rows.Err())
}

func scanCustom(s scanner) (*CustomField, error) {
	var d CustomField
	var en, es, zh string
	var opts any
	var ca, ua db.Time
	if err := s.Scan(&d.ID, &d.Object, &d.Name, &d.Type, &en, &es, &zh, &d.Required, &opts, &d.Target, &d.Position, &ca, &ua); err != nil {
		return nil, db.MapError(err)
	}
	d.CreatedAt, d.UpdatedAt = ca.Time, ua.Time
	d.Labels = map[string]string{"en": en, "es": es, "zh": zh}
	var raw []byte
	switch x := opts.(type) {
	case string:
		raw = []byte(x)
	case []byte:
		raw = x
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &d.Options); err != nil {
			return nil, fmt.Errorf("custom field options: %w", err)
		}
	}
	if d.Options == nil {
		d.Options = []Option{}
	}
	return &d, nil
}

// ListCustomFields returns the workspace's custom fields, of one object
// or of all when object is empty. Any signed-in user may read them.
func (e *Engine) ListCustomFields(ctx context.Context, p *auth.Principal, object string) ([]CustomField, error) {
	if object != "" {
		if _, err := e.Object(object); err != nil {
			return nil, errs.Field("query.object", "names no object")
		}
	}
	out, err := e.listCustom(ctx, e.DB, p.WorkspaceID, object)
	if out == nil {
		out = []CustomField{}
	}
	return out, err
}

// GetCustomField returns one custom field definition.
func (e *Engine) GetCustomField(ctx context.Context, p *auth.Principal, id string) (*CustomField, error) {
	if !validID(id) {
		return nil, errs.ErrNotFound
	}
	return scanCustom(e.DB.QueryRow(ctx, "SELECT id, object, name, type, label_en, label_es, label_zh, required, options, target, position, created_at, updated_at FROM custom_fields WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id))
}

func (e *Engine) validateCustom(in *CustomFieldInput, cur *CustomField) []errs.FieldError {
	var fe []errs.FieldError
	add := func(loc, msg string) { fe = append(fe, errs.FieldError{Location: "body." + loc, Message: msg}) }
	if cur == nil {
		if in.Object == nil {
			add("object", "is required")
		} else if o, err := e.Object(*in.Object); err != nil || !o.Customizable {
			add("object", "names no object that takes custom fields")
		}
		if in.Name == nil {
			add("name", "is required")
		} else {
			n := strings.TrimPrefix(*in.Name, CustomPrefix)
			if !customNameRe.MatchString(n) {
				add("name", "must start with a lowercase letter and use only a-z, 0-9 and _ (at most 40)")
			}
		}
		if in.Type == nil {
			add("type", "is required")
		} else if !in.Type.Valid() {
			add("type", "must be one of the field types")
		}
	} else {
		if in.Object != nil && *in.Object != cur.Object {
			add("object", "cannot change once the field exists")
		}
		if in.Name != nil && CustomPrefix+strings.TrimPrefix(*in.Name, CustomPrefix) != cur.Name {
			add("name", "cannot change once the field exists")
		}
		if in.Type != nil && *in.Type != cur.Type {
			add("type", "cannot change once the field exists")
		}
		if in.Target != nil && *in.Target != cur.Target {
			add("target", "cannot change once the field exists")
		}
	}
	typ := FieldType("")
	if in.Type != nil {
		typ = *in.Type
	} else if cur != nil {
		typ = cur.Type
	}
	if in.Labels != nil {
		for k, v := range *in.Labels {
			if k != "en" && k != "es" && k != "zh" {
				add("labels."+k, "must be en, es or zh")
			} else if utf8.RuneCountInString(v) > 100 || !utf8.ValidString(v) {
				add("labels."+k, "must be at most 100 characters")
			}
		}
		if strings.TrimSpace((*in.Labels)["en"]) == "" && cur == nil {
			add("labels.en", "is required")
		}
	} else if cur == nil {
		add("labels.en", "is required")
	}
	if typ == Select || typ == MultiSelect {
		if in.Options == nil && cur == nil {
			add("options", "is required for select fields")
		}
		if in.Options != nil {
			if len(*in.Options) == 0 || len(*in.Options) > 200 {
				add("options", "must have 1 to 200 options")
			}
			seen := map[string]bool{}
			for i, o := range *in.Options {
				loc := fmt.Sprintf("options[%d].value", i)
				if o.Value == "" || len(o.Value) > 100 || strings.Contains(o.Value, ",") || !utf8.ValidString(o.Value) {
					add(loc, "must be 1 to 100 characters without commas")
				} else if seen[o.Value] {
					add(loc, "is listed twice")
				}
				seen[o.Value] = true
			}
		}
	} else if in.Options != nil && len(*in.Options) > 0 {
		add("options", "only select and multi-select fields take options")
	}
	if typ == Reference && cur == nil {
		if in.Target == nil {
			add("target", "is required for reference fields")
		} else if _, err := e.Object(*in.Target); err != nil {
			add("target", "names no object")
		}
	}
	return fe
}

// CreateCustomField adds a custom field; admins only.
func (e *Engine) CreateCustomField(ctx context.Context, p *auth.Principal, in CustomFieldInput) (*CustomField, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change custom fields.")
	}
	if fe := e.validateCustom(&in, nil); len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	o, _ := e.Object(*in.Object)
	name := CustomPrefix + strings.TrimPrefix(*in.Name, CustomPrefix)
	if _, clash := o.Field(name); clash {
		return nil, errs.Field("body.name", "is already a standard field")
	}
	labels := *in.Labels
	opts := []Option{}
	if in.Options != nil {
		opts = *in.Options
	}
	ob, _ := json.Marshal(opts)
	target := ""
	if in.Target != nil && *in.Type == Reference {
		target = *in.Target
	}
	pos := 0
	if in.Position != nil {
		pos = *in.Position
	}
	req := in.Required != nil && *in.Required
	now := e.Now().UTC()
	id := NewID()
	tx, err := e.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	_, err = tx.Exec(ctx, `INSERT INTO custom_fields (id, workspace_id, object, name, type, label_en, label_es, label_zh, required, options, target, position, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.WorkspaceID, o.Name, name, string(*in.Type), labels["en"], labels["es"], labels["zh"], req, string(ob), target, pos, db.T(now), db.T(now))
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, &errs.Error{Code: errs.Conflict, Message: "A custom field with that name exists.", Fields: []errs.FieldError{{Location: "body.name", Message: "is already used by another custom field of this object"}}}
		}
		return nil, fmt.Errorf("create custom field: %w", err)
	}
	f := Field{Name: name, Type: *in.Type, Options: opts, Target: target, Custom: true}
	if err := e.fitLeftValues(ctx, tx, p.WorkspaceID, o, &f); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create custom field: %w", err)
	}
	return e.GetCustomField(ctx, p, id)
}

// fitLeftValues makes the values a removed field of the same name left
// in records (see DeleteCustomField) fit the new field f: kept in their
// canonical form when they are valid for its type, dropped when not
// (they stay in the history). Left as they were, text under a new
// number field would break every filter and sort on it on PostgreSQL
// (a failed cast) and match wrongly on SQLite.
func (e *Engine) fitLeftValues(ctx context.Context, tx *db.Tx, ws string, o *Object, f *Field) error {
	rows, err := tx.Query(ctx, "SELECT id, custom FROM "+o.Table+" WHERE workspace_id = ? AND "+hasMember(tx.Dialect(), f.Name), ws)
	if err != nil {
		return fmt.Errorf("custom field %s: find left values: %w", f.Name, err)
	}
	type fix struct {
		id     any
		custom string
	}
	var fixes []fix
	for rows.Next() {
		var id, raw any
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("custom field %s: %w", f.Name, err)
		}
		var s string
		switch x := raw.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			rows.Close()
			return fmt.Errorf("custom field %s: %w", f.Name, err)
		}
		if v, msg := f.Normalize(m[f.Name]); msg != "" || v == nil {
			delete(m, f.Name)
		} else {
			m[f.Name] = v
		}
		b, _ := json.Marshal(m)
		fixes = append(fixes, fix{id, string(b)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("custom field %s: %w", f.Name, err)
	}
	for _, x := range fixes {
		if _, err := tx.Exec(ctx, "UPDATE "+o.Table+" SET custom = ? WHERE workspace_id = ? AND id = ?", x.custom, ws, x.id); err != nil {
			return fmt.Errorf("custom field %s: fit left values: %w", f.Name, err)
		}
	}
	return nil
}

// UpdateCustomField changes a custom field's labels, required flag,
// options or position; admins only.
func (e *Engine) UpdateCustomField(ctx context.Context, p *auth.Principal, id string, in CustomFieldInput) (*CustomField, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change custom fields.")
	}
	cur, err := e.GetCustomField(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if fe := e.validateCustom(&in, cur); len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	if in.Labels != nil {
		for k, v := range *in.Labels {
			cur.Labels[k] = v
		}
		if strings.TrimSpace(cur.Labels["en"]) == "" {
			return nil, errs.Field("body.labels.en", "is required")
		}
	}
	if in.Required != nil {
		cur.Required = *in.Required
	}
	if in.Options != nil {
		cur.Options = *in.Options
	}
	if in.Position != nil {
		cur.Position = *in.Position
	}
	ob, _ := json.Marshal(cur.Options)
	_, err = e.DB.Exec(ctx, "UPDATE custom_fields SET label_en = ?, label_es = ?, label_zh = ?, required = ?, options = ?, position = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
		cur.Labels["en"], cur.Labels["es"], cur.Labels["zh"], cur.Required, string(ob), cur.Position, db.T(e.Now()), p.WorkspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("update custom field: %w", err)
	}
	return e.GetCustomField(ctx, p, id)
}

// DeleteCustomField removes a custom field definition; admins only. The
// stored values stay in the records (and in history) but are no longer
// shown or accepted.
func (e *Engine) DeleteCustomField(ctx context.Context, p *auth.Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change custom fields.")
	}
	if !validID(id) {
		return errs.ErrNotFound
	}
	res, err := e.DB.Exec(ctx, "DELETE FROM custom_fields WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	if err != nil {
		return fmt.Errorf("delete custom field: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}
