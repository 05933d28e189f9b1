package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Team groups users; a role with team scope reaches the records owned by
// anyone who shares a team with the caller.
type Team struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberIDs   []string  `json:"member_ids"`
	CreatedAt   time.Time `json:"created_at"`
}

// TeamInput creates or changes a team.
type TeamInput struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	MemberIDs   *[]string `json:"member_ids"`
}

// ListTeams returns the workspace's teams with their members.
func (s *Service) ListTeams(ctx context.Context, p *Principal) ([]*Team, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, name, description, created_at FROM teams WHERE workspace_id = ? ORDER BY lower(name)", p.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer rows.Close()
	out := []*Team{}
	by := map[string]*Team{}
	for rows.Next() {
		var t Team
		var at db.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.Description, &at); err != nil {
			return nil, err
		}
		t.CreatedAt = at.Time
		t.MemberIDs = []string{}
		out = append(out, &t)
		by[t.ID] = &t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows2, err := s.DB.Query(ctx, "SELECT team_id, user_id FROM team_members WHERE workspace_id = ? ORDER BY user_id", p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows2.Close()
	for rows2.Next() {
		var tid, uid string
		if err := rows2.Scan(&tid, &uid); err != nil {
			return nil, err
		}
		if t := by[tid]; t != nil {
			t.MemberIDs = append(t.MemberIDs, uid)
		}
	}
	return out, rows2.Err()
}

// GetTeam returns one team.
func (s *Service) GetTeam(ctx context.Context, p *Principal, id string) (*Team, error) {
	ts, err := s.ListTeams(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, errs.ErrNotFound
}

func (in *TeamInput) validate(create bool) []errs.FieldError {
	var fe []errs.FieldError
	if in.Name != nil || create {
		n := ""
		if in.Name != nil {
			n = strings.TrimSpace(*in.Name)
		}
		if n == "" || utf8.RuneCountInString(n) > 100 || !utf8.ValidString(n) {
			fe = append(fe, errs.FieldError{Location: "body.name", Message: "is required and must be at most 100 characters"})
		}
		in.Name = &n
	}
	if in.Description != nil && (utf8.RuneCountInString(*in.Description) > 1000 || !utf8.ValidString(*in.Description)) {
		fe = append(fe, errs.FieldError{Location: "body.description", Message: "must be at most 1000 characters"})
	}
	return fe
}

// SaveTeam creates (id empty) or changes a team; admins only.
func (s *Service) SaveTeam(ctx context.Context, p *Principal, id string, in TeamInput) (*Team, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may manage teams.")
	}
	if fe := in.validate(id == ""); len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := db.T(s.Now())
	conflict := func(err error) error {
		if errs.Is(err, errs.Conflict) {
			return &errs.Error{Code: errs.Conflict, Message: "A team with that name exists.", Fields: []errs.FieldError{{Location: "body.name", Message: "is already the name of a team"}}}
		}
		return err
	}
	if id == "" {
		id = newID()
		desc := ""
		if in.Description != nil {
			desc = *in.Description
		}
		if _, err := tx.Exec(ctx, "INSERT INTO teams (id, workspace_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", id, p.WorkspaceID, *in.Name, desc, now, now); err != nil {
			return nil, conflict(err)
		}
	} else {
		if _, err := uuid.Parse(id); err != nil {
			return nil, errs.ErrNotFound
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM teams WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&n); err != nil || n == 0 {
			return nil, errs.ErrNotFound
		}
		if in.Name != nil {
			if _, err := tx.Exec(ctx, "UPDATE teams SET name = ?, updated_at = ? WHERE id = ?", *in.Name, now, id); err != nil {
				return nil, conflict(err)
			}
		}
		if in.Description != nil {
			if _, err := tx.Exec(ctx, "UPDATE teams SET description = ?, updated_at = ? WHERE id = ?", *in.Description, now, id); err != nil {
				return nil, err
			}
		}
	}
	if in.MemberIDs != nil {
		if _, err := tx.Exec(ctx, "DELETE FROM team_members WHERE team_id = ?", id); err != nil {
			return nil, err
		}
		for i, uid := range slices.Compact(slices.Sorted(slices.Values(*in.MemberIDs))) {
			var n int
			if _, err := uuid.Parse(uid); err == nil {
				_ = tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE workspace_id = ? AND id = ?", p.WorkspaceID, uid).Scan(&n)
			}
			if n == 0 {
				return nil, errs.Field(fmt.Sprintf("body.member_ids[%d]", i), "names no user of this workspace")
			}
			if _, err := tx.Exec(ctx, "INSERT INTO team_members (workspace_id, team_id, user_id) VALUES (?, ?, ?)", p.WorkspaceID, id, uid); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.GetTeam(ctx, p, id)
}

// DeleteTeam removes a team (its members stay users); admins only.
func (s *Service) DeleteTeam(ctx context.Context, p *Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may manage teams.")
	}
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	res, err := s.DB.Exec(ctx, "DELETE FROM teams WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// Role is a named set of permissions.
type Role struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Builtin     string                `json:"builtin"`
	IsAdmin     bool                  `json:"is_admin"`
	Permissions map[string]ObjectPerm `json:"permissions"`
	UserCount   int                   `json:"user_count"`
}

// RoleInput creates or changes a role. CopyFrom starts a new role from
// an existing one's permissions.
type RoleInput struct {
	Name        *string                `json:"name"`
	CopyFrom    *string                `json:"copy_from"`
	Permissions *map[string]ObjectPerm `json:"permissions"`
}

// ListRoles returns the workspace's roles with how many users hold each.
func (s *Service) ListRoles(ctx context.Context, p *Principal) ([]*Role, error) {
	rows, err := s.DB.Query(ctx, `SELECT r.id, r.name, r.builtin, r.is_admin, r.permissions, (SELECT COUNT(*) FROM users u WHERE u.role_id = r.id)
FROM roles r WHERE r.workspace_id = ? ORDER BY r.is_admin DESC, r.created_at, r.name`, p.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	defer rows.Close()
	out := []*Role{}
	for rows.Next() {
		var r Role
		var perms any
		if err := rows.Scan(&r.ID, &r.Name, &r.Builtin, &r.IsAdmin, &perms, &r.UserCount); err != nil {
			return nil, err
		}
		var b []byte
		switch x := perms.(type) {
		case string:
			b = []byte(x)
		case []byte:
			b = x
		}
		if err := json.Unmarshal(b, &r.Permissions); err != nil {
			return nil, fmt.Errorf("role permissions: %w", err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// GetRole returns one role.
func (s *Service) GetRole(ctx context.Context, p *Principal, id string) (*Role, error) {
	rs, err := s.ListRoles(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, errs.ErrNotFound
}

// SaveRole creates (id empty) or changes a role; admins only. The admin
// role's permissions cannot change (it always has them all).
func (s *Service) SaveRole(ctx context.Context, p *Principal, id string, in RoleInput) (*Role, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may manage roles.")
	}
	var fe []errs.FieldError
	var cur *Role
	if id != "" {
		r, err := s.GetRole(ctx, p, id)
		if err != nil {
			return nil, err
		}
		cur = r
		if cur.IsAdmin && in.Permissions != nil {
			fe = append(fe, errs.FieldError{Location: "body.permissions", Message: "the admin role always has every permission"})
		}
	}
	if in.Name != nil || cur == nil {
		n := ""
		if in.Name != nil {
			n = strings.TrimSpace(*in.Name)
		}
		if n == "" || utf8.RuneCountInString(n) > 100 {
			fe = append(fe, errs.FieldError{Location: "body.name", Message: "is required and must be at most 100 characters"})
		}
		in.Name = &n
	} else {
		// A change that leaves the name out keeps it (the UPDATE below
		// writes *in.Name).
		in.Name = &cur.Name
	}
	perms := map[string]ObjectPerm{}
	if cur != nil {
		perms = cur.Permissions
	}
	if in.CopyFrom != nil {
		src, err := s.GetRole(ctx, p, *in.CopyFrom)
		if err != nil {
			fe = append(fe, errs.FieldError{Location: "body.copy_from", Message: "names no role of this workspace"})
		} else {
			perms = src.Permissions
			if src.IsAdmin {
				perms = map[string]ObjectPerm{"*": {true, true, true, true, ScopeAll}}
			}
		}
	}
	if in.Permissions != nil {
		known := append(s.Objects(), "*")
		for obj, op := range *in.Permissions {
			if !slices.Contains(known, obj) {
				fe = append(fe, errs.FieldError{Location: "body.permissions." + obj, Message: "names no object"})
			}
			if !op.Scope.Valid() {
				fe = append(fe, errs.FieldError{Location: "body.permissions." + obj + ".scope", Message: "must be own, team or all"})
			}
		}
		perms = *in.Permissions
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	pj, _ := json.Marshal(perms)
	now := db.T(s.Now())
	var err error
	if cur == nil {
		id = newID()
		_, err = s.DB.Exec(ctx, "INSERT INTO roles (id, workspace_id, name, builtin, is_admin, permissions, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?)", id, p.WorkspaceID, *in.Name, false, string(pj), now, now)
	} else {
		_, err = s.DB.Exec(ctx, "UPDATE roles SET name = ?, permissions = ?, updated_at = ? WHERE workspace_id = ? AND id = ?", *in.Name, string(pj), now, p.WorkspaceID, id)
	}
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, &errs.Error{Code: errs.Conflict, Message: "A role with that name exists.", Fields: []errs.FieldError{{Location: "body.name", Message: "is already the name of a role"}}}
		}
		return nil, fmt.Errorf("save role: %w", err)
	}
	return s.GetRole(ctx, p, id)
}

// DeleteRole removes a role no user holds; admins only; the admin role
// cannot be removed.
func (s *Service) DeleteRole(ctx context.Context, p *Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may manage roles.")
	}
	r, err := s.GetRole(ctx, p, id)
	if err != nil {
		return err
	}
	if r.IsAdmin {
		return errs.E(errs.Conflict, "The admin role cannot be removed.")
	}
	if r.UserCount > 0 {
		return errs.E(errs.Conflict, "Move the %d users of this role to another role first.", r.UserCount)
	}
	_, err = s.DB.Exec(ctx, "DELETE FROM roles WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	return err
}
