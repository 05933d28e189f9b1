package server

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
)

// none is the input of operations without a body.
type none struct{}

// handle adapts a typed function to an API handler: it decodes the body
// into In (when In is not none), calls fn and writes its result as JSON
// with status (204 writes nothing).
func handle[In any, Out any](status int, fn func(r *http.Request, p *auth.Principal, in *In) (Out, error)) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		var in In
		if _, isNone := any(in).(none); !isNone {
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
		}
		out, err := fn(r, p, &in)
		if err != nil {
			return err
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return nil
		}
		api.WriteJSON(w, status, out)
		return nil
	}
}

func list[T any](data []T) map[string]any { return map[string]any{"data": data} }

func listOf(item api.Schema) api.Schema {
	return api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": item}}}
}

func (s *Server) registerSettingsAPI() {
	a := s.API
	strs := api.Schema{"type": "array", "items": str}
	boolean := api.Schema{"type": "boolean"}
	perm := api.Schema{"type": "object", "properties": api.Schema{"read": boolean, "create": boolean, "update": boolean, "delete": boolean, "scope": api.Schema{"type": "string", "enum": []string{"own", "team", "all"}}}}
	roleSchema := api.Schema{"type": "object", "properties": api.Schema{"id": str, "name": str, "builtin": str, "is_admin": boolean, "user_count": api.Schema{"type": "integer"},
		"permissions": api.Schema{"type": "object", "description": "per object name, and \"*\" for objects not named", "additionalProperties": perm}}}
	teamSchema := api.Schema{"type": "object", "properties": api.Schema{"id": str, "name": str, "description": str, "member_ids": strs, "created_at": str}}
	tokenSchema := api.Schema{"type": "object", "properties": api.Schema{"id": str, "user_id": str, "name": str, "prefix": str, "created_at": str, "last_used_at": str, "revoked_at": str}}

	a.Handle(api.Op{Method: "GET", Path: "/api/v1/workspace", ID: "get_workspace", Tag: "workspace", Summary: "Your workspace's settings", Response: workspaceSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (*auth.Workspace, error) {
			return s.Auth.GetWorkspace(r.Context(), p.WorkspaceID)
		})})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/workspace", ID: "update_workspace", Tag: "workspace", Summary: "Change the workspace's name, base currency, default language or time zone (admins)",
		Body: obj(api.Schema{"name": str, "currency": str, "language": str, "timezone": str}), Response: workspaceSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, in *auth.WorkspaceInput) (*auth.Workspace, error) {
			return s.Auth.UpdateWorkspace(r.Context(), p, *in)
		})})

	userIn := obj(api.Schema{"email": str, "name": str, "password": api.Schema{"type": "string", "minLength": auth.MinPassword, "maxLength": auth.MaxPassword, "description": "leave out to invite the user"},
		"role_id": str, "language": str, "timezone": str, "active": boolean, "team_ids": strs})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/users", ID: "list_users", Tag: "users", Summary: "List the workspace's users", Response: listOf(userSchema),
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (map[string]any, error) {
			us, err := s.Auth.ListUsers(r.Context(), p)
			return list(us), err
		})})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/users", ID: "create_user", Tag: "users", Summary: "Create or invite a user (admins)", Status: 201, Body: userIn,
		Description: "Without a password the user is invited: invite_token (shown once) lets them choose a password at /invite/{token}.",
		Response:    api.Schema{"type": "object", "properties": api.Schema{"user": userSchema, "invite_token": str}},
		Handler: handle(201, func(r *http.Request, p *auth.Principal, in *auth.UserInput) (map[string]any, error) {
			u, invite, err := s.Auth.CreateUser(r.Context(), p, *in)
			if err != nil {
				return nil, err
			}
			out := map[string]any{"user": u}
			if invite != "" {
				out["invite_token"] = invite
			}
			return out, nil
		})})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/users/{id}", ID: "get_user", Tag: "users", Summary: "Read a user", Response: userSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (*auth.User, error) {
			return s.Auth.GetUser(r.Context(), p, api.PathID(r, "id"))
		})})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/users/{id}", ID: "update_user", Tag: "users", Summary: "Change a user: role, teams, deactivate (active=false), reset password (admins)", Body: userIn, Response: userSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, in *auth.UserInput) (*auth.User, error) {
			return s.Auth.UpdateUser(r.Context(), p, api.PathID(r, "id"), *in)
		})})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/users/{id}/totp/disable", ID: "disable_user_totp", Tag: "users", Summary: "Turn off a user's two-factor sign-in (admins; a lost phone)", Status: 204,
		Handler: handle(204, func(r *http.Request, p *auth.Principal, _ *none) (any, error) {
			return nil, s.Auth.DisableTOTP(r.Context(), p, api.PathID(r, "id"), "")
		})})

	teamIn := obj(api.Schema{"name": str, "description": str, "member_ids": strs})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/teams", ID: "list_teams", Tag: "teams", Summary: "List teams", Response: listOf(teamSchema),
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (map[string]any, error) {
			ts, err := s.Auth.ListTeams(r.Context(), p)
			return list(ts), err
		})})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/teams", ID: "create_team", Tag: "teams", Summary: "Create a team (admins)", Status: 201, Body: teamIn, Response: teamSchema,
		Handler: handle(201, func(r *http.Request, p *auth.Principal, in *auth.TeamInput) (*auth.Team, error) {
			return s.Auth.SaveTeam(r.Context(), p, "", *in)
		})})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/teams/{id}", ID: "get_team", Tag: "teams", Summary: "Read a team", Response: teamSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (*auth.Team, error) {
			return s.Auth.GetTeam(r.Context(), p, api.PathID(r, "id"))
		})})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/teams/{id}", ID: "update_team", Tag: "teams", Summary: "Change a team and its members (admins)", Body: teamIn, Response: teamSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, in *auth.TeamInput) (*auth.Team, error) {
			return s.Auth.SaveTeam(r.Context(), p, api.PathID(r, "id"), *in)
		})})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/teams/{id}", ID: "delete_team", Tag: "teams", Summary: "Remove a team (admins)", Status: 204,
		Handler: handle(204, func(r *http.Request, p *auth.Principal, _ *none) (any, error) {
			return nil, s.Auth.DeleteTeam(r.Context(), p, api.PathID(r, "id"))
		})})

	roleIn := obj(api.Schema{"name": str, "copy_from": api.Schema{"type": "string", "description": "start from this role's permissions"}, "permissions": roleSchema["properties"].(api.Schema)["permissions"]})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/roles", ID: "list_roles", Tag: "roles", Summary: "List roles", Response: listOf(roleSchema),
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (map[string]any, error) {
			rs, err := s.Auth.ListRoles(r.Context(), p)
			return list(rs), err
		})})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/roles", ID: "create_role", Tag: "roles", Summary: "Create a role, e.g. a copy of a built-in one (admins)", Status: 201, Body: roleIn, Response: roleSchema,
		Handler: handle(201, func(r *http.Request, p *auth.Principal, in *auth.RoleInput) (*auth.Role, error) {
			return s.Auth.SaveRole(r.Context(), p, "", *in)
		})})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/roles/{id}", ID: "get_role", Tag: "roles", Summary: "Read a role", Response: roleSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (*auth.Role, error) {
			return s.Auth.GetRole(r.Context(), p, api.PathID(r, "id"))
		})})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/roles/{id}", ID: "update_role", Tag: "roles", Summary: "Change a role's name or permissions (admins)", Body: roleIn, Response: roleSchema,
		Handler: handle(200, func(r *http.Request, p *auth.Principal, in *auth.RoleInput) (*auth.Role, error) {
			return s.Auth.SaveRole(r.Context(), p, api.PathID(r, "id"), *in)
		})})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/roles/{id}", ID: "delete_role", Tag: "roles", Summary: "Remove a role no user holds (admins)", Status: 204,
		Handler: handle(204, func(r *http.Request, p *auth.Principal, _ *none) (any, error) {
			return nil, s.Auth.DeleteRole(r.Context(), p, api.PathID(r, "id"))
		})})

	a.Handle(api.Op{Method: "GET", Path: "/api/v1/tokens", ID: "list_tokens", Tag: "tokens", Summary: "List your API tokens (admins: everyone's)", Response: listOf(tokenSchema),
		Handler: handle(200, func(r *http.Request, p *auth.Principal, _ *none) (map[string]any, error) {
			ts, err := s.Auth.ListTokens(r.Context(), p)
			return list(ts), err
		})})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/tokens", ID: "create_token", Tag: "tokens", Summary: "Create an API token; the secret is in the answer and never again", Status: 201,
		Body:     obj(api.Schema{"name": str}, "name"),
		Response: api.Schema{"type": "object", "properties": api.Schema{"token": tokenSchema, "secret": str}},
		Handler: handle(201, func(r *http.Request, p *auth.Principal, in *struct {
			Name string `json:"name"`
		}) (map[string]any, error) {
			t, secret, err := s.Auth.CreateToken(r.Context(), p, in.Name)
			if err != nil {
				return nil, err
			}
			return map[string]any{"token": t, "secret": secret}, nil
		})})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/tokens/{id}", ID: "revoke_token", Tag: "tokens", Summary: "Revoke an API token", Status: 204,
		Handler: handle(204, func(r *http.Request, p *auth.Principal, _ *none) (any, error) {
			return nil, s.Auth.RevokeToken(r.Context(), p, api.PathID(r, "id"))
		})})
}
