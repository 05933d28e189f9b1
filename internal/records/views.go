package records

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// View is a saved list view: filters and sort (as a list query string)
// and the columns shown. Shared views are visible to the whole workspace.
type View struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Columns   []string  `json:"columns"`
	Shared    bool      `json:"shared"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ViewInput saves a view.
type ViewInput struct {
	Object  string   `json:"object"`
	Name    string   `json:"name"`
	Query   string   `json:"query"`
	Columns []string `json:"columns"`
	Shared  bool     `json:"shared"`
}

// ListViews returns the caller's views of object and the shared ones.
func (e *Engine) ListViews(ctx context.Context, p *auth.Principal, object string) ([]*View, error) {
	rows, err := e.DB.Query(ctx, "SELECT id, object, name, query, columns, shared, user_id, created_at FROM saved_views WHERE workspace_id = ? AND object = ? AND (user_id = ? OR shared) ORDER BY lower(name)",
		p.WorkspaceID, object, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("list views: %w", err)
	}
	defer rows.Close()
	out := []*View{}
	for rows.Next() {
		var v View
		var cols string
		var at db.Time
		if err := rows.Scan(&v.ID, &v.Object, &v.Name, &v.Query, &cols, &v.Shared, &v.UserID, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = at.Time
		v.Columns = splitList(cols)
		out = append(out, &v)
	}
	return out, rows.Err()
}

// SaveView validates and stores a new view; its query must be a valid
// list query for the object, so a saved view never fails to open.
func (e *Engine) SaveView(ctx context.Context, p *auth.Principal, in ViewInput) (*View, error) {
	o, err := e.Object(in.Object)
	if err != nil {
		return nil, errs.Field("body.object", "names no object")
	}
	if !p.Can(o.Name, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	var fe []errs.FieldError
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		fe = append(fe, errs.FieldError{Location: "body.name", Message: "is required and must be at most 100 characters"})
	}
	vals, perr := url.ParseQuery(in.Query)
	if perr != nil || len(in.Query) > 4000 {
		fe = append(fe, errs.FieldError{Location: "body.query", Message: "must be a list query string like filter[name][contains]=a&sort=-created_at"})
	} else {
		vals.Del("cursor")
		q, err := ParseListQuery(vals)
		if err == nil {
			q.Limit = 1
			_, err = e.List(ctx, p, o.Name, q)
		}
		if err != nil {
			fe = append(fe, errs.FieldError{Location: "body.query", Message: "is not a valid list query for " + o.Name})
		}
		in.Query = vals.Encode()
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	for i, c := range in.Columns {
		if _, ok := fieldByName(fields, c); !ok {
			fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.columns[%d]", i), Message: "names no field of " + o.Name})
		}
	}
	if in.Shared && !p.IsAdmin {
		fe = append(fe, errs.FieldError{Location: "body.shared", Message: "only admins may share views with the workspace"})
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	v := &View{ID: NewID(), Object: o.Name, Name: in.Name, Query: in.Query, Columns: in.Columns, Shared: in.Shared, UserID: p.UserID, CreatedAt: e.Now().UTC()}
	if v.Columns == nil {
		v.Columns = []string{}
	}
	_, err = e.DB.Exec(ctx, "INSERT INTO saved_views (id, workspace_id, user_id, object, name, query, columns, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v.ID, p.WorkspaceID, p.UserID, v.Object, v.Name, v.Query, strings.Join(v.Columns, ","), v.Shared, db.T(v.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("save view: %w", err)
	}
	return v, nil
}

// DeleteView removes one of the caller's views (admins: shared ones too).
func (e *Engine) DeleteView(ctx context.Context, p *auth.Principal, id string) error {
	if !validID(id) {
		return errs.ErrNotFound
	}
	q := "DELETE FROM saved_views WHERE workspace_id = ? AND id = ? AND (user_id = ?"
	if p.IsAdmin {
		q += " OR shared"
	}
	res, err := e.DB.Exec(ctx, q+")", p.WorkspaceID, id, p.UserID)
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

func (e *Engine) registerViewsAPI(a *api.API) {
	view := api.Schema{"type": "object", "properties": api.Schema{"id": api.Schema{"type": "string"}, "object": api.Schema{"type": "string"}, "name": api.Schema{"type": "string"},
		"query": api.Schema{"type": "string"}, "columns": api.Schema{"type": "array", "items": api.Schema{"type": "string"}}, "shared": api.Schema{"type": "boolean"}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/views", ID: "list_views", Tag: "views", Summary: "List your saved views of an object and the shared ones",
		Params:   []api.Param{{Name: "object", In: "query", Required: true}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": view}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			obj := r.URL.Query().Get("object")
			if _, err := e.Object(obj); err != nil {
				return errs.Field("query.object", "names no object")
			}
			vs, err := e.ListViews(r.Context(), p, obj)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": vs})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/views", ID: "create_view", Tag: "views", Summary: "Save a list view (filters, sort, columns)", Body: view, Status: 201, Response: view,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in ViewInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			v, err := e.SaveView(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, v)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/views/{id}", ID: "delete_view", Tag: "views", Summary: "Remove a saved view", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := e.DeleteView(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}
